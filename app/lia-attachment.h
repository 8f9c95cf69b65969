/* lia-attachment.h: files attached to records, in encrypted chunks.
 *
 * A file attached to a record (a scanned report, an interview recording)
 * does not travel inside the record's envelope, which is at most 960 KiB:
 * it is cut into chunks that are encrypted, named by their hash, stored,
 * and fetched on their own, so that a 100 MB file never holds up the small
 * records behind it and an interrupted transfer resumes with the chunks
 * still missing. What ties them to the record is its content, which is
 * sealed end to end like any other: each new version of the record lists
 * its attachments, and only the recipients of that version can read the
 * list, which holds the key the chunks are encrypted with.
 *
 * Only a record's originator attaches a file to it, and attaching is a
 * new version of the record (lia_attachment_attach()), sealed for the
 * same recipients as an edit would be. Attachments are never taken off a
 * record: later versions list them too. Withdrawing a record, or
 * destroying it on its agreed date, deletes its attachments' chunks.
 *
 * A chunk. The file is cut into pieces of LIA_ATTACHMENT_CHUNK_SIZE bytes,
 * the last one shorter (an empty file has none). Piece i (from 0) of n is
 * encrypted with XChaCha20-Poly1305 IETF under the attachment's own
 * random 32-byte key, with
 *
 *   nonce            i as 8 bytes little-endian, then 16 zero bytes (each
 *                    key encrypts one file, so a counter never repeats)
 *   associated data  "liaison chunk v1" (16 bytes), i and n as 8 bytes
 *                    little-endian each, so that a chunk cannot be moved to
 *                    another place in the file, nor the file cut short
 *
 * and the chunk is the ciphertext with its tag: the piece's length plus
 * 16 bytes. Its name is BLAKE2b-256 of those bytes (32 bytes).
 *
 * The manifest. The content of a record version (JSON, lia-exchange.c)
 * has, when the record has attachments, a member "attachments": an array,
 * in the order they were attached (attachment N is its N-th element), of
 * objects with
 *
 *   "name"    the file's name: 1 to 255 bytes of UTF-8, no control
 *             characters, no '/' or '\', not "." or ".."
 *   "type"    its media type, "type/subtype" in lower case (RFC 6838
 *             characters), at most 127 bytes
 *   "size"    its size in bytes, 0 to LIA_ATTACHMENT_MAX_SIZE
 *   "key"     the chunk key, base64 (32 bytes)
 *   "hash"    BLAKE2b-256 of the whole file, base64 (32 bytes)
 *   "chunks"  the chunks' hashes in order, concatenated, base64: exactly
 *             32 bytes for each of the file's ceil (size / chunk size)
 *             pieces
 *
 * Base64 is RFC 4648 with padding, and must be in its one canonical form.
 * A record lists at most LIA_ATTACHMENT_MAX_PER_RECORD attachments and
 * LIA_ATTACHMENT_MAX_RECORD_CHUNKS chunks in all; at 43 bytes of base64 a
 * chunk, the largest list takes 342 KiB of the envelope's 900 KiB of
 * content, and leaves the rest for the record's fields. The decoder of
 * what arrives (lia-attachment-private.h) checks every one of these rules
 * before anything is stored, and is fuzzed (tests/fuzz/fuzz-attachment.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "lia-exchange.h"
#include "lia-store.h"

G_BEGIN_DECLS

/* Bytes of a file in each chunk; a sync message (1 MiB) carries one chunk
 * with room to spare. */
#define LIA_ATTACHMENT_CHUNK_SIZE        (256u * 1024u)
/* The tag of XChaCha20-Poly1305. */
#define LIA_ATTACHMENT_TAG_BYTES         16u
/* The smallest and largest chunk: a piece of 1 byte, a whole piece. */
#define LIA_ATTACHMENT_CHUNK_MIN_BYTES   (1u + LIA_ATTACHMENT_TAG_BYTES)
#define LIA_ATTACHMENT_CHUNK_MAX_BYTES   (LIA_ATTACHMENT_CHUNK_SIZE + LIA_ATTACHMENT_TAG_BYTES)
/* BLAKE2b-256: a chunk's name, and the hash of a whole file. */
#define LIA_ATTACHMENT_HASH_BYTES        32u
#define LIA_ATTACHMENT_KEY_BYTES         32u

/* The largest file (2 GiB, 8192 chunks), and what one record may list. */
#define LIA_ATTACHMENT_MAX_SIZE          (G_GUINT64_CONSTANT (2) << 30)
#define LIA_ATTACHMENT_MAX_RECORD_CHUNKS 8192u
#define LIA_ATTACHMENT_MAX_PER_RECORD    64u
#define LIA_ATTACHMENT_MAX_NAME          255u
#define LIA_ATTACHMENT_MAX_MEDIA_TYPE    127u

#define LIA_ATTACHMENT_ERROR (lia_attachment_error_quark ())
GQuark lia_attachment_error_quark (void);

/**
 * LiaAttachmentError:
 * @LIA_ATTACHMENT_ERROR_INVALID: a name or media type that is not acceptable
 * @LIA_ATTACHMENT_ERROR_TOO_LARGE: a file, a chunk or a record's attachments over their limit
 * @LIA_ATTACHMENT_ERROR_NOT_FOUND: the record has no attachment of that number
 * @LIA_ATTACHMENT_ERROR_INCOMPLETE: some of the attachment's chunks are not here yet
 * @LIA_ATTACHMENT_ERROR_DAMAGED: a chunk does not match its hash or fails decryption, or the
 *   whole file does not match its hash
 * @LIA_ATTACHMENT_ERROR_CHANGED: the file changed while it was being read
 * @LIA_ATTACHMENT_ERROR_NOT_ENTITLED: the requester is not a recipient of any version that
 *   lists the chunk (or the chunk is unknown here: the two are not told apart)
 * @LIA_ATTACHMENT_ERROR_NOT_HELD: the requester is entitled to the chunk, but this store
 *   does not hold it (yet)
 * @LIA_ATTACHMENT_ERROR_NOT_WANTED: a chunk that no record version here lists
 */
