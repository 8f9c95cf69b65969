/* test-store-faults.c: bad conditions get a clear error and lose nothing.
 *
 * A full disk, a directory the user cannot write, a directory that already
 * holds a store, an empty passphrase: each must fail with its own
 * LiaStoreError code, and must leave every byte of an existing store as it
 * was (or, where nothing existed, leave nothing behind).
 *
 * The disk-full tests use RLIMIT_FSIZE, which makes write() fail with EFBIG
 * beyond a size, as a full disk makes it fail with ENOSPC; they run in a
 * subprocess so that the limit and the ignored SIGXFSZ stay there. The
 * not-writable tests run in a subprocess too, which gives up root first
 * (root writes anywhere, whatever the permission bits say).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "lia-store-private.h"
#include "lia-test-util.h"

#define NOBODY_ID 65534
#define OTHER_PASSPHRASE "battery staple"

/* ---- rows ---------------------------------------------------------------- */

static void
create_rows_table (LiaStore *store)
{
  lia_test_exec (store, "CREATE TABLE rows (id INTEGER PRIMARY KEY, payload BLOB NOT NULL) STRICT");
}

/* The payload of row @id: @len bytes that depend only on @id and @len. */
static guint8 *
make_payload (gint64 id,
              gsize  len)
{
  guint8 *payload = g_malloc (len);
  guint32 state = (guint32) id * 2654435761u + 1;

  for (gsize i = 0; i < len; i++)
    {
      state = state * 1664525u + 1013904223u;
      payload[i] = (guint8) (state >> 24);
    }
  return payload;
}

/* Inserts rows @first..@first+@n-1 of @len bytes each with the prepared
 * statement of the store's connection; returns the SQLite result code of
 * the first insert that fails, or SQLITE_DONE. */
static int
insert_rows (LiaStore *store,
             gint64    first,
             guint     n,
             gsize     len)
{
  sqlite3 *db = lia_store_get_db (store);
  sqlite3_stmt *stmt = NULL;
  int rc = SQLITE_DONE;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO rows (id, payload) VALUES (?, ?)", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < n && rc == SQLITE_DONE; i++)
    {
      g_autofree guint8 *payload = make_payload (first + i, len);

      sqlite3_bind_int64 (stmt, 1, first + i);
      sqlite3_bind_blob (stmt, 2, payload, (int) len, SQLITE_TRANSIENT);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  return rc;
}

/* Commits rows @first..@first+@n-1 in one transaction, asserting success. */
static void
commit_rows (LiaStore *store,
             gint64    first,
             guint     n,
             gsize     len)
{
  lia_test_exec (store, "BEGIN IMMEDIATE");
  g_assert_cmpint (insert_rows (store, first, n, len), ==, SQLITE_DONE);
  lia_test_exec (store, "COMMIT");
}

/* Asserts that the table holds exactly rows 1..@n, each of @len bytes and
 * byte for byte as written. */
static void
assert_rows (LiaStore *store,
             gint64    n,
             gsize     len)
{
  sqlite3_stmt *stmt = NULL;
  gint64 next = 1;
  int rc;

  g_assert_cmpint (sqlite3_prepare_v2 (lia_store_get_db (store),
                                       "SELECT id, payload FROM rows ORDER BY id", -1, &stmt,
                                       NULL), ==, SQLITE_OK);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree guint8 *expected = make_payload (next, len);

      g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, next);
      g_assert_cmpmem (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1),
                       expected, len);
      next++;
    }
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  g_assert_cmpint (next - 1, ==, n);
}

/* Authenticates every page and runs SQLite's integrity check. */
static void
assert_store_checks (LiaStore *store)
{
  g_autoptr (GError) error = NULL;
  guint64 pages = 0;

  lia_store_check (store, &pages, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pages, >, 0);
}

/* Opens the store in @dir with @passphrase, checks it and asserts that it
 * holds rows 1..@n of @len bytes; leaves it locked. */
