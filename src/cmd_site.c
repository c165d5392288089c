/* cmd_site.c - site.*: sites, zones, contacts, response units; export and import. */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "clock.h"
#include "cmd.h"
#include "control.h"
#include "handling.h"
#include "log.h"
#include "risk.h"
#include "site.h"
#include "store.h"

#define SITE_ZONEINFO		"/usr/share/zoneinfo"
#define SITE_DOC_FORMAT		"pcod-site"
#define SITE_DOC_VERSION	1
#define SITE_IMPORT_MAX		10000	/* items per list in a document */

/* Field limits, shared by the argument specs and the import checks. */
#define SITE_NAME_MAX		128
#define SITE_ADDRESS_MAX	512
#define SITE_TZ_MAX		64
#define SITE_NOTES_MAX		4096
#define SITE_INSTR_MAX		8192
#define SITE_CODE_MAX		64
#define SITE_BOOST_MAX		3
#define ZONE_NUMBER_MAX		65535
#define ZONE_NAME_MAX		128
#define ZONE_LOCATION_MAX	256
#define ZONE_TYPE_MAX		32
#define CONTACT_NAME_MAX	128
#define CONTACT_PHONE_MAX	32
#define CONTACT_ROLE_MAX	64
#define CONTACT_POS_MAX		1000
#define UNIT_KIND_MAX		16
#define UNIT_NAME_MAX		128
#define UNIT_RESPONSE_MAX	86400
#define ACCOUNT_NAME_MAX	127

/* How a field of a site, zone, contact, unit or account is checked. */
enum field_type { FT_STR, FT_INT, FT_BOOL, FT_TZ, FT_KIND, FT_ACCOUNT,
    FT_INTERVAL };

struct field {
	const char	*name;		/* NULL ends a table */
	enum field_type	 type;
	int		 required;
	long long	 min, max;	/* STR/TZ: length; INT: value */
};

static const struct field site_fields[] = {
	{ "name", FT_STR, 1, 1, SITE_NAME_MAX },
	{ "address", FT_STR, 0, 0, SITE_ADDRESS_MAX },
	{ "timezone", FT_TZ, 0, 1, SITE_TZ_MAX },
	{ "notes", FT_STR, 0, 0, SITE_NOTES_MAX },
	{ "instructions", FT_STR, 0, 0, SITE_INSTR_MAX },
	{ "code_word", FT_STR, 0, 0, SITE_CODE_MAX },
	{ "priority_boost", FT_INT, 0, 0, SITE_BOOST_MAX },
	{ NULL, FT_STR, 0, 0, 0 }
};

static const struct field zone_fields[] = {
	{ "number", FT_INT, 1, 0, ZONE_NUMBER_MAX },
	{ "name", FT_STR, 0, 0, ZONE_NAME_MAX },
	{ "location", FT_STR, 0, 0, ZONE_LOCATION_MAX },
	{ "type", FT_STR, 0, 0, ZONE_TYPE_MAX },
	{ NULL, FT_STR, 0, 0, 0 }
};

static const struct field contact_fields[] = {
	{ "name", FT_STR, 1, 1, CONTACT_NAME_MAX },
	{ "phone", FT_STR, 0, 0, CONTACT_PHONE_MAX },
	{ "role", FT_STR, 0, 0, CONTACT_ROLE_MAX },
	{ "keyholder", FT_BOOL, 0, 0, 0 },
	{ NULL, FT_STR, 0, 0, 0 }
};

static const struct field unit_fields[] = {
	{ "kind", FT_KIND, 1, 1, UNIT_KIND_MAX },
	{ "name", FT_STR, 1, 1, UNIT_NAME_MAX },
	{ "phone", FT_STR, 0, 0, CONTACT_PHONE_MAX },
	{ "response_time", FT_INT, 0, 0, UNIT_RESPONSE_MAX },
	{ NULL, FT_STR, 0, 0, 0 }
};

static const struct field account_fields[] = {
	{ "account", FT_ACCOUNT, 1, 3, 16 },
	{ "name", FT_STR, 0, 0, ACCOUNT_NAME_MAX },
	{ "supervision", FT_INTERVAL, 0, 0, 0 },
	{ NULL, FT_STR, 0, 0, 0 }
};

static const char *const site_names[] = { "name", "address", "timezone",
    "notes", "instructions", "code_word", "priority_boost", NULL };
static const char *const contact_names[] = { "name", "phone", "role",
    "keyholder", "position", NULL };
static const char *const unit_names[] = { "kind", "name", "phone",
    "response_time", NULL };
static const char *const unit_kinds[] = { "guard", "police", "fire", "medical",
    "technician", "other", NULL };

/* How fields are being checked: where the message goes, how strict. */
struct site_chk {
	const struct config	*cfg;
	struct cmd_err		*err;
	int			 strict;	/* unknown members are errors */
	int			 partial;	/* an update: nothing is required */
};

/* --- checks ---------------------------------------------------------------- */

/* 1 if tz names a zone file (TZif) under SITE_ZONEINFO, or is "UTC". */
static int
site_tz_ok(const char *tz)
{
	char		 path[PATH_MAX], magic[4];
	const char	*p;
	int		 fd, ok;

	if (strcmp(tz, "UTC") == 0)
		return 1;
	if (tz[0] == '\0' || tz[0] == '/' || strstr(tz, "..") != NULL)
		return 0;
	for (p = tz; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
			return 0;
	snprintf(path, sizeof path, "%s/%s", SITE_ZONEINFO, tz);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	ok = read(fd, magic, sizeof magic) == (ssize_t)sizeof magic &&
	    memcmp(magic, "TZif", 4) == 0;
	close(fd);
	return ok;
}

/* 1 if kind is one of unit_kinds. */
static int
site_kind_ok(const char *kind)
{
	size_t	i;

	for (i = 0; unit_kinds[i] != NULL; i++)
		if (strcmp(kind, unit_kinds[i]) == 0)
			return 1;
	return 0;
}

/* Upper-case account s into buf if it is 3-16 hex digits; 0 or -1. */
static int
site_account_norm(const char *s, char *buf, size_t bufsz)
{
	size_t	i, len = strlen(s);

	if (len < 3 || len > 16 || len >= bufsz)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		buf[i] = (char)toupper((unsigned char)s[i]);
	}
	buf[len] = '\0';
	return 0;
}

