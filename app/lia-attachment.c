/* lia-attachment.c: files attached to records, in encrypted chunks.
 *
 * See lia-attachment.h for the chunk and manifest formats. The tables
 * (migration 4): attachment, the manifest of each record's current
 * version; chunk_ref, which version of which record lists which chunk,
 * from which who may be given a chunk is decided; chunk, the chunks held;
 * chunk_staged, those an attach is still writing; chunk_garbage, chunks
 * whose references went, to be deleted a few at a time.
 *
 * Memory and the write-ahead log stay small whatever the size of a file:
 * a file is read and written a chunk at a time, and chunks are written and
 * deleted a few per transaction (a transaction's pages all sit in the
 * write-ahead log until it commits, and SQLite checkpoints and reuses the
 * log between transactions).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "lia-attachment-private.h"
#include "lia-db.h"
#include "lia-model-private.h"
#include "lia-record.h"

G_DEFINE_QUARK (lia-attachment-error-quark, lia_attachment_error)

/* Chunks per transaction, when writing or deleting them: 4 MiB, about the
 * size at which SQLite checkpoints the log (1000 pages). */
#define BATCH 16

/* An attach that stopped without cleaning up after itself (the process
 * was killed) leaves staged chunks; they are deleted once they are this
 * old, since an attach still running in another process may be writing
 * newer ones. */
#define STAGED_GRACE_SECONDS (24 * 60 * 60)

static const char chunk_ad_prefix[16] = "liaison chunk v1";

/* The chunk named by the hash bound to ?1 is listed by a version of a
 * record whose envelope names the organisation ?2 as a recipient: what
 * lia_attachment_chunk_get() gives, and what a bundle carries. */
#define ENTITLED_TO_CHUNK                                                        \
  "EXISTS (SELECT 1 FROM chunk_ref r "                                          \
  "  JOIN envelope e ON e.object_id = r.record_id AND e.version = r.version "  \
  "    AND e.kind = 'record' "                                                  \
  "  JOIN envelope_recipient er ON er.envelope_seq = e.seq "                    \
  "  WHERE r.hash = ?1 AND er.recipient = ?2)"

/* A row of chunk that is held: not still being written by an attach. */
#define HELD "NOT EXISTS (SELECT 1 FROM chunk_staged s WHERE s.hash = chunk.hash)"

/* The chunks listed by versions whose envelopes name ?1 as a recipient. */
#define CHUNKS_FOR_ORG                                                           \
  "SELECT r.hash FROM chunk_ref r "                                              \
  "JOIN envelope e ON e.object_id = r.record_id AND e.version = r.version "     \
  "  AND e.kind = 'record' "                                                     \
  "JOIN envelope_recipient er ON er.envelope_seq = e.seq WHERE er.recipient = ?1"

/* ---- small things --------------------------------------------------------- */

void
lia_attachment_free (LiaAttachment *attachment)
{
  if (attachment == NULL)
    return;
  g_free (attachment->record_id);
  g_free (attachment->name);
  g_free (attachment->media_type);
  g_free (attachment);
}

void
lia_attachment_entry_free (LiaAttachmentEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_free (entry->media_type);
  lia_secret_free (entry->key);
  g_clear_pointer (&entry->chunks, g_bytes_unref);
  g_free (entry);
}

guint
lia_attachment_n_chunks (guint64 size)
{
  g_return_val_if_fail (size <= LIA_ATTACHMENT_MAX_SIZE, 0);
  return (guint) ((size + LIA_ATTACHMENT_CHUNK_SIZE - 1) / LIA_ATTACHMENT_CHUNK_SIZE);
}

/* The length of piece @i of a file of @size bytes. */
static gsize
piece_length (guint64 size, guint i)
{
  guint64 start = (guint64) i * LIA_ATTACHMENT_CHUNK_SIZE;

  return (gsize) MIN (size - start, LIA_ATTACHMENT_CHUNK_SIZE);
}

/* The nonce and associated data of piece @i of @n (lia-attachment.h). */
static void
chunk_nonce_and_ad (guint i,
                    guint n,
                    guint8 nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES],
                    guint8 ad[sizeof chunk_ad_prefix + 16])
{
  guint64 i64 = GUINT64_TO_LE ((guint64) i);
  guint64 n64 = GUINT64_TO_LE ((guint64) n);

  memset (nonce, 0, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  memcpy (nonce, &i64, 8);
  memcpy (ad, chunk_ad_prefix, sizeof chunk_ad_prefix);
  memcpy (ad + sizeof chunk_ad_prefix, &i64, 8);
  memcpy (ad + sizeof chunk_ad_prefix + 8, &n64, 8);
}

static void
hash_bytes (guint8 out[LIA_ATTACHMENT_HASH_BYTES], const guint8 *data, gsize len)
{
  crypto_generichash (out, LIA_ATTACHMENT_HASH_BYTES, data, len, NULL, 0);
}

/* What is wrong with an attachment's name, or NULL. The rules keep a name
 * safe to show in a terminal and to offer as a file name: no control or
 * formatting characters (a right-to-left override can disguise a name's
 * extension), no directory separators. */
static const char *
name_problem (const char *name)
{
  gsize len = strlen (name);
  gboolean blank = TRUE;

  if (len == 0)
    return "is empty";
  if (len > LIA_ATTACHMENT_MAX_NAME)
    return "is longer than 255 bytes";
  if (!g_utf8_validate (name, len, NULL))
    return "is not UTF-8 text";
  if (g_str_equal (name, ".") || g_str_equal (name, ".."))
    return "is not a file's name";
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      GUnicodeType type = g_unichar_type (c);

      if (type == G_UNICODE_CONTROL || type == G_UNICODE_FORMAT || type == G_UNICODE_SURROGATE
          || type == G_UNICODE_LINE_SEPARATOR || type == G_UNICODE_PARAGRAPH_SEPARATOR
          || type == G_UNICODE_UNASSIGNED || type == G_UNICODE_PRIVATE_USE)
        return "holds a control or formatting character";
      if (c == '/' || c == '\\')
        return "holds a / or \\";
      if (!g_unichar_isspace (c))
        blank = FALSE;
    }
  if (blank)
    return "is only spaces";
  return NULL;
}

/* RFC 6838's restricted name: a letter or digit, then up to 126 of these. */
static gboolean
media_type_name_valid (const char *start, gsize len)
{
  if (len == 0 || !(g_ascii_islower (start[0]) || g_ascii_isdigit (start[0])))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!(g_ascii_islower (start[i]) || g_ascii_isdigit (start[i])
          || strchr ("!#$&^_.+-", start[i]) != NULL))
      return FALSE;
  return TRUE;
}

