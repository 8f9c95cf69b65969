/* test-calendar.c: working days in England and Wales, ISO dates, calendar
 * months, and the bank holiday data's validation.
 *
 * The expected dates are worked by hand from the bank holidays and the
 * rules of DESIGN.md ("Calendar and statutory timescales").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "lia-calendar-private.h"
#include "lia-test-util.h"

static GDate
date_of (const char *text)
{
  GDate date;
  g_autoptr (GError) error = NULL;

  g_assert_true (lia_date_parse (text, &date, &error));
  g_assert_no_error (error);
  return date;
}

static void
assert_working_days (LiaCalendar *calendar, const char *from, int n, const char *expected)
{
  GDate start = date_of (from), result;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (lia_calendar_add_working_days (calendar, &start, n, &result, &error));
  g_assert_no_error (error);
  text = lia_date_format (&result);
  g_test_message ("%s %+d working days = %s", from, n, text);
  g_assert_cmpstr (text, ==, expected);
}

static gboolean
is_working (LiaCalendar *calendar, const char *day)
{
  GDate date = date_of (day);
  gboolean working = TRUE;
  g_autoptr (GError) error = NULL;

  g_assert_true (lia_calendar_is_working_day (calendar, &date, &working, &error));
  g_assert_no_error (error);
  return working;
}

static void
test_dates (void)
{
  const char *const bad[] = { "", "2026-2-3", "2026-02-30", "20260203", "2026-13-01",
                              " 2026-01-01", "2026-01-01 ", "2026/01/01", "0000-01-01",
                              "2025-02-29", "26-01-01", "2026-01-0a" };
  GDate date;
  g_autofree char *leap = NULL;

  date = date_of ("2024-02-29");
  leap = lia_date_format (&date);
  g_assert_cmpstr (leap, ==, "2024-02-29");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (lia_date_parse (bad[i], &date, &error));
      g_assert_error (error, LIA_CALENDAR_ERROR, LIA_CALENDAR_ERROR_INVALID_DATE);
    }
}

static void
assert_months (const char *from, int n, const char *expected)
{
  GDate date = date_of (from);
  g_autofree char *text = NULL;

  lia_date_add_months (&date, n);
  text = lia_date_format (&date);
  g_assert_cmpstr (text, ==, expected);
}

static void
test_months (void)
{
  assert_months ("2026-01-15", 1, "2026-02-15");
  assert_months ("2024-01-31", 1, "2024-02-29");   /* leap year */
  assert_months ("2023-01-31", 1, "2023-02-28");
  assert_months ("2024-02-29", 12, "2025-02-28");
  assert_months ("2026-08-31", 6, "2027-02-28");   /* LCSPR six months, clamped */
  assert_months ("2026-03-31", 1, "2026-04-30");
  assert_months ("2026-03-31", -1, "2026-02-28");
  assert_months ("2026-12-15", 1, "2027-01-15");
}

static void
test_default_data (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();

  g_assert_cmpint (lia_calendar_get_first_year (calendar), ==, 2018);
  g_assert_cmpint (lia_calendar_get_last_year (calendar), ==, 2027);
  for (int year = 2018; year <= 2027; year++)
    {
      g_autoptr (GPtrArray) holidays = lia_calendar_get_holidays (calendar, year);

      g_assert_cmpuint (holidays->len, >=, 8);
      g_assert_cmpuint (holidays->len, <=, 10);
    }
}

static void
test_weekends (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();

  g_assert_false (is_working (calendar, "2026-11-21"));  /* Saturday */
  g_assert_false (is_working (calendar, "2026-11-22"));  /* Sunday */
  g_assert_true (is_working (calendar, "2026-11-20"));
  /* From a Friday, a Saturday and a Sunday, the next working day is Monday. */
  assert_working_days (calendar, "2026-11-20", 1, "2026-11-23");
  assert_working_days (calendar, "2026-11-21", 1, "2026-11-23");
  assert_working_days (calendar, "2026-11-22", 1, "2026-11-23");
  assert_working_days (calendar, "2026-11-23", 5, "2026-11-30");
  assert_working_days (calendar, "2026-11-23", 0, "2026-11-23");
}

