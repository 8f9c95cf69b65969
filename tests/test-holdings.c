/* test-holdings.c: what a store holds of what was sealed for it, and the
 * outbox of what it holds for a peer that the peer lacks (lia-holdings.h);
 * the per-peer sync records and the store's settings.
 *
 * Three organisations: Alpha seals records for Beta and Gamma on one case;
 * envelopes are moved between the stores by hand, in whatever order a test
 * needs, straight from the sender's envelope table.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-exchange.h"
#include "lia-holdings.h"
#include "lia-invite.h"
#include "lia-peer.h"
#include "lia-record.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

enum { ALPHA, BETA, GAMMA, DELTA, N_ORGS };

static const char *const names[N_ORGS] = { "Alpha Council", "Beta ICB", "Gamma Police",
                                           "Delta Agency" };

typedef struct
{
  LiaStore *stores[N_ORGS];
  char     *case_id;
} Fixture;

static const guint8 *
key_of (Fixture *f, int who)
{
  return g_bytes_get_data (lia_store_get_identity_public_key (f->stores[who]), NULL);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LiaCaseDraft draft = {
    .title = "Child H", .child = "Child H", .area = "Northshire", .aware = "2026-09-01",
    .type = "serious-harm",
  };
  static const char *const notes[] = { "note", NULL };

  for (int i = 0; i < N_ORGS; i++)
    f->stores[i] = lia_test_create_store (names[i]);
  for (int i = 0; i < N_ORGS; i++)
    for (int j = 0; j < N_ORGS; j++)
      if (i != j)
        lia_test_introduce (f->stores[i], f->stores[j]);

  f->case_id = lia_case_create (f->stores[ALPHA], &draft, "A. Lead", &error);
  g_assert_no_error (error);
  for (int who = BETA; who <= GAMMA; who++)
    {
      g_autoptr (LiaOrg) org = lia_store_find_org (f->stores[ALPHA], names[who], &error);

      g_assert_no_error (error);
      g_assert_true (lia_case_add_participant (f->stores[ALPHA], f->case_id, org,
                                               who == BETA ? LIA_ROLE_ICB : LIA_ROLE_POLICE,
                                               "A. Contact", NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (lia_case_share (f->stores[ALPHA], f->case_id, names[who], notes, NULL,
                                     &error));
      g_assert_no_error (error);
    }
  g_assert_true (lia_exchange_seal_pending (f->stores[ALPHA], NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  for (int i = 0; i < N_ORGS; i++)
    g_clear_object (&f->stores[i]);
  g_free (f->case_id);
}

static char *
add_note (Fixture *f, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) fields = g_hash_table_new (g_str_hash, g_str_equal);
  char *id;

  g_hash_table_insert (fields, "text", (gpointer) text);
  id = lia_record_add (f->stores[ALPHA], f->case_id, LIA_RECORD_NOTE, fields, &error);
  g_assert_no_error (error);
  return id;
}

/* The bytes of the envelope that @from numbered @number for @to. */
static GBytes *
envelope_numbered (Fixture *f, int from, int author, int to, gint64 number)
{
  sqlite3 *db = lia_store_get_db (f->stores[from]);
  sqlite3_stmt *stmt = NULL;
  GBytes *bytes;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT e.bytes FROM envelope e "
                                           "JOIN envelope_recipient er ON er.envelope_seq = e.seq "
                                           "JOIN org a ON a.id = er.author "
                                           "JOIN org r ON r.id = er.recipient "
                                           "WHERE a.sign_public = ? AND r.sign_public = ? "
                                           "AND er.number = ?", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_blob (stmt, 1, key_of (f, author), 32, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 2, key_of (f, to), 32, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, number);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  bytes = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  sqlite3_finalize (stmt);
  return bytes;
}

static void
import (LiaStore *to, GBytes *bytes, LiaImportOutcome expected)
{
  g_autoptr (GError) error = NULL;
  LiaImportOutcome outcome;

  g_assert_true (lia_exchange_import_envelope (to, bytes, &outcome, &error));
  g_assert_no_error (error);
  g_assert_cmpint (outcome, ==, expected);
}

