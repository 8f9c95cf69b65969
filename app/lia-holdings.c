/* lia-holdings.c: what this organisation holds of what was sealed for it,
 * and what it holds for a peer that the peer lacks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-db.h"
#include "lia-fields.h"
#include "lia-holdings.h"
#include "lia-model-private.h"

/* The store's own organisation is always row 1 of org. */
#define SELF_ID 1

/* ---- entries -------------------------------------------------------------- */

LiaHoldingsEntry *
lia_holdings_entry_new (const guint8 *originator,
                        guint64       contiguous)
{
  LiaHoldingsEntry *entry = g_new0 (LiaHoldingsEntry, 1);

  memcpy (entry->originator, originator, LIA_ENVELOPE_KEY_BYTES);
  entry->contiguous = contiguous;
  entry->extras = g_array_new (FALSE, FALSE, sizeof (LiaNumberRun));
  return entry;
}

void
lia_holdings_entry_free (LiaHoldingsEntry *entry)
{
  if (entry == NULL)
    return;
  g_array_unref (entry->extras);
  g_free (entry);
}

gboolean
lia_holdings_entry_has (const LiaHoldingsEntry *entry,
                        guint64                 number)
{
  guint lo = 0, hi;

  if (number >= 1 && number <= entry->contiguous)
    return TRUE;
  /* The runs are ascending and disjoint: a binary search by first. */
  hi = entry->extras->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      const LiaNumberRun *run = &g_array_index (entry->extras, LiaNumberRun, mid);

      if (number < run->first)
        hi = mid;
      else if (number > run->last)
        lo = mid + 1;
      else
        return TRUE;
    }
  return FALSE;
}

/* ---- the ledger ----------------------------------------------------------- */

/* Numbers are stored in signed SQLite integers; envelopes never carry more
 * than G_MAXINT64 (lia-envelope.h), and a peer's larger claim means the
 * same as G_MAXINT64 here. */
static gint64
clamp_number (guint64 number)
{
  return number > G_MAXINT64 ? G_MAXINT64 : (gint64) number;
}

gboolean
lia_holdings_note (sqlite3 *db,
                   gint64   author,
                   guint64  wide_number,
                   GError **error)
{
  g_autoptr (sqlite3_stmt) below = NULL;
  g_autoptr (sqlite3_stmt) above = NULL;
  g_autoptr (sqlite3_stmt) change = NULL;
  gint64 number = clamp_number (wide_number);
  gint64 below_first = 0, above_last = 0;
  gboolean joins_below = FALSE, joins_above = FALSE;
  const char *what = "Could not note the envelope as held";
  int rc;

  if (number < 1 || author == SELF_ID)
    return TRUE;

  /* The run that starts at or before @number, if any: it may hold it
   * already, or end just before it. */
  below = lia_db_prepare (db, "SELECT first, last FROM envelope_held WHERE author = ? "
                              "AND first <= ? ORDER BY first DESC LIMIT 1", error);
  if (below == NULL)
    return FALSE;
  sqlite3_bind_int64 (below, 1, author);
  sqlite3_bind_int64 (below, 2, number);
  rc = sqlite3_step (below);
  if (rc == SQLITE_ROW)
    {
      gint64 last = sqlite3_column_int64 (below, 1);

      if (last >= number)
        return TRUE;
      below_first = sqlite3_column_int64 (below, 0);
      joins_below = last == number - 1;
    }
  else if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, what);

  /* The run that starts just after it, if any. */
  if (number < G_MAXINT64)
    {
      above = lia_db_prepare (db, "SELECT last FROM envelope_held WHERE author = ? AND first = ?",
                              error);
      if (above == NULL)
        return FALSE;
      sqlite3_bind_int64 (above, 1, author);
      sqlite3_bind_int64 (above, 2, number + 1);
      rc = sqlite3_step (above);
      if (rc == SQLITE_ROW)
        {
          joins_above = TRUE;
          above_last = sqlite3_column_int64 (above, 0);
        }
      else if (rc != SQLITE_DONE)
        return lia_store_set_sqlite_error (error, db, rc, what);
    }

  if (joins_below && joins_above)
    {
      /* Fills the gap between two runs: one run. */
      change = lia_db_prepare (db, "DELETE FROM envelope_held WHERE author = ? AND first = ?",
                               error);
      if (change == NULL)
        return FALSE;
      sqlite3_bind_int64 (change, 1, author);
      sqlite3_bind_int64 (change, 2, number + 1);
      if (!lia_db_step_done (db, change, what, error))
        return FALSE;
      g_clear_pointer (&change, lia_db_release);
      change = lia_db_prepare (db, "UPDATE envelope_held SET last = ?3 WHERE author = ?1 "
                                   "AND first = ?2", error);
      if (change == NULL)
        return FALSE;
      sqlite3_bind_int64 (change, 2, below_first);
      sqlite3_bind_int64 (change, 3, above_last);
    }
  else if (joins_below)
    {
      change = lia_db_prepare (db, "UPDATE envelope_held SET last = ?3 WHERE author = ?1 "
                                   "AND first = ?2", error);
      if (change == NULL)
        return FALSE;
      sqlite3_bind_int64 (change, 2, below_first);
      sqlite3_bind_int64 (change, 3, number);
    }
  else if (joins_above)
    {
      change = lia_db_prepare (db, "UPDATE envelope_held SET first = ?3 WHERE author = ?1 "
                                   "AND first = ?2", error);
      if (change == NULL)
        return FALSE;
      sqlite3_bind_int64 (change, 2, number + 1);
      sqlite3_bind_int64 (change, 3, number);
    }
  else
    {
      change = lia_db_prepare (db, "INSERT INTO envelope_held (author, first, last) "
                                   "VALUES (?1, ?2, ?2)", error);
      if (change == NULL)
        return FALSE;
      sqlite3_bind_int64 (change, 2, number);
    }
  sqlite3_bind_int64 (change, 1, author);
  return lia_db_step_done (db, change, what, error);
}

