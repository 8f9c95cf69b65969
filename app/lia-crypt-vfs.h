/* lia-crypt-vfs.h: an SQLite VFS that encrypts every page at rest.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define LIA_CRYPT_VFS_NAME      "liaison-crypt"
/* Fixed: every store uses this page size, so the VFS never has to trust a
 * page size read from disk. */
#define LIA_CRYPT_PAGE_SIZE     4096
/* Per-page reserved bytes: a 24-byte XChaCha20 nonce, a 16-byte Poly1305
 * tag, and a 16-byte MAC that binds a WAL frame's page to its frame (zero
 * in the database file). */
#define LIA_CRYPT_NONCE_BYTES     24
#define LIA_CRYPT_TAG_BYTES       16
#define LIA_CRYPT_FRAME_MAC_BYTES 16
#define LIA_CRYPT_RESERVE_BYTES   (LIA_CRYPT_NONCE_BYTES + LIA_CRYPT_TAG_BYTES \
                                   + LIA_CRYPT_FRAME_MAC_BYTES)
#define LIA_CRYPT_KEY_BYTES     32
#define LIA_CRYPT_SALT_BYTES    16

/* The page key (and the frame MAC key derived from it) and the database
 * salt of one store, in sodium_malloc() memory. Reference-counted: every
 * open database or WAL file holds a reference. */
typedef struct _LiaCryptKeys LiaCryptKeys;

LiaCryptKeys *lia_crypt_keys_new (const guint8 *page_key,
                                  const guint8 *db_salt);
LiaCryptKeys *lia_crypt_keys_ref (LiaCryptKeys *keys);
void          lia_crypt_keys_unref (LiaCryptKeys *keys);
/* Wipes the key at once; any file still open with it fails every read and
 * write from then on. */
void          lia_crypt_keys_revoke (LiaCryptKeys *keys);
/* Describes the last page that failed authentication through these keys
 * ("page 7 of the database", "page 3 in frame 12 of the write-ahead log"),
 * or returns NULL if none has. */
char         *lia_crypt_keys_dup_failure (LiaCryptKeys *keys);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaCryptKeys, lia_crypt_keys_unref)

/* Sets SQLite up for Liaison (once; thread-safe): memory that wipes itself
 * when freed, and the encrypting VFS. Call it before anything else in the
 * process uses SQLite. */
void          lia_crypt_vfs_register (void);
/* Whether lia_crypt_vfs_register() could give SQLite the wiping memory. */
gboolean      lia_crypt_vfs_wipes_freed_memory (void);

/* Makes the keys reachable to the VFS and returns the "file:" URI with which
 * sqlite3_open_v2() opens @db_path through them. Unregister before freeing. */
char         *lia_crypt_vfs_attach (LiaCryptKeys *keys,
                                    const char   *db_path);
void          lia_crypt_vfs_detach (LiaCryptKeys *keys);

/* The last page that failed authentication in this thread (described as
 * by lia_crypt_keys_dup_failure()), or NULL. SQLite reports the failure
 * through the call that made the read, in the same thread, so this is the
 * page behind an SQLITE_IOERR_AUTH just returned, even from
 * sqlite3_open_v2(), when there is no connection left to ask. */
char         *lia_crypt_vfs_dup_last_failure (void);

/* Reads the database file and its WAL directly and authenticates every
 * page. On failure sets LIA_STORE_ERROR_TAMPERED naming the page. The WAL
 * frames checked are those of the current WAL generation, except that a
 * torn last frame (a write interrupted by a crash, which SQLite itself
 * discards) is not an error. */
gboolean      lia_crypt_verify_files (LiaCryptKeys *keys,
                                      const char   *db_path,
                                      guint64      *out_pages,
                                      GError      **error);

/* Only the WAL part of lia_crypt_verify_files(); a missing WAL passes.
 * SQLite's recovery stops quietly at the first frame that fails, which
 * would drop every later commit: run this before a WAL left by a crash is
 * recovered, so that damage is reported instead. */
gboolean      lia_crypt_verify_wal (LiaCryptKeys *keys,
                                    const char   *db_path,
                                    GError      **error);

G_END_DECLS
