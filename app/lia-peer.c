/* lia-peer.c: the organisations this one shares with.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-db.h"
#include "lia-model-private.h"
#include "lia-peer.h"

/* A row of org is a peer when an invite gave it keys: peer_since is set
 * only then, and with it the box and CURVE keys. Row 1 is this
 * organisation, never its own peer. */
#define IS_PEER "o.id != 1 AND o.peer_since IS NOT NULL AND o.box_public IS NOT NULL " \
                "AND o.curve_public IS NOT NULL"

#define PEER_COLUMNS LIA_ORG_COLUMNS ", o.box_public, o.curve_public, o.endpoints, " \
                     "o.peer_since, o.verified_at, o.verified_by, o.revoked_at"

static const LiaField verified_by_field = { "by", "Who compared the safety number",
                                            LIA_FIELD_TEXT, NULL, TRUE };

void
lia_peer_free (LiaPeer *peer)
{
  if (peer == NULL)
    return;
  lia_org_free (peer->org);
  g_strfreev (peer->endpoints);
  g_free (peer->verified_by);
  g_free (peer);
}

static void
copy_key (sqlite3_stmt *stmt,
          int           column,
          guint8       *out)
{
  if (sqlite3_column_bytes (stmt, column) == LIA_KEY_BYTES)
    memcpy (out, sqlite3_column_blob (stmt, column), LIA_KEY_BYTES);
  else
    memset (out, 0, LIA_KEY_BYTES);
}

/* Endpoints are stored one per line. */
static char **
split_endpoints (const char *text)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_strv_builder_add (builder, lines[i]);
  return g_strv_builder_end (builder);
}

static LiaPeer *
peer_from_row (sqlite3_stmt *stmt)
{
  LiaPeer *peer = g_new0 (LiaPeer, 1);

  peer->org = lia_org_from_row (stmt, 0);
  copy_key (stmt, 3, peer->sign_public);
  copy_key (stmt, 4, peer->box_public);
  copy_key (stmt, 5, peer->curve_public);
  peer->endpoints = split_endpoints ((const char *) sqlite3_column_text (stmt, 6));
  peer->peer_since = sqlite3_column_int64 (stmt, 7);
  peer->verified_at = sqlite3_column_int64 (stmt, 8);
  peer->verified_by = lia_db_column_dup (stmt, 9);
  peer->revoked_at = sqlite3_column_int64 (stmt, 10);
  return peer;
}

static char *
format_date (gint64 unix_time)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (unix_time);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d") : g_strdup ("?");
}

static GPtrArray *
list_peers (LiaStore   *store,
            const char *sql,
            GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) peers = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_peer_free);
  int rc;

  if (db == NULL)
    return NULL;
  stmt = lia_db_prepare (db, sql, error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (peers, peer_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the peers");
      return NULL;
    }
  return g_steal_pointer (&peers);
}

GPtrArray *
lia_store_list_peers (LiaStore *store,
                      GError  **error)
{
  return list_peers (store,
                     "SELECT " PEER_COLUMNS " FROM org o WHERE " IS_PEER
                     " ORDER BY o.name COLLATE NOCASE", error);
}

GPtrArray *
lia_store_current_peers (LiaStore *store,
                         GError  **error)
{
  return list_peers (store,
                     "SELECT " PEER_COLUMNS " FROM org o WHERE " IS_PEER
                     " AND o.revoked_at IS NULL ORDER BY o.name COLLATE NOCASE", error);
}

/* The peer in row @id, or NULL with NOT_FOUND if that row is no peer. */
static LiaPeer *
peer_by_id (sqlite3 *db,
            gint64   id,
            GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = lia_db_prepare (db, "SELECT " PEER_COLUMNS " FROM org o WHERE o.id = ? AND " IS_PEER,
                         error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return peer_from_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                 "The store has no peer %" G_GINT64_FORMAT, id);
  else
    lia_store_set_sqlite_error (error, db, rc, "Could not read the peers");
  return NULL;
}