/* Moves Alpha's envelope numbered @number for @to into @to's store. */
static void
deliver (Fixture *f, int to, gint64 number)
{
  g_autoptr (GBytes) bytes = envelope_numbered (f, ALPHA, ALPHA, to, number);

  import (f->stores[to], bytes, LIA_IMPORT_ACCEPTED);
}

/* @who's holdings entry for @originator (it must have one). */
static LiaHoldingsEntry *
entry_for (GPtrArray *holdings, Fixture *f, int originator)
{
  for (guint i = 0; i < holdings->len; i++)
    {
      LiaHoldingsEntry *entry = holdings->pdata[i];

      if (memcmp (entry->originator, key_of (f, originator), 32) == 0)
        return entry;
    }
  g_assert_not_reached ();
}

static GPtrArray *
holdings_of (Fixture *f, int who, guint max_extras)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *holdings = lia_store_dup_holdings (f->stores[who], max_extras, &error);

  g_assert_no_error (error);
  return holdings;
}

static void
assert_runs (const LiaHoldingsEntry *entry, guint64 contiguous, const guint64 *runs, guint n_runs)
{
  g_assert_cmpuint (entry->contiguous, ==, contiguous);
  g_assert_cmpuint (entry->extras->len, ==, n_runs);
  for (guint i = 0; i < n_runs; i++)
    {
      g_assert_cmpuint (g_array_index (entry->extras, LiaNumberRun, i).first, ==, runs[2 * i]);
      g_assert_cmpuint (g_array_index (entry->extras, LiaNumberRun, i).last, ==, runs[2 * i + 1]);
    }
}

/* ---- the ledger ------------------------------------------------------------- */

/* Envelopes arriving out of order make runs that join as the gaps fill;
 * a repeat changes nothing. Beta's envelope 1 from Alpha is the case. */
static void
test_ledger_runs (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) before = NULL;
  g_autoptr (GPtrArray) holdings = NULL;
  static const guint64 two_runs[] = { 3, 3, 5, 6 };
  static const guint64 one_run[] = { 5, 6 };

  for (int i = 0; i < 6; i++)
    g_free (add_note (f, "A note"));

  before = holdings_of (f, BETA, 100);
  /* Every current peer, and not Beta itself. */
  g_assert_cmpuint (before->len, ==, N_ORGS - 1);
  assert_runs (entry_for (before, f, ALPHA), 0, NULL, 0);
  assert_runs (entry_for (before, f, GAMMA), 0, NULL, 0);

  deliver (f, BETA, 1);
  deliver (f, BETA, 3);
  deliver (f, BETA, 6);
  deliver (f, BETA, 5);
  holdings = holdings_of (f, BETA, 100);
  assert_runs (entry_for (holdings, f, ALPHA), 1, two_runs, 2);
  g_assert_true (lia_holdings_entry_has (entry_for (holdings, f, ALPHA), 3));
  g_assert_false (lia_holdings_entry_has (entry_for (holdings, f, ALPHA), 4));
  g_assert_true (lia_holdings_entry_has (entry_for (holdings, f, ALPHA), 6));
  g_assert_false (lia_holdings_entry_has (entry_for (holdings, f, ALPHA), 7));
  g_clear_pointer (&holdings, g_ptr_array_unref);

  /* At most one run beyond the contiguous part: the lowest. */
  holdings = holdings_of (f, BETA, 1);
  assert_runs (entry_for (holdings, f, ALPHA), 1, two_runs, 1);
  g_clear_pointer (&holdings, g_ptr_array_unref);

  deliver (f, BETA, 2);
  holdings = holdings_of (f, BETA, 100);
  assert_runs (entry_for (holdings, f, ALPHA), 3, one_run, 1);
  g_clear_pointer (&holdings, g_ptr_array_unref);

  deliver (f, BETA, 4);
  {
    g_autoptr (GBytes) again = envelope_numbered (f, ALPHA, ALPHA, BETA, 4);

    import (f->stores[BETA], again, LIA_IMPORT_DUPLICATE);
  }
  holdings = holdings_of (f, BETA, 100);
  assert_runs (entry_for (holdings, f, ALPHA), 7 - 1, NULL, 0);
  g_assert_cmpint (lia_test_query_int (f->stores[BETA], "SELECT count (*) FROM envelope_held"),
                   ==, 1);
}

