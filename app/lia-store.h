/* lia-store.h: the organisation's encrypted local store.
 *
 * A store is a directory holding an SQLite database whose every page is
 * encrypted and authenticated (see lia-crypt-vfs.c), and a small key file that
 * holds the store's master key wrapped under a key derived from the
 * passphrase (see lia-keyfile.c). The organisation's identity (its name, kind
 * and key pairs) lives inside the encrypted database.
 *
 * A LiaStore is created locked. lia_store_create() makes a new store and
 * leaves it unlocked; lia_store_unlock() opens an existing one. Key derivation
 * is deliberately slow, so both have _async variants for the UI.
 * lia_store_lock() closes the database and wipes every key from memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "lia-identity.h"

G_BEGIN_DECLS

#define LIA_STORE_ERROR (lia_store_error_quark ())

/**
 * LiaStoreError:
 * @LIA_STORE_ERROR_FAILED: an I/O or database failure with no more specific code
 * @LIA_STORE_ERROR_NOT_FOUND: the directory holds no store
 * @LIA_STORE_ERROR_EXISTS: the directory already holds a store
 * @LIA_STORE_ERROR_WRONG_PASSPHRASE: the passphrase does not unlock this store
 * @LIA_STORE_ERROR_EMPTY_PASSPHRASE: an empty passphrase was given for a new key
 * @LIA_STORE_ERROR_KEY_FILE_MISSING: the database is there but its key file is not
 * @LIA_STORE_ERROR_KEY_FILE_DAMAGED: the key file is truncated or corrupt
 * @LIA_STORE_ERROR_KEY_FILE_VERSION: the key file has a version this program does not know
 * @LIA_STORE_ERROR_TAMPERED: a page failed authentication: damaged or tampered with
 * @LIA_STORE_ERROR_CORRUPT: the database authenticates but SQLite finds it inconsistent
 * @LIA_STORE_ERROR_NO_SPACE: the disk (or the file size limit) is full
 * @LIA_STORE_ERROR_NOT_WRITABLE: the store directory or its files cannot be written
 * @LIA_STORE_ERROR_LOCKED: the operation needs an unlocked store
 * @LIA_STORE_ERROR_TOO_NEW: the store was written by a newer version of Liaison
 * @LIA_STORE_ERROR_INVALID: an argument is not acceptable (an empty name, say)
 *
 * Cancellation is reported as G_IO_ERROR_CANCELLED, as everywhere in GIO.
 */
typedef enum
{
  LIA_STORE_ERROR_FAILED,
  LIA_STORE_ERROR_NOT_FOUND,
  LIA_STORE_ERROR_EXISTS,
  LIA_STORE_ERROR_WRONG_PASSPHRASE,
  LIA_STORE_ERROR_EMPTY_PASSPHRASE,
  LIA_STORE_ERROR_KEY_FILE_MISSING,
  LIA_STORE_ERROR_KEY_FILE_DAMAGED,
  LIA_STORE_ERROR_KEY_FILE_VERSION,
  LIA_STORE_ERROR_TAMPERED,
  LIA_STORE_ERROR_CORRUPT,
  LIA_STORE_ERROR_NO_SPACE,
  LIA_STORE_ERROR_NOT_WRITABLE,
  LIA_STORE_ERROR_LOCKED,
  LIA_STORE_ERROR_TOO_NEW,
  LIA_STORE_ERROR_INVALID,
} LiaStoreError;

GQuark lia_store_error_quark (void);

/* Names of the files inside a store directory. */
#define LIA_STORE_DB_NAME  "liaison.db"
#define LIA_STORE_KEY_NAME "liaison.key"

#define LIA_TYPE_STORE (lia_store_get_type ())
G_DECLARE_FINAL_TYPE (LiaStore, lia_store, LIA, STORE, GObject)

LiaStore   *lia_store_new (const char *directory);

const char *lia_store_get_directory (LiaStore *self);
gboolean    lia_store_exists (LiaStore *self);
gboolean    lia_store_is_locked (LiaStore *self);

gboolean    lia_store_create (LiaStore     *self,
                              const char   *org_name,
                              LiaOrgKind    kind,
                              const char   *passphrase,
                              GCancellable *cancellable,
                              GError      **error);
