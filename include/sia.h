/* sia.h - SIA DC-03 payload decoder (pure). */
#ifndef PCOD_SIA_H
#define PCOD_SIA_H

#include <stddef.h>

struct event;

/*
 * Decode a SIA-DCS data field into at most max events at ev[0..*nev).
 * Liberal about the layout, as panels write it: "#acct|" optional, then
 * '|'-separated blocks: "N" (new) or "O" (old) event blocks whose items may
 * or may not be separated by '/' ("Nri1/BA01/BA02", "Nri2BA3", "Nid501CL"),
 * with the modifiers ri (area), id (user), pi (device), ti/da (the panel's
 * own time, UTC) and unknown ones skipped; events of two capitals and up to
 * 6 digits (zone, user or area as the code says); "^name^" after an event
 * or a modifier's number and extended '*"name"NM' blocks; "A" text blocks
 * (the note of the preceding event block's events); digit-only or empty
 * blocks are ignored.  Unknown codes become events with known=0, class other.
 * Returns 0 when all of the data was understood, otherwise -1 with the
 * first reason in err (and how many more there were); the events decoded
 * around the problem are still in ev[0..*nev), *nev may be 0.  Names and
 * notes are the panel's bytes (any >= 0x20), NUL-terminated, cut to fit.
 */
int	sia_decode(const char *data, size_t len, struct event *ev, size_t max,
	    size_t *nev, char *err, size_t errsz);

/*
 * Length of the "#acct|" prefix (1-16 letters or digits; a bare "|" too) at
 * the start of a SIA-DCS or ADM-CID data field: 0 when there is none, -1
 * when it is malformed.  Shared by the SIA and Contact ID decoders.
 */
int	sia_account_len(const char *data, size_t len);

#endif
