/* lia-calendar-private.h: what the calendar shares with its refresh.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-calendar.h"

G_BEGIN_DECLS

/* In the cache directory: the data of the last good refresh, as fetched,
 * and its HTTP validators (JSON: url, etag, last_modified). */
#define LIA_CALENDAR_CACHE_DATA "bank-holidays.json"
#define LIA_CALENDAR_CACHE_META "bank-holidays-meta.json"

/* @name in @cache_dir, or in $XDG_CACHE_HOME/liaison when NULL. */
char *lia_calendar_cache_path (const char *cache_dir,
                               const char *name);

G_END_DECLS
