/*
 * www.c - the browser console's static files.
 *
 * The manifest is WWW_FILES of Makefile.am, built into the binary by
 * src/www/embed.sh (include/www_files.h); only its names are served: "/"
 * is index.html and each file is "/www/NAME", one exact route each, so
 * there is no directory listing and no path to walk out of.  A copy
 * installed under $(pkgdatadir)/www is preferred: it is read on every
 * request (a few KiB from the page cache; at most WWW_MAX_FILE bytes, a
 * regular file, else the built-in copy is served and the reason logged),
 * so an upgrade of the files needs no restart and a broken install still
 * leaves a working console.
 *
 * Every answer carries the console's security headers (a strict
 * Content-Security-Policy: no inline script or style, no framing) and an
 * ETag, the content's SHA-256; "Cache-Control: no-cache" makes the browser
 * ask each time, and a matching If-None-Match gets 304 without the body.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <openssl/evp.h>

#include "http.h"
#include "log.h"
#include "www.h"
#include "www_files.h"
#include "xmalloc.h"

#define WWW_PREFIX	"/www/"
#define WWW_INDEX	"index.html"
#define WWW_CSP		"default-src 'self'; frame-ancestors 'none'; " \
			"base-uri 'none'; form-action 'self'"

/* Content types by extension; the rest is sent as bytes. */
static const struct {
	const char	*ext;
	const char	*type;
} www_types[] = {
	{ ".html",	"text/html; charset=utf-8" },
	{ ".js",	"text/javascript; charset=utf-8" },
	{ ".css",	"text/css; charset=utf-8" },
	{ ".svg",	"image/svg+xml" },
	{ ".json",	"application/json" },
	{ ".ico",	"image/x-icon" },
	{ ".png",	"image/png" },
};

const struct www_file *
www_manifest(size_t *n)
{
	*n = sizeof(www_files) / sizeof(www_files[0]);
	return www_files;
}

/* The manifest's file called name, or NULL. */
static const struct www_file *
www_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(www_files) / sizeof(www_files[0]); i++)
		if (strcmp(www_files[i].name, name) == 0)
			return &www_files[i];
	return NULL;
}

const struct www_file *
www_lookup(const char *path)
{
	if (path == NULL)
		return NULL;
	if (strcmp(path, "/") == 0)
		return www_find(WWW_INDEX);
	if (strncmp(path, WWW_PREFIX, strlen(WWW_PREFIX)) != 0)
		return NULL;
	/* Exact names only: "..", "//", "?" or "%2e" never match one. */
	return www_find(path + strlen(WWW_PREFIX));
}

const char *
www_ctype(const char *name)
{
	size_t	n = strlen(name), e, i;

	for (i = 0; i < sizeof(www_types) / sizeof(www_types[0]); i++) {
		e = strlen(www_types[i].ext);
		if (n > e && strcmp(name + n - e, www_types[i].ext) == 0)
			return www_types[i].type;
	}
	return "application/octet-stream";
}

/* c's ETag: the quoted first 16 bytes of its SHA-256, in hex. */
static void
www_etag(struct www_content *c)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0, i;

	if (EVP_Digest(c->data, c->len, md, &mdlen, EVP_sha256(), NULL) != 1)
		mdlen = 0;
	c->etag[0] = '"';
	for (i = 0; i < 16; i++)
		snprintf(c->etag + 1 + i * 2, 3, "%02x", i < mdlen ? md[i] : 0);
	c->etag[33] = '"';
	c->etag[34] = '\0';
}

/* Read fd (a regular file of size bytes) whole into a new buffer; NULL if short. */
static unsigned char *
www_read_fd(int fd, size_t size)
{
	unsigned char	*buf = xmalloc(size + 1);
	size_t		 got = 0;
	ssize_t		 r;

	while (got < size) {
		r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			return NULL;
		}
		got += (size_t)r;
	}
	buf[size] = '\0';
	return buf;
}

