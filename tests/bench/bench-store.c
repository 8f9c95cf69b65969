/* bench-store.c: what the encrypted store costs over plain SQLite.
 *
 * Runs one workload on a plain SQLite database (the default VFS) and on an
 * encrypted Liaison store (the liaison-crypt VFS, the shipped Argon2id
 * limits), configured alike (4096-byte pages, WAL, synchronous=FULL,
 * secure_delete=ON, temp_store=MEMORY and the rest of the connection
 * settings of lia-store.c), so that only encryption differs, and prints one
 * JSON object on stdout:
 *
 *   1. insert --rows rows of about 500 bytes (a unique hash-like key and a
 *      body of words drawn from a Zipf-distributed vocabulary of 4,096) into
 *      a table and an external-content FTS5 index over the body, 1,000 rows
 *      to a transaction, with prepared statements;
 *   2. --reads point reads by key, keys in a fixed pseudo-random order;
 *   3. --queries FTS5 queries, alternately one word (its first 20 rowids)
 *      and two words (the count of rows with both);
 *   4. cold open: a new connection, its page cache empty, and one point
 *      read, OPEN_REPEATS times; for the store, lia_store_unlock() is split
 *      into the Argon2id key derivation alone (lia_keyfile_load() and
 *      lia_keyfile_unwrap()) and the rest (see build_json() for how);
 *   5. peak RSS; the RSS high-water mark before the first key derivation;
 *      the high-water mark of the KDF in lia_store_create(); and that of
 *      the workload alone (from the KDF's end to before the cold opens).
 *
 * Every random choice comes from a GRand with a fixed seed, so both
 * databases get byte for byte the same rows, reads and queries; the results
 * of the reads and queries are checked to agree.
 *
 * Order: interleaved. Both databases are open side by side and the phases
 * alternate at a fine grain: each batch of 1,000 rows is made once and
 * inserted into one database and then the other; reads go in chunks of
 * 1,000 and queries in groups of 10, to one side then the other; cold opens
 * alternate too. The side that goes first swaps every time. A noisy
 * neighbour (the build machines are shared) or a drift in CPU clock then
 * weighs on both sides alike. Because the store, and so its first key
 * derivation, must exist before the workload starts, the workload's own
 * memory is told apart from Argon2id's by resetting the kernel's RSS
 * high-water mark ("5" to /proc/self/clear_refs) after lia_store_create().
 *
 * The OS page cache is dropped for neither side (an unprivileged program
 * cannot): on a machine with enough RAM both databases are read from
 * memory, so the comparison is of CPU work (SQLite, the crypto) and of
 * fsync, not of disk reads, and on a cold disk the ratios would be smaller.
 *
 * Built with the project but not a test (it takes minutes at the defaults):
 *
 *   ninja -C build tests/bench/bench-store
 *   build/tests/bench/bench-store                  # 1,000,000 rows
 *   build/tests/bench/bench-store --rows 20000     # a quick smoke run
 *
 * Options: --rows N, --reads N, --queries N, --dir DIR (default: a new
 * temporary directory), --keep (leave the databases behind), --cache-mib N
 * (both sides' page cache, to see what a larger one buys; default: the
 * store's own, 8 MiB). Progress and
 * errors go to stderr; any failure exits with status 2.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lia-keyfile.h"
#include "lia-crypt-vfs.h"
#include "lia-store-private.h"
#include "lia-store.h"

#define EXIT_FAILED 2

#define BATCH_ROWS        1000
#define READ_CHUNK        1000
#define QUERY_GROUP       10
#define KEY_CHARS         16
#define BODY_MIN_BYTES    450
#define BODY_SPREAD_BYTES 64
#define VOCABULARY_WORDS  4096
#define ZIPF_EXPONENT     1.0
#define FTS_LIMIT         20
#define OPEN_REPEATS      7
#define PROGRESS_ROWS     100000

#define VOCABULARY_SEED   0x4c494131u
#define DATA_SEED         0x4c494132u
#define READ_SEED         0x4c494133u
#define QUERY_SEED        0x4c494134u

#define PASSPHRASE        "bench-store: correct horse battery staple"
#define PLAIN_NAME        "plain.db"
#define STORE_NAME        "store"

#define TARGET_INSERT_RATIO_MAX 1.3
#define TARGET_READ_RATIO_MAX   1.2
#define TARGET_COLD_OPEN_MS_MAX 300.0
#define TARGET_PEAK_RSS_MIB_MAX 150.0

/* ---- options and clean-up ------------------------------------------------ */

static gint64 opt_rows = 1000000;
static int opt_reads = 100000;
static int opt_queries = 1000;
static char *opt_dir = NULL;
static gboolean opt_keep = FALSE;
static int opt_cache_mib = 0;
/* The workload connections' page cache, as SQLite reports it. */
static double cache_mib;

static const GOptionEntry entries[] = {
  { "rows", 0, 0, G_OPTION_ARG_INT64, &opt_rows, "Rows to insert (default 1000000)", "N" },
  { "reads", 0, 0, G_OPTION_ARG_INT, &opt_reads, "Point reads by key (default 100000)", "N" },
  { "queries", 0, 0, G_OPTION_ARG_INT, &opt_queries, "FTS5 queries (default 1000)", "N" },
  { "dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_dir,
    "Put the databases in DIR (default: a new temporary directory)", "DIR" },
  { "keep", 0, 0, G_OPTION_ARG_NONE, &opt_keep, "Do not remove the databases at the end", NULL },
  { "cache-mib", 0, 0, G_OPTION_ARG_INT, &opt_cache_mib,
    "Give both sides' workload connections a page cache of N MiB (default: the store's own)",
    "N" },
  { NULL }
};