typedef enum
{
  LIA_ATTACHMENT_ERROR_INVALID,
  LIA_ATTACHMENT_ERROR_TOO_LARGE,
  LIA_ATTACHMENT_ERROR_NOT_FOUND,
  LIA_ATTACHMENT_ERROR_INCOMPLETE,
  LIA_ATTACHMENT_ERROR_DAMAGED,
  LIA_ATTACHMENT_ERROR_CHANGED,
  LIA_ATTACHMENT_ERROR_NOT_ENTITLED,
  LIA_ATTACHMENT_ERROR_NOT_HELD,
  LIA_ATTACHMENT_ERROR_NOT_WANTED,
} LiaAttachmentError;

/* One attachment of a record's current version, and how much of it is
 * here. */
typedef struct
{
  char    *record_id;
  guint    index;        /* N: 1 for the first attached */
  char    *name;
  char    *media_type;
  guint64  size;         /* bytes */
  guint    n_chunks;
  guint    n_held;       /* chunks this store holds; n_chunks when complete */
} LiaAttachment;

void           lia_attachment_free (LiaAttachment *attachment);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaAttachment, lia_attachment_free)

/* ---- for people ----------------------------------------------------------- */

/* Attaches @file to one of this organisation's records, as a new version
 * sealed for everyone entitled to the record. @name is the name it is
 * listed under (NULL: the file's own), @media_type its media type (NULL: a
 * guess from its name and first bytes, else application/octet-stream).
 * The file is read once, a chunk at a time, and its chunks are written in
 * small transactions, so that neither memory nor the store's write-ahead
 * log grows with its size; the new version is made in one last
 * transaction. On any failure (another organisation's record, refused
 * naming its originator; a file over LIA_ATTACHMENT_MAX_SIZE; a file that
 * changes while it is read; cancellation) the record is as it was and no
 * chunk is left behind. Returns the new attachment. */
LiaAttachment *lia_attachment_attach (LiaStore     *store,
                                      const char   *record_id,
                                      GFile        *file,
                                      const char   *name,
                                      const char   *media_type,
                                      GCancellable *cancellable,
                                      GError      **error);

/* Writes attachment @index of the current version of a record to @path:
 * every chunk checked against its hash and decrypted, and the whole file
 * checked against its hash. It is written to a temporary file beside
 * @path (mode 0600), synced and renamed into place, so that a failure
 * never leaves a partial file under @path. An existing @path is replaced
 * only if @replace (else LIA_STORE_ERROR_EXISTS). If chunks are missing it
 * fails with INCOMPLETE, saying how many, before writing anything. */
gboolean       lia_attachment_fetch (LiaStore     *store,
                                     const char   *record_id,
                                     guint         index,
                                     const char   *path,
                                     gboolean      replace,
                                     GCancellable *cancellable,
                                     GError      **error);

/* The attachments of a record's current version (@record_id), or of every
 * record held here (@record_id NULL, by record then number), each with the
 * chunks held and the total: how far each transfer has come. */
GPtrArray     *lia_attachment_progress (LiaStore   *store,
                                        const char *record_id,
                                        GError    **error);

/* ---- for the sync engine -------------------------------------------------- */

/* The chunks this store wants: those listed by record versions it has
 * opened (applied, waiting for their case, or superseded) and does not
 * hold, each once, in the order their versions arrived and then in file
 * order, at most @max (0: all). Held chunks never appear, so asking again
 * after an interruption resumes where the transfer stopped. With
 * @peer_key (an Ed25519 identity key, 32 bytes), only chunks of versions
 * whose envelopes that organisation wrote (the record's originator) or
 * names as a recipient: the ones it may hold and may give this store
 * (lia_attachment_chunk_get() on its side). Returns GBytes of
 * LIA_ATTACHMENT_HASH_BYTES each. */
GPtrArray     *lia_attachment_wanted (LiaStore     *store,
                                      const guint8 *peer_key,
                                      guint         max,
                                      GError      **error);

/* The chunk named @hash, for the organisation whose identity key is
 * @requester_key: given only if that organisation is a current peer (or
 * this one) named as a recipient on the envelope of a record version that
 * lists the chunk. This is what lets a recipient relay chunks to the other
 * recipients, and no one else. NOT_ENTITLED otherwise, whether or not the
 * chunk is known here; NOT_HELD if it is entitled but the chunk has not
 * arrived here yet. */
GBytes        *lia_attachment_chunk_get (LiaStore     *store,
                                         const guint8 *hash,
                                         const guint8 *requester_key,
                                         GError      **error);

/* Stores a chunk that arrived: its size must be within
 * LIA_ATTACHMENT_CHUNK_MIN_BYTES and _MAX_BYTES (TOO_LARGE, DAMAGED), its
 * bytes must hash to @hash (DAMAGED), and a record version here must list
 * it (NOT_WANTED). A chunk held already is LIA_IMPORT_DUPLICATE, a new one
 * LIA_IMPORT_ACCEPTED, a refused one LIA_IMPORT_REFUSED with nothing
 * stored. One statement: inside the caller's transaction when one is open
 * (so that a batch of chunks costs one commit), else committed at once. */
gboolean       lia_attachment_chunk_put (LiaStore         *store,
                                         const guint8     *hash,
                                         GBytes           *bytes,
                                         LiaImportOutcome *out_outcome,
                                         GError          **error);

G_END_DECLS
