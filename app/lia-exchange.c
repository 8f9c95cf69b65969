/* lia-exchange.c: need-to-know sharing, sealing, and exchange by bundle.
 *
 * See lia-exchange.h for the rules. Everything that leaves this store
 * leaves as an envelope (lia-envelope.c) whose recipients this file
 * chooses, and everything that arrives is verified, stored as the exact
 * bytes that were signed, and only then applied to the model's tables.
 *
 * The content of an envelope is JSON (the model's own form for fields);
 * it is read only after the envelope's author and signature have been
 * checked, and even then as untrusted input: every value goes through the
 * same validation as a value typed here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "lia-attachment-private.h"
#include "lia-bundle.h"
#include "lia-db.h"
#include "lia-envelope.h"
#include "lia-exchange.h"
#include "lia-fields.h"
#include "lia-holdings.h"
#include "lia-invite.h"
#include "lia-log.h"
#include "lia-model-private.h"
#include "lia-store-private.h"

/* Envelope kinds. */
#define KIND_CASE    "case"
#define KIND_RECORD  "record"
#define KIND_RECEIPT "receipt"
#define KIND_REQUEST "request"
#define KIND_DECISION "decision"
#define KIND_KEYS    "keys"

/* The store's own organisation is always row 1 of org. */
#define SELF_ID 1

/* ---- small things --------------------------------------------------------- */

static gboolean
refuse (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
refuse (GError    **error,
        const char *format,
        ...)
{
  va_list args;

  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED, message);
  return FALSE;
}

static gint64
now_us (void)
{
  return g_get_real_time ();
}

static const guint8 *
self_key (LiaStore *store)
{
  return g_bytes_get_data (lia_store_get_identity_public_key (store), NULL);
}

/* An organisation as this file needs it: its row and its public keys. */
typedef struct
{
  gint64   id;
  char    *name;
  guint8   sign[32];
  guint8   box[32];
  gboolean has_keys;     /* a peer (or this organisation): it can be sealed for */
  gboolean revoked;
  char    *why;          /* for a recipient: why it receives */
} Party;

static void
party_free (Party *p)
{
  g_free (p->name);
  g_free (p->why);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Party, party_free)

#define PARTY_COLUMNS "o.id, o.name, o.sign_public, o.box_public, o.revoked_at IS NOT NULL"

static Party *
party_from_row (sqlite3_stmt *stmt, int col)
{
  Party *p = g_new0 (Party, 1);

  p->id = sqlite3_column_int64 (stmt, col);
  p->name = lia_db_column_dup (stmt, col + 1);
  if (sqlite3_column_bytes (stmt, col + 2) == 32 && sqlite3_column_bytes (stmt, col + 3) == 32)
    {
      memcpy (p->sign, sqlite3_column_blob (stmt, col + 2), 32);
      memcpy (p->box, sqlite3_column_blob (stmt, col + 3), 32);
      p->has_keys = TRUE;
    }
  else if (sqlite3_column_bytes (stmt, col + 2) == 32)
    memcpy (p->sign, sqlite3_column_blob (stmt, col + 2), 32);
  p->revoked = sqlite3_column_int (stmt, col + 4) != 0;
  return p;
}

static Party *
party_by_id (sqlite3 *db, gint64 id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT " PARTY_COLUMNS " FROM org o "
                                                      "WHERE o.id = ?", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return party_from_row (stmt, 0);
  if (rc == SQLITE_DONE)
    g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND, "No organisation %" G_GINT64_FORMAT, id);
  else
    lia_store_set_sqlite_error (error, db, rc, "Could not read the organisation");
  return NULL;
}

/* The org row with identity key @key, or 0. */
static gint64
org_id_by_key (sqlite3 *db, const guint8 *key)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT id FROM org WHERE sign_public = ?",
                                                  NULL);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_blob (stmt, 1, key, 32, SQLITE_STATIC);
  return sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
}

/* The author check of lia_envelope_verify(): a current peer (or this
 * organisation itself) is known; a revoked one is refused as such. */
static LiaAuthorStatus
author_status_cb (const guint8 *key,
                  gpointer      user_data)
{
  sqlite3 *db = user_data;
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT id, box_public IS NOT NULL, "
                                                      "revoked_at IS NOT NULL FROM org "
                                                      "WHERE sign_public = ?", NULL);

  if (stmt == NULL)
    return LIA_AUTHOR_UNKNOWN;
  sqlite3_bind_blob (stmt, 1, key, 32, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return LIA_AUTHOR_UNKNOWN;
  if (sqlite3_column_int (stmt, 2))
    return LIA_AUTHOR_REVOKED;
  if (sqlite3_column_int64 (stmt, 0) == SELF_ID || sqlite3_column_int (stmt, 1))
    return LIA_AUTHOR_KNOWN;
  return LIA_AUTHOR_UNKNOWN;
}

/* ---- storing envelopes ---------------------------------------------------- */

/* Stores an envelope's bytes and its recipients (those this store knows;
 * the others cannot be sent anything from here anyway). */
static gboolean
store_envelope (sqlite3     *db,
                LiaEnvelope *env,
                gint64       author,
                gboolean     applied,
                GError     **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (sqlite3_stmt) rec = NULL;
  GBytes *bytes = lia_envelope_get_bytes (env);
  const guint8 *hash = lia_envelope_hash (env);
  gint64 seq;

  stmt = lia_db_prepare (db, "INSERT INTO envelope (hash, author, kind, object_id, case_id, "
                             "version, created, bytes, received_at, applied) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, hash, 32, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, author);
  lia_db_bind_text (stmt, 3, lia_envelope_get_kind (env));
  lia_db_bind_text (stmt, 4, lia_envelope_get_object_id (env));
  lia_db_bind_text (stmt, 5, lia_envelope_get_case_id (env)[0] ? lia_envelope_get_case_id (env) : NULL);
  sqlite3_bind_int64 (stmt, 6, lia_envelope_get_version (env));
  sqlite3_bind_int64 (stmt, 7, lia_envelope_get_created (env));
  sqlite3_bind_blob (stmt, 8, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                     SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 9, lia_db_now ());
  sqlite3_bind_int (stmt, 10, applied ? 1 : 0);
  if (!lia_db_step_done (db, stmt, "Could not store the envelope", error))
    return FALSE;
  seq = sqlite3_last_insert_rowid (db);

  rec = lia_db_prepare (db, "INSERT OR IGNORE INTO envelope_recipient (author, recipient, number, "
                            "envelope_seq) VALUES (?, ?, ?, ?)", error);
  if (rec == NULL)
    return FALSE;
  for (guint i = 0; i < lia_envelope_get_n_recipients (env); i++)
    {
      guint64 number = lia_envelope_get_recipient_number (env, i);
      gint64 org = org_id_by_key (db, lia_envelope_get_recipient_sign_public (env, i));

      if (org == 0)
        continue;
      /* What was sealed for this organisation joins the ledger of what it
       * holds (lia-holdings.c), which the sync protocol reports. */
      if (org == SELF_ID && !lia_holdings_note (db, author, number, error))
        return FALSE;
      sqlite3_reset (rec);
      sqlite3_bind_int64 (rec, 1, author);
      sqlite3_bind_int64 (rec, 2, org);
      sqlite3_bind_int64 (rec, 3, (gint64) number);
      sqlite3_bind_int64 (rec, 4, seq);
      if (!lia_db_step_done (db, rec, "Could not store the envelope's recipients", error))
        return FALSE;
    }
  return TRUE;
}

/* The next number in the run of envelopes from this organisation to
 * @recipient (the sync protocol's vector counts these). */
static gint64
next_number (sqlite3 *db, gint64 recipient, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT COALESCE (MAX (number), 0) + 1 "
                                                      "FROM envelope_recipient WHERE author = 1 "
                                                      "AND recipient = ?", error);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, recipient);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      lia_store_set_sqlite_error (error, db, sqlite3_errcode (db), "Could not number the envelope");
      return 0;
    }
  return sqlite3_column_int64 (stmt, 0);
}

/* Seals @content for @targets (Party, each with keys) and stores the
 * envelope as this organisation's own. */
static gboolean
seal_and_store (LiaStore   *store,
                sqlite3    *db,
                const char *kind,
                const char *object_id,
                const char *case_id,
                guint32     version,
                GBytes     *content,
                GPtrArray  *targets,
                GError    **error)
{
  g_autofree LiaRecipient *recipients = g_new0 (LiaRecipient, MAX (targets->len, 1));
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (LiaEnvelope) env = NULL;

  for (guint i = 0; i < targets->len; i++)
    {
      Party *p = targets->pdata[i];

      g_assert (p->has_keys);
      memcpy (recipients[i].sign_public, p->sign, 32);
      memcpy (recipients[i].box_public, p->box, 32);
      recipients[i].number = next_number (db, p->id, error);
      if (recipients[i].number == 0)
        return FALSE;
    }
  bytes = lia_envelope_seal (lia_store_get_keyring (store), kind, object_id, case_id ? case_id : "",
                             version, now_us (), recipients, targets->len, content, error);
  if (bytes == NULL)
    return FALSE;
  env = lia_envelope_parse (bytes, error);
  return env != NULL && store_envelope (db, env, SELF_ID, TRUE, error);
}

/* ---- records: who is entitled --------------------------------------------- */

typedef struct
{
  char    *id;
  char    *case_id;
  gint64   originator;
  char    *kind;
  gint64   version;
  char    *classification;
  char    *fields;        /* JSON */
  gint64   created_at;
  gint64   updated_at;
  gboolean withdrawn;
  gboolean destroyed;
} RecordRow;

static void
record_row_free (RecordRow *r)
{
  g_free (r->id);
  g_free (r->case_id);
  g_free (r->kind);
  g_free (r->classification);
  g_free (r->fields);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RecordRow, record_row_free)

static RecordRow *
record_row (sqlite3 *db, const char *id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  RecordRow *r;
  int rc;

  stmt = lia_db_prepare (db, "SELECT id, case_id, originator, kind, version, classification, "
                             "fields, created_at, updated_at, withdrawn_at IS NOT NULL, "
                             "destroyed_at IS NOT NULL FROM record WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND, "No record %s", id);
      else
        lia_store_set_sqlite_error (error, db, rc, "Could not read the record");
      return NULL;
    }
  r = g_new0 (RecordRow, 1);
  r->id = lia_db_column_dup (stmt, 0);
  r->case_id = lia_db_column_dup (stmt, 1);
  r->originator = sqlite3_column_int64 (stmt, 2);
  r->kind = lia_db_column_dup (stmt, 3);
  r->version = sqlite3_column_int64 (stmt, 4);
  r->classification = lia_db_column_dup (stmt, 5);
  r->fields = lia_db_column_dup (stmt, 6);
  r->created_at = sqlite3_column_int64 (stmt, 7);
  r->updated_at = sqlite3_column_int64 (stmt, 8);
  r->withdrawn = sqlite3_column_int (stmt, 9);
  r->destroyed = sqlite3_column_int (stmt, 10);
  return r;
}

/* The organisations other than the originator entitled to a record, by
 * the rules in lia-exchange.h, as rows (org, why): for the record with id
 * ID, case CASE and kind KIND, SECRET being 1 if it is classified secret
 * (each an SQL expression). The sharing decisions reach participants
 * only: a decision stays but has no effect while the organisation is not
 * on the case. One text for entitled(), which asks it of one record, and
 * catch_up_records(), which asks it of all of them at once. */
#define ENTITLED_ORGS(ID, CASE, KIND, SECRET) \
  "SELECT s.org_id AS org, 'sharing: ' || s.category AS why FROM share s " \
  "JOIN participant p ON p.case_id = s.case_id AND p.org_id = s.org_id " \
  "WHERE " SECRET " = 0 AND s.case_id = " CASE " AND s.category = " KIND " " \
  "UNION ALL " \
  "SELECT org_id, how FROM record_recipient WHERE record_id = " ID " " \
  "AND (" SECRET " = 0 OR how = 'release')"

/* Whether an envelope of this organisation's of kind KIND for OBJECT at
 * VERSION was sealed for the organisation ORG (SQL expressions). */
#define SEALED_FOR(KIND, OBJECT, VERSION, ORG) \
  "EXISTS (SELECT 1 FROM envelope e JOIN envelope_recipient er ON er.envelope_seq = e.seq " \
  "WHERE e.author = 1 AND e.kind = " KIND " AND e.object_id = " OBJECT " " \
  "AND e.version = " VERSION " AND er.recipient = " ORG ")"

/* Everyone entitled to the current version of one of this organisation's
 * records, by the rules in lia-exchange.h, including those without keys
 * yet and the revoked (the caller decides what to do with them): this
 * organisation first. */
static GPtrArray *
entitled (sqlite3 *db, const RecordRow *r, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) party_free);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  Party *self = party_by_id (db, SELF_ID, error);
  gboolean secret = g_strcmp0 (r->classification, "secret") == 0;
  int rc;

  if (self == NULL)
    return NULL;
  self->why = g_strdup ("originator");
  g_ptr_array_add (out, self);

  if (r->withdrawn)
    /* Everyone who received any version, so that they delete it. */
    stmt = lia_db_prepare (db, "SELECT DISTINCT " PARTY_COLUMNS ", 'withdrawal' FROM envelope e "
                               "JOIN envelope_recipient er ON er.envelope_seq = e.seq "
                               "JOIN org o ON o.id = er.recipient "
                               "WHERE e.author = 1 AND e.kind = 'record' AND e.object_id = ?1 "
                               "AND o.id != 1 ORDER BY o.id", error);
  else
    stmt = lia_db_prepare (db, "SELECT " PARTY_COLUMNS ", why FROM ("
                               ENTITLED_ORGS ("?1", "?2", "?3", "?4")
                               ") JOIN org o ON o.id = org WHERE o.id != 1 "
                               "GROUP BY o.id ORDER BY o.id", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, r->id);
  lia_db_bind_text (stmt, 2, r->case_id);
  lia_db_bind_text (stmt, 3, r->kind);
  sqlite3_bind_int (stmt, 4, secret);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Party *p = party_from_row (stmt, 0);

      p->why = lia_db_column_dup (stmt, 5);
      g_ptr_array_add (out, p);
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read who receives the record");
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* Whether an envelope of this organisation's @kind @object_id at @version
 * was sealed for @org already. */
