/* fuzz-store-pages.c: a real store opened from damaged or forged files.
 *
 * Once per process this creates a small store (the cheap test Argon2id
 * limits) holding a table of rows whose contents the harness can recompute,
 * checkpoints it, commits two more transactions that stay in the
 * write-ahead log, and keeps a pristine copy of the database file and of the
 * WAL. For each input it writes those files back with the mutations that
 * the input describes, then unlocks the store, reads the whole table, runs
 * lia_store_check() and locks the store again.
 *
 * Each step must either succeed or fail with a LiaStoreError (TAMPERED,
 * CORRUPT or FAILED); anything else aborts, and so does any of these:
 *
 *  - a row that is not one the harness wrote (unauthenticated bytes reached
 *    SQL), or an organisation name other than the one the store was made
 *    with;
 *  - unlock, the read and the check all succeeding although the database
 *    file differs from the pristine one: every byte of it belongs to a
 *    sealed page, so a changed byte must be noticed;
 *  - a table that is none of the states its transactions committed (a
 *    transaction applied in part, say from WAL frames moved or given
 *    another commit mark). LIA_FUZZ_STRICT_ATOMIC=0 in the environment
 *    turns this one check off.
 *
 * The input is a list of up to eight records, each applied in turn to the
 * pristine files (an empty input changes nothing):
 *
 *   byte 0     operation: bits 0-2 its kind (see Op); bit 3 removes the WAL,
 *              bit 4 recomputes the WAL's checksums after the last record the
 *              way an attacker can (see fix_wal_checksums()); bit 5 makes the
 *              offset count database pages or WAL frames, and makes OP_COPY
 *              copy WAL frames rather than database pages
 *   bytes 1-4  offset, little-endian, reduced to at most one page or frame
 *              past the end of the file (see pick_offset()); for OP_COPY the
 *              source in the low 16 bits and the target above them
 *   bytes 5-6  payload length, little-endian
 *   bytes 7-   payload (what remains, if shorter)
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

#include "fuzz-util.h"
#include "lia-crypt-vfs.h"
#include "lia-keyfile.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

#define PAGE_SIZE       LIA_CRYPT_PAGE_SIZE
#define WAL_HDR_SIZE    32
#define FRAME_HDR       24
#define FRAME_SIZE      (FRAME_HDR + PAGE_SIZE)
#define RECORD_HDR      7
#define MAX_RECORDS     8
#define MAX_FILE        (1024 * 1024)
#define MAX_FRAMES      64

#define ORG_NAME        "Fuzz Borough Council"
/* State 0: rows 1..N_BASE_ROWS, written and checkpointed into the database
 * file. Two more transactions stay in the WAL: the first (state 1)
 * rewrites every third row, the second (state 2) every fifth and adds rows
 * up to N_ROWS. The last base row, which neither touches, needs three
 * overflow pages: they are the last pages of the database file. */
#define N_BASE_ROWS     23
#define N_ROWS          27
#define N_STATES        3
G_STATIC_ASSERT (N_BASE_ROWS % 3 != 0 && N_BASE_ROWS % 5 != 0);

typedef enum
{
  OP_XOR_DB,
  OP_WRITE_DB,
  OP_RESIZE_DB,
  OP_XOR_WAL,
  OP_WRITE_WAL,
  OP_RESIZE_WAL,
  OP_REPLACE_WAL,
  OP_COPY,
} Op;

#define FLAG_NO_WAL     (1 << 3)
#define FLAG_FIX_WAL    (1 << 4)
#define FLAG_ALIGNED    (1 << 5)

