/* test-milestones.c: the milestone table is a cache of the deadline
 * engine, and never anything else.
 *
 * lia-deadlines.c keeps each case's milestones in a table, recomputed in
 * the transaction of every write that can change them, and reads
 * `deadlines` and each case's next deadline from it. These tests hold it
 * against the engine itself: after every kind of write (a new case, a
 * field set or cleared, a delay notice, a participant, records with dates
 * added, edited and withdrawn, records and cases received by exchange,
 * material destroyed on its date, the demo loaded, the calendar
 * refreshed), what the store reads out is exactly what
 * lia_deadlines_compute() works out afresh from the case and its records,
 * for several days; and nothing is left waiting after a write commits, so
 * the table was brought up to date by the write itself, not by the read.
 * A store from before the table (schema 4) gets it filled when it is
 * opened.
 *
 * The random part runs LIAISON_MILESTONE_SEEDS seeds (default 3; the
 * sanitizer build runs 1) from LIAISON_MILESTONE_SEED.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "lia-calendar-private.h"
#include "lia-deadlines.h"
#include "lia-demo.h"
#include "lia-exchange.h"
#include "lia-migrations.h"
#include "lia-record.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

/* ---- the engine afresh, and the comparison ------------------------------- */

static int
compare_due (gconstpointer a, gconstpointer b)
{
  const LiaMilestone *x = *(LiaMilestone *const *) a;
  const LiaMilestone *y = *(LiaMilestone *const *) b;
  gboolean xv = g_date_valid (&x->due), yv = g_date_valid (&y->due);

  if (xv != yv)
    return xv ? -1 : 1;
  return xv ? g_date_compare (&x->due, &y->due) : 0;
}

static int
compare_ids (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Every case of @store, computed now by lia_deadlines_compute()
 * with a calendar loaded afresh, from lia_case_load() and lia_record_list(),
 * in case id order and the engine's order, then sorted by due date (a
 * stable sort), as lia_deadlines_for_store() promises. */
static GPtrArray *
fresh (LiaStore *store, const GDate *today)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_current (NULL);
  g_autoptr (GPtrArray) cases = lia_case_list (store, &error);
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_milestone_free);

  g_assert_no_error (error);
  for (guint i = 0; i < cases->len; i++)
    {
      const LiaCase *c = cases->pdata[i];

      g_ptr_array_add (ids, c->id);
    }
  g_ptr_array_sort (ids, compare_ids);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr (LiaCase) lcase = lia_case_load (store, ids->pdata[i], &error);
      g_autoptr (GPtrArray) records = NULL;
      g_autoptr (GPtrArray) milestones = NULL;

      g_assert_no_error (error);
      records = lia_record_list (store, lcase->id, -1, &error);
      g_assert_no_error (error);
      milestones = lia_deadlines_compute (calendar, lcase, records, today);
      for (guint j = 0; j < milestones->len; j++)
        g_ptr_array_add (all, g_steal_pointer (&milestones->pdata[j]));
    }
  g_ptr_array_sort (all, compare_due);
  return all;
}

static char *
date_or_none (const GDate *date)
{
  return g_date_valid (date) ? lia_date_format (date) : g_strdup ("none");
}

static void
assert_same_milestone (const LiaMilestone *got, const LiaMilestone *want)
{
  g_autofree char *got_due = date_or_none (&got->due);
  g_autofree char *want_due = date_or_none (&want->due);
  g_autofree char *got_start = date_or_none (&got->window_start);
  g_autofree char *want_start = date_or_none (&want->window_start);
  g_autofree char *got_met = date_or_none (&got->met_on);
  g_autofree char *want_met = date_or_none (&want->met_on);

  g_assert_cmpstr (got->case_id, ==, want->case_id);
  g_assert_cmpstr (got->key, ==, want->key);
  g_assert_cmpstr (got->title, ==, want->title);
  g_assert_cmpstr (got_due, ==, want_due);
  g_assert_cmpstr (got_start, ==, want_start);
  g_assert_cmpstr (lia_milestone_state_to_string (got->state), ==,
                   lia_milestone_state_to_string (want->state));
  g_assert_cmpstr (got_met, ==, want_met);
  g_assert_cmpstr (got->rule, ==, want->rule);
  g_assert_cmpstr (got->source, ==, want->source);
  g_assert_cmpstr (got->note, ==, want->note);
  g_assert_cmpstr (got->record_id, ==, want->record_id);
}

