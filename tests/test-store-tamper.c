/* test-store-tamper.c: a damaged or tampered store is reported as such,
 * never read as data, never a crash, and never "repaired" on disk.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "lia-crypt-vfs.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

#define PAGE LIA_CRYPT_PAGE_SIZE
#define ROWS 400

/* A locked store with a few dozen pages: the identity and a table of rows
 * that each carry their own number, so a read can be checked. */
static LiaStore *
make_locked_store (const char *name)
{
  LiaStore *store = lia_test_create_store (name);

  lia_test_exec (store, "CREATE TABLE rows (n INTEGER PRIMARY KEY, body TEXT NOT NULL);"
                        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
                        "  WHERE i < " G_STRINGIFY (ROWS) ") "
                        "INSERT INTO rows SELECT i, printf ('%0400d', i) FROM c;");
  lia_store_lock (store);
  return store;
}

static char *
db_path_of (LiaStore *store)
{
  return g_build_filename (lia_store_get_directory (store), LIA_STORE_DB_NAME, NULL);
}

static guint
page_count (const char *path)
{
  g_autoptr (GBytes) bytes = lia_test_read_file (path);

  g_assert_cmpuint (g_bytes_get_size (bytes) % PAGE, ==, 0);
  return (guint) (g_bytes_get_size (bytes) / PAGE);
}

/* Unlocks the store and reads everything in it. The damage must surface as
 * LIA_STORE_ERROR_TAMPERED, in the unlock, the read or the check; and the
 * check, if reached, must name @page. Then the files must be exactly as the
 * damage left them. */
static void
assert_tamper_detected (LiaStore *store, guint page)
{
  g_autoptr (GHashTable) before = lia_test_hash_dir (lia_store_get_directory (store));
  g_autoptr (GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("page %u of the database", page);

  if (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error))
    {
      sqlite3_stmt *stmt = NULL;
      int rc = sqlite3_prepare_v2 (lia_store_get_db (store), "SELECT n, body FROM rows", -1,
                                   &stmt, NULL);

      /* Whatever rows come back before the damaged page are authentic;
       * the read must stop with an error, not hand over a forged row. */
      while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          g_autofree char *want = g_strdup_printf ("%0400d", sqlite3_column_int (stmt, 0));

          g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 1), ==, want);
          rc = SQLITE_OK;
        }
      sqlite3_finalize (stmt);
      if (rc != SQLITE_DONE)
        {
          g_assert_cmpint (rc, ==, SQLITE_IOERR_AUTH);
          g_assert_false (lia_store_set_sqlite_error (&error, lia_store_get_db (store), rc,
                                                      "Reading"));
          g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_TAMPERED);
          g_clear_error (&error);
        }

      g_assert_false (lia_store_check (store, NULL, &error));
      lia_store_lock (store);
    }
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_TAMPERED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, expected));
  lia_test_assert_dir_unchanged (before, lia_store_get_directory (store));
}