LiaPeer *
lia_store_find_peer (LiaStore   *store,
                     const char *name_or_fingerprint,
                     GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaOrg) org = NULL;
  g_autoptr (GError) local_error = NULL;
  LiaPeer *peer;

  if (db == NULL)
    return NULL;
  org = lia_store_find_org (store, name_or_fingerprint, error);
  if (org == NULL)
    return NULL;
  if (org->is_self)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                   "%s is this organisation, not a peer", org->name);
      return NULL;
    }
  peer = peer_by_id (db, org->id, &local_error);
  if (peer == NULL && g_error_matches (local_error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND))
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                   "%s is known by name only, not as a peer; it becomes one when its invite "
                   "code is added (liaison-cli peer add CODE)", org->name);
      return NULL;
    }
  if (peer == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return peer;
}

/* ---- adding ------------------------------------------------------------------------ */

/* What adding a peer needs to know of an existing row. */
typedef struct
{
  gint64   id;
  char    *name;
  gboolean has_key;
  guint8   sign_public[LIA_KEY_BYTES];
  gint64   peer_since;   /* 0 if never a peer */
  gint64   revoked_at;   /* 0 if not revoked */
} OrgRow;

static void
org_row_clear (OrgRow *row)
{
  g_clear_pointer (&row->name, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OrgRow, org_row_clear)

/* Reads the row that @sql finds, its one parameter @key or else @name,
 * into @row; @row->id stays 0 if there is none. */
static gboolean
read_org_row (sqlite3      *db,
              const char   *sql,
              const guint8 *key,
              const char   *name,
              OrgRow       *row,
              GError      **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (key != NULL)
    sqlite3_bind_blob (stmt, 1, key, LIA_KEY_BYTES, SQLITE_TRANSIENT);
  else
    lia_db_bind_text (stmt, 1, name);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      row->id = sqlite3_column_int64 (stmt, 0);
      row->name = lia_db_column_dup (stmt, 1);
      row->has_key = sqlite3_column_bytes (stmt, 2) == LIA_KEY_BYTES;
      if (row->has_key)
        memcpy (row->sign_public, sqlite3_column_blob (stmt, 2), LIA_KEY_BYTES);
      row->peer_since = sqlite3_column_int64 (stmt, 3);
      row->revoked_at = sqlite3_column_int64 (stmt, 4);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    return TRUE;
  return lia_store_set_sqlite_error (error, db, rc, "Could not read the organisations");
}

#define ORG_ROW_SQL "SELECT id, name, sign_public, peer_since, revoked_at FROM org "

/* The first two groups of a fingerprint, "1A2B 3C4D". */
static char *
short_fingerprint (const guint8 *key)
{
  g_autofree char *fingerprint = lia_identity_fingerprint (key);

  return g_strndup (fingerprint, 9);
}

/* Renames the revoked peer in @row out of the way of a new organisation
 * with its name: "NAME (old key 1A2B 3C4D)", within the 200 characters a
 * name may have. */
static gboolean
rename_revoked (sqlite3      *db,
                const OrgRow *row,
                GError      **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *key = short_fingerprint (row->sign_public);
  g_autofree char *suffix = g_strdup_printf (" (old key %s)", key);
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;
  glong room = LIA_TEXT_MAX - g_utf8_strlen (suffix, -1);
  int rc;

  base = g_utf8_strlen (row->name, -1) > room ? g_utf8_substring (row->name, 0, room)
                                              : g_strdup (row->name);
  name = g_strconcat (base, suffix, NULL);
  stmt = lia_db_prepare (db, "UPDATE org SET name = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, name);
  sqlite3_bind_int64 (stmt, 2, row->id);
  rc = sqlite3_step (stmt);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_EXISTS,
                   "An organisation called “%s” was removed as a peer, and its row could not "
                   "be renamed to “%s” to make way for this one (that name is taken); nothing "
                   "was changed", row->name, name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not rename the removed peer");
  return TRUE;
}

static void
bind_key (sqlite3_stmt *stmt,
          int           index,
          const guint8 *key,
          gsize         len)
{
  sqlite3_bind_blob (stmt, index, key, (int) len, SQLITE_TRANSIENT);
}

/* Writes @invite's keys into row @id, or into a new row when @id is 0. */
static gboolean
write_peer (sqlite3         *db,
            gint64           id,
            const LiaInvite *invite,
            gint64          *out_id,
            GError         **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *endpoints = NULL;
  gint64 now = lia_db_now ();

  if (invite->endpoints != NULL && invite->endpoints[0] != NULL)
    endpoints = g_strjoinv ("\n", invite->endpoints);
  if (id != 0)
    stmt = lia_db_prepare (db, "UPDATE org SET name = ?1, kind = ?2, sign_public = ?3, "
                               "box_public = ?4, box_signature = ?5, curve_public = ?6, "
                               "curve_signature = ?7, endpoints = ?8, peer_since = ?9, "
                               "verified_at = NULL, verified_by = NULL, revoked_at = NULL "
                               "WHERE id = ?10", error);
  else
    stmt = lia_db_prepare (db, "INSERT INTO org (name, kind, sign_public, box_public, "
                               "box_signature, curve_public, curve_signature, endpoints, "
                               "peer_since, added_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, invite->name);
  lia_db_bind_text (stmt, 2, lia_org_kind_to_string (invite->kind));
  bind_key (stmt, 3, invite->sign_public, LIA_KEY_BYTES);
  bind_key (stmt, 4, invite->box_public, LIA_KEY_BYTES);
  bind_key (stmt, 5, invite->box_signature, LIA_SIGNATURE_BYTES);
  bind_key (stmt, 6, invite->curve_public, LIA_KEY_BYTES);
  bind_key (stmt, 7, invite->curve_signature, LIA_SIGNATURE_BYTES);
  lia_db_bind_text (stmt, 8, endpoints);
  sqlite3_bind_int64 (stmt, 9, now);
  if (id != 0)
    sqlite3_bind_int64 (stmt, 10, id);
  if (!lia_db_step_done (db, stmt, "Could not save the peer", error))
    return FALSE;
  *out_id = id != 0 ? id : sqlite3_last_insert_rowid (db);
  return TRUE;
}

/* Decides which row @invite goes into, renaming a revoked peer out of the
 * way if need be. Sets @out_id (0 for a new row) or an error. */
static gboolean
choose_row (sqlite3         *db,
            const LiaInvite *invite,
            LiaPeerAddFlags  flags,
            gint64          *out_id,
            GError         **error)
{
  g_auto (OrgRow) by_key = { 0 };
  g_auto (OrgRow) by_name = { 0 };
  g_autofree char *fingerprint = lia_identity_fingerprint (invite->sign_public);

  if (!read_org_row (db, ORG_ROW_SQL "WHERE sign_public = ?", invite->sign_public, NULL, &by_key,
                     error)
      || !read_org_row (db, ORG_ROW_SQL "WHERE name = ? COLLATE NOCASE", NULL, invite->name,
                        &by_name, error))
    return FALSE;

  if (by_key.id != 0)
    {
      g_autofree char *since = format_date (by_key.peer_since);
      g_autofree char *removed = format_date (by_key.revoked_at);

      if (by_key.peer_since != 0 && by_key.revoked_at == 0)
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_EXISTS,
                       "%s is already a peer (since %s, fingerprint %s); nothing was changed",
                       by_key.name, since, fingerprint);
          return FALSE;
        }
      if (by_key.revoked_at != 0 && !(flags & LIA_PEER_ADD_READMIT))
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                       "%s was removed as a peer on %s; nothing was changed. To let it back in, "
                       "add its invite code again with --readmit, then compare the safety "
                       "number afresh", by_key.name, removed);
          return FALSE;
        }
    }

  if (by_name.id != 0 && by_name.id != by_key.id)
    {
      /* A name-only row with this name takes the keys, unless the key
       * already has a row of its own: two rows cannot become one. */
      if (!by_name.has_key && by_key.id == 0)
        {
          *out_id = by_name.id;
          return TRUE;
        }
      if (by_name.id == 1)
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                       "This invite code is from an organisation called “%s”, this "
                       "organisation's own name, but with another identity key (fingerprint "
                       "%s); nothing was changed", invite->name, fingerprint);
          return FALSE;
        }
      if (by_name.has_key && by_name.revoked_at != 0)
        {
          if (!rename_revoked (db, &by_name, error))
            return FALSE;
        }
      else if (by_name.has_key)
        {
          g_autofree char *theirs = lia_identity_fingerprint (by_name.sign_public);

          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_EXISTS,
                       "An organisation called “%s” is already a peer with another identity "
                       "key (fingerprint %s; this code's is %s); nothing was changed. If it "
                       "really has a new identity, confirm that with them, remove the old one "
                       "(liaison-cli peer remove), and add this code again",
                       by_name.name, theirs, fingerprint);
          return FALSE;
        }
      else
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_EXISTS,
                       "This invite code is from %s, which this store knows as “%s”; another "
                       "organisation known by name only is called “%s”. Nothing was changed",
                       invite->name, by_key.name, by_name.name);
          return FALSE;
        }
    }
  *out_id = by_key.id;
  return TRUE;
}

