// dom.js - building the page without innerHTML: h(), times, priorities, toasts.

// h('button', {class: 'btn', onclick: fn, 'aria-label': 'x'}, 'text', node, null)
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2).toLowerCase(), v);
    } else if (k === 'class') {
      el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    } else if (k === 'style' && typeof v === 'object') {
      Object.assign(el.style, v);
    } else if (k.startsWith('aria-') || k.startsWith('data-') || k === 'role' ||
               k === 'for' || k === 'colspan' || k === 'rowspan' || k === 'list') {
      el.setAttribute(k, v === true ? '' : String(v));
    } else if (k in el) {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// Remove every child of el.
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// ms since the epoch, an ISO-8601 string or a Date -> ms; NaN if none.
export function toMs(t) {
  if (t === null || t === undefined || t === '') return NaN;
  if (typeof t === 'number') return t;
  if (t instanceof Date) return t.getTime();
  return Date.parse(t);
}

const pad = (n) => String(n).padStart(2, '0');

// Local date-time text: "2026-12-05 22:14:03"; '' if none.
export function time(t) {
  const ms = toMs(t);
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// Local clock time "22:14:03".
export function clock(t) {
  const ms = toMs(t);
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// "12 s ago", "3 min ago", "2 h ago", "4 d ago"; "in 40 s" for the future.
export function ago(t, now = Date.now()) {
  const ms = toMs(t);
  if (Number.isNaN(ms)) return '';
  const d = Math.round((now - ms) / 1000);
  const a = Math.abs(d);
  let s;
  if (a < 60) s = `${a} s`;
  else if (a < 3600) s = `${Math.floor(a / 60)} min`;
  else if (a < 86400) s = `${Math.floor(a / 3600)} h`;
  else s = `${Math.floor(a / 86400)} d`;
  return d >= 0 ? `${s} ago` : `in ${s}`;
}

const PRIO_NAMES = { 1: 'critical', 2: 'high', 3: 'raised', 4: 'medium', 5: 'medium' };

// A priority as text (P1..P9) with a class for its colour, never colour alone.
export function prio(p) {
  const n = Number(p);
  const ok = Number.isInteger(n) && n >= 1 && n <= 9;
  const label = ok ? `P${n}` : 'P?';
  return h('span', {
    class: ['prio', ok ? `prio-${n}` : 'prio-x'],
    title: ok ? `priority ${n}${PRIO_NAMES[n] ? ' (' + PRIO_NAMES[n] + ')' : ''}` : 'priority unknown',
  }, label);
}

// A short message in the corner: kind 'error' stays longer.
export function toast(text, kind = 'info') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const t = h('div', { class: ['toast', `toast-${kind}`], role: kind === 'error' ? 'alert' : 'status' },
    kind === 'error' ? '✖ ' : 'ℹ ', text);
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}
