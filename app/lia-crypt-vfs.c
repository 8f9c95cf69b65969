/* lia-crypt-vfs.c: an SQLite VFS that encrypts every page at rest.
 *
 * This is a shim over the system's default VFS. The database file and its
 * write-ahead log pass through it; every page is sealed with
 * XChaCha20-Poly1305 on its way to disk and opened (and authenticated) on its
 * way back. SQLite reserves LIA_CRYPT_RESERVE_BYTES at the end of each page
 * for us, so an encrypted page is exactly as large as a plain one and file
 * offsets are the same on both sides of the shim:
 *
 *   | ciphertext of bytes 0..4039 | nonce (24) | tag (16) | frame MAC (16) |
 *
 * Nonces never repeat: each open file draws a random 16-byte prefix and
 * counts in the last 8 bytes. The associated data is the store's database
 * salt and the page number, so a page cannot be moved to another position
 * or into another store without failing authentication. Page 1, with
 * SQLite's file header, is encrypted like any other page: the VFS knows the
 * page size, so SQLite's first read of the 100-byte header is served by
 * decrypting the whole page.
 *
 * In the WAL, SQLite's 32-byte file header and 24-byte frame headers pass
 * through unchanged (they hold page numbers, salts and checksums, no
 * content). Each frame's page image is sealed exactly as the page would be
 * in the database file, and its last 16 bytes hold a MAC (keyed BLAKE2b,
 * under a key of its own) over the frame header's page number and commit
 * size, the salts of the WAL generation, the frame's number and the page's
 * tag. (The generation's salts, not the frame header's copy of them: while
 * a transaction that spilled pages is open, SQLite writes its frame headers
 * with zero salts and puts the real ones in at commit.) SQLite's own frame
 * checksums are linear and can be recomputed without the plaintext; the MAC
 * is what stops frames being moved, replayed from another WAL generation or
 * given another commit mark. In the database file the MAC field must be
 * zero, so every byte of every page is checked.
 *
 * Because WAL pages are sealed as database pages, a checkpoint copies them
 * still sealed: between SQLITE_FCNTL_CKPT_START and _DONE, SQLite reads each
 * frame's page into a buffer and writes that buffer to the database file
 * unchanged, so the VFS hands it the sealed bytes (after checking the MAC)
 * and writes them back as they are, with the MAC field cleared.
 *
 * No other file is written in clear: temporary files (sorter spills,
 * statement journals, transient tables) are served from memory, and a
 * rollback journal, which a WAL-mode store never needs, is refused outright.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <sodium.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "lia-crypt-vfs.h"
#include "lia-crypto.h"
#include "lia-store.h"

#define PAGE_SIZE     LIA_CRYPT_PAGE_SIZE
#define USABLE_SIZE   (LIA_CRYPT_PAGE_SIZE - LIA_CRYPT_RESERVE_BYTES)
#define NONCE_AT      USABLE_SIZE
#define TAG_AT        (NONCE_AT + LIA_CRYPT_NONCE_BYTES)
#define FRAME_MAC_AT  (TAG_AT + LIA_CRYPT_TAG_BYTES)
/* Associated data of a page: the database salt and the page number. */
#define AD_BYTES      (LIA_CRYPT_SALT_BYTES + 4)
/* What a frame MAC covers: frame header bytes 0-7 (page number, commit
 * size), the WAL generation's salts, the frame number and the page's tag. */
#define SALT_BYTES      8
#define FRAME_MAC_INPUT (8 + SALT_BYTES + 4 + LIA_CRYPT_TAG_BYTES)
#define WAL_HDR_SIZE  32
#define FRAME_HDR     24
#define FRAME_SIZE    (FRAME_HDR + PAGE_SIZE)
#define URI_PARAM     "lia_key"
#define TOKEN_BYTES   16

