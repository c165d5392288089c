/* addrcount.c - open connections per peer address: a chained hash that grows and shrinks. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addrcount.h"
#include "xmalloc.h"

#define ADDRCOUNT_MIN_BUCKETS	64

struct addrent {
	struct addrent	*next;		/* owned: the rest of the bucket */
	int		 n;
	char		 addr[ADDRCOUNT_ADDR_MAX];
};

struct addrcount {
	struct addrent	**bucket;	/* owned array of owned chains */
	size_t		  nbuckets;	/* a power of two */
	size_t		  size;		/* entries */
	uint64_t	  seed;
};

/* Seeded FNV-1a of the address. */
static size_t
addrcount_hash(const struct addrcount *t, const char *addr)
{
	uint64_t	h = 14695981039346656037ULL ^ t->seed;
	size_t		i;

	/* as far as an entry keeps it: a longer address is cut */
	for (i = 0; addr[i] != '\0' && i < ADDRCOUNT_ADDR_MAX - 1; i++)
		h = (h ^ (unsigned char)addr[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29)) & (t->nbuckets - 1);
}

/* Move every entry into n buckets. */
static void
addrcount_rehash(struct addrcount *t, size_t n)
{
	struct addrent	**old = t->bucket, *e, *next;
	size_t		  oldn = t->nbuckets, i, b;

	t->bucket = xcalloc(n, sizeof(*t->bucket));
	t->nbuckets = n;
	for (i = 0; i < oldn; i++) {
		for (e = old[i]; e != NULL; e = next) {
			next = e->next;
			b = addrcount_hash(t, e->addr);
			e->next = t->bucket[b];
			t->bucket[b] = e;
		}
	}
	free(old);
}

/* An empty table. */
struct addrcount *
addrcount_new(uint64_t seed)
{
	struct addrcount	*t = xcalloc(1, sizeof(*t));

	t->seed = seed;
	t->nbuckets = ADDRCOUNT_MIN_BUCKETS;
	t->bucket = xcalloc(t->nbuckets, sizeof(*t->bucket));
	return t;
}

/* Free the table and its entries. */
void
addrcount_free(struct addrcount *t)
{
	struct addrent	*e, *next;
	size_t		 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nbuckets; i++)
		for (e = t->bucket[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(t->bucket);
	free(t);
}

/* The link that points at addr's entry (or the chain's end). */
static struct addrent **
addrcount_find(const struct addrcount *t, const char *addr)
{
	struct addrent	**p = &t->bucket[addrcount_hash(t, addr)];

	while (*p != NULL && strncmp((*p)->addr, addr, ADDRCOUNT_ADDR_MAX - 1) != 0)
		p = &(*p)->next;
	return p;
}

/* Connections counted for addr. */
int
addrcount_get(const struct addrcount *t, const char *addr)
{
	struct addrent	*e = *addrcount_find(t, addr);

	return e != NULL ? e->n : 0;
}

/* One more connection from addr. */
int
addrcount_inc(struct addrcount *t, const char *addr)
{
	struct addrent	**p = addrcount_find(t, addr), *e;

	if (*p != NULL)
		return ++(*p)->n;
	e = xcalloc(1, sizeof(*e));
	strncpy(e->addr, addr, sizeof(e->addr) - 1);
	e->n = 1;
	*p = e;
	if (++t->size > t->nbuckets)
		addrcount_rehash(t, t->nbuckets * 2);
	return 1;
}

/* One connection from addr fewer. */
int
addrcount_dec(struct addrcount *t, const char *addr)
{
	struct addrent	**p = addrcount_find(t, addr), *e = *p;

	if (e == NULL)
		return 0;
	if (--e->n > 0)
		return e->n;
	*p = e->next;
	free(e);
	t->size--;
	if (t->nbuckets > ADDRCOUNT_MIN_BUCKETS && t->size < t->nbuckets / 4)
		addrcount_rehash(t, t->nbuckets / 2);
	return 0;
}

/* Distinct addresses counted. */
int
addrcount_size(const struct addrcount *t)
{
	return (int)t->size;
}