/* @got holds exactly those of @want for which @keep says so, in order. */
static void
assert_same (GPtrArray *got, GPtrArray *want, gboolean open_only, const GDate *due_by)
{
  guint j = 0;

  for (guint i = 0; i < want->len; i++)
    {
      const LiaMilestone *w = want->pdata[i];

      if (open_only && !lia_milestone_state_is_open (w->state))
        continue;
      if (due_by != NULL && (!g_date_valid (&w->due) || g_date_compare (&w->due, due_by) > 0))
        continue;
      g_assert_cmpuint (j, <, got->len);
      assert_same_milestone (got->pdata[j++], w);
    }
  g_assert_cmpuint (j, ==, got->len);
}

/* Nothing waits to be computed, and the table was computed with the
 * calendar in use: what a write left is current without help from the
 * reader. */
static void
assert_settled (LiaStore *store)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_current (NULL);
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM milestone_basis "
                                          "WHERE basis LIKE '%%calendar %s'",
                                          lia_calendar_get_digest (calendar));

  g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM milestone_stale"), ==, 0);
  if (lia_test_query_int (store, "SELECT count(*) FROM lcase") > 0)
    g_assert_cmpint (lia_test_query_int (store, sql), ==, 1);
}

/* Those of @all (sorted) that belong to @case_id, in the same order: what
 * the engine gives that case alone, sorted alike (the sort is stable). */
static GPtrArray *
of_case (GPtrArray *all, const char *case_id)
{
  GPtrArray *one = g_ptr_array_new ();

  for (guint i = 0; i < all->len; i++)
    if (g_str_equal (((LiaMilestone *) all->pdata[i])->case_id, case_id))
      g_ptr_array_add (one, all->pdata[i]);
  return one;
}

/* What @store reads out on @today is what the engine works out: every
 * milestone, what is open, what is due within a month, one case's, and
 * each case's next deadline. */
static void
check_on (LiaStore *store, const GDate *today, GRand *rand)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) want = fresh (store, today);
  g_autoptr (GPtrArray) all = lia_deadlines_for_store (store, NULL, today, FALSE, NULL, &error);
  g_autoptr (GPtrArray) open = NULL;
  g_autoptr (GPtrArray) soon = NULL;
  g_autoptr (GHashTable) next = NULL;
  g_autoptr (GPtrArray) cases = NULL;
  GDate horizon = *today;

  g_assert_no_error (error);
  assert_same (all, want, FALSE, NULL);
  open = lia_deadlines_for_store (store, NULL, today, TRUE, NULL, &error);
  g_assert_no_error (error);
  assert_same (open, want, TRUE, NULL);
  g_date_add_days (&horizon, 30);
  soon = lia_deadlines_for_store (store, NULL, today, TRUE, &horizon, &error);
  g_assert_no_error (error);
  assert_same (soon, want, TRUE, &horizon);

  cases = lia_case_list (store, &error);
  g_assert_no_error (error);
  next = lia_deadlines_next_by_case (store, today, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < cases->len; i++)
    {
      const LiaCase *c = cases->pdata[i];
      g_autoptr (GPtrArray) one_want = of_case (want, c->id);
      LiaMilestone *want_next = lia_deadlines_next (one_want);
      LiaMilestone *got_next = g_hash_table_lookup (next, c->id);

      if (want_next == NULL)
        g_assert_null (got_next);
      else
        {
          g_assert_nonnull (got_next);
          assert_same_milestone (got_next, want_next);
        }
      /* One case, by a prefix of its id, for one case in a few. */
      if (g_rand_int_range (rand, 0, 3) == 0)
        {
          g_autofree char *prefix = g_strndup (c->id, 8);
          g_autoptr (GPtrArray) one = lia_deadlines_for_store (store, prefix, today, FALSE, NULL,
                                                               &error);

          g_assert_no_error (error);
          assert_same (one, one_want, FALSE, NULL);
        }
    }
  g_assert_cmpuint (g_hash_table_size (next), <=, cases->len);
}

static void
random_date (GRand *rand, GDate *out, int from_year, int to_year)
{
  GDate first;

  g_date_clear (&first, 1);
  g_date_set_dmy (&first, 1, G_DATE_JANUARY, from_year);
  *out = first;
  g_date_add_days (out, g_rand_int_range (rand, 0, 365 * (to_year - from_year + 1)));
}

/* The store against the engine on several days: random ones, and either
 * side of a random due date (where states change). */
