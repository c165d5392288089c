/* stats.h - process-wide counters shown by the control "status" command. */
#ifndef PCOD_STATS_H
#define PCOD_STATS_H

#include <stdint.h>
#include <time.h>

#include "histo.h"

struct pcod_stats {
	time_t		 started;
	uint64_t	 frames;		/* frames received (parsed or not) */
	uint64_t	 events;		/* events stored */
	uint64_t	 duplicates;		/* retransmissions acknowledged, not stored again */
	uint64_t	 link_tests;		/* NULL frames */
	uint64_t	 acks;
	uint64_t	 naks;
	uint64_t	 duhs;
	uint64_t	 rej_crc, rej_length, rej_format, rej_token, rej_decrypt,
			 rej_data, rej_time, rej_unknown_account, rej_receiver,
			 rej_too_long, rej_garbage, rej_store,
			 rej_plaintext;
	uint64_t	 connections;		/* accepted in all */
	uint64_t	 conn_refused;		/* over a limit */
	uint64_t	 conn_evicted;		/* closed to make room in a full listener */
	uint64_t	 frame_timeouts;	/* frame (or TLS handshake) too slow */
	uint64_t	 idle_timeouts;		/* no complete frame for idle-timeout */
	uint64_t	 udp_ignored;		/* datagrams not DC-09: no answer */
	uint64_t	 naks_limited;		/* UDP NAKs not sent: source over its limit */
	int64_t		 conn_open;
	uint64_t	 commits;
	uint64_t	 commit_failures;
	int64_t		 last_batch;		/* frames in the last commit */
	uint64_t	 control_requests;
	uint64_t	 control_errors;
	uint64_t	 control_refused;	/* consoles refused: full or per-uid cap */
	uint64_t	 control_auth_timeouts;	/* consoles closed for not logging in */
	uint64_t	 login_failures;	/* passwords checked and wrong */
	uint64_t	 login_throttled;	/* logins refused unchecked: back-off or lock-out */
	uint64_t	 login_lockouts;	/* logins or uids locked out */
	/* metrics (issue 12): observed on the loop thread only */
	uint64_t	 escalations;		/* alarms escalated, committed */
	int64_t		 conn_open_tls;		/* of conn_open, those on TLS listeners */
	struct histo	 commit_batch;		/* items per committed batch */
	struct histo	 commit_latency;	/* us, batch opened -> durable */
	struct histo	 ack_latency;		/* us, frame taken -> its ACK written */
	/* the duplicate window (h-retx, issue 11) */
	uint64_t	 retx_frames;		/* stored past memory's ceiling (frames_retx) */
	uint64_t	 naks_readback;		/* NAKed: the window was being read back */
};

extern struct pcod_stats pcod_stats;

#endif
