/* test-deadlines.c: the statutory timeline of a case (lia-deadlines.h).
 *
 * Every expected date below was worked by hand from the rules of DESIGN.md
 * ("Calendar and statutory timescales"), the documents they come from
 * (Working Together 2023; the Buckinghamshire LCSPR procedure, 4.3 to 4.7;
 * the IOPC and safeguarding partners' advisory framework, "Reports and
 * publication") and the England and Wales bank holidays in
 * data/bank-holidays.json. The bank holidays that the examples cross:
 *
 *   2024  Fri 29 Mar Good Friday, Mon 1 Apr Easter Monday
 *   2026  Fri 3 Apr Good Friday, Mon 6 Apr Easter Monday, Mon 4 May Early
 *         May, Mon 25 May Spring, Mon 31 Aug Summer, Fri 25 Dec Christmas,
 *         Mon 28 Dec Boxing Day (substitute: the 26th is a Saturday)
 *   2027  Fri 1 Jan New Year, Fri 26 Mar Good Friday, Mon 29 Mar Easter
 *         Monday, Mon 27 Dec and Tue 28 Dec (substitutes for Christmas Day
 *         and Boxing Day, both on the weekend)
 *
 * The data end with 2027: later due dates count weekends only.
 *
 * "Within N working days of X" is X plus N working days, X not counted;
 * "no later than N working days before Y" counts back from Y, Y not
 * counted; months are calendar months, clamped to the end of a shorter
 * month.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "lia-calendar.h"
#include "lia-case.h"
#include "lia-deadlines.h"
#include "lia-record.h"
#include "lia-test-util.h"

#define CASE_ID "5d0c9a1e-7b3f-4c2a-9e61-0f4a8b2c7d13"

/* The table's milestones, in the table's order. */
static const char *const table_keys[] = {
  "notify-panel",
  "information-request",
  "rapid-review-meeting",
  "rapid-review-submitted",
  "recommendation",
  "lcspr-publication",
  "report-to-panel",
  "publication-delay",
  "iopc-representations",
  "keep-published",
};

/* For an expected date or note that a check does not care about. */
#define ANY "*"

/* Our own names for the states, so that a failure reads well without
 * relying on the code under test. */
static const char *
state_name (LiaMilestoneState state)
{
  switch (state)
    {
    case LIA_MILESTONE_AWAITING:
      return "awaiting";
    case LIA_MILESTONE_DUE:
      return "due";
    case LIA_MILESTONE_OVERDUE:
      return "overdue";
    case LIA_MILESTONE_MET:
      return "met";
    case LIA_MILESTONE_MET_LATE:
      return "met-late";
    case LIA_MILESTONE_NOT_APPLICABLE:
      return "not-applicable";
    default:
      return "(invalid state)";
    }
}

static GDate
date_of (const char *text)
{
  GDate date;
  g_autoptr (GError) error = NULL;

  g_assert_true (lia_date_parse (text, &date, &error));
  g_assert_no_error (error);
  return date;
}

/* YYYY-MM-DD, or "(none)" for an invalid date. */
static char *
date_text (const GDate *date)
{
  if (!g_date_valid (date))
    return g_strdup ("(none)");
  return g_strdup_printf ("%04u-%02u-%02u", (guint) g_date_get_year (date),
                          (guint) g_date_get_month (date), (guint) g_date_get_day (date));
}

static LiaOrg *
org_new (void)
{
  LiaOrg *org = g_new0 (LiaOrg, 1);

  org->id = 1;
  org->name = g_strdup ("Buckinghamshire Council");
  org->kind = LIA_ORG_KIND_LOCAL_AUTHORITY;
  org->is_self = TRUE;
  return org;
}

static void
case_set (LiaCase    *lcase,
          const char *name,
          const char *value)
{
  g_hash_table_replace (lcase->fields, g_strdup (name), g_strdup (value));
}

static void
case_unset (LiaCase    *lcase,
            const char *name)
{
  g_hash_table_remove (lcase->fields, name);
}

/* A case that the local authority became aware of on @aware, with the
 * process fields given as name, value pairs ending with NULL. */
static LiaCase *case_new (const char *aware,
                          ...) G_GNUC_NULL_TERMINATED;

static LiaCase *
case_new (const char *aware,
          ...)
{
  LiaCase *lcase = g_new0 (LiaCase, 1);
  va_list args;
  const char *name;

  lcase->id = g_strdup (CASE_ID);
  lcase->lead = org_new ();
  lcase->title = g_strdup ("Serious incident, Child A");
  lcase->child = g_strdup ("Child A");
  lcase->area = g_strdup ("Buckinghamshire");
  g_date_clear (&lcase->incident, 1);
  g_date_clear (&lcase->aware, 1);
  lcase->aware = date_of (aware);
  lcase->incident = lcase->aware;
  lcase->type = LIA_NOTIFICATION_SERIOUS_HARM;
  lcase->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  lcase->delays = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_delay_notice_free);

  va_start (args, aware);
  while ((name = va_arg (args, const char *)) != NULL)
    case_set (lcase, name, va_arg (args, const char *));
  va_end (args);
  return lcase;
}

/* A notice to the Panel and the Secretary of State that publication is
 * delayed. */
static void
case_add_delay (LiaCase    *lcase,
                gint64      id,
                const char *sent,
                const char *reason)
{
  LiaDelayNotice *notice = g_new0 (LiaDelayNotice, 1);

  notice->id = id;
  g_date_clear (&notice->sent, 1);
  g_date_clear (&notice->revised, 1);
  notice->sent = date_of (sent);
  notice->reason = g_strdup (reason);
  g_ptr_array_add (lcase->delays, notice);
}

static LiaRecord *
record_new (const char   *id,
            LiaRecordKind kind,
            const char   *title)
{
  LiaRecord *record = g_new0 (LiaRecord, 1);

  record->id = g_strdup (id);
  record->case_id = g_strdup (CASE_ID);
  record->originator = org_new ();
  record->kind = kind;
  record->version = 1;
  record->title = g_strdup (title);
  record->classification = LIA_CLASSIFICATION_STANDARD;
  record->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_date_clear (&record->destroy_on, 1);
  g_date_clear (&record->return_on, 1);
  return record;
}

/* An action-plan item due on @due; @status NULL for none given. */
static LiaRecord *
action_new (const char *id,
            const char *due,
            const char *status)
{
  LiaRecord *record = record_new (id, LIA_RECORD_ACTION, "Review the escalation policy");

  g_hash_table_replace (record->fields, g_strdup ("action"),
                        g_strdup ("Review the escalation policy for missed health appointments"));
  g_hash_table_replace (record->fields, g_strdup ("owner"), g_strdup ("Designated nurse"));
  g_hash_table_replace (record->fields, g_strdup ("due"), g_strdup (due));
  if (status != NULL)
    g_hash_table_replace (record->fields, g_strdup ("status"), g_strdup (status));
  return record;
}

static GPtrArray *
records_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) lia_record_free);
}

static void
log_milestone (const LiaMilestone *m)
{
  g_autofree char *window = date_text (&m->window_start);
  g_autofree char *due = date_text (&m->due);
  g_autofree char *met = date_text (&m->met_on);

  g_test_message ("  %s: %s, window from %s, due %s, met %s, note %s", m->key,
                  state_name (m->state), window, due, met, m->note ? m->note : "(none)");
}

static GPtrArray *
compute (LiaCalendar   *calendar,
         const LiaCase *lcase,
         GPtrArray     *records,
         const char    *today)
{
  GDate day = date_of (today);
  GPtrArray *milestones = lia_deadlines_compute (calendar, lcase, records, &day);

  g_assert_nonnull (milestones);
  g_test_message ("aware %04u-%02u-%02u, today %s:", (guint) g_date_get_year (&lcase->aware),
                  (guint) g_date_get_month (&lcase->aware), (guint) g_date_get_day (&lcase->aware),
                  today);
  for (guint i = 0; i < milestones->len; i++)
    log_milestone (g_ptr_array_index (milestones, i));
  return milestones;
}

static LiaMilestone *
lookup (GPtrArray  *milestones,
        const char *key)
{
  for (guint i = 0; i < milestones->len; i++)
    {
      LiaMilestone *m = g_ptr_array_index (milestones, i);

      if (g_strcmp0 (m->key, key) == 0)
        return m;
    }
  return NULL;
}

static LiaMilestone *
find (GPtrArray  *milestones,
      const char *key)
{
  LiaMilestone *m = lookup (milestones, key);

  if (m == NULL)
    g_test_message ("no milestone \"%s\"", key);
  g_assert_nonnull (m);
  return m;
}

/* Asserts that @m's @what (a date) is @expected: a date, NULL for none, or
 * ANY for no check. */
static void
assert_date (const LiaMilestone *m,
             const char         *what,
             const GDate        *date,
             const char         *expected)
{
  g_autofree char *text = date_text (date);
  g_autofree char *actual = NULL;
  g_autofree char *wanted = NULL;

  if (g_strcmp0 (expected, ANY) == 0)
    return;
  actual = g_strdup_printf ("%s %s %s", m->key, what, text);
  wanted = g_strdup_printf ("%s %s %s", m->key, what, expected ? expected : "(none)");
  g_assert_cmpstr (actual, ==, wanted);
}

static void
assert_state (const LiaMilestone *m,
              LiaMilestoneState   state)
{
  g_autofree char *actual = g_strdup_printf ("%s: %s", m->key, state_name (m->state));
  g_autofree char *wanted = g_strdup_printf ("%s: %s", m->key, state_name (state));

  g_assert_cmpstr (actual, ==, wanted);
  g_assert_cmpint (m->state, ==, state);
}

/* The milestone @key of @milestones, asserted to be in @state, due on
 * @due and met on @met_on (dates; NULL for none; ANY for no check). */
static LiaMilestone *
assert_milestone (GPtrArray         *milestones,
                  const char        *key,
                  LiaMilestoneState  state,
                  const char        *due,
                  const char        *met_on)
{
  LiaMilestone *m = find (milestones, key);

  assert_state (m, state);
  assert_date (m, "due", &m->due, due);
  assert_date (m, "met", &m->met_on, met_on);
  return m;
}