static void
assert_store_holds (const char *dir,
                    const char *passphrase,
                    gint64      n,
                    gsize       len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaStore) store = lia_store_open (dir, passphrase, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  assert_store_checks (store);
  assert_rows (store, n, len);
  lia_store_lock (store);
}

/* A new store in a new directory with rows 1..@n of @len bytes; locked. */
static char *
make_store_with_rows (const char *parent,
                      gint64      n,
                      gsize       len)
{
  g_autofree char *made = parent == NULL ? lia_test_make_dir ("store") : NULL;
  char *dir = g_build_filename (parent != NULL ? parent : made, "liaison", NULL);
  g_autoptr (LiaStore) store = lia_store_new (dir);
  g_autoptr (GError) error = NULL;

  lia_store_create (store, "Faulty Towers Borough Council", LIA_ORG_KIND_LOCAL_AUTHORITY,
                    LIA_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  create_rows_table (store);
  for (gint64 first = 1; first <= n; first += 10)
    commit_rows (store, first, (guint) MIN (10, n - first + 1), len);
  lia_store_lock (store);
  return dir;
}

/* ---- files and directories ----------------------------------------------- */

static guint
count_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
assert_dir_empty (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  if ((name = g_dir_read_name (d)) != NULL)
    g_error ("%s should be empty but holds %s", dir, name);
}

static goffset
largest_file (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  goffset largest = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;

      g_assert_cmpint (g_stat (path, &st), ==, 0);
      largest = MAX (largest, (goffset) st.st_size);
    }
  return largest;
}

/* Removes @dir and everything in it, two levels deep at most. */
static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  g_chmod (dir, 0700);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_tree (path);
      else
        g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
set_dir_mode (const char *dir,
              int         mode)
{
  g_assert_cmpint (g_chmod (dir, mode), ==, 0);
}

/* ---- subprocesses -------------------------------------------------------- */

static void
print_sqlite_log (const char     *log_domain,
                  GLogLevelFlags  log_level,
                  const char     *message,
                  gpointer        user_data)
{
  g_printerr ("# %s: %s\n", log_domain, message);
}

/* Runs the calling test again in a subprocess and asserts that it passed;
 * returns TRUE in that subprocess, where the test does its work. SQLite's
 * own log of what failed and how (which the library passes to GLib's log)
 * goes to the subprocess's stderr, which ends up in the test's log. */