/* A withdrawn record's envelopes are deleted where they arrived; the
 * numbers stay held, or every peer would offer them again. */
static void
test_ledger_outlives_withdrawal (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = add_note (f, "Sent in error");
  g_autoptr (GPtrArray) holdings = NULL;

  deliver (f, BETA, 1);
  deliver (f, BETA, 2);
  g_assert_true (lia_record_withdraw (f->stores[ALPHA], id, "Sent in error", NULL, &error));
  g_assert_no_error (error);
  deliver (f, BETA, 3);
  g_assert_cmpint (lia_test_query_int (f->stores[BETA], "SELECT count (*) FROM envelope "
                                                         "WHERE kind = 'record'"), ==, 1);
  holdings = holdings_of (f, BETA, 100);
  assert_runs (entry_for (holdings, f, ALPHA), 3, NULL, 0);
}

/* A removed peer's envelopes are no longer accepted, so it drops out. */
static void
test_holdings_leave_out_removed_peers (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaPeer) peer = lia_store_find_peer (f->stores[BETA], names[GAMMA], &error);
  g_autoptr (GPtrArray) holdings = NULL;

  g_assert_no_error (error);
  g_assert_true (lia_store_revoke_peer (f->stores[BETA], peer, &error));
  g_assert_no_error (error);
  holdings = holdings_of (f, BETA, 100);
  g_assert_cmpuint (holdings->len, ==, N_ORGS - 2);
  for (guint i = 0; i < holdings->len; i++)
    g_assert_true (memcmp (((LiaHoldingsEntry *) holdings->pdata[i])->originator,
                           key_of (f, GAMMA), 32) != 0);
}

/* ---- outboxes ---------------------------------------------------------------- */

static GPtrArray *
drain (LiaOutbox *outbox)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (GError) error = NULL;
  GBytes *bytes;

  const guint8 *originator = NULL, *last_originator = NULL;
  guint64 number = 0, last = 0;

  while ((bytes = lia_outbox_next (outbox, &originator, &number, &error)) != NULL)
    {
      g_autoptr (LiaEnvelope) env = lia_envelope_parse (bytes, NULL);

      /* What it says of each envelope is what the envelope says. */
      g_assert_cmpmem (originator, 32, lia_envelope_get_author_sign_public (env), 32);
      /* Ascending, originator by originator. */
      if (originator != last_originator)
        last = 0;
      g_assert_cmpuint (number, >, last);
      last = number;
      last_originator = originator;
      g_ptr_array_add (all, bytes);
    }
  g_assert_no_error (error);
  g_assert_cmpuint (lia_outbox_get_remaining (outbox), ==, 0);
  return all;
}

static LiaOutbox *
outbox_for (Fixture *f, int from, int to)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) holdings = holdings_of (f, to, 100);
  LiaOutbox *outbox = lia_outbox_new (f->stores[from], key_of (f, to), holdings, &error);

  g_assert_no_error (error);
  return outbox;
}

