/* make-backup-seeds.c: writes the seed inputs of fuzz-backup.
 *
 * Two kinds, in one corpus (the target tries every input both ways):
 *
 *  - file-*: backup files sealed by the library under the target's
 *    passphrase with the test limits (which the target opens), with the
 *    shipped limits (which it only parses), under another passphrase, and
 *    variants that each stop at a different check of the header, their
 *    checksums recomputed where the check lies behind it; and files whose
 *    sealed contents are malformed, sealed here by hand since the library
 *    refuses to seal them;
 *  - contents-*: the decrypted contents, valid and each broken a different
 *    way.
 *
 * Keys are random, so each run writes different bytes; the committed corpus
 * is one such run.
 *
 *   ninja -C BUILD tests/fuzz/make-backup-seeds
 *   BUILD/tests/fuzz/make-backup-seeds tests/fuzz/corpus/backup
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lia-backup.h"
#include "lia-keyfile.h"

/* fuzz-backup.c opens the sealed seeds with this passphrase. */
#define FUZZ_PASSPHRASE "fuzz backup passphrase"
#define TEST_OPSLIMIT   1
#define TEST_MEMLIMIT   (64u * 1024u)

/* Offsets in the backup file and its contents; see lia-backup.c. */
#define HEADER_LEN      76
#define LENGTH_OFFSET   72
#define CHECKSUM_LEN    16

static const char *out_dir;

G_GNUC_NORETURN static void
die (const char *message)
{
  fprintf (stderr, "make-backup-seeds: %s\n", message);
  exit (1);
}

static void
save (const char   *name,
      const guint8 *data,
      gsize         len)
{
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (path, (const char *) data, (gssize) len, &error))
    die (error->message);
}

static void
fix_checksum (guint8 *data,
              gsize   len)
{
  crypto_generichash (data + len - CHECKSUM_LEN, CHECKSUM_LEN, data, len - CHECKSUM_LEN, NULL, 0);
}

/* Saves @base with @n bytes at @offset replaced by @bytes, the checksum
 * recomputed if @fix. */
static void
save_variant (const char *name,
              GBytes     *base,
              gsize       offset,
              const void *bytes,
              gsize       n,
              gboolean    fix)
{
  gsize len = g_bytes_get_size (base);
  g_autofree guint8 *variant = g_memdup2 (g_bytes_get_data (base, NULL), len);

  memcpy (variant + offset, bytes, n);
  if (fix)
    fix_checksum (variant, len);
  save (name, variant, len);
}

static LiaOrgIdentity *
make_identity (const char *name,
               guint       n_retired)
{
  LiaOrgIdentity *identity = lia_org_identity_generate (name, LIA_ORG_KIND_ICB);

  for (guint i = 0; i < n_retired; i++)
    {
      LiaSecret *secret = lia_secret_new (LIA_KEY_BYTES);
      guint8 public_key[LIA_KEY_BYTES];

      crypto_box_keypair (public_key, secret->data);
      g_ptr_array_add (identity->retired,
                       lia_retired_box_key_new (public_key, secret, identity->created_at - i));
    }
  return identity;
}

static GBytes *
seal (const LiaOrgIdentity *identity,
      const char           *passphrase_text,
      guint64               opslimit,
      guint64               memlimit)
{
  g_autoptr (LiaSecret) passphrase = lia_secret_new_from_string (passphrase_text);
  g_autoptr (GError) error = NULL;
  GBytes *sealed;

  lia_keyfile_set_limits_for_testing (opslimit, memlimit);
  sealed = lia_backup_seal (identity, passphrase, &error);
  if (sealed == NULL)
    die (error->message);
  return sealed;
}

/* Seals @contents as they are, as lia_backup_seal() would if it did not
 * check them first: the header of @model, new contents. */
static void
save_sealed_by_hand (const char      *name,
                     GBytes          *model,
                     const LiaSecret *contents)
{
  gsize sealed_len = contents->len + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  gsize len = HEADER_LEN + sealed_len + CHECKSUM_LEN;
  g_autofree guint8 *out = g_malloc0 (len);
  g_autoptr (LiaSecret) passphrase = lia_secret_new_from_string (FUZZ_PASSPHRASE);
  g_autoptr (LiaSecret) key = NULL;
  g_autoptr (GError) error = NULL;

  memcpy (out, g_bytes_get_data (model, NULL), HEADER_LEN);
  out[LENGTH_OFFSET] = sealed_len & 0xff;
  out[LENGTH_OFFSET + 1] = (sealed_len >> 8) & 0xff;
  out[LENGTH_OFFSET + 2] = (sealed_len >> 16) & 0xff;
  out[LENGTH_OFFSET + 3] = 0;
  key = lia_keyfile_derive_key (passphrase, out + 32, TEST_OPSLIMIT, TEST_MEMLIMIT, &error);
  if (key == NULL)
    die (error->message);
  crypto_aead_xchacha20poly1305_ietf_encrypt (out + HEADER_LEN, NULL, contents->data,
                                              contents->len, out, HEADER_LEN, NULL, out + 48,
                                              key->data);
  fix_checksum (out, len);
  save (name, out, len);
}