static gboolean
in_subprocess (void)
{
  if (g_test_subprocess ())
    {
      g_log_set_handler ("Liaison-SQLite",
                         G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG,
                         print_sqlite_log, NULL);
      return TRUE;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  return FALSE;
}

/* Logs an SQLite failure in detail, for the test's log. */
static void
log_sqlite_failure (const char *what,
                    sqlite3    *db,
                    int         rc)
{
  int sys = sqlite3_system_errno (db);

  g_printerr ("# %s: rc %d (%s), extended %d, system errno %d (%s), \"%s\"\n", what, rc,
              sqlite3_errstr (rc), sqlite3_extended_errcode (db), sys, g_strerror (sys),
              sqlite3_errmsg (db));
}

/* ---- a. the disk fills up ------------------------------------------------- */

#define ROW_BYTES     2000
#define BIG_ROW_BYTES 4000
#define N_KEPT        50
/* Rows of the transaction that fails start here, far from the kept ones. */
#define FAILED_FIRST  100000

typedef enum
{
  /* The transaction fits in the page cache: the COMMIT fails. */
  DISK_FULL_AT_COMMIT,
  /* The transaction outgrows the page cache and spills into the WAL: an
   * INSERT fails. */
  DISK_FULL_AT_SPILL,
  /* The transaction commits into the WAL, but the database file cannot
   * grow to take it in: the checkpoint fails. */
  DISK_FULL_AT_CHECKPOINT,
  /* The same, with a limit that is not a whole number of pages, so that
   * the checkpoint's last write stops inside a page (as ENOSPC can on a
   * file system whose blocks are smaller than a page). */
  DISK_FULL_AT_CHECKPOINT_MID_PAGE,
} DiskFullCase;

static void
run_disk_full (DiskFullCase which)
{
  g_autofree char *dir = make_store_with_rows (NULL, N_KEPT, ROW_BYTES);
  g_autoptr (LiaStore) store = lia_store_new (dir);
  g_autoptr (GError) error = NULL;
  sqlite3 *db;
  goffset largest;
  gint64 kept = N_KEPT;
  int rc;

  lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  db = lia_store_get_db (store);

  if (which == DISK_FULL_AT_CHECKPOINT || which == DISK_FULL_AT_CHECKPOINT_MID_PAGE)
    {
      /* A database of about 2 MiB, then 1 MiB more committed to the WAL
       * only: a limit of 2.5 MiB lets the WAL hold it but not the database
       * grow by it. */
      commit_rows (store, kept + 1, 1000, ROW_BYTES);
      kept += 1000;
      lia_test_exec (store, "PRAGMA wal_checkpoint(TRUNCATE)");
      g_assert_cmpint (sqlite3_wal_autocheckpoint (db, 0), ==, SQLITE_OK);
      commit_rows (store, kept + 1, 500, ROW_BYTES);
      kept += 500;
      largest = largest_file (dir);
      g_assert_cmpint (largest, <, 2560 * 1024);
      lia_test_limit_file_size (2560 * 1024 + (which == DISK_FULL_AT_CHECKPOINT_MID_PAGE ? 1000 : 0));

      lia_store_exec (store, "PRAGMA wal_checkpoint(TRUNCATE)", &error);
      if (error != NULL)
        g_printerr ("# checkpoint: %s\n", error->message);
      g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NO_SPACE);
      g_clear_error (&error);
      /* Everything committed is still there for this connection. */
      assert_rows (store, kept, ROW_BYTES);
    }
  else
    {
      /* Just above the largest file: the next few pages still fit. */
      largest = largest_file (dir);
      lia_test_limit_file_size ((rlim_t) largest + 64 * 1024);

      lia_test_exec (store, "BEGIN IMMEDIATE");
      /* About 1.2 MB fits in SQLite's default page cache of about 2 MB;
       * 8 MB does not. */
      rc = insert_rows (store, FAILED_FIRST, which == DISK_FULL_AT_SPILL ? 2000 : 300,
                        BIG_ROW_BYTES);
      if (which == DISK_FULL_AT_SPILL)
        {
          g_assert_cmpint (rc, !=, SQLITE_DONE);
          log_sqlite_failure ("INSERT", db, rc);
          lia_store_set_sqlite_error (&error, db, rc, "Could not save the rows");
        }
      else
        {
          g_assert_cmpint (rc, ==, SQLITE_DONE);
          lia_store_exec (store, "COMMIT", &error);
          if (error != NULL)
            log_sqlite_failure ("COMMIT", db, sqlite3_extended_errcode (db));
        }
      g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NO_SPACE);
      g_clear_error (&error);

      /* SQLite may have rolled the transaction back already. */
      if (!sqlite3_get_autocommit (db))
        lia_test_exec (store, "ROLLBACK");
      g_assert_true (sqlite3_get_autocommit (db));
      g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM rows WHERE id >= "
                                                  G_STRINGIFY (FAILED_FIRST)), ==, 0);
      assert_rows (store, kept, ROW_BYTES);
    }

  /* With space again, the same session goes on working. */
  lia_test_restore_file_size_limit ();
  commit_rows (store, kept + 1, 10, ROW_BYTES);
  kept += 10;
  assert_store_checks (store);
  lia_store_lock (store);

  assert_store_holds (dir, LIA_TEST_PASSPHRASE, kept, ROW_BYTES);
}

static void
test_disk_full_commit (void)
{
  if (in_subprocess ())
    run_disk_full (DISK_FULL_AT_COMMIT);
}

static void
test_disk_full_spill (void)
{
  if (in_subprocess ())
    run_disk_full (DISK_FULL_AT_SPILL);
}

