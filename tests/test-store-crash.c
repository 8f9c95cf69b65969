/* test-store-crash.c: a store survives its process being killed at any
 * moment.
 *
 * A child process opens the store and commits transactions in a loop; after
 * each COMMIT returns SQLITE_OK it reports the transaction's last sequence
 * number down a pipe. The parent kills it with SIGKILL at a random moment,
 * then opens the store itself, checks every page, and asserts that every
 * transaction the child saw committed is there, whole, and nothing more than
 * whole transactions. Many rounds run over the same store, so later children
 * recover what earlier ones left behind. One more test, without a kill,
 * makes certain of the pattern that the "spill" rounds hit by chance.
 *
 * All randomness comes from g_test_rand_*(), so a failing run repeats with
 * the --seed that GTest prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lia-store-private.h"
#include "lia-test-util.h"

#define PAYLOAD_MIN 1024
#define PAYLOAD_MAX 4096
/* Sent by the child once the store is open and it is about to commit. */
#define READY_MARKER G_MAXUINT64
/* How long the parent waits for a child to open the store. */
#define READY_TIMEOUT_MS (120 * 1000)
/* A child that is never killed stops on its own after this many
 * transactions, so that a broken parent cannot leave it running. */
#define CHILD_MAX_TRANSACTIONS 100000
#define CHILD_FAILED 2

typedef enum
{
  /* Commit in a loop; the WAL checkpoints itself at a random threshold. */
  MODE_COMMIT,
  /* Commit, then PRAGMA wal_checkpoint(TRUNCATE), in a loop. */
  MODE_CHECKPOINT,
  /* Commit, with a tiny page cache and some transactions large enough to
   * spill into the WAL before their COMMIT; some of those are rolled back,
   * which leaves frames beyond the end of the log in the WAL file. */
  MODE_SPILL,
  /* Kill at a random moment counted from fork(): the child may still be
   * opening the store, which includes recovering the WAL. */
  MODE_EARLY,
  N_MODES
} Mode;

static const char *const mode_names[N_MODES] = {
  "commit", "checkpoint", "spill", "early",
};

typedef struct
{
  Mode    mode;
  int     autocheckpoint;  /* pages; 0 turns automatic checkpoints off */
  guint64 first_seq;       /* the sequence number the child starts at */
  guint   seed;            /* for the child's own choices */
} ChildPlan;

/* ---- the rows ------------------------------------------------------------ */

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* The payload of row @seq: 1-4 KiB that depend only on @seq, so the parent
 * can tell a whole row from a damaged one. @out holds PAYLOAD_MAX bytes. */
static gsize
make_payload (guint64 seq,
              guint8 *out)
{
  guint64 state = seq * G_GUINT64_CONSTANT (0x2545F4914F6CDD1D);
  gsize len = PAYLOAD_MIN + splitmix64 (&state) % (PAYLOAD_MAX - PAYLOAD_MIN + 1);

  for (gsize i = 0; i < len; i += 8)
    {
      guint64 v = splitmix64 (&state);

      memcpy (out + i, &v, MIN ((gsize) 8, len - i));
    }
  return len;
}

/* ---- the child ----------------------------------------------------------- */

static void G_GNUC_NORETURN G_GNUC_PRINTF (1, 2)
child_fail (const char *format,
            ...)
{
  va_list args;

  va_start (args, format);
  fprintf (stderr, "crash child %d: ", (int) getpid ());
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  fflush (stderr);
  _exit (CHILD_FAILED);
}

static void
child_report (int     fd,
              guint64 value)
{
  const guint8 *p = (const guint8 *) &value;
  gsize done = 0;

  /* Eight bytes are less than PIPE_BUF, so the write is atomic: the parent
   * never sees part of a number. */
  while (done < sizeof value)
    {
      ssize_t n = write (fd, p + done, sizeof value - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        child_fail ("could not write to the pipe: %s", g_strerror (errno));
      done += (gsize) n;
    }
}

static void
child_exec (sqlite3    *db,
            const char *sql)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    child_fail ("%s: %s (%d)", sql, sqlite3_errmsg (db), rc);
}

/* Inserts rows @first..@last and moves the meta row to @last, in the
 * transaction the caller has begun. Returns the SQLite result code of the
 * first statement that fails, or SQLITE_DONE. */
