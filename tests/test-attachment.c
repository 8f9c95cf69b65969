/* test-attachment.c: files attached to records, between real stores.
 *
 * Four organisations: the council attaches files to its records, which it
 * shares with the police and the IOPC team; the ICB takes part in the case
 * but receives none of them. Chunks move as the sync engine will move them
 * (lia_attachment_wanted, _chunk_get, _chunk_put), and by bundle; the
 * last tests run liaison-cli as a script would.
 *
 * LIAISON_ATTACHMENT_BIG_MB is the size of the large round trip (50 by
 * default); LIAISON_ATTACHMENT_CHECK_RSS=1 also checks that attaching and
 * fetching it never holds the file in memory (not under AddressSanitizer,
 * whose quarantine keeps freed memory).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lia-attachment-private.h"
#include "lia-bundle.h"
#include "lia-db.h"
#include "lia-envelope.h"
#include "lia-exchange.h"
#include "lia-peer.h"
#include "lia-record.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

#define N_ORGS 4

static const struct
{
  const char *name;
  LiaOrgKind  kind;
  LiaRole     role;
} org_defs[N_ORGS] = {
  { "Northshire Council", LIA_ORG_KIND_LOCAL_AUTHORITY, LIA_ROLE_LOCAL_AUTHORITY },
  { "Northshire Police", LIA_ORG_KIND_POLICE, LIA_ROLE_POLICE },
  { "IOPC Team 4", LIA_ORG_KIND_IOPC, LIA_ROLE_IOPC },
  { "Northshire ICB", LIA_ORG_KIND_ICB, LIA_ROLE_ICB },
};

enum { COUNCIL, POLICE, IOPC, ICB };

typedef struct
{
  LiaStore *stores[N_ORGS];
  char     *dirs[N_ORGS];
  char     *work;       /* a directory for the files attached and fetched */
  char     *case_id;    /* led by the council; everyone takes part */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  static const char *const reports[] = { "information-report", NULL };
  g_autoptr (GError) error = NULL;
  LiaCaseDraft draft = {
    .title = "Child F", .child = "Child F", .area = "Northshire", .aware = "2026-09-01",
    .type = "serious-harm",
  };

  for (int i = 0; i < N_ORGS; i++)
    {
      g_autofree char *parent = lia_test_make_dir ("attachment");

      f->dirs[i] = g_build_filename (parent, "liaison", NULL);
      f->stores[i] = lia_store_new (f->dirs[i]);
      g_assert_true (lia_store_create (f->stores[i], org_defs[i].name, org_defs[i].kind,
                                       LIA_TEST_PASSPHRASE, NULL, &error));
      g_assert_no_error (error);
    }
  for (int i = 0; i < N_ORGS; i++)
    for (int j = 0; j < N_ORGS; j++)
      if (i != j)
        lia_test_introduce (f->stores[i], f->stores[j]);
  f->work = lia_test_make_dir ("files");

  f->case_id = lia_case_create (f->stores[COUNCIL], &draft, "A. Lead", &error);
  g_assert_no_error (error);
  for (int i = POLICE; i < N_ORGS; i++)
    {
      g_autoptr (LiaOrg) org = lia_store_find_org (f->stores[COUNCIL], org_defs[i].name, &error);

      g_assert_no_error (error);
      g_assert_true (lia_case_add_participant (f->stores[COUNCIL], f->case_id, org,
                                               org_defs[i].role, "A. Contact", NULL, NULL,
                                               &error));
      g_assert_no_error (error);
    }
  /* Information reports go to the police and the IOPC, not to the ICB. */
  g_assert_true (lia_case_share (f->stores[COUNCIL], f->case_id, org_defs[POLICE].name, reports,
                                 NULL, &error));
  g_assert_true (lia_case_share (f->stores[COUNCIL], f->case_id, org_defs[IOPC].name, reports,
                                 NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  for (int i = 0; i < N_ORGS; i++)
    {
      g_clear_object (&f->stores[i]);
      g_free (f->dirs[i]);
    }
  g_free (f->work);
  g_free (f->case_id);
}

/* ---- helpers -------------------------------------------------------------- */

static const guint8 *
key_of (LiaStore *store)
{
  return g_bytes_get_data (lia_store_get_identity_public_key (store), NULL);
}

/* A new information report of the council's, shared with the police and
 * the IOPC. */
static char *
new_report (Fixture *f, const char *text, const char *destroy_on)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) fields = destroy_on != NULL
                                    ? lia_test_fields ("text", text, "destroy-on", destroy_on, NULL)
                                    : lia_test_fields ("text", text, NULL);
  char *id = lia_record_add (f->stores[COUNCIL], f->case_id, LIA_RECORD_INFORMATION_REPORT,
                             fields, &error);

  g_assert_no_error (error);
  return id;
}

/* Writes @size pseudo-random bytes (from @seed) to @name in the work
 * directory, 64 KiB at a time; returns the path. */
static char *
write_file (Fixture *f, const char *name, guint64 size, guint32 seed)
{
  char *path = g_build_filename (f->work, name, NULL);
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  guint32 block[16384];
  FILE *out = fopen (path, "wb");

  g_assert_nonnull (out);
  for (guint64 done = 0; done < size;)
    {
      gsize n = MIN (sizeof block, size - done);

      for (guint i = 0; i < G_N_ELEMENTS (block); i++)
        block[i] = g_rand_int (rand);
      g_assert_cmpuint (fwrite (block, 1, n, out), ==, n);
      done += n;
    }
  g_assert_cmpint (fclose (out), ==, 0);
  return path;
}

/* BLAKE2b-256 of a file, read 64 KiB at a time, as hex. */
static char *
file_digest (const char *path)
{
  crypto_generichash_state state;
  guint8 buffer[65536], digest[32];
  char hex[65];
  FILE *in = fopen (path, "rb");
  gsize n;

  g_assert_nonnull (in);
  crypto_generichash_init (&state, NULL, 0, sizeof digest);
  while ((n = fread (buffer, 1, sizeof buffer, in)) > 0)
    crypto_generichash_update (&state, buffer, n);
  g_assert_cmpint (fclose (in), ==, 0);
  crypto_generichash_final (&state, digest, sizeof digest);
  sodium_bin2hex (hex, sizeof hex, digest, sizeof digest);
  return g_strdup (hex);
}

static LiaAttachment *
attach (LiaStore *store, const char *record_id, const char *path, const char *type)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = g_file_new_for_path (path);
  LiaAttachment *a = lia_attachment_attach (store, record_id, file, NULL, type, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (a);
  return a;
}

/* The same, for a test that needs only its number. */
static guint
attach_file (LiaStore *store, const char *record_id, const char *path, const char *type)
{
  g_autoptr (LiaAttachment) a = attach (store, record_id, path, type);

  return a->index;
}

static void
assert_fetch_equals (LiaStore *store, const char *record_id, guint index, const char *original,
                     const char *out_name, Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = g_build_filename (f->work, out_name, NULL);
  g_autofree char *want = file_digest (original);
  g_autofree char *got = NULL;

  g_assert_true (lia_attachment_fetch (store, record_id, index, out, TRUE, NULL, &error));
  g_assert_no_error (error);
  got = file_digest (out);
  g_assert_cmpstr (got, ==, want);
}

/* The one attachment of @record_id numbered @index, as progress sees it. */
static LiaAttachment *
progress_of (LiaStore *store, const char *record_id, guint index)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = lia_attachment_progress (store, record_id, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (all->len, >=, index);
  return g_ptr_array_steal_index (all, index - 1);
}

static guint
held_of (LiaStore *store, const char *record_id, guint index)
{
  g_autoptr (LiaAttachment) a = progress_of (store, record_id, index);

  return a->n_held;
}