typedef struct
{
  char     *root;        /* owned: the temporary directory */
  char     *dir;         /* owned: the store directory inside it */
  char     *db_path;     /* owned */
  char     *wal_path;    /* owned */
  char     *shm_path;    /* owned */
  LiaStore *store;       /* owned */
  GBytes   *db;          /* owned: the pristine database file */
  GBytes   *wal;         /* owned: the pristine WAL */
  gboolean  strict_atomic;
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
  fputs ("fuzz-store-pages: ", stderr);
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

/* ---- the rows --------------------------------------------------------------- */

/* The generation of row @id in @state, or -1 if it does not exist then. */
static gint64
row_gen_in_state (gint64 id,
                  int    state)
{
  gboolean base = id >= 1 && id <= N_BASE_ROWS;

  if (state >= 2 && ((base && id % 5 == 0) || (id > N_BASE_ROWS && id <= N_ROWS)))
    return 2;
  if (state >= 1 && base && id % 3 == 0)
    return 1;
  return base ? 0 : -1;
}

static gboolean
row_exists (gint64 id,
            gint64 gen)
{
  for (int state = 0; state < N_STATES; state++)
    if (gen >= 0 && row_gen_in_state (id, state) == gen)
      return TRUE;
  return FALSE;
}

static char *
make_body (gint64 id,
           gint64 gen)
{
  gsize len = id == N_BASE_ROWS ? 3 * PAGE_SIZE : 150 + (gsize) (id * 37) % 200;
  GString *body = g_string_sized_new (len + 64);

  while (body->len < len)
    g_string_append_printf (body, "row %" G_GINT64_FORMAT " generation %" G_GINT64_FORMAT "; ",
                            id, gen);
  g_string_truncate (body, len);
  return g_string_free (body, FALSE);
}

static void
exec_or_die (const char *sql)
{
  g_autoptr (GError) error = NULL;

  if (!lia_store_exec (fixture->store, sql, &error))
    fail ("setting up: %s: %s", sql, error->message);
}

static void
put_row (sqlite3 *db,
         gint64   id,
         gint64   gen)
{
  g_autofree char *body = make_body (id, gen);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, "INSERT OR REPLACE INTO fuzz_rows (id, gen, body) "
                              "VALUES (?, ?, ?)", -1, &stmt, NULL) != SQLITE_OK
      || sqlite3_bind_int64 (stmt, 1, id) != SQLITE_OK
      || sqlite3_bind_int64 (stmt, 2, gen) != SQLITE_OK
      || sqlite3_bind_text (stmt, 3, body, -1, SQLITE_TRANSIENT) != SQLITE_OK
      || sqlite3_step (stmt) != SQLITE_DONE)
    fail ("setting up: could not write row %" G_GINT64_FORMAT ": %s", id, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
}

/* ---- files ------------------------------------------------------------------ */




static void
cleanup (void)
{
  if (fixture == NULL)
    return;
  if (fixture->store != NULL)
    lia_store_lock (fixture->store);
  g_clear_object (&fixture->store);
  fuzz_remove_tree (fixture->root);
  g_free (fixture->root);
  g_free (fixture->dir);
  g_free (fixture->db_path);
  g_free (fixture->wal_path);
  g_free (fixture->shm_path);
  g_bytes_unref (fixture->db);
  g_bytes_unref (fixture->wal);
  g_clear_pointer (&fixture, g_free);
}


/* ---- WAL checksums ---------------------------------------------------------- */

static guint32
get_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint32
get_le32 (const guint8 *p)
{
  return ((guint32) p[3] << 24) | ((guint32) p[2] << 16) | ((guint32) p[1] << 8) | p[0];
}

static void
put_be32 (guint8 *p,
          guint32 v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
}

/* SQLite's WAL checksum (walChecksumBytes()); @data is NULL for zeros. */
static void
wal_checksum (gboolean      big_endian,
              const guint8 *data,
              gsize         len,
              guint32       sum[2])
{
  for (gsize i = 0; i + 8 <= len; i += 8)
    {
      guint32 x0 = 0, x1 = 0;

      if (data != NULL)
        {
          x0 = big_endian ? get_be32 (data + i) : get_le32 (data + i);
          x1 = big_endian ? get_be32 (data + i + 4) : get_le32 (data + i + 4);
        }
      sum[0] += x0 + sum[1];
      sum[1] += x1 + sum[0];
    }
}

