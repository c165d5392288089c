// site.js - the sites: a searchable list ('sites') and one site's record
// ('site/:id'): address, zones, the call list, response units, accounts and
// the risk assessment.  Operators read (site.list, site.show, site.risk are
// role operator); supervisors also edit (site.update, site.zone.*,
// site.contact.*, site.unit.*), so the editing controls are only built for
// them.  The small helpers at the top are shared by the other screens of
// h-www-screens (patrol, search, stats, admin).

// --- shared helpers -------------------------------------------------------

// An error of app.call as one line: "forbidden: needs role supervisor".
export function errText(e) {
  if (e && e.code)
    return e.code + ': ' + (e.message || '');
  return String((e && e.message) || e);
}

// A message box under a form or a screen's title.  set(e) shows an error
// (role alert, so screen readers say it), info(text) a plain note,
// clear() hides it.
export function msgBox(app) {
  const el = app.h('p', { class: 'scr-msg', hidden: true, 'aria-live': 'polite' });
  return {
    el,
    set(e) {
      el.textContent = errText(e);
      el.className = 'scr-msg scr-error';
      el.setAttribute('role', 'alert');
      el.hidden = false;
      el.scrollIntoView({ block: 'nearest' });
    },
    info(text) {
      el.textContent = text;
      el.className = 'scr-msg scr-info';
      el.removeAttribute('role');
      el.hidden = false;
    },
    clear() { el.hidden = true; el.textContent = ''; },
  };
}

// A table: cols [{label, cell(row) -> node|string|null, cls}], rows.
export function dataTable(app, cols, rows, empty, caption) {
  const h = app.h;
  if (!rows || rows.length === 0)
    return h('p', { class: 'scr-empty' }, empty || 'None.');
  return h('table', { class: 'scr-table' },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, ...cols.map(c => h('th', { scope: 'col' }, c.label)))),
    h('tbody', {}, ...rows.map(r => h('tr', {},
      ...cols.map(c => {
        let v = c.cell(r);
        if (v === null || v === undefined)
          v = '';
        return h('td', c.cls ? { class: c.cls } : {}, typeof v === 'object' ? v : String(v));
      })))));
}

// A labelled input (the label wraps it, so no ids are needed).
export function field(app, label, input, hint) {
  const h = app.h;
  return h('label', { class: 'scr-field' }, h('span', {}, label), input,
    hint ? h('small', {}, hint) : null);
}

// An input with a value that a form's reset() returns to (defaultValue).
export function input(app, name, value, attrs = {}) {
  const v = value === null || value === undefined ? '' : String(value);
  return app.h('input', Object.assign({ name, defaultValue: v, value: v }, attrs));
}

// Seconds as "90 s", "15 min", "25 h", "2 d".
export function fmtSecs(s) {
  if (s === null || s === undefined)
    return '';
  s = Number(s);
  if (s === 0)
    return '0';
  if (s % 86400 === 0)
    return (s / 86400) + ' d';
  if (s % 3600 === 0)
    return (s / 3600) + ' h';
  if (s % 60 === 0)
    return (s / 60) + ' min';
  return s + ' s';
}

// A timestamp (ISO string) as local text, or '' for null.
export function when(app, iso) {
  if (!iso)
    return '';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : app.time(ms);
}

export function yesNo(v) {
  return v === true || v === 1 ? 'yes' : 'no';
}

// A section with a heading.
function section(app, title, ...children) {
  return app.h('section', { class: 'scr-section' }, app.h('h2', {}, title), ...children);
}

