/* lia-calendar.c: working days in England and Wales.
 *
 * Working days are Monday to Friday, bank holidays excepted. The bank
 * holidays come from data in the format that GOV.UK publishes (its
 * "england-and-wales" division); the copy built into Liaison covers 2018 to
 * 2027. A date outside the years the data cover is an error, never a guess:
 * one-off bank holidays (a coronation, a state funeral) cannot be foreseen.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "lia-calendar-private.h"
#include "lia-resources.h"

G_DEFINE_QUARK (lia-calendar-error-quark, lia_calendar_error)

/* Plausibility limits for bank holiday data. England and Wales have eight
 * a year, with the odd extra one; a year with fewer than five (or more than
 * fifteen) is not a year of real data. */
#define MIN_PER_YEAR   5
#define MAX_PER_YEAR   15
#define MAX_EVENTS     2000
#define MAX_TITLE      200
#define FIRST_SANE     1970
#define LAST_SANE      2200
#define DIVISION       "england-and-wales"
#define RESOURCE       "/uk/liaison/Liaison/bank-holidays.json"

struct _LiaCalendar
{
  GObject     parent_instance;

  GHashTable *by_day;     /* julian day -> LiaHoliday (borrowed from @holidays) */
  GPtrArray  *holidays;   /* owned LiaHoliday, in date order */
  GHashTable *years;      /* the years covered: year -> number of holidays */
  int         first_year;
  int         last_year;
  /* For counting: one byte per day from 1 January of first_year to
   * 31 December of last_year, indexed by julian day - first_julian. */
  guint8     *days;
  guint32     first_julian;
  guint32     n_days;
  char       *digest;     /* of first_year, last_year and @days (lia_calendar_get_digest) */
};

enum
{
  DAY_NOT_COVERED,  /* a year between first and last without data */
  DAY_WORKING,
  DAY_OFF,
};

G_DEFINE_FINAL_TYPE (LiaCalendar, lia_calendar, G_TYPE_OBJECT)

/* ---- dates --------------------------------------------------------------- */

gboolean
lia_date_parse (const char *text,
                GDate      *out,
                GError    **error)
{
  int year, month, day;

  g_return_val_if_fail (out != NULL, FALSE);

  if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    goto invalid;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
      goto invalid;
  year = atoi (text);
  month = atoi (text + 5);
  day = atoi (text + 8);
  if (year < 1 || !g_date_valid_dmy (day, month, year))
    goto invalid;
  g_date_clear (out, 1);
  g_date_set_dmy (out, day, month, year);
  return TRUE;

invalid:
  g_set_error (error, LIA_CALENDAR_ERROR, LIA_CALENDAR_ERROR_INVALID_DATE,
               "“%s” is not a date; dates are written YYYY-MM-DD, for example 2026-03-31",
               text != NULL ? text : "");
  return FALSE;
}

void
lia_date_set_today (GDate *out)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();

  g_date_clear (out, 1);
  g_date_set_dmy (out, g_date_time_get_day_of_month (now), g_date_time_get_month (now),
                  g_date_time_get_year (now));
}

char *
lia_date_format (const GDate *date)
{
  char text[LIA_DATE_TEXT_SIZE];

  g_return_val_if_fail (date != NULL && g_date_valid (date), NULL);
  lia_date_format_to (date, text);
  return g_strdup (text);
}

void
lia_date_format_to (const GDate *date,
                    char        *out)
{
  guint year, month, day;

  g_return_if_fail (date != NULL && g_date_valid (date));
  year = g_date_get_year (date);
  month = g_date_get_month (date);
  day = g_date_get_day (date);
  /* By hand: this is called for every date of `deadlines --json`, and
   * printf's parsing of its format is most of the work otherwise. */
  if (year > 9999)
    {
      g_snprintf (out, LIA_DATE_TEXT_SIZE, "%u-%02u-%02u", year, month, day);
      return;
    }
  out[0] = '0' + year / 1000;
  out[1] = '0' + year / 100 % 10;
  out[2] = '0' + year / 10 % 10;
  out[3] = '0' + year % 10;
  out[4] = '-';
  out[5] = '0' + month / 10;
  out[6] = '0' + month % 10;
  out[7] = '-';
  out[8] = '0' + day / 10;
  out[9] = '0' + day % 10;
  out[10] = '\0';
}