static gboolean
holds_version (sqlite3 *db, const char *kind, const char *object_id, gint64 version, gint64 org)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT " SEALED_FOR ("?1", "?2", "?3", "?4"),
                                                  NULL);

  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, kind);
  lia_db_bind_text (stmt, 2, object_id);
  sqlite3_bind_int64 (stmt, 3, version);
  sqlite3_bind_int64 (stmt, 4, org);
  return sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_int (stmt, 0) != 0;
}

/* The content of a record version: its fields and attachments as this
 * store keeps them. */
static GBytes *
record_content (sqlite3         *db,
                const RecordRow *r,
                const char      *withdrawal_reason,
                GError         **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonNode) fields = NULL;
  gsize len = 0;
  char *text;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, r->id);
  json_builder_set_member_name (b, "case");
  json_builder_add_string_value (b, r->case_id);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, r->kind);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, r->version);
  json_builder_set_member_name (b, "created");
  json_builder_add_int_value (b, r->created_at);
  json_builder_set_member_name (b, "updated");
  json_builder_add_int_value (b, r->updated_at);
  if (r->withdrawn)
    {
      json_builder_set_member_name (b, "withdrawn");
      json_builder_add_string_value (b, withdrawal_reason ? withdrawal_reason : "");
    }
  else
    {
      g_autoptr (GPtrArray) attachments = lia_attachment_load_entries (db, r->id, error);

      if (attachments == NULL)
        return NULL;
      fields = json_from_string (r->fields, NULL);
      json_builder_set_member_name (b, "fields");
      if (fields != NULL)
        json_builder_add_value (b, g_steal_pointer (&fields));
      else
        {
          json_builder_begin_object (b);
          json_builder_end_object (b);
        }
      lia_attachment_manifest_write (attachments, b);
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  return g_bytes_new_take (text, len);
}

static gboolean
log_disclosure (LiaStore    *store,
                LiaLogEvent  event,
                const char  *case_id,
                const char  *record_id,
                gint64       version,
                gint64       counterpart,
                const char  *decision,
                const char  *reason,
                const char  *by,
                GError     **error)
{
  LiaLogAppend entry = {
    .event = event,
    .case_id = case_id,
    .record_id = record_id,
    .record_version = version,
    .counterpart_org = counterpart,
    .decision = decision,
    .reason = reason,
    .by = by,
  };

  return lia_log_append (store, &entry, error);
}

/* Seals the current version of one of this organisation's records: for
 * everyone entitled to it when @all, else only for those entitled who do
 * not hold this version yet. Each disclosure to another organisation is
 * logged. Runs inside the caller's transaction. */
static gboolean
seal_record (LiaStore   *store,
             sqlite3    *db,
             const char *record_id,
             gboolean    all,
             const char *reason,
             const char *by,
             guint      *out_sealed,
             GError    **error)
{
  g_autoptr (RecordRow) r = record_row (db, record_id, error);
  g_autoptr (GPtrArray) parties = NULL;
  g_autoptr (GPtrArray) targets = g_ptr_array_new ();
  g_autoptr (GBytes) content = NULL;

  if (r == NULL)
    return FALSE;
  g_return_val_if_fail (r->originator == SELF_ID, FALSE);
  if (r->destroyed)
    return TRUE;
  parties = entitled (db, r, error);
  if (parties == NULL)
    return FALSE;
  for (guint i = 0; i < parties->len; i++)
    {
      Party *p = parties->pdata[i];

      if (!p->has_keys || p->revoked)
        continue;
      if (!all && holds_version (db, KIND_RECORD, r->id, r->version, p->id))
        continue;
      g_ptr_array_add (targets, p);
    }
  if (targets->len == 0)
    return TRUE;
  content = record_content (db, r, reason, error);
  if (content == NULL
      || !seal_and_store (store, db, KIND_RECORD, r->id, r->case_id, r->version, content, targets,
                          error))
    return FALSE;
  for (guint i = 0; i < targets->len; i++)
    {
      Party *p = targets->pdata[i];

      if (p->id == SELF_ID)
        continue;
      if (!log_disclosure (store, r->withdrawn ? LIA_LOG_WITHDRAWN : LIA_LOG_DISCLOSED,
                           r->case_id, r->id, r->version, p->id, p->why, reason, by, error))
        return FALSE;
    }
  if (out_sealed != NULL)
    *out_sealed += 1;
  return TRUE;
}

gboolean
lia_exchange_record_changed (LiaStore   *store,
                             const char *record_id,
                             GError    **error)
{
  sqlite3 *db = lia_store_get_db (store);
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (!seal_record (store, db, record_id, TRUE, NULL, NULL, NULL, error))
    return FALSE;
  /* Sealed for everyone entitled: not due any more (catch_up_records()). */
  stmt = lia_db_prepare (db, "DELETE FROM seal_due WHERE record_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, record_id);
  return lia_db_step_done (db, stmt, "Could not note what was sealed", error);
}

/* ---- sharing decisions ---------------------------------------------------- */

void
lia_share_free (LiaShare *share)
{
  if (share == NULL)
    return;
  lia_org_free (share->org);
  g_strfreev (share->categories);
  g_free (share);
}

/* @categories as record kinds, "all" standing for every one. */
static GStrv
check_categories (const char *const *categories, GError **error)
{
  g_autoptr (GStrvBuilder) out = g_strv_builder_new ();
  gboolean any = FALSE;

  for (guint i = 0; categories != NULL && categories[i] != NULL; i++)
    {
      LiaRecordKind kind;

      if (g_str_equal (categories[i], "all"))
        {
          g_strv_builder_addv (out, (const char **) lia_record_kind_names ());
          any = TRUE;
          continue;
        }
      if (!lia_record_kind_from_string (categories[i], &kind))
        {
          g_autofree char *names = g_strjoinv (", ", (char **) lia_record_kind_names ());

          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                       "“%s” is not a category of record; the categories are %s, or all",
                       categories[i], names);
          return NULL;
        }
      g_strv_builder_add (out, categories[i]);
      any = TRUE;
    }
  if (!any)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                   "Name the categories of record to share (--categories LIST, or all)");
      return NULL;
    }
  return g_strv_builder_end (out);
}

/* The case and the participant a sharing decision is about. */
static gboolean
share_target (LiaStore   *store,
              sqlite3    *db,
              const char *case_id,
              const char *org_name,
              char      **out_case,
              LiaOrg    **out_org,
              GError    **error)
{
  g_autoptr (LiaOrg) org = NULL;
  g_autofree char *id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
  LiaRole role;

  if (id == NULL)
    return FALSE;
  org = lia_store_find_org (store, org_name, error);
  if (org == NULL)
    return FALSE;
  if (org->is_self)
    return refuse (error, "This organisation always holds its own records; name another "
                          "participant");
  if (!lia_case_participant_role (db, id, org->id, org->name, &role, error))
    return FALSE;
  *out_case = g_steal_pointer (&id);
  *out_org = g_steal_pointer (&org);
  return TRUE;
}

/* Of the records of this organisation's that the row source FROM gives
 * as r where WHERE holds (SQL): those that someone entitled with keys,
 * this organisation among them, not revoked, was not sealed the current
 * version of; in the case ?1, if that is not NULL. */
#define UNSEALED(FROM, WHERE) \
  "SELECT r.id, r.seq FROM " FROM " WHERE " WHERE " AND r.originator = 1 " \
  "AND r.destroyed_at IS NULL AND r.withdrawn_at IS NULL " \
  "AND (?1 IS NULL OR r.case_id = ?1) AND EXISTS (" \
  "  SELECT 1 FROM (SELECT 1 AS org UNION ALL SELECT org FROM (" \
  ENTITLED_ORGS ("r.id", "r.case_id", "r.kind", "(r.classification = 'secret')") \
  "  )) JOIN org o ON o.id = org " \
  "  WHERE length (o.sign_public) = 32 AND length (o.box_public) = 32 " \
  "  AND o.revoked_at IS NULL AND NOT " \
  SEALED_FOR ("'record'", "r.id", "r.version", "o.id") \
  ")"

/* Seals the current versions of this organisation's records in @case_id
 * (or every case) for those newly entitled to them. Only the records that
 * something has changed for since (seal_due, which triggers keep) are
 * looked at, in one query (seal_record() asks again, record by record):
 * the sync engine runs this whenever the store has changed, and asking
 * it of every record took it a third of a second at 10,000 records. */
static gboolean
catch_up_records (LiaStore   *store,
                  sqlite3    *db,
                  const char *case_id,
                  guint      *out_sealed,
                  GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (sqlite3_stmt) done = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int due, rc;

  /* 0: nothing is due; 1: some records or cases; 2: everything. */
  stmt = lia_db_prepare (db, "SELECT max (CASE WHEN case_id IS NULL AND record_id IS NULL "
                             "THEN 2 ELSE 1 END) FROM seal_due", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the records");
  due = sqlite3_column_int (stmt, 0);
  g_clear_pointer (&stmt, lia_db_release);
  if (due == 0)
    return TRUE;
  if (due == 2)
    stmt = lia_db_prepare (db, UNSEALED ("record r", "1") " ORDER BY 2", error);
  else
    stmt = lia_db_prepare (db, UNSEALED ("seal_due d JOIN record r ON r.id = d.record_id", "1")
                               " UNION "
                               UNSEALED ("seal_due d JOIN record r ON r.case_id = d.case_id", "1")
                               " ORDER BY 2", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, case_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, lia_db_column_dup (stmt, 0));
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the records");
  g_clear_pointer (&stmt, lia_db_release);
  for (guint i = 0; i < ids->len; i++)
    if (!seal_record (store, db, ids->pdata[i], FALSE, NULL, NULL, out_sealed, error))
      return FALSE;

  /* What was due is sealed: in @case_id, or everywhere. */
  done = lia_db_prepare (db, "DELETE FROM seal_due WHERE ?1 IS NULL OR case_id = ?1 "
                             "OR record_id IN (SELECT id FROM record WHERE case_id = ?1)", error);
  if (done == NULL)
    return FALSE;
  lia_db_bind_text (done, 1, case_id);
  return lia_db_step_done (db, done, "Could not note what was sealed", error);
}

gboolean
lia_case_share (LiaStore          *store,
                const char        *case_id,
                const char        *org_name,
                const char *const *categories,
                const char        *by,
                GError           **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaOrg) org = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;
  g_auto (GStrv) kinds = NULL;

  if (db == NULL || !share_target (store, db, case_id, org_name, &id, &org, error))
    return FALSE;
  kinds = check_categories (categories, error);
  if (kinds == NULL)
    return FALSE;
  if (!lia_db_begin (db, error))
    return FALSE;
  stmt = lia_db_prepare (db, "INSERT INTO share (case_id, org_id, category, decided_at, decided_by) "
                             "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", error);
  if (stmt == NULL)
    goto fail;
  for (guint i = 0; kinds[i] != NULL; i++)
    {
      sqlite3_reset (stmt);
      lia_db_bind_text (stmt, 1, id);
      sqlite3_bind_int64 (stmt, 2, org->id);
      lia_db_bind_text (stmt, 3, kinds[i]);
      sqlite3_bind_int64 (stmt, 4, lia_db_now ());
      lia_db_bind_text (stmt, 5, by);
      if (!lia_db_step_done (db, stmt, "Could not save the sharing decision", error))
        goto fail;
    }
  /* What is already there goes to them now, as it would have had the
   * decision been made first. */
  if (!catch_up_records (store, db, id, NULL, error) || !lia_db_commit (db, error))
    goto fail;
  return TRUE;

fail:
  lia_db_rollback (db);
  return FALSE;
}

gboolean
lia_case_unshare (LiaStore          *store,
                  const char        *case_id,
                  const char        *org_name,
                  const char *const *categories,
                  GError           **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaOrg) org = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;
  g_auto (GStrv) kinds = NULL;
  static const char *const all[] = { "all", NULL };

  if (db == NULL || !share_target (store, db, case_id, org_name, &id, &org, error))
    return FALSE;
  kinds = check_categories (categories != NULL ? categories : all, error);
  if (kinds == NULL)
    return FALSE;
  if (!lia_db_begin (db, error))
    return FALSE;
  stmt = lia_db_prepare (db, "DELETE FROM share WHERE case_id = ? AND org_id = ? AND category = ?",
                         error);
  if (stmt == NULL)
    goto fail;
  for (guint i = 0; kinds[i] != NULL; i++)
    {
      sqlite3_reset (stmt);
      lia_db_bind_text (stmt, 1, id);
      sqlite3_bind_int64 (stmt, 2, org->id);
      lia_db_bind_text (stmt, 3, kinds[i]);
      if (!lia_db_step_done (db, stmt, "Could not remove the sharing decision", error))
        goto fail;
    }
  if (!lia_db_commit (db, error))
    goto fail;
  return TRUE;

fail:
  lia_db_rollback (db);
  return FALSE;
}

GPtrArray *
lia_case_list_shares (LiaStore   *store,
                      const char *case_id,
                      GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) out = NULL;
  g_autofree char *id = NULL;
  LiaShare *current = NULL;
  g_autoptr (GStrvBuilder) kinds = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
  if (id == NULL)
    return NULL;
  stmt = lia_db_prepare (db, "SELECT " LIA_ORG_COLUMNS ", s.category FROM share s "
                             "JOIN org o ON o.id = s.org_id WHERE s.case_id = ? "
                             "ORDER BY o.name COLLATE NOCASE, o.id", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, id);
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_share_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (current == NULL || current->org->id != sqlite3_column_int64 (stmt, 0))
        {
          if (current != NULL)
            current->categories = g_strv_builder_end (kinds);
          g_clear_pointer (&kinds, g_strv_builder_unref);
          kinds = g_strv_builder_new ();
          current = g_new0 (LiaShare, 1);
          current->org = lia_org_from_row (stmt, 0);
          g_ptr_array_add (out, current);
        }
      g_strv_builder_add (kinds, (const char *) sqlite3_column_text (stmt, 4));
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the sharing decisions");
      return NULL;
    }
  if (current != NULL)
    current->categories = g_strv_builder_end (kinds);
  /* In the kinds' own order, for people. */
  for (guint i = 0; i < out->len; i++)
    {
      LiaShare *share = out->pdata[i];
      g_autoptr (GStrvBuilder) ordered = g_strv_builder_new ();
      const char *const *names = lia_record_kind_names ();

      for (guint k = 0; names[k] != NULL; k++)
        if (g_strv_contains ((const char *const *) share->categories, names[k]))
          g_strv_builder_add (ordered, names[k]);
      g_strfreev (share->categories);
      share->categories = g_strv_builder_end (ordered);
    }
  return g_steal_pointer (&out);
}