/* Exactly what the peer lacks, in number order, gaps included. */
static void
test_outbox_sends_what_is_missing (Fixture *f, gconstpointer data)
{
  g_autoptr (LiaOutbox) outbox = NULL;
  g_autoptr (GPtrArray) sent = NULL;
  static const gint64 missing[] = { 2, 4, 5 };

  for (int i = 0; i < 4; i++)
    g_free (add_note (f, "A note"));
  deliver (f, BETA, 1);
  deliver (f, BETA, 3);

  outbox = outbox_for (f, ALPHA, BETA);
  g_assert_cmpuint (lia_outbox_get_total (outbox), ==, 3);
  sent = drain (outbox);
  g_assert_cmpuint (sent->len, ==, 3);
  for (guint i = 0; i < sent->len; i++)
    {
      g_autoptr (GBytes) expected = envelope_numbered (f, ALPHA, ALPHA, BETA, missing[i]);

      g_assert_true (g_bytes_equal (sent->pdata[i], expected));
      import (f->stores[BETA], sent->pdata[i], LIA_IMPORT_ACCEPTED);
    }
  g_clear_pointer (&outbox, lia_outbox_free);

  /* Up to date: nothing. */
  outbox = outbox_for (f, ALPHA, BETA);
  g_assert_cmpuint (lia_outbox_get_total (outbox), ==, 0);
  g_assert_null (lia_outbox_next (outbox, NULL, NULL, NULL));
}

/* Gamma relays Alpha's envelopes to Beta (they name Beta too), and to no
 * one they do not name: Delta is a peer of Gamma but no recipient. */
static void
test_outbox_relays_to_recipients_only (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaOutbox) to_beta = NULL;
  g_autoptr (LiaOutbox) to_delta = NULL;
  g_autoptr (GPtrArray) relayed = NULL;
  g_autoptr (GPtrArray) beta_now = NULL;

  g_free (add_note (f, "For Beta and Gamma"));
  deliver (f, GAMMA, 1);
  deliver (f, GAMMA, 2);

  to_beta = outbox_for (f, GAMMA, BETA);
  relayed = drain (to_beta);
  g_assert_cmpuint (relayed->len, ==, 2);
  for (guint i = 0; i < relayed->len; i++)
    import (f->stores[BETA], relayed->pdata[i], LIA_IMPORT_ACCEPTED);
  g_assert_cmpint (lia_test_query_int (f->stores[BETA], "SELECT count (*) FROM record"), ==, 1);

  to_delta = outbox_for (f, GAMMA, DELTA);
  g_assert_cmpuint (lia_outbox_get_total (to_delta), ==, 0);

  /* Beta's own holdings now cover what it got by relay. */
  g_clear_pointer (&to_beta, lia_outbox_free);
  beta_now = holdings_of (f, BETA, 100);
  to_beta = lia_outbox_new (f->stores[ALPHA], key_of (f, BETA), beta_now, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lia_outbox_get_total (to_beta), ==, 0);
}