G_STATIC_ASSERT (LIA_CRYPT_NONCE_BYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
G_STATIC_ASSERT (LIA_CRYPT_TAG_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES);
G_STATIC_ASSERT (LIA_CRYPT_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
G_STATIC_ASSERT (FRAME_MAC_AT + LIA_CRYPT_FRAME_MAC_BYTES == PAGE_SIZE);
G_STATIC_ASSERT (LIA_CRYPT_KEY_BYTES == crypto_kdf_KEYBYTES);

struct _LiaCryptKeys
{
  gatomicrefcount ref;
  /* Readers are page operations; the writer is lia_crypt_keys_revoke(), so
   * the keys are never wiped under an operation in progress. */
  GRWLock         key_lock;
  /* owned, sodium_malloc(): the page key, then the frame MAC key (a
   * subkey of the page key); NULL once revoked */
  guint8         *key;
  guint8          salt[LIA_CRYPT_SALT_BYTES];
  char            token[TOKEN_BYTES * 2 + 1];
  GMutex          failure_lock;
  char           *failure;    /* owned, guarded by failure_lock */
};

#define PAGE_KEY(keys)  ((keys)->key)
#define FRAME_KEY(keys) ((keys)->key + LIA_CRYPT_KEY_BYTES)

typedef enum
{
  FILE_DATABASE,
  FILE_WAL,
} FileKind;

typedef struct _CryptFile CryptFile;

/* An open database or WAL file. The real file object follows this struct in
 * the same allocation, which SQLite sizes from szOsFile. */
struct _CryptFile
{
  sqlite3_file   base;
  sqlite3_file  *real;        /* borrowed: points just past this struct */
  LiaCryptKeys  *keys;        /* owned reference */
  FileKind       kind;
  guint8        *scratch;     /* owned; one WAL frame, sealed or opened */
  guint8         nonce_prefix[LIA_CRYPT_NONCE_BYTES - 8];
  guint64        nonce_counter;

  /* WAL only: the database file of the same connection (borrowed; SQLite
   * closes the WAL first), and the last frame header that SQLite wrote, so
   * that the page image written right after it need not read it back. */
  CryptFile     *database;
  sqlite3_int64  last_header_offset;
  guint8         last_header[FRAME_HDR];

  /* Database only: inside a checkpoint, and the page that the WAL handed
   * over still sealed, to be written back as it is. */
  gboolean       in_checkpoint;
  const guint8  *sealed_buffer;   /* borrowed: SQLite's buffer, or NULL */
  guint32        sealed_pgno;
  guint8         sealed_tag[LIA_CRYPT_TAG_BYTES];
};

/* A temporary file, held in memory and never written to disk. */
typedef struct
{
  sqlite3_file base;
  guint8      *data;          /* owned */
  gsize        len;
  gsize        allocated;
} MemFile;

static sqlite3_vfs crypt_vfs;
static const sqlite3_io_methods crypt_io_methods;
static const sqlite3_io_methods mem_io_methods;

static GPrivate thread_failure = G_PRIVATE_INIT (g_free);
static GMutex registry_lock;
static GHashTable *registry;  /* token -> LiaCryptKeys (borrowed) */

/* ---- keys ---------------------------------------------------------------- */

LiaCryptKeys *
lia_crypt_keys_new (const guint8 *page_key,
                    const guint8 *db_salt)
{
  LiaCryptKeys *keys = g_new0 (LiaCryptKeys, 1);
  guint8 token[TOKEN_BYTES];

  lia_crypto_init ();
  g_atomic_ref_count_init (&keys->ref);
  g_rw_lock_init (&keys->key_lock);
  g_mutex_init (&keys->failure_lock);
  keys->key = sodium_malloc (2 * LIA_CRYPT_KEY_BYTES);
  if (keys->key == NULL)
    g_error ("Could not allocate locked memory for a page key");
  memcpy (PAGE_KEY (keys), page_key, LIA_CRYPT_KEY_BYTES);
  crypto_kdf_derive_from_key (FRAME_KEY (keys), LIA_CRYPT_KEY_BYTES, 1, "LiaFrame", page_key);
  memcpy (keys->salt, db_salt, LIA_CRYPT_SALT_BYTES);
  randombytes_buf (token, sizeof token);
  sodium_bin2hex (keys->token, sizeof keys->token, token, sizeof token);
  return keys;
}

LiaCryptKeys *
lia_crypt_keys_ref (LiaCryptKeys *keys)
{
  g_atomic_ref_count_inc (&keys->ref);
  return keys;
}

void
lia_crypt_keys_revoke (LiaCryptKeys *keys)
{
  g_rw_lock_writer_lock (&keys->key_lock);
  if (keys->key != NULL)
    {
      sodium_free (keys->key);
      keys->key = NULL;
    }
  g_rw_lock_writer_unlock (&keys->key_lock);
}

void
lia_crypt_keys_unref (LiaCryptKeys *keys)
{
  if (keys == NULL || !g_atomic_ref_count_dec (&keys->ref))
    return;
  lia_crypt_keys_revoke (keys);
  g_rw_lock_clear (&keys->key_lock);
  g_mutex_clear (&keys->failure_lock);
  g_free (keys->failure);
  g_free (keys);
}

char *
lia_crypt_keys_dup_failure (LiaCryptKeys *keys)
{
  char *copy;

  g_mutex_lock (&keys->failure_lock);
  copy = g_strdup (keys->failure);
  g_mutex_unlock (&keys->failure_lock);
  return copy;
}

static void
record_failure (LiaCryptKeys *keys,
                char         *description)
{
  g_private_replace (&thread_failure, g_strdup (description));
  g_mutex_lock (&keys->failure_lock);
  g_free (keys->failure);
  keys->failure = description;
  g_mutex_unlock (&keys->failure_lock);
  sqlite3_log (SQLITE_IOERR_AUTH, "liaison-crypt: %s failed authentication", description);
}

/* ---- page sealing -------------------------------------------------------- */

static void
make_ad (const LiaCryptKeys *keys,
         guint32             pgno,
         guint8              ad[AD_BYTES])
{
  memcpy (ad, keys->salt, LIA_CRYPT_SALT_BYTES);
  ad[16] = pgno & 0xff;
  ad[17] = (pgno >> 8) & 0xff;
  ad[18] = (pgno >> 16) & 0xff;
  ad[19] = (pgno >> 24) & 0xff;
}

/* Where a sealed page lives: in the database file (MAC field zero), or in
 * frame @number of the WAL, whose header is @header, in the WAL generation
 * with @salts. */
typedef struct
{
  const guint8 *header;   /* NULL for the database file */
  const guint8 *salts;
  guint64       number;
} FrameRef;

static const FrameRef IN_DATABASE = { NULL, NULL, 0 };

/* Called with the key lock held. */
static void
frame_mac (const LiaCryptKeys *keys,
           const FrameRef     *frame,
           const guint8       *sealed_page,
           guint8              out[LIA_CRYPT_FRAME_MAC_BYTES])
{
  guint8 input[FRAME_MAC_INPUT];

  memcpy (input, frame->header, 8);
  memcpy (input + 8, frame->salts, SALT_BYTES);
  input[16] = frame->number & 0xff;
  input[17] = (frame->number >> 8) & 0xff;
  input[18] = (frame->number >> 16) & 0xff;
  input[19] = (frame->number >> 24) & 0xff;
  memcpy (input + 20, sealed_page + TAG_AT, LIA_CRYPT_TAG_BYTES);
  crypto_generichash (out, LIA_CRYPT_FRAME_MAC_BYTES, input, sizeof input, FRAME_KEY (keys),
                      LIA_CRYPT_KEY_BYTES);
}

/* Seals the plain page @in as page @pgno into @out, with a fresh nonce from
 * @cf. FALSE if the keys have been revoked. */
static gboolean
seal_page (CryptFile      *cf,
           guint32         pgno,
           const FrameRef *frame,
           const guint8   *in,
           guint8         *out)
{
  LiaCryptKeys *keys = cf->keys;
  guint8 ad[AD_BYTES];
  guint8 *nonce = out + NONCE_AT;
  gboolean ok = FALSE;
  guint64 counter = cf->nonce_counter++;

  make_ad (keys, pgno, ad);
  memcpy (nonce, cf->nonce_prefix, sizeof cf->nonce_prefix);
  for (guint i = 0; i < 8; i++)
    nonce[sizeof cf->nonce_prefix + i] = (counter >> (8 * i)) & 0xff;

  g_rw_lock_reader_lock (&keys->key_lock);
  if (keys->key != NULL)
    {
      crypto_aead_xchacha20poly1305_ietf_encrypt_detached (out, out + TAG_AT, NULL, in,
                                                           USABLE_SIZE, ad, sizeof ad, NULL,
                                                           nonce, PAGE_KEY (keys));
      if (frame->header != NULL)
        frame_mac (keys, frame, out, out + FRAME_MAC_AT);
      else
        memset (out + FRAME_MAC_AT, 0, LIA_CRYPT_FRAME_MAC_BYTES);
      ok = TRUE;
    }
  g_rw_lock_reader_unlock (&keys->key_lock);
  return ok;
}

typedef enum
{
  OPEN_OK,
  OPEN_FORGED,
  OPEN_REVOKED,
} OpenResult;

/* Checks the frame MAC of the sealed page @buf: zero in the database file,
 * else the MAC of its frame. Called with the key lock held. */
static gboolean
frame_mac_matches (const LiaCryptKeys *keys,
                   const FrameRef     *frame,
                   const guint8       *buf)
{
  guint8 expected[LIA_CRYPT_FRAME_MAC_BYTES];

  if (frame->header == NULL)
    return sodium_is_zero (buf + FRAME_MAC_AT, LIA_CRYPT_FRAME_MAC_BYTES);
  frame_mac (keys, frame, buf, expected);
  return sodium_memcmp (expected, buf + FRAME_MAC_AT, sizeof expected) == 0;
}

/* Checks only where the sealed page @buf stands (its frame MAC), without
 * opening it: for a checkpoint, which copies the page still sealed. */
static OpenResult
check_frame (LiaCryptKeys   *keys,
             const FrameRef *frame,
             const guint8   *buf)
{
  OpenResult result = OPEN_REVOKED;

  g_rw_lock_reader_lock (&keys->key_lock);
  if (keys->key != NULL)
    result = frame_mac_matches (keys, frame, buf) ? OPEN_OK : OPEN_FORGED;
  g_rw_lock_reader_unlock (&keys->key_lock);
  return result;
}

/* Opens the sealed page @buf (page @pgno, standing where @frame says) in
 * place. On success the reserved bytes are zeroed; on failure the whole
 * page is, so that no unauthenticated byte ever reaches SQLite. */
static OpenResult
open_page (LiaCryptKeys   *keys,
           guint32         pgno,
           const FrameRef *frame,
           guint8         *buf)
{
  guint8 ad[AD_BYTES];
  guint8 nonce[LIA_CRYPT_NONCE_BYTES];
  guint8 tag[LIA_CRYPT_TAG_BYTES];
  OpenResult result = OPEN_REVOKED;

  make_ad (keys, pgno, ad);
  memcpy (nonce, buf + NONCE_AT, sizeof nonce);
  memcpy (tag, buf + TAG_AT, sizeof tag);
  g_rw_lock_reader_lock (&keys->key_lock);
  if (keys->key != NULL)
    {
      if (frame_mac_matches (keys, frame, buf)
          && crypto_aead_xchacha20poly1305_ietf_decrypt_detached (buf, NULL, buf, USABLE_SIZE,
                                                                  tag, ad, sizeof ad, nonce,
                                                                  PAGE_KEY (keys)) == 0)
        result = OPEN_OK;
      else
        result = OPEN_FORGED;
    }
  g_rw_lock_reader_unlock (&keys->key_lock);

  if (result == OPEN_OK)
    memset (buf + USABLE_SIZE, 0, LIA_CRYPT_RESERVE_BYTES);
  else
    memset (buf, 0, PAGE_SIZE);
  return result;
}

static guint32
get_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* ---- reading and writing the real file ---------------------------------- */

typedef enum
{
  READ_WHOLE,
  READ_EMPTY,    /* the file is empty: a new database */
  READ_ABSENT,   /* entirely beyond the end of a file that is not empty */
  READ_PARTIAL,  /* the file ends inside the requested range */
} ReadExtent;

static int
read_real (CryptFile     *cf,
           guint8        *buf,
           int            amt,
           sqlite3_int64  offset,
           ReadExtent    *extent)
{
  int rc = cf->real->pMethods->xRead (cf->real, buf, amt, offset);

  *extent = READ_WHOLE;
  if (rc == SQLITE_IOERR_SHORT_READ)
    {
      sqlite3_int64 size = 0;

      rc = cf->real->pMethods->xFileSize (cf->real, &size);
      if (rc != SQLITE_OK)
        return rc;
      *extent = size == 0 ? READ_EMPTY : size <= offset ? READ_ABSENT : READ_PARTIAL;
    }
  return rc;
}

/* SQLite reports a write that hit RLIMIT_FSIZE (EFBIG) as a generic I/O
 * error; for the person at the keyboard it is the same as a full disk. */
static int
write_real (CryptFile     *cf,
            const void    *buf,
            int            amt,
            sqlite3_int64  offset)
{
  int rc = cf->real->pMethods->xWrite (cf->real, buf, amt, offset);

  if ((rc & 0xff) == SQLITE_IOERR)
    {
      int last_errno = 0;

      if (cf->real->pMethods->xFileControl (cf->real, SQLITE_FCNTL_LAST_ERRNO, &last_errno)
            == SQLITE_OK
          && (last_errno == EFBIG || last_errno == ENOSPC))
        rc = SQLITE_FULL;
    }
  return rc;
}

static int
locked_error (void)
{
  sqlite3_log (SQLITE_IOERR, "liaison-crypt: the store has been locked; its key is gone");
  return SQLITE_IOERR;
}

/* ---- the database file --------------------------------------------------- */

static int
database_read (CryptFile     *cf,
               guint8        *out,
               int            amt,
               sqlite3_int64  offset)
{
  while (amt > 0)
    {
      sqlite3_int64 page_offset = offset - offset % PAGE_SIZE;
      guint32 pgno = (guint32) (page_offset / PAGE_SIZE) + 1;
      int in_page = (int) (offset - page_offset);
      int n = MIN (amt, PAGE_SIZE - in_page);
      gboolean whole = in_page == 0 && n == PAGE_SIZE;
      guint8 *page = whole ? out : cf->scratch;
      ReadExtent extent;
      OpenResult result;
      int rc;

      rc = read_real (cf, page, PAGE_SIZE, page_offset, &extent);
      if (extent == READ_EMPTY)
        {
          /* A new database: SQLite expects zeros and a short read. */
          memset (out, 0, amt);
          return SQLITE_IOERR_SHORT_READ;
        }
      if (extent == READ_ABSENT || extent == READ_PARTIAL)
        {
          /* In WAL mode every page SQLite asks for is in the WAL or in the
           * file; a page missing from a file that is not empty was cut
           * off, and SQLite would take the zeros of a short read as data. */
          memset (out, 0, amt);
          record_failure (cf->keys, g_strdup_printf ("page %u of the database (the file ends "
                                                     "%s it)", pgno,
                                                     extent == READ_ABSENT ? "before" : "inside"));
          return SQLITE_IOERR_AUTH;
        }
      if (rc != SQLITE_OK)
        return rc;

      result = open_page (cf->keys, pgno, &IN_DATABASE, page);
      if (result == OPEN_REVOKED)
        return locked_error ();
      if (result == OPEN_FORGED)
        {
          memset (out, 0, amt);
          record_failure (cf->keys, g_strdup_printf ("page %u of the database", pgno));
          return SQLITE_IOERR_AUTH;
        }
      if (!whole)
        memcpy (out, page + in_page, n);

      out += n;
      offset += n;
      amt -= n;
    }
  return SQLITE_OK;
}

/* During a checkpoint, whether @in is the page that wal_read() just handed
 * over still sealed, for page @pgno. The buffer, the page number and the
 * tag must all match, so a plain page can never be taken for a sealed one
 * and written out as it is. */
static gboolean
is_sealed_handover (CryptFile *cf, const guint8 *in, guint32 pgno)
{
  gboolean sealed = cf->in_checkpoint && cf->sealed_buffer == in && cf->sealed_pgno == pgno
                    && memcmp (in + TAG_AT, cf->sealed_tag, LIA_CRYPT_TAG_BYTES) == 0
                    && sodium_is_zero (in + FRAME_MAC_AT, LIA_CRYPT_FRAME_MAC_BYTES);

  cf->sealed_buffer = NULL;
  return sealed;
}

static int
database_write (CryptFile     *cf,
                const guint8  *in,
                int            amt,
                sqlite3_int64  offset)
{
  /* SQLite writes whole, aligned pages to a database file; anything else
   * would mean the page size is not the one this VFS seals. */
  if (offset % PAGE_SIZE != 0 || amt % PAGE_SIZE != 0)
    {
      sqlite3_log (SQLITE_IOERR_WRITE, "liaison-crypt: refusing a write of %d bytes at offset "
                   "%lld that is not whole pages", amt, (long long) offset);
      return SQLITE_IOERR_WRITE;
    }

  for (; amt > 0; amt -= PAGE_SIZE, in += PAGE_SIZE, offset += PAGE_SIZE)
    {
      guint32 pgno = (guint32) (offset / PAGE_SIZE) + 1;
      const guint8 *out = in;
      int rc;

      if (!is_sealed_handover (cf, in, pgno))
        {
          if (!seal_page (cf, pgno, &IN_DATABASE, in, cf->scratch))
            return locked_error ();
          out = cf->scratch;
        }
      rc = write_real (cf, out, PAGE_SIZE, offset);
      if (rc != SQLITE_OK)
        return rc;
    }
  return SQLITE_OK;
}

/* ---- the write-ahead log ------------------------------------------------- */

/* Where @offset falls in a WAL: in the file header, in a frame header, or in
 * a frame's page image; @frame_offset is where its frame starts. */
typedef enum
{
  WAL_FILE_HEADER,
  WAL_FRAME_HEADER,
  WAL_PAGE,
} WalRegion;

static WalRegion
wal_locate (sqlite3_int64  offset,
            sqlite3_int64 *frame_offset,
            int           *region_start,
            int           *region_len)
{
  sqlite3_int64 relative;
  int in_frame;

  if (offset < WAL_HDR_SIZE)
    {
      *frame_offset = 0;
      *region_start = (int) offset;
      *region_len = WAL_HDR_SIZE;
      return WAL_FILE_HEADER;
    }
  relative = offset - WAL_HDR_SIZE;
  *frame_offset = WAL_HDR_SIZE + (relative / FRAME_SIZE) * FRAME_SIZE;
  in_frame = (int) (relative % FRAME_SIZE);
  if (in_frame < FRAME_HDR)
    {
      *region_start = in_frame;
      *region_len = FRAME_HDR;
      return WAL_FRAME_HEADER;
    }
  *region_start = in_frame - FRAME_HDR;
  *region_len = PAGE_SIZE;
  return WAL_PAGE;
}

static guint64
wal_frame_number (sqlite3_int64 frame_offset)
{
  return (guint64) ((frame_offset - WAL_HDR_SIZE) / FRAME_SIZE) + 1;
}

/* The salts of the WAL generation that the frame with @header belongs to:
 * the header's own, or, while SQLite has left them zero (see the comment
 * at the top), the WAL file header's, which SQLite writes before the first
 * frame of a generation. */
static int
generation_salts (CryptFile    *cf,
                  const guint8 *header,
                  guint8        salts[SALT_BYTES])
{
  ReadExtent extent;
  int rc;

  if (!sodium_is_zero (header + 8, SALT_BYTES))
    {
      memcpy (salts, header + 8, SALT_BYTES);
      return SQLITE_OK;
    }
  rc = read_real (cf, salts, SALT_BYTES, 16, &extent);
  return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_READ : rc;
}

/* Reads the frame at @frame_offset whole into @cf's scratch buffer, and the
 * salts of its generation. A frame the file ends inside of gives
 * SQLITE_IOERR_SHORT_READ. */
static int
read_wal_frame (CryptFile     *cf,
                sqlite3_int64  frame_offset,
                guint8         salts[SALT_BYTES])
{
  ReadExtent extent;
  int rc = read_real (cf, cf->scratch, FRAME_SIZE, frame_offset, &extent);

  if (extent != READ_WHOLE)
    return SQLITE_IOERR_SHORT_READ;
  if (rc != SQLITE_OK)
    return rc;
  return generation_salts (cf, cf->scratch, salts);
}

/* A frame that SQLite trusts is not (all) there: SQLite would take a short
 * read as a page of zeros. */
static int
frame_cut_short (CryptFile *cf,
                 guint64    number)
{
  record_failure (cf->keys, g_strdup_printf ("frame %" G_GUINT64_FORMAT " of the write-ahead "
                                             "log (the file ends before it)", number));
  return SQLITE_IOERR_AUTH;
}

/* Inside a checkpoint, SQLite reads each page image of the WAL into a
 * buffer and writes that buffer to the database file, and nothing else: so
 * hand it the page still sealed (once its frame MAC has been checked), for
 * database_write() to store as it is. */
static int
wal_read_for_checkpoint (CryptFile     *cf,
                         guint8        *out,
                         sqlite3_int64  frame_offset)
{
  CryptFile *db = cf->database;
  guint64 number = wal_frame_number (frame_offset);
  guint8 salts[SALT_BYTES];
  FrameRef frame = { cf->scratch, salts, number };
  guint32 pgno;
  OpenResult result;
  int rc = read_wal_frame (cf, frame_offset, salts);

  if (rc == SQLITE_IOERR_SHORT_READ)
    return frame_cut_short (cf, number);
  if (rc != SQLITE_OK)
    return rc;

  pgno = get_be32 (cf->scratch);
  result = check_frame (cf->keys, &frame, cf->scratch + FRAME_HDR);
  if (result == OPEN_REVOKED)
    return locked_error ();
  if (result == OPEN_FORGED)
    {
      record_failure (cf->keys, g_strdup_printf ("page %u in frame %" G_GUINT64_FORMAT
                                                 " of the write-ahead log", pgno, number));
      return SQLITE_IOERR_AUTH;
    }

  memcpy (out, cf->scratch + FRAME_HDR, PAGE_SIZE);
  memset (out + FRAME_MAC_AT, 0, LIA_CRYPT_FRAME_MAC_BYTES);
  db->sealed_buffer = out;
  db->sealed_pgno = pgno;
  memcpy (db->sealed_tag, out + TAG_AT, LIA_CRYPT_TAG_BYTES);
  return SQLITE_OK;
}

static int
wal_read (CryptFile     *cf,
          guint8        *out,
          int            amt,
          sqlite3_int64  offset)
{
  const sqlite3_int64 request_start = offset;

  while (amt > 0)
    {
      sqlite3_int64 frame_offset;
      int start, len, n;
      WalRegion region = wal_locate (offset, &frame_offset, &start, &len);
      ReadExtent extent;
      int rc;

      n = MIN (amt, len - start);
      if (region != WAL_PAGE)
        {
          rc = read_real (cf, out, n, offset, &extent);
          if (rc != SQLITE_OK)
            {
              if (rc == SQLITE_IOERR_SHORT_READ)
                memset (out, 0, amt);
              return rc;
            }
        }
      else if (cf->database != NULL && cf->database->in_checkpoint && start == 0
               && amt == PAGE_SIZE)
        return wal_read_for_checkpoint (cf, out, frame_offset);
      else
        {
          guint8 *page = cf->scratch + FRAME_HDR;
          guint64 number = wal_frame_number (frame_offset);
          guint8 salts[SALT_BYTES];
          FrameRef frame = { cf->scratch, salts, number };
          guint32 pgno;
          OpenResult result;

          /* A read that takes in the frame header is SQLite recovering the
           * WAL after a crash: it checks each frame against the checksum in
           * its header and stops at the first that fails. Any other read is
           * of a frame that SQLite already trusts. */
          gboolean recovering = request_start <= frame_offset;

          rc = read_wal_frame (cf, frame_offset, salts);
          if (rc == SQLITE_IOERR_SHORT_READ)
            {
              memset (out, 0, amt);
              return recovering ? SQLITE_IOERR_SHORT_READ : frame_cut_short (cf, number);
            }
          if (rc != SQLITE_OK)
            return rc;

          pgno = get_be32 (cf->scratch);
          result = open_page (cf->keys, pgno, &frame, page);
          if (result == OPEN_REVOKED)
            return locked_error ();
          if (result == OPEN_FORGED)
            {
              /* During recovery, a frame whose page image does not open is
               * most often one whose write a crash interrupted: hand SQLite
               * random bytes, which fail the frame's checksum, and let it
               * discard the frame as it would an unencrypted torn one. Not
               * zeros: a forger can compute the checksum of zeros. Anywhere
               * else a failure is damage or tampering. */
              randombytes_buf (page, PAGE_SIZE);
              if (!recovering)
                {
                  memset (out, 0, amt);
                  record_failure (cf->keys,
                                  g_strdup_printf ("page %u in frame %" G_GUINT64_FORMAT
                                                   " of the write-ahead log", pgno, number));
                  return SQLITE_IOERR_AUTH;
                }
              sqlite3_log (SQLITE_NOTICE, "liaison-crypt: frame %" G_GUINT64_FORMAT " of the "
                           "write-ahead log does not open; treating it as torn", number);
            }
          memcpy (out, page + start, n);
        }
      out += n;
      offset += n;
      amt -= n;
    }
  return SQLITE_OK;
}

static int
wal_write (CryptFile     *cf,
           const guint8  *in,
           int            amt,
           sqlite3_int64  offset)
{
  while (amt > 0)
    {
      sqlite3_int64 frame_offset;
      int start, len, n, rc;
      WalRegion region = wal_locate (offset, &frame_offset, &start, &len);

      n = MIN (amt, len - start);
      if (region != WAL_PAGE)
        {
          if (region == WAL_FRAME_HEADER)
            {
              if (start == 0 && n == FRAME_HDR)
                {
                  cf->last_header_offset = frame_offset;
                  memcpy (cf->last_header, in, FRAME_HDR);
                }
              else
                cf->last_header_offset = -1;
            }
          rc = write_real (cf, in, n, offset);
          if (rc != SQLITE_OK)
            return rc;
        }
      else
        {
          const guint8 *header;
          guint8 on_disk[FRAME_HDR];
          guint8 salts[SALT_BYTES];
          FrameRef frame;

          if (start != 0 || n != PAGE_SIZE)
            {
              sqlite3_log (SQLITE_IOERR_WRITE, "liaison-crypt: refusing a write of part of "
                           "a page image in the write-ahead log");
              return SQLITE_IOERR_WRITE;
            }
          if (cf->last_header_offset == frame_offset)
            header = cf->last_header;
          else
            {
              /* SQLite rewrote a page image in place, within one
               * transaction: its frame header is already on disk. (It may
               * rewrite that header's salts and checksums later, never its
               * page number and commit size.) */
              ReadExtent extent;

              rc = read_real (cf, on_disk, sizeof on_disk, frame_offset, &extent);
              if (rc != SQLITE_OK)
                return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_WRITE : rc;
              header = on_disk;
            }
          rc = generation_salts (cf, header, salts);
          if (rc != SQLITE_OK)
            return rc;
          frame.header = header;
          frame.salts = salts;
          frame.number = wal_frame_number (frame_offset);
          if (!seal_page (cf, get_be32 (header), &frame, in, cf->scratch))
            return locked_error ();
          rc = write_real (cf, cf->scratch, PAGE_SIZE, offset);
          if (rc != SQLITE_OK)
            return rc;
        }
      in += n;
      offset += n;
      amt -= n;
    }
  return SQLITE_OK;
}

/* ---- sqlite3_io_methods for database and WAL ----------------------------- */

static int
crypt_close (sqlite3_file *file)
{
  CryptFile *cf = (CryptFile *) file;
  int rc = cf->real->pMethods->xClose (cf->real);

  g_clear_pointer (&cf->keys, lia_crypt_keys_unref);
  /* It may hold a decrypted page. */
  sodium_memzero (cf->scratch, FRAME_SIZE);
  g_clear_pointer (&cf->scratch, g_free);
  return rc;
}

static int
crypt_read (sqlite3_file *file, void *buf, int amt, sqlite3_int64 offset)
{
  CryptFile *cf = (CryptFile *) file;

  if (cf->kind == FILE_WAL)
    return wal_read (cf, buf, amt, offset);
  return database_read (cf, buf, amt, offset);
}

static int
crypt_write (sqlite3_file *file, const void *buf, int amt, sqlite3_int64 offset)
{
  CryptFile *cf = (CryptFile *) file;

  if (cf->kind == FILE_WAL)
    return wal_write (cf, buf, amt, offset);
  return database_write (cf, buf, amt, offset);
}

#define REAL(file) (((CryptFile *) (file))->real)

static int
crypt_truncate (sqlite3_file *file, sqlite3_int64 size)
{
  return REAL (file)->pMethods->xTruncate (REAL (file), size);
}

static int
crypt_sync (sqlite3_file *file, int flags)
{
  return REAL (file)->pMethods->xSync (REAL (file), flags);
}

static int
crypt_file_size (sqlite3_file *file, sqlite3_int64 *size)
{
  return REAL (file)->pMethods->xFileSize (REAL (file), size);
}

static int
crypt_lock (sqlite3_file *file, int level)
{
  return REAL (file)->pMethods->xLock (REAL (file), level);
}

static int
crypt_unlock (sqlite3_file *file, int level)
{
  return REAL (file)->pMethods->xUnlock (REAL (file), level);
}

static int
crypt_check_reserved_lock (sqlite3_file *file, int *out)
{
  return REAL (file)->pMethods->xCheckReservedLock (REAL (file), out);
}

static int
crypt_file_control (sqlite3_file *file, int op, void *arg)
{
  CryptFile *cf = (CryptFile *) file;

  switch (op)
    {
    case SQLITE_FCNTL_VFSNAME:
      *(char **) arg = sqlite3_mprintf ("%s", LIA_CRYPT_VFS_NAME);
      return SQLITE_OK;
    case SQLITE_FCNTL_CKPT_START:
      /* See wal_read_for_checkpoint(). */
      cf->in_checkpoint = TRUE;
      cf->sealed_buffer = NULL;
      break;
    case SQLITE_FCNTL_CKPT_DONE:
      cf->in_checkpoint = FALSE;
      cf->sealed_buffer = NULL;
      break;
    default:
      break;
    }
  return REAL (file)->pMethods->xFileControl (REAL (file), op, arg);
}

static int
crypt_sector_size (sqlite3_file *file)
{
  return REAL (file)->pMethods->xSectorSize (REAL (file));
}

static int
crypt_device_characteristics (sqlite3_file *file)
{
  return REAL (file)->pMethods->xDeviceCharacteristics (REAL (file));
}

static int
crypt_shm_map (sqlite3_file *file, int region, int size, int extend, void volatile **out)
{
  return REAL (file)->pMethods->xShmMap (REAL (file), region, size, extend, out);
}

static int
crypt_shm_lock (sqlite3_file *file, int offset, int n, int flags)
{
  return REAL (file)->pMethods->xShmLock (REAL (file), offset, n, flags);
}

static void
crypt_shm_barrier (sqlite3_file *file)
{
  REAL (file)->pMethods->xShmBarrier (REAL (file));
}

static int
crypt_shm_unmap (sqlite3_file *file, int delete_flag)
{
  return REAL (file)->pMethods->xShmUnmap (REAL (file), delete_flag);
}

/* Version 2: shared memory for WAL, but no xFetch, so SQLite never maps the
 * database into memory and reads every page through crypt_read(). */
static const sqlite3_io_methods crypt_io_methods = {
  .iVersion = 2,
  .xClose = crypt_close,
  .xRead = crypt_read,
  .xWrite = crypt_write,
  .xTruncate = crypt_truncate,
  .xSync = crypt_sync,
  .xFileSize = crypt_file_size,
  .xLock = crypt_lock,
  .xUnlock = crypt_unlock,
  .xCheckReservedLock = crypt_check_reserved_lock,
  .xFileControl = crypt_file_control,
  .xSectorSize = crypt_sector_size,
  .xDeviceCharacteristics = crypt_device_characteristics,
  .xShmMap = crypt_shm_map,
  .xShmLock = crypt_shm_lock,
  .xShmBarrier = crypt_shm_barrier,
  .xShmUnmap = crypt_shm_unmap,
};

/* ---- in-memory temporary files ------------------------------------------- */

static int
mem_close (sqlite3_file *file)
{
  MemFile *mf = (MemFile *) file;

  if (mf->data != NULL)
    sodium_memzero (mf->data, mf->allocated);
  g_clear_pointer (&mf->data, g_free);
  return SQLITE_OK;
}

static int
mem_read (sqlite3_file *file, void *buf, int amt, sqlite3_int64 offset)
{
  MemFile *mf = (MemFile *) file;
  gsize available = (gsize) offset < mf->len ? mf->len - (gsize) offset : 0;
  gsize n = MIN ((gsize) amt, available);

  if (n > 0)
    memcpy (buf, mf->data + offset, n);
  if (n < (gsize) amt)
    {
      memset ((guint8 *) buf + n, 0, amt - n);
      return SQLITE_IOERR_SHORT_READ;
    }
  return SQLITE_OK;
}

static int
mem_write (sqlite3_file *file, const void *buf, int amt, sqlite3_int64 offset)
{
  MemFile *mf = (MemFile *) file;
  gsize end = (gsize) offset + (gsize) amt;

  if (end > mf->allocated)
    {
      gsize allocated = MAX (end, MAX (mf->allocated * 2, (gsize) 64 * 1024));
      guint8 *data = g_try_malloc0 (allocated);

      if (data == NULL)
        return SQLITE_NOMEM;
      if (mf->data != NULL)
        {
          memcpy (data, mf->data, mf->len);
          sodium_memzero (mf->data, mf->allocated);
          g_free (mf->data);
        }
      mf->data = data;
      mf->allocated = allocated;
    }
  if ((gsize) offset > mf->len)
    memset (mf->data + mf->len, 0, offset - mf->len);
  memcpy (mf->data + offset, buf, amt);
  mf->len = MAX (mf->len, end);
  return SQLITE_OK;
}

static int
mem_truncate (sqlite3_file *file, sqlite3_int64 size)
{
  MemFile *mf = (MemFile *) file;

  if ((gsize) size < mf->len)
    {
      sodium_memzero (mf->data + size, mf->len - size);
      mf->len = (gsize) size;
    }
  return SQLITE_OK;
}

static int
mem_sync (sqlite3_file *file, int flags)
{
  return SQLITE_OK;
}

static int
mem_file_size (sqlite3_file *file, sqlite3_int64 *size)
{
  *size = (sqlite3_int64) ((MemFile *) file)->len;
  return SQLITE_OK;
}

static int
mem_lock (sqlite3_file *file, int level)
{
  return SQLITE_OK;
}

static int
mem_check_reserved_lock (sqlite3_file *file, int *out)
{
  *out = 0;
  return SQLITE_OK;
}

static int
mem_file_control (sqlite3_file *file, int op, void *arg)
{
  return SQLITE_NOTFOUND;
}

static int
mem_sector_size (sqlite3_file *file)
{
  return PAGE_SIZE;
}

static int
mem_device_characteristics (sqlite3_file *file)
{
  return SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_SAFE_APPEND | SQLITE_IOCAP_SEQUENTIAL
         | SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}

static const sqlite3_io_methods mem_io_methods = {
  .iVersion = 1,
  .xClose = mem_close,
  .xRead = mem_read,
  .xWrite = mem_write,
  .xTruncate = mem_truncate,
  .xSync = mem_sync,
  .xFileSize = mem_file_size,
  .xLock = mem_lock,
  .xUnlock = mem_lock,
  .xCheckReservedLock = mem_check_reserved_lock,
  .xFileControl = mem_file_control,
  .xSectorSize = mem_sector_size,
  .xDeviceCharacteristics = mem_device_characteristics,
};

/* ---- the VFS ------------------------------------------------------------- */

#define BASE_VFS(vfs) ((sqlite3_vfs *) (vfs)->pAppData)

static LiaCryptKeys *
lookup_keys (const char *name)
{
  const char *token = sqlite3_uri_parameter (name, URI_PARAM);
  LiaCryptKeys *keys = NULL;

  if (token == NULL)
    return NULL;
  g_mutex_lock (&registry_lock);
  if (registry != NULL)
    keys = g_hash_table_lookup (registry, token);
  if (keys != NULL)
    lia_crypt_keys_ref (keys);
  g_mutex_unlock (&registry_lock);
  return keys;
}

static int
crypt_open (sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *out_flags)
{
  sqlite3_vfs *base = BASE_VFS (vfs);

  if (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL))
    {
      CryptFile *cf = (CryptFile *) file;
      LiaCryptKeys *keys = lookup_keys (name);
      int rc;

      memset (cf, 0, sizeof *cf);
      if (keys == NULL)
        {
          sqlite3_log (SQLITE_CANTOPEN, "liaison-crypt: %s was opened without a key", name);
          return SQLITE_CANTOPEN;
        }
      cf->real = (sqlite3_file *) (cf + 1);
      rc = base->xOpen (base, name, cf->real, flags, out_flags);
      if (rc != SQLITE_OK)
        {
          lia_crypt_keys_unref (keys);
          return rc;
        }
      cf->keys = keys;
      cf->kind = (flags & SQLITE_OPEN_WAL) ? FILE_WAL : FILE_DATABASE;
      cf->scratch = g_malloc (FRAME_SIZE);
      cf->last_header_offset = -1;
      randombytes_buf (cf->nonce_prefix, sizeof cf->nonce_prefix);
      if (cf->kind == FILE_WAL)
        {
          /* SQLite opens the WAL after its database, on the same
           * connection, and closes it first. */
          sqlite3_file *database = sqlite3_database_file_object (name);

          if (database != NULL && database->pMethods == &crypt_io_methods)
            cf->database = (CryptFile *) database;
        }
      cf->base.pMethods = &crypt_io_methods;
      return SQLITE_OK;
    }

  if (flags & (SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_TEMP_JOURNAL | SQLITE_OPEN_TRANSIENT_DB
               | SQLITE_OPEN_SUBJOURNAL))
    {
      MemFile *mf = (MemFile *) file;

      memset (mf, 0, sizeof *mf);
      mf->base.pMethods = &mem_io_methods;
      if (out_flags != NULL)
        *out_flags = flags;
      return SQLITE_OK;
    }

  /* A rollback or super-journal would hold whole pages in clear. A store in
   * WAL mode never needs one; if SQLite ever asks, fail rather than leak. */
  file->pMethods = NULL;
  sqlite3_log (SQLITE_CANTOPEN, "liaison-crypt: refusing to open %s (flags 0x%x): it would be "
               "written unencrypted", name ? name : "a temporary file", flags);
  return SQLITE_CANTOPEN;
}

static int
crypt_delete (sqlite3_vfs *vfs, const char *name, int sync_dir)
{
  return BASE_VFS (vfs)->xDelete (BASE_VFS (vfs), name, sync_dir);
}

static int
crypt_access (sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
  return BASE_VFS (vfs)->xAccess (BASE_VFS (vfs), name, flags, out);
}

static int
crypt_full_pathname (sqlite3_vfs *vfs, const char *name, int n, char *out)
{
  return BASE_VFS (vfs)->xFullPathname (BASE_VFS (vfs), name, n, out);
}

static void *
crypt_dl_open (sqlite3_vfs *vfs, const char *name)
{
  /* Extensions are never loaded into a store. */
  return NULL;
}

static void
crypt_dl_error (sqlite3_vfs *vfs, int n, char *out)
{
  g_strlcpy (out, "loading extensions is disabled in Liaison's stores", n);
}

static void (*crypt_dl_sym (sqlite3_vfs *vfs, void *handle, const char *symbol)) (void)
{
  return NULL;
}

static void
crypt_dl_close (sqlite3_vfs *vfs, void *handle)
{
}

static int
crypt_randomness (sqlite3_vfs *vfs, int n, char *out)
{
  randombytes_buf (out, n);
  return n;
}

static int
crypt_sleep (sqlite3_vfs *vfs, int microseconds)
{
  return BASE_VFS (vfs)->xSleep (BASE_VFS (vfs), microseconds);
}

static int
crypt_current_time (sqlite3_vfs *vfs, double *out)
{
  return BASE_VFS (vfs)->xCurrentTime (BASE_VFS (vfs), out);
}

static int
crypt_get_last_error (sqlite3_vfs *vfs, int n, char *out)
{
  return BASE_VFS (vfs)->xGetLastError (BASE_VFS (vfs), n, out);
}

static int
crypt_current_time_int64 (sqlite3_vfs *vfs, sqlite3_int64 *out)
{
  return BASE_VFS (vfs)->xCurrentTimeInt64 (BASE_VFS (vfs), out);
}

/* ---- SQLite's memory -------------------------------------------------------
 *
 * SQLite's page cache holds decrypted pages in ordinary heap memory. So that
 * none of it lingers once freed (after a store is locked, say), SQLite
 * allocates through these functions, which wipe every block before giving
 * it back. */

static void *
wiping_malloc (int n)
{
  return malloc ((size_t) n);
}

static void
wiping_free (void *p)
{
  if (p != NULL)
    {
      sodium_memzero (p, malloc_usable_size (p));
      free (p);
    }
}

static int
wiping_size (void *p)
{
  return p != NULL ? (int) malloc_usable_size (p) : 0;
}

static void *
wiping_realloc (void *p, int n)
{
  size_t old = p != NULL ? malloc_usable_size (p) : 0;
  void *q;

  /* Never realloc(): it may move the block and leave the old one unwiped. */
  if (old >= (size_t) n && p != NULL)
    return p;
  q = malloc ((size_t) n);
  if (q == NULL)
    return NULL;
  if (p != NULL)
    {
      memcpy (q, p, MIN (old, (size_t) n));
      wiping_free (p);
    }
  return q;
}

static int
wiping_roundup (int n)
{
  return (n + 7) & ~7;
}

static int
wiping_init (void *data)
{
  return SQLITE_OK;
}

static void
wiping_shutdown (void *data)
{
}

static gboolean wiping_installed;

gboolean
lia_crypt_vfs_wipes_freed_memory (void)
{
  return wiping_installed;
}

static const sqlite3_mem_methods wiping_mem_methods = {
  wiping_malloc, wiping_free, wiping_realloc, wiping_size, wiping_roundup,
  wiping_init, wiping_shutdown, NULL,
};

/* SQLite's log (its own notices and errors, and this VFS's reports of
 * pages that failed and files it refused) goes to GLib's log, at info
 * level: shown with G_MESSAGES_DEBUG=Liaison-SQLite, kept out of the way
 * otherwise; the person sees the GError that the same failure produces. */
static void
sqlite_log_cb (void       *user_data,
               int         code,
               const char *message)
{
  g_log ("Liaison-SQLite", G_LOG_LEVEL_INFO, "%s (%s, %d)", message, sqlite3_errstr (code), code);
}

void
lia_crypt_vfs_register (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      sqlite3_vfs *base;
      int rc;

      lia_crypto_init ();
      /* Only possible before SQLite's first use in the process; every
       * Liaison program calls this first (see lia_crypt_vfs_register()'s
       * callers), so a failure here means someone else got there first. */
      rc = sqlite3_config (SQLITE_CONFIG_MALLOC, &wiping_mem_methods);
      wiping_installed = rc == SQLITE_OK;
      if (rc == SQLITE_OK)
        rc = sqlite3_config (SQLITE_CONFIG_LOG, sqlite_log_cb, NULL);
      if (rc != SQLITE_OK)
        g_message ("SQLite was in use before Liaison set it up; its freed memory will not be "
                   "wiped and its log not kept (%s)", sqlite3_errstr (rc));
      rc = sqlite3_initialize ();
      if (rc != SQLITE_OK)
        g_error ("SQLite could not be initialised: %s", sqlite3_errstr (rc));
      base = sqlite3_vfs_find (NULL);
      if (base == NULL || base->iVersion < 2)
        g_error ("SQLite has no usable default VFS to build the encrypting VFS on");

      crypt_vfs.iVersion = 2;
      crypt_vfs.szOsFile = (int) MAX (sizeof (CryptFile) + (gsize) base->szOsFile,
                                      sizeof (MemFile));
      crypt_vfs.mxPathname = base->mxPathname;
      crypt_vfs.zName = LIA_CRYPT_VFS_NAME;
      crypt_vfs.pAppData = base;
      crypt_vfs.xOpen = crypt_open;
      crypt_vfs.xDelete = crypt_delete;
      crypt_vfs.xAccess = crypt_access;
      crypt_vfs.xFullPathname = crypt_full_pathname;
      crypt_vfs.xDlOpen = crypt_dl_open;
      crypt_vfs.xDlError = crypt_dl_error;
      crypt_vfs.xDlSym = crypt_dl_sym;
      crypt_vfs.xDlClose = crypt_dl_close;
      crypt_vfs.xRandomness = crypt_randomness;
      crypt_vfs.xSleep = crypt_sleep;
      crypt_vfs.xCurrentTime = crypt_current_time;
      crypt_vfs.xGetLastError = crypt_get_last_error;
      crypt_vfs.xCurrentTimeInt64 = crypt_current_time_int64;

      rc = sqlite3_vfs_register (&crypt_vfs, 0);
      if (rc != SQLITE_OK)
        g_error ("Could not register the encrypting SQLite VFS: %s", sqlite3_errstr (rc));

      g_mutex_lock (&registry_lock);
      registry = g_hash_table_new (g_str_hash, g_str_equal);
      g_mutex_unlock (&registry_lock);
      g_once_init_leave (&registered, 1);
    }
}