/* ---- one record ----------------------------------------------------------- */

void
lia_record_recipient_free (LiaRecordRecipient *recipient)
{
  if (recipient == NULL)
    return;
  lia_org_free (recipient->org);
  g_free (recipient->why);
  g_free (recipient);
}

GPtrArray *
lia_record_recipients (LiaStore   *store,
                       const char *record_id,
                       GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (GPtrArray) out = NULL;
  g_autoptr (RecordRow) r = NULL;
  g_autofree char *id = NULL;

  if (db == NULL)
    return NULL;
  id = lia_db_resolve_id (db, "record", record_id, "record", error);
  if (id == NULL || (r = record_row (db, id, error)) == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_record_recipient_free);
  if (r->originator == SELF_ID)
    {
      g_autoptr (GPtrArray) parties = entitled (db, r, error);

      if (parties == NULL)
        return NULL;
      for (guint i = 0; i < parties->len; i++)
        {
          Party *p = parties->pdata[i];
          LiaRecordRecipient *rr;

          if (p->revoked)
            continue;
          rr = g_new0 (LiaRecordRecipient, 1);
          rr->org = lia_store_org_by_id (store, p->id, error);
          if (rr->org == NULL)
            {
              lia_record_recipient_free (rr);
              return NULL;
            }
          rr->why = g_strdup (p->why);
          rr->pending = !p->has_keys;
          g_ptr_array_add (out, rr);
        }
    }
  else
    {
      g_autoptr (sqlite3_stmt) stmt = NULL;
      int rc;

      /* What the envelope that brought the current version says. */
      stmt = lia_db_prepare (db, "SELECT DISTINCT er.recipient FROM envelope e "
                                 "JOIN envelope_recipient er ON er.envelope_seq = e.seq "
                                 "WHERE e.kind = 'record' AND e.object_id = ? AND e.version = ? "
                                 "ORDER BY er.recipient", error);
      if (stmt == NULL)
        return NULL;
      lia_db_bind_text (stmt, 1, r->id);
      sqlite3_bind_int64 (stmt, 2, r->version);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          LiaRecordRecipient *rr = g_new0 (LiaRecordRecipient, 1);

          rr->org = lia_store_org_by_id (store, sqlite3_column_int64 (stmt, 0), error);
          if (rr->org == NULL)
            {
              lia_record_recipient_free (rr);
              return NULL;
            }
          rr->why = g_strdup (sqlite3_column_int64 (stmt, 0) == r->originator ? "originator"
                                                                               : "recipient");
          g_ptr_array_add (out, rr);
        }
      if (rc != SQLITE_DONE)
        {
          lia_store_set_sqlite_error (error, db, rc, "Could not read the record's recipients");
          return NULL;
        }
    }
  return g_steal_pointer (&out);
}

/* Another organisation's record may not go anywhere from here. */
static gboolean
check_originator (LiaStore *store, const RecordRow *r, const char *to, GError **error)
{
  g_autoptr (LiaOrg) originator = NULL;

  if (r->originator == SELF_ID)
    return TRUE;
  originator = lia_store_org_by_id (store, r->originator, error);
  if (originator == NULL)
    return FALSE;
  return refuse (error, "This record belongs to %s, which made it. Disclosing it to %s needs %s's "
                        "prior written agreement: ask with “liaison-cli request extend %.8s --to "
                        "\"%s\" --reason TEXT”",
                 originator->name, to, originator->name, r->id, to);
}

/* Adds @org as a one-off recipient of one of this organisation's records
 * (@how: disclosure, grant, release) and seals the current version for it;
 * a grant makes a new version first. Inside the caller's transaction. */
gboolean
lia_exchange_add_recipient (LiaStore   *store,
                            const char *record_id,
                            gint64      org_id,
                            const char *how,
                            const char *reason,
                            const char *by,
                            GError    **error)
{
  sqlite3 *db = lia_store_get_db (store);
  g_autoptr (RecordRow) r = record_row (db, record_id, error);
  g_autoptr (Party) to = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (r == NULL || (to = party_by_id (db, org_id, error)) == NULL)
    return FALSE;
  if (!check_originator (store, r, to->name, error))
    return FALSE;
  if (to->id == SELF_ID)
    return refuse (error, "This organisation holds its own records already");
  if (to->revoked)
    return refuse (error, "%s was removed as a peer: nothing more is sealed for it", to->name);
  if (!to->has_keys)
    return refuse (error, "%s is not a peer yet: add it with its invite code (liaison-cli peer "
                          "add CODE) before disclosing anything to it", to->name);
  if (r->withdrawn)
    return refuse (error, "This record was withdrawn; it cannot be disclosed");
  if (g_strcmp0 (r->classification, "secret") == 0 && !g_str_equal (how, "release"))
    return refuse (error, "This record is secret: it goes to no one without an explicit release "
                          "(liaison-cli record release %.8s --to %s --reason TEXT), normally of a "
                          "redacted version", r->id, to->name);
  stmt = lia_db_prepare (db, "INSERT INTO record_recipient (record_id, org_id, how, reason, "
                             "since_version, added_at) VALUES (?, ?, ?, ?, ?, ?) "
                             "ON CONFLICT (record_id, org_id) DO UPDATE SET how = excluded.how, "
                             "reason = excluded.reason", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, r->id);
  sqlite3_bind_int64 (stmt, 2, to->id);
  lia_db_bind_text (stmt, 3, how);
  lia_db_bind_text (stmt, 4, reason);
  sqlite3_bind_int64 (stmt, 5, r->version + (g_str_equal (how, "grant") ? 1 : 0));
  sqlite3_bind_int64 (stmt, 6, lia_db_now ());
  if (!lia_db_step_done (db, stmt, "Could not save the recipient", error))
    return FALSE;
  if (g_str_equal (how, "grant"))
    {
      if (!lia_record_bump_version (db, r->id, error)
          || !log_disclosure (store, LIA_LOG_EXTENDED, r->case_id, r->id, r->version + 1, to->id,
                              "grant", reason, by, error))
        return FALSE;
      return seal_record (store, db, r->id, TRUE, reason, by, NULL, error);
    }
  return seal_record (store, db, r->id, FALSE, reason, by, NULL, error);
}

gboolean
lia_record_release (LiaStore   *store,
                    const char *record_id,
                    const char *org_name,
                    const char *reason,
                    const char *by,
                    GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaOrg) org = NULL;
  g_autoptr (RecordRow) r = NULL;
  g_autofree char *id = NULL;

  if (db == NULL)
    return FALSE;
  id = lia_db_resolve_id (db, "record", record_id, "record", error);
  if (id == NULL || (r = record_row (db, id, error)) == NULL)
    return FALSE;
  org = lia_store_find_org (store, org_name, error);
  if (org == NULL || !check_originator (store, r, org->name, error))
    return FALSE;
  if (lia_str_blank (reason))
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                   "Give the reason for the release (--reason TEXT): it goes in both "
                   "organisations' disclosure logs");
      return FALSE;
    }
  if (!lia_db_begin (db, error))
    return FALSE;
  if (!lia_exchange_add_recipient (store, id, org->id, "release", reason, by, error)
      || !lia_db_commit (db, error))
    {
      lia_db_rollback (db);
      return FALSE;
    }
  return TRUE;
}

gboolean
lia_record_withdraw (LiaStore   *store,
                     const char *record_id,
                     const char *reason,
                     const char *by,
                     GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (RecordRow) r = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;

  if (db == NULL)
    return FALSE;
  id = lia_db_resolve_id (db, "record", record_id, "record", error);
  if (id == NULL || (r = record_row (db, id, error)) == NULL)
    return FALSE;
  if (r->originator != SELF_ID)
    {
      g_autoptr (LiaOrg) originator = lia_store_org_by_id (store, r->originator, error);

      return originator != NULL
             && refuse (error, "This record belongs to %s; only %s can withdraw it",
                        originator->name, originator->name);
    }
  if (r->withdrawn)
    return refuse (error, "This record was withdrawn already");
  if (lia_str_blank (reason))
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                   "Give the reason for the withdrawal (--reason TEXT): the recipients are told");
      return FALSE;
    }
  if (!lia_db_begin (db, error))
    return FALSE;
  stmt = lia_db_prepare (db, "UPDATE record SET withdrawn_at = ?, version = version + 1, "
                             "updated_at = ? WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, lia_db_now ());
  sqlite3_bind_int64 (stmt, 2, lia_db_now ());
  lia_db_bind_text (stmt, 3, id);
  /* The withdrawal lists no attachments, and the chunks go: recipients
   * that ask for them from now on get nothing. */
  if (!lia_db_step_done (db, stmt, "Could not withdraw the record", error)
      || !seal_record (store, db, id, TRUE, reason, by, NULL, error)
      || !lia_attachment_forget_record (db, id, error)
      || !lia_db_commit (db, error))
    goto fail;
  lia_attachment_collect_garbage_quietly (db);
  return TRUE;

fail:
  lia_db_rollback (db);
  return FALSE;
}

/* ---- cases: the lead's shared facts --------------------------------------- */

static void
add_text_member (JsonBuilder *b, const char *name, sqlite3_stmt *stmt, int col)
{
  json_builder_set_member_name (b, name);
  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    json_builder_add_null_value (b);
  else
    json_builder_add_string_value (b, (const char *) sqlite3_column_text (stmt, col));
}

static void
add_key_member (JsonBuilder *b, const char *name, sqlite3_stmt *stmt, int col)
{
  json_builder_set_member_name (b, name);
  if (sqlite3_column_bytes (stmt, col) == 32)
    {
      g_autofree char *text = g_base64_encode (sqlite3_column_blob (stmt, col), 32);

      json_builder_add_string_value (b, text);
    }
  else
    json_builder_add_null_value (b);
}

/* What the lead shares of a case, as JSON: its facts, its processes'
 * fields, participants (with their identity keys), attendance and delay
 * notices. Deterministic, so that its hash says whether it changed. */