LiaPeer *
lia_store_add_peer (LiaStore         *store,
                    const LiaInvite  *invite,
                    LiaPeerAddFlags   flags,
                    GError          **error)
{
  sqlite3 *db = lia_db_get (store, error);
  gint64 id = 0;
  LiaPeer *peer;

  g_return_val_if_fail (invite != NULL, NULL);
  g_return_val_if_fail (invite->name != NULL && g_utf8_validate (invite->name, -1, NULL), NULL);
  g_return_val_if_fail ((guint) invite->kind <= LIA_ORG_KIND_LAST, NULL);

  if (db == NULL)
    return NULL;
  if (memcmp (invite->sign_public,
              g_bytes_get_data (lia_store_get_identity_public_key (store), NULL),
              LIA_KEY_BYTES) == 0)
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                           "This is this organisation's own invite code; nothing was changed. "
                           "Give it to the organisations that are to share with this one, and "
                           "add theirs");
      return NULL;
    }
  /* lia_invite_decode() checked them, but a LiaInvite may come from
   * anywhere, and the store is what every later check trusts. */
  if (!lia_key_binding_verify (LIA_KEY_USE_BOX, invite->box_public, invite->sign_public,
                               invite->box_signature)
      || !lia_key_binding_verify (LIA_KEY_USE_CURVE, invite->curve_public, invite->sign_public,
                                  invite->curve_signature))
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                           "The invite's envelope or transport key is not bound to its identity "
                           "key; nothing was changed");
      return NULL;
    }

  if (!lia_db_begin (db, error))
    return NULL;
  if (!choose_row (db, invite, flags, &id, error) || !write_peer (db, id, invite, &id, error))
    {
      lia_db_rollback (db);
      return NULL;
    }
  if (!lia_db_commit (db, error))
    return NULL;
  peer = peer_by_id (db, id, error);
  return peer;
}