static gboolean
wal_header_valid (const guint8 *wal,
                  gsize         len)
{
  guint32 magic;

  if (len < WAL_HDR_SIZE)
    return FALSE;
  magic = get_be32 (wal);
  return magic == 0x377f0682 || magic == 0x377f0683;
}

/* The checksum SQLite computes over a frame is linear in the previous
 * checksum and in the frame's words, so the part a page image contributes
 * can be recovered from any frame whose checksums are known, without
 * knowing the plaintext: an attacker who holds an old WAL can do this. The
 * contribution of each pristine frame is kept, keyed by its sealed image;
 * an image that does not open reaches SQLite as zeros during recovery,
 * which contribute nothing. */
typedef struct
{
  const guint8 *image;  /* borrowed, into the pristine WAL; with its header before it */
  guint32       contribution[2];
  gboolean      big_endian;
} FrameSum;

static FrameSum frame_sums[MAX_FRAMES];
static guint n_frame_sums;

static void
learn_frame_sums (const guint8 *wal,
                  gsize         len)
{
  guint32 sum[2] = { 0, 0 };
  gboolean big_endian;

  n_frame_sums = 0;
  if (!wal_header_valid (wal, len))
    return;
  big_endian = get_be32 (wal) & 1;
  sum[0] = get_be32 (wal + 24);
  sum[1] = get_be32 (wal + 28);
  for (gsize offset = WAL_HDR_SIZE; offset + FRAME_SIZE <= len && n_frame_sums < MAX_FRAMES;
       offset += FRAME_SIZE)
    {
      const guint8 *frame = wal + offset;
      FrameSum *fs = &frame_sums[n_frame_sums++];
      guint32 zero_sum[2] = { sum[0], sum[1] };

      wal_checksum (big_endian, frame, 8, zero_sum);
      wal_checksum (big_endian, NULL, PAGE_SIZE, zero_sum);
      fs->image = frame + FRAME_HDR;
      fs->big_endian = big_endian;
      fs->contribution[0] = get_be32 (frame + 16) - zero_sum[0];
      fs->contribution[1] = get_be32 (frame + 20) - zero_sum[1];
      sum[0] = get_be32 (frame + 16);
      sum[1] = get_be32 (frame + 20);
    }
}

/* Rewrites the checksums of @wal's header and of every whole frame, as an
 * attacker who edited frame headers or moved frames around would. */
static void
fix_wal_checksums (guint8 *wal,
                   gsize   len)
{
  guint32 sum[2] = { 0, 0 };
  gboolean big_endian;

  if (!wal_header_valid (wal, len))
    return;
  big_endian = get_be32 (wal) & 1;
  wal_checksum (big_endian, wal, 24, sum);
  put_be32 (wal + 24, sum[0]);
  put_be32 (wal + 28, sum[1]);
  for (gsize offset = WAL_HDR_SIZE; offset + FRAME_SIZE <= len; offset += FRAME_SIZE)
    {
      guint8 *frame = wal + offset;

      wal_checksum (big_endian, frame, 8, sum);
      wal_checksum (big_endian, NULL, PAGE_SIZE, sum);
      for (guint i = 0; i < n_frame_sums; i++)
        {
          const FrameSum *fs = &frame_sums[i];

          /* The image opens only under the page number it was sealed for. */
          if (fs->big_endian == big_endian && get_be32 (fs->image - FRAME_HDR) == get_be32 (frame)
              && memcmp (fs->image, frame + FRAME_HDR, PAGE_SIZE) == 0)
            {
              sum[0] += fs->contribution[0];
              sum[1] += fs->contribution[1];
              break;
            }
        }
      put_be32 (frame + 16, sum[0]);
      put_be32 (frame + 20, sum[1]);
    }
}

