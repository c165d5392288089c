/* supervise.h - per-account reporting deadlines: a silent account is an alarm. */
#ifndef PCOD_SUPERVISE_H
#define PCOD_SUPERVISE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct event_base;
struct store;
struct batch;
struct config;
struct alarm_engine;
struct supervisor;

struct supervisor	*supervise_new(struct event_base *, struct store *,
			    struct batch *, struct alarm_engine *,
			    const struct config *);
void			 supervise_free(struct supervisor *);
void			 supervise_set_config(struct supervisor *, const struct config *);
/*
 * Load every supervised account and its last sign of life from the store
 * and start the timer.  Accounts silent past their interval raise their
 * alarm, but never before supervision-grace seconds after start-up.  0 or -1.
 */
int			 supervise_start(struct supervisor *);

/*
 * A frame (any: event, link test) came from account at now_ms.  Cheap: an
 * in-memory update; it joins the batch only to persist the time now and
 * then and to restore a communication-failure alarm.
 */
void			 supervise_seen(struct supervisor *, const char *account,
			    int64_t now_ms);
/* An account's interval or site changed (after commit); interval 0 stops it. */
void			 supervise_account(struct supervisor *, const char *account,
			    int64_t site_id, int interval_s);
/* An account was removed. */
void			 supervise_forget(struct supervisor *, const char *account);
/*
 * The communication-failure alarm of account was closed (in the open batch):
 * if the account is still silent it is raised again one interval later.
 * supervise_new() with an engine has the engine call this.
 */
void			 supervise_comm_closed(struct supervisor *,
			    const char *account);
/* Check every deadline against clock_now_ms() now (the timer calls it). */
void			 supervise_tick(struct supervisor *);
/*
 * {interval, preset, last_seen, deadline, silent, comm_fail, next_alarm} of an
 * account, or json_null(): silent, past its deadline; comm_fail, its alarm is
 * open and not restored; next_alarm, when one will be raised if nothing comes.
 */
json_t			*supervise_status(struct supervisor *, const char *account);
/* How many accounts are supervised, and how many of them are silent now (status, metrics). */
void			 supervise_counts(struct supervisor *, size_t *supervised,
			    size_t *silent);

/*
 * An interval as written by a user: a preset name ("SP4", "DP2", or one from
 * supervision-preset, case-insensitive), seconds ("180"), or with a unit
 * ("90s", "30m", "25h"); "none" or "0" for no supervision.  0 or -1 with err.
 */
int			 supervise_parse_interval(const struct config *, const char *s,
			    int *seconds, char *err, size_t errsz);
/* The built-in and configured presets as [{name, seconds}]. */
json_t			*supervise_presets(const struct config *);

/*
 * Where a supervisor's alarms go.  By default fail and restore are
 * alarm_comm_fail() and alarm_comm_restore() on the engine given to
 * supervise_new(); the unit tests put their own recorder here.  Both run
 * inside the open batch and return 0 or -1 (store).
 */
struct supervise_sink {
	int	(*fail)(void *arg, const char *account, int64_t site_id,
		    int64_t last_seen_ms);
	int	(*restore)(void *arg, const char *account);
	void	*arg;
};
void			 supervise_set_sink(struct supervisor *,
			    const struct supervise_sink *);
/*
 * Every supervised account (interval > 0) in account order, each as
 * supervise_status() shows it plus {account, site_id}; only the silent ones
 * when silent_only.
 */
json_t			*supervise_list(struct supervisor *, int silent_only);
/* The longest interval supervise_parse_interval() accepts (SP1: 32 days). */
#define SUPERVISE_MAX_S		(32 * 86400)

#endif