static void
test_every_kind_of_holiday (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  const struct
  {
    const char *date;
    const char *title;
  } cases[] = {
    { "2025-01-01", "New Year’s Day" },
    { "2025-04-18", "Good Friday" },
    { "2025-04-21", "Easter Monday" },
    { "2025-05-05", "Early May bank holiday" },
    { "2025-05-26", "Spring bank holiday" },
    { "2025-08-25", "Summer bank holiday" },
    { "2025-12-25", "Christmas Day" },
    { "2025-12-26", "Boxing Day" },
    /* One-off and moved days. */
    { "2020-05-08", "Early May bank holiday (VE day)" },
    { "2022-06-02", "Spring bank holiday" },
    { "2022-06-03", "Platinum Jubilee bank holiday" },
    { "2022-09-19", "Bank Holiday for the State Funeral of Queen Elizabeth II" },
    { "2023-05-08", "Bank holiday for the coronation of King Charles III" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GDate date = date_of (cases[i].date);
      const LiaHoliday *holiday = lia_calendar_get_holiday (calendar, &date);

      g_assert_nonnull (holiday);
      g_assert_cmpstr (holiday->title, ==, cases[i].title);
      g_assert_false (is_working (calendar, cases[i].date));
    }
  /* The usual day is a working day when the holiday moved. */
  g_assert_true (is_working (calendar, "2020-05-04"));
  g_assert_true (is_working (calendar, "2022-05-30"));
  assert_working_days (calendar, "2022-06-01", 1, "2022-06-06");
  assert_working_days (calendar, "2022-09-16", 1, "2022-09-20");
  assert_working_days (calendar, "2023-05-05", 1, "2023-05-09");
  assert_working_days (calendar, "2020-05-07", 1, "2020-05-11");
}

static void
test_substitute_days (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  const char *const substitutes[] = {
    "2020-12-28",                 /* Boxing Day on a Saturday */
    "2021-12-27", "2021-12-28",   /* both on the weekend */
    "2022-01-03",                 /* New Year's Day on a Saturday */
    "2022-12-27",                 /* Christmas Day on a Sunday */
    "2023-01-02",                 /* New Year's Day on a Sunday */
    "2026-12-28",                 /* Boxing Day on a Saturday */
    "2027-12-27", "2027-12-28",
  };

  for (guint i = 0; i < G_N_ELEMENTS (substitutes); i++)
    {
      GDate date = date_of (substitutes[i]);
      const LiaHoliday *holiday = lia_calendar_get_holiday (calendar, &date);

      g_assert_nonnull (holiday);
      g_assert_cmpstr (holiday->notes, ==, "Substitute day");
    }
  /* Christmas 2026: Friday, then Boxing Day's substitute on Monday. */
  assert_working_days (calendar, "2026-12-24", 1, "2026-12-29");
  assert_working_days (calendar, "2026-12-24", 3, "2026-12-31");
  /* Counting from a holiday does not count the holiday. */
  assert_working_days (calendar, "2025-12-25", 1, "2025-12-29");
}

static void
test_easter (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();

  /* In March (2024, 2027) and in April (2025, 2026). */
  g_assert_false (is_working (calendar, "2024-03-29"));
  g_assert_false (is_working (calendar, "2024-04-01"));
  g_assert_false (is_working (calendar, "2027-03-26"));
  g_assert_false (is_working (calendar, "2027-03-29"));
  g_assert_false (is_working (calendar, "2026-04-03"));
  g_assert_false (is_working (calendar, "2026-04-06"));
  assert_working_days (calendar, "2024-03-28", 1, "2024-04-02");
  assert_working_days (calendar, "2027-03-25", 1, "2027-03-30");
}

static void
test_counting_back (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();

  /* Over the Spring bank holiday, and back over New Year. */
  assert_working_days (calendar, "2026-06-01", -7, "2026-05-20");
  assert_working_days (calendar, "2027-01-04", -2, "2026-12-30");
  assert_working_days (calendar, "2026-11-23", -1, "2026-11-20");
}

/* DESIGN.md's milestones, worked through. */
static void
test_statutory_rules (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();

  /* Notify the Panel within 5 working days of the local authority becoming
   * aware: aware Monday 21 December 2026, over Christmas. */
  assert_working_days (calendar, "2026-12-21", 5, "2026-12-30");
  /* Rapid review to the Panel within 15 working days of becoming aware:
   * aware 25 March 2026, over Easter. */
  assert_working_days (calendar, "2026-03-25", 15, "2026-04-17");
  /* Information request within 2 working days of a notification on Friday
   * 22 May 2026, before the Spring bank holiday. */
  assert_working_days (calendar, "2026-05-22", 2, "2026-05-27");
  /* Rapid review meeting between 7 and 13 working days after a notification
   * on 27 August 2026, before the Summer bank holiday. */
  assert_working_days (calendar, "2026-08-27", 7, "2026-09-08");
  assert_working_days (calendar, "2026-08-27", 13, "2026-09-16");
  /* Full report to the Panel no later than 7 working days before
   * publication on 1 June 2026. */
  assert_working_days (calendar, "2026-06-01", -7, "2026-05-20");
}

static void
test_out_of_range (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  GDate from = date_of ("2027-12-30"), before = date_of ("2018-01-02"), result;
  g_autoptr (GError) error = NULL;
  gboolean working;

  g_assert_false (lia_calendar_add_working_days (calendar, &from, 5, &result, &error));
  g_assert_error (error, LIA_CALENDAR_ERROR, LIA_CALENDAR_ERROR_OUT_OF_RANGE);
  g_assert_nonnull (strstr (error->message, "covers 2018 to 2027"));
  g_clear_error (&error);
  g_assert_false (lia_calendar_add_working_days (calendar, &before, -2, &result, &error));
  g_assert_error (error, LIA_CALENDAR_ERROR, LIA_CALENDAR_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  from = date_of ("2031-06-02");
  g_assert_false (lia_calendar_is_working_day (calendar, &from, &working, &error));
  g_assert_error (error, LIA_CALENDAR_ERROR, LIA_CALENDAR_ERROR_OUT_OF_RANGE);
}

/* A year of plausible data: eight weekday holidays. */
#define GOOD_YEAR(y) \
  "{\"title\":\"A\",\"date\":\"" y "-01-01\"},{\"title\":\"B\",\"date\":\"" y "-04-03\"}," \
  "{\"title\":\"C\",\"date\":\"" y "-04-06\"},{\"title\":\"D\",\"date\":\"" y "-05-04\"}," \
  "{\"title\":\"E\",\"date\":\"" y "-05-25\"},{\"title\":\"F\",\"date\":\"" y "-08-31\"}," \
  "{\"title\":\"G\",\"date\":\"" y "-12-25\"},{\"title\":\"H\",\"date\":\"" y "-12-28\"}"

static LiaCalendar *
load (const char *json, GError **error)
{
  g_autoptr (GBytes) bytes = g_bytes_new (json, strlen (json));

  return lia_calendar_new_from_json (bytes, error);
}

static void
test_json_valid (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaCalendar) calendar =
    load ("{\"england-and-wales\":{\"division\":\"england-and-wales\",\"events\":["
          GOOD_YEAR ("2026") "]},\"scotland\":{\"events\":[]}}", &error);

  g_assert_no_error (error);
  g_assert_cmpint (lia_calendar_get_first_year (calendar), ==, 2026);
  g_assert_cmpint (lia_calendar_get_last_year (calendar), ==, 2026);
  g_assert_false (is_working (calendar, "2026-12-28"));
}

static void
test_json_refused (void)
{
  const char *const cases[] = {
    "",
    "not json",
    "[1, 2, 3]",
    "{}",
    "{\"england-and-wales\": []}",
    "{\"england-and-wales\": {\"events\": {}}}",
    "{\"england-and-wales\": {\"events\": []}}",
    "{\"england-and-wales\": {\"events\": [1]}}",
    /* no title; a bad date; a weekend; a duplicate; an insane year */
    "{\"england-and-wales\": {\"events\": [{\"date\": \"2026-01-01\"}]}}",
    "{\"england-and-wales\": {\"events\": [{\"title\": \"X\", \"date\": \"2026-02-30\"}]}}",
    "{\"england-and-wales\": {\"events\": [" GOOD_YEAR ("2026")
      ", {\"title\": \"Sat\", \"date\": \"2026-11-21\"}]}}",
    "{\"england-and-wales\": {\"events\": [" GOOD_YEAR ("2026")
      ", {\"title\": \"Again\", \"date\": \"2026-12-25\"}]}}",
    "{\"england-and-wales\": {\"events\": [{\"title\": \"Old\", \"date\": \"1815-06-19\"}]}}",
    /* implausible: a year with two holidays, or a year missing between */
    "{\"england-and-wales\": {\"events\": [{\"title\": \"A\", \"date\": \"2026-01-01\"},"
      "{\"title\": \"B\", \"date\": \"2026-12-25\"}]}}",
    "{\"england-and-wales\": {\"events\": [" GOOD_YEAR ("2026") "," GOOD_YEAR ("2028") "]}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (LiaCalendar) calendar = load (cases[i], &error);

      g_assert_null (calendar);
      g_assert_error (error, LIA_CALENDAR_ERROR, LIA_CALENDAR_ERROR_INVALID_DATA);
      g_test_message ("%u: %s", i, error->message);
    }
}

static void
test_json_oversized (void)
{
  gsize len = LIA_CALENDAR_MAX_BYTES + 1;
  char *big = g_malloc (len);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaCalendar) calendar = NULL;

  memset (big, ' ', len);
  big[0] = '{';
  big[len - 1] = '}';
  bytes = g_bytes_new_take (big, len);
  calendar = lia_calendar_new_from_json (bytes, &error);
  g_assert_null (calendar);
  g_assert_error (error, LIA_CALENDAR_ERROR, LIA_CALENDAR_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "more than"));
}