static void
test_disk_full_checkpoint (void)
{
  if (in_subprocess ())
    run_disk_full (DISK_FULL_AT_CHECKPOINT);
}

static void
test_disk_full_checkpoint_mid_page (void)
{
  if (in_subprocess ())
    run_disk_full (DISK_FULL_AT_CHECKPOINT_MID_PAGE);
}

/* Creating a store on a full disk fails with NO_SPACE at whatever point the
 * disk fills, and leaves no half-made store behind. */
static void
test_disk_full_create (void)
{
  static const rlim_t limits[] = {
    0, 100, 4095, 4096, 8192, 12 * 1024, 16 * 1024, 24 * 1024, 32 * 1024 - 1, 32 * 1024,
    40 * 1024, 64 * 1024, 128 * 1024, 1024 * 1024,
  };
  g_autofree char *parent = NULL;
  g_autofree char *failed_dir = NULL;
  guint n_failed = 0;

  if (!in_subprocess ())
    return;

  parent = lia_test_make_dir ("create");
  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      g_autofree char *name = g_strdup_printf ("limit-%u", (guint) limits[i]);
      g_autofree char *dir = g_build_filename (parent, name, NULL);
      g_autoptr (LiaStore) store = lia_store_new (dir);
      g_autoptr (GError) error = NULL;
      gboolean created;

      lia_test_limit_file_size (limits[i]);
      created = lia_store_create (store, "Full Disk District Council",
                                  LIA_ORG_KIND_LOCAL_AUTHORITY, LIA_TEST_PASSPHRASE, NULL,
                                  &error);
      lia_test_restore_file_size_limit ();
      g_printerr ("# create with a file size limit of %u bytes: %s\n", (guint) limits[i],
                  created ? "created" : error->message);

      if (created)
        {
          /* A store made under the limit is whole. */
          g_assert_no_error (error);
          assert_store_checks (store);
          lia_store_lock (store);
          lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error);
          g_assert_no_error (error);
          assert_store_checks (store);
          lia_store_lock (store);
          continue;
        }

      g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NO_SPACE);
      g_assert_true (lia_store_is_locked (store));
      /* Nothing half-made: not a file, not a temporary one. */
      g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
      assert_dir_empty (dir);
      g_assert_false (lia_store_exists (store));
      n_failed++;
      if (failed_dir == NULL)
        failed_dir = g_strdup (dir);
    }
  /* Not even the first page fits in 0 bytes; a whole store does in 1 MiB. */
  g_assert_cmpuint (n_failed, >, 0);

  /* With space again, a store can be made where one failed. */
  {
    g_autoptr (LiaStore) store = lia_store_new (failed_dir);
    g_autoptr (GError) error = NULL;

    lia_store_create (store, "Full Disk District Council", LIA_ORG_KIND_LOCAL_AUTHORITY,
                      LIA_TEST_PASSPHRASE, NULL, &error);
    g_assert_no_error (error);
    create_rows_table (store);
    commit_rows (store, 1, 5, ROW_BYTES);
    lia_store_lock (store);
    assert_store_holds (failed_dir, LIA_TEST_PASSPHRASE, 5, ROW_BYTES);
  }
}

/* Changing the passphrase on a full disk fails with NO_SPACE and leaves the
 * key file, and so the passphrase, as it was. */
static void
test_disk_full_change_passphrase (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GError) error = NULL;

  if (!in_subprocess ())
    return;
  dir = make_store_with_rows (NULL, 5, ROW_BYTES);
  before = lia_test_hash_dir (dir);
  store = lia_store_new (dir);

  /* Less than the key file's 152 bytes. */
  lia_test_limit_file_size (100);
  g_assert_false (lia_store_change_passphrase (store, LIA_TEST_PASSPHRASE, OTHER_PASSPHRASE,
                                               NULL, &error));
  lia_test_restore_file_size_limit ();
  g_printerr ("# change the passphrase with a file size limit of 100 bytes: %s\n",
              error->message);
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NO_SPACE);
  g_clear_error (&error);
  lia_test_assert_dir_unchanged (before, dir);

  g_assert_false (lia_store_unlock (store, OTHER_PASSPHRASE, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_WRONG_PASSPHRASE);
  assert_store_holds (dir, LIA_TEST_PASSPHRASE, 5, ROW_BYTES);
}