void
lia_date_add_months (GDate *date,
                     int    months)
{
  g_return_if_fail (date != NULL && g_date_valid (date));

  /* GLib clamps to the end of a shorter month, which is the rule. */
  if (months >= 0)
    g_date_add_months (date, (guint) months);
  else
    g_date_subtract_months (date, (guint) -months);
}

/* ---- the calendar -------------------------------------------------------- */

static void
holiday_free (LiaHoliday *holiday)
{
  g_free (holiday->title);
  g_free (holiday->notes);
  g_free (holiday);
}

static void
lia_calendar_finalize (GObject *object)
{
  LiaCalendar *self = LIA_CALENDAR (object);

  g_clear_pointer (&self->by_day, g_hash_table_unref);
  g_clear_pointer (&self->holidays, g_ptr_array_unref);
  g_clear_pointer (&self->years, g_hash_table_unref);
  g_clear_pointer (&self->days, g_free);
  g_clear_pointer (&self->digest, g_free);
  G_OBJECT_CLASS (lia_calendar_parent_class)->finalize (object);
}

static void
lia_calendar_class_init (LiaCalendarClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lia_calendar_finalize;
}

static void
lia_calendar_init (LiaCalendar *self)
{
  self->by_day = g_hash_table_new (NULL, NULL);
  self->holidays = g_ptr_array_new_with_free_func ((GDestroyNotify) holiday_free);
  self->years = g_hash_table_new (NULL, NULL);
}

static void
add_holiday (LiaCalendar *self, LiaHoliday *holiday)
{
  gpointer year = GINT_TO_POINTER ((int) g_date_get_year (&holiday->date));

  g_ptr_array_add (self->holidays, holiday);
  g_hash_table_insert (self->by_day, GUINT_TO_POINTER (g_date_get_julian (&holiday->date)),
                       holiday);
  g_hash_table_insert (self->years, year,
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->years,
                                                                                 year)) + 1));
}

static int compare_holidays (gconstpointer a, gconstpointer b);

/* The day table that lia_calendar_add_working_days() counts with: a lookup
 * in an array instead of date arithmetic and two hash tables per day. */
static void
build_day_table (LiaCalendar *self)
{
  GDate first, last;

  g_date_clear (&first, 1);
  g_date_clear (&last, 1);
  g_date_set_dmy (&first, 1, G_DATE_JANUARY, self->first_year);
  g_date_set_dmy (&last, 31, G_DATE_DECEMBER, self->last_year);
  self->first_julian = g_date_get_julian (&first);
  self->n_days = g_date_get_julian (&last) - self->first_julian + 1;
  g_free (self->days);
  self->days = g_malloc (self->n_days);
  for (guint32 i = 0; i < self->n_days; i++)
    {
      GDate day;
      gboolean covered;

      g_date_clear (&day, 1);
      g_date_set_julian (&day, self->first_julian + i);
      covered = g_hash_table_contains (self->years, GINT_TO_POINTER ((int) g_date_get_year (&day)));
      if (!covered)
        self->days[i] = DAY_NOT_COVERED;
      else if (g_date_get_weekday (&day) >= G_DATE_SATURDAY
               || g_hash_table_contains (self->by_day, GUINT_TO_POINTER (self->first_julian + i)))
        self->days[i] = DAY_OFF;
      else
        self->days[i] = DAY_WORKING;
    }

  /* Made here, not when first asked, so that a calendar shared between
   * threads (lia_calendar_ref_current) is never written to. */
  {
    g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
    guint32 years[2] = { GUINT32_TO_LE ((guint32) self->first_year),
                         GUINT32_TO_LE ((guint32) self->last_year) };

    g_checksum_update (checksum, (const guchar *) years, sizeof years);
    g_checksum_update (checksum, self->days, self->n_days);
    g_free (self->digest);
    self->digest = g_strdup (g_checksum_get_string (checksum));
  }
}

/* Sorts the holidays and notes the first and last year. */
static void
finish_loading (LiaCalendar *self)
{
  g_ptr_array_sort (self->holidays, compare_holidays);
  self->first_year = g_date_get_year (&((LiaHoliday *) self->holidays->pdata[0])->date);
  self->last_year = g_date_get_year (
    &((LiaHoliday *) self->holidays->pdata[self->holidays->len - 1])->date);
  build_day_table (self);
}

