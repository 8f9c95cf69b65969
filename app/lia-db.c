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

sqlite3_stmt *
lia_db_prepare (sqlite3    *db,
                const char *sql,
                GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the store");
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
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

static gboolean
exec (sqlite3 *db, const char *sql, const char *what, GError **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
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
  if (sqlite3_exec (db, "RELEASE lia_step", NULL, NULL, NULL) == SQLITE_OK)
    return TRUE;
  if (exec (db, "COMMIT", "Could not save the change", error))
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
