/* lia-bundle.c: reading and writing bundle files; see lia-bundle.h.
 *
 * The reader treats the file as hostile: every length is checked against
 * the envelope's or the chunk's limit before anything is allocated, and
 * the counts against LIA_BUNDLE_MAX_ENVELOPES and _MAX_CHUNKS, so a file
 * of any size and content costs at most one item's memory at a time. The
 * holdings item is bounded by LIA_HOLDINGS_MAX_BYTES here; its contents
 * are for lia_holdings_decode().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-attachment.h"
#include "lia-bundle.h"
#include "lia-envelope.h"
#include "lia-holdings.h"

G_DEFINE_QUARK (lia-bundle-error-quark, lia_bundle_error)

static const guint8 magic[8] = { 'L', 'I', 'A', 'B', 'N', 'D', 'L', '\n' };

#define END_MARKER  0xFFFFFFFFu
#define HEADER_SIZE (sizeof magic + 1 + 2 * LIA_BUNDLE_KEY_BYTES)

/* The item types of versions 2 and 3. */
#define TYPE_END      0
#define TYPE_ENVELOPE LIA_BUNDLE_ITEM_ENVELOPE
#define TYPE_CHUNK    LIA_BUNDLE_ITEM_CHUNK
#define TYPE_HOLDINGS LIA_BUNDLE_ITEM_HOLDINGS
#define CHUNK_ITEM_MIN (LIA_BUNDLE_HASH_BYTES + LIA_ATTACHMENT_CHUNK_MIN_BYTES)
#define CHUNK_ITEM_MAX (LIA_BUNDLE_HASH_BYTES + LIA_ATTACHMENT_CHUNK_MAX_BYTES)

struct _LiaBundleReader
{
  GInputStream *in;      /* owned */
  guint8        version;
  guint8        from[LIA_BUNDLE_KEY_BYTES];
  guint8        for_key[LIA_BUNDLE_KEY_BYTES];
  guint         count;   /* envelopes */
  guint         n_chunks;
  gboolean      holdings; /* version 3: its holdings were read */
  gboolean      done;    /* the end was reached, or the framing failed */
};

struct _LiaBundleWriter
{
  GOutputStream *out;    /* owned */
  guint          count;
  guint          n_chunks;
};

static guint32
read_be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static void
write_be32 (guint8 *p, guint32 value)
{
  p[0] = value >> 24;
  p[1] = value >> 16;
  p[2] = value >> 8;
  p[3] = value;
}

/* Reads exactly @len bytes; a short read is TRUNCATED, saying what was
 * being read. */
static gboolean
read_exactly (LiaBundleReader *self,
              void            *buffer,
              gsize            len,
              const char      *what,
              GCancellable    *cancellable,
              GError         **error)
{
  gsize got = 0;

  if (!g_input_stream_read_all (self->in, buffer, len, &got, cancellable, error))
    return FALSE;
  if (got != len && self->n_chunks > 0)
    {
      g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_TRUNCATED,
                   "The bundle is cut short in %s, after %u whole envelope%s and %u chunk%s "
                   "of attachments: it was not copied completely. Ask for it again",
                   what, self->count, self->count == 1 ? "" : "s", self->n_chunks,
                   self->n_chunks == 1 ? "" : "s");
      return FALSE;
    }
  if (got != len)
    {
      g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_TRUNCATED,
                   "The bundle is cut short in %s, after %u whole envelope%s: it was not "
                   "copied completely. Ask for it again",
                   what, self->count, self->count == 1 ? "" : "s");
      return FALSE;
    }
  return TRUE;
}

