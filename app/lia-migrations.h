/* lia-migrations.h: numbered schema migrations.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct
{
  int         version;   /* 1, 2, 3, ... in order, without gaps */
  const char *summary;   /* what it adds, for the log */
  const char *sql;       /* one or more statements */
} LiaMigration;

/* The store's migrations, oldest first. */
const LiaMigration *lia_store_migrations (guint *out_n);
int                 lia_store_schema_version (void);

/* The schema version recorded in @db (PRAGMA user_version). */
gboolean            lia_migrations_get_version (sqlite3 *db,
                                                int     *out_version,
                                                GError **error);

/* Brings @db from its recorded version up to @target (-1: the last of
 * @migrations) inside one transaction: either every step applies, or none
 * does and the database is as it was. A database newer than @migrations
 * know is refused with LIA_STORE_ERROR_TOO_NEW. */
gboolean            lia_migrations_apply (sqlite3            *db,
                                          const LiaMigration *migrations,
                                          guint               n_migrations,
                                          int                 target,
                                          GError            **error);

G_END_DECLS