/* "type/subtype" in lower case, at most 127 bytes. */
static gboolean
media_type_valid (const char *type)
{
  const char *slash = strchr (type, '/');
  gsize len = strlen (type);

  return len <= LIA_ATTACHMENT_MAX_MEDIA_TYPE && slash != NULL
         && media_type_name_valid (type, slash - type)
         && media_type_name_valid (slash + 1, len - (slash - type) - 1);
}

static char *
format_size (guint64 size)
{
  return g_format_size (size);
}

/* ---- the manifest ------------------------------------------------------------ */

static gboolean
manifest_invalid (GError **error, guint n, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
manifest_invalid (GError    **error,
                  guint       n,
                  const char *format,
                  ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
               "The envelope's content is malformed: attachment %u %s", n, what);
  return FALSE;
}

/* A string member of @o, or NULL if it is absent or not a string. */
static const char *
string_member (JsonObject *o, const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Decodes @text, which must be the canonical base64 of exactly @len bytes
 * (GLib's decoder skips characters that are not base64, so the check is
 * that encoding the result gives @text back). */
static guint8 *
decode_base64_exact (const char *text, gsize len)
{
  gsize expected = 4 * ((len + 2) / 3);
  g_autofree guint8 *raw = NULL;
  g_autofree char *again = NULL;
  gsize raw_len = 0;

  if (text == NULL || strlen (text) != expected)
    return NULL;
  if (len == 0)
    return g_malloc0 (1);
  raw = g_base64_decode (text, &raw_len);
  if (raw == NULL || raw_len != len)
    return NULL;
  again = g_base64_encode (raw, raw_len);
  if (strcmp (again, text) != 0)
    return NULL;
  return g_steal_pointer (&raw);
}

GPtrArray *
lia_attachment_manifest_parse (JsonNode *node,
                               GError  **error)
{
  g_autoptr (GPtrArray) entries = NULL;
  JsonArray *array;
  guint total_chunks = 0;
  guint length;

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_attachment_entry_free);
  if (node == NULL)
    return g_steal_pointer (&entries);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                           "The envelope's content is malformed: its attachments are not a list");
      return NULL;
    }
  array = json_node_get_array (node);
  length = json_array_get_length (array);
  if (length > LIA_ATTACHMENT_MAX_PER_RECORD)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "The envelope's content lists %u attachments; a record has at most %u",
                   length, LIA_ATTACHMENT_MAX_PER_RECORD);
      return NULL;
    }
  for (guint i = 0; i < length; i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      g_autoptr (LiaAttachmentEntry) entry = NULL;
      g_autofree guint8 *key = NULL;
      g_autofree guint8 *hash = NULL;
      g_autofree guint8 *chunks = NULL;
      const char *name, *type, *problem;
      JsonObject *o;
      JsonNode *size_node;
      gint64 size;
      guint n;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          manifest_invalid (error, i + 1, "is not an object");
          return NULL;
        }
      o = json_node_get_object (item);
      name = string_member (o, "name");
      if (name == NULL)
        {
          manifest_invalid (error, i + 1, "has no name");
          return NULL;
        }
      if ((problem = name_problem (name)) != NULL)
        {
          manifest_invalid (error, i + 1, "has a name that %s", problem);
          return NULL;
        }
      type = string_member (o, "type");
      if (type == NULL || !media_type_valid (type))
        {
          manifest_invalid (error, i + 1, "has no media type of the form type/subtype");
          return NULL;
        }
      size_node = json_object_get_member (o, "size");
      if (size_node == NULL || !JSON_NODE_HOLDS_VALUE (size_node)
          || json_node_get_value_type (size_node) != G_TYPE_INT64)
        {
          manifest_invalid (error, i + 1, "has no size");
          return NULL;
        }
      size = json_node_get_int (size_node);
      if (size < 0 || (guint64) size > LIA_ATTACHMENT_MAX_SIZE)
        {
          manifest_invalid (error, i + 1, "has a size out of bounds (%" G_GINT64_FORMAT ")", size);
          return NULL;
        }
      n = lia_attachment_n_chunks (size);
      if (n > LIA_ATTACHMENT_MAX_RECORD_CHUNKS - total_chunks)
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                       "The envelope's content lists attachments of more than %u chunks in all",
                       LIA_ATTACHMENT_MAX_RECORD_CHUNKS);
          return NULL;
        }
      total_chunks += n;
      key = decode_base64_exact (string_member (o, "key"), LIA_ATTACHMENT_KEY_BYTES);
      hash = decode_base64_exact (string_member (o, "hash"), LIA_ATTACHMENT_HASH_BYTES);
      if (key == NULL || hash == NULL)
        {
          manifest_invalid (error, i + 1, "has no proper key or hash");
          return NULL;
        }
      chunks = decode_base64_exact (string_member (o, "chunks"),
                                    (gsize) n * LIA_ATTACHMENT_HASH_BYTES);
      if (chunks == NULL)
        {
          manifest_invalid (error, i + 1, "does not list the %u chunk%s of its size", n,
                            n == 1 ? "" : "s");
          return NULL;
        }

      entry = g_new0 (LiaAttachmentEntry, 1);
      entry->name = g_strdup (name);
      entry->media_type = g_strdup (type);
      entry->size = size;
      entry->key = lia_secret_new_from_data (key, LIA_ATTACHMENT_KEY_BYTES);
      sodium_memzero (key, LIA_ATTACHMENT_KEY_BYTES);
      memcpy (entry->plain_hash, hash, LIA_ATTACHMENT_HASH_BYTES);
      entry->chunks = g_bytes_new (chunks, (gsize) n * LIA_ATTACHMENT_HASH_BYTES);
      g_ptr_array_add (entries, g_steal_pointer (&entry));
    }
  return g_steal_pointer (&entries);
}

void
lia_attachment_manifest_write (GPtrArray   *entries,
                               JsonBuilder *builder)
{
  if (entries == NULL || entries->len == 0)
    return;
  json_builder_set_member_name (builder, "attachments");
  json_builder_begin_array (builder);
  for (guint i = 0; i < entries->len; i++)
    {
      const LiaAttachmentEntry *entry = entries->pdata[i];
      g_autofree char *key = g_base64_encode (entry->key->data, entry->key->len);
      g_autofree char *hash = g_base64_encode (entry->plain_hash, LIA_ATTACHMENT_HASH_BYTES);
      g_autofree char *chunks = g_base64_encode (g_bytes_get_data (entry->chunks, NULL),
                                                 g_bytes_get_size (entry->chunks));

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, entry->name);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, entry->media_type);
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, (gint64) entry->size);
      json_builder_set_member_name (builder, "key");
      json_builder_add_string_value (builder, key);
      json_builder_set_member_name (builder, "hash");
      json_builder_add_string_value (builder, hash);
      json_builder_set_member_name (builder, "chunks");
      json_builder_add_string_value (builder, chunks);
      json_builder_end_object (builder);
      /* The builder keeps its own copy of the key's text (the content is
       * sealed straight after, and GLib offers no wiping allocator). */
      sodium_memzero (key, strlen (key));
    }
  json_builder_end_array (builder);
}