/* ---- b. the directory is not writable ------------------------------------ */

/* Gives up root, if the test runs as root, and returns a new directory that
 * the remaining user owns. */
static char *
become_unprivileged (void)
{
  g_autoptr (GError) error = NULL;
  char *base;

  if (geteuid () == 0)
    {
      g_assert_cmpint (setgroups (0, NULL), ==, 0);
      g_assert_cmpint (setgid (NOBODY_ID), ==, 0);
      g_assert_cmpint (setuid (NOBODY_ID), ==, 0);
      g_assert_cmpint (geteuid (), ==, NOBODY_ID);
      g_assert_cmpint (getegid (), ==, NOBODY_ID);
    }
  /* The test's own directories are under a root-only temporary directory,
   * so work in a fresh one of our own. */
  base = g_dir_make_tmp ("liaison-faults-XXXXXX", &error);
  g_assert_no_error (error);
  return base;
}

/* Makes @dir read-only for its owner and makes sure that it took: a process
 * that can still write there would make these tests pass for nothing. */
static void
make_read_only (const char *dir)
{
  g_autofree char *probe = g_build_filename (dir, "probe", NULL);
  int fd;

  set_dir_mode (dir, 0500);
  fd = g_open (probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd >= 0)
    {
      close (fd);
      g_unlink (probe);
      g_error ("%s is mode 0500 but this process can still write there", dir);
    }
  g_assert_cmpint (errno, ==, EACCES);
}

/* Unlocks @store and writes to it: one or the other must fail with
 * NOT_WRITABLE, and a store that unlocks must read rows 1..@n. Leaves the
 * store locked. */
static void
assert_unlock_or_write_not_writable (LiaStore   *store,
                                     gint64      n,
                                     const char *situation)
{
  g_autoptr (GError) error = NULL;

  if (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error))
    {
      assert_rows (store, n, ROW_BYTES);
      lia_store_exec (store, "INSERT INTO rows (id, payload) VALUES (-1, x'00')", &error);
      g_printerr ("# %s: unlocked; a write: %s\n", situation,
                  error != NULL ? error->message : "written");
      g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NOT_WRITABLE);
      assert_rows (store, n, ROW_BYTES);
      lia_store_lock (store);
    }
  else
    {
      g_printerr ("# %s: unlock: %s\n", situation, error->message);
      g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NOT_WRITABLE);
    }
  g_assert_true (lia_store_is_locked (store));
}

static void
test_not_writable_create (void)
{
  g_autofree char *base = NULL;
  g_autofree char *ro = NULL;
  g_autofree char *sub = NULL;

  if (!in_subprocess ())
    return;
  base = become_unprivileged ();
  ro = g_build_filename (base, "read-only", NULL);
  sub = g_build_filename (ro, "liaison", NULL);
  g_assert_cmpint (g_mkdir (ro, 0700), ==, 0);
  make_read_only (ro);

  /* In the read-only directory itself, and in a new directory inside it. */
  {
    const char *dirs[] = { ro, sub };

    for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
      {
        g_autoptr (LiaStore) store = lia_store_new (dirs[i]);
        g_autoptr (GError) error = NULL;

        g_assert_false (lia_store_create (store, "Read Only Council",
                                          LIA_ORG_KIND_LOCAL_AUTHORITY, LIA_TEST_PASSPHRASE,
                                          NULL, &error));
        g_printerr ("# create in %s: %s\n", i == 0 ? "a 0500 directory" : "a new directory "
                    "inside a 0500 one", error->message);
        g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NOT_WRITABLE);
        g_assert_true (lia_store_is_locked (store));
        assert_dir_empty (ro);
        g_assert_false (g_file_test (sub, G_FILE_TEST_EXISTS));
      }
  }

  /* Made writable, the same directory takes a store: the failure was the
   * permission and nothing else. */
  set_dir_mode (ro, 0700);
  {
    g_autoptr (LiaStore) store = lia_store_new (ro);
    g_autoptr (GError) error = NULL;

    lia_store_create (store, "Read Only Council", LIA_ORG_KIND_LOCAL_AUTHORITY,
                      LIA_TEST_PASSPHRASE, NULL, &error);
    g_assert_no_error (error);
    lia_store_lock (store);
  }
  remove_tree (base);
}