static int
insert_rows (sqlite3_stmt *insert,
             sqlite3_stmt *update,
             guint8       *payload,
             guint64       first,
             guint64       last)
{
  int rc = SQLITE_DONE;

  for (guint64 seq = first; seq <= last && rc == SQLITE_DONE; seq++)
    {
      gsize len = make_payload (seq, payload);

      sqlite3_bind_int64 (insert, 1, (sqlite3_int64) seq);
      sqlite3_bind_blob (insert, 2, payload, (int) len, SQLITE_STATIC);
      rc = sqlite3_step (insert);
      sqlite3_reset (insert);
    }
  if (rc != SQLITE_DONE)
    return rc;
  sqlite3_bind_int64 (update, 1, (sqlite3_int64) last);
  rc = sqlite3_step (update);
  sqlite3_reset (update);
  return rc;
}

/* Runs in the child after fork(): never returns into GTest, never runs
 * GLib's or the sanitizers' exit handlers. */
static void G_GNUC_NORETURN
run_child (const char      *dir,
           int              fd,
           const ChildPlan *plan)
{
  GError *error = NULL;
  LiaStore *store;
  sqlite3 *db;
  sqlite3_stmt *insert = NULL, *update = NULL, *checkpoint = NULL;
  guint8 *payload = g_malloc (PAYLOAD_MAX);
  guint64 state = plan->seed;
  guint64 seq = plan->first_seq;

  store = lia_store_open (dir, LIA_TEST_PASSPHRASE, NULL, &error);
  if (store == NULL)
    child_fail ("could not open the store: %s", error->message);
  db = lia_store_get_db (store);

  sqlite3_wal_autocheckpoint (db, plan->autocheckpoint);
  if (plan->mode == MODE_SPILL)
    child_exec (db, "PRAGMA cache_size = 16");
  if (sqlite3_prepare_v2 (db, "INSERT INTO crash (seq, payload) VALUES (?, ?)", -1, &insert,
                          NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db, "UPDATE crash_meta SET last_seq = ? WHERE id = 1", -1, &update,
                             NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &checkpoint,
                             NULL) != SQLITE_OK)
    child_fail ("could not prepare: %s", sqlite3_errmsg (db));

  child_report (fd, READY_MARKER);
  for (guint n = 0; n < CHILD_MAX_TRANSACTIONS; n++)
    {
      guint64 rows = 1;
      gboolean roll_back = FALSE;
      int rc;

      if (plan->mode == MODE_SPILL && splitmix64 (&state) % 4 == 0)
        {
          /* 30-60 rows of 1-4 KiB: far more than 16 cached pages. */
          rows = 30 + splitmix64 (&state) % 31;
          roll_back = splitmix64 (&state) % 2 == 0;
        }
      else if (splitmix64 (&state) % 8 == 0)
        rows = 2 + splitmix64 (&state) % 7;

      child_exec (db, "BEGIN IMMEDIATE");
      rc = insert_rows (insert, update, payload, seq, seq + rows - 1);
      if (rc != SQLITE_DONE)
        child_fail ("inserting rows %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT ": %s (%d)", seq,
                    seq + rows - 1, sqlite3_errmsg (db), rc);
      if (roll_back)
        {
          child_exec (db, "ROLLBACK");
          continue;
        }
      child_exec (db, "COMMIT");
      seq += rows;
      child_report (fd, seq - 1);

      if (plan->mode == MODE_CHECKPOINT)
        {
          rc = sqlite3_step (checkpoint);

          /* One row: busy, frames in the log, frames checkpointed. No other
           * connection exists, so the checkpoint is never blocked. */
          if (rc != SQLITE_ROW || sqlite3_column_int (checkpoint, 0) != 0)
            child_fail ("PRAGMA wal_checkpoint(TRUNCATE): %s (%d)", sqlite3_errmsg (db), rc);
          sqlite3_reset (checkpoint);
        }
    }
  _exit (0);
}

/* ---- the parent ---------------------------------------------------------- */

typedef struct
{
  guint8   buf[sizeof (guint64)];
  gsize    buf_len;
  gboolean ready;
  gboolean eof;
  guint64  last_seq;   /* the last committed sequence number reported */
} PipeReader;

/* Reads what the pipe holds (until it would block, or to EOF) and keeps the
 * last whole number. */
