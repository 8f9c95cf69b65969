/* lia-log.c: the disclosure log.
 *
 * What is hashed and signed. Each entry is encoded as a sequence of fields,
 * every integer big-endian and every variable-length field prefixed by its
 * length, so that no two different entries have the same bytes:
 *
 *   str ("liaison/disclosure-log/entry/v1")     domain separation
 *   the log owner's Ed25519 identity key        32 bytes
 *   at                                          u64, Unix microseconds
 *   str (event name)
 *   opt-str on, opt-str case_id, opt-str record_id, opt-u64 record_version,
 *   opt-str what, opt-str request_id, opt-bytes counterpart_key,
 *   opt-str counterpart_name, opt-bytes redirect_key, opt-str redirect_name,
 *   opt-str decision, opt-str reason, opt-str basis, opt-str by
 *
 * where str is a u32 length and the bytes, and opt-X is a byte 0 (absent)
 * or 1 followed by X. Then
 *
 *   hash      = BLAKE2b-256 (prev_hash || encoding)
 *   signature = Ed25519 (str ("liaison/disclosure-log/signature/v1") || hash)
 *
 * prev_hash is the hash of the entry before; the first entry's is
 * BLAKE2b-256 (str ("liaison/disclosure-log/genesis/v1") || owner key), so
 * a log cannot be passed off as another organisation's. The signature is
 * over a tagged message, not the bare hash, because the identity key signs
 * other things too (envelopes, invites, its other keys) and none of those
 * signatures must ever pass for a log entry's, or the reverse.
 *
 * The entry's number (seq) is not in the encoding: its place is fixed by
 * the chain, which is what tells an entry moved from an entry edited. The
 * head (disclosure_log_head) carries the last entry's seq and hash,
 * signed as str ("liaison/disclosure-log/head/v1") || owner key || u64 seq
 * || hash, so that entries cut off the end of the log are noticed too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "lia-calendar.h"
#include "lia-db.h"
#include "lia-fields.h"
#include "lia-log.h"
#include "lia-record.h"

G_DEFINE_QUARK (lia-log-error-quark, lia_log_error)

#define ENTRY_TAG     "liaison/disclosure-log/entry/v1"
#define GENESIS_TAG   "liaison/disclosure-log/genesis/v1"
#define SIGNATURE_TAG "liaison/disclosure-log/signature/v1"
#define HEAD_TAG      "liaison/disclosure-log/head/v1"

#define HASH_BYTES 32
#define KEY_BYTES  32
#define SIG_BYTES  64

G_STATIC_ASSERT (HASH_BYTES == crypto_generichash_BYTES);
G_STATIC_ASSERT (KEY_BYTES == crypto_sign_PUBLICKEYBYTES);
G_STATIC_ASSERT (SIG_BYTES == crypto_sign_BYTES);

static const char *const event_names[] = {
  "disclosed", "received", "declined", "redirected", "withheld", "extended", "withdrawn",
  "returned", "destroyed", NULL
};

G_STATIC_ASSERT (G_N_ELEMENTS (event_names) == LIA_LOG_N_EVENTS + 1);

static const char *const error_names[] = {
  "edited", "deleted", "inserted", "reordered", "bad-signature",
};

const char *
lia_log_event_to_string (LiaLogEvent event)
{
  g_return_val_if_fail (event < LIA_LOG_N_EVENTS, NULL);
  return event_names[event];
}

gboolean
lia_log_event_from_string (const char  *text,
                           LiaLogEvent *out_event)
{
  int index = text != NULL ? lia_choice_index (event_names, text) : -1;

  if (index < 0)
    return FALSE;
  *out_event = (LiaLogEvent) index;
  return TRUE;
}

const char *
lia_log_error_to_string (LiaLogError code)
{
  g_return_val_if_fail (code <= LIA_LOG_ERROR_BAD_SIGNATURE, NULL);
  return error_names[code];
}

void
lia_log_entry_free (LiaLogEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->on);
  g_free (entry->case_id);
  g_free (entry->record_id);
  g_free (entry->what);
  g_free (entry->request_id);
  g_clear_pointer (&entry->counterpart_key, g_bytes_unref);
  g_free (entry->counterpart_name);
  g_clear_pointer (&entry->redirect_key, g_bytes_unref);
  g_free (entry->redirect_name);
  g_free (entry->decision);
  g_free (entry->reason);
  g_free (entry->basis);
  g_free (entry->by);
  g_clear_pointer (&entry->hash, g_bytes_unref);
  g_free (entry);
}

/* ---- the encoding ------------------------------------------------------------ */

static void
put_u32 (GByteArray *out, guint32 value)
{
  guint8 bytes[4] = {
    (guint8) (value >> 24), (guint8) (value >> 16), (guint8) (value >> 8), (guint8) value,
  };

  g_byte_array_append (out, bytes, sizeof bytes);
}