char *
lia_crypt_vfs_attach (LiaCryptKeys *keys,
                      const char   *db_path)
{
  g_autofree char *escaped = NULL;

  lia_crypt_vfs_register ();
  g_mutex_lock (&registry_lock);
  g_hash_table_insert (registry, keys->token, lia_crypt_keys_ref (keys));
  g_mutex_unlock (&registry_lock);

  /* Everything but '/' and unreserved characters is percent-encoded, so a
   * '?' or '#' in a directory name cannot end the path early. */
  escaped = g_uri_escape_string (db_path, "/", FALSE);
  return g_strdup_printf ("file:%s?vfs=%s&" URI_PARAM "=%s", escaped, LIA_CRYPT_VFS_NAME,
                          keys->token);
}

char *
lia_crypt_vfs_dup_last_failure (void)
{
  return g_strdup (g_private_get (&thread_failure));
}

void
lia_crypt_vfs_detach (LiaCryptKeys *keys)
{
  gboolean removed;

  g_mutex_lock (&registry_lock);
  removed = registry != NULL && g_hash_table_remove (registry, keys->token);
  g_mutex_unlock (&registry_lock);
  if (removed)
    lia_crypt_keys_unref (keys);
}

/* ---- checking a store's files directly ------------------------------------ */

static gboolean
pread_exact (int fd, guint8 *buf, gsize len, goffset offset)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = pread (fd, buf + done, len - done, offset + done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += n;
    }
  return TRUE;
}