/* ---- one run of the store ----------------------------------------------------- */

typedef struct
{
  gboolean unlocked;
  gboolean read;
  gboolean checked;
  int      state;      /* the state the table is exactly in, or -1 */
  guint    n_rows;
  char    *failure;    /* owned: the first error, for the verbose log */
} Outcome;

static void
expect_store_error (const GError *error,
                    const char   *step)
{
  if (error == NULL)
    fail ("%s failed without an error", step);
  if (error->domain != LIA_STORE_ERROR
      || (error->code != LIA_STORE_ERROR_TAMPERED && error->code != LIA_STORE_ERROR_CORRUPT
          && error->code != LIA_STORE_ERROR_FAILED))
    fail ("%s failed with an unexpected error %s:%d: %s", step,
          g_quark_to_string (error->domain), error->code, error->message);
}

/* Reads the whole table; every row must be one the harness wrote. */
static gboolean
read_rows (sqlite3  *db,
           Outcome  *outcome,
           GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  gint64 seen[N_ROWS + 1];
  int rc;

  for (guint i = 0; i <= N_ROWS; i++)
    seen[i] = -1;
  rc = sqlite3_prepare_v2 (db, "SELECT id, gen, body FROM fuzz_rows ORDER BY id", -1, &stmt,
                           NULL);
  if (rc != SQLITE_OK)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the rows");
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      gint64 gen = sqlite3_column_int64 (stmt, 1);
      const char *body = (const char *) sqlite3_column_text (stmt, 2);
      int body_len = sqlite3_column_bytes (stmt, 2);
      g_autofree char *expected = NULL;

      if (!row_exists (id, gen))
        fail ("read a row that was never written: id %" G_GINT64_FORMAT ", generation %"
              G_GINT64_FORMAT, id, gen);
      expected = make_body (id, gen);
      if (body == NULL || (gsize) body_len != strlen (expected)
          || memcmp (body, expected, body_len) != 0)
        {
          int at = 0;

          while (body != NULL && at < body_len && body[at] == expected[at])
            at++;
          fail ("row %" G_GINT64_FORMAT " (generation %" G_GINT64_FORMAT ") reads back "
                "altered: %d bytes instead of %" G_GSIZE_FORMAT ", first difference at byte %d: "
                "unauthenticated data reached SQL", id, gen, body_len, strlen (expected), at);
        }
      if (seen[id] != -1)
        fail ("row %" G_GINT64_FORMAT " read twice", id);
      seen[id] = gen;
      outcome->n_rows++;
    }
  if (rc != SQLITE_DONE)
    {
      sqlite3_finalize (stmt);
      return lia_store_set_sqlite_error (error, db, rc, "Could not read the rows");
    }
  sqlite3_finalize (stmt);

  outcome->state = -1;
  for (int state = 0; state < N_STATES; state++)
    {
      gboolean same = TRUE;

      for (gint64 id = 1; id <= N_ROWS; id++)
        same = same && seen[id] == row_gen_in_state (id, state);
      if (same)
        outcome->state = state;
    }
  return TRUE;
}

static void
run_store (Outcome *outcome)
{
  g_autoptr (GError) error = NULL;
  LiaStore *store = fixture->store;

  memset (outcome, 0, sizeof *outcome);
  outcome->state = -1;
  if (!lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error))
    {
      expect_store_error (error, "unlock");
      outcome->failure = g_strdup (error->message);
      return;
    }
  outcome->unlocked = TRUE;
  if (g_strcmp0 (lia_store_get_org_name (store), ORG_NAME) != 0)
    fail ("unlocked with the organisation name \"%s\"", lia_store_get_org_name (store));

  if (read_rows (lia_store_get_db (store), outcome, &error))
    outcome->read = TRUE;
  else
    {
      expect_store_error (error, "reading the rows");
      outcome->failure = g_strdup (error->message);
      g_clear_error (&error);
    }

  if (lia_store_check (store, NULL, &error))
    outcome->checked = TRUE;
  else
    {
      expect_store_error (error, "the check");
      if (outcome->failure == NULL)
        outcome->failure = g_strdup (error->message);
    }
  lia_store_lock (store);
}

