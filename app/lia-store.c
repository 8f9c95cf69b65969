/* lia-store.c: the organisation's encrypted local store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "lia-crypt-vfs.h"
#include "lia-crypto.h"
#include "lia-envelope.h"
#include "lia-hardening.h"
#include "lia-keyfile.h"
#include "lia-migrations.h"
#include "lia-store-private.h"

G_DEFINE_QUARK (lia-store-error-quark, lia_store_error)

/* Subkeys of the master key (crypto_kdf). */
#define SUBKEY_CONTEXT  "LiaStore"
#define SUBKEY_PAGES    1
#define SUBKEY_IDENTITY 2

#define MAX_ORG_NAME_CHARS 200
#define BUSY_TIMEOUT_MS    10000

/* Everything that exists only while the store is unlocked. Built off the
 * main thread by the _async functions and handed over whole, so a LiaStore
 * is never half unlocked. */
typedef struct
{
  LiaCryptKeys *keys;          /* owned */
  sqlite3      *db;            /* owned */
  char         *uri;           /* owned; opens the database through the keys */
  char         *org_name;      /* owned */
  LiaOrgKind    org_kind;
  GBytes       *sign_public;   /* owned */
  GBytes       *box_public;    /* owned */
  GBytes       *curve_public;  /* owned */
  LiaSecret    *sign_secret;   /* owned, Ed25519, 64 bytes */
  LiaSecret    *box_secret;    /* owned, X25519, 32 bytes */
  LiaSecret    *curve_secret;  /* owned, Curve25519 for ZeroMQ, 32 bytes */
  LiaSecret    *identity_key;  /* owned, wraps the secret keys in the database */
  LiaKeyring   *keyring;       /* owned, made on first use (lia_store_get_keyring) */
} Session;

struct _LiaStore
{
  GObject  parent_instance;

  char    *directory;  /* owned, absolute */
  char    *db_path;    /* owned */
  char    *key_path;   /* owned */
  Session *session;    /* owned; NULL while locked */
};

G_DEFINE_FINAL_TYPE (LiaStore, lia_store, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_DIRECTORY,
  PROP_LOCKED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- errors -------------------------------------------------------------- */

gboolean
lia_store_set_sqlite_error (GError    **error,
                            sqlite3    *db,
                            int         rc,
                            const char *what)
{
  const char *detail = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);
  int sys = db != NULL ? sqlite3_system_errno (db) : 0;
  int primary = rc & 0xff;

  if (rc == SQLITE_IOERR_AUTH)
    {
      g_autofree char *failure = lia_crypt_vfs_dup_last_failure ();

      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_TAMPERED,
                   "%s: the store is damaged or has been tampered with (%s failed "
                   "authentication). Restore the store from a backup",
                   what, failure != NULL ? failure : "a page");
    }
  else if (primary == SQLITE_FULL
           || (primary == SQLITE_IOERR && (sys == ENOSPC || sys == EFBIG)))
    g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NO_SPACE,
                 "%s: the disk is full. Nothing from this change was saved; free some space "
                 "and try again",
                 what);
  else if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_CORRUPT,
                 "%s: the store's database is damaged (%s). Restore the store from a backup",
                 what, detail);
  else if (primary == SQLITE_READONLY || primary == SQLITE_PERM
           || (primary == SQLITE_CANTOPEN && (sys == EACCES || sys == EPERM || sys == EROFS)))
    g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NOT_WRITABLE,
                 "%s: the store cannot be written (%s). Check that the store directory and "
                 "its files can be written by you",
                 what, detail);
  else
    g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_FAILED, "%s: %s", what, detail);
  return FALSE;
}

static gboolean
set_locked_error (GError **error)
{
  g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED,
                       "The store is locked; unlock it with its passphrase first");
  return FALSE;
}

static gboolean
check_cancelled (GCancellable *cancellable,
                 GError      **error)
{
  return g_cancellable_set_error_if_cancelled (cancellable, error);
}

gboolean
lia_store_set_errno_error (GError    **error,
                           int         saved_errno,
                           const char *what,
                           const char *path)
{
  int code = LIA_STORE_ERROR_FAILED;

  if (saved_errno == EACCES || saved_errno == EPERM || saved_errno == EROFS)
    code = LIA_STORE_ERROR_NOT_WRITABLE;
  else if (saved_errno == ENOSPC || saved_errno == EDQUOT || saved_errno == EFBIG)
    code = LIA_STORE_ERROR_NO_SPACE;
  g_set_error (error, LIA_STORE_ERROR, code, "%s %s: %s", what, path, g_strerror (saved_errno));
  return FALSE;
}

/* ---- connections --------------------------------------------------------- */

static gboolean
exec_sql (sqlite3 *db, const char *sql, const char *what, GError **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return lia_store_set_sqlite_error (error, db, rc, what);
  return TRUE;
}