/* The digest tells calendars that count alike from those that do not:
 * the same data gives the same digest, a bank holiday more another. */
static void
test_digest (void)
{
  static const char one[] =
    "{\"england-and-wales\":{\"events\":["
    "{\"title\":\"A\",\"date\":\"2026-01-01\"},{\"title\":\"B\",\"date\":\"2026-04-03\"},"
    "{\"title\":\"C\",\"date\":\"2026-04-06\"},{\"title\":\"D\",\"date\":\"2026-05-04\"},"
    "{\"title\":\"E\",\"date\":\"2026-05-25\"},{\"title\":\"F\",\"date\":\"2026-08-31\"},"
    "{\"title\":\"G\",\"date\":\"2026-12-25\"},{\"title\":\"H\",\"date\":\"2026-12-28\"}]}}";
  /* The same days, named differently: counts alike. */
  static const char renamed[] =
    "{\"england-and-wales\":{\"events\":["
    "{\"title\":\"a\",\"date\":\"2026-01-01\"},{\"title\":\"b\",\"date\":\"2026-04-03\"},"
    "{\"title\":\"c\",\"date\":\"2026-04-06\"},{\"title\":\"d\",\"date\":\"2026-05-04\"},"
    "{\"title\":\"e\",\"date\":\"2026-05-25\"},{\"title\":\"f\",\"date\":\"2026-08-31\"},"
    "{\"title\":\"g\",\"date\":\"2026-12-25\"},{\"title\":\"h\",\"date\":\"2026-12-28\"}]}}";
  /* One more bank holiday. */
  static const char more[] =
    "{\"england-and-wales\":{\"events\":["
    "{\"title\":\"A\",\"date\":\"2026-01-01\"},{\"title\":\"B\",\"date\":\"2026-04-03\"},"
    "{\"title\":\"C\",\"date\":\"2026-04-06\"},{\"title\":\"D\",\"date\":\"2026-05-04\"},"
    "{\"title\":\"E\",\"date\":\"2026-05-25\"},{\"title\":\"X\",\"date\":\"2026-07-03\"},"
    "{\"title\":\"F\",\"date\":\"2026-08-31\"},"
    "{\"title\":\"G\",\"date\":\"2026-12-25\"},{\"title\":\"H\",\"date\":\"2026-12-28\"}]}}";
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) b1 = g_bytes_new_static (one, sizeof one - 1);
  g_autoptr (GBytes) b2 = g_bytes_new_static (renamed, sizeof renamed - 1);
  g_autoptr (GBytes) b3 = g_bytes_new_static (more, sizeof more - 1);
  g_autoptr (LiaCalendar) c1 = lia_calendar_new_from_json (b1, &error);
  g_autoptr (LiaCalendar) c2 = lia_calendar_new_from_json (b2, &error);
  g_autoptr (LiaCalendar) c3 = lia_calendar_new_from_json (b3, &error);
  g_autoptr (LiaCalendar) d1 = lia_calendar_new_default ();
  g_autoptr (LiaCalendar) d2 = lia_calendar_new_default ();

  g_assert_no_error (error);
  g_assert_cmpuint (strlen (lia_calendar_get_digest (c1)), ==, 64);
  g_assert_cmpstr (lia_calendar_get_digest (c1), ==, lia_calendar_get_digest (c2));
  g_assert_cmpstr (lia_calendar_get_digest (c1), !=, lia_calendar_get_digest (c3));
  g_assert_cmpstr (lia_calendar_get_digest (c1), !=, lia_calendar_get_digest (d1));
  g_assert_cmpstr (lia_calendar_get_digest (d1), ==, lia_calendar_get_digest (d2));
}

