// stats.js - alarm handling statistics ('stats', supervisors: stats.handling
// is role supervisor).  For a period (default: the last 7 days, local
// midnight to midnight) it asks stats.handling twice, by operator and by
// hour (in the browser's time zone, which pcod resolves from its zoneinfo;
// UTC when pcod does not know the zone), and shows for each a bar chart of
// the shares taken within 30 s and 60 s (the EN 50518 figures) drawn by
// chart.js, and the full numbers as a table: the chart is never the only
// way to read them.

import { barChart } from '../chart.js';
import { msgBox, field, input } from './site.js';

function pct(v) {
  return v === null || v === undefined ? '—' : Number(v).toFixed(1) + ' %';
}

function secs(v) {
  return v === null || v === undefined ? '—' : Number(v).toFixed(1) + ' s';
}

// A date input's value (local) as the ISO instant of its midnight.
function dayStart(v) {
  const [y, m, d] = v.split('-').map(Number);
  return new Date(y, m - 1, d).toISOString();
}

function dateValue(d) {
  return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' +
    String(d.getDate()).padStart(2, '0');
}

function groupLabel(by, g) {
  if (g === null || g === undefined)
    return by === 'operator' ? '(nobody)' : '—';
  if (by === 'hour') {
    // "2026-11-26T10:00Z" or "...T02:00+02:00": short label "11-26 10h".
    const m = /^\d{4}-(\d\d)-(\d\d)T(\d\d):/.exec(String(g));
    return m ? m[1] + '-' + m[2] + ' ' + m[3] + 'h' : String(g);
  }
  return String(g);
}

const COLS = [
  ['count', 'Alarms', v => String(v)],
  ['taken', 'Taken', v => String(v)],
  ['untaken', 'Not taken', v => String(v)],
  ['escalated', 'Escalated', v => String(v)],
  ['taken_30s_pct', 'Taken ≤ 30 s', pct],
  ['taken_60s_pct', 'Taken ≤ 60 s', pct],
  ['take_mean', 'Take mean', secs],
  ['take_p50', 'Take median', secs],
  ['take_p90', 'Take p90', secs],
  ['take_max', 'Take max', secs],
  ['close_mean', 'Close mean', secs],
  ['close_p90', 'Close p90', secs],
];

function statsTable(app, by, res) {
  const h = app.h;
  const row = (r, total) => h('tr', { class: total ? 'scr-total' : '', 'data-group': total ? 'total' : String(r.group) },
    h('th', { scope: 'row' }, total ? 'All' : (by === 'hour' ? String(r.group) : groupLabel(by, r.group))),
    ...COLS.map(([k, , f]) => h('td', { class: 'num', 'data-k': k }, f(r[k]))));
  return h('table', { class: 'scr-table scr-stats', 'data-by': by },
    h('caption', {}, by === 'operator' ? 'By operator (who took the alarm, or closed it untaken)' :
      'By hour the alarm came in (' + res.tz + ')'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, by === 'operator' ? 'Operator' : 'Hour'),
      ...COLS.map(([, l]) => h('th', { scope: 'col' }, l)))),
    h('tbody', {}, ...res.groups.map(r => row(r, false))),
    h('tfoot', {}, row(res.total, true)));
}

function statsBlock(app, by, res) {
  const h = app.h;
  const title = by === 'operator' ? 'Taken within 30 s and 60 s, by operator' :
    'Taken within 30 s and 60 s, by hour';
  if (!res.groups.length)
    return h('section', { class: 'scr-section' }, h('h2', {}, title),
      h('p', { class: 'scr-empty' }, 'No alarms in this period.'));
  const n = res.groups.length;
  const canvas = h('canvas', { class: 'scr-chart', height: 280 });
  // Wide enough for the bars; the box scrolls when there are many groups.
  canvas.style.width = Math.max(600, n * (by === 'hour' ? 22 : 60) + 80) + 'px';
  canvas.style.height = '280px';
  const sec = h('section', { class: 'scr-section' }, h('h2', {}, title),
    h('div', { class: 'scr-chartbox' }, canvas), statsTable(app, by, res));
  requestAnimationFrame(() => barChart(canvas, {
    labels: res.groups.map(r => groupLabel(by, r.group)),
    series: [
      { name: 'taken within 30 s', values: res.groups.map(r => r.taken_30s_pct) },
      { name: 'taken within 60 s', values: res.groups.map(r => r.taken_60s_pct) },
    ],
    max: 100, unit: ' %',
  }));
  return sec;
}

