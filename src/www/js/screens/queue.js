// queue.js - the live queue: open alarms by priority, then age (as
// alarm.list gives them), updated in place from the `alarm` and
// `escalation` notifications.  Rows are keyed by alarm id and only the
// cells that changed are touched, so a burst of hundreds of changes a
// second is one re-order per animation frame, not a redraw.
//
// Keys: j/k or arrows move, Enter opens, t takes, n takes the top
// untaken alarm and opens it, c closes the selected alarm (a dialog).

import { closeDialog } from './alarm.js';

const LIMIT = 200;           // rows kept; alarm.count tells the rest

const ageOf = (a) => a.created || a.first;

function sortKey(a, b) {
  return (a.priority - b.priority) ||
    (Date.parse(ageOf(a)) - Date.parse(ageOf(b))) || (a.id - b.id);
}

export default {
  name: 'queue',
  path: 'queue',
  nav: 'Queue',
  role: 'operator',
  key: 'q',
  async render(el, params, app) {
    const { h } = app;
    const rows = new Map();        // id -> alarm
    const trs = new Map();         // id -> <tr>
    const marks = new Map();       // id -> {fresh: ms, escalated: ms} (this session)
    let selected = null;
    let total = 0;
    let untaken = 0;
    let order = [];
    let gone = false;
    let countTimer = null;

    const countEl = h('span', { class: 'queue-count', id: 'queue-count' });
    const more = h('div', { class: 'queue-more', id: 'queue-more', hidden: true });
    const empty = h('div', { class: 'queue-empty', hidden: true }, '✔ No open alarms.');
    const tbody = h('tbody', { id: 'queue-body' });
    const table = h('table', { class: 'queue-table', id: 'queue-table', 'aria-label': 'Open alarms' },
      h('thead', {}, h('tr', {},
        h('th', {}, 'Prio'), h('th', {}, 'State'), h('th', { class: 'col-num' }, 'Alarm'),
        h('th', {}, 'Site'), h('th', {}, 'Zone'), h('th', {}, 'What'),
        h('th', { class: 'col-num' }, 'Events'), h('th', {}, 'Raised'), h('th', {}, 'Taken by'))),
      tbody);
    el.append(h('section', { class: 'panel' },
      h('div', { class: 'queue-head' },
        h('h1', {}, 'Alarm queue'), countEl,
        h('span', { class: 'queue-keys' }, 'j/k move · Enter open · t take · n next · c close')),
      table, empty, more));

    async function load() {
      const [list, count, fresh] = await Promise.all([
        app.call('alarm.list', { state: 'open', limit: LIMIT }),
        app.call('alarm.count', { state: 'open' }),
        app.call('alarm.count', { state: 'new' }),
      ]);
      if (gone) return;
      rows.clear();
      for (const a of list) rows.set(a.id, a);
      total = count.count;
      untaken = fresh.count;
      draw();
    }

    // alarm.count again, at most once a second while changes come.
    function recount() {
      if (countTimer !== null) return;
      countTimer = setTimeout(async () => {
        countTimer = null;
        try {
          const [c, n] = await Promise.all([
            app.call('alarm.count', { state: 'open' }),
            app.call('alarm.count', { state: 'new' }),
          ]);
          if (!gone) { total = c.count; untaken = n.count; drawCounts(); }
        } catch (e) { /* banner or login */ }
      }, 1000);
    }

    function badges(a) {
      const m = marks.get(a.id) || {};
      const out = [];
      if (a.state === 'new') out.push(h('span', { class: 'badge badge-new', title: 'not taken yet' }, '● NEW'));
      else out.push(h('span', { class: 'badge badge-taken', title: 'taken' }, '✓ TAKEN'));
      if (a.escalated > 0 || m.escalated) {
        out.push(h('span', { class: 'badge badge-esc', title: `escalated ${a.escalated} time(s)` },
          `▲ ESC${a.escalated > 1 ? ' ×' + a.escalated : ''}`));
      }
      if (a.restored) out.push(h('span', { class: 'badge badge-restored', title: 'the zone is restored' }, '↺ restored'));
      return out;
    }

    // The text of each cell; a row is rewritten only where this changed.
    function cells(a) {
      const zone = a.zone === null || a.zone === undefined ? '—'
        : (a.zone_name ? `${a.zone} ${a.zone_name}` : String(a.zone));
      const site = a.site_name ? `${a.site_name} (${a.account})` : `account ${a.account}`;
      return [
        { key: `p${a.priority}`, make: () => app.prio(a.priority), cls: 'col-prio' },
        { key: `${a.state}|${a.escalated}|${a.restored}|${(marks.get(a.id) || {}).escalated ? 1 : 0}`, make: () => badges(a), cls: 'col-state' },
        { key: `#${a.id}`, make: () => `#${a.id}`, cls: 'col-num' },
        { key: site, make: () => site },
        { key: zone, make: () => zone },
        { key: `${a.class}|${a.text}`, make: () => [h('strong', {}, a.class), a.text ? ` — ${a.text}` : ''] },
        { key: String(a.count), make: () => String(a.count), cls: 'col-num' },
        { key: `age|${ageOf(a)}`, make: () => h('span', { title: app.time(ageOf(a)), 'data-age': ageOf(a) }, app.ago(ageOf(a))) },
        { key: `t|${a.taken_by}`, make: () => a.taken_by ? `${a.taken_by}` : '—' },
      ];
    }

    function rowFor(a) {
      let tr = trs.get(a.id);
      if (!tr) {
        tr = h('tr', {
          'data-id': String(a.id),
          onclick: () => { select(a.id); },
          ondblclick: () => app.go(`alarm/${a.id}`),
        });
        for (let i = 0; i < 9; i++) tr.append(h('td'));
        tr._keys = [];
        trs.set(a.id, tr);
      }
      const cs = cells(a);
      cs.forEach((c, i) => {
        if (tr._keys[i] === c.key) return;
        tr._keys[i] = c.key;
        const td = tr.children[i];
        td.className = c.cls || '';
        td.replaceChildren(...[].concat(c.make()));
      });
      tr.className = [`state-${a.state}`, a.id === selected ? 'selected' : '',
        (marks.get(a.id) || {}).fresh ? 'fresh' : ''].filter(Boolean).join(' ');
      tr.setAttribute('aria-selected', a.id === selected ? 'true' : 'false');
      return tr;
    }

    function drawCounts() {
      const shown = order.length;
      const rest = Math.max(0, total - shown);
      countEl.textContent = `${total} open${untaken ? `, ${untaken} not taken` : ''}`;
      more.hidden = rest === 0;
      more.textContent = rest ? `+${rest} more not shown (the ${shown} most urgent are)` : '';
      empty.hidden = total > 0 || shown > 0;
    }

    function draw() {
      const sorted = [...rows.values()].sort(sortKey);
      // Only the most urgent LIMIT are kept: a notification brings back one
      // that moves up (its data is the whole alarm).
      for (const a of sorted.slice(LIMIT)) { rows.delete(a.id); marks.delete(a.id); }
      order = sorted.slice(0, LIMIT).map((a) => a.id);
      const want = new Set(order);
      for (const [id, tr] of trs) {
        if (!want.has(id)) { tr.remove(); trs.delete(id); }
      }
      let prev = null;
      for (const id of order) {
        const tr = rowFor(rows.get(id));
        const at = prev ? prev.nextSibling : tbody.firstChild;
        if (at !== tr) tbody.insertBefore(tr, at);
        prev = tr;
      }
      if (selected !== null && !want.has(selected)) selected = null;
      drawCounts();
    }

    function select(id) {
      const old = selected;
      selected = id;
      for (const x of [old, id]) {
        if (x !== null && rows.has(x) && trs.has(x)) rowFor(rows.get(x));
      }
      const tr = trs.get(id);
      if (tr) tr.scrollIntoView({ block: 'nearest' });
    }

    function move(d) {
      if (!order.length) return;
      const i = selected === null ? -1 : order.indexOf(selected);
      const j = Math.min(order.length - 1, Math.max(0, i + d));
      select(order[j]);
    }

    async function take(id, open) {
      try {
        await app.call('alarm.take', { id });
        app.toast(`Alarm #${id} taken.`);
        if (open) app.go(`alarm/${id}`);
      } catch (e) {
        if (e.code === 'bad_state' && /already taken by you/.test(e.message)) {
          if (open) app.go(`alarm/${id}`);
          return;
        }
        app.toast(`Alarm #${id}: ${e.message}`, 'error');
      }
    }

    function next() {
      const id = order.find((x) => rows.get(x).state === 'new');
      if (id === undefined) { app.toast('No untaken alarm.'); return; }
      take(id, true);
    }

    function onKey(e) {
      if (gone || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target;
      if (t && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) return;
      if (t && e.key === 'Enter' && /^(BUTTON|A)$/.test(t.tagName)) return;
      if (document.querySelector('dialog[open]')) return;
      let done = true;
      switch (e.key) {
        case 'j': case 'ArrowDown': move(1); break;
        case 'k': case 'ArrowUp': move(-1); break;
        case 'Enter': if (selected !== null) app.go(`alarm/${selected}`); break;
        case 't': if (selected !== null) take(selected, false); break;
        case 'n': next(); break;
        case 'c': if (selected !== null) closeDialog(app, rows.get(selected)); break;
        default: done = false;
      }
      if (done) e.preventDefault();
    }

    function apply(list, escalation) {
      let reload = false;
      for (const a of list) {
        if (a.bulk_close) { reload = true; continue; }
        if (typeof a.id !== 'number') continue;
        if (a.state === 'closed') { rows.delete(a.id); continue; }
        const m = marks.get(a.id) || {};
        if (!rows.has(a.id) && a.state === 'new') m.fresh = Date.now();
        if (escalation) m.escalated = Date.now();
        marks.set(a.id, m);
        rows.set(a.id, a);
      }
      if (reload) { load().catch(() => {}); return; }
      draw();
      recount();
    }

    // "3 min ago" moves on; fresh marks fade after 30 s.
    const tick = setInterval(() => {
      const now = Date.now();
      for (const [id, m] of marks) {
        if (m.fresh && now - m.fresh > 30000) delete m.fresh;
        if (m.escalated && now - m.escalated > 60000) delete m.escalated;
        if (!m.fresh && !m.escalated) marks.delete(id);
      }
      for (const s of tbody.querySelectorAll('[data-age]')) s.textContent = app.ago(s.dataset.age, now);
      for (const id of order) rowFor(rows.get(id));
    }, 5000);

    const unsub = [
      app.on('alarm', (list) => apply(list, false)),
      app.on('escalation', (list) => apply(list, true)),
    ];
    document.addEventListener('keydown', onKey);
    const cleanup = () => {
      gone = true;
      clearInterval(tick);
      clearTimeout(countTimer);
      unsub.forEach((u) => u());
      document.removeEventListener('keydown', onKey);
    };
    try {
      await load();
    } catch (e) {
      cleanup();
      throw e;
    }
    return cleanup;
  },
};