static GBytes *
case_content (sqlite3 *db, const char *case_id, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  static const char *const facts[] = { "id", "title", "child", "area", "incident", "aware",
                                       "type", "status" };
  gsize len = 0;
  char *text;
  int rc;

  stmt = lia_db_prepare (db, "SELECT id, title, child, area, incident, aware, type, status "
                             "FROM lcase WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, case_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      lia_store_set_sqlite_error (error, db, sqlite3_errcode (db), "Could not read the case");
      return NULL;
    }
  json_builder_begin_object (b);
  for (guint i = 0; i < G_N_ELEMENTS (facts); i++)
    add_text_member (b, facts[i], stmt, i);
  g_clear_pointer (&stmt, lia_db_release);

  json_builder_set_member_name (b, "fields");
  json_builder_begin_object (b);
  stmt = lia_db_prepare (db, "SELECT name, value FROM case_field WHERE case_id = ? ORDER BY name",
                         error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, case_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    add_text_member (b, (const char *) sqlite3_column_text (stmt, 0), stmt, 1);
  if (rc != SQLITE_DONE)
    goto fail;
  json_builder_end_object (b);
  g_clear_pointer (&stmt, lia_db_release);

  json_builder_set_member_name (b, "participants");
  json_builder_begin_array (b);
  stmt = lia_db_prepare (db, "SELECT o.sign_public, o.name, o.kind, p.role, p.contact, p.email, "
                             "p.phone FROM participant p JOIN org o ON o.id = p.org_id "
                             "WHERE p.case_id = ? ORDER BY p.added_at, o.id", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, case_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (b);
      add_key_member (b, "key", stmt, 0);
      add_text_member (b, "name", stmt, 1);
      add_text_member (b, "kind", stmt, 2);
      add_text_member (b, "role", stmt, 3);
      add_text_member (b, "contact", stmt, 4);
      add_text_member (b, "email", stmt, 5);
      add_text_member (b, "phone", stmt, 6);
      json_builder_end_object (b);
    }
  if (rc != SQLITE_DONE)
    goto fail;
  json_builder_end_array (b);
  g_clear_pointer (&stmt, lia_db_release);

  json_builder_set_member_name (b, "attendees");
  json_builder_begin_array (b);
  stmt = lia_db_prepare (db, "SELECT o.sign_public, o.name, a.name, a.position FROM attendee a "
                             "JOIN org o ON o.id = a.org_id WHERE a.case_id = ? ORDER BY a.id",
                         error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, case_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (b);
      add_key_member (b, "key", stmt, 0);
      add_text_member (b, "org", stmt, 1);
      add_text_member (b, "name", stmt, 2);
      add_text_member (b, "position", stmt, 3);
      json_builder_end_object (b);
    }
  if (rc != SQLITE_DONE)
    goto fail;
  json_builder_end_array (b);
  g_clear_pointer (&stmt, lia_db_release);

  json_builder_set_member_name (b, "delays");
  json_builder_begin_array (b);
  stmt = lia_db_prepare (db, "SELECT sent, reason, revised FROM delay_notice WHERE case_id = ? "
                             "ORDER BY sent, id", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, case_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (b);
      add_text_member (b, "sent", stmt, 0);
      add_text_member (b, "reason", stmt, 1);
      add_text_member (b, "revised", stmt, 2);
      json_builder_end_object (b);
    }
  if (rc != SQLITE_DONE)
    goto fail;
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  return g_bytes_new_take (text, len);

fail:
  lia_store_set_sqlite_error (error, db, rc, "Could not read the case");
  return NULL;
}

/* Seals the shared facts of a case this organisation leads: a new version
 * for every participant when they changed since the last one, else the
 * current version for participants that lack it. */
static gboolean
seal_case (LiaStore   *store,
           sqlite3    *db,
           const char *case_id,
           guint      *out_sealed,
           GError    **error)
{
  g_autoptr (GBytes) content = case_content (db, case_id, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) parties = g_ptr_array_new_with_free_func ((GDestroyNotify) party_free);
  g_autoptr (GPtrArray) targets = g_ptr_array_new ();
  guint8 hash[32];
  gboolean changed;
  gint64 version;
  int rc;

  if (content == NULL)
    return FALSE;
  crypto_generichash (hash, sizeof hash, g_bytes_get_data (content, NULL),
                      g_bytes_get_size (content), NULL, 0);
  stmt = lia_db_prepare (db, "SELECT version, sealed_hash IS NOT ? FROM lcase WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_STATIC);
  lia_db_bind_text (stmt, 2, case_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, sqlite3_errcode (db), "Could not read the case");
  version = sqlite3_column_int64 (stmt, 0);
  changed = sqlite3_column_int (stmt, 1);
  g_clear_pointer (&stmt, lia_db_release);
  if (changed)
    version++;

  stmt = lia_db_prepare (db, "SELECT " PARTY_COLUMNS " FROM participant p JOIN org o ON o.id = p.org_id "
                             "WHERE p.case_id = ? ORDER BY o.id", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, case_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (parties, party_from_row (stmt, 0));
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the participants");
  g_clear_pointer (&stmt, lia_db_release);
  for (guint i = 0; i < parties->len; i++)
    {
      Party *p = parties->pdata[i];

      if (!p->has_keys || p->revoked)
        continue;
      if (!changed && holds_version (db, KIND_CASE, case_id, version, p->id))
        continue;
      g_ptr_array_add (targets, p);
    }
  if (targets->len == 0)
    return TRUE;
  if (!seal_and_store (store, db, KIND_CASE, case_id, case_id, version, content, targets, error))
    return FALSE;
  stmt = lia_db_prepare (db, "UPDATE lcase SET version = ?, sealed_hash = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, version);
  sqlite3_bind_blob (stmt, 2, hash, sizeof hash, SQLITE_STATIC);
  lia_db_bind_text (stmt, 3, case_id);
  if (out_sealed != NULL)
    *out_sealed += 1;
  return lia_db_step_done (db, stmt, "Could not update the case", error);
}

gboolean
lia_exchange_seal_pending (LiaStore *store,
                           guint    *out_sealed,
                           GError  **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);
  guint sealed = 0;
  int rc;

  if (db == NULL)
    return FALSE;
  if (!lia_db_begin (db, error))
    return FALSE;
  stmt = lia_db_prepare (db, "SELECT id FROM lcase WHERE lead = 1 ORDER BY seq", error);
  if (stmt == NULL)
    goto fail;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (cases, lia_db_column_dup (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the cases");
      goto fail;
    }
  for (guint i = 0; i < cases->len; i++)
    if (!seal_case (store, db, cases->pdata[i], &sealed, error))
      goto fail;
  if (!catch_up_records (store, db, NULL, &sealed, error) || !lia_db_commit (db, error))
    goto fail;
  if (out_sealed != NULL)
    *out_sealed = sealed;
  return TRUE;

fail:
  lia_db_rollback (db);
  return FALSE;
}

/* ---- requests that travel ------------------------------------------------- */

gboolean
lia_exchange_is_peer (sqlite3 *db,
                      gint64   org_id)
{
  g_autoptr (Party) p = party_by_id (db, org_id, NULL);

  return p != NULL && p->id != SELF_ID && p->has_keys && !p->revoked;
}

static GBytes *
builder_bytes (JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  gsize len = 0;
  char *text;

  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  return g_bytes_new_take (text, len);
}

/* Seals @content for this organisation and @other. */
static gboolean
seal_between (LiaStore   *store,
              sqlite3    *db,
              const char *kind,
              const char *object_id,
              const char *case_id,
              guint32     version,
              GBytes     *content,
              gint64      other,
              GError    **error)
{
  g_autoptr (GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) party_free);
  Party *self = party_by_id (db, SELF_ID, error);
  Party *peer;

  if (self == NULL)
    return FALSE;
  g_ptr_array_add (targets, self);
  peer = party_by_id (db, other, error);
  if (peer == NULL)
    return FALSE;
  g_ptr_array_add (targets, peer);
  return seal_and_store (store, db, kind, object_id, case_id, version, content, targets, error);
}

gboolean
lia_exchange_request_made (LiaStore   *store,
                           const char *request_id,
                           GError    **error)
{
  sqlite3 *db = lia_store_get_db (store);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GBytes) content = NULL;
  g_autofree char *case_id = NULL;
  gint64 holder;

  stmt = lia_db_prepare (db, "SELECT q.id, q.case_id, q.record_id, q.subject, q.purpose, q.made_on, "
                             "q.reply_by, q.holder, q.requester, x.sign_public, x.name, x.kind, "
                             "(SELECT by_name FROM request_event WHERE request_id = q.id "
                             " ORDER BY id LIMIT 1) "
                             "FROM request q LEFT JOIN org x ON x.id = q.extend_to WHERE q.id = ?",
                         error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, request_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, sqlite3_errcode (db), "Could not read the request");
  holder = sqlite3_column_int64 (stmt, 7);
  /* Only what this organisation asks travels from here, and only to a
   * peer; a request to an organisation outside Liaison stays a record. */
  if (sqlite3_column_int64 (stmt, 8) != SELF_ID || !lia_exchange_is_peer (db, holder))
    return TRUE;
  case_id = lia_db_column_dup (stmt, 1);
  json_builder_begin_object (b);
  add_text_member (b, "id", stmt, 0);
  add_text_member (b, "case", stmt, 1);
  add_text_member (b, "record", stmt, 2);
  add_text_member (b, "subject", stmt, 3);
  add_text_member (b, "purpose", stmt, 4);
  add_text_member (b, "made_on", stmt, 5);
  add_text_member (b, "reply_by", stmt, 6);
  add_text_member (b, "by", stmt, 12);
  if (sqlite3_column_type (stmt, 9) != SQLITE_NULL)
    {
      json_builder_set_member_name (b, "extend_to");
      json_builder_begin_object (b);
      add_key_member (b, "key", stmt, 9);
      add_text_member (b, "name", stmt, 10);
      add_text_member (b, "kind", stmt, 11);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  content = builder_bytes (b);
  return seal_between (store, db, KIND_REQUEST, request_id, case_id, 1, content, holder, error);
}

gboolean
lia_exchange_request_decided (LiaStore   *store,
                              const char *request_id,
                              const char *decision,
                              const char *reason,
                              const char *basis,
                              const char *by,
                              const char *on,
                              GError    **error)
{
  sqlite3 *db = lia_store_get_db (store);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GBytes) content = NULL;
  g_autofree char *case_id = NULL;
  gint64 requester, n_events;

  stmt = lia_db_prepare (db, "SELECT case_id, requester, holder, (SELECT count (*) FROM request_event "
                             "WHERE request_id = q.id) FROM request q WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, request_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, sqlite3_errcode (db), "Could not read the request");
  requester = sqlite3_column_int64 (stmt, 1);
  if (sqlite3_column_int64 (stmt, 2) != SELF_ID || !lia_exchange_is_peer (db, requester))
    return TRUE;
  case_id = lia_db_column_dup (stmt, 0);
  n_events = sqlite3_column_int64 (stmt, 3);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, request_id);
  json_builder_set_member_name (b, "decision");
  json_builder_add_string_value (b, decision);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_set_member_name (b, "basis");
  if (basis != NULL)
    json_builder_add_string_value (b, basis);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "by");
  json_builder_add_string_value (b, by);
  json_builder_set_member_name (b, "on");
  json_builder_add_string_value (b, on);
  json_builder_end_object (b);
  content = builder_bytes (b);
  /* Its version is the request's count of steps, so that each decision
   * is an envelope of its own. */
  return seal_between (store, db, KIND_DECISION, request_id, case_id, (guint32) n_events, content,
                       requester, error);
}

/* ---- key rotation --------------------------------------------------------- */

static void
add_blob_member (JsonBuilder *b, const char *name, const guint8 *data, gsize len)
{
  g_autofree char *text = g_base64_encode (data, len);

  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, text);
}

gboolean
lia_exchange_announce_keys (LiaStore *store,
                            guint    *out_told,
                            GError  **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GBytes) content = NULL;
  g_autoptr (GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) party_free);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *object_id = NULL;
  LiaOrgPublicKeys keys;
  Party *self;
  int rc;

  if (db == NULL)
    return FALSE;
  lia_store_get_public_keys (store, &keys);
  json_builder_begin_object (b);
  add_blob_member (b, "box", keys.box, sizeof keys.box);
  add_blob_member (b, "box_signature", keys.box_signature, sizeof keys.box_signature);
  add_blob_member (b, "curve", keys.curve, sizeof keys.curve);
  add_blob_member (b, "curve_signature", keys.curve_signature, sizeof keys.curve_signature);
  json_builder_end_object (b);
  content = builder_bytes (b);
  /* One object per key pair, named by the new key, so that each rotation
   * is an envelope of its own. */
  object_id = g_strdup_printf ("keys-%02x%02x%02x%02x%02x%02x%02x%02x", keys.box[0], keys.box[1],
                               keys.box[2], keys.box[3], keys.box[4], keys.box[5], keys.box[6],
                               keys.box[7]);
  self = party_by_id (db, SELF_ID, error);
  if (self == NULL)
    return FALSE;
  g_ptr_array_add (targets, self);
  stmt = lia_db_prepare (db, "SELECT " PARTY_COLUMNS " FROM org o WHERE o.id != 1 "
                             "AND o.box_public IS NOT NULL AND o.revoked_at IS NULL ORDER BY o.id",
                         error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (targets, party_from_row (stmt, 0));
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the peers");
  if (!lia_db_begin (db, error))
    return FALSE;
  if (!seal_and_store (store, db, KIND_KEYS, object_id, NULL, 1, content, targets, error)
      || !lia_db_commit (db, error))
    {
      lia_db_rollback (db);
      return FALSE;
    }
  if (out_told != NULL)
    *out_told = targets->len - 1;
  return TRUE;
}

/* ---- applying what arrives ------------------------------------------------ */

/* A string member, or NULL if absent or null; FALSE with an error if it is
 * something else. */
static gboolean
get_string (JsonObject *o, const char *name, const char **out, GError **error)
{
  JsonNode *node = json_object_get_member (o, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      *out = json_node_get_string (node);
      return TRUE;
    }
  g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
               "The envelope's content is malformed: “%s” is not text", name);
  return FALSE;
}

static gboolean
get_int (JsonObject *o, const char *name, gint64 *out, GError **error)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
               "The envelope's content is malformed: “%s” is not a number", name);
  return FALSE;
}

static JsonObject *
parse_content (GBytes *content, JsonParser *parser, GError **error)
{
  JsonNode *root;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (content, NULL),
                                   g_bytes_get_size (content), NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                           "The envelope's content is malformed (not the JSON object it should be)");
      return NULL;
    }
  return json_node_get_object (root);
}

/* A string-to-string table of a JSON object's members; NULL with an error
 * if any member is not text. */
static GHashTable *
string_table (JsonObject *o, GError **error)
{
  g_autoptr (GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GList) members = json_object_get_members (o);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *value;

      if (!get_string (o, l->data, &value, error))
        return NULL;
      if (value != NULL)
        g_hash_table_insert (table, g_strdup (l->data), g_strdup (value));
    }
  return g_steal_pointer (&table);
}

static gboolean
apply_record (LiaStore    *store,
              sqlite3     *db,
              LiaEnvelope *env,
              gint64       author,
              JsonObject  *o,
              gboolean    *out_pending,
              GError     **error)
{
  const char *id, *case_id, *kind_name, *withdrawn;
  gint64 version, created, updated;
  LiaRecordKind kind;
  g_autoptr (RecordRow) local = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (LiaOrg) originator = NULL;
  g_autoptr (GHashTable) fields = NULL;
  g_autoptr (GPtrArray) attachments = NULL;
  JsonNode *fields_node;

  if (!get_string (o, "id", &id, error) || !get_string (o, "case", &case_id, error)
      || !get_string (o, "kind", &kind_name, error) || !get_int (o, "version", &version, error)
      || !get_int (o, "created", &created, error) || !get_int (o, "updated", &updated, error)
      || !get_string (o, "withdrawn", &withdrawn, error))
    return FALSE;
  if (g_strcmp0 (id, lia_envelope_get_object_id (env)) != 0
      || g_strcmp0 (case_id, lia_envelope_get_case_id (env)) != 0
      || version != lia_envelope_get_version (env) || version < 1
      || kind_name == NULL || !lia_record_kind_from_string (kind_name, &kind))
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                           "The envelope's content does not match its header");
      return FALSE;
    }

  local = record_row (db, id, &local_error);
  if (local == NULL && !g_error_matches (local_error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (local != NULL && local->originator != author)
    return refuse (error, "Record %s belongs to another organisation here; an envelope from a "
                          "different author cannot change it", id);
  if (local != NULL && (local->destroyed || local->withdrawn) && version <= local->version)
    return refuse (error, "Record %.8s was %s here; an earlier version is not stored again", id,
                   local->destroyed ? "destroyed" : "withdrawn");
  /* The attachments it lists are checked whatever becomes of the
   * version, and their chunks are wanted (and may be given to this
   * version's other recipients) whenever the version is kept. */
  if (withdrawn == NULL)
    {
      attachments = lia_attachment_manifest_parse (json_object_get_member (o, "attachments"),
                                                   error);
      if (attachments == NULL)
        return FALSE;
    }
  if (local != NULL && version <= local->version)
    /* Superseded here already (versions can arrive in any order): kept
     * for relaying, and logged, since it was disclosed to this store. */
    return (attachments == NULL
            || lia_attachment_apply (db, id, version, attachments, FALSE, error))
           && log_disclosure (store, LIA_LOG_RECEIVED, case_id, id, version, author,
                              "received (a newer version is held)", NULL, NULL, error);

  /* A record whose case has not arrived yet waits for it. */
  {
    g_autoptr (sqlite3_stmt) held = lia_db_prepare (db, "SELECT 1 FROM lcase WHERE id = ?", error);
    int rc;

    if (held == NULL)
      return FALSE;
    lia_db_bind_text (held, 1, case_id);
    rc = sqlite3_step (held);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      return lia_store_set_sqlite_error (error, db, rc, "Could not read the cases");
    if (rc == SQLITE_DONE)
      {
        *out_pending = TRUE;
        return attachments == NULL
               || lia_attachment_apply (db, id, version, attachments, FALSE, error);
      }
  }
  if (withdrawn != NULL)
    {
      /* Made even if no version came before it: one that comes later,
       * out of order, is then refused. */
      if (!lia_record_make_tombstone (db, id, case_id, author, kind, version, TRUE, error))
        return FALSE;
      return log_disclosure (store, LIA_LOG_WITHDRAWN, case_id, id, version, author,
                             "withdrawn by the originator", withdrawn, NULL, error);
    }
  fields_node = json_object_get_member (o, "fields");
  if (fields_node == NULL || !JSON_NODE_HOLDS_OBJECT (fields_node))
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                           "The envelope's content is malformed: a record without fields");
      return FALSE;
    }
  fields = string_table (json_node_get_object (fields_node), error);
  originator = lia_store_org_by_id (store, author, error);
  if (fields == NULL || originator == NULL
      || !lia_record_put_received (db, id, case_id, originator, kind, version, fields, created,
                                   updated, error)
      || !lia_attachment_apply (db, id, version, attachments, TRUE, error))
    return FALSE;
  return log_disclosure (store, LIA_LOG_RECEIVED, case_id, id, version, author, "received",
                         NULL, NULL, error);
}