static gboolean
set_io_error (GError **error, const char *path, int saved_errno)
{
  g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_FAILED, "Could not read %s: %s", path,
               g_strerror (saved_errno));
  return FALSE;
}

static gboolean
set_tampered (GError **error, LiaCryptKeys *keys, char *description)
{
  g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_TAMPERED,
               "The store is damaged or has been tampered with: %s failed authentication. "
               "Restore the store from a backup",
               description);
  record_failure (keys, description);
  return FALSE;
}

static gboolean
verify_database (LiaCryptKeys *keys, const char *path, GHashTable *in_log, guint64 *pages,
                 GError **error)
{
  g_autofree guint8 *page = g_malloc (PAGE_SIZE);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  goffset size;
  gboolean ok = TRUE;

  if (fd < 0)
    return set_io_error (error, path, errno);
  size = lseek (fd, 0, SEEK_END);
  if (size < 0)
    {
      int saved_errno = errno;

      close (fd);
      return set_io_error (error, path, saved_errno);
    }
  /* A page that the WAL holds a newer copy of is one SQLite does not read
   * from the database file, and the next checkpoint overwrites it: it may
   * have been cut short by a checkpoint that ran out of space. */
  if (size % PAGE_SIZE != 0
      && g_hash_table_contains (in_log, GUINT_TO_POINTER ((guint) (size / PAGE_SIZE) + 1)))
    size -= size % PAGE_SIZE;
  if (size % PAGE_SIZE != 0)
    {
      close (fd);
      return set_tampered (error, keys, g_strdup_printf ("page %" G_GUINT64_FORMAT " of the "
                                                         "database (the file ends inside it)",
                                                         (guint64) (size / PAGE_SIZE) + 1));
    }

  for (goffset offset = 0; ok && offset < size; offset += PAGE_SIZE)
    {
      guint32 pgno = (guint32) (offset / PAGE_SIZE) + 1;
      OpenResult result;

      if (!pread_exact (fd, page, PAGE_SIZE, offset))
        {
          ok = set_io_error (error, path, errno ? errno : EIO);
          break;
        }
      result = open_page (keys, pgno, &IN_DATABASE, page);
      if (result == OPEN_REVOKED)
        {
          g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED,
                               "The store is locked");
          ok = FALSE;
        }
      else if (result == OPEN_FORGED)
        ok = set_tampered (error, keys, g_strdup_printf ("page %u of the database", pgno));
      else
        (*pages)++;
    }
  sodium_memzero (page, PAGE_SIZE);
  close (fd);
  return ok;
}