LiaBundleReader *
lia_bundle_reader_new (GInputStream *in,
                       GCancellable *cancellable,
                       GError      **error)
{
  g_autoptr (LiaBundleReader) self = g_new0 (LiaBundleReader, 1);
  guint8 header[HEADER_SIZE];
  gsize got = 0;

  g_return_val_if_fail (G_IS_INPUT_STREAM (in), NULL);

  self->in = g_object_ref (in);
  if (!g_input_stream_read_all (in, header, sizeof header, &got, cancellable, error))
    return NULL;
  if (got < sizeof magic || memcmp (header, magic, sizeof magic) != 0)
    {
      g_set_error_literal (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_NOT_A_BUNDLE,
                           "This is not a Liaison bundle (it does not start as one)");
      return NULL;
    }
  if (got > sizeof magic && (header[sizeof magic] < 1 || header[sizeof magic] > LIA_BUNDLE_VERSION))
    {
      g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_VERSION,
                   "This bundle has format version %u, which this version of Liaison cannot "
                   "read (it reads versions 1 to %u); update Liaison",
                   header[sizeof magic], LIA_BUNDLE_VERSION);
      return NULL;
    }
  if (got != sizeof header)
    {
      g_set_error_literal (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_TRUNCATED,
                           "The bundle is cut short in its header: it was not copied "
                           "completely. Ask for it again");
      return NULL;
    }
  self->version = header[sizeof magic];
  memcpy (self->from, header + sizeof magic + 1, LIA_BUNDLE_KEY_BYTES);
  memcpy (self->for_key, header + sizeof magic + 1 + LIA_BUNDLE_KEY_BYTES, LIA_BUNDLE_KEY_BYTES);
  return g_steal_pointer (&self);
}

guint
lia_bundle_reader_get_version (LiaBundleReader *self)
{
  return self->version;
}

guint
lia_bundle_reader_get_chunk_count (LiaBundleReader *self)
{
  return self->n_chunks;
}

const guint8 *
lia_bundle_reader_get_from (LiaBundleReader *self)
{
  return self->from;
}

const guint8 *
lia_bundle_reader_get_for (LiaBundleReader *self)
{
  return self->for_key;
}

guint
lia_bundle_reader_get_count (LiaBundleReader *self)
{
  return self->count;
}

/* After the end marker: the counts must be those read, and nothing may
 * follow. */
static gboolean
read_end (LiaBundleReader *self,
          GCancellable    *cancellable,
          GError         **error)
{
  guint8 trailer[8], extra;
  gsize trailer_len = self->version == 1 ? 4 : 8;
  gsize got = 0;

  if (self->version == 3 && !self->holdings)
    {
      g_set_error_literal (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                           "The bundle ends without the acknowledgement of what its sender "
                           "holds, which comes last: it is damaged");
      return FALSE;
    }
  if (!read_exactly (self, trailer, trailer_len, "its end", cancellable, error))
    return FALSE;
  if (read_be32 (trailer) != self->count)
    {
      g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                   "The bundle says it holds %u envelopes but %u were read: it is damaged",
                   read_be32 (trailer), self->count);
      return FALSE;
    }
  if (self->version > 1 && read_be32 (trailer + 4) != self->n_chunks)
    {
      g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                   "The bundle says it holds %u chunks of attachments but %u were read: it "
                   "is damaged",
                   read_be32 (trailer + 4), self->n_chunks);
      return FALSE;
    }
  if (!g_input_stream_read_all (self->in, &extra, 1, &got, cancellable, error))
    return FALSE;
  if (got != 0)
    {
      g_set_error_literal (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                           "The bundle has bytes after its end: it is damaged");
      return FALSE;
    }
  return TRUE;
}

