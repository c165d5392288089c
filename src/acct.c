/* acct.c - the in-memory account table the receiver consults for every frame. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acct.h"
#include "dc09.h"
#include "xmalloc.h"

struct acct_node {
	struct acct		 a;
	struct acct_node	*next;		/* bucket chain; owned */
};

struct acct_table {
	struct acct_node	**bucket;	/* owned */
	size_t			  nbucket;	/* power of two */
	size_t			  count;
};

/* FNV-1a over the account, case-folded (account numbers are hex). */
static uint32_t
acct_hash(const char *s)
{
	uint32_t	h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)(*s >= 'a' && *s <= 'f' ? *s - 32 : *s);
		h *= 16777619u;
	}
	return h;
}

/* An empty table. */
struct acct_table *
acct_table_new(void)
{
	struct acct_table	*t;

	t = xcalloc(1, sizeof(*t));
	t->nbucket = 256;
	t->bucket = xcalloc(t->nbucket, sizeof(*t->bucket));
	return t;
}

/* Free the table and every entry. */
void
acct_table_free(struct acct_table *t)
{
	struct acct_node	*n, *next;
	size_t			 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nbucket; i++)
		for (n = t->bucket[i]; n != NULL; n = next) {
			next = n->next;
			explicit_bzero(&n->a, sizeof(n->a));
			free(n);
		}
	free(t->bucket);
	free(t);
}

/* Double the bucket array once the table is as full as it is wide. */
static void
acct_table_grow(struct acct_table *t)
{
	struct acct_node	**nb, *n, *next;
	size_t			  i, nn = t->nbucket * 2;

	nb = xcalloc(nn, sizeof(*nb));
	for (i = 0; i < t->nbucket; i++)
		for (n = t->bucket[i]; n != NULL; n = next) {
			next = n->next;
			n->next = nb[acct_hash(n->a.account) & (nn - 1)];
			nb[acct_hash(n->a.account) & (nn - 1)] = n;
		}
	free(t->bucket);
	t->bucket = nb;
	t->nbucket = nn;
}

/* The node slot holding account, or the empty slot at the end of its chain. */
static struct acct_node **
acct_table_slot(const struct acct_table *t, const char *account)
{
	struct acct_node	**np;

	np = &t->bucket[acct_hash(account) & (t->nbucket - 1)];
	while (*np != NULL && strcasecmp((*np)->a.account, account) != 0)
		np = &(*np)->next;
	return np;
}

/* Parse a key string into k ("" or NULL: none).  0 or -1 with err set. */
static int
acct_key(const char *s, const char *what, struct dc09_key *k, char *err,
    size_t errsz)
{
	char	msg[128];

	memset(k, 0, sizeof(*k));
	if (s == NULL || *s == '\0')
		return 0;
	if (dc09_key_parse(s, k, msg, sizeof(msg)) == 0)
		return 0;
	snprintf(err, errsz, "%s unusable: %s", what, msg);
	return -1;
}

/* Insert or replace an account as def describes it. */
int
acct_table_put(struct acct_table *t, const struct acct_def *def, char *err,
    size_t errsz)
{
	struct acct_node	**np, *n;
	int			  rc;

	if (strlen(def->account) >= sizeof(n->a.account)) {
		snprintf(err, errsz, "account too long");
		return -1;
	}
	np = acct_table_slot(t, def->account);
	if ((n = *np) == NULL) {
		n = xcalloc(1, sizeof(*n));
		strcpy(n->a.account, def->account);
		*np = n;
		if (++t->count > t->nbucket)
			acct_table_grow(t);
	}
	rc = acct_key(def->key, "key", &n->a.key, err, errsz);
	rc |= acct_key(def->next_key, "next key", &n->a.next_key, err, errsz);
	n->a.keyed = (def->key != NULL && *def->key != '\0') ||
	    (def->next_key != NULL && *def->next_key != '\0');
	n->a.plaintext = def->plaintext;
	n->a.plain_clock = def->plain_clock;
	n->a.site_id = def->site_id;
	return rc;
}

/* Remove account if present. */
void
acct_table_remove(struct acct_table *t, const char *account)
{
	struct acct_node	**np, *n;

	np = acct_table_slot(t, account);
	if ((n = *np) == NULL)
		return;
	*np = n->next;
	explicit_bzero(&n->a, sizeof(n->a));
	free(n);
	t->count--;
}

/* The entry for account, or NULL. */
const struct acct *
acct_table_get(const struct acct_table *t, const char *account)
{
	struct acct_node	*n = *acct_table_slot(t, account);

	return n != NULL ? &n->a : NULL;
}

/* Number of accounts. */
size_t
acct_table_count(const struct acct_table *t)
{
	return t->count;
}