/* "argument 'x'" for a command's argument, "path.x" inside a document. */
static void
site_label(char *buf, size_t bufsz, const char *path, const char *name)
{
	if (path == NULL)
		snprintf(buf, bufsz, "argument '%s'", name);
	else
		snprintf(buf, bufsz, "%s.%s", path, name);
}

/* Check a string member against its length limits. */
static int
site_chk_str(const struct site_chk *c, const char *lbl, const struct field *f,
    const json_t *v)
{
	size_t	len;

	if (!json_is_string(v))
		return cmd_fail(c->err, "bad_args", "%s: must be a string", lbl);
	len = json_string_length(v);
	if (len < (size_t)f->min)
		return cmd_fail(c->err, "bad_args", "%s: must not be empty", lbl);
	if (len > (size_t)f->max)
		return cmd_fail(c->err, "bad_args", "%s: must be at most %lld "
		    "bytes", lbl, f->max);
	return 0;
}

/* Check a string or integer interval member; replaces it by its seconds. */
static int
site_chk_interval(const struct site_chk *c, const char *lbl, json_t *obj,
    const struct field *f, const json_t *v)
{
	char	msg[160];
	int	secs;

	if (cmd_account_interval(c->cfg, v, &secs, msg, sizeof msg) != 0)
		return cmd_fail(c->err, "bad_args", "%s: %s", lbl, msg);
	json_object_set_new(obj, f->name, json_integer(secs));
	return 0;
}

/* Check an account member; replaces it by its upper-case form. */
static int
site_chk_account(const struct site_chk *c, const char *lbl, json_t *obj,
    const struct field *f, const json_t *v)
{
	char	acct[17];

	if (!json_is_string(v))
		return cmd_fail(c->err, "bad_args", "%s: must be a string", lbl);
	if (site_account_norm(json_string_value(v), acct, sizeof acct) != 0)
		return cmd_fail(c->err, "bad_args", "%s: %s is not 3-16 hex "
		    "digits", lbl, json_string_value(v));
	json_object_set_new(obj, f->name, json_string(acct));
	return 0;
}

/* Check the special string types: time zone, unit kind. */
static int
site_chk_special(const struct site_chk *c, const char *lbl,
    const struct field *f, const json_t *v)
{
	const char	*s = json_string_value(v);

	if (site_chk_str(c, lbl, f, v) != 0)
		return -1;
	if (f->type == FT_TZ && !site_tz_ok(s))
		return cmd_fail(c->err, "bad_args", "%s: no time zone '%s' (an "
		    "IANA name such as Europe/Berlin, or UTC)", lbl, s);
	if (f->type == FT_KIND && !site_kind_ok(s))
		return cmd_fail(c->err, "bad_args", "%s: '%s' is not a unit kind "
		    "(guard, police, fire, medical, technician, other)", lbl, s);
	return 0;
}

/* Check one present member v of obj against its field f. */
static int
site_chk_one(const struct site_chk *c, const char *lbl, json_t *obj,
    const struct field *f, json_t *v)
{
	json_int_t	n;

	switch (f->type) {
	case FT_STR:
		return site_chk_str(c, lbl, f, v);
	case FT_INT:
		if (!json_is_integer(v))
			return cmd_fail(c->err, "bad_args", "%s: must be an "
			    "integer", lbl);
		n = json_integer_value(v);
		if (n < f->min || n > f->max)
			return cmd_fail(c->err, "bad_args", "%s: must be from "
			    "%lld to %lld", lbl, f->min, f->max);
		return 0;
	case FT_BOOL:
		return json_is_boolean(v) ? 0 : cmd_fail(c->err, "bad_args",
		    "%s: must be true or false", lbl);
	case FT_INTERVAL:
		return site_chk_interval(c, lbl, obj, f, v);
	case FT_ACCOUNT:
		return site_chk_account(c, lbl, obj, f, v);
	default:
		return site_chk_special(c, lbl, f, v);
	}
}

/* 1 if name is one of the fields of tab or of the extra names. */
static int
site_known(const struct field *tab, const char *const *extra, const char *name)
{
	for (; tab->name != NULL; tab++)
		if (strcmp(tab->name, name) == 0)
			return 1;
	for (; extra != NULL && *extra != NULL; extra++)
		if (strcmp(*extra, name) == 0)
			return 1;
	return 0;
}

/* Check the members of obj against tab (path NULL: command arguments). */
static int
site_fields_check(const struct site_chk *c, json_t *obj, const struct field *tab,
    const char *const *extra, const char *path)
{
	const struct field	*f;
	const char		*key;
	json_t			*v;
	char			 lbl[160];

	if (c->strict)
		json_object_foreach(obj, key, v)
			if (!site_known(tab, extra, key)) {
				site_label(lbl, sizeof lbl, path, key);
				return cmd_fail(c->err, "bad_args", "%s: unknown "
				    "field", lbl);
			}
	for (f = tab; f->name != NULL; f++) {
		site_label(lbl, sizeof lbl, path, f->name);
		if ((v = json_object_get(obj, f->name)) == NULL) {
			if (f->required && !c->partial)
				return cmd_fail(c->err, "bad_args", "%s: missing",
				    lbl);
			continue;
		}
		if (site_chk_one(c, lbl, obj, f, v) != 0)
			return -1;
	}
	return 0;
}

/* Check command arguments (types are checked already; this adds the rest). */
static int
site_args_check(struct control_ctx *ctx, json_t *args, const struct field *tab,
    struct cmd_err *err)
{
	struct site_chk	c = { ctx->cfg, err, 0, 1 };

	return site_fields_check(&c, args, tab, NULL, NULL);
}

/* --- helpers ----------------------------------------------------------------- */

/* An integer argument (validated by control.c). */
static int64_t
site_arg_id(json_t *args, const char *name)
{
	return json_integer_value(json_object_get(args, name));
}

/* Write one audit row about site (or account when object says so); details stolen. */
static int
site_audit(struct control_ctx *ctx, const struct actor *who, const char *action,
    const char *object, const char *object_id, json_t *details)
{
	int	rc;

	rc = store_audit_add(ctx->store, who, action, object, object_id, NULL,
	    details);
	json_decref(details);
	return rc;
}

/* The audit row of a change to site id. */
static int
site_audit_id(struct control_ctx *ctx, const struct actor *who,
    const char *action, int64_t id, json_t *details)
{
	char	buf[24];

	snprintf(buf, sizeof buf, "%" PRId64, id);
	return site_audit(ctx, who, action, "site", buf, details);
}