GBytes *
lia_bundle_reader_next (LiaBundleReader *self,
                        LiaBundleItem   *out_item,
                        guint8          *out_hash,
                        GCancellable    *cancellable,
                        GError         **error)
{
  guint8 type = TYPE_ENVELOPE, prefix[4];
  g_autofree guint8 *data = NULL;
  guint32 len;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (out_item != NULL && out_hash != NULL, NULL);

  if (self->done)
    return NULL;
  /* Whatever happens now, a failure ends the reading: after a bad length
   * the rest of the file cannot be framed. */
  self->done = TRUE;
  if (self->version > 1)
    {
      if (!read_exactly (self, &type, 1, "an item's type", cancellable, error))
        return NULL;
      if (type == TYPE_END)
        {
          read_end (self, cancellable, error);
          return NULL;
        }
      if (self->holdings)
        {
          g_set_error_literal (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                               "The bundle goes on after the acknowledgement of what its sender "
                               "holds, which comes last: it is damaged from there on");
          return NULL;
        }
      if (type != TYPE_ENVELOPE && type != TYPE_CHUNK
          && (type != TYPE_HOLDINGS || self->version < 3))
        {
          g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                       "Item %u of the bundle has an unknown type (%u): the bundle is damaged "
                       "from there on",
                       self->count + self->n_chunks + 1, type);
          return NULL;
        }
    }
  if (!read_exactly (self, prefix, sizeof prefix,
                     type == TYPE_CHUNK      ? "a chunk's length"
                     : type == TYPE_HOLDINGS ? "the acknowledgement's length"
                                             : "an envelope's length",
                     cancellable, error))
    return NULL;
  len = read_be32 (prefix);
  if (self->version == 1 && len == END_MARKER)
    {
      read_end (self, cancellable, error);
      return NULL;
    }
  if (type == TYPE_ENVELOPE && (len == 0 || len > LIA_ENVELOPE_MAX_SIZE))
    {
      g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                   "Envelope %u of the bundle claims a length of %u bytes (at most %u): "
                   "the bundle is damaged from there on",
                   self->count + 1, len, (guint) LIA_ENVELOPE_MAX_SIZE);
      return NULL;
    }
  if (type == TYPE_CHUNK && (len < CHUNK_ITEM_MIN || len > CHUNK_ITEM_MAX))
    {
      g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                   "Chunk %u of the bundle claims a length of %u bytes (%u to %u): the bundle "
                   "is damaged from there on",
                   self->n_chunks + 1, len, (guint) CHUNK_ITEM_MIN, (guint) CHUNK_ITEM_MAX);
      return NULL;
    }
  if (type == TYPE_HOLDINGS && len > LIA_HOLDINGS_MAX_BYTES)
    {
      g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                   "The acknowledgement of what the bundle's sender holds claims a length of "
                   "%u bytes (at most %u): the bundle is damaged from there on",
                   len, LIA_HOLDINGS_MAX_BYTES);
      return NULL;
    }
  if (type == TYPE_ENVELOPE && self->count >= LIA_BUNDLE_MAX_ENVELOPES)
    {
      g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                   "The bundle holds more than %u envelopes, more than any real exchange",
                   LIA_BUNDLE_MAX_ENVELOPES);
      return NULL;
    }
  if (type == TYPE_CHUNK && self->n_chunks >= LIA_BUNDLE_MAX_CHUNKS)
    {
      g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                   "The bundle holds more than %u chunks of attachments, more than any real "
                   "exchange",
                   LIA_BUNDLE_MAX_CHUNKS);
      return NULL;
    }
  if (type == TYPE_CHUNK)
    {
      if (!read_exactly (self, out_hash, LIA_BUNDLE_HASH_BYTES, "a chunk", cancellable, error))
        return NULL;
      len -= LIA_BUNDLE_HASH_BYTES;
    }
  /* Holdings may be empty: g_malloc (0) is NULL, which no read takes. */
  data = g_malloc (MAX (len, 1));
  if (len > 0 && !read_exactly (self, data, len,
                     type == TYPE_CHUNK      ? "a chunk"
                     : type == TYPE_HOLDINGS ? "the acknowledgement"
                                             : "an envelope",
                     cancellable, error))
    return NULL;
  if (type == TYPE_CHUNK)
    self->n_chunks++;
  else if (type == TYPE_HOLDINGS)
    self->holdings = TRUE;
  else
    self->count++;
  *out_item = type;
  self->done = FALSE;
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

void
lia_bundle_reader_free (LiaBundleReader *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->in);
  g_free (self);
}

