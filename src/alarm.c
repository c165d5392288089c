/*
 * alarm.c - the alarm engine: events become alarms (classified, stacked,
 * prioritised), operators move them new -> taken -> closed, and deadlines
 * nobody met escalate.  Every write happens in the open batch; consoles hear
 * about it after the commit.  An in-memory index of the open alarms (key ->
 * id, state, next deadline) keeps the per-event path free of lookups.
 */
#include "config.h"

#include <sys/random.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "actor.h"
#include "alarm.h"
#include "audit.h"
#include "batch.h"
#include "clock.h"
#include "cmd.h"
#include "codes.h"
#include "conf.h"
#include "event.h"
#include "handling.h"
#include "log.h"
#include "risk.h"
#include "site.h"
#include "stats.h"
#include "store.h"
#include "store_alarm.h"
#include "xmalloc.h"

#define ALARM_BUCKETS_MIN	256
#define ALARM_TICK_SEC		1
#define ALARM_PRIO_LOWEST	9
/* A silent site may hide an attack: above other technical faults. */
#define ALARM_PRIO_COMM_FAIL	4
/* The centre's own equipment failing endangers every site: right after fire. */
#define ALARM_PRIO_SYSTEM	2
/* The account column of the unknown-accounts alarm (no account is spelt so). */
#define ALARM_UNKNOWN_ACCOUNT	"unknown"
#define ALARM_UNKNOWN_TEXT	"Events from unknown accounts: enrol the " \
	"panel, or report an attack"
/* A bulk close publishes each alarm up to this many, then only a summary. */
#define ALARM_BULK_PUBLISH_MAX	100
/* A flood of events on one alarm is published at most this often. */
#define ALARM_STACK_PUBLISH_MS	1000

/* What groups events into one alarm. */
enum alarm_keykind {
	KEY_SITE = 's',		/* a site's zone and class */
	KEY_ACCOUNT = 'a',	/* an account without a site */
	KEY_COMM = 'c',		/* an account's communication failure */
	KEY_SYSTEM = 'y',	/* pcod's own trouble, by what failed ("storage") */
	KEY_UNKNOWN = 'u',	/* every account not in the database: one alarm */
	KEY_PATROL = 'p'	/* a guard patrol's finding, by its reference */
};

struct alarm_key {
	int		 kind;		/* enum alarm_keykind */
	int64_t		 site_id;	/* KEY_SITE */
	char		 account[17];	/* KEY_ACCOUNT, KEY_COMM */
	int		 zone;		/* -1 none */
	int		 cls;		/* enum event_class */
};

/* One open alarm in the index. */
struct alarm_open {
	struct alarm_key	 key;
	int64_t			 id;
	int			 taken;		/* else new */
	int			 restored;
	int64_t			 created_ms;
	int64_t			 next_ms;	/* next deadline; 0 none */
	unsigned		 gen;		/* batch it was last queued in */
	unsigned		 sgen;		/* same, for a stacked event only */
	int64_t			 pub_ms;	/* last published */
	int			 pub_due;	/* a committed stack waits for the tick */
	unsigned		 pgen;		/* batch of its pending stack, if any */
	size_t			 pidx;		/* that stack's index in e->pend */
	struct alarm_open	*next;		/* hash chain; owned by the table */
};

/*
 * Events stacked on one alarm in the open batch, written as one UPDATE just
 * before the batch commits (a storm stacks hundreds a batch on one alarm).
 * Keyed by id, not by the index entry: an alarm closed meanwhile is still
 * counted.
 */
struct alarm_pend {
	int64_t		 id;
	int64_t		 inc;		/* occurrences to add */
	int64_t		 last_ms;	/* the latest event's time */
	int64_t		 first_eid;	/* the first and last event ids; 0 none */
	int64_t		 last_eid;
};

/*
 * The events of one unknown account on the unknown-accounts alarm in the
 * open batch, written as one row change just before the batch commits (a
 * panel sends several a batch).  Keyed by alarm id and account.
 */
struct alarm_acct {
	int64_t		 id;
	int64_t		 n;		/* events */
	int64_t		 first_ms;
	int64_t		 last_ms;
	uint32_t	 hash;
	uint32_t	 slot;		/* its place in acct_tab */
	char		 account[20];
};

/*
 * An account the unknown-accounts alarm id holds a row for (committed, or
 * written by the open batch): its events need only the upsert, not the
 * statement that counts a new account.  A bounded set, forgotten whole
 * when a batch fails or the alarm changes; id 0 is an empty slot.
 */
#define ALARM_KNOWN_MAX	(1U << 17)	/* slots at most; kept half empty */
struct alarm_known {
	int64_t		 id;
	uint32_t	 hash;
	char		 account[20];
};

/*
 * One change to the index made in the open batch, undone in reverse order if
 * the batch fails: the cost of a failure is that of the batch, not a reload
 * of every open alarm.
 */
enum alarm_undo_op {
	UNDO_ADD,		/* o was added: unlink and free it */
	UNDO_REMOVE,		/* o was unlinked (owned here until the batch ends) */
	UNDO_FIELDS		/* o's state fields held these values */
};

struct alarm_undo {
	enum alarm_undo_op	 op;
	struct alarm_open	*o;
	int			 taken;
	int			 restored;
	int64_t			 created_ms;
	int64_t			 next_ms;
};

/* A change to tell consoles about after the commit. */
struct alarm_note {
	int64_t			 id;
	char			*reason;	/* escalation reason (owned); NULL: a change */
	char			 by[64];	/* who escalated */
	int			 stack;		/* only events stacked: rate-limited */
	struct alarm_key	 key;		/* kind 0: not in the index */
};

struct alarm_engine {
	struct event_base	*base;		/* not owned */
	struct store		*store;		/* not owned */
	struct batch		*batch;		/* not owned */
	const struct config	*cfg;		/* not owned */
	alarm_notify_fn		 notify;
	void			*notify_arg;
	alarm_listening_fn	 listening;	/* NULL: always publish */
	void			*listening_arg;
	struct event		*timer;		/* owned */
	struct alarm_open	**tab;		/* owned buckets and entries */
	size_t			 nbuckets;
	size_t			 nopen;
	struct alarm_note	*notes;		/* owned; the open batch's changes */
	size_t			 nnotes, capnotes;
	struct alarm_undo	*undo;		/* owned; the open batch's index changes */
	size_t			 nundo, capundo;
	char			**logs;		/* owned; lines to log once committed */
	size_t			 nlogs, caplogs;
	struct alarm_pend	*pend;		/* owned; the open batch's stacks */
	size_t			 npend, cappend;
	int64_t			(*links)[2];	/* owned; the open batch's links */
	size_t			 nlinks, caplinks;
	struct alarm_acct	*acct;		/* owned; the open batch's unknown accounts */
	size_t			 nacct, capacct;
	uint32_t		*acct_tab;	/* owned; index into acct + 1, 0 empty */
	size_t			 acct_mask;	/* acct_tab's size - 1 */
	uint64_t		 acct_seed;	/* of its hash */
	struct alarm_known	*known;		/* owned; accounts with a row */
	size_t			 nknown, known_mask;
	int64_t			 known_id;	/* the alarm they belong to */
	unsigned		 gen;		/* number of the open batch */
	int			 waiting;	/* registered with the open batch */
	int			 npubs;		/* notes waiting for their sync */
	alarm_comm_closed_fn	 comm_closed;	/* NULL: nobody supervises */
	void			*comm_closed_arg;
};

/* Priority of a new alarm by class, 1 highest (codes.c uses the same scale). */
static const int alarm_class_prio[EVC_COUNT] = {
	[EVC_OTHER] = 6, [EVC_BURGLARY] = 2, [EVC_FIRE] = 1, [EVC_PANIC] = 1,
	[EVC_MEDICAL] = 1, [EVC_TAMPER] = 3, [EVC_TROUBLE] = 5,
	[EVC_SUPERVISORY] = 5, [EVC_OPENCLOSE] = 8, [EVC_TEST] = 8,
	[EVC_PATROL] = 3, [EVC_THREAT] = 2,
};

/* The resolution codes of alarm.close, in one place. */
static const char *const alarm_resolutions[] = {
	"real", "false_user", "false_technical", "false_weather",
	"false_unknown", "test", "duplicate", "cancelled_by_client", NULL
};

static const char *const alarm_outcomes[] = { "done", "failed", "skipped", NULL };

static void	alarm_batch_done(int ok, void *arg);
static void	alarm_acct_clear(struct alarm_engine *);
static void	alarm_known_clear(struct alarm_engine *);
static void	alarm_watch(struct alarm_engine *);
static void	alarm_link(struct alarm_engine *, int64_t, int64_t);
static void	alarm_tick(struct alarm_engine *, int startup);

/* --- the index --------------------------------------------------------- */

