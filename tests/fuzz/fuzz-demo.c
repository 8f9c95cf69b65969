/* fuzz-demo.c: lia_demo_load() on arbitrary demo-data files.
 *
 * Demo data is a JSON file that a person may be given and load with
 * `liaison-cli demo load FILE`, so its loader is a decoder of untrusted
 * bytes. The loader promises all or nothing: everything in the file goes
 * in, or nothing does.
 *
 * Once per process this creates a store (the cheap test Argon2id limits),
 * loads the built-in demo into it, so that the fuzzed file meets
 * organisations, a case and records that are already there, and keeps a
 * pristine copy of its files and of every row of every table. Each input
 * is then loaded as a demo file, this store playing the first demo
 * organisation of its own kind (as_key NULL, own_only FALSE), and:
 *
 *  - if the load fails, the error must be a LIA_MODEL_ERROR or a
 *    JSON_PARSER_ERROR with a UTF-8 message, and every table must hold
 *    exactly the rows it held before, byte for byte;
 *  - if it succeeds, there must be one more case, as many more records and
 *    requests as the result says (and the organisation it played, in
 *    UTF-8), every row that was there before must
 *    still be there unchanged (loading only adds), and the new case, its
 *    records, requests and chronology must read back; the store is then put
 *    back to the pristine copy, so that every input starts from the same
 *    store and a failure replays from its input alone.
 *
 * Either way no transaction may be left open, every text value in the
 * database must be valid UTF-8, and the library must log no warning.
 * LIA_FUZZ_VERBOSE=1 prints what each input did.
 *
 * Empty documents, documents without a root and \u escapes of lone
 * UTF-16 surrogates (which json-glib lets through as bytes that are not
 * UTF-8) were the first bugs this target found; their inputs are in the
 * corpus (corpus/demo/empty*, corpus/demo/lone-surrogate*).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sodium.h>

#include "fuzz-util.h"
#include "lia-case.h"
#include "lia-demo.h"
#include "lia-keyfile.h"
#include "lia-record.h"
#include "lia-request.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

#define ORG_NAME "Fuzz Borough Council"

/* Every table of the schema, with the fixed statement that reads all of
 * it. The full-text tables are read with their rowids, which tie them to
 * their cases and records. set_up() fails if the schema has a table that
 * is not here, so that a new migration cannot slip past the harness, and
 * skips those here that the schema does not have (yet). */
typedef struct
{
  const char *name;
  const char *sql;
} Table;

static const Table tables[] = {
  { "organisation", "SELECT * FROM organisation" },
  { "org", "SELECT * FROM org" },
  { "lcase", "SELECT * FROM lcase" },
  { "case_field", "SELECT * FROM case_field" },
  { "participant", "SELECT * FROM participant" },
  { "attendee", "SELECT * FROM attendee" },
  { "delay_notice", "SELECT * FROM delay_notice" },
  { "record", "SELECT * FROM record" },
  { "record_version", "SELECT * FROM record_version" },
  { "request", "SELECT * FROM request" },
  { "request_event", "SELECT * FROM request_event" },
  { "record_fts", "SELECT rowid, * FROM record_fts" },
  { "case_fts", "SELECT rowid, * FROM case_fts" },
  { "chronology", "SELECT * FROM chronology" },
  { "retired_box_key", "SELECT * FROM retired_box_key" },
  { "share", "SELECT * FROM share" },
  { "record_recipient", "SELECT * FROM record_recipient" },
  { "destruction_receipt", "SELECT * FROM destruction_receipt" },
  { "envelope", "SELECT * FROM envelope" },
  { "envelope_recipient", "SELECT * FROM envelope_recipient" },
  { "disclosure_log", "SELECT * FROM disclosure_log" },
  { "disclosure_log_head", "SELECT * FROM disclosure_log_head" },
  { "envelope_held", "SELECT * FROM envelope_held" },
  { "sync_peer", "SELECT * FROM sync_peer" },
  { "setting", "SELECT * FROM setting" },
  { "attachment", "SELECT * FROM attachment" },
  { "chunk_ref", "SELECT * FROM chunk_ref" },
  { "chunk", "SELECT * FROM chunk" },
  { "chunk_staged", "SELECT * FROM chunk_staged" },
  { "chunk_garbage", "SELECT * FROM chunk_garbage" },
  /* What may be due to be sealed (migration 7): marks, which a load may
   * add to and a failed one leaves as they were; a mark may be made twice,
   * so each is told apart by its rowid. */
  { "seal_due", "SELECT rowid, * FROM seal_due" },
  /* The deadline engine's results (lia-deadlines.c): a loaded case adds
   * its own; those of cases already there stay as they were. Nothing may
   * be left waiting in milestone_stale after a load, whatever its end
   * (checked below). */
  { "milestone", "SELECT * FROM milestone" },
  { "milestone_basis", "SELECT * FROM milestone_basis" },
  { "milestone_stale", "SELECT * FROM milestone_stale" },
};