static void
check (LiaStore *store, GRand *rand)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = NULL;
  GDate today;

  assert_settled (store);
  for (int i = 0; i < 2; i++)
    {
      random_date (rand, &today, 2025, 2028);
      check_on (store, &today, rand);
    }
  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 1, G_DATE_JANUARY, 2026);
  all = lia_deadlines_for_store (store, NULL, &today, FALSE, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < all->len && i < 40; i++)
    {
      const LiaMilestone *m = all->pdata[g_rand_int_range (rand, 0, all->len)];

      if (g_date_valid (&m->due))
        {
          GDate day = m->due;

          check_on (store, &day, rand);
          g_date_add_days (&day, 1);
          check_on (store, &day, rand);
          break;
        }
    }
}

/* ---- two organisations that exchange ---------------------------------------- */

#define COUNCIL "Northshire Council"
#define POLICE "Northshire Police"

typedef struct
{
  LiaStore  *council;    /* leads every case */
  LiaStore  *police;     /* takes part, and receives what the council shares */
  GPtrArray *cases;      /* ids, in the order made */
  GPtrArray *own;        /* the council's own records with dates, by id */
  GRand     *rand;
} World;

/* A bundle from @from to @to, imported whole. */
static void
deliver (LiaStore *from, const char *to_name, LiaStore *to)
{
  g_autoptr (GBytes) bundle = lia_test_export_bundle (from, to_name, NULL, NULL);
  g_autoptr (LiaImportReport) report = lia_test_import_bundle (to, bundle);

  g_assert_null (report->cut_short);
}

static char *
date_text (GRand *rand, const char *around, int from_days, int to_days)
{
  GDate date;

  g_assert_true (lia_date_parse (around, &date, NULL));
  if (from_days < 0)
    g_date_subtract_days (&date, (guint) -from_days);
  else
    g_date_add_days (&date, (guint) from_days);
  g_date_add_days (&date, g_rand_int_range (rand, 0, to_days - from_days + 1));
  return lia_date_format (&date);
}

static char *
aware_of (World *w, const char *case_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaCase) lcase = lia_case_load (w->council, case_id, &error);

  g_assert_no_error (error);
  return lia_date_format (&lcase->aware);
}

static const char *
random_case (World *w)
{
  return w->cases->pdata[g_rand_int_range (w->rand, 0, w->cases->len)];
}

