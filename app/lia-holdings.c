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

/* ---- the encoding ---------------------------------------------------------- */

GVariant *
lia_holdings_to_variant (GPtrArray *holdings)
{
  GVariantBuilder builder;

  g_return_val_if_fail (holdings != NULL, NULL);
  g_return_val_if_fail (holdings->len <= LIA_HOLDINGS_MAX_ORIGINATORS, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE (LIA_HOLDINGS_TYPE));
  for (guint i = 0; i < holdings->len; i++)
    {
      const LiaHoldingsEntry *entry = holdings->pdata[i];
      GVariantBuilder runs;

      g_variant_builder_init (&runs, G_VARIANT_TYPE ("a(tt)"));
      for (guint r = 0; r < entry->extras->len; r++)
        {
          const LiaNumberRun *run = &g_array_index (entry->extras, LiaNumberRun, r);

          g_variant_builder_add (&runs, "(tt)", run->first, run->last);
        }
      g_variant_builder_add (&builder, "(@ayt@a(tt))",
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, entry->originator,
                                                        LIA_ENVELOPE_KEY_BYTES, 1),
                             entry->contiguous, g_variant_builder_end (&runs));
    }
  return g_variant_builder_end (&builder);
}

GBytes *
lia_holdings_encode (GPtrArray *holdings)
{
  g_autoptr (GVariant) value = g_variant_ref_sink (lia_holdings_to_variant (holdings));

  return g_variant_get_data_as_bytes (value);
}

GPtrArray *
lia_holdings_from_variant (GVariant *array,
                           GError  **error)
{
  g_autoptr (GPtrArray) holdings = NULL;
  g_autoptr (GHashTable) seen = NULL;
  gsize n = g_variant_n_children (array);
  gsize extras = 0;

  g_return_val_if_fail (g_variant_is_of_type (array, G_VARIANT_TYPE (LIA_HOLDINGS_TYPE)), NULL);

  if (n > LIA_HOLDINGS_MAX_ORIGINATORS)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "Holdings of %" G_GSIZE_FORMAT " originators (at most %u)", n,
                   LIA_HOLDINGS_MAX_ORIGINATORS);
      return NULL;
    }
  holdings = g_ptr_array_new_full (n, (GDestroyNotify) lia_holdings_entry_free);
  seen = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref, NULL);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) item = g_variant_get_child_value (array, i);
      g_autoptr (GVariant) key = g_variant_get_child_value (item, 0);
      g_autoptr (GVariant) contiguous = g_variant_get_child_value (item, 1);
      g_autoptr (GVariant) runs = g_variant_get_child_value (item, 2);
      gsize key_len, n_runs = g_variant_n_children (runs);
      const guint8 *key_data = g_variant_get_fixed_array (key, &key_len, 1);
      LiaHoldingsEntry *entry;
      guint64 after;

      if (key_len != LIA_ENVELOPE_KEY_BYTES)
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                       "Holdings with an originator's key of %" G_GSIZE_FORMAT " bytes", key_len);
          return NULL;
        }
      if (!g_hash_table_add (seen, g_bytes_new (key_data, key_len)))
        {
          g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                               "Holdings with an originator named twice");
          return NULL;
        }
      extras += n_runs;
      if (extras > LIA_HOLDINGS_MAX_EXTRAS)
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                       "Holdings with more than %u runs", LIA_HOLDINGS_MAX_EXTRAS);
          return NULL;
        }
      entry = lia_holdings_entry_new (key_data, g_variant_get_uint64 (contiguous));
      g_ptr_array_add (holdings, entry);
      /* Each run beyond the contiguous part, ascending and apart. */
      after = entry->contiguous;
      for (gsize r = 0; r < n_runs; r++)
        {
          LiaNumberRun run;

          g_variant_get_child (runs, r, "(tt)", &run.first, &run.last);
          if (run.first <= after || run.first == G_MAXUINT64 || run.last < run.first)
            {
              g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                                   "Holdings with runs that are not ascending and apart");
              return NULL;
            }
          g_array_append_val (entry->extras, run);
          after = run.last;
          if (after == G_MAXUINT64 && r + 1 < n_runs)
            {
              g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                                   "Holdings with runs that are not ascending and apart");
              return NULL;
            }
        }
    }
  return g_steal_pointer (&holdings);
}