GPtrArray *
lia_store_dup_holdings (LiaStore *store,
                        guint     max_extras,
                        GError  **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) holdings = NULL;
  LiaHoldingsEntry *entry = NULL;
  gint64 entry_org = 0;
  guint extras = 0;
  int rc;

  if (db == NULL)
    return NULL;
  /* Every current peer (those whose envelopes lia_exchange accepts), with
   * its runs if it has any, in key order. */
  stmt = lia_db_prepare (db, "SELECT o.id, o.sign_public, h.first, h.last FROM org o "
                             "LEFT JOIN envelope_held h ON h.author = o.id "
                             "WHERE o.id != 1 AND o.box_public IS NOT NULL "
                             "AND o.revoked_at IS NULL AND length (o.sign_public) = 32 "
                             "ORDER BY o.sign_public, h.first", error);
  if (stmt == NULL)
    return NULL;
  holdings = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_holdings_entry_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 org = sqlite3_column_int64 (stmt, 0);
      LiaNumberRun run;

      if (entry == NULL || org != entry_org)
        {
          entry = lia_holdings_entry_new (sqlite3_column_blob (stmt, 1), 0);
          entry_org = org;
          g_ptr_array_add (holdings, entry);
        }
      if (sqlite3_column_type (stmt, 2) == SQLITE_NULL)
        continue;
      run.first = sqlite3_column_int64 (stmt, 2);
      run.last = sqlite3_column_int64 (stmt, 3);
      if (run.first == 1)
        entry->contiguous = run.last;
      else if (extras < max_extras)
        {
          g_array_append_val (entry->extras, run);
          extras++;
        }
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read what this store holds");
      return NULL;
    }
  return g_steal_pointer (&holdings);
}

/* ---- outboxes ------------------------------------------------------------- */

/* One envelope to send. */
typedef struct
{
  gint64  seq;          /* its row in envelope */
  guint64 number;       /* its number for the peer */
  guint   originator;   /* index into the peer's holdings */
} OutboxItem;

struct _LiaOutbox
{
  LiaStore     *store;      /* owned */
  GPtrArray    *holdings;   /* the peer's, owned: the originators' keys */
  GArray       *items;      /* OutboxItem, in sending order */
  guint         next;
  sqlite3_stmt *read;       /* owned, prepared on first use */
};

