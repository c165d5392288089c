// alarm.js - one alarm, everything needed to handle it (alarm.show): its
// state and actions (take, take over, steps, comment, escalate, close), the
// handling protocol's steps with their contacts, units and deadlines, the
// site with its call list and zones, the events and the history.  It is
// re-read when a notification names it (another operator took or changed it).

const RESOLUTIONS = [
  ['real', 'Real alarm'],
  ['false_user', 'False: user error'],
  ['false_technical', 'False: technical fault'],
  ['false_weather', 'False: weather'],
  ['false_unknown', 'False: cause unknown'],
  ['test', 'Test'],
  ['duplicate', 'Duplicate'],
  ['cancelled_by_client', 'Cancelled by the client'],
];

// A modal dialog with a form; resolves to the form's values or null.
function dialog(app, title, fields, submitLabel, danger) {
  const { h } = app;
  return new Promise((resolve) => {
    const inputs = {};
    const body = fields.map((f) => {
      let input;
      const id = `dlg-${f.name}`;
      if (f.options) {
        input = h('select', { id, name: f.name, required: f.required },
          f.options.map(([v, label]) => h('option', { value: v }, label)));
      } else if (f.multiline) {
        input = h('textarea', { id, name: f.name, rows: 3, maxLength: f.max || 2000, required: f.required });
      } else {
        input = h('input', { id, name: f.name, maxLength: f.max || 2000, required: f.required });
      }
      inputs[f.name] = input;
      return [h('label', { for: id }, f.label), input];
    });
    const dlg = h('dialog', { 'aria-label': title, class: 'dlg' });
    let result = null;
    const form = h('form', {
      method: 'dialog',
      onsubmit: (e) => {
        e.preventDefault();
        result = {};
        for (const [k, el] of Object.entries(inputs)) result[k] = el.value.trim();
        dlg.close();
      },
    },
    h('h2', {}, title), body,
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel'),
      h('button', { type: 'submit', class: danger ? 'btn btn-danger' : 'btn btn-primary', id: 'dlg-ok' }, submitLabel)));
    dlg.append(form);
    dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
    document.body.append(dlg);
    dlg.showModal();
    const first = Object.values(inputs)[0];
    if (first) first.focus();
  });
}

// Ask for a resolution and close alarm a (the queue's `c` too).
export async function closeDialog(app, a) {
  if (!a) return false;
  const v = await dialog(app, `Close alarm #${a.id}`, [
    { name: 'resolution', label: 'Resolution', options: RESOLUTIONS, required: true },
    { name: 'note', label: 'Note (optional)', multiline: true },
  ], 'Close the alarm', true);
  if (!v) return false;
  const args = { id: a.id, resolution: v.resolution };
  if (v.note) args.note = v.note;
  try {
    await app.call('alarm.close', args);
    app.toast(`Alarm #${a.id} closed (${v.resolution}).`);
    return true;
  } catch (e) {
    app.toast(`Alarm #${a.id} not closed: ${e.message}`, 'error');
    return false;
  }
}