static gboolean
query_text (sqlite3 *db, const char *sql, char **out, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the store's settings");
      sqlite3_finalize (stmt);
      return FALSE;
    }
  *out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return TRUE;
}

const char *
lia_store_connection_pragmas (void)
{
  /* temp_store=MEMORY: no temporary file is ever created (the VFS would
   * serve one from memory anyway). secure_delete: deleted content is
   * overwritten inside the encrypted pages, not left in free space.
   * synchronous=FULL: a commit is on disk when it returns, which the sync
   * protocol's acknowledgements rely on. cell_size_check: extra checks on
   * every b-tree page read, a second line behind page authentication.
   * cache_size: 8 MiB (SQLite's default is 2 MiB). A page that misses the
   * cache costs a decryption here, and a transaction that dirties more
   * pages than the cache holds spills them to the WAL and reads them back;
   * 8 MiB keeps the indexes of a large store in memory for the price of a
   * few megabytes per connection. */
  return "PRAGMA temp_store = MEMORY;"
         "PRAGMA secure_delete = ON;"
         "PRAGMA synchronous = FULL;"
         "PRAGMA foreign_keys = ON;"
         "PRAGMA cell_size_check = ON;"
         "PRAGMA cache_size = -8192;";
}

/* Opens a connection through the encrypting VFS and applies the settings
 * every connection to a store must have. */
static sqlite3 *
open_connection (const char *uri,
                 gboolean    create,
                 GError    **error)
{
  sqlite3 *db = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX
              | SQLITE_OPEN_EXRESCODE | (create ? SQLITE_OPEN_CREATE : 0);
  int rc;

  lia_crypt_vfs_register ();
  rc = sqlite3_open_v2 (uri, &db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not open the store's database");
      sqlite3_close (db);
      return NULL;
    }

  /* SQLite opens a database file that it cannot write read-only, without
   * an error, and would then create the WAL and shared-memory files beside
   * it with the same read-only mode, which would keep the store read-only
   * even after the database file's permissions are put right. */
  if (sqlite3_db_readonly (db, "main") == 1)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NOT_WRITABLE,
                   "The store's database file %s cannot be written. Check that the store "
                   "directory and its files can be written by you",
                   sqlite3_db_filename (db, "main"));
      sqlite3_close (db);
      return NULL;
    }

  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
  /* DEFENSIVE stops SQL from corrupting the file on purpose
   * (writable_schema and the like); no extension is ever loaded. */
  sqlite3_db_config (db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);

  if (!exec_sql (db, lia_store_connection_pragmas (), "Could not configure the store's database",
                 error))
    {
      sqlite3_close (db);
      return NULL;
    }

  if (create)
    {
      int reserve = LIA_CRYPT_RESERVE_BYTES;
      const char *path = sqlite3_db_filename (db, "main");

      /* SQLite gives the WAL and shared-memory files the database file's
       * mode, so this covers all three. */
      if (path == NULL || g_chmod (path, 0600) != 0)
        {
          lia_store_set_errno_error (error, errno, "Could not restrict the permissions of", path);
          sqlite3_close (db);
          return NULL;
        }

      /* Both must be fixed before the first page is written. From MEMORY
       * SQLite switches to WAL through mode OFF, so not even the header
       * page of a new store passes through a rollback journal. */
      rc = sqlite3_file_control (db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
      if (rc != SQLITE_OK)
        {
          lia_store_set_sqlite_error (error, db, rc, "Could not reserve space for page tags");
          sqlite3_close (db);
          return NULL;
        }
      if (!exec_sql (db,
                     "PRAGMA page_size = " G_STRINGIFY (LIA_CRYPT_PAGE_SIZE) ";"
                     "PRAGMA journal_mode = MEMORY;"
                     "PRAGMA journal_mode = WAL;",
                     "Could not create the store's database", error))
        {
          sqlite3_close (db);
          return NULL;
        }
    }

  return db;
}

/* Checks that the database really has the shape the VFS seals: the page
 * size, the reserved bytes and WAL mode. This is also the first read of
 * page 1, so a wrong or damaged store fails here. */
static gboolean
check_layout (sqlite3 *db, GError **error)
{
  g_autofree char *page_size = NULL;
  g_autofree char *journal_mode = NULL;
  int reserve = -1;

  if (!query_text (db, "PRAGMA page_size", &page_size, error)
      || !query_text (db, "PRAGMA journal_mode", &journal_mode, error))
    return FALSE;
  sqlite3_file_control (db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);

  if (g_strcmp0 (page_size, G_STRINGIFY (LIA_CRYPT_PAGE_SIZE)) != 0
      || reserve != LIA_CRYPT_RESERVE_BYTES || g_strcmp0 (journal_mode, "wal") != 0)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_CORRUPT,
                   "The store's database has an unexpected layout (page size %s, %d reserved "
                   "bytes, journal mode %s)",
                   page_size, reserve, journal_mode);
      return FALSE;
    }
  return TRUE;
}