static void
test_not_writable_existing (void)
{
  g_autofree char *base = NULL;
  g_autofree char *dir = NULL;
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (LiaStore) store = NULL;

  if (!in_subprocess ())
    return;
  base = become_unprivileged ();
  dir = make_store_with_rows (base, 25, ROW_BYTES);
  /* Locked cleanly: the database and the key file, no WAL. */
  g_assert_cmpuint (count_entries (dir), ==, 2);
  make_read_only (dir);
  before = lia_test_hash_dir (dir);

  /* SQLite cannot create the WAL beside the database (today the unlock
   * fails for that reason). */
  store = lia_store_new (dir);
  assert_unlock_or_write_not_writable (store, 25, "a store in a 0500 directory");
  lia_test_assert_dir_unchanged (before, dir);

  /* Writable again, it opens with all its data. */
  set_dir_mode (dir, 0700);
  assert_store_holds (dir, LIA_TEST_PASSPHRASE, 25, ROW_BYTES);
  remove_tree (base);
}

static void
test_not_writable_change_passphrase (void)
{
  g_autofree char *base = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *key_path = NULL;
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (GBytes) key_before = NULL;
  g_autoptr (GBytes) key_after = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GError) error = NULL;

  if (!in_subprocess ())
    return;
  base = become_unprivileged ();
  dir = make_store_with_rows (base, 15, ROW_BYTES);
  key_path = g_build_filename (dir, LIA_STORE_KEY_NAME, NULL);
  store = lia_store_new (dir);

  /* While locked: nothing in the directory changes. */
  make_read_only (dir);
  before = lia_test_hash_dir (dir);
  g_assert_false (lia_store_change_passphrase (store, LIA_TEST_PASSPHRASE, OTHER_PASSPHRASE,
                                               NULL, &error));
  g_printerr ("# change the passphrase in a 0500 directory: %s\n", error->message);
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NOT_WRITABLE);
  g_clear_error (&error);
  lia_test_assert_dir_unchanged (before, dir);

  /* While unlocked (opened before the directory became read-only): the key
   * file stays as it was and the open store goes on working. */
  set_dir_mode (dir, 0700);
  lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  key_before = lia_test_read_file (key_path);
  make_read_only (dir);
  g_assert_false (lia_store_change_passphrase (store, LIA_TEST_PASSPHRASE, OTHER_PASSPHRASE,
                                               NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NOT_WRITABLE);
  g_clear_error (&error);
  key_after = lia_test_read_file (key_path);
  g_assert_true (g_bytes_equal (key_before, key_after));
  g_assert_false (lia_store_is_locked (store));
  assert_rows (store, 15, ROW_BYTES);
  set_dir_mode (dir, 0700);
  lia_store_lock (store);

  /* The old passphrase still opens the store; the new one never took. */
  g_assert_false (lia_store_unlock (store, OTHER_PASSPHRASE, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_WRONG_PASSPHRASE);
  g_clear_error (&error);
  assert_store_holds (dir, LIA_TEST_PASSPHRASE, 15, ROW_BYTES);
  remove_tree (base);
}

/* The directory is writable but the store's files are not (restored from a
 * read-only backup, say). Either the store does not unlock, or it unlocks
 * and every write fails; either way with NOT_WRITABLE, and nothing in the
 * directory changes: once the files are made writable again, the store
 * works as before. */
static void
test_not_writable_files (void)
{
  g_autofree char *base = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *key_path = NULL;
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GError) error = NULL;

  if (!in_subprocess ())
    return;
  base = become_unprivileged ();
  dir = make_store_with_rows (base, 12, ROW_BYTES);
  db_path = g_build_filename (dir, LIA_STORE_DB_NAME, NULL);
  key_path = g_build_filename (dir, LIA_STORE_KEY_NAME, NULL);
  g_assert_cmpint (g_chmod (db_path, 0400), ==, 0);
  g_assert_cmpint (g_chmod (key_path, 0400), ==, 0);
  before = lia_test_hash_dir (dir);

  store = lia_store_new (dir);
  assert_unlock_or_write_not_writable (store, 12, "a store with 0400 files");
  lia_test_assert_dir_unchanged (before, dir);

  /* Writable again, the store takes writes and holds all its data. */
  g_assert_cmpint (g_chmod (db_path, 0600), ==, 0);
  g_assert_cmpint (g_chmod (key_path, 0600), ==, 0);
  lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  commit_rows (store, 13, 1, ROW_BYTES);
  lia_store_lock (store);
  assert_store_holds (dir, LIA_TEST_PASSPHRASE, 13, ROW_BYTES);
  remove_tree (base);
}

