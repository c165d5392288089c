/* ingest.c - frame -> checks -> events -> store batch -> the answer, sent after commit. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "acct.h"
#include "alarm.h"
#include "batch.h"
#include "cid.h"
#include "clock.h"
#include "conf.h"
#include "dc09.h"
#include "event.h"
#include "histo.h"
#include "ingest.h"
#include "log.h"
#include "patrol_run.h"
#include "seen.h"
#include "sia.h"
#include "stats.h"
#include "store.h"
#include "store_seen.h"
#include "supervise.h"
#include "text.h"
#include "xdata.h"
#include "xmalloc.h"

/* A SIA frame carries a handful of events; what is past this many is undecodable. */
#define INGEST_MAX_EVENTS	64
/*
 * Retransmission keys held in memory at most (about 44 bytes each, 46 MB):
 * 1,700 frames/s for the default 600 s window.  Past it a frame's key is
 * not held: the frame is stored with retx = 1 and the store answers for it
 * (frames_retx, a partial index) while such a frame is inside the window.
 */
#define INGEST_SEEN_MAX		(1 << 20)
/* At start-up, frames this much older than the window are read back too (clock steps). */
#define INGEST_SEEN_MARGIN_MS	(300 * 1000)
/* Keys read back per loop pass at start-up. */
#define INGEST_SEEN_CHUNK	4096
/* Rows read back before the listeners open, at most (about 0.1 s). */
#define INGEST_SEEN_AT_START	65536
/* A read-back that failed (the database out of reach) is tried again after this. */
#define INGEST_SEEN_RETRY_MS	1000
/* ingest_store(): the frame cannot be judged yet (read-back running): NAK. */
#define INGEST_UNKNOWN		(-2)

/* Where the read-back of the window's keys stands. */
enum ingest_rb {
	RB_DONE,		/* memory answers */
	RB_PLAN,		/* to find the window's frames */
	RB_READ			/* reading them back, a chunk a loop pass */
};

struct ingest {
	struct store		*store;		/* not owned */
	struct batch		*batch;		/* not owned */
	struct acct_table	*accts;		/* not owned */
	const struct config	*cfg;		/* not owned */
	struct alarm_engine	*alarms;	/* not owned; NULL: none */
	struct supervisor	*supervisor;	/* not owned; NULL: none */
	struct patrol_run	*patrol;	/* not owned; NULL: none */
	struct seen		*seen;		/* owned: the window's keys */
	uint32_t		 seen_mark;	/* where the open batch's keys start */
	/*
	 * The newest received_ms of a frame stored with retx = 1 (the store
	 * answers for it), the open batch's included; INT64_MIN none.  While
	 * it is inside the window, a key memory lacks is asked of the store.
	 */
	int64_t			 overflow_ms;
	int64_t			 overflow_mark;	/* overflow_ms when the open batch began */
	int			 seen_waiting;	/* told when the open batch ends */
	int			 batch_events;	/* stored in the open batch; counted at its commit */
	struct event		*seen_ev;	/* the read-back; owned */
	enum ingest_rb		 rb;		/* where the read-back stands */
	struct store_window	 seen_win;	/* the rows still to read back */
	int64_t			 seen_from_ms;	/* the read-back holds frames from then on */
	int64_t			 seen_rows;	/* rows read back so far */
	int			 seen_failed;	/* the first read-back met an error */
	time_t			 retx_logged;	/* when memory's ceiling was last told */
	/* Test knobs (environment, see ingest_knobs()); the defaults above otherwise. */
	size_t			 seen_max;
	int			 seen_chunk;
	int			 seen_pause_ms;	/* between chunks */
	time_t			 nak_time;	/* the second nak was built for */
	int			 naklen;	/* 0: none built yet */
	char			 nak[64];	/* the NAK of that second */
	struct dc09_content	 content;	/* scratch, too big for the stack */
	struct event		 ev[INGEST_MAX_EVENTS];
};

/* One frame on its way through: what the steps share. */
struct ingest_frame {
	const char			*raw;
	size_t				 len;
	const struct ingest_peer	*peer;
	struct dc09_msg			 m;
	const struct acct		*acct;		/* NULL: unknown account */
	time_t				 now;
	int				 seq;		/* m.seq as a number */
	char				 account[17];	/* m.acct in upper case, as stored */
	int				 opened;	/* the body decrypted and split */
	const struct dc09_key		*key;		/* the key that opened it; NULL plain */
	char				 err[160];
};