/* ---- sessions ------------------------------------------------------------ */

static void
session_free (Session *session)
{
  if (session == NULL)
    return;

  if (session->db != NULL)
    {
      int rc = sqlite3_close (session->db);

      if (rc != SQLITE_OK)
        g_critical ("The store's database connection could not be closed (%s); a statement "
                    "was left unfinalised", sqlite3_errstr (rc));
    }
  if (session->keys != NULL)
    {
      lia_crypt_vfs_detach (session->keys);
      lia_crypt_keys_revoke (session->keys);
      lia_crypt_keys_unref (session->keys);
      lia_hardening_release ();
      /* SQLite's freed page cache has been wiped (see
       * lia_crypt_vfs_register()); give the memory back to the system too,
       * so a locked Liaison holds little, and the next unlock's key
       * derivation does not stack 128 MiB on top of it. */
      malloc_trim (0);
    }
  g_free (session->uri);
  g_free (session->org_name);
  g_clear_pointer (&session->sign_public, g_bytes_unref);
  g_clear_pointer (&session->box_public, g_bytes_unref);
  g_clear_pointer (&session->curve_public, g_bytes_unref);
  g_clear_pointer (&session->sign_secret, lia_secret_free);
  g_clear_pointer (&session->box_secret, lia_secret_free);
  g_clear_pointer (&session->curve_secret, lia_secret_free);
  g_clear_pointer (&session->identity_key, lia_secret_free);
  g_clear_pointer (&session->keyring, lia_keyring_free);
  g_free (session);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Session, session_free)

static LiaSecret *
derive_subkey (const LiaSecret *master,
               guint64          id)
{
  LiaSecret *subkey = lia_secret_new (32);

  G_STATIC_ASSERT (LIA_MASTER_KEY_BYTES == crypto_kdf_KEYBYTES);
  crypto_kdf_derive_from_key (subkey->data, subkey->len, id, SUBKEY_CONTEXT, master->data);
  return subkey;
}

/* Starts a session from the master key: keys for the VFS, the connection,
 * the migrations. The identity is loaded or created by the caller. */
static Session *
session_start (const char       *db_path,
               const LiaKeyFile *keyfile,
               const LiaSecret  *master,
               gboolean          create,
               GError          **error)
{
  g_autoptr (Session) session = g_new0 (Session, 1);
  g_autoptr (LiaSecret) page_key = derive_subkey (master, SUBKEY_PAGES);
  guint n_migrations;
  const LiaMigration *migrations = lia_store_migrations (&n_migrations);

  /* From here on decrypted pages may sit in SQLite's cache. */
  lia_hardening_hold ();
  session->keys = lia_crypt_keys_new (page_key->data, keyfile->db_salt);
  session->identity_key = derive_subkey (master, SUBKEY_IDENTITY);
  session->uri = lia_crypt_vfs_attach (session->keys, db_path);

  /* A WAL left behind by a crash is authenticated before SQLite recovers
   * it (a clean close removes it). This is the store's first connection;
   * another process writing to the same store at this moment could make a
   * frame look torn, which Liaison's single-process use never does. */
  if (!create && !lia_crypt_verify_wal (session->keys, db_path, error))
    return NULL;

  session->db = open_connection (session->uri, create, error);
  if (session->db == NULL)
    return NULL;
  if (!check_layout (session->db, error))
    return NULL;
  if (!lia_migrations_apply (session->db, migrations, n_migrations, -1, error))
    return NULL;
  return g_steal_pointer (&session);
}

static GBytes *
wrap_secret (const LiaSecret *key,
             const guint8    *secret,
             gsize            len)
{
  gsize total = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
  guint8 *out = g_malloc (total);

  randombytes_buf (out, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy (out + crypto_secretbox_NONCEBYTES, secret, len, out, key->data);
  return g_bytes_new_take (out, total);
}

static LiaSecret *
unwrap_secret (const LiaSecret *key,
               const void      *wrapped,
               gsize            wrapped_len,
               gsize            expected_len,
               GError         **error)
{
  const guint8 *in = wrapped;
  g_autoptr (LiaSecret) secret = NULL;

  if (wrapped_len != crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + expected_len)
    goto damaged;
  secret = lia_secret_new (expected_len);
  if (crypto_secretbox_open_easy (secret->data, in + crypto_secretbox_NONCEBYTES,
                                  wrapped_len - crypto_secretbox_NONCEBYTES, in, key->data) != 0)
    goto damaged;
  return g_steal_pointer (&secret);

damaged:
  g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_CORRUPT,
                       "The organisation's private keys in the store are damaged");
  return NULL;
}

static gboolean
bind_bytes (sqlite3_stmt *stmt, int index, GBytes *bytes)
{
  gsize len;
  const void *data = g_bytes_get_data (bytes, &len);

  return sqlite3_bind_blob (stmt, index, data, (int) len, SQLITE_TRANSIENT) == SQLITE_OK;
}