GPtrArray *
lia_attachment_load_entries (sqlite3    *db,
                             const char *record_id,
                             GError    **error)
{
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_attachment_entry_free);
  stmt = lia_db_prepare (db, "SELECT name, media_type, size, chunk_key, plain_hash, chunks "
                             "FROM attachment WHERE record_id = ? ORDER BY idx", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, record_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LiaAttachmentEntry *entry = g_new0 (LiaAttachmentEntry, 1);

      entry->name = lia_db_column_dup (stmt, 0);
      entry->media_type = lia_db_column_dup (stmt, 1);
      entry->size = sqlite3_column_int64 (stmt, 2);
      entry->key = lia_secret_new_from_data (sqlite3_column_blob (stmt, 3),
                                             LIA_ATTACHMENT_KEY_BYTES);
      memcpy (entry->plain_hash, sqlite3_column_blob (stmt, 4), LIA_ATTACHMENT_HASH_BYTES);
      entry->chunks = g_bytes_new (sqlite3_column_blob (stmt, 5), sqlite3_column_bytes (stmt, 5));
      g_ptr_array_add (entries, entry);
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the record's attachments");
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/* ---- references ------------------------------------------------------------ */

static gboolean
insert_refs (sqlite3      *db,
             const char   *record_id,
             gint64        version,
             guint         index,
             GBytes       *chunks,
             GError      **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gsize len = 0;
  const guint8 *hashes = g_bytes_get_data (chunks, &len);

  stmt = lia_db_prepare (db, "INSERT OR IGNORE INTO chunk_ref (hash, record_id, version, "
                             "attachment, position) VALUES (?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  for (gsize p = 0; p < len / LIA_ATTACHMENT_HASH_BYTES; p++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_blob (stmt, 1, hashes + p * LIA_ATTACHMENT_HASH_BYTES, LIA_ATTACHMENT_HASH_BYTES,
                         SQLITE_STATIC);
      lia_db_bind_text (stmt, 2, record_id);
      sqlite3_bind_int64 (stmt, 3, version);
      sqlite3_bind_int64 (stmt, 4, index);
      sqlite3_bind_int64 (stmt, 5, (gint64) p);
      if (!lia_db_step_done (db, stmt, "Could not save the attachment's chunks", error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
insert_attachment (sqlite3                  *db,
                   const char               *record_id,
                   guint                     index,
                   const LiaAttachmentEntry *entry,
                   GError                  **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = lia_db_prepare (db, "INSERT INTO attachment (record_id, idx, name, media_type, size, "
                             "chunk_key, plain_hash, chunks, added_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, record_id);
  sqlite3_bind_int64 (stmt, 2, index);
  lia_db_bind_text (stmt, 3, entry->name);
  lia_db_bind_text (stmt, 4, entry->media_type);
  sqlite3_bind_int64 (stmt, 5, (gint64) entry->size);
  sqlite3_bind_blob (stmt, 6, entry->key->data, entry->key->len, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 7, entry->plain_hash, LIA_ATTACHMENT_HASH_BYTES, SQLITE_STATIC);
  /* An empty file has no chunks: an empty blob, which a NULL pointer
   * would bind as NULL. */
  if (g_bytes_get_size (entry->chunks) == 0)
    sqlite3_bind_zeroblob (stmt, 8, 0);
  else
    sqlite3_bind_blob (stmt, 8, g_bytes_get_data (entry->chunks, NULL),
                       g_bytes_get_size (entry->chunks), SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 9, lia_db_now ());
  return lia_db_step_done (db, stmt, "Could not save the attachment", error);
}

gboolean
lia_attachment_apply (sqlite3    *db,
                      const char *record_id,
                      gint64      version,
                      GPtrArray  *entries,
                      gboolean    current,
                      GError    **error)
{
  for (guint i = 0; i < entries->len; i++)
    {
      const LiaAttachmentEntry *entry = entries->pdata[i];

      if (!insert_refs (db, record_id, version, i + 1, entry->chunks, error))
        return FALSE;
    }
  if (current)
    {
      g_autoptr (sqlite3_stmt) stmt = NULL;

      stmt = lia_db_prepare (db, "DELETE FROM attachment WHERE record_id = ?", error);

      if (stmt == NULL)
        return FALSE;
      lia_db_bind_text (stmt, 1, record_id);
      if (!lia_db_step_done (db, stmt, "Could not save the record's attachments", error))
        return FALSE;
      for (guint i = 0; i < entries->len; i++)
        if (!insert_attachment (db, record_id, i + 1, entries->pdata[i], error))
          return FALSE;
    }
  return TRUE;
}

gboolean
lia_attachment_carry_forward (sqlite3    *db,
                              const char *record_id,
                              gint64      from_version,
                              GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = lia_db_prepare (db, "INSERT OR IGNORE INTO chunk_ref (hash, record_id, version, "
                             "attachment, position) SELECT hash, record_id, version + 1, "
                             "attachment, position FROM chunk_ref WHERE record_id = ? "
                             "AND version = ? ORDER BY seq", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, record_id);
  sqlite3_bind_int64 (stmt, 2, from_version);
  return lia_db_step_done (db, stmt, "Could not keep the record's attachments", error);
}

gboolean
lia_attachment_forget_record (sqlite3    *db,
                              const char *record_id,
                              GError    **error)
{
  static const char *const clear[] = {
    /* The trigger chunk_ref_deleted queues each chunk for collection. */
    "DELETE FROM chunk_ref WHERE record_id = ?",
    "DELETE FROM attachment WHERE record_id = ?",
  };

  for (guint i = 0; i < G_N_ELEMENTS (clear); i++)
    {
      g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, clear[i], error);

      if (stmt == NULL)
        return FALSE;
      lia_db_bind_text (stmt, 1, record_id);
      if (!lia_db_step_done (db, stmt, "Could not remove the record's attachments", error))
        return FALSE;
    }
  return TRUE;
}

/* Runs @sql, which takes a chunk's hash as ?1, for each of the @n hashes
 * at @hashes. */
static gboolean
run_for_hashes (sqlite3      *db,
                const char   *sql,
                const guint8 *hashes,
                gsize         n,
                GError      **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, sql, error);

  if (stmt == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_blob (stmt, 1, hashes + i * LIA_ATTACHMENT_HASH_BYTES,
                         LIA_ATTACHMENT_HASH_BYTES, SQLITE_STATIC);
      if (!lia_db_step_done (db, stmt, "Could not update the store's chunks", error))
        return FALSE;
    }
  return TRUE;
}

/* Deletes a chunk that nothing refers to any more, with its marks. */
static const char *const delete_unreferenced[] = {
  "DELETE FROM chunk WHERE hash = ?1 AND NOT EXISTS (SELECT 1 FROM chunk_ref WHERE hash = ?1)",
  "DELETE FROM chunk_garbage WHERE hash = ?1",
  "DELETE FROM chunk_staged WHERE hash = ?1 AND NOT EXISTS (SELECT 1 FROM chunk WHERE hash = ?1)",
};

/* Selects with @select_sql (?1 is bound to @arg, ?2 to BATCH) at most
 * BATCH hashes of chunks that may go, and deletes those nothing refers
 * to, in a transaction; again, until it selects none. */
static gboolean
delete_in_batches (sqlite3    *db,
                   const char *select_sql,
                   gint64      arg,
                   GError    **error)
{
  for (;;)
    {
      g_autoptr (sqlite3_stmt) select = NULL;
      g_autoptr (GByteArray) hashes = g_byte_array_new ();
      gsize n;
      int rc;

      if (!lia_db_begin (db, error))
        return FALSE;
      select = lia_db_prepare (db, select_sql, error);
      if (select == NULL)
        goto fail;
      sqlite3_bind_int64 (select, 1, arg);
      sqlite3_bind_int (select, 2, BATCH);
      while ((rc = sqlite3_step (select)) == SQLITE_ROW)
        if (sqlite3_column_bytes (select, 0) == LIA_ATTACHMENT_HASH_BYTES)
          g_byte_array_append (hashes, sqlite3_column_blob (select, 0), LIA_ATTACHMENT_HASH_BYTES);
      if (rc != SQLITE_DONE)
        {
          lia_store_set_sqlite_error (error, db, rc, "Could not read the chunks to remove");
          goto fail;
        }
      g_clear_pointer (&select, lia_db_release);
      n = hashes->len / LIA_ATTACHMENT_HASH_BYTES;
      for (guint i = 0; i < G_N_ELEMENTS (delete_unreferenced); i++)
        if (!run_for_hashes (db, delete_unreferenced[i], hashes->data, n, error))
          goto fail;
      if (!lia_db_commit (db, error))
        return FALSE;
      if (n == 0)
        return TRUE;
      continue;

    fail:
      lia_db_rollback (db);
      return FALSE;
    }
}

gboolean
lia_attachment_collect_garbage (sqlite3 *db,
                                GError **error)
{
  g_autoptr (sqlite3_stmt) any = NULL;
  gboolean queued, stale;

  /* Two indexed lookups when there is nothing to do, which is nearly
   * always. */
  any = lia_db_prepare (db, "SELECT EXISTS (SELECT 1 FROM chunk_garbage), EXISTS (SELECT 1 FROM "
                            "chunk_staged WHERE staged_at < ?)", error);
  if (any == NULL)
    return FALSE;
  sqlite3_bind_int64 (any, 1, lia_db_now () - STAGED_GRACE_SECONDS);
  if (sqlite3_step (any) != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, sqlite3_errcode (db),
                                       "Could not read the chunks");
  queued = sqlite3_column_int (any, 0);
  stale = sqlite3_column_int (any, 1);
  g_clear_pointer (&any, lia_db_release);

  /* chunk_garbage's hashes; then staged chunks that no attach finished,
   * which the queue's check ("nothing refers to it") lets go too. */
  if (queued && !delete_in_batches (db, "SELECT hash FROM chunk_garbage WHERE ?1 = ?1 LIMIT ?2", 0,
                                    error))
    return FALSE;
  if (stale && !delete_in_batches (db, "SELECT hash FROM chunk_staged WHERE staged_at < ?1 "
                                       "LIMIT ?2",
                                   lia_db_now () - STAGED_GRACE_SECONDS, error))
    return FALSE;
  return TRUE;
}

void
lia_attachment_collect_garbage_quietly (sqlite3 *db)
{
  g_autoptr (GError) error = NULL;

  if (!lia_attachment_collect_garbage (db, &error))
    g_message ("Could not yet remove the chunks of attachments that were withdrawn or "
               "destroyed (%s); their keys are gone, and they are removed next time",
               error->message);
}

/* ---- attaching --------------------------------------------------------------- */

/* Only a record's originator attaches files to it (DESIGN.md, "Ownership"),
 * and only while it has not been withdrawn. */
static gboolean
check_can_attach (const char *originator_name,
                  gboolean    is_self,
                  gboolean    withdrawn,
                  GError    **error)
{
  if (!is_self)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                   "This record belongs to %s, which made it; only %s can attach files to it. "
                   "Add a record of your own with the file instead",
                   originator_name, originator_name);
      return FALSE;
    }
  if (withdrawn)
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                           "This record was withdrawn; nothing can be attached to it any more");
      return FALSE;
    }
  return TRUE;
}