/* Computes @lcase's milestones as of @today and checks one. */
static void
check (LiaCalendar       *calendar,
       const LiaCase     *lcase,
       const char        *today,
       const char        *key,
       LiaMilestoneState  state,
       const char        *due,
       const char        *met_on)
{
  g_autoptr (GPtrArray) milestones = compute (calendar, lcase, NULL, today);

  assert_milestone (milestones, key, state, due, met_on);
}

/* The same, and that the milestone has a note holding @note_part (or any
 * note, for ANY). */
static void
check_note (LiaCalendar       *calendar,
            const LiaCase     *lcase,
            const char        *today,
            const char        *key,
            LiaMilestoneState  state,
            const char        *due,
            const char        *met_on,
            const char        *note_part)
{
  g_autoptr (GPtrArray) milestones = compute (calendar, lcase, NULL, today);
  LiaMilestone *m = assert_milestone (milestones, key, state, due, met_on);

  g_assert_nonnull (m->note);
  if (g_strcmp0 (note_part, ANY) != 0)
    g_assert_nonnull (strstr (m->note, note_part));
}

/* The rapid review meeting's window. */
static void
check_window (LiaCalendar       *calendar,
              const LiaCase     *lcase,
              const char        *today,
              LiaMilestoneState  state,
              const char        *from,
              const char        *to,
              const char        *met_on)
{
  g_autoptr (GPtrArray) milestones = compute (calendar, lcase, NULL, today);
  LiaMilestone *m = assert_milestone (milestones, "rapid-review-meeting", state, to, met_on);

  assert_date (m, "window from", &m->window_start, from);
}