/* A field's value for the audit log: the code word is never written there. */
static json_t *
site_audit_value(const char *name, json_t *v)
{
	if (strcmp(name, "code_word") == 0)
		return json_string(json_string_length(v) > 0 ? "(set)" : "(empty)");
	return json_incref(v);
}

/* {field: {from, to}} for the named members that differ between old and new. */
static json_t *
site_diff(json_t *old, json_t *new, const char *const *names)
{
	json_t	*d = json_object(), *a, *b;
	size_t	 i;

	for (i = 0; names[i] != NULL; i++) {
		a = json_object_get(old, names[i]);
		b = json_object_get(new, names[i]);
		if (a == NULL || b == NULL || json_equal(a, b))
			continue;
		json_object_set_new(d, names[i], json_pack("{s:o,s:o}", "from",
		    site_audit_value(names[i], a), "to",
		    site_audit_value(names[i], b)));
	}
	return d;
}

/* The given members of args, for the audit log. */
static json_t *
site_given(json_t *args, const char *const *names)
{
	json_t	*d = json_object(), *v;
	size_t	 i;

	for (i = 0; names[i] != NULL; i++)
		if ((v = json_object_get(args, names[i])) != NULL)
			json_object_set_new(d, names[i],
			    site_audit_value(names[i], v));
	return d;
}

/* Replace member name_ms (epoch ms) of o by name (ISO-8601 UTC). */
static void
site_time_member(json_t *o, const char *name_ms, const char *name)
{
	json_t	*v = json_object_get(o, name_ms);
	char	 buf[40];

	if (json_is_integer(v)) {
		control_time_format(json_integer_value(v), 0, buf, sizeof buf);
		json_object_set_new(o, name, json_string(buf));
	}
	json_object_del(o, name_ms);
}

/* A stored site as consoles see it; takes and returns the reference. */
static json_t *
site_present(json_t *o)
{
	if (json_is_object(o)) {
		site_time_member(o, "created_ms", "created");
		site_time_member(o, "updated_ms", "updated");
	}
	return o;
}

/* The site as the batch has it into *result: 0, or -1 (storage). */
static int
site_result(struct control_ctx *ctx, int64_t id, json_t **result)
{
	json_t	*o = store_site_get(ctx->store, SITE_BATCH, id);

	if (o == NULL)
		return -1;
	*result = site_present(o);
	return 0;
}

/* Refuse unless site id exists in the batch. */
static int
site_need(struct control_ctx *ctx, int64_t id, struct cmd_err *err)
{
	int	rc = store_site_exists(ctx->store, id);

	if (rc < 0)
		return -1;
	return rc == 1 ? 0 : cmd_fail(err, "not_found", "no site %" PRId64, id);
}

/* Refuse a name that another site (not self) already has. */
static int
site_name_free(struct control_ctx *ctx, const char *name, int64_t self,
    const char *lbl, struct cmd_err *err)
{
	int64_t	id = store_site_find(ctx->store, name);

	if (id < 0)
		return -1;
	if (id > 0 && id != self)
		return cmd_fail(err, "exists", "%s: a site named %s exists%s",
		    lbl, name, self < 0 ? " (use replace)" : "");
	return 0;
}

/* Mirror each account of list (objects with "account", or strings) into the receiver. */
static void
site_sync_accounts(struct control_ctx *ctx, json_t *list)
{
	json_t	*a;
	size_t	 i;

	json_array_foreach(list, i, a)
		cmd_account_sync(ctx, json_string_value(
		    json_is_object(a) ? json_object_get(a, "account") : a));
}

/* --- site.add, site.update, site.remove, site.show, site.list ---------------- */

/* site.add: a new site. */
static int
site_add_write(struct control_ctx *ctx, const struct actor *who, json_t *args,
    json_t **result, struct cmd_err *err)
{
	const char	*name = json_string_value(json_object_get(args, "name"));
	int64_t		 id;

	if (site_args_check(ctx, args, site_fields, err) != 0 ||
	    site_name_free(ctx, name, 0, "argument 'name'", err) != 0)
		return -1;
	if ((id = store_site_add(ctx->store, args)) < 0)
		return -1;
	if (site_audit_id(ctx, who, "site.add", id,
	    site_given(args, site_names)) != 0)
		return -1;
	return site_result(ctx, id, result);
}

/* site.update: change the given fields. */
static int
site_update_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	int64_t		 id = site_arg_id(args, "id");
	json_t		*old, *name = json_object_get(args, "name");
	int		 rc;

	if (site_args_check(ctx, args, site_fields, err) != 0)
		return -1;
	if ((old = store_site_get(ctx->store, SITE_BATCH, id)) == NULL)
		return -1;
	if (json_is_null(old))
		return cmd_fail(err, "not_found", "no site %" PRId64, id);
	rc = name != NULL ? site_name_free(ctx, json_string_value(name), id,
	    "argument 'name'", err) : 0;
	if (rc == 0 && (rc = store_site_update(ctx->store, id, args)) == 0 &&
	    (rc = site_result(ctx, id, result)) == 0 &&
	    (rc = site_audit_id(ctx, who, "site.update", id,
	    site_diff(old, *result, site_names))) != 0) {
		json_decref(*result);
		*result = NULL;
	}
	json_decref(old);
	return rc == 0 ? 0 : -1;
}

/* Refuse to remove a site that is still in use (unless forced, for some uses). */
static int
site_remove_check(struct control_ctx *ctx, int64_t id, int force,
    struct cmd_err *err)
{
	json_t		*u = store_site_usage(ctx->store, id);
	json_int_t	 accts, alarms, protos;

	if (u == NULL)
		return -1;
	accts = json_integer_value(json_object_get(u, "accounts"));
	alarms = json_integer_value(json_object_get(u, "open_alarms"));
	protos = json_integer_value(json_object_get(u, "protocols"));
	json_decref(u);
	if (protos > 0)
		return cmd_fail(err, "bad_state", "site %" PRId64 " has %"
		    JSON_INTEGER_FORMAT " handling protocol version(s); remove "
		    "them first", id, protos);
	if (!force && (accts > 0 || alarms > 0))
		return cmd_fail(err, "bad_state", "site %" PRId64 " has %"
		    JSON_INTEGER_FORMAT " account(s) and %" JSON_INTEGER_FORMAT
		    " open alarm(s); detach them or use force", id, accts, alarms);
	return 0;
}