static char *work_dir = NULL;     /* owned */
static char *store_dir = NULL;    /* owned */
static char *plain_path = NULL;   /* owned */
static gint64 start_time = 0;

/* Removes what this program made: the store directory, the plain database
 * and, if it is then empty, the working directory. */
static void
remove_work_dir (void)
{
  if (opt_keep || work_dir == NULL)
    return;
  if (store_dir != NULL)
    {
      g_autofree char *db_path = g_build_filename (store_dir, LIA_STORE_DB_NAME, NULL);
      g_autofree char *key_path = g_build_filename (store_dir, LIA_STORE_KEY_NAME, NULL);

      lia_store_remove_database_files (db_path);
      (void) g_unlink (key_path);
      (void) g_rmdir (store_dir);
    }
  if (plain_path != NULL)
    lia_store_remove_database_files (plain_path);
  (void) g_rmdir (work_dir);
}

static void fail (const char *format, ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static void
fail (const char *format,
      ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("bench-store: %s\n", message);
  remove_work_dir ();
  exit (EXIT_FAILED);
}

static void progress (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
progress (const char *format,
          ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("[%7.1f s] %s\n", (double) (g_get_monotonic_time () - start_time) / G_USEC_PER_SEC,
              message);
}

static double
ms_between (gint64 start,
            gint64 end)
{
  return (double) (end - start) / 1000.0;
}

/* ---- SQLite helpers ------------------------------------------------------ */

static void
check_rc (sqlite3    *db,
          int         rc,
          int         expected,
          const char *what)
{
  if (rc != expected)
    fail ("%s: %s (SQLite code %d)", what, db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc),
          rc);
}

static void
exec_or_fail (sqlite3    *db,
              const char *sql)
{
  check_rc (db, sqlite3_exec (db, sql, NULL, NULL, NULL), SQLITE_OK, sql);
}

static sqlite3_stmt *
prepare_or_fail (sqlite3    *db,
                 const char *sql)
{
  sqlite3_stmt *stmt = NULL;

  check_rc (db, sqlite3_prepare_v3 (db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL),
            SQLITE_OK, sql);
  return stmt;
}

/* PRAGMA cache_size in MiB: negative values are KiB, positive ones pages. */
static double
cache_size_mib (sqlite3 *db)
{
  sqlite3_stmt *stmt = prepare_or_fail (db, "PRAGMA cache_size");
  gint64 value;

  check_rc (db, sqlite3_step (stmt), SQLITE_ROW, "PRAGMA cache_size");
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value < 0 ? -value / 1024.0 : value * 4096.0 / (1024.0 * 1024.0);
}

/* Steps a statement that returns no rows, and resets it. */
static void
step_done (sqlite3      *db,
           sqlite3_stmt *stmt,
           const char   *what)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  check_rc (db, rc, SQLITE_DONE, what);
}

/* The plain database, set up as open_connection() in lia-store.c sets up a
 * store's connection, less the VFS and the reserved bytes. */
static sqlite3 *
open_plain (const char *path,
            gboolean    create)
{
  sqlite3 *db = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE
              | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2 (path, &db, flags, NULL);

  if (rc != SQLITE_OK)
    {
      g_autofree char *message = g_strdup (db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));

      sqlite3_close (db);
      fail ("Could not open %s: %s", path, message);
    }
  sqlite3_busy_timeout (db, 10000);
  sqlite3_db_config (db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  exec_or_fail (db, lia_store_connection_pragmas ());
  if (create)
    exec_or_fail (db,
                  "PRAGMA page_size = 4096;"
                  "PRAGMA journal_mode = WAL;");
  return db;
}

static void
close_or_fail (sqlite3 *db)
{
  check_rc (db, sqlite3_close (db), SQLITE_OK, "Closing a database connection");
}

static gint64
file_bytes (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return 0;
  return (gint64) st.st_size;
}

/* The database file and its WAL, if any is left. */
static gint64
database_bytes (const char *db_path)
{
  g_autofree char *wal_path = g_strconcat (db_path, "-wal", NULL);

  return file_bytes (db_path) + file_bytes (wal_path);
}

/* ---- data ---------------------------------------------------------------- */

typedef struct
{
  GPtrArray *words;       /* char *, owned; shortest first */
  double    *cumulative;  /* owned; Zipf: rank i has weight 1 / (i + 1)^s */
} Vocabulary;

static int
compare_words (gconstpointer a,
               gconstpointer b)
{
  const char *wa = *(const char *const *) a;
  const char *wb = *(const char *const *) b;
  size_t la = strlen (wa), lb = strlen (wb);

  if (la != lb)
    return la < lb ? -1 : 1;
  return strcmp (wa, wb);
}

/* A few thousand pronounceable lower-case words, the shortest the most
 * frequent, as in a natural language. */