/* What holds for every milestone of every case, whatever its dates. */
static void
assert_invariants (const LiaCase *lcase,
                   GPtrArray     *milestones,
                   const char    *today)
{
  GDate day = date_of (today);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_cmpuint (milestones->len, >=, G_N_ELEMENTS (table_keys));
  for (guint i = 0; i < G_N_ELEMENTS (table_keys); i++)
    {
      LiaMilestone *m = g_ptr_array_index (milestones, i);

      g_assert_cmpstr (m->key, ==, table_keys[i]);
    }

  for (guint i = 0; i < milestones->len; i++)
    {
      LiaMilestone *m = g_ptr_array_index (milestones, i);
      const char *prefixes[] = { "action:", "destroy:", "return:" };
      const char *prefix = NULL;
      gboolean open;

      g_assert_nonnull (m->key);
      g_test_message ("invariants of %s", m->key);
      g_assert_false (g_hash_table_contains (seen, m->key));
      g_hash_table_add (seen, m->key);
      g_assert_cmpstr (m->case_id, ==, lcase->id);
      g_assert_nonnull (m->title);
      g_assert_cmpstr (m->title, !=, "");
      g_assert_nonnull (m->rule);
      g_assert_cmpstr (m->rule, !=, "");
      g_assert_nonnull (m->source);
      g_assert_cmpstr (m->source, !=, "");

      for (guint j = 0; j < G_N_ELEMENTS (prefixes); j++)
        if (g_str_has_prefix (m->key, prefixes[j]))
          prefix = prefixes[j];
      if (prefix != NULL)
        {
          g_autofree char *key = NULL;

          g_assert_nonnull (m->record_id);
          key = g_strconcat (prefix, m->record_id, NULL);
          g_assert_cmpstr (m->key, ==, key);
        }
      else
        g_assert_null (m->record_id);

      open = m->state == LIA_MILESTONE_DUE || m->state == LIA_MILESTONE_OVERDUE;
      g_assert_cmpint (lia_milestone_state_is_open (m->state), ==, open);

      /* Only the meeting has a window, and it ends on the due date. */
      if (g_date_valid (&m->window_start))
        {
          g_assert_cmpstr (m->key, ==, "rapid-review-meeting");
          g_assert_true (g_date_valid (&m->due));
          g_assert_cmpint (g_date_compare (&m->window_start, &m->due), <=, 0);
        }

      switch (m->state)
        {
        case LIA_MILESTONE_AWAITING:
          g_assert_false (g_date_valid (&m->due));
          g_assert_false (g_date_valid (&m->window_start));
          g_assert_false (g_date_valid (&m->met_on));
          break;
        case LIA_MILESTONE_NOT_APPLICABLE:
          /* lia-deadlines.h: "does not apply to this case, with a note
           * saying why"; the due date is "invalid while awaiting or not
           * applicable". */
          g_assert_false (g_date_valid (&m->due));
          g_assert_false (g_date_valid (&m->met_on));
          g_assert_nonnull (m->note);
          break;
        case LIA_MILESTONE_DUE:
          g_assert_true (g_date_valid (&m->due));
          g_assert_cmpint (g_date_compare (&day, &m->due), <=, 0);
          g_assert_false (g_date_valid (&m->met_on));
          break;
        case LIA_MILESTONE_OVERDUE:
          g_assert_true (g_date_valid (&m->due));
          g_assert_cmpint (g_date_compare (&day, &m->due), >, 0);
          g_assert_false (g_date_valid (&m->met_on));
          break;
        case LIA_MILESTONE_MET:
        case LIA_MILESTONE_MET_LATE:
          g_assert_true (g_date_valid (&m->due));
          /* An action item may be done without a date. */
          if (!g_str_has_prefix (m->key, "action:"))
            g_assert_true (g_date_valid (&m->met_on));
          if (g_date_valid (&m->met_on))
            {
              gboolean in_time = g_date_compare (&m->met_on, &m->due) <= 0
                && (!g_date_valid (&m->window_start)
                    || g_date_compare (&m->met_on, &m->window_start) >= 0);

              g_assert_cmpint (in_time, ==, m->state == LIA_MILESTONE_MET);
            }
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

static void
test_states (void)
{
  const LiaMilestoneState states[] = {
    LIA_MILESTONE_AWAITING, LIA_MILESTONE_DUE, LIA_MILESTONE_OVERDUE,
    LIA_MILESTONE_MET, LIA_MILESTONE_MET_LATE, LIA_MILESTONE_NOT_APPLICABLE,
  };

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      const char *name = lia_milestone_state_to_string (states[i]);
      const char *label = lia_milestone_state_label (states[i]);

      g_assert_nonnull (name);
      g_assert_nonnull (label);
      g_assert_cmpstr (name, !=, "");
      g_assert_cmpstr (label, !=, "");
      for (guint j = 0; j < i; j++)
        {
          g_assert_cmpstr (name, !=, lia_milestone_state_to_string (states[j]));
          g_assert_cmpstr (label, !=, lia_milestone_state_label (states[j]));
        }
    }
  g_assert_false (lia_milestone_state_is_open (LIA_MILESTONE_AWAITING));
  g_assert_true (lia_milestone_state_is_open (LIA_MILESTONE_DUE));
  g_assert_true (lia_milestone_state_is_open (LIA_MILESTONE_OVERDUE));
  g_assert_false (lia_milestone_state_is_open (LIA_MILESTONE_MET));
  g_assert_false (lia_milestone_state_is_open (LIA_MILESTONE_MET_LATE));
  g_assert_false (lia_milestone_state_is_open (LIA_MILESTONE_NOT_APPLICABLE));
}

/* A case just opened: aware Monday 16 November 2026, nothing else known. */
static void
test_order (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-11-16", NULL);
  g_autoptr (GPtrArray) milestones = compute (calendar, lcase, NULL, "2026-11-16");
  LiaMilestone *m;

  /* The table's milestones in the table's order, and nothing else without
   * records. */
  g_assert_cmpuint (milestones->len, ==, G_N_ELEMENTS (table_keys));
  for (guint i = 0; i < G_N_ELEMENTS (table_keys); i++)
    {
      m = g_ptr_array_index (milestones, i);
      g_assert_cmpstr (m->key, ==, table_keys[i]);
      g_assert_cmpstr (m->case_id, ==, CASE_ID);
      g_assert_nonnull (m->title);
      g_assert_nonnull (m->rule);
      g_assert_nonnull (m->source);
      g_assert_null (m->record_id);
    }

  /* Notify within 5 working days: 17, 18, 19, 20, 23 November. */
  assert_milestone (milestones, "notify-panel", LIA_MILESTONE_DUE, "2026-11-23", NULL);
  /* Counted from the notification, which has not been sent. */
  m = assert_milestone (milestones, "information-request", LIA_MILESTONE_AWAITING, NULL, NULL);
  m = assert_milestone (milestones, "rapid-review-meeting", LIA_MILESTONE_AWAITING, NULL, NULL);
  assert_date (m, "window from", &m->window_start, NULL);
  /* 15 working days from awareness: 17 to 20 Nov (4), 23 to 27 (9), 30 Nov
   * to 4 Dec (14), Monday 7 December (15). */
  assert_milestone (milestones, "rapid-review-submitted", LIA_MILESTONE_DUE, "2026-12-07", NULL);
  assert_milestone (milestones, "recommendation", LIA_MILESTONE_AWAITING, NULL, NULL);
  /* Whether there will be an LCSPR is not decided yet. */
  assert_milestone (milestones, "lcspr-publication", LIA_MILESTONE_AWAITING, NULL, NULL);
  assert_milestone (milestones, "publication-delay", LIA_MILESTONE_NOT_APPLICABLE, NULL, NULL);
  assert_milestone (milestones, "iopc-representations", LIA_MILESTONE_NOT_APPLICABLE, NULL, NULL);
  /* Either reading is fair while nothing is decided; no dates either way. */
  m = find (milestones, "report-to-panel");
  g_assert_true (m->state == LIA_MILESTONE_AWAITING || m->state == LIA_MILESTONE_NOT_APPLICABLE);
  g_assert_false (g_date_valid (&m->due));
  m = find (milestones, "keep-published");
  g_assert_true (m->state == LIA_MILESTONE_AWAITING || m->state == LIA_MILESTONE_NOT_APPLICABLE);
  g_assert_false (g_date_valid (&m->due));

  /* The sources the table names. */
  g_assert_nonnull (strstr (find (milestones, "notify-panel")->source, "Working Together"));
  g_assert_nonnull (strstr (find (milestones, "information-request")->source, "4.3"));
  g_assert_nonnull (strstr (find (milestones, "rapid-review-meeting")->source, "4.4"));
  g_assert_nonnull (strstr (find (milestones, "recommendation")->source, "4.7"));
  g_assert_nonnull (strstr (find (milestones, "lcspr-publication")->source, "Working Together"));
  g_assert_nonnull (strstr (find (milestones, "report-to-panel")->source, "Working Together"));

  assert_invariants (lcase, milestones, "2026-11-16");
}

/* Aware on a Friday. */
static void
test_notify_friday (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) plain = case_new ("2026-11-20", NULL);
  g_autoptr (LiaCase) before_holiday = case_new ("2026-05-22", NULL);

  /* Friday 20 November 2026: the Friday itself does not count; Mon 23 (1),
   * Tue 24 (2), Wed 25 (3), Thu 26 (4), Fri 27 (5). */
  check (calendar, plain, "2026-11-20", "notify-panel", LIA_MILESTONE_DUE, "2026-11-27", NULL);
  /* Friday 22 May 2026, before the Spring bank holiday on Monday 25 May:
   * Tue 26 (1), Wed 27 (2), Thu 28 (3), Fri 29 (4), Mon 1 June (5). */
  check (calendar, before_holiday, "2026-05-22", "notify-panel", LIA_MILESTONE_DUE, "2026-06-01",
         NULL);
  /* The rapid review, 15 working days: on from Mon 1 June (5), Tue 2 June
   * (6) to Fri 5 (9), Mon 8 (10) to Fri 12 (14), Mon 15 June (15). */
  check (calendar, before_holiday, "2026-05-22", "rapid-review-submitted", LIA_MILESTONE_DUE,
         "2026-06-15", NULL);
}

/* Aware on a weekend or a bank holiday: counting starts on the next
 * working day. */
static void
test_notify_weekend_holiday (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  const char *const aware[] = {
    "2026-05-02",  /* Saturday */
    "2026-05-03",  /* Sunday */
    "2026-05-04",  /* Monday, the Early May bank holiday */
  };

  /* The next working day is Tuesday 5 May (1), then Wed 6 (2), Thu 7 (3),
   * Fri 8 (4), Mon 11 May (5). */
  for (guint i = 0; i < G_N_ELEMENTS (aware); i++)
    {
      g_autoptr (LiaCase) lcase = case_new (aware[i], NULL);

      check (calendar, lcase, aware[i], "notify-panel", LIA_MILESTONE_DUE, "2026-05-11", NULL);
    }

  {
    /* Aware on Christmas Day 2026 (Friday): Sat 26, Sun 27 and Mon 28
     * (Boxing Day's substitute) do not count; Tue 29 (1), Wed 30 (2),
     * Thu 31 (3), Fri 1 January 2027 is New Year's Day, Mon 4 (4),
     * Tue 5 January (5). */
    g_autoptr (LiaCase) lcase = case_new ("2026-12-25", NULL);

    check (calendar, lcase, "2026-12-25", "notify-panel", LIA_MILESTONE_DUE, "2027-01-05", NULL);
  }
}

/* Easter inside the window. */
static void
test_notify_easter (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-04-02", NULL);

  /* Aware Thursday 2 April 2026, the day before Good Friday (3 April);
   * Easter Monday is 6 April. Tue 7 (1), Wed 8 (2), Thu 9 (3), Fri 10 (4),
   * Mon 13 April (5). */
  check (calendar, lcase, "2026-04-02", "notify-panel", LIA_MILESTONE_DUE, "2026-04-13", NULL);
  /* 15 working days: from Mon 13 (5), Tue 14 (6) to Fri 17 (9), Mon 20
   * (10) to Fri 24 (14), Mon 27 April (15). */
  check (calendar, lcase, "2026-04-02", "rapid-review-submitted", LIA_MILESTONE_DUE, "2026-04-27",
         NULL);
}

/* Christmas and New Year inside the window. */
static void
test_notify_christmas (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-12-21", NULL);

  /* Aware Monday 21 December 2026: Tue 22 (1), Wed 23 (2), Thu 24 (3),
   * Fri 25 Christmas Day, weekend, Mon 28 Boxing Day (substitute), Tue 29
   * (4), Wed 30 December (5). */
  check (calendar, lcase, "2026-12-21", "notify-panel", LIA_MILESTONE_DUE, "2026-12-30", NULL);
  /* 15 working days: Thu 31 (6), Fri 1 January New Year's Day, Mon 4 (7)
   * to Fri 8 (11), Mon 11 (12), Tue 12 (13), Wed 13 (14), Thu 14 January
   * 2027 (15). */
  check (calendar, lcase, "2026-12-21", "rapid-review-submitted", LIA_MILESTONE_DUE, "2027-01-14",
         NULL);
}

/* Due on the due date itself, overdue the day after. */
static void
test_notify_due_today (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-11-20", NULL);

  /* Aware Friday 20 November 2026: due Friday 27 November (see above). */
  check (calendar, lcase, "2026-11-23", "notify-panel", LIA_MILESTONE_DUE, "2026-11-27", NULL);
  /* Today is the due date: still due, not overdue. */
  check (calendar, lcase, "2026-11-27", "notify-panel", LIA_MILESTONE_DUE, "2026-11-27", NULL);
  /* The day after, a Saturday, is past the due date. */
  check (calendar, lcase, "2026-11-28", "notify-panel", LIA_MILESTONE_OVERDUE, "2026-11-27", NULL);
  check (calendar, lcase, "2026-11-30", "notify-panel", LIA_MILESTONE_OVERDUE, "2026-11-27", NULL);
}

/* The notification made: in time, on the day, late. */
static void
test_notify_met (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-11-20", NULL);

  /* Due Friday 27 November 2026. Sent on Monday 23: met. */
  case_set (lcase, "notification.sent", "2026-11-23");
  check (calendar, lcase, "2026-12-01", "notify-panel", LIA_MILESTONE_MET, "2026-11-27",
         "2026-11-23");
  /* Sent on the due date: met. */
  case_set (lcase, "notification.sent", "2026-11-27");
  check (calendar, lcase, "2026-12-01", "notify-panel", LIA_MILESTONE_MET, "2026-11-27",
         "2026-11-27");
  /* Sent on Monday 30 November, one working day late: met late. */
  case_set (lcase, "notification.sent", "2026-11-30");
  check (calendar, lcase, "2026-12-01", "notify-panel", LIA_MILESTONE_MET_LATE, "2026-11-27",
         "2026-11-30");
  /* Sent late, and today the same day: met late still, not overdue. */
  check (calendar, lcase, "2026-11-30", "notify-panel", LIA_MILESTONE_MET_LATE, "2026-11-27",
         "2026-11-30");
}

/* Bucks procedure 4.3: the information request within 2 working days of
 * receiving the notification. */
static void
test_information_request (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  const struct
  {
    const char *aware;
    const char *sent;
    const char *due;
  } cases[] = {
    /* Tuesday 31 March 2026: Wed 1 April (1), Thu 2 April (2), before
     * Good Friday. */
    { "2026-03-30", "2026-03-31", "2026-04-02" },
    /* Thursday 25 March 2027, the day before Good Friday (26 March):
     * Easter Monday is 29 March; Tue 30 (1), Wed 31 March (2). */
    { "2027-03-24", "2027-03-25", "2027-03-31" },
    /* Saturday 31 January 2026 (the online system is open every day):
     * Mon 2 February (1), Tue 3 (2). */
    { "2026-01-29", "2026-01-31", "2026-02-03" },
    /* Christmas Eve 2026, a Thursday: Fri 25 Christmas, weekend, Mon 28
     * Boxing Day's substitute; Tue 29 (1), Wed 30 December (2). */
    { "2026-12-22", "2026-12-24", "2026-12-30" },
    /* Thursday 23 December 2027: Fri 24 (1); the weekend is Christmas and
     * Boxing Day, so their substitutes are Mon 27 and Tue 28; Wed 29
     * December (2). */
    { "2027-12-21", "2027-12-23", "2027-12-29" },
    /* Friday 22 May 2026, before the Spring bank holiday (Mon 25 May):
     * Tue 26 (1), Wed 27 (2). */
    { "2026-05-21", "2026-05-22", "2026-05-27" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LiaCase) lcase = case_new (cases[i].aware, NULL);

      /* Nothing to count from until the notification is sent. */
      check (calendar, lcase, cases[i].aware, "information-request", LIA_MILESTONE_AWAITING, NULL,
             NULL);
      case_set (lcase, "notification.sent", cases[i].sent);
      check (calendar, lcase, cases[i].sent, "information-request", LIA_MILESTONE_DUE,
             cases[i].due, NULL);
      check (calendar, lcase, cases[i].due, "information-request", LIA_MILESTONE_DUE,
             cases[i].due, NULL);
    }

  {
    /* Notification Tuesday 31 March 2026, request due Thursday 2 April. */
    g_autoptr (LiaCase) lcase = case_new ("2026-03-30", "notification.sent", "2026-03-31", NULL);

    /* Not sent, and Good Friday has come: overdue. */
    check (calendar, lcase, "2026-04-03", "information-request", LIA_MILESTONE_OVERDUE,
           "2026-04-02", NULL);
    /* Sent on the due date: met. */
    case_set (lcase, "rapid-review.request-sent", "2026-04-02");
    check (calendar, lcase, "2026-04-08", "information-request", LIA_MILESTONE_MET, "2026-04-02",
           "2026-04-02");
    /* Sent on Tuesday 7 April, after Easter: met late. */
    case_set (lcase, "rapid-review.request-sent", "2026-04-07");
    check (calendar, lcase, "2026-04-08", "information-request", LIA_MILESTONE_MET_LATE,
           "2026-04-02", "2026-04-07");
  }
}

/* Bucks procedure 4.4: the meeting between 7 and 13 working days of
 * receiving the notification. */
static void
test_meeting_window (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-08-25", NULL);

  /* No notification, no window. */
  check_window (calendar, lcase, "2026-08-25", LIA_MILESTONE_AWAITING, NULL, NULL, NULL);

  /* Notification Thursday 27 August 2026; Mon 31 August is the Summer bank
   * holiday. Fri 28 (1), Tue 1 September (2), Wed 2 (3), Thu 3 (4), Fri 4
   * (5), Mon 7 (6), Tue 8 (7): the window opens on 8 September. Wed 9
   * (8), Thu 10 (9), Fri 11 (10), Mon 14 (11), Tue 15 (12), Wed 16 (13):
   * it closes on 16 September. */
  case_set (lcase, "notification.sent", "2026-08-27");
  /* Before the window opens the meeting is still to be held: due. */
  check_window (calendar, lcase, "2026-09-01", LIA_MILESTONE_DUE, "2026-09-08", "2026-09-16", NULL);
  /* On the last day of the window: due. */
  check_window (calendar, lcase, "2026-09-16", LIA_MILESTONE_DUE, "2026-09-08", "2026-09-16", NULL);
  /* The day after: overdue. */
  check_window (calendar, lcase, "2026-09-17", LIA_MILESTONE_OVERDUE, "2026-09-08", "2026-09-16",
                NULL);

  /* Held on the first day of the window, and on the last: met. */
  case_set (lcase, "rapid-review.meeting", "2026-09-08");
  check_window (calendar, lcase, "2026-09-20", LIA_MILESTONE_MET, "2026-09-08", "2026-09-16",
                "2026-09-08");
  case_set (lcase, "rapid-review.meeting", "2026-09-16");
  check_window (calendar, lcase, "2026-09-20", LIA_MILESTONE_MET, "2026-09-08", "2026-09-16",
                "2026-09-16");

  /* Held the day before the window opens (Monday 7 September, 6 working
   * days on) or the day after it closes (Thursday 17 September, 14 working
   * days on): outside the window, with a note. */
  case_set (lcase, "rapid-review.meeting", "2026-09-07");
  check_note (calendar, lcase, "2026-09-20", "rapid-review-meeting", LIA_MILESTONE_MET_LATE,
              "2026-09-16", "2026-09-07", ANY);
  case_set (lcase, "rapid-review.meeting", "2026-09-17");
  check_note (calendar, lcase, "2026-09-20", "rapid-review-meeting", LIA_MILESTONE_MET_LATE,
              "2026-09-16", "2026-09-17", ANY);
}

/* The meeting's window over Easter and over Christmas. */
static void
test_meeting_holidays (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) easter = case_new ("2026-03-30", "notification.sent", "2026-03-31", NULL);
  g_autoptr (LiaCase) christmas = case_new ("2026-12-18", "notification.sent", "2026-12-21", NULL);

  /* Notification Tuesday 31 March 2026: Wed 1 April (1), Thu 2 (2), Good
   * Friday 3, weekend, Easter Monday 6, Tue 7 (3), Wed 8 (4), Thu 9 (5),
   * Fri 10 (6), Mon 13 April (7); Tue 14 (8), Wed 15 (9), Thu 16 (10),
   * Fri 17 (11), Mon 20 (12), Tue 21 April (13). */
  check_window (calendar, easter, "2026-03-31", LIA_MILESTONE_DUE, "2026-04-13", "2026-04-21",
                NULL);
  /* Notification Monday 21 December 2026: Tue 22 (1), Wed 23 (2), Thu 24
   * (3), Christmas Day, weekend, Boxing Day's substitute, Tue 29 (4), Wed
   * 30 (5), Thu 31 (6), New Year's Day, weekend, Mon 4 January 2027 (7);
   * Tue 5 (8), Wed 6 (9), Thu 7 (10), Fri 8 (11), Mon 11 (12), Tue 12
   * January (13). */
  check_window (calendar, christmas, "2026-12-21", LIA_MILESTONE_DUE, "2027-01-04", "2027-01-12",
                NULL);
}

