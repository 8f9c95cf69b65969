/* lia-store-private.h: what the rest of app/ and the tests share with the
 * store, and nobody else.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "lia-backup.h"
#include "lia-crypto.h"
#include "lia-envelope.h"
#include "lia-store.h"

G_BEGIN_DECLS

/* The store's own connection; borrowed, valid while unlocked. Use it from
 * the thread that owns the store. */
sqlite3  *lia_store_get_db (LiaStore *self);

/* The organisation's secret keys (Ed25519 identity, X25519 for
 * envelopes, Curve25519 for the transport); borrowed, valid while
 * unlocked (the X25519 and Curve25519 ones only until the keys are
 * rotated), never to be copied out of LiaSecret memory. */
const LiaSecret *lia_store_get_sign_secret (LiaStore *self);
const LiaSecret *lia_store_get_box_secret (LiaStore *self);
const LiaSecret *lia_store_get_curve_secret (LiaStore *self);

/* How deep the disclosure log is inside batches (lia-log.c's state, kept
 * with the unlocked session); valid while unlocked. */
guint           *lia_store_log_batch (LiaStore *self);

/* This organisation's keyring for sealing and opening envelopes, with
 * its cache of pairwise keys and its retired X25519 keys; borrowed, valid
 * while unlocked. After a key rotation the store makes a new one (with the
 * new keys) when next asked; one lent before stays valid until the lock. */
LiaKeyring      *lia_store_get_keyring (LiaStore *self);

/* Copies of the X25519 key pairs this organisation has retired by
 * rotating its keys, newest first, as LiaRetiredBoxKey (lia-backup.h) with
 * the secret keys unwrapped. lia_store_get_keyring() already holds them.
 * Needs an unlocked store. */
GPtrArray       *lia_store_dup_retired_box_keys (LiaStore *self,
                                                 GError  **error);

/* A new connection to the same database with the same keys, configured like
 * the store's own, for another thread (the sync engine, a reader). The
 * caller closes it with sqlite3_close() before the store is locked. */
sqlite3  *lia_store_open_connection (LiaStore *self,
                                     GError  **error);

/* Turns an SQLite result code into a LiaStoreError with a message that
 * starts with @what; pages that failed authentication are named. Always
 * returns FALSE. */
gboolean  lia_store_set_sqlite_error (GError    **error,
                                      sqlite3    *db,
                                      int         rc,
                                      const char *what);

/* The PRAGMA statements that configure every connection to a store (the
 * benchmark gives its plain SQLite baseline the very same). */
const char *lia_store_connection_pragmas (void);

/* Sets a LiaStoreError from @saved_errno: a full disk (or file size limit)
 * is NO_SPACE, a permission or read-only file system NOT_WRITABLE, the
 * rest FAILED; the message is "@what @path: <strerror>". Returns FALSE. */
gboolean    lia_store_set_errno_error (GError    **error,
                                       int         saved_errno,
                                       const char *what,
                                       const char *path);

/* Writes @len bytes to @path atomically: a temporary file (mode 0600)
 * beside it, fsync, rename, fsync of the directory, so that a crash leaves
 * the old file or the new one, never a mixture. Unless @replace, an
 * existing @path is left alone and the error is LIA_STORE_ERROR_EXISTS.
 * Other failures are as lia_store_set_errno_error(); @what ("the key file")
 * names the file in messages. Nothing is left behind on failure. */
gboolean    lia_store_write_file (const char   *path,
                                  const guint8 *data,
                                  gsize         len,
                                  gboolean      replace,
                                  const char   *what,
                                  GError      **error);


/* Removes an SQLite database file and the WAL, shared-memory and journal
 * files beside it, ignoring any that are not there. */
void        lia_store_remove_database_files (const char *db_path);

/* Runs @sql (fixed statements only, no outside input) on the store's
 * connection. */
gboolean  lia_store_exec (LiaStore   *self,
                          const char *sql,
                          GError    **error);

G_END_DECLS
