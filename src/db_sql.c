/*
 * db_sql.c - the little SQL both engines' writers read for themselves
 * (db_int.h): whether a statement is "INSERT INTO t (...) VALUES (...)",
 * and that INSERT with its id as an explicit parameter.  A blind INSERT's
 * id is given by pcod, not learnt from the database's answer: from a block
 * of the sequence on PostgreSQL (db_pg.c), from the connection's own count
 * on SQLite's writer thread (db.c).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "db_int.h"
#include "xmalloc.h"

const char *
db_sql_insert_into(const char *sql, char *table, size_t tablesz)
{
	const char	*p = sql;
	size_t		 n;

	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, "INSERT", 6) != 0 || !isspace((unsigned char)p[6]))
		return NULL;
	for (p += 6; isspace((unsigned char)*p); p++)
		;
	if (strncasecmp(p, "INTO", 4) != 0 || !isspace((unsigned char)p[4]))
		return NULL;
	for (p += 4; isspace((unsigned char)*p); p++)
		;
	n = strspn(p, "abcdefghijklmnopqrstuvwxyz_0123456789");
	if (n == 0 || n >= tablesz)
		return NULL;
	snprintf(table, tablesz, "%.*s", (int)n, p);
	return p + n;
}

char *
db_sql_idcol(const char *sql, const char *param, char *table, size_t tablesz)
{
	const char	*p, *cols, *vals;
	int		 depth;

	if ((p = db_sql_insert_into(sql, table, tablesz)) == NULL)
		return NULL;
	for (; isspace((unsigned char)*p); p++)
		;
	if (*p != '(')
		return NULL;
	cols = p + 1;
	for (depth = 0; *p != '\0'; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			break;
	}
	if (*p != ')')
		return NULL;
	for (p++; isspace((unsigned char)*p); p++)
		;
	if (strncasecmp(p, "VALUES", 6) != 0)
		return NULL;
	for (p += 6; isspace((unsigned char)*p); p++)
		;
	if (*p != '(')
		return NULL;
	vals = p + 1;
	return xasprintf("%.*sid, %.*s%s, %s", (int)(cols - sql), sql,
	    (int)(vals - cols), cols, param, vals);
}

int
db_sql_explicit_id(const char *sql)
{
	const char	*p = strchr(sql, '(');

	if (p == NULL)
		return 0;
	for (p++; isspace((unsigned char)*p); p++)
		;
	return strncasecmp(p, "id", 2) == 0 && (p[2] == ',' ||
	    isspace((unsigned char)p[2]));
}