/* Whether a record has room for one more attachment of @n_chunks chunks;
 * its number goes to @out_index. */
static gboolean
check_room (sqlite3    *db,
            const char *record_id,
            guint       n_chunks,
            guint      *out_index,
            GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gint64 count, chunks;

  stmt = lia_db_prepare (db, "SELECT count (*), COALESCE (SUM (length (chunks)), 0) / 32, "
                             "COALESCE (MAX (idx), 0) FROM attachment WHERE record_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, record_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, sqlite3_errcode (db),
                                       "Could not read the record's attachments");
  count = sqlite3_column_int64 (stmt, 0);
  chunks = sqlite3_column_int64 (stmt, 1);
  if (count >= LIA_ATTACHMENT_MAX_PER_RECORD)
    {
      g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_TOO_LARGE,
                   "This record has %u attachments already, the most a record can have; attach "
                   "the file to another record",
                   LIA_ATTACHMENT_MAX_PER_RECORD);
      return FALSE;
    }
  if (chunks + n_chunks > LIA_ATTACHMENT_MAX_RECORD_CHUNKS)
    {
      g_autofree char *limit = format_size (LIA_ATTACHMENT_MAX_SIZE);

      g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_TOO_LARGE,
                   "With this file the record's attachments would come to more than %s, the "
                   "most one record can carry; attach the file to another record",
                   limit);
      return FALSE;
    }
  *out_index = (guint) sqlite3_column_int64 (stmt, 2) + 1;
  return TRUE;
}

/* The media type GIO guesses from the file's name and first bytes, when
 * it is one a manifest may carry. */