/* Makes the organisation's key pairs and writes its identity row. */
static gboolean
session_create_identity (Session    *session,
                         const char *org_name,
                         LiaOrgKind  kind,
                         GError    **error)
{
  guint8 sign_pk[crypto_sign_PUBLICKEYBYTES], box_pk[crypto_box_PUBLICKEYBYTES];
  guint8 curve_pk[crypto_box_PUBLICKEYBYTES];
  g_autoptr (GBytes) sign_wrapped = NULL, box_wrapped = NULL, curve_wrapped = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  session->sign_secret = lia_secret_new (crypto_sign_SECRETKEYBYTES);
  session->box_secret = lia_secret_new (crypto_box_SECRETKEYBYTES);
  session->curve_secret = lia_secret_new (crypto_box_SECRETKEYBYTES);
  crypto_sign_keypair (sign_pk, session->sign_secret->data);
  crypto_box_keypair (box_pk, session->box_secret->data);
  crypto_box_keypair (curve_pk, session->curve_secret->data);
  session->sign_public = g_bytes_new (sign_pk, sizeof sign_pk);
  session->box_public = g_bytes_new (box_pk, sizeof box_pk);
  session->curve_public = g_bytes_new (curve_pk, sizeof curve_pk);
  session->org_name = g_strdup (org_name);
  session->org_kind = kind;

  sign_wrapped = wrap_secret (session->identity_key, session->sign_secret->data,
                              session->sign_secret->len);
  box_wrapped = wrap_secret (session->identity_key, session->box_secret->data,
                             session->box_secret->len);
  curve_wrapped = wrap_secret (session->identity_key, session->curve_secret->data,
                               session->curve_secret->len);

  rc = sqlite3_prepare_v2 (session->db,
                           "INSERT INTO organisation (id, name, kind, created_at, sign_public, "
                           "sign_secret_wrapped, box_public, box_secret_wrapped, curve_public, "
                           "curve_secret_wrapped) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      gboolean bound =
        sqlite3_bind_text (stmt, 1, org_name, -1, SQLITE_TRANSIENT) == SQLITE_OK
        && sqlite3_bind_text (stmt, 2, lia_org_kind_to_string (kind), -1, SQLITE_STATIC) == SQLITE_OK
        && sqlite3_bind_int64 (stmt, 3, g_get_real_time () / G_USEC_PER_SEC) == SQLITE_OK
        && bind_bytes (stmt, 4, session->sign_public) && bind_bytes (stmt, 5, sign_wrapped)
        && bind_bytes (stmt, 6, session->box_public) && bind_bytes (stmt, 7, box_wrapped)
        && bind_bytes (stmt, 8, session->curve_public) && bind_bytes (stmt, 9, curve_wrapped);

      rc = bound ? sqlite3_step (stmt) : SQLITE_MISUSE;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, session->db, rc,
                                       "Could not save the organisation's identity");
  return TRUE;
}

static GBytes *
column_public_key (sqlite3_stmt *stmt, int column)
{
  if (sqlite3_column_bytes (stmt, column) != 32)
    return NULL;
  return g_bytes_new (sqlite3_column_blob (stmt, column), 32);
}

static gboolean
session_load_identity (Session *session,
                       GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;
  gboolean ok = FALSE;

  rc = sqlite3_prepare_v2 (session->db,
                           "SELECT name, kind, sign_public, sign_secret_wrapped, box_public, "
                           "box_secret_wrapped, curve_public, curve_secret_wrapped "
                           "FROM organisation WHERE id = 1",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_CORRUPT,
                         "The store holds no organisation identity; it was not created "
                         "completely. Restore it from a backup or create a new one");
  else if (rc != SQLITE_ROW)
    lia_store_set_sqlite_error (error, session->db, rc,
                                "Could not read the organisation's identity");
  else if (!lia_org_kind_from_string ((const char *) sqlite3_column_text (stmt, 1),
                                      &session->org_kind))
    g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_CORRUPT,
                         "The store's organisation has an unknown kind");
  else
    {
      session->org_name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      session->sign_public = column_public_key (stmt, 2);
      session->box_public = column_public_key (stmt, 4);
      session->curve_public = column_public_key (stmt, 6);
      session->sign_secret = unwrap_secret (session->identity_key, sqlite3_column_blob (stmt, 3),
                                            sqlite3_column_bytes (stmt, 3),
                                            crypto_sign_SECRETKEYBYTES, error);
      if (session->sign_secret != NULL)
        session->box_secret = unwrap_secret (session->identity_key,
                                             sqlite3_column_blob (stmt, 5),
                                             sqlite3_column_bytes (stmt, 5),
                                             crypto_box_SECRETKEYBYTES, error);
      if (session->box_secret != NULL)
        session->curve_secret = unwrap_secret (session->identity_key,
                                               sqlite3_column_blob (stmt, 7),
                                               sqlite3_column_bytes (stmt, 7),
                                               crypto_box_SECRETKEYBYTES, error);
      ok = session->curve_secret != NULL && session->sign_public != NULL
           && session->box_public != NULL && session->curve_public != NULL;
      if (session->curve_secret != NULL && !ok)
        g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_CORRUPT,
                             "The organisation's public keys in the store are damaged");
    }
  sqlite3_finalize (stmt);
  return ok;
}