static gboolean
apply_receipt (LiaStore    *store,
               sqlite3     *db,
               LiaEnvelope *env,
               gint64       author,
               JsonObject  *o,
               GError     **error)
{
  const char *record_id, *action, *on;
  gint64 version;
  g_autoptr (RecordRow) r = NULL;
  g_autoptr (Party) from = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *reason = NULL;
  GDate date;

  if (!get_string (o, "record", &record_id, error) || !get_string (o, "action", &action, error)
      || !get_string (o, "on", &on, error) || !get_int (o, "version", &version, error))
    return FALSE;
  if (record_id == NULL || on == NULL || !lia_date_parse (on, &date, NULL)
      || (g_strcmp0 (action, "destroyed") != 0 && g_strcmp0 (action, "returned") != 0)
      || g_strcmp0 (record_id, lia_envelope_get_object_id (env)) != 0)
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                           "The destruction receipt is malformed");
      return FALSE;
    }
  r = record_row (db, record_id, error);
  if (r == NULL)
    return FALSE;
  if (r->originator != SELF_ID)
    return refuse (error, "A receipt for record %.8s came here, but this organisation did not "
                          "make it", record_id);
  from = party_by_id (db, author, error);
  if (from == NULL)
    return FALSE;
  stmt = lia_db_prepare (db, "INSERT INTO destruction_receipt (record_id, org_id, version, "
                             "destroyed_on, received_at) VALUES (?, ?, ?, ?, ?) "
                             "ON CONFLICT DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, record_id);
  sqlite3_bind_int64 (stmt, 2, author);
  sqlite3_bind_int64 (stmt, 3, version);
  lia_db_bind_text (stmt, 4, on);
  sqlite3_bind_int64 (stmt, 5, lia_db_now ());
  if (!lia_db_step_done (db, stmt, "Could not save the receipt", error))
    return FALSE;
  if (sqlite3_changes (db) == 0)
    return TRUE;
  reason = g_strdup_printf ("%s by %s on %s", action, from->name, on);
  return log_disclosure (store, g_str_equal (action, "returned") ? LIA_LOG_RETURNED
                                                                 : LIA_LOG_DESTROYED,
                         r->case_id, record_id, version, author, "receipt", reason, NULL, error);
}

/* The org row for a participant named in a case envelope: by identity key
 * if it has one (adding it as known by key only), else by name. */
static gint64
participant_org (sqlite3    *db,
                 const char *key_b64,
                 const char *name,
                 const char *kind,
                 GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree guint8 *key = NULL;
  gsize key_len = 0;
  LiaOrgKind k;
  gint64 id;

  if (name == NULL || lia_str_blank (name) || strlen (name) > 200 || kind == NULL
      || !lia_org_kind_from_string (kind, &k))
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                           "The case's content names a participant without a proper name or kind");
      return 0;
    }
  if (key_b64 != NULL)
    {
      key = g_base64_decode (key_b64, &key_len);
      if (key_len != 32)
        {
          g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                               "The case's content has a participant key of the wrong size");
          return 0;
        }
      if ((id = org_id_by_key (db, key)) != 0)
        return id;
    }
  else
    {
      stmt = lia_db_prepare (db, "SELECT id FROM org WHERE name = ? COLLATE NOCASE", error);
      if (stmt == NULL)
        return 0;
      lia_db_bind_text (stmt, 1, name);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        return sqlite3_column_int64 (stmt, 0);
      g_clear_pointer (&stmt, lia_db_release);
    }
  /* A new organisation, known here through the lead. Names are unique:
   * one that clashes with an organisation already known here keeps its
   * fingerprint's start beside it. */
  for (int attempt = 0; attempt < 2; attempt++)
    {
      g_autofree char *fingerprint = key ? lia_identity_fingerprint (key) : NULL;
      g_autofree char *shown = attempt == 0 || fingerprint == NULL
                                 ? g_strdup (name)
                                 : g_strdup_printf ("%s (%.9s)", name, fingerprint);

      stmt = lia_db_prepare (db, "INSERT INTO org (name, kind, sign_public, added_at) "
                                 "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", error);
      if (stmt == NULL)
        return 0;
      lia_db_bind_text (stmt, 1, shown);
      lia_db_bind_text (stmt, 2, kind);
      if (key != NULL)
        sqlite3_bind_blob (stmt, 3, key, 32, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 4, lia_db_now ());
      if (!lia_db_step_done (db, stmt, "Could not add the organisation", error))
        return 0;
      if (sqlite3_changes (db) == 1)
        return sqlite3_last_insert_rowid (db);
      g_clear_pointer (&stmt, lia_db_release);
    }
  g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_EXISTS,
               "The case names a participant, %s, whose name clashes with one known here", name);
  return 0;
}

static gboolean
apply_case (LiaStore    *store,
            sqlite3     *db,
            LiaEnvelope *env,
            gint64       author,
            JsonObject  *o,
            GError     **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  const char *id, *facts[8];
  static const char *const fact_names[] = { "id", "title", "child", "area", "incident", "aware",
                                            "type", "status" };
  JsonNode *node;
  gint64 version = lia_envelope_get_version (env);
  int rc;

  for (guint i = 0; i < G_N_ELEMENTS (fact_names); i++)
    if (!get_string (o, fact_names[i], &facts[i], error))
      return FALSE;
  id = facts[0];
  if (g_strcmp0 (id, lia_envelope_get_object_id (env)) != 0)
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                           "The envelope's content does not match its header");
      return FALSE;
    }
  /* The facts pass the same checks as when typed here. */
  for (guint i = 1; i < G_N_ELEMENTS (fact_names); i++)
    {
      guint n_fields;
      const LiaField *field = lia_field_find (lia_case_fields (&n_fields), LIA_CASE_N_FACTS,
                                              fact_names[i]);
      g_autofree char *clean = NULL;

      if (field == NULL || facts[i] == NULL)
        {
          if (field != NULL && field->required)
            {
              g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                           "The case's content has no %s", field->label);
              return FALSE;
            }
          continue;
        }
      clean = lia_field_normalize (field, facts[i], error);
      if (clean == NULL)
        return FALSE;
    }

  stmt = lia_db_prepare (db, "SELECT lead, version FROM lcase WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (sqlite3_column_int64 (stmt, 0) != author)
        return refuse (error, "Case %.8s is led by another organisation; only its lead sends its "
                              "facts", id);
      if (sqlite3_column_int64 (stmt, 1) >= version)
        return TRUE;   /* held already */
    }
  g_clear_pointer (&stmt, lia_db_release);

  stmt = lia_db_prepare (db, "INSERT INTO lcase (id, lead, title, child, area, incident, aware, "
                             "type, status, created_at, updated_at, version) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, COALESCE (?9, 'open'), ?10, ?10, ?11) "
                             "ON CONFLICT (id) DO UPDATE SET title = ?3, child = ?4, area = ?5, "
                             "incident = ?6, aware = ?7, type = ?8, status = COALESCE (?9, 'open'), "
                             "updated_at = ?10, version = ?11", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, author);
  for (guint i = 1; i < G_N_ELEMENTS (fact_names); i++)
    lia_db_bind_text (stmt, 2 + i, facts[i]);
  sqlite3_bind_int64 (stmt, 10, lia_db_now ());
  sqlite3_bind_int64 (stmt, 11, version);
  if (!lia_db_step_done (db, stmt, "Could not save the case", error))
    return FALSE;
  g_clear_pointer (&stmt, lia_db_release);

  /* The lists are replaced whole: the lead's version is the case. */
  {
    static const char *const clear[] = {
      "DELETE FROM case_field WHERE case_id = ?", "DELETE FROM attendee WHERE case_id = ?",
      "DELETE FROM participant WHERE case_id = ?", "DELETE FROM delay_notice WHERE case_id = ?",
    };

    for (guint i = 0; i < G_N_ELEMENTS (clear); i++)
      {
        stmt = lia_db_prepare (db, clear[i], error);
        if (stmt == NULL)
          return FALSE;
        lia_db_bind_text (stmt, 1, id);
        if (!lia_db_step_done (db, stmt, "Could not update the case", error))
          return FALSE;
        g_clear_pointer (&stmt, lia_db_release);
      }
  }

  node = json_object_get_member (o, "fields");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr (GHashTable) fields = string_table (json_node_get_object (node), error);
      GHashTableIter iter;
      gpointer name, value;
      guint n_fields;
      const LiaField *all = lia_case_fields (&n_fields);

      if (fields == NULL)
        return FALSE;
      stmt = lia_db_prepare (db, "INSERT INTO case_field (case_id, name, value, updated_at) "
                                 "VALUES (?, ?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      g_hash_table_iter_init (&iter, fields);
      while (g_hash_table_iter_next (&iter, &name, &value))
        {
          const LiaField *field = lia_field_find (all + LIA_CASE_N_FACTS,
                                                  n_fields - LIA_CASE_N_FACTS, name);
          g_autofree char *clean = NULL;

          if (field == NULL)
            continue;   /* a field of a newer version: kept by the lead */
          clean = lia_field_normalize (field, value, error);
          if (clean == NULL)
            return FALSE;
          sqlite3_reset (stmt);
          lia_db_bind_text (stmt, 1, id);
          lia_db_bind_text (stmt, 2, name);
          lia_db_bind_text (stmt, 3, clean);
          sqlite3_bind_int64 (stmt, 4, lia_db_now ());
          if (!lia_db_step_done (db, stmt, "Could not save the case's fields", error))
            return FALSE;
        }
      g_clear_pointer (&stmt, lia_db_release);
    }

  node = json_object_get_member (o, "participants");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *list = json_node_get_array (node);

      stmt = lia_db_prepare (db, "INSERT OR REPLACE INTO participant (case_id, org_id, role, contact, "
                                 "email, phone, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          JsonNode *item = json_array_get_element (list, i);
          JsonObject *p;
          const char *key, *name, *kind, *role, *contact, *email, *phone;
          LiaRole r;
          gint64 org;

          if (!JSON_NODE_HOLDS_OBJECT (item))
            continue;
          p = json_node_get_object (item);
          if (!get_string (p, "key", &key, error) || !get_string (p, "name", &name, error)
              || !get_string (p, "kind", &kind, error) || !get_string (p, "role", &role, error)
              || !get_string (p, "contact", &contact, error) || !get_string (p, "email", &email, error)
              || !get_string (p, "phone", &phone, error))
            return FALSE;
          if (role == NULL || !lia_role_from_string (role, &r))
            {
              g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                                   "The case's content gives a participant an unknown role");
              return FALSE;
            }
          org = participant_org (db, key, name, kind, error);
          if (org == 0)
            return FALSE;
          sqlite3_reset (stmt);
          lia_db_bind_text (stmt, 1, id);
          sqlite3_bind_int64 (stmt, 2, org);
          lia_db_bind_text (stmt, 3, role);
          lia_db_bind_text (stmt, 4, contact);
          lia_db_bind_text (stmt, 5, email);
          lia_db_bind_text (stmt, 6, phone);
          sqlite3_bind_int64 (stmt, 7, lia_db_now () + i);
          if (!lia_db_step_done (db, stmt, "Could not save the participants", error))
            return FALSE;
        }
      g_clear_pointer (&stmt, lia_db_release);
    }

  node = json_object_get_member (o, "attendees");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *list = json_node_get_array (node);

      stmt = lia_db_prepare (db, "INSERT INTO attendee (case_id, org_id, name, position) "
                                 "SELECT ?1, p.org_id, ?3, ?4 FROM participant p JOIN org o ON o.id = p.org_id "
                                 "WHERE p.case_id = ?1 AND (o.sign_public = ?2 OR "
                                 "(?2 IS NULL AND o.name = ?5 COLLATE NOCASE)) LIMIT 1", error);
      if (stmt == NULL)
        return FALSE;
      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          JsonNode *item = json_array_get_element (list, i);
          const char *key, *org, *name, *position;
          g_autofree guint8 *raw = NULL;
          gsize raw_len = 0;

          if (!JSON_NODE_HOLDS_OBJECT (item))
            continue;
          if (!get_string (json_node_get_object (item), "key", &key, error)
              || !get_string (json_node_get_object (item), "org", &org, error)
              || !get_string (json_node_get_object (item), "name", &name, error)
              || !get_string (json_node_get_object (item), "position", &position, error))
            return FALSE;
          if (name == NULL)
            continue;
          sqlite3_reset (stmt);
          lia_db_bind_text (stmt, 1, id);
          if (key != NULL && (raw = g_base64_decode (key, &raw_len)) != NULL && raw_len == 32)
            sqlite3_bind_blob (stmt, 2, raw, 32, SQLITE_TRANSIENT);
          else
            sqlite3_bind_null (stmt, 2);
          lia_db_bind_text (stmt, 3, name);
          lia_db_bind_text (stmt, 4, position);
          lia_db_bind_text (stmt, 5, org);
          if (!lia_db_step_done (db, stmt, "Could not save the attendance", error))
            return FALSE;
        }
      g_clear_pointer (&stmt, lia_db_release);
    }

  node = json_object_get_member (o, "delays");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *list = json_node_get_array (node);

      stmt = lia_db_prepare (db, "INSERT INTO delay_notice (case_id, sent, reason, revised) "
                                 "VALUES (?, ?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          JsonNode *item = json_array_get_element (list, i);
          const char *sent, *reason, *revised;
          GDate d;

          if (!JSON_NODE_HOLDS_OBJECT (item))
            continue;
          if (!get_string (json_node_get_object (item), "sent", &sent, error)
              || !get_string (json_node_get_object (item), "reason", &reason, error)
              || !get_string (json_node_get_object (item), "revised", &revised, error))
            return FALSE;
          if (sent == NULL || reason == NULL || !lia_date_parse (sent, &d, NULL)
              || (revised != NULL && !lia_date_parse (revised, &d, NULL)))
            continue;
          sqlite3_reset (stmt);
          lia_db_bind_text (stmt, 1, id);
          lia_db_bind_text (stmt, 2, sent);
          lia_db_bind_text (stmt, 3, reason);
          lia_db_bind_text (stmt, 4, revised);
          if (!lia_db_step_done (db, stmt, "Could not save the delay notices", error))
            return FALSE;
        }
      g_clear_pointer (&stmt, lia_db_release);
    }
  return lia_case_index (db, id, error);
}