static Vocabulary *
vocabulary_new (void)
{
  static const char *const onsets[] = {
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
    "br", "ch", "cl", "cr", "dr", "fl", "gr", "pl", "pr", "sh", "st", "th", "tr",
  };
  static const char *const vowels[] = { "a", "e", "i", "o", "u", "ai", "ea", "ou" };
  static const char *const codas[] = { "", "", "", "n", "r", "s", "t", "l", "m", "nd", "st" };
  g_autoptr (GRand) rand = g_rand_new_with_seed (VOCABULARY_SEED);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  Vocabulary *vocab = g_new0 (Vocabulary, 1);
  double total = 0;

  vocab->words = g_ptr_array_new_with_free_func (g_free);
  while (vocab->words->len < VOCABULARY_WORDS)
    {
      GString *word = g_string_new (NULL);
      int syllables = g_rand_int_range (rand, 1, 4);

      for (int i = 0; i < syllables; i++)
        {
          g_string_append (word, onsets[g_rand_int_range (rand, 0, G_N_ELEMENTS (onsets))]);
          g_string_append (word, vowels[g_rand_int_range (rand, 0, G_N_ELEMENTS (vowels))]);
          g_string_append (word, codas[g_rand_int_range (rand, 0, G_N_ELEMENTS (codas))]);
        }
      if (g_hash_table_contains (seen, word->str))
        {
          g_string_free (word, TRUE);
          continue;
        }
      g_ptr_array_add (vocab->words, g_string_free (word, FALSE));
      g_hash_table_add (seen, g_ptr_array_index (vocab->words, vocab->words->len - 1));
    }
  g_ptr_array_sort (vocab->words, compare_words);

  vocab->cumulative = g_new (double, VOCABULARY_WORDS);
  for (guint i = 0; i < VOCABULARY_WORDS; i++)
    {
      total += 1.0 / pow ((double) (i + 1), ZIPF_EXPONENT);
      vocab->cumulative[i] = total;
    }
  for (guint i = 0; i < VOCABULARY_WORDS; i++)
    vocab->cumulative[i] /= total;
  return vocab;
}

static void
vocabulary_free (Vocabulary *vocab)
{
  g_ptr_array_unref (vocab->words);
  g_free (vocab->cumulative);
  g_free (vocab);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Vocabulary, vocabulary_free)

static const char *
vocabulary_word (const Vocabulary *vocab,
                 guint             rank)
{
  return g_ptr_array_index (vocab->words, rank);
}

/* A word drawn from the Zipf distribution. */
static const char *
vocabulary_draw (const Vocabulary *vocab,
                 GRand            *rand)
{
  double u = g_rand_double (rand);
  guint lo = 0, hi = VOCABULARY_WORDS - 1;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (vocab->cumulative[mid] < u)
        lo = mid + 1;
      else
        hi = mid;
    }
  return vocabulary_word (vocab, lo);
}

/* SplitMix64's finaliser: a bijection, so distinct rows get distinct keys,
 * and the keys look like the random identifiers a sync engine would use
 * rather than arriving in index order. */
static guint64
mix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return x ^ (x >> 31);
}

/* The key of row @index (rowid @index + 1). */
static void
make_key (gint64 index,
          char   out[KEY_CHARS + 1])
{
  g_snprintf (out, KEY_CHARS + 1, "%016" G_GINT64_MODIFIER "x", mix64 ((guint64) index));
}

static void
make_body (const Vocabulary *vocab,
           GRand            *rand,
           GString          *out)
{
  gsize target = BODY_MIN_BYTES + (gsize) g_rand_int_range (rand, 0, BODY_SPREAD_BYTES);

  g_string_truncate (out, 0);
  while (out->len < target)
    {
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, vocabulary_draw (vocab, rand));
    }
}

/* One transaction's rows. */
typedef struct
{
  gint64   first;  /* index of the first row */
  int      n;
  char     keys[BATCH_ROWS][KEY_CHARS + 1];
  GString *bodies[BATCH_ROWS];
} Batch;

/* The reads and queries, the same for both databases. */
typedef struct
{
  gint64    *read_indices;  /* owned, opt_reads */
  GPtrArray *queries;       /* char *, owned */
} Workload;

static Workload *
workload_new (const Vocabulary *vocab)
{
  g_autoptr (GRand) read_rand = g_rand_new_with_seed (READ_SEED);
  g_autoptr (GRand) query_rand = g_rand_new_with_seed (QUERY_SEED);
  Workload *workload = g_new0 (Workload, 1);

  workload->read_indices = g_new (gint64, opt_reads);
  for (int i = 0; i < opt_reads; i++)
    workload->read_indices[i] = (gint64) (g_rand_double (read_rand) * (double) opt_rows);

  /* Query words are drawn uniformly from the vocabulary, not by frequency,
   * so that they range from words in most rows to words in a few hundred
   * (at a million rows). */
  workload->queries = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < opt_queries; i++)
    {
      const char *a = vocabulary_word (vocab, g_rand_int_range (query_rand, 0, VOCABULARY_WORDS));
      const char *b = vocabulary_word (vocab, g_rand_int_range (query_rand, 0, VOCABULARY_WORDS));

      g_ptr_array_add (workload->queries,
                       i % 2 == 0 ? g_strdup (a) : g_strconcat (a, " ", b, NULL));
    }
  return workload;
}

static void
workload_free (Workload *workload)
{
  g_free (workload->read_indices);
  g_ptr_array_unref (workload->queries);
  g_free (workload);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Workload, workload_free)

/* ---- one side: a database, its statements and its timings ---------------- */

typedef struct
{
  const char   *label;
  sqlite3      *db;            /* the plain one's owned; the store's borrowed */
  sqlite3_stmt *begin;
  sqlite3_stmt *commit;
  sqlite3_stmt *insert_record;
  sqlite3_stmt *insert_fts;
  sqlite3_stmt *read;
  sqlite3_stmt *fts_first;
  sqlite3_stmt *fts_count;

  gint64        insert_us;
  gint64        read_us;
  gint64        fts_us;
  guint64       read_checksum;
  guint64       fts_checksum;

  double        open_ms[OPEN_REPEATS];       /* plain: open and pragmas; store: unlock */
  double        first_ms[OPEN_REPEATS];      /* the first read after that */
  double        kdf_ms[OPEN_REPEATS];        /* store only */
  double        connection_ms[OPEN_REPEATS]; /* store only: a second connection, cold */
  double        count_ms;
  gint64        db_bytes;
} Side;

