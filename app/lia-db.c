/* lia-db.c: small helpers for the model's SQL.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-calendar.h"
#include "lia-db.h"
#include "lia-fields.h"
#include "lia-model-private.h"

sqlite3 *
lia_db_get (LiaStore *store,
            GError  **error)
{
  sqlite3 *db = lia_store_get_db (store);

  if (db == NULL)
    g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED,
                 "The store is locked; unlock it first");
  return db;
}

/* ---- prepared statements, kept for reuse ----------------------------------
 *
 * Preparing a statement (parsing and planning its SQL) costs more than
 * running most of the model's: importing a batch of envelopes spent over a
 * third of its time there. So a connection that asks for it
 * (lia_db_cache_enable(), which the store does for its own) keeps, per SQL
 * text, one prepared statement that is not in use. lia_db_prepare() takes
 * it, and lia_db_release() (the g_autoptr cleanup) resets it, clears its
 * bindings and puts it back; a second user of the same SQL at the same time
 * prepares its own, and the one released when the place is taken is
 * finalised. A statement in the cache is reset, so it holds no
 * transaction open and no bound value. */

/* A bound on the statements kept per connection, against SQL built at run
 * time; the model has fewer. */
#define CACHE_MAX 512

static GMutex cache_lock;
static GHashTable *caches;  /* sqlite3 * -> GHashTable (SQL -> idle sqlite3_stmt *) */

static void
cache_free (gpointer data)
{
  GHashTable *idle = data;
  GHashTableIter iter;
  gpointer stmt;

  g_hash_table_iter_init (&iter, idle);
  while (g_hash_table_iter_next (&iter, NULL, &stmt))
    sqlite3_finalize (stmt);
  g_hash_table_destroy (idle);
}

void
lia_db_cache_enable (sqlite3 *db)
{
  g_mutex_lock (&cache_lock);
  if (caches == NULL)
    caches = g_hash_table_new_full (NULL, NULL, NULL, cache_free);
  if (!g_hash_table_contains (caches, db))
    /* Each key is its statement's own text (sqlite3_sql()), which lives
     * as long as the statement, so nothing is copied at every release. */
    g_hash_table_insert (caches, db, g_hash_table_new (g_str_hash, g_str_equal));
  g_mutex_unlock (&cache_lock);
}

void
lia_db_cache_disable (sqlite3 *db)
{
  g_mutex_lock (&cache_lock);
  if (caches != NULL)
    g_hash_table_remove (caches, db);
  g_mutex_unlock (&cache_lock);
}

/* The idle statement for @sql, taken out of the cache, or NULL; whether
 * @db caches in @out_caching. */
static sqlite3_stmt *
cache_take (sqlite3    *db,
            const char *sql,
            gboolean   *out_caching)
{
  GHashTable *idle;
  gpointer stmt = NULL;

  g_mutex_lock (&cache_lock);
  idle = caches != NULL ? g_hash_table_lookup (caches, db) : NULL;
  *out_caching = idle != NULL;
  if (idle != NULL)
    g_hash_table_steal_extended (idle, sql, NULL, &stmt);
  g_mutex_unlock (&cache_lock);
  return stmt;
}

sqlite3_stmt *
lia_db_prepare (sqlite3    *db,
                const char *sql,
                GError    **error)
{
  gboolean caching;
  sqlite3_stmt *stmt = cache_take (db, sql, &caching);
  int rc;

  if (stmt != NULL)
    return stmt;
  rc = sqlite3_prepare_v3 (db, sql, -1, caching ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the store");
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

void
lia_db_release (sqlite3_stmt *stmt)
{
  sqlite3 *db;
  const char *sql;
  GHashTable *idle;

  if (stmt == NULL)
    return;
  db = sqlite3_db_handle (stmt);
  sql = sqlite3_sql (stmt);
  g_mutex_lock (&cache_lock);
  idle = caches != NULL ? g_hash_table_lookup (caches, db) : NULL;
  if (idle != NULL && sql != NULL && g_hash_table_size (idle) < CACHE_MAX
      && !g_hash_table_contains (idle, sql))
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      g_hash_table_insert (idle, (gpointer) sql, stmt);
      stmt = NULL;
    }
  g_mutex_unlock (&cache_lock);
  sqlite3_finalize (stmt);
}

void
lia_db_bind_text (sqlite3_stmt *stmt,
                  int           index,
                  const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

char *
lia_db_column_dup (sqlite3_stmt *stmt,
                   int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_strdup (text);
}

void
lia_db_column_date (sqlite3_stmt *stmt,
                    int           column,
                    GDate        *out)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  g_date_clear (out, 1);
  if (text != NULL && !lia_date_parse (text, out, NULL))
    g_date_clear (out, 1);
}

gboolean
lia_db_step_done (sqlite3      *db,
                  sqlite3_stmt *stmt,
                  const char   *what,
                  GError      **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, what);
  return TRUE;
}