GPtrArray *
lia_holdings_decode (GBytes  *bytes,
                     GError **error)
{
  g_autoptr (GVariant) value = NULL;

  if (g_bytes_get_size (bytes) > LIA_HOLDINGS_MAX_BYTES)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "Holdings of %" G_GSIZE_FORMAT " bytes (at most %u)", g_bytes_get_size (bytes),
                   LIA_HOLDINGS_MAX_BYTES);
      return NULL;
    }
  value = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (LIA_HOLDINGS_TYPE), bytes,
                                                        FALSE));
  /* Only normal form is read: exactly one encoding, every offset in
   * bounds, so reading it can neither fail nor be ambiguous. */
  if (!g_variant_is_normal_form (value))
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                           "Holdings not in GVariant normal form");
      return NULL;
    }
  return lia_holdings_from_variant (value, error);
}

/* ---- union ------------------------------------------------------------------ */

static int
compare_runs (gconstpointer a,
              gconstpointer b)
{
  const LiaNumberRun *x = a, *y = b;

  return x->first < y->first ? -1 : x->first > y->first;
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const LiaHoldingsEntry *x = *(LiaHoldingsEntry *const *) a;
  const LiaHoldingsEntry *y = *(LiaHoldingsEntry *const *) b;

  return memcmp (x->originator, y->originator, LIA_ENVELOPE_KEY_BYTES);
}

/* Adds what @entry holds to @runs as runs: its contiguous part too. */
static void
add_runs (GArray                 *runs,
          const LiaHoldingsEntry *entry)
{
  if (entry->contiguous > 0)
    {
      LiaNumberRun run = { 1, entry->contiguous };

      g_array_append_val (runs, run);
    }
  g_array_append_vals (runs, entry->extras->data, entry->extras->len);
}

GPtrArray *
lia_holdings_union (GPtrArray *a,
                    GPtrArray *b)
{
  /* originator key -> GArray of LiaNumberRun, in no order yet */
  g_autoptr (GHashTable) by_key = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                                         (GDestroyNotify) g_bytes_unref,
                                                         (GDestroyNotify) g_array_unref);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                lia_holdings_entry_free);
  GPtrArray *lists[2] = { b, a };
  GHashTableIter iter;
  gpointer key, value;
  guint extras = 0;

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        const LiaHoldingsEntry *entry = lists[l]->pdata[i];
        g_autoptr (GBytes) originator = g_bytes_new (entry->originator, LIA_ENVELOPE_KEY_BYTES);
        GArray *runs = g_hash_table_lookup (by_key, originator);

        if (runs == NULL)
          {
            if (g_hash_table_size (by_key) >= LIA_HOLDINGS_MAX_ORIGINATORS)
              continue;
            runs = g_array_new (FALSE, FALSE, sizeof (LiaNumberRun));
            g_hash_table_insert (by_key, g_steal_pointer (&originator), runs);
          }
        add_runs (runs, entry);
      }

  g_hash_table_iter_init (&iter, by_key);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_ptr_array_add (out, lia_holdings_entry_new (g_bytes_get_data (key, NULL), 0));
  g_ptr_array_sort (out, compare_entries);

  /* Each originator's runs sorted and joined where they touch or overlap;
   * one that starts at 1 is the contiguous part. */
  for (guint i = 0; i < out->len; i++)
    {
      LiaHoldingsEntry *entry = out->pdata[i];
      g_autoptr (GBytes) originator = g_bytes_new_static (entry->originator,
                                                          LIA_ENVELOPE_KEY_BYTES);
      GArray *runs = g_hash_table_lookup (by_key, originator);
      LiaNumberRun current = { 0, 0 };
      gboolean open = FALSE;

      g_array_sort (runs, compare_runs);
      for (guint r = 0; r <= runs->len; r++)
        {
          const LiaNumberRun *run = r < runs->len ? &g_array_index (runs, LiaNumberRun, r) : NULL;

          if (open && run != NULL && (current.last == G_MAXUINT64 || run->first <= current.last + 1))
            {
              current.last = MAX (current.last, run->last);
              continue;
            }
          if (open && current.first == 1)
            entry->contiguous = current.last;
          else if (open && extras < LIA_HOLDINGS_MAX_EXTRAS)
            {
              g_array_append_val (entry->extras, current);
              extras++;
            }
          if (run != NULL)
            {
              current = *run;
              open = TRUE;
            }
        }
    }
  return g_steal_pointer (&out);
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