static guint
n_wanted (LiaStore *store, LiaStore *from)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) wanted = lia_attachment_wanted (store, from != NULL ? key_of (from) : NULL,
                                                        0, &error);

  g_assert_no_error (error);
  return wanted->len;
}

/* The envelopes @from holds for @to, imported one by one: what sync will
 * do before it asks for any chunk. Returns how many were new. */
static guint
deliver_envelopes (LiaStore *from, LiaStore *to)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  sqlite3 *db = lia_store_get_db (from);
  guint accepted = 0;

  g_assert_true (lia_exchange_seal_pending (from, NULL, &error));
  g_assert_no_error (error);
  stmt = lia_db_prepare (db, "SELECT e.bytes FROM envelope e "
                             "JOIN envelope_recipient er ON er.envelope_seq = e.seq "
                             "JOIN org o ON o.id = er.recipient WHERE o.sign_public = ? "
                             "ORDER BY e.seq", &error);
  g_assert_no_error (error);
  sqlite3_bind_blob (stmt, 1, key_of (to), 32, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr (GBytes) bytes = g_bytes_new (sqlite3_column_blob (stmt, 0),
                                              sqlite3_column_bytes (stmt, 0));
      g_autoptr (GError) local_error = NULL;
      LiaImportOutcome outcome;

      /* The one refusal that is right: a version of a record destroyed or
       * withdrawn here already. */
      if (!lia_exchange_import_envelope (to, bytes, &outcome, &local_error))
        g_assert_nonnull (strstr (local_error->message, "an earlier version is not stored again"));
      else if (outcome == LIA_IMPORT_ACCEPTED)
        accepted++;
    }
  return accepted;
}

/* Moves up to @max of the chunks @to wants from @from through the put and
 * get API, as the sync engine will; returns how many moved. */
static guint
transfer_chunks (LiaStore *from, LiaStore *to, guint max)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) wanted = lia_attachment_wanted (to, key_of (from), max, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < wanted->len; i++)
    {
      const guint8 *hash = g_bytes_get_data (wanted->pdata[i], NULL);
      g_autoptr (GBytes) chunk = lia_attachment_chunk_get (from, hash, key_of (to), &error);
      LiaImportOutcome outcome;

      g_assert_no_error (error);
      g_assert_true (lia_attachment_chunk_put (to, hash, chunk, &outcome, &error));
      g_assert_no_error (error);
      g_assert_cmpint (outcome, ==, LIA_IMPORT_ACCEPTED);
    }
  return wanted->len;
}

static gint64
count (LiaStore *store, const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM %s", table);

  return lia_test_query_int (store, sql);
}

static guint64
file_size (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return 0;
  return st.st_size;
}

/* ---- round trips ---------------------------------------------------------- */

static void
round_trip (Fixture *f, guint64 size)
{
  g_autofree char *record_id = new_report (f, "A file of some size.", NULL);
  g_autofree char *path = write_file (f, "original", size, (guint32) size);
  g_autofree char *wal = g_build_filename (f->dirs[COUNCIL], LIA_STORE_DB_NAME "-wal", NULL);
  g_autoptr (LiaAttachment) a = NULL;
  g_autoptr (LiaAttachment) seen = NULL;
  g_autoptr (LiaRecord) record = NULL;
  g_autoptr (GError) error = NULL;
  gboolean check_rss = g_strcmp0 (g_getenv ("LIAISON_ATTACHMENT_CHECK_RSS"), "1") == 0;
  struct rusage before, after;
  guint n = lia_attachment_n_chunks (size);

  getrusage (RUSAGE_SELF, &before);
  a = attach (f->stores[COUNCIL], record_id, path, "application/pdf");
  g_assert_cmpuint (a->index, ==, 1);
  g_assert_cmpuint (a->size, ==, size);
  g_assert_cmpuint (a->n_chunks, ==, n);
  g_assert_cmpstr (a->media_type, ==, "application/pdf");
  g_assert_cmpstr (a->name, ==, "original");
  /* Chunks written a few per transaction: the write-ahead log, which
   * SQLite reuses from its start once checkpointed but never shrinks,
   * shows the largest transaction. */
  g_assert_cmpuint (file_size (wal), <, 16 * 1024 * 1024);

  record = lia_record_load (f->stores[COUNCIL], record_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (record->version, ==, 2);
  seen = progress_of (f->stores[COUNCIL], record_id, 1);
  g_assert_cmpuint (seen->n_chunks, ==, n);
  g_assert_cmpuint (seen->n_held, ==, n);
  g_assert_cmpint (count (f->stores[COUNCIL], "chunk"), ==, n);
  g_assert_cmpint (count (f->stores[COUNCIL], "chunk_staged"), ==, 0);

  assert_fetch_equals (f->stores[COUNCIL], record_id, 1, path, "fetched", f);
  getrusage (RUSAGE_SELF, &after);
  g_test_message ("%" G_GUINT64_FORMAT " bytes: %u chunks, write-ahead log %" G_GUINT64_FORMAT
                  " bytes, peak RSS %ld KiB then %ld KiB",
                  size, n, file_size (wal), before.ru_maxrss, after.ru_maxrss);
  /* A file held whole in memory, by attach or fetch, would raise the peak
   * by its size. */
  if (check_rss && size >= 32 * 1024 * 1024)
    g_assert_cmpint (after.ru_maxrss - before.ru_maxrss, <, 24 * 1024);
}

static void
test_round_trip_empty (Fixture *f, gconstpointer data)
{
  round_trip (f, 0);
}

static void
test_round_trip_one_byte (Fixture *f, gconstpointer data)
{
  round_trip (f, 1);
}

static void
test_round_trip_one_chunk (Fixture *f, gconstpointer data)
{
  round_trip (f, LIA_ATTACHMENT_CHUNK_SIZE);
}

static void
test_round_trip_one_chunk_and_a_byte (Fixture *f, gconstpointer data)
{
  round_trip (f, LIA_ATTACHMENT_CHUNK_SIZE + 1);
}

static void
test_round_trip_large (Fixture *f, gconstpointer data)
{
  const char *mb = g_getenv ("LIAISON_ATTACHMENT_BIG_MB");
  guint64 size = (mb != NULL ? g_ascii_strtoull (mb, NULL, 10) : 50) * 1000 * 1000;

  round_trip (f, size);
}

/* ---- what others can get -------------------------------------------------- */

/* Nothing of a file is readable in the store's files, and a chunk itself
 * is ciphertext. */
static void
test_not_readable_at_rest (Fixture *f, gconstpointer data)
{
  static const char marker[] = "PLAINTEXT MARKER OF AN ATTACHED FILE, NEVER TO BE SEEN ON DISK";
  g_autofree char *record_id = new_report (f, "A recognisable file.", NULL);
  g_autofree char *path = g_build_filename (f->work, "marked.txt", NULL);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (LiaAttachment) a = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  const char *files[] = { LIA_STORE_DB_NAME, LIA_STORE_DB_NAME "-wal" };
  guint chunks = 0;

  while (text->len < 2 * LIA_ATTACHMENT_CHUNK_SIZE)
    g_string_append (text, marker);
  g_assert_true (g_file_set_contents (path, text->str, text->len, &error));
  a = attach (f->stores[COUNCIL], record_id, path, "text/plain");

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *file = g_build_filename (f->dirs[COUNCIL], files[i], NULL);
      g_autoptr (GBytes) bytes = NULL;

      if (!g_file_test (file, G_FILE_TEST_EXISTS))
        continue;
      bytes = lia_test_read_file (file);
      g_assert_null (memmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), marker,
                             strlen (marker)));
      g_assert_null (memmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "MARKER",
                             6));
    }
  /* Under the store's own encryption, each chunk is encrypted too. */
  stmt = lia_db_prepare (lia_store_get_db (f->stores[COUNCIL]), "SELECT bytes FROM chunk", &error);
  g_assert_no_error (error);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_assert_null (memmem (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0),
                             "MARKER", 6));
      chunks++;
    }
  g_assert_cmpuint (chunks, ==, 3);
}