/* ---- verifying and removing ------------------------------------------------------ */

/* Starts a change to @peer, refreshing it from the store; refuses one that
 * was removed. */
static gboolean
begin_peer_change (sqlite3    *db,
                   LiaPeer    *peer,
                   const char *doing,
                   GError    **error)
{
  g_autoptr (LiaPeer) current = NULL;

  if (!lia_db_begin (db, error))
    return FALSE;
  current = peer_by_id (db, peer->org->id, error);
  if (current == NULL)
    {
      lia_db_rollback (db);
      return FALSE;
    }
  if (current->revoked_at != 0)
    {
      g_autofree char *removed = format_date (current->revoked_at);

      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                   "%s was removed as a peer on %s, so it cannot be %s; nothing was changed",
                   current->org->name, removed, doing);
      lia_db_rollback (db);
      return FALSE;
    }
  return TRUE;
}

gboolean
lia_store_verify_peer (LiaStore   *store,
                       LiaPeer    *peer,
                       const char *by,
                       GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *clean = NULL;
  gint64 now = lia_db_now ();

  g_return_val_if_fail (peer != NULL, FALSE);

  if (db == NULL)
    return FALSE;
  if (lia_str_blank (by))
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                           "Say who compared the safety number (--by NAME)");
      return FALSE;
    }
  clean = lia_field_normalize (&verified_by_field, by, error);
  if (clean == NULL)
    return FALSE;
  if (!begin_peer_change (db, peer, "verified", error))
    return FALSE;
  stmt = lia_db_prepare (db, "UPDATE org SET verified_at = ?, verified_by = ? WHERE id = ?",
                         error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, now);
  lia_db_bind_text (stmt, 2, clean);
  sqlite3_bind_int64 (stmt, 3, peer->org->id);
  if (!lia_db_step_done (db, stmt, "Could not record the verification", error)
      || !lia_db_commit (db, error))
    goto fail;
  peer->verified_at = now;
  g_free (peer->verified_by);
  peer->verified_by = g_steal_pointer (&clean);
  return TRUE;

fail:
  lia_db_rollback (db);
  return FALSE;
}

