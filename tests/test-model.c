/* test-model.c: the domain model: field validation, rapid review quorum,
 * cases and their participants, records, search and the multi-agency
 * chronology.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-case.h"
#include "lia-db.h"
#include "lia-fields.h"
#include "lia-record.h"
#include "lia-test-util.h"

#define SELF_NAME   "Example County Council"
#define POLICE_NAME "Thames Valley Police"
#define ICB_NAME    "Buckinghamshire Integrated Care Board"
#define IOPC_NAME   "Independent Office for Police Conduct"

/* ------------------------------------------------------------------ */
/* Helpers. */

static gboolean
contains_ci (const char *haystack,
             const char *needle)
{
  g_autofree char *h = g_utf8_casefold (haystack, -1);
  g_autofree char *n = g_utf8_casefold (needle, -1);

  return strstr (h, n) != NULL;
}

/* Asserts that @value is accepted, in the normal form @expected. */
static void
assert_normal (const LiaField *field,
               const char     *value,
               const char     *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *normal = lia_field_normalize (field, value, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (normal, ==, expected);
}

/* Asserts that @value is refused as INVALID, with a message naming the
 * field. */
static void
normalize_invalid (const LiaField *field,
                   const char     *value)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *normal = lia_field_normalize (field, value, &error);

  if (normal != NULL)
    g_error ("field %s accepted \"%s\" as \"%s\"", field->name, value, normal);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_assert_true (contains_ci (error->message, field->name) ||
                 contains_ci (error->message, field->label));
}

static GHashTable *
new_fields (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
set_field (GHashTable *fields,
           const char *name,
           const char *value)
{
  g_hash_table_replace (fields, g_strdup (name), g_strdup (value));
}

/* A valid value for @field, for the fields a test does not care about. */
static char *
value_for_field (const LiaField *field,
                 const char     *org_name)
{
  switch (field->type)
    {
    case LIA_FIELD_TEXT:
      if (strstr (field->name, "org") != NULL || g_str_equal (field->name, "agency"))
        return g_strdup (org_name);
      return g_strdup_printf ("A value for %s", field->name);
    case LIA_FIELD_LONG_TEXT:
      return g_strdup_printf ("A longer value for %s.\nOn two lines.", field->name);
    case LIA_FIELD_DATE:
      return g_strdup ("2026-01-20");
    case LIA_FIELD_DATE_TIME:
      return g_strdup ("2026-01-20T10:30");
    case LIA_FIELD_CHOICE:
    case LIA_FIELD_CHOICES:
      g_assert_nonnull (field->choices);
      g_assert_nonnull (field->choices[0]);
      if (lia_choice_index (field->choices, "standard") >= 0)
        return g_strdup ("standard");
      return g_strdup (field->choices[0]);
    default:
      g_assert_not_reached ();
    }
  return NULL;
}

/* Every required field of @kind, with a valid value. */
static GHashTable *
required_fields (LiaRecordKind kind,
                 const char   *org_name)
{
  GHashTable *fields = new_fields ();
  guint n = 0;
  const LiaField *all = lia_record_kind_fields (kind, &n);

  for (guint i = 0; i < n; i++)
    if (all[i].required)
      g_hash_table_insert (fields, g_strdup (all[i].name), value_for_field (&all[i], org_name));
  return fields;
}

static GHashTable *
copy_fields (GHashTable *fields)
{
  GHashTable *copy = new_fields ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, fields);
  while (g_hash_table_iter_next (&iter, &key, &value))
    set_field (copy, key, value);
  return copy;
}

/* The common field that holds a record's classification: the choice
 * between standard, sensitive and secret. */
static const char *
classification_field_name (void)
{
  guint n = 0;
  const LiaField *all = lia_record_kind_fields (LIA_RECORD_NOTE, &n);

  for (guint i = 0; i < n; i++)
    if (all[i].type == LIA_FIELD_CHOICE && all[i].choices != NULL &&
        lia_choice_index (all[i].choices, "sensitive") >= 0 &&
        lia_choice_index (all[i].choices, "secret") >= 0)
      return all[i].name;
  g_assert_not_reached ();
  return NULL;
}

/* The common field that states the basis for a classification. */
static const char *
basis_field_name (void)
{
  guint n = 0;
  const LiaField *all = lia_record_kind_fields (LIA_RECORD_NOTE, &n);

  for (guint i = 0; i < n; i++)
    if (strstr (all[i].name, "basis") != NULL)
      return all[i].name;
  g_assert_not_reached ();
  return NULL;
}

static gboolean
kind_has_field (LiaRecordKind kind,
                const char   *name)
{
  guint n = 0;
  const LiaField *all = lia_record_kind_fields (kind, &n);

  return lia_field_find (all, n, name) != NULL;
}

static void
assert_date (const GDate *date,
             int          year,
             int          month,
             int          day)
{
  g_assert_true (g_date_valid (date));
  g_assert_cmpint (g_date_get_year (date), ==, year);
  g_assert_cmpint (g_date_get_month (date), ==, month);
  g_assert_cmpint (g_date_get_day (date), ==, day);
}

/* ------------------------------------------------------------------ */
/* Fields. */

static const char *const yes_no_unclear[] = { "yes", "no", "unclear", NULL };
static const char *const concerns[] = { "accuracy", "prejudice", "restrictions", NULL };

static const LiaField date_field = { "meeting", "Meeting", LIA_FIELD_DATE, NULL, FALSE };
static const LiaField date_time_field = { "when", "When", LIA_FIELD_DATE_TIME, NULL, FALSE };
static const LiaField choice_field = { "expected", "Expected", LIA_FIELD_CHOICE, yes_no_unclear,
                                       FALSE };
static const LiaField choices_field = { "concerns", "Concerns", LIA_FIELD_CHOICES, concerns,
                                        FALSE };
static const LiaField text_field = { "contact", "Contact", LIA_FIELD_TEXT, NULL, FALSE };
static const LiaField long_field = { "analysis", "Analysis", LIA_FIELD_LONG_TEXT, NULL, FALSE };

/* The normal form of a CHOICES value: the choices given, in the order
 * the field lists them. */
#define CONCERNS_NORMAL "accuracy,prejudice"

static void
test_fields_dates (void)
{
  const char *const bad_dates[] = {
    "2026-02-30", "2026-2-3", "2026-02-03x", "2026-02-03 and more", "2025-02-29", "2026-13-01",
    "2026-00-10", "2026-01-00", "26-01-10", "10/01/2026", "2026-01-10T09:30", "tomorrow", "",
  };
  const char *const bad_date_times[] = {
    "2026-03-01T24:00", "2026-03-01T09:60", "2026-03-01T9:30", "2026-03-01T09:30x",
    "2026-02-30T09:30", "2026-03-01T", "2026-03-01T09", "2026-2-3T09:30", "",
  };

  assert_normal (&date_field, "2026-02-03", "2026-02-03");
  assert_normal (&date_field, "2024-02-29", "2024-02-29");
  assert_normal (&date_field, "  2026-02-03 ", "2026-02-03");
  for (guint i = 0; i < G_N_ELEMENTS (bad_dates); i++)
    normalize_invalid (&date_field, bad_dates[i]);

  assert_normal (&date_time_field, "2026-03-01T09:30", "2026-03-01T09:30");
  assert_normal (&date_time_field, "2026-03-01T00:00", "2026-03-01T00:00");
  assert_normal (&date_time_field, "2026-03-01T23:59", "2026-03-01T23:59");
  assert_normal (&date_time_field, "2026-03-01", "2026-03-01");
  for (guint i = 0; i < G_N_ELEMENTS (bad_date_times); i++)
    normalize_invalid (&date_time_field, bad_date_times[i]);

  g_assert_true (lia_date_time_valid ("2026-03-01T09:30"));
  g_assert_true (lia_date_time_valid ("2026-03-01"));
  g_assert_false (lia_date_time_valid ("2026-03-01T24:00"));
  g_assert_false (lia_date_time_valid ("2026-02-30"));
  g_assert_false (lia_date_time_valid ("2026-2-3"));
}

