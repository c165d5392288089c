// live.js - the notifications of GET /api/events (Server-Sent Events) and
// whether the console is live.
//
// The stream is reopened by hand (EventSource gives up for good on an HTTP
// error), with a back-off of 0.5 s doubling to 5 s.  When it drops, or any
// call fails to reach pcod, the banner says "NOT LIVE — connection lost
// since HH:MM:SS" at once; each failed reopening asks pcod who we are
// (auth.whoami), so an expired or revoked session goes to the login screen
// instead of retrying for ever (a restart of pcod keeps the session and its
// CSRF token: the console carries on).  When
// the stream is open again the banner goes and onBack() re-reads what the
// screen shows.  Notifications are delivered per topic at most once per
// animation frame (or 250 ms in a hidden tab, where frames stop), as an
// array of their data objects.

import { clock } from './dom.js';

const TOPICS = 'alarm,escalation,system';
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 5000;
// A silent stream may be a dead network: a cheap request (a static file,
// which does not touch the session's idle time) every HEARTBEAT ms finds it.
const HEARTBEAT = 15000;
const HEARTBEAT_TIMEOUT = 5000;

export class Live {
  // probe(): a promise that rejects when pcod is unreachable or the session
  // is gone (api.call has sent the user to the login screen by then).
  constructor({ banner, onBack, probe }) {
    this.banner = banner;
    this.onBack = onBack;
    this.probe = probe;
    this.subs = new Map();      // topic -> Set of fn
    this.pending = new Map();   // topic -> [data]
    this.flushScheduled = false;
    this.es = null;
    this.timer = null;
    this.backoff = BACKOFF_MIN;
    this.downSince = null;
    this.running = false;
    this.opened = false;
  }

  // fn(arrayOfData) for topic; returns the unsubscribe function.
  on(topic, fn) {
    if (!this.subs.has(topic)) this.subs.set(topic, new Set());
    this.subs.get(topic).add(fn);
    return () => { const s = this.subs.get(topic); if (s) s.delete(fn); };
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.backoff = BACKOFF_MIN;
    this.open();
    this.beat = setInterval(() => this.heartbeat(), HEARTBEAT);
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    clearInterval(this.beat);
    this.timer = null;
    if (this.es) { this.es.close(); this.es = null; }
    this.downSince = null;
    this.opened = false;
    this.showBanner();
  }

  get live() { return this.running && this.opened && this.downSince === null; }

  open() {
    if (!this.running) return;
    const es = new EventSource(`/api/events?topics=${TOPICS}`);
    this.es = es;
    es.onopen = () => {
      if (this.es !== es) return;
      this.opened = true;
      this.backoff = BACKOFF_MIN;
      if (this.downSince !== null) {
        this.downSince = null;
        this.showBanner();
        this.onBack();
      }
    };
    es.onerror = () => {
      if (this.es !== es) return;
      this.lost('the event stream');
    };
    for (const topic of TOPICS.split(',')) {
      es.addEventListener(topic, (ev) => {
        if (this.es !== es) return;
        let data;
        try { data = JSON.parse(ev.data); } catch (e) { return; }
        this.queue(topic, data);
      });
    }
    // pcod ended the stream: logged out, expired, disabled, shutting down.
    es.addEventListener('closed', () => { if (this.es === es) this.lost('pcod closed the stream'); });
  }

  // The stream or a call failed: banner now, reopen later.
  lost(what) {
    if (!this.running) return;
    if (this.es) { this.es.close(); this.es = null; }
    this.opened = false;
    if (this.downSince === null) {
      this.downSince = Date.now();
      this.showBanner();
    }
    if (this.timer === null) this.retry();
  }

  async heartbeat() {
    if (!this.running || this.downSince !== null) return;
    const ctl = new AbortController();
    const t = setTimeout(() => ctl.abort(), HEARTBEAT_TIMEOUT);
    try {
      const r = await fetch('/www/icon.svg', { method: 'HEAD', cache: 'no-store', signal: ctl.signal });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
    } catch (e) {
      this.lost('the heartbeat');
    } finally {
      clearTimeout(t);
    }
  }

  // A call could not reach pcod (api.js's down hook).
  callFailed() {
    if (this.running) this.lost('a call');
  }

  retry() {
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX);
    this.timer = setTimeout(async () => {
      this.timer = null;
      if (!this.running) return;
      try {
        await this.probe();
      } catch (e) {
        if (!this.running) return;          // the session is gone: login screen
        if (this.timer === null) this.retry();
        return;
      }
      if (this.running && this.es === null) this.open();
    }, wait);
  }

  showBanner() {
    const b = this.banner;
    if (!b) return;
    if (this.running && this.downSince !== null) {
      b.textContent = `NOT LIVE — connection lost since ${clock(this.downSince)}: ` +
        'what you see may be out of date; reconnecting…';
      b.hidden = false;
      document.body.classList.add('not-live');
    } else {
      b.hidden = true;
      b.textContent = '';
      document.body.classList.remove('not-live');
    }
  }

  queue(topic, data) {
    if (!this.pending.has(topic)) this.pending.set(topic, []);
    this.pending.get(topic).push(data);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    let done = false;
    const flush = () => {
      if (done) return;
      done = true;
      clearTimeout(t);
      this.flushScheduled = false;
      this.flush();
    };
    const t = setTimeout(flush, 250);
    requestAnimationFrame(flush);
  }

  flush() {
    const batches = this.pending;
    this.pending = new Map();
    for (const [topic, list] of batches) {
      const subs = this.subs.get(topic);
      if (!subs) continue;
      for (const fn of [...subs]) {
        try { fn(list); } catch (e) { console.error('pcod: a subscriber of', topic, 'failed', e); }
      }
    }
  }
}
