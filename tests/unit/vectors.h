/* vectors.h - loader for the DC-09 test vectors file (tests only). */
#ifndef PCOD_TEST_VECTORS_H
#define PCOD_TEST_VECTORS_H

#include <stddef.h>

#include "dc09.h"

/* One line "name | key | frame | notes" with \n and \r decoded in frame. */
struct vector {
	char	name[64];
	char	key[128];		/* "-" when none */
	char	frame[DC09_MAX_FRAME + 1];
	size_t	frame_len;
	char	notes[512];
};

/* Load the file named by VECTORS_FILE (once); the count or -1. */
int			 vectors_load(void);
/* The i-th vector, or NULL past the end. */
const struct vector	*vectors_get(size_t i);
/* The vector called name, or NULL. */
const struct vector	*vectors_find(const char *name);
/* Copy the first '...'-quoted text of the notes to out; 0 or -1. */
int			 vectors_quoted(const struct vector *v, char *out,
			    size_t outsz);

#endif
