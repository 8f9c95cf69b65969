/* test-migrations.c: numbered schema migrations, applied whole or not at all.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "lia-migrations.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

static sqlite3 *
open_memory (void)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  return db;
}

static int
version_of (sqlite3 *db)
{
  g_autoptr (GError) error = NULL;
  int version = -1;

  g_assert_true (lia_migrations_get_version (db, &version, &error));
  g_assert_no_error (error);
  return version;
}

static gboolean
has_table (sqlite3 *db, const char *name)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' "
                                           "AND name = ?", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return found;
}

static void
test_from_empty (void)
{
  guint n;
  const LiaMigration *migrations = lia_store_migrations (&n);
  sqlite3 *db = open_memory ();
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (version_of (db), ==, 0);
  g_assert_true (lia_migrations_apply (db, migrations, n, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (version_of (db), ==, lia_store_schema_version ());
  g_assert_true (has_table (db, "organisation"));

  /* Applying again is a no-op. */
  g_assert_true (lia_migrations_apply (db, migrations, n, -1, &error));
  g_assert_cmpint (version_of (db), ==, lia_store_schema_version ());
  sqlite3_close (db);
}

static void
test_from_each_version (void)
{
  guint n;
  const LiaMigration *migrations = lia_store_migrations (&n);

  /* Every earlier schema (0 is the empty store) migrates to the latest. */
  for (int from = 0; from < lia_store_schema_version (); from++)
    {
      sqlite3 *db = open_memory ();
      g_autoptr (GError) error = NULL;

      if (from > 0)
        g_assert_true (lia_migrations_apply (db, migrations, n, from, &error));
      g_assert_no_error (error);
      g_assert_cmpint (version_of (db), ==, from);
      g_assert_true (lia_migrations_apply (db, migrations, n, -1, &error));
      g_assert_no_error (error);
      g_assert_cmpint (version_of (db), ==, lia_store_schema_version ());
      g_assert_true (has_table (db, "organisation"));
      sqlite3_close (db);
    }
}

static gint64
query_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static void
exec_ok (sqlite3 *db, const char *sql)
{
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
}

/* Org row 1 mirrors the organisation's keys and binding signatures, in a
 * store migrated from version 2 (whose organisation row has no signatures
 * yet: the store signs at its next unlock) as in a new one. */
static void
test_organisation_keys_mirrored (void)
{
  guint n;
  const LiaMigration *migrations = lia_store_migrations (&n);
  sqlite3 *db = open_memory ();
  g_autoptr (GError) error = NULL;

  g_assert_true (lia_migrations_apply (db, migrations, n, 2, &error));
  g_assert_no_error (error);
  exec_ok (db, "INSERT INTO organisation (id, name, kind, created_at, sign_public, "
               "sign_secret_wrapped, box_public, box_secret_wrapped, curve_public, "
               "curve_secret_wrapped) VALUES (1, 'Old Council', 'local-authority', 1, "
               "zeroblob (32), x'00', randomblob (32), x'00', randomblob (32), x'00')");
  g_assert_true (lia_migrations_apply (db, migrations, n, -1, &error));
  g_assert_no_error (error);

  g_assert_cmpint (query_int (db, "SELECT count(*) FROM org o, organisation s WHERE o.id = 1 "
                                  "AND o.box_public = s.box_public AND o.curve_public = "
                                  "s.curve_public AND o.box_signature IS NULL AND "
                                  "o.curve_signature IS NULL AND s.box_signature IS NULL"), ==, 1);

  /* Signing later, and rotating, reach org row 1 too. */
  exec_ok (db, "UPDATE organisation SET box_signature = randomblob (64), "
               "curve_signature = randomblob (64)");
  exec_ok (db, "UPDATE organisation SET box_public = randomblob (32)");
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM org o, organisation s WHERE o.id = 1 "
                                  "AND o.box_public = s.box_public AND o.curve_public = "
                                  "s.curve_public AND o.box_signature = s.box_signature AND "
                                  "o.curve_signature = s.curve_signature"), ==, 1);
  /* A signature is 64 bytes or nothing. */
  g_assert_cmpint (sqlite3_exec (db, "UPDATE organisation SET box_signature = x'00'", NULL, NULL,
                                 NULL), ==, SQLITE_CONSTRAINT);
  sqlite3_close (db);
}

/* Migration 6 (sync) fills the ledger of held envelope numbers from what a
 * store already holds: runs per originator, gaps left as gaps, this
 * organisation's own envelopes and other recipients' numbers left out. */