#define N_TABLES      G_N_ELEMENTS (tables)
#define TABLE_LCASE   2   /* indexes into tables[] */
#define TABLE_RECORD  7
#define TABLE_REQUEST 9
#define TABLE_STALE   (N_TABLES - 1)

/* What the database holds: for each table its rows, each as a BLAKE2b
 * digest of its columns (type and bytes). Rows are unique within a table
 * (each has a key among its columns), so a set is enough. */
#define ROW_DIGEST_LEN 16

typedef struct
{
  GHashTable *rows[N_TABLES];  /* owned: set of GBytes, each a row's digest */
} State;

typedef struct
{
  char     *root;              /* owned: the temporary directory */
  char     *dir;               /* owned: the store directory inside it */
  char     *db_path;           /* owned */
  char     *wal_path;          /* owned */
  char     *shm_path;          /* owned */
  LiaStore *store;             /* owned */
  GBytes   *db;                /* owned: the pristine database file */
  GBytes   *wal;               /* owned: the pristine WAL, or NULL if there was none */
  State     pristine;          /* owned: the rows of the pristine store */
  gboolean  present[N_TABLES]; /* which of tables[] the schema has */
  gboolean  verbose;
} Fixture;

static Fixture *fixture;

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

G_GNUC_NORETURN G_GNUC_PRINTF (1, 2) static void
fail (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  fputs ("fuzz-demo: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  /* The input reproduces the failure; the files would only pile up. */
  if (fixture != NULL && fixture->root != NULL)
    fuzz_remove_tree (fixture->root);
  /* abort(), not g_error(): libFuzzer saves the input on SIGABRT. */
  abort ();
}

/* Criticals and warnings from the library are bugs here: make them crash
 * the way libFuzzer notices. */
static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  GLogWriterOutput result = g_log_writer_default (log_level, fields, n_fields, user_data);

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    fail ("the library logged a warning or worse (above)");
  return result;
}

/* ---- files ------------------------------------------------------------------ */





/* The file at @path, or NULL if there is none. */
static GBytes *
read_if_there (const char *path)
{
  char *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return NULL;
      fail ("setting up: %s", error->message);
    }
  return g_bytes_new_take (contents, len);
}

/* ---- the rows ---------------------------------------------------------------- */

static void
state_clear (State *state)
{
  for (guint t = 0; t < N_TABLES; t++)
    g_clear_pointer (&state->rows[t], g_hash_table_unref);
}

static void
hash_value (crypto_generichash_state *hash,
            int                       type,
            const guint8             *bytes,
            gsize                     len)
{
  guint8 header[9];

  /* The type and the length first, so that no two rows hash alike by
   * moving bytes from one column to the next. */
  header[0] = (guint8) type;
  for (guint i = 0; i < 8; i++)
    header[1 + i] = (guint8) ((guint64) len >> (8 * i));
  crypto_generichash_update (hash, header, sizeof header);
  if (len > 0)
    crypto_generichash_update (hash, bytes, len);
}

/* Every row of every table, as digests. Fails if any text value is not
 * valid UTF-8: nothing in Liaison may store it. */
