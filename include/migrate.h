/*
 * migrate.h - pcod migrate-store FROM TO: copy an SQLite store to
 * PostgreSQL, online and then again at the cutover (src/migrate.c).
 */
#ifndef PCOD_MIGRATE_H
#define PCOD_MIGRATE_H

/* How migrate-store treats a table of the schema. */
enum migrate_class {
	MIGRATE_UNKNOWN = -1,	/* not in its lists: the run fails */
	MIGRATE_SKIP = 0,	/* never copied (schema_version, the lease) */
	MIGRATE_APPEND,		/* rows only added (or purged): by key above TO's */
	MIGRATE_SYNC		/* rows change: reconciled by primary key */
};

/* The class of table name (MIGRATE_UNKNOWN for a table it does not know). */
enum migrate_class	migrate_table_class(const char *name);

/*
 * pcod migrate-store FROM TO, argv[0] being "migrate-store".  Progress on
 * stderr, the summary on stdout.  Returns the exit status: 0 when TO
 * verified equal to FROM, 1 on any failure, 2 on a usage error.
 */
int			migrate_store_main(int argc, char *argv[]);

#endif
