/* lia-store.c: the organisation's encrypted local store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>

#include "lia-backup.h"
#include "lia-crypt-vfs.h"
#include "lia-crypto.h"
#include "lia-db.h"
#include "lia-envelope.h"
#include "lia-hardening.h"
#include "lia-invite.h"
#include "lia-keyfile.h"
#include "lia-migrations.h"
#include "lia-model-private.h"
#include "lia-store-private.h"

G_DEFINE_QUARK (lia-store-error-quark, lia_store_error)

/* Subkeys of the master key (crypto_kdf). */
#define SUBKEY_CONTEXT  "LiaStore"
#define SUBKEY_PAGES    1
#define SUBKEY_IDENTITY 2

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
  /* owned: the keyrings made before key rotations, kept until the store is
   * locked because lia_store_get_keyring() lends them for that long */
  GPtrArray    *old_keyrings;
  /* owned: LiaRetiredBoxKey, the X25519 key pairs retired by rotations,
   * newest first; the retired_box_key table, unwrapped */
  GPtrArray    *retired;
  /* The identity key's binding signatures of box_public and curve_public
   * (lia_key_binding_sign()). */
  guint8        box_signature[LIA_SIGNATURE_BYTES];
  guint8        curve_signature[LIA_SIGNATURE_BYTES];
  /* A sibling's session (lia_store_open_sibling()) shares the original's
   * page keys and VFS registration, which only the original's lock may
   * revoke and detach. */
  gboolean      sibling;
  /* How deep inside batches of disclosure log entries
   * (lia_log_batch_begin()): the signed head is written once, at the
   * outermost one's end. */
  guint         log_batch;
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

/* ---- files --------------------------------------------------------------- */

static gboolean
write_all (int fd, const guint8 *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

/* Moves @tmp_path to @path unless something is there already, in one step
 * where the file system allows it, so that no file that appears meanwhile
 * is overwritten. Sets errno on failure (EEXIST when @path exists). */
static gboolean
rename_no_replace (const char *tmp_path,
                   const char *path)
{
  int saved_errno;

  if (renameat2 (AT_FDCWD, tmp_path, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
    return TRUE;
  if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
    return FALSE;

  /* A file system without RENAME_NOREPLACE (NFS, say): a hard link is just
   * as exclusive. */
  if (link (tmp_path, path) == 0)
    {
      (void) unlink (tmp_path);
      return TRUE;
    }
  if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS)
    return FALSE;

  /* Neither (a file system without hard links): look, then rename. Only
   * another process creating @path in between could be overwritten. */
  saved_errno = errno;
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      errno = EEXIST;
      return FALSE;
    }
  errno = saved_errno;
  return rename (tmp_path, path) == 0;
}

struct _LiaAtomicFile
{
  char    *path;
  char    *tmp_path;   /* NULL once renamed into place */
  char    *dir;
  char    *what;
  gboolean replace;
  int      fd;         /* -1 once closed */
  GOutputStream *stream; /* owned, over fd without closing it; NULL until asked for */
};

static gboolean
set_exists_error (GError **error, const char *path)
{
  g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EXISTS,
               "%s already exists; it was left as it was", path);
  return FALSE;
}

/* Written by hand rather than with g_file_set_contents_full(), which folds
 * EFBIG into a generic error (a full disk must say so), always replaces
 * and wants the whole contents at once; and rather than with
 * g_file_replace(), which writes a file that does not exist yet in place,
 * and so leaves part of it behind when writing fails. */
LiaAtomicFile *
lia_atomic_file_new (const char *path,
                     gboolean    replace,
                     const char *what,
                     GError    **error)
{
  g_autoptr (LiaAtomicFile) self = g_new0 (LiaAtomicFile, 1);

  self->fd = -1;
  self->path = g_strdup (path);
  self->dir = g_path_get_dirname (path);
  self->what = g_strdup (what);
  self->replace = replace;
  if (!replace && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      set_exists_error (error, path);
      return NULL;
    }
  self->tmp_path = g_strconcat (path, ".XXXXXX", NULL);
  self->fd = g_mkstemp_full (self->tmp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (self->fd < 0)
    {
      g_autofree char *in = g_strdup_printf ("Could not write %s in", what);

      g_clear_pointer (&self->tmp_path, g_free);
      lia_store_set_errno_error (error, errno, in, self->dir);
      return NULL;
    }
  return g_steal_pointer (&self);
}

gboolean
lia_atomic_file_write (LiaAtomicFile *self,
                       const guint8  *data,
                       gsize          len,
                       GError       **error)
{
  g_return_val_if_fail (self->fd >= 0, FALSE);

  if (!write_all (self->fd, data, len))
    {
      g_autofree char *writing = g_strdup_printf ("Could not write %s", self->what);

      return lia_store_set_errno_error (error, errno, writing, self->path);
    }
  return TRUE;
}

GOutputStream *
lia_atomic_file_get_stream (LiaAtomicFile *self)
{
  g_return_val_if_fail (self->fd >= 0, NULL);

  if (self->stream == NULL)
    self->stream = g_unix_output_stream_new (self->fd, FALSE);
  return self->stream;
}

gboolean
lia_atomic_file_commit (LiaAtomicFile *self,
                        GError       **error)
{
  g_autofree char *writing = g_strdup_printf ("Could not write %s", self->what);
  int fd = self->fd;
  int dir_fd;

  g_return_val_if_fail (self->fd >= 0, FALSE);

  self->fd = -1;
  g_clear_object (&self->stream);
  if (fsync (fd) != 0)
    {
      int saved_errno = errno;

      close (fd);
      return lia_store_set_errno_error (error, saved_errno, writing, self->path);
    }
  if (close (fd) != 0 || !(self->replace ? rename (self->tmp_path, self->path) == 0
                                         : rename_no_replace (self->tmp_path, self->path)))
    {
      if (errno == EEXIST)
        return set_exists_error (error, self->path);
      return lia_store_set_errno_error (error, errno, writing, self->path);
    }
  g_clear_pointer (&self->tmp_path, g_free);

  /* The rename itself is durable only once the directory is flushed. */
  dir_fd = open (self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0 || fsync (dir_fd) != 0)
    {
      int saved_errno = errno;

      if (dir_fd >= 0)
        close (dir_fd);
      return lia_store_set_errno_error (error, saved_errno, "Could not flush to disk the directory",
                                        self->dir);
    }
  close (dir_fd);
  return TRUE;
}

void
lia_atomic_file_free (LiaAtomicFile *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->stream);
  if (self->fd >= 0)
    close (self->fd);
  if (self->tmp_path != NULL)
    (void) unlink (self->tmp_path);
  g_free (self->path);
  g_free (self->tmp_path);
  g_free (self->dir);
  g_free (self->what);
  g_free (self);
}