/* One stored frame's key back into the set (start-up, a widened window). */
static void
ingest_seen_row(void *arg, const char *table, int64_t id, const char *account,
    int seq, const char *digest, int64_t ms, int retx)
{
	struct ingest	*ig = arg;
	uint64_t	 h;

	/* The store answers for it: memory need only know how new it is. */
	if (retx) {
		if (ms > ig->overflow_ms)
			ig->overflow_ms = ms;
		return;
	}
	/*
	 * a frame without a digest never matches, in the store either (nor
	 * has an event whose frame has a row of its own)
	 */
	if (account == NULL || digest == NULL)
		return;
	h = strtoull(digest, NULL, 16);
	/* Held already (stored since the read-back began, or kept over a reload). */
	if (seen_lookup(ig->seen, account, seq, h, ms) == 1)
		return;
	if (seen_load(ig->seen, account, seq, h, ms) == -1 &&
	    log_limit_allow(LOG_LIMIT_REFUSAL))
		log_warnx("duplicate window: the frame of %s row %lld (account"
		    " \"%s\", seq %d) cannot be held in memory; its"
		    " retransmission is not recognised", table, (long long)id,
		    account, seq);
}

/*
 * Which stored frames the window's keys are read back from (plus a margin
 * for clock steps).  0 or -1.
 */
static int
ingest_seen_plan(struct ingest *ig)
{
	int64_t	now = clock_wall_ms();

	ig->seen_from_ms = now - (int64_t)ig->cfg->duplicate_window * 1000 -
	    INGEST_SEEN_MARGIN_MS;
	/* Memory holds every key stored from now on: blind only before. */
	seen_forget_before(ig->seen, now + 1);
	return store_frame_window(ig->store, ig->seen_from_ms, &ig->seen_win);
}

/* The read-back ran into the store's trouble: say so (rate-limited). */
static void
ingest_seen_fail(struct ingest *ig, const char *what)
{
	if (log_limit_allow(LOG_LIMIT_REFUSAL))
		log_warnx("cannot %s the duplicate window: %s; frames not"
		    " known to be new are answered NAK until it is read back",
		    what, store_errmsg(ig->store));
}

/*
 * One step of the read-back: find the window, or read a chunk of its keys,
 * or finish.  0 done (or nothing to do), 1 more to read, -1 try again
 * after INGEST_SEEN_RETRY_MS (logged).  Keys go in only while no batch of
 * ours is open (a failed one rolls back the keys added since it began).
 */
static int
ingest_seen_step(struct ingest *ig)
{
	int	n;

	if (ig->rb == RB_PLAN) {
		if (ingest_seen_plan(ig) == -1) {
			ingest_seen_fail(ig, "find");
			return -1;
		}
		ig->rb = RB_READ;
		return 1;
	}
	if (ig->rb != RB_READ)
		return 0;
	if (store_window_done(&ig->seen_win)) {
		seen_known_from(ig->seen, ig->seen_from_ms);
		ig->rb = RB_DONE;
		log_info("duplicate window: %zu key(s) held in memory",
		    seen_count(ig->seen));
		return 0;
	}
	n = store_frame_keys(ig->store, &ig->seen_win, ig->seen_chunk,
	    ingest_seen_row, ig);
	if (n == -1) {
		ingest_seen_fail(ig, "read back");
		return -1;
	}
	ig->seen_rows += n;
	return 1;
}

/* Run the next read-back step after ms. */
static void
ingest_seen_later(struct ingest *ig, int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ig->seen_ev, &tv);
}

/* The read-back, a chunk a loop pass, so that answering goes on meanwhile. */
static void
ingest_seen_loadcb(evutil_socket_t fd, short what, void *arg)
{
	struct ingest	*ig = arg;

	if (ig->rb == RB_DONE)
		return;
	if (ig->seen_waiting) {
		ingest_seen_later(ig, 1);
		return;
	}
	switch (ingest_seen_step(ig)) {
	case 1:
		ingest_seen_later(ig, ig->seen_pause_ms);
		break;
	case -1:
		ingest_seen_later(ig, INGEST_SEEN_RETRY_MS);
		break;
	}
}

/*
 * The first keys of the window, read back before the listeners open (a
 * small window never answers NAK for it): ingest_start() reads the rest.
 */
static void
ingest_seen_first(struct ingest *ig)
{
	int	rc = 1;

	while (ig->seen_pause_ms == 0 && ig->seen_rows < INGEST_SEEN_AT_START &&
	    (rc = ingest_seen_step(ig)) == 1)
		;
	ig->seen_failed = rc == -1;
}

/* Read the rest of the window's keys back on base, a chunk a loop pass. */
void
ingest_start(struct ingest *ig, struct event_base *base)
{
	ig->seen_ev = evtimer_new(base, ingest_seen_loadcb, ig);
	if (ig->seen_ev == NULL)
		fatalx("ingest_start: evtimer_new failed");
	if (ig->rb != RB_DONE)
		ingest_seen_later(ig, ig->seen_failed ? INGEST_SEEN_RETRY_MS : 0);
}