static void
pipe_reader_read (PipeReader *reader,
                  int         fd)
{
  guint8 chunk[4096];

  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return;
      g_assert_cmpint (n, >=, 0);
      if (n == 0)
        {
          reader->eof = TRUE;
          return;
        }
      for (gssize i = 0; i < n; i++)
        {
          reader->buf[reader->buf_len++] = chunk[i];
          if (reader->buf_len == sizeof reader->buf)
            {
              guint64 value;

              memcpy (&value, reader->buf, sizeof value);
              reader->buf_len = 0;
              if (value == READY_MARKER)
                reader->ready = TRUE;
              else
                {
                  g_assert_true (reader->ready);
                  g_assert_cmpuint (value, >, reader->last_seq);
                  reader->last_seq = value;
                }
            }
        }
    }
}

/* Waits until the child has opened the store (or has died trying). */
static void
wait_until_ready (PipeReader *reader,
                  int         fd)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) READY_TIMEOUT_MS * 1000;

  while (!reader->ready && !reader->eof)
    {
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      int rc;

      g_assert_cmpint (left_ms, >, 0);
      rc = poll (&pfd, 1, (int) left_ms);
      if (rc < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (rc, >=, 0);
      if (rc > 0)
        pipe_reader_read (reader, fd);
    }
}

static goffset
file_size (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  struct stat st;

  return stat (path, &st) == 0 ? st.st_size : -1;
}

/* Compares rows @from..@to with what the child wrote. */
static void
assert_rows_whole (LiaStore *store,
                   guint64   from,
                   guint64   to)
{
  g_autofree guint8 *expected = g_malloc (PAYLOAD_MAX);
  sqlite3_stmt *stmt = NULL;
  guint64 next = from;
  int rc;

  g_assert_cmpint (sqlite3_prepare_v2 (lia_store_get_db (store),
                                       "SELECT seq, payload FROM crash "
                                       "WHERE seq BETWEEN ? AND ? ORDER BY seq",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) from);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) to);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      guint64 seq = (guint64) sqlite3_column_int64 (stmt, 0);
      gsize len = make_payload (seq, expected);

      g_assert_cmpuint (seq, ==, next);
      g_assert_cmpmem (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1),
                       expected, len);
      next++;
    }
  if (rc != SQLITE_DONE)
    {
      g_autoptr (GError) error = NULL;

      lia_store_set_sqlite_error (&error, lia_store_get_db (store), rc, "Reading the rows");
      g_assert_no_error (error);
    }
  g_assert_cmpuint (next, ==, to + 1);
  sqlite3_finalize (stmt);
}

/* Opens the store after a crash, checks it, and returns the highest
 * sequence number in it. Leaves the store locked. */
static guint64
verify_store (const char *dir,
              guint64     reported,
              guint64     verified_before,
              gboolean    keep_wal)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaStore) store = lia_store_open (dir, LIA_TEST_PASSPHRASE, NULL, &error);
  guint64 pages = 0;
  gint64 count, max, meta, min;

  g_assert_no_error (error);
  g_assert_nonnull (store);
  lia_store_check (store, &pages, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pages, >, 0);

  count = lia_test_query_int (store, "SELECT count(*) FROM crash");
  max = lia_test_query_int (store, "SELECT COALESCE (max (seq), 0) FROM crash");
  min = lia_test_query_int (store, "SELECT COALESCE (min (seq), 1) FROM crash");
  meta = lia_test_query_int (store, "SELECT last_seq FROM crash_meta WHERE id = 1");

  /* Everything the child saw committed is there ... */
  g_assert_cmpint (max, >=, (gint64) reported);
  /* ... with no gap, and nothing lost from earlier rounds ... */
  g_assert_cmpint (min, ==, 1);
  g_assert_cmpint (count, ==, max);
  g_assert_cmpint (max, >=, (gint64) verified_before);
  /* ... and only whole transactions: the meta row moved with the rows. */
  g_assert_cmpint (meta, ==, max);
  /* The rows this round added are byte for byte what was written. */
  if ((guint64) max > verified_before)
    assert_rows_whole (store, verified_before + 1, (guint64) max);

  /* Sometimes leave the WAL as it is, as after a crash of a process that
   * had recovered it, instead of checkpointing it away on close. */
  if (keep_wal)
    g_assert_cmpint (sqlite3_db_config (lia_store_get_db (store),
                                        SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL),
                     ==, SQLITE_OK);
  lia_store_lock (store);
  return (guint64) max;
}

/* Forks a child that runs @plan, kills it, and returns the last sequence
 * number it reported. Fills @wal_size with the WAL's size at the kill. */
