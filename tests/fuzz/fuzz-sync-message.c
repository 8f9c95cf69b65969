/* fuzz-sync-message.c: the sync protocol's message decoder on arbitrary
 * bytes.
 *
 * Every message a peer sends reaches lia_sync_message_decode() (after
 * CURVE, which an authenticated peer passes whatever it sends), so it must
 * never read outside the input, must fail only with LIA_SYNC_MESSAGE_ERROR
 * and a one-line UTF-8 message, and must hand out only messages within
 * every limit of lia-sync-message.h. A message in normal form has exactly
 * one encoding, so what decodes must encode back to the very same bytes.
 * The input (after the 8 bytes of a header) is also read as the holdings a
 * sync record keeps and a bundle carries (lia_holdings_decode(), their one
 * encoding, which HELLO and WELCOME share), with the same demands but its
 * own error (LIA_MODEL_ERROR_INVALID).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-util.h"
#include "lia-holdings.h"
#include "lia-sync-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

G_GNUC_NORETURN static void
fail (const char *what)
{
  fprintf (stderr, "fuzz-sync-message: %s\n", what);
  /* abort(), not g_error(): libFuzzer saves the input on SIGABRT. */
  abort ();
}

static void
check_error (const GError *error)
{
  if (error == NULL || error->domain != LIA_SYNC_MESSAGE_ERROR || error->code < 1
      || error->code > LIA_SYNC_MESSAGE_ERROR_LAST)
    fail ("refused without a sync message error");
  if (!g_utf8_validate (error->message, -1, NULL) || strchr (error->message, '\n') != NULL)
    fail ("an error message that is not one line of UTF-8");
}

static void
check_message (const LiaSyncMessage *m,
               GBytes               *input)
{
  g_autoptr (GBytes) again = NULL;

  switch (m->type)
    {
    case LIA_SYNC_MSG_HELLO:
    case LIA_SYNC_MSG_WELCOME:
      if (m->hello.window < 1 || m->hello.window > LIA_SYNC_MAX_WINDOW)
        fail ("a window beyond its limits");
      fuzz_check_holdings ("fuzz-sync-message", m->hello.holdings);
      break;
    case LIA_SYNC_MSG_BATCH:
      if (m->batch.seq == 0 || m->batch.envelopes->len == 0
          || m->batch.envelopes->len > LIA_SYNC_MAX_BATCH)
        fail ("a batch beyond its limits");
      for (guint i = 0; i < m->batch.envelopes->len; i++)
        {
          gsize len = g_bytes_get_size (m->batch.envelopes->pdata[i]);

          if (len == 0 || len > LIA_ENVELOPE_MAX_SIZE || len > g_bytes_get_size (input))
            fail ("an envelope beyond its limits");
        }
      break;
    case LIA_SYNC_MSG_ACK:
      for (guint i = 0; i < m->ack.refused->len; i++)
        {
          const LiaSyncRefusal *refusal = &g_array_index (m->ack.refused, LiaSyncRefusal, i);

          if (strlen (refusal->reason) > LIA_SYNC_MAX_REASON
              || !g_utf8_validate (refusal->reason, -1, NULL)
              || (i > 0 && refusal->index <= g_array_index (m->ack.refused, LiaSyncRefusal,
                                                            i - 1).index))
            fail ("a refusal beyond its limits");
        }
      break;
    case LIA_SYNC_MSG_DONE:
      if (m->done.envelopes < m->done.batches)
        fail ("fewer envelopes than batches");
      break;
    case LIA_SYNC_MSG_ERROR:
      if (strlen (m->error.message) > LIA_SYNC_MAX_REASON
          || !g_utf8_validate (m->error.message, -1, NULL))
        fail ("an error's text beyond its limits");
      break;
    case LIA_SYNC_MSG_WANT:
      if (m->want.hashes->len == 0 || m->want.hashes->len > LIA_SYNC_MAX_WANT)
        fail ("a want beyond its limits");
      for (guint i = 0; i < m->want.hashes->len; i++)
        if (g_bytes_get_size (m->want.hashes->pdata[i]) != LIA_SYNC_CHUNK_HASH_BYTES)
          fail ("a chunk hash of the wrong size");
      break;
    case LIA_SYNC_MSG_CHUNK:
      if (m->chunk.status > LIA_SYNC_CHUNK_REFUSED
          || g_bytes_get_size (m->chunk.data) > LIA_SYNC_MAX_CHUNK
          || (g_bytes_get_size (m->chunk.data) == 0) != (m->chunk.status != LIA_SYNC_CHUNK_OK))
        fail ("a chunk beyond its limits");
      break;
    case LIA_SYNC_MSG_HEARTBEAT:
      break;
    default:
      fail ("a message of an unknown type");
    }
  again = lia_sync_message_encode (m);
  if (again == NULL || !g_bytes_equal (again, input))
    fail ("a message that does not encode back to its bytes");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) input = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaSyncMessage) message = lia_sync_message_decode (input, &error);

  if (message == NULL)
    check_error (error);
  else if (error != NULL)
    fail ("a message and an error");
  else
    check_message (message, input);

  if (size > LIA_SYNC_HEADER_BYTES)
    {
      g_autoptr (GBytes) body = g_bytes_new (data + LIA_SYNC_HEADER_BYTES,
                                             size - LIA_SYNC_HEADER_BYTES);

      fuzz_check_holdings_bytes ("fuzz-sync-message", body);
    }
  return 0;
}
