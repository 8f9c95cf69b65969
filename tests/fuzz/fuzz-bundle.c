/* fuzz-bundle.c: the bundle reader on arbitrary bytes.
 *
 * A bundle file comes from outside (a USB stick, an email), so its reader
 * must never read outside the input or allocate more than one envelope's
 * worth at a time, must stop with a bundle error (never a crash) on any
 * framing it does not accept, and must hand out only envelopes within the
 * size limit. Each envelope it hands out is also parsed, as an import
 * would, to reach the envelope decoder through the bundle's framing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <gio/gio.h>

#include "lia-bundle.h"
#include "lia-envelope.h"

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
  GBytes *envelope;
  gsize seen = 0;

  if (reader == NULL)
    {
      if (error == NULL || error->domain != LIA_BUNDLE_ERROR)
        fail ("a header refused without a bundle error");
      return 0;
    }
  while ((envelope = lia_bundle_reader_next (reader, NULL, &error)) != NULL)
    {
      g_autoptr (GError) parse_error = NULL;
      g_autoptr (LiaEnvelope) env = NULL;

      if (g_bytes_get_size (envelope) == 0 || g_bytes_get_size (envelope) > LIA_ENVELOPE_MAX_SIZE)
        fail ("an envelope outside the size limit");
      seen += g_bytes_get_size (envelope) + 4;
      if (seen > size)
        fail ("more envelope bytes than input");
      env = lia_envelope_parse (envelope, &parse_error);
      if (env == NULL && (parse_error == NULL || parse_error->domain != LIA_ENVELOPE_ERROR))
        fail ("an envelope refused without an envelope error");
      g_bytes_unref (envelope);
    }
  if (error != NULL && error->domain != LIA_BUNDLE_ERROR && error->domain != G_IO_ERROR)
    fail ("reading stopped with an error of another kind");
  if (lia_bundle_reader_get_count (reader) > LIA_BUNDLE_MAX_ENVELOPES)
    fail ("more envelopes than the limit");
  return 0;
}