static guint64
run_round (const char      *dir,
           const ChildPlan *plan,
           guint            delay_ms,
           goffset         *wal_size)
{
  PipeReader reader = { 0 };
  int fds[2];
  pid_t pid;
  int status = 0;

  g_assert_cmpint (pipe2 (fds, O_CLOEXEC), ==, 0);
  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (fds[0]);
      run_child (dir, fds[1], plan);
    }
  close (fds[1]);
  g_assert_cmpint (fcntl (fds[0], F_SETFL, O_NONBLOCK), ==, 0);

  if (plan->mode != MODE_EARLY)
    wait_until_ready (&reader, fds[0]);
  g_usleep ((gulong) delay_ms * 1000);
  pipe_reader_read (&reader, fds[0]);

  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  while (waitpid (pid, &status, 0) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  *wal_size = file_size (dir, LIA_STORE_DB_NAME "-wal");
  if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGKILL)
    g_error ("The child did not run until it was killed: it %s %d (see its message above)",
             WIFSIGNALED (status) ? "was killed by signal" : "exited with status",
             WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status));

  /* The child is gone, so the pipe reads to EOF. */
  g_assert_cmpint (fcntl (fds[0], F_SETFL, 0), ==, 0);
  while (!reader.eof)
    pipe_reader_read (&reader, fds[0]);
  close (fds[0]);
  g_assert_cmpuint (reader.buf_len, ==, 0);
  if (plan->mode != MODE_EARLY)
    g_assert_true (reader.ready);
  return reader.last_seq;
}

static char *
make_crash_store (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Crash Test Borough Council");
  char *dir = g_strdup (lia_store_get_directory (store));

  lia_test_exec (store,
                 "CREATE TABLE crash (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL) STRICT;"
                 "CREATE TABLE crash_meta (id INTEGER PRIMARY KEY CHECK (id = 1),"
                 "  last_seq INTEGER NOT NULL) STRICT;"
                 "INSERT INTO crash_meta (id, last_seq) VALUES (1, 0);");
  lia_store_lock (store);
  return dir;
}

typedef struct
{
  guint rounds;
  /* Percentages of rounds per mode; the rest are MODE_COMMIT. */
  guint checkpoint_pct;
  guint spill_pct;
  guint early_pct;
  /* Percentage of rounds after which the parent leaves the WAL in place. */
  guint keep_wal_pct;
} CrashConfig;

static void
run_crash_loop (const CrashConfig *config)
{
  static const int autocheckpoints[] = { 0, 4, 16, 64, 1000 };
  g_autofree char *dir = make_crash_store ();
  guint64 verified = 0, total_reported = 0;
  guint mode_rounds[N_MODES] = { 0 };
  guint rounds_with_wal = 0, kept_wal = 0;
  goffset max_wal = 0;
  gint64 start = g_get_monotonic_time ();

  for (guint round = 0; round < config->rounds; round++)
    {
      ChildPlan plan = { 0 };
      guint pick = (guint) g_test_rand_int_range (0, 100);
      guint delay_ms;
      gboolean keep_wal;
      goffset wal_size;
      guint64 reported;

      if (pick < config->checkpoint_pct)
        plan.mode = MODE_CHECKPOINT;
      else if (pick < config->checkpoint_pct + config->spill_pct)
        plan.mode = MODE_SPILL;
      else if (pick < config->checkpoint_pct + config->spill_pct + config->early_pct)
        plan.mode = MODE_EARLY;
      else
        plan.mode = MODE_COMMIT;
      plan.autocheckpoint =
        autocheckpoints[g_test_rand_int_range (0, G_N_ELEMENTS (autocheckpoints))];
      plan.first_seq = verified + 1;
      plan.seed = (guint) g_test_rand_int ();
      delay_ms = (guint) g_test_rand_int_range (5, 61);
      keep_wal = (guint) g_test_rand_int_range (0, 100) < config->keep_wal_pct;

      reported = run_round (dir, &plan, delay_ms, &wal_size);
      g_test_message ("round %u: %s, autocheckpoint %d, killed after %u ms, last reported "
                      "commit %" G_GUINT64_FORMAT ", WAL %" G_GOFFSET_FORMAT " bytes%s",
                      round, mode_names[plan.mode], plan.autocheckpoint, delay_ms, reported,
                      wal_size, keep_wal ? ", WAL kept" : "");

      mode_rounds[plan.mode]++;
      if (reported > 0)
        total_reported += reported - verified;
      if (wal_size > 0)
        rounds_with_wal++;
      max_wal = MAX (max_wal, wal_size);
      kept_wal += keep_wal;

      verified = verify_store (dir, reported, verified, keep_wal);
    }

  g_test_message ("%u rounds in %.1f s (%u commit, %u checkpoint, %u spill, %u early); "
                  "%" G_GUINT64_FORMAT " rows committed, %" G_GUINT64_FORMAT " of them "
                  "reported; a WAL at %u kills, the largest %" G_GOFFSET_FORMAT " bytes; WAL "
                  "kept after %u rounds",
                  config->rounds, (g_get_monotonic_time () - start) / 1e6,
                  mode_rounds[MODE_COMMIT], mode_rounds[MODE_CHECKPOINT],
                  mode_rounds[MODE_SPILL], mode_rounds[MODE_EARLY], verified, total_reported,
                  rounds_with_wal, max_wal, kept_wal);
  /* The test means nothing if the children never got to commit. */
  g_assert_cmpuint (verified, >=, config->rounds);
}