gboolean
lia_store_write_file (const char   *path,
                      const guint8 *data,
                      gsize         len,
                      gboolean      replace,
                      const char   *what,
                      GError      **error)
{
  g_autoptr (LiaAtomicFile) file = lia_atomic_file_new (path, replace, what, error);

  return file != NULL && lia_atomic_file_write (file, data, len, error)
         && lia_atomic_file_commit (file, error);
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

  /* The records' text waiting for the full-text index until the
   * transaction commits (lia-record.c); in memory (temp_store), and the
   * connection's own. */
  if (!exec_sql (db, lia_store_connection_pragmas (), "Could not configure the store's database",
                 error)
      || !exec_sql (db, "CREATE TEMP TABLE record_fts_pending (seq INTEGER PRIMARY KEY, "
                        "title TEXT, body TEXT)", "Could not configure the store's database",
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
      int rc;

      lia_db_cache_disable (session->db);
      rc = sqlite3_close (session->db);

      if (rc != SQLITE_OK)
        g_critical ("The store's database connection could not be closed (%s); a statement "
                    "was left unfinalised", sqlite3_errstr (rc));
    }
  if (session->keys != NULL && session->sibling)
    {
      lia_crypt_keys_unref (session->keys);
      lia_hardening_release ();
    }
  else if (session->keys != NULL)
    {
      lia_crypt_vfs_detach (session->keys);
      lia_crypt_keys_revoke (session->keys);
      lia_crypt_keys_unref (session->keys);
      lia_hardening_release ();
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
  g_clear_pointer (&session->old_keyrings, g_ptr_array_unref);
  g_clear_pointer (&session->retired, g_ptr_array_unref);
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
  lia_db_cache_enable (session->db);
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

/* ---- key bindings ---- */

/* The signatures that bind the X25519 and CURVE keys to the identity key.
 * Ed25519 signatures are deterministic, so a binding made again (after a
 * restore, say) is the same bytes. */
static void
session_sign_key_bindings (Session *session)
{
  lia_key_binding_sign (LIA_KEY_USE_BOX, g_bytes_get_data (session->box_public, NULL),
                        session->sign_secret, session->box_signature);
  lia_key_binding_sign (LIA_KEY_USE_CURVE, g_bytes_get_data (session->curve_public, NULL),
                        session->sign_secret, session->curve_signature);
}

static gboolean
bind_blob (sqlite3_stmt *stmt, int index, const void *data, gsize len)
{
  return sqlite3_bind_blob (stmt, index, data, (int) len, SQLITE_TRANSIENT) == SQLITE_OK;
}

/* Runs @stmt once (it must return no row) and finalises it, whatever
 * happened; @bound says whether binding its parameters went well. */
static int
step_once (sqlite3_stmt *stmt,
           int           rc,
           gboolean      bound)
{
  if (rc == SQLITE_OK)
    rc = bound ? sqlite3_step (stmt) : SQLITE_MISUSE;
  sqlite3_finalize (stmt);
  return rc;
}

/* Adds a retired X25519 key pair, wrapped under the identity subkey. */
static int
insert_retired_box_key (sqlite3         *db,
                        const LiaSecret *identity_key,
                        const guint8    *box_public,
                        const LiaSecret *box_secret,
                        gint64           retired_at)
{
  g_autoptr (GBytes) wrapped = wrap_secret (identity_key, box_secret->data, box_secret->len);
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "INSERT INTO retired_box_key (box_public, box_secret_wrapped, "
                               "retired_at) VALUES (?, ?, ?)",
                               -1, &stmt, NULL);

  return step_once (stmt, rc,
                    rc == SQLITE_OK && bind_blob (stmt, 1, box_public, LIA_KEY_BYTES)
                      && bind_bytes (stmt, 2, wrapped)
                      && sqlite3_bind_int64 (stmt, 3, retired_at) == SQLITE_OK);
}

/* The order of the retired keys everywhere: newest first, and by public
 * key among keys retired in the same second, as the store reads them. */
static gint
compare_retired (gconstpointer a,
                 gconstpointer b)
{
  const LiaRetiredBoxKey *x = *(const LiaRetiredBoxKey *const *) a;
  const LiaRetiredBoxKey *y = *(const LiaRetiredBoxKey *const *) b;

  if (x->retired_at != y->retired_at)
    return x->retired_at > y->retired_at ? -1 : 1;
  return memcmp (x->box_public, y->box_public, LIA_KEY_BYTES);
}

/* Takes @identity's keys into @session and writes them, with the binding
 * signatures and the retired keys, as the organisation's identity: the
 * same for a new store and for one restored from a backup. */
static gboolean
session_install_identity (Session        *session,
                          LiaOrgIdentity *identity,
                          GError        **error)
{
  g_autoptr (GBytes) sign_wrapped = NULL, box_wrapped = NULL, curve_wrapped = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  session->org_name = g_strdup (identity->org_name);
  session->org_kind = identity->org_kind;
  session->sign_public = g_bytes_new (identity->sign_public, LIA_KEY_BYTES);
  session->box_public = g_bytes_new (identity->box_public, LIA_KEY_BYTES);
  session->curve_public = g_bytes_new (identity->curve_public, LIA_KEY_BYTES);
  session->sign_secret = g_steal_pointer (&identity->sign_secret);
  session->box_secret = g_steal_pointer (&identity->box_secret);
  session->curve_secret = g_steal_pointer (&identity->curve_secret);
  session->retired = g_ptr_array_ref (identity->retired);
  g_ptr_array_sort (session->retired, compare_retired);
  session_sign_key_bindings (session);

  sign_wrapped = wrap_secret (session->identity_key, session->sign_secret->data,
                              session->sign_secret->len);
  box_wrapped = wrap_secret (session->identity_key, session->box_secret->data,
                             session->box_secret->len);
  curve_wrapped = wrap_secret (session->identity_key, session->curve_secret->data,
                               session->curve_secret->len);

  if (!exec_sql (session->db, "BEGIN IMMEDIATE", "Could not save the organisation's identity",
                 error))
    return FALSE;
  rc = sqlite3_prepare_v2 (session->db,
                           "INSERT INTO organisation (id, name, kind, created_at, sign_public, "
                           "sign_secret_wrapped, box_public, box_secret_wrapped, box_signature, "
                           "curve_public, curve_secret_wrapped, curve_signature) "
                           "VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &stmt, NULL);
  rc = step_once (stmt, rc,
                  rc == SQLITE_OK
                    && sqlite3_bind_text (stmt, 1, identity->org_name, -1, SQLITE_TRANSIENT) == SQLITE_OK
                    && sqlite3_bind_text (stmt, 2, lia_org_kind_to_string (identity->org_kind), -1,
                                          SQLITE_STATIC) == SQLITE_OK
                    && sqlite3_bind_int64 (stmt, 3, identity->created_at) == SQLITE_OK
                    && bind_bytes (stmt, 4, session->sign_public) && bind_bytes (stmt, 5, sign_wrapped)
                    && bind_bytes (stmt, 6, session->box_public) && bind_bytes (stmt, 7, box_wrapped)
                    && bind_blob (stmt, 8, session->box_signature, LIA_SIGNATURE_BYTES)
                    && bind_bytes (stmt, 9, session->curve_public)
                    && bind_bytes (stmt, 10, curve_wrapped)
                    && bind_blob (stmt, 11, session->curve_signature, LIA_SIGNATURE_BYTES));
  for (guint i = 0; rc == SQLITE_DONE && i < identity->retired->len; i++)
    {
      const LiaRetiredBoxKey *key = identity->retired->pdata[i];

      rc = insert_retired_box_key (session->db, session->identity_key, key->box_public,
                                   key->box_secret, key->retired_at);
    }
  if (rc == SQLITE_DONE)
    {
      rc = sqlite3_exec (session->db, "COMMIT", NULL, NULL, NULL);
      if (rc == SQLITE_OK)
        return TRUE;
    }
  lia_store_set_sqlite_error (error, session->db, rc, "Could not save the organisation's identity");
  sqlite3_exec (session->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static GBytes *
column_public_key (sqlite3_stmt *stmt, int column)
{
  if (sqlite3_column_bytes (stmt, column) != 32)
    return NULL;
  return g_bytes_new (sqlite3_column_blob (stmt, column), 32);
}

/* Copies a 64-byte signature from @column; FALSE when it is NULL (a store
 * from before the binding signatures were kept) or not 64 bytes. */
static gboolean
column_signature (sqlite3_stmt *stmt, int column, guint8 *out)
{
  if (sqlite3_column_bytes (stmt, column) != LIA_SIGNATURE_BYTES)
    return FALSE;
  memcpy (out, sqlite3_column_blob (stmt, column), LIA_SIGNATURE_BYTES);
  return TRUE;
}

/* Signs and saves the binding signatures of a store whose organisation row
 * has none: SQL could not make them when migration 3 added their columns. */
static gboolean
session_save_key_bindings (Session *session,
                           GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  session_sign_key_bindings (session);
  rc = sqlite3_prepare_v2 (session->db,
                           "UPDATE organisation SET box_signature = ?, curve_signature = ? "
                           "WHERE id = 1",
                           -1, &stmt, NULL);
  rc = step_once (stmt, rc,
                  rc == SQLITE_OK
                    && bind_blob (stmt, 1, session->box_signature, LIA_SIGNATURE_BYTES)
                    && bind_blob (stmt, 2, session->curve_signature, LIA_SIGNATURE_BYTES));
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, session->db, rc,
                                       "Could not save the signatures of the organisation's keys");
  return TRUE;
}

static gboolean
session_load_identity (Session *session,
                       GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;
  gboolean ok = FALSE;
  gboolean signed_before = FALSE;

  rc = sqlite3_prepare_v2 (session->db,
                           "SELECT name, kind, sign_public, sign_secret_wrapped, box_public, "
                           "box_secret_wrapped, curve_public, curve_secret_wrapped, "
                           "box_signature, curve_signature "
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
      signed_before = column_signature (stmt, 8, session->box_signature)
                      && column_signature (stmt, 9, session->curve_signature);
      ok = session->curve_secret != NULL && session->sign_public != NULL
           && session->box_public != NULL && session->curve_public != NULL;
      if (session->curve_secret != NULL && !ok)
        g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_CORRUPT,
                             "The organisation's public keys in the store are damaged");
    }
  sqlite3_finalize (stmt);
  if (ok && !signed_before)
    ok = session_save_key_bindings (session, error);
  return ok;
}

static GPtrArray *
session_read_retired_box_keys (Session *session,
                               GError **error)
{
  g_autoptr (GPtrArray) keys =
    g_ptr_array_new_with_free_func ((GDestroyNotify) lia_retired_box_key_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (session->db,
                           "SELECT box_public, box_secret_wrapped, retired_at FROM retired_box_key "
                           "ORDER BY retired_at DESC, box_public",  /* compare_retired()'s order */
                           -1, &stmt, NULL);
  while (rc == SQLITE_OK || rc == SQLITE_ROW)
    {
      LiaSecret *secret;

      rc = sqlite3_step (stmt);
      if (rc != SQLITE_ROW)
        break;

      if (sqlite3_column_bytes (stmt, 0) != LIA_KEY_BYTES)
        {
          g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_CORRUPT,
                               "The organisation's retired keys in the store are damaged");
          sqlite3_finalize (stmt);
          return NULL;
        }
      secret = unwrap_secret (session->identity_key, sqlite3_column_blob (stmt, 1),
                              sqlite3_column_bytes (stmt, 1), crypto_box_SECRETKEYBYTES, error);
      if (secret == NULL)
        {
          sqlite3_finalize (stmt);
          return NULL;
        }
      g_ptr_array_add (keys, lia_retired_box_key_new (sqlite3_column_blob (stmt, 0), secret,
                                                      sqlite3_column_int64 (stmt, 2)));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, session->db, rc,
                                  "Could not read the organisation's retired keys");
      return NULL;
    }
  return g_steal_pointer (&keys);
}

/* A store just migrated to the milestone table (or changed by something
 * that bypassed lia_db_commit()) has cases waiting to be computed; they are
 * computed now rather than by the first command that reads them. This is
 * not allowed to stop the store from opening (a full disk would otherwise
 * lock a person out of their own store): whatever is left is computed, or
 * reported, when the deadlines are next read. */
static void
session_update_deadlines (Session *session)
{
  g_autoptr (GError) error = NULL;

  if (!lia_db_begin (session->db, &error)
      || !lia_deadlines_update (session->db, FALSE, &error)
      || !lia_db_commit (session->db, &error))
    {
      lia_db_rollback (session->db);
      g_message ("The deadlines could not be brought up to date now; they will be when next "
                 "read: %s", error->message);
    }
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
  session->retired = session_read_retired_box_keys (session, error);
  if (session->retired == NULL)
    return NULL;
  session_update_deadlines (session);
  return g_steal_pointer (&session);
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

static gboolean
check_no_store (const char *directory,
                const char *db_path,
                const char *key_path,
                GError    **error)
{
  g_autofree char *wal_path = g_strconcat (db_path, "-wal", NULL);

  if (path_exists (key_path) || path_exists (db_path) || path_exists (wal_path))
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EXISTS,
                   "%s already holds a Liaison store; nothing was changed", directory);
      return FALSE;
    }
  return TRUE;
}

/* Makes a new store: with a fresh identity for @org_name and @kind, or,
 * when @backup_path is given, with the identity in that backup (opened with
 * @backup_passphrase). Everything is checked that can be before anything
 * is written, and the slow steps come last. */
static Session *
session_create (const char      *directory,
                const char      *db_path,
                const char      *key_path,
                const char      *org_name,
                LiaOrgKind       kind,
                const char      *backup_path,
                const LiaSecret *backup_passphrase,
                const LiaSecret *passphrase,
                GCancellable    *cancellable,
                GError         **error)
{
  LiaKeyFile keyfile = { 0 };
  g_autoptr (LiaSecret) master = NULL;
  g_autoptr (Session) session = NULL;
  g_autoptr (GBytes) backup = NULL;
  g_autoptr (LiaOrgIdentity) identity = NULL;

  if (backup_path != NULL)
    {
      /* A damaged backup, or one of a newer version, is refused before
       * anything is made or any passphrase is tried. */
      backup = lia_backup_load_file (backup_path, error);
      if (backup == NULL
          || !lia_backup_check_header (g_bytes_get_data (backup, NULL), g_bytes_get_size (backup),
                                       error))
        return NULL;
    }
  else
    {
      if (!lia_org_name_check (org_name, error))
        return NULL;
      if ((guint) kind > LIA_ORG_KIND_LAST)
        {
          g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID,
                       "Unknown kind of organisation; the kinds are %s",
                       lia_org_kind_all_names ());
          return NULL;
        }
    }
  if (passphrase->len == 0)
    {
      g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_EMPTY_PASSPHRASE,
                           "The passphrase is empty; choose a passphrase to protect the store");
      return NULL;
    }

  if (!check_no_store (directory, db_path, key_path, error))
    return NULL;

  /* Before the directory is made: a wrong backup passphrase leaves no
   * trace. */
  if (backup != NULL)
    identity = lia_backup_open (g_bytes_get_data (backup, NULL), g_bytes_get_size (backup),
                                backup_passphrase, error);
  else
    identity = lia_org_identity_generate (org_name, kind);
  if (identity == NULL || check_cancelled (cancellable, error))
    return NULL;

  if (g_mkdir_with_parents (directory, 0700) != 0)
    {
      lia_store_set_errno_error (error, errno, "Could not create the store directory", directory);
      return NULL;
    }
  /* Again, now that the directory is certainly there (another process
   * might have made a store in it meanwhile). */
  if (!check_no_store (directory, db_path, key_path, error))
    return NULL;
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
  if (session == NULL || !session_install_identity (session, identity, error)
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
  /* SQLite's freed page cache has been wiped (see lia_crypt_vfs_register());
   * give the memory back to the system too, so that a locked Liaison holds
   * little and the next unlock's key derivation does not stack 128 MiB on
   * top of it. Only here: a store that is finalized (a command about to
   * exit) would spend a few hundred madvise() calls on memory the process
   * is about to give back anyway, 10 to 20 ms of liaison-cli's time. */
  malloc_trim (0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCKED]);
}