/* site.remove: delete a site; its accounts are detached, its alarms kept. */
static int
site_remove_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	int64_t	 id = site_arg_id(args, "id");
	int	 force = json_is_true(json_object_get(args, "force"));
	json_t	*old, *res;

	if ((old = store_site_get(ctx->store, SITE_BATCH, id)) == NULL)
		return -1;
	if (json_is_null(old))
		return cmd_fail(err, "not_found", "no site %" PRId64, id);
	res = json_pack("{s:I,s:O,s:b,s:O}", "id", (json_int_t)id, "name",
	    json_object_get(old, "name"), "removed", 1, "detached",
	    json_object_get(old, "accounts"));
	json_decref(old);
	if (site_remove_check(ctx, id, force, err) != 0 ||
	    store_site_remove(ctx->store, id) != 0 ||
	    site_audit_id(ctx, who, "site.remove", id, json_pack("{s:O,s:O,s:b}",
	    "name", json_object_get(res, "name"), "detached",
	    json_object_get(res, "detached"), "force", force)) != 0) {
		json_decref(res);
		return -1;
	}
	*result = res;
	return 0;
}

/* After site.remove: the detached accounts have no site any more. */
static void
site_remove_committed(struct control_ctx *ctx, json_t *result)
{
	site_sync_accounts(ctx, json_object_get(result, "detached"));
	log_info("control: site %" JSON_INTEGER_FORMAT " removed",
	    json_integer_value(json_object_get(result, "id")));
}

/* site.show {id} */
static void
cmd_site_show_exec(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	int64_t	 id = site_arg_id(args, "id");
	json_t	*o = store_site_get(ctx->store, SITE_COMMITTED, id);

	if (o == NULL)
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
	else if (json_is_null(o))
		control_error(req, "not_found", "no site %" PRId64, id);
	else
		control_reply(req, site_present(o));
}

/* site.list {} */
static void
cmd_site_list_exec(struct cmd_req *req, struct control_ctx *ctx, json_t *args)
{
	json_t	*list = store_site_list(ctx->store);

	(void)args;
	if (list == NULL)
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
	else
		control_reply(req, list);
}

/* --- zones --------------------------------------------------------------------- */

/* site.zone.set: insert a zone or change its given fields. */
static int
site_zone_set_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	int64_t	 site = site_arg_id(args, "site");
	int	 number = (int)site_arg_id(args, "number");
	json_t	*old, *new;

	if (site_need(ctx, site, err) != 0)
		return -1;
	if ((old = store_site_zone_get(ctx->store, site, number)) == NULL)
		return -1;
	if (store_site_zone_set(ctx->store, site, number, args) != 0 ||
	    (new = store_site_zone_get(ctx->store, site, number)) == NULL) {
		json_decref(old);
		return -1;
	}
	if (site_audit_id(ctx, who, "site.zone.set", site, json_pack(
	    "{s:i,s:o,s:O}", "zone", number, "before", old, "after", new)) != 0) {
		json_decref(new);
		return -1;
	}
	*result = new;
	return 0;
}

/* site.zone.remove: delete a zone. */
static int
site_zone_remove_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	int64_t	 site = site_arg_id(args, "site");
	int	 number = (int)site_arg_id(args, "number");
	json_t	*old;
	int	 rc;

	if (site_need(ctx, site, err) != 0)
		return -1;
	if ((old = store_site_zone_get(ctx->store, site, number)) == NULL)
		return -1;
	if (json_is_null(old))
		return cmd_fail(err, "not_found", "site %" PRId64 " has no zone "
		    "%d", site, number);
	rc = store_site_zone_remove(ctx->store, site, number);
	if (rc != 0 || site_audit_id(ctx, who, "site.zone.remove", site,
	    json_pack("{s:i,s:O}", "zone", number, "removed", old)) != 0) {
		json_decref(old);
		return -1;
	}
	json_decref(old);
	*result = json_pack("{s:I,s:i,s:b}", "site", (json_int_t)site, "number",
	    number, "removed", 1);
	return 0;
}

/* --- contacts ------------------------------------------------------------------ */

/* The position argument, checked against 1..last; 0 when absent. */
static int
site_position(json_t *args, int last, int *pos, struct cmd_err *err)
{
	json_t	*v = json_object_get(args, "position");

	*pos = 0;
	if (v == NULL)
		return 0;
	*pos = (int)json_integer_value(v);
	if (*pos > last)
		return cmd_fail(err, "bad_args", "argument 'position': must be "
		    "from 1 to %d (the end of the call list)", last);
	return 0;
}

/* A contact or unit row as the batch has it (what: "contact"), or not_found. */
static json_t *
site_child_need(json_t *row, const char *what, int64_t id, struct cmd_err *err)
{
	if (row != NULL && json_is_null(row)) {
		cmd_fail(err, "not_found", "no %s %" PRId64, what, id);
		return NULL;
	}
	return row;
}

/* The audit row of a change to a contact or unit: its id and its site's. */
static int
site_child_audit(struct control_ctx *ctx, const struct actor *who,
    const char *action, const char *what, json_t *row, json_t *details)
{
	json_object_set_new(details, what, json_incref(json_object_get(row, "id")));
	return site_audit_id(ctx, who, action,
	    json_integer_value(json_object_get(row, "site_id")), details);
}

/* site.contact.add: insert into the call list (at the end by default). */
static int
site_contact_add_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	int64_t	 site = site_arg_id(args, "site"), id;
	int	 n, pos;
	json_t	*c;

	if (site_need(ctx, site, err) != 0 ||
	    (n = store_site_contact_count(ctx->store, site)) < 0 ||
	    site_position(args, n + 1, &pos, err) != 0)
		return -1;
	if ((id = store_site_contact_add(ctx->store, site, pos > 0 ? pos : n + 1,
	    args)) < 0 || (c = store_site_contact_get(ctx->store, id)) == NULL)
		return -1;
	if (site_child_audit(ctx, who, "site.contact.add", "contact", c,
	    site_given(c, contact_names)) != 0) {
		json_decref(c);
		return -1;
	}
	*result = c;
	return 0;
}

