// patrol.js - guard patrols live ('patrol'): the shifts in progress from
// patrol.status, the guard on his round, the checkpoint due next with the
// time left, and what is late or missed, marked with an icon and words (not
// colour alone).  pcod has no notification topic for patrols (control_topics
// in src/control.c has alarm, escalation and system), so the screen asks
// again every 10 seconds while it is open, and at once when an alarm of kind
// patrol (a failure raised or restored) is published; the countdowns tick
// every second in between.  All of it stops when the screen is left.

import { msgBox, dataTable, when } from './site.js';

const POLL_MS = 10000;

const ROUND_TEXT = {
  pending: 'pending', active: 'walking', complete: '✓ complete',
  incomplete: '⚠ incomplete', short: '⚠ too short', missed: '⚠ MISSED',
};
const VISIT_TEXT = {
  due: 'due', on_time: '✓', late: '⚠ late', skipped: '⚠ skipped',
  order: '⚠ out of order', fast: '⚠ too fast', early: '⚠ early',
};
const BAD_ROUND = new Set(['incomplete', 'short', 'missed']);
const BAD_VISIT = new Set(['late', 'skipped', 'order', 'fast', 'early']);

// "4 min 05 s" for a positive number of milliseconds.
export function span(ms) {
  let s = Math.round(Math.abs(ms) / 1000);
  const hh = Math.floor(s / 3600);
  s -= hh * 3600;
  const mm = Math.floor(s / 60);
  s -= mm * 60;
  if (hh > 0)
    return hh + ' h ' + String(mm).padStart(2, '0') + ' min';
  if (mm > 0)
    return mm + ' min ' + String(s).padStart(2, '0') + ' s';
  return s + ' s';
}

function clockTime(iso) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms))
    return '';
  const d = new Date(ms);   // 24-hour "21:05", as the rest of the console
  return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
}

