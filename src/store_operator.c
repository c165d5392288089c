/* store_operator.c - STUB: not written yet. */
#include "config.h"

/* Keeps the translation unit non-empty until the module lands. */
int store_operator_stub_unused(void);
int
store_operator_stub_unused(void)
{
	return 0;
}