static char *
guess_media_type (GFileInfo *info)
{
  const char *content_type =
    g_file_info_get_attribute_string (info, G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE);
  g_autofree char *mime = content_type != NULL ? g_content_type_get_mime_type (content_type) : NULL;
  g_autofree char *lower = mime != NULL ? g_ascii_strdown (mime, -1) : NULL;

  if (lower != NULL && media_type_valid (lower))
    return g_steal_pointer (&lower);
  return g_strdup ("application/octet-stream");
}

/* Deletes the chunks an attach staged and did not finish, a batch per
 * transaction. A failure here only leaves them for
 * lia_attachment_collect_garbage() a day later. */
static void
delete_staged (sqlite3 *db, GByteArray *hashes)
{
  gsize n = hashes->len / LIA_ATTACHMENT_HASH_BYTES;

  for (gsize i = 0; i < n; i += BATCH)
    {
      if (!lia_db_begin (db, NULL))
        return;
      for (guint k = 0; k < G_N_ELEMENTS (delete_unreferenced); k++)
        if (!run_for_hashes (db, delete_unreferenced[k],
                             hashes->data + i * LIA_ATTACHMENT_HASH_BYTES, MIN (BATCH, n - i),
                             NULL))
          {
            lia_db_rollback (db);
            return;
          }
      if (!lia_db_commit (db, NULL))
        return;
    }
}

/* Reads @n_chunks pieces of the file (@size bytes) from @in, seals each
 * under @entry's key, and stores it staged, BATCH to a transaction; the
 * hashes go to @hashes as they are stored, and the hash of the whole file
 * to @entry. */
static gboolean
stage_chunks (sqlite3            *db,
              GInputStream       *in,
              LiaAttachmentEntry *entry,
              GByteArray         *hashes,
              GCancellable       *cancellable,
              GError            **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (sqlite3_stmt) stage = NULL;
  g_autofree guint8 *piece = g_malloc (LIA_ATTACHMENT_CHUNK_SIZE);
  g_autofree guint8 *sealed = g_malloc (LIA_ATTACHMENT_CHUNK_MAX_BYTES);
  crypto_generichash_state state;
  guint n = lia_attachment_n_chunks (entry->size);
  gboolean in_batch = FALSE;
  gboolean ok = FALSE;
  guint8 extra;
  gsize got = 0;

  crypto_generichash_init (&state, NULL, 0, LIA_ATTACHMENT_HASH_BYTES);
  stmt = lia_db_prepare (db, "INSERT INTO chunk (hash, bytes) VALUES (?1, ?2) "
                             "ON CONFLICT (hash) DO NOTHING", error);
  stage = lia_db_prepare (db, "INSERT OR REPLACE INTO chunk_staged (hash, staged_at) VALUES (?, ?)",
                          error);
  if (stmt == NULL || stage == NULL)
    goto out;
  for (guint i = 0; i < n; i++)
    {
      guint8 nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
      guint8 ad[sizeof chunk_ad_prefix + 16];
      guint8 hash[LIA_ATTACHMENT_HASH_BYTES];
      unsigned long long sealed_len = 0;
      gsize len = piece_length (entry->size, i);

      if (!g_input_stream_read_all (in, piece, len, &got, cancellable, error))
        goto out;
      if (got != len)
        {
          g_set_error_literal (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_CHANGED,
                               "The file became shorter while it was being read; nothing was "
                               "attached. Attach it again once it is complete");
          goto out;
        }
      crypto_generichash_update (&state, piece, len);
      chunk_nonce_and_ad (i, n, nonce, ad);
      crypto_aead_xchacha20poly1305_ietf_encrypt (sealed, &sealed_len, piece, len, ad, sizeof ad,
                                                  NULL, nonce, entry->key->data);
      hash_bytes (hash, sealed, sealed_len);

      if (i % BATCH == 0)
        {
          if (!lia_db_begin (db, error))
            goto out;
          in_batch = TRUE;
        }
      sqlite3_reset (stage);
      sqlite3_bind_blob (stage, 1, hash, sizeof hash, SQLITE_STATIC);
      sqlite3_bind_int64 (stage, 2, lia_db_now ());
      sqlite3_reset (stmt);
      sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_STATIC);
      sqlite3_bind_blob (stmt, 2, sealed, sealed_len, SQLITE_STATIC);
      if (!lia_db_step_done (db, stage, "Could not store the attachment's chunks", error)
          || !lia_db_step_done (db, stmt, "Could not store the attachment's chunks", error))
        goto out;
      g_byte_array_append (hashes, hash, sizeof hash);
      if (i % BATCH == BATCH - 1 || i + 1 == n)
        {
          in_batch = FALSE;
          if (!lia_db_commit (db, error))
            goto out;
        }
    }
  /* The file must end where its size said it would. */
  if (!g_input_stream_read_all (in, &extra, 1, &got, cancellable, error))
    goto out;
  if (got != 0)
    {
      g_set_error_literal (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_CHANGED,
                           "The file grew while it was being read; nothing was attached. Attach "
                           "it again once it is complete");
      goto out;
    }
  crypto_generichash_final (&state, entry->plain_hash, LIA_ATTACHMENT_HASH_BYTES);
  entry->chunks = g_bytes_new (hashes->data, hashes->len);
  ok = TRUE;

out:
  if (in_batch)
    lia_db_rollback (db);
  sodium_memzero (piece, LIA_ATTACHMENT_CHUNK_SIZE);
  sodium_memzero (&state, sizeof state);
  return ok;
}

/* The new version of the record that lists @entry as attachment @index,
 * sealed; inside the caller's transaction. The record is read again
 * here, under the write lock, in case it changed while the file was read. */
static gboolean
add_version (LiaStore                 *store,
             sqlite3                  *db,
             const char               *record_id,
             const LiaAttachmentEntry *entry,
             guint                    *out_index,
             GError                  **error)
{
  g_autoptr (LiaRecord) record = lia_record_load (store, record_id, error);
  g_autoptr (GError) seal_error = NULL;
  guint index;

  if (record == NULL
      || !check_can_attach (record->originator->name, record->originator->is_self,
                            record->withdrawn, error)
      || !check_room (db, record_id, lia_attachment_n_chunks (entry->size), &index, error)
      || !lia_record_bump_version (db, record_id, error)
      || !insert_attachment (db, record_id, index, entry, error)
      || !insert_refs (db, record_id, record->version + 1, index, entry->chunks, error))
    return FALSE;
  /* Referred to now: no longer staged. */
  if (!run_for_hashes (db, "DELETE FROM chunk_staged WHERE hash = ?1",
                       g_bytes_get_data (entry->chunks, NULL),
                       g_bytes_get_size (entry->chunks) / LIA_ATTACHMENT_HASH_BYTES, error))
    return FALSE;
  if (!lia_exchange_record_changed (store, record_id, &seal_error))
    {
      if (g_error_matches (seal_error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_TOO_LARGE))
        {
          g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_TOO_LARGE,
                       "With this file the record would be too large to send: its text and the "
                       "list of its attachments' chunks must fit in %u KiB. Attach the file to "
                       "a record of its own",
                       LIA_ENVELOPE_MAX_CONTENT / 1024);
          return FALSE;
        }
      g_propagate_error (error, g_steal_pointer (&seal_error));
      return FALSE;
    }
  *out_index = index;
  return TRUE;
}

