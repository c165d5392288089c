// login.js - the login screen: POST /api/login with {login, password}.

export default {
  name: 'login',
  path: 'login',
  nav: null,
  role: null,          // shown before anyone is logged in
  render(el, params, app) {
    const { h } = app;
    if (app.user) { app.go('queue'); return; }
    const reason = app.takeLoginReason();
    const msg = h('p', { id: 'login-msg', class: 'login-msg', role: 'alert' });
    const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true, autofocus: true });
    const pw = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const btn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'login-submit' }, 'Log in');
    const show = (text, kind) => {
      msg.textContent = text;
      msg.className = `login-msg login-${kind}`;
    };
    if (reason) show(reason, 'info');
    const form = h('form', {
      class: 'login-form', 'aria-labelledby': 'login-title',
      onsubmit: async (e) => {
        e.preventDefault();
        btn.disabled = true;
        show('Logging in…', 'info');
        try {
          const u = await app.login(user.value.trim(), pw.value);
          pw.value = '';
          app.signedIn(u);
        } catch (err) {
          pw.value = '';
          btn.disabled = false;
          pw.focus();
          if (err.code === 'auth_failed') show('Wrong login name or password.', 'error');
          else if (err.code === 'throttled' || err.code === 'locked') {
            show(`Too many failed logins: ${err.message}. Wait before you try again.`, 'error');
          } else if (err.code === 'network') show('pcod cannot be reached. Check the connection and try again.', 'error');
          else show(`Login refused: ${err.message} (${err.code}).`, 'error');
        }
      },
    },
    h('h1', { id: 'login-title' }, 'pcod console'),
    h('p', { class: 'muted' }, 'Alarm receiving centre — log in with your operator name.'),
    h('label', { for: 'login-user' }, 'Login name'), user,
    h('label', { for: 'login-password' }, 'Password'), pw,
    btn, msg);
    el.append(h('section', { class: 'login-box' }, form));
    user.focus();
  },
};