/* FNV-1a over the key's fields. */
static size_t
alarm_hash(const struct alarm_key *k)
{
	uint64_t	h = 14695981039346656037ULL;
	int64_t		v[4] = { k->kind, k->site_id, k->zone, k->cls };
	const char	*p;
	size_t		i;

	for (i = 0; i < 4; i++) {
		h ^= (uint64_t)v[i];
		h *= 1099511628211ULL;
	}
	for (p = k->account; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

/* Do two keys name the same alarm? */
static int
alarm_key_eq(const struct alarm_key *a, const struct alarm_key *b)
{
	return a->kind == b->kind && a->site_id == b->site_id &&
	    a->zone == b->zone && a->cls == b->cls &&
	    strcmp(a->account, b->account) == 0;
}

/* The open alarm with this key, or NULL. */
static struct alarm_open *
alarm_find(struct alarm_engine *e, const struct alarm_key *k)
{
	struct alarm_open	*o;

	for (o = e->tab[alarm_hash(k) % e->nbuckets]; o != NULL; o = o->next)
		if (alarm_key_eq(&o->key, k))
			return o;
	return NULL;
}

/* The open alarm with this id, or NULL (operators' actions: a scan is fine). */
static struct alarm_open *
alarm_find_id(struct alarm_engine *e, int64_t id)
{
	struct alarm_open	*o;
	size_t			 i;

	for (i = 0; i < e->nbuckets; i++)
		for (o = e->tab[i]; o != NULL; o = o->next)
			if (o->id == id)
				return o;
	return NULL;
}

/* Double the buckets and rehash. */
static void
alarm_grow(struct alarm_engine *e)
{
	struct alarm_open	**old = e->tab, *o, *next;
	size_t			  i, n = e->nbuckets, slot;

	e->nbuckets = n * 2;
	e->tab = xcalloc(e->nbuckets, sizeof(*e->tab));
	for (i = 0; i < n; i++)
		for (o = old[i]; o != NULL; o = next) {
			next = o->next;
			slot = alarm_hash(&o->key) % e->nbuckets;
			o->next = e->tab[slot];
			e->tab[slot] = o;
		}
	free(old);
}

/* Put an entry into its bucket. */
static void
alarm_index_link(struct alarm_engine *e, struct alarm_open *o)
{
	size_t	slot;

	if (e->nopen >= e->nbuckets)
		alarm_grow(e);
	slot = alarm_hash(&o->key) % e->nbuckets;
	o->next = e->tab[slot];
	e->tab[slot] = o;
	e->nopen++;
}

/* Take an entry out of its bucket (not freed). */
static void
alarm_index_unlink(struct alarm_engine *e, struct alarm_open *o)
{
	struct alarm_open	**pp;

	for (pp = &e->tab[alarm_hash(&o->key) % e->nbuckets]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			o->next = NULL;
			e->nopen--;
			return;
		}
}

/* A new entry for alarm id, in the index. */
static struct alarm_open *
alarm_index_new(struct alarm_engine *e, const struct alarm_key *k, int64_t id)
{
	struct alarm_open	*o;

	o = xcalloc(1, sizeof(*o));
	o->key = *k;
	o->id = id;
	alarm_index_link(e, o);
	return o;
}

/* Journal one change of o in the open batch (once watched, undone if it fails). */
static void
alarm_undo_push(struct alarm_engine *e, enum alarm_undo_op op,
    struct alarm_open *o)
{
	struct alarm_undo	*u;

	if (e->nundo == e->capundo) {
		e->capundo = e->capundo ? e->capundo * 2 : 64;
		e->undo = xreallocarray(e->undo, e->capundo, sizeof(*e->undo));
	}
	u = &e->undo[e->nundo++];
	u->op = op;
	u->o = o;
	u->taken = o->taken;
	u->restored = o->restored;
	u->created_ms = o->created_ms;
	u->next_ms = o->next_ms;
	alarm_watch(e);
}

/* o's state fields are about to change in the open batch. */
static void
alarm_undo_fields(struct alarm_engine *e, struct alarm_open *o)
{
	alarm_undo_push(e, UNDO_FIELDS, o);
}

/* Add an open alarm to the index, in the open batch. */
static struct alarm_open *
alarm_index_add(struct alarm_engine *e, const struct alarm_key *k, int64_t id)
{
	struct alarm_open	*o = alarm_index_new(e, k, id);

	alarm_undo_push(e, UNDO_ADD, o);
	return o;
}

/* Drop a closed alarm from the index, in the open batch. */
static void
alarm_index_remove(struct alarm_engine *e, struct alarm_open *o)
{
	alarm_index_unlink(e, o);
	alarm_undo_push(e, UNDO_REMOVE, o);
}

/* The batch failed: undo its index changes, newest first. */
static void
alarm_undo_replay(struct alarm_engine *e)
{
	struct alarm_undo	*u;
	size_t			 i;

	for (i = e->nundo; i-- > 0; ) {
		u = &e->undo[i];
		switch (u->op) {
		case UNDO_ADD:
			alarm_index_unlink(e, u->o);
			free(u->o);
			break;
		case UNDO_REMOVE:
			alarm_index_link(e, u->o);
			break;
		case UNDO_FIELDS:
			u->o->taken = u->taken;
			u->o->restored = u->restored;
			u->o->created_ms = u->created_ms;
			u->o->next_ms = u->next_ms;
			break;
		}
	}
	e->nundo = 0;
}

/* The batch committed: the journal is history; removed entries go. */
static void
alarm_undo_forget(struct alarm_engine *e)
{
	size_t	i;

	for (i = 0; i < e->nundo; i++)
		if (e->undo[i].op == UNDO_REMOVE)
			free(e->undo[i].o);
	e->nundo = 0;
}

/* Empty the index. */
static void
alarm_index_clear(struct alarm_engine *e)
{
	struct alarm_open	*o, *next;
	size_t			 i;

	for (i = 0; i < e->nbuckets; i++) {
		for (o = e->tab[i]; o != NULL; o = next) {
			next = o->next;
			free(o);
		}
		e->tab[i] = NULL;
	}
	e->nopen = 0;
}

/* The key of a stored open alarm. */
static void
alarm_key_stored(const struct store_alarm_open *a, struct alarm_key *k)
{
	int	cls = codes_class_parse(a->cls);

	memset(k, 0, sizeof(*k));
	if (strcmp(a->kind, "comm_fail") == 0)
		k->kind = KEY_COMM;
	else if (strcmp(a->kind, "system") == 0)
		k->kind = KEY_SYSTEM;
	else if (strcmp(a->kind, "unknown_accounts") == 0)
		k->kind = KEY_UNKNOWN;
	else if (strcmp(a->kind, "patrol") == 0)
		k->kind = KEY_PATROL;
	else
		k->kind = a->site_id > 0 ? KEY_SITE : KEY_ACCOUNT;
	if (k->kind == KEY_SITE)
		k->site_id = a->site_id;
	else if (k->kind != KEY_UNKNOWN)
		snprintf(k->account, sizeof(k->account), "%s", a->account);
	k->zone = a->zone;
	k->cls = cls >= 0 ? cls : EVC_OTHER;
}

/* Index one stored open alarm. */
static int
alarm_load_one(const struct store_alarm_open *a, void *arg)
{
	struct alarm_engine	*e = arg;
	struct alarm_open	*o;
	struct alarm_key	 k;

	alarm_key_stored(a, &k);
	/* Duplicates keys are kept too, so each still escalates. */
	o = alarm_index_new(e, &k, a->id);
	o->taken = a->taken;
	o->restored = a->restored;
	o->created_ms = a->created_ms;
	o->next_ms = a->next_deadline_ms;
	return 0;
}

/* Rebuild the index from the store.  0 or -1. */
static int
alarm_index_load(struct alarm_engine *e)
{
	alarm_index_clear(e);
	if (store_alarm_open_foreach(e->store, alarm_load_one, e) == -1) {
		log_warnx("alarms: cannot load the open alarms: %s",
		    store_errmsg(e->store));
		return -1;
	}
	return 0;
}

/* --- notifications after commit ------------------------------------------ */

/* Be told when the open batch commits or fails (once per batch). */
static void
alarm_watch(struct alarm_engine *e)
{
	if (e->waiting)
		return;
	e->waiting = 1;
	batch_on_commit(e->batch, alarm_batch_done, e);
}

/* Append a note about id (o: its index entry, or NULL). */
static struct alarm_note *
alarm_note_add(struct alarm_engine *e, const struct alarm_open *o, int64_t id,
    const char *reason, const char *by)
{
	struct alarm_note	*n;

	if (e->nnotes == e->capnotes) {
		e->capnotes = e->capnotes ? e->capnotes * 2 : 64;
		e->notes = xreallocarray(e->notes, e->capnotes, sizeof(*e->notes));
	}
	n = &e->notes[e->nnotes++];
	memset(n, 0, sizeof(*n));
	n->id = id;
	n->reason = reason != NULL ? xstrdup(reason) : NULL;
	snprintf(n->by, sizeof(n->by), "%s", by != NULL ? by : "");
	if (o != NULL)
		n->key = o->key;
	return n;
}

/* Alarm id (o: its index entry, or NULL) changed in the open batch. */
static void
alarm_touch(struct alarm_engine *e, struct alarm_open *o, int64_t id)
{
	size_t	i;

	alarm_watch(e);
	if (o != NULL) {
		if (o->gen == e->gen)
			return;
		o->gen = e->gen;
	} else {
		for (i = 0; i < e->nnotes; i++)
			if (e->notes[i].id == id && e->notes[i].reason == NULL)
				return;
	}
	alarm_note_add(e, o, id, NULL, NULL);
}

/* Only events were stacked on o in the open batch: publish, rate-limited. */
static void
alarm_touch_stack(struct alarm_engine *e, struct alarm_open *o)
{
	alarm_watch(e);
	if (o->gen == e->gen || o->sgen == e->gen)
		return;
	o->sgen = e->gen;
	alarm_note_add(e, o, o->id, NULL, NULL)->stack = 1;
}

/* Tell the consoles about alarm id as committed (reason: an escalation). */
static void
alarm_publish(struct alarm_engine *e, int64_t id, const char *reason,
    const char *by)
{
	json_t	*row;

	/*
	 * Between batches the writer holds exactly the committed data, with a
	 * warm cache; the reader would re-read the pages the commit changed.
	 */
	row = store_alarm_get(e->store, id, store_in_txn(e->store));
	if (row == NULL || !json_is_object(row)) {
		log_warnx("alarms: cannot read alarm %lld to publish it: %s",
		    (long long)id, row == NULL ? store_errmsg(e->store) : "gone");
		json_decref(row);
		return;
	}
	alarm_json(row);
	if (reason == NULL)
		e->notify("alarm", row, e->notify_arg);
	else {
		json_object_set_new(row, "escalation", json_pack("{s:s, s:s}",
		    "reason", reason, "by", by));
		e->notify("escalation", row, e->notify_arg);
	}
	json_decref(row);
}

/* The index entry a note is about, while the alarm is open. */
static struct alarm_open *
alarm_note_entry(struct alarm_engine *e, const struct alarm_note *n)
{
	struct alarm_open	*o;

	if (n->key.kind == 0)
		return NULL;
	o = alarm_find(e, &n->key);
	return o != NULL && o->id == n->id ? o : NULL;
}

/* Publish a committed note of batch gen; a flood of stacked events once a second. */
static void
alarm_note_publish(struct alarm_engine *e, const struct alarm_note *n,
    unsigned gen, int64_t now)
{
	struct alarm_open	*o = alarm_note_entry(e, n);

	if (n->stack) {
		/* Closed meanwhile, or published in full with this batch. */
		if (o == NULL || o->gen == gen)
			return;
		if (now - o->pub_ms < ALARM_STACK_PUBLISH_MS) {
			o->pub_due = 1;		/* the tick publishes it */
			return;
		}
	}
	if (o != NULL && n->reason == NULL) {
		o->pub_ms = now;
		o->pub_due = 0;
	}
	alarm_publish(e, n->id, n->reason, n->by);
}

/* Is anybody listening?  Reading and encoding alarms for nobody is waste. */
static int
alarm_listened(struct alarm_engine *e)
{
	if (e->notify == NULL)
		return 0;
	return e->listening == NULL || e->listening(e->listening_arg);
}

/* Log a line once the open batch commits (what is logged happened). */
static void __attribute__((format(printf, 2, 3)))
alarm_log_after(struct alarm_engine *e, const char *fmt, ...)
{
	va_list	ap;
	char	*line;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) == -1)
		fatalx("alarms: vasprintf failed");
	va_end(ap);
	if (e->nlogs == e->caplogs) {
		e->caplogs = e->caplogs ? e->caplogs * 2 : 64;
		e->logs = xreallocarray(e->logs, e->caplogs, sizeof(*e->logs));
	}
	e->logs[e->nlogs++] = line;
	alarm_watch(e);
}