/* site.contact.update: change fields and/or move it in the call list. */
static int
site_contact_update_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	int64_t	 id = site_arg_id(args, "id"), site;
	json_t	*old, *new = NULL;
	int	 n, pos, rc = -1;

	if ((old = site_child_need(store_site_contact_get(ctx->store, id),
	    "contact", id, err)) == NULL)
		return -1;
	site = json_integer_value(json_object_get(old, "site_id"));
	if ((n = store_site_contact_count(ctx->store, site)) < 0 ||
	    site_position(args, n, &pos, err) != 0 ||
	    store_site_contact_update(ctx->store, id, args) != 0)
		goto fail;
	if (pos > 0 && store_site_contact_move(ctx->store, site, id,
	    (int)json_integer_value(json_object_get(old, "position")), pos) != 0)
		goto fail;
	if ((new = store_site_contact_get(ctx->store, id)) == NULL)
		goto fail;
	rc = site_child_audit(ctx, who, "site.contact.update", "contact", new,
	    site_diff(old, new, contact_names));
fail:
	json_decref(old);
	if (rc == 0)
		*result = new;
	else
		json_decref(new);
	return rc;
}

/*
 * After site's call list shrank (in the batch): refused (bad_state) when a
 * protocol of the site's own calls a contact it no longer has; for shared
 * protocols (centre-wide, a band) the change stands and *warnings (NULL
 * none) say which steps now name a missing contact.
 */
static int
site_contact_gaps(struct control_ctx *ctx, int64_t site, json_t **warnings,
    struct cmd_err *err)
{
	json_t	*gaps, *g;
	char	 msg[320];

	*warnings = NULL;
	if ((gaps = store_protocol_gaps(ctx->store, 0, site, HANDLING_GAPS_MAX +
	    1)) == NULL)
		return -1;
	g = json_array_get(gaps, 0);
	if (g != NULL && json_integer_value(json_object_get(g, "shared")) == 0) {
		handling_gap_text(g, msg, sizeof msg);
		json_decref(gaps);
		return cmd_fail(err, "bad_state", "%s after this change: put a "
		    "new version of the protocol first", msg);
	}
	if (json_array_size(gaps) > HANDLING_GAPS_MAX)
		json_array_remove(gaps, HANDLING_GAPS_MAX);
	if (json_array_size(gaps) > 0)
		*warnings = handling_gap_warnings(gaps, 0);
	json_decref(gaps);
	return 0;
}

/* Add warnings (if any) to a change's result; takes the reference. */
static void
site_warnings(json_t *result, json_t *warnings)
{
	if (warnings != NULL && json_is_object(result))
		json_object_set_new(result, "warnings", warnings);
	else
		json_decref(warnings);
}

/* site.contact.remove: delete it; the later contacts move up. */
static int
site_contact_remove_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	int64_t	 id = site_arg_id(args, "id"), site;
	json_t	*old, *warnings = NULL;
	int	 rc;

	if ((old = site_child_need(store_site_contact_get(ctx->store, id),
	    "contact", id, err)) == NULL)
		return -1;
	site = json_integer_value(json_object_get(old, "site_id"));
	rc = store_site_contact_remove(ctx->store, site, id,
	    (int)json_integer_value(json_object_get(old, "position")));
	if (rc == 0)
		rc = site_contact_gaps(ctx, site, &warnings, err);
	if (rc == 0)
		rc = site_child_audit(ctx, who, "site.contact.remove", "contact", old,
		    site_given(old, contact_names));
	if (rc == 0) {
		*result = json_pack("{s:I,s:I,s:b}", "id", (json_int_t)id, "site",
		    (json_int_t)site, "removed", 1);
		site_warnings(*result, warnings);
		warnings = NULL;
	}
	json_decref(warnings);
	json_decref(old);
	return rc;
}

/* --- response units ------------------------------------------------------------ */

/* site.unit.add: a response unit for the site. */
static int
site_unit_add_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	int64_t	 site = site_arg_id(args, "site"), id;
	json_t	*u;

	if (site_args_check(ctx, args, unit_fields, err) != 0 ||
	    site_need(ctx, site, err) != 0)
		return -1;
	if ((id = store_site_unit_add(ctx->store, site, args)) < 0 ||
	    (u = store_site_unit_get(ctx->store, id)) == NULL)
		return -1;
	if (site_child_audit(ctx, who, "site.unit.add", "unit", u,
	    site_given(u, unit_names)) != 0) {
		json_decref(u);
		return -1;
	}
	*result = u;
	return 0;
}

/* site.unit.update: change the given fields. */
static int
site_unit_update_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	int64_t	 id = site_arg_id(args, "id");
	json_t	*old, *new = NULL;
	int	 rc = -1;

	if (site_args_check(ctx, args, unit_fields, err) != 0 ||
	    (old = site_child_need(store_site_unit_get(ctx->store, id),
	    "unit", id, err)) == NULL)
		return -1;
	if (store_site_unit_update(ctx->store, id, args) == 0 &&
	    (new = store_site_unit_get(ctx->store, id)) != NULL)
		rc = site_child_audit(ctx, who, "site.unit.update", "unit", new,
		    site_diff(old, new, unit_names));
	json_decref(old);
	if (rc == 0)
		*result = new;
	else
		json_decref(new);
	return rc;
}

/* site.unit.remove: delete a unit. */
static int
site_unit_remove_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	int64_t	 id = site_arg_id(args, "id");
	json_t	*old;
	int	 rc;

	if ((old = site_child_need(store_site_unit_get(ctx->store, id),
	    "unit", id, err)) == NULL)
		return -1;
	rc = store_site_unit_remove(ctx->store, id);
	if (rc == 0)
		rc = site_child_audit(ctx, who, "site.unit.remove", "unit", old,
		    site_given(old, unit_names));
	if (rc == 0)
		*result = json_pack("{s:I,s:O,s:b}", "id", (json_int_t)id, "site",
		    json_object_get(old, "site_id"), "removed", 1);
	json_decref(old);
	return rc == 0 ? 0 : -1;
}

/* --- export ---------------------------------------------------------------------- */

/* Drop the named members from each object of list. */
static void
site_strip(json_t *list, const char *a, const char *b)
{
	json_t	*o;
	size_t	 i;

	json_array_foreach(list, i, o) {
		json_object_del(o, a);
		if (b != NULL)
			json_object_del(o, b);
	}
}