/* Panel guidance: the rapid review within 15 working days of becoming
 * aware, whether or not the notification was sent. */
static void
test_rapid_review_submitted (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-05-22", NULL);

  /* Aware Friday 22 May 2026: due Monday 15 June (see /deadlines/notify-panel/friday). */
  check (calendar, lcase, "2026-06-15", "rapid-review-submitted", LIA_MILESTONE_DUE, "2026-06-15",
         NULL);
  check (calendar, lcase, "2026-06-16", "rapid-review-submitted", LIA_MILESTONE_OVERDUE,
         "2026-06-15", NULL);
  case_set (lcase, "rapid-review.submitted", "2026-06-15");
  check (calendar, lcase, "2026-06-16", "rapid-review-submitted", LIA_MILESTONE_MET, "2026-06-15",
         "2026-06-15");
  case_set (lcase, "rapid-review.submitted", "2026-06-16");
  check (calendar, lcase, "2026-06-16", "rapid-review-submitted", LIA_MILESTONE_MET_LATE,
         "2026-06-15", "2026-06-16");
}

/* Bucks procedure 4.7: the recommendation within one month of the
 * notification, a calendar month clamped to the end of a shorter month. */
static void
test_recommendation (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  const struct
  {
    const char *aware;
    const char *sent;
    const char *due;
  } cases[] = {
    /* 31 January 2024 + 1 month: 2024 is a leap year, 29 February. */
    { "2024-01-29", "2024-01-31", "2024-02-29" },
    /* 31 January 2026 + 1 month: 28 February. */
    { "2026-01-29", "2026-01-31", "2026-02-28" },
    /* 31 March 2026 + 1 month: April has 30 days. */
    { "2026-03-30", "2026-03-31", "2026-04-30" },
    /* 27 August 2026 + 1 month: 27 September, a Sunday; a calendar month
     * does not move to a working day. */
    { "2026-08-25", "2026-08-27", "2026-09-27" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LiaCase) lcase = case_new (cases[i].aware, NULL);

      check (calendar, lcase, cases[i].aware, "recommendation", LIA_MILESTONE_AWAITING, NULL, NULL);
      case_set (lcase, "notification.sent", cases[i].sent);
      check (calendar, lcase, cases[i].sent, "recommendation", LIA_MILESTONE_DUE, cases[i].due,
             NULL);
    }

  {
    /* Due Saturday 28 February 2026. */
    g_autoptr (LiaCase) lcase = case_new ("2026-01-29", "notification.sent", "2026-01-31", NULL);

    check (calendar, lcase, "2026-02-28", "recommendation", LIA_MILESTONE_DUE, "2026-02-28", NULL);
    check (calendar, lcase, "2026-03-01", "recommendation", LIA_MILESTONE_OVERDUE, "2026-02-28",
           NULL);
    case_set (lcase, "rapid-review.recommendation-sent", "2026-02-27");
    check (calendar, lcase, "2026-03-03", "recommendation", LIA_MILESTONE_MET, "2026-02-28",
           "2026-02-27");
    case_set (lcase, "rapid-review.recommendation-sent", "2026-03-02");
    check (calendar, lcase, "2026-03-03", "recommendation", LIA_MILESTONE_MET_LATE, "2026-02-28",
           "2026-03-02");
  }
}

/* Before an LCSPR is decided on, and when there will be none. */
static void
test_lcspr_undecided (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  const char *const none[] = { "no-further-action", "national-review" };

  {
    /* The rapid review recommends an LCSPR; the partnership chair has not
     * decided yet. */
    g_autoptr (LiaCase) lcase = case_new ("2026-06-01", "notification.sent", "2026-06-02",
                                          "rapid-review.outcome", "lcspr", NULL);
    g_autoptr (GPtrArray) milestones = compute (calendar, lcase, NULL, "2026-07-01");
    LiaMilestone *m;

    assert_milestone (milestones, "lcspr-publication", LIA_MILESTONE_AWAITING, NULL, NULL);
    assert_milestone (milestones, "report-to-panel", LIA_MILESTONE_AWAITING, NULL, NULL);
    assert_milestone (milestones, "publication-delay", LIA_MILESTONE_NOT_APPLICABLE, NULL, NULL);
    assert_milestone (milestones, "iopc-representations", LIA_MILESTONE_NOT_APPLICABLE, NULL,
                      NULL);
    m = find (milestones, "keep-published");
    g_assert_true (m->state == LIA_MILESTONE_AWAITING || m->state == LIA_MILESTONE_NOT_APPLICABLE);
    g_assert_false (g_date_valid (&m->due));
  }

  /* No further action, or a national review instead: no LCSPR, so nothing
   * that follows from one applies, each with a note saying why. */
  for (guint i = 0; i < G_N_ELEMENTS (none); i++)
    {
      g_autoptr (LiaCase) lcase = case_new ("2026-06-01", "notification.sent", "2026-06-02",
                                            "rapid-review.outcome", none[i], NULL);
      g_autoptr (GPtrArray) milestones = compute (calendar, lcase, NULL, "2026-07-01");
      const char *const keys[] = { "lcspr-publication", "report-to-panel", "publication-delay",
                                   "iopc-representations", "keep-published" };

      for (guint j = 0; j < G_N_ELEMENTS (keys); j++)
        {
          LiaMilestone *m = assert_milestone (milestones, keys[j], LIA_MILESTONE_NOT_APPLICABLE,
                                              NULL, NULL);

          g_assert_nonnull (m->note);
        }
    }
}

/* LCSPR decided on 31 August 2026: published no later than six months
 * on, 31 August + 6 months = 28 February 2027 (clamped; a Sunday). */