static void
op_new_case (World *w)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *child = g_strdup_printf ("Child %u", w->cases->len + 1);
  GDate aware;
  g_autofree char *aware_text = NULL;
  const char *const all[] = { "all", NULL };
  LiaCaseDraft draft = { .title = child, .child = child, .area = "Northshire" };
  char *id;

  /* 2025 to 2027, so that some deadlines fall beyond the built-in
   * calendar (2028), where weekends alone are skipped and a note says
   * so; and so that a refreshed calendar changes them. */
  random_date (w->rand, &aware, 2025, 2027);
  aware_text = lia_date_format (&aware);
  draft.aware = aware_text;
  id = lia_case_create (w->council, &draft, "A. Lead", &error);
  g_assert_no_error (error);
  g_ptr_array_add (w->cases, id);
  if (g_rand_boolean (w->rand))
    {
      g_autoptr (LiaOrg) police = lia_store_find_org (w->council, POLICE, &error);

      g_assert_no_error (error);
      g_assert_true (lia_case_add_participant (w->council, id, police, LIA_ROLE_POLICE,
                                               "P. Contact", NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (lia_case_share (w->council, id, POLICE, all, "A. Lead", &error));
      g_assert_no_error (error);
    }
}

/* The fields the rules read, and one they do not. */
static const char *const rule_fields[] = {
  "aware", "notification.sent", "rapid-review.request-sent", "rapid-review.meeting",
  "rapid-review.submitted", "rapid-review.recommendation-sent", "rapid-review.outcome",
  "lcspr.decision", "lcspr.publication-planned", "lcspr.published", "lcspr.report-sent",
  "lcspr.representations-requested", "lcspr.not-published", "iopc.referral", "iopc.status",
  "iopc.final-report", "lcspr.reviewers",
};

/* Sets or clears a field; a value the model refuses (an awareness date
 * before the incident, say) is a write that fails, which must leave the
 * table as it was. */
static void
op_set_field (World *w)
{
  const char *case_id = random_case (w);
  const char *name = rule_fields[g_rand_int_range (w->rand, 0, G_N_ELEMENTS (rule_fields))];
  guint n;
  const LiaField *fields = lia_case_fields (&n);
  const LiaField *field = lia_field_find (fields, n, name);
  g_autofree char *aware = aware_of (w, case_id);
  g_autofree char *value = NULL;
  g_autoptr (GError) error = NULL;

  if (g_rand_int_range (w->rand, 0, 5) == 0 && !field->required)
    value = NULL;
  else if (field->type == LIA_FIELD_DATE)
    value = g_str_equal (name, "aware") ? date_text (w->rand, aware, -30, 30)
                                        : date_text (w->rand, aware, -5, 450);
  else if (field->type == LIA_FIELD_CHOICE)
    {
      guint count = g_strv_length ((char **) field->choices);

      value = g_strdup (field->choices[g_rand_int_range (w->rand, 0, count)]);
    }
  else
    value = g_strdup ("Withheld pending the trial");
  if (!lia_case_set_field (w->council, case_id, name, value, &error))
    g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
}

static void
op_delay_notice (World *w)
{
  const char *case_id = random_case (w);
  g_autofree char *aware = aware_of (w, case_id);
  g_autofree char *sent = date_text (w->rand, aware, 60, 400);
  g_autoptr (GError) error = NULL;

  g_assert_true (lia_case_add_delay_notice (w->council, case_id, sent, "The criminal trial",
                                            NULL, &error));
  g_assert_no_error (error);
}

/* A participant the rules do not read: the table must not change. */
static void
op_participant (World *w)
{
  const char *case_id = random_case (w);
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("Agency %d", g_rand_int_range (w->rand, 0, 1000000));
  g_autoptr (LiaOrg) org = lia_store_add_org (w->council, name, LIA_ORG_KIND_AGENCY, &error);

  g_assert_no_error (error);
  g_assert_true (lia_case_add_participant (w->council, case_id, org, LIA_ROLE_AGENCY, "A. Person",
                                           NULL, NULL, &error));
  g_assert_no_error (error);
}

static const char *const statuses[] = { "open", "in-progress", "done", "cancelled" };

/* A record of @store's own on a case: an action item, an interview to be
 * destroyed, material to be returned, a note with no date (which makes no
 * milestone), or a chronology entry. */
static char *
add_record (World *w, LiaStore *store, const char *case_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) f = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *aware = aware_of (w, case_id);
  LiaRecordKind kind;
  char *id;

  switch (g_rand_int_range (w->rand, 0, 5))
    {
    case 0:
    case 1:
      kind = LIA_RECORD_ACTION;
      g_hash_table_insert (f, "owner", g_strdup ("Head of Service"));
      g_hash_table_insert (f, "action", g_strdup ("Brief every GP practice"));
      g_hash_table_insert (f, "due", date_text (w->rand, aware, 0, 500));
      g_hash_table_insert (f, "status", g_strdup (statuses[g_rand_int_range (w->rand, 0, 4)]));
      break;
    case 2:
      kind = LIA_RECORD_INTERVIEW;
      g_hash_table_insert (f, "date", date_text (w->rand, aware, 0, 60));
      g_hash_table_insert (f, "role", g_strdup ("Attending officer"));
      g_hash_table_insert (f, "summary", g_strdup ("Spoke to the family."));
      g_hash_table_insert (f, "destroy-on", date_text (w->rand, aware, 30, 700));
      break;
    case 3:
      kind = LIA_RECORD_MATERIAL;
      g_hash_table_insert (f, "title", g_strdup ("Body-worn footage"));
      g_hash_table_insert (f, "originating-org", g_strdup ("Northshire Police"));
      g_hash_table_insert (f, "return-on", date_text (w->rand, aware, 30, 700));
      break;
    default:
      kind = g_rand_boolean (w->rand) ? LIA_RECORD_NOTE : LIA_RECORD_CHRONOLOGY;
      if (kind == LIA_RECORD_NOTE)
        g_hash_table_insert (f, "text", g_strdup ("Nothing with a date."));
      else
        {
          g_hash_table_insert (f, "date", date_text (w->rand, aware, -100, 0));
          g_hash_table_insert (f, "what", g_strdup ("A home visit."));
        }
      break;
    }
  id = lia_record_add (store, case_id, kind, f, &error);
  g_assert_no_error (error);
  return id;
}

static void
op_add_record (World *w)
{
  g_ptr_array_add (w->own, add_record (w, w->council, random_case (w)));
}