/*
 * Read the window's keys back from the store (start-up, a reload that
 * widens the window, a COMMIT whose outcome is unknown).  Until it is done
 * a key memory lacks may be in the store unheld: such a frame is answered
 * NAK (the panel sends it again), never stored a second time.
 */
static void
ingest_seen_reload(struct ingest *ig, const char *why)
{
	seen_forget_before(ig->seen, clock_wall_ms() + 1);
	ig->rb = RB_PLAN;
	log_info("duplicate window: reading it back (%s); until then a frame"
	    " not known to be new is answered NAK", why);
	if (ig->seen_ev != NULL)
		ingest_seen_later(ig, 0);
}

/* The batch holding this pass's keys ended: keep them, or forget them with it. */
static void
ingest_seen_done(int ok, void *arg)
{
	struct ingest	*ig = arg;

	ig->seen_waiting = 0;
	/* Counted once stored, so that the counter never goes back. */
	if (ok)
		pcod_stats.events += (uint64_t)ig->batch_events;
	ig->batch_events = 0;
	if (ok)
		return;
	seen_rollback(ig->seen, ig->seen_mark);
	ig->overflow_ms = ig->overflow_mark;
	/*
	 * A COMMIT whose answer was lost may have committed: a panel's resend
	 * of one of its frames must then be a duplicate, not a second event.
	 * The keys in memory cannot say; the store is read back (NAK for what
	 * memory cannot judge meanwhile), and what committed is known again.
	 */
	if (store_commit_in_doubt(ig->store))
		ingest_seen_reload(ig, "a COMMIT's outcome is unknown: the"
		    " connection to the database was lost");
}

/*
 * Remember a frame about to be written to the open batch: its key goes
 * into memory if it fits.  0 held; 1 not held: the frame is to be stored
 * with retx = 1, and the store answers for it.
 */
static int
ingest_seen_add(struct ingest *ig, const struct ingest_frame *f,
    uint64_t digest, int64_t ms)
{
	if (!ig->seen_waiting) {
		/*
		 * At COMMIT, not at the sync: pipelined, the next batch opens
		 * before this one is durable and must mark its own keys, or a
		 * failed batch's frames would stay "seen" and a panel's resend
		 * of them would be ACKed as a duplicate of nothing.
		 */
		ig->seen_waiting = 1;
		ig->seen_mark = seen_mark(ig->seen);
		ig->overflow_mark = ig->overflow_ms;
		batch_on_commit(ig->batch, ingest_seen_done, ig);
	}
	if (seen_add(ig->seen, f->account, f->seq, digest, ms) == 0)
		return 0;
	if (ms > ig->overflow_ms)
		ig->overflow_ms = ms;
	pcod_stats.retx_frames++;
	/* Once a minute at most: at the ceiling, every frame comes here. */
	if (f->now >= ig->retx_logged + 60) {
		ig->retx_logged = f->now;
		log_warnx("duplicate window: %zu retransmission key(s) in"
		    " memory, its ceiling (or acct=%s does not fit): frames are"
		    " stored for the database to recognise their"
		    " retransmissions (%llu so far)", seen_count(ig->seen),
		    f->account, (unsigned long long)pcod_stats.retx_frames);
	}
	return 1;
}

/*
 * Was this frame stored within the window (the open batch included)?  The
 * keys in memory answer; the store (frames_retx) for the frames memory did
 * not take, while the newest of them is inside the window.  1, 0, -1
 * (store error), or INGEST_UNKNOWN while the read-back runs.
 */
static int
ingest_seen(struct ingest *ig, const struct ingest_frame *f, uint64_t digest,
    const char *hex, int64_t now_ms)
{
	int64_t	since = now_ms - (int64_t)ig->cfg->duplicate_window * 1000;
	int	rc, in_store;

	seen_expire(ig->seen, since);
	rc = seen_lookup(ig->seen, f->account, f->seq, digest, since);
	if (rc == 1)
		return 1;
	/* While reading back, how new the store's retx frames are is not known yet. */
	if (ig->rb != RB_DONE || ig->overflow_ms >= since) {
		in_store = store_frame_seen(ig->store, f->account, f->seq, hex,
		    since);
		if (in_store != 0)
			return in_store;
	}
	return rc == -1 ? INGEST_UNKNOWN : 0;
}

