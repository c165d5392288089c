/* cid.h - Contact ID (ADM-CID) payload decoder (pure). */
#ifndef PCOD_CID_H
#define PCOD_CID_H

#include <stddef.h>

struct event;

/*
 * Decode an ADM-CID data field into one event at ev[0]: "#acct|" optional,
 * then "QEEE PP UUU" with each single space optional ("113001015"), the
 * qualifier 1, 3, 6 or the letters E (new) and R (restore), and an optional
 * trailing "|A<text>" block whose bytes (any >= 0x20) become the note.
 * Returns 0 when all of the data was understood, otherwise -1 with a reason
 * in err; *nev is 1 when the event was decoded (even with a bad text block
 * after it), else 0.
 */
int	cid_decode(const char *data, size_t len, struct event *ev, size_t *nev,
	    char *err, size_t errsz);

#endif