static void
test_held_numbers_from_version_3 (void)
{
  guint n;
  const LiaMigration *migrations = lia_store_migrations (&n);
  sqlite3 *db = open_memory ();
  g_autoptr (GError) error = NULL;
  static const struct { int author, recipient, number; } rows[] = {
    { 2, 1, 1 }, { 2, 1, 2 }, { 2, 1, 3 }, { 2, 1, 5 }, { 2, 1, 7 }, { 2, 1, 8 },
    { 3, 1, 4 },
    { 2, 3, 9 },    /* for another recipient: relayed, not this one's */
    { 1, 1, 1 },    /* this organisation's own */
  };

  g_assert_true (lia_migrations_apply (db, migrations, n, 3, &error));
  g_assert_no_error (error);
  exec_ok (db, "INSERT INTO organisation (id, name, kind, created_at, sign_public, "
               "sign_secret_wrapped, box_public, box_secret_wrapped, curve_public, "
               "curve_secret_wrapped) VALUES (1, 'Old Council', 'local-authority', 1, "
               "randomblob (32), x'00', randomblob (32), x'00', randomblob (32), x'00')");
  exec_ok (db, "INSERT INTO org (id, name, kind, added_at) VALUES (2, 'B', 'icb', 1), "
               "(3, 'C', 'police', 1)");
  exec_ok (db, "INSERT INTO envelope (seq, hash, author, kind, object_id, version, created, "
               "bytes, received_at) VALUES (1, randomblob (32), 2, 'record', 'x', 1, 1, x'00', 1)");
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO envelope_recipient (author, recipient, "
                                              "number, envelope_seq) VALUES (%d, %d, %d, 1)",
                                              rows[i].author, rows[i].recipient, rows[i].number);

      exec_ok (db, sql);
    }
  g_assert_true (lia_migrations_apply (db, migrations, n, -1, &error));
  g_assert_no_error (error);

  g_assert_cmpint (query_int (db, "SELECT count (*) FROM envelope_held"), ==, 4);
  g_assert_cmpint (query_int (db, "SELECT count (*) FROM envelope_held WHERE "
                                  "(author, first, last) IN (VALUES (2, 1, 3), (2, 5, 5), "
                                  "(2, 7, 8), (3, 4, 4))"), ==, 4);
  sqlite3_close (db);
}

static void
test_failure_rolls_back (void)
{
  static const LiaMigration broken[] = {
    { 1, "a table", "CREATE TABLE first (x INTEGER);" },
    { 2, "a good table", "CREATE TABLE second (y INTEGER);" },
    { 3, "a broken step", "CREATE TABLE third (z INTEGER); INSERT INTO nowhere VALUES (1);" },
  };
  sqlite3 *db = open_memory ();
  g_autoptr (GError) error = NULL;

  g_assert_true (lia_migrations_apply (db, broken, 1, -1, &error));
  g_assert_cmpint (version_of (db), ==, 1);

  g_assert_false (lia_migrations_apply (db, broken, G_N_ELEMENTS (broken), -1, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "schema migration 3"));
  /* Neither step 2 nor the first half of step 3 stayed. */
  g_assert_cmpint (version_of (db), ==, 1);
  g_assert_true (has_table (db, "first"));
  g_assert_false (has_table (db, "second"));
  g_assert_false (has_table (db, "third"));
  sqlite3_close (db);
}

static void
test_too_new (void)
{
  guint n;
  const LiaMigration *migrations = lia_store_migrations (&n);
  sqlite3 *db = open_memory ();
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 999", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  g_assert_false (lia_migrations_apply (db, migrations, n, -1, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_TOO_NEW);
  g_assert_cmpint (version_of (db), ==, 999);
  g_assert_false (has_table (db, "organisation"));
  sqlite3_close (db);
}

static void
test_store_too_new (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Newer Council");
  g_autofree char *dir = g_strdup (lia_store_get_directory (store));
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (GError) error = NULL;

  lia_test_exec (store, "PRAGMA user_version = 999");
  lia_store_lock (store);
  before = lia_test_hash_dir (dir);

  g_assert_false (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_TOO_NEW);
  g_assert_true (lia_store_is_locked (store));
  lia_test_assert_dir_unchanged (before, dir);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/migrations/from-empty", test_from_empty);
  g_test_add_func ("/migrations/from-each-version", test_from_each_version);
  g_test_add_func ("/migrations/organisation-keys-mirrored", test_organisation_keys_mirrored);
  g_test_add_func ("/migrations/held-numbers-from-version-3", test_held_numbers_from_version_3);
  g_test_add_func ("/migrations/failure-rolls-back", test_failure_rolls_back);
  g_test_add_func ("/migrations/too-new", test_too_new);
  g_test_add_func ("/migrations/store-too-new", test_store_too_new);

  return g_test_run ();
}
