/* test-exchange.c: need-to-know sharing and exchange by bundle, between
 * real stores.
 *
 * The heart of it is /exchange/need-to-know: five organisations (council,
 * ICB, police, IOPC, a school), random cases, participants, sharing
 * decisions, records of every classification, edits, releases,
 * withdrawals and destructions, exchanged by bundles in random order and
 * with repeats. A model kept here, from the rules in lia-exchange.h and
 * not from the code under test, says who is entitled to which version of
 * what; at the end every store must hold exactly that, be unable to open
 * anything else, and have every disclosure in both logs. It runs for
 * LIAISON_EXCHANGE_SEEDS seeds (default 12) from LIAISON_EXCHANGE_SEED.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-bundle.h"
#include "lia-envelope.h"
#include "lia-exchange.h"
#include "lia-holdings.h"
#include "lia-log.h"
#include "lia-peer.h"
#include "lia-record.h"
#include "lia-request.h"
#include "lia-store-private.h"
#include "lia-test-util.h"
#include "lia-test-world.h"

#define N_ORGS LIA_TEST_MAX_ORGS

enum { COUNCIL, ICB, POLICE, IOPC, SCHOOL };

typedef struct
{
  LiaStore *stores[N_ORGS];
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  for (int i = 0; i < N_ORGS; i++)
    f->stores[i] = lia_test_create_store_of_kind (lia_test_orgs[i].name, lia_test_orgs[i].kind);
  for (int i = 0; i < N_ORGS; i++)
    for (int j = 0; j < N_ORGS; j++)
      if (i != j)
        lia_test_introduce (f->stores[i], f->stores[j]);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  for (int i = 0; i < N_ORGS; i++)
    g_clear_object (&f->stores[i]);
}

/* ---- helpers -------------------------------------------------------------- */

/* One bundle from @from to @to; returns how many envelopes were new. */
static guint
deliver (Fixture *f, int from, int to)
{
  guint count = 0;
  g_autoptr (GBytes) bundle
    = lia_test_export_bundle (f->stores[from], lia_test_orgs[to].name, &count, NULL);
  g_autoptr (LiaImportReport) report = lia_test_import_bundle (f->stores[to], bundle);

  for (guint i = 0; i < report->refusals->len; i++)
    {
      const char *why = report->refusals->pdata[i];

      /* The one refusal that is right in a random exchange: a version that
       * arrives (relayed) after the record was withdrawn or destroyed. */
      if (strstr (why, "an earlier version is not stored again") == NULL)
        g_error ("%s refused an envelope from %s: %s", lia_test_orgs[to].name,
                 lia_test_orgs[from].name, why);
    }
  g_assert_null (report->cut_short);
  g_assert_cmpuint (report->accepted + report->duplicates + report->refused, ==, count);
  return report->accepted;
}

/* Exchanges bundles between every pair, in random order and sometimes
 * twice, until a whole round brings nothing new. */
static void
deliver_all (Fixture *f, GRand *rand)
{
  guint new_ones;

  do
    {
      int pairs[N_ORGS * N_ORGS][2];
      int n = lia_test_world_pairs (N_ORGS, TRUE, rand, pairs);

      new_ones = 0;
      for (int k = 0; k < n; k++)
        {
          new_ones += deliver (f, pairs[k][0], pairs[k][1]);
          if (g_rand_int_range (rand, 0, 4) == 0)
            g_assert_cmpuint (deliver (f, pairs[k][0], pairs[k][1]), ==, 0);
        }
    }
  while (new_ones > 0);
}

/* ---- fixed scenarios ------------------------------------------------------ */

/* The worked example: the council shares an interview with the police by
 * bundle; the police may not pass it to the ICB; both logs show it. */
