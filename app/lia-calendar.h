/* lia-calendar.h: working days in England and Wales.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LIA_CALENDAR_ERROR (lia_calendar_error_quark ())

typedef enum
{
  LIA_CALENDAR_ERROR_INVALID_DATA,  /* bank holiday data malformed, oversized or implausible */
  LIA_CALENDAR_ERROR_INVALID_DATE,  /* not a date in YYYY-MM-DD form */
  LIA_CALENDAR_ERROR_OUT_OF_RANGE,  /* a date beyond the years the calendar covers */
  LIA_CALENDAR_ERROR_NETWORK,       /* a refresh could not get an answer, or got an error */
} LiaCalendarError;

GQuark lia_calendar_error_quark (void);

/* Dates are ISO 8601 calendar dates, YYYY-MM-DD, nothing else. */
gboolean  lia_date_parse (const char *text,
                          GDate      *out,
                          GError    **error);
char     *lia_date_format (const GDate *date);
/* The same into @out, which has room for LIA_DATE_TEXT_SIZE bytes. */
#define LIA_DATE_TEXT_SIZE 12
void      lia_date_format_to (const GDate *date,
                              char        *out);
/* Today's date, local time. */
void      lia_date_set_today (GDate *out);
/* Calendar months; a day that the target month lacks becomes its last day
 * (31 January + 1 month = 28 or 29 February). */
void      lia_date_add_months (GDate *date,
                               int    months);

typedef struct
{
  GDate date;
  char *title;   /* owned */
  char *notes;   /* owned; "" or, for example, "Substitute day" */
} LiaHoliday;

#define LIA_TYPE_CALENDAR (lia_calendar_get_type ())
G_DECLARE_FINAL_TYPE (LiaCalendar, lia_calendar, LIA, CALENDAR, GObject)

/* The calendar built into Liaison (data/bank-holidays.json). */
LiaCalendar *lia_calendar_new_default (void);
/* From data in the format of GOV.UK's bank-holidays JSON (its
 * "england-and-wales" division); refused unless well formed, at most
 * LIA_CALENDAR_MAX_BYTES, and plausible. */
#define LIA_CALENDAR_MAX_BYTES (1024 * 1024)
LiaCalendar *lia_calendar_new_from_json (GBytes  *json,
                                         GError **error);

/* The calendar in use: the built-in data, with the years that the last
 * good refresh (kept in @cache_dir, or $XDG_CACHE_HOME/liaison when NULL)
 * covers taken from it instead. */
LiaCalendar *lia_calendar_new_current (const char *cache_dir);
/* The same calendar in use (of $XDG_CACHE_HOME/liaison), kept for the life
 * of the process and loaded again only when a refresh, in this process or
 * another, has changed it. A new reference. Thread-safe. */
LiaCalendar *lia_calendar_ref_current (void);

/* A digest (hex) of everything that working-day arithmetic depends on: the
 * years covered and which of their days are working days. Two calendars
 * with the same digest count every date alike. */
const char  *lia_calendar_get_digest (LiaCalendar *self);

#define LIA_CALENDAR_DEFAULT_URL "https://www.gov.uk/bank-holidays.json"

typedef enum
{
  LIA_CALENDAR_REFRESH_UPDATED,
  LIA_CALENDAR_REFRESH_NOT_MODIFIED,
} LiaCalendarRefreshResult;

/* Fetches bank holiday data from @url (GOV.UK's by default), sending the
 * ETag and Last-Modified of the last good refresh, and keeps them in
 * @cache_dir (as lia_calendar_new_current()) only if they are good: served
 * as JSON, at most LIA_CALENDAR_MAX_BYTES, valid, and covering this year.
 * Anything else is an error and leaves the calendar in use as it was. */
gboolean     lia_calendar_refresh (const char               *url,
                                   const char               *cache_dir,
                                   guint                     timeout_seconds,
                                   LiaCalendarRefreshResult *out_result,
                                   GCancellable             *cancellable,
                                   GError                  **error);

/* The years the data cover, first and last. */
int          lia_calendar_get_first_year (LiaCalendar *self);
int          lia_calendar_get_last_year (LiaCalendar *self);

/* The bank holiday on @date, or NULL. */
const LiaHoliday *lia_calendar_get_holiday (LiaCalendar *self,
                                            const GDate *date);
/* Monday to Friday and not a bank holiday. FALSE, with an error, for a
 * date outside the years covered. */
gboolean     lia_calendar_is_working_day (LiaCalendar *self,
                                          const GDate *date,
                                          gboolean    *out_working,
                                          GError     **error);
/* The @n-th working day after @from (@from itself not counted), or with a
 * negative @n the -@n-th before it: "within N working days of X" and "no
 * later than N working days before Y". */
gboolean     lia_calendar_add_working_days (LiaCalendar *self,
                                            const GDate *from,
                                            int          n,
                                            GDate       *out,
                                            GError     **error);
/* The bank holidays of @year, in date order (borrowed pointers). */
GPtrArray   *lia_calendar_get_holidays (LiaCalendar *self,
                                        int          year);

G_END_DECLS