/* The org row of a current peer, by identity key; @refusal says what a
 * removed one is refused (it is named before it). */
static gint64
peer_org (sqlite3      *db,
          const guint8 *key,
          const char   *refusal,
          GError      **error)
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
                   "%s was removed as a peer: %s", (const char *) sqlite3_column_text (stmt, 1),
                   refusal);
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
  recipient = peer_org (db, peer, "nothing is sent to it", error);
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
                             "last_attempt = ?3, last_error = ?4, "
                             "holdings = coalesce (?5, holdings), status = ?6",
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

gboolean
lia_store_note_peer_holdings (LiaStore     *store,
                              const guint8 *peer,
                              GPtrArray    *holdings,
                              GError      **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) read = NULL;
  g_autoptr (sqlite3_stmt) write = NULL;
  g_autoptr (GPtrArray) kept = NULL;
  g_autoptr (GPtrArray) merged = NULL;
  g_autoptr (GBytes) encoded = NULL;
  gint64 org;
  int rc;

  if (db == NULL)
    return FALSE;
  if (!lia_db_begin (db, error))
    return FALSE;
  org = peer_org (db, peer, "what it says it holds is not noted", error);
  if (org == 0)
    goto fail;
  read = lia_db_prepare (db, "SELECT holdings FROM sync_peer WHERE org_id = ?", error);
  if (read == NULL)
    goto fail;
  sqlite3_bind_int64 (read, 1, org);
  rc = sqlite3_step (read);
  if (rc == SQLITE_ROW && sqlite3_column_type (read, 0) == SQLITE_BLOB)
    {
      g_autoptr (GBytes) kept_bytes = g_bytes_new (sqlite3_column_blob (read, 0),
                                                   sqlite3_column_bytes (read, 0));
      /* Kept holdings that do not decode are no fact: replaced. */
      kept = lia_holdings_decode (kept_bytes, NULL);
    }
  else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read what the peer holds");
      goto fail;
    }
  if (kept == NULL)
    kept = g_ptr_array_new ();
  merged = lia_holdings_union (kept, holdings);
  encoded = lia_holdings_encode (merged);
  write = lia_db_prepare (db, "INSERT INTO sync_peer (org_id, holdings) VALUES (?1, ?2) "
                              "ON CONFLICT (org_id) DO UPDATE SET holdings = ?2", error);
  if (write == NULL)
    goto fail;
  sqlite3_bind_int64 (write, 1, org);
  sqlite3_bind_blob (write, 2, g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded),
                     SQLITE_STATIC);
  if (!lia_db_step_done (db, write, "Could not note what the peer holds", error))
    goto fail;
  g_clear_pointer (&read, lia_db_release);
  g_clear_pointer (&write, lia_db_release);
  return lia_db_commit (db, error);

fail:
  g_clear_pointer (&read, lia_db_release);
  g_clear_pointer (&write, lia_db_release);
  lia_db_rollback (db);
  return FALSE;
}

GPtrArray *
lia_store_dup_peer_holdings (LiaStore     *store,
                             const guint8 *peer,
                             GError      **error)
{
  g_autoptr (LiaSyncRecord) record = lia_store_load_sync_record (store, peer, error);

  if (record == NULL || record->holdings == NULL)
    return NULL;
  /* Not decoding is not an error here: the worst is that everything is
   * sent again. */
  return lia_holdings_decode (record->holdings, NULL);
}