/* Write the batch's lines if it committed; drop them either way. */
static void
alarm_logs_flush(struct alarm_engine *e, int ok)
{
	size_t	i;

	for (i = 0; i < e->nlogs; i++) {
		if (ok)
			log_info("%s", e->logs[i]);
		free(e->logs[i]);
	}
	e->nlogs = 0;
}

/*
 * A committed batch's log lines and notes, kept until it is durable (the
 * pipelined commit): later batches may open and change the index meanwhile.
 */
struct alarm_pub {
	struct alarm_engine	*e;		/* not owned */
	struct alarm_note	*notes;		/* owned */
	size_t			 nnotes;
	char			**logs;		/* owned */
	size_t			 nlogs;
	unsigned		 gen;		/* the batch's */
};

/* The batch is durable (ok) or lost: log its lines, publish its notes, free. */
static void
alarm_pub_run(int ok, void *arg)
{
	struct alarm_pub	*p = arg;
	struct alarm_engine	*e = p->e;
	int64_t			 now = clock_now_ms();
	size_t			 i;

	e->npubs--;
	for (i = 0; i < p->nlogs; i++) {
		if (ok)
			log_info("%s", p->logs[i]);
		free(p->logs[i]);
	}
	free(p->logs);
	/* Counted once durable, whether or not anybody listens (metrics). */
	for (i = 0; ok && i < p->nnotes; i++)
		if (p->notes[i].reason != NULL)
			pcod_stats.escalations++;
	if (ok && !alarm_listened(e))
		ok = 0;
	for (i = 0; i < p->nnotes; i++) {
		if (ok)
			alarm_note_publish(e, &p->notes[i], p->gen, now);
		free(p->notes[i].reason);
	}
	free(p->notes);
	free(p);
}

/*
 * The batch holding our changes committed or failed: the index is put
 * right at once (before any later batch opens); what consoles and the log
 * hear waits until the batch is durable.
 */
static void
alarm_batch_done(int ok, void *arg)
{
	struct alarm_engine	*e = arg;
	struct alarm_pub	*p;

	e->waiting = 0;
	e->npend = 0;	/* written before COMMIT, or rolled back with the batch */
	e->nlinks = 0;
	alarm_acct_clear(e);
	/* Rows it wrote are gone: which accounts have one is not known now. */
	if (!ok)
		alarm_known_clear(e);
	if (ok)
		alarm_undo_forget(e);
	else
		alarm_undo_replay(e);
	p = xcalloc(1, sizeof(*p));
	p->e = e;
	p->notes = e->notes;
	p->nnotes = e->nnotes;
	p->logs = e->logs;
	p->nlogs = e->nlogs;
	p->gen = e->gen++;
	e->notes = NULL;
	e->nnotes = e->capnotes = 0;
	e->logs = NULL;
	e->nlogs = e->caplogs = 0;
	e->npubs++;
	if (ok)
		batch_defer(e->batch, alarm_pub_run, p);
	else
		alarm_pub_run(0, p);
}

/* --- shared helpers ------------------------------------------------------ */

/* Priority of a new alarm of class cls, raised by boost; 1 highest. */
int
alarm_priority(int cls, int restore, int boost)
{
	int	p = cls >= 0 && cls < EVC_COUNT ? alarm_class_prio[cls] :
		    alarm_class_prio[EVC_OTHER];

	if (restore)
		p++;
	p -= boost;
	if (p < 1)
		p = 1;
	return p > ALARM_PRIO_LOWEST ? ALARM_PRIO_LOWEST : p;
}

/* Is s one of the words in list? */
static int
alarm_word_in(const char *const *list, const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* A resolution code alarm_close accepts? */
int
alarm_resolution_valid(const char *s)
{
	return alarm_word_in(alarm_resolutions, s);
}

/* "real, false_user, ..." */
const char *
alarm_resolution_list(void)
{
	static char	buf[256];
	size_t		i;

	if (buf[0] != '\0')
		return buf;
	for (i = 0; alarm_resolutions[i] != NULL; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
		    i > 0 ? ", " : "", alarm_resolutions[i]);
	return buf;
}

/* Append an audit row about alarm id; details (may be NULL) is stolen. */
static int
alarm_audit(struct alarm_engine *e, const struct actor *who, const char *action,
    int64_t id, const char *reason, json_t *details)
{
	char	oid[24];
	int	rc;

	snprintf(oid, sizeof(oid), "%lld", (long long)id);
	rc = store_audit_add(e->store, who, action, "alarm", oid, reason,
	    details);
	json_decref(details);
	return rc;
}

/* A member "x_ms" as the ISO time for "x". */
static json_t *
alarm_time(const json_t *v)
{
	char	buf[40];

	if (!json_is_integer(v))
		return json_null();
	control_time_format(json_integer_value(v), 1, buf, sizeof(buf));
	return json_string(buf);
}

/* A stored row as consoles see it. */
void
alarm_json(json_t *row)
{
	json_t		*add = json_object(), *v;
	const char	*k;
	void		*tmp;
	size_t		 n;
	char		 name[64];

	json_object_foreach_safe(row, tmp, k, v) {
		n = strlen(k);
		if (n <= 3 || n >= sizeof(name) + 3 || strcmp(k + n - 3, "_ms") != 0)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 3), k);
		json_object_set_new(add, name, alarm_time(v));
		json_object_del(row, k);
	}
	json_object_update(row, add);
	json_decref(add);
	if (json_is_integer(v = json_object_get(row, "restored")))
		json_object_set_new(row, "restored",
		    json_boolean(json_integer_value(v) != 0));
}

/* --- raising and stacking ------------------------------------------------ */

/* What a new alarm is made of. */
struct alarm_raise {
	const struct alarm_key	*key;
	int64_t			 site_id;	/* 0 none */
	const char		*account;
	const char		*kind;
	int			 priority;	/* before the site's boost */
	const char		*text;
	int64_t			 first_ms;
	int64_t			 event_id;	/* 0 none */
};

/* The site's boost (0 without a site).  0 or -1. */
static int
alarm_boost(struct alarm_engine *e, int64_t site_id, int *boost)
{
	*boost = 0;
	if (site_id <= 0)
		return 0;
	return store_site_boost(e->store, site_id, boost) < 0 ? -1 : 0;
}

/* Copy the steps of protocol pid to alarm id, deadlines x pct / 100.  0 or -1. */
static int
alarm_protocol_steps(struct alarm_engine *e, int64_t id, int64_t pid, int pct)
{
	json_t	*steps;
	int	 rc;

	if ((steps = store_protocol_steps(e->store, pid)) == NULL)
		return -1;
	risk_steps_scale(steps, pct);
	rc = store_alarm_steps_copy(e->store, id, steps);
	json_decref(steps);
	return rc;
}

/* Fill the row of a new alarm. */
static void
alarm_new_row(struct alarm_engine *e, const struct alarm_raise *r, int boost,
    int64_t now, struct store_alarm_new *a)
{
	memset(a, 0, sizeof(*a));
	a->site_id = r->site_id;
	a->account = r->account;
	a->zone = r->key->zone;
	a->cls = codes_class_name(r->key->cls);
	a->kind = r->kind;
	a->priority = r->priority - boost < 1 ? 1 : r->priority - boost;
	a->text = r->text;
	a->first_ms = r->first_ms;
	a->created_ms = now;
	a->take_deadline_ms = now + (int64_t)e->cfg->take_deadline * 1000;
	a->event_id = r->event_id;
}