static void
test_flipped_byte (void)
{
  g_autoptr (LiaStore) store = make_locked_store ("Flip Council");
  g_autofree char *db = db_path_of (store);
  guint n_pages = page_count (db);
  g_autoptr (GBytes) pristine = lia_test_read_file (db);
  /* Page 1 (SQLite's header), the schema's pages, a data page, the last
   * page; in the ciphertext, the nonce and the tag. */
  const struct
  {
    guint page;
    guint offset;
  } cases[] = {
    { 1, 0 }, { 1, 99 }, { 2, 1000 }, { 3, PAGE - 40 }, { 4, PAGE - 1 },
    { n_pages / 2, 2048 }, { n_pages, 17 },
  };

  g_assert_cmpuint (n_pages, >, 10);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      goffset at = (goffset) (cases[i].page - 1) * PAGE + cases[i].offset;
      guint8 byte = ((const guint8 *) g_bytes_get_data (pristine, NULL))[at] ^ 0x20;

      g_test_message ("flipping a bit of byte %u of page %u", cases[i].offset, cases[i].page);
      lia_test_write_at (db, at, &byte, 1);
      assert_tamper_detected (store, cases[i].page);
      g_assert_true (g_file_set_contents (db, g_bytes_get_data (pristine, NULL),
                                          g_bytes_get_size (pristine), NULL));
    }

  /* Restored, the store is whole. */
  {
    g_autoptr (GError) error = NULL;

    g_assert_true (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
    g_assert_true (lia_store_check (store, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM rows"), ==, ROWS);
  }
}

static void
swap_pages (const char *path, guint a, guint b)
{
  g_autoptr (GBytes) bytes = lia_test_read_file (path);
  const guint8 *data = g_bytes_get_data (bytes, NULL);

  lia_test_write_at (path, (goffset) (a - 1) * PAGE, data + (gsize) (b - 1) * PAGE, PAGE);
  lia_test_write_at (path, (goffset) (b - 1) * PAGE, data + (gsize) (a - 1) * PAGE, PAGE);
}

static void
test_swapped_pages (void)
{
  g_autoptr (LiaStore) store = make_locked_store ("Swap Council");
  g_autofree char *db = db_path_of (store);
  guint n_pages = page_count (db);

  swap_pages (db, 5, n_pages - 1);
  assert_tamper_detected (store, 5);
}

static void
test_swapped_first_pages (void)
{
  g_autoptr (LiaStore) store = make_locked_store ("Swap First Council");
  g_autofree char *db = db_path_of (store);

  swap_pages (db, 1, 2);
  assert_tamper_detected (store, 1);
}

static void
test_page_from_another_store (void)
{
  /* Same passphrase, same schema, same rows: only the keys differ. */
  g_autoptr (LiaStore) store = make_locked_store ("Victim Council");
  g_autoptr (LiaStore) other = make_locked_store ("Other Council");
  g_autofree char *db = db_path_of (store);
  g_autofree char *other_db = db_path_of (other);
  g_autoptr (GBytes) foreign = lia_test_read_file (other_db);

  lia_test_write_at (db, 6 * PAGE, (const guint8 *) g_bytes_get_data (foreign, NULL) + 6 * PAGE,
                     PAGE);
  assert_tamper_detected (store, 7);
}

static void
test_truncated_database (void)
{
  g_autoptr (LiaStore) store = make_locked_store ("Truncated Council");
  g_autofree char *db = db_path_of (store);
  guint n_pages = page_count (db);

  g_assert_cmpint (truncate (db, (goffset) (n_pages - 1) * PAGE + 100), ==, 0);
  assert_tamper_detected (store, n_pages);
}

static void
test_zeroed_page (void)
{
  g_autoptr (LiaStore) store = make_locked_store ("Zeroed Council");
  g_autofree char *db = db_path_of (store);
  g_autofree guint8 *zeros = g_malloc0 (PAGE);

  /* All zeros is not an "empty page" to be taken on trust. */
  lia_test_write_at (db, 8 * PAGE, zeros, PAGE);
  assert_tamper_detected (store, 9);
}

/* The WAL of a store that was never closed, as a crash leaves it. */
static void
test_tampered_wal_frame (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("WAL Council");
  g_autofree char *dir = g_strdup (lia_store_get_directory (store));
  g_autofree char *copy_parent = lia_test_make_dir ("crashed");
  g_autofree char *copy = g_build_filename (copy_parent, "liaison", NULL);
  const char *const names[] = { LIA_STORE_DB_NAME, LIA_STORE_DB_NAME "-wal",
                                LIA_STORE_KEY_NAME };
  g_autofree char *wal = g_build_filename (copy, LIA_STORE_DB_NAME "-wal", NULL);
  g_autoptr (GBytes) wal_bytes = NULL;
  g_autoptr (LiaStore) crashed = NULL;
  g_autoptr (GError) error = NULL;
  guint8 byte;

  lia_test_exec (store, "PRAGMA wal_autocheckpoint = 0;"
                        "CREATE TABLE rows (n INTEGER PRIMARY KEY, body TEXT NOT NULL);");
  for (int t = 0; t < 10; t++)
    lia_test_exec (store, "INSERT INTO rows (body) VALUES (printf ('%03000d', 7));");

  /* Copy the files while the store is open: a snapshot of a crash. */
  g_assert_cmpint (g_mkdir_with_parents (copy, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *from = g_build_filename (dir, names[i], NULL);
      g_autofree char *to = g_build_filename (copy, names[i], NULL);
      g_autoptr (GBytes) contents = lia_test_read_file (from);

      g_assert_true (g_file_set_contents (to, g_bytes_get_data (contents, NULL),
                                          g_bytes_get_size (contents), NULL));
    }
  g_clear_object (&store);

  /* Damage the page image in frame 2 of at least a dozen. */
  wal_bytes = lia_test_read_file (wal);
  g_assert_cmpuint (g_bytes_get_size (wal_bytes), >, 32 + 12 * (24 + PAGE));
  byte = ((const guint8 *) g_bytes_get_data (wal_bytes, NULL))[32 + (24 + PAGE) + 24 + 500] ^ 1;
  lia_test_write_at (wal, 32 + (24 + PAGE) + 24 + 500, &byte, 1);

  crashed = lia_store_new (copy);
  if (lia_store_unlock (crashed, LIA_TEST_PASSPHRASE, NULL, &error))
    g_assert_false (lia_store_check (crashed, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_TAMPERED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "frame 2 of the write-ahead log"));
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/store/tamper/flipped-byte", test_flipped_byte);
  g_test_add_func ("/store/tamper/swapped-pages", test_swapped_pages);
  g_test_add_func ("/store/tamper/swapped-first-pages", test_swapped_first_pages);
  g_test_add_func ("/store/tamper/page-from-another-store", test_page_from_another_store);
  g_test_add_func ("/store/tamper/truncated-database", test_truncated_database);
  g_test_add_func ("/store/tamper/zeroed-page", test_zeroed_page);
  g_test_add_func ("/store/tamper/wal-frame", test_tampered_wal_frame);

  return g_test_run ();
}