static gboolean
invalid_data (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid_data (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *detail = NULL;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LIA_CALENDAR_ERROR, LIA_CALENDAR_ERROR_INVALID_DATA,
               "The bank holiday data are not usable: %s", detail);
  return FALSE;
}

static const char *
member_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static int
compare_holidays (gconstpointer a, gconstpointer b)
{
  const LiaHoliday *x = *(LiaHoliday *const *) a;
  const LiaHoliday *y = *(LiaHoliday *const *) b;

  return g_date_compare (&x->date, &y->date);
}

static gboolean
load_events (LiaCalendar *self,
             JsonArray   *events,
             GError     **error)
{
  guint n = json_array_get_length (events);

  if (n == 0 || n > MAX_EVENTS)
    return invalid_data (error, "%u events (expected between 1 and %d)", n, MAX_EVENTS);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (events, i);
      JsonObject *event;
      const char *title, *date, *notes;
      LiaHoliday *holiday;
      guint julian;
      int year;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return invalid_data (error, "event %u is not an object", i + 1);
      event = json_node_get_object (node);
      title = member_string (event, "title");
      date = member_string (event, "date");
      notes = member_string (event, "notes");
      if (title == NULL || *title == '\0' || strlen (title) > MAX_TITLE
          || !g_utf8_validate (title, -1, NULL))
        return invalid_data (error, "event %u has no usable title", i + 1);
      if (notes != NULL && (strlen (notes) > MAX_TITLE || !g_utf8_validate (notes, -1, NULL)))
        return invalid_data (error, "event %u has unusable notes", i + 1);

      holiday = g_new0 (LiaHoliday, 1);
      holiday->title = g_strdup (title);
      holiday->notes = g_strdup (notes != NULL ? notes : "");
      if (!lia_date_parse (date, &holiday->date, NULL))
        {
          holiday_free (holiday);
          return invalid_data (error, "event %u (%s) has no valid date", i + 1, title);
        }
      year = g_date_get_year (&holiday->date);
      julian = g_date_get_julian (&holiday->date);
      if (year < FIRST_SANE || year > LAST_SANE
          || g_date_get_weekday (&holiday->date) >= G_DATE_SATURDAY
          || g_hash_table_contains (self->by_day, GUINT_TO_POINTER (julian)))
        {
          gboolean weekend = g_date_get_weekday (&holiday->date) >= G_DATE_SATURDAY;
          gboolean twice = g_hash_table_contains (self->by_day, GUINT_TO_POINTER (julian));

          holiday_free (holiday);
          if (twice)
            return invalid_data (error, "%s appears twice", date);
          if (weekend)
            return invalid_data (error, "%s falls on a weekend (%s); bank holidays never do",
                                 title, date);
          return invalid_data (error, "%s is dated %s", title, date);
        }
      add_holiday (self, holiday);
    }

  finish_loading (self);
  for (int year = self->first_year; year <= self->last_year; year++)
    {
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->years, GINT_TO_POINTER (year)));

      if (count < MIN_PER_YEAR || count > MAX_PER_YEAR)
        return invalid_data (error, "%d has %u bank holidays (expected %d to %d)", year, count,
                             MIN_PER_YEAR, MAX_PER_YEAR);
    }
  return TRUE;
}