/* Raise a new alarm with its protocol, first event and audit row.  0 or -1. */
static int
alarm_raise(struct alarm_engine *e, const struct alarm_raise *r)
{
	struct store_alarm_new	 a;
	struct alarm_open	*o;
	struct risk_alarm	 rk;
	int64_t			 id, now = clock_now_ms();
	int			 boost;

	/* The site's risk assessment in force now: priority and deadlines. */
	if (alarm_boost(e, r->site_id, &boost) == -1 ||
	    store_risk_alarm(e->store, e->cfg->risk_map, r->site_id,
	    r->key->zone, &rk) == -1)
		return -1;
	alarm_new_row(e, r, boost + rk.priority, now, &a);
	a.take_deadline_ms = risk_take_ms(&rk, e->cfg->take_deadline, now);
	/* The version in force now stays attached to this alarm. */
	a.protocol_id = store_protocol_select(e->store, r->site_id, a.cls);
	if (a.protocol_id < 0 || (id = store_alarm_add(e->store, &a)) < 0)
		return -1;
	if (a.protocol_id > 0 &&
	    alarm_protocol_steps(e, id, a.protocol_id, rk.step_pct) == -1)
		return -1;
	if (store_risk_alarm_mark(e->store, id, &rk, now) == -1)
		return -1;
	if (r->event_id > 0)
		alarm_link(e, id, r->event_id);
	if (alarm_audit(e, &actor_pcod, "alarm.raise", id, r->text, NULL) == -1)
		return -1;
	o = alarm_index_add(e, r->key, id);
	o->created_ms = now;
	o->next_ms = a.take_deadline_ms;
	alarm_touch(e, o, id);
	alarm_log_after(e, "alarm %lld raised: account %s zone %d class %s "
	    "priority %d", (long long)id, r->account, r->key->zone, a.cls,
	    a.priority);
	return 0;
}

/* The key of an event: its site (or account), zone and class. */
static void
alarm_key_event(const struct alarm_input *in, struct alarm_key *k)
{
	memset(k, 0, sizeof(*k));
	if (in->site_id > 0) {
		k->kind = KEY_SITE;
		k->site_id = in->site_id;
	} else {
		k->kind = KEY_ACCOUNT;
		snprintf(k->account, sizeof(k->account), "%s", in->account);
	}
	k->zone = in->ev->zone >= 0 ? in->ev->zone : -1;
	k->cls = in->ev->cls;
}

/* --- unknown accounts' events, counted per batch ------------------------- */

/*
 * Seeded FNV-1a of the alarm id and the account, folded so that the bits
 * the table uses depend on the whole seed: spoofed accounts are chosen by
 * an attacker, who must not be able to pile them into one slot.
 */
static uint32_t
alarm_acct_hash(const struct alarm_engine *e, int64_t id, const char *account)
{
	uint64_t	h = 14695981039346656037ULL ^ e->acct_seed;

	h = (h ^ (uint64_t)id) * 1099511628211ULL;
	for (; *account != '\0'; account++)
		h = (h ^ (unsigned char)*account) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 29) ^ (h >> 43));
}

/* Forget which accounts have a row (a batch failed, the alarm changed). */
static void
alarm_known_clear(struct alarm_engine *e)
{
	if (e->nknown > 0)
		memset(e->known, 0, (e->known_mask + 1) * sizeof(*e->known));
	e->nknown = 0;
}

/* Whether account (hash h) has a row on alarm id. */
static int
alarm_known_has(const struct alarm_engine *e, int64_t id, uint32_t h,
    const char *account)
{
	size_t	i;

	if (e->known == NULL || id != e->known_id)
		return 0;
	for (i = h & e->known_mask; e->known[i].id != 0;
	    i = (i + 1) & e->known_mask)
		if (e->known[i].hash == h && e->known[i].id == id &&
		    strcmp(e->known[i].account, account) == 0)
			return 1;
	return 0;
}

/* Remember that account (hash h) has a row on alarm id, if there is room. */
static void
alarm_known_add(struct alarm_engine *e, int64_t id, uint32_t h,
    const char *account)
{
	struct alarm_known	*old;
	size_t			 i, j, oldsize, size;

	if (id != e->known_id) {
		alarm_known_clear(e);
		e->known_id = id;
	}
	if (e->known == NULL || (e->nknown + 1) * 2 > e->known_mask + 1) {
		oldsize = e->known != NULL ? e->known_mask + 1 : 0;
		size = oldsize > 0 ? oldsize * 2 : 1024;
		if (size > ALARM_KNOWN_MAX)
			return;		/* full: the count's statement runs */
		old = e->known;
		e->known = xcalloc(size, sizeof(*e->known));
		e->known_mask = size - 1;
		for (i = 0; i < oldsize; i++) {
			if (old[i].id == 0)
				continue;
			for (j = old[i].hash & e->known_mask;
			    e->known[j].id != 0; j = (j + 1) & e->known_mask)
				;
			e->known[j] = old[i];
		}
		free(old);
	}
	for (i = h & e->known_mask; e->known[i].id != 0;
	    i = (i + 1) & e->known_mask)
		;
	e->known[i].id = id;
	e->known[i].hash = h;
	snprintf(e->known[i].account, sizeof(e->known[i].account), "%s",
	    account);
	e->nknown++;
}

/* Forget the open batch's accounts (written, or rolled back with it). */
static void
alarm_acct_clear(struct alarm_engine *e)
{
	size_t	i;

	for (i = 0; i < e->nacct; i++)
		e->acct_tab[e->acct[i].slot] = 0;
	e->nacct = 0;
}

/* The free slot of hash h in acct_tab (there is one: it is kept half empty). */
static uint32_t
alarm_acct_slot(const struct alarm_engine *e, uint32_t h)
{
	size_t	i = h & e->acct_mask;

	while (e->acct_tab[i] != 0)
		i = (i + 1) & e->acct_mask;
	return (uint32_t)i;
}

/* Room for one more account, the index at most half full. */
static void
alarm_acct_grow(struct alarm_engine *e)
{
	size_t	i, size;

	if (e->nacct == e->capacct) {
		e->capacct = e->capacct ? e->capacct * 2 : 64;
		e->acct = xreallocarray(e->acct, e->capacct, sizeof(*e->acct));
	}
	if (e->acct_tab != NULL && (e->nacct + 1) * 2 <= e->acct_mask + 1)
		return;
	size = e->acct_tab != NULL ? (e->acct_mask + 1) * 2 : 128;
	free(e->acct_tab);
	e->acct_tab = xcalloc(size, sizeof(*e->acct_tab));
	e->acct_mask = size - 1;
	for (i = 0; i < e->nacct; i++) {
		e->acct[i].slot = alarm_acct_slot(e, e->acct[i].hash);
		e->acct_tab[e->acct[i].slot] = (uint32_t)i + 1;
	}
}

/*
 * One more event of an unknown account on alarm id, counted in memory
 * until the batch commits.  0 or -1 (an account too long for the table is
 * written at once).
 */
static int
alarm_acct_add(struct alarm_engine *e, int64_t id, const char *account,
    int64_t ms)
{
	struct alarm_acct	*a;
	uint32_t		 h, i;

	if (strlen(account) >= sizeof(a->account))
		return store_alarm_account(e->store, id, account, ms) == -1 ?
		    -1 : 0;
	alarm_watch(e);		/* the batch's end forgets them */
	h = alarm_acct_hash(e, id, account);
	for (i = h & e->acct_mask; e->acct_tab != NULL && e->acct_tab[i] != 0;
	    i = (i + 1) & e->acct_mask) {
		a = &e->acct[e->acct_tab[i] - 1];
		if (a->hash == h && a->id == id && strcmp(a->account,
		    account) == 0) {
			a->n++;
			if (ms > a->last_ms)
				a->last_ms = ms;
			return 0;
		}
	}
	alarm_acct_grow(e);
	a = &e->acct[e->nacct++];
	a->id = id;
	a->n = 1;
	a->first_ms = a->last_ms = ms;
	a->hash = h;
	memcpy(a->account, account, strlen(account) + 1);
	a->slot = alarm_acct_slot(e, h);
	e->acct_tab[a->slot] = (uint32_t)e->nacct;
	return 0;
}

/* Write the open batch's accounts, in the order first seen (seal hook).  0 or -1. */
static int
alarm_acct_flush(struct alarm_engine *e)
{
	struct alarm_acct	*a;
	size_t			 i;

	int			 known;

	for (i = 0; i < e->nacct; i++) {
		a = &e->acct[i];
		known = alarm_known_has(e, a->id, a->hash, a->account);
		if (store_alarm_account_add(e->store, a->id, a->account,
		    a->n, a->first_ms, a->last_ms, known) == -1)
			return -1;
		if (!known)
			alarm_known_add(e, a->id, a->hash, a->account);
	}
	alarm_acct_clear(e);
	return 0;
}

/*
 * Link event_id to alarm id when the batch is sealed, with the batch's
 * other links (store_alarm_links()).  Nothing in the batch reads the links
 * before then.
 */
static void
alarm_link(struct alarm_engine *e, int64_t id, int64_t event_id)
{
	alarm_watch(e);		/* the batch's end forgets them */
	if (e->nlinks == e->caplinks) {
		e->caplinks = e->caplinks ? e->caplinks * 2 : 64;
		e->links = xreallocarray(e->links, e->caplinks,
		    sizeof(*e->links));
	}
	e->links[e->nlinks][0] = id;
	e->links[e->nlinks][1] = event_id;
	e->nlinks++;
}

/* Write one pending stack (o's, or an entry of the flush).  0 or -1. */
static int
alarm_pend_write(struct alarm_engine *e, struct alarm_pend *p)
{
	if (p->inc == 0 && p->first_eid == 0)
		return 0;
	if (store_alarm_stack_event(e->store, p->id, p->last_ms, (int)p->inc,
	    -1, p->first_eid) == -1)
		return -1;
	if (p->last_eid != p->first_eid && store_alarm_stack_event(e->store,
	    p->id, p->last_ms, 0, -1, p->last_eid) == -1)
		return -1;
	p->inc = p->first_eid = p->last_eid = 0;
	return 0;
}

/* The batch is about to commit: write every pending stack (batch.c's seal hook). */
static int
alarm_pend_flush(void *arg)
{
	struct alarm_engine	*e = arg;
	size_t			 i;

	if (store_alarm_links(e->store, (const int64_t (*)[2])e->links,
	    e->nlinks) == -1) {
		log_warnx("alarms: cannot link events to their alarms: %s",
		    store_errmsg(e->store));
		return -1;
	}
	e->nlinks = 0;
	if (alarm_acct_flush(e) == -1) {
		log_warnx("alarms: cannot count the events of unknown accounts: "
		    "%s", store_errmsg(e->store));
		return -1;
	}
	for (i = 0; i < e->npend; i++)
		if (alarm_pend_write(e, &e->pend[i]) == -1) {
			log_warnx("alarms: cannot count the events stacked on "
			    "alarm %lld: %s", (long long)e->pend[i].id,
			    store_errmsg(e->store));
			return -1;
		}
	e->npend = 0;
	return 0;
}

