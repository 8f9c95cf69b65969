/* test-keyfile.c: the key file's format, wrapping and failure modes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "lia-keyfile.h"
#include "lia-store.h"
#include "lia-test-util.h"

typedef struct
{
  LiaKeyFile keyfile;
  LiaSecret *master;
  LiaSecret *passphrase;
  guint8     bytes[LIA_KEYFILE_SIZE];
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->master = lia_secret_new (LIA_MASTER_KEY_BYTES);
  randombytes_buf (f->master->data, f->master->len);
  f->passphrase = lia_secret_new_from_string ("a good passphrase");
  memset (&f->keyfile, 0, sizeof f->keyfile);
  g_assert_true (lia_keyfile_wrap (&f->keyfile, TRUE, f->passphrase, f->master, &error));
  g_assert_no_error (error);
  lia_keyfile_serialize (&f->keyfile, f->bytes);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  lia_secret_free (f->master);
  lia_secret_free (f->passphrase);
}

/* Rewrites the trailing checksum after a deliberate edit, as an attacker
 * could, so that only the wrapped key's tag can notice the edit. */
static void
fix_checksum (guint8 *bytes)
{
  crypto_generichash (bytes + 136, 16, bytes, 136, NULL, 0);
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  LiaKeyFile parsed;
  guint8 again[LIA_KEYFILE_SIZE];
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaSecret) master = NULL;

  g_assert_cmpmem (f->bytes, 8, "LIAISONK", 8);
  g_assert_true (lia_keyfile_parse (f->bytes, sizeof f->bytes, &parsed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (parsed.opslimit, ==, LIA_TEST_KDF_OPSLIMIT);
  g_assert_cmpuint (parsed.memlimit, ==, LIA_TEST_KDF_MEMLIMIT);
  lia_keyfile_serialize (&parsed, again);
  g_assert_cmpmem (again, sizeof again, f->bytes, sizeof f->bytes);

  master = lia_keyfile_unwrap (&parsed, f->passphrase, &error);
  g_assert_no_error (error);
  g_assert_true (lia_secret_equal (master, f->master));
}

static void
test_wrong_passphrase (Fixture *f, gconstpointer data)
{
  g_autoptr (LiaSecret) wrong = lia_secret_new_from_string ("a good passphrasE");
  g_autoptr (GError) error = NULL;
  LiaSecret *master = lia_keyfile_unwrap (&f->keyfile, wrong, &error);

  g_assert_null (master);
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_WRONG_PASSPHRASE);
  g_assert_cmpstr (error->message, ==, "The passphrase is not correct for this store");
}

