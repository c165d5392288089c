/* fuzz.h - shared by the fuzz harnesses: the libFuzzer entry point and invariant checks. */
#ifndef PCOD_FUZZ_H
#define PCOD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct event;

/* Broken invariant: name it on stderr and abort, so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond);			\
} while (0)

/* Each harness defines it; libFuzzer or replay.c calls it once per input. */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void	fuzz_fail(const char *file, int line, const char *what)
	    __attribute__((noreturn));
/* An err buffer after a failed parse: NUL-terminated and not empty. */
void	fuzz_check_err(const char *err, size_t errsz);
/* The fields of a decoded event are in range and its strings terminated. */
void	fuzz_check_event(const struct event *ev, const char *format);
/* Is there a NUL within the first n bytes of p? */
int	fuzz_terminated(const char *p, size_t n);

#endif