/* A chunk goes only to an organisation named on the envelope of a version
 * that lists it: the originator gives it to its recipients, a recipient
 * relays it to another recipient, and neither gives it to anyone else. */
static void
test_chunk_get_entitled_only (Fixture *f, gconstpointer data)
{
  g_autofree char *record_id = new_report (f, "For the police and the IOPC.", NULL);
  g_autofree char *path = write_file (f, "scan.pdf", 3 * LIA_ATTACHMENT_CHUNK_SIZE, 7);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) wanted = NULL;
  g_autoptr (GBytes) chunk = NULL;
  guint8 stranger[32];
  const guint8 *hash;

  attach_file (f->stores[COUNCIL], record_id, path, NULL);
  g_assert_cmpuint (deliver_envelopes (f->stores[COUNCIL], f->stores[POLICE]), >, 0);
  g_assert_cmpuint (deliver_envelopes (f->stores[COUNCIL], f->stores[ICB]), >, 0);
  wanted = lia_attachment_wanted (f->stores[POLICE], NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wanted->len, ==, 3);
  hash = g_bytes_get_data (wanted->pdata[0], NULL);

  /* The ICB takes part in the case but is no recipient of the report. */
  chunk = lia_attachment_chunk_get (f->stores[COUNCIL], hash, key_of (f->stores[ICB]), &error);
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_ENTITLED);
  g_assert_null (chunk);
  g_clear_error (&error);
  g_assert_cmpuint (n_wanted (f->stores[ICB], NULL), ==, 0);
  /* Nor does a stranger get anything, not even word that the chunk is
   * held here. */
  randombytes_buf (stranger, sizeof stranger);
  chunk = lia_attachment_chunk_get (f->stores[COUNCIL], hash, stranger, &error);
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_ENTITLED);
  g_clear_error (&error);
  chunk = lia_attachment_chunk_get (f->stores[COUNCIL], stranger, key_of (f->stores[POLICE]),
                                    &error);
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_ENTITLED);
  g_clear_error (&error);

  /* The police, a recipient, is given it; it has none to relay yet. */
  chunk = lia_attachment_chunk_get (f->stores[POLICE], hash, key_of (f->stores[IOPC]), &error);
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_HELD);
  g_clear_error (&error);
  g_assert_cmpuint (transfer_chunks (f->stores[COUNCIL], f->stores[POLICE], 0), ==, 3);

  /* Relay: the IOPC gets the chunks from the police, the ICB does not. */
  g_assert_cmpuint (deliver_envelopes (f->stores[COUNCIL], f->stores[IOPC]), >, 0);
  chunk = lia_attachment_chunk_get (f->stores[POLICE], hash, key_of (f->stores[ICB]), &error);
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_ENTITLED);
  g_clear_error (&error);
  g_assert_cmpuint (transfer_chunks (f->stores[POLICE], f->stores[IOPC], 0), ==, 3);
  assert_fetch_equals (f->stores[IOPC], record_id, 1, path, "relayed.pdf", f);

  /* A peer removed from the council's list gets nothing more. */
  {
    g_autoptr (LiaPeer) police = lia_store_find_peer (f->stores[COUNCIL], org_defs[POLICE].name,
                                                      &error);

    g_assert_no_error (error);
    g_assert_true (lia_store_revoke_peer (f->stores[COUNCIL], police, &error));
    g_assert_no_error (error);
    chunk = lia_attachment_chunk_get (f->stores[COUNCIL], hash, key_of (f->stores[POLICE]),
                                      &error);
    g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_ENTITLED);
  }
}

/* A chunk that does not match its hash, is too large or too small, or
 * that no record here lists is refused, and nothing is stored. */
static void
test_chunk_put_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *record_id = new_report (f, "Two chunks.", NULL);
  g_autofree char *path = write_file (f, "two.bin", LIA_ATTACHMENT_CHUNK_SIZE + 10, 11);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) wanted = NULL;
  g_autoptr (GBytes) chunk = NULL;
  g_autoptr (GBytes) damaged = NULL;
  g_autoptr (GBytes) huge = NULL;
  g_autoptr (GBytes) tiny = NULL;
  g_autoptr (GBytes) stray = NULL;
  LiaStore *police = f->stores[POLICE];
  guint8 *bad, stray_hash[32];
  const guint8 *hash;
  LiaImportOutcome outcome;

  attach_file (f->stores[COUNCIL], record_id, path, NULL);
  deliver_envelopes (f->stores[COUNCIL], police);
  wanted = lia_attachment_wanted (police, NULL, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wanted->len, ==, 1);
  hash = g_bytes_get_data (wanted->pdata[0], NULL);
  chunk = lia_attachment_chunk_get (f->stores[COUNCIL], hash, key_of (police), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (chunk), ==, LIA_ATTACHMENT_CHUNK_MAX_BYTES);

  /* One bit changed on the way. */
  bad = g_memdup2 (g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  bad[1000] ^= 0x04;
  damaged = g_bytes_new_take (bad, g_bytes_get_size (chunk));
  g_assert_false (lia_attachment_chunk_put (police, hash, damaged, &outcome, &error));
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_DAMAGED);
  g_assert_cmpint (outcome, ==, LIA_IMPORT_REFUSED);
  g_clear_error (&error);

  /* Over the limit, whatever its hash. */
  huge = g_bytes_new_take (g_malloc0 (LIA_ATTACHMENT_CHUNK_MAX_BYTES + 1),
                           LIA_ATTACHMENT_CHUNK_MAX_BYTES + 1);
  g_assert_false (lia_attachment_chunk_put (police, hash, huge, &outcome, &error));
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_TOO_LARGE);
  g_clear_error (&error);
  tiny = g_bytes_new ("short", 5);
  g_assert_false (lia_attachment_chunk_put (police, hash, tiny, &outcome, &error));
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_DAMAGED);
  g_clear_error (&error);

  /* Well formed, but listed by no record here. */
  stray = g_bytes_new_take (g_malloc0 (100), 100);
  crypto_generichash (stray_hash, sizeof stray_hash, g_bytes_get_data (stray, NULL), 100, NULL, 0);
  g_assert_false (lia_attachment_chunk_put (police, stray_hash, stray, &outcome, &error));
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_WANTED);
  g_clear_error (&error);

  g_assert_cmpint (count (police, "chunk"), ==, 0);
  g_assert_cmpuint (held_of (police, record_id, 1), ==, 0);

  /* The real one is stored once; again, it is held already. */
  g_assert_true (lia_attachment_chunk_put (police, hash, chunk, &outcome, &error));
  g_assert_cmpint (outcome, ==, LIA_IMPORT_ACCEPTED);
  g_assert_true (lia_attachment_chunk_put (police, hash, chunk, &outcome, &error));
  g_assert_cmpint (outcome, ==, LIA_IMPORT_DUPLICATE);
  g_assert_no_error (error);
  g_assert_cmpint (count (police, "chunk"), ==, 1);
}

/* ---- fetching ------------------------------------------------------------- */

/* A file whose chunks have not all arrived is not written, not even in
 * part, and the message says how many are missing. */
