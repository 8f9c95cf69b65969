/* make-keyfile-seeds.c: writes the seed inputs of fuzz-keyfile.
 *
 * Valid key files made by the library itself (with the test limits and with
 * the shipped ones), and variants that each stop at a different check of
 * lia_keyfile_parse(), their checksums recomputed where the check lies
 * behind it. Key files are random, so each run writes different bytes; the
 * committed corpus is one such run.
 *
 *   ninja -C BUILD tests/fuzz/make-keyfile-seeds
 *   BUILD/tests/fuzz/make-keyfile-seeds tests/fuzz/corpus/keyfile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lia-keyfile.h"

#define CHECKSUM_OFFSET 136
#define CHECKSUM_LEN    16

static const char *out_dir;

static void
save (const char   *name,
      const guint8 *data,
      gsize         len)
{
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (path, (const char *) data, len, &error))
    {
      fprintf (stderr, "make-keyfile-seeds: %s\n", error->message);
      exit (1);
    }
}

/* Saves @base with @len bytes at @offset replaced by @bytes, the checksum
 * recomputed if @fix. */
static void
save_variant (const char   *name,
              const guint8 *base,
              gsize         offset,
              const void   *bytes,
              gsize         len,
              gboolean      fix)
{
  guint8 variant[LIA_KEYFILE_SIZE];

  memcpy (variant, base, sizeof variant);
  memcpy (variant + offset, bytes, len);
  if (fix)
    crypto_generichash (variant + CHECKSUM_OFFSET, CHECKSUM_LEN, variant, CHECKSUM_OFFSET, NULL,
                        0);
  save (name, variant, sizeof variant);
}

static void
make_key_file (guint64 opslimit,
               guint64 memlimit,
               guint8  out[LIA_KEYFILE_SIZE])
{
  g_autoptr (LiaSecret) passphrase = lia_secret_new_from_string ("correct horse");
  g_autoptr (LiaSecret) master = lia_secret_new (LIA_MASTER_KEY_BYTES);
  g_autoptr (GError) error = NULL;
  LiaKeyFile keyfile = { 0 };

  randombytes_buf (master->data, master->len);
  lia_keyfile_set_limits_for_testing (opslimit, memlimit);
  if (!lia_keyfile_wrap (&keyfile, TRUE, passphrase, master, &error))
    {
      fprintf (stderr, "make-keyfile-seeds: %s\n", error->message);
      exit (1);
    }
  lia_keyfile_serialize (&keyfile, out);
}

int
main (int    argc,
      char **argv)
{
  guint8 key[LIA_KEYFILE_SIZE], longer[LIA_KEYFILE_SIZE + 1];
  const guint8 version_2[] = { 2, 0 }, kdf_2[] = { 2, 0 }, reserved[] = { 0, 1, 0, 0 };
  const guint8 ops_0[8] = { 0 }, ops_65[8] = { 65 };
  const guint8 mem_small[8] = { 0x00, 0x1f }, mem_4g[8] = { 0, 0, 0, 0, 1 };
  const guint8 mem_huge[8] = { 1, 0, 0, 0, 1 };

  if (argc != 2)
    {
      fprintf (stderr, "usage: %s DIRECTORY\n", argv[0]);
      return 2;
    }
  out_dir = argv[1];
  lia_crypto_init ();

  make_key_file (LIA_KDF_OPSLIMIT, LIA_KDF_MEMLIMIT, key);
  save ("valid-shipped-limits", key, sizeof key);

  make_key_file (1, 64 * 1024, key);
  save ("valid-test-limits", key, sizeof key);
  save ("empty", key, 0);
  save ("magic-only", key, 8);
  save ("truncated-11", key, 11);
  save ("truncated-12", key, 12);
  save ("truncated-151", key, 151);
  memcpy (longer, key, sizeof key);
  longer[LIA_KEYFILE_SIZE] = 0;
  save ("extra-byte", longer, sizeof longer);
  save_variant ("wrong-magic", key, 0, "l", 1, FALSE);
  save_variant ("bad-checksum", key, 100, "\x42", 1, FALSE);
  save_variant ("version-2", key, 8, version_2, sizeof version_2, TRUE);
  memcpy (longer, key, sizeof key);
  memcpy (longer + 8, version_2, sizeof version_2);
  save ("version-2-short", longer, 40);
  save_variant ("unknown-kdf", key, 10, kdf_2, sizeof kdf_2, TRUE);
  save_variant ("reserved-nonzero", key, 12, reserved, sizeof reserved, TRUE);
  save_variant ("opslimit-0", key, 16, ops_0, sizeof ops_0, TRUE);
  save_variant ("opslimit-65", key, 16, ops_65, sizeof ops_65, TRUE);
  save_variant ("memlimit-small", key, 24, mem_small, sizeof mem_small, TRUE);
  save_variant ("memlimit-4g", key, 24, mem_4g, sizeof mem_4g, TRUE);
  save_variant ("memlimit-huge", key, 24, mem_huge, sizeof mem_huge, TRUE);
  return 0;
}