static void
put_u64 (GByteArray *out, guint64 value)
{
  put_u32 (out, (guint32) (value >> 32));
  put_u32 (out, (guint32) value);
}

static void
put_data (GByteArray *out, const void *data, gsize len)
{
  /* Every field is checked to be far shorter than this before it gets
   * here (LIA_LONG_TEXT_MAX, or a 32-byte key). */
  g_assert (len <= G_MAXUINT32);
  put_u32 (out, (guint32) len);
  g_byte_array_append (out, data, (guint) len);
}

static void
put_str (GByteArray *out, const char *text)
{
  put_data (out, text, strlen (text));
}

static void
put_present (GByteArray *out, gboolean present)
{
  guint8 flag = present ? 1 : 0;

  g_byte_array_append (out, &flag, 1);
}

static void
put_opt_str (GByteArray *out, const char *text)
{
  put_present (out, text != NULL);
  if (text != NULL)
    put_str (out, text);
}

static void
put_opt_bytes (GByteArray *out, GBytes *bytes)
{
  put_present (out, bytes != NULL);
  if (bytes != NULL)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (bytes, &len);

      put_data (out, data, len);
    }
}

/* @event_name rather than entry->event, so that a row whose event this
 * program does not know is still hashed as it stands (and so fails). */
static GByteArray *
encode_entry (GBytes            *owner_key,
              const LiaLogEntry *e,
              const char        *event_name)
{
  GByteArray *out = g_byte_array_sized_new (512);

  put_str (out, ENTRY_TAG);
  g_byte_array_append (out, g_bytes_get_data (owner_key, NULL), KEY_BYTES);
  put_u64 (out, (guint64) e->at);
  put_str (out, event_name != NULL ? event_name : "");
  put_opt_str (out, e->on);
  put_opt_str (out, e->case_id);
  put_opt_str (out, e->record_id);
  put_present (out, e->record_version != 0);
  if (e->record_version != 0)
    put_u64 (out, (guint64) e->record_version);
  put_opt_str (out, e->what);
  put_opt_str (out, e->request_id);
  put_opt_bytes (out, e->counterpart_key);
  put_opt_str (out, e->counterpart_name);
  put_opt_bytes (out, e->redirect_key);
  put_opt_str (out, e->redirect_name);
  put_opt_str (out, e->decision);
  put_opt_str (out, e->reason);
  put_opt_str (out, e->basis);
  put_opt_str (out, e->by);
  return out;
}

static void
entry_hash (GBytes            *owner_key,
            const guint8      *prev_hash,
            const LiaLogEntry *e,
            const char        *event_name,
            guint8            *out)
{
  g_autoptr (GByteArray) encoding = encode_entry (owner_key, e, event_name);
  crypto_generichash_state state;

  crypto_generichash_init (&state, NULL, 0, HASH_BYTES);
  crypto_generichash_update (&state, prev_hash, HASH_BYTES);
  crypto_generichash_update (&state, encoding->data, encoding->len);
  crypto_generichash_final (&state, out, HASH_BYTES);
}

static void
genesis_hash (GBytes *owner_key,
              guint8 *out)
{
  g_autoptr (GByteArray) input = g_byte_array_new ();

  put_str (input, GENESIS_TAG);
  g_byte_array_append (input, g_bytes_get_data (owner_key, NULL), KEY_BYTES);
  crypto_generichash (out, HASH_BYTES, input->data, input->len, NULL, 0);
}

static GByteArray *
signed_message (const guint8 *hash)
{
  GByteArray *message = g_byte_array_new ();

  put_str (message, SIGNATURE_TAG);
  g_byte_array_append (message, hash, HASH_BYTES);
  return message;
}

static GByteArray *
head_message (GBytes       *owner_key,
              gint64        seq,
              const guint8 *hash)
{
  GByteArray *message = g_byte_array_new ();

  put_str (message, HEAD_TAG);
  g_byte_array_append (message, g_bytes_get_data (owner_key, NULL), KEY_BYTES);
  put_u64 (message, (guint64) seq);
  g_byte_array_append (message, hash, HASH_BYTES);
  return message;
}

static void
sign (LiaStore   *store,
      GByteArray *message,
      guint8     *out)
{
  const LiaSecret *secret = lia_store_get_sign_secret (store);

  g_assert (secret != NULL && secret->len == crypto_sign_SECRETKEYBYTES);
  crypto_sign_detached (out, NULL, message->data, message->len, secret->data);
}

static gboolean
signature_ok (GBytes       *owner_key,
              GByteArray   *message,
              const guint8 *signature)
{
  return crypto_sign_verify_detached (signature, message->data, message->len,
                                      g_bytes_get_data (owner_key, NULL)) == 0;
}

/* ---- appending --------------------------------------------------------------- */

/* Text that goes into the log: valid UTF-8 of a bounded size; "" is kept
 * as absent, so that the two cannot differ in the hash but not to a
 * reader. */