static void
test_fetch_missing_chunks (Fixture *f, gconstpointer data)
{
  g_autofree char *record_id = new_report (f, "Five chunks.", NULL);
  g_autofree char *path = write_file (f, "five.bin", 5 * LIA_ATTACHMENT_CHUNK_SIZE - 3, 5);
  g_autofree char *out = g_build_filename (f->work, "out", "fetched.bin", NULL);
  g_autofree char *out_dir = g_path_get_dirname (out);
  g_autoptr (LiaAttachment) seen = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = NULL;

  attach_file (f->stores[COUNCIL], record_id, path, NULL);
  g_assert_cmpint (g_mkdir (out_dir, 0700), ==, 0);
  deliver_envelopes (f->stores[COUNCIL], f->stores[POLICE]);
  g_assert_cmpuint (transfer_chunks (f->stores[COUNCIL], f->stores[POLICE], 2), ==, 2);
  seen = progress_of (f->stores[POLICE], record_id, 1);
  g_assert_cmpuint (seen->n_held, ==, 2);
  g_assert_cmpuint (seen->n_chunks, ==, 5);

  g_assert_false (lia_attachment_fetch (f->stores[POLICE], record_id, 1, out, FALSE, NULL, &error));
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_INCOMPLETE);
  g_assert_nonnull (strstr (error->message, "3 of its 5 chunks are missing"));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  dir = g_dir_open (out_dir, 0, NULL);
  g_assert_null (g_dir_read_name (dir));
  g_clear_error (&error);

  /* No such attachment. */
  g_assert_false (lia_attachment_fetch (f->stores[POLICE], record_id, 2, out, FALSE, NULL, &error));
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The rest arrives; the file is written, and not over another unless
   * asked. */
  g_assert_cmpuint (transfer_chunks (f->stores[COUNCIL], f->stores[POLICE], 0), ==, 3);
  assert_fetch_equals (f->stores[POLICE], record_id, 1, path, "out/fetched.bin", f);
  g_assert_false (lia_attachment_fetch (f->stores[POLICE], record_id, 1, out, FALSE, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EXISTS);
  g_clear_error (&error);

  /* A chunk damaged in the store is found before anything is written. */
  {
    g_autofree char *other = g_build_filename (out_dir, "other.bin", NULL);

    lia_test_exec (f->stores[POLICE], "UPDATE chunk SET bytes = zeroblob (length (bytes)) "
                                      "WHERE seq = (SELECT max (seq) FROM chunk)");
    g_assert_false (lia_attachment_fetch (f->stores[POLICE], record_id, 1, other, FALSE, NULL,
                                          &error));
    g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_DAMAGED);
    g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  }
}

/* ---- attaching ------------------------------------------------------------ */

/* Only the originator attaches; anyone else is refused, with its name. */
static void
test_attach_not_originator (Fixture *f, gconstpointer data)
{
  g_autofree char *record_id = new_report (f, "The council's.", NULL);
  g_autofree char *path = write_file (f, "mine.bin", 100, 1);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaAttachment) a = NULL;

  deliver_envelopes (f->stores[COUNCIL], f->stores[POLICE]);
  a = lia_attachment_attach (f->stores[POLICE], record_id, file, NULL, NULL, NULL, &error);
  g_assert_null (a);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "belongs to Northshire Council"));
  g_assert_cmpint (count (f->stores[POLICE], "chunk"), ==, 0);
  g_assert_cmpint (count (f->stores[POLICE], "chunk_staged"), ==, 0);
}

/* What attach refuses, each before a chunk is written. */
static void
test_attach_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *record_id = new_report (f, "Refusals.", NULL);
  g_autofree char *small = write_file (f, "small.bin", 10, 2);
  g_autofree char *sparse = g_build_filename (f->work, "huge.bin", NULL);
  g_autoptr (GFile) small_file = g_file_new_for_path (small);
  g_autoptr (GFile) huge_file = g_file_new_for_path (sparse);
  g_autoptr (GFile) dir_file = g_file_new_for_path (f->work);
  g_autoptr (GError) error = NULL;
  LiaAttachment *a;
  int fd;

  /* 2 GiB and a byte, without writing them. */
  fd = g_open (sparse, O_WRONLY | O_CREAT, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) LIA_ATTACHMENT_MAX_SIZE + 1), ==, 0);
  g_assert_cmpint (close (fd), ==, 0);
  a = lia_attachment_attach (f->stores[COUNCIL], record_id, huge_file, NULL, NULL, NULL, &error);
  g_assert_null (a);
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "at most"));
  g_clear_error (&error);

  a = lia_attachment_attach (f->stores[COUNCIL], record_id, dir_file, NULL, NULL, NULL, &error);
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_INVALID);
  g_clear_error (&error);

  {
    static const char *const bad_names[] = {
      "", ".", "..", "a/b", "a\\b", "line\nbreak", "evil\u202efdp.exe", "\xff\xfe", "   ",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
      {
        a = lia_attachment_attach (f->stores[COUNCIL], record_id, small_file, bad_names[i], NULL,
                                   NULL, &error);
        g_assert_null (a);
        g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_INVALID);
        g_clear_error (&error);
      }
  }
  {
    static const char *const bad_types[] = {
      "pdf", "application/", "/pdf", "a/b/c", "text/plain; charset=utf-8", "t\xc3\xa9xt/plain",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad_types); i++)
      {
        a = lia_attachment_attach (f->stores[COUNCIL], record_id, small_file, NULL, bad_types[i],
                                   NULL, &error);
        g_assert_null (a);
        g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_INVALID);
        g_clear_error (&error);
      }
  }

  /* A file that grows while it is read (a /proc file says it is empty). */
  if (g_file_test ("/proc/self/status", G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr (GFile) growing = g_file_new_for_path ("/proc/self/status");

      a = lia_attachment_attach (f->stores[COUNCIL], record_id, growing, "status", "text/plain",
                                 NULL, &error);
      g_assert_null (a);
      g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_CHANGED);
      g_clear_error (&error);
    }

  /* A withdrawn record takes nothing more. */
  g_assert_true (lia_record_withdraw (f->stores[COUNCIL], record_id, "Sent in error", NULL,
                                      &error));
  a = lia_attachment_attach (f->stores[COUNCIL], record_id, small_file, NULL, NULL, NULL, &error);
  g_assert_null (a);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "withdrawn"));

  g_assert_cmpint (count (f->stores[COUNCIL], "chunk"), ==, 0);
  g_assert_cmpint (count (f->stores[COUNCIL], "attachment"), ==, 0);
}

/* An attach cut short (here, cancelled after its second batch of chunks
 * was committed) leaves the record as it was and no chunk behind; chunks
 * that one killed long ago left are collected by the next attach. */
static gboolean cancel_after_commits_done;

typedef struct
{
  GCancellable *cancellable;
  guint         commits;
} CancelAfter;

static int
cancel_after_commits_cb (void *data)
{
  CancelAfter *c = data;

  if (++c->commits == 2)
    {
      g_cancellable_cancel (c->cancellable);
      cancel_after_commits_done = TRUE;
    }
  return 0;
}

static void
test_attach_cut_short (Fixture *f, gconstpointer data)
{
  g_autofree char *record_id = new_report (f, "Cut short.", NULL);
  g_autofree char *path = write_file (f, "long.bin", 40 * LIA_ATTACHMENT_CHUNK_SIZE, 3);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaRecord) record = NULL;
  g_autoptr (LiaAttachment) a = NULL;
  LiaStore *council = f->stores[COUNCIL];
  CancelAfter c = { cancellable, 0 };

  sqlite3_commit_hook (lia_store_get_db (council), cancel_after_commits_cb, &c);
  a = lia_attachment_attach (council, record_id, file, NULL, NULL, cancellable, &error);
  sqlite3_commit_hook (lia_store_get_db (council), NULL, NULL);
  g_assert_true (cancel_after_commits_done);
  g_assert_null (a);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  record = lia_record_load (council, record_id, &error);
  g_assert_cmpint (record->version, ==, 1);
  g_assert_cmpint (count (council, "chunk"), ==, 0);
  g_assert_cmpint (count (council, "chunk_staged"), ==, 0);

  /* As a killed attach would leave them: two days old, and a fresh one
   * (of an attach still running elsewhere) that must stay. */
  lia_test_exec (council, "INSERT INTO chunk (hash, bytes) VALUES (zeroblob (32), x'00'), "
                          "(randomblob (32), x'01'), (randomblob (32), x'02')");
  lia_test_exec (council, "INSERT INTO chunk_staged (hash, staged_at) SELECT hash, "
                          "unixepoch () - 2 * 86400 FROM chunk WHERE seq <= 2");
  lia_test_exec (council, "INSERT INTO chunk_staged (hash, staged_at) SELECT hash, unixepoch () "
                          "FROM chunk WHERE seq = 3");
  g_clear_pointer (&a, lia_attachment_free);
  a = attach (council, record_id, path, NULL);
  g_assert_cmpint (count (council, "chunk"), ==, 40 + 1);
  g_assert_cmpint (count (council, "chunk_staged"), ==, 1);
}