/* The calendar in use is loaded once, and again when the refreshed data
 * in the cache directory change or go. */
static void
test_current_follows_refresh (void)
{
  static const char refreshed[] =
    "{\"england-and-wales\":{\"events\":["
    "{\"title\":\"A\",\"date\":\"2028-01-03\"},{\"title\":\"B\",\"date\":\"2028-04-14\"},"
    "{\"title\":\"C\",\"date\":\"2028-04-17\"},{\"title\":\"D\",\"date\":\"2028-05-01\"},"
    "{\"title\":\"E\",\"date\":\"2028-05-29\"},{\"title\":\"F\",\"date\":\"2028-08-28\"},"
    "{\"title\":\"G\",\"date\":\"2028-12-25\"},{\"title\":\"H\",\"date\":\"2028-12-26\"}]}}";
  g_autofree char *path = lia_calendar_cache_path (NULL, LIA_CALENDAR_CACHE_DATA);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (LiaCalendar) builtin = lia_calendar_new_default ();
  g_autoptr (LiaCalendar) first = lia_calendar_ref_current ();
  g_autoptr (LiaCalendar) again = lia_calendar_ref_current ();
  g_autoptr (LiaCalendar) after = NULL;
  g_autoptr (LiaCalendar) gone = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (first == again);
  g_assert_cmpstr (lia_calendar_get_digest (first), ==, lia_calendar_get_digest (builtin));

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, refreshed, -1, &error));
  g_assert_no_error (error);
  after = lia_calendar_ref_current ();
  g_assert_true (after != first);
  g_assert_cmpint (lia_calendar_get_last_year (after), ==, 2028);
  g_assert_cmpstr (lia_calendar_get_digest (after), !=, lia_calendar_get_digest (first));

  g_assert_cmpint (g_remove (path), ==, 0);
  gone = lia_calendar_ref_current ();
  g_assert_cmpint (lia_calendar_get_last_year (gone), ==, lia_calendar_get_last_year (builtin));
  g_assert_cmpstr (lia_calendar_get_digest (gone), ==, lia_calendar_get_digest (builtin));
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/calendar/dates", test_dates);
  g_test_add_func ("/calendar/months", test_months);
  g_test_add_func ("/calendar/default-data", test_default_data);
  g_test_add_func ("/calendar/weekends", test_weekends);
  g_test_add_func ("/calendar/every-kind-of-holiday", test_every_kind_of_holiday);
  g_test_add_func ("/calendar/substitute-days", test_substitute_days);
  g_test_add_func ("/calendar/easter", test_easter);
  g_test_add_func ("/calendar/counting-back", test_counting_back);
  g_test_add_func ("/calendar/statutory-rules", test_statutory_rules);
  g_test_add_func ("/calendar/out-of-range", test_out_of_range);
  g_test_add_func ("/calendar/json/valid", test_json_valid);
  g_test_add_func ("/calendar/json/refused", test_json_refused);
  g_test_add_func ("/calendar/json/oversized", test_json_oversized);
  g_test_add_func ("/calendar/digest", test_digest);
  g_test_add_func ("/calendar/current/follows-refresh", test_current_follows_refresh);

  return g_test_run ();
}