/* The test knobs, from the environment: never set outside the tests. */
static void
ingest_knobs(struct ingest *ig)
{
	/*
	 * PCOD_TEST_SEEN_MAX: the ceiling of keys in memory (a tiny one lets a
	 * test reach it); PCOD_TEST_SEEN_CHUNK and PCOD_TEST_SEEN_PAUSE_MS:
	 * keys per read-back step and the pause between steps (a slow
	 * read-back).  Test knobs only: not documented for users.
	 */
	const char	*v;
	long long	 n;
	const char	*errstr;

	ig->seen_max = INGEST_SEEN_MAX;
	ig->seen_chunk = INGEST_SEEN_CHUNK;
	ig->seen_pause_ms = 0;
	if ((v = getenv("PCOD_TEST_SEEN_MAX")) != NULL &&
	    xstrtonum(v, 10, 1, 1 << 30, &n, &errstr) == 0)
		ig->seen_max = (size_t)n;
	if ((v = getenv("PCOD_TEST_SEEN_CHUNK")) != NULL &&
	    xstrtonum(v, 10, 1, 1 << 20, &n, &errstr) == 0)
		ig->seen_chunk = (int)n;
	if ((v = getenv("PCOD_TEST_SEEN_PAUSE_MS")) != NULL &&
	    xstrtonum(v, 10, 0, 10000, &n, &errstr) == 0)
		ig->seen_pause_ms = (int)n;
}

/* The receiver over store, batch and the account table. */
struct ingest *
ingest_new(struct store *store, struct batch *batch, struct acct_table *accts,
    const struct config *cfg)
{
	struct ingest	*ig;

	ig = xcalloc(1, sizeof(*ig));
	ig->store = store;
	ig->batch = batch;
	ig->accts = accts;
	ig->cfg = cfg;
	ingest_knobs(ig);
	ig->seen = seen_new(ig->seen_max);
	ig->overflow_ms = ig->overflow_mark = INT64_MIN;
	/* Blind until the read-back has loaded the window. */
	seen_forget_before(ig->seen, clock_wall_ms() + 1);
	ig->rb = RB_PLAN;
	ingest_seen_first(ig);
	return ig;
}

/* Free the receiver. */
void
ingest_free(struct ingest *ig)
{
	if (ig == NULL)
		return;
	if (ig->seen_ev != NULL)
		event_free(ig->seen_ev);
	seen_free(ig->seen);
	free(ig);
}

/* Hand stored events to the alarm engine and signs of life to supervision. */
void
ingest_set_engine(struct ingest *ig, struct alarm_engine *alarms,
    struct supervisor *supervisor)
{
	ig->alarms = alarms;
	ig->supervisor = supervisor;
}

/* Hand events of patrol terminals to the patrol service (NULL: none). */
void
ingest_set_patrol(struct ingest *ig, struct patrol_run *pr)
{
	ig->patrol = pr;
}

/* Use a reloaded configuration from now on. */
void
ingest_set_config(struct ingest *ig, const struct config *cfg)
{
	int	widened = cfg->duplicate_window > ig->cfg->duplicate_window;

	ig->cfg = cfg;
	/* Memory holds only the old window's keys: load the rest. */
	if (widened)
		ingest_seen_reload(ig, "duplicate-window widened");
}

/* A NAK with the receiver's time, no commit needed. */
void
ingest_nak(struct ingest_answer *ans)
{
	ans->len = dc09_build_nak(time(NULL), ans->buf, sizeof(ans->buf));
	ans->is_nak = 1;
	ans->naklen = 0;
	ans->wait_commit = 0;
	ans->events = 0;
	pcod_stats.naks++;
}

/* Log a refused frame with its peer, fields and reason. */
static void
ingest_log_reject(const struct ingest_frame *f, const char *answer,
    const char *reason)
{
	char	esc[200];

	if (!log_limit_allow(LOG_LIMIT_REFUSAL))
		return;
	log_info("conn=%llu peer=%s transport=%s reject=%s answer=%s seq=%s "
	    "acct=%s frame=\"%s\"", (unsigned long long)f->peer->conn,
	    f->peer->addr, f->peer->transport, reason, answer, f->m.seq,
	    f->m.acct, log_escape(esc, sizeof(esc), f->raw, f->len));
	if (f->err[0] != '\0')
		log_debug("conn=%llu detail=\"%s\"",
		    (unsigned long long)f->peer->conn, f->err);
}

/* Refuse with a NAK (bad frame or clock): counted under *counter. */
static void
ingest_reject_nak(const struct ingest_frame *f, uint64_t *counter,
    const char *reason, struct ingest_answer *ans)
{
	(*counter)++;
	ingest_nak(ans);
	ingest_log_reject(f, "NAK", reason);
}

/*
 * Refuse with a NAK because the store cannot take the frame.  Not logged per
 * frame: the storage trouble is reported, coalesced, by the batch's fail hook.
 */
static void
ingest_reject_store(struct ingest_answer *ans)
{
	pcod_stats.rej_store++;
	ingest_nak(ans);
}