/* The org row of a peer that may be sent to, by identity key. */
static gint64
peer_org (sqlite3 *db, const guint8 *key, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *fingerprint = NULL;
  int rc;

  stmt = lia_db_prepare (db, "SELECT id, name, revoked_at IS NOT NULL, box_public IS NOT NULL "
                             "FROM org WHERE sign_public = ? AND id != 1", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_blob (stmt, 1, key, LIA_ENVELOPE_KEY_BYTES, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_int (stmt, 2))
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                   "%s was removed as a peer: nothing is sent to it",
                   (const char *) sqlite3_column_text (stmt, 1));
      return 0;
    }
  if (rc == SQLITE_ROW && sqlite3_column_int (stmt, 3))
    return sqlite3_column_int64 (stmt, 0);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the peers");
      return 0;
    }
  fingerprint = lia_identity_fingerprint (key);
  g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
               "No peer of this organisation has the identity key %s", fingerprint);
  return 0;
}

LiaOutbox *
lia_outbox_new (LiaStore     *store,
                const guint8 *peer,
                GPtrArray    *peer_holdings,
                GError      **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) author = NULL;
  g_autoptr (sqlite3_stmt) numbers = NULL;
  g_autoptr (LiaOutbox) self = NULL;
  gint64 recipient;

  if (db == NULL)
    return NULL;
  recipient = peer_org (db, peer, error);
  if (recipient == 0)
    return NULL;

  self = g_new0 (LiaOutbox, 1);
  self->store = g_object_ref (store);
  self->holdings = g_ptr_array_ref (peer_holdings);
  self->items = g_array_new (FALSE, FALSE, sizeof (OutboxItem));
  author = lia_db_prepare (db, "SELECT id FROM org WHERE sign_public = ?", error);
  numbers = lia_db_prepare (db, "SELECT number, envelope_seq FROM envelope_recipient "
                                "WHERE author = ? AND recipient = ? AND number > ? "
                                "ORDER BY number", error);
  if (author == NULL || numbers == NULL)
    return NULL;

  for (guint i = 0; i < peer_holdings->len; i++)
    {
      const LiaHoldingsEntry *entry = peer_holdings->pdata[i];
      guint run = 0;
      int rc;

      sqlite3_reset (author);
      sqlite3_bind_blob (author, 1, entry->originator, LIA_ENVELOPE_KEY_BYTES, SQLITE_STATIC);
      rc = sqlite3_step (author);
      if (rc == SQLITE_DONE)
        continue;   /* an originator this store has never heard of */
      if (rc != SQLITE_ROW)
        {
          lia_store_set_sqlite_error (error, db, rc, "Could not read the peers");
          return NULL;
        }

      sqlite3_reset (numbers);
      sqlite3_bind_int64 (numbers, 1, sqlite3_column_int64 (author, 0));
      sqlite3_bind_int64 (numbers, 2, recipient);
      sqlite3_bind_int64 (numbers, 3, clamp_number (entry->contiguous));
      while ((rc = sqlite3_step (numbers)) == SQLITE_ROW)
        {
          OutboxItem item
            = { sqlite3_column_int64 (numbers, 1), sqlite3_column_int64 (numbers, 0), i };

          /* Both ascending: walk the runs along. */
          while (run < entry->extras->len
                 && g_array_index (entry->extras, LiaNumberRun, run).last < item.number)
            run++;
          if (run < entry->extras->len
              && g_array_index (entry->extras, LiaNumberRun, run).first <= item.number)
            continue;
          g_array_append_val (self->items, item);
        }
      if (rc != SQLITE_DONE)
        {
          lia_store_set_sqlite_error (error, db, rc, "Could not read the envelopes to send");
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

guint
lia_outbox_get_total (LiaOutbox *self)
{
  return self->items->len;
}

guint
lia_outbox_get_remaining (LiaOutbox *self)
{
  return self->items->len - self->next;
}

GBytes *
lia_outbox_next (LiaOutbox     *self,
                 const guint8 **out_originator,
                 guint64       *out_number,
                 GError       **error)
{
  sqlite3 *db = lia_db_get (self->store, error);

  if (db == NULL)
    return NULL;
  if (self->read == NULL)
    {
      self->read = lia_db_prepare (db, "SELECT bytes FROM envelope WHERE seq = ?", error);
      if (self->read == NULL)
        return NULL;
    }
  while (self->next < self->items->len)
    {
      const OutboxItem *item = &g_array_index (self->items, OutboxItem, self->next++);
      const LiaHoldingsEntry *entry = self->holdings->pdata[item->originator];
      GBytes *bytes;
      int rc;

      sqlite3_reset (self->read);
      sqlite3_bind_int64 (self->read, 1, item->seq);
      rc = sqlite3_step (self->read);
      if (rc == SQLITE_DONE)
        continue;
      if (rc != SQLITE_ROW)
        {
          lia_store_set_sqlite_error (error, db, rc, "Could not read an envelope to send");
          return NULL;
        }
      bytes = g_bytes_new (sqlite3_column_blob (self->read, 0),
                           sqlite3_column_bytes (self->read, 0));
      /* Not left mid-step: a statement that has returned a row keeps a read
       * transaction open, which would hold back checkpoints. */
      sqlite3_reset (self->read);
      if (out_originator != NULL)
        *out_originator = entry->originator;
      if (out_number != NULL)
        *out_number = item->number;
      return bytes;
    }
  return NULL;
}

void
lia_outbox_free (LiaOutbox *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->read, lia_db_release);
  g_clear_object (&self->store);
  g_ptr_array_unref (self->holdings);
  g_array_unref (self->items);
  g_free (self);
}

/* ---- sync records ------------------------------------------------------- */

void
lia_sync_record_free (LiaSyncRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->status);
  g_free (record->last_error);
  g_clear_pointer (&record->holdings, g_bytes_unref);
  g_free (record);
}