static void
test_outbox_refuses_removed_and_unknown (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaPeer) peer = lia_store_find_peer (f->stores[ALPHA], names[BETA], &error);
  g_autoptr (GPtrArray) holdings = holdings_of (f, BETA, 100);
  guint8 stranger[32] = { 7 };

  g_assert_no_error (error);
  g_assert_true (lia_store_revoke_peer (f->stores[ALPHA], peer, &error));
  g_assert_no_error (error);
  g_assert_null (lia_outbox_new (f->stores[ALPHA], key_of (f, BETA), holdings, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, names[BETA]));
  g_clear_error (&error);
  g_assert_null (lia_outbox_new (f->stores[ALPHA], stranger, holdings, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
}

/* An envelope deleted after the outbox was made is passed over. */
static void
test_outbox_skips_deleted (Fixture *f, gconstpointer data)
{
  g_autofree char *id = NULL;
  g_autoptr (LiaOutbox) outbox = NULL;
  g_autoptr (GPtrArray) sent = NULL;

  g_free (add_note (f, "One"));
  id = add_note (f, "Two");
  deliver (f, GAMMA, 1);
  deliver (f, GAMMA, 3);
  outbox = outbox_for (f, GAMMA, BETA);
  g_assert_cmpuint (lia_outbox_get_total (outbox), ==, 2);
  lia_test_exec (f->stores[GAMMA], "DELETE FROM envelope WHERE kind = 'record'");
  sent = drain (outbox);
  g_assert_cmpuint (sent->len, ==, 1);
}

/* ---- sync records and settings ---------------------------------------------- */

static void
test_sync_records (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaSyncRecord) empty = NULL;
  g_autoptr (LiaSyncRecord) back = NULL;
  g_autoptr (GBytes) holdings = g_bytes_new_static ("\1\2\3", 3);
  LiaSyncRecord record = { (char *) "unreachable", 1700000000, 1700000100,
                           (char *) "Nothing answered", holdings };
  guint8 stranger[32] = { 9 };

  empty = lia_store_load_sync_record (f->stores[ALPHA], key_of (f, BETA), &error);
  g_assert_no_error (error);
  g_assert_cmpint (empty->last_sync, ==, 0);
  g_assert_null (empty->last_error);
  g_assert_null (empty->holdings);

  g_assert_true (lia_store_save_sync_record (f->stores[ALPHA], key_of (f, BETA), &record, &error));
  g_assert_no_error (error);
  record.last_error = NULL;
  record.holdings = NULL;
  g_assert_true (lia_store_save_sync_record (f->stores[ALPHA], key_of (f, GAMMA), &record, &error));
  back = lia_store_load_sync_record (f->stores[ALPHA], key_of (f, BETA), &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->last_sync, ==, 1700000000);
  g_assert_cmpint (back->last_attempt, ==, 1700000100);
  g_assert_cmpstr (back->last_error, ==, "Nothing answered");
  g_assert_cmpstr (back->status, ==, "unreachable");
  g_assert_true (g_bytes_equal (back->holdings, holdings));

  g_assert_false (lia_store_save_sync_record (f->stores[ALPHA], stranger, &record, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
}

/* ---- the encoding, unions and noted holdings ------------------------------ */

static LiaHoldingsEntry *
entry_with (guint8 key, guint64 contiguous, const guint64 *runs, guint n_runs)
{
  guint8 originator[LIA_ENVELOPE_KEY_BYTES] = { key };
  LiaHoldingsEntry *entry = lia_holdings_entry_new (originator, contiguous);

  for (guint i = 0; i < n_runs; i++)
    {
      LiaNumberRun run = { runs[2 * i], runs[2 * i + 1] };

      g_array_append_val (entry->extras, run);
    }
  return entry;
}

static GPtrArray *
holdings_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) lia_holdings_entry_free);
}

/* The union joins runs that touch or overlap, absorbs those that reach
 * the contiguous part, keeps originators named on one side only, and is
 * ordered by key. */
