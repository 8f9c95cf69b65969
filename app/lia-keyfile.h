/* lia-keyfile.h: the store's key file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "lia-crypto.h"

G_BEGIN_DECLS

#define LIA_KEYFILE_VERSION     1
#define LIA_KEYFILE_SIZE        152
#define LIA_MASTER_KEY_BYTES    32
#define LIA_DB_SALT_BYTES       16
#define LIA_PWHASH_SALT_BYTES   16

/* The Argon2id limits that the shipped program uses for every new key file;
 * see the comment in lia-keyfile.c for why these. */
#define LIA_KDF_OPSLIMIT        3
#define LIA_KDF_MEMLIMIT        (128u * 1024u * 1024u)

/* The limits accepted when read from a file: a file that asks for terabytes
 * of memory is damaged, not a reason to try. */
#define LIA_KDF_MIN_OPSLIMIT    1
#define LIA_KDF_MAX_OPSLIMIT    64
#define LIA_KDF_MIN_MEMLIMIT    (8u * 1024u)
#define LIA_KDF_MAX_MEMLIMIT    (4ull * 1024u * 1024u * 1024u)

typedef struct
{
  guint64 opslimit;
  guint64 memlimit;
  guint8  pwhash_salt[LIA_PWHASH_SALT_BYTES];
  guint8  db_salt[LIA_DB_SALT_BYTES];
  guint8  nonce[24];
  guint8  wrapped_key[LIA_MASTER_KEY_BYTES + 16];
} LiaKeyFile;

/* Parses a key file's bytes; the error says whether it is damaged or of an
 * unknown version. */
gboolean   lia_keyfile_parse (const guint8 *data,
                              gsize         len,
                              LiaKeyFile   *out,
                              GError      **error);
void       lia_keyfile_serialize (const LiaKeyFile *keyfile,
                                  guint8            out[LIA_KEYFILE_SIZE]);

gboolean   lia_keyfile_load (const char *path,
                             LiaKeyFile *out,
                             GError    **error);
/* Writes atomically: a temporary file beside @path, fsync, rename, fsync of
 * the directory. Mode 0600. */
gboolean   lia_keyfile_save (const char       *path,
                             const LiaKeyFile *keyfile,
                             GError          **error);

/* Fills in fresh salts (the database salt only when @new_db_salt) and the
 * current limits, then wraps @master_key under a key derived from
 * @passphrase. */
gboolean   lia_keyfile_wrap (LiaKeyFile      *keyfile,
                             gboolean         new_db_salt,
                             const LiaSecret *passphrase,
                             const LiaSecret *master_key,
                             GError         **error);
/* Returns the master key, or NULL and LIA_STORE_ERROR_WRONG_PASSPHRASE. */
LiaSecret *lia_keyfile_unwrap (const LiaKeyFile *keyfile,
                               const LiaSecret  *passphrase,
                               GError          **error);

/* The Argon2id limits that new key files (and identity backups) get:
 * LIA_KDF_OPSLIMIT and LIA_KDF_MEMLIMIT, unless a test program has set
 * others. */
void       lia_keyfile_get_limits (guint64 *out_opslimit,
                                   guint64 *out_memlimit);

/* Derives a 32-byte key from @passphrase with Argon2id and the given salt
 * and limits; fails (LIA_STORE_ERROR_FAILED) only when the system cannot
 * provide the memory. */
LiaSecret *lia_keyfile_derive_key (const LiaSecret *passphrase,
                                   const guint8    *salt,
                                   guint64          opslimit,
                                   guint64          memlimit,
                                   GError         **error);

/* For the test programs only (nothing that ships calls it): cheaper Argon2id limits for new key files, so that test
 * suites which create many stores stay quick. Limits already recorded in a
 * key file are always the ones used to open it. */
void       lia_keyfile_set_limits_for_testing (guint64 opslimit,
                                               guint64 memlimit);

G_END_DECLS