static gboolean
check_text (const char  *text,
            const char  *what,
            char       **out,
            GError     **error)
{
  *out = NULL;
  if (text == NULL || *text == '\0')
    return TRUE;
  if (!g_utf8_validate (text, -1, NULL) || strlen (text) > LIA_LONG_TEXT_MAX)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "The %s for the disclosure log is not valid text of at most %d bytes", what,
                   LIA_LONG_TEXT_MAX);
      return FALSE;
    }
  *out = g_strdup (text);
  return TRUE;
}

/* An organisation's identity key (if it has one) and name, as they are now. */
static gboolean
read_org (sqlite3     *db,
          gint64       org_id,
          GBytes     **out_key,
          char       **out_name,
          GError     **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT name, sign_public FROM org "
                                                      "WHERE id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, org_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                   "The store has no organisation %" G_GINT64_FORMAT, org_id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the organisations");
  *out_name = lia_db_column_dup (stmt, 0);
  if (sqlite3_column_bytes (stmt, 1) == KEY_BYTES)
    *out_key = g_bytes_new (sqlite3_column_blob (stmt, 1), KEY_BYTES);
  return TRUE;
}

static gboolean
read_record_version (sqlite3    *db,
                     const char *record_id,
                     gint64     *out_version,
                     GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT version FROM record WHERE id = ?",
                                                  error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, record_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                   "There is no record %s in this store; a log entry for it must give its "
                   "version", record_id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the record");
  *out_version = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/* Where the chain ends, as @sql (a row of seq and hash, or none) says:
 * its seq and hash, or 0 and the genesis hash for an empty log. @what
 * names the row in the message if it is damaged. */
static gboolean
read_end (sqlite3    *db,
          const char *sql,
          const char *what,
          GBytes     *owner_key,
          gint64     *out_seq,
          guint8     *out_hash,
          GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      *out_seq = 0;
      genesis_hash (owner_key, out_hash);
      return TRUE;
    }
  if (rc != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the disclosure log");
  *out_seq = sqlite3_column_int64 (stmt, 0);
  if (sqlite3_column_bytes (stmt, 1) != HASH_BYTES)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_CORRUPT,
                   "The disclosure log's %s is damaged; run “liaison-cli log verify”", what);
      return FALSE;
    }
  memcpy (out_hash, sqlite3_column_blob (stmt, 1), HASH_BYTES);
  return TRUE;
}

/* The end of the chain as the signed head has it. The head rather than
 * the last row: appending after a row that someone deleted must not paper
 * over the gap. */
static gboolean
read_head (sqlite3  *db,
           GBytes   *owner_key,
           gint64   *out_seq,
           guint8   *out_hash,
           GError  **error)
{
  return read_end (db, "SELECT seq, hash FROM disclosure_log_head WHERE id = 1", "head",
                   owner_key, out_seq, out_hash, error);
}

/* The end of the chain as the entries have it: inside a batch the head
 * lags behind them. */
static gboolean
read_last (sqlite3  *db,
           GBytes   *owner_key,
           gint64   *out_seq,
           guint8   *out_hash,
           GError  **error)
{
  return read_end (db, "SELECT seq, hash FROM disclosure_log ORDER BY seq DESC LIMIT 1",
                   "last entry", owner_key, out_seq, out_hash, error);
}

