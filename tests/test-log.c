/* test-log.c: the disclosure log: appending and reading it, the request
 * decisions that write it, its append-only triggers, its CSV export, and
 * lia_log_verify() and `liaison-cli log verify` against every kind of
 * tampering (made with raw SQL after dropping the triggers, as someone
 * with the store's key could).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "lia-db.h"
#include "lia-demo.h"
#include "lia-log.h"
#include "lia-model-private.h"
#include "lia-record.h"
#include "lia-request.h"
#include "lia-test-util.h"

#define SELF_NAME   "Northmoor Borough Council"
#define POLICE_NAME "Northmoor Police"
#define IOPC_NAME   "Independent Office for Police Conduct"

typedef struct
{
  LiaStore *store;
  char     *case_id;
  LiaOrg   *self;
  LiaOrg   *police;
  LiaOrg   *iopc;
  GDate     today;
} Fixture;

static LiaOrg *
add_participant (Fixture    *f,
                 const char *name,
                 LiaOrgKind  kind,
                 LiaRole     role)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaOrg) org = lia_store_add_org (f->store, name, kind, &error);

  g_assert_no_error (error);
  g_assert_true (lia_case_add_participant (f->store, f->case_id, org, role, "A. Contact", NULL,
                                           NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&org);
}

static char *
new_case (LiaStore *store, const char *title)
{
  g_autoptr (GError) error = NULL;
  LiaCaseDraft draft = {
    .title = title, .child = "Child A", .area = "Northmoor", .aware = "2026-01-05",
    .incident = "2026-01-02", .type = "serious-harm",
  };
  char *id = lia_case_create (store, &draft, "Jo Bloggs", &error);

  g_assert_no_error (error);
  return id;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->store = lia_test_create_store (SELF_NAME);
  f->case_id = new_case (f->store, "Child A");
  f->self = lia_store_get_self (f->store, &error);
  g_assert_no_error (error);
  f->police = add_participant (f, POLICE_NAME, LIA_ORG_KIND_POLICE, LIA_ROLE_POLICE);
  f->iopc = add_participant (f, IOPC_NAME, LIA_ORG_KIND_IOPC, LIA_ROLE_IOPC);
  /* The police are a peer with an identity key; the IOPC is known by
   * name only. */
  lia_test_exec (f->store, "UPDATE org SET sign_public = zeroblob (32) WHERE name = '"
                           POLICE_NAME "'");
  g_date_clear (&f->today, 1);
  g_date_set_dmy (&f->today, 10, G_DATE_MARCH, 2026);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->self, lia_org_free);
  g_clear_pointer (&f->police, lia_org_free);
  g_clear_pointer (&f->iopc, lia_org_free);
  g_clear_pointer (&f->case_id, g_free);
  g_clear_object (&f->store);
}

static char *
add_note (Fixture *f, const char *text)
{
  g_autoptr (GHashTable) fields = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  char *id;

  g_hash_table_insert (fields, "title", (char *) text);
  g_hash_table_insert (fields, "text", (char *) text);
  id = lia_record_add (f->store, f->case_id, LIA_RECORD_NOTE, fields, &error);
  g_assert_no_error (error);
  return id;
}

static void
append (Fixture *f, const LiaLogAppend *entry)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (lia_log_append (f->store, entry, &error));
  g_assert_no_error (error);
}