#define READ_SQL "SELECT id, body FROM records WHERE key = ?1"

static void
side_create_schema (Side *side)
{
  exec_or_fail (side->db,
                "CREATE TABLE records ("
                "  id INTEGER PRIMARY KEY,"
                "  key TEXT NOT NULL UNIQUE,"
                "  body TEXT NOT NULL"
                ");"
                "CREATE VIRTUAL TABLE records_fts USING fts5 ("
                "  body, content = 'records', content_rowid = 'id'"
                ");");
  side->begin = prepare_or_fail (side->db, "BEGIN");
  side->commit = prepare_or_fail (side->db, "COMMIT");
  side->insert_record =
    prepare_or_fail (side->db, "INSERT INTO records (id, key, body) VALUES (?1, ?2, ?3)");
  side->insert_fts =
    prepare_or_fail (side->db, "INSERT INTO records_fts (rowid, body) VALUES (?1, ?2)");
  side->read = prepare_or_fail (side->db, READ_SQL);
  side->fts_first =
    prepare_or_fail (side->db, "SELECT rowid FROM records_fts WHERE records_fts MATCH ?1 "
                               "LIMIT " G_STRINGIFY (FTS_LIMIT));
  side->fts_count =
    prepare_or_fail (side->db, "SELECT count(*) FROM records_fts WHERE records_fts MATCH ?1");
}

static void
side_finalize_statements (Side *side)
{
  g_clear_pointer (&side->begin, sqlite3_finalize);
  g_clear_pointer (&side->commit, sqlite3_finalize);
  g_clear_pointer (&side->insert_record, sqlite3_finalize);
  g_clear_pointer (&side->insert_fts, sqlite3_finalize);
  g_clear_pointer (&side->read, sqlite3_finalize);
  g_clear_pointer (&side->fts_first, sqlite3_finalize);
  g_clear_pointer (&side->fts_count, sqlite3_finalize);
}

/* Phase 1: one transaction. */
static void
side_insert (Side        *side,
             const Batch *batch)
{
  sqlite3 *db = side->db;
  gint64 start = g_get_monotonic_time ();

  step_done (db, side->begin, "BEGIN");
  for (int i = 0; i < batch->n; i++)
    {
      sqlite3_int64 id = batch->first + i + 1;
      const GString *body = batch->bodies[i];

      check_rc (db, sqlite3_bind_int64 (side->insert_record, 1, id), SQLITE_OK, "bind");
      check_rc (db, sqlite3_bind_text (side->insert_record, 2, batch->keys[i], KEY_CHARS,
                                       SQLITE_STATIC), SQLITE_OK, "bind");
      check_rc (db, sqlite3_bind_text (side->insert_record, 3, body->str, (int) body->len,
                                       SQLITE_STATIC), SQLITE_OK, "bind");
      step_done (db, side->insert_record, "Inserting a record");
      check_rc (db, sqlite3_bind_int64 (side->insert_fts, 1, id), SQLITE_OK, "bind");
      check_rc (db, sqlite3_bind_text (side->insert_fts, 2, body->str, (int) body->len,
                                       SQLITE_STATIC), SQLITE_OK, "bind");
      step_done (db, side->insert_fts, "Indexing a record");
    }
  step_done (db, side->commit, "COMMIT");
  side->insert_us += g_get_monotonic_time () - start;
}

/* One read of row @index by its key; returns the length of its body. */
static gint64
read_by_key (sqlite3      *db,
             sqlite3_stmt *stmt,
             gint64        index)
{
  char key[KEY_CHARS + 1];
  gint64 len;
  int rc;

  make_key (index, key);
  check_rc (db, sqlite3_bind_text (stmt, 1, key, KEY_CHARS, SQLITE_STATIC), SQLITE_OK, "bind");
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      if (rc == SQLITE_DONE)
        fail ("Row %" G_GINT64_FORMAT " (key %s) is missing", index + 1, key);
      check_rc (db, rc, SQLITE_ROW, "Reading a record by key");
    }
  if (sqlite3_column_int64 (stmt, 0) != index + 1)
    fail ("Key %s gave row %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT, key,
          (gint64) sqlite3_column_int64 (stmt, 0), index + 1);
  /* Fetch the body, as a caller would. */
  (void) sqlite3_column_text (stmt, 1);
  len = sqlite3_column_bytes (stmt, 1);
  sqlite3_reset (stmt);
  return len;
}

/* Phase 2: reads @first to @first + @n - 1 of the workload. */
static void
side_read (Side           *side,
           const Workload *workload,
           int             first,
           int             n)
{
  gint64 start = g_get_monotonic_time ();

  for (int i = first; i < first + n; i++)
    side->read_checksum += (guint64) read_by_key (side->db, side->read,
                                                  workload->read_indices[i]);
  side->read_us += g_get_monotonic_time () - start;
}

/* Phase 3: queries @first to @first + @n - 1. Even queries are one word,
 * fetching the first FTS_LIMIT rowids; odd ones are two words, counting
 * every row with both. */
static void
side_query (Side           *side,
            const Workload *workload,
            guint           first,
            guint           n)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = first; i < first + n; i++)
    {
      sqlite3_stmt *stmt = i % 2 == 0 ? side->fts_first : side->fts_count;
      const char *query = g_ptr_array_index (workload->queries, i);
      int rc;

      check_rc (side->db, sqlite3_bind_text (stmt, 1, query, -1, SQLITE_STATIC), SQLITE_OK,
                "bind");
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        side->fts_checksum += (guint64) sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
      check_rc (side->db, rc, SQLITE_DONE, "An FTS5 query");
    }
  side->fts_us += g_get_monotonic_time () - start;
}

/* ---- cold opens ---------------------------------------------------------- */

