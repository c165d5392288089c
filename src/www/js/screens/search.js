// search.js - event search ('events'): event.list by account, class and a
// time range, newest first, a page at a time.  event.list has no cursor; it
// orders by (received, id) descending and takes "until" as "received
// before", so "More" asks again with until = the oldest shown received time
// plus one millisecond and drops the rows already shown (several events may
// share a millisecond).  The query is kept while the console is open, so
// coming back to the screen shows the same search.

import { msgBox, dataTable, field, input, when } from './site.js';

const CLASSES = ['burglary', 'fire', 'panic', 'medical', 'tamper', 'trouble',
  'supervisory', 'openclose', 'test', 'patrol', 'threat', 'other'];

let kept = null;   // {actor, query, rows, full} of the last search

// A datetime-local value (local time) as ISO-8601 UTC, or null.
function localToIso(v) {
  if (!v)
    return null;
  const ms = new Date(v).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function zoneText(e) {
  if (e.zone === null || e.zone === undefined)
    return '';
  return e.name ? e.zone + ' ' + e.name : String(e.zone);
}

function qualText(q) {
  return q === 'restore' ? 'restore' : q === 'status' ? 'status' : 'new';
}

async function render(el, params, app) {
  const h = app.h;
  const msg = msgBox(app);
  if (kept && (!app.user || kept.actor !== app.user.actor))
    kept = null;   // another login in this tab starts afresh
  const q = (kept && kept.query) || { limit: 100 };
  const acct = input(app, 'account', q.account || '', { pattern: '[0-9A-Fa-f]{3,16}',
    title: '3 to 16 hexadecimal digits', size: 16, autocomplete: 'off' });
  const cls = h('select', { name: 'class' }, h('option', { value: '' }, 'any'),
    ...CLASSES.map(c => h('option', { value: c, selected: q.class === c }, c)));
  const since = input(app, 'since', q.sinceLocal || '', { type: 'datetime-local', step: 1 });
  const until = input(app, 'until', q.untilLocal || '', { type: 'datetime-local', step: 1 });
  const limit = h('select', { name: 'limit' },
    ...[20, 50, 100, 500, 1000].map(n => h('option', { value: String(n), selected: q.limit === n }, String(n))));
  const go = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Search');
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, 'More');
  const count = h('p', { class: 'scr-count', 'aria-live': 'polite' }, '');
  const results = h('div', { class: 'scr-results' });
  let rows = (kept && kept.rows) || [];
  let full = kept ? kept.full : false;
  let query = kept ? kept.query : null;

  const draw = () => {
    results.replaceChildren(dataTable(app, [
      { label: 'Received', cell: e => when(app, e.received) },
      { label: 'Account', cell: e => e.account + (e.unknown_account ? ' (unknown)' : '') },
      { label: 'Class', cell: e => e.class },
      { label: 'Code', cell: e => (e.format || '') + ' ' + (e.code || '') },
      { label: 'Kind', cell: e => qualText(e.qualifier) },
      { label: 'Zone', cell: e => zoneText(e) },
      { label: 'Text', cell: e => e.text + (e.note ? ' — ' + e.note : '') },
      { label: 'Frame', cell: e => h('details', { class: 'scr-frame' },
        h('summary', {}, '#' + e.id),
        h('dl', { class: 'scr-dl' },
          h('dt', {}, 'Via'), h('dd', {}, (e.transport || '') + ' ' + (e.peer || '') + ' seq ' + e.seq),
          h('dt', {}, 'Panel time'), h('dd', {}, e.panel_time ? when(app, e.panel_time) : '—'),
          h('dt', {}, 'User'), h('dd', {}, e.user === null ? '—' : String(e.user)),
          h('dt', {}, 'Raw'), h('dd', {}, h('code', {}, e.raw || '')))) },
    ], rows, query ? 'No events match.' : 'Search to see events.'));
    count.textContent = query ? rows.length + ' event(s)' + (full ? ', more may follow' : '') : '';
    more.hidden = !full;
    kept = { actor: app.user && app.user.actor, query, rows, full };
  };

  // One page of event.list with the query and until (ISO, or null).
  const page = async (untilIso) => {
    const args = { limit: query.limit };
    if (query.account)
      args.account = query.account;
    if (query.class)
      args.class = query.class;
    if (query.since)
      args.since = query.since;
    if (untilIso)
      args.until = untilIso;
    return app.call('event.list', args);
  };

  const search = async () => {
    const s = localToIso(since.value), u = localToIso(until.value);
    if (s === undefined || u === undefined)
      throw Object.assign(new Error('a time is not valid'), { code: 'bad_args' });
    query = { account: acct.value.trim(), class: cls.value, since: s, until: u,
      sinceLocal: since.value, untilLocal: until.value, limit: Number(limit.value) };
    rows = await page(query.until);
    full = rows.length >= query.limit;
    draw();
  };

  const loadMore = async () => {
    if (rows.length === 0)
      return;
    const last = rows[rows.length - 1];
    const oldest = Date.parse(last.received);
    const seen = new Set(rows.filter(r => r.received === last.received).map(r => r.id));
    let got = await page(new Date(oldest + 1).toISOString());
    let fresh = got.filter(r => !seen.has(r.id));
    if (fresh.length === 0 && got.length >= query.limit) {
      // A whole page shared one millisecond: step past it.
      got = await page(new Date(oldest).toISOString());
      fresh = got;
      msg.info('Some events received in the same millisecond as ' + when(app, last.received) +
        ' may be left out: narrow the search to see them all.');
    }
    rows = rows.concat(fresh);
    full = got.length >= query.limit;
    draw();
  };

  const form = h('form', { class: 'scr-form scr-inline' },
    field(app, 'Account', acct), field(app, 'Class', cls),
    field(app, 'Received from', since), field(app, 'before', until),
    field(app, 'Page size', limit), h('div', { class: 'scr-buttons' }, go));
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    go.disabled = true;
    msg.clear();
    try {
      await search();
    } catch (e) {
      msg.set(e);
    } finally {
      go.disabled = false;
    }
  });
  more.addEventListener('click', async () => {
    more.disabled = true;
    msg.clear();
    try {
      await loadMore();
    } catch (e) {
      msg.set(e);
    } finally {
      more.disabled = false;
    }
  });

  el.replaceChildren(h('h1', {}, 'Events'), form, msg.el, count, results,
    h('div', { class: 'scr-buttons' }, more));
  if (!kept) {
    try {
      await search();   // the newest events, unfiltered
    } catch (e) {
      msg.set(e);
    }
  } else {
    draw();
  }
  acct.focus();
}

export default {
  name: 'events',
  path: 'events',
  nav: 'Events',
  key: 'e',
  role: 'operator',
  render,
};