async function render(el, params, app) {
  const h = app.h;
  const msg = msgBox(app);
  const today = new Date();
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6);
  const sinceIn = input(app, 'since', dateValue(from), { type: 'date', required: true });
  const untilIn = input(app, 'until', dateValue(today), { type: 'date', required: true });
  const prio = h('select', { name: 'priority' }, h('option', { value: '' }, 'any'),
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map(p => h('option', { value: String(p) }, 'P' + p)));
  const go = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Show');
  const out = h('div', { class: 'scr-statsout', 'aria-live': 'polite' });
  let zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

  const ask = async (by, args) => {
    try {
      return await app.call('stats.handling', Object.assign({ by, tz: zone }, args));
    } catch (e) {
      if (e.code !== 'bad_args' || zone === 'UTC' || !/tz|zone/i.test(e.message || ''))
        throw e;
      msg.info('pcod does not know the time zone ' + zone + ': hours are shown in UTC.');
      zone = 'UTC';
      return app.call('stats.handling', Object.assign({ by, tz: zone }, args));
    }
  };

  const show = async () => {
    if (!sinceIn.value || !untilIn.value)
      throw Object.assign(new Error('give both days'), { code: 'bad_args' });
    const u = new Date(dayStart(untilIn.value));
    u.setDate(u.getDate() + 1);           // through the end of that day
    const args = { since: dayStart(sinceIn.value), until: u.toISOString() };
    if (prio.value)
      args.priority = Number(prio.value);
    const byOp = await ask('operator', args);
    const byHour = await ask('hour', args);
    const t = byOp.total;
    out.dataset.since = args.since;
    out.dataset.until = args.until;
    out.dataset.tz = zone;
    out.dataset.priority = prio.value;
    out.replaceChildren(
      h('p', { class: 'scr-summary' }, 'From ' + app.time(Date.parse(args.since)) + ' to ' +
        app.time(Date.parse(args.until)) + (prio.value ? ', priority ' + prio.value : '') + ': ' +
        t.count + ' alarm(s), ' + pct(t.taken_30s_pct) + ' taken within 30 s, ' +
        pct(t.taken_60s_pct) + ' within 60 s; ' + t.untaken + ' not taken, ' +
        t.escalated + ' escalated.'),
      statsBlock(app, 'operator', byOp),
      statsBlock(app, 'hour', byHour));
  };

  const form = h('form', { class: 'scr-form scr-inline' },
    field(app, 'From', sinceIn), field(app, 'to (inclusive)', untilIn),
    field(app, 'Priority', prio), h('div', { class: 'scr-buttons' }, go));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    go.disabled = true;
    msg.clear();
    try {
      await show();
    } catch (e) {
      msg.set(e);
    } finally {
      go.disabled = false;
    }
  });
  el.replaceChildren(h('h1', {}, 'Handling statistics'),
    h('p', { class: 'scr-note' }, 'EN 50518: the share of alarms taken by an operator within 30 s ' +
      'and 60 s of their receipt. An alarm not taken counts against the share.'),
    form, msg.el, out);
  try {
    await show();
  } catch (e) {
    msg.set(e);
  }
}

export default {
  name: 'stats',
  path: 'stats',
  nav: 'Statistics',
  role: 'supervisor',
  render,
};