gboolean
lia_store_revoke_peer (LiaStore *store,
                       LiaPeer  *peer,
                       GError  **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gint64 now = lia_db_now ();

  g_return_val_if_fail (peer != NULL, FALSE);

  if (db == NULL)
    return FALSE;
  if (!begin_peer_change (db, peer, "removed again", error))
    return FALSE;
  stmt = lia_db_prepare (db, "UPDATE org SET revoked_at = ? WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, peer->org->id);
  if (!lia_db_step_done (db, stmt, "Could not remove the peer", error)
      || !lia_db_commit (db, error))
    goto fail;
  peer->revoked_at = now;
  return TRUE;

fail:
  lia_db_rollback (db);
  return FALSE;
}

/* ---- for others' checks ---------------------------------------------------------- */

LiaPeerStatus
lia_peer_status_for_key (LiaStore     *store,
                         const guint8 *sign_public,
                         GError      **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (sign_public != NULL, LIA_PEER_STATUS_UNKNOWN);

  if (db == NULL)
    return LIA_PEER_STATUS_UNKNOWN;
  stmt = lia_db_prepare (db, "SELECT o.id = 1, " IS_PEER ", o.revoked_at IS NOT NULL "
                             "FROM org o WHERE o.sign_public = ?", error);
  if (stmt == NULL)
    return LIA_PEER_STATUS_UNKNOWN;
  sqlite3_bind_blob (stmt, 1, sign_public, LIA_KEY_BYTES, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return LIA_PEER_STATUS_UNKNOWN;
  if (rc != SQLITE_ROW)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the peers");
      return LIA_PEER_STATUS_UNKNOWN;
    }
  if (sqlite3_column_int (stmt, 0))
    return LIA_PEER_STATUS_KNOWN;
  if (!sqlite3_column_int (stmt, 1))
    return LIA_PEER_STATUS_UNKNOWN;
  return sqlite3_column_int (stmt, 2) ? LIA_PEER_STATUS_REVOKED : LIA_PEER_STATUS_KNOWN;
}

char *
lia_store_peer_safety_number (LiaStore      *store,
                              const LiaPeer *peer)
{
  GBytes *own;

  g_return_val_if_fail (LIA_IS_STORE (store), NULL);
  g_return_val_if_fail (peer != NULL, NULL);
  g_return_val_if_fail (!lia_store_is_locked (store), NULL);

  own = lia_store_get_identity_public_key (store);
  return lia_safety_number (g_bytes_get_data (own, NULL), peer->sign_public);
}

/* ---- this organisation's invite --------------------------------------------------- */

char *
lia_store_make_invite (LiaStore          *store,
                       const char *const *endpoints,
                       gint64             expires,
                       GError           **error)
{
  LiaInvite invite = { 0 };
  const LiaSecret *sign_secret;
  g_autofree char *name = NULL;
  gint64 now = lia_db_now ();

  g_return_val_if_fail (LIA_IS_STORE (store), NULL);

  if (lia_store_is_locked (store))
    {
      g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED,
                           "The store is locked; unlock it first");
      return NULL;
    }
  if (expires <= now)
    {
      g_set_error_literal (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID,
                           "Cannot make an invite code that has already expired");
      return NULL;
    }
  sign_secret = lia_store_get_sign_secret (store);
  /* The store keeps the name as it was typed; a code carries it trimmed. */
  name = g_strstrip (g_strdup (lia_store_get_org_name (store)));
  invite.name = name;
  invite.kind = lia_store_get_org_kind (store);
  memcpy (invite.sign_public, g_bytes_get_data (lia_store_get_identity_public_key (store), NULL),
          LIA_KEY_BYTES);
  memcpy (invite.box_public, g_bytes_get_data (lia_store_get_box_public_key (store), NULL),
          LIA_KEY_BYTES);
  memcpy (invite.curve_public, g_bytes_get_data (lia_store_get_curve_public_key (store), NULL),
          LIA_KEY_BYTES);
  lia_key_binding_sign (LIA_KEY_USE_BOX, invite.box_public, sign_secret, invite.box_signature);
  lia_key_binding_sign (LIA_KEY_USE_CURVE, invite.curve_public, sign_secret,
                        invite.curve_signature);
  invite.endpoints = (char **) endpoints;
  invite.created = now;
  invite.expires = expires;
  return lia_invite_encode (&invite, sign_secret, error);
}