/* Refuse with a DUH (understood, cannot process): counted under *counter. */
static void
ingest_reject_duh(const struct ingest_frame *f, uint64_t *counter,
    const char *reason, struct ingest_answer *ans)
{
	/* Only a panel whose frame we could decrypt can read an encrypted DUH. */
	const struct dc09_key	*key = f->opened ? f->key : NULL;

	(*counter)++;
	pcod_stats.duhs++;
	/* Without a usable key the DUH goes back in the clear. */
	ans->len = dc09_build_answer(DC09_ID_DUH, &f->m, key, f->now, ans->buf,
	    sizeof(ans->buf));
	ans->wait_commit = 0;
	ans->is_nak = 0;
	ans->naklen = 0;
	ans->events = 0;
	ingest_log_reject(f, "DUH", reason);
}

/*
 * Fill ans with the ACK, to be sent once the batch commits, and the NAK
 * sent instead if it fails.  A NAK names no frame, only the second: it is
 * built once a second, not for every frame.
 */
static void
ingest_ack(struct ingest *ig, const struct ingest_frame *f, int wait,
    struct ingest_answer *ans)
{
	ans->len = dc09_build_answer(DC09_ID_ACK, &f->m, f->key, f->now, ans->buf,
	    sizeof(ans->buf));
	if (ig->naklen <= 0 || ig->nak_time != f->now) {
		ig->naklen = dc09_build_nak(f->now, ig->nak, sizeof(ig->nak));
		ig->nak_time = f->now;
	}
	memcpy(ans->nak, ig->nak, sizeof(ans->nak));
	ans->naklen = ig->naklen;
	ans->is_nak = 0;
	ans->wait_commit = wait;
	ans->events = 0;
	/* One that waits for its commit is counted when it is sent (listen.c). */
	if (!wait)
		pcod_stats.acks++;
}

/* Map a parse error to its counter and name; 1 when the answer is DUH. */
static int
ingest_parse_reject(int rc, uint64_t **counter, const char **reason)
{
	switch (rc) {
	case DC09_ECRC:
		*counter = &pcod_stats.rej_crc;
		*reason = "crc";
		return 0;
	case DC09_ELENGTH:
		*counter = &pcod_stats.rej_length;
		*reason = "length";
		return 0;
	case DC09_ETOKEN:
		*counter = &pcod_stats.rej_token;
		*reason = "token";
		return 1;
	case DC09_ETOOLONG:
		*counter = &pcod_stats.rej_too_long;
		*reason = "too_long";
		return 0;
	default:
		*counter = &pcod_stats.rej_format;
		*reason = "format";
		return 0;
	}
}

/* Do two hex fields name the same number ("0012" and "12", "" and "0")? */
static int
ingest_same_number(const char *a, const char *b)
{
	return strtoul(a, NULL, 16) == strtoul(b, NULL, 16);
}

/*
 * Is this frame addressed to us?  Receiver and line, when both the
 * configuration and the frame name them, compare as numbers; a frame that
 * leaves them out is taken (diallers omit both unless configured).
 */
static int
ingest_addressed(const struct ingest *ig, const struct dc09_msg *m)
{
	const struct config	*cfg = ig->cfg;

	if (cfg->receiver != NULL && m->has_rcvr &&
	    !ingest_same_number(cfg->receiver, m->rcvr))
		return 0;
	if (cfg->line != NULL && m->has_line &&
	    !ingest_same_number(cfg->line, m->line))
		return 0;
	return 1;
}

/*
 * Is the panel's clock within the accepted window around ours?  The window
 * guards encrypted frames against replay; a plaintext frame can be forged
 * anyway, so its clock is checked only where the account asks for it.
 */
static int
ingest_time_ok(const struct ingest *ig, const struct ingest_frame *f)
{
	const struct dc09_content	*c = &ig->content;

	if (!c->has_time)
		return 1;
	if (!f->m.encrypted && (f->acct == NULL || !f->acct->plain_clock))
		return 1;
	if (c->time > f->now + ig->cfg->time_ahead)
		return 0;
	if (c->time < f->now - ig->cfg->time_behind)
		return 0;
	return 1;
}

/*
 * Decode the payload into ig->ev: the events understood, then, when some of
 * the data was not, one event of class other saying why, so that the frame
 * is still stored, shown and acknowledged.  The number of events, >= 1.
 */