static void
test_fields_choices (void)
{
  g_autofree char *described = lia_choices_describe (yes_no_unclear);
  g_autoptr (GError) error = NULL;
  g_autofree char *refused = NULL;

  g_assert_cmpstr (described, ==, "“yes”, “no” or “unclear”");
  g_assert_cmpint (lia_choice_index (yes_no_unclear, "yes"), ==, 0);
  g_assert_cmpint (lia_choice_index (yes_no_unclear, "unclear"), ==, 2);
  g_assert_cmpint (lia_choice_index (yes_no_unclear, "maybe"), ==, -1);

  assert_normal (&choice_field, "no", "no");
  assert_normal (&choice_field, " unclear ", "unclear");
  normalize_invalid (&choice_field, "maybe");
  normalize_invalid (&choice_field, "yes, no");
  normalize_invalid (&choice_field, "");

  /* The message says what is allowed. */
  refused = lia_field_normalize (&choice_field, "maybe", &error);
  g_assert_null (refused);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "unclear"));

  /* Several, in the field's order whatever the order given. */
  assert_normal (&choices_field, "accuracy, prejudice", CONCERNS_NORMAL);
  assert_normal (&choices_field, "accuracy,prejudice", CONCERNS_NORMAL);
  assert_normal (&choices_field, "prejudice, accuracy", CONCERNS_NORMAL);
  assert_normal (&choices_field, "  prejudice ,accuracy ", CONCERNS_NORMAL);
  assert_normal (&choices_field, "restrictions", "restrictions");
  normalize_invalid (&choices_field, "accuracy, bogus");
  normalize_invalid (&choices_field, "");

  g_assert_true (lia_field_find (&choices_field, 1, "concerns") == &choices_field);
  g_assert_null (lia_field_find (&choices_field, 1, "concern"));
}

static void
test_fields_text (void)
{
  g_autofree char *max = g_strnfill (LIA_TEXT_MAX, 'x');
  g_autofree char *over = g_strnfill (LIA_TEXT_MAX + 1, 'x');
  GString *accents = g_string_new (NULL);
  g_autofree char *accents_max = NULL;
  g_autofree char *accents_over = NULL;
  g_autofree char *long_max = g_strnfill (LIA_LONG_TEXT_MAX, 'a');
  g_autofree char *long_over = g_strnfill (LIA_LONG_TEXT_MAX + 1, 'a');
  const char *const controls[] = {
    "Jo\x01" "Bloggs", "Jo\x1b[31mBloggs", "Jo\x7f" "Bloggs", "Jo\tBloggs", "Jo\rBloggs",
  };

  assert_normal (&text_field, "Jo Bloggs", "Jo Bloggs");
  assert_normal (&text_field, "  Jo Bloggs  ", "Jo Bloggs");
  assert_normal (&text_field, max, max);
  normalize_invalid (&text_field, over);
  normalize_invalid (&text_field, "");
  normalize_invalid (&text_field, "   ");

  /* The limit is in characters, not bytes. */
  for (guint i = 0; i < LIA_TEXT_MAX; i++)
    g_string_append (accents, "\xc3\xa9");
  accents_max = g_strdup (accents->str);
  g_string_append (accents, "\xc3\xa9");
  accents_over = g_string_free (accents, FALSE);
  assert_normal (&text_field, accents_max, accents_max);
  normalize_invalid (&text_field, accents_over);

  for (guint i = 0; i < G_N_ELEMENTS (controls); i++)
    normalize_invalid (&text_field, controls[i]);
  normalize_invalid (&text_field, "Jo \xff\xfe Bloggs");

  /* Long text: paragraphs are fine; the limit is in bytes. */
  assert_normal (&long_field, "First paragraph.\n\n\tSecond, indented.",
                 "First paragraph.\n\n\tSecond, indented.");
  assert_normal (&long_field, long_max, long_max);
  normalize_invalid (&long_field, long_over);
  normalize_invalid (&long_field, "");
  normalize_invalid (&long_field, "Broken \xc3 UTF-8");
}

/* ------------------------------------------------------------------ */
/* Quorum. */

static LiaAttendee *
attendee_new (gint64      org_id,
              const char *org_name,
              LiaOrgKind  kind,
              LiaRole     role,
              const char *name)
{
  LiaOrg org = { org_id, (char *) org_name, kind, NULL, FALSE };
  LiaAttendee *attendee = g_new0 (LiaAttendee, 1);

  attendee->id = org_id * 100 + (gint64) strlen (name);
  attendee->org = lia_org_copy (&org);
  attendee->role = role;
  attendee->name = g_strdup (name);
  attendee->position = g_strdup ("Representative");
  return attendee;
}

static GPtrArray *
attendees_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) lia_attendee_free);
}

#define LA(name) \
  attendee_new (1, SELF_NAME, LIA_ORG_KIND_LOCAL_AUTHORITY, LIA_ROLE_LOCAL_AUTHORITY, name)
#define ICB(name)    attendee_new (2, ICB_NAME, LIA_ORG_KIND_ICB, LIA_ROLE_ICB, name)
#define POLICE(name) attendee_new (3, POLICE_NAME, LIA_ORG_KIND_POLICE, LIA_ROLE_POLICE, name)
#define IOPC(name)   attendee_new (4, IOPC_NAME, LIA_ORG_KIND_IOPC, LIA_ROLE_IOPC, name)
#define AGENCY(name) \
  attendee_new (5, "Oakfield Academy Trust", LIA_ORG_KIND_AGENCY, LIA_ROLE_AGENCY, name)

static void
assert_quorum (GPtrArray *attendees,
               guint      representatives,
               guint      partners,
               gboolean   quorate)
{
  LiaQuorum quorum = { 99, 99, !quorate };

  lia_quorum_check (attendees, &quorum);
  g_assert_cmpuint (quorum.representatives, ==, representatives);
  g_assert_cmpuint (quorum.partners_present, ==, partners);
  g_assert_cmpint (quorum.quorate, ==, quorate);
}

static void
test_quorum (void)
{
  g_autoptr (GPtrArray) three_partners = attendees_new ();
  g_autoptr (GPtrArray) one_partner = attendees_new ();
  g_autoptr (GPtrArray) two_people = attendees_new ();
  g_autoptr (GPtrArray) four = attendees_new ();
  g_autoptr (GPtrArray) empty = attendees_new ();

  g_ptr_array_add (three_partners, LA ("Ann"));
  g_ptr_array_add (three_partners, ICB ("Bea"));
  g_ptr_array_add (three_partners, AGENCY ("Cal"));
  assert_quorum (three_partners, 3, 2, TRUE);

  /* Two people from one partner are not two partners. */
  g_ptr_array_add (one_partner, LA ("Ann"));
  g_ptr_array_add (one_partner, LA ("Dee"));
  g_ptr_array_add (one_partner, AGENCY ("Cal"));
  assert_quorum (one_partner, 3, 1, FALSE);

  /* Two partners but fewer than three people. */
  g_ptr_array_add (two_people, LA ("Ann"));
  g_ptr_array_add (two_people, POLICE ("Eve"));
  assert_quorum (two_people, 2, 2, FALSE);

  g_ptr_array_add (four, POLICE ("Eve"));
  g_ptr_array_add (four, POLICE ("Fay"));
  g_ptr_array_add (four, ICB ("Bea"));
  g_ptr_array_add (four, IOPC ("Gus"));
  assert_quorum (four, 4, 2, TRUE);

  assert_quorum (empty, 0, 0, FALSE);
}

/* ------------------------------------------------------------------ */
/* Cases. */