/* o's pending stack in the open batch; NULL when it has none. */
static struct alarm_pend *
alarm_pend_of(struct alarm_engine *e, const struct alarm_open *o)
{
	if (o->pgen != e->gen || o->pidx >= e->npend ||
	    e->pend[o->pidx].id != o->id)
		return NULL;
	return &e->pend[o->pidx];
}

/* Before writing o's row directly: its pending stack first, in order.  0 or -1. */
static int
alarm_pend_settle(struct alarm_engine *e, const struct alarm_open *o)
{
	struct alarm_pend	*p = alarm_pend_of(e, o);

	return p != NULL ? alarm_pend_write(e, p) : 0;
}

/* One more event on o, counted in memory until the batch commits. */
static void
alarm_pend_add(struct alarm_engine *e, struct alarm_open *o, int64_t ms,
    int inc, int64_t event_id)
{
	struct alarm_pend	*p;

	alarm_watch(e);		/* the batch's end forgets the pending */
	if ((p = alarm_pend_of(e, o)) == NULL) {
		if (e->npend == e->cappend) {
			e->cappend = e->cappend ? e->cappend * 2 : 16;
			e->pend = xreallocarray(e->pend, e->cappend,
			    sizeof(*e->pend));
		}
		o->pgen = e->gen;
		o->pidx = e->npend;
		p = &e->pend[e->npend++];
		memset(p, 0, sizeof(*p));
		p->id = o->id;
		p->last_ms = ms;
	}
	p->inc += inc;
	if (ms > p->last_ms)
		p->last_ms = ms;
	if (event_id > 0 && p->first_eid == 0)
		p->first_eid = event_id;
	if (event_id > p->last_eid)
		p->last_eid = event_id;
}

/*
 * An event on an open alarm: a new one counts and makes a restored alarm
 * active again, a restore marks it restored, a status is only linked.
 */
static int
alarm_stack(struct alarm_engine *e, struct alarm_open *o,
    const struct alarm_input *in)
{
	enum event_qual	q = in->ev->qual;
	int		inc = q == EVQ_NEW, restored = -1;

	if (q == EVQ_RESTORE && !o->restored)
		restored = 1;
	else if (q == EVQ_NEW && o->restored)
		restored = 0;
	if (restored < 0)
		alarm_pend_add(e, o, in->received_ms, inc, in->event_id);
	else if (alarm_pend_settle(e, o) == -1 ||
	    store_alarm_stack_event(e->store, o->id, in->received_ms, inc,
	    restored, in->event_id) == -1)
		return -1;
	alarm_link(e, o->id, in->event_id);
	if (restored == 1 && alarm_audit(e, &actor_pcod, "alarm.restore", o->id,
	    in->ev->text, NULL) == -1)
		return -1;
	if (restored >= 0) {
		alarm_undo_fields(e, o);
		o->restored = restored;
		alarm_touch(e, o, o->id);
	} else
		alarm_touch_stack(e, o);
	return 0;
}

/* The key of an alarm named by what it is about, not by a zone: kind, name, class. */
static void
alarm_key_named(int kind, const char *name, int cls, struct alarm_key *k)
{
	memset(k, 0, sizeof(*k));
	k->kind = kind;
	snprintf(k->account, sizeof(k->account), "%s", name);
	k->zone = -1;
	k->cls = cls;
}

/* The key of the one alarm every unknown account shares. */
static void
alarm_key_unknown(struct alarm_key *k)
{
	alarm_key_named(KEY_UNKNOWN, "", EVC_OTHER, k);
}

/* An unknown account's event on its alarm: one more, the account counted. */
static int
alarm_unknown_stack(struct alarm_engine *e, struct alarm_open *o,
    const struct alarm_input *in)
{
	if (alarm_acct_add(e, o->id, in->account, in->received_ms) == -1)
		return -1;
	alarm_pend_add(e, o, in->received_ms, 1, in->event_id);
	alarm_link(e, o->id, in->event_id);
	alarm_touch_stack(e, o);
	return 0;
}

/*
 * An event from an account not in the database.  Anybody can send those,
 * so they must not fill the queue: together they raise one alarm, at the
 * configured (low) priority, that counts them and the accounts they came
 * from.  Any qualifier counts: the news is the account, not the event.
 */
static int
alarm_on_unknown(struct alarm_engine *e, const struct alarm_input *in)
{
	struct alarm_key	 k;
	struct alarm_open	*o;
	struct alarm_raise	 r;

	alarm_key_unknown(&k);
	if ((o = alarm_find(e, &k)) != NULL)
		return alarm_unknown_stack(e, o, in);
	memset(&r, 0, sizeof(r));
	r.key = &k;
	r.account = ALARM_UNKNOWN_ACCOUNT;
	r.kind = "unknown_accounts";
	r.priority = e->cfg->unknown_priority;
	r.text = ALARM_UNKNOWN_TEXT;
	r.first_ms = in->received_ms;
	r.event_id = in->event_id;
	if (alarm_raise(e, &r) == -1 || (o = alarm_find(e, &k)) == NULL)
		return -1;
	return alarm_acct_add(e, o->id, in->account, in->received_ms);
}

/* An event was stored in the open batch: raise, stack or restore. */
int
alarm_on_event(struct alarm_engine *e, const struct alarm_input *in)
{
	const struct event	*ev = in->ev;
	struct alarm_key	 k;
	struct alarm_open	*o;
	struct alarm_raise	 r;

	if ((unsigned)ev->cls >= EVC_COUNT ||
	    (e->cfg->alarm_classes & (1u << ev->cls)) == 0)
		return 0;	/* only logged */
	if (in->unknown_account)
		return alarm_on_unknown(e, in);
	alarm_key_event(in, &k);
	if ((o = alarm_find(e, &k)) != NULL)
		return alarm_stack(e, o, in);
	/* A restore or status with nothing open is only stored. */
	if (ev->qual != EVQ_NEW)
		return 0;
	memset(&r, 0, sizeof(r));
	r.key = &k;
	r.site_id = in->site_id;
	r.account = in->account;
	r.kind = "event";
	r.priority = alarm_priority(ev->cls, 0, 0);
	r.text = ev->text;
	r.first_ms = in->received_ms;
	r.event_id = in->event_id;
	return alarm_raise(e, &r);
}

/* One more occurrence on an open alarm, which is active again if it was restored. */
static int
alarm_reactivate(struct alarm_engine *e, struct alarm_open *o)
{
	if (store_alarm_stack(e->store, o->id, clock_now_ms(), 1, 0) == -1)
		return -1;
	alarm_undo_fields(e, o);
	o->restored = 0;
	alarm_touch(e, o, o->id);
	return 0;
}

/* The key of an account's communication failure. */
static void
alarm_key_comm(const char *account, struct alarm_key *k)
{
	alarm_key_named(KEY_COMM, account, EVC_TROUBLE, k);
}

/* A silent account: raise its communication-failure alarm (one open at most). */
int
alarm_comm_fail(struct alarm_engine *e, const char *account, int64_t site_id,
    int64_t last_seen_ms)
{
	struct alarm_key	 k;
	struct alarm_open	*o;
	struct alarm_raise	 r;
	char			 text[96], when[40];

	alarm_key_comm(account, &k);
	if (batch_join(e->batch) == -1)
		return -1;
	if ((o = alarm_find(e, &k)) != NULL) {
		if (!o->restored)
			return 0;
		/* Silent again before anyone closed it: active again. */
		return alarm_reactivate(e, o);
	}
	if (last_seen_ms > 0) {
		control_time_format(last_seen_ms, 0, when, sizeof(when));
		snprintf(text, sizeof(text), "Communication failure: nothing "
		    "received since %s", when);
	} else
		snprintf(text, sizeof(text), "Communication failure: never reported");
	memset(&r, 0, sizeof(r));
	r.key = &k;
	r.site_id = site_id;
	r.account = account;
	r.kind = "comm_fail";
	r.priority = ALARM_PRIO_COMM_FAIL;
	r.text = text;
	r.first_ms = clock_now_ms();
	return alarm_raise(e, &r);
}

/*
 * pcod's own trouble (what: "storage") becomes an alarm on record, for an
 * operator to handle like any other; one open per kind of trouble, a new
 * occurrence stacks on it.
 */
int
alarm_raise_system(struct alarm_engine *e, const char *what, const char *text)
{
	struct alarm_key	 k;
	struct alarm_open	*o;
	struct alarm_raise	 r;

	alarm_key_named(KEY_SYSTEM, what, EVC_TROUBLE, &k);
	if (batch_join(e->batch) == -1)
		return -1;
	if ((o = alarm_find(e, &k)) != NULL) {
		return alarm_reactivate(e, o);
	}
	memset(&r, 0, sizeof(r));
	r.key = &k;
	r.account = what;
	r.kind = "system";
	r.priority = ALARM_PRIO_SYSTEM;
	r.text = text;
	r.first_ms = clock_now_ms();
	return alarm_raise(e, &r);
}

/* Is account's communication-failure alarm open and not restored? */
int
alarm_comm_open(struct alarm_engine *e, const char *account)
{
	struct alarm_key	 k;
	struct alarm_open	*o;

	alarm_key_comm(account, &k);
	return (o = alarm_find(e, &k)) != NULL && !o->restored;
}