/* ---- create, unlock, change passphrase, export: sync and async ---------- */

typedef enum
{
  OP_CREATE,
  OP_CREATE_FROM_BACKUP,
  OP_UNLOCK,
  OP_CHANGE_PASSPHRASE,
  OP_EXPORT_IDENTITY,
} Operation;

typedef struct
{
  Operation       op;
  char           *org_name;
  LiaOrgKind      kind;
  LiaSecret      *passphrase;         /* owned; for an export, the backup's */
  LiaSecret      *new_passphrase;     /* owned */
  char           *path;               /* owned: the backup to restore or to write */
  LiaSecret      *backup_passphrase;  /* owned, for a restore */
  LiaOrgIdentity *identity;           /* owned, for an export: gathered beforehand */
  gboolean        replace;            /* an export may replace an existing file */
} OperationData;

static void
operation_data_free (OperationData *data)
{
  g_free (data->org_name);
  g_clear_pointer (&data->passphrase, lia_secret_free);
  g_clear_pointer (&data->new_passphrase, lia_secret_free);
  g_free (data->path);
  g_clear_pointer (&data->backup_passphrase, lia_secret_free);
  g_clear_pointer (&data->identity, lia_org_identity_free);
  g_free (data);
}

/* Whether @op makes a session (and so is what unlocks the store). */
static gboolean
operation_unlocks (Operation op)
{
  return op == OP_CREATE || op == OP_CREATE_FROM_BACKUP || op == OP_UNLOCK;
}