static void
test_lcspr_decided (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-06-01", "notification.sent", "2026-06-02",
                                        "rapid-review.outcome", "lcspr",
                                        "lcspr.decision", "2026-08-31", NULL);

  {
    g_autoptr (GPtrArray) milestones = compute (calendar, lcase, NULL, "2026-10-01");

    assert_milestone (milestones, "lcspr-publication", LIA_MILESTONE_DUE, "2027-02-28", NULL);
    /* Full report 7 working days before publication on Sunday 28
     * February 2027: Fri 26 (1), Thu 25 (2), Wed 24 (3), Tue 23 (4), Mon
     * 22 (5), Fri 19 (6), Thu 18 February (7). */
    assert_milestone (milestones, "report-to-panel", LIA_MILESTONE_DUE, "2027-02-18", NULL);
    /* Not late, not expected late. */
    assert_milestone (milestones, "publication-delay", LIA_MILESTONE_NOT_APPLICABLE, NULL, NULL);
    /* No IOPC investigation. */
    assert_milestone (milestones, "iopc-representations", LIA_MILESTONE_NOT_APPLICABLE, NULL,
                      NULL);
    /* Decided, not yet published. */
    assert_milestone (milestones, "keep-published", LIA_MILESTONE_AWAITING, NULL, NULL);
  }
  {
    /* Today is the publication due date: due, and no delay yet. */
    g_autoptr (GPtrArray) milestones = compute (calendar, lcase, NULL, "2027-02-28");

    assert_milestone (milestones, "lcspr-publication", LIA_MILESTONE_DUE, "2027-02-28", NULL);
    assert_milestone (milestones, "publication-delay", LIA_MILESTONE_NOT_APPLICABLE, NULL, NULL);
    assert_milestone (milestones, "report-to-panel", LIA_MILESTONE_OVERDUE, "2027-02-18", NULL);
  }
  {
    /* The day after, unpublished: overdue, and the Panel and the Secretary
     * of State should have been told of the delay by the due date. */
    g_autoptr (GPtrArray) milestones = compute (calendar, lcase, NULL, "2027-03-01");

    assert_milestone (milestones, "lcspr-publication", LIA_MILESTONE_OVERDUE, "2027-02-28", NULL);
    assert_milestone (milestones, "publication-delay", LIA_MILESTONE_OVERDUE, "2027-02-28", NULL);
    assert_milestone (milestones, "report-to-panel", LIA_MILESTONE_OVERDUE, "2027-02-18", NULL);
    assert_invariants (lcase, milestones, "2027-03-01");
  }

  {
    /* A decision date counts whatever the rapid review's outcome said:
     * a national review, and a local one decided on as well. */
    g_autoptr (LiaCase) national = case_new ("2026-06-01", "notification.sent", "2026-06-02",
                                             "rapid-review.outcome", "national-review",
                                             "lcspr.decision", "2026-08-31", NULL);
    g_autoptr (LiaCase) no_outcome = case_new ("2026-06-01", "notification.sent", "2026-06-02",
                                               "lcspr.decision", "2026-08-31", NULL);

    check (calendar, national, "2026-10-01", "lcspr-publication", LIA_MILESTONE_DUE, "2027-02-28",
           NULL);
    check (calendar, national, "2026-10-01", "report-to-panel", LIA_MILESTONE_DUE, "2027-02-18",
           NULL);
    check (calendar, no_outcome, "2026-10-01", "lcspr-publication", LIA_MILESTONE_DUE,
           "2027-02-28", NULL);
  }
}

/* Published, in time and late. */
static void
test_lcspr_published (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-06-01", "notification.sent", "2026-06-02",
                                        "rapid-review.outcome", "lcspr",
                                        "lcspr.decision", "2026-08-31",
                                        "lcspr.published", "2027-02-26", NULL);

  {
    /* Published Friday 26 February 2027, due Sunday 28 February. The full
     * report was due 7 working days before publication: Thu 25 (1), Wed
     * 24 (2), Tue 23 (3), Mon 22 (4), Fri 19 (5), Thu 18 (6), Wed 17
     * February (7). Kept public 12 months: to 26 February 2028. */
    g_autoptr (GPtrArray) milestones = compute (calendar, lcase, NULL, "2027-03-01");

    assert_milestone (milestones, "lcspr-publication", LIA_MILESTONE_MET, "2027-02-28",
                      "2027-02-26");
    assert_milestone (milestones, "report-to-panel", LIA_MILESTONE_OVERDUE, "2027-02-17", NULL);
    assert_milestone (milestones, "publication-delay", LIA_MILESTONE_NOT_APPLICABLE, NULL, NULL);
    assert_milestone (milestones, "keep-published", LIA_MILESTONE_DUE, "2028-02-26", NULL);
    assert_invariants (lcase, milestones, "2027-03-01");
  }

  /* The report sent on the last day allowed, then a day late. */
  case_set (lcase, "lcspr.report-sent", "2027-02-17");
  check (calendar, lcase, "2027-03-01", "report-to-panel", LIA_MILESTONE_MET, "2027-02-17",
         "2027-02-17");
  case_set (lcase, "lcspr.report-sent", "2027-02-18");
  check (calendar, lcase, "2027-03-01", "report-to-panel", LIA_MILESTONE_MET_LATE, "2027-02-17",
         "2027-02-18");

  {
    /* Published late, on Wednesday 10 March 2027; the report's date moves
     * with it: Tue 9 (1), Mon 8 (2), Fri 5 (3), Thu 4 (4), Wed 3 (5), Tue 2
     * (6), Mon 1 March (7). */
    g_autoptr (LiaCase) late = case_new ("2026-06-01", "notification.sent", "2026-06-02",
                                         "rapid-review.outcome", "lcspr",
                                         "lcspr.decision", "2026-08-31",
                                         "lcspr.published", "2027-03-10", NULL);
    g_autoptr (GPtrArray) milestones = compute (calendar, late, NULL, "2027-03-20");

    assert_milestone (milestones, "lcspr-publication", LIA_MILESTONE_MET_LATE, "2027-02-28",
                      "2027-03-10");
    assert_milestone (milestones, "report-to-panel", LIA_MILESTONE_OVERDUE, "2027-03-01", NULL);
    /* Published after the due date, and nobody told of the delay. */
    assert_milestone (milestones, "publication-delay", LIA_MILESTONE_OVERDUE, "2027-02-28", NULL);
    assert_invariants (late, milestones, "2027-03-20");
  }
}

/* Working Together 2023: tell the Panel and the Secretary of State of a
 * delay, with reasons. Decision 31 August 2026, due 28 February 2027. */
static void
test_publication_delay (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-06-01", "notification.sent", "2026-06-02",
                                        "rapid-review.outcome", "lcspr",
                                        "lcspr.decision", "2026-08-31", NULL);

  /* Planned before the due date: no delay. */
  case_set (lcase, "lcspr.publication-planned", "2027-02-15");
  check (calendar, lcase, "2026-12-01", "publication-delay", LIA_MILESTONE_NOT_APPLICABLE, NULL,
         NULL);

  /* Planned for Monday 15 March 2027, after the due date: expected late,
   * so the delay must be told by the due date. The report's date follows
   * the planned date: Fri 12 (1), Thu 11 (2), Wed 10 (3), Tue 9 (4), Mon 8
   * (5), Fri 5 (6), Thu 4 March (7). */
  case_set (lcase, "lcspr.publication-planned", "2027-03-15");
  check (calendar, lcase, "2026-12-01", "publication-delay", LIA_MILESTONE_DUE, "2027-02-28", NULL);
  check (calendar, lcase, "2026-12-01", "report-to-panel", LIA_MILESTONE_DUE, "2027-03-04", NULL);
  /* Still unpublished after the due date, not yet told: overdue. */
  check (calendar, lcase, "2027-03-01", "publication-delay", LIA_MILESTONE_OVERDUE, "2027-02-28",
         NULL);

  /* Told on 10 February 2027: met. */
  case_add_delay (lcase, 1, "2027-02-10", "Criminal trial listed for March 2027");
  check (calendar, lcase, "2027-03-01", "publication-delay", LIA_MILESTONE_MET, "2027-02-28",
         "2027-02-10");

  {
    /* Two notices, the later one first in the list: the earliest counts,
     * Tuesday 2 March 2027, after the due date: met late. */
    g_autoptr (LiaCase) late = case_new ("2026-06-01", "notification.sent", "2026-06-02",
                                         "rapid-review.outcome", "lcspr",
                                         "lcspr.decision", "2026-08-31", NULL);

    case_add_delay (late, 1, "2027-03-05", "Inquest adjourned");
    case_add_delay (late, 2, "2027-03-02", "Criminal trial listed for April 2027");
    check (calendar, late, "2027-03-10", "publication-delay", LIA_MILESTONE_MET_LATE, "2027-02-28",
           "2027-03-02");
    /* Published late on 10 March, the delay told on 2 March: still late. */
    case_set (late, "lcspr.published", "2027-03-10");
    check (calendar, late, "2027-03-10", "publication-delay", LIA_MILESTONE_MET_LATE, "2027-02-28",
           "2027-03-02");
  }
}

/* Decided not to publish, with the reasons. */
static void
test_lcspr_not_published (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase =
    case_new ("2026-06-01", "notification.sent", "2026-06-02",
              "rapid-review.outcome", "lcspr",
              "lcspr.decision", "2026-08-31",
              "lcspr.not-published", "Publication would identify the surviving siblings", NULL);

  check_note (calendar, lcase, "2026-10-01", "lcspr-publication", LIA_MILESTONE_NOT_APPLICABLE,
              NULL, NULL, "Publication would identify the surviving siblings");
  /* Past the six months, too: not overdue. */
  check_note (calendar, lcase, "2027-03-15", "lcspr-publication", LIA_MILESTONE_NOT_APPLICABLE,
              NULL, NULL, "Publication would identify the surviving siblings");
}

/* Working Together 2023: the full report no later than 7 working days
 * before publication, counted back over bank holidays. */
