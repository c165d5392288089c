/* acct.h - in-memory account table (accounts and parsed keys) mirrored from the store. */
#ifndef PCOD_ACCT_H
#define PCOD_ACCT_H

#include <stdint.h>

#include "dc09.h"

struct acct {
	char		 account[17];
	struct dc09_key	 key;		/* len 0: no key */
	int64_t		 site_id;	/* 0: no site */
};

struct acct_table;

struct acct_table	*acct_table_new(void);
void			 acct_table_free(struct acct_table *);
/* Insert or replace.  0 or -1 (bad key; err set). */
int			 acct_table_put(struct acct_table *, const char *account,
			    const char *key, char *err, size_t errsz);
void			 acct_table_remove(struct acct_table *, const char *account);
/* Set the site of an account already in the table (no-op if absent). */
void			 acct_table_set_site(struct acct_table *, const char *account,
			    int64_t site_id);
const struct acct	*acct_table_get(const struct acct_table *, const char *account);
size_t			 acct_table_count(const struct acct_table *);

#endif