static gboolean
export_identity (OperationData *data,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr (GBytes) sealed = NULL;

  sealed = lia_backup_seal (data->identity, data->passphrase, error);
  if (sealed == NULL || check_cancelled (cancellable, error))
    return FALSE;
  return lia_store_write_file (data->path, g_bytes_get_data (sealed, NULL),
                               g_bytes_get_size (sealed), data->replace, "the identity backup",
                               error);
}

/* Runs @data's operation; touches nothing in @self but its immutable paths,
 * so it may run in any thread. Returns a Session for the operations that
 * unlock, or GINT_TO_POINTER (TRUE) for the others; NULL on error. */
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
                             data->kind, NULL, NULL, data->passphrase, cancellable, error);
    case OP_CREATE_FROM_BACKUP:
      return session_create (self->directory, self->db_path, self->key_path, NULL, 0, data->path,
                             data->backup_passphrase, data->passphrase, cancellable, error);
    case OP_UNLOCK:
      return session_open (self->db_path, self->key_path, data->passphrase, cancellable, error);
    case OP_CHANGE_PASSPHRASE:
      return rewrap_key_file (self->key_path, data->passphrase, data->new_passphrase,
                              cancellable, error)
               ? GINT_TO_POINTER (TRUE)
               : NULL;
    case OP_EXPORT_IDENTITY:
      return export_identity (data, cancellable, error) ? GINT_TO_POINTER (TRUE) : NULL;
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

  if (operation_unlocks (data->op) && self->session != NULL)
    {
      operation_data_free (data);
      return TRUE;
    }
  result = run_operation (self, data, cancellable, error);
  if (result != NULL && operation_unlocks (data->op))
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
  else if (!operation_unlocks (data->op))
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

