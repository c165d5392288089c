/* event.h - one decoded alarm-panel event, whichever payload format it came in. */
#ifndef PCOD_EVENT_H
#define PCOD_EVENT_H

#include <time.h>

enum event_class {
	EVC_OTHER = 0,
	EVC_BURGLARY,
	EVC_FIRE,
	EVC_PANIC,		/* panic, duress, hold-up */
	EVC_MEDICAL,
	EVC_TAMPER,
	EVC_TROUBLE,		/* technical: power, battery, communication */
	EVC_SUPERVISORY,
	EVC_OPENCLOSE,
	EVC_TEST,
	EVC_PATROL,		/* a guard patrol failed (missed, late, silent guard) */
	EVC_THREAT,		/* a guard's observation judged a threat */
	EVC_COUNT
};

enum event_qual {
	EVQ_NEW = 0,		/* new event / alarm / opening */
	EVQ_RESTORE,		/* restore / closing */
	EVQ_STATUS		/* previously reported, status */
};

#define EVENT_CODE_MAX	8
#define EVENT_TEXT_MAX	96
#define EVENT_NAME_MAX	64
#define EVENT_NOTE_MAX	160

struct event {
	char		 format[4];		/* "SIA" or "CID" */
	char		 code[EVENT_CODE_MAX];	/* "BA", "130" */
	enum event_qual	 qual;
	enum event_class cls;
	int		 zone;			/* -1 when none */
	int		 user;			/* -1 when none */
	int		 partition;		/* area; -1 when none */
	int		 peripheral;		/* SIA pi: module or device; -1 when none */
	int		 known;			/* 0 when the code is not in the tables */
	time_t		 event_time;		/* from payload time/date fields; 0 none */
	char		 text[EVENT_TEXT_MAX];	/* readable text */
	/*
	 * As the panel wrote them (bytes, NUL-terminated; ingest turns them
	 * into UTF-8): the zone's or user's name (^name^, *"name"NM) and an
	 * ASCII text block (|A...).  "" when none.
	 */
	char		 name[EVENT_NAME_MAX];
	char		 note[EVENT_NOTE_MAX];
};

#endif
