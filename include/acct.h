/* acct.h - in-memory account table (accounts and parsed keys) mirrored from the store. */
#ifndef PCOD_ACCT_H
#define PCOD_ACCT_H

#include <stdint.h>

#include "dc09.h"

struct acct {
	char		 account[17];
	struct dc09_key	 key;		/* len 0: no usable key */
	struct dc09_key	 next_key;	/* during a key roll-over; len 0: none */
	int		 keyed;		/* a key is configured (usable or not) */
	int		 plaintext;	/* keyed, yet plaintext frames are taken */
	int		 plain_clock;	/* the clock window applies to plaintext */
	int64_t		 site_id;	/* 0: no site */
};

/* What the table is told of an account. */
struct acct_def {
	const char	*account;
	const char	*key;		/* "0011.." or "text:..."; NULL or "": none */
	const char	*next_key;	/* likewise */
	int		 plaintext;
	int		 plain_clock;
	int64_t		 site_id;
};

struct acct_table;

struct acct_table	*acct_table_new(void);
void			 acct_table_free(struct acct_table *);
/*
 * Insert or replace.  0, or -1 with err set: the account is too long (not
 * stored), or a key is unusable (stored as keyed without that key, so that
 * frames needing it get DUH and plaintext stays refused).
 */
int			 acct_table_put(struct acct_table *, const struct acct_def *,
			    char *err, size_t errsz);
void			 acct_table_remove(struct acct_table *, const char *account);
const struct acct	*acct_table_get(const struct acct_table *, const char *account);
size_t			 acct_table_count(const struct acct_table *);

#endif
