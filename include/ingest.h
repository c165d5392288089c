/* ingest.h - one DC-09 frame in: validate, decode, store in the batch, decide the answer. */
#ifndef PCOD_INGEST_H
#define PCOD_INGEST_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct batch;
struct acct_table;
struct config;
struct ingest;
struct alarm_engine;
struct supervisor;
struct event_base;

/* Where a frame came from (for the store and the log). */
struct ingest_peer {
	const char	*transport;	/* "tcp", "udp" */
	const char	*addr;		/* "127.0.0.1:5555" */
	uint64_t	 conn;		/* connection id for log lines; 0 for UDP */
};

/* ACK/DUH/NAK fit easily: the longest is an encrypted ACK with a 64-byte block. */
#define INGEST_ANSWER_MAX	256

/* The answer to one frame. */
struct ingest_answer {
	char	buf[INGEST_ANSWER_MAX];		/* the answer to send */
	int	len;
	char	nak[64];			/* sent instead if the batch fails */
	int	naklen;
	int	wait_commit;			/* 1: send only after the batch commits */
	int	is_nak;				/* buf is a NAK (rate-limited on UDP) */
	int	events;				/* events of the frame stored in the batch */
	int64_t	taken_us;			/* histo_now_us() when the frame was taken */
};

struct ingest	*ingest_new(struct store *, struct batch *, struct acct_table *,
		    const struct config *);
void		 ingest_free(struct ingest *);
/* Wire the alarm engine and supervision in (either may be NULL). */
void		 ingest_set_engine(struct ingest *, struct alarm_engine *,
		    struct supervisor *);
struct patrol_run;
/* Hand patrol terminals' events to the patrol service (NULL: none). */
void		 ingest_set_patrol(struct ingest *, struct patrol_run *);
/*
 * Read the duplicate window's keys back from the store on base, a chunk a
 * loop pass; until done, the store answers the retransmission check.
 */
void		 ingest_start(struct ingest *, struct event_base *);
/* Swap in a reloaded configuration (not owned; must outlive its use). */
void		 ingest_set_config(struct ingest *, const struct config *);

/*
 * Handle one frame (LF..CR).  Writes the events into the open batch (joining
 * it) and fills ans.  Always produces an answer.
 */
void		 ingest_frame(struct ingest *, const char *frame, size_t len,
		    const struct ingest_peer *, struct ingest_answer *ans);

/* Answer for a frame that could not be taken at all (too long, junk): a NAK. */
void		 ingest_nak(struct ingest_answer *ans);

#endif