// A modal question (a <dialog>, not the browser's confirm/prompt): title,
// an optional text, fields [{name, label, type, min}] and the button's
// label.  Resolves to {name: value} on OK, null on cancel (Esc too).
export function ask(app, title, text, fields, okLabel, danger) {
  const h = app.h;
  return new Promise(resolve => {
    const inputs = {};
    const body = (fields || []).map(f => {
      const i = h('input', { name: f.name, type: f.type || 'text', required: !!f.required,
        minLength: f.min || 0, autocomplete: f.type === 'password' ? 'new-password' : 'off' });
      inputs[f.name] = i;
      return field(app, f.label, i);
    });
    const dlg = h('dialog', { class: 'scr-dialog', 'aria-label': title });
    let result = null;
    const form = h('form', { method: 'dialog' }, h('h2', {}, title),
      text ? h('p', {}, text) : null, ...body,
      h('div', { class: 'scr-buttons' },
        h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel'),
        h('button', { type: 'submit', class: danger ? 'btn btn-danger' : 'btn btn-primary',
          'data-ok': '1' }, okLabel || 'OK')));
    form.addEventListener('submit', ev => {
      ev.preventDefault();
      result = {};
      for (const [k, i] of Object.entries(inputs))
        result[k] = i.value;
      dlg.close();
    });
    dlg.append(form);
    dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
    document.body.append(dlg);
    dlg.showModal();
    const first = Object.values(inputs)[0] || form.querySelector('[data-ok]');
    first.focus();
  });
}

// A button that runs an async action, disabled while it runs; errors go to msg.
export function actionButton(app, label, msg, fn, attrs = {}) {
  const b = app.h('button', Object.assign({ type: 'button', class: 'btn btn-small' }, attrs), label);
  b.addEventListener('click', async () => {
    b.disabled = true;
    msg.clear();
    try {
      await fn();
    } catch (e) {
      msg.set(e);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

// A form whose submit runs fn(values) with the named inputs' values
// (checkboxes as booleans); a refusal is shown in the form's own box.
export function makeForm(app, cls, children, submitLabel, fn) {
  const h = app.h;
  const msg = msgBox(app);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, submitLabel);
  const form = h('form', { class: 'scr-form ' + (cls || '') }, ...children,
    h('div', { class: 'scr-buttons' }, submit), msg.el);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const vals = {};
    for (const el of form.elements) {
      if (!el.name)
        continue;
      vals[el.name] = el.type === 'checkbox' ? el.checked : el.value;
    }
    submit.disabled = true;
    msg.clear();
    try {
      await fn(vals, form);
    } catch (e) {
      msg.set(e);
    } finally {
      submit.disabled = false;
    }
  });
  form.msg = msg;
  return form;
}

// --- the list ---------------------------------------------------------------

// The list of sites with a search box; opts.admin adds "add" and "remove"
// for supervisors (the admin/sites screen reuses it).
export async function renderSiteList(el, app, opts = {}) {
  const h = app.h;
  const msg = msgBox(app);
  const search = h('input', { type: 'search', name: 'q', placeholder: 'name, address or id',
    'aria-label': 'Search sites' });
  const body = h('div', { class: 'scr-list' });
  let sites = [];

  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const shown = sites.filter(s => !q || String(s.id) === q ||
      (s.name || '').toLowerCase().includes(q) ||
      (s.address || '').toLowerCase().includes(q));
    const cols = [
      { label: 'Site', cell: s => h('a', { href: '#/site/' + s.id }, s.name) },
      { label: 'Address', cell: s => s.address },
      { label: 'Time zone', cell: s => s.timezone },
      { label: 'Zones', cell: s => s.zones, cls: 'num' },
      { label: 'Contacts', cell: s => s.contacts, cls: 'num' },
      { label: 'Units', cell: s => s.units, cls: 'num' },
      { label: 'Accounts', cell: s => s.accounts, cls: 'num' },
    ];
    if (opts.admin && app.can('supervisor'))
      cols.push({ label: 'Remove', cell: s => removeButton(s) });
    body.replaceChildren(
      h('p', { class: 'scr-count' }, shown.length === sites.length ?
        sites.length + ' site(s)' : shown.length + ' of ' + sites.length + ' site(s)'),
      dataTable(app, cols, shown, q ? 'No site matches.' : 'No sites yet.'));
  };

  const removeButton = s => actionButton(app, 'Remove', msg, async () => {
    if (!await ask(app, 'Remove site ' + s.name + '?', 'Its zones, contacts and units go with it.',
      [], 'Remove', true))
      return;
    let r;
    try {
      r = await app.call('site.remove', { id: s.id });
    } catch (e) {
      if (e.code !== 'bad_state' || !await ask(app, 'Remove site ' + s.name + ' anyway?',
          e.message + '. Removing it anyway detaches its accounts (they keep keys and supervision) ' +
          'and leaves its alarms their history without a site.', [], 'Remove anyway', true))
        throw e;
      r = await app.call('site.remove', { id: s.id, force: true });
    }
    msg.info('Removed site ' + r.name + (r.detached && r.detached.length ?
      '; detached accounts ' + r.detached.map(a => a.account).join(', ') : '') + '.');
    await load();
  }, { 'aria-label': 'Remove site ' + s.name });

  const load = async () => {
    sites = await app.call('site.list');
    draw();
  };

  search.addEventListener('input', draw);
  const parts = [h('h1', {}, opts.admin ? 'Sites (administration)' : 'Sites'), msg.el,
    h('div', { class: 'scr-toolbar' }, search)];
  if (opts.admin && app.can('supervisor')) {
    const f = makeForm(app, 'scr-inline', [
      field(app, 'Name', input(app, 'name', '', { required: true, maxLength: 128 })),
      field(app, 'Address', input(app, 'address', '', { maxLength: 512 })),
      field(app, 'Time zone', input(app, 'timezone', 'UTC', { maxLength: 64 }), 'IANA name, e.g. Europe/Prague'),
    ], 'Add site', async vals => {
      const s = await app.call('site.add', { name: vals.name, address: vals.address,
        timezone: vals.timezone || 'UTC' });
      f.reset();
      f.msg.info('Added site ' + s.name + ' (id ' + s.id + ').');
      await load();
    });
    parts.push(h('details', { class: 'scr-add' }, h('summary', {}, 'Add a site'), f));
  }
  parts.push(body);
  el.replaceChildren(...parts);
  try {
    await load();
  } catch (e) {
    msg.set(e);
  }
  search.focus();
}

