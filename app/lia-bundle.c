/* lia-bundle.c: reading and writing bundle files; see lia-bundle.h.
 *
 * The reader treats the file as hostile: every length is checked against
 * the envelope limit before anything is allocated, and the count against
 * LIA_BUNDLE_MAX_ENVELOPES, so a file of any size and content costs at
 * most one envelope's memory at a time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-bundle.h"
#include "lia-envelope.h"

G_DEFINE_QUARK (lia-bundle-error-quark, lia_bundle_error)

static const guint8 magic[8] = { 'L', 'I', 'A', 'B', 'N', 'D', 'L', '\n' };

#define END_MARKER  0xFFFFFFFFu
#define HEADER_SIZE (sizeof magic + 1 + 2 * LIA_BUNDLE_KEY_BYTES)

struct _LiaBundleReader
{
  GInputStream *in;      /* owned */
  guint8        from[LIA_BUNDLE_KEY_BYTES];
  guint8        for_key[LIA_BUNDLE_KEY_BYTES];
  guint         count;
  gboolean      done;    /* the end was reached, or the framing failed */
};

struct _LiaBundleWriter
{
  GOutputStream *out;    /* owned */
  guint          count;
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
  if (got > sizeof magic && header[sizeof magic] != LIA_BUNDLE_VERSION)
    {
      g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_VERSION,
                   "This bundle has format version %u, which this version of Liaison cannot "
                   "read (it reads version %u); update Liaison",
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
  memcpy (self->from, header + sizeof magic + 1, LIA_BUNDLE_KEY_BYTES);
  memcpy (self->for_key, header + sizeof magic + 1 + LIA_BUNDLE_KEY_BYTES, LIA_BUNDLE_KEY_BYTES);
  return g_steal_pointer (&self);
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

GBytes *
lia_bundle_reader_next (LiaBundleReader *self,
                        GCancellable    *cancellable,
                        GError         **error)
{
  guint8 prefix[4], trailer[4], extra;
  g_autofree guint8 *data = NULL;
  guint32 len;
  gsize got = 0;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->done)
    return NULL;
  /* Whatever happens now, a failure ends the reading: after a bad length
   * the rest of the file cannot be framed. */
  self->done = TRUE;
  if (!read_exactly (self, prefix, sizeof prefix, "an envelope's length", cancellable, error))
    return NULL;
  len = read_be32 (prefix);
  if (len == END_MARKER)
    {
      if (!read_exactly (self, trailer, sizeof trailer, "its end", cancellable, error))
        return NULL;
      if (read_be32 (trailer) != self->count)
        {
          g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                       "The bundle says it holds %u envelopes but %u were read: it is damaged",
                       read_be32 (trailer), self->count);
          return NULL;
        }
      if (!g_input_stream_read_all (self->in, &extra, 1, &got, cancellable, error))
        return NULL;
      if (got != 0)
        {
          g_set_error_literal (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                               "The bundle has bytes after its end: it is damaged");
          return NULL;
        }
      return NULL;
    }
  if (len == 0 || len > LIA_ENVELOPE_MAX_SIZE)
    {
      g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                   "Envelope %u of the bundle claims a length of %u bytes (at most %u): "
                   "the bundle is damaged from there on",
                   self->count + 1, len, (guint) LIA_ENVELOPE_MAX_SIZE);
      return NULL;
    }
  if (self->count >= LIA_BUNDLE_MAX_ENVELOPES)
    {
      g_set_error (error, LIA_BUNDLE_ERROR, LIA_BUNDLE_ERROR_MALFORMED,
                   "The bundle holds more than %u envelopes, more than any real exchange",
                   LIA_BUNDLE_MAX_ENVELOPES);
      return NULL;
    }
  data = g_malloc (len);
  if (!read_exactly (self, data, len, "an envelope", cancellable, error))
    return NULL;
  self->count++;
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
  guint8 prefix[4];

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (len > 0 && len <= LIA_ENVELOPE_MAX_SIZE, FALSE);
  g_return_val_if_fail (self->count < LIA_BUNDLE_MAX_ENVELOPES, FALSE);

  write_be32 (prefix, len);
  if (!g_output_stream_write_all (self->out, prefix, sizeof prefix, NULL, cancellable, error)
      || !g_output_stream_write_all (self->out, data, len, NULL, cancellable, error))
    return FALSE;
  self->count++;
  return TRUE;
}

gboolean
lia_bundle_writer_finish (LiaBundleWriter *self,
                          GCancellable    *cancellable,
                          GError         **error)
{
  guint8 trailer[8];

  g_return_val_if_fail (self != NULL, FALSE);

  write_be32 (trailer, END_MARKER);
  write_be32 (trailer + 4, self->count);
  return g_output_stream_write_all (self->out, trailer, sizeof trailer, NULL, cancellable, error);
}

guint
lia_bundle_writer_get_count (LiaBundleWriter *self)
{
  return self->count;
}

void
lia_bundle_writer_free (LiaBundleWriter *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->out);
  g_free (self);
}