/* The police add a record of their own to a case they have received and
 * take part in. */
static void
op_police_record (World *w)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) cases = lia_case_list (w->police, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < cases->len; i++)
    {
      const LiaCase *c = cases->pdata[i];
      g_autoptr (LiaCase) full = lia_case_load (w->police, c->id, &error);

      g_assert_no_error (error);
      for (guint j = 0; j < full->participants->len; j++)
        {
          const LiaParticipant *p = full->participants->pdata[j];

          if (p->org->is_self)
            {
              g_free (add_record (w, w->police, c->id));
              return;
            }
        }
    }
}

/* A new version of one of the council's records: a new due date, status,
 * title, or destruction or return date, set or cleared. */
/* One of the council's records, not withdrawn; or NULL. */
static LiaRecord *
random_own_record (World *w)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaRecord) record = NULL;

  if (w->own->len == 0)
    return NULL;
  record = lia_record_load (w->council, w->own->pdata[g_rand_int_range (w->rand, 0, w->own->len)],
                            &error);
  g_assert_no_error (error);
  return record->withdrawn ? NULL : g_steal_pointer (&record);
}

static void
op_edit_record (World *w)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) changes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr (LiaRecord) record = NULL;
  g_autofree char *aware = NULL;

  record = random_own_record (w);
  if (record == NULL)
    return;
  aware = aware_of (w, record->case_id);
  switch (g_rand_int_range (w->rand, 0, 4))
    {
    case 0:
      g_hash_table_insert (changes, "title", g_strdup_printf ("Renamed %d",
                                                               g_rand_int_range (w->rand, 0, 100)));
      break;
    case 1:
      g_hash_table_insert (changes, "destroy-on", g_rand_boolean (w->rand)
                                                    ? date_text (w->rand, aware, 30, 700)
                                                    : g_strdup (""));
      break;
    case 2:
      g_hash_table_insert (changes, "return-on", g_rand_boolean (w->rand)
                                                   ? date_text (w->rand, aware, 30, 700)
                                                   : g_strdup (""));
      break;
    default:
      if (record->kind == LIA_RECORD_ACTION)
        {
          g_hash_table_insert (changes, "due", date_text (w->rand, aware, 0, 500));
          g_hash_table_insert (changes, "status",
                               g_strdup (statuses[g_rand_int_range (w->rand, 0, 4)]));
        }
      else
        g_hash_table_insert (changes, "title", g_strdup ("Renamed"));
      break;
    }
  g_assert_true (lia_record_edit (w->council, record->id, changes, &error));
  g_assert_no_error (error);
}

static void
op_withdraw (World *w)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaRecord) record = NULL;

  record = random_own_record (w);
  if (record == NULL)
    return;
  g_assert_true (lia_record_withdraw (w->council, record->id, "Sent in error", "A. Lead", &error));
  g_assert_no_error (error);
}

static void
op_exchange (World *w)
{
  deliver (w->council, POLICE, w->police);
  deliver (w->police, COUNCIL, w->council);
}

/* Material from the other organisation whose date has come is destroyed
 * (or returned): its milestone is then met. */
static void
op_destroy_due (World *w)
{
  g_autoptr (GError) error = NULL;
  GDate today;

  random_date (w->rand, &today, 2025, 2028);
  g_assert_cmpint (lia_exchange_destroy_due (g_rand_boolean (w->rand) ? w->council : w->police,
                                             &today, &error), >=, 0);
  g_assert_no_error (error);
}

/* What a refresh of the calendar leaves in the cache: here, data for 2026
 * to 2028 with an extra bank holiday in 2026, which moves working-day
 * arithmetic and covers 2028; or no refreshed data at all, the built-in
 * calendar again. */