static int
ingest_decode(struct ingest *ig, struct ingest_frame *f)
{
	const struct dc09_content	*c = &ig->content;
	const char			*fmt = f->m.id == DC09_ID_SIA_DCS ?
					    "SIA" : "CID";
	struct event			*ev;
	size_t				 n = 0;
	int				 rc;

	if (f->m.id == DC09_ID_SIA_DCS)
		rc = sia_decode(c->data, c->data_len, ig->ev,
		    INGEST_MAX_EVENTS - 1, &n, f->err, sizeof(f->err));
	else
		rc = cid_decode(c->data, c->data_len, ig->ev, &n, f->err,
		    sizeof(f->err));
	if (rc == 0)
		return (int)n;
	if (log_limit_allow(LOG_LIMIT_REFUSAL))
		log_info("conn=%llu peer=%s seq=%s acct=%s undecodable data "
		    "stored as class other: %s", (unsigned long long)f->peer->conn,
		    f->peer->addr, f->m.seq, f->m.acct, f->err);
	ev = &ig->ev[n];
	memset(ev, 0, sizeof(*ev));
	memcpy(ev->format, fmt, 4);
	ev->cls = EVC_OTHER;
	ev->qual = EVQ_NEW;
	ev->zone = ev->user = ev->partition = ev->peripheral = -1;
	snprintf(ev->text, sizeof(ev->text), "Undecodable %s data: %s", fmt,
	    f->err);
	return (int)n + 1;
}

/*
 * FNV-1a 64 over the message content: with account and seq, what makes a
 * frame a retransmission.  Panels re-stamp every attempt, so the timestamp
 * is left out, except with seq 0000: panels that never advance the sequence
 * send that, and for them only the timestamp keeps two like events apart.
 */
static uint64_t
ingest_digest(const struct ingest_frame *f, const struct dc09_content *c,
    char *out)
{
	const char	*part[4] = { f->m.token, c->data, c->xdata, c->timestamp };
	size_t		 plen[4] = { strlen(f->m.token), c->data_len, c->xdata_len,
			    c->has_time && f->seq == 0 ? strlen(c->timestamp) : 0 };
	uint64_t	 h = 14695981039346656037ULL;
	size_t		 i, j;

	for (i = 0; i < 4; i++) {
		for (j = 0; j < plen[i]; j++) {
			h ^= (unsigned char)part[i][j];
			h *= 1099511628211ULL;
		}
		h ^= 0xff;	/* separator, so parts cannot slide into each other */
		h *= 1099511628211ULL;
	}
	/* "%016llx" by hand: snprintf cost a tenth of the decoding. */
	for (i = 16; i-- > 0; )
		out[15 - i] = "0123456789abcdef"[h >> (i * 4) & 0xf];
	out[16] = '\0';
	return h;
}

/* Names and text blocks as the panel wrote them, into UTF-8 in place. */
static void
ingest_utf8(struct ingest *ig, struct event *ev)
{
	enum text_charset	cs = (enum text_charset)ig->cfg->panel_charset;
	char			buf[EVENT_NOTE_MAX * 3];

	if (ev->name[0] != '\0') {
		text_to_utf8(ev->name, strlen(ev->name), cs, buf, sizeof(buf));
		text_to_utf8(buf, strlen(buf), cs, ev->name, sizeof(ev->name));
	}
	if (ev->note[0] != '\0') {
		text_to_utf8(ev->note, strlen(ev->note), cs, buf, sizeof(buf));
		text_to_utf8(buf, strlen(buf), cs, ev->note, sizeof(ev->note));
	}
}

/*
 * Store one event of frame_id (0: the event's row holds the frame) and let
 * the engine make it an alarm (same transaction).  0 or -1.
 */
static int
ingest_event(struct ingest *ig, const struct ingest_frame *f, int64_t frame_id,
    const struct store_frame *sf, const struct event *ev)
{
	struct alarm_input	in;

	struct patrol_dc09	pd;
	int			rc;

	if ((in.event_id = store_event_add(ig->store, frame_id, sf, ev)) < 0)
		return -1;
	if (ig->patrol != NULL) {
		/* A guard terminal's tag read, panic or man-down: a check-in. */
		pd = (struct patrol_dc09){ f->account, f->acct != NULL ?
		    f->acct->site_id : 0, in.event_id, ev, sf->xdata,
		    sf->received_ms, sf->panel_time };
		if ((rc = patrol_run_event(ig->patrol, &pd)) != 0)
			return rc < 0 ? -1 : 0;
	}
	if (ig->alarms == NULL)
		return 0;
	in.account = f->account;
	in.site_id = f->acct != NULL ? f->acct->site_id : 0;
	in.unknown_account = f->acct == NULL;
	in.ev = ev;
	in.received_ms = sf->received_ms;
	return alarm_on_event(ig->alarms, &in);
}

/*
 * Store frame and events in the open batch: 1 stored, 0 duplicate, -1
 * failed, INGEST_UNKNOWN not judged yet (nothing written).
 */
