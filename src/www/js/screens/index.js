import login from './login.js'; import queue from './queue.js'; import alarm from './alarm.js';
// h-www-screens adds its imports and entries below this line
export default [login, queue, alarm, /* more */];
