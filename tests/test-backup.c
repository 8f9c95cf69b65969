/* test-backup.c: identity backup, restore and key rotation.
 *
 * A backup restores the very same identity (fingerprint, keys, retired
 * keys); it holds no secret byte in clear; every bad input (a wrong
 * passphrase, a truncated or altered file, a newer version, a store already
 * there, a file already there, a full disk) fails with its own error and
 * loses nothing. A rotation changes the envelope and transport keys and
 * nothing else, keeps the old envelope key, and survives a lock.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "lia-backup.h"
#include "lia-envelope.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

#define BACKUP_PASSPHRASE "a different passphrase for the backup"
#define OTHER_PASSPHRASE  "battery staple"

/* Offsets in the backup file; see the layout in lia-backup.c. */
#define VERSION_OFFSET   8
#define KDF_OFFSET       10
#define OPSLIMIT_OFFSET  16
#define SALT_OFFSET      32
#define LENGTH_OFFSET    72
#define HEADER_LEN       76
#define CHECKSUM_LEN     16

/* ---- helpers ------------------------------------------------------------- */

static char *
new_path (const char *prefix, const char *name)
{
  g_autofree char *dir = lia_test_make_dir (prefix);

  return g_build_filename (dir, name, NULL);
}

static char *
export_backup (LiaStore *store)
{
  char *path = new_path ("backup", "identity.liaison-backup");
  g_autoptr (GError) error = NULL;

  g_assert_true (lia_store_export_identity (store, path, BACKUP_PASSPHRASE, FALSE, NULL, &error));
  g_assert_no_error (error);
  return path;
}

static void
write_file (const char *path, const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) len, &error));
  g_assert_no_error (error);
}

/* Rewrites the trailing checksum after a deliberate edit, as anyone can, so
 * that only what lies behind it can notice the edit. */
static void
fix_checksum (guint8 *data, gsize len)
{
  crypto_generichash (data + len - CHECKSUM_LEN, CHECKSUM_LEN, data, len - CHECKSUM_LEN, NULL, 0);
}

static gboolean
contains (const guint8 *haystack, gsize len, const guint8 *needle, gsize needle_len)
{
  for (gsize i = 0; i + needle_len <= len; i++)
    if (memcmp (haystack + i, needle, needle_len) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
bytes_equal_data (GBytes *bytes, const guint8 *data)
{
  gsize len;
  const guint8 *own = g_bytes_get_data (bytes, &len);

  return len == 32 && memcmp (own, data, 32) == 0;
}

/* Checks a binding signature the way a peer will: Ed25519 over "liaison
 * key binding v1" || use || key (see LiaOrgPublicKeys). */
static gboolean
binding_verifies (const guint8 *signature, guint8 use, const guint8 *key,
                  const guint8 *identity_key)
{
  static const char context[] = "liaison key binding v1";
  guint8 message[sizeof context - 1 + 1 + 32];

  memcpy (message, context, sizeof context - 1);
  message[sizeof context - 1] = use;
  memcpy (message + sizeof context, key, 32);
  return crypto_sign_verify_detached (signature, message, sizeof message, identity_key) == 0;
}

static void
assert_keys_bound (const LiaOrgPublicKeys *keys)
{
  g_assert_true (binding_verifies (keys->box_signature, 1, keys->box, keys->identity));
  g_assert_true (binding_verifies (keys->curve_signature, 2, keys->curve, keys->identity));
  /* Each signature binds its key to its own use only. */
  g_assert_false (binding_verifies (keys->box_signature, 2, keys->box, keys->identity));
  g_assert_false (binding_verifies (keys->curve_signature, 1, keys->curve, keys->identity));
}

static GPtrArray *
retired_keys (LiaStore *store)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *keys = lia_store_dup_retired_box_keys (store, &error);

  g_assert_no_error (error);
  g_assert_nonnull (keys);
  return keys;
}

/* Org row 1 mirrors the organisation's current keys and signatures. */
static void
assert_org_row_mirrors (LiaStore *store, const LiaOrgPublicKeys *keys)
{
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (lia_store_get_db (store),
                                       "SELECT sign_public, box_public, box_signature, "
                                       "curve_public, curve_signature FROM org WHERE id = 1",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpmem (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0), keys->identity, 32);
  g_assert_cmpmem (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1), keys->box, 32);
  g_assert_cmpmem (sqlite3_column_blob (stmt, 2), sqlite3_column_bytes (stmt, 2),
                   keys->box_signature, 64);
  g_assert_cmpmem (sqlite3_column_blob (stmt, 3), sqlite3_column_bytes (stmt, 3), keys->curve, 32);
  g_assert_cmpmem (sqlite3_column_blob (stmt, 4), sqlite3_column_bytes (stmt, 4),
                   keys->curve_signature, 64);
  sqlite3_finalize (stmt);
}

/* Restores @backup into a new directory, expecting @domain/@code, and
 * asserts that nothing was left behind. */