/* ---- c. the directory already holds a store ------------------------------ */

static void
assert_create_exists (const char *dir)
{
  g_autoptr (GHashTable) before = lia_test_hash_dir (dir);
  g_autoptr (LiaStore) store = lia_store_new (dir);
  g_autoptr (GError) error = NULL;

  g_assert_false (lia_store_create (store, "Second Council", LIA_ORG_KIND_POLICE,
                                    OTHER_PASSPHRASE, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EXISTS);
  g_assert_true (lia_store_is_locked (store));
  lia_test_assert_dir_unchanged (before, dir);
}

static void
remove_file (const char *dir,
             const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_unlink (path), ==, 0);
}

static void
test_exists (void)
{
  g_autofree char *dir = make_store_with_rows (NULL, 20, ROW_BYTES);

  /* A locked store. */
  assert_create_exists (dir);
  assert_store_holds (dir, LIA_TEST_PASSPHRASE, 20, ROW_BYTES);

  /* A store that is open, with its WAL. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LiaStore) open = lia_store_open (dir, LIA_TEST_PASSPHRASE, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (count_entries (dir), ==, 4);
    assert_create_exists (dir);
    assert_rows (open, 20, ROW_BYTES);
    assert_store_checks (open);
    lia_store_lock (open);
  }
  assert_store_holds (dir, LIA_TEST_PASSPHRASE, 20, ROW_BYTES);

  /* What is left of a store: its database alone, or its key file alone. */
  {
    g_autofree char *db_only = make_store_with_rows (NULL, 3, ROW_BYTES);
    g_autofree char *key_only = make_store_with_rows (NULL, 3, ROW_BYTES);

    remove_file (db_only, LIA_STORE_KEY_NAME);
    remove_file (key_only, LIA_STORE_DB_NAME);
    g_assert_cmpuint (count_entries (db_only), ==, 1);
    g_assert_cmpuint (count_entries (key_only), ==, 1);
    assert_create_exists (db_only);
    assert_create_exists (key_only);
  }
}

/* ---- d. an empty passphrase ---------------------------------------------- */

static void
create_async_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (lia_store_create_finish (LIA_STORE (source), result, error));
}