static gboolean
path_exists (const char *path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static Session *
session_open (const char      *db_path,
              const char      *key_path,
              const LiaSecret *passphrase,
              GCancellable    *cancellable,
              GError         **error)
{
  LiaKeyFile keyfile;
  g_autoptr (LiaSecret) master = NULL;
  g_autoptr (Session) session = NULL;

  if (!path_exists (key_path) && !path_exists (db_path))
    {
      g_autofree char *dir = g_path_get_dirname (db_path);

      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NOT_FOUND,
                   "There is no Liaison store in %s", dir);
      return NULL;
    }
  if (!lia_keyfile_load (key_path, &keyfile, error))
    return NULL;
  if (!path_exists (db_path))
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_NOT_FOUND,
                   "The store's database %s is missing, though its key file is there. "
                   "Restore it from a backup",
                   db_path);
      return NULL;
    }
  if (check_cancelled (cancellable, error))
    return NULL;

  master = lia_keyfile_unwrap (&keyfile, passphrase, error);
  if (master == NULL || check_cancelled (cancellable, error))
    return NULL;

  session = session_start (db_path, &keyfile, master, FALSE, error);
  if (session == NULL || !session_load_identity (session, error))
    return NULL;
  return g_steal_pointer (&session);
}

static gboolean
validate_org_name (const char *name,
                   GError    **error)
{
  g_autofree char *stripped = NULL;
  glong chars;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID,
                           "The organisation's name is not valid text");
      return FALSE;
    }
  chars = g_utf8_strlen (name, -1);
  stripped = g_strstrip (g_strdup (name));
  if (*stripped == '\0')
    {
      g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID,
                           "The organisation needs a name");
      return FALSE;
    }
  if (chars > MAX_ORG_NAME_CHARS)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID,
                   "The organisation's name is %ld characters long; the limit is %d",
                   chars, MAX_ORG_NAME_CHARS);
      return FALSE;
    }
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        {
          g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID,
                               "The organisation's name contains a control character");
          return FALSE;
        }
    }
  return TRUE;
}

void
lia_store_remove_database_files (const char *db_path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (db_path, suffixes[i], NULL);

      (void) g_unlink (path);
    }
}

static Session *
session_create (const char      *directory,
                const char      *db_path,
                const char      *key_path,
                const char      *org_name,
                LiaOrgKind       kind,
                const LiaSecret *passphrase,
                GCancellable    *cancellable,
                GError         **error)
{
  LiaKeyFile keyfile = { 0 };
  g_autoptr (LiaSecret) master = NULL;
  g_autoptr (Session) session = NULL;
  g_autofree char *wal_path = g_strconcat (db_path, "-wal", NULL);

  if (!validate_org_name (org_name, error))
    return NULL;
  if ((guint) kind > LIA_ORG_KIND_LAST)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID,
                   "Unknown kind of organisation; the kinds are %s", lia_org_kind_all_names ());
      return NULL;
    }
  if (passphrase->len == 0)
    {
      g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EMPTY_PASSPHRASE,
                           "The passphrase is empty; choose a passphrase to protect the store");
      return NULL;
    }

  if (g_mkdir_with_parents (directory, 0700) != 0)
    {
      lia_store_set_errno_error (error, errno, "Could not create the store directory", directory);
      return NULL;
    }
  if (path_exists (key_path) || path_exists (db_path) || path_exists (wal_path))
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EXISTS,
                   "%s already holds a Liaison store; nothing was changed", directory);
      return NULL;
    }
  if (access (directory, W_OK | X_OK) != 0)
    {
      lia_store_set_errno_error (error, errno, "Cannot write to the store directory", directory);
      return NULL;
    }

  master = lia_secret_new (LIA_MASTER_KEY_BYTES);
  randombytes_buf (master->data, master->len);
  if (!lia_keyfile_wrap (&keyfile, TRUE, passphrase, master, error)
      || check_cancelled (cancellable, error))
    return NULL;

  /* The key file is written last: until it exists the directory holds no
   * store that could be opened, and any failure before then removes what
   * was made. */
  session = session_start (db_path, &keyfile, master, TRUE, error);
  if (session == NULL || !session_create_identity (session, org_name, kind, error)
      || !lia_keyfile_save (key_path, &keyfile, error))
    {
      g_clear_pointer (&session, session_free);
      lia_store_remove_database_files (db_path);
      return NULL;
    }
  return g_steal_pointer (&session);
}