static OperationData *
restore_data_new (const char *backup_path,
                  const char *backup_passphrase,
                  const char *passphrase)
{
  OperationData *data = operation_data_new (OP_CREATE_FROM_BACKUP, NULL, 0, passphrase, NULL);

  data->path = g_strdup (backup_path);
  data->backup_passphrase = lia_secret_new_from_string (backup_passphrase);
  return data;
}

gboolean
lia_store_create_from_backup (LiaStore     *self,
                              const char   *backup_path,
                              const char   *backup_passphrase,
                              const char   *passphrase,
                              GCancellable *cancellable,
                              GError      **error)
{
  g_return_val_if_fail (LIA_IS_STORE (self), FALSE);
  g_return_val_if_fail (backup_path != NULL, FALSE);
  g_return_val_if_fail (backup_passphrase != NULL && passphrase != NULL, FALSE);
  g_return_val_if_fail (self->session == NULL, FALSE);

  return run_sync (self, restore_data_new (backup_path, backup_passphrase, passphrase),
                   cancellable, error);
}

void
lia_store_create_from_backup_async (LiaStore           *self,
                                    const char         *backup_path,
                                    const char         *backup_passphrase,
                                    const char         *passphrase,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data)
{
  g_return_if_fail (LIA_IS_STORE (self));
  g_return_if_fail (backup_path != NULL);
  g_return_if_fail (backup_passphrase != NULL && passphrase != NULL);

  run_async (self, restore_data_new (backup_path, backup_passphrase, passphrase),
             lia_store_create_from_backup_async, cancellable, callback, user_data);
}