/* dir/name read whole, or NULL (absent quietly; otherwise logged). */
static unsigned char *
www_read_disk(const char *dir, const char *name, size_t *len)
{
	char		 path[4096];
	struct stat	 st;
	unsigned char	*buf = NULL;
	const char	*why = NULL;
	int		 fd;

	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return NULL;
	/* O_NONBLOCK: a FIFO put there must not hang the loop in open(). */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			log_warn("www %s: the built-in copy is served", path);
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size > WWW_MAX_FILE)
		why = "larger than " "1 MiB";
	else if ((buf = www_read_fd(fd, (size_t)st.st_size)) == NULL)
		why = "cannot be read whole";
	close(fd);
	if (why != NULL) {
		log_warnx("www %s: %s: the built-in copy is served", path, why);
		return NULL;
	}
	*len = (size_t)st.st_size;
	return buf;
}

int
www_content(const char *dir, const struct www_file *f, struct www_content *out)
{
	memset(out, 0, sizeof *out);
	if (dir != NULL &&
	    (out->owned = www_read_disk(dir, f->name, &out->len)) != NULL)
		out->data = out->owned;
	else {
		out->data = f->data;
		out->len = f->len;
	}
	www_etag(out);
	return out->owned != NULL;
}

void
www_content_free(struct www_content *c)
{
	if (c == NULL)
		return;
	free(c->owned);
	c->owned = NULL;
	c->data = NULL;
}

int
www_etag_match(const char *inm, const char *etag)
{
	const char	*p = inm;
	size_t		 n = strlen(etag);

	if (inm == NULL)
		return 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
		    p[n] == ' ' || p[n] == '\t'))
			return 1;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return 0;
}

/* The headers of every answer of a file. */
static void
www_headers(struct evkeyvalq *h, const struct www_content *c)
{
	evhttp_add_header(h, "ETag", c->etag);
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "Content-Security-Policy", WWW_CSP);
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
}

/* GET or HEAD of a file of the manifest. */
static void
www_get_cb(struct http_server *srv, struct evhttp_request *req, void *arg)
{
	const char		*dir = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const struct www_file	*f = www_lookup(uri != NULL ?
				    evhttp_uri_get_path(uri) : NULL);
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct www_content	 c;
	struct evbuffer		*b;
	char			 len[32];

	if (f == NULL) {
		/* Routed by the same names: cannot happen, but never serve a guess. */
		http_error(srv, req, 404, "not found");
		return;
	}
	www_content(dir, f, &c);
	www_headers(h, &c);
	if (www_etag_match(evhttp_find_header(
	    evhttp_request_get_input_headers(req), "If-None-Match"), c.etag)) {
		http_send(srv, req, 304, NULL);
		www_content_free(&c);
		return;
	}
	evhttp_add_header(h, "Content-Type", www_ctype(f->name));
	snprintf(len, sizeof len, "%zu", c.len);
	/* evhttp sets none for HEAD; the same length as the GET's. */
	evhttp_add_header(h, "Content-Length", len);
	if ((b = evbuffer_new()) == NULL) {
		www_content_free(&c);
		http_send(srv, req, 500, NULL);
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)
		evbuffer_add(b, c.data, c.len);
	http_send(srv, req, 200, b);
	evbuffer_free(b);
	www_content_free(&c);
}

int
www_register(struct http_server *srv, const char *dir)
{
	char	path[256];
	size_t	i;

	if (http_route(srv, "/", HTTP_M_GET | HTTP_M_HEAD, www_get_cb,
	    (void *)dir) == -1)
		return -1;
	for (i = 0; i < sizeof(www_files) / sizeof(www_files[0]); i++) {
		snprintf(path, sizeof path, "%s%s", WWW_PREFIX, www_files[i].name);
		if (http_route(srv, path, HTTP_M_GET | HTTP_M_HEAD, www_get_cb,
		    (void *)dir) == -1)
			return -1;
	}
	return 0;
}
