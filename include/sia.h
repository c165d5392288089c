/* sia.h - SIA DC-03 payload decoder (pure). */
#ifndef PCOD_SIA_H
#define PCOD_SIA_H

#include <stddef.h>

struct event;

/*
 * Decode a SIA-DCS data field ("#1234|Nri1/BA01/BA02", the "#acct|" part
 * optional) into up to max events.  Unknown codes become events with known=0
 * and class other.  Returns the number of events (>= 1) or -1 with err set.
 */
int	sia_decode(const char *data, size_t len, struct event *ev, size_t max,
	    char *err, size_t errsz);

/*
 * Length of the "#acct|" prefix (1-16 letters or digits; a bare "|" too) at
 * the start of a SIA-DCS or ADM-CID data field: 0 when there is none, -1
 * when it is malformed.  Shared by the SIA and Contact ID decoders.
 */
int	sia_account_len(const char *data, size_t len);

#endif