static void
test_report_to_panel (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();

  {
    /* Decided 15 January 2026 (due 15 July 2026); planned for Monday 1
     * June 2026, after the Spring bank holiday (Mon 25 May): Fri 29 May
     * (1), Thu 28 (2), Wed 27 (3), Tue 26 (4), Fri 22 (5), Thu 21 (6), Wed
     * 20 May (7). */
    g_autoptr (LiaCase) lcase = case_new ("2025-12-01", "notification.sent", "2025-12-02",
                                          "rapid-review.outcome", "lcspr",
                                          "lcspr.decision", "2026-01-15",
                                          "lcspr.publication-planned", "2026-06-01", NULL);

    check (calendar, lcase, "2026-05-01", "lcspr-publication", LIA_MILESTONE_DUE, "2026-07-15",
           NULL);
    check (calendar, lcase, "2026-05-01", "report-to-panel", LIA_MILESTONE_DUE, "2026-05-20", NULL);
    check (calendar, lcase, "2026-05-20", "report-to-panel", LIA_MILESTONE_DUE, "2026-05-20", NULL);
    check (calendar, lcase, "2026-05-21", "report-to-panel", LIA_MILESTONE_OVERDUE, "2026-05-20",
           NULL);
    case_set (lcase, "lcspr.report-sent", "2026-05-20");
    check (calendar, lcase, "2026-05-21", "report-to-panel", LIA_MILESTONE_MET, "2026-05-20",
           "2026-05-20");
    case_set (lcase, "lcspr.report-sent", "2026-05-21");
    check (calendar, lcase, "2026-05-21", "report-to-panel", LIA_MILESTONE_MET_LATE, "2026-05-20",
           "2026-05-21");

    /* Published a day after the plan, on Tuesday 2 June: the actual date
     * counts. Mon 1 June (1), Fri 29 (2), Thu 28 (3), Wed 27 (4), Tue 26
     * (5), Fri 22 (6), Thu 21 May (7). The report sent on the 21st is now
     * in time. */
    case_set (lcase, "lcspr.published", "2026-06-02");
    check (calendar, lcase, "2026-06-03", "report-to-panel", LIA_MILESTONE_MET, "2026-05-21",
           "2026-05-21");
  }
  {
    /* Decided 31 August 2026; planned for Monday 4 January 2027: Thu 31
     * December (1; Fri 1 January is New Year's Day), Wed 30 (2), Tue 29
     * (3), [Mon 28 Boxing Day's substitute, Fri 25 Christmas Day], Thu 24
     * (4), Wed 23 (5), Tue 22 (6), Mon 21 December 2026 (7). */
    g_autoptr (LiaCase) lcase = case_new ("2026-06-01", "notification.sent", "2026-06-02",
                                          "rapid-review.outcome", "lcspr",
                                          "lcspr.decision", "2026-08-31",
                                          "lcspr.publication-planned", "2027-01-04", NULL);

    check (calendar, lcase, "2026-10-01", "report-to-panel", LIA_MILESTONE_DUE, "2026-12-21", NULL);
  }
  {
    /* Decided 15 October 2026 (due 15 April 2027); published Tuesday 6
     * April 2027: Mon 5 (1), Fri 2 (2), Thu 1 (3), Wed 31 March (4), Tue 30
     * (5), [Easter Monday 29, Good Friday 26], Thu 25 (6), Wed 24 March
     * (7). */
    g_autoptr (LiaCase) lcase = case_new ("2026-09-01", "notification.sent", "2026-09-02",
                                          "rapid-review.outcome", "lcspr",
                                          "lcspr.decision", "2026-10-15",
                                          "lcspr.published", "2027-04-06", NULL);

    check (calendar, lcase, "2027-04-07", "lcspr-publication", LIA_MILESTONE_MET, "2027-04-15",
           "2027-04-06");
    check (calendar, lcase, "2027-04-07", "report-to-panel", LIA_MILESTONE_OVERDUE, "2027-03-24",
           NULL);
  }
}

/* The advisory framework, "Reports and publication": ask the IOPC for
 * representations before publishing while its investigation is open. */
static void
test_iopc_representations (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-06-01", "notification.sent", "2026-06-02",
                                        "rapid-review.outcome", "lcspr",
                                        "iopc.referral", "2026-06-10", NULL);

  /* An IOPC investigation, but no LCSPR decided yet. */
  check (calendar, lcase, "2026-07-01", "iopc-representations", LIA_MILESTONE_NOT_APPLICABLE, NULL,
         NULL);

  /* Decided 31 August 2026: publication due Sunday 28 February 2027; the
   * working day before is Friday 26 February. */
  case_set (lcase, "lcspr.decision", "2026-08-31");
  check (calendar, lcase, "2026-10-01", "iopc-representations", LIA_MILESTONE_DUE, "2027-02-26",
         NULL);
  check (calendar, lcase, "2027-02-27", "iopc-representations", LIA_MILESTONE_OVERDUE,
         "2027-02-26", NULL);
  /* Planned for Monday 4 January 2027: the working day before is Thursday
   * 31 December 2026 (Friday 1 January is New Year's Day). */
  case_set (lcase, "lcspr.publication-planned", "2027-01-04");
  check (calendar, lcase, "2026-10-01", "iopc-representations", LIA_MILESTONE_DUE, "2026-12-31",
         NULL);
  case_set (lcase, "lcspr.representations-requested", "2026-12-15");
  check (calendar, lcase, "2026-12-16", "iopc-representations", LIA_MILESTONE_MET, "2026-12-31",
         "2026-12-15");
  case_unset (lcase, "lcspr.representations-requested");

  /* Still investigating: the same. */
  case_set (lcase, "iopc.status", "investigating");
  check (calendar, lcase, "2026-10-01", "iopc-representations", LIA_MILESTONE_DUE, "2026-12-31",
         NULL);

  /* The investigation concluded, or its final report out: nothing to ask. */
  case_set (lcase, "iopc.status", "concluded");
  check (calendar, lcase, "2026-10-01", "iopc-representations", LIA_MILESTONE_NOT_APPLICABLE, NULL,
         NULL);
  case_unset (lcase, "iopc.status");
  case_set (lcase, "iopc.final-report", "2026-09-30");
  check (calendar, lcase, "2026-10-01", "iopc-representations", LIA_MILESTONE_NOT_APPLICABLE, NULL,
         NULL);
  case_unset (lcase, "iopc.final-report");

  /* No IOPC investigation at all. */
  case_unset (lcase, "iopc.referral");
  check (calendar, lcase, "2026-10-01", "iopc-representations", LIA_MILESTONE_NOT_APPLICABLE, NULL,
         NULL);
}

/* Working Together 2023: published reports kept public for at least one
 * year (local), three years (national). */
static void
test_keep_published (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) local = case_new ("2026-06-01", "notification.sent", "2026-06-02",
                                        "rapid-review.outcome", "lcspr",
                                        "lcspr.decision", "2026-08-31",
                                        "lcspr.published", "2027-02-26", NULL);
  g_autoptr (LiaCase) national = case_new ("2026-06-01", "notification.sent", "2026-06-02",
                                           "rapid-review.outcome", "national-review",
                                           "lcspr.decision", "2026-08-31",
                                           "lcspr.published", "2027-02-26", NULL);
  g_autoptr (LiaCase) leap = case_new ("2023-08-01", "notification.sent", "2023-08-02",
                                       "rapid-review.outcome", "lcspr",
                                       "lcspr.decision", "2023-09-01",
                                       "lcspr.published", "2024-02-29", NULL);

  /* Published 26 February 2027: 12 months is 26 February 2028. Due to
   * that day; then met, on that day. */
  check (calendar, local, "2027-03-01", "keep-published", LIA_MILESTONE_DUE, "2028-02-26", NULL);
  check (calendar, local, "2028-02-26", "keep-published", LIA_MILESTONE_DUE, "2028-02-26", NULL);
  check (calendar, local, "2028-02-27", "keep-published", LIA_MILESTONE_MET, "2028-02-26",
         "2028-02-26");
  /* After a national review, 36 months: 26 February 2030. */
  check (calendar, national, "2027-03-01", "keep-published", LIA_MILESTONE_DUE, "2030-02-26", NULL);
  check (calendar, national, "2030-02-27", "keep-published", LIA_MILESTONE_MET, "2030-02-26",
         "2030-02-26");
  /* Published 29 February 2024: 12 months on, 2025 has no 29 February, so
   * 28 February 2025; 36 months on, 28 February 2027. (Decided 1 September
   * 2023, due 1 March 2024: in time.) */
  check (calendar, leap, "2024-03-05", "lcspr-publication", LIA_MILESTONE_MET, "2024-03-01",
         "2024-02-29");
  check (calendar, leap, "2024-03-05", "keep-published", LIA_MILESTONE_DUE, "2025-02-28", NULL);
  case_set (leap, "rapid-review.outcome", "national-review");
  check (calendar, leap, "2024-03-05", "keep-published", LIA_MILESTONE_DUE, "2027-02-28", NULL);
}

