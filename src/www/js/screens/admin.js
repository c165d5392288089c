// admin.js - management for supervisors and admins.
//   'admin'           the entry of the nav (supervisors): the sites list.
//   'admin/sites'     sites with add and remove (site.add, site.remove).
//   'admin/protocols' handling protocols: list, steps, a new version edited
//                     as JSON (protocol.put; pcod's validation message is
//                     shown as it comes), retire.
//   'admin/operators' operators (operator.list/add/update/passwd are role
//                     admin on the server, so this screen is role admin).
// A tab bar links the three; the operators tab only for admins.  Every
// refusal of the server is shown with its code and message.

import { msgBox, dataTable, field, input, makeForm, actionButton, when, renderSiteList, ask }
  from './site.js';

const CLASSES = ['burglary', 'fire', 'panic', 'medical', 'tamper', 'trouble',
  'supervisory', 'openclose', 'test', 'other', 'patrol', 'threat'];

function tabs(app, current) {
  const h = app.h;
  const items = [['admin/sites', 'Sites', 'supervisor'], ['admin/protocols', 'Protocols', 'supervisor'],
    ['admin/operators', 'Operators', 'admin']].filter(t => app.can(t[2]));
  return h('nav', { class: 'scr-tabs', 'aria-label': 'Administration' },
    ...items.map(([path, label]) => h('a', path === current ?
      { href: '#/' + path, 'aria-current': 'page', class: 'scr-tab-on' } : { href: '#/' + path }, label)));
}

// --- sites ----------------------------------------------------------------

async function renderSites(el, params, app, path) {
  const h = app.h;
  const inner = h('div');
  el.replaceChildren(tabs(app, path), inner);
  await renderSiteList(inner, app, { admin: true });
}

// --- protocols ------------------------------------------------------------

// The document protocol.put takes, from a version protocol.show gave.
function editable(p) {
  const doc = { name: p.name };
  if (p.site !== null && p.site !== undefined)
    doc.site = p.site;
  if (p.class)
    doc.class = p.class;
  if (p.band)
    doc.band = p.band;
  doc.approved_by = p.approved_by || '';
  doc.steps = (p.steps || []).map(s => {
    const o = { action: s.action };
    if (s.target !== null && s.target !== undefined && s.target !== '')
      o.target = s.target;
    if (s.text)
      o.text = s.text;
    o.deadline = s.deadline;
    return o;
  });
  return doc;
}

const TEMPLATE = {
  name: 'New protocol', class: 'burglary', approved_by: 'who agreed it at the client',
  steps: [
    { action: 'call', target: '1', text: 'first contact of the call list', deadline: 120 },
    { action: 'dispatch', target: 'guard', deadline: 600 },
  ],
};

