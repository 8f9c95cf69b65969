/* lia-backup.c: an organisation's identity in full, and its backup file.
 *
 * An identity backup is the organisation's keys sealed under a passphrase of
 * its own, separate from the store's: Argon2id (with the store's limits; see
 * lia-keyfile.c) derives a key from it, which seals the contents with
 * XChaCha20-Poly1305. The header is the associated data, so no field of it
 * can be changed unnoticed either.
 *
 * Layout, all integers little-endian:
 *
 *   0   8  magic "LIAISONB"
 *   8   2  version (1)
 *  10   2  key-derivation algorithm (1: Argon2id v1.3)
 *  12   4  reserved, zero
 *  16   8  Argon2id opslimit
 *  24   8  Argon2id memlimit in bytes
 *  32  16  Argon2id salt, fresh for every backup
 *  48  24  nonce
 *  72   4  length L of the sealed contents (the contents and a 16-byte tag)
 *  76   L  the sealed contents; bytes 0-75 are their associated data
 *  76+L 16 BLAKE2b-128 of everything before it
 *
 * As in the key file, the trailing hash is no defence (anyone can recompute
 * it); it tells a damaged file apart from a wrong passphrase.
 *
 * The contents, once opened:
 *
 *   2  length N of the organisation's name in bytes (1 to 800)
 *   N  the name, UTF-8
 *   1  length K of the kind's name (1 to 32)
 *   K  the kind: "local-authority", "icb", "police", "iopc" or "agency"
 *   8  when the identity was created, Unix seconds
 *  32  Ed25519 identity public key
 *  64  Ed25519 secret key (libsodium's form: the 32-byte seed, then the public key)
 *  32  X25519 public key for envelopes
 *  32  its secret key
 *  32  Curve25519 public key for the transport (ZeroMQ CURVE)
 *  32  its secret key
 *   2  number M of retired X25519 keys (0 to 1024)
 *   M  times: 32 public key, 32 secret key, 8 when it was retired (Unix seconds)
 *
 * and nothing after. The binding signatures of the X25519 and CURVE keys
 * are not stored: Ed25519 signatures are deterministic, so the store that
 * restores the backup makes the very same ones again.
 *
 * A hand-written fixed layout rather than GVariant: GVariant copies what it
 * is built from and what is read out of it into ordinary heap memory, and
 * the contents here are secret keys, which must only ever sit in LiaSecret
 * memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "lia-backup.h"
#include "lia-keyfile.h"
#include "lia-store.h"

G_DEFINE_QUARK (lia-backup-error-quark, lia_backup_error)

#define MAGIC            "LIAISONB"
#define MAGIC_LEN        8
#define KDF_ARGON2ID13   1
#define HEADER_LEN       76
#define LENGTH_OFFSET    72
#define CHECKSUM_LEN     16
#define TAG_LEN          crypto_aead_xchacha20poly1305_ietf_ABYTES

#define MAX_KIND_BYTES   32
/* 9999-12-31T23:59:59Z: a later date is damage, not a date. */
#define MAX_TIME         G_GINT64_CONSTANT (253402300799)

/* The contents after the name and kind: created_at, the three key pairs and
 * the count of retired keys. */
#define FIXED_LEN        (8 + LIA_KEY_BYTES + LIA_SIGN_SECRET_BYTES + 4 * LIA_KEY_BYTES + 2)
#define RETIRED_LEN      (2 * LIA_KEY_BYTES + 8)
#define MIN_CONTENTS_LEN (2 + 1 + 1 + 1 + FIXED_LEN)
#define MAX_CONTENTS_LEN (2 + LIA_ORG_NAME_MAX_BYTES + 1 + MAX_KIND_BYTES + FIXED_LEN \
                          + LIA_BACKUP_MAX_RETIRED * RETIRED_LEN)

G_STATIC_ASSERT (HEADER_LEN + MAX_CONTENTS_LEN + TAG_LEN + CHECKSUM_LEN <= LIA_BACKUP_MAX_SIZE);
G_STATIC_ASSERT (LIA_SIGN_SECRET_BYTES == crypto_sign_SECRETKEYBYTES);
G_STATIC_ASSERT (LIA_KEY_BYTES == crypto_sign_PUBLICKEYBYTES);
G_STATIC_ASSERT (LIA_KEY_BYTES == crypto_box_SECRETKEYBYTES);
G_STATIC_ASSERT (LIA_KEY_BYTES == crypto_scalarmult_BYTES);
G_STATIC_ASSERT (LIA_PWHASH_SALT_BYTES == crypto_pwhash_SALTBYTES);