/* The row a cold open reads first. */
static gint64
cold_read_index (void)
{
  return (opt_rows * 7) / 13;
}

/* One point read on a fresh connection. */
static void
cold_read (sqlite3 *db,
           gint64   index)
{
  sqlite3_stmt *stmt = prepare_or_fail (db, READ_SQL);

  read_by_key (db, stmt, index);
  sqlite3_finalize (stmt);
}

/* After the last cold open and its first read: counts the rows (a full
 * scan of the smallest index), which is reported but is no part of the
 * open. */
static double
count_rows_ms (sqlite3 *db)
{
  sqlite3_stmt *stmt = prepare_or_fail (db, "SELECT count(*) FROM records");
  gint64 start = g_get_monotonic_time ();
  gint64 n;

  check_rc (db, sqlite3_step (stmt), SQLITE_ROW, "Counting the records");
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (n != opt_rows)
    fail ("The database holds %" G_GINT64_FORMAT " records, not %" G_GINT64_FORMAT, n, opt_rows);
  return ms_between (start, g_get_monotonic_time ());
}

/* Phase 4 for the plain database: open and pragmas, then the first read
 * (which is also the first to read the schema). */
static void
cold_open_plain (Side *side,
                 guint rep)
{
  gint64 start = g_get_monotonic_time ();
  sqlite3 *db = open_plain (plain_path, FALSE);
  gint64 opened = g_get_monotonic_time ();

  cold_read (db, cold_read_index ());
  side->open_ms[rep] = ms_between (start, opened);
  side->first_ms[rep] = ms_between (opened, g_get_monotonic_time ());
  if (rep == OPEN_REPEATS - 1)
    side->count_ms = count_rows_ms (db);
  close_or_fail (db);
}

/* Key derivation alone, as lia_store_unlock() does it: load the key file
 * and unwrap the master key with the limits recorded in it. */
static double
measure_kdf_ms (const char *key_path)
{
  g_autoptr (LiaSecret) passphrase = lia_secret_new_from_string (PASSPHRASE);
  g_autoptr (LiaSecret) master = NULL;
  g_autoptr (GError) error = NULL;
  LiaKeyFile keyfile;
  gint64 start = g_get_monotonic_time ();

  if (!lia_keyfile_load (key_path, &keyfile, &error))
    fail ("Could not load the key file: %s", error->message);
  master = lia_keyfile_unwrap (&keyfile, passphrase, &error);
  if (master == NULL)
    fail ("Could not unwrap the master key: %s", error->message);
  return ms_between (start, g_get_monotonic_time ());
}

/* Phase 4 for the store: the KDF alone, then lia_store_unlock() and the
 * first read. As a check that needs no subtraction of one Argon2id run
 * from another, a second connection to the unlocked store
 * (lia_store_open_connection(), which runs no KDF) is also opened and read
 * from cold. */
static void
cold_open_encrypted (Side *side,
                     guint rep)
{
  g_autofree char *key_path = g_build_filename (store_dir, LIA_STORE_KEY_NAME, NULL);
  g_autoptr (LiaStore) store = lia_store_new (store_dir);
  g_autoptr (GError) error = NULL;
  sqlite3 *other;
  gint64 start, unlocked;

  /* The first Argon2id run after a pause is measurably slower than the
   * next (its 128 MiB come as fresh pages), so one untimed run first puts
   * the timed KDF and the KDF inside the unlock on the same footing. */
  (void) measure_kdf_ms (key_path);
  side->kdf_ms[rep] = measure_kdf_ms (key_path);

  start = g_get_monotonic_time ();
  if (!lia_store_unlock (store, PASSPHRASE, NULL, &error))
    fail ("Could not unlock the store: %s", error->message);
  unlocked = g_get_monotonic_time ();
  cold_read (lia_store_get_db (store), cold_read_index ());
  side->open_ms[rep] = ms_between (start, unlocked);
  side->first_ms[rep] = ms_between (unlocked, g_get_monotonic_time ());

  start = g_get_monotonic_time ();
  other = lia_store_open_connection (store, &error);
  if (other == NULL)
    fail ("Could not open a second connection to the store: %s", error->message);
  cold_read (other, cold_read_index () / 2);
  side->connection_ms[rep] = ms_between (start, g_get_monotonic_time ());
  close_or_fail (other);

  if (rep == OPEN_REPEATS - 1)
    side->count_ms = count_rows_ms (lia_store_get_db (store));
  lia_store_lock (store);
}

/* ---- memory -------------------------------------------------------------- */

static double
ru_maxrss_mib (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return -1;
  return (double) usage.ru_maxrss / 1024.0;  /* KiB on Linux */
}

/* VmHWM from /proc/self/status, or -1 where there is none. */
static double
vm_hwm_mib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "\nVmHWM:");
  if (line == NULL)
    return -1;
  return g_ascii_strtod (line + strlen ("\nVmHWM:"), NULL) / 1024.0;  /* kB */
}

/* Resets VmHWM (and so ru_maxrss) to the current RSS; Linux 4.0 and later. */
static gboolean
reset_hwm (void)
{
  FILE *f = fopen ("/proc/self/clear_refs", "w");
  gboolean ok;

  if (f == NULL)
    return FALSE;
  ok = fputs ("5", f) >= 0;
  return fclose (f) == 0 && ok;
}

/* The 1-minute load average, or -1: how busy the (shared) machine was. */
static double
load_average (void)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &contents, NULL, NULL))
    return -1;
  return g_ascii_strtod (contents, NULL);
}

/* ---- output -------------------------------------------------------------- */

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double da = *(const double *) a, db = *(const double *) b;

  return da < db ? -1 : da > db ? 1 : 0;
}