static const char refreshed_data[] =
  "{\"england-and-wales\":{\"division\":\"england-and-wales\",\"events\":["
  "{\"title\":\"New Year’s Day\",\"date\":\"2026-01-01\",\"notes\":\"\"},"
  "{\"title\":\"Good Friday\",\"date\":\"2026-04-03\",\"notes\":\"\"},"
  "{\"title\":\"Easter Monday\",\"date\":\"2026-04-06\",\"notes\":\"\"},"
  "{\"title\":\"Early May bank holiday\",\"date\":\"2026-05-04\",\"notes\":\"\"},"
  "{\"title\":\"Spring bank holiday\",\"date\":\"2026-05-25\",\"notes\":\"\"},"
  "{\"title\":\"A one-off bank holiday\",\"date\":\"2026-07-03\",\"notes\":\"\"},"
  "{\"title\":\"Summer bank holiday\",\"date\":\"2026-08-31\",\"notes\":\"\"},"
  "{\"title\":\"Christmas Day\",\"date\":\"2026-12-25\",\"notes\":\"\"},"
  "{\"title\":\"Boxing Day\",\"date\":\"2026-12-28\",\"notes\":\"Substitute day\"},"
  "{\"title\":\"New Year’s Day\",\"date\":\"2027-01-01\",\"notes\":\"\"},"
  "{\"title\":\"Good Friday\",\"date\":\"2027-03-26\",\"notes\":\"\"},"
  "{\"title\":\"Easter Monday\",\"date\":\"2027-03-29\",\"notes\":\"\"},"
  "{\"title\":\"Early May bank holiday\",\"date\":\"2027-05-03\",\"notes\":\"\"},"
  "{\"title\":\"Spring bank holiday\",\"date\":\"2027-05-31\",\"notes\":\"\"},"
  "{\"title\":\"Summer bank holiday\",\"date\":\"2027-08-30\",\"notes\":\"\"},"
  "{\"title\":\"Christmas Day\",\"date\":\"2027-12-27\",\"notes\":\"Substitute day\"},"
  "{\"title\":\"Boxing Day\",\"date\":\"2027-12-28\",\"notes\":\"Substitute day\"},"
  "{\"title\":\"New Year’s Day\",\"date\":\"2028-01-03\",\"notes\":\"Substitute day\"},"
  "{\"title\":\"Good Friday\",\"date\":\"2028-04-14\",\"notes\":\"\"},"
  "{\"title\":\"Easter Monday\",\"date\":\"2028-04-17\",\"notes\":\"\"},"
  "{\"title\":\"Early May bank holiday\",\"date\":\"2028-05-01\",\"notes\":\"\"},"
  "{\"title\":\"Spring bank holiday\",\"date\":\"2028-05-29\",\"notes\":\"\"},"
  "{\"title\":\"Summer bank holiday\",\"date\":\"2028-08-28\",\"notes\":\"\"},"
  "{\"title\":\"Christmas Day\",\"date\":\"2028-12-25\",\"notes\":\"\"},"
  "{\"title\":\"Boxing Day\",\"date\":\"2028-12-26\",\"notes\":\"\"}"
  "]}}";