LiaAttachment *
lia_attachment_attach (LiaStore     *store,
                       const char   *record_id,
                       GFile        *file,
                       const char   *name,
                       const char   *media_type,
                       GCancellable *cancellable,
                       GError      **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaRecord) record = NULL;
  g_autoptr (GFileInfo) info = NULL;
  g_autoptr (GFileInputStream) in = NULL;
  g_autoptr (LiaAttachmentEntry) entry = NULL;
  g_autoptr (GByteArray) hashes = NULL;
  g_autofree char *shown = NULL;
  LiaAttachment *attachment;
  const char *problem;
  guint index;

  g_return_val_if_fail (G_IS_FILE (file), NULL);

  if (db == NULL)
    return NULL;
  record = lia_record_load (store, record_id, error);
  if (record == NULL
      || !check_can_attach (record->originator->name, record->originator->is_self,
                            record->withdrawn, error))
    return NULL;

  shown = g_file_get_parse_name (file);
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE
                            "," G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE,
                            G_FILE_QUERY_INFO_NONE, cancellable, error);
  if (info == NULL)
    return NULL;
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_INVALID,
                   "%s is not a file; only a file can be attached", shown);
      return NULL;
    }

  entry = g_new0 (LiaAttachmentEntry, 1);
  entry->size = g_file_info_get_size (info);
  if (entry->size > LIA_ATTACHMENT_MAX_SIZE)
    {
      g_autofree char *size_text = format_size (entry->size);
      g_autofree char *limit = format_size (LIA_ATTACHMENT_MAX_SIZE);

      g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_TOO_LARGE,
                   "%s is %s; a file attached to a record is at most %s", shown, size_text,
                   limit);
      return NULL;
    }
  entry->name = name != NULL ? g_strdup (name) : g_file_get_basename (file);
  if ((problem = name_problem (entry->name)) != NULL)
    {
      g_autofree char *valid = g_utf8_make_valid (entry->name, -1);

      g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_INVALID,
                   "The attachment's name “%s” %s; give it another with --name NAME", valid,
                   problem);
      return NULL;
    }
  entry->media_type = media_type != NULL ? g_ascii_strdown (media_type, -1)
                                         : guess_media_type (info);
  if (!media_type_valid (entry->media_type))
    {
      g_autofree char *valid = g_utf8_make_valid (entry->media_type, -1);

      g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_INVALID,
                   "“%s” is not a media type; give one of the form type/subtype, such as "
                   "application/pdf", valid);
      return NULL;
    }
  if (!check_room (db, record->id, lia_attachment_n_chunks (entry->size), &index, error))
    return NULL;

  /* What an attach cut short long ago left behind goes first. */
  lia_attachment_collect_garbage_quietly (db);

  in = g_file_read (file, cancellable, error);
  if (in == NULL)
    return NULL;
  entry->key = lia_secret_new (LIA_ATTACHMENT_KEY_BYTES);
  randombytes_buf (entry->key->data, LIA_ATTACHMENT_KEY_BYTES);
  hashes = g_byte_array_sized_new (lia_attachment_n_chunks (entry->size)
                                   * LIA_ATTACHMENT_HASH_BYTES);
  if (!stage_chunks (db, G_INPUT_STREAM (in), entry, hashes, cancellable, error))
    goto fail;
  if (!lia_db_begin (db, error))
    goto fail;
  if (!add_version (store, db, record->id, entry, &index, error))
    {
      lia_db_rollback (db);
      goto fail;
    }
  if (!lia_db_commit (db, error))
    goto fail;

  attachment = g_new0 (LiaAttachment, 1);
  attachment->record_id = g_strdup (record->id);
  attachment->index = index;
  attachment->name = g_strdup (entry->name);
  attachment->media_type = g_strdup (entry->media_type);
  attachment->size = entry->size;
  attachment->n_chunks = lia_attachment_n_chunks (entry->size);
  attachment->n_held = attachment->n_chunks;
  return attachment;

fail:
  delete_staged (db, hashes);
  return NULL;
}

/* ---- fetching ------------------------------------------------------------------ */

/* The chunks of @chunks (hashes) that this store does not hold. */
static gboolean
count_held (sqlite3 *db, GBytes *chunks, guint *out_held, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gsize len = 0;
  const guint8 *hashes = g_bytes_get_data (chunks, &len);
  guint held = 0;
  int rc;

  stmt = lia_db_prepare (db, "SELECT 1 FROM chunk WHERE hash = ? AND " HELD, error);
  if (stmt == NULL)
    return FALSE;
  for (gsize p = 0; p < len / LIA_ATTACHMENT_HASH_BYTES; p++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_blob (stmt, 1, hashes + p * LIA_ATTACHMENT_HASH_BYTES, LIA_ATTACHMENT_HASH_BYTES,
                         SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        held++;
      else if (rc != SQLITE_DONE)
        return lia_store_set_sqlite_error (error, db, rc, "Could not read the chunks");
    }
  *out_held = held;
  return TRUE;
}

/* Attachment @index of a record's current version, as kept here. */
static LiaAttachmentEntry *
load_entry (sqlite3 *db, const char *record_id, guint index, GError **error)
{
  g_autoptr (GPtrArray) entries = lia_attachment_load_entries (db, record_id, error);

  if (entries == NULL)
    return NULL;
  if (index < 1 || index > entries->len)
    {
      if (entries->len == 0)
        g_set_error_literal (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_FOUND,
                             "This record has no attachments");
      else if (entries->len == 1)
        g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_FOUND,
                     "This record has no attachment %u; it has one, number 1", index);
      else
        g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_FOUND,
                     "This record has no attachment %u; its attachments are numbered 1 to %u "
                     "(liaison-cli record show lists them)",
                     index, entries->len);
      return NULL;
    }
  return g_ptr_array_steal_index (entries, index - 1);
}

/* Checks, decrypts and writes piece @i of @entry to @file; @piece holds
 * LIA_ATTACHMENT_CHUNK_SIZE bytes. */
