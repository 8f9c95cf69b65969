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
  {
    2, "cases, participants, processes, records and requests",
    /* Organisations known to this store. Row 1 is always this organisation
     * (the trigger copies it from the identity table). Others are peers or
     * organisations known only by name (sign_public NULL). */
    "CREATE TABLE org ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL CHECK (length (name) BETWEEN 1 AND 200),"
    "  kind TEXT NOT NULL CHECK (kind IN ('local-authority', 'icb', 'police', 'iopc', 'agency')),"
    "  sign_public BLOB UNIQUE CHECK (sign_public IS NULL OR length (sign_public) = 32),"
    "  added_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE UNIQUE INDEX org_name ON org (name COLLATE NOCASE);"
    "INSERT INTO org (id, name, kind, sign_public, added_at)"
    "  SELECT 1, name, kind, sign_public, created_at FROM organisation;"
    "CREATE TRIGGER organisation_is_org_1 AFTER INSERT ON organisation BEGIN"
    "  INSERT INTO org (id, name, kind, sign_public, added_at)"
    "    VALUES (1, NEW.name, NEW.kind, NEW.sign_public, NEW.created_at);"
    "END;"

    /* Dates are TEXT in ISO 8601 form, so that they sort as text. */
    /* seq is the rowid that the search index refers to, kept stable by
     * being declared (VACUUM may renumber implicit rowids). */
    "CREATE TABLE lcase ("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  lead INTEGER NOT NULL REFERENCES org (id),"
    "  title TEXT NOT NULL,"
    "  child TEXT NOT NULL,"
    "  area TEXT NOT NULL,"
    "  incident TEXT,"
    "  aware TEXT NOT NULL,"
    "  type TEXT NOT NULL CHECK (type IN ('serious-harm', 'death', 'other')),"
    "  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX lcase_created ON lcase (created_at);"

    /* The processes' fields, by name (lia_case_fields). */
    "CREATE TABLE case_field ("
    "  case_id TEXT NOT NULL REFERENCES lcase (id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (case_id, name)"
    ") STRICT, WITHOUT ROWID;"

    "CREATE TABLE participant ("
    "  case_id TEXT NOT NULL REFERENCES lcase (id) ON DELETE CASCADE,"
    "  org_id INTEGER NOT NULL REFERENCES org (id),"
    "  role TEXT NOT NULL CHECK (role IN ('local-authority', 'icb', 'police', 'iopc', 'agency')),"
    "  contact TEXT,"
    "  email TEXT,"
    "  phone TEXT,"
    "  added_at INTEGER NOT NULL,"
    "  PRIMARY KEY (case_id, org_id)"
    ") STRICT, WITHOUT ROWID;"

    "CREATE TABLE attendee ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id TEXT NOT NULL,"
    "  org_id INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  position TEXT,"
    "  FOREIGN KEY (case_id, org_id) REFERENCES participant (case_id, org_id) ON DELETE CASCADE"
    ") STRICT;"
    "CREATE INDEX attendee_case ON attendee (case_id);"

    "CREATE TABLE delay_notice ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id TEXT NOT NULL REFERENCES lcase (id) ON DELETE CASCADE,"
    "  sent TEXT NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  revised TEXT"
    ") STRICT;"
    "CREATE INDEX delay_notice_case ON delay_notice (case_id);"

    /* Records: the columns that queries sort and filter on, and the kind's
     * fields as a JSON object. Earlier versions go to record_version. */
    "CREATE TABLE record ("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  case_id TEXT NOT NULL REFERENCES lcase (id) ON DELETE CASCADE,"
    "  originator INTEGER NOT NULL REFERENCES org (id),"
    "  kind TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  date TEXT,"
    "  classification TEXT NOT NULL CHECK (classification IN ('standard', 'sensitive', 'secret')),"
    "  fields TEXT NOT NULL,"
    "  destroy_on TEXT,"
    "  return_on TEXT,"
    "  status TEXT,"
    "  owner TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX record_case_kind_date ON record (case_id, kind, date);"
    /* Covering, for the deadline engine: it reads these rows alone. */
    "CREATE INDEX record_dates ON record (case_id, id, kind, title, date, status, owner, "
    "  destroy_on, return_on) "
    "  WHERE destroy_on IS NOT NULL OR return_on IS NOT NULL OR kind = 'action';"

    /* The chronology entries again, in the order the multi-agency
     * chronology reads them (a case's entries by date, then as made), so
     * that 50,000 of them are one sequential scan. */
    "CREATE TABLE chronology ("
    "  case_id TEXT NOT NULL,"
    "  date TEXT NOT NULL,"
    "  record_seq INTEGER NOT NULL REFERENCES record (seq) ON DELETE CASCADE,"
    "  record_id TEXT NOT NULL,"
    "  originator INTEGER NOT NULL,"
    "  agency TEXT NOT NULL,"
    "  what TEXT NOT NULL,"
    "  source TEXT,"
    "  analysis TEXT,"
    "  expected TEXT,"
    "  PRIMARY KEY (case_id, date, record_seq)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX chronology_record ON chronology (record_seq);"

    "CREATE TABLE record_version ("
    "  record_id TEXT NOT NULL REFERENCES record (id) ON DELETE CASCADE,"
    "  version INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  date TEXT,"
    "  classification TEXT NOT NULL,"
    "  fields TEXT NOT NULL,"
    "  replaced_at INTEGER NOT NULL,"
    "  PRIMARY KEY (record_id, version)"
    ") STRICT, WITHOUT ROWID;"

    /* Full-text search; rowids are the seq of record and lcase. */
    "CREATE VIRTUAL TABLE record_fts USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 2');"
    "CREATE VIRTUAL TABLE case_fts USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 2');"

    "CREATE TABLE request ("
    "  id TEXT PRIMARY KEY,"
    "  case_id TEXT NOT NULL REFERENCES lcase (id) ON DELETE CASCADE,"
    "  requester INTEGER NOT NULL REFERENCES org (id),"
    "  holder INTEGER NOT NULL REFERENCES org (id),"
    "  record_id TEXT REFERENCES record (id),"
    "  subject TEXT NOT NULL,"
    "  purpose TEXT NOT NULL,"
    "  made_on TEXT NOT NULL,"
    "  reply_by TEXT,"
    "  state TEXT NOT NULL,"
    "  level INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX request_case ON request (case_id, made_on);"

    "CREATE TABLE request_event ("
    "  id INTEGER PRIMARY KEY,"
    "  request_id TEXT NOT NULL REFERENCES request (id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('made', 'decision', 'escalation', 'withdrawal')),"
    "  decision TEXT,"
    "  level INTEGER,"
    "  reason TEXT NOT NULL,"
    "  basis TEXT,"
    "  statute TEXT,"
    "  redirect_to INTEGER REFERENCES org (id),"
    "  by_name TEXT NOT NULL,"
    "  by_org INTEGER NOT NULL REFERENCES org (id),"
    "  event_on TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX request_event_request ON request_event (request_id, id);"
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