// --- one site ---------------------------------------------------------------

const UNIT_KINDS = ['guard', 'police', 'fire', 'medical', 'technician', 'other'];

function kindSelect(app, value) {
  return app.h('select', { name: 'kind' },
    ...UNIT_KINDS.map(k => app.h('option', { value: k, selected: k === value }, k)));
}

const FLAG_TEXT = {
  grade_low: 'grade lower than the band needs',
  detection_late: 'detection later than the category allows',
  intervention_late: 'intervention comes too late',
  expired: 'assessment expired',
};

function bandsText(b) {
  if (!b)
    return '';
  return Object.keys(b).filter(k => b[k] !== null && b[k] !== undefined)
    .map(k => k + ' ' + b[k]).join(', ');
}

function flagsNode(app, flags) {
  if (!flags || flags.length === 0)
    return 'none';
  return app.h('span', { class: 'scr-flags' },
    ...flags.map(f => app.h('span', { class: 'scr-flag' }, '⚠ ' + (FLAG_TEXT[f] || f))));
}

// One line per method of the assessment's result.
function riskLines(app, res, tables) {
  const h = app.h;
  const rows = [];
  const title = {};
  for (const f of (tables && tables.doc && tables.doc.factors) || [])
    title[f.name] = f.title || f.name;
  if (res.grade)
    rows.push(['Grade (EN 50131)', 'system grade ' + res.grade.grade +
      (res.grade.needed ? ', needed ' + res.grade.needed : '') + ' (' +
      (res.grade.components || []).map(c => c.name + ' ' + c.grade).join(', ') + ')']);
  if (res.matrix)
    rows.push(['Risk matrix', 'total ' + res.matrix.total + ', mean ' +
      Number(res.matrix.mean).toFixed(1) + ': band ' + res.matrix.band +
      (res.matrix.band_text ? ' (' + res.matrix.band_text + ')' : '') + '; ' +
      (res.matrix.threats || []).map(t => t.name + ' ' + (t.score !== undefined ? t.score :
        t.probability + '×' + t.impact)).join(', ')]);
  if (res.pnh)
    rows.push(['PNH', 'R = ' + res.pnh.p + ' × ' + res.pnh.n + ' × ' + res.pnh.h + ' = ' +
      res.pnh.r + ': band ' + res.pnh.band + (res.pnh.band_text ? ' (' + res.pnh.band_text + ')' : '') +
      (res.pnh.measures && res.pnh.measures.length ? '; measures: ' + res.pnh.measures.join(', ') : '')]);
  if (res.points)
    rows.push(['Points', 'total ' + res.points.total + ': band ' + res.points.band + '; ' +
      (res.points.factors || []).map(f => (title[f.factor] || f.factor) + ' ' +
        (f.level_name || f.level) + ' (' + f.points + ')').join(', ')]);
  if (res.zone)
    rows.push(['Detection zone', res.zone.category + ': detection at ' + res.zone.detection +
      ', required by ' + res.zone.required + (res.zone.late ? ' ⚠ late' : ' (ok)')]);
  if (res.time_balance) {
    const tb = res.time_balance;
    rows.push(['Time balance', 'handling ' + tb.handling + ' min, travel ' + tb.travel + ' min' +
      (tb.late ? ' ⚠ intervention late by ' + tb.missing + ' min' : ' (in time)') +
      (tb.dispatch !== null && tb.dispatch !== undefined ? '; dispatch within ' + tb.dispatch + ' min' : '') +
      '; points: ' + (tb.points || []).map(p => p.name + ' delay ' + p.delay +
        ' min, margin ' + p.margin + ' min').join('; ')]);
  }
  return h('dl', { class: 'scr-dl' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

async function renderRisk(app, box, siteId) {
  const h = app.h;
  let risk, tables = null;
  try {
    risk = await app.call('site.risk', { site: siteId });
  } catch (e) {
    box.replaceChildren(h('p', { class: 'scr-error', role: 'alert' }, errText(e)));
    return;
  }
  try {
    tables = await app.call('risk.tables.show', {});
  } catch (e) {
    tables = null;  // the titles of point factors are a nicety
  }
  const cur = risk.current;
  const parts = [];
  if (!cur) {
    parts.push(h('p', { class: 'scr-empty' }, 'No risk assessment recorded for this site.'));
  } else {
    parts.push(h('dl', { class: 'scr-dl' },
      h('dt', {}, 'Version'), h('dd', {}, String(cur.version)),
      h('dt', {}, 'Assessed by'), h('dd', {}, cur.assessed_by + ', ' + when(app, cur.assessed)),
      h('dt', {}, 'Valid until'), h('dd', {}, cur.valid_until ? when(app, cur.valid_until) : 'open-ended'),
      h('dt', {}, 'Bands'), h('dd', {}, bandsText(cur.bands) || 'none'),
      h('dt', {}, 'Flags'), h('dd', {}, flagsNode(app, cur.flags))));
    if (cur.result)
      parts.push(riskLines(app, cur.result, tables));
    if (cur.doc && cur.doc.note)
      parts.push(h('p', { class: 'scr-note' }, 'Note: ' + cur.doc.note));
  }
  if (risk.history && risk.history.length > 1)
    parts.push(h('details', {}, h('summary', {}, 'Earlier versions (' + (risk.history.length - 1) + ')'),
      dataTable(app, [
        { label: 'Version', cell: r => r.version, cls: 'num' },
        { label: 'Assessed by', cell: r => r.assessed_by },
        { label: 'Assessed', cell: r => when(app, r.assessed) },
        { label: 'Bands', cell: r => bandsText(r.bands) },
        { label: 'Flags', cell: r => flagsNode(app, r.flags) },
      ], risk.history.filter(r => !cur || r.version !== cur.version))));
  box.replaceChildren(...parts);
}

async function renderSite(el, params, app) {
  const h = app.h;
  const id = Number(params.id);
  const edit = app.can('supervisor');
  const msg = msgBox(app);
  if (!Number.isInteger(id) || id < 1) {
    el.replaceChildren(h('h1', {}, 'Site'), h('p', { class: 'scr-error', role: 'alert' },
      'Not a site id: ' + params.id));
    return;
  }
  let s;
  const riskBox = h('div', { class: 'scr-risk' }, 'Loading…');

  const reload = async () => {
    s = await app.call('site.show', { id });
    draw();
  };
  // Runs a change, then shows the site again (or the refusal in box).
  const change = async (cmd, args) => {
    await app.call(cmd, args);
    await reload();
  };

  const details = () => {
    const dl = h('dl', { class: 'scr-dl' },
      h('dt', {}, 'Address'), h('dd', {}, s.address || '—'),
      h('dt', {}, 'Time zone'), h('dd', {}, s.timezone),
      h('dt', {}, 'Priority boost'), h('dd', {}, String(s.priority_boost)),
      h('dt', {}, 'Code word'), h('dd', {}, s.code_word || '—'),
      h('dt', {}, 'Instructions'), h('dd', { class: 'scr-pre' }, s.instructions || '—'),
      h('dt', {}, 'Notes'), h('dd', { class: 'scr-pre' }, s.notes || '—'),
      h('dt', {}, 'Changed'), h('dd', {}, when(app, s.updated || s.created)));
    if (!edit)
      return section(app, 'Details', dl);
    const f = makeForm(app, 'scr-grid', [
      field(app, 'Name', input(app, 'name', s.name, { required: true, maxLength: 128 })),
      field(app, 'Address', input(app, 'address', s.address, { maxLength: 512 })),
      field(app, 'Time zone', input(app, 'timezone', s.timezone, { maxLength: 64 })),
      field(app, 'Priority boost', input(app, 'priority_boost', s.priority_boost,
        { type: 'number', min: 0, max: 3 })),
      field(app, 'Code word', input(app, 'code_word', s.code_word, { maxLength: 64 })),
      field(app, 'Instructions', h('textarea', { name: 'instructions', rows: 3, maxLength: 8192,
        value: s.instructions || '' })),
      field(app, 'Notes', h('textarea', { name: 'notes', rows: 3, maxLength: 4096, value: s.notes || '' })),
    ], 'Save details', async vals => {
      const args = { id };
      for (const k of ['name', 'address', 'timezone', 'code_word', 'instructions', 'notes'])
        if (vals[k] !== (s[k] || ''))
          args[k] = vals[k];
      if (Number(vals.priority_boost) !== s.priority_boost)
        args.priority_boost = Number(vals.priority_boost);
      if (Object.keys(args).length === 1) {
        f.msg.info('Nothing changed.');
        return;
      }
      await change('site.update', args);
      msg.info('Saved.');
    });
    return section(app, 'Details', dl, h('details', { class: 'scr-edit' },
      h('summary', {}, 'Edit details'), f));
  };

  const zones = () => {
    const cols = [
      { label: 'Zone', cell: z => z.number, cls: 'num' },
      { label: 'Name', cell: z => z.name },
      { label: 'Location', cell: z => z.location },
      { label: 'Type', cell: z => z.type },
    ];
    if (edit)
      cols.push({ label: 'Actions', cell: z => h('span', { class: 'scr-actions' },
        actionButton(app, 'Edit', msg, async () => fill(zf, z), { 'aria-label': 'Edit zone ' + z.number }),
        actionButton(app, 'Remove', msg, async () => {
          if (await ask(app, 'Remove zone ' + z.number + '?', null, [], 'Remove', true))
            await change('site.zone.remove', { site: id, number: z.number });
        }, { 'aria-label': 'Remove zone ' + z.number })) });
    const zf = edit ? makeForm(app, 'scr-inline', [
      field(app, 'Number', input(app, 'number', '', { type: 'number', min: 0, max: 65535, required: true })),
      field(app, 'Name', input(app, 'name', '', { maxLength: 128 })),
      field(app, 'Location', input(app, 'location', '', { maxLength: 256 })),
      field(app, 'Type', input(app, 'type', '', { maxLength: 32 })),
    ], 'Set zone', async vals => {
      await change('site.zone.set', { site: id, number: Number(vals.number), name: vals.name,
        location: vals.location, type: vals.type });
      msg.info('Zone ' + vals.number + ' saved.');
    }) : null;
    return section(app, 'Zones', dataTable(app, cols, s.zones, 'No zones.'),
      zf ? h('details', { class: 'scr-edit' }, h('summary', {}, 'Add or change a zone'), zf) : null);
  };

  const contacts = () => {
    const cols = [
      { label: '#', cell: c => c.position, cls: 'num' },
      { label: 'Name', cell: c => c.name },
      { label: 'Phone', cell: c => c.phone ? h('a', { href: 'tel:' + c.phone.replace(/[^+0-9]/g, '') }, c.phone) : '' },
      { label: 'Role', cell: c => c.role },
      { label: 'Keyholder', cell: c => yesNo(c.keyholder) },
    ];
    if (edit)
      cols.push({ label: 'Actions', cell: c => h('span', { class: 'scr-actions' },
        actionButton(app, 'Edit', msg, async () => fill(cf, c), { 'aria-label': 'Edit contact ' + c.name }),
        actionButton(app, 'Remove', msg, async () => {
          if (await ask(app, 'Remove ' + c.name + ' from the call list?', 'The contacts after ' +
              'it move up.', [], 'Remove', true))
            await change('site.contact.remove', { id: c.id });
        }, { 'aria-label': 'Remove contact ' + c.name })) });
    const cf = edit ? makeForm(app, 'scr-inline', [
      h('input', { type: 'hidden', name: 'id', value: '' }),
      field(app, 'Name', input(app, 'name', '', { required: true, maxLength: 128 })),
      field(app, 'Phone', input(app, 'phone', '', { type: 'tel', maxLength: 32 })),
      field(app, 'Role', input(app, 'role', '', { maxLength: 64 })),
      field(app, 'Position', input(app, 'position', '', { type: 'number', min: 1 }), 'empty: the end'),
      h('label', { class: 'scr-check' }, h('input', { type: 'checkbox', name: 'keyholder' }), ' keyholder'),
    ], 'Save contact', async (vals, form) => {
      const args = { name: vals.name, phone: vals.phone, role: vals.role, keyholder: vals.keyholder };
      if (vals.position !== '')
        args.position = Number(vals.position);
      if (vals.id) {
        args.id = Number(vals.id);
        await change('site.contact.update', args);
      } else {
        args.site = id;
        await change('site.contact.add', args);
      }
      form.reset();
      msg.info('Contact ' + vals.name + ' saved.');
    }) : null;
    return section(app, 'Call list', dataTable(app, cols, s.contacts, 'No contacts.'),
      cf ? h('details', { class: 'scr-edit' }, h('summary', {}, 'Add or change a contact'), cf) : null);
  };

  const units = () => {
    const cols = [
      { label: 'Kind', cell: u => u.kind },
      { label: 'Name', cell: u => u.name },
      { label: 'Phone', cell: u => u.phone ? h('a', { href: 'tel:' + u.phone.replace(/[^+0-9]/g, '') }, u.phone) : '' },
      { label: 'Response time', cell: u => fmtSecs(u.response_time) },
    ];
    if (edit)
      cols.push({ label: 'Actions', cell: u => h('span', { class: 'scr-actions' },
        actionButton(app, 'Edit', msg, async () => fill(uf, u), { 'aria-label': 'Edit unit ' + u.name }),
        actionButton(app, 'Remove', msg, async () => {
          if (await ask(app, 'Remove unit ' + u.name + '?', null, [], 'Remove', true))
            await change('site.unit.remove', { id: u.id });
        }, { 'aria-label': 'Remove unit ' + u.name })) });
    const uf = edit ? makeForm(app, 'scr-inline', [
      h('input', { type: 'hidden', name: 'id', value: '' }),
      field(app, 'Kind', kindSelect(app, 'guard')),
      field(app, 'Name', input(app, 'name', '', { required: true, maxLength: 128 })),
      field(app, 'Phone', input(app, 'phone', '', { type: 'tel', maxLength: 32 })),
      field(app, 'Response time (s)', input(app, 'response_time', '0', { type: 'number', min: 0, max: 86400 })),
    ], 'Save unit', async (vals, form) => {
      const args = { kind: vals.kind, name: vals.name, phone: vals.phone,
        response_time: Number(vals.response_time || 0) };
      if (vals.id) {
        args.id = Number(vals.id);
        await change('site.unit.update', args);
      } else {
        args.site = id;
        await change('site.unit.add', args);
      }
      form.reset();
      msg.info('Unit ' + vals.name + ' saved.');
    }) : null;
    return section(app, 'Response units', dataTable(app, cols, s.units, 'No response units.'),
      uf ? h('details', { class: 'scr-edit' }, h('summary', {}, 'Add or change a unit'), uf) : null);
  };

  const accounts = () => section(app, 'Accounts', dataTable(app, [
    { label: 'Account', cell: a => a.account },
    { label: 'Name', cell: a => a.name },
    { label: 'Supervision', cell: a => a.supervision ? 'every ' + fmtSecs(a.supervision) : 'not supervised' },
  ], s.accounts, 'No panel accounts.'));

  // The site's open alarms (links to the alarm screen) and the handling
  // protocols of its own: what an operator wants beside the record.
  const alarmBox = h('div', {}, 'Loading…');
  const protoBox = h('div', {}, 'Loading…');
  const loadSide = async () => {
    try {
      const list = await app.call('alarm.list', { site: id, state: 'open' });
      alarmBox.replaceChildren(dataTable(app, [
        { label: 'Alarm', cell: a => h('a', { href: '#/alarm/' + a.id }, '#' + a.id) },
        { label: 'Priority', cell: a => app.prio(a.priority) },
        { label: 'State', cell: a => a.state + (a.restored ? ', restored' : '') +
          (a.escalated ? ', ⚠ escalated ' + a.escalated + '×' : '') },
        { label: 'Class', cell: a => a.class },
        { label: 'Zone', cell: a => a.zone === null ? '' : String(a.zone) },
        { label: 'Text', cell: a => a.text },
        { label: 'Since', cell: a => when(app, a.first) },
      ], list, 'No open alarms.'));
    } catch (e) {
      alarmBox.replaceChildren(h('p', { class: 'scr-error', role: 'alert' }, errText(e)));
    }
    try {
      const list = await app.call('protocol.list', { site: id });
      protoBox.replaceChildren(dataTable(app, [
        { label: 'Protocol', cell: p => p.name + ' v' + p.version },
        { label: 'Class', cell: p => p.class || 'every class' },
        { label: 'Steps', cell: p => p.nsteps, cls: 'num' },
        { label: 'Approved by', cell: p => p.approved_by },
      ], list, 'None of its own: the centre-wide or risk-band protocols apply.'));
    } catch (e) {
      protoBox.replaceChildren(h('p', { class: 'scr-error', role: 'alert' }, errText(e)));
    }
  };

  const draw = () => {
    el.replaceChildren(
      h('p', { class: 'scr-crumbs' }, h('a', { href: '#/sites' }, 'Sites'), ' › ' + s.name),
      h('h1', {}, s.name, h('small', {}, ' site ' + s.id)),
      msg.el, section(app, 'Open alarms', alarmBox), details(), zones(), contacts(), units(),
      accounts(), section(app, 'Handling protocols of this site', protoBox),
      section(app, 'Risk assessment', riskBox));
  };

  el.replaceChildren(h('h1', {}, 'Site ' + id), msg.el);
  try {
    await reload();
  } catch (e) {
    msg.set(e);
    return;
  }
  await Promise.all([renderRisk(app, riskBox, id), loadSide()]);
}

// Put a row's values into an edit form and open it.
function fill(form, row) {
  for (const el of form.elements) {
    if (!el.name || !(el.name in row))
      continue;
    if (el.type === 'checkbox')
      el.checked = row[el.name] === true || row[el.name] === 1;
    else
      el.value = row[el.name] === null ? '' : String(row[el.name]);
  }
  const d = form.closest('details');
  if (d)
    d.open = true;
  const first = [...form.elements].find(e => e.type !== 'hidden');
  if (first)
    first.focus();
}

export const sites = {
  name: 'sites',
  path: 'sites',
  nav: 'Sites',
  key: 's',
  role: 'operator',
  render(el, params, app) {
    return renderSiteList(el, app);
  },
};

export default {
  name: 'site',
  path: 'site/:id',
  nav: null,
  role: 'operator',
  render(el, params, app) {
    return renderSite(el, params, app);
  },
};