/* ---- integers ------------------------------------------------------------ */

static void
put_le16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static void
put_le32 (guint8 *p, guint32 v)
{
  for (guint i = 0; i < 4; i++)
    p[i] = (v >> (8 * i)) & 0xff;
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

/* ---- identities ---------------------------------------------------------- */

LiaRetiredBoxKey *
lia_retired_box_key_new (const guint8 *box_public,
                         LiaSecret    *box_secret,
                         gint64        retired_at)
{
  LiaRetiredBoxKey *key = g_new0 (LiaRetiredBoxKey, 1);

  memcpy (key->box_public, box_public, LIA_KEY_BYTES);
  key->box_secret = box_secret;
  key->retired_at = retired_at;
  return key;
}

void
lia_retired_box_key_free (LiaRetiredBoxKey *key)
{
  if (key == NULL)
    return;
  g_clear_pointer (&key->box_secret, lia_secret_free);
  g_free (key);
}

LiaOrgIdentity *
lia_org_identity_new (void)
{
  LiaOrgIdentity *identity = g_new0 (LiaOrgIdentity, 1);

  identity->retired = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_retired_box_key_free);
  return identity;
}

LiaOrgIdentity *
lia_org_identity_generate (const char *org_name,
                           LiaOrgKind  kind)
{
  LiaOrgIdentity *identity = lia_org_identity_new ();

  lia_crypto_init ();
  identity->org_name = g_strdup (org_name);
  identity->org_kind = kind;
  identity->created_at = g_get_real_time () / G_USEC_PER_SEC;
  identity->sign_secret = lia_secret_new (LIA_SIGN_SECRET_BYTES);
  identity->box_secret = lia_secret_new (LIA_KEY_BYTES);
  identity->curve_secret = lia_secret_new (LIA_KEY_BYTES);
  crypto_sign_keypair (identity->sign_public, identity->sign_secret->data);
  crypto_box_keypair (identity->box_public, identity->box_secret->data);
  crypto_box_keypair (identity->curve_public, identity->curve_secret->data);
  return identity;
}

void
lia_org_identity_free (LiaOrgIdentity *identity)
{
  if (identity == NULL)
    return;
  g_free (identity->org_name);
  g_clear_pointer (&identity->sign_secret, lia_secret_free);
  g_clear_pointer (&identity->box_secret, lia_secret_free);
  g_clear_pointer (&identity->curve_secret, lia_secret_free);
  g_clear_pointer (&identity->retired, g_ptr_array_unref);
  g_free (identity);
}

static gboolean
damaged (GError    **error,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
damaged (GError    **error,
         const char *format,
         ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_DAMAGED, message);
  return FALSE;
}

/* Whether @secret is the X25519 secret key of @public_key. */
static gboolean
x25519_pair_matches (const guint8    *public_key,
                     const LiaSecret *secret)
{
  guint8 derived[LIA_KEY_BYTES];

  if (secret == NULL || secret->len != LIA_KEY_BYTES)
    return FALSE;
  if (crypto_scalarmult_base (derived, secret->data) != 0)
    return FALSE;
  return sodium_memcmp (derived, public_key, LIA_KEY_BYTES) == 0;
}

/* Whether @secret is the Ed25519 secret key of @public_key: the key pair
 * made again from its seed must be @public_key and @secret exactly (the
 * secret key carries a copy of the public key, which must agree too). */
static gboolean
ed25519_pair_matches (const guint8    *public_key,
                      const LiaSecret *secret)
{
  g_autoptr (LiaSecret) seed = NULL;
  g_autoptr (LiaSecret) again = NULL;
  guint8 derived[LIA_KEY_BYTES];

  if (secret == NULL || secret->len != LIA_SIGN_SECRET_BYTES)
    return FALSE;
  seed = lia_secret_new (crypto_sign_SEEDBYTES);
  again = lia_secret_new (LIA_SIGN_SECRET_BYTES);
  crypto_sign_ed25519_sk_to_seed (seed->data, secret->data);
  crypto_sign_seed_keypair (derived, again->data, seed->data);
  return sodium_memcmp (derived, public_key, LIA_KEY_BYTES) == 0
         && sodium_memcmp (again->data, secret->data, LIA_SIGN_SECRET_BYTES) == 0;
}