typedef struct
{
  LiaStore *store;
  char     *case_id;
  LiaOrg   *police;
  LiaOrg   *icb;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  LiaCaseDraft draft = {
    .title = "Review of Child K (Kestrel)",
    .child = "Child K",
    .area = "Buckinghamshire",
    .aware = "2026-01-05",
    .incident = "2026-01-02",
  };

  fixture->store = lia_test_create_store (SELF_NAME);
  fixture->case_id = lia_case_create (fixture->store, &draft, "Jo Bloggs", &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->case_id);

  fixture->police = lia_store_add_org (fixture->store, POLICE_NAME, LIA_ORG_KIND_POLICE, &error);
  g_assert_no_error (error);
  fixture->icb = lia_store_add_org (fixture->store, ICB_NAME, LIA_ORG_KIND_ICB, &error);
  g_assert_no_error (error);
  g_assert_true (lia_case_add_participant (fixture->store, fixture->case_id, fixture->police,
                                           LIA_ROLE_POLICE, "DS Patel", NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->police, lia_org_free);
  g_clear_pointer (&fixture->icb, lia_org_free);
  g_clear_pointer (&fixture->case_id, g_free);
  g_clear_object (&fixture->store);
}

static LiaCase *
load_case (Fixture *fixture)
{
  g_autoptr (GError) error = NULL;
  LiaCase *lcase = lia_case_load (fixture->store, fixture->case_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (lcase);
  return lcase;
}

static LiaParticipant *
find_participant (LiaCase    *lcase,
                  const char *org_name)
{
  g_assert_nonnull (lcase->participants);
  for (guint i = 0; i < lcase->participants->len; i++)
    {
      LiaParticipant *participant = g_ptr_array_index (lcase->participants, i);

      if (g_str_equal (participant->org->name, org_name))
        return participant;
    }
  return NULL;
}

/* The case's own facts; every other case field belongs to a process. */
static gboolean
is_own_fact (const char *name)
{
  const char *const own[] = { "title", "child", "area", "incident", "aware", "type", "status" };

  for (guint i = 0; i < G_N_ELEMENTS (own); i++)
    if (g_str_equal (name, own[i]))
      return TRUE;
  return FALSE;
}

/* The first process field of @type. */
static const LiaField *
process_field_of_type (LiaFieldType type)
{
  guint n = 0;
  const LiaField *all = lia_case_fields (&n);

  for (guint i = 0; i < n; i++)
    if (all[i].type == type && !is_own_fact (all[i].name))
      return &all[i];
  return NULL;
}

static void
test_case_create_load (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr (LiaCase) lcase = load_case (fixture);
  g_autoptr (LiaCase) by_prefix = NULL;
  g_autoptr (LiaCase) missing = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *prefix = g_strndup (fixture->case_id, 8);
  LiaParticipant *self;

  g_assert_cmpstr (lcase->id, ==, fixture->case_id);
  g_assert_nonnull (lcase->lead);
  g_assert_true (lcase->lead->is_self);
  g_assert_cmpstr (lcase->lead->name, ==, SELF_NAME);
  g_assert_cmpstr (lcase->title, ==, "Review of Child K (Kestrel)");
  g_assert_cmpstr (lcase->child, ==, "Child K");
  g_assert_cmpstr (lcase->area, ==, "Buckinghamshire");
  assert_date (&lcase->aware, 2026, 1, 5);
  assert_date (&lcase->incident, 2026, 1, 2);
  g_assert_cmpint (lcase->type, ==, LIA_NOTIFICATION_SERIOUS_HARM);
  g_assert_false (lcase->closed);
  g_assert_nonnull (lcase->participants);
  g_assert_nonnull (lcase->attendees);
  g_assert_nonnull (lcase->delays);

  /* The lead is its first participant, in the role of its kind. */
  self = find_participant (lcase, SELF_NAME);
  g_assert_nonnull (self);
  g_assert_cmpint (self->role, ==, LIA_ROLE_LOCAL_AUTHORITY);
  g_assert_cmpstr (self->contact, ==, "Jo Bloggs");

  by_prefix = lia_case_load (fixture->store, prefix, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_prefix->id, ==, fixture->case_id);

  missing = lia_case_load (fixture->store, "00000000-0000-4000-8000-000000000000", &error);
  g_assert_null (missing);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  missing = lia_case_load (fixture->store, "zzzzzzzz", &error);
  g_assert_null (missing);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  list = lia_case_list (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
}

static void
test_case_create_refused (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  char *id;
  LiaCaseDraft draft = {
    .title = "Another",
    .child = "Child L",
    .area = "Buckinghamshire",
    .aware = NULL,
  };

  /* Becoming aware is what starts every clock: it is required. */
  id = lia_case_create (fixture->store, &draft, NULL, &error);
  g_assert_null (id);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING);
  g_clear_error (&error);

  draft.aware = "2026-02-30";
  id = lia_case_create (fixture->store, &draft, NULL, &error);
  g_assert_null (id);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_clear_error (&error);

  /* Nobody becomes aware of an incident before it happens. */
  draft.aware = "2026-01-01";
  draft.incident = "2026-01-02";
  id = lia_case_create (fixture->store, &draft, NULL, &error);
  g_assert_null (id);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_clear_error (&error);

  draft.aware = "2026-01-03";
  draft.type = "shipwreck";
  id = lia_case_create (fixture->store, &draft, NULL, &error);
  g_assert_null (id);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_clear_error (&error);

  list = lia_case_list (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);

  draft.type = "death";
  id = lia_case_create (fixture->store, &draft, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  g_free (id);
}

static void
test_case_ambiguous_prefix (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaCase) lcase = NULL;
  g_autofree char *shared = NULL;
  LiaCaseDraft draft = {
    .title = "Another",
    .child = "Child M",
    .area = "Buckinghamshire",
    .aware = "2026-01-05",
  };

  /* Ids are random: open cases until two share their first four
   * characters (about 300 on average, by the birthday bound). */
  g_hash_table_insert (seen, g_strndup (fixture->case_id, 4), g_strdup (fixture->case_id));
  for (guint i = 0; i < 5000 && shared == NULL; i++)
    {
      g_autofree char *id = lia_case_create (fixture->store, &draft, NULL, &error);
      g_autofree char *prefix = NULL;

      g_assert_no_error (error);
      prefix = g_strndup (id, 4);
      if (g_hash_table_contains (seen, prefix))
        shared = g_steal_pointer (&prefix);
      else
        g_hash_table_insert (seen, g_steal_pointer (&prefix), g_steal_pointer (&id));
    }
  g_assert_nonnull (shared);

  lcase = lia_case_load (fixture->store, shared, &error);
  g_assert_null (lcase);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_AMBIGUOUS);
}

static void
test_case_set_fields (Fixture       *fixture,
                      gconstpointer  data)
{
  const LiaField *date = process_field_of_type (LIA_FIELD_DATE);
  const LiaField *choice = process_field_of_type (LIA_FIELD_CHOICE);
  const LiaField *text = process_field_of_type (LIA_FIELD_TEXT);
  g_autoptr (LiaCase) lcase = NULL;
  g_autoptr (GError) error = NULL;
  GDate got;

  g_assert_nonnull (date);
  g_assert_nonnull (choice);
  g_assert_nonnull (text);

  g_assert_true (lia_case_set_field (fixture->store, fixture->case_id, date->name, "2026-01-09",
                                     &error));
  g_assert_no_error (error);
  g_assert_true (lia_case_set_field (fixture->store, fixture->case_id, choice->name,
                                     choice->choices[0], &error));
  g_assert_no_error (error);
  g_assert_true (lia_case_set_field (fixture->store, fixture->case_id, text->name,
                                     "  Set by the test  ", &error));
  g_assert_no_error (error);

  lcase = load_case (fixture);
  g_assert_cmpstr (lia_case_get_field (lcase, date->name), ==, "2026-01-09");
  g_assert_true (lia_case_get_date (lcase, date->name, &got));
  assert_date (&got, 2026, 1, 9);
  g_assert_cmpstr (lia_case_get_field (lcase, choice->name), ==, choice->choices[0]);
  g_assert_cmpstr (lia_case_get_field (lcase, text->name), ==, "Set by the test");
  g_clear_pointer (&lcase, lia_case_free);

  /* Clearing, with "" or NULL. */
  g_assert_true (lia_case_set_field (fixture->store, fixture->case_id, text->name, "", &error));
  g_assert_no_error (error);
  g_assert_true (lia_case_set_field (fixture->store, fixture->case_id, choice->name, NULL, &error));
  g_assert_no_error (error);
  lcase = load_case (fixture);
  g_assert_null (lia_case_get_field (lcase, text->name));
  g_assert_null (lia_case_get_field (lcase, choice->name));
  g_assert_cmpstr (lia_case_get_field (lcase, date->name), ==, "2026-01-09");
  g_assert_false (lia_case_get_date (lcase, text->name, &got));
  g_clear_pointer (&lcase, lia_case_free);

  /* The case's own facts. */
  g_assert_true (lia_case_set_field (fixture->store, fixture->case_id, "title", "Renamed",
                                     &error));
  g_assert_no_error (error);
  lcase = load_case (fixture);
  g_assert_cmpstr (lcase->title, ==, "Renamed");
}

static void
test_case_set_every_field (Fixture       *fixture,
                           gconstpointer  data)
{
  guint n = 0;
  const LiaField *all = lia_case_fields (&n);
  g_autoptr (LiaCase) lcase = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) expected = new_fields ();
  GHashTableIter iter;
  gpointer key, value;

  g_assert_cmpuint (n, >, 7);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *v = NULL;
      g_autofree char *process = lia_case_field_process (all[i].name);

      g_assert_nonnull (all[i].label);
      g_assert_nonnull (process);
      if (is_own_fact (all[i].name))
        {
          g_assert_cmpstr (process, ==, "case");
          continue;
        }
      g_assert_true (g_str_has_prefix (all[i].name, process));
      v = value_for_field (&all[i], POLICE_NAME);
      if (!lia_case_set_field (fixture->store, fixture->case_id, all[i].name, v, &error))
        g_error ("setting %s to \"%s\": %s", all[i].name, v, error->message);
      set_field (expected, all[i].name, v);
    }

  lcase = load_case (fixture);
  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpstr (lia_case_get_field (lcase, key), ==, value);
}