static gboolean
apply_request (LiaStore    *store,
               sqlite3     *db,
               LiaEnvelope *env,
               gint64       author,
               JsonObject  *o,
               GError     **error)
{
  const char *id, *case_id, *record_id, *subject, *purpose, *made_on, *reply_by, *by;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *local_case = NULL;
  g_autofree char *local_record = NULL;
  gint64 extend_to = 0;
  JsonNode *node;
  GDate date;

  if (!get_string (o, "id", &id, error) || !get_string (o, "case", &case_id, error)
      || !get_string (o, "record", &record_id, error) || !get_string (o, "subject", &subject, error)
      || !get_string (o, "purpose", &purpose, error) || !get_string (o, "made_on", &made_on, error)
      || !get_string (o, "reply_by", &reply_by, error) || !get_string (o, "by", &by, error))
    return FALSE;
  if (g_strcmp0 (id, lia_envelope_get_object_id (env)) != 0 || subject == NULL || purpose == NULL
      || made_on == NULL || !lia_date_parse (made_on, &date, NULL)
      || (reply_by != NULL && !lia_date_parse (reply_by, &date, NULL))
      || strlen (subject) > 10000 || strlen (purpose) > 10000)
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                           "The request's content is malformed");
      return FALSE;
    }
  {
    g_autofree char *held = lia_db_resolve_id (db, "request", id, "request", NULL);

    if (held != NULL && strcmp (held, id) == 0)
      return TRUE;   /* held already */
  }
  local_case = lia_db_resolve_id (db, "lcase", case_id, "case", NULL);
  if (local_case == NULL || strcmp (local_case, case_id) != 0)
    return refuse (error, "A request for case %.8s came here, but this organisation does not take "
                          "part in that case", case_id);
  if (record_id != NULL)
    {
      g_autoptr (RecordRow) r = record_row (db, record_id, NULL);

      if (r != NULL)
        local_record = g_strdup (r->id);
    }
  node = json_object_get_member (o, "extend_to");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      const char *key, *name, *kind;
      g_autoptr (RecordRow) r = NULL;

      if (!get_string (json_node_get_object (node), "key", &key, error)
          || !get_string (json_node_get_object (node), "name", &name, error)
          || !get_string (json_node_get_object (node), "kind", &kind, error))
        return FALSE;
      if (local_record == NULL || (r = record_row (db, local_record, error)) == NULL
          || r->originator != SELF_ID)
        return refuse (error, "A request to extend record %.8s came here, but this organisation "
                              "did not make it", record_id ? record_id : "");
      extend_to = participant_org (db, key, name, kind, error);
      if (extend_to == 0)
        return FALSE;
    }
  stmt = lia_db_prepare (db, "INSERT INTO request (id, case_id, requester, holder, record_id, "
                             "subject, purpose, made_on, reply_by, state, level, created_at, "
                             "updated_at, extend_to) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, 'open', 0, "
                             "?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, id);
  lia_db_bind_text (stmt, 2, case_id);
  sqlite3_bind_int64 (stmt, 3, author);
  lia_db_bind_text (stmt, 4, local_record);
  lia_db_bind_text (stmt, 5, subject);
  lia_db_bind_text (stmt, 6, purpose);
  lia_db_bind_text (stmt, 7, made_on);
  lia_db_bind_text (stmt, 8, reply_by);
  sqlite3_bind_int64 (stmt, 9, lia_db_now ());
  sqlite3_bind_int64 (stmt, 10, lia_db_now ());
  if (extend_to != 0)
    sqlite3_bind_int64 (stmt, 11, extend_to);
  if (!lia_db_step_done (db, stmt, "Could not save the request", error))
    return FALSE;
  g_clear_pointer (&stmt, lia_db_release);
  stmt = lia_db_prepare (db, "INSERT INTO request_event (request_id, kind, reason, by_name, by_org, "
                             "event_on, created_at) VALUES (?, 'made', ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, id);
  lia_db_bind_text (stmt, 2, purpose);
  lia_db_bind_text (stmt, 3, by != NULL ? by : "");
  sqlite3_bind_int64 (stmt, 4, author);
  lia_db_bind_text (stmt, 5, made_on);
  sqlite3_bind_int64 (stmt, 6, lia_db_now ());
  return lia_db_step_done (db, stmt, "Could not save the request", error);
}

static gboolean
apply_decision (LiaStore    *store,
                sqlite3     *db,
                LiaEnvelope *env,
                gint64       author,
                JsonObject  *o,
                GError     **error)
{
  static const struct
  {
    const char *decision;
    const char *state;
    int         event;   /* LiaLogEvent, or -1: the record's arrival is logged instead */
  } outcomes[] = {
    { "share", "shared", -1 },
    { "share-redacted", "shared-redacted", -1 },
    { "decline", "declined", LIA_LOG_DECLINED },
    { "redirect", "redirected", LIA_LOG_REDIRECTED },
    { "sensitive", "notified", LIA_LOG_WITHHELD },
    { "secret", "notified", LIA_LOG_WITHHELD },
    { "grant", "shared", LIA_LOG_EXTENDED },
  };
  const char *id, *decision, *reason, *basis, *by, *on;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *record_id = NULL;
  guint i;
  GDate date;

  if (!get_string (o, "id", &id, error) || !get_string (o, "decision", &decision, error)
      || !get_string (o, "reason", &reason, error) || !get_string (o, "basis", &basis, error)
      || !get_string (o, "by", &by, error) || !get_string (o, "on", &on, error))
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (outcomes); i++)
    if (g_strcmp0 (decision, outcomes[i].decision) == 0)
      break;
  if (i == G_N_ELEMENTS (outcomes) || g_strcmp0 (id, lia_envelope_get_object_id (env)) != 0
      || reason == NULL || on == NULL || !lia_date_parse (on, &date, NULL))
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                           "The decision's content is malformed");
      return FALSE;
    }
  stmt = lia_db_prepare (db, "SELECT case_id, record_id FROM request WHERE id = ? AND requester = 1 "
                             "AND holder = ?", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, author);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return refuse (error, "A decision came here on request %.8s, which this organisation did not "
                          "make to its author", id);
  case_id = lia_db_column_dup (stmt, 0);
  record_id = lia_db_column_dup (stmt, 1);
  g_clear_pointer (&stmt, lia_db_release);
  stmt = lia_db_prepare (db, "UPDATE request SET state = ?, updated_at = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, outcomes[i].state);
  sqlite3_bind_int64 (stmt, 2, lia_db_now ());
  lia_db_bind_text (stmt, 3, id);
  if (!lia_db_step_done (db, stmt, "Could not save the decision", error))
    return FALSE;
  g_clear_pointer (&stmt, lia_db_release);
  stmt = lia_db_prepare (db, "INSERT INTO request_event (request_id, kind, decision, reason, basis, "
                             "by_name, by_org, event_on, created_at) "
                             "VALUES (?, 'decision', ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, id);
  lia_db_bind_text (stmt, 2, decision);
  lia_db_bind_text (stmt, 3, reason);
  lia_db_bind_text (stmt, 4, basis);
  lia_db_bind_text (stmt, 5, by != NULL ? by : "");
  sqlite3_bind_int64 (stmt, 6, author);
  lia_db_bind_text (stmt, 7, on);
  sqlite3_bind_int64 (stmt, 8, lia_db_now ());
  if (!lia_db_step_done (db, stmt, "Could not save the decision", error))
    return FALSE;
  if (outcomes[i].event < 0)
    return TRUE;
  {
    LiaLogAppend entry = {
      .event = outcomes[i].event,
      .case_id = case_id,
      .record_id = record_id,
      .counterpart_org = author,
      .decision = decision,
      .reason = reason,
      .basis = basis,
      .by = by,
      .on = on,
      .request_id = id,
    };

    return lia_log_append (store, &entry, error);
  }
}

/* A peer's new X25519 and CURVE keys, each bound by its identity key. A
 * notice older than one applied already changes nothing. */
static gboolean
apply_keys (LiaStore    *store,
            sqlite3     *db,
            LiaEnvelope *env,
            gint64       author,
            JsonObject  *o,
            GError     **error)
{
  static const char *const names[] = { "box", "box_signature", "curve", "curve_signature" };
  static const gsize sizes[] = { 32, 64, 32, 64 };
  /* Public keys and their signatures: nothing secret. */
  guint8 raw[4][64];
  g_autoptr (sqlite3_stmt) stmt = NULL;
  const guint8 *author_key = lia_envelope_get_author_sign_public (env);

  if (author == SELF_ID)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree guint8 *decoded = NULL;
      const char *text;
      gsize len = 0;

      if (!get_string (o, names[i], &text, error))
        return FALSE;
      if (text == NULL || strlen (text) > 128
          || (decoded = g_base64_decode (text, &len)) == NULL || len != sizes[i])
        {
          g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                               "The notice of new keys is malformed");
          return FALSE;
        }
      memcpy (raw[i], decoded, len);
    }
  if (!lia_key_binding_verify (LIA_KEY_USE_BOX, raw[0], author_key, raw[1])
      || !lia_key_binding_verify (LIA_KEY_USE_CURVE, raw[2], author_key, raw[3]))
    return refuse (error, "The notice of new keys is not signed by its author's identity key: "
                          "the keys were not taken");
  stmt = lia_db_prepare (db, "SELECT 1 FROM envelope WHERE author = ? AND kind = 'keys' "
                             "AND created > ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, author);
  sqlite3_bind_int64 (stmt, 2, lia_envelope_get_created (env));
  if (sqlite3_step (stmt) == SQLITE_ROW)
    return TRUE;
  g_clear_pointer (&stmt, lia_db_release);
  stmt = lia_db_prepare (db, "UPDATE org SET box_public = ?, box_signature = ?, curve_public = ?, "
                             "curve_signature = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    sqlite3_bind_blob (stmt, i + 1, raw[i], sizes[i], SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, author);
  return lia_db_step_done (db, stmt, "Could not save the peer's new keys", error);
}

/* Opens an envelope already verified and stored or being stored, and
 * applies its content. */
static gboolean
apply (LiaStore    *store,
       sqlite3     *db,
       LiaEnvelope *env,
       GBytes      *content,
       JsonNode    *root,
       gint64       author,
       gboolean    *out_pending,
       GError     **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  JsonObject *o = root != NULL ? json_node_get_object (root)
                               : parse_content (content, parser, error);
  const char *kind = lia_envelope_get_kind (env);

  *out_pending = FALSE;
  if (o == NULL)
    return FALSE;
  if (g_str_equal (kind, KIND_RECORD))
    return apply_record (store, db, env, author, o, out_pending, error);
  if (g_str_equal (kind, KIND_CASE))
    return apply_case (store, db, env, author, o, error);
  if (g_str_equal (kind, KIND_RECEIPT))
    return apply_receipt (store, db, env, author, o, error);
  if (g_str_equal (kind, KIND_REQUEST))
    return apply_request (store, db, env, author, o, error);
  if (g_str_equal (kind, KIND_DECISION))
    return apply_decision (store, db, env, author, o, error);
  if (g_str_equal (kind, KIND_KEYS))
    return apply_keys (store, db, env, author, o, error);
  g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_UNKNOWN,
               "An envelope of kind “%s”, which this version of Liaison does not know", kind);
  return FALSE;
}

/* Applies the records that waited for @case_id to arrive. Their numbers
 * first, then each envelope by itself: however many wait, only one is in
 * memory at a time (sorting them with their bytes took SQLite a copy of
 * them all). */