/* Action-plan items, and the return or destruction of material. */
static void
test_records (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-05-18", "notification.sent", "2026-05-19", NULL);
  g_autoptr (GPtrArray) records = records_new ();
  g_autoptr (GPtrArray) milestones = NULL;
  LiaRecord *record;
  LiaMilestone *m;

  g_ptr_array_add (records, action_new ("action-today", "2026-06-10", "open"));
  g_ptr_array_add (records, action_new ("action-late", "2026-06-09", "in-progress"));
  g_ptr_array_add (records, action_new ("action-done", "2026-06-01", "done"));
  g_ptr_array_add (records, action_new ("action-cancelled", "2026-06-05", "cancelled"));
  g_ptr_array_add (records, action_new ("action-no-status", "2026-06-30", NULL));
  record = record_new ("material-destroy", LIA_RECORD_MATERIAL, "Case notes, children's services");
  g_date_set_dmy (&record->destroy_on, 1, G_DATE_JULY, 2026);
  g_ptr_array_add (records, record);
  record = record_new ("material-return", LIA_RECORD_MATERIAL, "Custody record");
  g_date_set_dmy (&record->return_on, 1, G_DATE_JUNE, 2026);
  g_ptr_array_add (records, record);
  record = record_new ("interview-return", LIA_RECORD_INTERVIEW, "Interview, duty social worker");
  g_date_set_dmy (&record->return_on, 10, G_DATE_JUNE, 2026);
  g_ptr_array_add (records, record);
  /* A note with no dates: no milestone. */
  g_ptr_array_add (records, record_new ("note-plain", LIA_RECORD_NOTE, "Strategy discussion"));

  milestones = compute (calendar, lcase, records, "2026-06-10");
  assert_invariants (lcase, milestones, "2026-06-10");

  /* Due today: due. */
  m = assert_milestone (milestones, "action:action-today", LIA_MILESTONE_DUE, "2026-06-10", NULL);
  g_assert_cmpstr (m->record_id, ==, "action-today");
  /* Due yesterday, in progress: overdue. */
  m = assert_milestone (milestones, "action:action-late", LIA_MILESTONE_OVERDUE, "2026-06-09",
                        NULL);
  g_assert_cmpstr (m->record_id, ==, "action-late");
  /* Done: met, whether or not the day is known. */
  assert_milestone (milestones, "action:action-done", LIA_MILESTONE_MET, ANY, ANY);
  /* Cancelled: does not apply. */
  assert_milestone (milestones, "action:action-cancelled", LIA_MILESTONE_NOT_APPLICABLE, ANY, ANY);
  /* No status given: open. */
  assert_milestone (milestones, "action:action-no-status", LIA_MILESTONE_DUE, "2026-06-30", NULL);
  /* Material to destroy on 1 July 2026, to return on 1 June. */
  m = assert_milestone (milestones, "destroy:material-destroy", LIA_MILESTONE_DUE, "2026-07-01",
                        NULL);
  g_assert_cmpstr (m->record_id, ==, "material-destroy");
  g_assert_null (lookup (milestones, "return:material-destroy"));
  m = assert_milestone (milestones, "return:material-return", LIA_MILESTONE_OVERDUE, "2026-06-01",
                        NULL);
  g_assert_cmpstr (m->record_id, ==, "material-return");
  g_assert_null (lookup (milestones, "destroy:material-return"));
  /* Any kind of record, here an interview, to return today: due. (A record
   * has a return date or a destruction date, never both: lia-record.c
   * refuses both.) */
  assert_milestone (milestones, "return:interview-return", LIA_MILESTONE_DUE, "2026-06-10", NULL);
  /* Nothing for the note. */
  for (guint i = 0; i < milestones->len; i++)
    {
      m = g_ptr_array_index (milestones, i);
      g_assert_cmpstr (m->record_id, !=, "note-plain");
    }
  /* The table's ten, the five actions and the three dates. */
  g_assert_cmpuint (milestones->len, ==, G_N_ELEMENTS (table_keys) + 5 + 3);

  /* Without records, the table's milestones only. */
  g_clear_pointer (&milestones, g_ptr_array_unref);
  milestones = compute (calendar, lcase, NULL, "2026-06-10");
  g_assert_cmpuint (milestones->len, ==, G_N_ELEMENTS (table_keys));
  g_clear_pointer (&milestones, g_ptr_array_unref);
  {
    g_autoptr (GPtrArray) empty = records_new ();

    milestones = compute (calendar, lcase, empty, "2026-06-10");
    g_assert_cmpuint (milestones->len, ==, G_N_ELEMENTS (table_keys));
  }
}

/* A record its originator withdrew makes no milestone; material destroyed
 * (or returned) on its date keeps only that milestone, met on the day it
 * was done, late if after the date. */
static void
test_records_withdrawn_destroyed (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-05-18", "notification.sent", "2026-05-19", NULL);
  g_autoptr (GPtrArray) records = records_new ();
  g_autoptr (GPtrArray) milestones = NULL;
  g_autoptr (GDateTime) on_time = g_date_time_new_local (2026, 7, 1, 9, 30, 0);
  g_autoptr (GDateTime) late = g_date_time_new_local (2026, 6, 12, 23, 59, 0);
  LiaRecord *record;

  record = action_new ("action-withdrawn", "2026-06-09", "open");
  record->withdrawn = TRUE;
  g_ptr_array_add (records, record);
  record = record_new ("interview-withdrawn", LIA_RECORD_INTERVIEW, "Withdrawn by its originator");
  g_date_set_dmy (&record->destroy_on, 1, G_DATE_JULY, 2026);
  record->withdrawn = TRUE;
  g_ptr_array_add (records, record);
  record = record_new ("interview-destroyed", LIA_RECORD_INTERVIEW, "Destroyed as agreed");
  g_date_set_dmy (&record->destroy_on, 1, G_DATE_JULY, 2026);
  record->destroyed = TRUE;
  record->destroyed_at = g_date_time_to_unix (on_time);
  g_ptr_array_add (records, record);
  record = record_new ("material-returned", LIA_RECORD_MATERIAL, "Destroyed as agreed");
  g_date_set_dmy (&record->return_on, 10, G_DATE_JUNE, 2026);
  record->destroyed = TRUE;
  record->destroyed_at = g_date_time_to_unix (late);
  g_ptr_array_add (records, record);
  /* An action item with a destruction date, destroyed: no action any more. */
  record = action_new ("action-destroyed", "2026-06-20", "open");
  g_date_set_dmy (&record->destroy_on, 1, G_DATE_JULY, 2026);
  record->destroyed = TRUE;
  record->destroyed_at = g_date_time_to_unix (on_time);
  g_ptr_array_add (records, record);

  milestones = compute (calendar, lcase, records, "2026-07-02");
  assert_invariants (lcase, milestones, "2026-07-02");
  g_assert_null (lookup (milestones, "action:action-withdrawn"));
  g_assert_null (lookup (milestones, "destroy:interview-withdrawn"));
  assert_milestone (milestones, "destroy:interview-destroyed", LIA_MILESTONE_MET, "2026-07-01",
                    "2026-07-01");
  assert_milestone (milestones, "return:material-returned", LIA_MILESTONE_MET_LATE, "2026-06-10",
                    "2026-06-12");
  g_assert_null (lookup (milestones, "action:action-destroyed"));
  assert_milestone (milestones, "destroy:action-destroyed", LIA_MILESTONE_MET, "2026-07-01",
                    "2026-07-01");
  g_assert_cmpuint (milestones->len, ==, G_N_ELEMENTS (table_keys) + 3);
}

/* Records come out in record id order, whatever order they are given in,
 * so that every store numbers a case's milestones alike. */
static void
test_records_order (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (LiaCase) lcase = case_new ("2026-05-18", NULL);
  g_autoptr (GPtrArray) forward = records_new ();
  g_autoptr (GPtrArray) backward = records_new ();
  g_autoptr (GPtrArray) a = NULL;
  g_autoptr (GPtrArray) b = NULL;
  static const char *const ids[] = { "b-second", "a-first", "c-third" };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_ptr_array_add (forward, action_new (ids[i], "2026-06-10", "open"));
      g_ptr_array_add (backward, action_new (ids[G_N_ELEMENTS (ids) - 1 - i], "2026-06-10", "open"));
    }
  a = compute (calendar, lcase, forward, "2026-06-01");
  b = compute (calendar, lcase, backward, "2026-06-01");
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (((LiaMilestone *) a->pdata[i])->key, ==, ((LiaMilestone *) b->pdata[i])->key);
  g_assert_cmpstr (((LiaMilestone *) a->pdata[G_N_ELEMENTS (table_keys)])->key, ==,
                   "action:a-first");
  g_assert_cmpstr (((LiaMilestone *) a->pdata[a->len - 1])->key, ==, "action:c-third");
}

/* Past the last year of the bank holiday data (2027): weekends only, and
 * a note that says so. */
static void
test_beyond_calendar (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();

  g_assert_cmpint (lia_calendar_get_last_year (calendar), ==, 2027);
  {
    /* Aware Monday 6 May 2030: Tue 7 (1), Wed 8 (2), Thu 9 (3), Fri 10
     * (4), Mon 13 May (5); the first Monday of May, which would be a bank
     * holiday, is not known. 15 working days: Tue 14 (6) to Fri 17 (9), Mon
     * 20 (10) to Fri 24 (14), Mon 27 May (15). */
    g_autoptr (LiaCase) lcase = case_new ("2030-05-06", NULL);

    check_note (calendar, lcase, "2030-05-06", "notify-panel", LIA_MILESTONE_DUE, "2030-05-13", NULL,
                ANY);
    check_note (calendar, lcase, "2030-05-06", "rapid-review-submitted", LIA_MILESTONE_DUE,
                "2030-05-27", NULL, ANY);
    /* Notification Wednesday 8 May 2030: request by Thu 9 (1), Fri 10 (2);
     * the meeting from Fri 17 May (7) to Mon 27 May (13). */
    case_set (lcase, "notification.sent", "2030-05-08");
    check_note (calendar, lcase, "2030-05-08", "information-request", LIA_MILESTONE_DUE,
                "2030-05-10", NULL, ANY);
    check_window (calendar, lcase, "2030-05-08", LIA_MILESTONE_DUE, "2030-05-17", "2030-05-27",
                  NULL);
    check_note (calendar, lcase, "2030-05-08", "rapid-review-meeting", LIA_MILESTONE_DUE,
                "2030-05-27", NULL, ANY);
    /* A calendar month needs no bank holidays: 8 June 2030. */
    check (calendar, lcase, "2030-05-08", "recommendation", LIA_MILESTONE_DUE, "2030-06-08", NULL);
  }
  {
    /* Aware Wednesday 29 December 2027, across the end of the data: Thu 30
     * (1), Fri 31 (2), Mon 3 January 2028 (3), Tue 4 (4), Wed 5 (5). (No
     * holiday of 2027 falls after the 29th, so counting the last days with
     * or without the data gives the same day.) 15 working days: Thu 6 (6)
     * to Fri 7 (7), Mon 10 (8) to Fri 14 (12), Mon 17 (13), Tue 18 (14),
     * Wed 19 January 2028 (15). */
    g_autoptr (LiaCase) lcase = case_new ("2027-12-29", NULL);

    check_note (calendar, lcase, "2027-12-29", "notify-panel", LIA_MILESTONE_DUE, "2028-01-05", NULL,
                ANY);
    check_note (calendar, lcase, "2027-12-29", "rapid-review-submitted", LIA_MILESTONE_DUE,
                "2028-01-19", NULL, ANY);
  }
}

