/* test-store.c: creating, unlocking, locking and rekeying a store; its
 * identity; concurrent connections; key-file failures.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "lia-db.h"
#include "lia-keyfile.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

static char *
store_path (LiaStore *store, const char *name)
{
  return g_build_filename (lia_store_get_directory (store), name, NULL);
}

static void
test_create (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Example County Council");
  g_autofree char *db = store_path (store, LIA_STORE_DB_NAME);
  g_autofree char *key = store_path (store, LIA_STORE_KEY_NAME);
  g_autofree char *fingerprint = lia_store_dup_fingerprint (store);
  GStatBuf st;

  g_assert_false (lia_store_is_locked (store));
  g_assert_true (lia_store_exists (store));
  g_assert_cmpstr (lia_store_get_org_name (store), ==, "Example County Council");
  g_assert_cmpint (lia_store_get_org_kind (store), ==, LIA_ORG_KIND_LOCAL_AUTHORITY);
  g_assert_cmpuint (g_bytes_get_size (lia_store_get_identity_public_key (store)), ==, 32);
  g_assert_cmpuint (g_bytes_get_size (lia_store_get_box_public_key (store)), ==, 32);
  g_assert_cmpuint (g_bytes_get_size (lia_store_get_curve_public_key (store)), ==, 32);
  g_assert_false (g_bytes_equal (lia_store_get_box_public_key (store),
                                 lia_store_get_curve_public_key (store)));
  g_assert_cmpuint (strlen (fingerprint), ==, 49);

  /* Only the owner can read any of it. */
  g_assert_cmpint (g_stat (lia_store_get_directory (store), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (db, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (key, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_identity_survives_reopen (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Thames Valley Police");
  g_autoptr (GBytes) sign = g_bytes_ref (lia_store_get_identity_public_key (store));
  g_autoptr (GBytes) box = g_bytes_ref (lia_store_get_box_public_key (store));
  g_autoptr (GBytes) curve = g_bytes_ref (lia_store_get_curve_public_key (store));
  g_autoptr (LiaStore) again = NULL;
  g_autoptr (GError) error = NULL;

  lia_store_lock (store);
  again = lia_store_open (lia_store_get_directory (store), LIA_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lia_store_get_org_name (again), ==, "Thames Valley Police");
  g_assert_true (g_bytes_equal (sign, lia_store_get_identity_public_key (again)));
  g_assert_true (g_bytes_equal (box, lia_store_get_box_public_key (again)));
  g_assert_true (g_bytes_equal (curve, lia_store_get_curve_public_key (again)));
}

static void
test_invalid_names (void)
{
  const char *const bad[] = { "", "   ", "Tab\there", "Line\nbreak" };
  g_autofree char *long_name = g_strnfill (201, 'x');
  g_autofree char *dir = lia_test_make_dir ("invalid");

  for (guint i = 0; i <= G_N_ELEMENTS (bad); i++)
    {
      const char *name = i < G_N_ELEMENTS (bad) ? bad[i] : long_name;
      g_autofree char *sub = g_strdup_printf ("%s/%u", dir, i);
      g_autoptr (LiaStore) store = lia_store_new (sub);
      g_autoptr (GError) error = NULL;

      g_assert_false (lia_store_create (store, name, LIA_ORG_KIND_ICB, LIA_TEST_PASSPHRASE, NULL,
                                        &error));
      g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID);
      g_assert_false (lia_store_exists (store));
    }
}

static void
test_wrong_passphrase (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Wrong Passphrase Council");
  g_autofree char *dir = g_strdup (lia_store_get_directory (store));
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (GError) error = NULL;

  lia_store_lock (store);
  before = lia_test_hash_dir (dir);
  g_assert_false (lia_store_unlock (store, "correct horsf", NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_WRONG_PASSPHRASE);
  g_assert_true (lia_store_is_locked (store));
  lia_test_assert_dir_unchanged (before, dir);

  /* The right one still works. */
  g_clear_error (&error);
  g_assert_true (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
  g_assert_no_error (error);
}

static void
test_not_found (void)
{
  g_autofree char *dir = lia_test_make_dir ("empty");
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaStore) store = lia_store_open (dir, LIA_TEST_PASSPHRASE, NULL, &error);

  g_assert_null (store);
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NOT_FOUND);
}

static void
locked_notify_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_lock_and_reopen (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Lock Council");
  g_autoptr (GError) error = NULL;
  guint notifications = 0;

  lia_test_exec (store, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
                        "INSERT INTO notes (body) VALUES ('first'), ('second');");
  g_signal_connect (store, "notify::locked", G_CALLBACK (locked_notify_cb), &notifications);

  lia_store_lock (store);
  g_assert_true (lia_store_is_locked (store));
  g_assert_null (lia_store_get_db (store));
  g_assert_cmpuint (notifications, ==, 1);
  g_assert_false (lia_store_exec (store, "SELECT 1", &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_false (lia_store_check (store, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED);
  g_clear_error (&error);

  /* Locking twice is harmless. */
  lia_store_lock (store);
  g_assert_cmpuint (notifications, ==, 1);

  g_assert_true (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (notifications, ==, 2);
  g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM notes"), ==, 2);
  g_assert_cmpstr (lia_store_get_org_name (store), ==, "Lock Council");
}

static void
test_hardening_while_unlocked (void)
{
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GError) error = NULL;
  struct rlimit limit;

  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 1);
  store = lia_test_create_store ("Hardened Council");
  g_assert_cmpint (getrlimit (RLIMIT_CORE, &limit), ==, 0);
  g_assert_cmpuint (limit.rlim_cur, ==, 0);
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 0);

  lia_store_lock (store);
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 1);

  g_assert_true (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 0);
  g_clear_object (&store);
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 1);
}

static void
test_change_passphrase (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Rekey Council");
  g_autofree char *db = store_path (store, LIA_STORE_DB_NAME);
  g_autofree char *key = store_path (store, LIA_STORE_KEY_NAME);
  g_autoptr (GBytes) db_before = NULL;
  g_autoptr (GBytes) key_before = NULL;
  g_autoptr (GBytes) db_after = NULL;
  g_autoptr (GBytes) key_after = NULL;
  g_autoptr (GError) error = NULL;

  lia_test_exec (store, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('kept');");
  lia_store_lock (store);
  db_before = lia_test_read_file (db);
  key_before = lia_test_read_file (key);

  g_assert_true (lia_store_change_passphrase (store, LIA_TEST_PASSPHRASE, "battery staple", NULL,
                                              &error));
  g_assert_no_error (error);
  db_after = lia_test_read_file (db);
  key_after = lia_test_read_file (key);
  g_assert_true (g_bytes_equal (db_before, db_after));
  g_assert_false (g_bytes_equal (key_before, key_after));

  g_assert_false (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_true (lia_store_unlock (store, "battery staple", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM notes"), ==, 1);

  /* Works while unlocked too, and needs the current passphrase. */
  g_assert_false (lia_store_change_passphrase (store, LIA_TEST_PASSPHRASE, "x", NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  g_assert_true (lia_store_change_passphrase (store, "battery staple", "third", NULL, &error));
  g_assert_no_error (error);
  g_assert_false (lia_store_is_locked (store));
}

static void
test_change_passphrase_refused (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Refused Council");
  g_autofree char *dir = g_strdup (lia_store_get_directory (store));
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (GError) error = NULL;

  lia_store_lock (store);
  before = lia_test_hash_dir (dir);

  g_assert_false (lia_store_change_passphrase (store, LIA_TEST_PASSPHRASE, "", NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EMPTY_PASSPHRASE);
  g_clear_error (&error);
  g_assert_false (lia_store_change_passphrase (store, "not it", "new", NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_WRONG_PASSPHRASE);
  lia_test_assert_dir_unchanged (before, dir);
}

/* ---- async ---- */

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} AsyncWait;

static void
async_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncWait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static GAsyncResult *
wait_for_result (AsyncWait *wait)
{
  g_main_loop_run (wait->loop);
  return wait->result;
}

static void
test_async (void)
{
  g_autofree char *parent = lia_test_make_dir ("async");
  g_autofree char *dir = g_build_filename (parent, "liaison", NULL);
  g_autoptr (LiaStore) store = lia_store_new (dir);
  g_autoptr (LiaStore) opened = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GError) error = NULL;
  AsyncWait wait = { loop, NULL };
  g_autoptr (GAsyncResult) result = NULL;

  lia_store_create_async (store, "Async ICB", LIA_ORG_KIND_ICB, "pass one", NULL, async_done_cb,
                          &wait);
  /* The caller's thread is free while the key is derived. */
  g_assert_true (lia_store_is_locked (store));
  result = wait_for_result (&wait);
  g_assert_true (lia_store_create_finish (store, result, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (lia_store_get_org_name (store), ==, "Async ICB");
  g_clear_object (&result);

  lia_store_change_passphrase_async (store, "pass one", "pass two", NULL, async_done_cb, &wait);
  result = wait_for_result (&wait);
  g_assert_true (lia_store_change_passphrase_finish (store, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  lia_store_lock (store);

  lia_store_unlock_async (store, "pass one", NULL, async_done_cb, &wait);
  result = wait_for_result (&wait);
  g_assert_false (lia_store_unlock_finish (store, result, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_WRONG_PASSPHRASE);
  g_assert_true (lia_store_is_locked (store));
  g_clear_error (&error);
  g_clear_object (&result);

  lia_store_open_async (dir, "pass two", NULL, async_done_cb, &wait);
  result = wait_for_result (&wait);
  opened = lia_store_open_finish (result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (opened);
  g_assert_cmpint (lia_store_get_org_kind (opened), ==, LIA_ORG_KIND_ICB);
}

static void
test_async_cancelled (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Cancelled Council");
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  AsyncWait wait = { loop, NULL };

  lia_store_lock (store);
  g_cancellable_cancel (cancellable);
  lia_store_unlock_async (store, LIA_TEST_PASSPHRASE, cancellable, async_done_cb, &wait);
  result = wait_for_result (&wait);
  g_assert_false (lia_store_unlock_finish (store, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (lia_store_is_locked (store));
}

/* ---- a reader thread and a writer thread ---- */

#define WRITER_TRANSACTIONS 200
#define ROWS_PER_TRANSACTION 10

typedef struct
{
  LiaStore *store;
  gint      writer_done;
  gint      reads;
} ThreadsData;

static gpointer
writer_thread (gpointer user_data)
{
  ThreadsData *data = user_data;
  sqlite3 *db = lia_store_get_db (data->store);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO events (txn, body) VALUES (?, ?)", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  for (int t = 0; t < WRITER_TRANSACTIONS; t++)
    {
      g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
      for (int r = 0; r < ROWS_PER_TRANSACTION; r++)
        {
          sqlite3_bind_int (stmt, 1, t);
          sqlite3_bind_text (stmt, 2, "some body text that fills a little of a page", -1,
                             SQLITE_STATIC);
          g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
          sqlite3_reset (stmt);
        }
      g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
    }
  sqlite3_finalize (stmt);
  g_atomic_int_set (&data->writer_done, 1);
  return NULL;
}

static gpointer
reader_thread (gpointer user_data)
{
  ThreadsData *data = user_data;
  g_autoptr (GError) error = NULL;
  sqlite3 *db = lia_store_open_connection (data->store, &error);
  sqlite3_stmt *stmt = NULL;
  gint64 last = 0;
  gboolean done = FALSE;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*), count(DISTINCT txn) FROM events",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (!done)
    {
      gint64 rows, transactions;

      /* Read once more after the writer finished, to see its last commit. */
      done = g_atomic_int_get (&data->writer_done);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      rows = sqlite3_column_int64 (stmt, 0);
      transactions = sqlite3_column_int64 (stmt, 1);
      sqlite3_reset (stmt);

      /* Whole transactions only, and never going backwards. */
      g_assert_cmpint (rows, ==, transactions * ROWS_PER_TRANSACTION);
      g_assert_cmpint (rows, >=, last);
      last = rows;
      g_atomic_int_inc (&data->reads);
    }
  g_assert_cmpint (last, ==, WRITER_TRANSACTIONS * ROWS_PER_TRANSACTION);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  return NULL;
}

static void
test_reader_and_writer_threads (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Threaded Council");
  ThreadsData data = { store, 0, 0 };
  GThread *writer, *reader;
  g_autoptr (GError) error = NULL;

  lia_test_exec (store, "CREATE TABLE events (id INTEGER PRIMARY KEY, txn INTEGER, body TEXT)");
  reader = g_thread_new ("reader", reader_thread, &data);
  writer = g_thread_new ("writer", writer_thread, &data);
  g_thread_join (writer);
  g_thread_join (reader);
  g_assert_cmpint (g_atomic_int_get (&data.reads), >, 1);
  g_assert_true (lia_store_check (store, NULL, &error));
  g_assert_no_error (error);
}

/* ---- siblings: a second handle for another thread ---- */

static gint64
query_int (LiaStore *store, const char *sql)
{
  return lia_test_query_int (store, sql);
}

static void
test_sibling_shares_the_store (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Sibling Council");
  g_autoptr (LiaStore) sibling = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *fingerprint = NULL, *sibling_fingerprint = NULL;
  LiaOrgPublicKeys keys, sibling_keys;

  sibling = lia_store_open_sibling (store, &error);
  g_assert_no_error (error);
  g_assert_false (lia_store_is_locked (sibling));
  g_assert_cmpstr (lia_store_get_directory (sibling), ==, lia_store_get_directory (store));
  g_assert_cmpstr (lia_store_get_org_name (sibling), ==, "Sibling Council");
  fingerprint = lia_store_dup_fingerprint (store);
  sibling_fingerprint = lia_store_dup_fingerprint (sibling);
  g_assert_cmpstr (sibling_fingerprint, ==, fingerprint);
  lia_store_get_public_keys (store, &keys);
  lia_store_get_public_keys (sibling, &sibling_keys);
  g_assert_cmpmem (&keys, sizeof keys, &sibling_keys, sizeof sibling_keys);
  /* Its own connection, its own copies of the secrets. */
  g_assert_true (lia_store_get_db (sibling) != lia_store_get_db (store));
  g_assert_true (lia_store_get_sign_secret (sibling) != lia_store_get_sign_secret (store));
  g_assert_true (lia_secret_equal (lia_store_get_sign_secret (sibling),
                                   lia_store_get_sign_secret (store)));
  g_assert_true (lia_secret_equal (lia_store_get_curve_secret (sibling),
                                   lia_store_get_curve_secret (store)));

  /* Each sees what the other commits. */
  lia_test_exec (store, "CREATE TABLE t (v INTEGER)");
  lia_test_exec (sibling, "INSERT INTO t VALUES (1)");
  g_assert_cmpint (query_int (store, "SELECT sum (v) FROM t"), ==, 1);
  lia_test_exec (store, "INSERT INTO t VALUES (2)");
  g_assert_cmpint (query_int (sibling, "SELECT sum (v) FROM t"), ==, 3);

  /* Locking the sibling leaves the original as it was. */
  lia_store_lock (sibling);
  g_assert_true (lia_store_is_locked (sibling));
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 0);
  lia_test_exec (store, "INSERT INTO t VALUES (4)");
  g_assert_cmpint (query_int (store, "SELECT sum (v) FROM t"), ==, 7);
  g_assert_true (lia_store_check (store, NULL, &error));
  g_assert_no_error (error);
}

static void
test_sibling_of_locked_store (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Locked Council");
  g_autoptr (LiaStore) sibling = NULL;
  g_autoptr (GError) error = NULL;

  lia_store_lock (store);
  sibling = lia_store_open_sibling (store, &error);
  g_assert_null (sibling);
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED);
}

/* The original locked first: the sibling's reads and writes fail with a
 * store error (its key is gone), and nothing is damaged. The hardening stays while the sibling
 * holds secrets. */
static void
test_sibling_outlived_by_lock (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Outlived Council");
  g_autoptr (LiaStore) sibling = NULL;
  g_autoptr (GError) error = NULL;

  lia_test_exec (store, "CREATE TABLE t (v INTEGER)");
  sibling = lia_store_open_sibling (store, &error);
  g_assert_no_error (error);
  lia_store_lock (store);
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 0);
  g_assert_false (lia_store_exec (sibling, "INSERT INTO t VALUES (1)", &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == LIA_STORE_ERROR);
  g_clear_error (&error);
  g_clear_object (&sibling);
  g_assert_cmpint (prctl (PR_GET_DUMPABLE, 0, 0, 0, 0), ==, 1);

  g_assert_true (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM t"), ==, 0);
  g_assert_true (lia_store_check (store, NULL, &error));
  g_assert_no_error (error);
}

typedef struct
{
  LiaStore *sibling;
  int       rows;
} SiblingThreadData;

static gpointer
sibling_writer_thread (gpointer user_data)
{
  SiblingThreadData *data = user_data;
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < data->rows; i++)
    {
      g_assert_true (lia_store_exec (data->sibling, "INSERT INTO t VALUES (1)", &error));
      g_assert_no_error (error);
    }
  return NULL;
}

/* The point of a sibling: another thread writes through it while this one
 * writes through the original. */
static void
test_sibling_in_another_thread (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Busy Council");
  g_autoptr (GError) error = NULL;
  SiblingThreadData data = { NULL, 200 };
  GThread *thread;

  lia_test_exec (store, "CREATE TABLE t (v INTEGER)");
  data.sibling = lia_store_open_sibling (store, &error);
  g_assert_no_error (error);
  thread = g_thread_new ("sibling", sibling_writer_thread, &data);
  for (int i = 0; i < 200; i++)
    lia_test_exec (store, "INSERT INTO t VALUES (2)");
  g_thread_join (thread);
  g_clear_object (&data.sibling);
  g_assert_cmpint (query_int (store, "SELECT sum (v) FROM t"), ==, 600);
  g_assert_true (lia_store_check (store, NULL, &error));
  g_assert_no_error (error);
}

/* ---- key file failures ---- */

static void
test_key_file_failures (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Key File Council");
  g_autofree char *dir = g_strdup (lia_store_get_directory (store));
  g_autofree char *key = store_path (store, LIA_STORE_KEY_NAME);
  g_autofree char *moved = g_strconcat (key, ".moved", NULL);
  g_autoptr (GBytes) original = NULL;
  struct
  {
    const char *what;
    gsize       len;
    int         version;
    int         code;
  } cases[] = {
    { "missing", 0, 0, LIA_STORE_ERROR_KEY_FILE_MISSING },
    { "truncated", 100, 1, LIA_STORE_ERROR_KEY_FILE_DAMAGED },
    { "empty", 0, 1, LIA_STORE_ERROR_KEY_FILE_DAMAGED },
    { "unknown version", LIA_KEYFILE_SIZE, 7, LIA_STORE_ERROR_KEY_FILE_VERSION },
  };

  lia_store_lock (store);
  original = lia_test_read_file (key);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GHashTable) before = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (LiaStore) opened = NULL;

      if (cases[i].version == 0)
        g_assert_cmpint (g_rename (key, moved), ==, 0);
      else
        {
          guint8 *bytes = g_memdup2 (g_bytes_get_data (original, NULL), LIA_KEYFILE_SIZE);

          bytes[8] = (guint8) cases[i].version;
          g_assert_true (g_file_set_contents (key, (char *) bytes, cases[i].len, NULL));
          g_free (bytes);
        }
      before = lia_test_hash_dir (dir);

      opened = lia_store_open (dir, LIA_TEST_PASSPHRASE, NULL, &error);
      g_test_message ("%s: %s", cases[i].what, error ? error->message : "(opened)");
      g_assert_null (opened);
      g_assert_error (error, LIA_STORE_ERROR, cases[i].code);
      lia_test_assert_dir_unchanged (before, dir);

      if (cases[i].version == 0)
        g_assert_cmpint (g_rename (moved, key), ==, 0);
    }

  /* Put back, the store opens with everything in it. */
  g_assert_true (g_file_set_contents (key, g_bytes_get_data (original, NULL),
                                      g_bytes_get_size (original), NULL));
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LiaStore) opened = lia_store_open (dir, LIA_TEST_PASSPHRASE, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (lia_store_get_org_name (opened), ==, "Key File Council");
  }
}

static void
test_database_missing (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Missing Database Council");
  g_autofree char *db = store_path (store, LIA_STORE_DB_NAME);
  g_autoptr (GError) error = NULL;

  lia_store_lock (store);
  g_assert_cmpint (g_unlink (db), ==, 0);
  g_assert_false (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NOT_FOUND);
  /* Nothing was silently recreated in its place. */
  g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
}

/* ---- prepared statements kept for reuse ---------------------------------- */

/* A statement given back is the one the next prepare of its SQL gets:
 * reset (no transaction held open, another connection can write and it
 * sees that) and without its bindings; two users at once get two. */
static void
test_statements_reused (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Cache Council");
  g_autoptr (LiaStore) sibling = NULL;
  g_autoptr (GError) error = NULL;
  sqlite3 *db = lia_store_get_db (store);
  const char *sql = "SELECT ?1, (SELECT count (*) FROM t)";
  sqlite3_stmt *first, *second, *again;

  lia_test_exec (store, "CREATE TABLE t (v INTEGER)");
  sibling = lia_store_open_sibling (store, &error);
  g_assert_no_error (error);

  first = lia_db_prepare (db, sql, &error);
  g_assert_no_error (error);
  sqlite3_bind_int (first, 1, 42);
  g_assert_cmpint (sqlite3_step (first), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (first, 0), ==, 42);
  /* In use: the same SQL now is another statement. */
  second = lia_db_prepare (db, sql, &error);
  g_assert_true (second != first);
  /* Given back mid-read: reset, so the sibling's write is seen next. */
  lia_db_release (first);
  lia_test_exec (sibling, "INSERT INTO t VALUES (1)");
  again = lia_db_prepare (db, sql, &error);
  g_assert_true (again == first);
  g_assert_false (sqlite3_stmt_busy (again));
  g_assert_cmpint (sqlite3_step (again), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_type (again, 0), ==, SQLITE_NULL);
  g_assert_cmpint (sqlite3_column_int (again, 1), ==, 1);
  /* One kept per SQL: the second given back while the first is kept is
   * finalised (ASan would see it leak otherwise). */
  lia_db_release (again);
  lia_db_release (second);
  lia_db_release (NULL);
}

/* The store's connection closes, kept statements and all, when it is
 * locked (lia_db_cache_disable() before sqlite3_close(): the close
 * would fail with statements left, which is a critical); a connection
 * that did not ask for it keeps nothing. */
static void
test_statements_closed_with_the_store (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Cache Council");
  g_autoptr (GError) error = NULL;
  sqlite3 *other = lia_store_open_connection (store, &error);
  sqlite3_stmt *stmt, *again;

  g_assert_no_error (error);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (sqlite3_stmt) kept = lia_db_prepare (lia_store_get_db (store),
                                                      "SELECT count (*) FROM sqlite_schema",
                                                      &error);

      g_assert_no_error (error);
      g_assert_cmpint (sqlite3_step (kept), ==, SQLITE_ROW);
    }
  stmt = lia_db_prepare (other, "SELECT 1", &error);
  g_assert_no_error (error);
  lia_db_release (stmt);
  again = lia_db_prepare (other, "SELECT 1", &error);
  lia_db_release (again);
  g_assert_cmpint (sqlite3_close (other), ==, SQLITE_OK);

  lia_store_lock (store);
  g_assert_true (lia_store_is_locked (store));
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/store/create/basic", test_create);
  g_test_add_func ("/store/create/invalid-names", test_invalid_names);
  g_test_add_func ("/store/open/identity-survives", test_identity_survives_reopen);
  g_test_add_func ("/store/open/wrong-passphrase", test_wrong_passphrase);
  g_test_add_func ("/store/open/not-found", test_not_found);
  g_test_add_func ("/store/open/database-missing", test_database_missing);
  g_test_add_func ("/store/open/key-file-failures", test_key_file_failures);
  g_test_add_func ("/store/lock/reopen", test_lock_and_reopen);
  g_test_add_func ("/store/lock/hardening", test_hardening_while_unlocked);
  g_test_add_func ("/store/passphrase/change", test_change_passphrase);
  g_test_add_func ("/store/passphrase/refused", test_change_passphrase_refused);
  g_test_add_func ("/store/async/create-rekey-unlock-open", test_async);
  g_test_add_func ("/store/async/cancelled", test_async_cancelled);
  g_test_add_func ("/store/threads/reader-writer", test_reader_and_writer_threads);
  g_test_add_func ("/store/sibling/shares-the-store", test_sibling_shares_the_store);
  g_test_add_func ("/store/sibling/locked", test_sibling_of_locked_store);
  g_test_add_func ("/store/sibling/outlived-by-lock", test_sibling_outlived_by_lock);
  g_test_add_func ("/store/sibling/another-thread", test_sibling_in_another_thread);
  g_test_add_func ("/store/statements/reused", test_statements_reused);
  g_test_add_func ("/store/statements/closed-with-the-store", test_statements_closed_with_the_store);

  return g_test_run ();
}