static void
take_state (State *state)
{
  sqlite3 *db = lia_store_get_db (fixture->store);
  crypto_generichash_state hash;

  if (db == NULL)
    fail ("the store is locked");
  for (guint t = 0; t < N_TABLES; t++)
    {
      sqlite3_stmt *stmt = NULL;
      int rc;

      state->rows[t] = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                              (GDestroyNotify) g_bytes_unref, NULL);
      if (!fixture->present[t])
        continue;
      rc = sqlite3_prepare_v2 (db, tables[t].sql, -1, &stmt, NULL);
      if (rc != SQLITE_OK)
        fail ("could not read the table %s: %s", tables[t].name, sqlite3_errmsg (db));
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          int n_columns = sqlite3_column_count (stmt);
          guint8 digest[ROW_DIGEST_LEN];

          crypto_generichash_init (&hash, NULL, 0, sizeof digest);
          for (int c = 0; c < n_columns; c++)
            {
              int type = sqlite3_column_type (stmt, c);

              switch (type)
                {
                case SQLITE_INTEGER:
                  {
                    gint64 v = sqlite3_column_int64 (stmt, c);

                    hash_value (&hash, type, (const guint8 *) &v, sizeof v);
                  }
                  break;
                case SQLITE_FLOAT:
                  {
                    double v = sqlite3_column_double (stmt, c);

                    hash_value (&hash, type, (const guint8 *) &v, sizeof v);
                  }
                  break;
                case SQLITE_TEXT:
                  {
                    const char *text = (const char *) sqlite3_column_text (stmt, c);
                    int len = sqlite3_column_bytes (stmt, c);

                    if (len > 0 && !g_utf8_validate_len (text, (gsize) len, NULL))
                      fail ("column %d of a row of %s is not valid UTF-8 text (%d bytes)",
                            c + 1, tables[t].name, len);
                    hash_value (&hash, type, (const guint8 *) text, (gsize) len);
                  }
                  break;
                case SQLITE_BLOB:
                  hash_value (&hash, type, sqlite3_column_blob (stmt, c),
                              (gsize) sqlite3_column_bytes (stmt, c));
                  break;
                case SQLITE_NULL:
                default:
                  hash_value (&hash, type, NULL, 0);
                  break;
                }
            }
          crypto_generichash_final (&hash, digest, sizeof digest);
          if (!g_hash_table_add (state->rows[t], g_bytes_new (digest, sizeof digest)))
            fail ("two rows of %s are the same", tables[t].name);
        }
      if (rc != SQLITE_DONE)
        fail ("could not read the table %s: %s", tables[t].name, sqlite3_errmsg (db));
      sqlite3_finalize (stmt);
    }
}

/* How many rows of @before's table @t are not in @after's. */
static guint
count_missing (const State *before,
               const State *after,
               guint        t)
{
  GHashTableIter iter;
  gpointer row;
  guint missing = 0;

  g_hash_table_iter_init (&iter, before->rows[t]);
  while (g_hash_table_iter_next (&iter, &row, NULL))
    if (!g_hash_table_contains (after->rows[t], row))
      missing++;
  return missing;
}

static guint
n_rows (const State *state,
        guint        t)
{
  return g_hash_table_size (state->rows[t]);
}

/* Fails unless every table of @after holds exactly the rows of @before. */
static void
expect_same_state (const State *before,
                   const State *after,
                   const char  *context)
{
  for (guint t = 0; t < N_TABLES; t++)
    {
      guint missing = count_missing (before, after, t);

      if (missing > 0 || n_rows (before, t) != n_rows (after, t))
        fail ("%s, yet the table %s changed: %u rows before, %u after, %u of them changed or "
              "gone", context, tables[t].name, n_rows (before, t), n_rows (after, t), missing);
    }
}

/* ---- set-up ------------------------------------------------------------------ */

static void
cleanup (void)
{
  if (fixture == NULL)
    return;
  if (fixture->store != NULL)
    lia_store_lock (fixture->store);
  g_clear_object (&fixture->store);
  state_clear (&fixture->pristine);
  fuzz_remove_tree (fixture->root);
  g_free (fixture->root);
  g_free (fixture->dir);
  g_free (fixture->db_path);
  g_free (fixture->wal_path);
  g_free (fixture->shm_path);
  g_clear_pointer (&fixture->db, g_bytes_unref);
  g_clear_pointer (&fixture->wal, g_bytes_unref);
  g_clear_pointer (&fixture, g_free);
}

/* Locks the store, writes its pristine files back and unlocks it. */
static void
restore_pristine (void)
{
  g_autoptr (GError) error = NULL;

  lia_store_lock (fixture->store);
  fuzz_write_file (fixture->db_path, g_bytes_get_data (fixture->db, NULL),
              g_bytes_get_size (fixture->db));
  if (fixture->wal != NULL)
    fuzz_write_file (fixture->wal_path, g_bytes_get_data (fixture->wal, NULL),
                g_bytes_get_size (fixture->wal));
  else
    fuzz_remove_file (fixture->wal_path);
  fuzz_remove_file (fixture->shm_path);
  if (!lia_store_unlock (fixture->store, LIA_TEST_PASSPHRASE, NULL, &error))
    fail ("could not unlock the pristine store again: %s", error->message);
}

/* The schema must have no table that tables[] leaves out (FTS5's own
 * shadow tables aside: the virtual tables stand for them); notes which of
 * them it has. */