async function render(el, params, app) {
  const h = app.h;
  const msg = msgBox(app);
  const siteSel = h('select', { name: 'site', 'aria-label': 'Site' }, h('option', { value: '' }, 'All sites'));
  const stamp = h('span', { class: 'scr-stamp', 'aria-live': 'off' }, '');
  const body = h('div', { class: 'scr-patrol' }, 'Loading…');
  const refresh = h('button', { type: 'button', class: 'btn' }, 'Refresh now');
  let siteNames = new Map();
  let guardNames = new Map();
  let status = null;
  let skew = 0;         // server time minus browser time, ms
  let gone = false;
  let busy = false;
  let started = false;
  let seen = el.isConnected;   // in the page (to notice leaving)
  const countdowns = [];  // [{el, by}] updated every second

  const tick = () => {
    const now = Date.now() + skew;
    for (const c of countdowns) {
      const left = c.by - now;
      if (left >= 0) {
        c.el.textContent = 'in ' + span(left);
        c.el.className = 'scr-due';
      } else {
        c.el.textContent = '⚠ OVERDUE by ' + span(left);
        c.el.className = 'scr-due scr-bad';
      }
    }
  };

  const guardName = id => (id === null || id === undefined) ? '—' :
    (guardNames.get(id) || 'guard ' + id);

  const shiftCard = sh => {
    const active = (sh.rounds || []).find(r => r.state === 'active');
    const bad = [];
    if (sh.late > 0)
      bad.push(h('span', { class: 'scr-flag' }, '⚠ ' + sh.late + ' round(s) with a late checkpoint'));
    if (sh.missed > 0)
      bad.push(h('span', { class: 'scr-flag' }, '⚠ ' + sh.missed + ' round(s) missed'));
    let next = h('dd', {}, 'nothing due');
    if (sh.next_checkpoint) {
      const by = Date.parse(sh.next_by);
      const cd = h('span', { class: 'scr-due' }, '');
      if (!Number.isNaN(by))
        countdowns.push({ el: cd, by });
      next = h('dd', {}, h('strong', {}, sh.next_checkpoint),
        sh.next_by ? ' by ' + clockTime(sh.next_by) + ' ' : ' ', cd);
    }
    const rounds = dataTable(app, [
      { label: 'Round', cell: r => r.round, cls: 'num' },
      { label: 'State', cell: r => h('span', { class: BAD_ROUND.has(r.state) ? 'scr-bad' : '' },
        ROUND_TEXT[r.state] || r.state) },
      { label: 'Guard', cell: r => guardName(r.guard_id) },
      { label: 'Slot', cell: r => clockTime(r.slot_from) + '–' + clockTime(r.slot_to) },
      { label: 'Checkpoints', cell: r => h('ol', { class: 'scr-cps' },
        ...(r.checkpoints || []).map(c => {
          // The checkpoint due next of the round being walked, past its time.
          const over = r.state === 'active' && c.state === 'due' && c.name === sh.next_checkpoint &&
            Date.parse(sh.next_by) < Date.now() + skew;
          return h('li', { class: BAD_VISIT.has(c.state) || over ? 'scr-bad' : '' },
            c.name + ' ' + (over ? '⚠ overdue' : VISIT_TEXT[c.state] || c.state) +
            (c.at ? ' ' + clockTime(c.at) : ''));
        })) },
    ], sh.rounds, 'No rounds.');
    const findings = (sh.findings || []).length ? h('ul', { class: 'scr-findings' },
      ...sh.findings.map(f => h('li', { class: 'scr-bad' }, '⚠ ' + f.text +
        (f.since ? ' (since ' + clockTime(f.since) + ')' : '')))) : null;
    return h('article', { class: 'scr-card' + (bad.length || findings ? ' scr-card-bad' : ''),
      'data-route': sh.route },
      h('h2', {}, sh.route, h('small', {}, ' v' + sh.version + ' · ' +
        (siteNames.get(sh.site_id) || 'site ' + sh.site_id))),
      h('dl', { class: 'scr-dl' },
        h('dt', {}, 'Shift'), h('dd', {}, when(app, sh.start) + ' – ' + clockTime(sh.end)),
        h('dt', {}, 'Rounds'), h('dd', {}, sh.walked + ' walked of ' + sh.required +
          ' required, ' + sh.complete + ' complete'),
        h('dt', {}, 'On round'), h('dd', {}, active ? guardName(active.guard_id) +
          ' (round ' + active.round + ')' : 'nobody'),
        h('dt', {}, 'Next checkpoint'), next),
      bad.length ? h('p', { class: 'scr-flags' }, ...bad) : null,
      findings, rounds);
  };

  const draw = () => {
    countdowns.length = 0;
    const site = Number(siteSel.value) || 0;
    const shifts = status.shifts || [];
    const guards = (status.guards || []).filter(g => !site || g.site_id === site);
    body.replaceChildren(
      shifts.length ? h('div', { class: 'scr-cards' }, ...shifts.map(shiftCard)) :
        h('p', { class: 'scr-empty' }, 'No patrol shift is in progress.'),
      h('section', { class: 'scr-section' }, h('h2', {}, 'Guards seen in the last 12 hours'),
        dataTable(app, [
          { label: 'Guard', cell: g => g.name },
          { label: 'Site', cell: g => siteNames.get(g.site_id) || g.site_id },
          { label: 'Last tag', cell: g => g.tag },
          { label: 'Last scan', cell: g => {
            const ms = Date.parse(g.scan || g.scan_ms);
            return Number.isNaN(ms) ? '' : app.time(ms) + ' (' + app.ago(ms) + ')';
          } },
        ], guards, 'No guard has scanned a tag in the last 12 hours.')));
    tick();
  };

  const load = async () => {
    if (el.isConnected)
      seen = true;
    else if (seen && started && !gone)
      stop();   // left without a cleanup call: stop by ourselves
    if (busy || gone)
      return;
    busy = true;
    try {
      const site = Number(siteSel.value) || 0;
      const st = await app.call('patrol.status', site ? { site } : {});
      if (gone)
        return;
      const now = Date.parse(st.now);
      if (!Number.isNaN(now))
        skew = now - Date.now();
      status = st;
      msg.clear();
      stamp.textContent = 'Updated ' + app.time(Date.now()) + '; refreshes every 10 s.';
      draw();
    } catch (e) {
      if (!gone)
        msg.set(e);
    } finally {
      busy = false;
    }
  };

  refresh.addEventListener('click', load);
  siteSel.addEventListener('change', load);
  el.replaceChildren(h('h1', {}, 'Patrols'), msg.el,
    h('div', { class: 'scr-toolbar' }, siteSel, refresh, stamp), body);

  try {
    const [sites, guards] = await Promise.all([app.call('site.list'), app.call('guard.list')]);
    siteNames = new Map(sites.map(s => [s.id, s.name]));
    guardNames = new Map(guards.map(g => [g.id, g.name]));
    for (const s of sites)
      siteSel.append(h('option', { value: String(s.id) }, s.name));
  } catch (e) {
    msg.set(e);
  }
  if (seen && !el.isConnected)
    return undefined;   // left while the lists loaded
  const poll = setInterval(load, POLL_MS);
  const clock = setInterval(tick, 1000);
  // A patrol failure raised or restored is an alarm of kind patrol: ask at
  // once instead of waiting for the next poll.
  const off = app.on('alarm', list => {
    if (list.some(a => a && (a.kind === 'patrol' || a.class === 'patrol')))
      load();
  });
  started = true;
  function stop() {
    gone = true;
    clearInterval(poll);
    clearInterval(clock);
    off();
  }
  load();
  return stop;
}

export default {
  name: 'patrol',
  path: 'patrol',
  nav: 'Patrols',
  key: 'p',
  role: 'operator',
  render,
};