/* Mostly plain commits, with every other kind of round mixed in, and the
 * WAL sometimes carried from one crash to the next. */
static void
test_sigkill_loop (void)
{
  const CrashConfig config = {
    .rounds = 60,
    .checkpoint_pct = 25,
    .early_pct = 20,
    .keep_wal_pct = 30,
  };

  run_crash_loop (&config);
}

/* Every round kills a child that checkpoints with TRUNCATE after each
 * commit, so most kills land inside a checkpoint. */
static void
test_sigkill_checkpoint (void)
{
  const CrashConfig config = {
    .rounds = 50,
    .checkpoint_pct = 100,
  };

  run_crash_loop (&config);
}

/* Every round kills a child whose larger transactions spill into the WAL
 * before they commit, and half of those roll back: the WAL file then holds
 * frames of the current generation beyond the end of the log, which the
 * next transactions overwrite one by one. */
static void
test_sigkill_spill (void)
{
  const CrashConfig config = {
    .rounds = 50,
    .spill_pct = 100,
    .keep_wal_pct = 30,
  };

  run_crash_loop (&config);
}

/* No kill, but the pattern that the spill rounds exercise, made certain: a
 * transaction far larger than the page cache spills into the WAL before
 * its COMMIT, SQLite rewrites a spilled page in place (the meta row's, moved
 * again), and the frames it appends after that carry provisional headers
 * until the COMMIT completes them. The rows read back whole in the same
 * session, and after the store is closed without a checkpoint (as a crash
 * right after the COMMIT leaves it) and opened again. */
static void
test_spilled_transaction (void)
{
  g_autofree char *dir = make_crash_store ();
  g_autofree guint8 *payload = g_malloc (PAYLOAD_MAX);
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaStore) store = lia_store_open (dir, LIA_TEST_PASSPHRASE, NULL, &error);
  sqlite3_stmt *insert = NULL, *update = NULL;
  sqlite3 *db;

  g_assert_no_error (error);
  db = lia_store_get_db (store);
  lia_test_exec (store, "PRAGMA cache_size = 16");
  g_assert_cmpint (sqlite3_wal_autocheckpoint (db, 0), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO crash (seq, payload) VALUES (?, ?)", -1,
                                       &insert, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE crash_meta SET last_seq = ? WHERE id = 1",
                                       -1, &update, NULL), ==, SQLITE_OK);

  lia_test_exec (store, "BEGIN IMMEDIATE");
  g_assert_cmpint (insert_rows (insert, update, payload, 1, 60), ==, SQLITE_DONE);
  g_assert_cmpint (insert_rows (insert, update, payload, 61, 90), ==, SQLITE_DONE);
  lia_test_exec (store, "COMMIT");
  sqlite3_finalize (insert);
  sqlite3_finalize (update);

  g_assert_cmpint (lia_test_query_int (store, "SELECT last_seq FROM crash_meta"), ==, 90);
  assert_rows_whole (store, 1, 90);
  lia_store_check (store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL), ==,
                   SQLITE_OK);
  lia_store_lock (store);

  g_assert_cmpuint (verify_store (dir, 90, 0, FALSE), ==, 90);
}

int
main (int    argc,
      char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/store/crash/spilled-transaction", test_spilled_transaction);
  g_test_add_func ("/store/crash/sigkill-loop", test_sigkill_loop);
  g_test_add_func ("/store/crash/sigkill-checkpoint", test_sigkill_checkpoint);
  g_test_add_func ("/store/crash/sigkill-spill", test_sigkill_spill);

  return g_test_run ();
}