/* The account reports again: its communication-failure alarm is restored. */
int
alarm_comm_restore(struct alarm_engine *e, const char *account)
{
	struct alarm_key	 k;
	struct alarm_open	*o;

	alarm_key_comm(account, &k);
	if ((o = alarm_find(e, &k)) == NULL || o->restored)
		return 0;
	if (batch_join(e->batch) == -1)
		return -1;
	if (store_alarm_stack(e->store, o->id, clock_now_ms(), 0, 1) == -1 ||
	    alarm_audit(e, &actor_pcod, "alarm.restore", o->id,
	    "communication restored", NULL) == -1)
		return -1;
	alarm_undo_fields(e, o);
	o->restored = 1;
	alarm_touch(e, o, o->id);
	return 0;
}

/* The key of a patrol alarm: its reference alone. */
static void
alarm_key_patrol(const char *ref, int cls, struct alarm_key *k)
{
	alarm_key_named(KEY_PATROL, ref, cls, k);
}

/*
 * A guard patrol's failure, panic or threat (patrol_run.c): raise the alarm
 * ref, or make it active again if it is open and restored; nothing if it is
 * open and active.  *id is the alarm's id.
 */
int
alarm_patrol_raise(struct alarm_engine *e, const struct alarm_patrol *p,
    int64_t *id)
{
	struct alarm_key	 k;
	struct alarm_open	*o;
	struct alarm_raise	 r;

	alarm_key_patrol(p->ref, p->cls, &k);
	if (batch_join(e->batch) == -1)
		return -1;
	if ((o = alarm_find(e, &k)) != NULL) {
		*id = o->id;
		if (!o->restored)
			return 0;
		return alarm_reactivate(e, o);
	}
	memset(&r, 0, sizeof(r));
	r.key = &k;
	r.site_id = p->site_id;
	r.account = k.account;
	r.kind = "patrol";
	r.priority = p->priority > 0 ? p->priority : alarm_priority(p->cls, 0, 0);
	r.text = p->text;
	r.first_ms = p->first_ms > 0 ? p->first_ms : clock_now_ms();
	if (alarm_raise(e, &r) == -1 || (o = alarm_find(e, &k)) == NULL)
		return -1;
	*id = o->id;
	return 0;
}

/* The patrol failure ref is in order again: restore its open alarm, if any. */
int
alarm_patrol_restore(struct alarm_engine *e, const char *ref, int cls,
    const char *text)
{
	struct alarm_key	 k;
	struct alarm_open	*o;

	alarm_key_patrol(ref, cls, &k);
	if ((o = alarm_find(e, &k)) == NULL || o->restored)
		return 0;
	if (batch_join(e->batch) == -1)
		return -1;
	if (store_alarm_stack(e->store, o->id, clock_now_ms(), 0, 1) == -1 ||
	    alarm_audit(e, &actor_pcod, "alarm.restore", o->id, text, NULL) == -1)
		return -1;
	alarm_undo_fields(e, o);
	o->restored = 1;
	alarm_touch(e, o, o->id);
	return 0;
}

/* --- deadlines and escalation -------------------------------------------- */

/* An untaken alarm is past its deadline: escalate, next one an interval on. */
static int
alarm_due_take(struct alarm_engine *e, struct alarm_open *o, int64_t now,
    char *reason, size_t rsz, int64_t *next)
{
	int64_t	dispatch;
	int	n;

	if (store_alarm_dispatch_ms(e->store, o->id, &dispatch) == -1)
		return -1;
	n = snprintf(reason, rsz, "not taken %lld s after it was raised",
	    (long long)((now - o->created_ms) / 1000));
	/* The risk assessment's deadline caps the take deadline: say so. */
	if (dispatch > 0 && now >= dispatch && n > 0 && (size_t)n < rsz)
		snprintf(reason + n, rsz - n, "; its dispatch deadline from the "
		    "site's risk assessment passed %lld s ago: dispatch now",
		    (long long)((now - dispatch) / 1000));
	*next = now + (int64_t)e->cfg->escalation_interval * 1000;
	return store_alarm_escalate(e->store, o->id, *next);
}

/* A taken alarm's step deadline came: escalate the steps not done. */
static int
alarm_due_steps(struct alarm_engine *e, struct alarm_open *o, int64_t now,
    char *reason, size_t rsz, int64_t *next)
{
	json_t	*due, *s;
	int64_t	 future, again = now + (int64_t)e->cfg->escalation_interval * 1000;
	int	 ndue;

	if ((due = store_alarm_steps_escalate(e->store, o->id, now)) == NULL)
		return -1;
	if (store_alarm_step_due(e->store, o->id, now, &future, &ndue) == -1) {
		json_decref(due);
		return -1;
	}
	reason[0] = '\0';
	if (json_array_size(due) == 0) {
		/* Done in time after all: wait for the next step's deadline. */
		json_decref(due);
		*next = future;
		return store_alarm_set_next(e->store, o->id, future);
	}
	s = json_array_get(due, 0);
	snprintf(reason, rsz, "step %lld (%s) not done within %lld s%s",
	    (long long)json_integer_value(json_object_get(s, "position")),
	    json_string_value(json_object_get(s, "action")),
	    (long long)json_integer_value(json_object_get(s, "deadline_s")),
	    json_array_size(due) > 1 ? ", and more" : "");
	json_decref(due);
	*next = future > 0 && future < again ? future : again;
	return store_alarm_escalate(e->store, o->id, *next);
}

/* Handle one alarm whose next deadline passed, in a savepoint.  0 or -1. */
static int
alarm_due(struct alarm_engine *e, struct alarm_open *o, int64_t now, int startup)
{
	char	reason[200];
	int64_t	next = 0;
	int	rc;

	if (batch_join(e->batch) == -1 || store_savepoint(e->store) == -1)
		return -1;
	rc = o->taken ? alarm_due_steps(e, o, now, reason, sizeof(reason), &next) :
	    alarm_due_take(e, o, now, reason, sizeof(reason), &next);
	if (rc == 0 && reason[0] != '\0' && startup)
		snprintf(reason + strlen(reason), sizeof(reason) - strlen(reason),
		    " (the deadline passed while pcod was down)");
	if (rc == 0 && reason[0] != '\0')
		rc = alarm_audit(e, &actor_pcod, "alarm.escalate", o->id, reason,
		    NULL);
	if (rc == -1 || store_release(e->store) == -1) {
		if (!store_unavailable(e->store))
			log_warnx("alarms: cannot escalate alarm %lld: %s",
			    (long long)o->id, store_errmsg(e->store));
		store_rollback_savepoint(e->store);
		return -1;
	}
	alarm_undo_fields(e, o);
	o->next_ms = next;
	if (reason[0] != '\0') {
		alarm_log_after(e, "alarm %lld escalated: %s", (long long)o->id,
		    reason);
		alarm_touch(e, o, o->id);
		alarm_note_add(e, o, o->id, reason, actor_pcod.name);
	}
	return 0;
}

/* Publish the committed events stacked on o since its last publication. */
static void
alarm_publish_due(struct alarm_engine *e, struct alarm_open *o, int64_t now)
{
	o->pub_due = 0;
	o->pub_ms = now;
	if (alarm_listened(e))
		alarm_publish(e, o->id, NULL, NULL);
}

/* Publish stacked floods and escalate every alarm whose deadline has passed. */
static void
alarm_tick(struct alarm_engine *e, int startup)
{
	struct alarm_open	**due, *o;
	size_t			  i, n = 0;
	int64_t			  now = clock_now_ms();

	if (e->nopen == 0)
		return;
	due = xreallocarray(NULL, e->nopen, sizeof(*due));
	for (i = 0; i < e->nbuckets; i++)
		for (o = e->tab[i]; o != NULL; o = o->next) {
			if (o->pub_due && now - o->pub_ms >= ALARM_STACK_PUBLISH_MS)
				alarm_publish_due(e, o, now);
			if (o->next_ms > 0 && o->next_ms <= now)
				due[n++] = o;
		}
	for (i = 0; i < n; i++)
		if (alarm_due(e, due[i], now, startup) == -1)
			break;	/* the store is in trouble: retry next tick */
	free(due);
}

/* Check every deadline now. */
void
alarm_engine_tick(struct alarm_engine *e)
{
	alarm_tick(e, 0);
}

/* The one-second timer. */
static void
alarm_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	alarm_tick(arg, 0);
}

/* --- operators' actions -------------------------------------------------- */

/* The alarm as the batch sees it into *row; -1 with err when missing. */
static int
alarm_load(struct alarm_engine *e, int64_t id, json_t **row,
    struct cmd_err *err)
{
	if ((*row = store_alarm_get(e->store, id, 0)) == NULL)
		return cmd_fail(err, "storage", "%s", store_errmsg(e->store));
	if (!json_is_object(*row)) {
		json_decref(*row);
		*row = NULL;
		return cmd_fail(err, "not_found", "no alarm %lld", (long long)id);
	}
	return 0;
}

/* A string member of a row ("" when null). */
static const char *
alarm_col(const json_t *row, const char *name)
{
	const char	*s = json_string_value(json_object_get(row, name));

	return s != NULL ? s : "";
}

/* The alarm after a change, as the reply carries it. */
static int
alarm_result(struct alarm_engine *e, int64_t id, json_t **result,
    struct cmd_err *err)
{
	if (alarm_load(e, id, result, err) == -1)
		return -1;
	alarm_json(*result);
	return 0;
}

/* Refuse a change to a closed alarm.  0 or -1 with err. */
static int
alarm_not_closed(const json_t *row, int64_t id, struct cmd_err *err)
{
	if (strcmp(alarm_col(row, "state"), "closed") == 0)
		return cmd_fail(err, "bad_state", "alarm %lld is closed",
		    (long long)id);
	return 0;
}

/* Check that who may take the alarm; sets *takeover.  0 or -1 with err. */
static int
alarm_may_take(const json_t *row, int64_t id, const struct actor *who,
    int *takeover, struct cmd_err *err)
{
	const char	*by = alarm_col(row, "taken_by");

	if (alarm_not_closed(row, id, err) == -1)
		return -1;
	*takeover = strcmp(alarm_col(row, "state"), "taken") == 0;
	if (!*takeover)
		return 0;
	if (strcmp(by, who->name) == 0)
		return cmd_fail(err, "bad_state", "alarm %lld is already taken "
		    "by you", (long long)id);
	if (who->role < ROLE_SUPERVISOR)
		return cmd_fail(err, "bad_state", "alarm %lld is taken by %s",
		    (long long)id, by);
	return 0;
}

