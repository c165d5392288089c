/*
 * lease.h - which pcod is active when several share one PostgreSQL database
 * (issue 14).
 *
 * The database holds one lease row: its holder (a node name), an epoch that
 * grows by one at every takeover, and an expiry on the database server's
 * clock.  The active pcod renews it every second on a session of its own,
 * asynchronously on the loop; a standby tries every second to take it and
 * succeeds only once it has expired (or was released by a clean stop).
 * Every write batch checks the epoch inside its transaction (store.c,
 * store_set_fence), holding the row FOR KEY SHARE: a takeover (which locks
 * it FOR UPDATE) waits for the batch to end, and a batch of a deposed
 * active fails; renewals change no key and pass beside batches, so two pcod never
 * both commit: split brain is impossible by construction, whatever the
 * hosts' clocks say.
 *
 * An active that finds its lease taken stops (LEASE_LOST): its memory of
 * open alarms and deadlines is no longer the truth; systemd starts it
 * again as a standby.  One that merely cannot confirm it (a stall, the
 * server out of reach) goes on: the fence keeps it from writing if it was
 * taken over, and its next renewal tells.
 */
#ifndef PCOD_LEASE_H
#define PCOD_LEASE_H

#include <stdint.h>

#include <jansson.h>

struct event_base;
struct lease;

enum lease_role {
	LEASE_STANDBY = 0,
	LEASE_ACTIVE
};

enum lease_event {
	LEASE_TAKEN = 1,	/* this pcod holds the lease now: activate */
	LEASE_LOST		/* taken by another: stop */
};

typedef void	(*lease_fn)(enum lease_event, void *arg);

/*
 * Connect the lease's own session.  node names this pcod (NULL: the host's
 * name); lease_s is the lease time.  NULL with err set.
 */
struct lease	*lease_open(struct event_base *, const char *conninfo,
		    const char *node, int lease_s, char *err, size_t errsz);
/*
 * Try once to take the lease, synchronously (at start-up, before the
 * loop runs).  1 taken, 0 another pcod holds it, -1 error with err set.
 */
int		 lease_try(struct lease *, char *err, size_t errsz);
/* Renew or try to take it every second from now on; fn hears of changes. */
void		 lease_start(struct lease *, lease_fn fn, void *arg);
/*
 * At a clean stop: give the lease up at once (a standby takes over within a
 * second instead of a lease time), if it is still ours; the node's role
 * becomes "stopped" for the others' status.
 */
void		 lease_release(struct lease *);
void		 lease_free(struct lease *);

enum lease_role	 lease_role(const struct lease *);
/* The epoch this pcod holds; 0 when standby. */
int64_t		 lease_epoch(const struct lease *);
const char	*lease_node(const struct lease *);
/* The holder as last read ("" none) and its epoch, for a standby's errors. */
const char	*lease_holder(const struct lease *, int64_t *epoch);
/*
 * For status: {"role", "node", "epoch", "holder", "holder_epoch",
 * "expires_in_ms", "lease_time_s", "confirmed_ms_ago", "takeovers",
 * "peers": [{"name", "role", "epoch", "seen_ms_ago"}]}.
 */
json_t		*lease_json(const struct lease *);

#endif
