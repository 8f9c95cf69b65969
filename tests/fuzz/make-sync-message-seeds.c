/* make-sync-message-seeds.c: writes the seed inputs of fuzz-sync-message.
 *
 * A message of every type as a node sends it (holdings with runs, a batch
 * of envelopes of a few sizes, an acknowledgement with refusals, an error,
 * a want and chunks of each status), and near misses that stop at each
 * check of the decoder: a header too short, another version, an unknown
 * type, a padding byte set, a body cut short or with a byte too many, a
 * window of 0, a key too short, an originator twice, runs out of order, an
 * empty batch, refusals out of order, a chunk of the wrong size. Every run
 * writes the same bytes.
 *
 *   ninja -C BUILD tests/fuzz/make-sync-message-seeds
 *   BUILD/tests/fuzz/make-sync-message-seeds tests/fuzz/corpus/sync-message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lia-holdings.h"
#include "lia-sync-message.h"

static const char *out_dir;

static void
save_bytes (const char *name, GBytes *bytes)
{
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error))
    {
      fprintf (stderr, "make-sync-message-seeds: %s\n", error->message);
      exit (1);
    }
}

static GBytes *
save (const char *name, LiaSyncMessage *message)
{
  g_autoptr (LiaSyncMessage) owned = message;
  GBytes *bytes = lia_sync_message_encode (owned);

  save_bytes (name, bytes);
  return bytes;
}

/* @bytes with byte @at set to @value, or cut to @len (if @len is set). */
static void
save_changed (const char *name, GBytes *bytes, gssize at, guint8 value, gssize len)
{
  gsize size;
  g_autofree guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (bytes), &size);
  g_autoptr (GBytes) changed = NULL;

  if (at >= 0)
    copy[at] = value;
  if (len >= 0)
    {
      copy = g_realloc (copy, MAX (len, 1));
      if ((gsize) len > size)
        memset (copy + size, 0, len - size);
      size = len;
    }
  changed = g_bytes_new (copy, size);
  save_bytes (name, changed);
}

/* A header and a body written by hand. */
static void
save_raw (const char *name, guint8 type, GVariant *body)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (body);
  gsize size = LIA_SYNC_HEADER_BYTES + g_variant_get_size (owned);
  g_autofree guint8 *data = g_malloc0 (size);
  g_autoptr (GBytes) bytes = NULL;

  data[0] = LIA_SYNC_PROTOCOL_VERSION;
  data[1] = type;
  g_variant_store (owned, data + LIA_SYNC_HEADER_BYTES);
  bytes = g_bytes_new (data, size);
  save_bytes (name, bytes);
}

static GPtrArray *
holdings (guint n)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_holdings_entry_free);

  for (guint i = 0; i < n; i++)
    {
      guint8 key[32];
      LiaHoldingsEntry *entry;

      memset (key, 0x10 + i, sizeof key);
      entry = lia_holdings_entry_new (key, 1000 * (i + 1));
      if (i % 2 == 1)
        {
          LiaNumberRun runs[] = { { 1000 * (i + 1) + 2, 1000 * (i + 1) + 2 },
                                  { 1000 * (i + 1) + 10, 1000 * (i + 1) + 20 } };

          g_array_append_vals (entry->extras, runs, G_N_ELEMENTS (runs));
        }
      g_ptr_array_add (all, entry);
    }
  return all;
}

static GPtrArray *
envelopes (guint n, gsize size)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autofree guint8 *data = g_malloc (size);

      for (gsize j = 0; j < size; j++)
        data[j] = (guint8) (i * 31 + j);
      g_ptr_array_add (all, g_bytes_new (data, size));
    }
  return all;
}