static gboolean
time_is_plausible (gint64 t)
{
  return t >= 0 && t <= MAX_TIME;
}

gboolean
lia_org_identity_check (const LiaOrgIdentity *identity,
                        GError              **error)
{
  g_autoptr (GError) name_error = NULL;
  g_autoptr (GHashTable) seen = NULL;

  g_return_val_if_fail (identity != NULL, FALSE);
  lia_crypto_init ();

  if (!lia_org_name_check (identity->org_name, &name_error))
    return damaged (error, "The organisation's name in the identity backup is not acceptable: %s",
                    name_error->message);
  if ((guint) identity->org_kind > LIA_ORG_KIND_LAST)
    return damaged (error, "The identity backup names an unknown kind of organisation");
  if (!time_is_plausible (identity->created_at))
    return damaged (error, "The identity backup gives an impossible creation date");
  if (!ed25519_pair_matches (identity->sign_public, identity->sign_secret))
    return damaged (error, "The identity key in the identity backup does not match its "
                           "public key");
  if (!x25519_pair_matches (identity->box_public, identity->box_secret))
    return damaged (error, "The envelope key in the identity backup does not match its "
                           "public key");
  if (!x25519_pair_matches (identity->curve_public, identity->curve_secret))
    return damaged (error, "The transport key in the identity backup does not match its "
                           "public key");
  if (identity->retired->len > LIA_BACKUP_MAX_RETIRED)
    return damaged (error, "The identity backup holds %u retired keys; the limit is %u",
                    identity->retired->len, LIA_BACKUP_MAX_RETIRED);

  /* An X25519 key that is both current and retired, or retired twice,
   * would make two rows of the same key in the store. */
  seen = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref,
                                NULL);
  g_hash_table_add (seen, g_bytes_new (identity->box_public, LIA_KEY_BYTES));
  for (guint i = 0; i < identity->retired->len; i++)
    {
      const LiaRetiredBoxKey *key = identity->retired->pdata[i];
      GBytes *public_key = g_bytes_new (key->box_public, LIA_KEY_BYTES);

      if (!g_hash_table_add (seen, public_key))
        return damaged (error, "The identity backup holds retired key %u twice", i + 1);
      if (!x25519_pair_matches (key->box_public, key->box_secret))
        return damaged (error, "Retired key %u in the identity backup does not match its "
                               "public key", i + 1);
      if (!time_is_plausible (key->retired_at))
        return damaged (error, "Retired key %u in the identity backup has an impossible date",
                        i + 1);
    }
  return TRUE;
}

/* ---- the contents -------------------------------------------------------- */

LiaSecret *
lia_backup_encode_payload (const LiaOrgIdentity *identity)
{
  const char *kind = lia_org_kind_to_string (identity->org_kind);
  gsize name_len = strlen (identity->org_name);
  gsize kind_len = strlen (kind);
  g_autoptr (LiaSecret) out = NULL;
  guint8 *p;

  g_return_val_if_fail (name_len >= 1 && name_len <= LIA_ORG_NAME_MAX_BYTES, NULL);
  g_return_val_if_fail (identity->retired->len <= LIA_BACKUP_MAX_RETIRED, NULL);

  out = lia_secret_new (2 + name_len + 1 + kind_len + FIXED_LEN
                        + identity->retired->len * RETIRED_LEN);
  p = out->data;
  put_le16 (p, (guint16) name_len);
  memcpy (p + 2, identity->org_name, name_len);
  p += 2 + name_len;
  *p++ = (guint8) kind_len;
  memcpy (p, kind, kind_len);
  p += kind_len;
  put_le64 (p, (guint64) identity->created_at);
  p += 8;
  memcpy (p, identity->sign_public, LIA_KEY_BYTES);
  memcpy (p + 32, identity->sign_secret->data, LIA_SIGN_SECRET_BYTES);
  memcpy (p + 96, identity->box_public, LIA_KEY_BYTES);
  memcpy (p + 128, identity->box_secret->data, LIA_KEY_BYTES);
  memcpy (p + 160, identity->curve_public, LIA_KEY_BYTES);
  memcpy (p + 192, identity->curve_secret->data, LIA_KEY_BYTES);
  p += 224;
  put_le16 (p, (guint16) identity->retired->len);
  p += 2;
  for (guint i = 0; i < identity->retired->len; i++)
    {
      const LiaRetiredBoxKey *key = identity->retired->pdata[i];

      memcpy (p, key->box_public, LIA_KEY_BYTES);
      memcpy (p + 32, key->box_secret->data, LIA_KEY_BYTES);
      put_le64 (p + 64, (guint64) key->retired_at);
      p += RETIRED_LEN;
    }
  g_assert (p == out->data + out->len);
  return g_steal_pointer (&out);
}

