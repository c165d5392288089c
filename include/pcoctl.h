/* pcoctl.h - pcoctl's display of results for people (pcoctl_show.c). */
#ifndef PCOD_PCOCTL_H
#define PCOD_PCOCTL_H

#include <stddef.h>

#include <jansson.h>

/* Show a command's result on stdout, one function per result shape. */
void	pcoctl_show_object(json_t *result);
void	pcoctl_show_accounts(json_t *result);
void	pcoctl_show_events(json_t *result);
void	pcoctl_show_alarms(json_t *result);
void	pcoctl_show_sites(json_t *result);
void	pcoctl_show_protocols(json_t *result);
void	pcoctl_show_audit(json_t *result);
void	pcoctl_show_verify(json_t *result);
void	pcoctl_show_supervision(json_t *result);
void	pcoctl_show_stats(json_t *result);
void	pcoctl_show_document(json_t *result);
void	pcoctl_show_removed(json_t *result);
void	pcoctl_show_any(json_t *result);
/* site risk, site assess, risk report (issue 10). */
void	pcoctl_show_risk(json_t *result);
void	pcoctl_show_assessment(json_t *result);
void	pcoctl_show_risk_report(json_t *result);

/* One alarm notification as a line: "TOPIC key=value...\n". */
void	pcoctl_show_alarm_line(const char *topic, json_t *alarm);

/* Copy s into buf for a terminal: control characters become '?'. */
void	pcoctl_text_sanitize(const char *s, char *buf, size_t bufsz);

/* rows as a table: spec is head, key, head, key, ..., NULL (pcoctl_show.c). */
void	pcoctl_show_table(json_t *rows, const char *const *spec);
/* A value as a table cell shows it ("-" for none). */
void	pcoctl_show_value(json_t *v, char *buf, size_t bufsz);

/* Guard patrols (pcoctl_patrol.c): guard list, patrol status/report/checkins. */
void	pcoctl_show_guards(json_t *result);
void	pcoctl_show_patrol_status(json_t *result);
void	pcoctl_show_patrol_report(json_t *result);
void	pcoctl_show_patrol_checkins(json_t *result);
/* patrol report --csv: the report as CSV, a row per checkpoint of a round. */
void	pcoctl_show_patrol_csv(json_t *result);

#endif
