/* codes.h - SIA DC-03 and Contact ID event-code tables: code -> class, qualifier, text, priority. */
#ifndef PCOD_CODES_H
#define PCOD_CODES_H

#include <stddef.h>

#include "event.h"

/* What the number after a code counts. */
enum code_unit {
	CODE_UNIT_ZONE = 0,	/* a zone (point, input) */
	CODE_UNIT_USER,		/* a user (code, card) */
	CODE_UNIT_AREA		/* an area (partition): SIA NL, CG, OG, ... */
};

struct code_info {
	const char		*code;		/* "BA" or "130" */
	enum event_class	 cls;
	enum event_qual		 qual;		/* SIA: the code's own sense (BR is a restore); CID: EVQ_NEW */
	enum code_unit		 unit;		/* what the number after the code counts */
	int			 priority;	/* default priority, 1 highest .. 9 lowest */
	const char		*text;		/* "Burglary alarm" */
};

/* NULL when the code is not in the table. */
const struct code_info	*codes_sia(const char *code);
const struct code_info	*codes_cid(int code);

/* "burglary", "fire", ... and back (-1 when unknown). */
const char	*codes_class_name(enum event_class cls);
int		 codes_class_parse(const char *name);
/* "new", "restore", "status". */
const char	*codes_qual_name(enum event_qual q);

/* The whole tables, sorted by code (listings, self-checks); *n entries. */
const struct code_info	*codes_sia_table(size_t *n);
const struct code_info	*codes_cid_table(size_t *n);

#endif