static void
test_share_by_bundle (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *case_id = lia_test_new_case (f->stores[COUNCIL], "Child A");
  g_autofree char *record_id = NULL;
  g_autoptr (GHashTable) fields = NULL;
  g_autoptr (LiaRecord) received = NULL;
  g_autoptr (LiaRecord) not_there = NULL;
  static const char *const interviews[] = { "interview", NULL };

  lia_test_add_participant (f->stores[COUNCIL], case_id, POLICE);
  lia_test_add_participant (f->stores[COUNCIL], case_id, ICB);
  g_assert_true (lia_case_share (f->stores[COUNCIL], case_id, lia_test_orgs[POLICE].name,
                                 interviews, "Jo Lead", &error));
  g_assert_no_error (error);
  fields = lia_test_fields ("date", "2026-09-03", "role", "Social worker", "summary",
                            "Visited the home twice.", "classification", "sensitive", "basis",
                            "Personal data of third parties", NULL);
  record_id = lia_record_add (f->stores[COUNCIL], case_id, LIA_RECORD_INTERVIEW, fields, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (deliver (f, COUNCIL, POLICE), ==, 2);   /* the case and the record */
  received = lia_record_load (f->stores[POLICE], record_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lia_record_get_field (received, "summary"), ==, "Visited the home twice.");
  g_assert_false (received->originator->is_self);
  g_assert_cmpstr (received->originator->name, ==, lia_test_orgs[COUNCIL].name);

  /* The ICB is on the case but was not given interviews. */
  g_assert_cmpuint (deliver (f, COUNCIL, ICB), ==, 1);   /* the case only */
  not_there = lia_record_load (f->stores[ICB], record_id, &error);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Onward disclosure is refused, naming the originator. */
  g_assert_false (lia_record_release (f->stores[POLICE], record_id, lia_test_orgs[ICB].name,
                                      "They asked", "P. Officer", &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, lia_test_orgs[COUNCIL].name));
  g_assert_nonnull (strstr (error->message, "prior written agreement"));
  g_clear_error (&error);

  /* Both logs. */
  g_assert_true (
    lia_test_log_has (f->stores[COUNCIL], LIA_LOG_DISCLOSED, record_id, 1, f->stores[POLICE]));
  g_assert_true (
    lia_test_log_has (f->stores[POLICE], LIA_LOG_RECEIVED, record_id, 1, f->stores[COUNCIL]));
  g_assert_false (
    lia_test_log_has (f->stores[COUNCIL], LIA_LOG_DISCLOSED, record_id, 0, f->stores[ICB]));
  lia_test_assert_log_intact (f->stores[COUNCIL]);
  lia_test_assert_log_intact (f->stores[POLICE]);
}

/* The police ask the council to agree to pass its interview to the ICB;
 * the council grants it, which extends that record, and only that one,
 * to the ICB. Both sides log it. */
static void
test_grant_extends_one_record (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *case_id = lia_test_new_case (f->stores[COUNCIL], "Child F");
  g_autofree char *wanted = NULL;
  g_autofree char *other = NULL;
  g_autofree char *request_id = NULL;
  g_autoptr (GHashTable) a = NULL;
  g_autoptr (GHashTable) b = NULL;
  g_autoptr (LiaRecord) at_icb = NULL;
  g_autoptr (LiaRecord) not_at_icb = NULL;
  g_autoptr (LiaRequest) request = NULL;
  static const char *const interviews[] = { "interview", NULL };
  LiaRequestStep step = { .reason = "The ICB needs it for the health chronology", .by = "Jo Lead" };
  GDate today;

  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 21, G_DATE_NOVEMBER, 2026);
  lia_test_add_participant (f->stores[COUNCIL], case_id, POLICE);
  lia_test_add_participant (f->stores[COUNCIL], case_id, ICB);
  g_assert_true (lia_case_share (f->stores[COUNCIL], case_id, lia_test_orgs[POLICE].name,
                                 interviews, NULL, &error));
  a = lia_test_fields ("date", "2026-09-03", "role", "Health visitor", "summary",
                       "First interview.", NULL);
  wanted = lia_record_add (f->stores[COUNCIL], case_id, LIA_RECORD_INTERVIEW, a, &error);
  b = lia_test_fields ("date", "2026-09-04", "role", "Teacher", "summary", "Second interview.",
                       NULL);
  other = lia_record_add (f->stores[COUNCIL], case_id, LIA_RECORD_INTERVIEW, b, &error);
  g_assert_no_error (error);
  deliver (f, COUNCIL, POLICE);
  deliver (f, COUNCIL, ICB);

  request_id = lia_request_extend (f->stores[POLICE], wanted, lia_test_orgs[ICB].name,
                                   "The ICB asked us for it", "P. Officer", &today, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (deliver (f, POLICE, COUNCIL), ==, 1);
  request = lia_request_load (f->stores[COUNCIL], request_id, &error);
  g_assert_no_error (error);
  g_assert_true (request->holder->is_self);
  g_assert_cmpstr (request->record_id, ==, wanted);

  /* The police cannot decide it; a plain "share" is not the answer. */
  g_assert_false (lia_request_decide (f->stores[POLICE], request_id, LIA_DECISION_GRANT, &step,
                                      &today, &error));
  g_clear_error (&error);
  g_assert_false (lia_request_decide (f->stores[COUNCIL], request_id, LIA_DECISION_SHARE, &step,
                                      &today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_true (lia_request_decide (f->stores[COUNCIL], request_id, LIA_DECISION_GRANT, &step,
                                     &today, &error));
  g_assert_no_error (error);

  deliver (f, COUNCIL, ICB);
  deliver (f, COUNCIL, POLICE);
  at_icb = lia_record_load (f->stores[ICB], wanted, &error);
  g_assert_no_error (error);
  g_assert_cmpint (at_icb->version, ==, 2);
  g_assert_cmpstr (lia_record_get_field (at_icb, "summary"), ==, "First interview.");
  not_at_icb = lia_record_load (f->stores[ICB], other, &error);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (
    lia_test_log_has (f->stores[COUNCIL], LIA_LOG_EXTENDED, wanted, 2, f->stores[ICB]));
  g_assert_true (
    lia_test_log_has (f->stores[COUNCIL], LIA_LOG_DISCLOSED, wanted, 2, f->stores[ICB]));
  g_assert_true (
    lia_test_log_has (f->stores[POLICE], LIA_LOG_EXTENDED, wanted, 0, f->stores[COUNCIL]));
  g_assert_true (
    lia_test_log_has (f->stores[ICB], LIA_LOG_RECEIVED, wanted, 2, f->stores[COUNCIL]));
  g_clear_pointer (&request, lia_request_free);
  request = lia_request_load (f->stores[POLICE], request_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (request->state, ==, LIA_REQUEST_SHARED);
  for (int o = 0; o < N_ORGS; o++)
    lia_test_assert_log_intact (f->stores[o]);
}

/* After a rotation, peers hear of the new keys by a signed notice and
 * seal for the new key; what was sealed for the old one still opens. */
static void
test_rotation_tells_peers (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *case_id = lia_test_new_case (f->stores[POLICE], "Child G");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr (GHashTable) a = NULL;
  g_autoptr (GHashTable) b = NULL;
  g_autoptr (LiaRecord) old_one = NULL;
  g_autoptr (LiaRecord) new_one = NULL;
  g_autoptr (GBytes) old_bundle = NULL;
  g_autoptr (LiaImportReport) report = NULL;
  static const char *const notes[] = { "note", NULL };
  LiaOrgPublicKeys keys;
  guint told = 0, count = 0;
  g_autofree char *sql = NULL;

  lia_test_add_participant (f->stores[POLICE], case_id, COUNCIL);
  g_assert_true (
    lia_case_share (f->stores[POLICE], case_id, lia_test_orgs[COUNCIL].name, notes, NULL, &error));
  a = lia_test_fields ("text", "Sealed for the old key.", NULL);
  before = lia_record_add (f->stores[POLICE], case_id, LIA_RECORD_NOTE, a, &error);
  g_assert_no_error (error);
  old_bundle
    = lia_test_export_bundle (f->stores[POLICE], lia_test_orgs[COUNCIL].name, &count, NULL);

  g_assert_true (lia_store_rotate_keys (f->stores[COUNCIL], &keys, &error));
  g_assert_true (lia_exchange_announce_keys (f->stores[COUNCIL], &told, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (told, ==, N_ORGS - 1);
  g_assert_cmpuint (deliver (f, COUNCIL, POLICE), ==, 1);
  {
    g_autoptr (GString) hex = g_string_new (NULL);

    for (guint i = 0; i < sizeof keys.box; i++)
      g_string_append_printf (hex, "%02x", keys.box[i]);
    sql = g_strdup_printf ("SELECT count (*) FROM org WHERE box_public = x'%s'", hex->str);
  }
  g_assert_cmpint (lia_test_query_int (f->stores[POLICE], sql), ==, 1);

  b = lia_test_fields ("text", "Sealed for the new key.", NULL);
  after = lia_record_add (f->stores[POLICE], case_id, LIA_RECORD_NOTE, b, &error);
  g_assert_no_error (error);
  report = lia_test_import_bundle (f->stores[COUNCIL], old_bundle);
  g_assert_cmpuint (report->accepted, ==, count);
  deliver (f, POLICE, COUNCIL);
  old_one = lia_record_load (f->stores[COUNCIL], before, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lia_record_get_field (old_one, "text"), ==, "Sealed for the old key.");
  new_one = lia_record_load (f->stores[COUNCIL], after, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lia_record_get_field (new_one, "text"), ==, "Sealed for the new key.");
}

/* A secret record goes to no one by the sharing decisions; a release
 * sends it to one organisation. */
static void
test_secret_needs_release (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *case_id = lia_test_new_case (f->stores[POLICE], "Child B");
  g_autofree char *record_id = NULL;
  g_autoptr (GHashTable) fields = NULL;
  g_autoptr (LiaRecord) record = NULL;
  static const char *const all[] = { "all", NULL };

  lia_test_add_participant (f->stores[POLICE], case_id, IOPC);
  lia_test_add_participant (f->stores[POLICE], case_id, COUNCIL);
  g_assert_true (
    lia_case_share (f->stores[POLICE], case_id, lia_test_orgs[IOPC].name, all, NULL, &error));
  g_assert_true (
    lia_case_share (f->stores[POLICE], case_id, lia_test_orgs[COUNCIL].name, all, NULL, &error));
  g_assert_no_error (error);
  fields = lia_test_fields ("text", "Covert source material.", "classification", "secret",
                            "basis", "Would identify a covert source", NULL);
  record_id = lia_record_add (f->stores[POLICE], case_id, LIA_RECORD_NOTE, fields, &error);
  g_assert_no_error (error);
  deliver (f, POLICE, IOPC);
  record = lia_record_load (f->stores[IOPC], record_id, &error);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (lia_record_release (f->stores[POLICE], record_id, lia_test_orgs[IOPC].name,
                                     "Needed for the investigation; redacted", "D. Sergeant", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (deliver (f, POLICE, IOPC), ==, 1);
  record = lia_record_load (f->stores[IOPC], record_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (record->classification, ==, LIA_CLASSIFICATION_SECRET);
  deliver (f, POLICE, COUNCIL);
  g_clear_pointer (&record, lia_record_free);
  record = lia_record_load (f->stores[COUNCIL], record_id, &error);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
}

/* A bundle with one byte changed in one envelope: that one is refused,
 * the others come in. A bundle cut short keeps what came before the cut.
 * A bundle for someone else is refused envelope by envelope. */
static void
test_bad_bundles (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *case_id = lia_test_new_case (f->stores[COUNCIL], "Child C");
  g_autoptr (GBytes) bundle = NULL;
  g_autoptr (GBytes) damaged = NULL;
  g_autoptr (GBytes) cut = NULL;
  g_autoptr (LiaImportReport) report = NULL;
  static const char *const notes[] = { "note", NULL };
  guint count = 0;
  gsize len;
  guint8 *copy;

  lia_test_add_participant (f->stores[COUNCIL], case_id, SCHOOL);
  g_assert_true (
    lia_case_share (f->stores[COUNCIL], case_id, lia_test_orgs[SCHOOL].name, notes, NULL, &error));
  for (int i = 0; i < 4; i++)
    {
      g_autoptr (GHashTable) fields = NULL;
      g_autofree char *text = g_strdup_printf ("Note %d", i);
      g_autofree char *id = NULL;

      fields = lia_test_fields ("text", text, NULL);
      id = lia_record_add (f->stores[COUNCIL], case_id, LIA_RECORD_NOTE, fields, &error);
      g_assert_no_error (error);
    }
  bundle = lia_test_export_bundle (f->stores[COUNCIL], lia_test_orgs[SCHOOL].name, &count, NULL);
  g_assert_cmpuint (count, ==, 5);

  /* For another organisation: nothing in it is for the police. */
  report = lia_test_import_bundle (f->stores[POLICE], bundle);
  g_assert_cmpuint (report->accepted, ==, 0);
  g_assert_cmpuint (report->refused, ==, 5);
  g_assert_nonnull (strstr (report->refusals->pdata[0], "addressed to other organisations only"));
  g_clear_pointer (&report, lia_import_report_free);

  /* One byte changed near the end (inside the last envelope). */
  copy = g_bytes_unref_to_data (g_bytes_ref (bundle), &len);
  copy[len - lia_test_bundle_tail (bundle) - 100] ^= 0x01;
  damaged = g_bytes_new_take (copy, len);
  report = lia_test_import_bundle (f->stores[SCHOOL], damaged);
  g_assert_cmpuint (report->accepted, ==, 4);
  g_assert_cmpuint (report->refused, ==, 1);
  g_clear_pointer (&report, lia_import_report_free);

  /* Cut in the middle of the bundle: the rest is still imported later. */
  cut = g_bytes_new_from_bytes (bundle, 0, g_bytes_get_size (bundle) / 2);
  report = lia_test_import_bundle (f->stores[SCHOOL], cut);
  g_assert_nonnull (report->cut_short);
  g_assert_nonnull (strstr (report->cut_short, "cut short"));
  g_clear_pointer (&report, lia_import_report_free);
  report = lia_test_import_bundle (f->stores[SCHOOL], bundle);
  g_assert_cmpuint (report->refused, ==, 0);
  g_assert_cmpuint (report->accepted, ==, 1);
  g_assert_cmpuint (report->duplicates, ==, 4);
  g_assert_cmpint (lia_test_query_int (f->stores[SCHOOL],
                                       "SELECT count (*) FROM record WHERE fields != '{}'"), ==, 4);
}

/* ---- the two stages of an import ---------------------------------------- */

/* The envelopes of a bundle, one GBytes each (its chunks left out). */
static GPtrArray *
bundle_envelopes (GBytes *bundle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (bundle);
  g_autoptr (LiaBundleReader) reader = lia_bundle_reader_new (in, NULL, &error);
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  LiaBundleItem item;
  guint8 hash[LIA_BUNDLE_HASH_BYTES];
  GBytes *bytes;

  g_assert_no_error (error);
  while ((bytes = lia_bundle_reader_next (reader, &item, hash, NULL, &error)) != NULL)
    if (item == LIA_BUNDLE_ITEM_ENVELOPE)
      g_ptr_array_add (all, bytes);
    else
      g_bytes_unref (bytes);
  g_assert_no_error (error);
  return all;
}

/* The envelope of @kind (and, for a record, @object_id at @version) in
 * @envelopes; the case's facts are sealed lazily, so the order of a bundle
 * is not the order things were made in. */
static GBytes *
find_envelope (GPtrArray *envelopes, const char *kind, const char *object_id, guint version)
{
  for (guint i = 0; i < envelopes->len; i++)
    {
      g_autoptr (LiaEnvelope) env = lia_envelope_parse (envelopes->pdata[i], NULL);

      if (g_str_equal (lia_envelope_get_kind (env), kind)
          && (object_id == NULL || g_str_equal (lia_envelope_get_object_id (env), object_id))
          && (version == 0 || lia_envelope_get_version (env) == version))
        return envelopes->pdata[i];
    }
  g_assert_not_reached ();
}

static LiaOpenedEnvelope *
open_for (LiaStore *store, GBytes *bytes, LiaAuthorTable *authors)
{
  g_autoptr (GError) error = NULL;
  LiaOpenedEnvelope *opened = lia_exchange_open_envelope (bytes, lia_store_get_keyring (store),
                                                          authors, &error);

  g_assert_no_error (error);
  return opened;
}

/* A batch in one transaction: one envelope the rules refuse is left out
 * with its reason, the rest stored; a repeat in the same batch is a
 * duplicate; the first stage refuses what is not genuine or not for us. */
static void
test_two_stages (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *case_id = lia_test_new_case (f->stores[COUNCIL], "Child T");
  g_autofree char *withdrawn_id = NULL;
  g_autofree char *stays_id = NULL, *later_id = NULL;
  g_autoptr (GBytes) first_bundle = NULL, second_bundle = NULL, third_bundle = NULL;
  g_autoptr (GPtrArray) first = NULL, second = NULL, third = NULL;
  g_autoptr (LiaAuthorTable) authors = NULL;
  g_autoptr (LiaOpenedEnvelope) old_version = NULL;
  LiaOpenedEnvelope *batch[4];
  LiaImportOutcome outcomes[4];
  GError *refusals[4];
  static const char *const notes[] = { "note", NULL };
  guint count = 0;

  lia_test_add_participant (f->stores[COUNCIL], case_id, SCHOOL);
  g_assert_true (
    lia_case_share (f->stores[COUNCIL], case_id, lia_test_orgs[SCHOOL].name, notes, NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr (GHashTable) fields = lia_test_fields ("text", "Soon withdrawn", NULL);

    withdrawn_id = lia_record_add (f->stores[COUNCIL], case_id, LIA_RECORD_NOTE, fields, &error);
    g_assert_no_error (error);
  }
  /* The case and version 1 of the note. */
  first_bundle
    = lia_test_export_bundle (f->stores[COUNCIL], lia_test_orgs[SCHOOL].name, &count, NULL);
  g_assert_cmpuint (count, ==, 2);
  first = bundle_envelopes (first_bundle);
  g_assert_true (
    lia_record_withdraw (f->stores[COUNCIL], withdrawn_id, "Sent in error", NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr (GHashTable) fields = lia_test_fields ("text", "Stays", NULL);

    stays_id = lia_record_add (f->stores[COUNCIL], case_id, LIA_RECORD_NOTE, fields, &error);
    g_assert_no_error (error);
  }
  /* Then also the withdrawal and another note. */
  second_bundle
    = lia_test_export_bundle (f->stores[COUNCIL], lia_test_orgs[SCHOOL].name, &count, NULL);
  g_assert_cmpuint (count, ==, 4);
  second = bundle_envelopes (second_bundle);

  authors = lia_exchange_dup_authors (f->stores[SCHOOL], &error);
  g_assert_no_error (error);

  /* The first stage refuses a changed byte, and what is not for us. */
  {
    gsize len;
    guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (second->pdata[0]), &len);
    g_autoptr (GBytes) damaged = NULL;

    copy[len - 10] ^= 0x20;
    damaged = g_bytes_new_take (copy, len);
    g_assert_null (lia_exchange_open_envelope (damaged, lia_store_get_keyring (f->stores[SCHOOL]),
                                               authors, &error));
    g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_BAD_SIGNATURE);
    g_clear_error (&error);
    g_assert_null (lia_exchange_open_envelope (second->pdata[0],
                                               lia_store_get_keyring (f->stores[POLICE]),
                                               authors, &error));
    g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_NOT_RECIPIENT);
    g_clear_error (&error);
  }

  /* The case, the withdrawal, the other note and the case again. */
  old_version = open_for (f->stores[SCHOOL], find_envelope (first, "record", withdrawn_id, 1),
                         authors);
  batch[0] = open_for (f->stores[SCHOOL], find_envelope (second, "case", NULL, 0), authors);
  batch[1] = open_for (f->stores[SCHOOL], find_envelope (second, "record", withdrawn_id, 2),
                       authors);
  batch[2] = open_for (f->stores[SCHOOL], find_envelope (second, "record", stays_id, 1), authors);
  batch[3] = open_for (f->stores[SCHOOL], find_envelope (second, "case", NULL, 0), authors);
  g_assert_true (lia_exchange_import_opened (f->stores[SCHOOL], batch, 4, outcomes, refusals,
                                             &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcomes[0], ==, LIA_IMPORT_ACCEPTED);
  g_assert_cmpint (outcomes[1], ==, LIA_IMPORT_ACCEPTED);
  g_assert_cmpint (outcomes[2], ==, LIA_IMPORT_ACCEPTED);
  g_assert_cmpint (outcomes[3], ==, LIA_IMPORT_DUPLICATE);
  for (int i = 0; i < 4; i++)
    {
      g_assert_null (refusals[i]);
      lia_opened_envelope_free (batch[i]);
    }

  /* Version 1 after the withdrawal: refused by the rules, with the other
   * envelope of its batch stored. */
  {
    g_autoptr (GHashTable) fields = lia_test_fields ("text", "Later", NULL);

    later_id = lia_record_add (f->stores[COUNCIL], case_id, LIA_RECORD_NOTE, fields, &error);
    g_assert_no_error (error);
  }
  third_bundle
    = lia_test_export_bundle (f->stores[COUNCIL], lia_test_orgs[SCHOOL].name, &count, NULL);
  third = bundle_envelopes (third_bundle);
  batch[0] = g_steal_pointer (&old_version);
  batch[1] = open_for (f->stores[SCHOOL], find_envelope (third, "record", later_id, 1), authors);
  g_assert_true (lia_exchange_import_opened (f->stores[SCHOOL], batch, 2, outcomes, refusals,
                                             &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcomes[0], ==, LIA_IMPORT_REFUSED);
  g_assert_error (refusals[0], LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (refusals[0]->message, "not stored again"));
  g_assert_cmpint (outcomes[1], ==, LIA_IMPORT_ACCEPTED);
  g_assert_null (refusals[1]);
  g_clear_error (&refusals[0]);
  lia_opened_envelope_free (batch[0]);
  lia_opened_envelope_free (batch[1]);
  g_assert_cmpint (lia_test_query_int (f->stores[SCHOOL], "SELECT count (*) FROM envelope"), ==, 4);
  lia_test_assert_log_intact (f->stores[SCHOOL]);
}

/* The author removed between the two stages: refused at the second. */
static void
test_two_stages_revoked_between (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *case_id = lia_test_new_case (f->stores[ICB], "Child R");
  g_autoptr (GBytes) bundle = NULL;
  g_autoptr (GPtrArray) envelopes = NULL;
  g_autoptr (LiaAuthorTable) authors = NULL;
  g_autoptr (LiaPeer) peer = NULL;
  LiaOpenedEnvelope *opened;
  LiaImportOutcome outcome;
  GError *refusal = NULL;
  guint count = 0;

  lia_test_add_participant (f->stores[ICB], case_id, COUNCIL);
  bundle = lia_test_export_bundle (f->stores[ICB], lia_test_orgs[COUNCIL].name, &count, NULL);
  envelopes = bundle_envelopes (bundle);
  authors = lia_exchange_dup_authors (f->stores[COUNCIL], &error);
  g_assert_no_error (error);
  opened = open_for (f->stores[COUNCIL], envelopes->pdata[0], authors);
  peer = lia_store_find_peer (f->stores[COUNCIL], lia_test_orgs[ICB].name, &error);
  g_assert_no_error (error);
  g_assert_true (lia_store_revoke_peer (f->stores[COUNCIL], peer, &error));
  g_assert_true (lia_exchange_import_opened (f->stores[COUNCIL], &opened, 1, &outcome, &refusal,
                                             &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcome, ==, LIA_IMPORT_REFUSED);
  g_assert_error (refusal, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_REVOKED_AUTHOR);
  g_clear_error (&refusal);
  lia_opened_envelope_free (opened);
  g_assert_cmpint (lia_test_query_int (f->stores[COUNCIL], "SELECT count (*) FROM lcase"), ==, 0);

  /* A snapshot taken now knows. */
  g_clear_pointer (&authors, lia_author_table_free);
  authors = lia_exchange_dup_authors (f->stores[COUNCIL], &error);
  g_assert_null (lia_exchange_open_envelope (envelopes->pdata[0],
                                             lia_store_get_keyring (f->stores[COUNCIL]), authors,
                                             &error));
  g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_REVOKED_AUTHOR);
}

/* A revoked peer's envelopes are refused, and nothing more is sealed for
 * it. */
static void
test_revoked_peer (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *case_id = lia_test_new_case (f->stores[ICB], "Child D");
  g_autoptr (GBytes) bundle = NULL;
  g_autoptr (LiaImportReport) report = NULL;
  g_autoptr (LiaPeer) peer = NULL;
  guint count = 0;

  lia_test_add_participant (f->stores[ICB], case_id, COUNCIL);
  bundle = lia_test_export_bundle (f->stores[ICB], lia_test_orgs[COUNCIL].name, &count, NULL);
  g_assert_cmpuint (count, ==, 1);
  peer = lia_store_find_peer (f->stores[COUNCIL], lia_test_orgs[ICB].name, &error);
  g_assert_no_error (error);
  g_assert_true (lia_store_revoke_peer (f->stores[COUNCIL], peer, &error));
  g_assert_no_error (error);
  report = lia_test_import_bundle (f->stores[COUNCIL], bundle);
  g_assert_cmpuint (report->refused, ==, 1);
  g_test_message ("refused: %s", (const char *) report->refusals->pdata[0]);
  g_assert_true (strstr (report->refusals->pdata[0], "revoked") != NULL
                 || strstr (report->refusals->pdata[0], "removed") != NULL);
  g_assert_cmpint (lia_test_query_int (f->stores[COUNCIL], "SELECT count (*) FROM lcase"), ==, 0);

  /* And the council seals nothing for the ICB any more. */
  {
    g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();

    g_assert_false (lia_exchange_export_bundle (f->stores[COUNCIL], lia_test_orgs[ICB].name,
                                                LIA_BUNDLE_EXPORT_ALL, out, NULL, &error));
    g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  }
}

/* Withdrawal reaches every recipient, which keeps only a tombstone; a
 * replay of the old version is refused. Destruction on the agreed date
 * sends a receipt that the originator logs. */
static void
test_withdraw_and_destroy (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *case_id = lia_test_new_case (f->stores[COUNCIL], "Child E");
  g_autofree char *withdrawn_id = NULL;
  g_autofree char *destroyed_id = NULL;
  g_autoptr (GHashTable) a = NULL;
  g_autoptr (GHashTable) b = NULL;
  g_autoptr (GBytes) old_bundle = NULL;
  g_autoptr (LiaImportReport) report = NULL;
  g_autoptr (LiaRecord) record = NULL;
  static const char *const reports[] = { "information-report", NULL };
  guint count;
  GDate today;

  lia_test_add_participant (f->stores[COUNCIL], case_id, IOPC);
  g_assert_true (
    lia_case_share (f->stores[COUNCIL], case_id, lia_test_orgs[IOPC].name, reports, NULL, &error));
  a = lia_test_fields ("text", "Report to be withdrawn.", NULL);
  withdrawn_id = lia_record_add (f->stores[COUNCIL], case_id, LIA_RECORD_INFORMATION_REPORT, a,
                                 &error);
  b = lia_test_fields ("text", "Report to destroy.", "destroy-on", "2026-10-01", NULL);
  destroyed_id = lia_record_add (f->stores[COUNCIL], case_id, LIA_RECORD_INFORMATION_REPORT, b,
                                 &error);
  g_assert_no_error (error);
  old_bundle = lia_test_export_bundle (f->stores[COUNCIL], lia_test_orgs[IOPC].name, &count, NULL);
  report = lia_test_import_bundle (f->stores[IOPC], old_bundle);
  g_assert_cmpuint (report->accepted, ==, 3);
  g_clear_pointer (&report, lia_import_report_free);

  g_assert_true (lia_record_withdraw (f->stores[COUNCIL], withdrawn_id, "Sent in error", "Jo Lead",
                                      &error));
  g_assert_no_error (error);
  deliver (f, COUNCIL, IOPC);
  record = lia_record_load (f->stores[IOPC], withdrawn_id, &error);
  g_assert_no_error (error);
  g_assert_true (record->withdrawn);
  g_assert_null (lia_record_get_field (record, "text"));
  g_assert_true (
    lia_test_log_has (f->stores[IOPC], LIA_LOG_WITHDRAWN, withdrawn_id, 0, f->stores[COUNCIL]));
  g_assert_true (
    lia_test_log_has (f->stores[COUNCIL], LIA_LOG_WITHDRAWN, withdrawn_id, 2, f->stores[IOPC]));

  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 2, G_DATE_OCTOBER, 2026);
  g_assert_cmpint (lia_exchange_destroy_due (f->stores[IOPC], &today, &error), ==, 1);
  g_assert_no_error (error);
  g_clear_pointer (&record, lia_record_free);
  record = lia_record_load (f->stores[IOPC], destroyed_id, &error);
  g_assert_true (record->destroyed);
  g_assert_null (lia_record_get_field (record, "text"));
  {
    /* Nothing left that could be opened to get the content back. */
    g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM envelope WHERE kind = 'record' "
                                            "AND object_id = '%s'",
                                            destroyed_id);

    g_assert_cmpint (lia_test_query_int (f->stores[IOPC], sql), ==, 0);
  }

  /* The old bundle again: nothing comes back. */
  report = lia_test_import_bundle (f->stores[IOPC], old_bundle);
  g_assert_cmpuint (report->accepted, ==, 0);
  g_assert_cmpuint (report->refused, ==, 2);
  g_clear_pointer (&report, lia_import_report_free);

  /* The receipt reaches the council. */
  g_assert_cmpuint (deliver (f, IOPC, COUNCIL), >=, 1);
  g_assert_cmpint (lia_test_query_int (f->stores[COUNCIL],
                                       "SELECT count (*) FROM destruction_receipt"), ==, 1);
  g_assert_true (
    lia_test_log_has (f->stores[COUNCIL], LIA_LOG_DESTROYED, destroyed_id, 0, f->stores[IOPC]));
  g_assert_true (
    lia_test_log_has (f->stores[IOPC], LIA_LOG_DESTROYED, destroyed_id, 0, f->stores[COUNCIL]));
  lia_test_assert_log_intact (f->stores[COUNCIL]);
  lia_test_assert_log_intact (f->stores[IOPC]);
}

/* ---- the need-to-know property, by bundle ------------------------------------- */

static void
bundle_deliver_all (gpointer data, GRand *rand)
{
  deliver_all (data, rand);
}

static void
bundle_deliver (gpointer data, int from, int to)
{
  deliver (data, from, to);
}

static void
test_need_to_know (gconstpointer data)
{
  const char *first = g_getenv ("LIAISON_EXCHANGE_SEED");
  const char *count = g_getenv ("LIAISON_EXCHANGE_SEEDS");
  guint32 seed = first ? (guint32) g_ascii_strtoull (first, NULL, 10) : 1;
  guint n = count ? (guint) g_ascii_strtoull (count, NULL, 10) : 12;

  for (guint i = 0; i < n; i++)
    {
      Fixture f = { { NULL } };
      LiaTestDelivery by_bundle = { bundle_deliver_all, bundle_deliver, &f };

      g_test_message ("seed %u", seed + i);
      fixture_setup (&f, NULL);
      lia_test_world_run (f.stores, N_ORGS, seed + i, &by_bundle);
      fixture_teardown (&f, NULL);
    }
}

/* ---- acknowledgements ------------------------------------------------------ */

/* A note of @store's in @case_id. */
static void
add_note (LiaStore *store, const char *case_id, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) fields = lia_test_fields ("text", text, NULL);
  g_autofree char G_GNUC_UNUSED *id = lia_record_add (store, case_id, LIA_RECORD_NOTE, fields, &error);

  g_assert_no_error (error);
}

/* A bundle from @from for @to, @flags as given; @summary says what. */
static GBytes *
export_for (Fixture *f, int from, int to, LiaBundleExportFlags flags, LiaBundleExport *summary)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert_true (lia_exchange_export_bundle (f->stores[from], lia_test_orgs[to].name, flags, out,
                                             summary, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

/* A case of the council's with the police as a participant that receives
 * its notes, and @n notes in it. */
static char *
council_case_for_police (Fixture *f, int n)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *case_id = lia_test_new_case (f->stores[COUNCIL], "Child K");
  static const char *const notes[] = { "note", NULL };

  lia_test_add_participant (f->stores[COUNCIL], case_id, POLICE);
  g_assert_true (lia_case_share (f->stores[COUNCIL], case_id, lia_test_orgs[POLICE].name, notes,
                                 NULL, &error));
  g_assert_no_error (error);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("Note %d", i);

      add_note (f->stores[COUNCIL], case_id, text);
    }
  return g_steal_pointer (&case_id);
}

/* The council sends the police its notes; the police's bundle back
 * acknowledges them, and then the council's --new bundle holds only what
 * came after. With nothing new, it is a pure acknowledgement. */
static void
test_acknowledgement_round_trip (Fixture *f, gconstpointer data)
{
  g_autofree char *case_id = council_case_for_police (f, 3);
  g_autoptr (GBytes) first = NULL;
  g_autoptr (GBytes) back = NULL;
  g_autoptr (GBytes) later = NULL;
  g_autoptr (GBytes) nothing = NULL;
  g_autoptr (LiaImportReport) report = NULL;
  LiaBundleExport summary = { 0 };

  /* No acknowledgement yet: everything, and it says so. */
  first = export_for (f, COUNCIL, POLICE, LIA_BUNDLE_EXPORT_NEW, &summary);
  g_assert_false (summary.acknowledged);
  g_assert_cmpuint (summary.envelopes, ==, 4);   /* the case and three notes */
  g_assert_cmpuint (summary.left_out, ==, 0);
  report = lia_test_import_bundle (f->stores[POLICE], first);
  g_assert_cmpuint (report->accepted, ==, 4);
  /* The council's own holdings came with it. */
  g_assert_cmpstr (report->acknowledged_by, ==, lia_test_orgs[COUNCIL].name);
  g_assert_null (report->acknowledgement_refused);
  g_clear_pointer (&report, lia_import_report_free);

  /* The police has nothing for the council but the acknowledgement. */
  back = export_for (f, POLICE, COUNCIL, LIA_BUNDLE_EXPORT_NEW, &summary);
  g_assert_true (summary.acknowledged);
  g_assert_cmpuint (summary.envelopes, ==, 0);
  report = lia_test_import_bundle (f->stores[COUNCIL], back);
  g_assert_cmpuint (report->accepted + report->duplicates + report->refused, ==, 0);
  g_assert_cmpstr (report->acknowledged_by, ==, lia_test_orgs[POLICE].name);
  g_assert_null (report->cut_short);
  g_clear_pointer (&report, lia_import_report_free);

  /* Two more notes: only they go. */
  add_note (f->stores[COUNCIL], case_id, "Note 3");
  add_note (f->stores[COUNCIL], case_id, "Note 4");
  later = export_for (f, COUNCIL, POLICE, LIA_BUNDLE_EXPORT_NEW, &summary);
  g_assert_true (summary.acknowledged);
  g_assert_cmpuint (summary.envelopes, ==, 2);
  g_assert_cmpuint (summary.left_out, ==, 4);
  report = lia_test_import_bundle (f->stores[POLICE], later);
  g_assert_cmpuint (report->accepted, ==, 2);
  g_assert_cmpuint (report->duplicates, ==, 0);
  g_clear_pointer (&report, lia_import_report_free);
  g_assert_cmpint (lia_test_query_int (f->stores[POLICE], "SELECT count (*) FROM record"), ==, 5);

  /* Without --new, everything still goes. */
  g_bytes_unref (export_for (f, COUNCIL, POLICE, LIA_BUNDLE_EXPORT_ALL, &summary));
  g_assert_cmpuint (summary.envelopes, ==, 6);
  g_assert_cmpuint (summary.left_out, ==, 0);

  /* The police has not acknowledged the last two yet: they go again. */
  g_bytes_unref (export_for (f, COUNCIL, POLICE, LIA_BUNDLE_EXPORT_NEW, &summary));
  g_assert_cmpuint (summary.envelopes, ==, 2);
  nothing = export_for (f, POLICE, COUNCIL, LIA_BUNDLE_EXPORT_NEW, &summary);
  report = lia_test_import_bundle (f->stores[COUNCIL], nothing);
  g_assert_cmpstr (report->acknowledged_by, ==, lia_test_orgs[POLICE].name);
  g_bytes_unref (export_for (f, COUNCIL, POLICE, LIA_BUNDLE_EXPORT_NEW, &summary));
  g_assert_cmpuint (summary.envelopes, ==, 0);
  g_assert_cmpuint (summary.left_out, ==, 6);

  /* An older acknowledgement arriving late takes nothing back. */
  g_clear_pointer (&report, lia_import_report_free);
  report = lia_test_import_bundle (f->stores[COUNCIL], back);
  g_assert_cmpstr (report->acknowledged_by, ==, lia_test_orgs[POLICE].name);
  g_bytes_unref (export_for (f, COUNCIL, POLICE, LIA_BUNDLE_EXPORT_NEW, &summary));
  g_assert_cmpuint (summary.envelopes, ==, 0);
}

/* The council's sync record of the police, as a store-level fact. */
static GBytes *
kept_holdings (Fixture *f, int of)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaPeer) peer = lia_store_find_peer (f->stores[COUNCIL], lia_test_orgs[of].name,
                                                  &error);
  g_autoptr (LiaSyncRecord) record = NULL;

  g_assert_no_error (error);
  record = lia_store_load_sync_record (f->stores[COUNCIL], peer->sign_public, &error);
  g_assert_no_error (error);
  return record->holdings != NULL ? g_bytes_ref (record->holdings) : NULL;
}

/* An acknowledgement is noted only from a current peer, in a bundle for
 * this organisation. */
static void
test_acknowledgement_only_from_peers (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaStore) stranger = lia_test_create_store_of_kind ("Stranger Agency",
                                                                  LIA_ORG_KIND_AGENCY);
  g_autoptr (GBytes) from_stranger = NULL;
  g_autoptr (GBytes) for_icb = NULL;
  g_autoptr (GBytes) from_police = NULL;
  g_autoptr (GBytes) kept = NULL;
  g_autoptr (LiaImportReport) report = NULL;
  g_autoptr (LiaPeer) police = NULL;

  /* The stranger knows the council; the council does not know it. */
  lia_test_introduce (f->stores[COUNCIL], stranger);
  from_stranger = lia_test_export_bundle (stranger, lia_test_orgs[COUNCIL].name, NULL, NULL);
  report = lia_test_import_bundle (f->stores[COUNCIL], from_stranger);
  g_assert_null (report->acknowledged_by);
  g_assert_nonnull (strstr (report->acknowledgement_refused, "No peer of this organisation"));
  g_clear_pointer (&report, lia_import_report_free);

  /* The police's bundle for the ICB, brought to the council. */
  for_icb = lia_test_export_bundle (f->stores[POLICE], lia_test_orgs[ICB].name, NULL, NULL);
  report = lia_test_import_bundle (f->stores[COUNCIL], for_icb);
  g_assert_null (report->acknowledged_by);
  g_assert_nonnull (strstr (report->acknowledgement_refused, "made for another organisation"));
  g_clear_pointer (&report, lia_import_report_free);
  g_assert_null (kept_holdings (f, POLICE));

  /* The police acknowledges holding nothing of the council's yet. */
  from_police = lia_test_export_bundle (f->stores[POLICE], lia_test_orgs[COUNCIL].name, NULL,
                                        NULL);
  report = lia_test_import_bundle (f->stores[COUNCIL], from_police);
  g_assert_cmpstr (report->acknowledged_by, ==, lia_test_orgs[POLICE].name);
  g_clear_pointer (&report, lia_import_report_free);
  kept = kept_holdings (f, POLICE);
  g_assert_nonnull (kept);

  /* It receives three envelopes, and is then removed as a peer: its
   * acknowledgement of them is not noted. */
  g_free (council_case_for_police (f, 2));
  g_assert_cmpuint (deliver (f, COUNCIL, POLICE), ==, 3);
  police = lia_store_find_peer (f->stores[COUNCIL], lia_test_orgs[POLICE].name, &error);
  g_assert_no_error (error);
  g_assert_true (lia_store_revoke_peer (f->stores[COUNCIL], police, &error));
  g_assert_no_error (error);
  g_clear_pointer (&from_police, g_bytes_unref);
  from_police = lia_test_export_bundle (f->stores[POLICE], lia_test_orgs[COUNCIL].name, NULL,
                                        NULL);
  report = lia_test_import_bundle (f->stores[COUNCIL], from_police);
  g_assert_null (report->acknowledged_by);
  g_assert_nonnull (strstr (report->acknowledgement_refused, "was removed as a peer"));
  {
    g_autoptr (GBytes) still = kept_holdings (f, POLICE);

    g_assert_true (g_bytes_equal (still, kept));
  }
}

/* Writes a bundle of version 3 by hand: @envelopes, then an
 * acknowledgement item of @holdings_len bytes from @holdings. */
static GBytes *
bundle_with_holdings (Fixture *f, int from, int to, GPtrArray *envelopes,
                      const guint8 *holdings, guint32 holdings_len, gboolean whole)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint8 be[4];

  g_byte_array_append (out, (const guint8 *) "LIABNDL\n\3", 9);
  g_byte_array_append (out, g_bytes_get_data (lia_store_get_identity_public_key (f->stores[from]),
                                              NULL), 32);
  g_byte_array_append (out, g_bytes_get_data (lia_store_get_identity_public_key (f->stores[to]),
                                              NULL), 32);
  for (guint i = 0; i < envelopes->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (envelopes->pdata[i], &len);

      g_byte_array_append (out, (const guint8 *) "\1", 1);
      be[0] = len >> 24, be[1] = len >> 16, be[2] = len >> 8, be[3] = len;
      g_byte_array_append (out, be, 4);
      g_byte_array_append (out, data, len);
    }
  g_byte_array_append (out, (const guint8 *) "\3", 1);
  be[0] = holdings_len >> 24, be[1] = holdings_len >> 16, be[2] = holdings_len >> 8;
  be[3] = holdings_len;
  g_byte_array_append (out, be, 4);
  if (whole)
    {
      g_byte_array_append (out, holdings, holdings_len);
      g_byte_array_append (out, (const guint8 *) "\0\0\0\0", 4);
      g_byte_array_append (out, (const guint8 *) "\0\0\0\0\0", 5);
      out->data[out->len - 5] = envelopes->len;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* A damaged or oversized acknowledgement is refused with a clear message;
 * the envelopes before it are kept, and nothing is noted. */
static void
test_acknowledgement_damaged (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char G_GNUC_UNUSED *case_id = council_case_for_police (f, 2);
  g_autoptr (GBytes) real = lia_test_export_bundle (f->stores[COUNCIL],
                                                    lia_test_orgs[POLICE].name, NULL, NULL);
  g_autoptr (GPtrArray) envelopes = bundle_envelopes (real);
  g_autoptr (GPtrArray) twice = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                  lia_holdings_entry_free);
  g_autoptr (GBytes) twice_bytes = NULL;
  g_autoptr (GBytes) bundle = NULL;
  g_autoptr (LiaImportReport) report = NULL;
  g_autoptr (LiaSyncRecord) record = NULL;
  guint8 key[32] = { 7 };
  static const guint8 garbage[] = { 0xff, 0x01, 0xff };

  g_assert_cmpuint (envelopes->len, ==, 3);
  /* In normal form, but an originator named twice. */
  g_ptr_array_add (twice, lia_holdings_entry_new (key, 3));
  g_ptr_array_add (twice, lia_holdings_entry_new (key, 4));
  twice_bytes = lia_holdings_encode (twice);
  bundle = bundle_with_holdings (f, COUNCIL, POLICE, envelopes,
                                 g_bytes_get_data (twice_bytes, NULL),
                                 g_bytes_get_size (twice_bytes), TRUE);
  report = lia_test_import_bundle (f->stores[POLICE], bundle);
  g_assert_cmpuint (report->accepted, ==, 3);
  g_assert_null (report->cut_short);
  g_assert_null (report->acknowledged_by);
  g_test_message ("%s", report->acknowledgement_refused);
  g_assert_nonnull (strstr (report->acknowledgement_refused, "is damaged"));
  g_assert_nonnull (strstr (report->acknowledgement_refused, "named twice"));
  g_clear_pointer (&report, lia_import_report_free);
  g_clear_pointer (&bundle, g_bytes_unref);

  /* Not in normal form. */
  bundle = bundle_with_holdings (f, COUNCIL, POLICE, envelopes, garbage, sizeof garbage, TRUE);
  report = lia_test_import_bundle (f->stores[POLICE], bundle);
  g_assert_cmpuint (report->duplicates, ==, 3);
  g_assert_nonnull (strstr (report->acknowledgement_refused, "normal form"));
  g_clear_pointer (&report, lia_import_report_free);
  g_clear_pointer (&bundle, g_bytes_unref);

  /* Over the size limit: the framing stops there, after the envelopes. */
  bundle = bundle_with_holdings (f, COUNCIL, POLICE, envelopes, NULL,
                                 LIA_HOLDINGS_MAX_BYTES + 1, FALSE);
  report = lia_test_import_bundle (f->stores[POLICE], bundle);
  g_assert_cmpuint (report->duplicates, ==, 3);
  g_assert_nonnull (report->cut_short);
  g_assert_nonnull (strstr (report->cut_short, "acknowledgement"));
  g_assert_nonnull (strstr (report->cut_short, "at most"));
  g_assert_null (report->acknowledged_by);

  record = lia_store_load_sync_record (f->stores[POLICE],
                                       g_bytes_get_data (lia_store_get_identity_public_key (
                                                           f->stores[COUNCIL]),
                                                         NULL),
                                       &error);
  g_assert_no_error (error);
  g_assert_null (record->holdings);
}

/* What a sync heard a peer say it holds is what --new goes by too: the
 * council's sync record of the police, saved as the sync engine saves it
 * after a HELLO. */
static void
test_acknowledgement_by_sync (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *case_id = council_case_for_police (f, 3);
  g_autoptr (GBytes) first = lia_test_export_bundle (f->stores[COUNCIL],
                                                     lia_test_orgs[POLICE].name, NULL, NULL);
  g_autoptr (LiaImportReport) G_GNUC_UNUSED report = lia_test_import_bundle (f->stores[POLICE], first);
  g_autoptr (GPtrArray) police_holds = NULL;
  g_autoptr (GBytes) encoded = NULL;
  g_autoptr (LiaPeer) police = NULL;
  LiaSyncRecord record = { (char *) "idle", 1700000000, 1700000000, NULL, NULL };
  LiaBundleExport summary = { 0 };

  police_holds = lia_store_dup_holdings (f->stores[POLICE], LIA_HOLDINGS_MAX_EXTRAS, &error);
  g_assert_no_error (error);
  encoded = lia_holdings_encode (police_holds);
  record.holdings = encoded;
  police = lia_store_find_peer (f->stores[COUNCIL], lia_test_orgs[POLICE].name, &error);
  g_assert_no_error (error);
  g_assert_true (lia_store_save_sync_record (f->stores[COUNCIL], police->sign_public, &record,
                                             &error));
  g_assert_no_error (error);

  add_note (f->stores[COUNCIL], case_id, "After the sync");
  g_bytes_unref (export_for (f, COUNCIL, POLICE, LIA_BUNDLE_EXPORT_NEW, &summary));
  g_assert_true (summary.acknowledged);
  g_assert_cmpuint (summary.envelopes, ==, 1);
  g_assert_cmpuint (summary.left_out, ==, 4);

  /* A later save of the sync record without holdings (a status) keeps
   * them. */
  record.holdings = NULL;
  record.status = (char *) "unreachable";
  g_assert_true (lia_store_save_sync_record (f->stores[COUNCIL], police->sign_public, &record,
                                             &error));
  g_bytes_unref (export_for (f, COUNCIL, POLICE, LIA_BUNDLE_EXPORT_NEW, &summary));
  g_assert_cmpuint (summary.envelopes, ==, 1);
}

/* A bundle of version 1 or 2 (written by hand, as earlier versions of
 * Liaison wrote them) still imports; it acknowledges nothing. */
static void
test_earlier_versions (Fixture *f, gconstpointer data)
{
  g_autofree char G_GNUC_UNUSED *case_id = council_case_for_police (f, 2);
  g_autoptr (GBytes) real = lia_test_export_bundle (f->stores[COUNCIL],
                                                    lia_test_orgs[POLICE].name, NULL, NULL);
  g_autoptr (GPtrArray) envelopes = bundle_envelopes (real);

  for (guint version = 1; version <= 2; version++)
    {
      g_autoptr (GByteArray) out = g_byte_array_new ();
      g_autoptr (GBytes) bundle = NULL;
      g_autoptr (LiaImportReport) report = NULL;
      guint8 be[4], v = version;

      g_byte_array_append (out, (const guint8 *) "LIABNDL\n", 8);
      g_byte_array_append (out, &v, 1);
      g_byte_array_append (out, (const guint8 *) g_bytes_get_data (real, NULL) + 9, 64);
      for (guint i = 0; i < envelopes->len; i++)
        {
          gsize len;
          const guint8 *bytes = g_bytes_get_data (envelopes->pdata[i], &len);

          if (version == 2)
            g_byte_array_append (out, (const guint8 *) "\1", 1);
          be[0] = len >> 24, be[1] = len >> 16, be[2] = len >> 8, be[3] = len;
          g_byte_array_append (out, be, 4);
          g_byte_array_append (out, bytes, len);
        }
      if (version == 1)
        g_byte_array_append (out, (const guint8 *) "\xff\xff\xff\xff\0\0\0\3", 8);
      else
        g_byte_array_append (out, (const guint8 *) "\0\0\0\0\3\0\0\0\0", 9);
      bundle = g_byte_array_free_to_bytes (g_steal_pointer (&out));
      report = lia_test_import_bundle (f->stores[POLICE], bundle);
      g_assert_null (report->cut_short);
      g_assert_cmpuint (report->refused, ==, 0);
      g_assert_cmpuint (report->accepted + report->duplicates, ==, 3);
      g_assert_null (report->acknowledged_by);
      g_assert_null (report->acknowledgement_refused);
    }
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/exchange/share-by-bundle", test_share_by_bundle);
  ADD ("/exchange/grant-extends-one-record", test_grant_extends_one_record);
  ADD ("/exchange/rotation-tells-peers", test_rotation_tells_peers);
  ADD ("/exchange/secret-needs-release", test_secret_needs_release);
  ADD ("/exchange/bad-bundles", test_bad_bundles);
  ADD ("/exchange/revoked-peer", test_revoked_peer);
  ADD ("/exchange/two-stages", test_two_stages);
  ADD ("/exchange/two-stages/revoked-between", test_two_stages_revoked_between);
  ADD ("/exchange/withdraw-and-destroy", test_withdraw_and_destroy);
  ADD ("/exchange/acknowledgement/round-trip", test_acknowledgement_round_trip);
  ADD ("/exchange/acknowledgement/only-from-peers", test_acknowledgement_only_from_peers);
  ADD ("/exchange/acknowledgement/damaged", test_acknowledgement_damaged);
  ADD ("/exchange/acknowledgement/by-sync", test_acknowledgement_by_sync);
  ADD ("/exchange/earlier-versions", test_earlier_versions);
  g_test_add_data_func ("/exchange/need-to-know", NULL, test_need_to_know);
  return g_test_run ();
}