static void
bind_bytes (sqlite3_stmt *stmt, int index, GBytes *bytes)
{
  if (bytes == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_blob (stmt, index, g_bytes_get_data (bytes, NULL), (int) g_bytes_get_size (bytes),
                       SQLITE_TRANSIENT);
}

static gboolean
insert_entry (sqlite3           *db,
              const LiaLogEntry *e,
              const guint8      *prev_hash,
              const guint8      *hash,
              const guint8      *signature,
              GError           **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = lia_db_prepare (db, "INSERT INTO disclosure_log (seq, at, event, event_on, case_id, "
                             "record_id, record_version, what, request_id, counterpart_key, "
                             "counterpart_name, redirect_key, redirect_name, decision, reason, "
                             "basis, by_name, prev_hash, hash, signature) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, e->seq);
  sqlite3_bind_int64 (stmt, 2, e->at);
  lia_db_bind_text (stmt, 3, event_names[e->event]);
  lia_db_bind_text (stmt, 4, e->on);
  lia_db_bind_text (stmt, 5, e->case_id);
  lia_db_bind_text (stmt, 6, e->record_id);
  if (e->record_version != 0)
    sqlite3_bind_int64 (stmt, 7, e->record_version);
  lia_db_bind_text (stmt, 8, e->what);
  lia_db_bind_text (stmt, 9, e->request_id);
  bind_bytes (stmt, 10, e->counterpart_key);
  lia_db_bind_text (stmt, 11, e->counterpart_name);
  bind_bytes (stmt, 12, e->redirect_key);
  lia_db_bind_text (stmt, 13, e->redirect_name);
  lia_db_bind_text (stmt, 14, e->decision);
  lia_db_bind_text (stmt, 15, e->reason);
  lia_db_bind_text (stmt, 16, e->basis);
  lia_db_bind_text (stmt, 17, e->by);
  sqlite3_bind_blob (stmt, 18, prev_hash, HASH_BYTES, SQLITE_TRANSIENT);
  sqlite3_bind_blob (stmt, 19, hash, HASH_BYTES, SQLITE_TRANSIENT);
  sqlite3_bind_blob (stmt, 20, signature, SIG_BYTES, SQLITE_TRANSIENT);
  return lia_db_step_done (db, stmt, "Could not write to the disclosure log", error);
}

static gboolean
write_head (sqlite3      *db,
            gint64        seq,
            const guint8 *hash,
            const guint8 *signature,
            GError      **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = lia_db_prepare (db, "INSERT INTO disclosure_log_head (id, seq, hash, signature) "
                             "VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                             "seq = excluded.seq, hash = excluded.hash, "
                             "signature = excluded.signature", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_blob (stmt, 2, hash, HASH_BYTES, SQLITE_TRANSIENT);
  sqlite3_bind_blob (stmt, 3, signature, SIG_BYTES, SQLITE_TRANSIENT);
  return lia_db_step_done (db, stmt, "Could not write to the disclosure log", error);
}

gboolean
lia_log_append (LiaStore           *store,
                const LiaLogAppend *entry,
                GError            **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaLogEntry) e = g_new0 (LiaLogEntry, 1);
  g_autoptr (GByteArray) message = NULL;
  g_autoptr (GByteArray) head = NULL;
  GBytes *owner_key;
  guint8 prev_hash[HASH_BYTES], hash[HASH_BYTES];
  guint8 signature[SIG_BYTES], head_signature[SIG_BYTES];
  gint64 last_seq = 0;
  gboolean batch;

  g_return_val_if_fail (entry != NULL, FALSE);
  g_return_val_if_fail (entry->event < LIA_LOG_N_EVENTS, FALSE);
  g_return_val_if_fail (entry->record_version >= 0, FALSE);
  g_return_val_if_fail (entry->record_id != NULL || entry->record_version == 0, FALSE);
  if (db == NULL)
    return FALSE;
  owner_key = lia_store_get_identity_public_key (store);

  e->event = entry->event;
  e->record_version = entry->record_version;
  if (!check_text (entry->case_id, "case", &e->case_id, error)
      || !check_text (entry->record_id, "record", &e->record_id, error)
      || !check_text (entry->what, "description", &e->what, error)
      || !check_text (entry->request_id, "request", &e->request_id, error)
      || !check_text (entry->decision, "decision", &e->decision, error)
      || !check_text (entry->reason, "reason", &e->reason, error)
      || !check_text (entry->basis, "basis", &e->basis, error)
      || !check_text (entry->by, "person", &e->by, error)
      || !check_text (entry->on, "date", &e->on, error))
    return FALSE;
  if (e->on != NULL)
    {
      GDate date;

      if (!lia_date_parse (e->on, &date, error))
        return FALSE;
      g_free (e->on);
      e->on = lia_date_format (&date);
    }

  /* Everything below reads and writes under the one write lock, so that
   * two connections cannot both append after the same entry. In a batch,
   * the caller's transaction is that lock, and the head waits for the
   * batch's end. */
  batch = *lia_store_log_batch (store) > 0;
  if (batch)
    g_return_val_if_fail (!sqlite3_get_autocommit (db), FALSE);
  else if (!lia_db_begin (db, error))
    return FALSE;
  if (e->record_id != NULL && e->record_version == 0
      && !read_record_version (db, e->record_id, &e->record_version, error))
    goto fail;
  if (entry->counterpart_org > 0
      && !read_org (db, entry->counterpart_org, &e->counterpart_key, &e->counterpart_name, error))
    goto fail;
  if (entry->redirect_org > 0
      && !read_org (db, entry->redirect_org, &e->redirect_key, &e->redirect_name, error))
    goto fail;
  if (!(batch ? read_last (db, owner_key, &last_seq, prev_hash, error)
              : read_head (db, owner_key, &last_seq, prev_hash, error)))
    goto fail;

  e->seq = last_seq + 1;
  e->at = g_get_real_time ();
  entry_hash (owner_key, prev_hash, e, event_names[e->event], hash);
  message = signed_message (hash);
  sign (store, message, signature);
  if (batch)
    /* The insert is the only write: if it fails, nothing was written. */
    return insert_entry (db, e, prev_hash, hash, signature, error);
  head = head_message (owner_key, e->seq, hash);
  sign (store, head, head_signature);

  if (!insert_entry (db, e, prev_hash, hash, signature, error)
      || !write_head (db, e->seq, hash, head_signature, error)
      || !lia_db_commit (db, error))
    goto fail;
  return TRUE;

fail:
  /* A batch's failure is its caller's to undo, with the whole batch. */
  if (!batch)
    lia_db_rollback (db);
  return FALSE;
}

void
lia_log_batch_begin (LiaStore *store)
{
  sqlite3 *db = lia_store_get_db (store);

  g_return_if_fail (db != NULL && !sqlite3_get_autocommit (db));
  *lia_store_log_batch (store) += 1;
}

gboolean
lia_log_batch_end (LiaStore *store,
                   GError  **error)
{
  sqlite3 *db = lia_store_get_db (store);
  GBytes *owner_key = lia_store_get_identity_public_key (store);
  g_autoptr (GByteArray) head = NULL;
  guint8 hash[HASH_BYTES], head_hash[HASH_BYTES], head_signature[SIG_BYTES];
  gint64 last_seq = 0, head_seq = 0;

  g_return_val_if_fail (*lia_store_log_batch (store) > 0, FALSE);
  if (--*lia_store_log_batch (store) > 0)
    return TRUE;
  if (!read_last (db, owner_key, &last_seq, hash, error)
      || !read_head (db, owner_key, &head_seq, head_hash, error))
    return FALSE;
  if (last_seq == head_seq)
    return TRUE;
  head = head_message (owner_key, last_seq, hash);
  sign (store, head, head_signature);
  return write_head (db, last_seq, hash, head_signature, error);
}

void
lia_log_batch_abandon (LiaStore *store)
{
  g_return_if_fail (*lia_store_log_batch (store) > 0);
  *lia_store_log_batch (store) -= 1;
}

/* ---- reading ----------------------------------------------------------------- */

#define ENTRY_COLUMNS \
  "seq, at, event, event_on, case_id, record_id, record_version, what, request_id, " \
  "counterpart_key, counterpart_name, redirect_key, redirect_name, decision, reason, basis, " \
  "by_name, hash, prev_hash, signature"

static GBytes *
column_bytes (sqlite3_stmt *stmt, int column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return NULL;
  return g_bytes_new (sqlite3_column_blob (stmt, column), sqlite3_column_bytes (stmt, column));
}

/* An entry from the ENTRY_COLUMNS; @out_known is FALSE if its event is not
 * one this program knows (the table's CHECK makes that a damaged row). */
static LiaLogEntry *
entry_from_row (sqlite3_stmt *stmt,
                gboolean     *out_known)
{
  LiaLogEntry *e = g_new0 (LiaLogEntry, 1);

  e->seq = sqlite3_column_int64 (stmt, 0);
  e->at = sqlite3_column_int64 (stmt, 1);
  *out_known = lia_log_event_from_string ((const char *) sqlite3_column_text (stmt, 2), &e->event);
  e->on = lia_db_column_dup (stmt, 3);
  e->case_id = lia_db_column_dup (stmt, 4);
  e->record_id = lia_db_column_dup (stmt, 5);
  e->record_version = sqlite3_column_int64 (stmt, 6);
  e->what = lia_db_column_dup (stmt, 7);
  e->request_id = lia_db_column_dup (stmt, 8);
  e->counterpart_key = column_bytes (stmt, 9);
  e->counterpart_name = lia_db_column_dup (stmt, 10);
  e->redirect_key = column_bytes (stmt, 11);
  e->redirect_name = lia_db_column_dup (stmt, 12);
  e->decision = lia_db_column_dup (stmt, 13);
  e->reason = lia_db_column_dup (stmt, 14);
  e->basis = lia_db_column_dup (stmt, 15);
  e->by = lia_db_column_dup (stmt, 16);
  e->hash = column_bytes (stmt, 17);
  return e;
}

GPtrArray *
lia_log_list (LiaStore   *store,
              const char *case_id,
              GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autofree char *id = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  if (case_id != NULL)
    {
      id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
      if (id == NULL)
        return NULL;
      stmt = lia_db_prepare (db, "SELECT " ENTRY_COLUMNS " FROM disclosure_log "
                                 "WHERE case_id = ? ORDER BY seq", error);
      if (stmt != NULL)
        lia_db_bind_text (stmt, 1, id);
    }
  else
    stmt = lia_db_prepare (db, "SELECT " ENTRY_COLUMNS " FROM disclosure_log ORDER BY seq", error);
  if (stmt == NULL)
    return NULL;

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_log_entry_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gboolean known;
      LiaLogEntry *e = entry_from_row (stmt, &known);

      if (!known)
        {
          g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_CORRUPT,
                       "Entry %" G_GINT64_FORMAT " of the disclosure log is damaged: its event "
                       "is not one this version of Liaison knows; run “liaison-cli log verify”",
                       e->seq);
          lia_log_entry_free (e);
          return NULL;
        }
      g_ptr_array_add (entries, e);
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the disclosure log");
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/* ---- verifying ----------------------------------------------------------------- */

/* One row as stored, with what can be said of it alone. */
typedef struct
{
  gint64   seq;
  guint8   prev_hash[HASH_BYTES];
  guint8   hash[HASH_BYTES];
  /* Its fields hash (with its prev_hash) to its hash. */
  gboolean hash_ok;
  /* Its hash carries this organisation's signature. */
  gboolean signature_ok;
} Row;

static gboolean
broken (GError     **error,
        gint64      *out_bad_seq,
        LiaLogError  code,
        gint64       seq,
        const char  *format,
        ...) G_GNUC_PRINTF (5, 6);

static gboolean
broken (GError     **error,
        gint64      *out_bad_seq,
        LiaLogError  code,
        gint64       seq,
        const char  *format,
        ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (out_bad_seq != NULL)
    *out_bad_seq = seq;
  g_set_error (error, LIA_LOG_ERROR, code,
               "%s. The log has been tampered with or damaged: keep a copy of the store as it "
               "is, and compare it with a backup", message);
  return FALSE;
}

static gboolean
read_rows (sqlite3  *db,
           GBytes   *owner_key,
           GArray   *rows,
           GError  **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = lia_db_prepare (db, "SELECT " ENTRY_COLUMNS " FROM disclosure_log ORDER BY seq", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gboolean known;
      g_autoptr (LiaLogEntry) e = entry_from_row (stmt, &known);
      g_autoptr (GByteArray) message = NULL;
      guint8 computed[HASH_BYTES];
      Row row = { e->seq, { 0, }, { 0, }, FALSE, FALSE };

      /* The table's CHECKs hold these lengths; a row that breaks them is
       * as bad as any other edit. */
      if (sqlite3_column_bytes (stmt, 17) == HASH_BYTES
          && sqlite3_column_bytes (stmt, 18) == HASH_BYTES
          && sqlite3_column_bytes (stmt, 19) == SIG_BYTES)
        {
          memcpy (row.hash, sqlite3_column_blob (stmt, 17), HASH_BYTES);
          memcpy (row.prev_hash, sqlite3_column_blob (stmt, 18), HASH_BYTES);
          entry_hash (owner_key, row.prev_hash, e, (const char *) sqlite3_column_text (stmt, 2),
                      computed);
          row.hash_ok = known && memcmp (computed, row.hash, HASH_BYTES) == 0;
          message = signed_message (row.hash);
          row.signature_ok = signature_ok (owner_key, message, sqlite3_column_blob (stmt, 19));
        }
      g_array_append_val (rows, row);
    }
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the disclosure log");
  return TRUE;
}

/* The signed head: whether there is one, and whether its signature holds. */
typedef struct
{
  gboolean present;
  gboolean signature_ok;
  gint64   seq;
  guint8   hash[HASH_BYTES];
} Head;

static gboolean
read_signed_head (sqlite3  *db,
                  GBytes   *owner_key,
                  Head     *out,
                  GError  **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT seq, hash, signature FROM "
                                                      "disclosure_log_head WHERE id = 1", error);
  g_autoptr (GByteArray) message = NULL;
  int rc;

  memset (out, 0, sizeof *out);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the disclosure log");
  out->present = TRUE;
  out->seq = sqlite3_column_int64 (stmt, 0);
  if (sqlite3_column_bytes (stmt, 1) != HASH_BYTES || sqlite3_column_bytes (stmt, 2) != SIG_BYTES)
    return TRUE;
  memcpy (out->hash, sqlite3_column_blob (stmt, 1), HASH_BYTES);
  message = head_message (owner_key, out->seq, out->hash);
  out->signature_ok = signature_ok (owner_key, message, sqlite3_column_blob (stmt, 2));
  return TRUE;
}

static guint
hash_hash (gconstpointer key)
{
  guint value;

  /* A BLAKE2b output: any four bytes of it are as good as a hash of it. */
  memcpy (&value, key, sizeof value);
  return value;
}

static gboolean
hash_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, HASH_BYTES) == 0;
}