static void
set_refreshed_calendar (gboolean refreshed)
{
  g_autofree char *path = lia_calendar_cache_path (NULL, LIA_CALENDAR_CACHE_DATA);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  if (!refreshed)
    {
      g_remove (path);
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  /* Written as the refresh writes it: a new file renamed into place. */
  g_assert_true (g_file_set_contents (path, refreshed_data, -1, &error));
  g_assert_no_error (error);
}

/* A refresh does not open any store: each store recomputes every case when
 * its deadlines are next read, or in the next write. */
static void
op_calendar (World *w)
{
  g_autoptr (LiaCalendar) before = lia_calendar_new_current (NULL);
  g_autoptr (LiaCalendar) after = NULL;
  gboolean refreshed = lia_calendar_get_last_year (before) != 2028;

  set_refreshed_calendar (refreshed);
  after = lia_calendar_new_current (NULL);
  g_assert_cmpstr (lia_calendar_get_digest (before), !=, lia_calendar_get_digest (after));
  if (g_rand_boolean (w->rand))
    {
      GDate today;

      /* Read first: the reader brings the table up to date. */
      g_date_clear (&today, 1);
      g_date_set_dmy (&today, 1, G_DATE_JULY, 2026);
      check_on (w->council, &today, w->rand);
      check_on (w->police, &today, w->rand);
    }
  else
    {
      /* Or a write first (one that cannot be refused): it recomputes every
       * case, not only its own. The police store is brought up to date by
       * its next read. */
      g_autoptr (GHashTable) next = NULL;
      g_autoptr (GError) error = NULL;
      GDate today;

      op_delay_notice (w);
      g_date_clear (&today, 1);
      g_date_set_dmy (&today, 1, G_DATE_JULY, 2026);
      next = lia_deadlines_next_by_case (w->police, &today, &error);
      g_assert_no_error (error);
      g_assert_nonnull (next);
    }
}

typedef void (*Op) (World *w);

static const struct
{
  Op  op;
  int weight;
} ops[] = {
  { op_new_case, 2 },
  { op_set_field, 10 },
  { op_delay_notice, 1 },
  { op_participant, 1 },
  { op_add_record, 4 },
  { op_police_record, 2 },
  { op_edit_record, 3 },
  { op_withdraw, 1 },
  { op_exchange, 2 },
  { op_destroy_due, 1 },
  { op_calendar, 1 },
};

static void
run_world (guint32 seed, int steps)
{
  World w = { 0, };
  int total = 0;

  g_test_message ("seed %u", seed);
  w.rand = g_rand_new_with_seed (seed);
  w.council = lia_test_create_store_of_kind (COUNCIL, LIA_ORG_KIND_LOCAL_AUTHORITY);
  w.police = lia_test_create_store_of_kind (POLICE, LIA_ORG_KIND_POLICE);
  w.cases = g_ptr_array_new_with_free_func (g_free);
  w.own = g_ptr_array_new_with_free_func (g_free);
  lia_test_introduce (w.council, w.police);
  lia_test_introduce (w.police, w.council);
  set_refreshed_calendar (FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    total += ops[i].weight;
  op_new_case (&w);
  check (w.council, w.rand);
  for (int step = 0; step < steps; step++)
    {
      int pick = g_rand_int_range (w.rand, 0, total);
      guint i = 0;

      while (pick >= ops[i].weight)
        pick -= ops[i++].weight;
      ops[i].op (&w);
      check (w.council, w.rand);
      check (w.police, w.rand);
    }

  set_refreshed_calendar (FALSE);
  g_clear_object (&w.council);
  g_clear_object (&w.police);
  g_ptr_array_unref (w.cases);
  g_ptr_array_unref (w.own);
  g_rand_free (w.rand);
}

static void
test_random_writes (void)
{
  const char *seeds = g_getenv ("LIAISON_MILESTONE_SEEDS");
  const char *first = g_getenv ("LIAISON_MILESTONE_SEED");
  guint n = seeds != NULL ? (guint) g_ascii_strtoull (seeds, NULL, 10) : 3;
  guint32 seed = first != NULL ? (guint32) g_ascii_strtoull (first, NULL, 10) : 20261207;

  for (guint i = 0; i < n; i++)
    run_world (seed + i, 60);
}

/* ---- the demo, and stores from before the table ------------------------------ */

static void
test_demo (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Northmoor Borough Council");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) data = lia_demo_get_default (&error);
  LiaDemoResult result = { 0, };
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  GDate today;

  g_assert_no_error (error);
  g_assert_true (lia_demo_load (store, data, NULL, FALSE, &result, &error));
  g_assert_no_error (error);
  lia_demo_result_clear (&result);
  assert_settled (store);
  g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM milestone"), >, 10);
  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 7, G_DATE_DECEMBER, 2026);
  check_on (store, &today, rand);
  check (store, rand);
}

/* The last schema version without the milestone table. */
#define BEFORE_MILESTONES 4

/* The objects of schema @version, from an empty database migrated to it. */
static GHashTable *
schema_of_version (int version)
{
  guint n;
  const LiaMigration *migrations = lia_store_migrations (&n);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autoptr (GError) error = NULL;
  GHashTable *schema = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  g_assert_true (lia_migrations_apply (db, migrations, n, version, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_insert (schema, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return schema;
}

/* Turns @store back into a store of schema BEFORE_MILESTONES holding the
 * same cases and records: every object that version lacks is dropped,
 * every one it has differently made again as it was. */
static void
make_store_from_before (LiaStore *store)
{
  g_autoptr (GHashTable) old = schema_of_version (BEFORE_MILESTONES);
  sqlite3 *db = lia_store_get_db (store);
  sqlite3_stmt *stmt = NULL;
  g_autoptr (GPtrArray) drop = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer name, sql;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT type, name, sql FROM sqlite_schema "
                                           "WHERE sql IS NOT NULL", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *type = (const char *) sqlite3_column_text (stmt, 0);
      const char *object = (const char *) sqlite3_column_text (stmt, 1);
      const char *was = g_hash_table_lookup (old, object);

      if (g_strcmp0 (was, (const char *) sqlite3_column_text (stmt, 2)) != 0)
        g_ptr_array_add (drop, g_strdup_printf ("DROP %s %s", type, object));
    }
  sqlite3_finalize (stmt);
  lia_test_exec (store, "BEGIN");
  for (guint i = 0; i < drop->len; i++)
    if (strstr (drop->pdata[i], "DROP table") == NULL)
      lia_test_exec (store, drop->pdata[i]);
  for (guint i = 0; i < drop->len; i++)
    if (strstr (drop->pdata[i], "DROP table") != NULL)
      lia_test_exec (store, drop->pdata[i]);
  g_hash_table_iter_init (&iter, old);
  while (g_hash_table_iter_next (&iter, &name, &sql))
    {
      g_autofree char *there = g_strdup_printf ("SELECT count(*) FROM sqlite_schema WHERE name = '%s'",
                                                (const char *) name);

      if (lia_test_query_int (store, there) == 0)
        lia_test_exec (store, sql);
    }
  lia_test_exec (store, "PRAGMA user_version = " G_STRINGIFY (BEFORE_MILESTONES));
  lia_test_exec (store, "COMMIT");

  /* Now exactly that version's objects. */
  g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM sqlite_schema WHERE sql IS NOT NULL"),
                   ==, g_hash_table_size (old));
  g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM sqlite_schema "
                                              "WHERE name LIKE 'milestone%'"), ==, 0);
}