/* SQLite's running WAL checksum over @len bytes (a multiple of 8) of @data,
 * in the byte order that the WAL header's magic names. */
static void
wal_checksum (gboolean      big_endian,
              const guint8 *data,
              gsize         len,
              guint32       sum[2])
{
  guint32 s1 = sum[0], s2 = sum[1];

  for (gsize i = 0; i < len; i += 8)
    {
      guint32 x0, x1;

      if (big_endian)
        {
          x0 = get_be32 (data + i);
          x1 = get_be32 (data + i + 4);
        }
      else
        {
          x0 = (guint32) data[i] | (guint32) data[i + 1] << 8 | (guint32) data[i + 2] << 16
               | (guint32) data[i + 3] << 24;
          x1 = (guint32) data[i + 4] | (guint32) data[i + 5] << 8
               | (guint32) data[i + 6] << 16 | (guint32) data[i + 7] << 24;
        }
      s1 += x0 + s2;
      s2 += x1 + s1;
    }
  sum[0] = s1;
  sum[1] = s2;
}

/* Advances @sum over a frame whose page image is open in @frame, and says
 * whether the frame carries the result, as SQLite's recovery requires. */
static gboolean
frame_chains (gboolean big_endian,
              guint8  *frame,
              guint32  sum[2])
{
  wal_checksum (big_endian, frame, 8, sum);
  wal_checksum (big_endian, frame + FRAME_HDR, PAGE_SIZE, sum);
  return sum[0] == get_be32 (frame + 16) && sum[1] == get_be32 (frame + 20);
}