int
main (int argc, char **argv)
{
  g_autoptr (GBytes) hello = NULL, batch = NULL, ack = NULL, beat = NULL;
  GArray *refused = lia_sync_refusals_new ();
  GPtrArray *hashes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint8 hash[32];
  guint8 key[32];
  g_autofree guint8 *chunk = g_malloc (4096);

  if (argc != 2)
    {
      fprintf (stderr, "usage: make-sync-message-seeds DIRECTORY\n");
      return 2;
    }
  out_dir = argv[1];
  memset (hash, 0xab, sizeof hash);
  memset (key, 0x22, sizeof key);
  memset (chunk, 0x5a, 4096);

  /* Every type, as sent. */
  hello = save ("hello", lia_sync_message_new_hello (LIA_SYNC_MSG_HELLO, 0x1122334455667788, 8,
                                                     holdings (4), 0));
  g_bytes_unref (save ("hello-empty", lia_sync_message_new_hello (LIA_SYNC_MSG_HELLO, 1, 1,
                                                                  holdings (0), 0)));
  g_bytes_unref (save ("welcome", lia_sync_message_new_hello (LIA_SYNC_MSG_WELCOME, 7, 64,
                                                              holdings (3), 12345)));
  batch = save ("batch", lia_sync_message_new_batch (7, 1, envelopes (3, 40)));
  g_bytes_unref (save ("batch-large", lia_sync_message_new_batch (7, 2, envelopes (2, 70000))));
  g_bytes_unref (save ("batch-many", lia_sync_message_new_batch (7, 3, envelopes (300, 3))));
  lia_sync_refusals_add (refused, 0, "The envelope's signature does not match its author");
  lia_sync_refusals_add (refused, 2, "Refusé: é");
  ack = save ("ack", lia_sync_message_new_ack (7, 1, refused));
  g_bytes_unref (save ("ack-empty", lia_sync_message_new_ack (7, 9, NULL)));
  g_bytes_unref (save ("done", lia_sync_message_new_done (7, 3, 1500)));
  beat = save ("heartbeat", lia_sync_message_new_heartbeat (7));
  g_bytes_unref (save (
    "error", lia_sync_message_new_error (LIA_SYNC_MESSAGE_ERROR_FLOODING, "Too many messages")));
  g_ptr_array_add (hashes, g_bytes_new (hash, 32));
  g_ptr_array_add (hashes, g_bytes_new (key, 32));
  g_bytes_unref (save ("want", lia_sync_message_new_want (7, hashes)));
  g_bytes_unref (save ("chunk", lia_sync_message_new_chunk (7, hash, LIA_SYNC_CHUNK_OK,
                                                            g_bytes_new (chunk, 4096))));
  g_bytes_unref (save ("chunk-not-held", lia_sync_message_new_chunk (7, hash,
                                                                     LIA_SYNC_CHUNK_NOT_HELD,
                                                                     NULL)));

  /* Near misses. */
  save_changed ("short-header", beat, -1, 0, 5);
  save_changed ("version-2", hello, 0, 2, -1);
  save_changed ("type-unknown", beat, 1, 42, -1);
  save_changed ("padding-set", beat, 4, 1, -1);
  save_changed ("hello-cut", hello, -1, 0, g_bytes_get_size (hello) - 5);
  save_changed ("batch-byte-more", batch, -1, 0, g_bytes_get_size (batch) + 1);
  save_changed ("ack-offset", ack, g_bytes_get_size (ack) - 1, 0xff, -1);
  save_raw ("window-0", LIA_SYNC_MSG_HELLO, g_variant_new_parsed ("(@t 1, @u 0, @a(ayta(tt)) [])"));
  save_raw ("key-short", LIA_SYNC_MSG_HELLO,
            g_variant_new_parsed ("(@t 1, @u 4, [(@ay [1, 2], @t 0, @a(tt) [])])"));
  save_raw (
    "originator-twice", LIA_SYNC_MSG_HELLO,
    g_variant_new_parsed ("(@t 1, @u 4, [(%@ay, @t 0, @a(tt) []), (%@ay, @t 5, @a(tt) [])])",
                          g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, key, 32, 1),
                          g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, key, 32, 1)));
  save_raw ("runs-overlap", LIA_SYNC_MSG_HELLO,
            g_variant_new_parsed ("(@t 1, @u 4, [(%@ay, @t 3, [(@t 5, @t 9), (@t 8, @t 12)])])",
                                  g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, key, 32, 1)));
  save_raw ("batch-empty", LIA_SYNC_MSG_BATCH, g_variant_new_parsed ("(@t 1, @t 1, @aay [])"));
  save_raw ("batch-seq-0", LIA_SYNC_MSG_BATCH, g_variant_new_parsed ("(@t 1, @t 0, [@ay [1]])"));
  save_raw ("ack-unordered", LIA_SYNC_MSG_ACK,
            g_variant_new_parsed ("(@t 1, @t 1, [(@u 3, 'a'), (@u 3, 'b')])"));
  save_raw ("done-fewer", LIA_SYNC_MSG_DONE, g_variant_new_parsed ("(@t 1, @t 5, @t 4)"));
  save_raw ("want-short-hash", LIA_SYNC_MSG_WANT, g_variant_new_parsed ("(@t 1, [@ay [1, 2, 3]])"));
  save_raw ("chunk-empty-ok", LIA_SYNC_MSG_CHUNK,
            g_variant_new ("(t@ayq@ay)", (guint64)1,
                           g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, hash, 32, 1), (guint16)0,
                           g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, hash, 0, 1)));
  return 0;
}