gboolean
lia_store_create_from_backup_finish (LiaStore     *self,
                                     GAsyncResult *result,
                                     GError      **error)
{
  return finish_session (self, result, lia_store_create_from_backup_async, error);
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
    {
      session->keyring = lia_keyring_new (g_bytes_get_data (session->sign_public, NULL),
                                          session->sign_secret,
                                          g_bytes_get_data (session->box_public, NULL),
                                          session->box_secret);
      /* Oldest first: the keyring tries the one added last first. */
      for (guint i = session->retired->len; i > 0; i--)
        {
          const LiaRetiredBoxKey *key = session->retired->pdata[i - 1];

          lia_keyring_add_retired_box_key (session->keyring, key->box_public, key->box_secret);
        }
    }
  return session->keyring;
}

const LiaSecret *
lia_store_get_sign_secret (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  g_return_val_if_fail (self->session != NULL, NULL);
  return self->session->sign_secret;
}

guint *
lia_store_log_batch (LiaStore *self)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  g_return_val_if_fail (self->session != NULL, NULL);
  return &self->session->log_batch;
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

void
lia_store_get_public_keys (LiaStore         *self,
                           LiaOrgPublicKeys *out_keys)
{
  Session *session;

  g_return_if_fail (LIA_IS_STORE (self));
  g_return_if_fail (self->session != NULL);
  g_return_if_fail (out_keys != NULL);

  session = self->session;
  memcpy (out_keys->identity, g_bytes_get_data (session->sign_public, NULL), LIA_KEY_BYTES);
  memcpy (out_keys->box, g_bytes_get_data (session->box_public, NULL), LIA_KEY_BYTES);
  memcpy (out_keys->box_signature, session->box_signature, LIA_SIGNATURE_BYTES);
  memcpy (out_keys->curve, g_bytes_get_data (session->curve_public, NULL), LIA_KEY_BYTES);
  memcpy (out_keys->curve_signature, session->curve_signature, LIA_SIGNATURE_BYTES);
}

static GPtrArray *
copy_retired_box_keys (GPtrArray *retired)
{
  GPtrArray *copy = g_ptr_array_new_full (retired->len, (GDestroyNotify) lia_retired_box_key_free);

  for (guint i = 0; i < retired->len; i++)
    {
      const LiaRetiredBoxKey *key = retired->pdata[i];

      g_ptr_array_add (copy, lia_retired_box_key_new (key->box_public,
                                                      lia_secret_copy (key->box_secret),
                                                      key->retired_at));
    }
  return copy;
}

GPtrArray *
lia_store_dup_retired_box_keys (LiaStore *self,
                                GError  **error)
{
  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  if (self->session == NULL)
    {
      set_locked_error (error);
      return NULL;
    }
  return copy_retired_box_keys (self->session->retired);
}

/* A copy of the organisation's whole identity, its secret keys in new
 * LiaSecrets, for a backup. */