/* ---- transfer ------------------------------------------------------------- */

/* Chunks move between two stores through the put and get API; a transfer
 * stopped halfway asks, when it starts again, for the missing chunks
 * only, in file order. */
static void
test_transfer_resumes (Fixture *f, gconstpointer data)
{
  g_autofree char *record_id = new_report (f, "Eight chunks and two files.", NULL);
  g_autofree char *first = write_file (f, "first.bin", 6 * LIA_ATTACHMENT_CHUNK_SIZE, 21);
  g_autofree char *second = write_file (f, "second.bin", LIA_ATTACHMENT_CHUNK_SIZE + 5, 22);
  g_autoptr (LiaAttachment) a2 = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) rest = NULL;
  g_autoptr (GByteArray) in_order = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  LiaStore *police = f->stores[POLICE];

  attach_file (f->stores[COUNCIL], record_id, first, NULL);
  a2 = attach (f->stores[COUNCIL], record_id, second, NULL);
  g_assert_cmpuint (a2->index, ==, 2);
  deliver_envelopes (f->stores[COUNCIL], police);
  entries = lia_attachment_load_entries (lia_store_get_db (police), record_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 2);
  for (guint i = 0; i < entries->len; i++)
    {
      GBytes *chunks = ((LiaAttachmentEntry *) entries->pdata[i])->chunks;

      g_byte_array_append (in_order, g_bytes_get_data (chunks, NULL), g_bytes_get_size (chunks));
    }
  g_assert_cmpuint (in_order->len, ==, 8 * 32);

  /* Everything is wanted, in the order of the files and their pieces. */
  all = lia_attachment_wanted (police, key_of (f->stores[COUNCIL]), 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 8);
  for (guint i = 0; i < all->len; i++)
    g_assert_cmpmem (g_bytes_get_data (all->pdata[i], NULL), 32, in_order->data + 32 * i, 32);

  /* Halfway, then the connection drops. */
  g_assert_cmpuint (transfer_chunks (f->stores[COUNCIL], police, 4), ==, 4);
  g_assert_cmpuint (held_of (police, record_id, 1), ==, 4);

  /* Only the four missing are asked for when it starts again. */
  rest = lia_attachment_wanted (police, key_of (f->stores[COUNCIL]), 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rest->len, ==, 4);
  for (guint i = 0; i < rest->len; i++)
    g_assert_cmpmem (g_bytes_get_data (rest->pdata[i], NULL), 32, in_order->data + 32 * (4 + i),
                     32);
  /* From an organisation that is not a recipient, nothing is wanted. */
  g_assert_cmpuint (n_wanted (police, f->stores[ICB]), ==, 0);

  g_assert_cmpuint (transfer_chunks (f->stores[COUNCIL], police, 0), ==, 4);
  g_assert_cmpuint (n_wanted (police, NULL), ==, 0);
  assert_fetch_equals (police, record_id, 1, first, "first-out.bin", f);
  assert_fetch_equals (police, record_id, 2, second, "second-out.bin", f);
}

/* ---- bundles -------------------------------------------------------------- */

static void
test_bundle (Fixture *f, gconstpointer data)
{
  g_autofree char *record_id = new_report (f, "By bundle.", NULL);
  g_autofree char *path = write_file (f, "bundled.bin", 3 * LIA_ATTACHMENT_CHUNK_SIZE + 17, 31);
  g_autoptr (GBytes) bundle = NULL;
  g_autoptr (GBytes) for_icb = NULL;
  g_autoptr (GBytes) cut = NULL;
  g_autoptr (LiaImportReport) report = NULL;
  guint envelopes = 0, chunks = 0;
  gsize tail;

  attach_file (f->stores[COUNCIL], record_id, path, NULL);
  /* The ICB is entitled to the case's facts but to no chunk. Every bundle
   * is of version 3. */
  for_icb = lia_test_export_bundle (f->stores[COUNCIL], org_defs[ICB].name, &envelopes,
                                    &chunks);
  g_assert_cmpuint (chunks, ==, 0);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (for_icb, NULL))[8], ==, 3);

  bundle = lia_test_export_bundle (f->stores[COUNCIL], org_defs[POLICE].name, &envelopes,
                                   &chunks);
  g_assert_cmpuint (chunks, ==, 4);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (bundle, NULL))[8], ==, 3);
  tail = lia_test_bundle_tail (bundle);

  /* Cut short in its third chunk: the envelopes and two chunks stay. */
  /* From the end: the acknowledgement and the end marker, the last chunk's
   * item (its type, length and hash, and 17 + 16 bytes), then 100 bytes of
   * the third's. */
  cut = g_bytes_new_from_bytes (bundle, 0,
                                g_bytes_get_size (bundle) - tail - (5 + 32 + 17 + 16) - 100);
  report = lia_test_import_bundle (f->stores[POLICE], cut);
  g_assert_nonnull (report->cut_short);
  g_assert_nonnull (strstr (report->cut_short, "2 chunks"));
  g_assert_cmpuint (report->accepted, ==, envelopes);
  g_assert_cmpuint (report->chunks_accepted, ==, 2);
  g_assert_cmpuint (held_of (f->stores[POLICE], record_id, 1), ==, 2);
  g_clear_pointer (&report, lia_import_report_free);

  report = lia_test_import_bundle (f->stores[POLICE], bundle);
  g_assert_null (report->cut_short);
  g_assert_cmpuint (report->refused, ==, 0);
  g_assert_cmpuint (report->duplicates, ==, envelopes);
  g_assert_cmpuint (report->chunks_accepted, ==, 2);
  g_assert_cmpuint (report->chunks_duplicate, ==, 2);
  g_assert_cmpuint (report->chunks_refused, ==, 0);
  assert_fetch_equals (f->stores[POLICE], record_id, 1, path, "bundled-out.bin", f);
  g_clear_pointer (&report, lia_import_report_free);

  /* The police relays by bundle what was sealed for the IOPC too, chunks
   * and all; to the ICB, no chunk. */
  {
    g_autoptr (GBytes) relayed = lia_test_export_bundle (f->stores[POLICE], org_defs[IOPC].name,
                                                         &envelopes, &chunks);

    g_assert_cmpuint (chunks, ==, 4);
    g_bytes_unref (lia_test_export_bundle (f->stores[POLICE], org_defs[ICB].name, &envelopes,
                                           &chunks));
    g_assert_cmpuint (chunks, ==, 0);
    report = lia_test_import_bundle (f->stores[IOPC], relayed);
    g_assert_cmpuint (report->chunks_accepted, ==, 4);
    g_assert_cmpuint (report->refused + report->chunks_refused, ==, 0);
    assert_fetch_equals (f->stores[IOPC], record_id, 1, path, "relayed-out.bin", f);
    g_clear_pointer (&report, lia_import_report_free);
  }

  /* A chunk damaged in the bundle is refused on its own. */
  {
    guint8 *copy = g_memdup2 (g_bytes_get_data (bundle, NULL), g_bytes_get_size (bundle));
    gsize len = g_bytes_get_size (bundle);
    g_autoptr (GBytes) damaged = NULL;

    copy[len - tail - 10] ^= 0x01;   /* inside the last chunk */
    damaged = g_bytes_new_take (copy, len);
    lia_test_exec (f->stores[POLICE], "DELETE FROM chunk");
    report = lia_test_import_bundle (f->stores[POLICE], damaged);
    g_assert_null (report->cut_short);
    g_assert_cmpuint (report->chunks_accepted, ==, 3);
    g_assert_cmpuint (report->chunks_refused, ==, 1);
    g_assert_cmpuint (report->refusals->len, ==, 1);
    g_assert_nonnull (strstr (report->refusals->pdata[0], "Chunk 4:"));
    g_assert_nonnull (strstr (report->refusals->pdata[0], "do not match its hash"));
  }
}