typedef enum
{
  FRAME_OK,
  FRAME_FORGED,
  FRAME_OTHER_GENERATION,
  FRAME_REVOKED,
  FRAME_IO_ERROR,
} FrameResult;

/* Reads and opens frame @i (from 0) of the WAL whose header is @header. */
static FrameResult
read_frame (int fd, LiaCryptKeys *keys, const guint8 *header, guint64 i, guint8 *frame)
{
  OpenResult result;
  FrameRef ref = { frame, header + 16, i + 1 };

  if (!pread_exact (fd, frame, FRAME_SIZE, WAL_HDR_SIZE + (goffset) i * FRAME_SIZE))
    return FRAME_IO_ERROR;
  /* Salts at bytes 16-23 of the WAL header, 8-15 of a frame header. */
  if (memcmp (frame + 8, header + 16, SALT_BYTES) != 0)
    return FRAME_OTHER_GENERATION;
  result = open_page (keys, get_be32 (frame), &ref, frame + FRAME_HDR);
  if (result == OPEN_REVOKED)
    return FRAME_REVOKED;
  return result == OPEN_OK ? FRAME_OK : FRAME_FORGED;
}

/* Checks the frames that SQLite's recovery reads: those of the current
 * generation whose checksums chain from the WAL header's, up to the first
 * that breaks the chain. Past that point lie the leftovers of torn writes,
 * of transactions rolled back or cut short by a crash, which SQLite never
 * uses: so a frame that does not open ends the log like any other break,
 * unless the log demonstrably went on past it. That is, unless the frames
 * after it chain from the checksum it carries up to a commit frame: then
 * SQLite committed a transaction after writing it whole, and discarding it
 * would silently discard that transaction too. A torn write never looks so:
 * a torn append leaves a header whose checksum no older frame follows, and
 * a torn rewrite in place (of a frame of the transaction being written) has
 * no commit frame after it, since SQLite writes the commit frame last.
 * Adds the page number of every frame in use to @in_log when not NULL. */