/* ---- set-up ------------------------------------------------------------------ */

static void
restore_pristine (void)
{
  fuzz_write_file (fixture->db_path, g_bytes_get_data (fixture->db, NULL),
              g_bytes_get_size (fixture->db));
  fuzz_write_file (fixture->wal_path, g_bytes_get_data (fixture->wal, NULL),
              g_bytes_get_size (fixture->wal));
  fuzz_remove_file (fixture->shm_path);
}

static GBytes *
read_or_die (const char *path)
{
  char *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (path, &contents, &len, &error))
    fail ("setting up: %s", error->message);
  return g_bytes_new_take (contents, len);
}

static void
set_up (void)
{
  g_autoptr (GError) error = NULL;
  sqlite3 *db;
  Outcome outcome;

  g_log_set_writer_func (log_writer, NULL, NULL);
  lia_keyfile_set_limits_for_testing (LIA_TEST_KDF_OPSLIMIT, LIA_TEST_KDF_MEMLIMIT);

  fixture = g_new0 (Fixture, 1);
  fixture->strict_atomic = g_strcmp0 (g_getenv ("LIA_FUZZ_STRICT_ATOMIC"), "0") != 0;
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
  db = lia_store_get_db (fixture->store);

  exec_or_die ("CREATE TABLE fuzz_rows (id INTEGER PRIMARY KEY, gen INTEGER NOT NULL, "
               "body TEXT NOT NULL) STRICT");
  exec_or_die ("BEGIN");
  for (gint64 id = 1; id <= N_BASE_ROWS; id++)
    put_row (db, id, 0);
  exec_or_die ("COMMIT");
  /* Everything so far into the database file; the WAL starts again. */
  exec_or_die ("PRAGMA wal_checkpoint(TRUNCATE)");

  for (int state = 1; state < N_STATES; state++)
    {
      exec_or_die ("BEGIN");
      for (gint64 id = 1; id <= N_ROWS; id++)
        if (row_gen_in_state (id, state) == state)
          put_row (db, id, state);
      exec_or_die ("COMMIT");
    }

  /* The files as a crash would leave them: the last two transactions only
   * in the WAL. */
  fixture->db = read_or_die (fixture->db_path);
  fixture->wal = read_or_die (fixture->wal_path);
  lia_store_lock (fixture->store);
  learn_frame_sums (g_bytes_get_data (fixture->wal, NULL), g_bytes_get_size (fixture->wal));

  if (g_bytes_get_size (fixture->db) % PAGE_SIZE != 0
      || (g_bytes_get_size (fixture->wal) - WAL_HDR_SIZE) % FRAME_SIZE != 0 || n_frame_sums < 2)
    fail ("setting up: unexpected file sizes (database %" G_GSIZE_FORMAT ", WAL %"
          G_GSIZE_FORMAT ")", g_bytes_get_size (fixture->db), g_bytes_get_size (fixture->wal));

  /* The harness itself: the pristine files open and read as the last
   * state, and without their WAL as the first. */
  restore_pristine ();
  run_store (&outcome);
  if (!outcome.unlocked || !outcome.read || !outcome.checked || outcome.state != N_STATES - 1)
    fail ("setting up: the pristine store does not open as expected: %s",
          outcome.failure ? outcome.failure : "wrong rows");
  g_free (outcome.failure);
  restore_pristine ();
  fuzz_remove_file (fixture->wal_path);
  run_store (&outcome);
  if (!outcome.unlocked || !outcome.read || !outcome.checked || outcome.state != 0)
    fail ("setting up: the pristine store without its WAL does not open as expected: %s",
          outcome.failure ? outcome.failure : "wrong rows");
  g_free (outcome.failure);

  if (fixture->verbose)
    fprintf (stderr, "fuzz-store-pages: store in %s, database %" G_GSIZE_FORMAT " pages, "
             "WAL %u frames\n", fixture->dir, g_bytes_get_size (fixture->db) / PAGE_SIZE,
             n_frame_sums);
}

