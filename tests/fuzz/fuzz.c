/* fuzz.c - invariant checks shared by the fuzz harnesses. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "fuzz.h"

/* Largest zone, user, area or device number a payload may carry (6 digits). */
#define FUZZ_NUM_MAX	999999

/* Report a broken invariant and abort. */
void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
	abort();
}

/* Is there a NUL within the first n bytes of p? */
int
fuzz_terminated(const char *p, size_t n)
{
	return memchr(p, '\0', n) != NULL;
}

/* Every byte of s is printable ASCII (space included). */
static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* No byte of s is below 0x20: names and notes may hold any other. */
static int
no_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20)
			return 0;
	return 1;
}

/* A failed parser call must leave a reason to log. */
void
fuzz_check_err(const char *err, size_t errsz)
{
	FUZZ_CHECK(fuzz_terminated(err, errsz));
	FUZZ_CHECK(err[0] != '\0');
}

/* The code field: two capitals for SIA, three digits for Contact ID. */
static void
check_code(const struct event *ev, const char *format)
{
	size_t	n, i;

	FUZZ_CHECK(fuzz_terminated(ev->code, sizeof(ev->code)));
	n = strlen(ev->code);
	FUZZ_CHECK(n == (strcmp(format, "SIA") == 0 ? 2 : 3));
	for (i = 0; i < n; i++)
		FUZZ_CHECK(n == 2 ? (ev->code[i] >= 'A' && ev->code[i] <= 'Z') :
		    (ev->code[i] >= '0' && ev->code[i] <= '9'));
}

/* Check one decoded event. */
void
fuzz_check_event(const struct event *ev, const char *format)
{
	FUZZ_CHECK(fuzz_terminated(ev->format, sizeof(ev->format)));
	FUZZ_CHECK(strcmp(ev->format, format) == 0);
	check_code(ev, format);
	FUZZ_CHECK(ev->qual == EVQ_NEW || ev->qual == EVQ_RESTORE ||
	    ev->qual == EVQ_STATUS);
	FUZZ_CHECK((int)ev->cls >= 0 && ev->cls < EVC_COUNT);
	FUZZ_CHECK(ev->known == 0 || ev->known == 1);
	FUZZ_CHECK(ev->known || ev->cls == EVC_OTHER);
	FUZZ_CHECK(ev->zone >= -1 && ev->zone <= FUZZ_NUM_MAX);
	FUZZ_CHECK(ev->user >= -1 && ev->user <= FUZZ_NUM_MAX);
	FUZZ_CHECK(ev->partition >= -1 && ev->partition <= FUZZ_NUM_MAX);
	FUZZ_CHECK(ev->peripheral >= -1 && ev->peripheral <= FUZZ_NUM_MAX);
	FUZZ_CHECK(ev->zone == -1 || ev->user == -1 ||
	    strcmp(format, "SIA") == 0);
	FUZZ_CHECK(ev->event_time >= 0);
	FUZZ_CHECK(fuzz_terminated(ev->text, sizeof(ev->text)));
	FUZZ_CHECK(ev->text[0] != '\0' && printable(ev->text));
	FUZZ_CHECK(fuzz_terminated(ev->name, sizeof(ev->name)));
	FUZZ_CHECK(fuzz_terminated(ev->note, sizeof(ev->note)));
	FUZZ_CHECK(no_control(ev->name) && no_control(ev->note));
}
