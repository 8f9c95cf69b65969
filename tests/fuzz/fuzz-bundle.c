/* fuzz-bundle.c: the bundle reader on arbitrary bytes.
 *
 * A bundle file comes from outside (a USB stick, an email), so its reader
 * must never read outside the input or allocate more than one envelope's
 * worth at a time, must stop with a bundle error (never a crash) on any
 * framing it does not accept, and must hand out only envelopes and chunks
 * within their size limits, and chunks only from a bundle of version 2.
 * Each envelope it hands out is also parsed, as an import would, to reach
 * the envelope decoder through the bundle's framing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <gio/gio.h>

#include "fuzz-util.h"
#include "lia-attachment.h"
#include "lia-bundle.h"
#include "lia-envelope.h"
#include "lia-holdings.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

G_GNUC_NORETURN static void
fail (const char *what)
{
  fprintf (stderr, "fuzz-bundle: %s\n", what);
  /* abort(), not g_error(): libFuzzer saves the input on SIGABRT. */
  abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaBundleReader) reader = lia_bundle_reader_new (in, NULL, &error);
  GBytes *item_bytes;
  LiaBundleItem item;
  guint8 hash[LIA_BUNDLE_HASH_BYTES];
  gsize seen = 0;
  gboolean holdings = FALSE;

  if (reader == NULL)
    {
      if (error == NULL || error->domain != LIA_BUNDLE_ERROR)
        fail ("a header refused without a bundle error");
      return 0;
    }
  if (lia_bundle_reader_get_version (reader) < 1 || lia_bundle_reader_get_version (reader) > 3)
    fail ("a bundle of a version the reader does not know");
  while ((item_bytes = lia_bundle_reader_next (reader, &item, hash, NULL, &error)) != NULL)
    {
      gsize len = g_bytes_get_size (item_bytes);

      if (holdings)
        fail ("an item after the holdings");
      if (item == LIA_BUNDLE_ITEM_HOLDINGS)
        {
          if (lia_bundle_reader_get_version (reader) < 3)
            fail ("holdings in a bundle before version 3");
          if (len > LIA_HOLDINGS_MAX_BYTES)
            fail ("holdings over the size limit");
          holdings = TRUE;
          seen += 5 + len;
          fuzz_check_holdings_bytes ("fuzz-bundle", item_bytes);
        }
      else if (item == LIA_BUNDLE_ITEM_CHUNK)
        {
          if (lia_bundle_reader_get_version (reader) < 2)
            fail ("a chunk in a bundle of version 1");
          if (len < LIA_ATTACHMENT_CHUNK_MIN_BYTES || len > LIA_ATTACHMENT_CHUNK_MAX_BYTES)
            fail ("a chunk outside the size limits");
          seen += 5 + LIA_BUNDLE_HASH_BYTES + len;
        }
      else if (item == LIA_BUNDLE_ITEM_ENVELOPE)
        {
          g_autoptr (GError) parse_error = NULL;
          g_autoptr (LiaEnvelope) env = NULL;

          if (len == 0 || len > LIA_ENVELOPE_MAX_SIZE)
            fail ("an envelope outside the size limit");
          seen += len + 4;
          env = lia_envelope_parse (item_bytes, &parse_error);
          if (env == NULL && (parse_error == NULL || parse_error->domain != LIA_ENVELOPE_ERROR))
            fail ("an envelope refused without an envelope error");
        }
      else
        fail ("an item of no known type");
      if (seen > size)
        fail ("more item bytes than input");
      g_bytes_unref (item_bytes);
    }
  if (error != NULL && error->domain != LIA_BUNDLE_ERROR && error->domain != G_IO_ERROR)
    fail ("reading stopped with an error of another kind");
  if (error == NULL && lia_bundle_reader_get_version (reader) == 3 && !holdings)
    fail ("a bundle of version 3 read to its end without holdings");
  if (lia_bundle_reader_get_count (reader) > LIA_BUNDLE_MAX_ENVELOPES
      || lia_bundle_reader_get_chunk_count (reader) > LIA_BUNDLE_MAX_CHUNKS)
    fail ("more envelopes or chunks than the limit");
  return 0;
}