/* Walks the rows in seq order, each expected to follow on from the one
 * before (its prev_hash is the previous row's hash) and to be numbered one
 * more. Where a row does not, what is around it tells what happened:
 *
 * - it follows on from an entry that stands later in the table: the two
 *   were moved (reordered);
 * - the row after it follows on from the row before it: it was put in
 *   between (inserted), whatever it holds;
 * - it follows on from an entry that is no longer there: that entry was
 *   deleted;
 * - its fields do not hash to its hash: it was edited;
 * - its hash is not signed with this organisation's key: bad signature
 *   (an edit that recomputed the hash looks like this too).
 *
 * Then the end of the log must be where the signed head says. */
gboolean
lia_log_verify_full (LiaStore *store,
                     gint64   *out_n_entries,
                     gint64   *out_bad_seq,
                     GError  **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));
  g_autoptr (GHashTable) positions = NULL;
  GBytes *owner_key;
  guint8 expected_prev[HASH_BYTES];
  Head head;
  gint64 last_seq = 0;

  if (out_n_entries != NULL)
    *out_n_entries = 0;
  if (out_bad_seq != NULL)
    *out_bad_seq = 0;
  if (db == NULL)
    return FALSE;
  owner_key = lia_store_get_identity_public_key (store);

  /* One read transaction, so that the rows and the head are of one moment
   * even if another connection appends meanwhile. */
  if (sqlite3_exec (db, "SAVEPOINT lia_log_verify", NULL, NULL, NULL) != SQLITE_OK)
    return lia_store_set_sqlite_error (error, db, sqlite3_errcode (db),
                                       "Could not read the disclosure log");
  if (!read_rows (db, owner_key, rows, error) || !read_signed_head (db, owner_key, &head, error))
    {
      sqlite3_exec (db, "RELEASE lia_log_verify", NULL, NULL, NULL);
      return FALSE;
    }
  sqlite3_exec (db, "RELEASE lia_log_verify", NULL, NULL, NULL);
  if (out_n_entries != NULL)
    *out_n_entries = rows->len;

  /* Where each hash stands in the table (its first row). */
  positions = g_hash_table_new (hash_hash, hash_equal);
  for (guint i = rows->len; i-- > 0;)
    g_hash_table_insert (positions, g_array_index (rows, Row, i).hash, GUINT_TO_POINTER (i + 1));

  genesis_hash (owner_key, expected_prev);
  for (guint i = 0; i < rows->len; i++)
    {
      const Row *r = &g_array_index (rows, Row, i);
      const Row *next = i + 1 < rows->len ? &g_array_index (rows, Row, i + 1) : NULL;
      gint64 expected_seq = last_seq + 1;
      gboolean linked = memcmp (r->prev_hash, expected_prev, HASH_BYTES) == 0;
      gboolean next_skips = next != NULL && memcmp (next->prev_hash, expected_prev,
                                                    HASH_BYTES) == 0;
      guint at = GPOINTER_TO_UINT (g_hash_table_lookup (positions, r->prev_hash));

      if (head.present && head.signature_ok && r->seq > head.seq)
        return broken (error, out_bad_seq, LIA_LOG_ERROR_INSERTED, r->seq,
                       "Entry %" G_GINT64_FORMAT " of the disclosure log was inserted: it comes "
                       "after the end of the log as signed (entry %" G_GINT64_FORMAT ")",
                       r->seq, head.seq);
      if (!linked && at > i + 1)
        return broken (error, out_bad_seq, LIA_LOG_ERROR_REORDERED, r->seq,
                       "Entry %" G_GINT64_FORMAT " of the disclosure log is out of order: it was "
                       "written after the entry now numbered %" G_GINT64_FORMAT ", which stands "
                       "after it", r->seq, g_array_index (rows, Row, at - 1).seq);
      if (next_skips)
        {
          if (last_seq == 0)
            return broken (error, out_bad_seq, LIA_LOG_ERROR_INSERTED, r->seq,
                           "Entry %" G_GINT64_FORMAT " of the disclosure log was inserted: the "
                           "entry after it is the log's first", r->seq);
          return broken (error, out_bad_seq, LIA_LOG_ERROR_INSERTED, r->seq,
                         "Entry %" G_GINT64_FORMAT " of the disclosure log was inserted: the "
                         "entry after it follows on from entry %" G_GINT64_FORMAT " directly",
                         r->seq, last_seq);
        }
      if (!r->hash_ok)
        return broken (error, out_bad_seq, LIA_LOG_ERROR_EDITED, r->seq,
                       "Entry %" G_GINT64_FORMAT " of the disclosure log was edited: what it "
                       "holds no longer matches what was signed", r->seq);
      if (!r->signature_ok)
        return broken (error, out_bad_seq, LIA_LOG_ERROR_BAD_SIGNATURE, r->seq,
                       "Entry %" G_GINT64_FORMAT " of the disclosure log has a bad signature: it "
                       "was not signed with this organisation's identity key", r->seq);
      if (!linked && at == 0)
        return broken (error, out_bad_seq, LIA_LOG_ERROR_DELETED, expected_seq,
                       "Entry %" G_GINT64_FORMAT " of the disclosure log was deleted: the entry "
                       "now numbered %" G_GINT64_FORMAT " follows on from an entry that is no "
                       "longer there", expected_seq, r->seq);
      if (!linked)
        return broken (error, out_bad_seq, LIA_LOG_ERROR_INSERTED, r->seq,
                       "Entry %" G_GINT64_FORMAT " of the disclosure log was inserted: it repeats "
                       "the place of the entry after entry %" G_GINT64_FORMAT, r->seq,
                       g_array_index (rows, Row, at - 1).seq);
      if (r->seq != expected_seq)
        return broken (error, out_bad_seq, LIA_LOG_ERROR_EDITED, r->seq,
                       "Entry %" G_GINT64_FORMAT " of the disclosure log was renumbered: it "
                       "follows on from entry %" G_GINT64_FORMAT " and so should be entry %"
                       G_GINT64_FORMAT, r->seq, last_seq, expected_seq);
      memcpy (expected_prev, r->hash, HASH_BYTES);
      last_seq = r->seq;
    }

  if (!head.present && rows->len > 0)
    return broken (error, out_bad_seq, LIA_LOG_ERROR_DELETED, last_seq + 1,
                   "The disclosure log's signed head is missing: entry %" G_GINT64_FORMAT
                   " and any after it may have been deleted", last_seq + 1);
  if (!head.present)
    return TRUE;
  if (!head.signature_ok)
    return broken (error, out_bad_seq, LIA_LOG_ERROR_BAD_SIGNATURE, head.seq,
                   "The disclosure log's head (which says the log runs to entry %" G_GINT64_FORMAT
                   ") has a bad signature", head.seq);
  if (head.seq > last_seq)
    {
      g_autofree char *ends = last_seq == 0 ? g_strdup ("is empty")
                                            : g_strdup_printf ("ends at entry %" G_GINT64_FORMAT,
                                                               last_seq);

      return broken (error, out_bad_seq, LIA_LOG_ERROR_DELETED, last_seq + 1,
                     "Entry %" G_GINT64_FORMAT " of the disclosure log was deleted: the log "
                     "as signed runs to entry %" G_GINT64_FORMAT ", but it %s", last_seq + 1,
                     head.seq, ends);
    }
  if (memcmp (head.hash, expected_prev, HASH_BYTES) != 0)
    return broken (error, out_bad_seq, LIA_LOG_ERROR_EDITED, last_seq,
                   "Entry %" G_GINT64_FORMAT " of the disclosure log was replaced: it is not "
                   "the entry that the log as signed ends with", last_seq);
  return TRUE;
}