/* ---- destruction and withdrawal ----------------------------------------- */

static void
test_destroy_removes_chunks (Fixture *f, gconstpointer data)
{
  g_autofree char *kept_id = new_report (f, "Kept.", NULL);
  g_autofree char *destroyed_id = new_report (f, "To destroy.", "2026-10-01");
  g_autofree char *withdrawn_id = new_report (f, "To withdraw.", NULL);
  g_autofree char *kept_path = write_file (f, "kept.bin", 2 * LIA_ATTACHMENT_CHUNK_SIZE, 41);
  g_autofree char *destroyed_path = write_file (f, "destroyed.bin", 3 * LIA_ATTACHMENT_CHUNK_SIZE,
                                                42);
  g_autofree char *withdrawn_path = write_file (f, "withdrawn.bin", 4 * LIA_ATTACHMENT_CHUNK_SIZE,
                                                43);
  g_autoptr (GBytes) bundle = NULL;
  g_autoptr (LiaImportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  LiaStore *police = f->stores[POLICE];
  GDate today;

  attach_file (f->stores[COUNCIL], kept_id, kept_path, NULL);
  attach_file (f->stores[COUNCIL], destroyed_id, destroyed_path, NULL);
  attach_file (f->stores[COUNCIL], withdrawn_id, withdrawn_path, NULL);
  bundle = lia_test_export_bundle (f->stores[COUNCIL], org_defs[POLICE].name, NULL, NULL);
  report = lia_test_import_bundle (police, bundle);
  g_assert_cmpuint (report->chunks_accepted, ==, 9);
  g_assert_cmpint (count (police, "chunk"), ==, 9);

  /* The destruction date comes at the police: the destroyed record's
   * chunks go, with its key; the others stay. */
  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 2, G_DATE_OCTOBER, 2026);
  g_assert_cmpint (lia_exchange_destroy_due (police, &today, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (count (police, "chunk"), ==, 6);
  g_assert_cmpint (count (police, "chunk_garbage"), ==, 0);
  g_assert_cmpint (lia_test_query_int (police, "SELECT count (*) FROM attachment WHERE "
                                               "record_id = (SELECT id FROM record "
                                               "WHERE destroyed_at IS NOT NULL)"), ==, 0);
  g_assert_cmpint (lia_test_query_int (police, "SELECT count (*) FROM chunk_ref WHERE "
                                               "record_id = (SELECT id FROM record "
                                               "WHERE destroyed_at IS NOT NULL)"), ==, 0);
  assert_fetch_equals (police, kept_id, 1, kept_path, "kept-out.bin", f);

  /* The council withdraws one: its own chunks go at once, and the
   * police's when the withdrawal arrives. */
  g_assert_true (lia_record_withdraw (f->stores[COUNCIL], withdrawn_id, "Sent in error", "J. Lead",
                                      &error));
  g_assert_no_error (error);
  g_assert_cmpint (count (f->stores[COUNCIL], "chunk"), ==, 5);
  g_assert_cmpint (count (f->stores[COUNCIL], "chunk_garbage"), ==, 0);
  deliver_envelopes (f->stores[COUNCIL], police);
  g_assert_cmpint (count (police, "chunk"), ==, 2);
  /* What is left: the kept record's version 2 (version 1 had none). */
  g_assert_cmpint (count (police, "chunk_ref"), ==, 2);
  g_assert_false (lia_attachment_fetch (police, withdrawn_id, 1,
                                        "/nonexistent/never-written", FALSE, NULL, &error));
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  assert_fetch_equals (police, kept_id, 1, kept_path, "kept-out.bin", f);
  assert_fetch_equals (f->stores[COUNCIL], kept_id, 1, kept_path, "kept-council.bin", f);
}

/* ---- versions ------------------------------------------------------------- */

/* Later versions list earlier attachments: an edit, another attachment.
 * An organisation that only ever receives a later version gets the chunks
 * it lists, from whoever it may get them from. */
static void
test_versions_carry_attachments (Fixture *f, gconstpointer data)
{
  static const char *const reports[] = { "information-report", NULL };
  g_autofree char *record_id = NULL;
  g_autofree char *path = write_file (f, "v.bin", LIA_ATTACHMENT_CHUNK_SIZE * 2, 51);
  g_autoptr (LiaAttachment) a = NULL;
  g_autoptr (GHashTable) changes = lia_test_fields ("text", "Edited after the file was attached.",
                                                     NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaRecord) record = NULL;
  g_autoptr (GBytes) chunk = NULL;
  g_autoptr (GPtrArray) wanted = NULL;
  LiaStore *council = f->stores[COUNCIL];

  /* Shared with the IOPC only from version 3 on. */
  g_assert_true (lia_case_unshare (council, f->case_id, org_defs[IOPC].name, NULL, &error));
  record_id = new_report (f, "Versions.", NULL);
  a = attach (council, record_id, path, NULL);
  g_assert_true (lia_record_edit (council, record_id, changes, &error));
  g_assert_no_error (error);
  record = lia_record_load (council, record_id, &error);
  g_assert_cmpint (record->version, ==, 3);
  g_assert_cmpint (lia_test_query_int (council,
                                       "SELECT count (*) FROM chunk_ref WHERE version = 3"), ==, 2);

  deliver_envelopes (council, f->stores[POLICE]);
  g_assert_cmpuint (transfer_chunks (council, f->stores[POLICE], 0), ==, 2);
  assert_fetch_equals (f->stores[POLICE], record_id, 1, path, "v-police.bin", f);

  g_assert_true (lia_case_share (council, f->case_id, org_defs[IOPC].name, reports, NULL, &error));
  g_assert_no_error (error);
  deliver_envelopes (council, f->stores[IOPC]);
  wanted = lia_attachment_wanted (f->stores[IOPC], NULL, 0, &error);
  g_assert_cmpuint (wanted->len, ==, 2);
  /* The police's copy of version 3 was not sealed for the IOPC, so the
   * police may not relay to it; the council may. */
  chunk = lia_attachment_chunk_get (f->stores[POLICE], g_bytes_get_data (wanted->pdata[0], NULL),
                                    key_of (f->stores[IOPC]), &error);
  g_assert_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_ENTITLED);
  g_clear_error (&error);
  g_assert_cmpuint (transfer_chunks (council, f->stores[IOPC], 0), ==, 2);
  assert_fetch_equals (f->stores[IOPC], record_id, 1, path, "v-iopc.bin", f);
}

/* ---- what arrives --------------------------------------------------------- */

/* A version whose list of attachments breaks a rule is refused whole. */
static void
test_manifest_refused (Fixture *f, gconstpointer data)
{
  LiaStore *council = f->stores[COUNCIL], *police = f->stores[POLICE];
  g_autoptr (GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *content = NULL;
  g_autoptr (GBytes) content_bytes = NULL;
  g_autoptr (GBytes) envelope = NULL;
  LiaRecipient to[2];
  LiaImportOutcome outcome;
  guint8 zeros[32] = { 0 };
  g_autofree char *key = g_base64_encode (zeros, 32);

  deliver_envelopes (council, police);   /* the case */
  /* A file of two chunks that lists one. */
  content = g_strdup_printf ("{\"id\":\"%s\",\"case\":\"%s\",\"kind\":\"information-report\","
                             "\"version\":1,\"created\":1,\"updated\":1,"
                             "\"fields\":{\"text\":\"Forged list\"},\"attachments\":[{\"name\":"
                             "\"a.pdf\",\"type\":\"application/pdf\",\"size\":300000,\"key\":"
                             "\"%s\",\"hash\":\"%s\",\"chunks\":\"%s\"}]}",
                             id, f->case_id, key, key, key);
  content_bytes = g_bytes_new (content, strlen (content));
  memcpy (to[0].sign_public, key_of (council), 32);
  memcpy (to[0].box_public, g_bytes_get_data (lia_store_get_box_public_key (council), NULL), 32);
  to[0].number = 1000;
  memcpy (to[1].sign_public, key_of (police), 32);
  memcpy (to[1].box_public, g_bytes_get_data (lia_store_get_box_public_key (police), NULL), 32);
  to[1].number = 1000;
  envelope = lia_envelope_seal (lia_store_get_keyring (council), "record", id, f->case_id, 1,
                                g_get_real_time (), to, 2, content_bytes, &error);
  g_assert_no_error (error);
  g_assert_false (lia_exchange_import_envelope (police, envelope, &outcome, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "attachment 1 does not list the 2 chunks"));
  g_assert_cmpint (outcome, ==, LIA_IMPORT_REFUSED);
  g_assert_cmpint (count (police, "chunk_ref"), ==, 0);
  g_assert_cmpint (lia_test_query_int (police, "SELECT count (*) FROM record"), ==, 0);
}

/* The decoder's limits, at and just over each (the fuzz target's seeds
 * stay small; these lists are up to 700 KB). */
static JsonNode *
manifest_of (guint n, guint64 size, const char *key)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  gsize n_chunks = (size + LIA_ATTACHMENT_CHUNK_SIZE - 1) / LIA_ATTACHMENT_CHUNK_SIZE;
  g_autofree guint8 *hashes = g_malloc0 (n_chunks * 32 + 1);
  g_autofree char *chunks = g_base64_encode (hashes, n_chunks * 32);
  g_autofree char *zero_key = NULL;
  guint8 zeros[32] = { 0 };

  zero_key = g_base64_encode (zeros, sizeof zeros);
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("file %u.bin", i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, name);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "application/octet-stream");
      json_builder_set_member_name (b, "size");
      json_builder_add_int_value (b, (gint64) size);
      json_builder_set_member_name (b, "key");
      json_builder_add_string_value (b, key != NULL ? key : zero_key);
      json_builder_set_member_name (b, "hash");
      json_builder_add_string_value (b, zero_key);
      json_builder_set_member_name (b, "chunks");
      json_builder_add_string_value (b, chunks);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

static void
assert_manifest (JsonNode *node, guint n_entries, const char *refusal)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) entries = lia_attachment_manifest_parse (node, &error);

  if (refusal == NULL)
    {
      g_assert_no_error (error);
      g_assert_cmpuint (entries->len, ==, n_entries);
    }
  else
    {
      g_assert_null (entries);
      g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, refusal));
    }
  g_clear_pointer (&node, json_node_unref);
}