/* The open milestone due soonest. */
static void
test_next (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  /* Aware Friday 22 May 2026: notify by Monday 1 June, rapid review by
   * Monday 15 June (see /deadlines/notify-panel/friday). */
  g_autoptr (LiaCase) lcase = case_new ("2026-05-22", NULL);
  g_autoptr (GPtrArray) records = records_new ();
  g_autoptr (GPtrArray) empty = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_milestone_free);
  LiaRecord *record;

  g_assert_null (lia_deadlines_next (empty));

  {
    /* Without records: the notification, due 1 June, before the rapid
     * review on 15 June. */
    g_autoptr (GPtrArray) milestones = compute (calendar, lcase, NULL, "2026-05-26");
    LiaMilestone *next = lia_deadlines_next (milestones);

    g_assert_nonnull (next);
    g_assert_true (g_ptr_array_find (milestones, next, NULL));
    g_assert_cmpstr (next->key, ==, "notify-panel");
  }

  /* Done and cancelled items are earlier but not open; the action due
   * Friday 29 May comes before the notification. */
  g_ptr_array_add (records, action_new ("action-done", "2026-05-20", "done"));
  g_ptr_array_add (records, action_new ("action-cancelled", "2026-05-19", "cancelled"));
  g_ptr_array_add (records, action_new ("action-soon", "2026-05-29", "open"));
  record = record_new ("material", LIA_RECORD_MATERIAL, "School records");
  g_date_set_dmy (&record->destroy_on, 30, G_DATE_JUNE, 2026);
  g_ptr_array_add (records, record);
  {
    g_autoptr (GPtrArray) milestones = compute (calendar, lcase, records, "2026-05-26");
    LiaMilestone *next = lia_deadlines_next (milestones);

    g_assert_nonnull (next);
    g_assert_cmpstr (next->key, ==, "action:action-soon");
  }

  /* An overdue item, due on the Spring bank holiday, comes first. */
  g_ptr_array_add (records, action_new ("action-overdue", "2026-05-25", "in-progress"));
  {
    g_autoptr (GPtrArray) milestones = compute (calendar, lcase, records, "2026-05-26");
    LiaMilestone *next = lia_deadlines_next (milestones);

    g_assert_nonnull (next);
    g_assert_cmpstr (next->key, ==, "action:action-overdue");
    g_assert_cmpint (next->state, ==, LIA_MILESTONE_OVERDUE);
  }
}

/* Everything done in time, and no LCSPR: nothing open. */
static void
test_all_met (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  /* Aware Friday 22 May 2026: notify by Monday 1 June; sent Tuesday 26
   * May. Information request by Thursday 28 May (Wed 27 (1), Thu 28 (2)),
   * sent then. Meeting between Thursday 4 June (Wed 27, Thu 28, Fri 29,
   * Mon 1, Tue 2, Wed 3, Thu 4: 7) and Friday 12 June (Fri 5, Mon 8 to
   * Fri 12: 13), held on the first day. Rapid review by Monday 15 June,
   * sent Friday 12. Recommendation by 26 June (a month), sent 26 June. */
  g_autoptr (LiaCase) lcase = case_new ("2026-05-22",
                                        "notification.sent", "2026-05-26",
                                        "rapid-review.request-sent", "2026-05-28",
                                        "rapid-review.meeting", "2026-06-04",
                                        "rapid-review.submitted", "2026-06-12",
                                        "rapid-review.recommendation-sent", "2026-06-26",
                                        "rapid-review.outcome", "no-further-action", NULL);
  g_autoptr (GPtrArray) milestones = compute (calendar, lcase, NULL, "2026-07-01");
  LiaMilestone *m;

  assert_milestone (milestones, "notify-panel", LIA_MILESTONE_MET, "2026-06-01", "2026-05-26");
  assert_milestone (milestones, "information-request", LIA_MILESTONE_MET, "2026-05-28",
                    "2026-05-28");
  m = assert_milestone (milestones, "rapid-review-meeting", LIA_MILESTONE_MET, "2026-06-12",
                        "2026-06-04");
  assert_date (m, "window from", &m->window_start, "2026-06-04");
  assert_milestone (milestones, "rapid-review-submitted", LIA_MILESTONE_MET, "2026-06-15",
                    "2026-06-12");
  assert_milestone (milestones, "recommendation", LIA_MILESTONE_MET, "2026-06-26", "2026-06-26");
  for (guint i = 5; i < G_N_ELEMENTS (table_keys); i++)
    assert_milestone (milestones, table_keys[i], LIA_MILESTONE_NOT_APPLICABLE, NULL, NULL);
  assert_invariants (lcase, milestones, "2026-07-01");
  g_assert_null (lia_deadlines_next (milestones));
}

/* The invariants of assert_invariants() over cases in many states. */
static void
test_invariants (void)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  const struct
  {
    const char *aware;
    const char *today;
    const char *fields[24];
  } cases[] = {
    { "2026-11-16", "2026-11-16", { NULL } },
    { "2026-11-16", "2027-06-01", { NULL } },
    { "2026-05-22", "2026-06-20",
      { "notification.sent", "2026-06-03", "rapid-review.meeting", "2026-06-05",
        "rapid-review.outcome", "lcspr", NULL } },
    { "2026-06-01", "2026-10-01",
      { "notification.sent", "2026-06-02", "rapid-review.request-sent", "2026-06-08",
        "rapid-review.meeting", "2026-06-30", "rapid-review.submitted", "2026-06-23",
        "rapid-review.recommendation-sent", "2026-07-10", "rapid-review.outcome", "lcspr",
        "lcspr.decision", "2026-08-31", "iopc.referral", "2026-06-10", NULL } },
    { "2026-06-01", "2027-04-01",
      { "notification.sent", "2026-06-02", "rapid-review.outcome", "lcspr",
        "lcspr.decision", "2026-08-31", "lcspr.publication-planned", "2027-05-04",
        "iopc.referral", "2026-06-10", "lcspr.representations-requested", "2027-04-01", NULL } },
    { "2026-06-01", "2028-03-01",
      { "notification.sent", "2026-06-02", "rapid-review.outcome", "national-review",
        "lcspr.decision", "2026-08-31", "lcspr.published", "2027-03-10",
        "lcspr.report-sent", "2027-02-26", NULL } },
    { "2026-06-01", "2027-03-15",
      { "notification.sent", "2026-06-02", "rapid-review.outcome", "lcspr",
        "lcspr.decision", "2026-08-31", "lcspr.not-published", "Risk to the siblings", NULL } },
    { "2026-06-01", "2026-07-01",
      { "notification.sent", "2026-06-09", "rapid-review.outcome", "no-further-action", NULL } },
    { "2030-05-06", "2030-05-08", { "notification.sent", "2030-05-08", NULL } },
    { "2027-12-29", "2028-02-01", { NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LiaCase) lcase = case_new (cases[i].aware, NULL);
      g_autoptr (GPtrArray) records = records_new ();
      g_autoptr (GPtrArray) milestones = NULL;
      LiaRecord *record;

      for (guint j = 0; cases[i].fields[j] != NULL; j += 2)
        case_set (lcase, cases[i].fields[j], cases[i].fields[j + 1]);
      if (i % 2 == 0)
        case_add_delay (lcase, 1, "2027-02-20", "Inquest not yet concluded");
      g_ptr_array_add (records, action_new ("a-open", "2026-09-01", "open"));
      g_ptr_array_add (records, action_new ("a-done", "2026-09-01", "done"));
      g_ptr_array_add (records, action_new ("a-cancelled", "2026-09-01", "cancelled"));
      record = record_new ("m-destroy", LIA_RECORD_MATERIAL, "Disclosed material");
      g_date_set_dmy (&record->destroy_on, 1, G_DATE_MARCH, 2027);
      g_ptr_array_add (records, record);
      record = record_new ("m-return", LIA_RECORD_MATERIAL, "Custody record");
      g_date_set_dmy (&record->return_on, 1, G_DATE_DECEMBER, 2026);
      g_ptr_array_add (records, record);

      milestones = compute (calendar, lcase, records, cases[i].today);
      assert_invariants (lcase, milestones, cases[i].today);
    }
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/deadlines/states", test_states);
  g_test_add_func ("/deadlines/order", test_order);
  g_test_add_func ("/deadlines/invariants", test_invariants);
  g_test_add_func ("/deadlines/notify-panel/friday", test_notify_friday);
  g_test_add_func ("/deadlines/notify-panel/weekend-and-bank-holiday", test_notify_weekend_holiday);
  g_test_add_func ("/deadlines/notify-panel/easter", test_notify_easter);
  g_test_add_func ("/deadlines/notify-panel/christmas", test_notify_christmas);
  g_test_add_func ("/deadlines/notify-panel/due-today", test_notify_due_today);
  g_test_add_func ("/deadlines/notify-panel/met", test_notify_met);
  g_test_add_func ("/deadlines/information-request", test_information_request);
  g_test_add_func ("/deadlines/rapid-review-meeting/window", test_meeting_window);
  g_test_add_func ("/deadlines/rapid-review-meeting/holidays", test_meeting_holidays);
  g_test_add_func ("/deadlines/rapid-review-submitted", test_rapid_review_submitted);
  g_test_add_func ("/deadlines/recommendation", test_recommendation);
  g_test_add_func ("/deadlines/lcspr/undecided", test_lcspr_undecided);
  g_test_add_func ("/deadlines/lcspr/decided", test_lcspr_decided);
  g_test_add_func ("/deadlines/lcspr/published", test_lcspr_published);
  g_test_add_func ("/deadlines/lcspr/not-published", test_lcspr_not_published);
  g_test_add_func ("/deadlines/publication-delay", test_publication_delay);
  g_test_add_func ("/deadlines/report-to-panel", test_report_to_panel);
  g_test_add_func ("/deadlines/iopc-representations", test_iopc_representations);
  g_test_add_func ("/deadlines/keep-published", test_keep_published);
  g_test_add_func ("/deadlines/records", test_records);
  g_test_add_func ("/deadlines/records/withdrawn-destroyed", test_records_withdrawn_destroyed);
  g_test_add_func ("/deadlines/records/order", test_records_order);
  g_test_add_func ("/deadlines/beyond-calendar", test_beyond_calendar);
  g_test_add_func ("/deadlines/next", test_next);
  g_test_add_func ("/deadlines/all-met", test_all_met);

  return g_test_run ();
}