static gboolean
rewrap_key_file (const char      *key_path,
                 const LiaSecret *old_passphrase,
                 const LiaSecret *new_passphrase,
                 GCancellable    *cancellable,
                 GError         **error)
{
  LiaKeyFile keyfile;
  g_autoptr (LiaSecret) master = NULL;

  if (new_passphrase->len == 0)
    {
      g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EMPTY_PASSPHRASE,
                           "The new passphrase is empty; choose a passphrase to protect the "
                           "store");
      return FALSE;
    }
  if (!lia_keyfile_load (key_path, &keyfile, error))
    return FALSE;
  master = lia_keyfile_unwrap (&keyfile, old_passphrase, error);
  if (master == NULL || check_cancelled (cancellable, error))
    return FALSE;
  /* Same master key and database salt, fresh Argon2id salt and nonce. */
  if (!lia_keyfile_wrap (&keyfile, FALSE, new_passphrase, master, error)
      || check_cancelled (cancellable, error))
    return FALSE;
  return lia_keyfile_save (key_path, &keyfile, error);
}

/* ---- GObject ------------------------------------------------------------- */

static void
lia_store_finalize (GObject *object)
{
  LiaStore *self = LIA_STORE (object);

  g_clear_pointer (&self->session, session_free);
  g_free (self->directory);
  g_free (self->db_path);
  g_free (self->key_path);
  G_OBJECT_CLASS (lia_store_parent_class)->finalize (object);
}

static void
lia_store_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LiaStore *self = LIA_STORE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_value_set_string (value, self->directory);
      break;
    case PROP_LOCKED:
      g_value_set_boolean (value, lia_store_is_locked (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lia_store_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  LiaStore *self = LIA_STORE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      {
        const char *directory = g_value_get_string (value);

        g_assert (self->directory == NULL);
        self->directory = g_canonicalize_filename (directory != NULL ? directory : ".", NULL);
        self->db_path = g_build_filename (self->directory, LIA_STORE_DB_NAME, NULL);
        self->key_path = g_build_filename (self->directory, LIA_STORE_KEY_NAME, NULL);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lia_store_class_init (LiaStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lia_store_finalize;
  object_class->get_property = lia_store_get_property;
  object_class->set_property = lia_store_set_property;

  properties[PROP_DIRECTORY] =
    g_param_spec_string ("directory", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOCKED] =
    g_param_spec_boolean ("locked", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
lia_store_init (LiaStore *self)
{
}

LiaStore *
lia_store_new (const char *directory)
{
  g_return_val_if_fail (directory != NULL, NULL);
  return g_object_new (LIA_TYPE_STORE, "directory", directory, NULL);
}

const char *
lia_store_get_directory (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  return self->directory;
}

gboolean
lia_store_exists (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), FALSE);
  return path_exists (self->key_path) || path_exists (self->db_path);
}

gboolean
lia_store_is_locked (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), TRUE);
  return self->session == NULL;
}

static void
install_session (LiaStore *self,
                 Session  *session)
{
  g_clear_pointer (&self->session, session_free);
  self->session = session;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCKED]);
}

void
lia_store_lock (LiaStore *self)
{
  g_return_if_fail (LIA_IS_STORE (self));
  if (self->session == NULL)
    return;
  g_clear_pointer (&self->session, session_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCKED]);
}

/* ---- create, unlock, change passphrase: sync and async ------------------- */

typedef enum
{
  OP_CREATE,
  OP_UNLOCK,
  OP_CHANGE_PASSPHRASE,
} Operation;

typedef struct
{
  Operation  op;
  char      *org_name;
  LiaOrgKind kind;
  LiaSecret *passphrase;      /* owned */
  LiaSecret *new_passphrase;  /* owned */
} OperationData;

static void
operation_data_free (OperationData *data)
{
  g_free (data->org_name);
  g_clear_pointer (&data->passphrase, lia_secret_free);
  g_clear_pointer (&data->new_passphrase, lia_secret_free);
  g_free (data);
}

/* Runs @data's operation; touches nothing in @self but its immutable paths,
 * so it may run in any thread. Returns a Session for create and unlock, or
 * GINT_TO_POINTER (TRUE) for a passphrase change; NULL on error. */
static gpointer
run_operation (LiaStore      *self,
               OperationData *data,
               GCancellable  *cancellable,
               GError       **error)
{
  switch (data->op)
    {
    case OP_CREATE:
      return session_create (self->directory, self->db_path, self->key_path, data->org_name,
                             data->kind, data->passphrase, cancellable, error);
    case OP_UNLOCK:
      return session_open (self->db_path, self->key_path, data->passphrase, cancellable, error);
    case OP_CHANGE_PASSPHRASE:
      return rewrap_key_file (self->key_path, data->passphrase, data->new_passphrase,
                              cancellable, error)
               ? GINT_TO_POINTER (TRUE)
               : NULL;
    default:
      g_assert_not_reached ();
    }
}

