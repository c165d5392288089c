import login from './login.js'; import queue from './queue.js'; import alarm from './alarm.js';
// h-www-screens adds its imports and entries below this line
import site, { sites } from './site.js';
import patrol from './patrol.js';
import search from './search.js';
import stats from './stats.js';
import operators, { adminHome, adminSites, adminProtocols } from './admin.js';
export default [login, queue, alarm, /* more */
  sites, site, patrol, search, stats, adminHome, adminSites, adminProtocols, operators];