LiaBundleWriter *
lia_bundle_writer_new (GOutputStream *out,
                       const guint8  *from,
                       const guint8  *for_key,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr (LiaBundleWriter) self = g_new0 (LiaBundleWriter, 1);
  guint8 header[HEADER_SIZE];

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), NULL);
  g_return_val_if_fail (from != NULL && for_key != NULL, NULL);

  self->out = g_object_ref (out);
  memcpy (header, magic, sizeof magic);
  header[sizeof magic] = LIA_BUNDLE_VERSION;
  memcpy (header + sizeof magic + 1, from, LIA_BUNDLE_KEY_BYTES);
  memcpy (header + sizeof magic + 1 + LIA_BUNDLE_KEY_BYTES, for_key, LIA_BUNDLE_KEY_BYTES);
  if (!g_output_stream_write_all (out, header, sizeof header, NULL, cancellable, error))
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
lia_bundle_writer_add (LiaBundleWriter *self,
                       GBytes          *envelope,
                       GCancellable    *cancellable,
                       GError         **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (envelope, &len);
  guint8 prefix[5] = { TYPE_ENVELOPE };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (len > 0 && len <= LIA_ENVELOPE_MAX_SIZE, FALSE);
  g_return_val_if_fail (self->count < LIA_BUNDLE_MAX_ENVELOPES, FALSE);

  write_be32 (prefix + 1, len);
  if (!g_output_stream_write_all (self->out, prefix, sizeof prefix, NULL, cancellable, error)
      || !g_output_stream_write_all (self->out, data, len, NULL, cancellable, error))
    return FALSE;
  self->count++;
  return TRUE;
}

gboolean
lia_bundle_writer_add_chunk (LiaBundleWriter *self,
                             const guint8    *hash,
                             GBytes          *chunk,
                             GCancellable    *cancellable,
                             GError         **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (chunk, &len);
  guint8 prefix[5 + LIA_BUNDLE_HASH_BYTES] = { TYPE_CHUNK };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (len >= LIA_ATTACHMENT_CHUNK_MIN_BYTES
                        && len <= LIA_ATTACHMENT_CHUNK_MAX_BYTES, FALSE);
  g_return_val_if_fail (self->n_chunks < LIA_BUNDLE_MAX_CHUNKS, FALSE);

  write_be32 (prefix + 1, LIA_BUNDLE_HASH_BYTES + len);
  memcpy (prefix + 5, hash, LIA_BUNDLE_HASH_BYTES);
  if (!g_output_stream_write_all (self->out, prefix, sizeof prefix, NULL, cancellable, error)
      || !g_output_stream_write_all (self->out, data, len, NULL, cancellable, error))
    return FALSE;
  self->n_chunks++;
  return TRUE;
}

gboolean
lia_bundle_writer_finish (LiaBundleWriter *self,
                          GBytes          *holdings,
                          GCancellable    *cancellable,
                          GError         **error)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (holdings, &len);
  guint8 prefix[5] = { TYPE_HOLDINGS };
  guint8 trailer[9] = { TYPE_END };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (len <= LIA_HOLDINGS_MAX_BYTES, FALSE);

  write_be32 (prefix + 1, len);
  write_be32 (trailer + 1, self->count);
  write_be32 (trailer + 5, self->n_chunks);
  return g_output_stream_write_all (self->out, prefix, sizeof prefix, NULL, cancellable, error)
         && (len == 0
             || g_output_stream_write_all (self->out, data, len, NULL, cancellable, error))
         && g_output_stream_write_all (self->out, trailer, sizeof trailer, NULL, cancellable,
                                       error);
}

guint
lia_bundle_writer_get_count (LiaBundleWriter *self)
{
  return self->count;
}

guint
lia_bundle_writer_get_chunk_count (LiaBundleWriter *self)
{
  return self->n_chunks;
}

void
lia_bundle_writer_free (LiaBundleWriter *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->out);
  g_free (self);
}
