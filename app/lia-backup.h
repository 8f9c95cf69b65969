/* lia-backup.h: an organisation's identity in full, and its backup file.
 *
 * A LiaOrgIdentity is everything that makes a store this organisation's
 * rather than another's: its name and kind, its key pairs and the X25519
 * key pairs it has retired. lia_store_create() makes a fresh one;
 * lia_store_export_identity() writes one out as an identity backup, sealed
 * under a passphrase of its own, and lia_store_create_from_backup() makes a
 * new store from such a backup, with the same fingerprint.
 *
 * The decoders treat their input as hostile: every length is bounded before
 * it is used, and what they return has been checked through (each secret key
 * belongs with its public key, the name and kind are valid). The format is
 * described at the top of lia-backup.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "lia-crypto.h"
#include "lia-identity.h"
#include "lia-invite.h"

G_BEGIN_DECLS

#define LIA_BACKUP_ERROR (lia_backup_error_quark ())

/**
 * LiaBackupError:
 * @LIA_BACKUP_ERROR_DAMAGED: not an identity backup, or truncated, altered or malformed
 * @LIA_BACKUP_ERROR_VERSION: a backup of a version this program does not know
 * @LIA_BACKUP_ERROR_WRONG_PASSPHRASE: the backup passphrase does not open this backup
 * @LIA_BACKUP_ERROR_EMPTY_PASSPHRASE: an empty backup passphrase was given for a new backup
 *
 * Reading and writing the file itself fail with LIA_STORE_ERROR codes
 * (NO_SPACE, EXISTS, NOT_WRITABLE, FAILED), as the store's own files do.
 */
typedef enum
{
  LIA_BACKUP_ERROR_DAMAGED,
  LIA_BACKUP_ERROR_VERSION,
  LIA_BACKUP_ERROR_WRONG_PASSPHRASE,
  LIA_BACKUP_ERROR_EMPTY_PASSPHRASE,
} LiaBackupError;

GQuark lia_backup_error_quark (void);

#define LIA_BACKUP_VERSION        1
/* An organisation that rotates its keys every week for twenty years stays
 * well within this. */
#define LIA_BACKUP_MAX_RETIRED    1024
/* The largest backup that can be valid (the longest name, the most
 * retired keys), in bytes; a bigger file is refused unread. */
#define LIA_BACKUP_MAX_SIZE       (128u * 1024u)

/* LIA_KEY_BYTES and LIA_SIGNATURE_BYTES come from lia-invite.h. */
#define LIA_SIGN_SECRET_BYTES     64

/* An X25519 key pair this organisation no longer publishes, kept so that
 * envelopes sealed for it before every peer heard of the new one can still
 * be opened. */
typedef struct
{
  guint8     box_public[LIA_KEY_BYTES];
  LiaSecret *box_secret;  /* owned, 32 bytes */
  gint64     retired_at;  /* Unix seconds */
} LiaRetiredBoxKey;

LiaRetiredBoxKey *lia_retired_box_key_new (const guint8 *box_public,
                                           LiaSecret    *box_secret,
                                           gint64        retired_at);
void              lia_retired_box_key_free (LiaRetiredBoxKey *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaRetiredBoxKey, lia_retired_box_key_free)

typedef struct
{
  char       *org_name;                          /* owned */
  LiaOrgKind  org_kind;
  gint64      created_at;                        /* Unix seconds */
  guint8      sign_public[LIA_KEY_BYTES];
  LiaSecret  *sign_secret;                       /* owned, Ed25519 (seed and public key), 64 bytes */
  guint8      box_public[LIA_KEY_BYTES];
  LiaSecret  *box_secret;                        /* owned, X25519 for envelopes, 32 bytes */
  guint8      curve_public[LIA_KEY_BYTES];
  LiaSecret  *curve_secret;                      /* owned, Curve25519 for ZeroMQ, 32 bytes */
  GPtrArray  *retired;                           /* owned, of LiaRetiredBoxKey, newest first */
} LiaOrgIdentity;

/* An empty identity, with no keys and no retired keys, for the caller to
 * fill in. */
LiaOrgIdentity *lia_org_identity_new (void);
/* A new identity with fresh key pairs, created now. */
LiaOrgIdentity *lia_org_identity_generate (const char *org_name,
                                           LiaOrgKind  kind);
void            lia_org_identity_free (LiaOrgIdentity *identity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaOrgIdentity, lia_org_identity_free)

/* Checks @identity through: a valid name and kind, plausible dates, every
 * key present, each secret key the one of its public key, and no X25519
 * public key twice. Fails with LIA_BACKUP_ERROR_DAMAGED. */
gboolean        lia_org_identity_check (const LiaOrgIdentity *identity,
                                        GError              **error);

/* Seals @identity as a backup file under @passphrase: Argon2id with a fresh
 * salt and the store's limits (lia_keyfile_get_limits()), then
 * XChaCha20-Poly1305. */
GBytes         *lia_backup_seal (const LiaOrgIdentity *identity,
                                 const LiaSecret      *passphrase,
                                 GError              **error);

/* Checks a backup file's framing without the passphrase: magic, version,
 * length, checksum, key-derivation method and limits. Cheap; lets a caller
 * refuse a damaged file before it asks for anything. */
gboolean        lia_backup_check_header (const guint8 *data,
                                         gsize         len,
                                         GError      **error);

/* Opens a backup file: the header is checked, the key derived, the
 * contents authenticated, decoded and checked through. */
LiaOrgIdentity *lia_backup_open (const guint8    *data,
                                 gsize            len,
                                 const LiaSecret *passphrase,
                                 GError         **error);

/* Reads a file of at most LIA_BACKUP_MAX_SIZE bytes. */
GBytes         *lia_backup_load_file (const char *path,
                                      GError    **error);

/* The two layers on their own, for the tests and the fuzz target: the
 * plaintext that lia_backup_seal() encrypts, and its decoder, which checks
 * what it decodes with lia_org_identity_check(). */
LiaSecret      *lia_backup_encode_payload (const LiaOrgIdentity *identity);
LiaOrgIdentity *lia_backup_decode_payload (const guint8 *data,
                                           gsize         len,
                                           GError      **error);

G_END_DECLS