static gboolean
apply_pending (LiaStore   *store,
               sqlite3    *db,
               const char *case_id,
               GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  stmt = lia_db_prepare (db, "SELECT seq FROM envelope WHERE applied = 0 AND case_id = ? "
                             "ORDER BY version, seq", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, case_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (seqs, seq);
    }
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the waiting envelopes");
  g_clear_pointer (&stmt, lia_db_release);
  for (guint i = 0; i < seqs->len; i++)
    {
      gint64 seq = g_array_index (seqs, gint64, i);
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (LiaEnvelope) env = NULL;
      g_autoptr (GBytes) content = NULL;
      gboolean pending = FALSE;
      gint64 author;

      stmt = lia_db_prepare (db, "SELECT bytes FROM envelope WHERE seq = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, seq);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        return lia_store_set_sqlite_error (error, db, sqlite3_errcode (db),
                                           "Could not read the waiting envelopes");
      bytes = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
      g_clear_pointer (&stmt, lia_db_release);
      env = lia_envelope_parse (bytes, error);
      if (env == NULL || !lia_envelope_verify (env, author_status_cb, db, error)
          || (content = lia_envelope_open (env, lia_store_get_keyring (store), error)) == NULL)
        return FALSE;
      author = org_id_by_key (db, lia_envelope_get_author_sign_public (env));
      if (!apply (store, db, env, content, NULL, author, &pending, error))
        return FALSE;
      stmt = lia_db_prepare (db, "UPDATE envelope SET applied = 1 WHERE seq = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, seq);
      if (!lia_db_step_done (db, stmt, "Could not update the envelope", error))
        return FALSE;
      g_clear_pointer (&stmt, lia_db_release);
    }
  return TRUE;
}

/* ---- importing ------------------------------------------------------------ */

/* An envelope verified and decrypted, waiting to be stored and applied. */
struct _LiaOpenedEnvelope
{
  LiaEnvelope *env;      /* owned, verified */
  GBytes      *content;  /* owned, decrypted */
  /* owned, immutable: the content parsed, by the first stage (which the
   * sync engine runs on its threads, so that the thread that stores has
   * less to do), or NULL if it is not a JSON object */
  JsonNode    *root;
};

void
lia_opened_envelope_free (LiaOpenedEnvelope *opened)
{
  if (opened == NULL)
    return;
  g_clear_pointer (&opened->env, lia_envelope_free);
  g_clear_pointer (&opened->root, json_node_unref);
  if (opened->content != NULL)
    {
      gsize len;
      gpointer data = g_bytes_unref_to_data (opened->content, &len);

      /* Someone else's record in clear: not left in freed memory. */
      sodium_memzero (data, len);
      g_free (data);
    }
  g_free (opened);
}

LiaEnvelope *
lia_opened_envelope_get_envelope (LiaOpenedEnvelope *opened)
{
  return opened->env;
}

/* The checks of the first stage, in the order DESIGN.md gives after the
 * form and limits (which parsing checked): author, signature, recipient,
 * then decryption. Takes @env. */
static LiaOpenedEnvelope *
open_parsed (LiaEnvelope   *env,
             LiaKeyring    *keyring,
             LiaAuthorFunc  authors,
             gpointer       authors_data,
             GError       **error)
{
  g_autoptr (LiaEnvelope) owned = env;
  LiaOpenedEnvelope *opened;
  GBytes *content;

  if (!lia_envelope_verify (env, authors, authors_data, error))
    return NULL;
  if (!lia_envelope_is_for (env, lia_keyring_get_sign_public (keyring)))
    {
      g_set_error_literal (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_NOT_RECIPIENT,
                           "The envelope is addressed to other organisations only, not to this "
                           "one: it was not stored");
      return NULL;
    }
  content = lia_envelope_open (env, keyring, error);
  if (content == NULL)
    return NULL;
  opened = g_new0 (LiaOpenedEnvelope, 1);
  opened->env = g_steal_pointer (&owned);
  opened->content = content;
  {
    g_autoptr (JsonParser) parser = json_parser_new_immutable ();

    if (parse_content (content, parser, NULL) != NULL)
      opened->root = json_parser_steal_root (parser);
  }
  return opened;
}

struct _LiaAuthorTable
{
  GHashTable *status;   /* GBytes (identity key) -> LiaAuthorStatus */
};

void
lia_author_table_free (LiaAuthorTable *table)
{
  if (table == NULL)
    return;
  g_hash_table_unref (table->status);
  g_free (table);
}

LiaAuthorTable *
lia_exchange_dup_authors (LiaStore *store,
                          GError  **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (LiaAuthorTable) table = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  /* The same rules as author_status_cb(), for every organisation at once. */
  stmt = lia_db_prepare (db, "SELECT sign_public, CASE WHEN revoked_at IS NOT NULL THEN ?1 "
                             "WHEN id = 1 OR box_public IS NOT NULL THEN ?2 ELSE ?3 END "
                             "FROM org WHERE length (sign_public) = 32", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, LIA_AUTHOR_REVOKED);
  sqlite3_bind_int (stmt, 2, LIA_AUTHOR_KNOWN);
  sqlite3_bind_int (stmt, 3, LIA_AUTHOR_UNKNOWN);
  table = g_new0 (LiaAuthorTable, 1);
  table->status = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                         (GDestroyNotify) g_bytes_unref, NULL);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (table->status,
                         g_bytes_new (sqlite3_column_blob (stmt, 0), 32),
                         GINT_TO_POINTER (sqlite3_column_int (stmt, 1)));
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the peers");
      return NULL;
    }
  return g_steal_pointer (&table);
}

static LiaAuthorStatus
author_table_cb (const guint8 *key,
                 gpointer      user_data)
{
  const LiaAuthorTable *table = user_data;
  g_autoptr (GBytes) lookup = g_bytes_new_static (key, 32);

  return GPOINTER_TO_INT (g_hash_table_lookup (table->status, lookup));
}

LiaOpenedEnvelope *
lia_exchange_open_envelope (GBytes               *bytes,
                            LiaKeyring           *keyring,
                            const LiaAuthorTable *authors,
                            GError              **error)
{
  LiaEnvelope *env = lia_envelope_parse (bytes, error);

  G_STATIC_ASSERT (LIA_AUTHOR_UNKNOWN == 0);
  if (env == NULL)
    return NULL;
  return open_parsed (env, keyring, author_table_cb, (gpointer) authors, error);
}

static gboolean
is_held (sqlite3 *db, LiaEnvelope *env, gboolean *out_held, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT 1 FROM envelope WHERE hash = ?",
                                                  error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, lia_envelope_hash (env), 32, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the envelopes");
  *out_held = rc == SQLITE_ROW;
  return TRUE;
}

/* Stores and applies one opened envelope inside the caller's transaction;
 * if @guarded, in a savepoint of its own, so that a refusal (FALSE, an
 * error other than a store error) leaves the transaction as it was before
 * it. */
static gboolean
import_opened_one (LiaStore          *store,
                   sqlite3           *db,
                   LiaOpenedEnvelope *opened,
                   gboolean           guarded,
                   LiaImportOutcome  *out_outcome,
                   GError           **error)
{
  LiaEnvelope *env = opened->env;
  gboolean held = FALSE, pending = FALSE;
  gint64 author;

  *out_outcome = LIA_IMPORT_REFUSED;
  if (!is_held (db, env, &held, error))
    return FALSE;
  if (held)
    {
      *out_outcome = LIA_IMPORT_DUPLICATE;
      return TRUE;
    }
  /* The author is asked again under the write lock: it may have been
   * revoked since the first stage. */
  switch (author_status_cb (lia_envelope_get_author_sign_public (env), db))
    {
    case LIA_AUTHOR_KNOWN:
      break;
    case LIA_AUTHOR_REVOKED:
      g_set_error_literal (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_REVOKED_AUTHOR,
                           "The envelope's author was removed as a peer: it was not stored");
      return FALSE;
    case LIA_AUTHOR_UNKNOWN:
    default:
      g_set_error_literal (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_UNKNOWN_AUTHOR,
                           "The envelope's author is not a peer of this organisation: it was "
                           "not stored");
      return FALSE;
    }
  author = org_id_by_key (db, lia_envelope_get_author_sign_public (env));

  if (guarded && sqlite3_exec (db, "SAVEPOINT lia_envelope", NULL, NULL, NULL) != SQLITE_OK)
    return lia_store_set_sqlite_error (error, db, sqlite3_errcode (db),
                                       "Could not start storing the envelope");
  if (!apply (store, db, env, opened->content, opened->root, author, &pending, error)
      || !store_envelope (db, env, author, !pending, error)
      || (g_str_equal (lia_envelope_get_kind (env), KIND_CASE)
          && !apply_pending (store, db, lia_envelope_get_object_id (env), error)))
    {
      if (guarded)
        sqlite3_exec (db, "ROLLBACK TO lia_envelope; RELEASE lia_envelope", NULL, NULL, NULL);
      return FALSE;
    }
  if (guarded && sqlite3_exec (db, "RELEASE lia_envelope", NULL, NULL, NULL) != SQLITE_OK)
    return lia_store_set_sqlite_error (error, db, sqlite3_errcode (db),
                                       "Could not store the envelope");
  *out_outcome = LIA_IMPORT_ACCEPTED;
  return TRUE;
}

/* A withdrawal (or a version that drops an attachment) leaves chunks to
 * delete; once per batch, after it is committed. */
static void
collect_garbage_after (sqlite3                *db,
                       LiaOpenedEnvelope     **envelopes,
                       guint                   n_envelopes,
                       const LiaImportOutcome *outcomes)
{
  for (guint i = 0; i < n_envelopes; i++)
    if (outcomes[i] == LIA_IMPORT_ACCEPTED
        && g_str_equal (lia_envelope_get_kind (envelopes[i]->env), KIND_RECORD))
      {
        lia_attachment_collect_garbage_quietly (db);
        return;
      }
}

/* The batch in one transaction. Unless @guarded, without a savepoint per
 * envelope (which costs SQLite a copy of every page an envelope touches):
 * then a refusal undoes the whole batch and is FALSE without an error, for
 * the caller to go again @guarded, when each refusal is kept in
 * @out_refusals and the rest stored. A store error is FALSE with @error,
 * and nothing stored. */
static gboolean
import_batch (LiaStore           *store,
              sqlite3            *db,
              LiaOpenedEnvelope **envelopes,
              guint               n_envelopes,
              gboolean            guarded,
              LiaImportOutcome   *out_outcomes,
              GError            **out_refusals,
              GError            **error)
{
  if (!lia_db_begin (db, error))
    return FALSE;
  /* One signature of the disclosure log's head for the batch, not one for
   * each record received. */
  lia_log_batch_begin (store);
  for (guint i = 0; i < n_envelopes; i++)
    {
      GError *local_error = NULL;

      if (import_opened_one (store, db, envelopes[i], guarded, &out_outcomes[i], &local_error))
        continue;
      if (guarded && local_error->domain != LIA_STORE_ERROR)
        {
          out_refusals[i] = local_error;
          continue;
        }
      lia_log_batch_abandon (store);
      lia_db_rollback (db);
      for (guint j = 0; j < i; j++)
        g_clear_error (&out_refusals[j]);
      if (local_error->domain == LIA_STORE_ERROR)
        g_propagate_error (error, local_error);
      else
        g_error_free (local_error);
      return FALSE;
    }
  if (!lia_log_batch_end (store, error))
    {
      lia_db_rollback (db);
      for (guint i = 0; i < n_envelopes; i++)
        g_clear_error (&out_refusals[i]);
      return FALSE;
    }
  if (!lia_db_commit (db, error))
    {
      for (guint i = 0; i < n_envelopes; i++)
        g_clear_error (&out_refusals[i]);
      return FALSE;
    }
  collect_garbage_after (db, envelopes, n_envelopes, out_outcomes);
  return TRUE;
}

gboolean
lia_exchange_import_opened (LiaStore           *store,
                            LiaOpenedEnvelope **envelopes,
                            guint               n_envelopes,
                            LiaImportOutcome   *out_outcomes,
                            GError            **out_refusals,
                            GError            **error)
{
  sqlite3 *db = lia_db_get (store, error);
  GError *local_error = NULL;

  if (db == NULL)
    return FALSE;
  for (guint i = 0; i < n_envelopes; i++)
    out_refusals[i] = NULL;
  /* Nearly always nothing is refused, and one go is enough. */
  if (n_envelopes > 1)
    {
      if (import_batch (store, db, envelopes, n_envelopes, FALSE, out_outcomes, out_refusals,
                        &local_error))
        return TRUE;
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
    }
  return import_batch (store, db, envelopes, n_envelopes, TRUE, out_outcomes, out_refusals, error);
}

gboolean
lia_exchange_import_envelope (LiaStore         *store,
                              GBytes           *bytes,
                              LiaImportOutcome *out_outcome,
                              GError          **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaEnvelope) env = NULL;
  g_autoptr (LiaOpenedEnvelope) opened = NULL;
  GError *refusal = NULL;
  gboolean held = FALSE;

  *out_outcome = LIA_IMPORT_REFUSED;
  if (db == NULL)
    return FALSE;
  /* Form and limits; then a copy held already is a harmless repeat,
   * whatever became of its author since. */
  env = lia_envelope_parse (bytes, error);
  if (env == NULL || !is_held (db, env, &held, error))
    return FALSE;
  if (held)
    {
      *out_outcome = LIA_IMPORT_DUPLICATE;
      return TRUE;
    }
  opened = open_parsed (g_steal_pointer (&env), lia_store_get_keyring (store), author_status_cb,
                        db, error);
  if (opened == NULL
      || !lia_exchange_import_opened (store, &opened, 1, out_outcome, &refusal, error))
    return FALSE;
  if (refusal != NULL)
    {
      g_propagate_error (error, refusal);
      return FALSE;
    }
  return TRUE;
}

void
lia_import_report_free (LiaImportReport *report)
{
  if (report == NULL)
    return;
  g_clear_pointer (&report->refusals, g_ptr_array_unref);
  g_free (report->cut_short);
  g_free (report->acknowledged_by);
  g_free (report->acknowledgement_refused);
  g_free (report);
}

/* Stores a chunk from a bundle; chunks are committed BUNDLE_CHUNK_BATCH
 * at a time (@in_batch says whether a transaction is open), so that a
 * bundle of large attachments costs few commits and a small write-ahead
 * log. FALSE only when the store cannot be written. */
#define BUNDLE_CHUNK_BATCH 16

static gboolean
import_chunk (LiaStore        *store,
              sqlite3         *db,
              LiaImportReport *report,
              const guint8    *hash,
              GBytes          *chunk,
              guint            number,
              gboolean        *in_batch,
              GError         **error)
{
  g_autoptr (GError) local_error = NULL;
  LiaImportOutcome outcome;

  if (!*in_batch)
    {
      if (!lia_db_begin (db, error))
        return FALSE;
      *in_batch = TRUE;
    }
  if (!lia_attachment_chunk_put (store, hash, chunk, &outcome, &local_error))
    {
      if (local_error->domain == LIA_STORE_ERROR)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_ptr_array_add (report->refusals, g_strdup_printf ("Chunk %u: %s", number,
                                                          local_error->message));
      report->chunks_refused++;
    }
  else if (outcome == LIA_IMPORT_DUPLICATE)
    report->chunks_duplicate++;
  else
    report->chunks_accepted++;
  if ((report->chunks_accepted + report->chunks_duplicate + report->chunks_refused)
      % BUNDLE_CHUNK_BATCH == 0)
    {
      *in_batch = FALSE;
      return lia_db_commit (db, error);
    }
  return TRUE;
}

