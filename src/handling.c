/* handling.c - STUB: protocol validation is not written yet. */
#include "config.h"

#include <stdio.h>

#include "handling.h"

int
handling_validate(const json_t *doc, char *err, size_t errsz)
{
	snprintf(err, errsz, "protocols are not supported yet");
	return -1;
}