static void
assert_restore_fails (const char *backup, const char *passphrase, GQuark domain, int code)
{
  g_autofree char *parent = lia_test_make_dir ("restore-fails");
  g_autofree char *dir = g_build_filename (parent, "liaison", NULL);
  g_autoptr (LiaStore) store = lia_store_new (dir);
  g_autoptr (GError) error = NULL;

  g_assert_false (lia_store_create_from_backup (store, backup, passphrase, LIA_TEST_PASSPHRASE,
                                                NULL, &error));
  g_test_message ("restore: %s", error->message);
  g_assert_error (error, domain, code);
  g_assert_true (lia_store_is_locked (store));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static LiaStore *
restore (const char *backup, const char *passphrase)
{
  g_autofree char *parent = lia_test_make_dir ("restored");
  g_autofree char *dir = g_build_filename (parent, "liaison", NULL);
  g_autoptr (LiaStore) store = lia_store_new (dir);
  g_autoptr (GError) error = NULL;

  g_assert_true (lia_store_create_from_backup (store, backup, BACKUP_PASSPHRASE, passphrase, NULL,
                                               &error));
  g_assert_no_error (error);
  g_assert_false (lia_store_is_locked (store));
  return g_steal_pointer (&store);
}

/* ---- round trip ---------------------------------------------------------- */

static void
assert_same_identity (LiaStore *a, LiaStore *b)
{
  LiaOrgPublicKeys ka, kb;
  g_autofree char *fa = lia_store_dup_fingerprint (a);
  g_autofree char *fb = lia_store_dup_fingerprint (b);
  g_autoptr (GPtrArray) ra = retired_keys (a);
  g_autoptr (GPtrArray) rb = retired_keys (b);

  g_assert_cmpstr (fa, ==, fb);
  g_assert_cmpstr (lia_store_get_org_name (a), ==, lia_store_get_org_name (b));
  g_assert_cmpint (lia_store_get_org_kind (a), ==, lia_store_get_org_kind (b));
  lia_store_get_public_keys (a, &ka);
  lia_store_get_public_keys (b, &kb);
  /* Binding signatures are deterministic: the restored store makes the
   * same ones. */
  g_assert_cmpmem (&ka, sizeof ka, &kb, sizeof kb);
  g_assert_true (lia_secret_equal (lia_store_get_sign_secret (a), lia_store_get_sign_secret (b)));
  g_assert_true (lia_secret_equal (lia_store_get_box_secret (a), lia_store_get_box_secret (b)));
  g_assert_true (lia_secret_equal (lia_store_get_curve_secret (a), lia_store_get_curve_secret (b)));
  g_assert_cmpint (lia_test_query_int (a, "SELECT created_at FROM organisation"), ==,
                   lia_test_query_int (b, "SELECT created_at FROM organisation"));

  g_assert_cmpuint (ra->len, ==, rb->len);
  for (guint i = 0; i < ra->len; i++)
    {
      const LiaRetiredBoxKey *x = ra->pdata[i], *y = rb->pdata[i];

      g_assert_cmpmem (x->box_public, 32, y->box_public, 32);
      g_assert_true (lia_secret_equal (x->box_secret, y->box_secret));
      g_assert_cmpint (x->retired_at, ==, y->retired_at);
    }
  assert_org_row_mirrors (b, &kb);
}

static void
test_round_trip (void)
{
  g_autoptr (LiaStore) original = lia_test_create_store ("Round Trip Borough Council");
  g_autoptr (LiaStore) restored = NULL;
  g_autofree char *backup = NULL;
  g_autoptr (GError) error = NULL;

  /* Two rotations: two retired keys travel with the backup. */
  g_assert_true (lia_store_rotate_keys (original, NULL, &error));
  g_assert_true (lia_store_rotate_keys (original, NULL, &error));
  g_assert_no_error (error);
  backup = export_backup (original);

  /* The new store has a passphrase of its own. */
  restored = restore (backup, OTHER_PASSPHRASE);
  assert_same_identity (original, restored);
  {
    g_autoptr (GPtrArray) keys = retired_keys (restored);

    g_assert_cmpuint (keys->len, ==, 2);
  }

  /* Locked and opened again, it is still the same identity. */
  lia_store_lock (restored);
  g_assert_true (lia_store_unlock (restored, OTHER_PASSPHRASE, NULL, &error));
  g_assert_no_error (error);
  assert_same_identity (original, restored);
  lia_store_check (restored, NULL, &error);
  g_assert_no_error (error);
}

/* A store that never rotated: no retired keys, the identity as made. */
static void
test_round_trip_fresh (void)
{
  g_autoptr (LiaStore) original = lia_test_create_store ("Fresh ICB");
  g_autofree char *backup = export_backup (original);
  g_autoptr (LiaStore) restored = restore (backup, LIA_TEST_PASSPHRASE);
  g_autoptr (GPtrArray) keys = retired_keys (restored);

  assert_same_identity (original, restored);
  g_assert_cmpuint (keys->len, ==, 0);
}

static void
test_file_mode (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Mode Council");
  g_autofree char *backup = export_backup (store);
  g_autofree char *dir = g_path_get_dirname (backup);
  GStatBuf st;
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_cmpint (g_stat (backup, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  /* No temporary file is left beside it. */
  while (g_dir_read_name (d) != NULL)
    n++;
  g_assert_cmpuint (n, ==, 1);
}

/* No secret key byte is in the file in clear: not the keys whole, not any
 * eight bytes of one; nor the organisation's name. */
static void
test_no_secret_in_clear (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Secretive Constabulary");
  g_autofree char *backup = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GPtrArray) secrets = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  const guint8 *data;
  gsize len;

  g_assert_true (lia_store_rotate_keys (store, NULL, &error));
  g_assert_no_error (error);
  backup = export_backup (store);
  bytes = lia_test_read_file (backup);
  data = g_bytes_get_data (bytes, &len);
  keys = retired_keys (store);

  g_ptr_array_add (secrets, (gpointer) lia_store_get_sign_secret (store));
  g_ptr_array_add (secrets, (gpointer) lia_store_get_box_secret (store));
  g_ptr_array_add (secrets, (gpointer) lia_store_get_curve_secret (store));
  g_ptr_array_add (secrets, ((LiaRetiredBoxKey *) keys->pdata[0])->box_secret);
  for (guint i = 0; i < secrets->len; i++)
    {
      const LiaSecret *secret = secrets->pdata[i];

      /* Only the seed half of the Ed25519 secret key is secret; its second
       * half is the public key. */
      gsize secret_len = i == 0 ? 32 : secret->len;

      g_assert_false (contains (data, len, secret->data, secret_len));
      for (gsize off = 0; off + 8 <= secret_len; off++)
        g_assert_false (contains (data, len, secret->data + off, 8));
    }
  g_assert_false (contains (data, len, (const guint8 *) "Secretive", 9));
}

/* ---- bad input ----------------------------------------------------------- */

static void
test_wrong_passphrase (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Wrong Passphrase Council");
  g_autofree char *backup = export_backup (store);

  assert_restore_fails (backup, "not the backup passphrase", LIA_BACKUP_ERROR,
                        LIA_BACKUP_ERROR_WRONG_PASSPHRASE);
  /* The store's passphrase does not open the backup either. */
  assert_restore_fails (backup, LIA_TEST_PASSPHRASE, LIA_BACKUP_ERROR,
                        LIA_BACKUP_ERROR_WRONG_PASSPHRASE);
  assert_restore_fails (backup, "", LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_WRONG_PASSPHRASE);
}

static void
test_truncated (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Truncated Council");
  g_autofree char *backup = export_backup (store);
  g_autoptr (GBytes) bytes = lia_test_read_file (backup);
  g_autofree char *cut = new_path ("truncated", "cut");
  const guint8 *data;
  gsize len;
  gsize lengths[] = { 0, 7, 11, 12, HEADER_LEN, HEADER_LEN + CHECKSUM_LEN, 0, 0 };

  data = g_bytes_get_data (bytes, &len);
  lengths[6] = len / 2;
  lengths[7] = len - 1;
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_test_message ("truncated to %" G_GSIZE_FORMAT " bytes", lengths[i]);
      write_file (cut, data, lengths[i]);
      assert_restore_fails (cut, BACKUP_PASSPHRASE, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_DAMAGED);
    }

  /* One byte too many is no better. */
  {
    g_autofree guint8 *longer = g_malloc (len + 1);

    memcpy (longer, data, len);
    longer[len] = 0;
    write_file (cut, longer, len + 1);
    assert_restore_fails (cut, BACKUP_PASSPHRASE, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_DAMAGED);
  }
}

/* Any byte changed anywhere is noticed: by the checksum, or, when the
 * checksum is recomputed, by the header checks or the tag. (The lowest bit
 * is flipped: no flip of it makes the memory limit big enough to slow the
 * test down.) */
static void
test_altered (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Altered Council");
  g_autofree char *backup = export_backup (store);
  g_autoptr (GBytes) bytes = lia_test_read_file (backup);
  g_autofree char *altered = new_path ("altered", "altered");
  const guint8 *data;
  gsize len;

  data = g_bytes_get_data (bytes, &len);
  for (gsize offset = 0; offset < len; offset += (offset < HEADER_LEN ? 1 : 37))
    {
      g_autofree guint8 *copy = g_memdup2 (data, len);
      g_autoptr (GError) error = NULL;
      g_autoptr (LiaSecret) passphrase = lia_secret_new_from_string (BACKUP_PASSPHRASE);
      g_autoptr (LiaOrgIdentity) identity = NULL;
      int expected;

      copy[offset] ^= 0x01;
      identity = lia_backup_open (copy, len, passphrase, &error);
      g_assert_null (identity);
      /* The version is read before the checksum: version 0x0101 is a
       * newer one, version 0 a damaged file. */
      expected = offset == VERSION_OFFSET + 1 ? LIA_BACKUP_ERROR_VERSION : LIA_BACKUP_ERROR_DAMAGED;
      g_assert_error (error, LIA_BACKUP_ERROR, expected);
      g_clear_error (&error);

      /* So is the length. */
      if (offset >= len - CHECKSUM_LEN || offset == VERSION_OFFSET || offset == VERSION_OFFSET + 1
          || (offset >= LENGTH_OFFSET && offset < HEADER_LEN))
        continue;
      fix_checksum (copy, len);
      identity = lia_backup_open (copy, len, passphrase, &error);
      g_assert_null (identity);
      /* The magic, the method and the reserved bytes are checked as such;
       * changed limits, salt, nonce or contents make a different key or a
       * wrong tag. */
      if (offset < OPSLIMIT_OFFSET)
        g_assert_error (error, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_DAMAGED);
      else
        g_assert_true (g_error_matches (error, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_WRONG_PASSPHRASE)
                       || (offset < SALT_OFFSET
                           && g_error_matches (error, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_DAMAGED)));
    }

  /* Through the store, one altered byte of the sealed contents. */
  {
    g_autofree guint8 *copy = g_memdup2 (data, len);

    copy[HEADER_LEN + 5] ^= 1;
    write_file (altered, copy, len);
    assert_restore_fails (altered, BACKUP_PASSPHRASE, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_DAMAGED);
    fix_checksum (copy, len);
    write_file (altered, copy, len);
    assert_restore_fails (altered, BACKUP_PASSPHRASE, LIA_BACKUP_ERROR,
                          LIA_BACKUP_ERROR_WRONG_PASSPHRASE);
  }
}

static void
test_newer_version (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Old Software Council");
  g_autofree char *backup = export_backup (store);
  g_autoptr (GBytes) bytes = lia_test_read_file (backup);
  g_autofree char *newer = new_path ("newer", "newer");
  g_autofree guint8 *copy = NULL;
  gsize len;
  g_autoptr (GError) error = NULL;

  copy = g_memdup2 (g_bytes_get_data (bytes, &len), g_bytes_get_size (bytes));
  copy[VERSION_OFFSET] = LIA_BACKUP_VERSION + 1;
  fix_checksum (copy, len);
  write_file (newer, copy, len);
  assert_restore_fails (newer, BACKUP_PASSPHRASE, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_VERSION);

  /* A newer version may be laid out differently: the version is read
   * before anything else, whatever the length. */
  write_file (newer, copy, 40);
  assert_restore_fails (newer, BACKUP_PASSPHRASE, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_VERSION);
  g_assert_false (lia_backup_check_header (copy, 40, &error));
  g_assert_error (error, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_VERSION);
  g_assert_nonnull (strstr (error->message, "newer version of Liaison"));
}

static void
test_not_a_backup (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Key File Council");
  g_autofree char *key_file = g_build_filename (lia_store_get_directory (store),
                                                LIA_STORE_KEY_NAME, NULL);
  g_autofree char *big = new_path ("big", "big");
  g_autofree guint8 *zeros = g_malloc0 (LIA_BACKUP_MAX_SIZE + 1);
  g_autofree char *missing = new_path ("missing", "missing");

  /* The store's key file is no backup, and a file bigger than any backup
   * is refused unread. */
  assert_restore_fails (key_file, BACKUP_PASSPHRASE, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_DAMAGED);
  write_file (big, zeros, LIA_BACKUP_MAX_SIZE + 1);
  assert_restore_fails (big, BACKUP_PASSPHRASE, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_DAMAGED);
  assert_restore_fails (missing, BACKUP_PASSPHRASE, LIA_STORE_ERROR, LIA_STORE_ERROR_FAILED);
}

static void
test_restore_into_store (void)
{
  g_autoptr (LiaStore) source = lia_test_create_store ("Source Council");
  g_autoptr (LiaStore) existing = lia_test_create_store ("Existing Council");
  g_autofree char *backup = export_backup (source);
  g_autoptr (LiaStore) target = NULL;
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (GError) error = NULL;
  const char *dir = lia_store_get_directory (existing);

  lia_store_lock (existing);
  before = lia_test_hash_dir (dir);
  target = lia_store_new (dir);
  g_assert_false (lia_store_create_from_backup (target, backup, BACKUP_PASSPHRASE,
                                                LIA_TEST_PASSPHRASE, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EXISTS);
  g_assert_true (lia_store_is_locked (target));
  lia_test_assert_dir_unchanged (before, dir);

  /* It is still the store it was. */
  g_assert_true (lia_store_unlock (existing, LIA_TEST_PASSPHRASE, NULL, NULL));
  g_assert_cmpstr (lia_store_get_org_name (existing), ==, "Existing Council");
}

static void
test_export_exists (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Exists Council");
  g_autofree char *path = new_path ("exists", "already-there");
  g_autoptr (GBytes) before = NULL;
  g_autoptr (GBytes) after = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GHashTable) hashes = NULL;

  write_file (path, (const guint8 *) "precious", 8);
  hashes = lia_test_hash_dir (dir);
  g_assert_false (lia_store_export_identity (store, path, BACKUP_PASSPHRASE, FALSE, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  lia_test_assert_dir_unchanged (hashes, dir);

  /* Replacing it is a choice. */
  g_assert_true (lia_store_export_identity (store, path, BACKUP_PASSPHRASE, TRUE, NULL, &error));
  g_assert_no_error (error);
  before = lia_test_read_file (path);
  g_assert_cmpuint (g_bytes_get_size (before), >, 100);
  /* Every backup has a fresh salt and nonce, so no two are alike. */
  g_assert_true (lia_store_export_identity (store, path, BACKUP_PASSPHRASE, TRUE, NULL, &error));
  after = lia_test_read_file (path);
  g_assert_false (g_bytes_equal (before, after));
}

static void
test_export_refused (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Refused Council");
  g_autofree char *path = new_path ("refused", "backup");
  g_autofree char *in_missing_dir = new_path ("refused", "no/such/dir/backup");
  g_autoptr (GError) error = NULL;

  g_assert_false (lia_store_export_identity (store, path, "", FALSE, NULL, &error));
  g_assert_error (error, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_EMPTY_PASSPHRASE);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_assert_false (lia_store_export_identity (store, in_missing_dir, BACKUP_PASSPHRASE, FALSE, NULL,
                                             &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_FAILED);
  g_clear_error (&error);

  lia_store_lock (store);
  g_assert_false (lia_store_export_identity (store, path, BACKUP_PASSPHRASE, FALSE, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* ---- a full disk ----------------------------------------------------------- */

/* Runs the calling test again in a subprocess and asserts that it passed;
 * returns TRUE in the subprocess, which does the work (the file size limit
 * stays there). */
static gboolean
in_subprocess (void)
{
  if (g_test_subprocess ())
    return TRUE;
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  return FALSE;
}

static void
test_disk_full_export (void)
{
  g_autoptr (LiaStore) store = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = NULL;

  if (!in_subprocess ())
    return;
  store = lia_test_create_store ("Full Disk Council");
  path = new_path ("full", "backup");
  dir = g_path_get_dirname (path);

  /* Less than a backup's few hundred bytes. */
  lia_test_limit_file_size (100);
  g_assert_false (lia_store_export_identity (store, path, BACKUP_PASSPHRASE, FALSE, NULL, &error));
  lia_test_restore_file_size_limit ();
  g_printerr ("# export with a file size limit of 100 bytes: %s\n", error->message);
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NO_SPACE);
  g_clear_error (&error);
  /* Nothing half-written, not even a temporary file. */
  d = g_dir_open (dir, 0, NULL);
  g_assert_null (g_dir_read_name (d));

  /* With space again, the export works. */
  g_assert_true (lia_store_export_identity (store, path, BACKUP_PASSPHRASE, FALSE, NULL, &error));
  g_assert_no_error (error);
}

/* Restoring on a full disk fails with NO_SPACE wherever the disk fills,
 * and leaves no half-made store; the same backup restores once there is
 * space. */
static void
test_disk_full_restore (void)
{
  /* 220 KiB: with today's schema, the migrations fit but the identity's
   * own transaction does not. */
  static const guint64 limits[] = {
    0, 4096, 16 * 1024, 32 * 1024, 64 * 1024, 128 * 1024, 220 * 1024, 256 * 1024, 1024 * 1024,
  };
  g_autoptr (LiaStore) source = NULL;
  g_autofree char *backup = NULL;
  g_autofree char *parent = NULL;
  guint n_failed = 0;

  if (!in_subprocess ())
    return;
  source = lia_test_create_store ("Full Disk Restore Council");
  g_assert_true (lia_store_rotate_keys (source, NULL, NULL));
  backup = export_backup (source);
  parent = lia_test_make_dir ("full-restore");

  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      g_autofree char *name = g_strdup_printf ("limit-%u", (guint) limits[i]);
      g_autofree char *dir = g_build_filename (parent, name, NULL);
      g_autoptr (LiaStore) store = lia_store_new (dir);
      g_autoptr (GError) error = NULL;
      gboolean created;

      lia_test_limit_file_size (limits[i]);
      created = lia_store_create_from_backup (store, backup, BACKUP_PASSPHRASE,
                                              LIA_TEST_PASSPHRASE, NULL, &error);
      lia_test_restore_file_size_limit ();
      g_printerr ("# restore with a file size limit of %u bytes: %s\n", (guint) limits[i],
                  created ? "restored" : error->message);
      if (created)
        {
          assert_same_identity (source, store);
          continue;
        }
      g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NO_SPACE);
      g_assert_true (lia_store_is_locked (store));
      g_assert_false (lia_store_exists (store));
      {
        g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);

        g_assert_nonnull (d);
        g_assert_null (g_dir_read_name (d));
      }
      n_failed++;

      /* The same directory takes the store once there is space. */
      g_clear_error (&error);
      g_assert_true (lia_store_create_from_backup (store, backup, BACKUP_PASSPHRASE,
                                                   LIA_TEST_PASSPHRASE, NULL, &error));
      g_assert_no_error (error);
      assert_same_identity (source, store);
    }
  g_assert_cmpuint (n_failed, >, 0);
}

/* ---- rotation ------------------------------------------------------------ */

static void
test_rotate (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Rotating Police");
  g_autofree char *fingerprint = lia_store_dup_fingerprint (store);
  g_autofree char *fingerprint_after = NULL;
  g_autoptr (LiaSecret) old_box_secret = lia_secret_copy (lia_store_get_box_secret (store));
  g_autoptr (LiaSecret) old_sign_secret = lia_secret_copy (lia_store_get_sign_secret (store));
  g_autoptr (GPtrArray) retired = NULL;
  g_autoptr (GError) error = NULL;
  LiaOrgPublicKeys before, after, returned, reopened;
  const LiaRetiredBoxKey *key;

  lia_store_get_public_keys (store, &before);
  assert_keys_bound (&before);
  assert_org_row_mirrors (store, &before);

  g_assert_true (lia_store_rotate_keys (store, &returned, &error));
  g_assert_no_error (error);
  lia_store_get_public_keys (store, &after);
  g_assert_cmpmem (&returned, sizeof returned, &after, sizeof after);

  /* New envelope and transport keys, each bound by the same identity key. */
  g_assert_cmpmem (after.identity, 32, before.identity, 32);
  g_assert_true (memcmp (after.box, before.box, 32) != 0);
  g_assert_true (memcmp (after.curve, before.curve, 32) != 0);
  assert_keys_bound (&after);
  fingerprint_after = lia_store_dup_fingerprint (store);
  g_assert_cmpstr (fingerprint_after, ==, fingerprint);
  g_assert_true (lia_secret_equal (lia_store_get_sign_secret (store), old_sign_secret));
  g_assert_true (bytes_equal_data (lia_store_get_box_public_key (store), after.box));
  g_assert_true (bytes_equal_data (lia_store_get_curve_public_key (store), after.curve));
  g_assert_false (lia_secret_equal (lia_store_get_box_secret (store), old_box_secret));
  assert_org_row_mirrors (store, &after);

  /* The old envelope key pair is kept. */
  retired = retired_keys (store);
  g_assert_cmpuint (retired->len, ==, 1);
  key = retired->pdata[0];
  g_assert_cmpmem (key->box_public, 32, before.box, 32);
  g_assert_true (lia_secret_equal (key->box_secret, old_box_secret));
  g_assert_cmpint (key->retired_at, >, 0);

  /* All of it survives a lock. */
  lia_store_lock (store);
  g_assert_true (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
  g_assert_no_error (error);
  lia_store_get_public_keys (store, &reopened);
  g_assert_cmpmem (&reopened, sizeof reopened, &after, sizeof after);
  g_clear_pointer (&retired, g_ptr_array_unref);
  retired = retired_keys (store);
  g_assert_cmpuint (retired->len, ==, 1);
  g_assert_true (lia_secret_equal (((LiaRetiredBoxKey *) retired->pdata[0])->box_secret,
                                   old_box_secret));
  lia_store_check (store, NULL, &error);
  g_assert_no_error (error);

  /* A second rotation retires the second key, newest first. */
  g_assert_true (lia_store_rotate_keys (store, NULL, &error));
  g_clear_pointer (&retired, g_ptr_array_unref);
  retired = retired_keys (store);
  g_assert_cmpuint (retired->len, ==, 2);
  g_assert_cmpint (((LiaRetiredBoxKey *) retired->pdata[0])->retired_at, >=,
                   ((LiaRetiredBoxKey *) retired->pdata[1])->retired_at);
}

/* An envelope key sealed for before the rotation still opens after it,
 * with the retired secret key. */
static void
test_rotate_old_envelopes_open (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Old Envelopes Council");
  static const char message[] = "a content key sealed before the rotation";
  guint8 sealed[sizeof message + crypto_box_SEALBYTES];
  guint8 opened[sizeof message];
  g_autoptr (GPtrArray) retired = NULL;
  const LiaRetiredBoxKey *key;
  LiaOrgPublicKeys keys;

  lia_store_get_public_keys (store, &keys);
  crypto_box_seal (sealed, (const guint8 *) message, sizeof message, keys.box);
  g_assert_true (lia_store_rotate_keys (store, NULL, NULL));

  g_assert_cmpint (crypto_box_seal_open (opened, sealed, sizeof sealed,
                                         g_bytes_get_data (lia_store_get_box_public_key (store),
                                                           NULL),
                                         lia_store_get_box_secret (store)->data), !=, 0);
  retired = retired_keys (store);
  key = retired->pdata[0];
  g_assert_cmpint (crypto_box_seal_open (opened, sealed, sizeof sealed, key->box_public,
                                         key->box_secret->data), ==, 0);
  g_assert_cmpmem (opened, sizeof opened, message, sizeof message);
}

static LiaAuthorStatus
any_author_cb (const guint8 *sign_public,
               gpointer      user_data)
{
  return LIA_AUTHOR_KNOWN;
}

static GBytes *
seal_for (LiaKeyring *sender, LiaStore *store, const char *text)
{
  LiaOrgPublicKeys keys;
  LiaRecipient recipient = { .number = 1 };
  g_autoptr (GBytes) content = g_bytes_new (text, strlen (text));
  g_autoptr (GError) error = NULL;
  GBytes *sealed;

  lia_store_get_public_keys (store, &keys);
  memcpy (recipient.sign_public, keys.identity, 32);
  memcpy (recipient.box_public, keys.box, 32);
  sealed = lia_envelope_seal (sender, "note", "note-1", NULL, 1, 1750000000, &recipient, 1,
                              content, &error);
  g_assert_no_error (error);
  return sealed;
}

static void
assert_opens (LiaKeyring *keyring, GBytes *sealed, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) content = lia_envelope_open_bytes (sealed, keyring, any_author_cb, NULL,
                                                        NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (content, NULL), g_bytes_get_size (content), text,
                   strlen (text));
}

/* The store's keyring opens envelopes sealed for every key it has had:
 * after a rotation, after a lock, and in a store restored from a backup. */
static void
test_rotate_keyring (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Keyring Council");
  g_autoptr (LiaOrgIdentity) other = lia_org_identity_generate ("Sender ICB", LIA_ORG_KIND_ICB);
  g_autoptr (LiaKeyring) sender = lia_keyring_new (other->sign_public, other->sign_secret,
                                                   other->box_public, other->box_secret);
  g_autoptr (GBytes) first = NULL, second = NULL, third = NULL;
  g_autoptr (LiaStore) restored = NULL;
  g_autofree char *backup = NULL;
  LiaKeyring *before, *after;
  LiaOrgPublicKeys keys;

  before = lia_store_get_keyring (store);
  first = seal_for (sender, store, "sealed for the first key");
  g_assert_true (lia_store_rotate_keys (store, NULL, NULL));
  second = seal_for (sender, store, "sealed for the second key");
  g_assert_true (lia_store_rotate_keys (store, &keys, NULL));
  third = seal_for (sender, store, "sealed for the third key");

  after = lia_store_get_keyring (store);
  g_assert_true (after != before);
  g_assert_cmpmem (lia_keyring_get_box_public (after), 32, keys.box, 32);
  assert_opens (after, first, "sealed for the first key");
  assert_opens (after, second, "sealed for the second key");
  assert_opens (after, third, "sealed for the third key");
  /* The keyring lent before the rotation still works until the lock. */
  assert_opens (before, first, "sealed for the first key");

  lia_store_lock (store);
  g_assert_true (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, NULL));
  assert_opens (lia_store_get_keyring (store), first, "sealed for the first key");
  assert_opens (lia_store_get_keyring (store), second, "sealed for the second key");

  backup = export_backup (store);
  restored = restore (backup, OTHER_PASSPHRASE);
  assert_opens (lia_store_get_keyring (restored), first, "sealed for the first key");
  assert_opens (lia_store_get_keyring (restored), third, "sealed for the third key");
}

/* A rotation that fails half-way changes nothing: not the database, not
 * the session's keys. */
static void
test_rotate_atomic (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Atomic Council");
  g_autoptr (GError) error = NULL;
  LiaOrgPublicKeys before, after;

  lia_store_get_public_keys (store, &before);
  /* The retired key goes in first; then the update fails. */
  lia_test_exec (store, "CREATE TEMP TRIGGER refuse_rotation BEFORE UPDATE ON organisation BEGIN "
                        "SELECT RAISE (ABORT, 'refused by the test'); END");
  g_assert_false (lia_store_rotate_keys (store, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "Could not rotate the organisation's keys"));
  g_assert_true (sqlite3_get_autocommit (lia_store_get_db (store)));
  g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM retired_box_key"), ==, 0);
  {
    g_autoptr (GPtrArray) retired = retired_keys (store);

    g_assert_cmpuint (retired->len, ==, 0);
  }
  lia_store_get_public_keys (store, &after);
  g_assert_cmpmem (&after, sizeof after, &before, sizeof before);
  assert_org_row_mirrors (store, &before);
  lia_test_exec (store, "DROP TRIGGER refuse_rotation");

  lia_store_lock (store);
  g_clear_error (&error);
  g_assert_false (lia_store_rotate_keys (store, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED);
}

/* A store whose organisation row has no binding signatures (made before
 * migration 3 kept them) gets them at its next unlock. */
static void
test_signatures_filled_in (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Migrated Council");
  g_autoptr (GError) error = NULL;
  LiaOrgPublicKeys before, after;

  lia_store_get_public_keys (store, &before);
  lia_test_exec (store, "UPDATE organisation SET box_signature = NULL, curve_signature = NULL");
  g_assert_cmpint (lia_test_query_int (store, "SELECT count(*) FROM org WHERE id = 1 AND "
                                              "box_signature IS NULL"), ==, 1);
  lia_store_lock (store);

  g_assert_true (lia_store_unlock (store, LIA_TEST_PASSPHRASE, NULL, &error));
  g_assert_no_error (error);
  lia_store_get_public_keys (store, &after);
  g_assert_cmpmem (&after, sizeof after, &before, sizeof before);
  assert_keys_bound (&after);
  assert_org_row_mirrors (store, &after);
}

/* ---- the contents ----------------------------------------------------------- */

static LiaOrgIdentity *
make_identity (guint n_retired)
{
  LiaOrgIdentity *identity = lia_org_identity_generate ("Contents Council", LIA_ORG_KIND_POLICE);

  for (guint i = 0; i < n_retired; i++)
    {
      LiaSecret *secret = lia_secret_new (32);
      guint8 public_key[32];

      crypto_box_keypair (public_key, secret->data);
      g_ptr_array_add (identity->retired, lia_retired_box_key_new (public_key, secret, 1000 + i));
    }
  return identity;
}

static void
assert_decode_fails (const LiaSecret *payload)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaOrgIdentity) decoded = lia_backup_decode_payload (payload->data, payload->len,
                                                                  &error);

  g_assert_null (decoded);
  g_test_message ("decode: %s", error->message);
  g_assert_error (error, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_DAMAGED);
}

static void
test_contents (void)
{
  g_autoptr (LiaOrgIdentity) identity = make_identity (3);
  g_autoptr (LiaSecret) payload = lia_backup_encode_payload (identity);
  g_autoptr (LiaSecret) again = NULL;
  g_autoptr (LiaOrgIdentity) decoded = NULL;
  g_autoptr (GError) error = NULL;

  decoded = lia_backup_decode_payload (payload->data, payload->len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (decoded->org_name, ==, "Contents Council");
  g_assert_cmpint (decoded->org_kind, ==, LIA_ORG_KIND_POLICE);
  g_assert_cmpuint (decoded->retired->len, ==, 3);
  again = lia_backup_encode_payload (decoded);
  g_assert_true (lia_secret_equal (payload, again));

  /* Too short, too long. */
  {
    g_autoptr (LiaSecret) cut = lia_secret_new_from_data (payload->data, payload->len - 1);
    g_autoptr (LiaSecret) longer = lia_secret_new (payload->len + 1);

    memcpy (longer->data, payload->data, payload->len);
    assert_decode_fails (cut);
    assert_decode_fails (longer);
  }

  /* A secret key that is not its public key's. */
  {
    g_autoptr (LiaOrgIdentity) bad = make_identity (0);
    g_autoptr (LiaSecret) bad_payload = NULL;

    /* Not byte 0 or 31: X25519 ignores the bits that clamping sets. */
    bad->box_secret->data[1] ^= 1;
    bad_payload = lia_backup_encode_payload (bad);
    assert_decode_fails (bad_payload);
  }
  {
    g_autoptr (LiaOrgIdentity) bad = make_identity (0);
    g_autoptr (LiaSecret) bad_payload = NULL;

    /* The public key half of the Ed25519 secret key must agree too. */
    bad->sign_secret->data[40] ^= 1;
    bad_payload = lia_backup_encode_payload (bad);
    assert_decode_fails (bad_payload);
  }
  {
    g_autoptr (LiaOrgIdentity) bad = make_identity (2);
    g_autoptr (LiaSecret) bad_payload = NULL;

    ((LiaRetiredBoxKey *) bad->retired->pdata[1])->box_secret->data[3] ^= 1;
    bad_payload = lia_backup_encode_payload (bad);
    assert_decode_fails (bad_payload);
  }

  /* The current key again among the retired ones. */
  {
    g_autoptr (LiaOrgIdentity) bad = make_identity (0);
    g_autoptr (LiaSecret) bad_payload = NULL;

    g_ptr_array_add (bad->retired,
                     lia_retired_box_key_new (bad->box_public, lia_secret_copy (bad->box_secret),
                                              5));
    bad_payload = lia_backup_encode_payload (bad);
    assert_decode_fails (bad_payload);
  }

  /* A name that no store would take. */
  {
    g_autoptr (LiaOrgIdentity) bad = make_identity (0);
    g_autoptr (LiaSecret) bad_payload = NULL;

    g_free (bad->org_name);
    bad->org_name = g_strdup ("Tab\tCouncil");
    bad_payload = lia_backup_encode_payload (bad);
    assert_decode_fails (bad_payload);
  }

  /* An impossible date. */
  {
    g_autoptr (LiaOrgIdentity) bad = make_identity (0);
    g_autoptr (LiaSecret) bad_payload = NULL;

    bad->created_at = -1;
    bad_payload = lia_backup_encode_payload (bad);
    assert_decode_fails (bad_payload);
  }

  /* A seal refuses what would not restore. */
  {
    g_autoptr (LiaOrgIdentity) bad = make_identity (0);
    g_autoptr (LiaSecret) passphrase = lia_secret_new_from_string (BACKUP_PASSPHRASE);
    g_autoptr (GBytes) sealed = NULL;

    bad->curve_secret->data[1] ^= 1;
    sealed = lia_backup_seal (bad, passphrase, &error);
    g_assert_null (sealed);
    g_assert_error (error, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_DAMAGED);
  }
}

/* The backup records the limits it was made with, and they are the
 * store's: the test limits here, LIA_KDF_* in the shipped program. */
static void
test_limits_recorded (void)
{
  g_autoptr (LiaStore) store = lia_test_create_store ("Limits Council");
  g_autofree char *backup = export_backup (store);
  g_autoptr (GBytes) bytes = lia_test_read_file (backup);
  const guint8 *data = g_bytes_get_data (bytes, NULL);
  guint64 opslimit = 0, memlimit = 0;

  for (guint i = 0; i < 8; i++)
    {
      opslimit |= (guint64) data[OPSLIMIT_OFFSET + i] << (8 * i);
      memlimit |= (guint64) data[OPSLIMIT_OFFSET + 8 + i] << (8 * i);
    }
  g_assert_cmpuint (opslimit, ==, LIA_TEST_KDF_OPSLIMIT);
  g_assert_cmpuint (memlimit, ==, LIA_TEST_KDF_MEMLIMIT);
  g_assert_cmpmem (data, 8, "LIAISONB", 8);
  g_assert_cmpuint (data[KDF_OFFSET], ==, 1);
}

/* ---- async --------------------------------------------------------------- */

static void
async_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
test_async (void)
{
  g_autoptr (LiaStore) source = lia_test_create_store ("Async Council");
  g_autofree char *path = new_path ("async", "backup");
  g_autofree char *parent = lia_test_make_dir ("async-restore");
  g_autofree char *dir = g_build_filename (parent, "liaison", NULL);
  g_autoptr (LiaStore) target = lia_store_new (dir);
  GAsyncResult *exported = NULL, *restored = NULL;
  g_autoptr (GError) error = NULL;

  lia_store_export_identity_async (source, path, BACKUP_PASSPHRASE, FALSE, NULL, async_done_cb,
                                   &exported);
  g_assert_true (lia_store_export_identity_finish (source, wait_for (&exported), &error));
  g_assert_no_error (error);
  g_clear_object (&exported);

  lia_store_create_from_backup_async (target, path, BACKUP_PASSPHRASE, LIA_TEST_PASSPHRASE, NULL,
                                      async_done_cb, &restored);
  g_assert_true (lia_store_create_from_backup_finish (target, wait_for (&restored), &error));
  g_assert_no_error (error);
  g_clear_object (&restored);
  assert_same_identity (source, target);

  /* A locked store reports the error through the callback. */
  lia_store_lock (source);
  lia_store_export_identity_async (source, path, BACKUP_PASSPHRASE, TRUE, NULL, async_done_cb,
                                   &exported);
  g_assert_false (lia_store_export_identity_finish (source, wait_for (&exported), &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED);
  g_clear_object (&exported);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/backup/round-trip", test_round_trip);
  g_test_add_func ("/backup/round-trip-fresh", test_round_trip_fresh);
  g_test_add_func ("/backup/file-mode", test_file_mode);
  g_test_add_func ("/backup/no-secret-in-clear", test_no_secret_in_clear);
  g_test_add_func ("/backup/limits-recorded", test_limits_recorded);
  g_test_add_func ("/backup/contents", test_contents);
  g_test_add_func ("/backup/async", test_async);
  g_test_add_func ("/backup/bad/wrong-passphrase", test_wrong_passphrase);
  g_test_add_func ("/backup/bad/truncated", test_truncated);
  g_test_add_func ("/backup/bad/altered", test_altered);
  g_test_add_func ("/backup/bad/newer-version", test_newer_version);
  g_test_add_func ("/backup/bad/not-a-backup", test_not_a_backup);
  g_test_add_func ("/backup/bad/restore-into-store", test_restore_into_store);
  g_test_add_func ("/backup/bad/export-exists", test_export_exists);
  g_test_add_func ("/backup/bad/export-refused", test_export_refused);
  g_test_add_func ("/backup/disk-full/export", test_disk_full_export);
  g_test_add_func ("/backup/disk-full/restore", test_disk_full_restore);
  g_test_add_func ("/backup/rotate", test_rotate);
  g_test_add_func ("/backup/rotate/old-envelopes-open", test_rotate_old_envelopes_open);
  g_test_add_func ("/backup/rotate/keyring", test_rotate_keyring);
  g_test_add_func ("/backup/rotate/atomic", test_rotate_atomic);
  g_test_add_func ("/backup/rotate/signatures-filled-in", test_signatures_filled_in);

  return g_test_run ();
}