/* A cursor over untrusted bytes: take() hands out the next @n bytes, or
 * NULL once the input is exhausted, and never reads past its end. */
typedef struct
{
  const guint8 *p;
  gsize         left;
} Reader;

static const guint8 *
take (Reader *reader,
      gsize   n)
{
  const guint8 *start = reader->p;

  if (n > reader->left)
    return NULL;
  reader->p += n;
  reader->left -= n;
  return start;
}

LiaOrgIdentity *
lia_backup_decode_payload (const guint8 *data,
                           gsize         len,
                           GError      **error)
{
  g_autoptr (LiaOrgIdentity) identity = lia_org_identity_new ();
  Reader reader = { data, len };
  const guint8 *p;
  char kind[MAX_KIND_BYTES + 1];
  gsize name_len, kind_len;
  guint n_retired;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len < MIN_CONTENTS_LEN || len > MAX_CONTENTS_LEN)
    {
      damaged (error, "The contents of the identity backup have an impossible length (%"
                      G_GSIZE_FORMAT " bytes)", len);
      return NULL;
    }

  p = take (&reader, 2);
  name_len = get_le16 (p);
  if (name_len < 1 || name_len > LIA_ORG_NAME_MAX_BYTES || (p = take (&reader, name_len)) == NULL)
    goto truncated;
  /* A NUL inside would cut the name short unnoticed. */
  if (memchr (p, '\0', name_len) != NULL)
    {
      damaged (error, "The organisation's name in the identity backup contains a NUL byte");
      return NULL;
    }
  identity->org_name = g_strndup ((const char *) p, name_len);

  if ((p = take (&reader, 1)) == NULL)
    goto truncated;
  kind_len = *p;
  if (kind_len < 1 || kind_len > MAX_KIND_BYTES || (p = take (&reader, kind_len)) == NULL)
    goto truncated;
  memcpy (kind, p, kind_len);
  kind[kind_len] = '\0';
  if (memchr (kind, '\0', kind_len) != NULL || !lia_org_kind_from_string (kind, &identity->org_kind))
    {
      damaged (error, "The identity backup names an unknown kind of organisation");
      return NULL;
    }

  if ((p = take (&reader, FIXED_LEN)) == NULL)
    goto truncated;
  identity->created_at = (gint64) get_le64 (p);
  memcpy (identity->sign_public, p + 8, LIA_KEY_BYTES);
  identity->sign_secret = lia_secret_new_from_data (p + 40, LIA_SIGN_SECRET_BYTES);
  memcpy (identity->box_public, p + 104, LIA_KEY_BYTES);
  identity->box_secret = lia_secret_new_from_data (p + 136, LIA_KEY_BYTES);
  memcpy (identity->curve_public, p + 168, LIA_KEY_BYTES);
  identity->curve_secret = lia_secret_new_from_data (p + 200, LIA_KEY_BYTES);
  n_retired = get_le16 (p + 232);
  if (n_retired > LIA_BACKUP_MAX_RETIRED)
    {
      damaged (error, "The identity backup says it holds %u retired keys; the limit is %u",
               n_retired, LIA_BACKUP_MAX_RETIRED);
      return NULL;
    }
  /* The count must account for every byte that is left, exactly. */
  if (reader.left != (gsize) n_retired * RETIRED_LEN)
    goto truncated;
  for (guint i = 0; i < n_retired; i++)
    {
      p = take (&reader, RETIRED_LEN);
      g_ptr_array_add (identity->retired,
                       lia_retired_box_key_new (p, lia_secret_new_from_data (p + 32, LIA_KEY_BYTES),
                                                (gint64) get_le64 (p + 64)));
    }
  g_assert (reader.left == 0);

  if (!lia_org_identity_check (identity, error))
    return NULL;
  return g_steal_pointer (&identity);