/* A store from before the milestone table, with cases and records, gets
 * it filled when it is next opened, and reads out what the engine works
 * out. */
static void
test_migrated_store_filled (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  World w = { 0, };
  g_autofree char *dir = NULL;
  g_autoptr (GError) error = NULL;
  GDate today;

  w.rand = rand;
  w.council = lia_test_create_store_of_kind (COUNCIL, LIA_ORG_KIND_LOCAL_AUTHORITY);
  w.police = lia_test_create_store_of_kind (POLICE, LIA_ORG_KIND_POLICE);
  w.cases = g_ptr_array_new_with_free_func (g_free);
  w.own = g_ptr_array_new_with_free_func (g_free);
  lia_test_introduce (w.police, w.council);
  for (int i = 0; i < 6; i++)
    op_new_case (&w);
  for (int i = 0; i < 40; i++)
    op_set_field (&w);
  for (int i = 0; i < 8; i++)
    op_add_record (&w);
  op_delay_notice (&w);

  make_store_from_before (w.council);
  dir = g_strdup (lia_store_get_directory (w.council));
  lia_store_lock (w.council);
  g_assert_true (lia_store_unlock (w.council, LIA_TEST_PASSPHRASE, NULL, &error));
  g_assert_no_error (error);

  /* Filled at the unlock, before anything read it. */
  assert_settled (w.council);
  g_assert_cmpint (lia_test_query_int (w.council, "PRAGMA user_version"), ==,
                   lia_store_schema_version ());
  g_assert_cmpint (lia_test_query_int (w.council, "SELECT count(DISTINCT case_id) FROM milestone"),
                   ==, 6);
  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 1, G_DATE_MARCH, 2026);
  check_on (w.council, &today, rand);
  check (w.council, rand);

  g_clear_object (&w.council);
  g_clear_object (&w.police);
  g_ptr_array_unref (w.cases);
  g_ptr_array_unref (w.own);
}

/* A write that fails leaves the table as it was, with nothing waiting. */
static void
test_failed_write_changes_nothing (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store (COUNCIL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  LiaCaseDraft draft = { .title = "Child A", .child = "Child A", .area = "Northshire",
                         .aware = "2026-03-02", .incident = "2026-03-01" };
  g_autofree char *id = lia_case_create (store, &draft, "A. Lead", &error);
  gint64 before;

  g_assert_no_error (error);
  g_assert_true (lia_case_set_field (store, id, "notification.sent", "2026-03-05", &error));
  g_assert_no_error (error);
  before = lia_test_query_int (store, "SELECT total (due) + total (met_on) FROM milestone");

  /* Aware before the incident: refused, inside the transaction. */
  g_assert_false (lia_case_set_field (store, id, "aware", "2026-02-01", &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_assert_cmpint (lia_test_query_int (store, "SELECT total (due) + total (met_on) FROM milestone"),
                   ==, before);
  check (store, rand);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/milestones/random-writes", test_random_writes);
  g_test_add_func ("/milestones/demo", test_demo);
  g_test_add_func ("/milestones/migrated-store-filled", test_migrated_store_filled);
  g_test_add_func ("/milestones/failed-write-changes-nothing", test_failed_write_changes_nothing);
  return g_test_run ();
}