static void
find_tables (void)
{
  sqlite3 *db = lia_store_get_db (fixture->store);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT name FROM sqlite_schema WHERE type = 'table' "
                              "AND name NOT LIKE 'sqlite!_%' ESCAPE '!' "
                              "AND name NOT GLOB '*_fts_*'", -1, &stmt, NULL) != SQLITE_OK)
    fail ("setting up: could not read the schema: %s", sqlite3_errmsg (db));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);
      gboolean known = FALSE;

      for (guint t = 0; t < N_TABLES; t++)
        if (g_strcmp0 (tables[t].name, name) == 0)
          {
            fixture->present[t] = TRUE;
            known = TRUE;
          }
      if (!known)
        fail ("setting up: the schema has a table %s that the harness does not check; add it "
              "to tables[] in fuzz-demo.c", name);
    }
  if (rc != SQLITE_DONE)
    fail ("setting up: could not read the schema: %s", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  if (!g_str_equal (tables[TABLE_LCASE].name, "lcase")
      || !g_str_equal (tables[TABLE_RECORD].name, "record")
      || !g_str_equal (tables[TABLE_REQUEST].name, "request")
      || !g_str_equal (tables[TABLE_STALE].name, "milestone_stale"))
    fail ("setting up: TABLE_LCASE, TABLE_RECORD, TABLE_REQUEST or TABLE_STALE is not where "
          "tables[] has it");
  if (!fixture->present[TABLE_LCASE] || !fixture->present[TABLE_RECORD]
      || !fixture->present[TABLE_REQUEST])
    fail ("setting up: the schema has no lcase, record or request table");
}

static void
set_up (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) demo = NULL;
  LiaDemoResult result = { NULL, };
  State again = { { NULL, } };

  g_log_set_writer_func (log_writer, NULL, NULL);
  lia_keyfile_set_limits_for_testing (LIA_TEST_KDF_OPSLIMIT, LIA_TEST_KDF_MEMLIMIT);

  fixture = g_new0 (Fixture, 1);
  fixture->verbose = g_strcmp0 (g_getenv ("LIA_FUZZ_VERBOSE"), "1") == 0;
  fixture->root = fuzz_make_root ();
  fixture->dir = g_build_filename (fixture->root, "store", NULL);
  fixture->db_path = g_build_filename (fixture->dir, LIA_STORE_DB_NAME, NULL);
  fixture->wal_path = g_strconcat (fixture->db_path, "-wal", NULL);
  fixture->shm_path = g_strconcat (fixture->db_path, "-shm", NULL);
  atexit (cleanup);

  fixture->store = lia_store_new (fixture->dir);
  if (!lia_store_create (fixture->store, ORG_NAME, LIA_ORG_KIND_LOCAL_AUTHORITY,
                         LIA_TEST_PASSPHRASE, NULL, &error))
    fail ("setting up: could not create the store: %s", error->message);
  find_tables ();

  /* The built-in demo, so that inputs meet existing organisations (found
   * again by name) and a case and records that a load must not touch. */
  demo = lia_demo_get_default (&error);
  if (demo == NULL
      || !lia_demo_load (fixture->store, demo, NULL, FALSE, &result, &error))
    fail ("setting up: could not load the built-in demo: %s", error->message);
  lia_demo_result_clear (&result);

  lia_store_lock (fixture->store);
  fixture->db = read_if_there (fixture->db_path);
  fixture->wal = read_if_there (fixture->wal_path);
  if (fixture->db == NULL)
    fail ("setting up: the store has no database file");
  restore_pristine ();
  take_state (&fixture->pristine);

  /* The harness itself: putting the store back gives the same rows. */
  restore_pristine ();
  take_state (&again);
  expect_same_state (&fixture->pristine, &again, "setting up: the store was put back");
  state_clear (&again);

  if (fixture->verbose)
    fprintf (stderr, "fuzz-demo: store in %s, %u cases, %u records, %u requests\n",
             fixture->dir, n_rows (&fixture->pristine, TABLE_LCASE),
             n_rows (&fixture->pristine, TABLE_RECORD), n_rows (&fixture->pristine, TABLE_REQUEST));
}

/* ---- one load ------------------------------------------------------------------ */

static void
expect_load_error (const GError *error,
                   gboolean      may_be_invalid_utf8)
{
  if (error == NULL)
    fail ("the load failed without an error");
  if (error->domain != LIA_MODEL_ERROR && error->domain != JSON_PARSER_ERROR)
    fail ("the load failed with an unexpected error %s:%d: %s",
          g_quark_to_string (error->domain), error->code, error->message);
  if (error->message == NULL || error->message[0] == '\0')
    fail ("the load failed with an empty message");
  if (!g_utf8_validate (error->message, -1, NULL) && !may_be_invalid_utf8)
    fail ("the load failed with a message that is not valid UTF-8");
}