/* Runs one statement that returns no rows, prepared once per connection
 * (a transaction's BEGIN, SAVEPOINT and RELEASE run for every change). */
static int
run (sqlite3 *db, const char *sql)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, sql, NULL);
  int rc;

  if (stmt == NULL)
    return sqlite3_errcode (db);
  rc = sqlite3_step (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static gboolean
exec (sqlite3 *db, const char *sql, const char *what, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, what);
  return TRUE;
}

/* A change inside a transaction that is already open (the demo loader
 * wraps many changes in one) becomes a savepoint of it, named
 * "lia_step"; commit and rollback tell the two cases apart by whether
 * that savepoint exists. */
gboolean
lia_db_begin (sqlite3 *db,
              GError **error)
{
  if (!sqlite3_get_autocommit (db))
    return exec (db, "SAVEPOINT lia_step", "Could not start a change to the store", error);
  return exec (db, "BEGIN IMMEDIATE", "Could not start a change to the store", error);
}

gboolean
lia_db_commit (sqlite3 *db,
               GError **error)
{
  /* Milestones follow what they are computed from in the same
   * transaction, savepoints included, so that a read inside a larger
   * change (the demo loader's) sees them current. */
  if (!lia_deadlines_update (db, FALSE, error))
    {
      lia_db_rollback (db);
      return FALSE;
    }
  if (run (db, "RELEASE lia_step") == SQLITE_OK)
    return TRUE;
  if (lia_record_index_flush (db, error) && exec (db, "COMMIT", "Could not save the change", error))
    return TRUE;
  lia_db_rollback (db);
  return FALSE;
}

void
lia_db_rollback (sqlite3 *db)
{
  if (sqlite3_get_autocommit (db))
    return;
  if (sqlite3_exec (db, "ROLLBACK TO lia_step; RELEASE lia_step", NULL, NULL, NULL) != SQLITE_OK)
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
}

char *
lia_db_resolve_id (sqlite3    *db,
                   const char *table,
                   const char *id_or_prefix,
                   const char *what,
                   GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *upper = NULL;
  g_autofree char *first = NULL;
  gsize len = strlen (id_or_prefix);
  guint matches = 0;
  int rc;

  if (len < 4 || len > 36 || strspn (id_or_prefix, "0123456789abcdefABCDEF-") != len)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                   "“%s” is not a %s id; give the id, or at least its first four characters",
                   id_or_prefix, what);
      return NULL;
    }
  /* @table is one of the model's fixed table names, never outside input.
   * Ids are lower case; the range scan uses the primary key. */
  sql = g_strdup_printf ("SELECT id FROM %s WHERE id >= ?1 AND id < ?1 || 'g' LIMIT 2", table);
  stmt = lia_db_prepare (db, sql, error);
  if (stmt == NULL)
    return NULL;
  upper = g_ascii_strdown (id_or_prefix, -1);
  lia_db_bind_text (stmt, 1, upper);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (matches++ == 0)
        first = lia_db_column_dup (stmt, 0);
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the store");
      return NULL;
    }
  if (matches == 0)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                   "There is no %s “%s” in this store", what, id_or_prefix);
      return NULL;
    }
  if (matches > 1)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_AMBIGUOUS,
                   "More than one %s id begins with “%s”; give more of it", what, id_or_prefix);
      return NULL;
    }
  return g_steal_pointer (&first);
}

gint64
lia_db_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}
