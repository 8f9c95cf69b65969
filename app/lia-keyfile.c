/* lia-keyfile.c: the store's key file.
 *
 * The key file is the only part of a store that the passphrase touches. It
 * holds the store's random master key, wrapped (XChaCha20-Poly1305) under a
 * key-encryption key that Argon2id derives from the passphrase, and the
 * per-database salt that every page binds as associated data. Changing the
 * passphrase rewrites this file and nothing else.
 *
 * Layout, all integers little-endian, 152 bytes:
 *
 *   0   8  magic "LIAISONK"
 *   8   2  version (1)
 *  10   2  key-derivation algorithm (1: Argon2id v1.3)
 *  12   4  reserved, zero
 *  16   8  Argon2id opslimit
 *  24   8  Argon2id memlimit in bytes
 *  32  16  Argon2id salt
 *  48  16  database salt
 *  64  24  nonce of the wrapped key
 *  88  48  wrapped master key (32 bytes and a 16-byte tag); bytes 0-63 are
 *          its associated data, so no field above can be changed unnoticed
 * 136  16  BLAKE2b-128 of bytes 0-135
 *
 * The trailing hash is not a defence (anyone can recompute it); it tells an
 * accidentally damaged file apart from a wrong passphrase, which the tag
 * alone cannot.
 *
 * Argon2id limits: opslimit 3 and 128 MiB. On the 2-core machines this
 * project is built on that costs about 0.2 s, and a few times that on an
 * older laptop: quick enough for an unlock screen, while each guess costs an
 * attacker the same 128 MiB of memory. (libsodium's own "moderate" preset,
 * 256 MiB, takes 0.6 s here and would not fit the memory budget of a store
 * that must run beside a desktop session.)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include <gio/gio.h>

#include "lia-keyfile.h"
#include "lia-store-private.h"

#define MAGIC            "LIAISONK"
#define MAGIC_LEN        8
#define KDF_ARGON2ID13   1
#define AD_LEN           64
#define CHECKSUM_OFFSET  136
#define CHECKSUM_LEN     16

static guint64 kdf_opslimit = LIA_KDF_OPSLIMIT;
static guint64 kdf_memlimit = LIA_KDF_MEMLIMIT;

void
lia_keyfile_set_limits_for_testing (guint64 opslimit,
                                    guint64 memlimit)
{
  kdf_opslimit = opslimit;
  kdf_memlimit = memlimit;
}

void
lia_keyfile_get_limits (guint64 *out_opslimit,
                        guint64 *out_memlimit)
{
  *out_opslimit = kdf_opslimit;
  *out_memlimit = kdf_memlimit;
}

static void
put_le16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static void
put_le64 (guint8 *p, guint64 v)
{
  for (guint i = 0; i < 8; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

static guint16
get_le16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static guint32
get_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static guint64
get_le64 (const guint8 *p)
{
  guint64 v = 0;

  for (guint i = 0; i < 8; i++)
    v |= (guint64) p[i] << (8 * i);
  return v;
}

void
lia_keyfile_serialize (const LiaKeyFile *keyfile,
                       guint8            out[LIA_KEYFILE_SIZE])
{
  memset (out, 0, LIA_KEYFILE_SIZE);
  memcpy (out, MAGIC, MAGIC_LEN);
  put_le16 (out + 8, LIA_KEYFILE_VERSION);
  put_le16 (out + 10, KDF_ARGON2ID13);
  put_le64 (out + 16, keyfile->opslimit);
  put_le64 (out + 24, keyfile->memlimit);
  memcpy (out + 32, keyfile->pwhash_salt, LIA_PWHASH_SALT_BYTES);
  memcpy (out + 48, keyfile->db_salt, LIA_DB_SALT_BYTES);
  memcpy (out + 64, keyfile->nonce, sizeof keyfile->nonce);
  memcpy (out + 88, keyfile->wrapped_key, sizeof keyfile->wrapped_key);
  crypto_generichash (out + CHECKSUM_OFFSET, CHECKSUM_LEN, out, CHECKSUM_OFFSET, NULL, 0);
}

gboolean
lia_keyfile_parse (const guint8 *data,
                   gsize         len,
                   LiaKeyFile   *out,
                   GError      **error)
{
  guint8 checksum[CHECKSUM_LEN];
  guint16 version;

  lia_crypto_init ();

  if (len < 12 || memcmp (data, MAGIC, MAGIC_LEN) != 0)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_DAMAGED,
                   "The key file is not a Liaison key file (%" G_GSIZE_FORMAT " bytes, "
                   "without the expected header); restore it from a backup",
                   len);
      return FALSE;
    }

  version = get_le16 (data + 8);
  if (version != LIA_KEYFILE_VERSION)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_VERSION,
                   "The key file has version %u, which this version of Liaison does not "
                   "know (it knows version %u); use the version of Liaison that wrote it",
                   version, LIA_KEYFILE_VERSION);
      return FALSE;
    }

  if (len != LIA_KEYFILE_SIZE)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_DAMAGED,
                   "The key file is %" G_GSIZE_FORMAT " bytes long instead of %u: it has been "
                   "truncated or damaged; restore it from a backup",
                   len, LIA_KEYFILE_SIZE);
      return FALSE;
    }

  crypto_generichash (checksum, sizeof checksum, data, CHECKSUM_OFFSET, NULL, 0);
  if (sodium_memcmp (checksum, data + CHECKSUM_OFFSET, CHECKSUM_LEN) != 0)
    {
      g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_DAMAGED,
                           "The key file is damaged (its checksum does not match); "
                           "restore it from a backup");
      return FALSE;
    }

  if (get_le16 (data + 10) != KDF_ARGON2ID13 || get_le32 (data + 12) != 0)
    {
      g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_DAMAGED,
                           "The key file names a key-derivation method this version of "
                           "Liaison does not know");
      return FALSE;
    }

  out->opslimit = get_le64 (data + 16);
  out->memlimit = get_le64 (data + 24);
  if (out->opslimit < LIA_KDF_MIN_OPSLIMIT || out->opslimit > LIA_KDF_MAX_OPSLIMIT
      || out->memlimit < LIA_KDF_MIN_MEMLIMIT || out->memlimit > LIA_KDF_MAX_MEMLIMIT)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_DAMAGED,
                   "The key file asks for key-derivation limits outside the accepted range "
                   "(%" G_GUINT64_FORMAT " passes, %" G_GUINT64_FORMAT " bytes)",
                   out->opslimit, out->memlimit);
      return FALSE;
    }
  memcpy (out->pwhash_salt, data + 32, LIA_PWHASH_SALT_BYTES);
  memcpy (out->db_salt, data + 48, LIA_DB_SALT_BYTES);
  memcpy (out->nonce, data + 64, sizeof out->nonce);
  memcpy (out->wrapped_key, data + 88, sizeof out->wrapped_key);
  return TRUE;
}

gboolean
lia_keyfile_load (const char *path,
                  LiaKeyFile *out,
                  GError    **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_MISSING,
                     "The key file %s is missing; without it the store cannot be opened. "
                     "Restore it from a backup",
                     path);
      else
        g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_FAILED,
                     "Could not read the key file: %s", local_error->message);
      return FALSE;
    }
  return lia_keyfile_parse ((const guint8 *) contents, len, out, error);
}

gboolean
lia_keyfile_save (const char       *path,
                  const LiaKeyFile *keyfile,
                  GError          **error)
{
  guint8 bytes[LIA_KEYFILE_SIZE];

  lia_keyfile_serialize (keyfile, bytes);
  return lia_store_write_file (path, bytes, sizeof bytes, TRUE, "the key file", error);
}

LiaSecret *
lia_keyfile_derive_key (const LiaSecret *passphrase,
                        const guint8    *salt,
                        guint64          opslimit,
                        guint64          memlimit,
                        GError         **error)
{
  g_autoptr (LiaSecret) key = lia_secret_new (crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

  G_STATIC_ASSERT (LIA_PWHASH_SALT_BYTES == crypto_pwhash_SALTBYTES);

  lia_crypto_init ();
  if (crypto_pwhash (key->data, key->len, (const char *) passphrase->data, passphrase->len, salt,
                     opslimit, (size_t) memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_FAILED,
                   "Key derivation needs %" G_GUINT64_FORMAT " MiB of memory, which the "
                   "system did not provide",
                   memlimit / (1024 * 1024));
      return NULL;
    }
  return g_steal_pointer (&key);
}

/* Derives the key-encryption key from @passphrase with @keyfile's limits. */
static LiaSecret *
derive_kek (const LiaKeyFile *keyfile,
            const LiaSecret  *passphrase,
            GError          **error)
{
  return lia_keyfile_derive_key (passphrase, keyfile->pwhash_salt, keyfile->opslimit,
                                 keyfile->memlimit, error);
}