truncated:
  damaged (error, "The contents of the identity backup are malformed (a length does not match "
                  "what follows)");
  return NULL;
}

/* ---- the file ------------------------------------------------------------ */

typedef struct
{
  guint64       opslimit;
  guint64       memlimit;
  const guint8 *salt;
  const guint8 *nonce;
  gsize         sealed_len;
} Header;

static gboolean
parse_header (const guint8 *data,
              gsize         len,
              Header       *out,
              GError      **error)
{
  guint8 checksum[CHECKSUM_LEN];
  guint16 version;
  gsize sealed_len;

  lia_crypto_init ();

  if (len < 12 || memcmp (data, MAGIC, MAGIC_LEN) != 0)
    return damaged (error, "This is not a Liaison identity backup (%" G_GSIZE_FORMAT " bytes, "
                           "without the expected header)", len);

  version = get_le16 (data + 8);
  if (version > LIA_BACKUP_VERSION)
    {
      g_set_error (error, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_VERSION,
                   "The identity backup was written by a newer version of Liaison (format "
                   "version %u; this version reads version %u). Update Liaison to restore it",
                   version, LIA_BACKUP_VERSION);
      return FALSE;
    }
  if (version != LIA_BACKUP_VERSION)
    return damaged (error, "The identity backup has version %u, which no version of Liaison "
                           "writes: it is damaged", version);

  if (len < HEADER_LEN + CHECKSUM_LEN)
    return damaged (error, "The identity backup is only %" G_GSIZE_FORMAT " bytes long: it has "
                           "been truncated", len);
  sealed_len = get_le32 (data + LENGTH_OFFSET);
  if (len != HEADER_LEN + sealed_len + CHECKSUM_LEN)
    return damaged (error, "The identity backup is %" G_GSIZE_FORMAT " bytes long where its "
                           "header says %" G_GSIZE_FORMAT ": it has been truncated or damaged",
                    len, HEADER_LEN + sealed_len + CHECKSUM_LEN);

  crypto_generichash (checksum, sizeof checksum, data, len - CHECKSUM_LEN, NULL, 0);
  if (sodium_memcmp (checksum, data + len - CHECKSUM_LEN, CHECKSUM_LEN) != 0)
    return damaged (error, "The identity backup is damaged (its checksum does not match)");

  if (get_le16 (data + 10) != KDF_ARGON2ID13 || get_le32 (data + 12) != 0)
    return damaged (error, "The identity backup names a key-derivation method this version of "
                           "Liaison does not know");
  out->opslimit = get_le64 (data + 16);
  out->memlimit = get_le64 (data + 24);
  if (out->opslimit < LIA_KDF_MIN_OPSLIMIT || out->opslimit > LIA_KDF_MAX_OPSLIMIT
      || out->memlimit < LIA_KDF_MIN_MEMLIMIT || out->memlimit > LIA_KDF_MAX_MEMLIMIT)
    return damaged (error, "The identity backup asks for key-derivation limits outside the "
                           "accepted range (%" G_GUINT64_FORMAT " passes, %" G_GUINT64_FORMAT
                           " bytes)", out->opslimit, out->memlimit);
  if (sealed_len < MIN_CONTENTS_LEN + TAG_LEN || sealed_len > MAX_CONTENTS_LEN + TAG_LEN)
    return damaged (error, "The identity backup's contents have an impossible length (%"
                           G_GSIZE_FORMAT " bytes)", sealed_len);
  out->salt = data + 32;
  out->nonce = data + 48;
  out->sealed_len = sealed_len;
  return TRUE;
}

gboolean
lia_backup_check_header (const guint8 *data,
                         gsize         len,
                         GError      **error)
{
  Header header;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  return parse_header (data, len, &header, error);
}