static int
ingest_store(struct ingest *ig, struct ingest_frame *f, int nev)
{
	const struct dc09_content	*c = &ig->content;
	struct store_frame		 sf;
	char				 digest[17], *ext = NULL;
	int64_t				 id, now_ms = clock_wall_ms();
	uint64_t			 h;
	int				 i, seen;
	json_t				*x;

	h = ingest_digest(f, c, digest);
	seen = ingest_seen(ig, f, h, digest, now_ms);
	if (seen == INGEST_UNKNOWN)
		return INGEST_UNKNOWN;
	if (seen != 0)
		return seen == 1 ? 0 : -1;
	memset(&sf, 0, sizeof(sf));
	sf.received_ms = now_ms;
	sf.transport = f->peer->transport;
	sf.peer = f->peer->addr;
	sf.account = f->account;
	sf.token = f->m.token;
	sf.encrypted = f->m.encrypted;
	sf.seq = f->seq;
	sf.rcvr = f->m.rcvr;
	sf.line = f->m.line;
	sf.raw = f->raw;
	sf.raw_len = f->len;
	sf.data = c->data;
	sf.xdata = c->xdata;
	sf.panel_time = c->has_time ? (int64_t)c->time : 0;
	sf.unknown_account = f->acct == NULL;
	sf.digest = digest;
	if (c->xdata_len > 0 && (x = xdata_json(c->xdata, c->xdata_len,
	    (enum text_charset)ig->cfg->panel_charset)) != NULL) {
		ext = json_dumps(x, JSON_COMPACT);
		json_decref(x);
	}
	sf.ext = ext;
	/* Before the write: a key memory does not take makes the row retx. */
	sf.retx = ingest_seen_add(ig, f, h, now_ms);
	/* Its only event's row holds the frame too: one insert, not two (017). */
	id = nev == 1 ? 0 : store_frame_add(ig->store, &sf);
	for (i = 0; i < nev && id >= 0; i++) {
		ingest_utf8(ig, &ig->ev[i]);
		if (ingest_event(ig, f, id, &sf, &ig->ev[i]) == -1)
			id = -1;
	}
	free(ext);
	return id < 0 ? -1 : 1;
}

/* Store the events of a checked frame and answer ACK after commit (or NAK). */
static void
ingest_accept(struct ingest *ig, struct ingest_frame *f, int nev,
    struct ingest_answer *ans)
{
	int	rc;

	if (batch_join(ig->batch) == -1) {
		ingest_reject_store(ans);
		return;
	}
	if ((rc = ingest_store(ig, f, nev)) == -1) {
		/* Nothing of this batch may be acknowledged now. */
		batch_abort(ig->batch);
		ingest_reject_store(ans);
		return;
	}
	if (rc == INGEST_UNKNOWN) {
		/* Stored before the restart, or new: the read-back will tell. */
		pcod_stats.naks_readback++;
		ingest_nak(ans);
		ingest_log_reject(f, "NAK", "duplicate_window_loading");
		return;
	}
	if (rc == 0) {
		pcod_stats.duplicates++;
		log_debug("conn=%llu peer=%s seq=%s acct=%s retransmission, "
		    "acknowledged again", (unsigned long long)f->peer->conn,
		    f->peer->addr, f->m.seq, f->m.acct);
	}
	/* A duplicate's original may sit in this same uncommitted batch. */
	ingest_ack(ig, f, 1, ans);
	ans->events = rc == 1 ? nev : 0;
	ig->batch_events += ans->events;
}

/*
 * Decrypt (or split) the body: with the account's key, and during a key
 * roll-over with the next key when the current one fails.  f->key is the
 * key that worked, for the answer.  A dc09_open() result.
 */
static int
ingest_open(struct ingest *ig, struct ingest_frame *f)
{
	const struct acct	*a = f->acct;
	int			 rc;

	if (!f->m.encrypted)
		return dc09_open(&f->m, NULL, &ig->content, f->err,
		    sizeof(f->err));
	f->key = &a->key;
	rc = dc09_open(&f->m, &a->key, &ig->content, f->err, sizeof(f->err));
	if (rc != DC09_EDECRYPT || a->next_key.len == 0)
		return rc;
	f->key = &a->next_key;
	rc = dc09_open(&f->m, &a->next_key, &ig->content, f->err,
	    sizeof(f->err));
	if (rc == DC09_OK)
		log_debug("conn=%llu acct=%s decrypted with the next key",
		    (unsigned long long)f->peer->conn, f->account);
	return rc;
}

/*
 * The account's policy: known (or unknown taken), a key for an encrypted
 * frame, and no plaintext for a keyed account unless it is allowed (else
 * anyone who reaches the port could inject or mask that panel's alarms).
 * 0 or -1 (answered).
 */
static int
ingest_policy(struct ingest *ig, struct ingest_frame *f,
    struct ingest_answer *ans)
{
	const struct acct	*a;