static double
median (const double *values)
{
  double sorted[OPEN_REPEATS];

  memcpy (sorted, values, sizeof sorted);
  qsort (sorted, OPEN_REPEATS, sizeof *sorted, compare_doubles);
  return OPEN_REPEATS % 2 == 1
           ? sorted[OPEN_REPEATS / 2]
           : (sorted[OPEN_REPEATS / 2 - 1] + sorted[OPEN_REPEATS / 2]) / 2;
}

static double
minimum (const double *values)
{
  double m = values[0];

  for (guint i = 1; i < OPEN_REPEATS; i++)
    m = MIN (m, values[i]);
  return m;
}

static double
maximum (const double *values)
{
  double m = values[0];

  for (guint i = 1; i < OPEN_REPEATS; i++)
    m = MAX (m, values[i]);
  return m;
}

/* Rounded so that the JSON carries no more digits than are meaningful
 * (JsonGenerator still prints 17 significant digits, but parsers read the
 * rounded value back); negative values mean "not known" and become null. */
static void
add_double (JsonBuilder *builder,
            const char  *name,
            double       value,
            int          decimals)
{
  double scale = pow (10, decimals);

  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, round (value * scale) / scale);
}

static void
add_mib (JsonBuilder *builder,
         const char  *name,
         double       value)
{
  if (value < 0)
    {
      json_builder_set_member_name (builder, name);
      json_builder_add_null_value (builder);
    }
  else
    add_double (builder, name, value, 1);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_bool (JsonBuilder *builder,
          const char  *name,
          gboolean     value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

static double
us_to_s (gint64 us)
{
  return (double) us / G_USEC_PER_SEC;
}

static void
add_side_common (JsonBuilder *builder,
                 const Side  *side)
{
  add_double (builder, "insert_s", us_to_s (side->insert_us), 3);
  add_double (builder, "inserts_per_s", (double) opt_rows / us_to_s (side->insert_us), 0);
  add_double (builder, "point_reads_s", us_to_s (side->read_us), 4);
  add_double (builder, "reads_per_s", opt_reads / us_to_s (side->read_us), 0);
  add_double (builder, "fts_queries_s", us_to_s (side->fts_us), 4);
  add_double (builder, "queries_per_s", opt_queries / us_to_s (side->fts_us), 0);
}

typedef struct
{
  double row_bytes;
  double rss_before_kdf;   /* VmHWM before lia_store_create() */
  double kdf_hwm;          /* VmHWM after it */
  double workload_hwm;     /* VmHWM of the workload, from a reset after the KDF */
  double peak_rss;
} Memory;

typedef struct
{
  double load_start;
  double load_end;
} Machine;

static char *
build_json (const Side    *plain,
            const Side    *enc,
            double         row_bytes,
            const Memory  *memory,
            const Machine *machine)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  double insert_ratio = (double) enc->insert_us / (double) plain->insert_us;
  double read_ratio = (double) enc->read_us / (double) plain->read_us;
  double fts_ratio = (double) enc->fts_us / (double) plain->fts_us;
  double unlock_ms = median (enc->open_ms);
  double kdf_ms = median (enc->kdf_ms);
  double enc_first_ms = median (enc->first_ms);
  /* The open proper: the unlock less the KDF, plus the first read. The
   * jitter of Argon2id (see kdf_ms_min and kdf_ms_max; tens of ms on a busy
   * machine) is far larger than the rest of an unlock, and differences of
   * medians, or medians of per-run differences, come out negative as often
   * as not. Noise only ever adds time, so the fastest unlock less the
   * fastest KDF is the estimate; second_connection_cold_ms, which needs no
   * subtraction, is there to check it. */
  double after_kdf_ms = minimum (enc->open_ms) - minimum (enc->kdf_ms) + enc_first_ms;
  double plain_open_ms = median (plain->open_ms) + median (plain->first_ms);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "benchmark");
  json_builder_add_string_value (builder, "store");
  add_int (builder, "rows", opt_rows);
  add_double (builder, "row_bytes", row_bytes, 1);
  add_int (builder, "reads", opt_reads);
  add_int (builder, "queries", opt_queries);
  add_int (builder, "rows_per_transaction", BATCH_ROWS);
  add_double (builder, "cache_mib", cache_mib, 1);
  add_int (builder, "open_repeats", OPEN_REPEATS);

  json_builder_set_member_name (builder, "encrypted");
  json_builder_begin_object (builder);
  add_side_common (builder, enc);
  add_double (builder, "kdf_ms", kdf_ms, 1);
  add_double (builder, "kdf_ms_min", minimum (enc->kdf_ms), 1);
  add_double (builder, "kdf_ms_max", maximum (enc->kdf_ms), 1);
  add_double (builder, "unlock_ms", unlock_ms, 1);
  add_double (builder, "unlock_ms_min", minimum (enc->open_ms), 1);
  add_double (builder, "first_query_ms", enc_first_ms, 2);
  add_double (builder, "cold_open_after_kdf_ms", after_kdf_ms, 2);
  add_double (builder, "second_connection_cold_ms", median (enc->connection_ms), 2);
  add_double (builder, "count_all_ms", enc->count_ms, 1);
  add_int (builder, "db_bytes", enc->db_bytes);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "plain");
  json_builder_begin_object (builder);
  add_side_common (builder, plain);
  add_double (builder, "first_query_ms", median (plain->first_ms), 2);
  add_double (builder, "cold_open_ms", plain_open_ms, 2);
  add_double (builder, "count_all_ms", plain->count_ms, 1);
  add_int (builder, "db_bytes", plain->db_bytes);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "ratio");
  json_builder_begin_object (builder);
  add_double (builder, "insert", insert_ratio, 3);
  add_double (builder, "point_reads", read_ratio, 3);
  add_double (builder, "fts_queries", fts_ratio, 3);
  add_double (builder, "db_bytes", (double) enc->db_bytes / (double) plain->db_bytes, 3);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "targets");
  json_builder_begin_object (builder);
  add_double (builder, "insert_ratio_max", TARGET_INSERT_RATIO_MAX, 2);
  add_double (builder, "read_ratio_max", TARGET_READ_RATIO_MAX, 2);
  add_double (builder, "cold_open_after_kdf_ms_max", TARGET_COLD_OPEN_MS_MAX, 0);
  add_double (builder, "peak_rss_mib_max", TARGET_PEAK_RSS_MIB_MAX, 0);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "met");
  json_builder_begin_object (builder);
  add_bool (builder, "insert", insert_ratio <= TARGET_INSERT_RATIO_MAX);
  add_bool (builder, "point_reads", read_ratio <= TARGET_READ_RATIO_MAX);
  add_bool (builder, "cold_open", after_kdf_ms <= TARGET_COLD_OPEN_MS_MAX);
  add_bool (builder, "peak_rss",
            memory->peak_rss >= 0 && memory->peak_rss <= TARGET_PEAK_RSS_MIB_MAX);
  json_builder_end_object (builder);

  add_mib (builder, "peak_rss_mib", memory->peak_rss);
  add_mib (builder, "rss_before_kdf_mib", memory->rss_before_kdf);
  add_mib (builder, "kdf_rss_hwm_mib", memory->kdf_hwm);
  add_mib (builder, "workload_rss_hwm_mib", memory->workload_hwm);
  json_builder_set_member_name (builder, "sqlite_version");
  json_builder_add_string_value (builder, sqlite3_libversion ());
  json_builder_set_member_name (builder, "libsodium_version");
  json_builder_add_string_value (builder, sodium_version_string ());
  json_builder_set_member_name (builder, "machine");
  json_builder_begin_object (builder);
  add_int (builder, "cores", g_get_num_processors ());
  add_double (builder, "load_average_start", machine->load_start, 2);
  add_double (builder, "load_average_end", machine->load_end, 2);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  return json_generator_to_data (generator, NULL);
}