static void
test_case_set_refused (Fixture       *fixture,
                       gconstpointer  data)
{
  const LiaField *date = process_field_of_type (LIA_FIELD_DATE);
  const LiaField *choice = process_field_of_type (LIA_FIELD_CHOICE);
  g_autoptr (LiaCase) before = NULL;
  g_autoptr (LiaCase) after = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (lia_case_set_field (fixture->store, fixture->case_id, date->name, "2026-01-09",
                                     &error));
  g_assert_no_error (error);
  before = load_case (fixture);

  g_assert_false (lia_case_set_field (fixture->store, fixture->case_id, "no-such.field", "x",
                                      &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_UNKNOWN);
  g_clear_error (&error);

  g_assert_false (lia_case_set_field (fixture->store, fixture->case_id, date->name, "2026-02-30",
                                      &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (lia_case_set_field (fixture->store, fixture->case_id, choice->name,
                                      "not-a-choice", &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_clear_error (&error);

  /* Becoming aware before the incident happened. */
  g_assert_false (lia_case_set_field (fixture->store, fixture->case_id, "aware", "2026-01-01",
                                      &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (lia_case_set_field (fixture->store, fixture->case_id, "incident", "2026-01-06",
                                      &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_clear_error (&error);

  /* A required fact cannot be cleared. */
  g_assert_false (lia_case_set_field (fixture->store, fixture->case_id, "aware", "", &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == LIA_MODEL_ERROR);
  g_clear_error (&error);

  /* Nothing changed. */
  after = load_case (fixture);
  g_assert_cmpuint (g_hash_table_size (after->fields), ==, g_hash_table_size (before->fields));
  g_assert_cmpstr (lia_case_get_field (after, date->name), ==, "2026-01-09");
  g_assert_null (lia_case_get_field (after, choice->name));
  g_assert_null (lia_case_get_field (after, "no-such.field"));
  assert_date (&after->aware, 2026, 1, 5);
  assert_date (&after->incident, 2026, 1, 2);
  g_assert_cmpint (after->updated_at, ==, before->updated_at);
}

static void
test_case_participants (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr (LiaCase) lcase = NULL;
  g_autoptr (GError) error = NULL;
  LiaParticipant *participant;
  LiaRole agency = LIA_ROLE_AGENCY;

  g_assert_true (lia_case_add_participant (fixture->store, fixture->case_id, fixture->icb,
                                           LIA_ROLE_ICB, "Dr Rahman", "rahman@icb.example",
                                           "01234 567890", &error));
  g_assert_no_error (error);
  lcase = load_case (fixture);
  g_assert_cmpuint (lcase->participants->len, ==, 3);
  participant = find_participant (lcase, ICB_NAME);
  g_assert_nonnull (participant);
  g_assert_cmpint (participant->role, ==, LIA_ROLE_ICB);
  g_assert_cmpstr (participant->contact, ==, "Dr Rahman");
  g_assert_cmpstr (participant->email, ==, "rahman@icb.example");
  g_assert_cmpstr (participant->phone, ==, "01234 567890");
  g_clear_pointer (&lcase, lia_case_free);

  /* NULL leaves a value, "" clears it. */
  g_assert_true (lia_case_update_participant (fixture->store, fixture->case_id, fixture->icb, NULL,
                                              "Dr Okafor", "", NULL, &error));
  g_assert_no_error (error);
  lcase = load_case (fixture);
  participant = find_participant (lcase, ICB_NAME);
  g_assert_cmpint (participant->role, ==, LIA_ROLE_ICB);
  g_assert_cmpstr (participant->contact, ==, "Dr Okafor");
  g_assert_null (participant->email);
  g_assert_cmpstr (participant->phone, ==, "01234 567890");
  g_clear_pointer (&lcase, lia_case_free);

  g_assert_true (lia_case_update_participant (fixture->store, fixture->case_id, fixture->icb,
                                              &agency, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  lcase = load_case (fixture);
  participant = find_participant (lcase, ICB_NAME);
  g_assert_cmpint (participant->role, ==, LIA_ROLE_AGENCY);
  g_assert_cmpstr (participant->contact, ==, "Dr Okafor");
  g_clear_pointer (&lcase, lia_case_free);

  /* Twice is once too many. */
  g_assert_false (lia_case_add_participant (fixture->store, fixture->case_id, fixture->police,
                                            LIA_ROLE_POLICE, "DC Jones", NULL, NULL, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_EXISTS);
  g_clear_error (&error);

  g_assert_true (lia_case_remove_participant (fixture->store, fixture->case_id, fixture->icb,
                                              &error));
  g_assert_no_error (error);
  lcase = load_case (fixture);
  g_assert_cmpuint (lcase->participants->len, ==, 2);
  g_assert_null (find_participant (lcase, ICB_NAME));
  g_assert_nonnull (find_participant (lcase, POLICE_NAME));
  g_clear_pointer (&lcase, lia_case_free);
}

static void
test_org_names (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaOrg) unknown = NULL;
  g_autoptr (LiaOrg) found = NULL;
  g_autofree char *fingerprint = lia_store_dup_fingerprint (fixture->store);
  g_autofree char *lower = g_ascii_strdown (fingerprint, -1);
  g_auto (GStrv) groups = g_strsplit (lower, " ", -1);
  g_autofree char *compact = g_strjoinv ("", groups);

  /* An organisation this store does not know cannot even be named. */
  unknown = lia_store_find_org (fixture->store, "Nowhere Constabulary", &error);
  g_assert_null (unknown);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Names are found by a unique prefix, in any case... */
  found = lia_store_find_org (fixture->store, "thames", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->name, ==, POLICE_NAME);
  g_clear_pointer (&found, lia_org_free);

  /* ...and a prefix that two share is ambiguous. */
  found = lia_store_add_org (fixture->store, "Thames Water", LIA_ORG_KIND_AGENCY, &error);
  g_assert_no_error (error);
  g_clear_pointer (&found, lia_org_free);
  found = lia_store_find_org (fixture->store, "Thames", &error);
  g_assert_null (found);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_AMBIGUOUS);
  g_clear_error (&error);

  /* An exact name wins over longer names that it prefixes. */
  found = lia_store_add_org (fixture->store, POLICE_NAME " Federation", LIA_ORG_KIND_AGENCY,
                             &error);
  g_assert_no_error (error);
  g_clear_pointer (&found, lia_org_free);
  found = lia_store_find_org (fixture->store, "thames valley police", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->name, ==, POLICE_NAME);
  g_clear_pointer (&found, lia_org_free);

  /* A fingerprint, with or without its spaces, in any case. */
  found = lia_store_find_org (fixture->store, fingerprint, &error);
  g_assert_no_error (error);
  g_assert_true (found->is_self);
  g_clear_pointer (&found, lia_org_free);
  found = lia_store_find_org (fixture->store, compact, &error);
  g_assert_no_error (error);
  g_assert_true (found->is_self);
  g_assert_cmpstr (found->name, ==, SELF_NAME);
  g_clear_pointer (&found, lia_org_free);

  /* Names are unique, ignoring case. */
  found = lia_store_add_org (fixture->store, "Thames Water", LIA_ORG_KIND_AGENCY, &error);
  g_assert_null (found);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_EXISTS);
  g_clear_error (&error);
  found = lia_store_add_org (fixture->store, "thames water", LIA_ORG_KIND_AGENCY, &error);
  g_assert_null (found);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_EXISTS);
  g_clear_error (&error);
}

static void
test_case_attendees (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr (LiaCase) lcase = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaOrg) self = lia_store_get_self (fixture->store, &error);
  LiaAttendee *attendee;
  LiaQuorum quorum;
  gint64 attendee_id;

  g_assert_no_error (error);

  /* The ICB is known but not a participant of this case. */
  g_assert_false (lia_case_add_attendee (fixture->store, fixture->case_id, fixture->icb,
                                         "Dr Rahman", "Designated nurse", &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == LIA_MODEL_ERROR);
  g_clear_error (&error);
  lcase = load_case (fixture);
  g_assert_cmpuint (lcase->attendees->len, ==, 0);
  g_clear_pointer (&lcase, lia_case_free);

  g_assert_true (lia_case_add_attendee (fixture->store, fixture->case_id, fixture->police,
                                        "DS Patel", "Detective sergeant", &error));
  g_assert_no_error (error);
  g_assert_true (lia_case_add_attendee (fixture->store, fixture->case_id, self, "Jo Bloggs",
                                        "Head of service", &error));
  g_assert_no_error (error);
  g_assert_true (lia_case_add_attendee (fixture->store, fixture->case_id, self, "Ann Other",
                                        "Social worker", &error));
  g_assert_no_error (error);

  lcase = load_case (fixture);
  g_assert_cmpuint (lcase->attendees->len, ==, 3);
  attendee = NULL;
  for (guint i = 0; i < lcase->attendees->len; i++)
    {
      LiaAttendee *a = g_ptr_array_index (lcase->attendees, i);

      if (g_str_equal (a->name, "DS Patel"))
        attendee = a;
    }
  g_assert_nonnull (attendee);
  g_assert_cmpstr (attendee->org->name, ==, POLICE_NAME);
  g_assert_cmpint (attendee->role, ==, LIA_ROLE_POLICE);
  g_assert_cmpstr (attendee->position, ==, "Detective sergeant");
  attendee_id = attendee->id;

  /* Police and the local authority: two partners, three people. */
  lia_quorum_check (lcase->attendees, &quorum);
  g_assert_cmpuint (quorum.representatives, ==, 3);
  g_assert_cmpuint (quorum.partners_present, ==, 2);
  g_assert_true (quorum.quorate);
  g_clear_pointer (&lcase, lia_case_free);

  g_assert_true (lia_case_remove_attendee (fixture->store, fixture->case_id, attendee_id, &error));
  g_assert_no_error (error);
  lcase = load_case (fixture);
  g_assert_cmpuint (lcase->attendees->len, ==, 2);
  lia_quorum_check (lcase->attendees, &quorum);
  g_assert_false (quorum.quorate);
}

static void
test_case_delay_notice (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr (LiaCase) lcase = NULL;
  g_autoptr (GError) error = NULL;
  LiaDelayNotice *notice;

  g_assert_true (lia_case_add_delay_notice (fixture->store, fixture->case_id, "2026-07-01",
                                            "Criminal proceedings are under way", "2026-10-01",
                                            &error));
  g_assert_no_error (error);
  lcase = load_case (fixture);
  g_assert_cmpuint (lcase->delays->len, ==, 1);
  notice = g_ptr_array_index (lcase->delays, 0);
  assert_date (&notice->sent, 2026, 7, 1);
  assert_date (&notice->revised, 2026, 10, 1);
  g_assert_cmpstr (notice->reason, ==, "Criminal proceedings are under way");
}

/* ------------------------------------------------------------------ */
/* Records. */

static LiaRecord *
load_record (Fixture    *fixture,
             const char *id)
{
  g_autoptr (GError) error = NULL;
  LiaRecord *record = lia_record_load (fixture->store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (record);
  return record;
}

static guint
count_records (Fixture *fixture)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = lia_record_list (fixture->store, fixture->case_id, -1, &error);

  g_assert_no_error (error);
  return list->len;
}

static char *
add_chronology (Fixture      *fixture,
                const LiaOrg *originator,
                const char   *date,
                const char   *agency,
                const char   *what)
{
  g_autoptr (GHashTable) fields = required_fields (LIA_RECORD_CHRONOLOGY, agency);
  g_autoptr (GError) error = NULL;
  char *id;

  set_field (fields, "date", date);
  set_field (fields, "agency", agency);
  set_field (fields, "what", what);
  if (originator != NULL)
    id = lia_record_add_from (fixture->store, fixture->case_id, originator,
                              LIA_RECORD_CHRONOLOGY, fields, &error);
  else
    id = lia_record_add (fixture->store, fixture->case_id, LIA_RECORD_CHRONOLOGY, fields, &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

static void
test_record_every_kind (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr (GHashTable) kinds_seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_cmpuint (g_strv_length ((char **) lia_record_kind_names ()), ==, LIA_RECORD_N_KINDS);
  for (int k = 0; k < LIA_RECORD_N_KINDS; k++)
    {
      g_autoptr (GHashTable) fields = required_fields (k, SELF_NAME);
      g_autoptr (GError) error = NULL;
      g_autoptr (LiaRecord) record = NULL;
      g_autofree char *id = NULL;
      g_autofree char *title = g_strdup_printf ("Record of kind %s", lia_record_kind_to_string (k));
      LiaRecordKind back = (LiaRecordKind) -1;
      /* An action-plan item's date is when it is due. */
      const char *date_name = k == LIA_RECORD_ACTION ? "due" : "date";
      GHashTableIter iter;
      gpointer key, value;

      g_assert_true (lia_record_kind_from_string (lia_record_kind_to_string (k), &back));
      g_assert_cmpint (back, ==, k);
      g_assert_nonnull (lia_record_kind_label (k));
      g_assert_true (kind_has_field (k, "title"));
      g_assert_true (kind_has_field (k, "classification"));
      g_assert_true (kind_has_field (k, "basis"));
      g_assert_true (kind_has_field (k, date_name));
      g_hash_table_add (kinds_seen, (gpointer) lia_record_kind_to_string (k));

      set_field (fields, "title", title);
      set_field (fields, date_name, "2026-01-20");
      id = lia_record_add (fixture->store, fixture->case_id, k, fields, &error);
      if (id == NULL)
        g_error ("adding a %s: %s", lia_record_kind_to_string (k), error->message);

      record = load_record (fixture, id);
      g_assert_cmpstr (record->id, ==, id);
      g_assert_cmpstr (record->case_id, ==, fixture->case_id);
      g_assert_cmpint (record->kind, ==, k);
      g_assert_cmpint (record->version, ==, 1);
      g_assert_true (record->originator->is_self);
      g_assert_cmpstr (record->title, ==, title);
      g_assert_cmpstr (record->date, ==, "2026-01-20");
      g_assert_cmpint (record->classification, ==, LIA_CLASSIFICATION_STANDARD);

      g_hash_table_iter_init (&iter, fields);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (!g_str_equal (key, "title") && !g_str_equal (key, date_name) &&
            !g_str_equal (key, classification_field_name ()))
          g_assert_cmpstr (lia_record_get_field (record, key), ==, value);
    }
  g_assert_cmpuint (g_hash_table_size (kinds_seen), ==, LIA_RECORD_N_KINDS);
  g_assert_cmpuint (count_records (fixture), ==, LIA_RECORD_N_KINDS);

  /* The material kind says who generated the material. */
  g_assert_true (kind_has_field (LIA_RECORD_MATERIAL, "originating-org"));
  g_assert_true (kind_has_field (LIA_RECORD_CHRONOLOGY, "what"));
}

static void
test_record_refused (Fixture       *fixture,
                     gconstpointer  data)
{
  guint missing_checked = 0;

  for (int k = 0; k < LIA_RECORD_N_KINDS; k++)
    {
      g_autoptr (GHashTable) fields = required_fields (k, SELF_NAME);
      guint n = 0;
      const LiaField *all = lia_record_kind_fields (k, &n);
      const char *foreign = NULL;

      /* Each required field, left out in turn. */
      for (guint i = 0; i < n; i++)
        {
          g_autoptr (GHashTable) without = NULL;
          g_autoptr (GError) error = NULL;
          g_autofree char *id = NULL;

          if (!all[i].required)
            continue;
          without = copy_fields (fields);
          g_hash_table_remove (without, all[i].name);
          id = lia_record_add (fixture->store, fixture->case_id, k, without, &error);
          if (id != NULL)
            g_error ("a %s without %s was accepted", lia_record_kind_to_string (k), all[i].name);
          g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING);
          g_assert_true (contains_ci (error->message, all[i].name) ||
                         contains_ci (error->message, all[i].label));
          missing_checked++;
        }

      /* A field no kind has, and a field of another kind. */
      for (int other = 0; other < LIA_RECORD_N_KINDS && foreign == NULL; other++)
        {
          guint n_other = 0;
          const LiaField *other_fields = lia_record_kind_fields (other, &n_other);

          for (guint i = 0; i < n_other && foreign == NULL; i++)
            if (!kind_has_field (k, other_fields[i].name))
              foreign = other_fields[i].name;
        }
      {
        g_autoptr (GHashTable) extra = copy_fields (fields);
        g_autoptr (GError) error = NULL;
        g_autofree char *id = NULL;

        set_field (extra, "no-such-field", "x");
        id = lia_record_add (fixture->store, fixture->case_id, k, extra, &error);
        g_assert_null (id);
        g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_UNKNOWN);
        g_assert_nonnull (strstr (error->message, "no-such-field"));
      }
      if (foreign != NULL)
        {
          g_autoptr (GHashTable) extra = copy_fields (fields);
          g_autoptr (GError) error = NULL;
          g_autofree char *id = NULL;

          set_field (extra, foreign, "2026-01-20");
          id = lia_record_add (fixture->store, fixture->case_id, k, extra, &error);
          if (id != NULL)
            g_error ("a %s took %s", lia_record_kind_to_string (k), foreign);
          g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_UNKNOWN);
        }
    }
  g_assert_cmpuint (missing_checked, >, 0);
  g_assert_cmpuint (count_records (fixture), ==, 0);
}

static void
test_record_classification (Fixture       *fixture,
                            gconstpointer  data)
{
  const char *classification = classification_field_name ();
  const char *basis = basis_field_name ();
  const char *levels[] = { "sensitive", "secret" };

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      g_autoptr (GHashTable) fields = required_fields (LIA_RECORD_NOTE, SELF_NAME);
      g_autoptr (GError) error = NULL;
      g_autoptr (LiaRecord) record = NULL;
      g_autofree char *id = NULL;

      set_field (fields, classification, levels[i]);
      id = lia_record_add (fixture->store, fixture->case_id, LIA_RECORD_NOTE, fields, &error);
      g_assert_null (id);
      g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING);
      g_assert_true (contains_ci (error->message, "basis"));
      g_clear_error (&error);

      set_field (fields, basis, "Would reveal confidential policing tactics");
      id = lia_record_add (fixture->store, fixture->case_id, LIA_RECORD_NOTE, fields, &error);
      g_assert_no_error (error);
      record = load_record (fixture, id);
      g_assert_cmpint (record->classification, ==,
                       i == 0 ? LIA_CLASSIFICATION_SENSITIVE : LIA_CLASSIFICATION_SECRET);
      g_assert_cmpstr (lia_record_get_field (record, basis), ==,
                       "Would reveal confidential policing tactics");
    }
  g_assert_cmpuint (count_records (fixture), ==, 2);
}

static void
test_record_edit (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *id = add_chronology (fixture, NULL, "2026-01-03", SELF_NAME,
                                        "Social worker visited the home");
  g_autoptr (GHashTable) changes = new_fields ();
  g_autoptr (LiaRecord) record = NULL;
  g_autoptr (GError) error = NULL;

  set_field (changes, "what", "Social worker visited the home with a colleague");
  set_field (changes, "analysis", "In line with the plan");
  g_assert_true (lia_record_edit (fixture->store, id, changes, &error));
  g_assert_no_error (error);
  record = load_record (fixture, id);
  g_assert_cmpint (record->version, ==, 2);
  g_assert_cmpstr (lia_record_get_field (record, "what"), ==,
                   "Social worker visited the home with a colleague");
  g_assert_cmpstr (lia_record_get_field (record, "analysis"), ==, "In line with the plan");
  g_assert_cmpstr (record->date, ==, "2026-01-03");
  g_clear_pointer (&record, lia_record_free);

  /* "" clears an optional field, and makes version 3. */
  g_hash_table_remove_all (changes);
  set_field (changes, "analysis", "");
  g_assert_true (lia_record_edit (fixture->store, id, changes, &error));
  g_assert_no_error (error);
  record = load_record (fixture, id);
  g_assert_cmpint (record->version, ==, 3);
  g_assert_null (lia_record_get_field (record, "analysis"));
  g_clear_pointer (&record, lia_record_free);

  /* Refused edits make no version. */
  g_hash_table_remove_all (changes);
  set_field (changes, "what", "");
  g_assert_false (lia_record_edit (fixture->store, id, changes, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING);
  g_clear_error (&error);
  g_hash_table_remove_all (changes);
  set_field (changes, "date", "2026-02-30");
  g_assert_false (lia_record_edit (fixture->store, id, changes, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_clear_error (&error);
  g_hash_table_remove_all (changes);
  set_field (changes, "no-such-field", "x");
  g_assert_false (lia_record_edit (fixture->store, id, changes, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_UNKNOWN);
  g_clear_error (&error);

  record = load_record (fixture, id);
  g_assert_cmpint (record->version, ==, 3);
  g_assert_cmpstr (lia_record_get_field (record, "what"), ==,
                   "Social worker visited the home with a colleague");
  g_assert_cmpstr (record->date, ==, "2026-01-03");
}

static void
test_record_edit_other_originator (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autofree char *id = add_chronology (fixture, fixture->police, "2026-01-02", POLICE_NAME,
                                        "Officers attended the address");
  g_autoptr (GHashTable) changes = new_fields ();
  g_autoptr (LiaRecord) record = NULL;
  g_autoptr (GError) error = NULL;

  record = load_record (fixture, id);
  g_assert_cmpstr (record->originator->name, ==, POLICE_NAME);
  g_assert_false (record->originator->is_self);
  g_clear_pointer (&record, lia_record_free);

  set_field (changes, "what", "Officers did not attend");
  g_assert_false (lia_record_edit (fixture->store, id, changes, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_test_message ("refusal: %s", error->message);
  g_assert_nonnull (strstr (error->message, POLICE_NAME));

  record = load_record (fixture, id);
  g_assert_cmpint (record->version, ==, 1);
  g_assert_cmpstr (lia_record_get_field (record, "what"), ==, "Officers attended the address");
}

static void
test_record_list_order (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *jan10 = add_chronology (fixture, NULL, "2026-01-10", SELF_NAME, "Tenth");
  g_autofree char *jan03 = add_chronology (fixture, NULL, "2026-01-03", SELF_NAME, "Third");
  g_autofree char *jan07 = add_chronology (fixture, NULL, "2026-01-07T09:00", SELF_NAME, "Seventh");
  g_autoptr (GHashTable) note = required_fields (LIA_RECORD_NOTE, SELF_NAME);
  g_autofree char *jan05 = NULL;
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) chronology = NULL;
  g_autoptr (GError) error = NULL;
  const char *expected_all[4];
  const char *expected_chronology[3];

  set_field (note, "date", "2026-01-05");
  jan05 = lia_record_add (fixture->store, fixture->case_id, LIA_RECORD_NOTE, note, &error);
  g_assert_no_error (error);

  expected_all[0] = jan03;
  expected_all[1] = jan05;
  expected_all[2] = jan07;
  expected_all[3] = jan10;
  expected_chronology[0] = jan03;
  expected_chronology[1] = jan07;
  expected_chronology[2] = jan10;

  all = lia_record_list (fixture->store, fixture->case_id, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 4);
  for (guint i = 0; i < all->len; i++)
    g_assert_cmpstr (((LiaRecord *) g_ptr_array_index (all, i))->id, ==, expected_all[i]);

  chronology = lia_record_list (fixture->store, fixture->case_id, LIA_RECORD_CHRONOLOGY, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chronology->len, ==, 3);
  for (guint i = 0; i < chronology->len; i++)
    g_assert_cmpstr (((LiaRecord *) g_ptr_array_index (chronology, i))->id, ==,
                     expected_chronology[i]);
}

static GPtrArray *
search_ok (Fixture    *fixture,
           const char *query)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *hits = lia_search (fixture->store, query, 50, &error);

  if (hits == NULL)
    g_error ("searching for '%s': %s", query, error ? error->message : "no error");
  g_assert_no_error (error);
  return hits;
}

static LiaSearchHit *
find_hit (GPtrArray  *hits,
          const char *record_id)
{
  for (guint i = 0; i < hits->len; i++)
    {
      LiaSearchHit *hit = g_ptr_array_index (hits, i);

      if (g_strcmp0 (hit->record_id, record_id) == 0)
        return hit;
    }
  return NULL;
}

static LiaSearchHit *
require_hit (GPtrArray  *hits,
             const char *record_id)
{
  LiaSearchHit *hit = find_hit (hits, record_id);

  if (hit == NULL)
    g_error ("no hit for %s among %u", record_id ? record_id : "the case", hits->len);
  return hit;
}

static void
test_record_search (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *id = add_chronology (fixture, NULL, "2026-01-03", SELF_NAME,
                                        "Health visitor attended the family home after a referral");
  g_autofree char *other = add_chronology (fixture, NULL, "2026-01-04", SELF_NAME,
                                           "School reported absence");
  const char *const hostile[] = {
    "\"AND OR NEAR( *", "\"", "(", ")", "AND", "OR", "NOT", "NEAR", "what:home", "^home",
    "-home", "home AND", "{what}: home", "home\"*", "'; DROP TABLE records; --",
    "NEAR(home visitor, 2)",
  };

  {
    g_autoptr (GPtrArray) hits = search_ok (fixture, "attended");
    LiaSearchHit *hit = require_hit (hits, id);

    g_assert_cmpuint (hits->len, ==, 1);
    g_assert_cmpstr (hit->case_id, ==, fixture->case_id);
    g_assert_cmpint (hit->kind, ==, LIA_RECORD_CHRONOLOGY);
    g_assert_nonnull (hit->snippet);
    g_assert_nonnull (strstr (hit->snippet, "[attended]"));
  }
  {
    g_autoptr (GPtrArray) hits = search_ok (fixture, "attend*");

    g_assert_nonnull (find_hit (hits, id));
    g_assert_null (find_hit (hits, other));
  }
  {
    /* Every word, in any order. */
    g_autoptr (GPtrArray) hits = search_ok (fixture, "referral health");

    g_assert_nonnull (find_hit (hits, id));
  }
  {
    g_autoptr (GPtrArray) hits = search_ok (fixture, "referral zebra");

    g_assert_cmpuint (hits->len, ==, 0);
  }
  {
    g_autoptr (GPtrArray) hits = search_ok (fixture, "absence");

    g_assert_nonnull (find_hit (hits, other));
    g_assert_null (find_hit (hits, id));
  }
  {
    /* The case itself. */
    g_autoptr (GPtrArray) hits = search_ok (fixture, "kestrel");
    LiaSearchHit *hit = require_hit (hits, NULL);

    g_assert_cmpstr (hit->case_id, ==, fixture->case_id);
  }

  /* Nothing in a query is FTS5 syntax. */
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autoptr (GPtrArray) hits = search_ok (fixture, hostile[i]);

      g_test_message ("'%s': %u hits", hostile[i], hits->len);
    }

  /* A query of nothing but '*' has no word in it to look for. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GPtrArray) hits = lia_search (fixture->store, "* **", 50, &error);

    g_assert_null (hits);
    g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  }
}

static const LiaChronologyEntry *
entry_at (GPtrArray *entries,
          guint      i)
{
  g_assert_cmpuint (i, <, entries->len);
  return g_ptr_array_index (entries, i);
}

static void
test_chronology_merge (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *a = add_chronology (fixture, NULL, "2026-01-03", SELF_NAME, "Referral received");
  g_autofree char *b = add_chronology (fixture, fixture->police, "2026-01-05T14:30", POLICE_NAME,
                                       "Police welfare check");
  g_autofree char *c = add_chronology (fixture, fixture->icb, "2026-01-04", ICB_NAME,
                                       "GP appointment missed");
  g_autofree char *d = add_chronology (fixture, NULL, "2026-01-10", SELF_NAME, "Strategy meeting");
  g_autofree char *e = add_chronology (fixture, fixture->police, "2026-01-05T09:15", POLICE_NAME,
                                       "Call to 101");
  g_autoptr (GHashTable) note = required_fields (LIA_RECORD_NOTE, SELF_NAME);
  g_autofree char *note_id = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GPtrArray) police = NULL;
  g_autoptr (GError) error = NULL;
  const char *order[] = { a, c, e, b, d };
  const char *agencies[] = { SELF_NAME, ICB_NAME, POLICE_NAME, POLICE_NAME, SELF_NAME };

  /* Only chronology entries. */
  set_field (note, "date", "2026-01-06");
  note_id = lia_record_add (fixture->store, fixture->case_id, LIA_RECORD_NOTE, note, &error);
  g_assert_no_error (error);

  entries = lia_chronology_get (fixture->store, fixture->case_id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 5);
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      const LiaChronologyEntry *entry = entry_at (entries, i);

      g_assert_cmpstr (entry->record_id, ==, order[i]);
      g_assert_cmpstr (entry->agency, ==, agencies[i]);
      g_assert_cmpstr (entry->originator, ==, agencies[i]);
    }
  g_assert_cmpstr (entry_at (entries, 2)->date, ==, "2026-01-05T09:15");
  g_assert_cmpstr (entry_at (entries, 2)->what, ==, "Call to 101");

  police = lia_chronology_get (fixture->store, fixture->case_id, "thames valley police", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (police->len, ==, 2);
  g_assert_cmpstr (entry_at (police, 0)->record_id, ==, e);
  g_assert_cmpstr (entry_at (police, 1)->record_id, ==, b);
}

static LiaChronologyEntry *
entry_new (const char *record_id,
           const char *date,
           const char *agency,
           const char *what,
           const char *source,
           const char *analysis,
           const char *expected,
           const char *originator)
{
  LiaChronologyEntry *entry = g_new0 (LiaChronologyEntry, 1);

  entry->record_id = g_strdup (record_id);
  entry->date = g_strdup (date);
  entry->agency = g_strdup (agency);
  entry->what = g_strdup (what);
  entry->source = g_strdup (source);
  entry->analysis = g_strdup (analysis);
  entry->expected = g_strdup (expected);
  entry->originator = g_strdup (originator);
  return entry;
}

static void
test_csv_field (void)
{
  const struct
  {
    const char *in;
    const char *out;
  } cases[] = {
    { "plain", "plain" },
    { "", "" },
    { "a, b", "\"a, b\"" },
    { "say \"hi\"", "\"say \"\"hi\"\"\"" },
    { "line\nbreak", "\"line\nbreak\"" },
    { "cr\rhere", "\"cr\rhere\"" },
    { " leading", "\" leading\"" },
    { "trailing ", "trailing " },
    { "caf\xc3\xa9", "caf\xc3\xa9" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GString) out = g_string_new ("x");

      lia_csv_append_field (out, cases[i].in);
      g_assert_cmpstr (out->str + 1, ==, cases[i].out);
    }
}

/* The header row of lia_chronology_write_csv(): the date and the time of
 * day in columns of their own, so that a spreadsheet sorts them. */
#define CSV_HEADER \
  "Date,Time,Agency,What happened,Source,Analysis,Expected practice,Recorded by,Record\r\n"
#define ID1 "7f0c2a4e-0000-4000-8000-000000000001"
#define ID2 "7f0c2a4e-0000-4000-8000-000000000002"

static void
test_chronology_csv (void)
{
  g_autoptr (GPtrArray) entries =
    g_ptr_array_new_with_free_func ((GDestroyNotify) lia_chronology_entry_free);
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GBytes) expected_bytes = NULL;
  g_autoptr (GError) error = NULL;
  const char *expected =
    CSV_HEADER
    "2026-01-03,,Example County Council,Referral received,Case notes,,yes,Example County Council,"
    ID1 "\r\n"
    "2026-01-05,14:30,Thames Valley Police,\"Officers attended, spoke to \"\"Mum\"\"\nand left\","
    "Incident log,\"Late, by 2 hours\",unclear,Thames Valley Police," ID2 "\r\n";

  g_ptr_array_add (entries, entry_new (ID1, "2026-01-03", SELF_NAME, "Referral received",
                                       "Case notes", NULL, "yes", SELF_NAME));
  g_ptr_array_add (entries, entry_new (ID2, "2026-01-05T14:30", POLICE_NAME,
                                       "Officers attended, spoke to \"Mum\"\nand left",
                                       "Incident log", "Late, by 2 hours", "unclear",
                                       POLICE_NAME));

  g_assert_true (lia_chronology_write_csv (entries, out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);
  bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  expected_bytes = g_bytes_new_static (expected, strlen (expected));
  if (!g_bytes_equal (bytes, expected_bytes))
    {
      g_autofree char *got = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      g_autofree char *got_escaped = g_strescape (got, NULL);
      g_autofree char *expected_escaped = g_strescape (expected, NULL);

      g_error ("CSV differs.\nexpected: %s\n     got: %s", expected_escaped, got_escaped);
    }
}

/* The full-text index of what changes inside a larger transaction (a
 * batch of envelopes, the demo loader) is written when that transaction
 * commits, as it stands then; and a rollback leaves nothing of it. */
static void
test_record_search_in_transaction (Fixture       *fixture,
                                   gconstpointer  data)
{
  sqlite3 *db = lia_store_get_db (fixture->store);
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) changes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *edited = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *undone = NULL;

  g_assert_true (lia_db_begin (db, &error));
  g_assert_no_error (error);
  edited = add_chronology (fixture, NULL, "2026-01-03", SELF_NAME, "Strategy meeting postponed");
  kept = add_chronology (fixture, NULL, "2026-01-04", SELF_NAME, "Paediatric assessment held");
  g_hash_table_insert (changes, "what", "Strategy meeting cancelled");
  g_assert_true (lia_record_edit (fixture->store, edited, changes, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lia_test_query_int (fixture->store,
                                       "SELECT count (*) FROM temp.record_fts_pending"), ==, 2);
  g_assert_true (lia_db_commit (db, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lia_test_query_int (fixture->store,
                                       "SELECT count (*) FROM temp.record_fts_pending"), ==, 0);
  {
    g_autoptr (GPtrArray) hits = search_ok (fixture, "cancelled");

    g_assert_cmpuint (hits->len, ==, 1);
    require_hit (hits, edited);
  }
  {
    g_autoptr (GPtrArray) hits = search_ok (fixture, "postponed");

    g_assert_cmpuint (hits->len, ==, 0);
  }
  {
    g_autoptr (GPtrArray) hits = search_ok (fixture, "paediatric");

    require_hit (hits, kept);
  }

  g_assert_true (lia_db_begin (db, &error));
  g_assert_no_error (error);
  undone = add_chronology (fixture, NULL, "2026-01-05", SELF_NAME, "Housing officer visited");
  lia_db_rollback (db);
  {
    g_autoptr (GPtrArray) hits = search_ok (fixture, "housing");

    g_assert_cmpuint (hits->len, ==, 0);
  }
  g_assert_cmpint (lia_test_query_int (fixture->store,
                                       "SELECT count (*) FROM temp.record_fts_pending"), ==, 0);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/model/fields/dates", test_fields_dates);
  g_test_add_func ("/model/fields/choices", test_fields_choices);
  g_test_add_func ("/model/fields/text", test_fields_text);
  g_test_add_func ("/model/quorum", test_quorum);
  g_test_add_func ("/model/csv/field", test_csv_field);
  g_test_add_func ("/model/csv/chronology", test_chronology_csv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/model/case/create-load", test_case_create_load);
  ADD ("/model/case/create-refused", test_case_create_refused);
  ADD ("/model/case/ambiguous-prefix", test_case_ambiguous_prefix);
  ADD ("/model/case/set-fields", test_case_set_fields);
  ADD ("/model/case/set-every-field", test_case_set_every_field);
  ADD ("/model/case/set-refused", test_case_set_refused);
  ADD ("/model/case/participants", test_case_participants);
  ADD ("/model/case/attendees", test_case_attendees);
  ADD ("/model/case/delay-notice", test_case_delay_notice);
  ADD ("/model/record/every-kind", test_record_every_kind);
  ADD ("/model/record/refused", test_record_refused);
  ADD ("/model/record/classification", test_record_classification);
  ADD ("/model/record/edit", test_record_edit);
  ADD ("/model/record/edit-other-originator", test_record_edit_other_originator);
  ADD ("/model/record/list-order", test_record_list_order);
  ADD ("/model/record/search", test_record_search);
  ADD ("/model/record/search-in-transaction", test_record_search_in_transaction);
  ADD ("/model/chronology/merge", test_chronology_merge);
  ADD ("/model/org/names", test_org_names);
#undef ADD

  return g_test_run ();
}
