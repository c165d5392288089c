/* cid.h - Contact ID (ADM-CID) payload decoder (pure). */
#ifndef PCOD_CID_H
#define PCOD_CID_H

#include <stddef.h>

struct event;

/*
 * Decode an ADM-CID data field ("#1234|1130 01 015", "#acct|" optional) into
 * one event.  Returns 1, or -1 with err set.
 */
int	cid_decode(const char *data, size_t len, struct event *ev,
	    char *err, size_t errsz);

#endif