static void
assert_create_empty_passphrase (const char *dir,
                                gboolean    async)
{
  g_autoptr (LiaStore) store = lia_store_new (dir);
  g_autoptr (GError) error = NULL;

  if (async)
    {
      lia_store_create_async (store, "Empty Passphrase Council", LIA_ORG_KIND_AGENCY, "", NULL,
                              create_async_cb, &error);
      while (error == NULL)
        g_main_context_iteration (NULL, TRUE);
    }
  else
    g_assert_false (lia_store_create (store, "Empty Passphrase Council", LIA_ORG_KIND_AGENCY, "",
                                      NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EMPTY_PASSPHRASE);
  g_assert_true (lia_store_is_locked (store));
  g_assert_false (lia_store_exists (store));
}

static void
test_empty_passphrase (void)
{
  g_autofree char *parent = lia_test_make_dir ("empty");
  g_autofree char *missing = g_build_filename (parent, "not-yet", NULL);

  /* A directory that does not exist yet is not made. */
  assert_create_empty_passphrase (missing, FALSE);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  assert_create_empty_passphrase (missing, TRUE);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));

  /* An empty directory stays empty. */
  assert_create_empty_passphrase (parent, FALSE);
  assert_dir_empty (parent);
  assert_create_empty_passphrase (parent, TRUE);
  assert_dir_empty (parent);

  /* An existing store cannot be given an empty passphrase either. */
  {
    g_autofree char *dir = make_store_with_rows (NULL, 5, ROW_BYTES);
    g_autoptr (GHashTable) before = lia_test_hash_dir (dir);
    g_autoptr (LiaStore) store = lia_store_new (dir);
    g_autoptr (GError) error = NULL;

    g_assert_false (lia_store_change_passphrase (store, LIA_TEST_PASSPHRASE, "", NULL, &error));
    g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EMPTY_PASSPHRASE);
    lia_test_assert_dir_unchanged (before, dir);
    assert_store_holds (dir, LIA_TEST_PASSPHRASE, 5, ROW_BYTES);
  }
}

/* A file written through LiaAtomicFile's stream (an exported bundle or
 * CSV) on a full disk: the write fails with the disk's error, and neither
 * the file nor its temporary copy is left behind; an existing file of the
 * same name is untouched. */
static void
test_disk_full_atomic_stream (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (LiaAtomicFile) file = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) before = NULL;
  guint8 block[4096];
  gboolean ok = TRUE;

  if (!in_subprocess ())
    return;
  dir = lia_test_make_dir ("atomic");
  path = g_build_filename (dir, "export.csv", NULL);
  g_assert_true (g_file_set_contents (path, "kept\n", -1, NULL));
  before = lia_test_hash_dir (dir);
  memset (block, 'x', sizeof block);

  file = lia_atomic_file_new (path, TRUE, "the export", &error);
  g_assert_no_error (error);
  lia_test_limit_file_size (3 * sizeof block);
  for (guint i = 0; ok && i < 16; i++)
    ok = g_output_stream_write_all (lia_atomic_file_get_stream (file), block, sizeof block, NULL,
                                    NULL, &error);
  lia_test_restore_file_size_limit ();
  g_assert_false (ok);
  g_assert_nonnull (error);
  g_printerr ("# writing 64 KiB with a file size limit of 12 KiB: %s\n", error->message);
  g_clear_pointer (&file, lia_atomic_file_free);
  lia_test_assert_dir_unchanged (before, dir);
}

int
main (int    argc,
      char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/store/faults/disk-full/commit", test_disk_full_commit);
  g_test_add_func ("/store/faults/disk-full/spill", test_disk_full_spill);
  g_test_add_func ("/store/faults/disk-full/checkpoint", test_disk_full_checkpoint);
  g_test_add_func ("/store/faults/disk-full/checkpoint-mid-page",
                   test_disk_full_checkpoint_mid_page);
  g_test_add_func ("/store/faults/disk-full/create", test_disk_full_create);
  g_test_add_func ("/store/faults/disk-full/atomic-stream", test_disk_full_atomic_stream);
  g_test_add_func ("/store/faults/disk-full/change-passphrase",
                   test_disk_full_change_passphrase);
  g_test_add_func ("/store/faults/not-writable/create", test_not_writable_create);
  g_test_add_func ("/store/faults/not-writable/existing", test_not_writable_existing);
  g_test_add_func ("/store/faults/not-writable/change-passphrase",
                   test_not_writable_change_passphrase);
  g_test_add_func ("/store/faults/not-writable/files", test_not_writable_files);
  g_test_add_func ("/store/faults/exists", test_exists);
  g_test_add_func ("/store/faults/empty-passphrase", test_empty_passphrase);

  return g_test_run ();
}