void        lia_store_create_async (LiaStore           *self,
                                    const char         *org_name,
                                    LiaOrgKind          kind,
                                    const char         *passphrase,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
gboolean    lia_store_create_finish (LiaStore     *self,
                                     GAsyncResult *result,
                                     GError      **error);

/* Creates a new store, like lia_store_create(), that holds the identity in
 * the identity backup @backup_path (see lia_store_export_identity()): the
 * same name, kind and keys, and so the same fingerprint, and the retired
 * keys. The backup is opened with @backup_passphrase; the new store is
 * protected by @passphrase. A damaged backup (LIA_BACKUP_ERROR_DAMAGED), one
 * of a newer version (_VERSION) or a wrong backup passphrase
 * (_WRONG_PASSPHRASE) leaves nothing behind; so does a directory that
 * already holds a store (LIA_STORE_ERROR_EXISTS), which is left as it
 * was. */
gboolean    lia_store_create_from_backup (LiaStore     *self,
                                          const char   *backup_path,
                                          const char   *backup_passphrase,
                                          const char   *passphrase,
                                          GCancellable *cancellable,
                                          GError      **error);
void        lia_store_create_from_backup_async (LiaStore           *self,
                                                const char         *backup_path,
                                                const char         *backup_passphrase,
                                                const char         *passphrase,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
gboolean    lia_store_create_from_backup_finish (LiaStore     *self,
                                                 GAsyncResult *result,
                                                 GError      **error);

gboolean    lia_store_unlock (LiaStore     *self,
                              const char   *passphrase,
                              GCancellable *cancellable,
                              GError      **error);
void        lia_store_unlock_async (LiaStore           *self,
                                    const char         *passphrase,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
gboolean    lia_store_unlock_finish (LiaStore     *self,
                                     GAsyncResult *result,
                                     GError      **error);

/* lia_store_new() followed by lia_store_unlock(). */
LiaStore   *lia_store_open (const char   *directory,
                            const char   *passphrase,
                            GCancellable *cancellable,
                            GError      **error);
void        lia_store_open_async (const char         *directory,
                                  const char         *passphrase,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data);
LiaStore   *lia_store_open_finish (GAsyncResult *result,
                                   GError      **error);

void        lia_store_lock (LiaStore *self);

/* Rewraps the master key under @new_passphrase; the database is untouched.
 * Works whether the store is locked or not, and always asks for the old
 * passphrase. */
gboolean    lia_store_change_passphrase (LiaStore     *self,
                                         const char   *old_passphrase,
                                         const char   *new_passphrase,
                                         GCancellable *cancellable,
                                         GError      **error);
void        lia_store_change_passphrase_async (LiaStore           *self,
                                               const char         *old_passphrase,
                                               const char         *new_passphrase,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
gboolean    lia_store_change_passphrase_finish (LiaStore     *self,
                                                GAsyncResult *result,
                                                GError      **error);

/* Authenticates every page of the database and of its WAL, then runs
 * SQLite's integrity check. On failure the error names the page. The number
 * of pages authenticated is returned in @out_pages when not NULL. */
gboolean    lia_store_check (LiaStore *self,
                             guint64  *out_pages,
                             GError  **error);

/* Writes the organisation's identity (name, kind, every key pair and the
 * retired X25519 keys) to @path as an identity backup sealed under
 * @backup_passphrase, which must not be empty
 * (LIA_BACKUP_ERROR_EMPTY_PASSPHRASE) and need have nothing to do with the
 * store's. Argon2id with the store's limits makes this slow. The file is
 * written atomically with mode 0600; an existing file is left alone
 * (LIA_STORE_ERROR_EXISTS) unless @replace. Needs an unlocked store. */
gboolean    lia_store_export_identity (LiaStore     *self,
                                       const char   *path,
                                       const char   *backup_passphrase,
                                       gboolean      replace,
                                       GCancellable *cancellable,
                                       GError      **error);
void        lia_store_export_identity_async (LiaStore           *self,
                                             const char         *path,
                                             const char         *backup_passphrase,
                                             gboolean            replace,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
gboolean    lia_store_export_identity_finish (LiaStore     *self,
                                              GAsyncResult *result,
                                              GError      **error);

/**
 * LiaOrgPublicKeys:
 * @identity: the Ed25519 identity public key
 * @box: the X25519 public key that envelopes are wrapped for
 * @box_signature: the identity key's binding signature of @box
 * @curve: the Curve25519 public key of the transport (ZeroMQ CURVE)
 * @curve_signature: the identity key's binding signature of @curve
 *
 * What peers need to know of this organisation's keys. A binding signature
 * is lia_key_binding_sign()'s (lia-invite.h): Ed25519 over the 22 bytes
 * "liaison key binding v1", one byte for the key's use (1 for @box, 2 for
 * @curve) and the 32 bytes of the key.
 */
typedef struct
{
  guint8 identity[32];
  guint8 box[32];
  guint8 box_signature[64];
  guint8 curve[32];
  guint8 curve_signature[64];
} LiaOrgPublicKeys;

/* Copies the organisation's current public keys and their binding
 * signatures into @out_keys; valid while unlocked. */
void        lia_store_get_public_keys (LiaStore         *self,
                                       LiaOrgPublicKeys *out_keys);

/* A second handle on this unlocked store, for one other thread (the sync
 * engine's): a LiaStore of its own, already unlocked, with its own
 * database connection and its own copies of the identity and the secret
 * keys (in LiaSecret memory), so that every function that takes a
 * LiaStore works on it from that thread while the original is used from
 * its own. A commit through either is seen by the other at its next
 * transaction. It does not follow the original: it keeps the keys it was
 * made with (make a new one after lia_store_rotate_keys()), and it is to be
 * locked or dropped before the original is locked, whose lock makes every
 * read and write through it fail. Locking the sibling leaves the original
 * as it was. */
LiaStore   *lia_store_open_sibling (LiaStore *self,
                                    GError  **error);

/* Replaces the X25519 key pair for envelopes and the CURVE key pair with new
 * ones, bound by new signatures of the identity key, which stays as it was
 * (and so does the fingerprint). The old X25519 key pair is kept among the
 * retired keys, so that envelopes sealed for it can still be opened. All in
 * one transaction: on failure nothing has changed. The new public keys go
 * to @out_keys when it is not NULL. Telling peers is up to the sync layer.
 * Needs an unlocked store. */
gboolean    lia_store_rotate_keys (LiaStore         *self,
                                   LiaOrgPublicKeys *out_keys,
                                   GError          **error);

/* A small setting of the store by name (at most 64 bytes), as text of at
 * most 4096 bytes: NULL without an error if it was never set. Setting
 * NULL removes it. Kept inside the encrypted database. */
char       *lia_store_dup_setting (LiaStore   *self,
                                   const char *name,
                                   GError    **error);
gboolean    lia_store_set_setting (LiaStore   *self,
                                   const char *name,
                                   const char *value,
                                   GError    **error);

/* The organisation's identity; valid while unlocked. The GBytes are
 * borrowed, and those of the X25519 and CURVE keys only until the keys are
 * rotated. */
const char *lia_store_get_org_name (LiaStore *self);
LiaOrgKind  lia_store_get_org_kind (LiaStore *self);
/* Ed25519 identity public key, 32 bytes. */
GBytes     *lia_store_get_identity_public_key (LiaStore *self);
/* X25519 public key for envelopes, 32 bytes. */
GBytes     *lia_store_get_box_public_key (LiaStore *self);
/* Curve25519 public key for ZeroMQ CURVE, 32 bytes. */
GBytes     *lia_store_get_curve_public_key (LiaStore *self);
/* "XXXX XXXX ..." of the identity key; see lia_identity_fingerprint(). */
char       *lia_store_dup_fingerprint (LiaStore *self);

/* A file written a piece at a time (a fetched attachment, an exported
 * bundle or CSV) that appears under its name whole or not at all:
 * lia_atomic_file_new() makes a temporary file beside @path (or fails with
 * LIA_STORE_ERROR_EXISTS unless @replace), each _write() appends to it,
 * _commit() syncs it and renames it into place, and _free() removes it
 * unless it was committed. _get_stream() is the same file as a
 * GOutputStream, owned by @self, for writers that take one; it is valid
 * until _commit() or _free(). */
typedef struct _LiaAtomicFile LiaAtomicFile;

LiaAtomicFile *lia_atomic_file_new (const char *path,
                                    gboolean    replace,
                                    const char *what,
                                    GError    **error);
gboolean       lia_atomic_file_write (LiaAtomicFile *self,
                                      const guint8  *data,
                                      gsize          len,
                                      GError       **error);
GOutputStream *lia_atomic_file_get_stream (LiaAtomicFile *self);
gboolean       lia_atomic_file_commit (LiaAtomicFile *self,
                                       GError       **error);
void           lia_atomic_file_free (LiaAtomicFile *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaAtomicFile, lia_atomic_file_free)

G_END_DECLS