/* The next deadline of a taken alarm: the next step's, or now if one is due. */
static int
alarm_step_next(struct alarm_engine *e, int64_t id, int64_t now, int64_t keep,
    int64_t *next)
{
	int64_t	future;
	int	due;

	if (store_alarm_step_due(e->store, id, now, &future, &due) == -1)
		return -1;
	/* A due step keeps the escalation already planned for it. */
	*next = due > 0 ? (keep > 0 ? keep : now) : future;
	return store_alarm_set_next(e->store, id, *next);
}

/* new -> taken (a supervisor may also take over a taken alarm). */
int
alarm_take(struct alarm_engine *e, int64_t id, const struct actor *who,
    json_t **result, struct cmd_err *err)
{
	struct alarm_open	*o;
	json_t			*row;
	char			 reason[100] = "";
	int64_t			 now = clock_now_ms(), next = 0;
	int			 takeover, rc;

	if (alarm_load(e, id, &row, err) == -1)
		return -1;
	rc = alarm_may_take(row, id, who, &takeover, err);
	if (rc == 0 && takeover)
		snprintf(reason, sizeof(reason), "taken over from %s",
		    alarm_col(row, "taken_by"));
	json_decref(row);
	if (rc == -1)
		return -1;
	/* The steps' deadlines run from the first take. */
	if (store_alarm_take(e->store, id, who->name, now, !takeover) == -1 ||
	    (!takeover && alarm_step_next(e, id, now, 0, &next) == -1) ||
	    alarm_audit(e, who, "alarm.take", id, takeover ? reason : NULL,
	    NULL) == -1)
		return cmd_fail(err, "storage", "%s", store_errmsg(e->store));
	if (alarm_result(e, id, result, err) == -1)
		return -1;
	if ((o = alarm_find_id(e, id)) != NULL) {
		alarm_undo_fields(e, o);
		o->taken = 1;
		if (!takeover)
			o->next_ms = next;
	}
	alarm_touch(e, o, id);
	return 0;
}

/* Check the state for a step outcome.  0 or -1 with err. */
static int
alarm_may_step(const json_t *row, int64_t id, struct cmd_err *err)
{
	if (alarm_not_closed(row, id, err) == -1)
		return -1;
	if (strcmp(alarm_col(row, "state"), "taken") != 0)
		return cmd_fail(err, "bad_state", "alarm %lld is new: take it "
		    "first", (long long)id);
	return 0;
}

/* Record the outcome of a protocol step, with a note. */
int
alarm_step_note(struct alarm_engine *e, int64_t id, int position,
    const char *outcome, const char *note, const struct actor *who,
    json_t **result, struct cmd_err *err)
{
	struct alarm_open	*o;
	json_t			*row;
	int64_t			 now = clock_now_ms(), keep, next = 0;
	int			 rc;

	if (!alarm_word_in(alarm_outcomes, outcome))
		return cmd_fail(err, "bad_args", "argument 'outcome': one of "
		    "done, failed, skipped");
	if (alarm_load(e, id, &row, err) == -1)
		return -1;
	rc = alarm_may_step(row, id, err);
	keep = json_integer_value(json_object_get(row, "next_deadline_ms"));
	json_decref(row);
	if (rc == -1)
		return -1;
	if ((rc = store_alarm_step_set(e->store, id, position, outcome,
	    who->name, now)) == 1)
		return cmd_fail(err, "not_found", "alarm %lld has no step %d",
		    (long long)id, position);
	if (rc == -1 || alarm_step_next(e, id, now, keep, &next) == -1 ||
	    alarm_audit(e, who, "alarm.step", id, note, json_pack("{s:i, s:s}",
	    "position", position, "outcome", outcome)) == -1)
		return cmd_fail(err, "storage", "%s", store_errmsg(e->store));
	if (alarm_result(e, id, result, err) == -1)
		return -1;
	if ((o = alarm_find_id(e, id)) != NULL) {
		alarm_undo_fields(e, o);
		o->next_ms = next;
	}
	alarm_touch(e, o, id);
	return 0;
}

/* Record the outcome of a protocol step. */
int
alarm_step(struct alarm_engine *e, int64_t id, int position,
    const char *outcome, const struct actor *who, json_t **result,
    struct cmd_err *err)
{
	return alarm_step_note(e, id, position, outcome, NULL, who, result, err);
}

/* A comment on the alarm's record (any state). */
int
alarm_comment(struct alarm_engine *e, int64_t id, const char *text,
    const struct actor *who, json_t **result, struct cmd_err *err)
{
	json_t	*row;

	if (alarm_load(e, id, &row, err) == -1)
		return -1;
	json_decref(row);
	if (alarm_audit(e, who, "alarm.comment", id, text, NULL) == -1)
		return cmd_fail(err, "storage", "%s", store_errmsg(e->store));
	return alarm_result(e, id, result, err);
}

/* A closed comm_fail alarm: supervision decides whether it comes back. */
static void
alarm_closed_hook(struct alarm_engine *e, const char *kind, const char *account)
{
	if (e->comm_closed != NULL && strcmp(kind, "comm_fail") == 0)
		e->comm_closed(account, e->comm_closed_arg);
}

/* Check the state for closing.  0 or -1 with err. */
static int
alarm_may_close(const json_t *row, int64_t id, const struct actor *who,
    struct cmd_err *err)
{
	if (alarm_not_closed(row, id, err) == -1)
		return -1;
	if (strcmp(alarm_col(row, "state"), "new") == 0 &&
	    who->role < ROLE_SUPERVISOR)
		return cmd_fail(err, "bad_state", "alarm %lld is new: take it "
		    "before closing it", (long long)id);
	return 0;
}

/* taken -> closed with a resolution (a supervisor may close a new one). */
int
alarm_close(struct alarm_engine *e, int64_t id, const char *resolution,
    const char *note, const struct actor *who, json_t **result,
    struct cmd_err *err)
{
	struct alarm_open	*o;
	json_t			*row;
	int			 rc;

	if (!alarm_resolution_valid(resolution))
		return cmd_fail(err, "bad_args", "argument 'resolution': one of %s",
		    alarm_resolution_list());
	if (alarm_load(e, id, &row, err) == -1)
		return -1;
	rc = alarm_may_close(row, id, who, err);
	json_decref(row);
	if (rc == -1)
		return -1;
	if (store_alarm_close(e->store, id, who->name, clock_now_ms(),
	    resolution, note) == -1 ||
	    alarm_audit(e, who, "alarm.close", id, note, json_pack("{s:s}",
	    "resolution", resolution)) == -1)
		return cmd_fail(err, "storage", "%s", store_errmsg(e->store));
	if (alarm_result(e, id, result, err) == -1)
		return -1;
	if ((o = alarm_find_id(e, id)) != NULL)
		alarm_index_remove(e, o);
	alarm_touch(e, NULL, id);
	alarm_closed_hook(e, alarm_col(*result, "kind"),
	    alarm_col(*result, "account"));
	return 0;
}

/* --- closing in bulk ------------------------------------------------------ */

/* One alarm a bulk close took. */
struct alarm_closed {
	int64_t		 id;
	int		 comm;		/* kind comm_fail: supervision is told */
	char		 account[17];
};

/* What a bulk close took, gathered while the statement runs. */
struct alarm_bulk {
	struct alarm_closed	*v;	/* owned */
	size_t			 n, cap;
};

/* A summary of a bulk close to publish after the commit. */
struct alarm_bulk_note {
	struct alarm_engine	*e;
	json_t			*summary;	/* owned */
};

/* Keep one closed alarm for after the statement. */
static void
alarm_bulk_add(int64_t id, const char *kind, const char *account, void *arg)
{
	struct alarm_bulk	*b = arg;
	struct alarm_closed	*c;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = xreallocarray(b->v, b->cap, sizeof(*b->v));
	}
	c = &b->v[b->n++];
	c->id = id;
	c->comm = kind != NULL && strcmp(kind, "comm_fail") == 0;
	snprintf(c->account, sizeof(c->account), "%s", account ? account : "");
}