/* Five entries of different kinds, about a record of this organisation. */
static void
append_five (Fixture *f)
{
  g_autofree char *record = add_note (f, "Strategy discussion, 3 January 2026");
  const LiaLogAppend entries[] = {
    { LIA_LOG_DISCLOSED, f->case_id, record, 0, f->police->id, "share",
      "Needed for the review", NULL, "Jo Bloggs", .on = "2026-03-02" },
    { LIA_LOG_RECEIVED, f->case_id, record, 1, f->police->id, NULL, NULL, NULL, NULL },
    { LIA_LOG_DECLINED, f->case_id, NULL, 0, f->iopc->id, "decline",
      "Not relevant to the investigation", NULL, "Jo Bloggs", .what = "School records" },
    { LIA_LOG_WITHHELD, f->case_id, record, 0, f->iopc->id, "secret", "Cannot be shared",
      "Live covert operation", "Jo Bloggs" },
    { LIA_LOG_DESTROYED, f->case_id, record, 0, f->police->id, NULL, "Destruction date reached",
      NULL, "Records officer" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    append (f, &entries[i]);
}

static GPtrArray *
list (Fixture *f, const char *case_id)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *entries = lia_log_list (f->store, case_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (entries);
  return entries;
}

static guint
n_entries (Fixture *f)
{
  return (guint) lia_test_query_int (f->store, "SELECT count (*) FROM disclosure_log");
}

/* The message names entry @seq: "Entry 3 of ...", "... entry 5 and ...". */
static void
assert_names_entry (const char *message, gint64 seq)
{
  g_autofree char *pattern = g_strdup_printf ("[Ee]ntry %" G_GINT64_FORMAT "([^0-9]|$)", seq);

  g_assert_true (g_regex_match_simple (pattern, message, 0, 0));
}

static void
assert_intact (Fixture *f, gint64 n)
{
  g_autoptr (GError) error = NULL;
  gint64 got = -1;

  g_assert_true (lia_log_verify (f->store, &got, &error));
  g_assert_no_error (error);
  g_assert_cmpint (got, ==, n);
}

static void
assert_broken (Fixture *f, LiaLogError code, gint64 seq)
{
  g_autoptr (GError) error = NULL;
  gint64 bad = -1;

  g_assert_false (lia_log_verify_full (f->store, NULL, &bad, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, LIA_LOG_ERROR, (int) code);
  g_assert_cmpint (bad, ==, seq);
  assert_names_entry (error->message, seq);
}

static void
drop_triggers (Fixture *f)
{
  lia_test_exec (f->store, "DROP TRIGGER disclosure_log_no_update;"
                           "DROP TRIGGER disclosure_log_no_delete;"
                           "DROP TRIGGER disclosure_log_head_forward;"
                           "DROP TRIGGER disclosure_log_head_no_delete;");
}

/* ---- names -------------------------------------------------------------------- */

static void
test_event_names (void)
{
  const char *const names[] = {
    "disclosed", "received", "declined", "redirected", "withheld", "extended", "withdrawn",
    "returned", "destroyed",
  };
  LiaLogEvent event;

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == LIA_LOG_N_EVENTS);
  for (guint i = 0; i < LIA_LOG_N_EVENTS; i++)
    {
      g_assert_cmpstr (lia_log_event_to_string (i), ==, names[i]);
      g_assert_true (lia_log_event_from_string (names[i], &event));
      g_assert_cmpint (event, ==, i);
    }
  g_assert_false (lia_log_event_from_string ("shared", &event));
  g_assert_false (lia_log_event_from_string ("", &event));
  g_assert_false (lia_log_event_from_string (NULL, &event));
  g_assert_cmpstr (lia_log_error_to_string (LIA_LOG_ERROR_BAD_SIGNATURE), ==, "bad-signature");
  g_assert_cmpstr (lia_log_error_to_string (LIA_LOG_ERROR_REORDERED), ==, "reordered");
}

/* ---- appending and reading ------------------------------------------------------ */

static void
test_append_list (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GPtrArray) other = NULL;
  g_autoptr (GHashTable) changes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  g_autofree char *second_case = new_case (f->store, "Child B");
  g_autofree char *prefix = g_strndup (second_case, 6);
  const LiaLogEntry *e;
  gint64 before = g_get_real_time ();

  g_assert_cmpuint (n_entries (f), ==, 0);
  assert_intact (f, 0);
  append_five (f);
  {
    LiaLogAppend entry = { LIA_LOG_EXTENDED, second_case, NULL, 0, 0, "grant",
                           "Agreed in writing", NULL, "Jo Bloggs" };

    append (f, &entry);
  }

  entries = list (f, NULL);
  g_assert_cmpuint (entries->len, ==, 6);
  for (guint i = 0; i < entries->len; i++)
    {
      e = entries->pdata[i];
      g_assert_cmpint (e->seq, ==, i + 1);
      g_assert_cmpint (e->at, >=, before);
      g_assert_cmpint (e->at, <=, g_get_real_time ());
      g_assert_cmpuint (g_bytes_get_size (e->hash), ==, 32);
    }

  e = entries->pdata[0];
  g_assert_cmpint (e->event, ==, LIA_LOG_DISCLOSED);
  g_assert_cmpstr (e->case_id, ==, f->case_id);
  g_assert_nonnull (e->record_id);
  /* Version 0 asks for the record's current version. */
  g_assert_cmpint (e->record_version, ==, 1);
  g_assert_cmpstr (e->counterpart_name, ==, POLICE_NAME);
  g_assert_nonnull (e->counterpart_key);
  g_assert_cmpuint (g_bytes_get_size (e->counterpart_key), ==, 32);
  g_assert_cmpstr (e->decision, ==, "share");
  g_assert_cmpstr (e->reason, ==, "Needed for the review");
  g_assert_null (e->basis);
  g_assert_cmpstr (e->by, ==, "Jo Bloggs");
  g_assert_cmpstr (e->on, ==, "2026-03-02");

  e = entries->pdata[2];
  g_assert_cmpint (e->event, ==, LIA_LOG_DECLINED);
  g_assert_null (e->record_id);
  g_assert_cmpint (e->record_version, ==, 0);
  g_assert_cmpstr (e->what, ==, "School records");
  g_assert_cmpstr (e->counterpart_name, ==, IOPC_NAME);
  g_assert_null (e->counterpart_key);

  e = entries->pdata[3];
  g_assert_cmpint (e->event, ==, LIA_LOG_WITHHELD);
  g_assert_cmpstr (e->basis, ==, "Live covert operation");

  e = entries->pdata[5];
  g_assert_cmpint (e->event, ==, LIA_LOG_EXTENDED);
  g_assert_null (e->counterpart_name);
  g_assert_null (e->counterpart_key);

  /* One case's entries, by its id or a prefix of it. */
  other = list (f, prefix);
  g_assert_cmpuint (other->len, ==, 1);
  g_assert_cmpint (((LiaLogEntry *) other->pdata[0])->seq, ==, 6);
  g_clear_pointer (&other, g_ptr_array_unref);
  other = list (f, f->case_id);
  g_assert_cmpuint (other->len, ==, 5);
  g_assert_null (lia_log_list (f->store, "ffffffff", &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* History stays as it was written: renaming a peer, or forgetting its
   * key, changes no entry, and a new version of the record is a new
   * version in new entries only. */
  lia_test_exec (f->store, "UPDATE org SET name = 'Northmoor Constabulary', sign_public = NULL "
                           "WHERE name = '" POLICE_NAME "'");
  g_hash_table_insert (changes, "text", "Strategy discussion, corrected");
  g_assert_true (lia_record_edit (f->store, ((LiaLogEntry *) entries->pdata[0])->record_id,
                                  changes, &error));
  g_assert_no_error (error);
  {
    LiaLogAppend entry = { LIA_LOG_DISCLOSED, f->case_id,
                           ((LiaLogEntry *) entries->pdata[0])->record_id, 0, f->police->id };

    append (f, &entry);
  }
  g_clear_pointer (&other, g_ptr_array_unref);
  other = list (f, NULL);
  g_assert_cmpuint (other->len, ==, 7);
  e = other->pdata[0];
  g_assert_cmpstr (e->counterpart_name, ==, POLICE_NAME);
  g_assert_nonnull (e->counterpart_key);
  g_assert_cmpint (e->record_version, ==, 1);
  e = other->pdata[6];
  g_assert_cmpstr (e->counterpart_name, ==, "Northmoor Constabulary");
  g_assert_null (e->counterpart_key);
  g_assert_cmpint (e->record_version, ==, 2);
  assert_intact (f, 7);
}

static void
test_append_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LiaLogAppend unknown_org = { LIA_LOG_DISCLOSED, f->case_id, NULL, 0, 9999 };
  LiaLogAppend unknown_record = { LIA_LOG_DISCLOSED, f->case_id,
                                  "00000000-0000-4000-8000-000000000000", 0, f->police->id };
  LiaLogAppend bad_date = { LIA_LOG_DECLINED, f->case_id, NULL, 0, f->police->id, .on = "2026-02-30" };
  LiaLogAppend bad_text = { LIA_LOG_DECLINED, f->case_id, NULL, 0, f->police->id,
                            .reason = "\xff\xfe not UTF-8" };

  g_assert_false (lia_log_append (f->store, &unknown_org, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lia_log_append (f->store, &unknown_record, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lia_log_append (f->store, &bad_date, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (lia_log_append (f->store, &bad_text, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_cmpint (lia_test_query_int (f->store, "SELECT count (*) FROM disclosure_log"), ==, 0);
  g_assert_cmpint (lia_test_query_int (f->store, "SELECT count (*) FROM disclosure_log_head"), ==,
                   0);
  /* A record named with its version need not be in this store (material
   * received and since destroyed, say). */
  unknown_record.record_version = 3;
  append (f, &unknown_record);
  assert_intact (f, 1);

  lia_store_lock (f->store);
  g_assert_false (lia_log_append (f->store, &unknown_record, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_false (lia_log_verify (f->store, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED);
}

/* ---- append-only ------------------------------------------------------------------ */

static void
expect_refused (Fixture *f, const char *sql)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (lia_store_exec (f->store, sql, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "append-only"));
}

static void
test_append_only (Fixture *f, gconstpointer data)
{
  append_five (f);
  expect_refused (f, "UPDATE disclosure_log SET reason = 'Nothing' WHERE seq = 3");
  expect_refused (f, "UPDATE disclosure_log SET seq = 9 WHERE seq = 5");
  expect_refused (f, "DELETE FROM disclosure_log WHERE seq = 5");
  expect_refused (f, "DELETE FROM disclosure_log");
  expect_refused (f, "UPDATE disclosure_log_head SET seq = 4");
  expect_refused (f, "DELETE FROM disclosure_log_head");
  assert_intact (f, 5);
}

/* ---- rollback ------------------------------------------------------------------- */

static void
test_rollback (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  sqlite3 *db = lia_store_get_db (f->store);
  g_autofree char *request = NULL;
  g_autoptr (LiaRequest) loaded = NULL;
  LiaLogAppend entry = { LIA_LOG_DISCLOSED, f->case_id, NULL, 0, f->police->id, "share" };
  LiaRequestDraft draft = {
    .case_id = f->case_id, .requester = POLICE_NAME, .holder = SELF_NAME,
    .subject = "Minutes of the strategy meeting", .purpose = "For the investigation",
    .made_on = "2026-03-01",
  };
  LiaRequestStep step = { .reason = "Not relevant", .by = "Jo Bloggs", .on = "2026-03-05" };

  /* An entry appended in a change that is then rolled back is gone with
   * it, head and all; the next entry is entry 1. */
  g_assert_true (lia_db_begin (db, &error));
  append (f, &entry);
  append (f, &entry);
  lia_db_rollback (db);
  g_assert_cmpuint (n_entries (f), ==, 0);
  g_assert_cmpint (lia_test_query_int (f->store, "SELECT count (*) FROM disclosure_log_head"), ==,
                   0);
  assert_intact (f, 0);

  /* A decision whose log entry cannot be written is not made at all. */
  request = lia_request_new (f->store, &draft, &f->today, &error);
  g_assert_no_error (error);
  lia_test_exec (f->store, "CREATE TEMP TRIGGER log_full BEFORE INSERT ON disclosure_log BEGIN"
                           "  SELECT RAISE (ABORT, 'the log is refusing entries');"
                           "END;");
  g_assert_false (lia_request_decide (f->store, request, LIA_DECISION_DECLINE, &step, &f->today,
                                      &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  loaded = lia_request_load (f->store, request, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->state, ==, LIA_REQUEST_OPEN);
  g_assert_cmpuint (loaded->events->len, ==, 1);
  g_assert_cmpuint (n_entries (f), ==, 0);
  lia_test_exec (f->store, "DROP TRIGGER log_full");

  /* A decision that is rolled back by the change around it takes its
   * entry with it. */
  g_assert_true (lia_db_begin (db, &error));
  g_assert_true (lia_request_decide (f->store, request, LIA_DECISION_DECLINE, &step, &f->today,
                                     &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_entries (f), ==, 1);
  lia_db_rollback (db);
  g_assert_cmpuint (n_entries (f), ==, 0);

  /* And made for real, it is there once. */
  g_assert_true (lia_request_decide (f->store, request, LIA_DECISION_DECLINE, &step, &f->today,
                                     &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_entries (f), ==, 1);
  assert_intact (f, 1);
}

/* ---- request decisions ------------------------------------------------------------ */

static char *
make_request (Fixture *f, const char *requester, const char *holder, const char *record)
{
  g_autoptr (GError) error = NULL;
  LiaRequestDraft draft = {
    .case_id = f->case_id, .requester = requester, .holder = holder, .record_id = record,
    .subject = "Strategy discussion notes", .purpose = "For the review", .made_on = "2026-03-01",
  };
  char *id = lia_request_new (f->store, &draft, &f->today, &error);

  g_assert_no_error (error);
  return id;
}

static void
decide (Fixture *f, const char *id, LiaDecision decision, const LiaRequestStep *step)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (lia_request_decide (f->store, id, decision, step, &f->today, &error));
  g_assert_no_error (error);
}

static void
test_request_decisions (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autofree char *record = add_note (f, "Strategy discussion, 3 January 2026");
  g_autofree char *q_share = make_request (f, POLICE_NAME, SELF_NAME, record);
  g_autofree char *q_redacted = make_request (f, IOPC_NAME, SELF_NAME, NULL);
  g_autofree char *q_decline = make_request (f, POLICE_NAME, SELF_NAME, NULL);
  g_autofree char *q_redirect = make_request (f, IOPC_NAME, SELF_NAME, NULL);
  g_autofree char *q_secret = make_request (f, POLICE_NAME, SELF_NAME, record);
  g_autofree char *q_theirs = make_request (f, SELF_NAME, POLICE_NAME, NULL);
  LiaRequestStep share = { .reason = "Relevant to line of enquiry 2", .by = "Jo Bloggs",
                           .on = "2026-03-04" };
  LiaRequestStep decline = { .reason = "Not held for this purpose", .by = "Sam Patel" };
  LiaRequestStep redirect = { .reason = "Generated by the police", .by = "Jo Bloggs",
                              .redirect_to = POLICE_NAME };
  LiaRequestStep secret = { .reason = "Cannot be shared yet", .by = "Jo Bloggs",
                            .basis = "Disclosure would compromise a live operation" };
  const LiaLogEntry *e;

  decide (f, q_share, LIA_DECISION_SHARE, &share);
  decide (f, q_redacted, LIA_DECISION_SHARE_REDACTED, &share);
  decide (f, q_decline, LIA_DECISION_DECLINE, &decline);
  decide (f, q_redirect, LIA_DECISION_REDIRECT, &redirect);
  decide (f, q_secret, LIA_DECISION_SECRET, &secret);
  /* Escalations and withdrawals are steps in a disagreement, not
   * disclosures; a decision that another organisation makes (recorded
   * here as data) is its own to log. */
  g_assert_true (lia_request_decide_full (f->store, q_theirs, LIA_DECISION_DECLINE, &decline,
                                          &f->today, FALSE, &error));
  g_assert_no_error (error);

  entries = list (f, NULL);
  g_assert_cmpuint (entries->len, ==, 5);

  e = entries->pdata[0];
  g_assert_cmpint (e->event, ==, LIA_LOG_DISCLOSED);
  g_assert_cmpstr (e->decision, ==, "share");
  g_assert_cmpstr (e->record_id, ==, record);
  g_assert_cmpint (e->record_version, ==, 1);
  g_assert_cmpstr (e->request_id, ==, q_share);
  g_assert_cmpstr (e->counterpart_name, ==, POLICE_NAME);
  g_assert_nonnull (e->counterpart_key);
  g_assert_cmpstr (e->reason, ==, "Relevant to line of enquiry 2");
  g_assert_cmpstr (e->by, ==, "Jo Bloggs");
  g_assert_cmpstr (e->on, ==, "2026-03-04");
  g_assert_cmpstr (e->what, ==, "Strategy discussion notes");
  g_assert_cmpstr (e->case_id, ==, f->case_id);

  e = entries->pdata[1];
  g_assert_cmpint (e->event, ==, LIA_LOG_DISCLOSED);
  g_assert_cmpstr (e->decision, ==, "share-redacted");
  g_assert_null (e->record_id);
  g_assert_cmpstr (e->counterpart_name, ==, IOPC_NAME);

  e = entries->pdata[2];
  g_assert_cmpint (e->event, ==, LIA_LOG_DECLINED);
  g_assert_cmpstr (e->decision, ==, "decline");
  g_assert_cmpstr (e->reason, ==, "Not held for this purpose");
  g_assert_cmpstr (e->by, ==, "Sam Patel");
  /* The decision's date defaults to today. */
  g_assert_cmpstr (e->on, ==, "2026-03-10");

  e = entries->pdata[3];
  g_assert_cmpint (e->event, ==, LIA_LOG_REDIRECTED);
  g_assert_cmpstr (e->counterpart_name, ==, IOPC_NAME);
  g_assert_cmpstr (e->redirect_name, ==, POLICE_NAME);
  g_assert_nonnull (e->redirect_key);
  g_assert_cmpstr (e->reason, ==, "Generated by the police");

  e = entries->pdata[4];
  g_assert_cmpint (e->event, ==, LIA_LOG_WITHHELD);
  g_assert_cmpstr (e->decision, ==, "secret");
  g_assert_cmpstr (e->basis, ==, "Disclosure would compromise a live operation");
  g_assert_cmpstr (e->record_id, ==, record);

  assert_intact (f, 5);
}

/* The demo's decisions are logged by the store that plays their holder. */
static void
test_demo (void)
{
  const char *const plays[] = { "council", "iopc", "police" };
  const guint expected[] = { 0, 3, 1 };

  for (guint i = 0; i < G_N_ELEMENTS (plays); i++)
    {
      g_autoptr (LiaStore) store = lia_test_create_store (SELF_NAME);
      g_autoptr (GBytes) demo = NULL;
      g_autoptr (GPtrArray) entries = NULL;
      g_autoptr (GError) error = NULL;
      LiaDemoResult result = { 0, };
      gint64 n = -1;

      demo = lia_demo_get_default (&error);
      g_assert_no_error (error);
      g_assert_true (lia_demo_load (store, demo, plays[i], FALSE, &result, &error));
      g_assert_no_error (error);
      entries = lia_log_list (store, result.case_id, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (entries->len, ==, expected[i]);
      g_assert_true (lia_log_verify (store, &n, &error));
      g_assert_no_error (error);
      g_assert_cmpint (n, ==, expected[i]);
      if (g_str_equal (plays[i], "iopc"))
        {
          g_assert_cmpint (((LiaLogEntry *) entries->pdata[0])->event, ==, LIA_LOG_WITHHELD);
          g_assert_cmpint (((LiaLogEntry *) entries->pdata[1])->event, ==, LIA_LOG_DISCLOSED);
          g_assert_cmpint (((LiaLogEntry *) entries->pdata[2])->event, ==, LIA_LOG_REDIRECTED);
        }
      lia_demo_result_clear (&result);
    }
}

/* ---- tampering ---------------------------------------------------------------------- */

typedef struct
{
  const char  *name;
  const char  *sql;    /* run after the triggers are dropped, on five entries */
  LiaLogError  code;
  gint64       seq;
  const char  *word;   /* what the message must say */
} Tamper;

static const Tamper tampers[] = {
  { "edited", "UPDATE disclosure_log SET reason = 'Nothing to see' WHERE seq = 3",
    LIA_LOG_ERROR_EDITED, 3, "edited" },
  { "edited-counterpart", "UPDATE disclosure_log SET counterpart_name = 'Someone else' "
    "WHERE seq = 1", LIA_LOG_ERROR_EDITED, 1, "edited" },
  { "edited-time", "UPDATE disclosure_log SET at = at + 1 WHERE seq = 5",
    LIA_LOG_ERROR_EDITED, 5, "edited" },
  { "edited-prev-hash", "UPDATE disclosure_log SET prev_hash = zeroblob (32) WHERE seq = 2",
    LIA_LOG_ERROR_EDITED, 2, "edited" },
  { "deleted", "DELETE FROM disclosure_log WHERE seq = 3", LIA_LOG_ERROR_DELETED, 3, "deleted" },
  { "deleted-first", "DELETE FROM disclosure_log WHERE seq = 1", LIA_LOG_ERROR_DELETED, 1,
    "deleted" },
  /* The gap closed up by renumbering the rest. */
  { "deleted-renumbered", "DELETE FROM disclosure_log WHERE seq = 2;"
    "UPDATE disclosure_log SET seq = seq + 100 WHERE seq > 2;"
    "UPDATE disclosure_log SET seq = seq - 101 WHERE seq > 100", LIA_LOG_ERROR_DELETED, 2,
    "deleted" },
  { "deleted-last", "DELETE FROM disclosure_log WHERE seq = 5", LIA_LOG_ERROR_DELETED, 5,
    "deleted" },
  { "deleted-last-and-head", "DELETE FROM disclosure_log WHERE seq = 5;"
    "DELETE FROM disclosure_log_head", LIA_LOG_ERROR_DELETED, 5, "deleted" },
  { "deleted-all", "DELETE FROM disclosure_log", LIA_LOG_ERROR_DELETED, 1, "deleted" },
  /* A forged entry put between 2 and 3, the rest moved up to make room. */
  { "inserted", "UPDATE disclosure_log SET seq = seq + 100 WHERE seq >= 3;"
    "UPDATE disclosure_log SET seq = seq - 99 WHERE seq >= 100;"
    "INSERT INTO disclosure_log (seq, at, event, case_id, counterpart_name, reason, prev_hash, "
    "  hash, signature) SELECT 3, at, 'disclosed', case_id, counterpart_name, 'Never happened', "
    "  hash, randomblob (32), randomblob (64) FROM disclosure_log WHERE seq = 2",
    LIA_LOG_ERROR_INSERTED, 3, "inserted" },
  /* A genuine entry copied to a second place. */
  { "inserted-copy", "UPDATE disclosure_log SET seq = seq + 100 WHERE seq >= 4;"
    "UPDATE disclosure_log SET seq = seq - 99 WHERE seq >= 100;"
    "INSERT INTO disclosure_log SELECT 4, at, event, event_on, case_id, record_id, "
    "  record_version, what, request_id, counterpart_key, counterpart_name, redirect_key, "
    "  redirect_name, decision, reason, basis, by_name, prev_hash, hash, signature "
    "  FROM disclosure_log WHERE seq = 2", LIA_LOG_ERROR_INSERTED, 4, "inserted" },
  /* A forged entry added after the last, correctly chained. */
  { "inserted-at-end", "INSERT INTO disclosure_log (seq, at, event, reason, prev_hash, hash, "
    "  signature) SELECT 6, at, 'declined', 'Never happened', hash, randomblob (32), "
    "  randomblob (64) FROM disclosure_log WHERE seq = 5", LIA_LOG_ERROR_INSERTED, 6,
    "inserted" },
  { "swapped", "UPDATE disclosure_log SET seq = 100 WHERE seq = 2;"
    "UPDATE disclosure_log SET seq = 2 WHERE seq = 3;"
    "UPDATE disclosure_log SET seq = 3 WHERE seq = 100", LIA_LOG_ERROR_REORDERED, 2,
    "out of order" },
  { "swapped-last", "UPDATE disclosure_log SET seq = 100 WHERE seq = 4;"
    "UPDATE disclosure_log SET seq = 4 WHERE seq = 5;"
    "UPDATE disclosure_log SET seq = 5 WHERE seq = 100", LIA_LOG_ERROR_REORDERED, 4,
    "out of order" },
  /* Another entry's genuine signature. */
  { "signature", "UPDATE disclosure_log SET signature = (SELECT signature FROM disclosure_log "
    "WHERE seq = 4) WHERE seq = 3", LIA_LOG_ERROR_BAD_SIGNATURE, 3, "bad signature" },
  { "signature-random", "UPDATE disclosure_log SET signature = randomblob (64) WHERE seq = 1",
    LIA_LOG_ERROR_BAD_SIGNATURE, 1, "bad signature" },
  { "head-signature", "UPDATE disclosure_log_head SET signature = randomblob (64)",
    LIA_LOG_ERROR_BAD_SIGNATURE, 5, "bad signature" },
};

static void
test_tamper (Fixture *f, gconstpointer data)
{
  const Tamper *t = data;

  append_five (f);
  assert_intact (f, 5);
  drop_triggers (f);
  lia_test_exec (f->store, t->sql);
  assert_broken (f, t->code, t->seq);
}

/* An entry forged and signed with another organisation's key, and chained
 * correctly, is still not this organisation's. */
static void
test_tamper_other_key (Fixture *f, gconstpointer data)
{
  g_autoptr (LiaStore) other = lia_test_create_store ("Another Council");
  g_autoptr (GError) error = NULL;
  LiaLogAppend entry = { LIA_LOG_DISCLOSED, NULL, NULL, 0, 0, "share", "Forged" };

  append_five (f);
  /* The other store's first entry: its prev_hash is its own genesis. */
  g_assert_true (lia_log_append (other, &entry, &error));
  g_assert_no_error (error);
  drop_triggers (f);
  lia_test_exec (f->store, "DELETE FROM disclosure_log");
  {
    sqlite3 *db = lia_store_get_db (other);
    sqlite3_stmt *stmt = NULL;
    sqlite3_stmt *insert = NULL;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT * FROM disclosure_log", -1, &stmt, NULL), ==,
                     SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_prepare_v2 (lia_store_get_db (f->store),
                                         "INSERT INTO disclosure_log VALUES (?, ?, ?, ?, ?, ?, "
                                         "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &insert,
                                         NULL), ==, SQLITE_OK);
    for (int c = 0; c < sqlite3_column_count (stmt); c++)
      sqlite3_bind_value (insert, c + 1, sqlite3_column_value (stmt, c));
    g_assert_cmpint (sqlite3_step (insert), ==, SQLITE_DONE);
    sqlite3_finalize (insert);
    sqlite3_finalize (stmt);
  }
  /* Its hash binds it to the other organisation's key: to this log it is
   * an entry whose contents do not match. */
  assert_broken (f, LIA_LOG_ERROR_EDITED, 1);
}

/* ---- CSV ------------------------------------------------------------------------- */

static void
test_csv (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *text = NULL;
  LiaLogAppend tricky = {
    LIA_LOG_DECLINED, f->case_id, NULL, 0, f->police->id, "decline",
    "Two reasons: first, \"not held\"; second,\r\nnot relevant", "=HYPERLINK(\"http://x\")",
    "+44 1234", .what = "-1+1", .on = "2026-03-03",
  };

  append (f, &tricky);
  entries = list (f, NULL);
  g_assert_true (lia_log_write_csv (entries, out, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, &error));
  text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));

  g_assert_true (g_str_has_prefix (text, "Entry,Time (UTC),Date,Event,Case,Record,Version,What,"
                                         "Request,Counterpart,Counterpart fingerprint,"
                                         "Redirected to,Redirected to fingerprint,Decision,"
                                         "Reason,Basis,By,Hash\r\n"));
  g_assert_true (g_str_has_suffix (text, "\r\n"));
  /* Quoted, with quotes doubled and the CRLF kept inside the field. */
  g_assert_nonnull (strstr (text, ",\"Two reasons: first, \"\"not held\"\"; second,\r\nnot "
                                  "relevant\","));
  /* Formula cells written as text. */
  g_assert_nonnull (strstr (text, ",\"'=HYPERLINK(\"\"http://x\"\")\","));
  g_assert_nonnull (strstr (text, ",\"'+44 1234\","));
  g_assert_nonnull (strstr (text, ",\"'-1+1\","));
  g_assert_nonnull (strstr (text, "\r\n1,"));
  g_assert_nonnull (strstr (text, ",2026-03-03,declined,"));
  g_assert_nonnull (strstr (text, "," POLICE_NAME ","));
  /* The police's key is all zeros here: BLAKE2b-160 of it. */
  g_assert_nonnull (strstr (text, ",0210 BEA6 A139 797D 74AA 5764 FB22 6398 F07F 42C4,"));
  /* Every time in UTC, ISO 8601. */
  lines = g_strsplit (text, "\r\n", -1);
  g_assert_true (g_regex_match_simple ("^1,\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ,", lines[1],
                                       0, 0));

  /* Nothing to write is a header alone. */
  {
    g_autoptr (GPtrArray) none = g_ptr_array_new ();
    g_autoptr (GOutputStream) empty = g_memory_output_stream_new_resizable ();

    g_assert_true (lia_log_write_csv (none, empty, &error));
    g_assert_no_error (error);
    g_assert_true (g_output_stream_close (empty, NULL, &error));
    g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (empty)), ==,
                      strlen (lines[0]) + 2);
  }
}

/* ---- liaison-cli -------------------------------------------------------------------- */

static LiaTestCliRun *
run_cli (Fixture *f, const char *const *args)
{
  return lia_test_run_cli (LIA_TEST_PASSPHRASE, NULL, lia_store_get_directory (f->store), args);
}

#define CLI(f, ...) run_cli ((f), (const char *const[]) { __VA_ARGS__, NULL })

static JsonNode *
parse_json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static void
reopen (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (lia_store_unlock (f->store, LIA_TEST_PASSPHRASE, NULL, &error));
  g_assert_no_error (error);
}

static void
test_cli_verify (Fixture *f, gconstpointer data)
{
  const Tamper *t = data;
  g_autoptr (LiaTestCliRun) run = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *o;

  append_five (f);
  lia_store_lock (f->store);
  run = CLI (f, "log", "verify");
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "5 entries, chain and signatures intact\n");
  g_assert_cmpstr (run->err, ==, "");
  g_clear_pointer (&run, lia_test_cli_run_free);

  reopen (f);
  drop_triggers (f);
  lia_test_exec (f->store, t->sql);
  lia_store_lock (f->store);

  run = CLI (f, "log", "verify");
  g_assert_cmpint (run->status, ==, 2);
  g_assert_cmpstr (run->out, ==, "");
  assert_names_entry (run->err, t->seq);
  g_assert_nonnull (strstr (run->err, t->word));
  g_clear_pointer (&run, lia_test_cli_run_free);

  run = CLI (f, "--json", "log", "verify");
  g_assert_cmpint (run->status, ==, 2);
  assert_names_entry (run->err, t->seq);
  node = parse_json (run->out);
  o = json_node_get_object (node);
  g_assert_false (json_object_get_boolean_member (o, "intact"));
  g_assert_cmpint (json_object_get_int_member (o, "bad_entry"), ==, t->seq);
  g_assert_cmpstr (json_object_get_string_member (o, "problem"), ==,
                   lia_log_error_to_string (t->code));
  assert_names_entry (json_object_get_string_member (o, "message"), t->seq);
}

static void
test_cli_log (Fixture *f, gconstpointer data)
{
  g_autoptr (LiaTestCliRun) run = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *csv_path = g_build_filename (g_get_tmp_dir (), "log.csv", NULL);
  g_autofree char *csv = NULL;
  g_autofree char *case_prefix = g_strndup (f->case_id, 8);
  g_autofree char *other_case = new_case (f->store, "Child B");
  JsonArray *array;
  JsonObject *o, *counterpart;
  const char *const members[] = {
    "seq", "at", "event", "on", "case", "record", "record_version", "what", "request",
    "counterpart", "redirect_to", "decision", "reason", "basis", "by", "hash",
  };

  lia_store_lock (f->store);
  run = CLI (f, "log");
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "The disclosure log is empty.\n");
  g_clear_pointer (&run, lia_test_cli_run_free);
  run = CLI (f, "log", "verify");
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "0 entries, chain and signatures intact\n");
  g_clear_pointer (&run, lia_test_cli_run_free);

  reopen (f);
  append_five (f);
  lia_store_lock (f->store);

  run = CLI (f, "log");
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");
  g_assert_true (g_str_has_prefix (run->out, "#1  "));
  g_assert_nonnull (strstr (run->out, "disclosed   " POLICE_NAME "  record "));
  g_assert_nonnull (strstr (run->out, " v1\n    share by "));
  g_assert_nonnull (strstr (run->out, "\n    share by Jo Bloggs on 2026-03-02: Needed for the "
                                      "review\n"));
  g_assert_nonnull (strstr (run->out, "declined    " IOPC_NAME "  School records\n"));
  g_assert_nonnull (strstr (run->out, "secret by Jo Bloggs: Cannot be shared — basis: Live "
                                      "covert operation\n"));
  g_assert_nonnull (strstr (run->out, "\n#5  "));
  g_clear_pointer (&run, lia_test_cli_run_free);

  run = CLI (f, "--json", "log", "--case", case_prefix);
  g_assert_cmpint (run->status, ==, 0);
  node = parse_json (run->out);
  array = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (array), ==, 5);
  o = json_array_get_object_element (array, 0);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    g_assert_true (json_object_has_member (o, members[i]));
  g_assert_cmpuint (json_object_get_size (o), ==, G_N_ELEMENTS (members));
  g_assert_cmpint (json_object_get_int_member (o, "seq"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "event"), ==, "disclosed");
  g_assert_cmpstr (json_object_get_string_member (o, "case"), ==, f->case_id);
  g_assert_cmpint (json_object_get_int_member (o, "record_version"), ==, 1);
  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$",
                                       json_object_get_string_member (o, "at"), 0, 0));
  g_assert_cmpuint (strlen (json_object_get_string_member (o, "hash")), ==, 64);
  counterpart = json_object_get_object_member (o, "counterpart");
  g_assert_cmpstr (json_object_get_string_member (counterpart, "name"), ==, POLICE_NAME);
  g_assert_nonnull (json_object_get_string_member (counterpart, "fingerprint"));
  g_assert_true (json_object_get_null_member (o, "redirect_to"));
  o = json_array_get_object_element (array, 2);
  g_assert_true (json_object_get_null_member (o, "record"));
  g_assert_true (json_object_get_null_member (o, "record_version"));
  g_assert_true (json_object_get_null_member (json_object_get_object_member (o, "counterpart"),
                                              "fingerprint"));
  g_clear_pointer (&run, lia_test_cli_run_free);
  g_clear_pointer (&node, json_node_unref);

  run = CLI (f, "--json", "log", "--case", other_case);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "[]\n");
  g_clear_pointer (&run, lia_test_cli_run_free);

  run = CLI (f, "--json", "log", "verify");
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "{\"intact\":true,\"entries\":5,\"bad_entry\":null,"
                                 "\"problem\":null,\"message\":null}\n");
  g_clear_pointer (&run, lia_test_cli_run_free);

  /* Export: to a file, and to standard output. */
  run = CLI (f, "--json", "export", "log", case_prefix, "--format", "csv", "-o", csv_path);
  g_assert_cmpint (run->status, ==, 0);
  node = parse_json (run->out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "entries"), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "file"), ==,
                   csv_path);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  g_assert_true (g_str_has_prefix (csv, "Entry,Time (UTC),"));
  g_clear_pointer (&run, lia_test_cli_run_free);

  run = CLI (f, "export", "log", f->case_id);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, csv);
  g_clear_pointer (&run, lia_test_cli_run_free);

  run = CLI (f, "export", "log", f->case_id, "--format", "xml");
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, "CSV"));
  g_clear_pointer (&run, lia_test_cli_run_free);

  run = CLI (f, "export", "log");
  g_assert_cmpint (run->status, ==, 1);
  g_clear_pointer (&run, lia_test_cli_run_free);

  run = CLI (f, "log", "--case", "ffffffff");
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, "no case"));
}

