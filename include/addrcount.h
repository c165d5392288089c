/* addrcount.h - open connections per peer address, counted in a hash (pure, no I/O). */
#ifndef PCOD_ADDRCOUNT_H
#define PCOD_ADDRCOUNT_H

#include <stdint.h>

struct addrcount;

/* Addresses as listen.c formats them ("192.0.2.1", "2001:db8::1"). */
#define ADDRCOUNT_ADDR_MAX	48

/* An empty table; seed spreads the addresses (a random one: unpredictable). */
struct addrcount	*addrcount_new(uint64_t seed);
void			 addrcount_free(struct addrcount *);
/* Connections counted for addr now. */
int			 addrcount_get(const struct addrcount *, const char *addr);
/* One more for addr; the new count. */
int			 addrcount_inc(struct addrcount *, const char *addr);
/* One fewer (an address at 0 is forgotten); the new count. */
int			 addrcount_dec(struct addrcount *, const char *addr);
/* Distinct addresses counted. */
int			 addrcount_size(const struct addrcount *);

#endif