/* ---- the mutation ---------------------------------------------------------- */

/* g_byte_array_set_size(), with any new bytes zero. */
static void
resize (GByteArray *file,
        gsize       len)
{
  gsize old_len = file->len;

  g_byte_array_set_size (file, len);
  if (len > old_len)
    memset (file->data + old_len, 0, len - old_len);
}

/* An offset into a file of @len bytes, up to one page or frame past its
 * end (a write there extends the file, with zeros in between). */
static gsize
pick_offset (guint32  raw,
             gsize    len,
             gboolean aligned,
             gboolean wal)
{
  gsize base = wal ? WAL_HDR_SIZE : 0;
  gsize unit = wal ? FRAME_SIZE : PAGE_SIZE;

  if (!aligned)
    return raw % (len + unit + 1);
  if (len < base)
    return base;
  return base + (raw % ((len - base) / unit + 2)) * unit;
}

static void
xor_into (GByteArray   *file,
          gsize         offset,
          const guint8 *payload,
          gsize         len)
{
  for (gsize i = 0; i < len && offset + i < file->len; i++)
    file->data[offset + i] ^= payload[i];
}

static void
write_into (GByteArray   *file,
            gsize         offset,
            const guint8 *payload,
            gsize         len)
{
  if (len == 0)
    return;
  if (offset + len > file->len)
    resize (file, offset + len);
  memcpy (file->data + offset, payload, len);
}

/* Copies database page or WAL frame @src over @dst (or after the last). */
static void
copy_unit (GByteArray *file,
           guint32     raw,
           gboolean    wal)
{
  gsize base = wal ? WAL_HDR_SIZE : 0;
  gsize unit = wal ? FRAME_SIZE : PAGE_SIZE;
  gsize n = file->len >= base ? (file->len - base) / unit : 0;
  gsize src, dst;

  if (n == 0)
    return;
  src = (raw & 0xffff) % n;
  dst = (raw >> 16) % (n + 1);
  if (base + (dst + 1) * unit > file->len)
    resize (file, base + (dst + 1) * unit);
  memmove (file->data + base + dst * unit, file->data + base + src * unit, unit);
}

/* Applies one record's operation to the files. */
static void
apply_record (guint         op_byte,
              guint32       raw,
              const guint8 *payload,
              gsize         len,
              GByteArray   *db,
              GByteArray   *wal)
{
  gboolean aligned = (op_byte & FLAG_ALIGNED) != 0;

  switch ((Op) (op_byte & 7))
    {
    case OP_XOR_DB:
      xor_into (db, pick_offset (raw, db->len, aligned, FALSE), payload, len);
      break;
    case OP_WRITE_DB:
      write_into (db, pick_offset (raw, db->len, aligned, FALSE), payload, len);
      break;
    case OP_RESIZE_DB:
      resize (db, pick_offset (raw, db->len, aligned, FALSE));
      break;
    case OP_XOR_WAL:
      xor_into (wal, pick_offset (raw, wal->len, aligned, TRUE), payload, len);
      break;
    case OP_WRITE_WAL:
      write_into (wal, pick_offset (raw, wal->len, aligned, TRUE), payload, len);
      break;
    case OP_RESIZE_WAL:
      resize (wal, pick_offset (raw, wal->len, aligned, TRUE));
      break;
    case OP_REPLACE_WAL:
      resize (wal, 0);
      if (len > 0)
        g_byte_array_append (wal, payload, len);
      break;
    case OP_COPY:
      copy_unit (aligned ? wal : db, raw, aligned);
      break;
    default:
      g_assert_not_reached ();
    }
  if (db->len > MAX_FILE || wal->len > MAX_FILE)
    fail ("the harness made a file larger than %d bytes", MAX_FILE);
}