#define HEAD_SEQ "SELECT coalesce ((SELECT seq FROM disclosure_log_head), 0)"

/* A batch (an import of envelopes): each entry chained and signed as
 * ever, the signed head written once at its end; a batch undone leaves
 * the log as it was. */
static void
test_batch (Fixture *f, gconstpointer data)
{
  sqlite3 *db = lia_store_get_db (f->store);
  g_autoptr (GError) error = NULL;
  g_autofree char *record = add_note (f, "Strategy discussion, 3 January 2026");
  const LiaLogAppend received = {
    LIA_LOG_RECEIVED, f->case_id, record, 1, f->police->id, NULL, NULL, NULL, NULL,
  };
  guint before = n_entries (f);
  gint64 head = lia_test_query_int (f->store, HEAD_SEQ);

  g_assert_true (lia_db_begin (db, &error));
  lia_log_batch_begin (f->store);
  for (guint i = 0; i < 3; i++)
    append (f, &received);
  /* A batch inside the batch: only the outermost writes the head. */
  lia_log_batch_begin (f->store);
  append (f, &received);
  g_assert_true (lia_log_batch_end (f->store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lia_test_query_int (f->store, HEAD_SEQ), ==, head);
  g_assert_true (lia_log_batch_end (f->store, &error));
  g_assert_no_error (error);
  g_assert_true (lia_db_commit (db, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_entries (f), ==, before + 4);
  g_assert_cmpint (lia_test_query_int (f->store, HEAD_SEQ), ==,
                   head + 4);
  assert_intact (f, before + 4);

  /* Undone: the entries and the head as they were, and appends outside a
   * batch write the head again. */
  g_assert_true (lia_db_begin (db, &error));
  lia_log_batch_begin (f->store);
  append (f, &received);
  lia_log_batch_abandon (f->store);
  lia_db_rollback (db);
  assert_intact (f, before + 4);
  append (f, &received);
  g_assert_cmpint (lia_test_query_int (f->store, HEAD_SEQ), ==,
                   head + 5);
  assert_intact (f, before + 5);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/log/event/names", test_event_names);
  g_test_add_func ("/log/demo", test_demo);

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("/log/append/list", test_append_list, NULL);
  ADD ("/log/append/refused", test_append_refused, NULL);
  ADD ("/log/append-only", test_append_only, NULL);
  ADD ("/log/rollback", test_rollback, NULL);
  ADD ("/log/batch", test_batch, NULL);
  ADD ("/log/requests", test_request_decisions, NULL);
  ADD ("/log/csv", test_csv, NULL);
  ADD ("/log/verify/other-key", test_tamper_other_key, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (tampers); i++)
    {
      g_autofree char *path = g_strdup_printf ("/log/verify/%s", tampers[i].name);

      ADD (path, test_tamper, &tampers[i]);
    }
  ADD ("/log/cli/log", test_cli_log, NULL);
  /* Through liaison-cli, one of each kind. */
  for (guint i = 0; i < G_N_ELEMENTS (tampers); i++)
    {
      const char *const via_cli[] = {
        "edited", "deleted", "deleted-last", "inserted", "swapped", "signature", NULL,
      };
      g_autofree char *path = NULL;

      if (!g_strv_contains (via_cli, tampers[i].name))
        continue;
      path = g_strdup_printf ("/log/cli/verify/%s", tampers[i].name);
      ADD (path, test_cli_verify, &tampers[i]);
    }
#undef ADD

  return g_test_run ();
}