static OperationData *
operation_data_new (Operation   op,
                    const char *org_name,
                    LiaOrgKind  kind,
                    const char *passphrase,
                    const char *new_passphrase)
{
  OperationData *data = g_new0 (OperationData, 1);

  data->op = op;
  data->org_name = g_strdup (org_name);
  data->kind = kind;
  data->passphrase = lia_secret_new_from_string (passphrase);
  if (new_passphrase != NULL)
    data->new_passphrase = lia_secret_new_from_string (new_passphrase);
  return data;
}

static gboolean
run_sync (LiaStore      *self,
          OperationData *data,
          GCancellable  *cancellable,
          GError       **error)
{
  gpointer result;

  if (data->op != OP_CHANGE_PASSPHRASE && self->session != NULL)
    {
      operation_data_free (data);
      return TRUE;
    }
  result = run_operation (self, data, cancellable, error);
  if (result != NULL && data->op != OP_CHANGE_PASSPHRASE)
    install_session (self, result);
  operation_data_free (data);
  return result != NULL;
}

static void
operation_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  OperationData *data = task_data;
  GError *error = NULL;
  gpointer result = run_operation (source_object, data, cancellable, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else if (data->op == OP_CHANGE_PASSPHRASE)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) session_free);
}

static void
run_async (LiaStore           *self,
           OperationData      *data,
           gpointer            source_tag,
           GCancellable       *cancellable,
           GAsyncReadyCallback callback,
           gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, (GDestroyNotify) operation_data_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, operation_thread);
}

static gboolean
finish_session (LiaStore     *self,
                GAsyncResult *result,
                gpointer      source_tag,
                GError      **error)
{
  Session *session;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  session = g_task_propagate_pointer (G_TASK (result), error);
  if (session == NULL)
    return FALSE;
  install_session (self, session);
  return TRUE;
}

gboolean
lia_store_create (LiaStore     *self,
                  const char   *org_name,
                  LiaOrgKind    kind,
                  const char   *passphrase,
                  GCancellable *cancellable,
                  GError      **error)
{
  g_return_val_if_fail (LIA_IS_STORE (self), FALSE);
  g_return_val_if_fail (passphrase != NULL, FALSE);
  g_return_val_if_fail (self->session == NULL, FALSE);

  return run_sync (self, operation_data_new (OP_CREATE, org_name, kind, passphrase, NULL),
                   cancellable, error);
}

void
lia_store_create_async (LiaStore           *self,
                        const char         *org_name,
                        LiaOrgKind          kind,
                        const char         *passphrase,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_return_if_fail (LIA_IS_STORE (self));
  g_return_if_fail (passphrase != NULL);

  run_async (self, operation_data_new (OP_CREATE, org_name, kind, passphrase, NULL),
             lia_store_create_async, cancellable, callback, user_data);
}

gboolean
lia_store_create_finish (LiaStore     *self,
                         GAsyncResult *result,
                         GError      **error)
{
  return finish_session (self, result, lia_store_create_async, error);
}

gboolean
lia_store_unlock (LiaStore     *self,
                  const char   *passphrase,
                  GCancellable *cancellable,
                  GError      **error)
{
  g_return_val_if_fail (LIA_IS_STORE (self), FALSE);
  g_return_val_if_fail (passphrase != NULL, FALSE);

  return run_sync (self, operation_data_new (OP_UNLOCK, NULL, 0, passphrase, NULL), cancellable,
                   error);
}

void
lia_store_unlock_async (LiaStore           *self,
                        const char         *passphrase,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_return_if_fail (LIA_IS_STORE (self));
  g_return_if_fail (passphrase != NULL);

  run_async (self, operation_data_new (OP_UNLOCK, NULL, 0, passphrase, NULL),
             lia_store_unlock_async, cancellable, callback, user_data);
}

gboolean
lia_store_unlock_finish (LiaStore     *self,
                         GAsyncResult *result,
                         GError      **error)
{
  return finish_session (self, result, lia_store_unlock_async, error);
}

LiaStore *
lia_store_open (const char   *directory,
                const char   *passphrase,
                GCancellable *cancellable,
                GError      **error)
{
  g_autoptr (LiaStore) store = lia_store_new (directory);

  if (!lia_store_unlock (store, passphrase, cancellable, error))
    return NULL;
  return g_steal_pointer (&store);
}

static void
open_unlocked_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (lia_store_unlock_finish (LIA_STORE (source), result, &error))
    g_task_return_pointer (task, g_object_ref (source), g_object_unref);
  else
    g_task_return_error (task, error);
}

void
lia_store_open_async (const char         *directory,
                      const char         *passphrase,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  g_autoptr (LiaStore) store = lia_store_new (directory);
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, lia_store_open_async);
  lia_store_unlock_async (store, passphrase, cancellable, open_unlocked_cb, task);
}