static LiaOrgIdentity *
session_dup_identity (Session *session,
                      GError **error)
{
  g_autoptr (LiaOrgIdentity) identity = lia_org_identity_new ();
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (session->db, "SELECT created_at FROM organisation WHERE id = 1", -1,
                           &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    identity->created_at = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    {
      lia_store_set_sqlite_error (error, session->db, rc,
                                  "Could not read the organisation's identity");
      return NULL;
    }

  g_clear_pointer (&identity->retired, g_ptr_array_unref);
  identity->retired = copy_retired_box_keys (session->retired);
  identity->org_name = g_strdup (session->org_name);
  identity->org_kind = session->org_kind;
  memcpy (identity->sign_public, g_bytes_get_data (session->sign_public, NULL), LIA_KEY_BYTES);
  memcpy (identity->box_public, g_bytes_get_data (session->box_public, NULL), LIA_KEY_BYTES);
  memcpy (identity->curve_public, g_bytes_get_data (session->curve_public, NULL), LIA_KEY_BYTES);
  identity->sign_secret = lia_secret_copy (session->sign_secret);
  identity->box_secret = lia_secret_copy (session->box_secret);
  identity->curve_secret = lia_secret_copy (session->curve_secret);
  return g_steal_pointer (&identity);
}

/* The identity is gathered here, on the store's own thread and connection;
 * only the slow sealing and the writing are left for the operation. */
static OperationData *
export_data_new (LiaStore   *self,
                 const char *path,
                 const char *backup_passphrase,
                 gboolean    replace,
                 GError    **error)
{
  OperationData *data;
  LiaOrgIdentity *identity;

  if (self->session == NULL)
    {
      set_locked_error (error);
      return NULL;
    }
  identity = session_dup_identity (self->session, error);
  if (identity == NULL)
    return NULL;
  data = operation_data_new (OP_EXPORT_IDENTITY, NULL, 0, backup_passphrase, NULL);
  data->path = g_strdup (path);
  data->replace = replace;
  data->identity = identity;
  return data;
}

gboolean
lia_store_export_identity (LiaStore     *self,
                           const char   *path,
                           const char   *backup_passphrase,
                           gboolean      replace,
                           GCancellable *cancellable,
                           GError      **error)
{
  OperationData *data;

  g_return_val_if_fail (LIA_IS_STORE (self), FALSE);
  g_return_val_if_fail (path != NULL && backup_passphrase != NULL, FALSE);

  data = export_data_new (self, path, backup_passphrase, replace, error);
  if (data == NULL)
    return FALSE;
  return run_sync (self, data, cancellable, error);
}

void
lia_store_export_identity_async (LiaStore           *self,
                                 const char         *path,
                                 const char         *backup_passphrase,
                                 gboolean            replace,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  GError *error = NULL;
  OperationData *data;

  g_return_if_fail (LIA_IS_STORE (self));
  g_return_if_fail (path != NULL && backup_passphrase != NULL);

  data = export_data_new (self, path, backup_passphrase, replace, &error);
  if (data == NULL)
    {
      g_task_report_error (self, callback, user_data, lia_store_export_identity_async, error);
      return;
    }
  run_async (self, data, lia_store_export_identity_async, cancellable, callback, user_data);
}

gboolean
lia_store_export_identity_finish (LiaStore     *self,
                                  GAsyncResult *result,
                                  GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
lia_store_rotate_keys (LiaStore         *self,
                       LiaOrgPublicKeys *out_keys,
                       GError          **error)
{
  Session *session;
  g_autoptr (LiaSecret) box_secret = lia_secret_new (crypto_box_SECRETKEYBYTES);
  g_autoptr (LiaSecret) curve_secret = lia_secret_new (crypto_box_SECRETKEYBYTES);
  g_autoptr (GBytes) box_wrapped = NULL, curve_wrapped = NULL;
  guint8 box_public[LIA_KEY_BYTES], curve_public[LIA_KEY_BYTES];
  guint8 box_signature[LIA_SIGNATURE_BYTES], curve_signature[LIA_SIGNATURE_BYTES];
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  sqlite3_stmt *stmt = NULL;
  const char *what = "Could not rotate the organisation's keys";
  int rc;

  g_return_val_if_fail (LIA_IS_STORE (self), FALSE);
  if (self->session == NULL)
    return set_locked_error (error);
  session = self->session;

  /* Every retired key must fit in an identity backup, or the backup that
   * would keep them could no longer be made. */
  if (session->retired->len >= LIA_BACKUP_MAX_RETIRED)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID,
                   "This organisation has already retired %u keys, as many as an identity "
                   "backup can hold; its keys cannot be rotated again",
                   LIA_BACKUP_MAX_RETIRED);
      return FALSE;
    }

  crypto_box_keypair (box_public, box_secret->data);
  crypto_box_keypair (curve_public, curve_secret->data);
  lia_key_binding_sign (LIA_KEY_USE_BOX, box_public, session->sign_secret, box_signature);
  lia_key_binding_sign (LIA_KEY_USE_CURVE, curve_public, session->sign_secret, curve_signature);
  box_wrapped = wrap_secret (session->identity_key, box_secret->data, box_secret->len);
  curve_wrapped = wrap_secret (session->identity_key, curve_secret->data, curve_secret->len);

  /* One transaction: the old X25519 key is kept (still wrapped as it was)
   * exactly when the new keys replace it, or neither happens. */
  if (!exec_sql (session->db, "BEGIN IMMEDIATE", what, error))
    return FALSE;
  rc = sqlite3_prepare_v2 (session->db,
                           "INSERT INTO retired_box_key (box_public, box_secret_wrapped, "
                           "retired_at) SELECT box_public, box_secret_wrapped, ? "
                           "FROM organisation WHERE id = 1",
                           -1, &stmt, NULL);
  rc = step_once (stmt, rc, rc == SQLITE_OK && sqlite3_bind_int64 (stmt, 1, now) == SQLITE_OK);
  if (rc == SQLITE_DONE && sqlite3_changes (session->db) != 1)
    rc = SQLITE_CORRUPT;
  if (rc == SQLITE_DONE)
    {
      rc = sqlite3_prepare_v2 (session->db,
                               "UPDATE organisation SET box_public = ?, box_secret_wrapped = ?, "
                               "box_signature = ?, curve_public = ?, curve_secret_wrapped = ?, "
                               "curve_signature = ? WHERE id = 1",
                               -1, &stmt, NULL);
      rc = step_once (stmt, rc,
                      rc == SQLITE_OK && bind_blob (stmt, 1, box_public, LIA_KEY_BYTES)
                        && bind_bytes (stmt, 2, box_wrapped)
                        && bind_blob (stmt, 3, box_signature, LIA_SIGNATURE_BYTES)
                        && bind_blob (stmt, 4, curve_public, LIA_KEY_BYTES)
                        && bind_bytes (stmt, 5, curve_wrapped)
                        && bind_blob (stmt, 6, curve_signature, LIA_SIGNATURE_BYTES));
    }
  if (rc == SQLITE_DONE)
    rc = sqlite3_exec (session->db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      lia_store_set_sqlite_error (error, session->db, rc, what);
      sqlite3_exec (session->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }

  /* Committed: the session follows. The old X25519 key pair joins the
   * retired ones; the keyring is made again, with it, when next asked for,
   * and the old one is kept for whoever borrowed it. */
  g_ptr_array_add (session->retired,
                   lia_retired_box_key_new (g_bytes_get_data (session->box_public, NULL),
                                            g_steal_pointer (&session->box_secret), now));
  g_ptr_array_sort (session->retired, compare_retired);
  if (session->keyring != NULL)
    {
      if (session->old_keyrings == NULL)
        session->old_keyrings = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_keyring_free);
      g_ptr_array_add (session->old_keyrings, g_steal_pointer (&session->keyring));
    }
  g_clear_pointer (&session->box_public, g_bytes_unref);
  g_clear_pointer (&session->curve_public, g_bytes_unref);
  g_clear_pointer (&session->curve_secret, lia_secret_free);
  session->box_public = g_bytes_new (box_public, LIA_KEY_BYTES);
  session->curve_public = g_bytes_new (curve_public, LIA_KEY_BYTES);
  session->box_secret = g_steal_pointer (&box_secret);
  session->curve_secret = g_steal_pointer (&curve_secret);
  memcpy (session->box_signature, box_signature, LIA_SIGNATURE_BYTES);
  memcpy (session->curve_signature, curve_signature, LIA_SIGNATURE_BYTES);
  if (out_keys != NULL)
    lia_store_get_public_keys (self, out_keys);
  return TRUE;
}