LiaCalendar *
lia_calendar_new_from_json (GBytes  *json,
                            GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (LiaCalendar) self = NULL;
  g_autoptr (GError) local_error = NULL;
  JsonNode *root, *division;
  JsonObject *object;
  JsonNode *events;
  gsize len;
  const char *data = g_bytes_get_data (json, &len);

  g_return_val_if_fail (json != NULL, NULL);

  if (len == 0 || data == NULL)
    {
      invalid_data (error, "empty");
      return NULL;
    }
  if (len > LIA_CALENDAR_MAX_BYTES)
    {
      invalid_data (error, "%" G_GSIZE_FORMAT " bytes, more than the %d accepted", len,
                    LIA_CALENDAR_MAX_BYTES);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      invalid_data (error, "not JSON (%s)", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      invalid_data (error, "not a JSON object");
      return NULL;
    }
  division = json_object_get_member (json_node_get_object (root), DIVISION);
  if (division == NULL || !JSON_NODE_HOLDS_OBJECT (division))
    {
      invalid_data (error, "no “%s” division", DIVISION);
      return NULL;
    }
  object = json_node_get_object (division);
  events = json_object_get_member (object, "events");
  if (events == NULL || !JSON_NODE_HOLDS_ARRAY (events))
    {
      invalid_data (error, "the “%s” division has no list of events", DIVISION);
      return NULL;
    }

  self = g_object_new (LIA_TYPE_CALENDAR, NULL);
  if (!load_events (self, json_node_get_array (events), error))
    return NULL;
  return g_steal_pointer (&self);
}

LiaCalendar *
lia_calendar_new_default (void)
{
  g_autoptr (GError) error = NULL;
  /* Asked of our own resource, not the global table, which also keeps the
   * resource from being dropped when the static library is linked. */
  g_autoptr (GBytes) json = g_resource_lookup_data (lia_get_resource (), RESOURCE,
                                                    G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  LiaCalendar *calendar = json != NULL ? lia_calendar_new_from_json (json, &error) : NULL;

  /* The built-in data are part of the program; a test covers them. */
  if (calendar == NULL)
    g_error ("The built-in bank holiday calendar is broken: %s", error->message);
  return calendar;
}

static LiaHoliday *
holiday_copy (const LiaHoliday *holiday)
{
  LiaHoliday *copy = g_new0 (LiaHoliday, 1);

  copy->date = holiday->date;
  copy->title = g_strdup (holiday->title);
  copy->notes = g_strdup (holiday->notes);
  return copy;
}

/* @base's holidays for the years that @overlay does not cover, and all of
 * @overlay's. */
static LiaCalendar *
merge (LiaCalendar *base, LiaCalendar *overlay)
{
  LiaCalendar *self = g_object_new (LIA_TYPE_CALENDAR, NULL);

  for (guint i = 0; i < base->holidays->len; i++)
    {
      LiaHoliday *holiday = base->holidays->pdata[i];

      if (!g_hash_table_contains (overlay->years,
                                  GINT_TO_POINTER ((int) g_date_get_year (&holiday->date))))
        add_holiday (self, holiday_copy (holiday));
    }
  for (guint i = 0; i < overlay->holidays->len; i++)
    add_holiday (self, holiday_copy (overlay->holidays->pdata[i]));
  finish_loading (self);
  return self;
}

char *
lia_calendar_cache_path (const char *cache_dir, const char *name)
{
  if (cache_dir != NULL)
    return g_build_filename (cache_dir, name, NULL);
  return g_build_filename (g_get_user_cache_dir (), "liaison", name, NULL);
}

LiaCalendar *
lia_calendar_new_current (const char *cache_dir)
{
  g_autoptr (LiaCalendar) base = lia_calendar_new_default ();
  g_autofree char *path = lia_calendar_cache_path (cache_dir, LIA_CALENDAR_CACHE_DATA);
  g_autofree char *contents = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (LiaCalendar) refreshed = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return g_steal_pointer (&base);
  bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  refreshed = lia_calendar_new_from_json (bytes, &error);
  if (refreshed == NULL)
    {
      /* Only ever written after the same checks; if it is damaged since,
       * the built-in data still serve. */
      g_message ("Ignoring the refreshed bank holiday calendar %s: %s", path, error->message);
      return g_steal_pointer (&base);
    }
  return merge (base, refreshed);
}

/* The calendar in use, kept between calls: the file that a refresh writes
 * is looked at (with stat) on every call, and the calendar loaded again
 * only when it has changed, or when the cache directory is another one
 * (tests give each test its own). */
static GMutex current_lock;
static LiaCalendar *current;
static char *current_path;
static GStatBuf current_stat;
static gboolean current_exists;

static gboolean
same_file (gboolean exists, const GStatBuf *a, const GStatBuf *b)
{
  if (!exists)
    return TRUE;
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size
         && a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec
         && a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

LiaCalendar *
lia_calendar_ref_current (void)
{
  g_autofree char *path = lia_calendar_cache_path (NULL, LIA_CALENDAR_CACHE_DATA);
  GStatBuf st = { 0, };
  gboolean exists;
  LiaCalendar *calendar;

  g_mutex_lock (&current_lock);
  exists = g_stat (path, &st) == 0;

  if (current == NULL || g_strcmp0 (path, current_path) != 0 || exists != current_exists
      || !same_file (exists, &st, &current_stat))
    {
      /* Looked at before it is read: a refresh in between makes the next
       * call load it again, never keeps old data under the new file's
       * identity. */
      g_clear_object (&current);
      current = lia_calendar_new_current (NULL);
      g_free (current_path);
      current_path = g_steal_pointer (&path);
      current_stat = st;
      current_exists = exists;
    }
  calendar = g_object_ref (current);
  g_mutex_unlock (&current_lock);
  return calendar;
}

const char *
lia_calendar_get_digest (LiaCalendar *self)
{
  g_return_val_if_fail (LIA_IS_CALENDAR (self), NULL);
  return self->digest;
}

int
lia_calendar_get_first_year (LiaCalendar *self)
{
  g_return_val_if_fail (LIA_IS_CALENDAR (self), 0);
  return self->first_year;
}

int
lia_calendar_get_last_year (LiaCalendar *self)
{
  g_return_val_if_fail (LIA_IS_CALENDAR (self), 0);
  return self->last_year;
}

const LiaHoliday *
lia_calendar_get_holiday (LiaCalendar *self,
                          const GDate *date)
{
  g_return_val_if_fail (LIA_IS_CALENDAR (self), NULL);
  g_return_val_if_fail (date != NULL && g_date_valid (date), NULL);
  return g_hash_table_lookup (self->by_day, GUINT_TO_POINTER (g_date_get_julian (date)));
}

static gboolean
check_covered (LiaCalendar *self,
               const GDate *date,
               GError     **error)
{
  int year = g_date_get_year (date);

  if (!g_hash_table_contains (self->years, GINT_TO_POINTER (year)))
    {
      g_autofree char *text = lia_date_format (date);

      g_set_error (error, LIA_CALENDAR_ERROR, LIA_CALENDAR_ERROR_OUT_OF_RANGE,
                   "The bank holiday calendar covers %d to %d, and %s is outside it: "
                   "working days in %d cannot be counted until Liaison has that year's bank "
                   "holidays",
                   self->first_year, self->last_year, text, year);
      return FALSE;
    }
  return TRUE;
}

gboolean
lia_calendar_is_working_day (LiaCalendar *self,
                             const GDate *date,
                             gboolean    *out_working,
                             GError     **error)
{
  g_return_val_if_fail (LIA_IS_CALENDAR (self), FALSE);
  g_return_val_if_fail (date != NULL && g_date_valid (date), FALSE);

  if (!check_covered (self, date, error))
    return FALSE;
  *out_working = g_date_get_weekday (date) < G_DATE_SATURDAY
                 && lia_calendar_get_holiday (self, date) == NULL;
  return TRUE;
}

gboolean
lia_calendar_add_working_days (LiaCalendar *self,
                               const GDate *from,
                               int          n,
                               GDate       *out,
                               GError     **error)
{
  int remaining = ABS (n);
  int step = n > 0 ? 1 : -1;
  gint64 index;

  g_return_val_if_fail (LIA_IS_CALENDAR (self), FALSE);
  g_return_val_if_fail (from != NULL && g_date_valid (from), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  /* @from itself is never counted: step first, then ask. */
  index = (gint64) g_date_get_julian (from) - self->first_julian;
  while (remaining > 0)
    {
      index += step;
      if (index < 0 || index >= self->n_days || self->days[index] == DAY_NOT_COVERED)
        {
          GDate day;
          gboolean working;

          /* Outside the data: the error that names the year. */
          g_date_clear (&day, 1);
          g_date_set_julian (&day, (guint32) (self->first_julian + index));
          if (!lia_calendar_is_working_day (self, &day, &working, error))
            return FALSE;
          g_assert_not_reached ();
        }
      if (self->days[index] == DAY_WORKING)
        remaining--;
    }
  g_date_clear (out, 1);
  g_date_set_julian (out, (guint32) (self->first_julian + index));
  return TRUE;
}

GPtrArray *
lia_calendar_get_holidays (LiaCalendar *self,
                           int          year)
{
  GPtrArray *result = g_ptr_array_new ();

  g_return_val_if_fail (LIA_IS_CALENDAR (self), result);
  for (guint i = 0; i < self->holidays->len; i++)
    {
      LiaHoliday *holiday = self->holidays->pdata[i];

      if (g_date_get_year (&holiday->date) == year)
        g_ptr_array_add (result, holiday);
    }
  return result;
}