LiaSyncRecord *
lia_store_load_sync_record (LiaStore     *store,
                            const guint8 *peer,
                            GError      **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (LiaSyncRecord) record = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  stmt = lia_db_prepare (db, "SELECT s.last_sync, s.last_attempt, s.last_error, s.holdings, "
                             "s.status FROM sync_peer s JOIN org o ON o.id = s.org_id "
                             "WHERE o.sign_public = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_blob (stmt, 1, peer, LIA_ENVELOPE_KEY_BYTES, SQLITE_STATIC);
  record = g_new0 (LiaSyncRecord, 1);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      record->last_sync = sqlite3_column_int64 (stmt, 0);
      record->last_attempt = sqlite3_column_int64 (stmt, 1);
      record->last_error = lia_db_column_dup (stmt, 2);
      if (sqlite3_column_type (stmt, 3) == SQLITE_BLOB)
        record->holdings = g_bytes_new (sqlite3_column_blob (stmt, 3),
                                        sqlite3_column_bytes (stmt, 3));
      record->status = lia_db_column_dup (stmt, 4);
    }
  else if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read how the peer's syncs went");
      return NULL;
    }
  return g_steal_pointer (&record);
}

gboolean
lia_store_save_sync_record (LiaStore            *store,
                            const guint8        *peer,
                            const LiaSyncRecord *record,
                            GError             **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *fingerprint = NULL;

  if (db == NULL)
    return FALSE;
  stmt = lia_db_prepare (db, "INSERT INTO sync_peer (org_id, last_sync, last_attempt, "
                             "last_error, holdings, status) SELECT id, ?2, ?3, ?4, ?5, ?6 FROM org "
                             "WHERE sign_public = ?1 "
                             "ON CONFLICT (org_id) DO UPDATE SET last_sync = ?2, "
                             "last_attempt = ?3, last_error = ?4, holdings = ?5, status = ?6",
                         error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, peer, LIA_ENVELOPE_KEY_BYTES, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, record->last_sync);
  sqlite3_bind_int64 (stmt, 3, record->last_attempt);
  lia_db_bind_text (stmt, 4, record->last_error);
  if (record->holdings != NULL)
    sqlite3_bind_blob (stmt, 5, g_bytes_get_data (record->holdings, NULL),
                       g_bytes_get_size (record->holdings), SQLITE_STATIC);
  lia_db_bind_text (stmt, 6, record->status);
  if (!lia_db_step_done (db, stmt, "Could not save how the peer's sync went", error))
    return FALSE;
  if (sqlite3_changes (db) == 1)
    return TRUE;
  fingerprint = lia_identity_fingerprint (peer);
  g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
               "No organisation has the identity key %s", fingerprint);
  return FALSE;
}