/* The self-contained document of a stored site (ids and times left out). */
static json_t *
site_document(json_t *site)
{
	char	now[40];

	json_object_del(site, "id");
	json_object_del(site, "created_ms");
	json_object_del(site, "updated_ms");
	site_strip(json_object_get(site, "contacts"), "id", "position");
	site_strip(json_object_get(site, "units"), "id", NULL);
	control_time_format(clock_now_ms(), 0, now, sizeof now);
	return json_pack("{s:s,s:i,s:s,s:s,s:o}", "format", SITE_DOC_FORMAT,
	    "version", SITE_DOC_VERSION, "exported", now, "note",
	    "DC-09 keys are never exported: set them with account.update "
	    "after an import", "site", site);
}

/* The site's risk assessments into its document (risk.h); 0 or -1. */
static int
site_export_risk(struct control_ctx *ctx, int64_t id, json_t *site)
{
	json_t	*a = cmd_risk_export(ctx, id);

	if (a == NULL) {
		json_decref(site);
		return -1;
	}
	json_object_set_new(site, "assessments", a);
	return 0;
}

/* site.export {id} */
static void
cmd_site_export_exec(struct cmd_req *req, struct control_ctx *ctx,
    json_t *args)
{
	int64_t	 id = site_arg_id(args, "id");
	json_t	*o = store_site_get(ctx->store, SITE_COMMITTED, id);

	if (o == NULL)
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
	else if (json_is_null(o))
		control_error(req, "not_found", "no site %" PRId64, id);
	else if (site_export_risk(ctx, id, o) != 0)
		control_error(req, "storage", "%s", store_errmsg(ctx->store));
	else
		control_reply(req, site_document(o));
}

/* --- import: checks ---------------------------------------------------------------- */

/* Check the list member name of site: an array of objects checked against tab. */
static int
site_import_list(const struct site_chk *c, json_t *site, const char *name,
    const struct field *tab)
{
	json_t	*list = json_object_get(site, name), *o;
	char	 path[64];
	size_t	 i;

	if (list == NULL)
		return 0;
	if (!json_is_array(list))
		return cmd_fail(c->err, "bad_args", "site.%s: must be an array",
		    name);
	if (json_array_size(list) > SITE_IMPORT_MAX)
		return cmd_fail(c->err, "bad_args", "site.%s: more than %d items",
		    name, SITE_IMPORT_MAX);
	json_array_foreach(list, i, o) {
		snprintf(path, sizeof path, "site.%s[%zu]", name, i);
		if (!json_is_object(o))
			return cmd_fail(c->err, "bad_args", "%s: must be an "
			    "object", path);
		if (site_fields_check(c, o, tab, NULL, path) != 0)
			return -1;
	}
	return 0;
}

/* Refuse a value of member key that appears twice in list (checked already). */
static int
site_import_unique(const struct site_chk *c, json_t *list, const char *name,
    const char *key)
{
	json_t	*a, *b;
	size_t	 i, j;

	json_array_foreach(list, i, a)
		for (j = 0; j < i; j++) {
			b = json_array_get(list, j);
			if (json_equal(json_object_get(a, key),
			    json_object_get(b, key)))
				return cmd_fail(c->err, "bad_args", "site.%s[%zu]."
				    "%s: the same as site.%s[%zu].%s", name, i,
				    key, name, j, key);
		}
	return 0;
}

/* Check a whole document before anything is written. */
static int
site_import_check(struct control_ctx *ctx, json_t *doc, struct cmd_err *err)
{
	static const char *const lists[] = { "zones", "contacts", "units",
	    "accounts", "assessments", NULL };
	struct site_chk	 c = { ctx->cfg, err, 1, 0 };
	json_t		*fmt = json_object_get(doc, "format");
	json_t		*ver = json_object_get(doc, "version");
	json_t		*site = json_object_get(doc, "site");

	if (!json_is_string(fmt) || strcmp(json_string_value(fmt),
	    SITE_DOC_FORMAT) != 0)
		return cmd_fail(err, "bad_args", "format: must be \"%s\"",
		    SITE_DOC_FORMAT);
	if (!json_is_integer(ver) || json_integer_value(ver) != SITE_DOC_VERSION)
		return cmd_fail(err, "bad_args", "version: must be %d",
		    SITE_DOC_VERSION);
	if (!json_is_object(site))
		return cmd_fail(err, "bad_args", "site: must be an object");
	if (site_fields_check(&c, site, site_fields, lists, "site") != 0 ||
	    site_import_list(&c, site, "zones", zone_fields) != 0 ||
	    site_import_list(&c, site, "contacts", contact_fields) != 0 ||
	    site_import_list(&c, site, "units", unit_fields) != 0 ||
	    site_import_list(&c, site, "accounts", account_fields) != 0)
		return -1;
	if (site_import_unique(&c, json_object_get(site, "zones"), "zones",
	    "number") != 0 || site_import_unique(&c, json_object_get(site,
	    "accounts"), "accounts", "account") != 0)
		return -1;
	return cmd_risk_import_check(ctx, json_object_get(site, "assessments"),
	    err);
}

/* --- import: writes ------------------------------------------------------------------ */

/* Write the zones, contacts and units of the document to site id. */
static int
site_import_parts(struct control_ctx *ctx, int64_t id, json_t *site)
{
	json_t	*o;
	size_t	 i;

	json_array_foreach(json_object_get(site, "zones"), i, o)
		if (store_site_zone_set(ctx->store, id, (int)json_integer_value(
		    json_object_get(o, "number")), o) != 0)
			return -1;
	json_array_foreach(json_object_get(site, "contacts"), i, o)
		if (store_site_contact_add(ctx->store, id, (int)i + 1, o) < 0)
			return -1;
	json_array_foreach(json_object_get(site, "units"), i, o)
		if (store_site_unit_add(ctx->store, id, o) < 0)
			return -1;
	return 0;
}

/* Refuse account a of the document when another site has it. */
static int
site_import_owner(struct control_ctx *ctx, const struct store_account *a,
    int64_t id, size_t i, struct cmd_err *err)
{
	json_t	*other;
	int	 rc;

	if (a->site_id == 0 || a->site_id == id)
		return 0;
	if ((other = store_site_get(ctx->store, SITE_BATCH, a->site_id)) == NULL)
		return -1;
	rc = cmd_fail(err, "bad_state", "site.accounts[%zu].account: %s belongs "
	    "to site %" PRId64 " (%s)", i, a->account, a->site_id,
	    json_string_value(json_object_get(other, "name")) != NULL ?
	    json_string_value(json_object_get(other, "name")) : "?");
	json_decref(other);
	return rc;
}

