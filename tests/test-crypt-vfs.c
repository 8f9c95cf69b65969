/* test-crypt-vfs.c: the encrypting VFS on its own terms: no key, no file;
 * temporary files stay in memory; no rollback journal is ever written;
 * revoked keys stop all I/O.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>

#include <glib/gstdio.h>

#include "lia-crypt-vfs.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

static char *
db_path_of (LiaStore *store)
{
  return g_build_filename (lia_store_get_directory (store), LIA_STORE_DB_NAME, NULL);
}

static void
test_no_key_no_file (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Keyless Council");
  g_autofree char *db_path = db_path_of (store);
  g_autofree char *uri = NULL;
  g_autofree char *escaped = g_uri_escape_string (db_path, "/", FALSE);
  sqlite3 *db = NULL;
  int rc;

  /* The VFS by name, but no key: SQLite cannot open the file at all. */
  uri = g_strdup_printf ("file:%s?vfs=" LIA_CRYPT_VFS_NAME "&lia_key=0000", escaped);
  rc = sqlite3_open_v2 (uri, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
  g_assert_cmpint (rc & 0xff, ==, SQLITE_CANTOPEN);
  sqlite3_close (db);
}

static void
test_plain_sqlite_sees_nothing (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Opaque Council");
  g_autofree char *db_path = db_path_of (store);
  sqlite3 *db = NULL;
  int rc;

  lia_store_lock (store);
  /* Without the VFS the file is not even recognisable as a database. */
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  rc = sqlite3_exec (db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
  g_assert_cmpint (rc, ==, SQLITE_NOTADB);
  sqlite3_close (db);
}

/* Counts this process's open files that SQLite's unix VFS made as
 * temporary files ("etilqs_" names, unlinked once open). */
static guint
count_sqlite_temp_files (void)
{
  g_autoptr (GDir) fds = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (fds);
  while ((name = g_dir_read_name (fds)) != NULL)
    {
      g_autofree char *link = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      if (target != NULL && strstr (target, "etilqs_") != NULL)
        count++;
    }
  return count;
}

static void
fill_temp_table (sqlite3 *db)
{
  g_assert_cmpint (sqlite3_exec (db,
                                 "PRAGMA temp_store = FILE;"
                                 "PRAGMA cache_size = 4;"
                                 "CREATE TEMP TABLE scratch (x TEXT);"
                                 "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
                                 "  WHERE i < 2000) "
                                 "INSERT INTO scratch SELECT printf ('%0500d', i) FROM c;"
                                 "CREATE TEMP TABLE sorted AS SELECT x FROM scratch ORDER BY "
                                 "  random();",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
}

static void
test_temporary_files_in_memory (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Temporary Council");
  g_autofree char *dir = lia_test_make_dir ("plain-temp");
  g_autofree char *plain_path = g_build_filename (dir, "plain.db", NULL);
  sqlite3 *plain = NULL;
  guint before = count_sqlite_temp_files ();

  /* Control: plain SQLite, forced to use temporary files, makes them. */
  g_assert_cmpint (sqlite3_open (plain_path, &plain), ==, SQLITE_OK);
  fill_temp_table (plain);
  g_assert_cmpuint (count_sqlite_temp_files (), >, before);
  sqlite3_close (plain);

  /* A store connection forced the same way keeps them in memory. */
  before = count_sqlite_temp_files ();
  fill_temp_table (lia_store_get_db (store));
  g_assert_cmpuint (count_sqlite_temp_files (), ==, before);
  g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM temp.sorted"), ==, 2000);
}

static void
test_rollback_journal_refused (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Journal Council");
  g_autofree char *journal = NULL;
  g_autofree char *db_path = db_path_of (store);
  sqlite3 *db = lia_store_get_db (store);
  int rc;

  lia_test_exec (store, "CREATE TABLE kept (x TEXT); INSERT INTO kept VALUES ('before');");
  journal = g_strconcat (db_path, "-journal", NULL);

  /* Leaving WAL mode would mean writing pages in clear to a rollback
   * journal; the VFS refuses to open one, so the write fails instead. */
  rc = sqlite3_exec (db, "PRAGMA journal_mode = DELETE;"
                         "INSERT INTO kept VALUES ('after');", NULL, NULL, NULL);
  g_test_message ("leaving WAL mode: %s (%d)", sqlite3_errmsg (db), rc);
  g_assert_cmpint (rc, !=, SQLITE_OK);
  g_assert_false (g_file_test (journal, G_FILE_TEST_EXISTS));

  /* Reopened, the store is in WAL mode with its data. */
  lia_store_lock (store);
  {
    g_autoptr (GError) error = NULL;

    g_assert_true (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (lia_store_check (store, NULL, &error));
    g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM kept WHERE x = 'before'"),
                     ==, 1);
  }
}

static void
test_revoked_keys_stop_io (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Revoked Council");
  g_autoptr (GError) error = NULL;
  sqlite3 *other;
  int rc;

  lia_test_exec (store, "CREATE TABLE big (x TEXT);"
                        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
                        "  WHERE i < 500) "
                        "INSERT INTO big SELECT printf ('%01000d', i) FROM c;");
  other = lia_store_open_connection (store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_exec (other, "PRAGMA cache_size = 2", NULL, NULL, NULL), ==,
                   SQLITE_OK);

  /* Locking wipes the key even under a connection someone forgot to
   * close: it can no longer read a page from disk. */
  lia_store_lock (store);
  rc = sqlite3_exec (other, "SELECT sum(length (x)) FROM big", NULL, NULL, NULL);
  g_assert_cmpint (rc & 0xff, ==, SQLITE_IOERR);
  g_assert_cmpint (sqlite3_close (other), ==, SQLITE_OK);
}

/* A checkpoint copies each page from the WAL to the database file still
 * sealed: the database page is the WAL's page image byte for byte, but for
 * the frame MAC, which is cleared. */
static void
test_checkpoint_copies_sealed_pages (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Checkpoint Council");
  g_autofree char *db_path = db_path_of (store);
  g_autofree char *wal_path = g_strconcat (db_path, "-wal", NULL);
  g_autoptr (GBytes) wal = NULL;
  g_autoptr (GBytes) db = NULL;
  const guint8 *w, *d;
  gsize wal_len, db_len;
  GHashTable *last_frame = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer pgno, offset;
  guint compared = 0;
  const gsize frame_size = 24 + LIA_CRYPT_PAGE_SIZE;
  const gsize mac_at = LIA_CRYPT_PAGE_SIZE - LIA_CRYPT_FRAME_MAC_BYTES;

  lia_test_exec (store, "PRAGMA wal_autocheckpoint = 0;"
                        "PRAGMA wal_checkpoint(TRUNCATE);"
                        "CREATE TABLE t (x TEXT);"
                        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
                        "  WHERE i < 200) "
                        "INSERT INTO t SELECT printf ('%0300d', i) FROM c;");
  wal = lia_test_read_file (wal_path);
  w = g_bytes_get_data (wal, &wal_len);
  for (gsize at = 32; at + frame_size <= wal_len; at += frame_size)
    {
      guint32 page = ((guint32) w[at] << 24) | ((guint32) w[at + 1] << 16)
                     | ((guint32) w[at + 2] << 8) | w[at + 3];

      g_hash_table_insert (last_frame, GUINT_TO_POINTER (page), GSIZE_TO_POINTER (at + 24));
    }
  g_assert_cmpuint (g_hash_table_size (last_frame), >, 10);

  lia_test_exec (store, "PRAGMA wal_checkpoint(PASSIVE);");
  db = lia_test_read_file (db_path);
  d = g_bytes_get_data (db, &db_len);

  g_hash_table_iter_init (&iter, last_frame);
  while (g_hash_table_iter_next (&iter, &pgno, &offset))
    {
      const guint8 *image = w + GPOINTER_TO_SIZE (offset);
      const guint8 *page = d + (GPOINTER_TO_SIZE (pgno) - 1) * LIA_CRYPT_PAGE_SIZE;

      g_assert_cmpmem (page, mac_at, image, mac_at);
      g_assert_true (sodium_is_zero (page + mac_at, LIA_CRYPT_FRAME_MAC_BYTES));
      g_assert_false (sodium_is_zero (image + mac_at, LIA_CRYPT_FRAME_MAC_BYTES));
      compared++;
    }
  g_assert_cmpuint (compared, ==, g_hash_table_size (last_frame));
  g_hash_table_unref (last_frame);

  /* And the store reads back whole. */
  lia_store_lock (store);
  {
    g_autoptr (GError) error = NULL;

    g_assert_true (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
    g_assert_true (lia_store_check (store, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM t"), ==, 200);
  }
}

static void
log_cb (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  GPtrArray *messages = user_data;

  g_ptr_array_add (messages, g_strdup (message));
}

/* SQLite is set up before first use: its memory is wiped when freed, and
 * its log, with this VFS's reports, reaches GLib's log. */
static void
test_sqlite_setup (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Logged Council");
  g_autofree char *db_path = db_path_of (store);
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  guint handler;
  guint8 byte = 0xa5;
  gboolean found = FALSE;

  g_assert_true (lia_crypt_vfs_wipes_freed_memory ());

  lia_store_lock (store);
  lia_test_write_at (db_path, LIA_CRYPT_PAGE_SIZE + 10, &byte, 1);
  handler = g_log_set_handler ("Liaison-SQLite", G_LOG_LEVEL_MASK, log_cb, messages);
  g_assert_false (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
  g_log_remove_handler ("Liaison-SQLite", handler);
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_TAMPERED);

  for (guint i = 0; i < messages->len; i++)
    found |= strstr (messages->pdata[i], "page 2 of the database failed authentication") != NULL;
  g_assert_true (found);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/vfs/no-key-no-file", test_no_key_no_file);
  g_test_add_func ("/vfs/plain-sqlite-sees-nothing", test_plain_sqlite_sees_nothing);
  g_test_add_func ("/vfs/temporary-files-in-memory", test_temporary_files_in_memory);
  g_test_add_func ("/vfs/rollback-journal-refused", test_rollback_journal_refused);
  g_test_add_func ("/vfs/revoked-keys-stop-io", test_revoked_keys_stop_io);
  g_test_add_func ("/vfs/checkpoint-copies-sealed-pages", test_checkpoint_copies_sealed_pages);
  g_test_add_func ("/vfs/sqlite-setup", test_sqlite_setup);

  return g_test_run ();
}
