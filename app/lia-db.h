/* lia-db.h: small helpers for the model's SQL (private to app/).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "lia-store-private.h"

G_BEGIN_DECLS

/* The store's connection, or NULL with LIA_STORE_ERROR_LOCKED. */
sqlite3      *lia_db_get (LiaStore *store,
                          GError  **error);

/* A prepared statement for @sql: one kept from an earlier use if @db
 * caches them (see lia_db_cache_enable()). Give it back with
 * lia_db_release(), which g_autoptr (sqlite3_stmt) does; sqlite3_finalize()
 * is also fine, it only forgoes the reuse. */
sqlite3_stmt *lia_db_prepare (sqlite3    *db,
                              const char *sql,
                              GError    **error);
/* Resets @stmt and keeps it for the next lia_db_prepare() of its SQL on
 * its connection, or finalises it. Any statement may be given, NULL too. */
void          lia_db_release (sqlite3_stmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, lia_db_release)

/* Whether @db keeps statements for reuse. Disable (which finalises those
 * kept) before closing it: a connection with kept statements does not
 * close. Thread-safe; each connection is still used by one thread at a
 * time. */
void          lia_db_cache_enable (sqlite3 *db);
void          lia_db_cache_disable (sqlite3 *db);

/* Binds NULL for a NULL string. */
void          lia_db_bind_text (sqlite3_stmt *stmt,
                                int           index,
                                const char   *text);
/* A copy of a column's text, NULL for NULL. */
char         *lia_db_column_dup (sqlite3_stmt *stmt,
                                 int           column);
/* Parses a date column; an invalid (cleared) GDate for NULL. */
void          lia_db_column_date (sqlite3_stmt *stmt,
                                  int           column,
                                  GDate        *out);

/* Steps a statement that returns no rows. */
gboolean      lia_db_step_done (sqlite3      *db,
                                sqlite3_stmt *stmt,
                                const char   *what,
                                GError      **error);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Commit rolls back when it fails. */
gboolean      lia_db_begin (sqlite3 *db,
                            GError **error);
gboolean      lia_db_commit (sqlite3 *db,
                             GError **error);
void          lia_db_rollback (sqlite3 *db);

/* Resolves an id or a unique prefix of one (at least four characters) in
 * the id column of @table. @what names the thing for messages ("case"). */
char         *lia_db_resolve_id (sqlite3    *db,
                                 const char *table,
                                 const char *id_or_prefix,
                                 const char *what,
                                 GError    **error);

gint64        lia_db_now (void);

G_END_DECLS
