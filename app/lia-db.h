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

sqlite3_stmt *lia_db_prepare (sqlite3    *db,
                              const char *sql,
                              GError    **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

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