/* Notes the holdings a bundle ends with as its sender's acknowledgement,
 * or says in @report why not. FALSE only when the store cannot be
 * written. */
static gboolean
import_holdings (LiaStore        *store,
                 sqlite3         *db,
                 LiaBundleReader *reader,
                 GBytes          *bytes,
                 LiaImportReport *report,
                 GError         **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GPtrArray) holdings = NULL;
  g_autoptr (Party) from = NULL;
  const guint8 *from_key = lia_bundle_reader_get_from (reader);

  /* The bundle's framing is not signed, so these are not proof: they
   * are taken only from a current peer, to a bundle made for this
   * organisation, and only ever add to what it is known to hold. The worst
   * a forgery can do is make a later export with LIA_BUNDLE_EXPORT_NEW
   * leave out envelopes, which a plain export still sends. */
  holdings = lia_holdings_decode (bytes, &local_error);
  if (holdings == NULL)
    {
      report->acknowledgement_refused
        = g_strdup_printf ("The bundle's acknowledgement of what its sender holds is damaged "
                           "(%s): it was not noted",
                           local_error->message);
      return TRUE;
    }
  if (sodium_memcmp (lia_bundle_reader_get_for (reader), self_key (store),
                     LIA_BUNDLE_KEY_BYTES) != 0)
    {
      report->acknowledgement_refused
        = g_strdup ("The bundle was made for another organisation: its acknowledgement of what "
                    "its sender holds was not noted");
      return TRUE;
    }
  if (!lia_store_note_peer_holdings (store, from_key, holdings, &local_error))
    {
      if (local_error->domain == LIA_STORE_ERROR)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      report->acknowledgement_refused
        = g_strdup_printf ("The bundle's acknowledgement of what its sender holds was not "
                           "noted: %s",
                           local_error->message);
      return TRUE;
    }
  from = party_by_id (db, org_id_by_key (db, from_key), error);
  if (from == NULL)
    return FALSE;
  report->acknowledged_by = g_strdup (from->name);
  return TRUE;
}

LiaImportReport *
lia_exchange_import_bundle (LiaStore     *store,
                            GInputStream *in,
                            GError      **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaBundleReader) reader = NULL;
  g_autoptr (LiaImportReport) report = NULL;
  GBytes *bytes;
  GError *read_error = NULL;
  LiaBundleItem item;
  guint8 hash[LIA_BUNDLE_HASH_BYTES];
  gboolean in_batch = FALSE;

  if (db == NULL)
    return NULL;
  reader = lia_bundle_reader_new (in, NULL, error);
  if (reader == NULL)
    return NULL;
  report = g_new0 (LiaImportReport, 1);
  report->refusals = g_ptr_array_new_with_free_func (g_free);
  while ((bytes = lia_bundle_reader_next (reader, &item, hash, NULL, &read_error)) != NULL)
    {
      g_autoptr (GError) local_error = NULL;
      LiaImportOutcome outcome;

      if (item == LIA_BUNDLE_ITEM_HOLDINGS)
        {
          /* The last item: what came before is committed first. */
          if ((in_batch && !lia_db_commit (db, &local_error))
              || !import_holdings (store, db, reader, bytes, report, &local_error))
            {
              report->cut_short = g_strdup (local_error->message);
              g_bytes_unref (bytes);
              return g_steal_pointer (&report);
            }
          in_batch = FALSE;
          g_bytes_unref (bytes);
          continue;
        }
      if (item == LIA_BUNDLE_ITEM_CHUNK)
        {
          if (!import_chunk (store, db, report, hash, bytes,
                             lia_bundle_reader_get_chunk_count (reader), &in_batch, &local_error))
            {
              if (in_batch)
                lia_db_rollback (db);
              report->cut_short = g_strdup (local_error->message);
              g_bytes_unref (bytes);
              return g_steal_pointer (&report);
            }
          g_bytes_unref (bytes);
          continue;
        }
      /* An envelope goes in a transaction of its own. */
      if (in_batch && !lia_db_commit (db, &local_error))
        {
          report->cut_short = g_strdup (local_error->message);
          g_bytes_unref (bytes);
          return g_steal_pointer (&report);
        }
      in_batch = FALSE;
      if (!lia_exchange_import_envelope (store, bytes, &outcome, &local_error))
        {
          g_ptr_array_add (report->refusals,
                           g_strdup_printf ("Envelope %u: %s", lia_bundle_reader_get_count (reader),
                                            local_error->message));
          report->refused++;
          /* A store that cannot be written stops the import: the rest
           * would fail the same way. */
          if (local_error->domain == LIA_STORE_ERROR)
            {
              report->cut_short = g_strdup (local_error->message);
              g_bytes_unref (bytes);
              return g_steal_pointer (&report);
            }
        }
      else if (outcome == LIA_IMPORT_DUPLICATE)
        report->duplicates++;
      else
        report->accepted++;
      g_bytes_unref (bytes);
    }
  if (in_batch)
    {
      g_autoptr (GError) local_error = NULL;

      if (!lia_db_commit (db, &local_error))
        {
          g_clear_error (&read_error);
          report->cut_short = g_strdup (local_error->message);
          return g_steal_pointer (&report);
        }
    }
  if (read_error != NULL)
    {
      report->cut_short = g_strdup (read_error->message);
      g_error_free (read_error);
    }
  return g_steal_pointer (&report);
}

/* This organisation's holdings, encoded for a bundle: its acknowledgement
 * to the organisation the bundle is for. */
static GBytes *
own_holdings (LiaStore *store,
              GError  **error)
{
  g_autoptr (GPtrArray) holdings = lia_store_dup_holdings (store, LIA_HOLDINGS_MAX_EXTRAS, error);

  if (holdings == NULL)
    return NULL;
  /* Leaving peers out would tell the other side not to send their
   * envelopes: refused instead (the sync protocol has the same limit). */
  if (holdings->len > LIA_HOLDINGS_MAX_ORIGINATORS)
    {
      refuse (error, "This organisation has %u peers, more than a bundle can acknowledge (%u)",
              holdings->len, LIA_HOLDINGS_MAX_ORIGINATORS);
      return NULL;
    }
  return lia_holdings_encode (holdings);
}

/* Writes the envelopes @peer_holdings say @party lacks; @out_total: how
 * many it is a recipient of in all. */
static gboolean
write_lacking (LiaStore        *store,
               sqlite3         *db,
               Party           *party,
               GPtrArray       *peer_holdings,
               LiaBundleWriter *writer,
               guint           *out_total,
               GError         **error)
{
  g_autoptr (LiaOutbox) outbox = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  GBytes *bytes;
  GError *local_error = NULL;

  stmt = lia_db_prepare (db, "SELECT count (*) FROM envelope e "
                             "JOIN envelope_recipient er ON er.envelope_seq = e.seq "
                             "WHERE er.recipient = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, party->id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, sqlite3_errcode (db),
                                       "Could not count the envelopes");
  *out_total = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  outbox = lia_outbox_new (store, party->sign, peer_holdings, error);
  if (outbox == NULL)
    return FALSE;
  while ((bytes = lia_outbox_next (outbox, NULL, NULL, &local_error)) != NULL)
    {
      gboolean written = lia_bundle_writer_add (writer, bytes, NULL, error);

      g_bytes_unref (bytes);
      if (!written)
        return FALSE;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

gboolean
lia_exchange_export_bundle (LiaStore             *store,
                            const char           *org_name,
                            LiaBundleExportFlags  flags,
                            GOutputStream        *out,
                            LiaBundleExport      *out_summary,
                            GError              **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaOrg) org = NULL;
  g_autoptr (Party) party = NULL;
  g_autoptr (LiaBundleWriter) writer = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) peer_holdings = NULL;
  g_autoptr (GBytes) holdings = NULL;
  LiaBundleExport summary = { 0 };
  guint n_chunks = 0, total = 0;
  int rc;

  if (db == NULL)
    return FALSE;
  org = lia_store_find_org (store, org_name, error);
  if (org == NULL || (party = party_by_id (db, org->id, error)) == NULL)
    return FALSE;
  if (org->is_self)
    return refuse (error, "A bundle is for another organisation; name one of the peers");
  if (party->revoked)
    return refuse (error, "%s was removed as a peer: nothing is sent to it", party->name);
  if (!party->has_keys)
    return refuse (error, "%s is not a peer yet: add it with its invite code (liaison-cli peer "
                          "add CODE)", party->name);
  if (!lia_exchange_seal_pending (store, NULL, error))
    return FALSE;
  if (flags & LIA_BUNDLE_EXPORT_NEW)
    {
      GError *local_error = NULL;

      peer_holdings = lia_store_dup_peer_holdings (store, party->sign, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      summary.acknowledged = peer_holdings != NULL;
    }
  /* Taken before the envelopes are read, so that it claims nothing that
   * could arrive in the meantime. */
  holdings = own_holdings (store, error);
  if (holdings == NULL)
    return FALSE;
  writer = lia_bundle_writer_new (out, self_key (store), party->sign, NULL, error);
  if (writer == NULL)
    return FALSE;
  if (peer_holdings != NULL)
    {
      if (!write_lacking (store, db, party, peer_holdings, writer, &total, error))
        return FALSE;
    }
  else
    {
      stmt = lia_db_prepare (db, "SELECT e.bytes FROM envelope e "
                                 "JOIN envelope_recipient er ON er.envelope_seq = e.seq "
                                 "WHERE er.recipient = ? ORDER BY e.seq", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, party->id);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          g_autoptr (GBytes) bytes = g_bytes_new (sqlite3_column_blob (stmt, 0),
                                                  sqlite3_column_bytes (stmt, 0));

          if (!lia_bundle_writer_add (writer, bytes, NULL, error))
            return FALSE;
        }
      if (rc != SQLITE_DONE)
        return lia_store_set_sqlite_error (error, db, rc, "Could not read the envelopes");
      total = lia_bundle_writer_get_count (writer);
    }
  /* The chunks after every envelope, so that the versions that list them
   * are there by the time they are imported. All of them even when only
   * new envelopes are written: an acknowledgement does not say which
   * chunks are held, and an earlier bundle may have been cut short in
   * them. */
  if (!lia_attachment_write_for (db, party->id, writer, &n_chunks, error)
      || !lia_bundle_writer_finish (writer, holdings, NULL, error))
    return FALSE;
  if (out_summary != NULL)
    {
      summary.envelopes = lia_bundle_writer_get_count (writer);
      summary.chunks = lia_bundle_writer_get_chunk_count (writer);
      summary.left_out = total - summary.envelopes;
      *out_summary = summary;
    }
  return TRUE;
}

/* ---- destruction ---------------------------------------------------------- */

int
lia_exchange_destroy_due (LiaStore    *store,
                          const GDate *today,
                          GError     **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) due = g_ptr_array_new_with_free_func (g_free);
  char today_text[16];
  int done = 0;
  int rc;

  if (db == NULL)
    return -1;
  g_date_strftime (today_text, sizeof today_text, "%Y-%m-%d", today);
  /* The first four terms are those of the partial index record_to_destroy,
   * word for word, so that SQLite reads that small index and not every
   * record. */
  stmt = lia_db_prepare (db, "SELECT id FROM record WHERE originator != 1 AND destroyed_at IS NULL "
                             "AND withdrawn_at IS NULL "
                             "AND (destroy_on IS NOT NULL OR return_on IS NOT NULL) "
                             "AND ((destroy_on IS NOT NULL AND destroy_on <= ?1) "
                             "OR (return_on IS NOT NULL AND return_on <= ?1)) ORDER BY seq", error);
  if (stmt == NULL)
    return -1;
  lia_db_bind_text (stmt, 1, today_text);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (due, lia_db_column_dup (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the records");
      return -1;
    }
  for (guint i = 0; i < due->len; i++)
    {
      g_autoptr (LiaRecord) record = lia_record_load (store, due->pdata[i], error);
      g_autoptr (Party) originator = NULL;
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autoptr (GBytes) content = NULL;
      g_autoptr (GPtrArray) targets = g_ptr_array_new ();
      gboolean destroy;
      gsize len = 0;
      char *text;

      if (record == NULL)
        return -1;
      destroy = g_date_valid (&record->destroy_on)
                && g_date_compare (&record->destroy_on, today) <= 0;
      originator = party_by_id (db, record->originator->id, error);
      if (originator == NULL)
        return -1;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "record");
      json_builder_add_string_value (b, record->id);
      json_builder_set_member_name (b, "version");
      json_builder_add_int_value (b, record->version);
      json_builder_set_member_name (b, "action");
      json_builder_add_string_value (b, destroy ? "destroyed" : "returned");
      json_builder_set_member_name (b, "on");
      json_builder_add_string_value (b, today_text);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      text = json_generator_to_data (gen, &len);
      content = g_bytes_new_take (text, len);

      if (!lia_db_begin (db, error))
        return -1;
      if (!lia_record_make_tombstone (db, record->id, record->case_id, record->originator->id,
                                      record->kind, record->version, FALSE, error)
          || !log_disclosure (store, destroy ? LIA_LOG_DESTROYED : LIA_LOG_RETURNED, record->case_id,
                              record->id, record->version, record->originator->id,
                              destroy ? "destruction date reached" : "return date reached",
                              NULL, NULL, error))
        goto fail;
      /* The receipt goes to the originator if it can be sealed for it; a
       * revoked originator gets nothing, and the log says so. */
      if (originator->has_keys && !originator->revoked)
        {
          g_ptr_array_add (targets, originator);
          if (!seal_and_store (store, db, KIND_RECEIPT, record->id, record->case_id,
                               record->version, content, targets, error))
            goto fail;
        }
      if (!lia_db_commit (db, error))
        goto fail;
      done++;
      continue;

    fail:
      lia_db_rollback (db);
      return -1;
    }
  /* Run whenever the store is opened (cli_open_store), so that chunks
   * left to delete by anything cut short are deleted soon. */
  lia_attachment_collect_garbage_quietly (db);
  return done;
}
