/*
 * www.h - the browser console's static files (src/www.c): GET and HEAD of
 * / (index.html) and of /www/NAME for each NAME of the manifest (WWW_FILES
 * in Makefile.am).  A copy installed under the www directory
 * ($(pkgdatadir)/www) is served in preference, read on each request (at
 * most WWW_MAX_FILE bytes); else the copy built into the binary.  Nothing
 * but the manifest's names is served.
 */
#ifndef PCOD_WWW_H
#define PCOD_WWW_H

#include <stddef.h>

struct http_server;

/* Where installed files are looked for (Makefile.am sets $(pkgdatadir)/www). */
#ifndef PCOD_WWW_DIR
#define PCOD_WWW_DIR	NULL
#endif

/* Larger installed files are ignored (the embedded copy is served). */
#define WWW_MAX_FILE	(1024 * 1024)
/* An ETag: a quoted 32-hex prefix of the content's SHA-256, and a NUL. */
#define WWW_ETAG_SIZE	35

/* One file of the manifest, as built in. */
struct www_file {
	const char		*name;	/* "index.html", "js/app.js" */
	const unsigned char	*data;
	size_t			 len;
};

/* What a request gets: the installed copy or the built-in one. */
struct www_content {
	const unsigned char	*data;
	size_t			 len;
	unsigned char		*owned;		/* read from disk; NULL: built in */
	char			 etag[WWW_ETAG_SIZE];
};

/* The manifest; *n its length. */
const struct www_file	*www_manifest(size_t *n);
/*
 * The file a request path names: "/" is index.html, "/www/NAME" the
 * manifest's NAME; anything else (other names, "..", "//", a trailing "/",
 * a query) is NULL.
 */
const struct www_file	*www_lookup(const char *path);
/* The Content-Type of a name, by its extension. */
const char		*www_ctype(const char *name);
/*
 * f's content: dir/NAME when it is a readable regular file of at most
 * WWW_MAX_FILE bytes (dir NULL: never), else the built-in copy.  1 if read
 * from disk, 0 if built in.  Free with www_content_free().
 */
int			 www_content(const char *dir, const struct www_file *f,
			    struct www_content *out);
void			 www_content_free(struct www_content *);
/* Does an If-None-Match header (a list of tags, "*", W/ prefixes) name etag? */
int			 www_etag_match(const char *inm, const char *etag);
/* Route / and each /www/NAME on srv, served from dir (NULL: built in only).  0 or -1. */
int			 www_register(struct http_server *srv, const char *dir);

#endif