static gboolean
verify_wal (LiaCryptKeys *keys, const char *path, GHashTable *in_log, guint64 *pages,
            GError **error)
{
  g_autofree guint8 *frame = g_malloc (FRAME_SIZE);
  guint8 header[WAL_HDR_SIZE];
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  goffset size;
  guint64 n_frames;
  guint32 sum[2] = { 0, 0 };
  gboolean big_endian;
  gboolean ok = TRUE;

  if (fd < 0)
    return errno == ENOENT ? TRUE : set_io_error (error, path, errno);
  size = lseek (fd, 0, SEEK_END);
  if (size < WAL_HDR_SIZE || !pread_exact (fd, header, sizeof header, 0))
    {
      /* An empty or headerless WAL holds nothing SQLite would use. */
      close (fd);
      return TRUE;
    }
  big_endian = (get_be32 (header) & 1) != 0;
  wal_checksum (big_endian, header, 24, sum);
  if ((get_be32 (header) & 0xfffffffe) != 0x377f0682 || sum[0] != get_be32 (header + 24)
      || sum[1] != get_be32 (header + 28))
    {
      /* SQLite ignores a WAL whose header is not valid. */
      close (fd);
      return TRUE;
    }

  n_frames = (guint64) (size - WAL_HDR_SIZE) / FRAME_SIZE;
  for (guint64 i = 0; ok && i < n_frames; i++)
    {
      FrameResult result = read_frame (fd, keys, header, i, frame);

      if (result == FRAME_OK && frame_chains (big_endian, frame, sum))
        {
          if (in_log != NULL)
            g_hash_table_add (in_log, GUINT_TO_POINTER (get_be32 (frame)));
          (*pages)++;
          continue;
        }
      if (result == FRAME_IO_ERROR)
        ok = set_io_error (error, path, errno ? errno : EIO);
      else if (result == FRAME_REVOKED)
        {
          g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED,
                               "The store is locked");
          ok = FALSE;
        }
      else if (result == FRAME_FORGED)
        {
          guint32 pgno = get_be32 (frame);
          guint32 after[2] = { get_be32 (frame + 16), get_be32 (frame + 20) };
          gboolean committed_after = FALSE;

          for (guint64 j = i + 1; !committed_after && j < n_frames; j++)
            {
              if (read_frame (fd, keys, header, j, frame) != FRAME_OK
                  || !frame_chains (big_endian, frame, after))
                break;
              committed_after = get_be32 (frame + 4) != 0;
            }
          if (committed_after)
            ok = set_tampered (error, keys,
                               g_strdup_printf ("page %u in frame %" G_GUINT64_FORMAT
                                                " of the write-ahead log", pgno, i + 1));
        }
      break;
    }
  sodium_memzero (frame, FRAME_SIZE);
  close (fd);
  return ok;
}

gboolean
lia_crypt_verify_files (LiaCryptKeys *keys,
                        const char   *db_path,
                        guint64      *out_pages,
                        GError      **error)
{
  g_autofree char *wal_path = g_strconcat (db_path, "-wal", NULL);
  guint64 pages = 0;

  g_autoptr (GHashTable) in_log = g_hash_table_new (NULL, NULL);

  if (!verify_wal (keys, wal_path, in_log, &pages, error)
      || !verify_database (keys, db_path, in_log, &pages, error))
    return FALSE;
  if (out_pages != NULL)
    *out_pages = pages;
  return TRUE;
}

gboolean
lia_crypt_verify_wal (LiaCryptKeys *keys,
                      const char   *db_path,
                      GError      **error)
{
  g_autofree char *wal_path = g_strconcat (db_path, "-wal", NULL);
  guint64 pages = 0;

  return verify_wal (keys, wal_path, NULL, &pages, error);
}