static gboolean
bytes_equal (GByteArray *array,
             GBytes     *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return array->len == len && memcmp (array->data, data, len) == 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (GByteArray) db = NULL;
  g_autoptr (GByteArray) wal = NULL;
  gsize at = 0;
  guint flags = 0;
  gboolean db_changed, wal_changed, keep_wal;
  Outcome outcome;

  if (fixture == NULL)
    set_up ();

  db = g_byte_array_sized_new (g_bytes_get_size (fixture->db) + 2 * PAGE_SIZE);
  g_byte_array_append (db, g_bytes_get_data (fixture->db, NULL), g_bytes_get_size (fixture->db));
  wal = g_byte_array_sized_new (g_bytes_get_size (fixture->wal) + 2 * FRAME_SIZE);
  g_byte_array_append (wal, g_bytes_get_data (fixture->wal, NULL),
                       g_bytes_get_size (fixture->wal));

  for (guint r = 0; r < MAX_RECORDS && at < size; r++)
    {
      guint8 header[RECORD_HDR] = { 0 };
      gsize len;

      memcpy (header, data + at, MIN (size - at, (gsize) RECORD_HDR));
      at += MIN (size - at, (gsize) RECORD_HDR);
      len = MIN ((gsize) (header[5] | (header[6] << 8)), size - at);
      apply_record (header[0], get_le32 (header + 1), len > 0 ? data + at : NULL, len, db, wal);
      at += len;
      flags |= header[0] & (FLAG_NO_WAL | FLAG_FIX_WAL);
    }
  if (flags & FLAG_FIX_WAL)
    fix_wal_checksums (wal->data, wal->len);
  keep_wal = !(flags & FLAG_NO_WAL);

  db_changed = !bytes_equal (db, fixture->db);
  wal_changed = !keep_wal || !bytes_equal (wal, fixture->wal);

  fuzz_write_file (fixture->db_path, db->data, db->len);
  if (keep_wal)
    fuzz_write_file (fixture->wal_path, wal->data, wal->len);
  else
    fuzz_remove_file (fixture->wal_path);
  fuzz_remove_file (fixture->shm_path);

  run_store (&outcome);

  if (fixture->verbose)
    fprintf (stderr, "fuzz-store-pages: database %s (%u bytes), WAL %s (%u bytes): unlock %s, "
             "read %s (%u rows, state %d), check %s%s%s\n",
             db_changed ? "changed" : "pristine", db->len,
             !keep_wal ? "removed" : wal_changed ? "changed" : "pristine", keep_wal ? wal->len : 0,
             outcome.unlocked ? "ok" : "failed", outcome.read ? "ok" : "failed", outcome.n_rows,
             outcome.state, outcome.checked ? "ok" : "failed", outcome.failure ? ": " : "",
             outcome.failure ? outcome.failure : "");

  if (db_changed && outcome.unlocked && outcome.read && outcome.checked)
    fail ("the database file was changed (%s, %u bytes instead of %" G_GSIZE_FORMAT "), yet "
          "unlock, reading every row and the check all succeeded",
          db->len == g_bytes_get_size (fixture->db) ? "same size" : "resized", db->len,
          g_bytes_get_size (fixture->db));
  if (!db_changed && !wal_changed && !(outcome.unlocked && outcome.read && outcome.checked
                                       && outcome.state == N_STATES - 1))
    fail ("the pristine store failed to open: %s",
          outcome.failure != NULL ? outcome.failure : "wrong rows");
  if (fixture->strict_atomic && outcome.read && outcome.state < 0)
    fail ("the table (%u rows) is none of the states its transactions committed: part of a "
          "transaction was applied", outcome.n_rows);

  g_free (outcome.failure);
  return 0;
}