gboolean
lia_log_verify (LiaStore *store,
                gint64   *out_n_entries,
                GError  **error)
{
  return lia_log_verify_full (store, out_n_entries, NULL, error);
}

/* ---- CSV ------------------------------------------------------------------------ */

static char *
format_utc (gint64 at)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (at / G_USEC_PER_SEC);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("");
}

static char *
fingerprint_or_null (GBytes *key)
{
  if (key == NULL || g_bytes_get_size (key) != KEY_BYTES)
    return NULL;
  return lia_identity_fingerprint (g_bytes_get_data (key, NULL));
}

static char *
hex_or_null (GBytes *bytes)
{
  gsize len;
  const guint8 *data;
  char *hex;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  hex = g_malloc (len * 2 + 1);
  sodium_bin2hex (hex, len * 2 + 1, data, len);
  return hex;
}

gboolean
lia_log_write_csv (GPtrArray     *entries,
                   GOutputStream *out,
                   GError       **error)
{
  g_autoptr (GString) text = g_string_sized_new (4096);

  g_string_append (text, "Entry,Time (UTC),Date,Event,Case,Record,Version,What,Request,"
                         "Counterpart,Counterpart fingerprint,Redirected to,"
                         "Redirected to fingerprint,Decision,Reason,Basis,By,Hash\r\n");
  for (guint i = 0; i < entries->len; i++)
    {
      const LiaLogEntry *e = entries->pdata[i];
      g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, e->seq);
      g_autofree char *at = format_utc (e->at);
      g_autofree char *version = e->record_version != 0
                                   ? g_strdup_printf ("%" G_GINT64_FORMAT, e->record_version)
                                   : NULL;
      g_autofree char *counterpart = fingerprint_or_null (e->counterpart_key);
      g_autofree char *redirect = fingerprint_or_null (e->redirect_key);
      g_autofree char *hash = hex_or_null (e->hash);
      const char *cells[] = {
        seq, at, e->on, lia_log_event_to_string (e->event), e->case_id, e->record_id, version,
        e->what, e->request_id, e->counterpart_name, counterpart, e->redirect_name, redirect,
        e->decision, e->reason, e->basis, e->by, hash,
      };

      for (guint c = 0; c < G_N_ELEMENTS (cells); c++)
        {
          if (c > 0)
            g_string_append_c (text, ',');
          lia_csv_append_field (text, cells[c]);
        }
      g_string_append (text, "\r\n");
      if (text->len >= 65536)
        {
          if (!g_output_stream_write_all (out, text->str, text->len, NULL, NULL, error))
            return FALSE;
          g_string_truncate (text, 0);
        }
    }
  return g_output_stream_write_all (out, text->str, text->len, NULL, NULL, error);
}