static void
test_holdings_union (void)
{
  g_autoptr (GPtrArray) a = holdings_new ();
  g_autoptr (GPtrArray) b = holdings_new ();
  g_autoptr (GPtrArray) both = NULL;
  static const guint64 a_runs[] = { 7, 8, 20, 20 };
  static const guint64 b_runs[] = { 4, 6, 9, 10, 30, G_MAXUINT64 };
  const LiaHoldingsEntry *e;

  g_ptr_array_add (a, entry_with (2, 2, a_runs, 2));
  g_ptr_array_add (a, entry_with (5, 1, NULL, 0));
  g_ptr_array_add (b, entry_with (2, 3, b_runs, 3));
  g_ptr_array_add (b, entry_with (1, 0, NULL, 0));
  both = lia_holdings_union (a, b);

  g_assert_cmpuint (both->len, ==, 3);
  e = both->pdata[0];
  g_assert_cmpuint (e->originator[0], ==, 1);
  g_assert_cmpuint (e->contiguous, ==, 0);
  g_assert_cmpuint (e->extras->len, ==, 0);
  e = both->pdata[1];
  g_assert_cmpuint (e->originator[0], ==, 2);
  /* 1-3, 4-6, 7-8, 9-10: one run from 1. */
  g_assert_cmpuint (e->contiguous, ==, 10);
  g_assert_cmpuint (e->extras->len, ==, 2);
  g_assert_cmpuint (g_array_index (e->extras, LiaNumberRun, 0).first, ==, 20);
  g_assert_cmpuint (g_array_index (e->extras, LiaNumberRun, 0).last, ==, 20);
  g_assert_cmpuint (g_array_index (e->extras, LiaNumberRun, 1).first, ==, 30);
  g_assert_cmpuint (g_array_index (e->extras, LiaNumberRun, 1).last, ==, G_MAXUINT64);
  g_assert_false (lia_holdings_entry_has (e, 11));
  e = both->pdata[2];
  g_assert_cmpuint (e->originator[0], ==, 5);
  g_assert_cmpuint (e->contiguous, ==, 1);

  /* And it encodes and decodes as it is. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) bytes = lia_holdings_encode (both);
    g_autoptr (GPtrArray) back = lia_holdings_decode (bytes, &error);
    g_autoptr (GBytes) again = NULL;

    g_assert_no_error (error);
    again = lia_holdings_encode (back);
    g_assert_true (g_bytes_equal (bytes, again));
  }
}

/* The largest holdings within the limits encode within
 * LIA_HOLDINGS_MAX_BYTES, and one originator more is refused. */
static void
test_holdings_limits (void)
{
  g_autoptr (GPtrArray) most = holdings_new ();
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GPtrArray) back = NULL;
  g_autoptr (GError) error = NULL;
  guint per = LIA_HOLDINGS_MAX_EXTRAS / LIA_HOLDINGS_MAX_ORIGINATORS;

  for (guint i = 0; i < LIA_HOLDINGS_MAX_ORIGINATORS; i++)
    {
      guint8 key[LIA_ENVELOPE_KEY_BYTES];
      LiaHoldingsEntry *entry;

      memset (key, 0xa5, sizeof key);
      key[0] = i >> 8;
      key[1] = i;
      entry = lia_holdings_entry_new (key, G_MAXINT64);
      for (guint r = 0; r < per; r++)
        {
          LiaNumberRun run = { (guint64) G_MAXINT64 + 2 + 3 * r, (guint64) G_MAXINT64 + 3 + 3 * r };

          g_array_append_val (entry->extras, run);
        }
      g_ptr_array_add (most, entry);
    }
  bytes = lia_holdings_encode (most);
  g_test_message ("the largest holdings: %" G_GSIZE_FORMAT " bytes", g_bytes_get_size (bytes));
  g_assert_cmpuint (g_bytes_get_size (bytes), <=, LIA_HOLDINGS_MAX_BYTES);
  back = lia_holdings_decode (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, LIA_HOLDINGS_MAX_ORIGINATORS);
  g_clear_pointer (&back, g_ptr_array_unref);
  g_clear_pointer (&bytes, g_bytes_unref);

  /* One more originator (made by hand: the encoder will not): refused,
   * naming the limit. */
  {
    GVariantBuilder builder;
    g_autoptr (GVariant) value = NULL;

    g_variant_builder_init (&builder, G_VARIANT_TYPE (LIA_HOLDINGS_TYPE));
    for (guint i = 0; i <= LIA_HOLDINGS_MAX_ORIGINATORS; i++)
      {
        guint8 key[LIA_ENVELOPE_KEY_BYTES] = { i >> 8, i };

        g_variant_builder_add (&builder, "(@ayt@a(tt))",
                               g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, key, sizeof key, 1),
                               (guint64) 1, g_variant_new_array (G_VARIANT_TYPE ("(tt)"), NULL, 0));
      }
    value = g_variant_ref_sink (g_variant_builder_end (&builder));
    bytes = g_variant_get_data_as_bytes (value);
  }
  back = lia_holdings_decode (bytes, &error);
  g_assert_null (back);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "1025 originators"));
}

/* Noting a peer's holdings: the union with what is kept, never less; only
 * for a current peer. */