/* Create account i of the document on site id, or attach and update it. */
static int
site_import_account(struct control_ctx *ctx, const struct actor *who,
    int64_t id, size_t i, json_t *o, struct cmd_err *err)
{
	struct store_account	 a;
	const char		*acct = json_string_value(json_object_get(o, "account"));
	json_t			*name = json_object_get(o, "name");
	json_t			*sup = json_object_get(o, "supervision");
	int			 rc;

	if ((rc = store_site_account_get(ctx->store, acct, &a)) < 0)
		return -1;
	if (rc == 1) {
		memset(&a, 0, sizeof a);
		snprintf(a.account, sizeof a.account, "%s", acct);
		a.created_ms = clock_now_ms();
	} else if (site_import_owner(ctx, &a, id, i, err) != 0)
		return -1;
	if (name != NULL)
		snprintf(a.name, sizeof a.name, "%s", json_string_value(name));
	if (sup != NULL)
		a.supervision_s = (int)json_integer_value(sup);
	a.site_id = id;
	if ((rc == 1 ? store_account_add(ctx->store, &a) :
	    store_account_update(ctx->store, &a)) != 0)
		return -1;
	return site_audit(ctx, who, "site.import", "account", acct, json_pack(
	    "{s:I,s:b,s:i}", "site", (json_int_t)id, "created", rc == 1,
	    "supervision", a.supervision_s));
}

/* 1 if account acct is listed in the document's accounts. */
static int
site_import_lists(json_t *accounts, const char *acct)
{
	json_t	*o;
	size_t	 i;

	json_array_foreach(accounts, i, o)
		if (strcmp(json_string_value(json_object_get(o, "account")),
		    acct) == 0)
			return 1;
	return 0;
}

/* Detach the accounts of old (the replaced site's) the document leaves out. */
static int
site_import_detach(struct control_ctx *ctx, json_t *old, json_t *accounts,
    json_t *detached)
{
	struct store_account	 a;
	const char		*acct;
	json_t			*o;
	size_t			 i;

	json_array_foreach(old, i, o) {
		acct = json_string_value(json_object_get(o, "account"));
		if (site_import_lists(accounts, acct))
			continue;
		if (store_site_account_get(ctx->store, acct, &a) != 0)
			return -1;
		a.site_id = 0;
		if (store_account_update(ctx->store, &a) != 0)
			return -1;
		json_array_append_new(detached, json_string(acct));
	}
	return 0;
}

/* Create the site or empty the one being replaced; its id or -1. */
static int64_t
site_import_site(struct control_ctx *ctx, json_t *site, int replace,
    json_t **old_accounts, struct cmd_err *err)
{
	const char	*name = json_string_value(json_object_get(site, "name"));
	int64_t		 id = store_site_find(ctx->store, name);
	json_t		*old;

	*old_accounts = json_array();
	if (id < 0)
		return -1;
	if (id == 0)
		return store_site_add(ctx->store, site);
	if (!replace)
		return cmd_fail(err, "exists", "site.name: a site named %s exists "
		    "(use replace)", name);
	if ((old = store_site_get(ctx->store, SITE_BATCH, id)) == NULL)
		return -1;
	json_array_extend(*old_accounts, json_object_get(old, "accounts"));
	json_decref(old);
	return store_site_replace(ctx->store, id, site) == 0 ? id : -1;
}

/* The audit details of an import: what it brought, never keys. */
static json_t *
site_import_details(json_t *site, int replace, json_t *detached)
{
	json_t	*d, *accts = json_array(), *o;
	size_t	 i;

	json_array_foreach(json_object_get(site, "accounts"), i, o)
		json_array_append(accts, json_object_get(o, "account"));
	d = json_pack("{s:O,s:b,s:o,s:O}", "name", json_object_get(site, "name"),
	    "replace", replace, "accounts", accts, "detached", detached);
	json_object_set_new(d, "zones", json_integer((json_int_t)
	    json_array_size(json_object_get(site, "zones"))));
	json_object_set_new(d, "contacts", json_integer((json_int_t)
	    json_array_size(json_object_get(site, "contacts"))));
	json_object_set_new(d, "units", json_integer((json_int_t)
	    json_array_size(json_object_get(site, "units"))));
	return d;
}

/* Write the accounts of the document and detach those it leaves out. */
static int
site_import_accounts(struct control_ctx *ctx, const struct actor *who,
    int64_t id, json_t *site, json_t *old, json_t *detached,
    struct cmd_err *err)
{
	json_t	*accts = json_object_get(site, "accounts"), *o;
	size_t	 i;

	json_array_foreach(accts, i, o)
		if (site_import_account(ctx, who, id, i, o, err) != 0)
			return -1;
	return site_import_detach(ctx, old, accts, detached);
}

/* site.import: the whole document in one savepoint; any error undoes it all. */
static int
site_import_write(struct control_ctx *ctx, const struct actor *who,
    json_t *args, json_t **result, struct cmd_err *err)
{
	json_t	*doc = json_object_get(args, "document");
	json_t	*site = json_object_get(doc, "site");
	json_t	*old = NULL, *detached = json_array(), *warnings = NULL;
	int	 replace = json_is_true(json_object_get(args, "replace"));
	int64_t	 id;

	if (site_import_check(ctx, doc, err) != 0)
		goto fail;
	if ((id = site_import_site(ctx, site, replace, &old, err)) < 0)
		goto fail;
	if (site_import_parts(ctx, id, site) != 0 ||
	    site_contact_gaps(ctx, id, &warnings, err) != 0 ||
	    site_import_accounts(ctx, who, id, site, old, detached, err) != 0 ||
	    cmd_risk_import(ctx, who, id, json_object_get(site, "assessments"),
	    err) != 0 ||
	    site_audit_id(ctx, who, "site.import", id, site_import_details(site,
	    replace, detached)) != 0 || site_result(ctx, id, result) != 0)
		goto fail;
	json_object_set_new(*result, "detached", detached);
	site_warnings(*result, warnings);
	json_decref(old);
	return 0;
fail:
	json_decref(warnings);
	json_decref(old);
	json_decref(detached);
	return -1;
}

