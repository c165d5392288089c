// app.js - the console's shell: login state, router (location.hash), top
// navigation by role, the live stream, and the `app` object every screen
// gets (see the module contract, src/www/PLAN.md).

import * as api from './api.js';
import { Live } from './live.js';
import { h, clear, time, ago, prio, toast, clock } from './dom.js';
import screens from './screens/index.js';

const ROLES = ['none', 'operator', 'supervisor', 'admin'];
const rank = (r) => Math.max(0, ROLES.indexOf(r));

const $ = (id) => document.getElementById(id);
let cleanup = null;          // the current screen's cleanup
let renderSeq = 0;           // a newer render makes an older async one moot
let loginReason = null;      // why the login screen is shown

const live = new Live({
  banner: $('banner'),
  onBack: () => { refreshAlerts(); route(); },
  probe: () => api.call('auth.whoami'),
});

api.setHooks({
  expired: (why) => {
    loginReason = why === 'csrf'
      ? 'Your session ended (pcod was restarted or the session was refused): log in again.'
      : 'Your session has expired or was ended: log in again.';
    signedOut();
  },
  down: () => live.callFailed(),
  up: () => {},
});

export const app = {
  user: null,
  call: (cmd, args = {}) => api.call(cmd, args),
  on: (topic, fn) => live.on(topic, fn),
  can: (role) => app.user !== null && rank(app.user.role) >= rank(role),
  go: (path) => { location.hash = '#/' + path; },
  h, time, ago, prio, toast, clock,
  screens,
  get live() { return live.live; },
  // For the login screen: the reason it is shown, once.
  takeLoginReason() { const r = loginReason; loginReason = null; return r; },
  // The login screen calls this after a successful api.login().
  signedIn(user) {
    app.user = { actor: user.actor, role: user.role };
    startSession();
    const h0 = location.hash.replace(/^#\/?/, '');
    if (h0 === 'login' || h0 === '') app.go('queue'); else route();
  },
  login: (name, pw) => api.login(name, pw),
};

function startSession() {
  $('top').hidden = false;
  $('who').textContent = `${app.user.actor} (${app.user.role})`;
  buildNav();
  live.start();
  startAlerts();
}

function signedOut() {
  live.stop();
  stopAlerts();
  app.user = null;
  $('top').hidden = true;
  document.title = 'pcod';
  route();
}

// The top navigation: the screens with a nav label the user's role may open.
function buildNav() {
  const nav = clear($('nav'));
  for (const s of screens) {
    if (!s.nav || !app.can(s.role || 'operator') || s.path.includes(':')) continue;
    nav.append(h('a', {
      href: '#/' + s.path, 'data-screen': s.name, class: 'nav-link',
      title: s.key ? `${s.nav} (key ${s.key})` : s.nav,
    }, s.nav, s.key ? h('span', { class: 'key', 'aria-hidden': 'true' }, s.key) : null));
  }
  markNav();
}

function markNav(current) {
  for (const a of $('nav').querySelectorAll('a')) {
    const on = a.dataset.screen === current;
    a.classList.toggle('active', on);
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

// Match path ("alarm/12") against a screen's pattern ("alarm/:id").
function match(pattern, path) {
  const p = pattern.split('/');
  const q = path.split('/');
  if (p.length !== q.length) return null;
  const params = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) {
      if (q[i] === '') return null;
      params[p[i].slice(1)] = decodeURIComponent(q[i]);
    } else if (p[i] !== q[i]) return null;
  }
  return params;
}

function findScreen(path) {
  for (const s of screens) {
    const params = match(s.path, path);
    if (params) return { screen: s, params };
  }
  return null;
}

// Show the screen of location.hash (or the login screen).
async function route() {
  const seq = ++renderSeq;
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
  const old = $('main');
  const el = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  old.replaceWith(el);
  let path = location.hash.replace(/^#\/?/, '');
  if (path === '') path = 'queue';
  let found;
  if (!app.user) {
    found = { screen: screens.find((s) => s.name === 'login'), params: {} };
  } else {
    found = findScreen(path);
  }
  if (!found || !found.screen) {
    markNav(null);
    el.append(h('section', { class: 'panel' }, h('h1', {}, 'No such page'),
      h('p', {}, 'Nothing is at ', h('code', {}, '#/' + path), '. ',
        h('a', { href: '#/queue' }, 'Back to the queue'))));
    return;
  }
  const { screen, params } = found;
  markNav(screen.name);
  if (app.user && screen.role && !app.can(screen.role)) {
    el.append(h('section', { class: 'panel refused', role: 'alert' },
      h('h1', {}, 'Not allowed for your role'),
      h('p', {}, `${screen.nav || screen.name} needs the ${screen.role} role; you are ${app.user.role}.`)));
    return;
  }
  try {
    const c = await screen.render(el, params, app);
    if (seq !== renderSeq) { if (typeof c === 'function') c(); return; }
    cleanup = typeof c === 'function' ? c : null;
  } catch (e) {
    if (seq !== renderSeq || !app.user) return;
    el.append(h('section', { class: 'panel refused', role: 'alert' },
      h('h1', {}, 'This screen failed'), h('p', {}, e.message || String(e))));
  }
}

// --- what every screen shares: the tab title and the bell ---------------
let alertSubs = [];
let titleTimer = null;
let known = new Set();
let audio = null;
let lastBeep = 0;

function startAlerts() {
  stopAlerts();
  known = new Set();
  alertSubs = [
    live.on('alarm', (list) => {
      let fresh = false;
      for (const a of list) {
        if (a.id === undefined) continue;
        if (a.state === 'new' && !known.has(a.id)) fresh = true;
        known.add(a.id);
      }
      if (fresh) beep(880);
      refreshAlerts();
    }),
    live.on('escalation', () => { beep(660, 2); refreshAlerts(); }),
    live.on('system', (list) => systemTrouble(list[list.length - 1])),
  ];
  refreshAlerts(true);
}

// pcod's own trouble (topic system, kind storage): a second strip under the
// NOT LIVE banner while the database refuses writes or syncs slowly.
function systemTrouble(d) {
  if (!d || d.kind !== 'storage') {
    if (d && d.kind === 'login' && d.message) toast(`Login lock-out: ${d.message}`, 'error');
    return;
  }
  let el = $('system-trouble');
  if (!el) {
    el = h('div', { id: 'system-trouble', class: 'banner banner-system', role: 'alert', hidden: true });
    $('banner').after(el);
  }
  if (d.state === 'ok') { el.hidden = true; el.textContent = ''; return; }
  el.textContent = d.state === 'failing'
    ? `pcod STORAGE FAILING since ${clock(d.since)}: panels get NAK (${d.naks || 0} so far) — ${d.message || ''}`
    : `pcod storage slow since ${clock(d.since)}: answers to panels are delayed — ${d.message || ''}`;
  el.hidden = false;
}

function stopAlerts() {
  for (const u of alertSubs) u();
  alertSubs = [];
  const st = $('system-trouble');
  if (st) st.hidden = true;
  clearTimeout(titleTimer);
  titleTimer = null;
}

// "(N) pcod": N alarms nobody has taken; re-read at most every 500 ms.
function refreshAlerts(seed) {
  if (titleTimer !== null || !app.user) return;
  titleTimer = setTimeout(async () => {
    titleTimer = null;
    if (!app.user) return;
    try {
      const r = await api.call('alarm.count', { state: 'new' });
      if (seed) (await api.call('alarm.list', { state: 'open', limit: 1000 })).forEach((a) => known.add(a.id));
      document.title = r.count > 0 ? `(${r.count}) pcod` : 'pcod';
    } catch (e) { /* the banner or the login screen says why */ }
  }, seed ? 0 : 500);
}

// A short beep (WebAudio; no sound file).  Browsers allow sound only after
// the user has clicked or typed on the page, which logging in does.
function beep(freq = 880, times = 1) {
  const now = Date.now();
  if (now - lastBeep < 1000) return;
  lastBeep = now;
  try {
    if (!audio) audio = new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === 'suspended') audio.resume();
    for (let i = 0; i < times; i++) {
      const t0 = audio.currentTime + i * 0.25;
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.type = 'square';
      o.frequency.value = freq;
      g.gain.setValueAtTime(0.0001, t0);
      g.gain.exponentialRampToValueAtTime(0.2, t0 + 0.01);
      g.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.18);
      o.connect(g).connect(audio.destination);
      o.start(t0);
      o.stop(t0 + 0.2);
    }
    document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
  } catch (e) { /* no audio: the rows are marked anyway */ }
}
// Unlock audio on the first gesture (autoplay rules).
const unlock = () => {
  try {
    if (!audio) audio = new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === 'suspended') audio.resume();
  } catch (e) { /* no audio */ }
};
document.addEventListener('pointerdown', unlock, { once: true });
document.addEventListener('keydown', unlock, { once: true });

// --- keys: a screen's key opens it (screens handle theirs on document first
// and call preventDefault to keep a key for themselves) --------------------
window.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || !app.user || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) return;
  if (document.querySelector('dialog[open]')) return;
  const s = screens.find((x) => x.key === e.key && x.nav && !x.path.includes(':') && app.can(x.role || 'operator'));
  if (s) { e.preventDefault(); app.go(s.path); }
});

$('logout').addEventListener('click', async () => {
  live.stop();
  await api.logout();
  loginReason = 'You have logged out.';
  signedOut();
});

window.addEventListener('hashchange', () => route());

// Start: a tab that was logged in (sessionStorage) goes on.
const s = api.current();
if (s) {
  app.user = { actor: s.actor, role: s.role };
  startSession();
}
window.pcodApp = app;   // for the browser tests and the devtools console
route();
