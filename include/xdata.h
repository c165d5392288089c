/* xdata.h - DC-09 extended data fields ("[V...][X...]") as what an operator needs (pure). */
#ifndef PCOD_XDATA_H
#define PCOD_XDATA_H

#include <stddef.h>

#include <jansson.h>

#include "text.h"

/*
 * The fields of xdata[0..n) as a new JSON object, NULL when there are none:
 * "verification" (the V fields, a list of URLs or references), "location"
 * {"longitude" (X), "latitude" (Y), "altitude" (Z)}, "room" (R), "user_name"
 * (I), "site_name" (S), "mac" (M), "panel_time" (H), and "other" {letter:
 * value} for the rest; a key change (K) is never copied.  Values are UTF-8
 * (bytes that are not are read in cs).
 */
json_t	*xdata_json(const char *xdata, size_t n, enum text_charset cs);

#endif