static void
test_note_peer_holdings (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) first = holdings_new ();
  g_autoptr (GPtrArray) older = holdings_new ();
  g_autoptr (GPtrArray) kept = NULL;
  g_autoptr (LiaPeer) gamma = NULL;
  static const guint64 runs[] = { 7, 8 };
  guint8 stranger[32] = { 9 };

  g_assert_null (lia_store_dup_peer_holdings (f->stores[ALPHA], key_of (f, BETA), &error));
  g_assert_no_error (error);
  g_ptr_array_add (first, entry_with (1, 5, NULL, 0));
  g_ptr_array_add (older, entry_with (1, 2, runs, 1));
  g_assert_true (lia_store_note_peer_holdings (f->stores[ALPHA], key_of (f, BETA), first, &error));
  g_assert_true (lia_store_note_peer_holdings (f->stores[ALPHA], key_of (f, BETA), older, &error));
  g_assert_no_error (error);
  kept = lia_store_dup_peer_holdings (f->stores[ALPHA], key_of (f, BETA), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kept->len, ==, 1);
  g_assert_cmpuint (((LiaHoldingsEntry *) kept->pdata[0])->contiguous, ==, 5);
  g_assert_true (lia_holdings_entry_has (kept->pdata[0], 8));
  g_assert_false (lia_holdings_entry_has (kept->pdata[0], 6));

  g_assert_false (lia_store_note_peer_holdings (f->stores[ALPHA], stranger, first, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lia_store_note_peer_holdings (f->stores[ALPHA], key_of (f, ALPHA), first,
                                                &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  gamma = lia_store_find_peer (f->stores[ALPHA], names[GAMMA], &error);
  g_assert_no_error (error);
  g_assert_true (lia_store_revoke_peer (f->stores[ALPHA], gamma, &error));
  g_assert_false (lia_store_note_peer_holdings (f->stores[ALPHA], key_of (f, GAMMA), first,
                                                &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "is not noted"));
  g_clear_error (&error);
  g_assert_null (lia_store_dup_peer_holdings (f->stores[ALPHA], key_of (f, GAMMA), &error));
  g_assert_no_error (error);
}

static void
test_settings (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Settings Council");
  g_autoptr (GError) error = NULL;
  g_autofree char *none = NULL, *value = NULL, *gone = NULL;
  g_autofree char *too_long = g_strnfill (4097, 'x');

  none = lia_store_dup_setting (store, "sync.listen", &error);
  g_assert_no_error (error);
  g_assert_null (none);
  g_assert_true (lia_store_set_setting (store, "sync.listen", "tcp://0.0.0.0:7310", &error));
  g_assert_true (lia_store_set_setting (store, "sync.listen", "tcp://127.0.0.1:7311", &error));
  g_assert_no_error (error);
  value = lia_store_dup_setting (store, "sync.listen", &error);
  g_assert_cmpstr (value, ==, "tcp://127.0.0.1:7311");
  g_assert_false (lia_store_set_setting (store, "sync.listen", too_long, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (lia_store_set_setting (store, "sync.listen", NULL, &error));
  gone = lia_store_dup_setting (store, "sync.listen", &error);
  g_assert_no_error (error);
  g_assert_null (gone);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/holdings/ledger/runs", test_ledger_runs);
  ADD ("/holdings/ledger/outlives-withdrawal", test_ledger_outlives_withdrawal);
  ADD ("/holdings/ledger/removed-peers", test_holdings_leave_out_removed_peers);
  ADD ("/holdings/outbox/missing", test_outbox_sends_what_is_missing);
  ADD ("/holdings/outbox/relay-to-recipients-only", test_outbox_relays_to_recipients_only);
  ADD ("/holdings/outbox/removed-and-unknown", test_outbox_refuses_removed_and_unknown);
  ADD ("/holdings/outbox/deleted", test_outbox_skips_deleted);
  ADD ("/holdings/sync-records", test_sync_records);
  ADD ("/holdings/note-peer", test_note_peer_holdings);
  g_test_add_func ("/holdings/union", test_holdings_union);
  g_test_add_func ("/holdings/limits", test_holdings_limits);
  g_test_add_func ("/holdings/settings", test_settings);
  return g_test_run ();
}
