/* lia-bundle.h: a file of envelopes, for organisations that exchange by file.
 *
 * A bundle carries envelopes from one organisation's store to another's when
 * they cannot reach each other over the network (an air gap, a secure
 * network of their own), and lets the exchange be tested before sync
 * exists. It adds no security of its own: every envelope in it is signed
 * and encrypted end to end, and is verified one by one when imported. The
 * framing only has to be read safely and to show where it stops.
 *
 * Layout (integers big-endian):
 *
 *   magic        8 bytes  "LIABNDL\n"
 *   version      1 byte   1, 2 or 3
 *   from         32 bytes the exporting organisation's identity key
 *   for          32 bytes the identity key of the organisation it is for
 *
 * then, in version 1, for each envelope:
 *
 *     length     4 bytes  1 .. LIA_ENVELOPE_MAX_SIZE
 *     envelope   length bytes
 *   end          4 bytes  0xFFFFFFFF
 *   count        4 bytes  the number of envelopes before it
 *
 * and in versions 2 and 3, for each item:
 *
 *     type       1 byte   1 an envelope, 2 a chunk, 3 holdings, 0 the end
 *     length     4 bytes  an envelope: 1 .. LIA_ENVELOPE_MAX_SIZE; a chunk:
 *                         32 + LIA_ATTACHMENT_CHUNK_MIN_BYTES ..
 *                         32 + LIA_ATTACHMENT_CHUNK_MAX_BYTES; holdings:
 *                         0 .. LIA_HOLDINGS_MAX_BYTES
 *     bytes      length bytes: the envelope; or the chunk's hash (32
 *                bytes) then the chunk; or the holdings
 *   and after the end's type byte (which has no length):
 *   envelopes    4 bytes  the number of envelopes before it
 *   chunks       4 bytes  the number of chunks before it
 *
 * Version 2 carries the chunks of attachments (lia-attachment.h). Version
 * 3 also carries, as its last item before the end and exactly once, the
 * exporting organisation's holdings (lia-holdings.h: what it holds of
 * what was sealed for it, in their one encoding): an acknowledgement, so
 * that the organisation it is for can later leave out what is held
 * already. A bundle with no envelopes is then a pure acknowledgement.
 *
 * This version of Liaison always writes version 3, and reads all three:
 * choosing the lowest version that could carry a file's items would buy
 * nothing, since every bundle now carries holdings (and no earlier release
 * of Liaison is in use).
 *
 * A file that stops before the end marker was cut short (a failed copy, a
 * full disk): the items before the cut are still whole and are imported;
 * the reader then says where the bundle was cut.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The version this program writes, and the newest it reads (it reads 1
 * and 2 too). */
#define LIA_BUNDLE_VERSION     3
#define LIA_BUNDLE_KEY_BYTES   32
#define LIA_BUNDLE_HASH_BYTES  32
/* No more envelopes than this in one file: a bound for the reader, far
 * above any real exchange (10,000 cases of records). */
#define LIA_BUNDLE_MAX_ENVELOPES 4000000u
/* And no more chunks: a terabyte of attachments. */
#define LIA_BUNDLE_MAX_CHUNKS    4000000u

#define LIA_BUNDLE_ERROR (lia_bundle_error_quark ())

typedef enum
{
  LIA_BUNDLE_ERROR_NOT_A_BUNDLE,  /* wrong magic: some other file */
  LIA_BUNDLE_ERROR_VERSION,       /* a bundle of a version this program does not know */
  LIA_BUNDLE_ERROR_TRUNCATED,     /* the file stops in the middle */
  LIA_BUNDLE_ERROR_MALFORMED,     /* a length out of bounds, a wrong count, bytes after the end */
} LiaBundleError;

GQuark lia_bundle_error_quark (void);

typedef enum
{
  LIA_BUNDLE_ITEM_ENVELOPE = 1,
  LIA_BUNDLE_ITEM_CHUNK = 2,
  LIA_BUNDLE_ITEM_HOLDINGS = 3,
} LiaBundleItem;

typedef struct _LiaBundleReader LiaBundleReader;

/* Reads the header from @in; NULL with NOT_A_BUNDLE, VERSION or TRUNCATED
 * if it is not a bundle this program reads. */
LiaBundleReader *lia_bundle_reader_new (GInputStream *in,
                                        GCancellable *cancellable,
                                        GError      **error);
const guint8    *lia_bundle_reader_get_from (LiaBundleReader *self);
const guint8    *lia_bundle_reader_get_for (LiaBundleReader *self);
/* The next item's bytes (not yet checked in any way), or NULL: at the
 * end marker with no error, or with an error when the file is cut short or
 * its framing is wrong, after which nothing more can be read. @out_item
 * says what it is; for a chunk, the bytes are the chunk and its hash as
 * the bundle gives it (LIA_BUNDLE_HASH_BYTES, not yet checked either) is
 * copied to @out_hash; holdings are still to be decoded
 * (lia_holdings_decode()). In version 3, the end without holdings before
 * it, or an item after them, is MALFORMED. */
GBytes          *lia_bundle_reader_next (LiaBundleReader *self,
                                         LiaBundleItem   *out_item,
                                         guint8          *out_hash,
                                         GCancellable    *cancellable,
                                         GError         **error);
/* The bundle's format version, 1 to 3. */
guint            lia_bundle_reader_get_version (LiaBundleReader *self);
/* Envelopes and chunks read so far. */
guint            lia_bundle_reader_get_count (LiaBundleReader *self);
guint            lia_bundle_reader_get_chunk_count (LiaBundleReader *self);
void             lia_bundle_reader_free (LiaBundleReader *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaBundleReader, lia_bundle_reader_free)

typedef struct _LiaBundleWriter LiaBundleWriter;

/* A bundle of version 3 (LIA_BUNDLE_VERSION). */
LiaBundleWriter *lia_bundle_writer_new (GOutputStream *out,
                                        const guint8  *from,
                                        const guint8  *for_key,
                                        GCancellable  *cancellable,
                                        GError       **error);
gboolean         lia_bundle_writer_add (LiaBundleWriter *self,
                                        GBytes          *envelope,
                                        GCancellable    *cancellable,
                                        GError         **error);
gboolean         lia_bundle_writer_add_chunk (LiaBundleWriter *self,
                                              const guint8    *hash,
                                              GBytes          *chunk,
                                              GCancellable    *cancellable,
                                              GError         **error);
/* Writes @holdings (lia_holdings_encode() of the exporter's, at most
 * LIA_HOLDINGS_MAX_BYTES) and the end marker. A writer freed without it
 * leaves a bundle that reads as cut short. */
gboolean         lia_bundle_writer_finish (LiaBundleWriter *self,
                                           GBytes          *holdings,
                                           GCancellable    *cancellable,
                                           GError         **error);
guint            lia_bundle_writer_get_count (LiaBundleWriter *self);
guint            lia_bundle_writer_get_chunk_count (LiaBundleWriter *self);
void             lia_bundle_writer_free (LiaBundleWriter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaBundleWriter, lia_bundle_writer_free)

G_END_DECLS