static void
test_manifest_limits (void)
{
  guint8 zeros[32] = { 0 };
  g_autofree char *canonical = g_base64_encode (zeros, sizeof zeros);
  g_autofree char *loose = g_strdup (canonical);
  guint64 half = (guint64) LIA_ATTACHMENT_MAX_RECORD_CHUNKS / 2 * LIA_ATTACHMENT_CHUNK_SIZE;

  assert_manifest (NULL, 0, NULL);
  assert_manifest (manifest_of (LIA_ATTACHMENT_MAX_PER_RECORD, 0, NULL),
                   LIA_ATTACHMENT_MAX_PER_RECORD, NULL);
  assert_manifest (manifest_of (LIA_ATTACHMENT_MAX_PER_RECORD + 1, 0, NULL), 0,
                   "a record has at most 64");
  assert_manifest (manifest_of (1, LIA_ATTACHMENT_MAX_SIZE, NULL), 1, NULL);
  assert_manifest (manifest_of (1, LIA_ATTACHMENT_MAX_SIZE + 1, NULL), 0, "size out of bounds");
  /* 8192 chunks in all, and one more. */
  assert_manifest (manifest_of (2, half, NULL), 2, NULL);
  assert_manifest (manifest_of (2, half + 1, NULL), 0, "more than 8192 chunks in all");
  /* "AAAA...A=" with a bit set that base64 leaves unused. */
  loose[42] = 'B';
  assert_manifest (manifest_of (1, 5, loose), 0, "no proper key");
}

/* ---- liaison-cli ---------------------------------------------------------- */

#define CLI(f, who, ...)                                        \
  lia_test_run_cli (LIA_TEST_PASSPHRASE, NULL, (f)->dirs[who], \
                    (const char *const[]) { __VA_ARGS__, NULL })

static JsonObject *
json_object_of (const char *text, JsonNode **out_node)
{
  g_autoptr (GError) error = NULL;

  *out_node = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*out_node));
  return json_node_get_object (*out_node);
}

/* The stores are closed here, so that the commands open them as a person
 * would; made by the library, they unlock with the tests' cheap limits. */
static void
close_stores (Fixture *f)
{
  for (int i = 0; i < N_ORGS; i++)
    lia_store_lock (f->stores[i]);
}