static gboolean
write_piece (sqlite3                  *db,
             sqlite3_stmt             *read,
             const LiaAttachmentEntry *entry,
             guint                     index,
             guint                     i,
             guint                     n,
             guint8                   *piece,
             crypto_generichash_state *state,
             LiaAtomicFile            *file,
             GError                  **error)
{
  const guint8 *hash = (const guint8 *) g_bytes_get_data (entry->chunks, NULL)
                       + (gsize) i * LIA_ATTACHMENT_HASH_BYTES;
  guint8 nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
  guint8 ad[sizeof chunk_ad_prefix + 16];
  guint8 actual[LIA_ATTACHMENT_HASH_BYTES];
  gsize len = piece_length (entry->size, i);
  const guint8 *sealed;
  unsigned long long opened = 0;
  int rc;

  sqlite3_reset (read);
  sqlite3_bind_blob (read, 1, hash, LIA_ATTACHMENT_HASH_BYTES, SQLITE_STATIC);
  rc = sqlite3_step (read);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_INCOMPLETE,
                   "Chunk %u of attachment %u went missing while it was being written (the "
                   "record was destroyed or withdrawn meanwhile); nothing was written",
                   i + 1, index);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the attachment's chunks");
  sealed = sqlite3_column_blob (read, 0);
  hash_bytes (actual, sealed, sqlite3_column_bytes (read, 0));
  chunk_nonce_and_ad (i, n, nonce, ad);
  if ((gsize) sqlite3_column_bytes (read, 0) != len + LIA_ATTACHMENT_TAG_BYTES
      || sodium_memcmp (actual, hash, LIA_ATTACHMENT_HASH_BYTES) != 0
      || crypto_aead_xchacha20poly1305_ietf_decrypt (piece, &opened, NULL, sealed,
                                                     sqlite3_column_bytes (read, 0), ad, sizeof ad,
                                                     nonce, entry->key->data) != 0)
    {
      g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_DAMAGED,
                   "Chunk %u of attachment %u is damaged: it does not match its hash or does not "
                   "decrypt. Nothing was written; run liaison-cli store check",
                   i + 1, index);
      return FALSE;
    }
  sqlite3_reset (read);
  crypto_generichash_update (state, piece, len);
  return lia_atomic_file_write (file, piece, len, error);
}

gboolean
lia_attachment_fetch (LiaStore     *store,
                      const char   *record_id,
                      guint         index,
                      const char   *path,
                      gboolean      replace,
                      GCancellable *cancellable,
                      GError      **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaAttachmentEntry) entry = NULL;
  g_autoptr (LiaAtomicFile) file = NULL;
  g_autoptr (sqlite3_stmt) read = NULL;
  g_autofree char *id = NULL;
  g_autofree guint8 *piece = NULL;
  g_autofree char *what = NULL;
  crypto_generichash_state state;
  guint8 whole[LIA_ATTACHMENT_HASH_BYTES];
  gboolean ok = FALSE;
  guint n, held;

  g_return_val_if_fail (path != NULL, FALSE);

  if (db == NULL)
    return FALSE;
  id = lia_db_resolve_id (db, "record", record_id, "record", error);
  if (id == NULL || (entry = load_entry (db, id, index, error)) == NULL)
    return FALSE;
  n = lia_attachment_n_chunks (entry->size);
  if (!count_held (db, entry->chunks, &held, error))
    return FALSE;
  if (held < n)
    {
      g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_INCOMPLETE,
                   "Attachment %u (%s) is not all here yet: %u of its %u chunks are missing. They "
                   "come with the next sync with an organisation that holds them, or in a "
                   "bundle; nothing was written",
                   index, entry->name, n - held, n);
      return FALSE;
    }

  what = g_strdup_printf ("the attachment %s to", entry->name);
  file = lia_atomic_file_new (path, replace, what, error);
  if (file == NULL)
    return FALSE;
  read = lia_db_prepare (db, "SELECT bytes FROM chunk WHERE hash = ? AND " HELD, error);
  if (read == NULL)
    return FALSE;
  piece = g_malloc (LIA_ATTACHMENT_CHUNK_SIZE);
  crypto_generichash_init (&state, NULL, 0, LIA_ATTACHMENT_HASH_BYTES);
  for (guint i = 0; i < n; i++)
    if (g_cancellable_set_error_if_cancelled (cancellable, error)
        || !write_piece (db, read, entry, index, i, n, piece, &state, file, error))
      goto out;
  crypto_generichash_final (&state, whole, sizeof whole);
  if (sodium_memcmp (whole, entry->plain_hash, sizeof whole) != 0)
    {
      g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_DAMAGED,
                   "Attachment %u (%s), put together from its chunks, does not match its hash; "
                   "nothing was written",
                   index, entry->name);
      goto out;
    }
  ok = lia_atomic_file_commit (file, error);

out:
  sodium_memzero (piece, LIA_ATTACHMENT_CHUNK_SIZE);
  sodium_memzero (&state, sizeof state);
  return ok;
}

GPtrArray *
lia_attachment_progress (LiaStore   *store,
                         const char *record_id,
                         GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) out = NULL;
  g_autofree char *id = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  if (record_id != NULL
      && (id = lia_db_resolve_id (db, "record", record_id, "record", error)) == NULL)
    return NULL;
  stmt = lia_db_prepare (db, "SELECT a.record_id, a.idx, a.name, a.media_type, a.size, a.chunks "
                             "FROM attachment a JOIN record r ON r.id = a.record_id "
                             "WHERE ?1 IS NULL OR a.record_id = ?1 ORDER BY r.seq, a.idx", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, id);
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_attachment_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr (LiaAttachment) a = g_new0 (LiaAttachment, 1);
      g_autoptr (GBytes) chunks = g_bytes_new (sqlite3_column_blob (stmt, 5),
                                               sqlite3_column_bytes (stmt, 5));

      a->record_id = lia_db_column_dup (stmt, 0);
      a->index = sqlite3_column_int (stmt, 1);
      a->name = lia_db_column_dup (stmt, 2);
      a->media_type = lia_db_column_dup (stmt, 3);
      a->size = sqlite3_column_int64 (stmt, 4);
      a->n_chunks = g_bytes_get_size (chunks) / LIA_ATTACHMENT_HASH_BYTES;
      if (!count_held (db, chunks, &a->n_held, error))
        return NULL;
      g_ptr_array_add (out, g_steal_pointer (&a));
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the attachments");
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* ---- for the sync engine -------------------------------------------------------- */

/* The org row of a current peer (or this organisation) with identity key
 * @key, or 0. */