/* ---- main ---------------------------------------------------------------- */

static void
prepare_work_dir (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *db_path = NULL;

  if (opt_dir != NULL)
    {
      if (g_mkdir_with_parents (opt_dir, 0700) != 0)
        fail ("Could not create %s: %s", opt_dir, g_strerror (errno));
      work_dir = g_canonicalize_filename (opt_dir, NULL);
    }
  else
    {
      work_dir = g_dir_make_tmp ("bench-store-XXXXXX", &error);
      if (work_dir == NULL)
        fail ("Could not make a temporary directory: %s", error->message);
    }

  /* Refuse to overwrite anything (and so to remove it at the end). */
  store_dir = g_build_filename (work_dir, STORE_NAME, NULL);
  db_path = g_build_filename (work_dir, PLAIN_NAME, NULL);
  if (g_file_test (store_dir, G_FILE_TEST_EXISTS) || g_file_test (db_path, G_FILE_TEST_EXISTS))
    {
      g_clear_pointer (&store_dir, g_free);
      fail ("%s already holds a %s or a %s; give another --dir", work_dir, STORE_NAME,
            PLAIN_NAME);
    }
  plain_path = g_steal_pointer (&db_path);
}

/* Phase 1 for both sides: each batch is made once (untimed) and inserted
 * into one side and then the other. Returns the mean bytes per row. */