static void
test_cli_round_trip (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_file (f, "Interview notes.pdf", 4 * LIA_ATTACHMENT_CHUNK_SIZE, 61);
  g_autofree char *out = g_build_filename (f->work, "out.pdf", NULL);
  g_autofree char *bundle = g_build_filename (f->work, "for-police.bundle", NULL);
  g_autofree char *cut = g_build_filename (f->work, "cut.bundle", NULL);
  g_autofree char *record_id = NULL;
  g_autofree char *want = file_digest (path);
  g_autofree char *got = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (LiaTestCliRun) run = NULL;
  g_autoptr (GBytes) whole = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *o;
  JsonArray *list;

  close_stores (f);
  run = CLI (f, COUNCIL, "--json", "record", "add", f->case_id, "--kind", "information-report",
             "--text", "With a file.");
  g_assert_cmpint (run->status, ==, 0);
  o = json_object_of (run->out, &node);
  record_id = g_strdup (json_object_get_string_member (o, "id"));
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&run, lia_test_cli_run_free);

  run = CLI (f, COUNCIL, "--json", "record", "attach", record_id, path, "--media-type",
             "Application/PDF");
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");
  o = json_object_of (run->out, &node);
  g_assert_cmpstr (json_object_get_string_member (o, "record"), ==, record_id);
  g_assert_cmpint (json_object_get_int_member (o, "version"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "attachment"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Interview notes.pdf");
  g_assert_cmpstr (json_object_get_string_member (o, "media_type"), ==, "application/pdf");
  g_assert_cmpint (json_object_get_int_member (o, "size"), ==, 4 * LIA_ATTACHMENT_CHUNK_SIZE);
  g_assert_cmpint (json_object_get_int_member (o, "chunks"), ==, 4);
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&run, lia_test_cli_run_free);

  run = CLI (f, COUNCIL, "record", "show", record_id);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (run->out, "Attachment 1"));
  /* g_format_size() puts a no-break space before the unit. */
  g_assert_nonnull (strstr (run->out, "Interview notes.pdf (application/pdf, 1.0\u00a0MB)"));
  g_clear_pointer (&run, lia_test_cli_run_free);

  run = CLI (f, COUNCIL, "record", "fetch", record_id, "--attachment", "1", "-o", out);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (run->out, "Wrote attachment 1 (Interview notes.pdf"));
  got = file_digest (out);
  g_assert_cmpstr (got, ==, want);
  g_clear_pointer (&run, lia_test_cli_run_free);

  /* To the police by bundle: first a copy cut short. */
  run = CLI (f, COUNCIL, "--json", "bundle", "export", "--for", org_defs[POLICE].name, "-o",
             bundle);
  g_assert_cmpint (run->status, ==, 0);
  o = json_object_of (run->out, &node);
  g_assert_cmpint (json_object_get_int_member (o, "chunks"), ==, 4);
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&run, lia_test_cli_run_free);
  whole = lia_test_read_file (bundle);
  g_assert_true (g_file_set_contents (cut, g_bytes_get_data (whole, NULL),
                                      g_bytes_get_size (whole) - 2 * LIA_ATTACHMENT_CHUNK_SIZE,
                                      &error));
  run = CLI (f, POLICE, "--json", "bundle", "import", cut);
  g_assert_cmpint (run->status, ==, 2);
  o = json_object_of (run->out, &node);
  g_assert_cmpint (json_object_get_int_member (o, "chunks_accepted"), ==, 2);
  g_assert_false (json_node_is_null (json_object_get_member (o, "cut_short")));
  g_clear_pointer (&node, json_node_unref);
  g_clear_pointer (&run, lia_test_cli_run_free);

  run = CLI (f, POLICE, "record", "show", record_id);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (run->out, "2 of its 4 chunks are here so far"));
  g_clear_pointer (&run, lia_test_cli_run_free);
  {
    g_autofree char *police_out = g_build_filename (f->work, "police.pdf", NULL);

    run = CLI (f, POLICE, "record", "fetch", record_id, "--attachment", "1", "-o", police_out);
    g_assert_cmpint (run->status, ==, 2);
    g_assert_nonnull (strstr (run->err, "2 of its 4 chunks are missing"));
    g_assert_false (g_file_test (police_out, G_FILE_TEST_EXISTS));
    g_clear_pointer (&run, lia_test_cli_run_free);

    run = CLI (f, POLICE, "bundle", "import", bundle);
    g_assert_cmpint (run->status, ==, 0);
    g_assert_nonnull (strstr (run->out,
                              "Stored 2 chunks of attachments; 2 held already; 0 refused"));
    g_clear_pointer (&run, lia_test_cli_run_free);

    run = CLI (f, POLICE, "--json", "record", "show", record_id);
    g_assert_cmpint (run->status, ==, 0);
    o = json_object_of (run->out, &node);
    list = json_object_get_array_member (o, "attachments");
    g_assert_cmpuint (json_array_get_length (list), ==, 1);
    o = json_array_get_object_element (list, 0);
    g_assert_cmpint (json_object_get_int_member (o, "index"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (o, "chunks"), ==, 4);
    g_assert_cmpint (json_object_get_int_member (o, "held"), ==, 4);
    g_clear_pointer (&node, json_node_unref);
    g_clear_pointer (&run, lia_test_cli_run_free);

    run = CLI (f, POLICE, "--json", "record", "fetch", record_id, "--attachment", "1", "-o",
               police_out);
    g_assert_cmpint (run->status, ==, 0);
    o = json_object_of (run->out, &node);
    g_assert_cmpstr (json_object_get_string_member (o, "file"), ==, police_out);
    g_clear_pointer (&node, json_node_unref);
    g_clear_pointer (&run, lia_test_cli_run_free);
    g_free (got);
    got = file_digest (police_out);
    g_assert_cmpstr (got, ==, want);

    /* The police may not attach to the council's record. */
    run = CLI (f, POLICE, "record", "attach", record_id, path);
    g_assert_cmpint (run->status, ==, 2);
    g_assert_nonnull (strstr (run->err, "belongs to Northshire Council"));
  }
}

static void
test_cli_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *record_id = new_report (f, "For the errors.", NULL);
  g_autofree char *path = write_file (f, "small.bin", 1000, 71);
  g_autofree char *out = g_build_filename (f->work, "exists.bin", NULL);
  g_autoptr (LiaTestCliRun) run = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *got = NULL;
  g_autofree char *want = file_digest (path);

  attach_file (f->stores[COUNCIL], record_id, path, NULL);
  close_stores (f);
  g_assert_true (g_file_set_contents (out, "already here", -1, &error));

  run = CLI (f, COUNCIL, "record", "fetch", record_id, "--attachment", "1", "-o", out);
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, "already exists; nothing was written"));
  g_clear_pointer (&run, lia_test_cli_run_free);
  run = CLI (f, COUNCIL, "record", "fetch", record_id, "--attachment", "1", "-o", out, "--force");
  g_assert_cmpint (run->status, ==, 0);
  got = file_digest (out);
  g_assert_cmpstr (got, ==, want);
  g_clear_pointer (&run, lia_test_cli_run_free);

  run = CLI (f, COUNCIL, "record", "fetch", record_id, "--attachment", "2", "-o", "x.bin");
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, "has no attachment 2"));
  g_clear_pointer (&run, lia_test_cli_run_free);
  run = CLI (f, COUNCIL, "record", "fetch", record_id, "-o", "x.bin");
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, "--attachment N"));
  g_clear_pointer (&run, lia_test_cli_run_free);
  run = CLI (f, COUNCIL, "record", "fetch", record_id, "--attachment", "1");
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, "-o FILE"));
  g_clear_pointer (&run, lia_test_cli_run_free);
  run = CLI (f, COUNCIL, "record", "fetch", record_id, "--attachment", "1", "-o", "-");
  g_assert_cmpint (run->status, ==, 1);
  g_clear_pointer (&run, lia_test_cli_run_free);

  run = CLI (f, COUNCIL, "record", "attach", record_id, "/nonexistent/file.pdf");
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, "is not a file that can be read"));
  g_clear_pointer (&run, lia_test_cli_run_free);
  run = CLI (f, COUNCIL, "record", "attach", record_id, path, "--media-type", "pdf");
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, "is not a media type"));
  g_clear_pointer (&run, lia_test_cli_run_free);
  run = CLI (f, COUNCIL, "record", "attach", record_id, path, "--name", "../escape");
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, "--name NAME"));
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/attachment/round-trip/empty", test_round_trip_empty);
  ADD ("/attachment/round-trip/one-byte", test_round_trip_one_byte);
  ADD ("/attachment/round-trip/one-chunk", test_round_trip_one_chunk);
  ADD ("/attachment/round-trip/one-chunk-and-a-byte", test_round_trip_one_chunk_and_a_byte);
  ADD ("/attachment/round-trip/large", test_round_trip_large);
  ADD ("/attachment/at-rest/not-readable", test_not_readable_at_rest);
  ADD ("/attachment/chunk-get/entitled-only", test_chunk_get_entitled_only);
  ADD ("/attachment/chunk-put/refused", test_chunk_put_refused);
  ADD ("/attachment/fetch/missing-chunks", test_fetch_missing_chunks);
  ADD ("/attachment/attach/not-originator", test_attach_not_originator);
  ADD ("/attachment/attach/refused", test_attach_refused);
  ADD ("/attachment/attach/cut-short", test_attach_cut_short);
  ADD ("/attachment/transfer/resumes", test_transfer_resumes);
  ADD ("/attachment/bundle", test_bundle);
  ADD ("/attachment/destroy-removes-chunks", test_destroy_removes_chunks);
  ADD ("/attachment/versions-carry-attachments", test_versions_carry_attachments);
  ADD ("/attachment/manifest-refused", test_manifest_refused);
  g_test_add_func ("/attachment/manifest-limits", test_manifest_limits);
  ADD ("/attachment/cli/round-trip", test_cli_round_trip);
  ADD ("/attachment/cli/errors", test_cli_errors);
  return g_test_run ();
}