static gint64
org_for_key (sqlite3 *db, const guint8 *key, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = lia_db_prepare (db, "SELECT id FROM org WHERE sign_public = ? AND revoked_at IS NULL "
                             "AND (id = 1 OR box_public IS NOT NULL)", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_blob (stmt, 1, key, LIA_ENVELOPE_KEY_BYTES, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the organisations");
      return -1;
    }
  return 0;
}

GPtrArray *
lia_attachment_wanted (LiaStore     *store,
                       const guint8 *peer_key,
                       guint         max,
                       GError      **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) out = NULL;
  gint64 peer = 0;
  int rc;

  if (db == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  if (peer_key != NULL)
    {
      peer = org_for_key (db, peer_key, error);
      if (peer < 0)
        return NULL;
      if (peer == 0)
        return g_steal_pointer (&out);
    }
  stmt = lia_db_prepare (db, "SELECT r.hash FROM chunk_ref r "
                             "WHERE NOT EXISTS (SELECT 1 FROM chunk c WHERE c.hash = r.hash) "
                             "AND (?1 = 0 OR EXISTS (SELECT 1 FROM envelope e "
                             "  WHERE e.kind = 'record' AND e.object_id = r.record_id "
                             "  AND e.version = r.version AND (e.author = ?1 OR EXISTS ("
                             "    SELECT 1 FROM envelope_recipient er "
                             "    WHERE er.envelope_seq = e.seq AND er.recipient = ?1)))) "
                             "GROUP BY r.hash ORDER BY MIN (r.seq) LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, peer);
  sqlite3_bind_int64 (stmt, 2, max > 0 ? (gint64) max : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, g_bytes_new (sqlite3_column_blob (stmt, 0),
                                       sqlite3_column_bytes (stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the chunks wanted");
      return NULL;
    }
  return g_steal_pointer (&out);
}

GBytes *
lia_attachment_chunk_get (LiaStore     *store,
                          const guint8 *hash,
                          const guint8 *requester_key,
                          GError      **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gint64 org;

  g_return_val_if_fail (hash != NULL && requester_key != NULL, NULL);

  if (db == NULL)
    return NULL;
  org = org_for_key (db, requester_key, error);
  if (org < 0)
    return NULL;
  stmt = lia_db_prepare (db, "SELECT " ENTITLED_TO_CHUNK ", (SELECT bytes FROM chunk "
                             "WHERE hash = ?1 AND " HELD ")", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_blob (stmt, 1, hash, LIA_ATTACHMENT_HASH_BYTES, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, org);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      lia_store_set_sqlite_error (error, db, sqlite3_errcode (db), "Could not read the chunk");
      return NULL;
    }
  /* An unknown requester and an unknown chunk get the same answer as a
   * known one that is not entitled: nothing says what is held here. */
  if (org == 0 || !sqlite3_column_int (stmt, 0))
    {
      g_set_error_literal (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_ENTITLED,
                           "That organisation is not a recipient of a record that lists this "
                           "chunk; it was not given");
      return NULL;
    }
  if (sqlite3_column_type (stmt, 1) == SQLITE_NULL)
    {
      g_set_error_literal (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_HELD,
                           "This store does not hold that chunk yet");
      return NULL;
    }
  return g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
}

gboolean
lia_attachment_chunk_put (LiaStore         *store,
                          const guint8     *hash,
                          GBytes           *bytes,
                          LiaImportOutcome *out_outcome,
                          GError          **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  guint8 actual[LIA_ATTACHMENT_HASH_BYTES];
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  g_return_val_if_fail (hash != NULL && bytes != NULL && out_outcome != NULL, FALSE);

  *out_outcome = LIA_IMPORT_REFUSED;
  if (db == NULL)
    return FALSE;
  if (len > LIA_ATTACHMENT_CHUNK_MAX_BYTES)
    {
      g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_TOO_LARGE,
                   "A chunk of %" G_GSIZE_FORMAT " bytes is over the limit of %u; it was not "
                   "stored",
                   len, LIA_ATTACHMENT_CHUNK_MAX_BYTES);
      return FALSE;
    }
  if (len < LIA_ATTACHMENT_CHUNK_MIN_BYTES)
    {
      g_set_error (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_DAMAGED,
                   "A chunk of %" G_GSIZE_FORMAT " bytes is shorter than any chunk can be; it "
                   "was not stored",
                   len);
      return FALSE;
    }
  hash_bytes (actual, data, len);
  if (sodium_memcmp (actual, hash, sizeof actual) != 0)
    {
      g_set_error_literal (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_DAMAGED,
                           "The chunk's bytes do not match its hash: it was damaged on the way, "
                           "or is not the chunk it claims to be. It was not stored");
      return FALSE;
    }
  stmt = lia_db_prepare (db, "SELECT EXISTS (SELECT 1 FROM chunk WHERE hash = ?1), "
                             "EXISTS (SELECT 1 FROM chunk_ref WHERE hash = ?1)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, hash, LIA_ATTACHMENT_HASH_BYTES, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, sqlite3_errcode (db),
                                       "Could not read the chunks");
  if (sqlite3_column_int (stmt, 0))
    {
      *out_outcome = LIA_IMPORT_DUPLICATE;
      return TRUE;
    }
  if (!sqlite3_column_int (stmt, 1))
    {
      g_set_error_literal (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_NOT_WANTED,
                           "No record here lists this chunk; it was not stored");
      return FALSE;
    }
  g_clear_pointer (&stmt, lia_db_release);
  stmt = lia_db_prepare (db, "INSERT INTO chunk (hash, bytes) VALUES (?, ?) "
                             "ON CONFLICT (hash) DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, hash, LIA_ATTACHMENT_HASH_BYTES, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 2, data, len, SQLITE_STATIC);
  if (!lia_db_step_done (db, stmt, "Could not store the chunk", error))
    return FALSE;
  *out_outcome = sqlite3_changes (db) == 1 ? LIA_IMPORT_ACCEPTED : LIA_IMPORT_DUPLICATE;
  return TRUE;
}

/* ---- bundles ---------------------------------------------------------------------- */

gboolean
lia_attachment_write_for (sqlite3         *db,
                          gint64           org_id,
                          LiaBundleWriter *writer,
                          guint           *out_count,
                          GError         **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  guint count = 0;
  int rc;

  stmt = lia_db_prepare (db, "SELECT hash, bytes FROM chunk WHERE " HELD " AND hash IN ("
                             CHUNKS_FOR_ORG ") ORDER BY seq", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, org_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr (GBytes) chunk = g_bytes_new (sqlite3_column_blob (stmt, 1),
                                              sqlite3_column_bytes (stmt, 1));

      if (!lia_bundle_writer_add_chunk (writer, sqlite3_column_blob (stmt, 0), chunk, NULL, error))
        return FALSE;
      count++;
    }
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the chunks");
  *out_count = count;
  return TRUE;
}