static double
insert_rows (const Vocabulary *vocab,
             Side             *sides[2])
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (DATA_SEED);
  g_autofree Batch *batch = g_new0 (Batch, 1);
  guint64 bytes = 0;
  guint turn = 0;

  for (guint i = 0; i < BATCH_ROWS; i++)
    batch->bodies[i] = g_string_sized_new (BODY_MIN_BYTES + BODY_SPREAD_BYTES + 32);

  for (gint64 first = 0; first < opt_rows; first += BATCH_ROWS, turn++)
    {
      batch->first = first;
      batch->n = (int) MIN ((gint64) BATCH_ROWS, opt_rows - first);
      for (int i = 0; i < batch->n; i++)
        {
          make_key (first + i, batch->keys[i]);
          make_body (vocab, rand, batch->bodies[i]);
          bytes += KEY_CHARS + batch->bodies[i]->len;
        }
      side_insert (sides[turn % 2], batch);
      side_insert (sides[(turn + 1) % 2], batch);

      if ((first + batch->n) % PROGRESS_ROWS == 0 || first + batch->n == opt_rows)
        progress ("%" G_GINT64_FORMAT " rows inserted: %s %.1f s, %s %.1f s", first + batch->n,
                  sides[0]->label, us_to_s (sides[0]->insert_us),
                  sides[1]->label, us_to_s (sides[1]->insert_us));
    }

  for (guint i = 0; i < BATCH_ROWS; i++)
    g_string_free (batch->bodies[i], TRUE);
  return (double) bytes / (double) opt_rows;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- benchmark the encrypted store");
  g_autoptr (GError) error = NULL;
  g_autoptr (Vocabulary) vocab = NULL;
  g_autoptr (Workload) workload = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autofree char *json = NULL;
  g_autofree char *store_db_path = NULL;
  Side plain = { .label = "plain" }, enc = { .label = "encrypted" };
  Side *sides[2] = { &plain, &enc };
  Memory memory = { 0 };
  Machine machine = { 0 };
  gboolean hwm_was_reset;
  double row_bytes;
  gint64 start;
  guint turn = 0;

  start_time = g_get_monotonic_time ();
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
                                "Runs the same insert, point-read, FTS5 and cold-open workload "
                                "on plain SQLite and on an encrypted Liaison store, interleaved, "
                                "and prints the results as one JSON object.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    fail ("%s", error->message);
  if (argc > 1)
    fail ("Unexpected argument '%s'", argv[1]);
  if (opt_rows < 1 || opt_rows > G_MAXINT32 || opt_reads < 1 || opt_queries < 1)
    fail ("--rows, --reads and --queries must be at least 1 (and --rows below 2^31)");

  /* As every Liaison program does before touching SQLite: both sides then
   * share the same SQLite set-up (its wiping allocator included). */
  lia_crypt_vfs_register ();
  prepare_work_dir ();
  machine.load_start = load_average ();
  progress ("working in %s (load average %.2f)", work_dir, machine.load_start);

  vocab = vocabulary_new ();
  workload = workload_new (vocab);

  plain.db = open_plain (plain_path, TRUE);
  side_create_schema (&plain);

  /* The store, with the shipped Argon2id limits: the first KDF. */
  memory.rss_before_kdf = vm_hwm_mib ();
  store = lia_store_new (store_dir);
  start = g_get_monotonic_time ();
  if (!lia_store_create (store, "Bench Council", LIA_ORG_KIND_LOCAL_AUTHORITY, PASSPHRASE, NULL,
                         &error))
    fail ("Could not create the store: %s", error->message);
  progress ("store created in %.0f ms", ms_between (start, g_get_monotonic_time ()));
  memory.kdf_hwm = vm_hwm_mib ();
  memory.peak_rss = MAX (memory.kdf_hwm, ru_maxrss_mib ());
  hwm_was_reset = reset_hwm ();
  enc.db = lia_store_get_db (store);
  side_create_schema (&enc);
  if (opt_cache_mib > 0)
    {
      /* An integer of our own; PRAGMA takes no bound parameters. */
      g_autofree char *pragma = g_strdup_printf ("PRAGMA cache_size = -%d", opt_cache_mib * 1024);

      exec_or_fail (plain.db, pragma);
      exec_or_fail (enc.db, pragma);
    }
  cache_mib = cache_size_mib (enc.db);

  /* Phase 1. */
  progress ("inserting %" G_GINT64_FORMAT " rows into each database", opt_rows);
  row_bytes = insert_rows (vocab, sides);

  /* Phase 2. */
  progress ("%d point reads on each", opt_reads);
  for (int first = 0; first < opt_reads; first += READ_CHUNK, turn++)
    {
      int n = MIN (READ_CHUNK, opt_reads - first);

      side_read (sides[turn % 2], workload, first, n);
      side_read (sides[(turn + 1) % 2], workload, first, n);
    }
  progress ("point reads: plain %.2f s, encrypted %.2f s", us_to_s (plain.read_us),
            us_to_s (enc.read_us));

  /* Phase 3. */
  for (guint first = 0; first < (guint) opt_queries; first += QUERY_GROUP, turn++)
    {
      guint n = MIN (QUERY_GROUP, (guint) opt_queries - first);

      side_query (sides[turn % 2], workload, first, n);
      side_query (sides[(turn + 1) % 2], workload, first, n);
    }
  progress ("FTS5 queries: plain %.2f s, encrypted %.2f s", us_to_s (plain.fts_us),
            us_to_s (enc.fts_us));

  if (plain.read_checksum != enc.read_checksum || plain.fts_checksum != enc.fts_checksum)
    fail ("The two databases disagree (reads %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT
          ", queries %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT ")",
          plain.read_checksum, enc.read_checksum, plain.fts_checksum, enc.fts_checksum);

  /* The workload's own memory, with both databases open and no KDF since
   * the reset. */
  memory.workload_hwm = hwm_was_reset ? vm_hwm_mib () : -1;

  side_finalize_statements (&plain);
  side_finalize_statements (&enc);
  close_or_fail (plain.db);
  plain.db = NULL;
  enc.db = NULL;
  lia_store_lock (store);
  g_clear_object (&store);

  /* Phase 4. */
  for (guint rep = 0; rep < OPEN_REPEATS; rep++, turn++)
    {
      if (turn % 2 == 0)
        {
          cold_open_plain (&plain, rep);
          cold_open_encrypted (&enc, rep);
        }
      else
        {
          cold_open_encrypted (&enc, rep);
          cold_open_plain (&plain, rep);
        }
    }
  progress ("cold opens: plain %.2f ms; encrypted KDF %.0f ms, unlock %.0f ms",
            median (plain.open_ms) + median (plain.first_ms), median (enc.kdf_ms),
            median (enc.open_ms));

  plain.db_bytes = database_bytes (plain_path);
  store_db_path = g_build_filename (store_dir, LIA_STORE_DB_NAME, NULL);
  enc.db_bytes = database_bytes (store_db_path);

  /* Phase 5: the reset above may have lowered ru_maxrss below the KDF's
   * peak in lia_store_create(), which is why that was kept. */
  memory.peak_rss = MAX (memory.peak_rss, MAX (ru_maxrss_mib (), vm_hwm_mib ()));
  machine.load_end = load_average ();
  json = build_json (&plain, &enc, row_bytes, &memory, &machine);
  g_print ("%s\n", json);

  remove_work_dir ();
  if (opt_keep)
    progress ("kept %s", work_dir);
  g_clear_pointer (&work_dir, g_free);
  g_clear_pointer (&store_dir, g_free);
  g_clear_pointer (&plain_path, g_free);
  g_clear_pointer (&opt_dir, g_free);
  return 0;
}
