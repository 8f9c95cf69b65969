/* lia-migrations.c: numbered schema migrations.
 *
 * The schema version lives in SQLite's user_version field of the (encrypted)
 * database header. Each migration is a fixed piece of SQL compiled into the
 * program; a migration never edits an earlier one, it adds the next.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "lia-migrations.h"
#include "lia-store-private.h"

static const LiaMigration store_migrations[] = {
  {
    1, "the organisation's identity",
    /* One row: this store's own organisation. The secret keys are stored
     * wrapped (secretbox under a subkey of the master key), so that they
     * never sit in SQLite's page cache in clear. */
    "CREATE TABLE organisation ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  name TEXT NOT NULL CHECK (length (name) BETWEEN 1 AND 200),"
    "  kind TEXT NOT NULL CHECK (kind IN ('local-authority', 'icb', 'police', 'iopc', 'agency')),"
    "  created_at INTEGER NOT NULL,"
    "  sign_public BLOB NOT NULL CHECK (length (sign_public) = 32),"
    "  sign_secret_wrapped BLOB NOT NULL,"
    "  box_public BLOB NOT NULL CHECK (length (box_public) = 32),"
    "  box_secret_wrapped BLOB NOT NULL,"
    "  curve_public BLOB NOT NULL CHECK (length (curve_public) = 32),"
    "  curve_secret_wrapped BLOB NOT NULL"
    ") STRICT;"
  },
};

const LiaMigration *
lia_store_migrations (guint *out_n)
{
  *out_n = G_N_ELEMENTS (store_migrations);
  return store_migrations;
}

int
lia_store_schema_version (void)
{
  return store_migrations[G_N_ELEMENTS (store_migrations) - 1].version;
}

gboolean
lia_migrations_get_version (sqlite3 *db,
                            int     *out_version,
                            GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the schema version");
      sqlite3_finalize (stmt);
      return FALSE;
    }
  *out_version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
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

gboolean
lia_migrations_apply (sqlite3            *db,
                      const LiaMigration *migrations,
                      guint               n_migrations,
                      int                 target,
                      GError            **error)
{
  int current;
  int latest = n_migrations > 0 ? migrations[n_migrations - 1].version : 0;

  if (target < 0)
    target = latest;
  g_return_val_if_fail (target <= latest, FALSE);

  /* The common case, a store already up to date, takes no write lock. */
  if (!lia_migrations_get_version (db, &current, error))
    return FALSE;
  if (current == target)
    return TRUE;

  /* IMMEDIATE takes the write lock now, so two connections opening the same
   * store cannot both decide to migrate it; the version is read again under
   * the lock. */
  if (!exec (db, "BEGIN IMMEDIATE", "Could not start the schema migration", error))
    return FALSE;

  if (!lia_migrations_get_version (db, &current, error))
    goto rollback;

  if (current > latest)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_TOO_NEW,
                   "This store was written by a newer version of Liaison (schema version %d; "
                   "this version knows up to %d). Update Liaison to open it",
                   current, latest);
      goto rollback;
    }

  for (guint i = 0; i < n_migrations; i++)
    {
      const LiaMigration *m = &migrations[i];
      g_autofree char *what = NULL;
      g_autofree char *set_version = NULL;

      g_assert (m->version == (int) i + 1);
      if (m->version <= current || m->version > target)
        continue;

      what = g_strdup_printf ("Could not apply schema migration %d (%s)", m->version, m->summary);
      if (!exec (db, m->sql, what, error))
        goto rollback;
      /* PRAGMA takes no bound parameters; the version is an integer from
       * the table above, never outside input. */
      set_version = g_strdup_printf ("PRAGMA user_version = %d", m->version);
      if (!exec (db, set_version, what, error))
        goto rollback;
      g_debug ("Applied schema migration %d: %s", m->version, m->summary);
    }

  if (!exec (db, "COMMIT", "Could not commit the schema migration", error))
    goto rollback;
  return TRUE;

rollback:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}