static void
save_contents (const char            *name,
               const LiaOrgIdentity *identity)
{
  g_autoptr (LiaSecret) contents = lia_backup_encode_payload (identity);

  save (name, contents->data, contents->len);
}

/* Saves @contents with @n bytes at @offset replaced. */
static void
save_contents_variant (const char      *name,
                       const LiaSecret *contents,
                       gsize            offset,
                       const void      *bytes,
                       gsize            n)
{
  g_autofree guint8 *variant = g_memdup2 (contents->data, contents->len);

  memcpy (variant + offset, bytes, n);
  save (name, variant, contents->len);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (LiaOrgIdentity) identity = NULL;
  g_autoptr (LiaOrgIdentity) fresh = NULL;
  g_autoptr (GBytes) sealed = NULL;
  g_autoptr (GBytes) sealed_fresh = NULL;
  g_autoptr (GBytes) shipped = NULL;
  g_autoptr (GBytes) other = NULL;
  g_autoptr (LiaSecret) contents = NULL;
  const guint8 *data;
  gsize len, name_len;
  const guint8 zero4[4] = { 0 }, one = 1, kdf_2[] = { 2, 0 }, reserved[] = { 0, 1, 0, 0 };
  const guint8 version_0[] = { 0, 0 }, version_2[] = { 2, 0 };
  const guint8 ops_0[8] = { 0 }, ops_65[8] = { 65 };
  const guint8 mem_small[8] = { 0x00, 0x1f }, mem_huge[8] = { 1, 0, 0, 0, 1 };
  const guint8 length_16[4] = { 16 }, length_huge[4] = { 0, 0, 2, 0 };

  if (argc != 2)
    {
      fprintf (stderr, "usage: %s DIRECTORY\n", argv[0]);
      return 2;
    }
  out_dir = argv[1];
  lia_crypto_init ();

  identity = make_identity ("Fuzzborough Integrated Care Board", 2);
  fresh = make_identity ("Fresh", 0);

  /* Files: valid ones. */
  sealed = seal (identity, FUZZ_PASSPHRASE, TEST_OPSLIMIT, TEST_MEMLIMIT);
  sealed_fresh = seal (fresh, FUZZ_PASSPHRASE, TEST_OPSLIMIT, TEST_MEMLIMIT);
  shipped = seal (fresh, FUZZ_PASSPHRASE, LIA_KDF_OPSLIMIT, LIA_KDF_MEMLIMIT);
  other = seal (fresh, "another passphrase", TEST_OPSLIMIT, TEST_MEMLIMIT);
  data = g_bytes_get_data (sealed, &len);
  save ("file-valid", data, len);
  save ("file-valid-no-retired", g_bytes_get_data (sealed_fresh, NULL),
        g_bytes_get_size (sealed_fresh));
  save ("file-valid-shipped-limits", g_bytes_get_data (shipped, NULL), g_bytes_get_size (shipped));
  save ("file-other-passphrase", g_bytes_get_data (other, NULL), g_bytes_get_size (other));

  /* Files: each header check in turn. */
  save ("file-empty", data, 0);
  save ("file-magic-only", data, 8);
  save ("file-truncated-11", data, 11);
  save ("file-truncated-header", data, HEADER_LEN);
  save ("file-truncated-last-byte", data, len - 1);
  {
    g_autofree guint8 *longer = g_malloc0 (len + 1);

    memcpy (longer, data, len);
    save ("file-extra-byte", longer, len + 1);
  }
  save_variant ("file-wrong-magic", sealed, 0, "l", 1, FALSE);
  save_variant ("file-bad-checksum", sealed, HEADER_LEN + 3, "\x42", 1, FALSE);
  save_variant ("file-version-0", sealed, 8, version_0, sizeof version_0, TRUE);
  save_variant ("file-version-2", sealed, 8, version_2, sizeof version_2, TRUE);
  {
    g_autofree guint8 *short_newer = g_memdup2 (data, 40);

    memcpy (short_newer + 8, version_2, sizeof version_2);
    save ("file-version-2-short", short_newer, 40);
  }
  save_variant ("file-unknown-kdf", sealed, 10, kdf_2, sizeof kdf_2, TRUE);
  save_variant ("file-reserved-nonzero", sealed, 12, reserved, sizeof reserved, TRUE);
  save_variant ("file-opslimit-0", sealed, 16, ops_0, sizeof ops_0, TRUE);
  save_variant ("file-opslimit-65", sealed, 16, ops_65, sizeof ops_65, TRUE);
  save_variant ("file-memlimit-small", sealed, 24, mem_small, sizeof mem_small, TRUE);
  save_variant ("file-memlimit-huge", sealed, 24, mem_huge, sizeof mem_huge, TRUE);
  save_variant ("file-length-huge", sealed, LENGTH_OFFSET, length_huge, sizeof length_huge, TRUE);
  save_variant ("file-length-zero", sealed, LENGTH_OFFSET, zero4, sizeof zero4, TRUE);
  /* A header that says 16 bytes of contents (a tag alone), and is. */
  {
    gsize short_len = HEADER_LEN + 16 + CHECKSUM_LEN;
    g_autofree guint8 *tiny = g_memdup2 (data, short_len);

    memcpy (tiny + LENGTH_OFFSET, length_16, sizeof length_16);
    fix_checksum (tiny, short_len);
    save ("file-contents-empty", tiny, short_len);
  }
  save_variant ("file-salt-changed", sealed, 32, &one, 1, TRUE);
  save_variant ("file-nonce-changed", sealed, 48, &one, 1, TRUE);
  save_variant ("file-contents-changed", sealed, HEADER_LEN + 10, &one, 1, TRUE);

  /* Contents: valid. */
  contents = lia_backup_encode_payload (identity);
  save ("contents-valid", contents->data, contents->len);
  save_contents ("contents-valid-no-retired", fresh);
  {
    g_autoptr (LiaOrgIdentity) wide = make_identity ("Fresh", 0);
    GString *name = g_string_new (NULL);

    /* The longest name: 200 characters of four bytes each. */
    for (guint i = 0; i < LIA_ORG_NAME_MAX_CHARS; i++)
      g_string_append (name, "\xf0\x9f\x8f\xa5");
    g_free (wide->org_name);
    wide->org_name = g_string_free (name, FALSE);
    save_contents ("contents-valid-longest-name", wide);
  }

  /* Contents: broken. */
  save ("contents-truncated", contents->data, contents->len - 1);
  save ("contents-truncated-in-name", contents->data, 6);
  {
    g_autofree guint8 *longer = g_malloc0 (contents->len + 1);

    memcpy (longer, contents->data, contents->len);
    save ("contents-extra-byte", longer, contents->len + 1);
  }
  name_len = strlen (identity->org_name);
  save_contents_variant ("contents-name-length-0", contents, 0, zero4, 2);
  save_contents_variant ("contents-name-nul", contents, 2 + 3, zero4, 1);
  save_contents_variant ("contents-name-control", contents, 2 + 3, "\x07", 1);
  save_contents_variant ("contents-name-not-utf8", contents, 2 + 3, "\xff", 1);
  save_contents_variant ("contents-kind-unknown", contents, 2 + name_len + 1, "j", 1);
  save_contents_variant ("contents-kind-length-0", contents, 2 + name_len, zero4, 1);
  save_contents_variant ("contents-created-negative", contents, 2 + name_len + 1 + 3 + 7,
                         "\x80", 1);
  /* The retired keys' count: the fixed part ends with it. */
  {
    gsize count_at = contents->len - 2 * (2 * LIA_KEY_BYTES + 8) - 2;
    const guint8 three[2] = { 3, 0 }, too_many[2] = { 0x01, 0x04 };

    save_contents_variant ("contents-retired-count-3", contents, count_at, three, 2);
    save_contents_variant ("contents-retired-count-1025", contents, count_at, too_many, 2);
    /* The second retired key made a copy of the first. */
    {
      g_autofree guint8 *dup = g_memdup2 (contents->data, contents->len);

      memcpy (dup + count_at + 2 + 2 * LIA_KEY_BYTES + 8, dup + count_at + 2,
              2 * LIA_KEY_BYTES + 8);
      save ("contents-retired-twice", dup, contents->len);
    }
    save_contents_variant ("contents-retired-secret-wrong", contents, count_at + 2 + 40, "\x55",
                           1);
  }
  /* The key pairs: the Ed25519 public key, its secret key's public half,
   * the X25519 secret keys. */
  {
    gsize keys_at = 2 + name_len + 1 + 3 + 8;

    save_contents_variant ("contents-sign-public-wrong", contents, keys_at, "\x01", 1);
    save_contents_variant ("contents-sign-secret-half-wrong", contents, keys_at + 32 + 40, "\x01",
                           1);
    save_contents_variant ("contents-box-secret-wrong", contents, keys_at + 96 + 32 + 5, "\x01",
                           1);
    save_contents_variant ("contents-curve-secret-wrong", contents, keys_at + 160 + 32 + 5,
                           "\x01", 1);
  }

  /* Files whose sealed contents are malformed. */
  {
    g_autofree guint8 *broken = g_memdup2 (contents->data, contents->len);
    g_autoptr (LiaSecret) broken_secret = NULL;

    g_autoptr (LiaSecret) cut = lia_secret_new_from_data (contents->data, 100);

    broken[2 + name_len + 1 + 3 + 8 + 96 + 32 + 5] ^= 1;
    broken_secret = lia_secret_new_from_data (broken, contents->len);
    save_sealed_by_hand ("file-sealed-box-key-mismatch", sealed, broken_secret);
    save_sealed_by_hand ("file-sealed-contents-truncated", sealed, cut);
  }
  return 0;
}