	a = f->acct = acct_table_get(ig->accts, f->m.acct);
	if (a == NULL && ig->cfg->unknown_accounts == UNKNOWN_REJECT) {
		ingest_reject_duh(f, &pcod_stats.rej_unknown_account,
		    "unknown_account", ans);
		return -1;
	}
	if (f->m.encrypted && (a == NULL ||
	    (a->key.len == 0 && a->next_key.len == 0))) {
		snprintf(f->err, sizeof(f->err), "encrypted, but no key for the account");
		ingest_reject_duh(f, &pcod_stats.rej_decrypt, "no_key", ans);
		return -1;
	}
	if (!f->m.encrypted && a != NULL && a->keyed && !a->plaintext) {
		snprintf(f->err, sizeof(f->err), "plaintext frame for an "
		    "account that has a key");
		ingest_reject_duh(f, &pcod_stats.rej_plaintext, "plaintext", ans);
		return -1;
	}
	return 0;
}

/* Checks that need the account: policy, key, decryption, clock.  0 or -1 (answered). */
static int
ingest_check(struct ingest *ig, struct ingest_frame *f, struct ingest_answer *ans)
{
	if (ingest_policy(ig, f, ans) == -1)
		return -1;
	switch (ingest_open(ig, f)) {
	case DC09_OK:
		f->opened = 1;
		/* Anything readable from a known account is a sign of life. */
		if (f->acct != NULL && ig->supervisor != NULL)
			supervise_seen(ig->supervisor, f->account, clock_now_ms());
		break;
	case DC09_EDECRYPT:
		ingest_reject_duh(f, &pcod_stats.rej_decrypt, "decrypt", ans);
		return -1;
	case DC09_ENOTIME:
		/* Our time in the NAK lets the panel set its clock. */
		ingest_reject_nak(f, &pcod_stats.rej_time, "no_time", ans);
		return -1;
	default:
		ingest_reject_duh(f, &pcod_stats.rej_data, "data", ans);
		return -1;
	}
	if (!ingest_time_ok(ig, f)) {
		snprintf(f->err, sizeof(f->err), "panel time %s, window +%d/-%d s",
		    ig->content.timestamp, ig->cfg->time_ahead, ig->cfg->time_behind);
		ingest_reject_nak(f, &pcod_stats.rej_time, "time", ans);
		return -1;
	}
	return 0;
}

/* Copy an account in upper case: panels may send hex digits in either case. */
static void
ingest_upper(char *dst, const char *src, size_t dstsz)
{
	size_t	i;

	for (i = 0; src[i] != '\0' && i + 1 < dstsz; i++)
		dst[i] = src[i] >= 'a' && src[i] <= 'f' ? src[i] - 32 : src[i];
	dst[i] = '\0';
}

/* Handle one frame from a panel and decide its answer. */
void
ingest_frame(struct ingest *ig, const char *raw, size_t len,
    const struct ingest_peer *peer, struct ingest_answer *ans)
{
	struct ingest_frame	 f;
	uint64_t		*counter;
	const char		*reason;
	int			 rc, nev;

	memset(&f.m, 0, sizeof(f.m));
	f.raw = raw;
	f.len = len;
	f.peer = peer;
	f.acct = NULL;
	f.key = NULL;
	f.opened = 0;
	f.now = time(NULL);
	f.err[0] = '\0';
	pcod_stats.frames++;
	ans->taken_us = histo_now_us();
	if ((rc = dc09_parse(raw, len, &f.m, f.err, sizeof(f.err))) != DC09_OK) {
		if (ingest_parse_reject(rc, &counter, &reason))
			ingest_reject_duh(&f, counter, reason, ans);
		else
			ingest_reject_nak(&f, counter, reason, ans);
		return;
	}
	f.seq = (int)strtol(f.m.seq, NULL, 10);
	ingest_upper(f.account, f.m.acct, sizeof(f.account));
	if (f.m.id != DC09_ID_SIA_DCS && f.m.id != DC09_ID_ADM_CID &&
	    f.m.id != DC09_ID_NULL) {
		snprintf(f.err, sizeof(f.err), "a receiver does not take \"%s\"",
		    f.m.token);
		ingest_reject_duh(&f, &pcod_stats.rej_token, "token", ans);
		return;
	}
	if (!ingest_addressed(ig, &f.m)) {
		ingest_reject_duh(&f, &pcod_stats.rej_receiver, "receiver", ans);
		return;
	}
	if (ingest_check(ig, &f, ans) == -1)
		return;
	if (f.m.id == DC09_ID_NULL) {
		pcod_stats.link_tests++;
		ingest_ack(ig, &f, 0, ans);
		return;
	}
	/* A payload detail is never a DUH: what is not understood is stored. */
	nev = ingest_decode(ig, &f);
	ingest_accept(ig, &f, nev, ans);
}