/* ---- settings ------------------------------------------------------------ */

#define SETTING_MAX_NAME  64
#define SETTING_MAX_VALUE 4096

char *
lia_store_dup_setting (LiaStore   *self,
                       const char *name,
                       GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;
  int rc;

  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  if (self->session == NULL)
    {
      set_locked_error (error);
      return NULL;
    }
  rc = sqlite3_prepare_v2 (self->session->db, "SELECT value FROM setting WHERE name = ?", -1,
                           &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
    }
  if (rc == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    lia_store_set_sqlite_error (error, self->session->db, rc, "Could not read a setting");
  sqlite3_finalize (stmt);
  return value;
}

gboolean
lia_store_set_setting (LiaStore   *self,
                       const char *name,
                       const char *value,
                       GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (LIA_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL && *name != '\0' && strlen (name) <= SETTING_MAX_NAME, FALSE);
  if (self->session == NULL)
    return set_locked_error (error);
  if (value != NULL && (strlen (value) > SETTING_MAX_VALUE || !g_utf8_validate (value, -1, NULL)))
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID,
                   "The value of the setting %s is not text of at most %u bytes", name,
                   SETTING_MAX_VALUE);
      return FALSE;
    }
  rc = sqlite3_prepare_v2 (self->session->db,
                           value != NULL
                             ? "INSERT INTO setting (name, value) VALUES (?1, ?2) "
                               "ON CONFLICT (name) DO UPDATE SET value = ?2"
                             : "DELETE FROM setting WHERE name = ?1",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
      if (value != NULL)
        sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, self->session->db, rc, "Could not save a setting");
  return TRUE;
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

LiaStore *
lia_store_open_sibling (LiaStore *self,
                        GError  **error)
{
  Session *from;
  g_autoptr (Session) session = NULL;
  LiaStore *sibling;

  g_return_val_if_fail (LIA_IS_STORE (self), NULL);
  if (self->session == NULL)
    {
      set_locked_error (error);
      return NULL;
    }
  from = self->session;

  session = g_new0 (Session, 1);
  session->sibling = TRUE;
  /* Its copies of the secrets keep the process out of core dumps as long
   * as they live, whatever becomes of the original. */
  lia_hardening_hold ();
  session->keys = lia_crypt_keys_ref (from->keys);
  session->uri = g_strdup (from->uri);
  session->db = open_connection (session->uri, FALSE, error);
  if (session->db == NULL)
    return NULL;
  lia_db_cache_enable (session->db);
  session->org_name = g_strdup (from->org_name);
  session->org_kind = from->org_kind;
  session->sign_public = g_bytes_ref (from->sign_public);
  session->box_public = g_bytes_ref (from->box_public);
  session->curve_public = g_bytes_ref (from->curve_public);
  session->sign_secret = lia_secret_copy (from->sign_secret);
  session->box_secret = lia_secret_copy (from->box_secret);
  session->curve_secret = lia_secret_copy (from->curve_secret);
  session->identity_key = lia_secret_copy (from->identity_key);
  session->retired = copy_retired_box_keys (from->retired);
  memcpy (session->box_signature, from->box_signature, LIA_SIGNATURE_BYTES);
  memcpy (session->curve_signature, from->curve_signature, LIA_SIGNATURE_BYTES);

  sibling = lia_store_new (self->directory);
  sibling->session = g_steal_pointer (&session);
  return sibling;
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