/* What a successful load made must read back through the model. */
static void
expect_loaded (const LiaDemoResult *result)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaCase) lcase = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GPtrArray) requests = NULL;
  g_autoptr (GPtrArray) chronology = NULL;

  lcase = lia_case_load (fixture->store, result->case_id, &error);
  if (lcase == NULL)
    fail ("the loaded case %s does not load: %s", result->case_id, error->message);
  records = lia_record_list (fixture->store, result->case_id, -1, &error);
  if (records == NULL)
    fail ("the records of the loaded case do not list: %s", error->message);
  if (records->len != result->n_records)
    fail ("the load reported %u records, and the case lists %u", result->n_records,
          records->len);
  requests = lia_request_list (fixture->store, result->case_id, &error);
  if (requests == NULL)
    fail ("the requests of the loaded case do not list: %s", error->message);
  if (requests->len != result->n_requests)
    fail ("the load reported %u requests, and the case lists %u", result->n_requests,
          requests->len);
  chronology = lia_chronology_get (fixture->store, result->case_id, NULL, &error);
  if (chronology == NULL)
    fail ("the chronology of the loaded case does not read: %s", error->message);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  LiaDemoResult result = { NULL, };
  State after = { { NULL, } };
  gboolean ok;

  if (fixture == NULL)
    set_up ();

  /* An exact-size copy, so that AddressSanitizer sees a read past its end
   * (and for no bytes, a GBytes whose data is NULL). */
  bytes = g_bytes_new (data, size);
  ok = lia_demo_load (fixture->store, bytes, NULL, FALSE, &result, &error);

  if (!sqlite3_get_autocommit (lia_store_get_db (fixture->store)))
    fail ("the load %s and left a transaction open", ok ? "succeeded" : "failed");
  take_state (&after);
  if (n_rows (&after, TABLE_STALE) != 0)
    fail ("the load %s and left %u cases' deadlines to be worked out", ok ? "succeeded" : "failed",
          n_rows (&after, TABLE_STALE));

  if (!ok)
    {
      expect_load_error (error, FALSE);
      if (result.case_id != NULL || result.as_key != NULL)
        fail ("the load failed but filled in its result");
      if (fixture->verbose)
        fprintf (stderr, "fuzz-demo: %" G_GSIZE_FORMAT " bytes: %s\n", size, error->message);
      expect_same_state (&fixture->pristine, &after, "the load failed");
      state_clear (&after);
      return 0;
    }

  if (error != NULL)
    fail ("the load succeeded but set an error: %s", error->message);
  if (result.case_id == NULL || result.as_key == NULL)
    fail ("the load succeeded without a case id or the organisation it played");
  if (!g_utf8_validate (result.as_key, -1, NULL))
    fail ("the load succeeded, playing an organisation whose key is not valid UTF-8");
  if (fixture->verbose)
    fprintf (stderr, "fuzz-demo: %" G_GSIZE_FORMAT " bytes: loaded case %s as %s, %u records, "
             "%u requests\n", size, result.case_id, result.as_key, result.n_records,
             result.n_requests);
  for (guint t = 0; t < N_TABLES; t++)
    {
      guint missing = count_missing (&fixture->pristine, &after, t);

      if (missing > 0)
        fail ("the load succeeded, but %u rows of %s that were there before changed or are gone",
              missing, tables[t].name);
    }
  if (n_rows (&after, TABLE_LCASE) != n_rows (&fixture->pristine, TABLE_LCASE) + 1)
    fail ("the load succeeded, and there are %u cases instead of %u",
          n_rows (&after, TABLE_LCASE), n_rows (&fixture->pristine, TABLE_LCASE) + 1);
  if (n_rows (&after, TABLE_RECORD) != n_rows (&fixture->pristine, TABLE_RECORD) + result.n_records)
    fail ("the load reported %u records, and %u were added", result.n_records,
          n_rows (&after, TABLE_RECORD) - n_rows (&fixture->pristine, TABLE_RECORD));
  if (n_rows (&after, TABLE_REQUEST)
      != n_rows (&fixture->pristine, TABLE_REQUEST) + result.n_requests)
    fail ("the load reported %u requests, and %u were added", result.n_requests,
          n_rows (&after, TABLE_REQUEST) - n_rows (&fixture->pristine, TABLE_REQUEST));
  expect_loaded (&result);

  lia_demo_result_clear (&result);
  state_clear (&after);
  restore_pristine ();
  return 0;
}
