/* test-store-at-rest.c: nothing readable at rest.
 *
 * Records holding a unique marker are written, then every byte of every
 * file in the store directory (database, WAL, shared-memory file, key file)
 * is scanned, with the WAL unchecked, checkpointed, and after a close:
 * neither the marker nor SQLite's file header magic may appear.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sqlite3.h>

#include "lia-store-private.h"
#include "lia-test-util.h"

#define MARKER "LIAISON-AT-REST-MARKER-5c1e"
#define SQLITE_MAGIC "SQLite format 3"

/* Counts occurrences of @needle in every regular file of @dir, and the
 * bytes scanned. */
static guint
count_in_dir (const char *dir, const char *needle, gsize *scanned, guint *n_files)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint found = 0;
  gsize needle_len = strlen (needle);

  *scanned = 0;
  *n_files = 0;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr (GBytes) bytes = NULL;
      const guint8 *data;
      gsize len;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      bytes = lia_test_read_file (path);
      data = g_bytes_get_data (bytes, &len);
      (*n_files)++;
      *scanned += len;
      for (gsize i = 0; i + needle_len <= len; i++)
        if (memcmp (data + i, needle, needle_len) == 0)
          {
            g_test_message ("found “%s” in %s at %" G_GSIZE_FORMAT, needle, name, i);
            found++;
          }
    }
  return found;
}

static void
assert_nothing_readable (const char *dir, const char *when, guint min_files)
{
  gsize scanned;
  guint n_files;

  g_assert_cmpuint (count_in_dir (dir, MARKER, &scanned, &n_files), ==, 0);
  g_assert_cmpuint (count_in_dir (dir, SQLITE_MAGIC, &scanned, &n_files), ==, 0);
  g_assert_cmpuint (count_in_dir (dir, "Safeguarding Partnership", &scanned, &n_files), ==, 0);
  g_assert_cmpuint (n_files, >=, min_files);
  g_test_message ("%s: %u files, %" G_GSIZE_FORMAT " bytes scanned", when, n_files, scanned);
}

static void
insert_marked_rows (LiaStore *store, int from, int to)
{
  sqlite3 *db = lia_store_get_db (store);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO records (title, body) VALUES (?, ?)", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  for (int i = from; i < to; i++)
    {
      g_autofree char *title = g_strdup_printf ("%s title %d", MARKER, i);
      g_autofree char *body = g_strdup_printf ("%s: record %d of the chronology, %0300d", MARKER,
                                               i, i);

      sqlite3_bind_text (stmt, 1, title, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, body, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
}

static void
test_nothing_readable (void)
{
  g_autofree char *parent = lia_test_make_dir ("at-rest");
  g_autofree char *dir = g_build_filename (parent, "liaison", NULL);
  g_autoptr (LiaStore) store = lia_store_new (dir);
  g_autoptr (GError) error = NULL;
  g_autofree char *wal = g_build_filename (dir, LIA_STORE_DB_NAME "-wal", NULL);
  g_autofree char *shm = g_build_filename (dir, LIA_STORE_DB_NAME "-shm", NULL);

  g_assert_true (lia_store_create (store, MARKER " Safeguarding Partnership",
                                   LIA_ORG_KIND_LOCAL_AUTHORITY, LIA_TEST_PASSPHRASE, NULL,
                                   &error));
  g_assert_no_error (error);
  lia_test_exec (store, "PRAGMA wal_autocheckpoint = 0;"
                        "CREATE TABLE records (id INTEGER PRIMARY KEY, title TEXT, body TEXT);"
                        "CREATE INDEX records_title ON records (title);"
                        "CREATE VIRTUAL TABLE records_fts USING fts5 (body);");
  insert_marked_rows (store, 0, 500);
  lia_test_exec (store, "INSERT INTO records_fts (body) SELECT body FROM records;");

  /* 1. Everything still in the WAL, shared memory in use. */
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (shm, G_FILE_TEST_EXISTS));
  assert_nothing_readable (dir, "WAL not checkpointed", 4);

  /* 2. Checkpointed into the database, the WAL still holding its frames. */
  lia_test_exec (store, "PRAGMA wal_checkpoint(PASSIVE);");
  assert_nothing_readable (dir, "WAL checkpointed", 4);

  /* 3. Updated and deleted (secure_delete rewrites freed space) and a
   * large sort, which would spill to a temporary file. */
  insert_marked_rows (store, 500, 800);
  lia_test_exec (store, "UPDATE records SET body = 'replaced ' || body WHERE id % 3 = 0;"
                        "DELETE FROM records WHERE id % 5 = 0;"
                        "PRAGMA cache_size = 8;"
                        "CREATE TABLE sorted AS SELECT body FROM records ORDER BY random();");
  assert_nothing_readable (dir, "after updates, deletes and a sort", 4);

  /* 4. Closed: only the database and the key file remain. */
  lia_store_lock (store);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  assert_nothing_readable (dir, "closed", 2);

  /* And the data is all there. */
  g_assert_true (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
  g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM records"), ==, 640);
  g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM records_fts WHERE "
                                              "records_fts MATCH 'chronology'"), ==, 500);
}

/* The scanner itself: the same work on a plain database finds the marker
 * and the magic, so a pass above means something. */
static void
test_scanner_finds_plain_text (void)
{
  g_autofree char *dir = lia_test_make_dir ("plain");
  g_autofree char *path = g_build_filename (dir, "plain.db", NULL);
  sqlite3 *db = NULL;
  gsize scanned;
  guint n_files;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA journal_mode = WAL;"
                                     "CREATE TABLE t (x TEXT);"
                                     "INSERT INTO t VALUES ('" MARKER "');",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpuint (count_in_dir (dir, MARKER, &scanned, &n_files), >, 0);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  g_assert_cmpuint (count_in_dir (dir, SQLITE_MAGIC, &scanned, &n_files), >, 0);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/store/at-rest/nothing-readable", test_nothing_readable);
  g_test_add_func ("/store/at-rest/scanner-finds-plain-text", test_scanner_finds_plain_text);

  return g_test_run ();
}