LiaStore *
lia_store_open_finish (GAsyncResult *result,
                       GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
lia_store_change_passphrase (LiaStore     *self,
                             const char   *old_passphrase,
                             const char   *new_passphrase,
                             GCancellable *cancellable,
                             GError      **error)
{
  g_return_val_if_fail (LIA_IS_STORE (self), FALSE);
  g_return_val_if_fail (old_passphrase != NULL && new_passphrase != NULL, FALSE);

  return run_sync (self,
                   operation_data_new (OP_CHANGE_PASSPHRASE, NULL, 0, old_passphrase,
                                       new_passphrase),
                   cancellable, error);
}

void
lia_store_change_passphrase_async (LiaStore           *self,
                                   const char         *old_passphrase,
                                   const char         *new_passphrase,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  g_return_if_fail (LIA_IS_STORE (self));
  g_return_if_fail (old_passphrase != NULL && new_passphrase != NULL);

  run_async (self,
             operation_data_new (OP_CHANGE_PASSPHRASE, NULL, 0, old_passphrase, new_passphrase),
             lia_store_change_passphrase_async, cancellable, callback, user_data);
}

gboolean
lia_store_change_passphrase_finish (LiaStore     *self,
                                    GAsyncResult *result,
                                    GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- checking ------------------------------------------------------------ */

gboolean
lia_store_check (LiaStore *self,
                 guint64  *out_pages,
                 GError  **error)
{
  sqlite3 *db;
  g_autofree char *result = NULL;
  gboolean ok;

  g_return_val_if_fail (LIA_IS_STORE (self), FALSE);
  if (self->session == NULL)
    return set_locked_error (error);
  db = self->session->db;

  /* Holding the write lock keeps this process's other connections from
   * committing (and so from checkpointing) while the files are read
   * directly underneath SQLite. */
  if (!exec_sql (db, "BEGIN IMMEDIATE", "Could not start the check", error))
    return FALSE;
  ok = lia_crypt_verify_files (self->session->keys, self->db_path, out_pages, error)
       && query_text (db, "PRAGMA integrity_check", &result, error);
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  if (!ok)
    return FALSE;
  if (g_strcmp0 (result, "ok") != 0)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_CORRUPT,
                   "Every page of the store authenticates, but SQLite finds the database "
                   "inconsistent: %s. Restore the store from a backup",
                   result);
      return FALSE;
    }
  return TRUE;
}

/* ---- identity ------------------------------------------------------------ */

const char *
lia_store_get_org_name (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  g_return_val_if_fail (self->session != NULL, NULL);
  return self->session->org_name;
}

LiaOrgKind
lia_store_get_org_kind (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), 0);
  g_return_val_if_fail (self->session != NULL, 0);
  return self->session->org_kind;
}

GBytes *
lia_store_get_identity_public_key (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  g_return_val_if_fail (self->session != NULL, NULL);
  return self->session->sign_public;
}

LiaKeyring *
lia_store_get_keyring (LiaStore *self)
{
  Session *session;

  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  g_return_val_if_fail (self->session != NULL, NULL);

  session = self->session;
  if (session->keyring == NULL)
    session->keyring = lia_keyring_new (g_bytes_get_data (session->sign_public, NULL),
                                        session->sign_secret,
                                        g_bytes_get_data (session->box_public, NULL),
                                        session->box_secret);
  return session->keyring;
}

const LiaSecret *
lia_store_get_sign_secret (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  g_return_val_if_fail (self->session != NULL, NULL);
  return self->session->sign_secret;
}

const LiaSecret *
lia_store_get_box_secret (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  g_return_val_if_fail (self->session != NULL, NULL);
  return self->session->box_secret;
}

const LiaSecret *
lia_store_get_curve_secret (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  g_return_val_if_fail (self->session != NULL, NULL);
  return self->session->curve_secret;
}

GBytes *
lia_store_get_box_public_key (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  g_return_val_if_fail (self->session != NULL, NULL);
  return self->session->box_public;
}

GBytes *
lia_store_get_curve_public_key (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  g_return_val_if_fail (self->session != NULL, NULL);
  return self->session->curve_public;
}

char *
lia_store_dup_fingerprint (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  g_return_val_if_fail (self->session != NULL, NULL);
  return lia_identity_fingerprint (g_bytes_get_data (self->session->sign_public, NULL));
}

/* ---- private ------------------------------------------------------------- */

sqlite3 *
lia_store_get_db (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  return self->session != NULL ? self->session->db : NULL;
}

sqlite3 *
lia_store_open_connection (LiaStore *self,
                           GError  **error)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  if (self->session == NULL)
    {
      set_locked_error (error);
      return NULL;
    }
  return open_connection (self->session->uri, FALSE, error);
}

gboolean
lia_store_exec (LiaStore   *self,
                const char *sql,
                GError    **error)
{
  g_return_val_if_fail (LIA_IS_STORE (self), FALSE);
  if (self->session == NULL)
    return set_locked_error (error);
  return exec_sql (self->session->db, sql, "Could not update the store", error);
}
