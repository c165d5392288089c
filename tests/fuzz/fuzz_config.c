/*
 * fuzz_config.c - libFuzzer harness for the pcod.conf parser: the raw
 * input is a whole configuration file, written to a temporary file (the
 * parser reads a path) and loaded with config_load.  A refusal must say
 * why; an accepted configuration must hold what pcod relies on.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"
#include "log.h"

#define ERRSZ	512

static char	conf_path[64];	/* the temporary file, made on first use */

/* Remove the temporary file at exit. */
static void
conf_unlink(void)
{
	unlink(conf_path);
}

/* Write data as the whole temporary file; 0 or -1. */
static int
conf_write(const uint8_t *data, size_t size)
{
	FILE	*f;
	int	 fd, rc;

	if (conf_path[0] == '\0') {
		snprintf(conf_path, sizeof(conf_path), "/tmp/fuzz_config.XXXXXX");
		if ((fd = mkstemp(conf_path)) == -1)
			return -1;
		close(fd);
		atexit(conf_unlink);
	}
	if ((f = fopen(conf_path, "wb")) == NULL)
		return -1;
	rc = fwrite(data, 1, size, f) == size ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* An accepted configuration: everything pcod uses is there and in range. */
static void
check_config(const struct config *c)
{
	size_t	i;

	FUZZ_CHECK(c->database != NULL && c->database[0] == '/');
	FUZZ_CHECK(c->control != NULL && c->control[0] == '/');
	FUZZ_CHECK(c->nlisteners >= 1 && c->listeners != NULL);
	for (i = 0; i < c->nlisteners; i++) {
		FUZZ_CHECK(c->listeners[i].addr != NULL);
		FUZZ_CHECK(c->listeners[i].max_conn >= 1);
		FUZZ_CHECK(c->listeners[i].max_per_addr >= 1);
		FUZZ_CHECK(c->listeners[i].idle_timeout >= 1);
		FUZZ_CHECK(c->listeners[i].max_frame >= 64 &&
		    c->listeners[i].max_frame <= 4105);
		FUZZ_CHECK(c->listeners[i].proto != LISTEN_TLS ||
		    (c->listeners[i].cert != NULL && c->listeners[i].key != NULL));
	}
	FUZZ_CHECK(c->log_level >= LOG_LVL_WARN && c->log_level <= LOG_LVL_DEBUG);
	FUZZ_CHECK(c->audit_syslog == 0 || c->audit_syslog == 1);
	FUZZ_CHECK(c->batch_max >= 1);
	FUZZ_CHECK(c->npresets <= CONFIG_MAX_PRESETS);
	FUZZ_CHECK(config_restart_needed(c, c) == NULL);
}

/* libFuzzer entry point: the input is one configuration file. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*c;
	char		 err[ERRSZ];

	if (conf_write(data, size) != 0)
		return 0;
	memset(err, 0x55, sizeof(err));
	if ((c = config_load(conf_path, err, sizeof(err))) == NULL) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(strncmp(err, conf_path, strlen(conf_path)) == 0);
		return 0;
	}
	check_config(c);
	config_free(c);
	return 0;
}