GBytes *
lia_backup_seal (const LiaOrgIdentity *identity,
                 const LiaSecret      *passphrase,
                 GError              **error)
{
  g_autoptr (LiaSecret) contents = NULL;
  g_autoptr (LiaSecret) key = NULL;
  guint64 opslimit, memlimit;
  gsize sealed_len, total;
  g_autofree guint8 *out = NULL;

  g_return_val_if_fail (identity != NULL && passphrase != NULL, NULL);
  lia_crypto_init ();

  if (passphrase->len == 0)
    {
      g_set_error_literal (error, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_EMPTY_PASSPHRASE,
                           "The backup passphrase is empty; choose a passphrase to protect "
                           "the identity backup");
      return NULL;
    }
  /* Never write a backup that would not restore. */
  if (!lia_org_identity_check (identity, error))
    return NULL;

  contents = lia_backup_encode_payload (identity);
  sealed_len = contents->len + TAG_LEN;
  total = HEADER_LEN + sealed_len + CHECKSUM_LEN;
  out = g_malloc0 (total);

  lia_keyfile_get_limits (&opslimit, &memlimit);
  memcpy (out, MAGIC, MAGIC_LEN);
  put_le16 (out + 8, LIA_BACKUP_VERSION);
  put_le16 (out + 10, KDF_ARGON2ID13);
  put_le64 (out + 16, opslimit);
  put_le64 (out + 24, memlimit);
  randombytes_buf (out + 32, LIA_PWHASH_SALT_BYTES);
  randombytes_buf (out + 48, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  put_le32 (out + LENGTH_OFFSET, (guint32) sealed_len);

  key = lia_keyfile_derive_key (passphrase, out + 32, opslimit, memlimit, error);
  if (key == NULL)
    return NULL;
  crypto_aead_xchacha20poly1305_ietf_encrypt (out + HEADER_LEN, NULL, contents->data,
                                              contents->len, out, HEADER_LEN, NULL, out + 48,
                                              key->data);
  crypto_generichash (out + total - CHECKSUM_LEN, CHECKSUM_LEN, out, total - CHECKSUM_LEN, NULL,
                      0);
  return g_bytes_new_take (g_steal_pointer (&out), total);
}

LiaOrgIdentity *
lia_backup_open (const guint8    *data,
                 gsize            len,
                 const LiaSecret *passphrase,
                 GError         **error)
{
  Header header;
  g_autoptr (LiaSecret) key = NULL;
  g_autoptr (LiaSecret) contents = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (passphrase != NULL, NULL);

  if (!parse_header (data, len, &header, error))
    return NULL;
  key = lia_keyfile_derive_key (passphrase, header.salt, header.opslimit, header.memlimit, error);
  if (key == NULL)
    return NULL;

  contents = lia_secret_new (header.sealed_len - TAG_LEN);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt (contents->data, NULL, NULL, data + HEADER_LEN,
                                                  header.sealed_len, data, HEADER_LEN,
                                                  header.nonce, key->data) != 0)
    {
      g_set_error_literal (error, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_WRONG_PASSPHRASE,
                           "The backup passphrase is not correct for this identity backup");
      return NULL;
    }
  return lia_backup_decode_payload (contents->data, contents->len, error);
}

GBytes *
lia_backup_load_file (const char *path,
                      GError    **error)
{
  g_autofree guint8 *buffer = g_malloc (LIA_BACKUP_MAX_SIZE + 1);
  gsize len = 0;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_FAILED,
                   "Could not read the identity backup %s: %s", path, g_strerror (saved_errno));
      return NULL;
    }
  /* One byte more than the largest backup tells a file that is too big
   * without reading it all. */
  while (len < LIA_BACKUP_MAX_SIZE + 1)
    {
      ssize_t n = read (fd, buffer + len, LIA_BACKUP_MAX_SIZE + 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          close (fd);
          g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_FAILED,
                       "Could not read the identity backup %s: %s", path,
                       g_strerror (saved_errno));
          return NULL;
        }
      if (n == 0)
        break;
      len += n;
    }
  close (fd);
  if (len > LIA_BACKUP_MAX_SIZE)
    {
      damaged (error, "%s is larger than any identity backup (%u bytes at most); it is not one",
               path, LIA_BACKUP_MAX_SIZE);
      return NULL;
    }
  return g_bytes_new (buffer, len);
}