/* Order closed alarms by id. */
static int
alarm_closed_cmp(const void *a, const void *b)
{
	const struct alarm_closed	*x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Drop every closed alarm from the index: one scan, not one per alarm. */
static void
alarm_bulk_unindex(struct alarm_engine *e, struct alarm_bulk *b)
{
	struct alarm_open	**gone, *o;
	struct alarm_closed	  key;
	size_t			  i, n = 0;

	if (b->n == 0)		/* nothing matched: b->v may be NULL */
		return;
	qsort(b->v, b->n, sizeof(*b->v), alarm_closed_cmp);
	gone = xreallocarray(NULL, b->n + 1, sizeof(*gone));
	for (i = 0; i < e->nbuckets; i++)
		for (o = e->tab[i]; o != NULL && n < b->n; o = o->next) {
			key.id = o->id;
			if (bsearch(&key, b->v, b->n, sizeof(*b->v),
			    alarm_closed_cmp) != NULL)
				gone[n++] = o;
		}
	/* The one way out of the index, as for a single close. */
	for (i = 0; i < n; i++)
		alarm_index_remove(e, gone[i]);
	free(gone);
}

/* After the commit: consoles hear of a large bulk close in one notification. */
static void
alarm_bulk_done(int ok, void *arg)
{
	struct alarm_bulk_note	*bn = arg;

	if (ok && alarm_listened(bn->e))
		bn->e->notify("alarm", bn->summary, bn->e->notify_arg);
	json_decref(bn->summary);
	free(bn);
}

/* Tell consoles and supervision about the alarms a bulk close took. */
static void
alarm_bulk_tell(struct alarm_engine *e, struct alarm_bulk *b, json_t *result)
{
	struct alarm_bulk_note	*bn;
	size_t			 i;

	for (i = 0; i < b->n; i++) {
		if (b->v[i].comm)
			alarm_closed_hook(e, "comm_fail", b->v[i].account);
		if (b->n <= ALARM_BULK_PUBLISH_MAX)
			alarm_touch(e, NULL, b->v[i].id);
	}
	if (b->n <= ALARM_BULK_PUBLISH_MAX)
		return;
	/* Thousands of notifications would overrun the consoles. */
	alarm_watch(e);
	bn = xcalloc(1, sizeof(*bn));
	bn->e = e;
	bn->summary = json_pack("{s:O}", "bulk_close", result);
	batch_defer(e->batch, alarm_bulk_done, bn);
}

/* The filter as the audit record and the reply show it (empty: none given). */
static json_t *
alarm_match_json(const struct store_alarm_match *m)
{
	json_t	*f = json_object();
	char	 when[40];

	if (m->site_id > 0)
		json_object_set_new(f, "site", json_integer(m->site_id));
	if (m->account != NULL)
		json_object_set_new(f, "account", json_string(m->account));
	if (m->cls != NULL)
		json_object_set_new(f, "class", json_string(m->cls));
	if (m->state != NULL)
		json_object_set_new(f, "state", json_string(m->state));
	if (m->priority > 0)
		json_object_set_new(f, "priority", json_integer(m->priority));
	if (m->before_ms > 0) {
		control_time_format(m->before_ms, 1, when, sizeof(when));
		json_object_set_new(f, "before", json_string(when));
	}
	return f;
}

/* Who may close by filter, and with what.  0 or -1 with err. */
static int
alarm_may_close_match(const json_t *filter, const char *resolution,
    const struct actor *who, struct cmd_err *err)
{
	if (json_object_size(filter) == 0)
		return cmd_fail(err, "bad_args", "give an alarm id, or at "
		    "least one filter: site, account, class, state, priority, "
		    "before");
	if (who->role < ROLE_SUPERVISOR)
		return cmd_fail(err, "forbidden", "closing alarms by filter "
		    "needs the supervisor role; close them one by one by id");
	if (!alarm_resolution_valid(resolution))
		return cmd_fail(err, "bad_args", "argument 'resolution': one "
		    "of %s", alarm_resolution_list());
	return 0;
}

/* Close every open alarm matching m: one audit record with the count. */
int
alarm_close_match(struct alarm_engine *e, const struct store_alarm_match *m,
    const char *resolution, const char *note, const struct actor *who,
    json_t **result, struct cmd_err *err)
{
	struct alarm_bulk	 b = { NULL, 0, 0 };
	json_t			*filter, *details = NULL;
	int			 n, rc = -1;

	filter = alarm_match_json(m);
	if (alarm_may_close_match(filter, resolution, who, err) == -1)
		goto fail;
	n = store_alarm_close_match(e->store, m, who->name, clock_now_ms(),
	    resolution, note, alarm_bulk_add, &b);
	details = json_pack("{s:O, s:i, s:s}", "filter", filter, "count",
	    n < 0 ? 0 : n, "resolution", resolution);
	if (n < 0 || (n > 0 && store_audit_add(e->store, who, "alarm.close",
	    "alarm", "", note, details) == -1)) {
		cmd_fail(err, "storage", "%s", store_errmsg(e->store));
		goto fail;
	}
	alarm_bulk_unindex(e, &b);
	*result = json_pack("{s:i, s:O, s:s, s:s}", "closed", n, "filter",
	    filter, "resolution", resolution, "by", who->name);
	alarm_bulk_tell(e, &b, *result);
	rc = 0;
fail:
	json_decref(details);
	json_decref(filter);
	free(b.v);
	return rc;
}

/* Escalate by hand (an operator calls for a supervisor). */
int
alarm_escalate(struct alarm_engine *e, int64_t id, const char *reason,
    const struct actor *who, json_t **result, struct cmd_err *err)
{
	json_t	*row;
	int	 rc;

	if (alarm_load(e, id, &row, err) == -1)
		return -1;
	rc = alarm_not_closed(row, id, err);
	json_decref(row);
	if (rc == -1)
		return -1;
	if (store_alarm_escalate(e->store, id, -1) == -1 ||
	    alarm_audit(e, who, "alarm.escalate", id, reason, NULL) == -1)
		return cmd_fail(err, "storage", "%s", store_errmsg(e->store));
	if (alarm_result(e, id, result, err) == -1)
		return -1;
	alarm_touch(e, alarm_find_id(e, id), id);
	alarm_note_add(e, NULL, id, reason != NULL ? reason : "", who->name);
	alarm_log_after(e, "alarm %lld escalated by %s: %s", (long long)id,
	    who->name, reason != NULL ? reason : "");
	return 0;
}

/* --- the engine ---------------------------------------------------------- */

/* An engine over store and batch; nothing loaded until alarm_engine_start. */
struct alarm_engine *
alarm_engine_new(struct event_base *base, struct store *store,
    struct batch *batch, const struct config *cfg)
{
	struct alarm_engine	*e;

	e = xcalloc(1, sizeof(*e));
	e->base = base;
	e->store = store;
	e->batch = batch;
	e->cfg = cfg;
	e->nbuckets = ALARM_BUCKETS_MIN;
	e->tab = xcalloc(e->nbuckets, sizeof(*e->tab));
	e->gen = 1;
	if (getrandom(&e->acct_seed, sizeof(e->acct_seed), GRND_NONBLOCK) !=
	    sizeof(e->acct_seed))
		e->acct_seed = (uint64_t)clock_wall_ms() ^ (uint64_t)(uintptr_t)e;
	batch_set_seal_hook(batch, alarm_pend_flush, e);
	return e;
}

/* Free the engine; a batch holding its changes is committed first. */
void
alarm_engine_free(struct alarm_engine *e)
{
	size_t	i;

	if (e == NULL)
		return;
	/* The batch's waiter lists point at us. */
	if (e->waiting || e->npubs > 0)
		batch_flush(e->batch);
	batch_set_seal_hook(e->batch, NULL, NULL);
	free(e->pend);
	free(e->links);
	free(e->acct);
	free(e->acct_tab);
	free(e->known);
	if (e->timer != NULL)
		event_free(e->timer);
	alarm_undo_forget(e);
	free(e->undo);
	alarm_logs_flush(e, 0);
	free(e->logs);
	alarm_index_clear(e);
	free(e->tab);
	for (i = 0; i < e->nnotes; i++)
		free(e->notes[i].reason);
	free(e->notes);
	free(e);
}

/* One index entry as alarm_engine_index_json shows it. */
static json_t *
alarm_open_json(const struct alarm_open *o)
{
	return json_pack("{s:I,s:i,s:I,s:s,s:i,s:i,s:i,s:i,s:I,s:I}",
	    "id", (json_int_t)o->id, "kind", o->key.kind,
	    "site_id", (json_int_t)o->key.site_id, "account", o->key.account,
	    "zone", o->key.zone, "cls", o->key.cls, "taken", o->taken,
	    "restored", o->restored, "created_ms", (json_int_t)o->created_ms,
	    "next_ms", (json_int_t)o->next_ms);
}

/* Order index entries by id. */
static int
alarm_open_cmp(const void *x, const void *y)
{
	const struct alarm_open	*a = *(const struct alarm_open *const *)x;
	const struct alarm_open	*b = *(const struct alarm_open *const *)y;

	return a->id < b->id ? -1 : a->id > b->id;
}

/* The in-memory index of open alarms, by id: what the engine believes. */
json_t *
alarm_engine_index_json(struct alarm_engine *e)
{
	struct alarm_open	**v, *o;
	json_t			 *a = json_array();
	size_t			  i, n = 0;

	v = xreallocarray(NULL, e->nopen + 1, sizeof(*v));
	for (i = 0; i < e->nbuckets; i++)
		for (o = e->tab[i]; o != NULL; o = o->next)
			v[n++] = o;
	qsort(v, n, sizeof(*v), alarm_open_cmp);
	for (i = 0; i < n; i++)
		json_array_append_new(a, alarm_open_json(v[i]));
	free(v);
	return a;
}

/* Use a reloaded configuration (classes, deadlines) from now on. */
void
alarm_engine_set_config(struct alarm_engine *e, const struct config *cfg)
{
	e->cfg = cfg;
}

/* Who hears about committed changes (NULL: nobody). */
void
alarm_engine_set_notify(struct alarm_engine *e, alarm_notify_fn fn, void *arg)
{
	e->notify = fn;
	e->notify_arg = arg;
}

/* Who is told when a communication-failure alarm is closed (NULL: nobody). */
void
alarm_engine_set_comm_closed(struct alarm_engine *e, alarm_comm_closed_fn fn,
    void *arg)
{
	e->comm_closed = fn;
	e->comm_closed_arg = arg;
}

/* Who says whether anybody listens (NULL: assume somebody does). */
void
alarm_engine_set_listening(struct alarm_engine *e, alarm_listening_fn fn,
    void *arg)
{
	e->listening = fn;
	e->listening_arg = arg;
}

/* Load the open alarms, start the timer, escalate what expired meanwhile. */
int
alarm_engine_start(struct alarm_engine *e)
{
	struct timeval	tv = { ALARM_TICK_SEC, 0 };

	if (alarm_index_load(e) == -1)
		return -1;
	if (e->timer == NULL && e->base != NULL) {
		e->timer = event_new(e->base, -1, EV_PERSIST, alarm_timer_cb, e);
		if (e->timer == NULL || event_add(e->timer, &tv) == -1)
			fatalx("alarms: cannot start the deadline timer");
	}
	log_info("alarms: %zu open", e->nopen);
	alarm_tick(e, 1);
	return 0;
}

/* How many alarms are open now (the in-memory index; STATUS= and status). */
size_t
alarm_engine_open_count(const struct alarm_engine *e)
{
	return e != NULL ? e->nopen : 0;
}