gboolean
lia_keyfile_wrap (LiaKeyFile      *keyfile,
                  gboolean         new_db_salt,
                  const LiaSecret *passphrase,
                  const LiaSecret *master_key,
                  GError         **error)
{
  g_autoptr (LiaSecret) kek = NULL;
  guint8 header[LIA_KEYFILE_SIZE];

  g_return_val_if_fail (master_key->len == LIA_MASTER_KEY_BYTES, FALSE);

  lia_crypto_init ();

  if (passphrase->len == 0)
    {
      g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EMPTY_PASSPHRASE,
                           "The passphrase is empty; choose a passphrase to protect the store");
      return FALSE;
    }

  keyfile->opslimit = kdf_opslimit;
  keyfile->memlimit = kdf_memlimit;
  randombytes_buf (keyfile->pwhash_salt, sizeof keyfile->pwhash_salt);
  if (new_db_salt)
    randombytes_buf (keyfile->db_salt, sizeof keyfile->db_salt);
  randombytes_buf (keyfile->nonce, sizeof keyfile->nonce);

  kek = derive_kek (keyfile, passphrase, error);
  if (kek == NULL)
    return FALSE;

  /* The associated data is the serialised header, so the wrapped key is
   * bound to the limits, salts and version it was written with. */
  lia_keyfile_serialize (keyfile, header);
  crypto_aead_xchacha20poly1305_ietf_encrypt (keyfile->wrapped_key, NULL,
                                              master_key->data, master_key->len,
                                              header, AD_LEN, NULL, keyfile->nonce, kek->data);
  return TRUE;
}

LiaSecret *
lia_keyfile_unwrap (const LiaKeyFile *keyfile,
                    const LiaSecret  *passphrase,
                    GError          **error)
{
  g_autoptr (LiaSecret) kek = NULL;
  g_autoptr (LiaSecret) master = lia_secret_new (LIA_MASTER_KEY_BYTES);
  guint8 header[LIA_KEYFILE_SIZE];

  lia_crypto_init ();

  kek = derive_kek (keyfile, passphrase, error);
  if (kek == NULL)
    return NULL;

  lia_keyfile_serialize (keyfile, header);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt (master->data, NULL, NULL,
                                                  keyfile->wrapped_key, sizeof keyfile->wrapped_key,
                                                  header, AD_LEN, keyfile->nonce, kek->data) != 0)
    {
      g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_WRONG_PASSPHRASE,
                           "The passphrase is not correct for this store");
      return NULL;
    }
  return g_steal_pointer (&master);
}