static void
test_empty_passphrase (Fixture *f, gconstpointer data)
{
  g_autoptr (LiaSecret) empty = lia_secret_new_from_string ("");
  g_autoptr (GError) error = NULL;
  LiaKeyFile keyfile = f->keyfile;

  g_assert_false (lia_keyfile_wrap (&keyfile, FALSE, empty, f->master, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EMPTY_PASSPHRASE);
}

static void
test_fresh_salts (Fixture *f, gconstpointer data)
{
  LiaKeyFile again = f->keyfile;
  g_autoptr (GError) error = NULL;

  /* Rewrapping for a new passphrase keeps the database salt (the pages
   * depend on it) and changes everything else. */
  g_assert_true (lia_keyfile_wrap (&again, FALSE, f->passphrase, f->master, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (again.db_salt, sizeof again.db_salt, f->keyfile.db_salt,
                   sizeof f->keyfile.db_salt);
  g_assert_true (memcmp (again.pwhash_salt, f->keyfile.pwhash_salt, sizeof again.pwhash_salt) != 0);
  g_assert_true (memcmp (again.nonce, f->keyfile.nonce, sizeof again.nonce) != 0);
  g_assert_true (memcmp (again.wrapped_key, f->keyfile.wrapped_key, sizeof again.wrapped_key)
                 != 0);
}

static void
test_truncated (Fixture *f, gconstpointer data)
{
  static const gsize lengths[] = { 0, 7, 11, 12, 100, LIA_KEYFILE_SIZE - 1 };

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr (GError) error = NULL;
      LiaKeyFile parsed;

      g_assert_false (lia_keyfile_parse (f->bytes, lengths[i], &parsed, &error));
      g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_DAMAGED);
    }
}

static void
test_too_long (Fixture *f, gconstpointer data)
{
  guint8 longer[LIA_KEYFILE_SIZE + 1] = { 0 };
  g_autoptr (GError) error = NULL;
  LiaKeyFile parsed;

  memcpy (longer, f->bytes, LIA_KEYFILE_SIZE);
  g_assert_false (lia_keyfile_parse (longer, sizeof longer, &parsed, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_DAMAGED);
  g_assert_nonnull (strstr (error->message, "153 bytes long instead of 152"));
}

static void
test_unknown_version (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LiaKeyFile parsed;

  f->bytes[8] = 2;
  fix_checksum (f->bytes);
  g_assert_false (lia_keyfile_parse (f->bytes, sizeof f->bytes, &parsed, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_VERSION);
  g_assert_nonnull (strstr (error->message, "version 2"));
}

static void
test_bad_magic (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LiaKeyFile parsed;

  f->bytes[0] = 'X';
  g_assert_false (lia_keyfile_parse (f->bytes, sizeof f->bytes, &parsed, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_DAMAGED);
}

static void
test_every_flipped_bit_is_noticed (Fixture *f, gconstpointer data)
{
  /* Any single flipped bit anywhere after the magic is reported as a
   * damaged (or unknown) key file: the checksum covers every byte. */
  for (guint byte = 8; byte < LIA_KEYFILE_SIZE; byte++)
    for (guint bit = 0; bit < 8; bit++)
      {
        g_autoptr (GError) error = NULL;
        guint8 copy[LIA_KEYFILE_SIZE];
        LiaKeyFile parsed;

        memcpy (copy, f->bytes, sizeof copy);
        copy[byte] ^= 1u << bit;
        g_assert_false (lia_keyfile_parse (copy, sizeof copy, &parsed, &error));
        g_assert_true (g_error_matches (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_DAMAGED)
                       || g_error_matches (error, LIA_STORE_ERROR,
                                           LIA_STORE_ERROR_KEY_FILE_VERSION));
      }
}

static void
test_header_bound_to_key (Fixture *f, gconstpointer data)
{
  /* An edit that also fixes the checksum still cannot move the database
   * salt: the wrapped key no longer opens. */
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaSecret) master = NULL;
  LiaKeyFile parsed;

  f->bytes[48] ^= 0x01;
  fix_checksum (f->bytes);
  g_assert_true (lia_keyfile_parse (f->bytes, sizeof f->bytes, &parsed, &error));
  g_assert_no_error (error);
  master = lia_keyfile_unwrap (&parsed, f->passphrase, &error);
  g_assert_null (master);
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_WRONG_PASSPHRASE);
}

static void
test_limits_out_of_range (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  LiaKeyFile parsed;

  /* A memlimit of 2^40 bytes must be refused, not attempted. */
  memset (f->bytes + 24, 0, 8);
  f->bytes[29] = 1;
  fix_checksum (f->bytes);
  g_assert_false (lia_keyfile_parse (f->bytes, sizeof f->bytes, &parsed, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_DAMAGED);
  g_assert_nonnull (strstr (error->message, "outside the accepted range"));
}

static void
test_save_and_load (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = lia_test_make_dir ("keyfile");
  g_autofree char *path = g_build_filename (dir, "liaison.key", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) contents = NULL;
  g_autoptr (GDir) listing = NULL;
  LiaKeyFile loaded;
  GStatBuf st;
  guint n_files = 0;

  g_assert_true (lia_keyfile_save (path, &f->keyfile, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  contents = lia_test_read_file (path);
  g_assert_cmpmem (g_bytes_get_data (contents, NULL), g_bytes_get_size (contents), f->bytes,
                   sizeof f->bytes);

  /* Saved over an existing file: no temporary file is left behind. */
  g_assert_true (lia_keyfile_save (path, &f->keyfile, &error));
  listing = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (listing) != NULL)
    n_files++;
  g_assert_cmpuint (n_files, ==, 1);

  g_assert_true (lia_keyfile_load (path, &loaded, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (loaded.wrapped_key, sizeof loaded.wrapped_key, f->keyfile.wrapped_key,
                   sizeof f->keyfile.wrapped_key);
}

static void
test_load_missing (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = lia_test_make_dir ("keyfile");
  g_autofree char *path = g_build_filename (dir, "liaison.key", NULL);
  g_autoptr (GError) error = NULL;
  LiaKeyFile loaded;

  g_assert_false (lia_keyfile_load (path, &loaded, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_KEY_FILE_MISSING);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/keyfile/round-trip", test_round_trip);
  ADD ("/keyfile/wrong-passphrase", test_wrong_passphrase);
  ADD ("/keyfile/empty-passphrase", test_empty_passphrase);
  ADD ("/keyfile/rewrap-fresh-salts", test_fresh_salts);
  ADD ("/keyfile/truncated", test_truncated);
  ADD ("/keyfile/too-long", test_too_long);
  ADD ("/keyfile/unknown-version", test_unknown_version);
  ADD ("/keyfile/bad-magic", test_bad_magic);
  ADD ("/keyfile/every-flipped-bit", test_every_flipped_bit_is_noticed);
  ADD ("/keyfile/header-bound-to-key", test_header_bound_to_key);
  ADD ("/keyfile/limits-out-of-range", test_limits_out_of_range);
  ADD ("/keyfile/save-load", test_save_and_load);
  ADD ("/keyfile/load-missing", test_load_missing);
#undef ADD

  return g_test_run ();
}