/* After site.import: the site's accounts and those detached take effect. */
static void
site_import_committed(struct control_ctx *ctx, json_t *result)
{
	site_sync_accounts(ctx, json_object_get(result, "accounts"));
	site_sync_accounts(ctx, json_object_get(result, "detached"));
	log_info("control: site %" JSON_INTEGER_FORMAT " imported",
	    json_integer_value(json_object_get(result, "id")));
}

/* --- the table -------------------------------------------------------------------- */

#define SITE_ID_ARG(n)	{ n, CMD_ARG_INT, 1, 1, INT64_MAX }
#define SITE_FIELD_ARGS(req) \
	{ "name", CMD_ARG_STRING, req, 1, SITE_NAME_MAX }, \
	{ "address", CMD_ARG_STRING, 0, 0, SITE_ADDRESS_MAX }, \
	{ "timezone", CMD_ARG_STRING, 0, 1, SITE_TZ_MAX }, \
	{ "notes", CMD_ARG_STRING, 0, 0, SITE_NOTES_MAX }, \
	{ "instructions", CMD_ARG_STRING, 0, 0, SITE_INSTR_MAX }, \
	{ "code_word", CMD_ARG_STRING, 0, 0, SITE_CODE_MAX }, \
	{ "priority_boost", CMD_ARG_INT, 0, 0, SITE_BOOST_MAX }
#define CONTACT_FIELD_ARGS(req) \
	{ "name", CMD_ARG_STRING, req, 1, CONTACT_NAME_MAX }, \
	{ "phone", CMD_ARG_STRING, 0, 0, CONTACT_PHONE_MAX }, \
	{ "role", CMD_ARG_STRING, 0, 0, CONTACT_ROLE_MAX }, \
	{ "keyholder", CMD_ARG_BOOL, 0, 0, 0 }, \
	{ "position", CMD_ARG_INT, 0, 1, CONTACT_POS_MAX }
#define UNIT_FIELD_ARGS(req) \
	{ "kind", CMD_ARG_STRING, req, 1, UNIT_KIND_MAX }, \
	{ "name", CMD_ARG_STRING, req, 1, UNIT_NAME_MAX }, \
	{ "phone", CMD_ARG_STRING, 0, 0, CONTACT_PHONE_MAX }, \
	{ "response_time", CMD_ARG_INT, 0, 0, UNIT_RESPONSE_MAX }

static const struct cmd_entry site_add_entry = {
	.name = "site.add",
	.args = { SITE_FIELD_ARGS(1), { NULL } },
	.write = site_add_write,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry site_update_entry = {
	.name = "site.update",
	.args = { SITE_ID_ARG("id"), SITE_FIELD_ARGS(0), { NULL } },
	.write = site_update_write,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry site_remove_entry = {
	.name = "site.remove",
	.args = { SITE_ID_ARG("id"), { "force", CMD_ARG_BOOL, 0, 0, 0 },
	    { NULL } },
	.write = site_remove_write,
	.committed = site_remove_committed,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry site_show_entry = {
	.name = "site.show",
	.args = { SITE_ID_ARG("id"), { NULL } },
	.exec = cmd_site_show_exec,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry site_list_entry = {
	.name = "site.list",
	.args = { { NULL } },
	.exec = cmd_site_list_exec,
	.role = ROLE_OPERATOR,
};

static const struct cmd_entry site_zone_set_entry = {
	.name = "site.zone.set",
	.args = { SITE_ID_ARG("site"),
	    { "number", CMD_ARG_INT, 1, 0, ZONE_NUMBER_MAX },
	    { "name", CMD_ARG_STRING, 0, 0, ZONE_NAME_MAX },
	    { "location", CMD_ARG_STRING, 0, 0, ZONE_LOCATION_MAX },
	    { "type", CMD_ARG_STRING, 0, 0, ZONE_TYPE_MAX }, { NULL } },
	.write = site_zone_set_write,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry site_zone_remove_entry = {
	.name = "site.zone.remove",
	.args = { SITE_ID_ARG("site"),
	    { "number", CMD_ARG_INT, 1, 0, ZONE_NUMBER_MAX }, { NULL } },
	.write = site_zone_remove_write,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry site_contact_add_entry = {
	.name = "site.contact.add",
	.args = { SITE_ID_ARG("site"), CONTACT_FIELD_ARGS(1), { NULL } },
	.write = site_contact_add_write,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry site_contact_update_entry = {
	.name = "site.contact.update",
	.args = { SITE_ID_ARG("id"), CONTACT_FIELD_ARGS(0), { NULL } },
	.write = site_contact_update_write,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry site_contact_remove_entry = {
	.name = "site.contact.remove",
	.args = { SITE_ID_ARG("id"), { NULL } },
	.write = site_contact_remove_write,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry site_unit_add_entry = {
	.name = "site.unit.add",
	.args = { SITE_ID_ARG("site"), UNIT_FIELD_ARGS(1), { NULL } },
	.write = site_unit_add_write,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry site_unit_update_entry = {
	.name = "site.unit.update",
	.args = { SITE_ID_ARG("id"), UNIT_FIELD_ARGS(0), { NULL } },
	.write = site_unit_update_write,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry site_unit_remove_entry = {
	.name = "site.unit.remove",
	.args = { SITE_ID_ARG("id"), { NULL } },
	.write = site_unit_remove_write,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry site_export_entry = {
	.name = "site.export",
	.args = { SITE_ID_ARG("id"), { NULL } },
	.exec = cmd_site_export_exec,
	.role = ROLE_SUPERVISOR,
};

static const struct cmd_entry site_import_entry = {
	.name = "site.import",
	.args = { { "document", CMD_ARG_OBJECT, 1, 0, 0 },
	    { "replace", CMD_ARG_BOOL, 0, 0, 0 }, { NULL } },
	.write = site_import_write,
	.committed = site_import_committed,
	.role = ROLE_SUPERVISOR,
};

const struct cmd_entry *const cmd_site_table[] = {
	&site_add_entry,
	&site_update_entry,
	&site_remove_entry,
	&site_show_entry,
	&site_list_entry,
	&site_zone_set_entry,
	&site_zone_remove_entry,
	&site_contact_add_entry,
	&site_contact_update_entry,
	&site_contact_remove_entry,
	&site_unit_add_entry,
	&site_unit_update_entry,
	&site_unit_remove_entry,
	&site_export_entry,
	&site_import_entry,
	NULL
};