function facts(app, pairs) {
  const { h } = app;
  return h('dl', { class: 'facts' }, pairs.filter((p) => p && p[1] !== null && p[1] !== undefined && p[1] !== '')
    .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function phone(app, p) {
  return p ? app.h('a', { href: `tel:${p}`, class: 'phone' }, p) : '—';
}

export default {
  name: 'alarm',
  path: 'alarm/:id',
  nav: null,
  role: 'operator',
  async render(el, params, app) {
    const { h } = app;
    const id = Number(params.id);
    if (!Number.isInteger(id) || id <= 0) {
      el.append(h('section', { class: 'panel refused' }, h('h1', {}, 'No such alarm'),
        h('p', {}, `"${params.id}" is not an alarm number.`)));
      return;
    }
    let a = null;
    let gone = false;
    let timer = null;
    let busy = false;
    const root = h('div', { id: 'alarm', 'data-id': String(id) });
    el.append(root);

    async function act(what, fn) {
      if (busy) return;
      busy = true;
      try {
        await fn();
        await reload();
      } catch (e) {
        app.toast(`${what}: ${e.message}`, 'error');
      } finally {
        busy = false;
      }
    }

    const take = () => act('Take', async () => {
      if (a.state === 'taken' && a.taken_by !== app.user.actor) {
        const v = await dialog(app, `Take over alarm #${id} from ${a.taken_by}`,
          [{ name: 'reason', label: 'Why do you take it over?', required: true, max: 1900 }], 'Take over');
        if (!v) return;
        await app.call('alarm.take', { id });
        await app.call('alarm.comment', { id, text: `taken over from ${a.taken_by}: ${v.reason}` });
      } else {
        await app.call('alarm.take', { id });
      }
      app.toast(`Alarm #${id} is yours.`);
    });

    const step = (s, outcome) => act(`Step ${s.position}`, async () => {
      const note = root.querySelector(`#step-note-${s.position}`);
      const args = { id, position: s.position, outcome };
      if (note && note.value.trim()) args.note = note.value.trim();
      await app.call('alarm.step', args);
    });

    const escalate = () => act('Escalate', async () => {
      const v = await dialog(app, `Escalate alarm #${id}`,
        [{ name: 'reason', label: 'Reason (the supervisor sees it)', required: true, max: 500 }], 'Escalate', true);
      if (!v) return;
      await app.call('alarm.escalate', { id, reason: v.reason });
      app.toast(`Alarm #${id} escalated.`);
    });

    const close = async () => {
      if (await closeDialog(app, a)) await reload().catch(() => {});
    };

    function header() {
      const mine = a.state === 'taken' && a.taken_by === app.user.actor;
      const other = a.state === 'taken' && !mine;
      const stateText = a.state === 'new' ? '● NEW — not taken'
        : a.state === 'taken' ? `✓ TAKEN by ${a.taken_by}${mine ? ' (you)' : ''}`
          : `■ CLOSED by ${a.closed_by}: ${a.resolution}`;
      return [
        h('div', { class: 'alarm-head' },
          app.prio(a.priority),
          h('h1', {}, `Alarm #${a.id}: ${a.class}${a.text ? ' — ' + a.text : ''}`),
          h('span', { class: `badge ${a.state === 'new' ? 'badge-new' : 'badge-taken'}`, id: 'alarm-state' }, stateText),
          a.escalated > 0 ? h('span', { class: 'badge badge-esc' }, `▲ escalated ×${a.escalated}`) : null,
          a.restored ? h('span', { class: 'badge badge-restored' }, '↺ restored') : null),
        h('div', { class: 'alarm-actions' },
          h('button', { class: 'btn', onclick: () => app.go('queue') }, '← Queue'),
          a.state === 'new' ? h('button', { class: 'btn btn-primary', id: 'alarm-take', onclick: take }, 'Take (t)') : null,
          other && app.can('supervisor')
            ? h('button', { class: 'btn', id: 'alarm-takeover', onclick: take }, `Take over from ${a.taken_by}`) : null,
          a.state !== 'closed' ? h('button', { class: 'btn', id: 'alarm-escalate', onclick: escalate }, 'Escalate') : null,
          a.state !== 'closed' ? h('button', { class: 'btn btn-danger', id: 'alarm-close', onclick: close }, 'Close… (c)') : null),
        facts(app, [
          ['Site', a.site_name ? `${a.site_name} (account ${a.account})` : `account ${a.account}`],
          ['Zone', a.zone === null ? null : `${a.zone}${a.zone_name ? ' ' + a.zone_name : ''}`],
          ['Events', `${a.count} (first ${app.time(a.first)}, last ${app.time(a.last)})`],
          ['Raised', `${app.time(a.created)} (${app.ago(a.created)})`],
          ['Take by', a.state === 'new' && a.take_deadline ? `${app.time(a.take_deadline)} (${app.ago(a.take_deadline)})` : null],
          ['Next deadline', a.state === 'taken' && a.next_deadline ? `${app.time(a.next_deadline)} (${app.ago(a.next_deadline)})` : null],
          ['Dispatch by', a.dispatch_deadline ? app.time(a.dispatch_deadline) : null],
          ['Priority', a.priority_reason],
          ['Closed', a.closed ? `${app.time(a.closed)} by ${a.closed_by}: ${a.resolution}${a.resolution_note ? ' — ' + a.resolution_note : ''}` : null],
        ]),
      ];
    }

    function steps() {
      const list = a.steps || [];
      const canStep = a.state === 'taken' && a.taken_by === app.user.actor;
      const now = Date.now();
      return h('section', { class: 'panel', id: 'alarm-steps' },
        h('h2', {}, a.protocol ? `Protocol: ${a.protocol.name} (v${a.protocol.version})` : 'Protocol'),
        list.length && a.state === 'new' ? h('p', { class: 'muted', id: 'alarm-steps-hint' }, 'Take the alarm to record the steps; their deadlines start then.') : null,
        list.length && a.state === 'taken' && !canStep ? h('p', { class: 'muted' }, `${a.taken_by} is working this alarm.`) : null,
        list.length === 0 ? h('p', { class: 'muted' }, 'No protocol steps for this alarm.') :
          h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Step'), h('th', {}, 'Who'),
            h('th', {}, 'Deadline'), h('th', {}, 'Outcome'))),
          h('tbody', {}, list.map((s) => {
            const who = [];
            if (s.contact) who.push(h('div', {}, `${s.contact.name}${s.contact.role ? ' (' + s.contact.role + ')' : ''}${s.contact.keyholder ? ' 🔑 keyholder' : ''} `, phone(app, s.contact.phone)));
            if (s.unit) who.push(h('div', {}, `${s.unit.kind}: ${s.unit.name} `, phone(app, s.unit.phone)));
            if (s.problem) who.push(h('div', { class: 'problem' }, `⚠ ${s.problem}`));
            if (!who.length && s.target !== null && s.target !== undefined) who.push(String(s.target));
            const over = !s.outcome && s.deadline && Date.parse(s.deadline) < now;
            return h('tr', { class: s.outcome ? 'step-done' : '', 'data-position': String(s.position) },
              h('td', {}, String(s.position)),
              h('td', {}, h('strong', {}, s.action), s.text ? ` — ${s.text}` : ''),
              h('td', {}, who),
              h('td', { class: over ? 'overdue' : '' }, s.deadline ? `${app.clock(s.deadline)}${over ? ' ⏰ OVERDUE' : ''}` : (s.deadline_s ? `${s.deadline_s} s after taking` : '—')),
              h('td', {}, s.outcome
                ? h('span', { class: `step-outcome outcome-${s.outcome}` }, `${s.outcome === 'done' ? '✔' : s.outcome === 'failed' ? '✖' : '↷'} ${s.outcome} by ${s.done_by}`)
                : null,
              canStep ? h('div', { class: 'step-buttons' },
                h('input', { id: `step-note-${s.position}`, placeholder: 'note', 'aria-label': `note for step ${s.position}`, maxLength: 2000 }),
                h('button', { class: 'btn btn-small', 'data-outcome': 'done', onclick: () => step(s, 'done') }, 'Done'),
                h('button', { class: 'btn btn-small', 'data-outcome': 'failed', onclick: () => step(s, 'failed') }, 'Failed'),
                h('button', { class: 'btn btn-small', 'data-outcome': 'skipped', onclick: () => step(s, 'skipped') }, 'Skip')) : null));
          }))));
    }

    function site() {
      const s = a.site;
      if (!s) return h('section', { class: 'panel' }, h('h2', {}, 'Site'), h('p', { class: 'muted' }, `No site for account ${a.account}.`));
      return h('section', { class: 'panel', id: 'alarm-site' },
        h('h2', {}, `Site: ${s.name}`),
        facts(app, [
          ['Address', s.address], ['Time zone', s.timezone],
          ['Code word', s.code_word ? h('span', { class: 'code-word' }, s.code_word) : null],
          ['Instructions', s.instructions], ['Notes', s.notes],
        ]),
        h('h2', {}, 'Call list'),
        (s.contacts || []).length === 0 ? h('p', { class: 'problem' }, '⚠ No contacts.') :
          h('table', { id: 'alarm-contacts' }, h('tbody', {}, s.contacts.map((c) => h('tr', {},
            h('td', {}, String(c.position)), h('td', {}, c.name, c.keyholder ? ' 🔑' : ''),
            h('td', {}, c.role || ''), h('td', {}, phone(app, c.phone)))))),
        (s.units || []).length ? [h('h2', {}, 'Response units'),
          h('table', {}, h('tbody', {}, s.units.map((u) => h('tr', {},
            h('td', {}, u.kind), h('td', {}, u.name), h('td', {}, phone(app, u.phone)),
            h('td', {}, u.response_time ? `${Math.round(u.response_time / 60)} min` : '')))))] : null,
        (s.zones || []).length ? [h('h2', {}, 'Zones'),
          h('table', {}, h('tbody', {}, s.zones.map((z) => h('tr', { class: z.number === a.zone ? 'selected' : '' },
            h('td', {}, String(z.number)), h('td', {}, z.name || ''), h('td', {}, z.location || ''),
            h('td', {}, z.type || '')))))] : null);
    }

    function events() {
      return h('section', { class: 'panel', id: 'alarm-events' },
        h('h2', {}, `Events (${a.count})`),
        h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Received'), h('th', {}, 'Code'),
          h('th', {}, 'Zone'), h('th', {}, 'What'), h('th', {}, 'User'))),
        h('tbody', {}, (a.events || []).map((e) => h('tr', {},
          h('td', {}, app.time(e.received)), h('td', {}, `${e.code || ''}${e.qualifier ? ' ' + e.qualifier : ''}`),
          h('td', {}, e.zone === null || e.zone === undefined ? '' : `${e.zone}${e.zone_name ? ' ' + e.zone_name : ''}`),
          h('td', {}, `${e.class || ''} ${e.text || ''}`), h('td', {}, e.user === null || e.user === undefined ? '' : String(e.user)))))));
    }

    function history() {
      const input = h('input', { id: 'alarm-comment', placeholder: 'Add a comment', maxLength: 2000, 'aria-label': 'comment' });
      return h('section', { class: 'panel', id: 'alarm-history' },
        h('h2', {}, 'History'),
        h('form', {
          class: 'comment-form',
          onsubmit: (e) => {
            e.preventDefault();
            const text = input.value.trim();
            if (!text) return;
            act('Comment', async () => { await app.call('alarm.comment', { id, text }); input.value = ''; });
          },
        }, input, h('button', { class: 'btn', type: 'submit' }, 'Comment')),
        h('ul', { class: 'history' }, (a.history || []).map((r) => h('li', {},
          h('span', { class: 'muted' }, `${app.time(r.at)} `), h('strong', {}, r.actor), ` ${r.action.replace(/^alarm\./, '')}`,
          r.reason ? ` — ${r.reason}` : ''))));
    }

    // A live update redraws the screen while the operator may be typing a
    // comment: what is typed, the focus and the caret (or selection) move
    // to the new input of the same id, so typing goes on where it was.
    function draw() {
      const was = document.activeElement;
      const focused = was && root.contains(was) ? was.id : '';
      const caret = focused && typeof was.selectionStart === 'number'
        ? [was.selectionStart, was.selectionEnd, was.selectionDirection] : null;
      const typed = {};
      for (const i of root.querySelectorAll('input[id]')) if (i.value) typed[i.id] = i.value;
      root.replaceChildren(h('section', { class: 'panel' }, header()),
        h('div', { class: 'alarm-grid' }, h('div', {}, steps(), history()), h('div', {}, site(), events())));
      for (const [k, v] of Object.entries(typed)) { const i = root.querySelector(`#${k}`); if (i) i.value = v; }
      const f = focused ? root.querySelector(`#${focused}`) : null;
      if (f) {
        f.focus();
        if (caret && typeof f.setSelectionRange === 'function') f.setSelectionRange(...caret);
      }
    }

    async function reload() {
      const r = await app.call('alarm.show', { id });
      if (gone) return;
      const before = a;
      a = r;
      if (before && before.taken_by !== a.taken_by && a.taken_by && a.taken_by !== app.user.actor) {
        app.toast(`Alarm #${id} was taken by ${a.taken_by}.`);
      }
      if (holding()) owe();
      else draw();
    }

    // A click is a press and a release on the same element: a redraw
    // between the two (a live update in an event storm) would replace the
    // button under the pointer and the click would be lost.  So while a
    // press on the screen is held, a redraw waits for its release, and
    // runs after the click it ends.  Text selected on the screen (a
    // keyholder's number to copy) would be lost the same way: a redraw
    // waits until the selection is gone.  Neither holds back the screen
    // for long: a press for HOLD_MAX_MS, a selection for SELECT_MAX_MS
    // (a release that never came, a selection left behind, count as gone
    // after that).
    const HOLD_MAX_MS = 3000;
    const SELECT_MAX_MS = 15000;
    let held = false;
    let heldAt = 0;
    let selectedAt = 0;
    let owed = false;
    const selected = () => {
      // text selected inside an input is the caret's business (draw())
      const f = document.activeElement;
      if (f && /^(INPUT|TEXTAREA)$/.test(f.tagName)) return false;
      const sel = window.getSelection();
      return !!sel && !sel.isCollapsed && sel.rangeCount > 0 &&
        root.contains(sel.getRangeAt(0).commonAncestorContainer);
    };
    function holding() {
      const now = Date.now();
      return (held && now - heldAt < HOLD_MAX_MS) ||
        (selectedAt > 0 && now - selectedAt < SELECT_MAX_MS && selected());
    }
    // A redraw owed is looked at again every OWED_CHECK_MS, so that one
    // held back by a press or a selection that ran out of time still comes.
    const OWED_CHECK_MS = 500;
    let owedTimer = null;
    function owe() {
      owed = true;
      if (owedTimer) return;
      const check = () => {
        owedTimer = null;
        if (gone || !owed) return;
        if (holding()) owedTimer = setTimeout(check, OWED_CHECK_MS);
        else { owed = false; draw(); }
      };
      owedTimer = setTimeout(check, OWED_CHECK_MS);
    }
    const drawOwed = () => {
      if (!owed) return;
      owed = false;
      // after the click that the release ends
      setTimeout(() => { if (gone) return; if (holding()) owe(); else draw(); }, 0);
    };
    const press = (e) => { if (root.contains(e.target)) { held = true; heldAt = Date.now(); } };
    const release = () => {
      if (!held) return;
      held = false;
      drawOwed();
    };
    const selection = () => {
      if (!selected()) {
        selectedAt = 0;
        drawOwed();
      } else if (!selectedAt) selectedAt = Date.now();
    };

    function onKey(e) {
      if (gone || !a || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target;
      if (t && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName)) return;
      if (document.querySelector('dialog[open]')) return;
      if (e.key === 't' && a.state !== 'closed') { e.preventDefault(); take(); }
      else if (e.key === 'c' && a.state !== 'closed') { e.preventDefault(); close(); }
      else if (e.key === 'Escape' || e.key === 'Backspace') { e.preventDefault(); app.go('queue'); }
    }

    const unsub = ['alarm', 'escalation'].map((topic) => app.on(topic, (list) => {
      if (!list.some((x) => x.id === id || x.bulk_close)) return;
      clearTimeout(timer);
      timer = setTimeout(() => reload().catch(() => {}), 100);
    }));
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', press, true);
    document.addEventListener('pointerup', release, true);
    document.addEventListener('pointercancel', release, true);
    window.addEventListener('blur', release);
    document.addEventListener('selectionchange', selection);
    const cleanup = () => {
      gone = true;
      clearTimeout(timer);
      clearTimeout(owedTimer);
      unsub.forEach((u) => u());
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', press, true);
      document.removeEventListener('pointerup', release, true);
      document.removeEventListener('pointercancel', release, true);
      window.removeEventListener('blur', release);
      document.removeEventListener('selectionchange', selection);
    };
    try {
      await reload();
    } catch (e) {
      cleanup();
      if (e.code === 'not_found') {
        el.append(h('section', { class: 'panel refused' }, h('h1', {}, `No alarm #${id}`), h('p', {}, e.message)));
        return undefined;
      }
      throw e;
    }
    return cleanup;
  },
};