async function renderProtocols(el, params, app) {
  const h = app.h;
  const msg = msgBox(app);
  const all = h('input', { type: 'checkbox', name: 'all' });
  const listBox = h('div', { class: 'scr-list' });
  const detail = h('div', { class: 'scr-detail' });
  const editor = h('textarea', { name: 'document', rows: 16, spellcheck: false, class: 'scr-json',
    'aria-label': 'Protocol document (JSON)' });
  const reason = input(app, 'reason', '', { maxLength: 1024 });
  let siteNames = new Map();

  const siteText = p => (p.site === null || p.site === undefined) ? (p.band ? 'band ' + p.band : 'centre-wide') :
    (siteNames.get(p.site) || 'site ' + p.site);

  const showVersion = async (name, version) => {
    const p = await app.call('protocol.show', version ? { name, version } : { name });
    detail.replaceChildren(
      h('h2', {}, p.name + ' v' + p.version, h('small', {}, p.current ? ' in force' :
        (p.version < p.latest ? ' (v' + p.latest + ' is the latest)' : ' retired'))),
      h('dl', { class: 'scr-dl' },
        h('dt', {}, 'Applies to'), h('dd', {}, siteText(p) + ', ' + (p.class || 'every class')),
        h('dt', {}, 'Approved'), h('dd', {}, (p.approved_by || '') + ', ' + when(app, p.approved_at)),
        h('dt', {}, 'Recorded'), h('dd', {}, (p.created_by || '') + ', ' + when(app, p.created_at))),
      dataTable(app, [
        { label: 'Step', cell: s => s.position, cls: 'num' },
        { label: 'Action', cell: s => s.action },
        { label: 'Target', cell: s => s.target },
        { label: 'Instructions', cell: s => s.text },
        { label: 'Deadline', cell: s => s.deadline + ' s', cls: 'num' },
      ], p.steps, 'No steps.', 'Steps'),
      h('div', { class: 'scr-buttons' },
        actionButton(app, 'Edit as new version', msg, async () => {
          editor.value = JSON.stringify(editable(p), null, 2);
          editor.closest('details').open = true;
          editor.focus();
        }),
        p.current ? actionButton(app, 'Retire', msg, async () => {
          const v = await ask(app, 'Retire ' + p.name + '?', 'No version of it will be in force; ' +
            'alarms raised under it keep it.', [{ name: 'reason', label: 'Reason (audit log)' }], 'Retire', true);
          if (!v)
            return;
          await app.call('protocol.retire', v.reason ? { name: p.name, reason: v.reason } : { name: p.name });
          msg.info('Retired ' + p.name + '.');
          await load();
          await showVersion(p.name);
        }, { class: 'btn btn-small btn-danger' }) : null));
  };

  const load = async () => {
    const list = await app.call('protocol.list', all.checked ? { all_versions: true } : {});
    listBox.replaceChildren(dataTable(app, [
      { label: 'Name', cell: p => h('a', { href: '#/admin/protocols', onclick: ev => {
        ev.preventDefault();
        showVersion(p.name, all.checked ? p.version : null).catch(e => msg.set(e));
      } }, p.name) },
      { label: 'Version', cell: p => p.version, cls: 'num' },
      { label: 'State', cell: p => p.current ? 'in force' : 'not in force' },
      { label: 'Applies to', cell: p => siteText(p) },
      { label: 'Class', cell: p => p.class || 'every class' },
      { label: 'Steps', cell: p => p.nsteps, cls: 'num' },
      { label: 'Approved by', cell: p => p.approved_by },
    ], list, all.checked ? 'No protocols.' : 'No protocol is in force.'));
  };

  const putForm = makeForm(app, '', [
    field(app, 'Document (JSON: name, site or band, class, approved_by, approved_at, steps)', editor),
    field(app, 'Reason (audit log)', reason),
  ], 'Save as new version', async () => {
    let doc;
    try {
      doc = JSON.parse(editor.value);
    } catch (e) {
      throw Object.assign(new Error('the document is not valid JSON: ' + e.message), { code: 'bad_json' });
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
      throw Object.assign(new Error('the document must be a JSON object'), { code: 'bad_args' });
    if (reason.value)
      doc.reason = reason.value;
    const p = await app.call('protocol.put', doc);
    let note = 'Saved ' + p.name + ' version ' + p.version + '.';
    if (p.warnings && p.warnings.length)
      note += ' Warnings: ' + p.warnings.map(w => w.message).join('; ') + (p.warnings_more ? '; …' : '');
    putForm.msg.info(note);
    await load();
    await showVersion(p.name);
  });

  all.addEventListener('change', () => load().catch(e => msg.set(e)));
  el.replaceChildren(tabs(app, 'admin/protocols'), h('h1', {}, 'Handling protocols'), msg.el,
    h('div', { class: 'scr-toolbar' }, h('label', { class: 'scr-check' }, all, ' show every version')),
    listBox, detail,
    h('details', { class: 'scr-edit' }, h('summary', {}, 'Put a protocol (new, or a new version)'),
      h('p', { class: 'scr-note' }, 'Actions: call (target: a contact position or a phone number), ' +
        'dispatch (a unit id or kind: guard, police, fire, medical, technician, other), notify, verify, ' +
        'text. Deadlines in seconds from the take, 1-86400. Classes: ' + CLASSES.join(', ') + '.'),
      actionButton(app, 'Start from a template', msg, async () => {
        editor.value = JSON.stringify(TEMPLATE, null, 2);
      }), putForm));
  try {
    const sites = await app.call('site.list');
    siteNames = new Map(sites.map(s => [s.id, s.name]));
    await load();
  } catch (e) {
    msg.set(e);
  }
}

// --- operators ------------------------------------------------------------

const ROLES = ['operator', 'supervisor', 'admin'];

function roleSelect(app, value, attrs = {}) {
  return app.h('select', Object.assign({ name: 'role' }, attrs),
    ...ROLES.map(r => app.h('option', { value: r, selected: r === value }, r)));
}

async function renderOperators(el, params, app) {
  const h = app.h;
  const msg = msgBox(app);
  const listBox = h('div', { class: 'scr-list' });

  const load = async () => {
    const ops = await app.call('operator.list');
    listBox.replaceChildren(dataTable(app, [
      { label: 'Login', cell: o => o.login },
      { label: 'Name', cell: o => o.name },
      { label: 'Role', cell: o => {
        const sel = roleSelect(app, o.role, { 'aria-label': 'Role of ' + o.login });
        const save = actionButton(app, 'Set', msg, async () => {
          if (sel.value === o.role)
            return;
          await app.call('operator.update', { login: o.login, role: sel.value });
          msg.info(o.login + ' is now ' + sel.value + '.');
          await load();
        }, { 'aria-label': 'Set the role of ' + o.login });
        return h('span', { class: 'scr-actions' }, sel, save);
      } },
      { label: 'State', cell: o => o.disabled ? '⊘ disabled' : 'active' },
      { label: 'Created', cell: o => when(app, o.created) },
      { label: 'Actions', cell: o => h('span', { class: 'scr-actions' },
        actionButton(app, o.disabled ? 'Enable' : 'Disable', msg, async () => {
          if (!o.disabled && !await ask(app, 'Disable ' + o.login + '?', 'His open sessions end at once.',
            [], 'Disable', true))
            return;
          await app.call('operator.update', { login: o.login, disabled: !o.disabled });
          msg.info(o.login + (o.disabled ? ' enabled.' : ' disabled.'));
          await load();
        }, { 'aria-label': (o.disabled ? 'Enable ' : 'Disable ') + o.login }),
        actionButton(app, 'Password…', msg, async () => {
          const v = await ask(app, 'New password for ' + o.login, 'His open sessions end.',
            [{ name: 'password', label: 'Password (at least 10 characters)', type: 'password',
              required: true, min: 10 }], 'Set password');
          if (!v)
            return;
          await app.call('operator.passwd', { login: o.login, password: v.password });
          msg.info('Password of ' + o.login + ' changed.');
        }, { 'aria-label': 'Change the password of ' + o.login })) },
    ], ops, 'No operators.'));
  };

  const addForm = makeForm(app, 'scr-inline', [
    field(app, 'Login', input(app, 'login', '', { required: true, maxLength: 32,
      pattern: '[a-z0-9._\\-]{1,32}', title: 'a-z, 0-9, dot, underscore, hyphen', autocomplete: 'off' })),
    field(app, 'Name', input(app, 'name', '', { maxLength: 128 })),
    field(app, 'Role', roleSelect(app, 'operator')),
    field(app, 'Password', input(app, 'password', '', { type: 'password', required: true, minLength: 10,
      autocomplete: 'new-password' }), 'at least 10 characters'),
  ], 'Add operator', async (vals, form) => {
    const o = await app.call('operator.add', { login: vals.login, name: vals.name, role: vals.role,
      password: vals.password });
    form.reset();
    addForm.msg.info('Added ' + o.login + ' (' + o.role + ').');
    await load();
  });

  el.replaceChildren(tabs(app, 'admin/operators'), h('h1', {}, 'Operators'), msg.el,
    h('p', { class: 'scr-note' }, 'Operators are never removed, only disabled, so the audit log keeps ' +
      'meaning someone. A change of role applies to open sessions at once.'),
    listBox, h('section', { class: 'scr-section' }, h('h2', {}, 'Add an operator'), addForm));
  try {
    await load();
  } catch (e) {
    msg.set(e);
  }
}

export const adminHome = {
  name: 'admin',
  path: 'admin',
  nav: 'Admin',
  role: 'supervisor',
  render(el, params, app) {
    return renderSites(el, params, app, 'admin/sites');
  },
};

export const adminSites = {
  name: 'admin-sites',
  path: 'admin/sites',
  nav: null,
  role: 'supervisor',
  render(el, params, app) {
    return renderSites(el, params, app, 'admin/sites');
  },
};

export const adminProtocols = {
  name: 'admin-protocols',
  path: 'admin/protocols',
  nav: null,
  role: 'supervisor',
  render: renderProtocols,
};

export default {
  name: 'admin-operators',
  path: 'admin/operators',
  nav: null,
  role: 'admin',
  render: renderOperators,
};
