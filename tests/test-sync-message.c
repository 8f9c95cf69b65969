/* test-sync-message.c: the sync protocol's messages (lia-sync-message.h):
 * every type round trips, and every way of breaking one is refused with
 * the wire error it is answered with.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-holdings.h"
#include "lia-sync-message.h"
#include "lia-test-util.h"

static const guint8 key_a[32] = { 1, 2, 3 };
static const guint8 key_b[32] = { 9, 8, 7 };

static GPtrArray *
sample_holdings (void)
{
  GPtrArray *holdings = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_holdings_entry_free);
  LiaHoldingsEntry *a = lia_holdings_entry_new (key_a, 41);
  LiaNumberRun runs[] = { { 43, 43 }, { 50, 60 } };

  g_array_append_vals (a->extras, runs, G_N_ELEMENTS (runs));
  g_ptr_array_add (holdings, a);
  g_ptr_array_add (holdings, lia_holdings_entry_new (key_b, 0));
  return holdings;
}

static LiaSyncMessage *
round_trip (const LiaSyncMessage *message)
{
  g_autoptr (GBytes) bytes = lia_sync_message_encode (message);
  g_autoptr (GError) error = NULL;
  LiaSyncMessage *back;
  const guint8 *data = g_bytes_get_data (bytes, NULL);

  g_assert_cmpuint (data[0], ==, LIA_SYNC_PROTOCOL_VERSION);
  g_assert_cmpuint (data[1], ==, message->type);
  back = lia_sync_message_decode (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->type, ==, message->type);
  g_assert_cmpuint (back->session, ==, message->session);
  return back;
}

static GBytes *
encode (LiaSyncMessage *message)
{
  g_autoptr (LiaSyncMessage) owned = message;

  return lia_sync_message_encode (owned);
}

static void
assert_refused (GBytes *bytes, LiaSyncMessageError code, const char *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaSyncMessage) message = lia_sync_message_decode (bytes, &error);

  g_assert_null (message);
  g_assert_error (error, LIA_SYNC_MESSAGE_ERROR, (gint) code);
  if (words != NULL && strstr (error->message, words) == NULL)
    g_error ("“%s” does not say “%s”", error->message, words);
}

/* ---- round trips ---------------------------------------------------------- */

static void
test_hello_and_welcome (void)
{
  g_autoptr (LiaSyncMessage) hello = lia_sync_message_new_hello (LIA_SYNC_MSG_HELLO, 77, 8,
                                                                 sample_holdings (), 0);
  g_autoptr (LiaSyncMessage) welcome = lia_sync_message_new_hello (LIA_SYNC_MSG_WELCOME, 77, 4,
                                                                   sample_holdings (), 1234);
  g_autoptr (LiaSyncMessage) back = round_trip (hello);
  g_autoptr (LiaSyncMessage) back2 = round_trip (welcome);
  const LiaHoldingsEntry *a;

  g_assert_cmpuint (back->hello.window, ==, 8);
  g_assert_cmpuint (back->hello.holdings->len, ==, 2);
  a = back->hello.holdings->pdata[0];
  g_assert_cmpmem (a->originator, 32, key_a, 32);
  g_assert_cmpuint (a->contiguous, ==, 41);
  g_assert_cmpuint (a->extras->len, ==, 2);
  g_assert_cmpuint (g_array_index (a->extras, LiaNumberRun, 1).first, ==, 50);
  g_assert_cmpuint (g_array_index (a->extras, LiaNumberRun, 1).last, ==, 60);
  g_assert_true (lia_holdings_entry_has (a, 55));
  g_assert_false (lia_holdings_entry_has (a, 42));
  g_assert_cmpuint (back2->hello.offered, ==, 1234);
  g_assert_cmpuint (back2->hello.window, ==, 4);
}

/* Two peers each with four originators, all up to date: the pair of
 * messages that settles a sync is small. */
static void
test_hello_size (void)
{
  GPtrArray *holdings = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_holdings_entry_free);
  g_autoptr (GBytes) bytes = NULL;

  for (int i = 0; i < 4; i++)
    {
      guint8 key[32] = { i };

      g_ptr_array_add (holdings, lia_holdings_entry_new (key, 100000));
    }
  bytes = encode (lia_sync_message_new_hello (LIA_SYNC_MSG_WELCOME, 1, 8, holdings, 0));
  g_test_message ("WELCOME with four originators: %" G_GSIZE_FORMAT " bytes",
                  g_bytes_get_size (bytes));
  g_assert_cmpuint (g_bytes_get_size (bytes), <, 256);
}

static void
test_batch (void)
{
  GPtrArray *envelopes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (LiaSyncMessage) batch = NULL;
  g_autoptr (LiaSyncMessage) back = NULL;

  g_ptr_array_add (envelopes, g_bytes_new_static ("first envelope", 14));
  g_ptr_array_add (envelopes, g_bytes_new_static ("x", 1));
  batch = lia_sync_message_new_batch (5, 3, envelopes);
  back = round_trip (batch);
  g_assert_cmpuint (back->batch.seq, ==, 3);
  g_assert_cmpuint (back->batch.envelopes->len, ==, 2);
  g_assert_true (g_bytes_equal (back->batch.envelopes->pdata[0], envelopes->pdata[0]));
  g_assert_true (g_bytes_equal (back->batch.envelopes->pdata[1], envelopes->pdata[1]));
}

/* lia_sync_batch_overhead() is a true bound: a batch filled up to the
 * limit by it encodes within the limit, with envelopes of every size. */
static void
test_batch_fills_to_the_limit (void)
{
  static const gsize sizes[] = { 1, 100, 1024, 1500, 70000, LIA_ENVELOPE_MAX_SIZE };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr (GBytes) envelope = NULL;
      GPtrArray *envelopes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      g_autoptr (GBytes) bytes = NULL;
      g_autofree guint8 *data = g_malloc0 (sizes[s]);
      gsize total = 0;

      envelope = g_bytes_new (data, sizes[s]);
      while (envelopes->len < LIA_SYNC_MAX_BATCH
             && lia_sync_batch_overhead (envelopes->len + 1) + total + sizes[s]
                  <= LIA_SYNC_MAX_MESSAGE)
        {
          g_ptr_array_add (envelopes, g_bytes_ref (envelope));
          total += sizes[s];
        }
      g_assert_cmpuint (envelopes->len, >=, 1);
      bytes = encode (lia_sync_message_new_batch (1, 1, envelopes));
      g_assert_cmpuint (g_bytes_get_size (bytes), <=, LIA_SYNC_MAX_MESSAGE);
      g_assert_cmpuint (g_bytes_get_size (bytes), <=, lia_sync_batch_overhead (0) + total
                                                      + 4 * (total / sizes[s]));
    }
}

static void
test_ack_done_heartbeat_error (void)
{
  GArray *refused = lia_sync_refusals_new ();
  g_autoptr (LiaSyncMessage) ack = NULL, back = NULL, done = NULL, done_back = NULL;
  g_autoptr (LiaSyncMessage) beat = NULL, beat_back = NULL, err = NULL, err_back = NULL;
  g_autofree char *long_text = g_strnfill (LIA_SYNC_MAX_REASON + 50, 'e');

  lia_sync_refusals_add (refused, 2, "The envelope's signature does not match");
  lia_sync_refusals_add (refused, 7, long_text);
  ack = lia_sync_message_new_ack (9, 4, refused);
  back = round_trip (ack);
  g_assert_cmpuint (back->ack.seq, ==, 4);
  g_assert_cmpuint (back->ack.refused->len, ==, 2);
  g_assert_cmpuint (g_array_index (back->ack.refused, LiaSyncRefusal, 1).index, ==, 7);
  g_assert_cmpstr (g_array_index (back->ack.refused, LiaSyncRefusal, 0).reason, ==,
                   "The envelope's signature does not match");
  /* Cut to the limit. */
  g_assert_cmpuint (strlen (g_array_index (back->ack.refused, LiaSyncRefusal, 1).reason), ==,
                    LIA_SYNC_MAX_REASON);

  done = lia_sync_message_new_done (9, 3, 1500);
  done_back = round_trip (done);
  g_assert_cmpuint (done_back->done.batches, ==, 3);
  g_assert_cmpuint (done_back->done.envelopes, ==, 1500);

  beat = lia_sync_message_new_heartbeat (9);
  beat_back = round_trip (beat);

  /* Text is cut at a character, never in the middle of one. */
  {
    g_autoptr (GString) text = g_string_new (NULL);

    while (text->len < LIA_SYNC_MAX_REASON + 10)
      g_string_append (text, "é");
    err = lia_sync_message_new_error (LIA_SYNC_MESSAGE_ERROR_FLOODING, text->str + 1);
  }
  err_back = round_trip (err);
  g_assert_cmpuint (err_back->error.code, ==, LIA_SYNC_MESSAGE_ERROR_FLOODING);
  g_assert_true (g_utf8_validate (err_back->error.message, -1, NULL));
  g_assert_cmpuint (strlen (err_back->error.message), <=, LIA_SYNC_MAX_REASON);
}

static void
test_want_and_chunk (void)
{
  GPtrArray *hashes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (LiaSyncMessage) want = NULL, want_back = NULL;
  g_autoptr (LiaSyncMessage) chunk = NULL, chunk_back = NULL;
  g_autoptr (LiaSyncMessage) none = NULL, none_back = NULL;
  guint8 hash[32] = { 0xaa, 0xbb };
  g_autofree guint8 *data = g_malloc (256 * 1024);

  memset (data, 0x5a, 256 * 1024);
  g_ptr_array_add (hashes, g_bytes_new (hash, 32));
  want = lia_sync_message_new_want (3, hashes);
  want_back = round_trip (want);
  g_assert_cmpuint (want_back->want.hashes->len, ==, 1);
  g_assert_true (g_bytes_equal (want_back->want.hashes->pdata[0], hashes->pdata[0]));

  chunk = lia_sync_message_new_chunk (3, hash, LIA_SYNC_CHUNK_OK,
                                      g_bytes_new (data, 256 * 1024));
  chunk_back = round_trip (chunk);
  g_assert_cmpmem (chunk_back->chunk.hash, 32, hash, 32);
  g_assert_true (g_bytes_equal (chunk_back->chunk.data, chunk->chunk.data));

  none = lia_sync_message_new_chunk (3, hash, LIA_SYNC_CHUNK_REFUSED, NULL);
  none_back = round_trip (none);
  g_assert_cmpuint (none_back->chunk.status, ==, LIA_SYNC_CHUNK_REFUSED);
  g_assert_cmpuint (g_bytes_get_size (none_back->chunk.data), ==, 0);
}

/* ---- refusals ----------------------------------------------------------------- */

/* A header and a body written by hand. */
static GBytes *
frame (guint8 version, guint8 type, GVariant *body)
{
  g_autoptr (GVariant) owned = body != NULL ? g_variant_ref_sink (body) : NULL;
  gsize size = LIA_SYNC_HEADER_BYTES + (owned != NULL ? g_variant_get_size (owned) : 0);
  guint8 *data = g_malloc0 (size);

  data[0] = version;
  data[1] = type;
  if (owned != NULL)
    g_variant_store (owned, data + LIA_SYNC_HEADER_BYTES);
  return g_bytes_new_take (data, size);
}

static GBytes *
with_byte (GBytes *bytes, gsize offset, guint8 value)
{
  gsize len;
  guint8 *data = g_bytes_unref_to_data (g_bytes_ref (bytes), &len);

  data[offset] = value;
  return g_bytes_new_take (data, len);
}

static void
test_refuses_framing (void)
{
  g_autoptr (GBytes) good = encode (lia_sync_message_new_heartbeat (1));
  g_autoptr (GBytes) short_one = g_bytes_new_static ("\1\6\0\0", 4);
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr (GBytes) v2 = with_byte (good, 0, 2);
  g_autoptr (GBytes) v0 = with_byte (good, 0, 0);
  g_autoptr (GBytes) type0 = with_byte (good, 1, 0);
  g_autoptr (GBytes) type99 = with_byte (good, 1, 99);
  g_autoptr (GBytes) padding = with_byte (good, 5, 1);
  g_autoptr (GBytes) truncated = g_bytes_new_from_bytes (good, 0, g_bytes_get_size (good) - 1);
  g_autofree guint8 *huge_data = g_malloc0 (LIA_SYNC_MAX_MESSAGE + 1);
  g_autoptr (GBytes) huge = NULL;

  huge_data[0] = LIA_SYNC_PROTOCOL_VERSION;
  huge_data[1] = LIA_SYNC_MSG_BATCH;
  huge = g_bytes_new (huge_data, LIA_SYNC_MAX_MESSAGE + 1);

  assert_refused (short_one, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "shorter than the header");
  assert_refused (empty, LIA_SYNC_MESSAGE_ERROR_MALFORMED, NULL);
  assert_refused (v2, LIA_SYNC_MESSAGE_ERROR_VERSION, "version 2");
  assert_refused (v0, LIA_SYNC_MESSAGE_ERROR_VERSION, NULL);
  assert_refused (type0, LIA_SYNC_MESSAGE_ERROR_UNKNOWN_TYPE, "type 0");
  assert_refused (type99, LIA_SYNC_MESSAGE_ERROR_UNKNOWN_TYPE, "type 99");
  assert_refused (padding, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "header byte 5");
  assert_refused (truncated, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "normal form");
  assert_refused (huge, LIA_SYNC_MESSAGE_ERROR_TOO_LARGE, "over the limit");
}

/* Bodies that GVariant can read but that are not in normal form: a byte
 * too many; an offset out of order. */
static void
test_refuses_non_normal_form (void)
{
  GPtrArray *envelopes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (GBytes) good = NULL;
  g_autoptr (GBytes) longer = NULL;
  g_autoptr (GBytes) bad_offset = NULL;
  gsize len;
  guint8 *data;

  g_ptr_array_add (envelopes, g_bytes_new_static ("abc", 3));
  g_ptr_array_add (envelopes, g_bytes_new_static ("defg", 4));
  good = encode (lia_sync_message_new_batch (1, 1, envelopes));

  data = g_bytes_unref_to_data (g_bytes_ref (good), &len);
  data = g_realloc (data, len + 1);
  data[len] = 0;
  longer = g_bytes_new_take (data, len + 1);
  assert_refused (longer, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "normal form");

  /* The array's offsets are its last two bytes: the first one past the
   * second, which GVariant reads as an empty element. */
  data = g_bytes_unref_to_data (g_bytes_ref (good), &len);
  data[len - 2] = 9;
  bad_offset = g_bytes_new_take (data, len);
  assert_refused (bad_offset, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "normal form");
}

static void
test_refuses_fields (void)
{
  guint8 key[32] = { 0 };
  g_autoptr (GBytes) window0 = NULL, window_big = NULL, short_key = NULL, twice = NULL;
  g_autoptr (GBytes) overlapping = NULL, below = NULL, empty_batch = NULL, seq0 = NULL;
  g_autoptr (GBytes) big_envelope = NULL, unordered = NULL, long_reason = NULL;
  g_autoptr (GBytes) bad_chunk = NULL, chunk_status = NULL, hash_len = NULL, done = NULL;
  g_autofree guint8 *too_big = g_malloc0 (LIA_ENVELOPE_MAX_SIZE + 1);
  g_autofree char *reason = g_strnfill (LIA_SYNC_MAX_REASON + 1, 'r');
  GVariantBuilder b;

#define HOLDING(k, n, runs) g_variant_new_parsed ("(%@ay, %t, " runs ")", \
    g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, k, sizeof k, 1), (guint64) (n))

  window0 = frame (1, LIA_SYNC_MSG_HELLO, g_variant_new_parsed ("(@t 1, @u 0, @a(ayta(tt)) [])"));
  assert_refused (window0, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "window of 0");
  window_big
    = frame (1, LIA_SYNC_MSG_HELLO, g_variant_new_parsed ("(@t 1, @u 65, @a(ayta(tt)) [])"));
  assert_refused (window_big, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "window of 65");

  short_key = frame (1, LIA_SYNC_MSG_HELLO,
                     g_variant_new_parsed ("(@t 1, @u 4, [(@ay [1, 2], @t 0, @a(tt) [])])"));
  assert_refused (short_key, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "key of 2 bytes");

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayta(tt))"));
  g_variant_builder_add_value (&b, HOLDING (key, 3, "@a(tt) []"));
  g_variant_builder_add_value (&b, HOLDING (key, 4, "@a(tt) []"));
  twice = frame (1, LIA_SYNC_MSG_HELLO, g_variant_new ("(tu@a(ayta(tt)))", (guint64) 1, 4,
                                                       g_variant_builder_end (&b)));
  assert_refused (twice, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "named twice");

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayta(tt))"));
  g_variant_builder_add_value (&b, HOLDING (key, 3, "[(@t 5, @t 9), (@t 8, @t 12)]"));
  overlapping = frame (1, LIA_SYNC_MSG_HELLO, g_variant_new ("(tu@a(ayta(tt)))", (guint64) 1, 4,
                                                             g_variant_builder_end (&b)));
  assert_refused (overlapping, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "ascending");

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ayta(tt))"));
  g_variant_builder_add_value (&b, HOLDING (key, 10, "[(@t 5, @t 9)]"));
  below = frame (1, LIA_SYNC_MSG_HELLO, g_variant_new ("(tu@a(ayta(tt)))", (guint64) 1, 4,
                                                       g_variant_builder_end (&b)));
  assert_refused (below, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "ascending");

  empty_batch = frame (1, LIA_SYNC_MSG_BATCH, g_variant_new_parsed ("(@t 1, @t 1, @aay [])"));
  assert_refused (empty_batch, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "0 envelopes");
  seq0 = frame (1, LIA_SYNC_MSG_BATCH, g_variant_new_parsed ("(@t 1, @t 0, [@ay [1]])"));
  assert_refused (seq0, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "numbered 0");
  big_envelope = frame (1, LIA_SYNC_MSG_BATCH,
                        g_variant_new ("(tt@aay)", (guint64) 1, (guint64) 1,
                                       g_variant_new_array (G_VARIANT_TYPE_BYTESTRING,
                                         (GVariant *[]) { g_variant_new_fixed_array (
                                           G_VARIANT_TYPE_BYTE, too_big,
                                           LIA_ENVELOPE_MAX_SIZE + 1, 1) }, 1)));
  assert_refused (big_envelope, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "envelope of");

  unordered = frame (1, LIA_SYNC_MSG_ACK,
                     g_variant_new_parsed ("(@t 1, @t 1, [(@u 3, 'a'), (@u 3, 'b')])"));
  assert_refused (unordered, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "ascending");
  long_reason = frame (1, LIA_SYNC_MSG_ACK,
                       g_variant_new ("(tt@a(us))", (guint64) 1, (guint64) 1,
                                      g_variant_new_parsed ("[(@u 0, %s)]", reason)));
  assert_refused (long_reason, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "longer than");

  done = frame (1, LIA_SYNC_MSG_DONE, g_variant_new_parsed ("(@t 1, @t 5, @t 4)"));
  assert_refused (done, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "fewer envelopes");

  hash_len = frame (1, LIA_SYNC_MSG_WANT, g_variant_new_parsed ("(@t 1, [@ay [1, 2, 3]])"));
  assert_refused (hash_len, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "chunk hash of 3 bytes");
  bad_chunk = frame (1, LIA_SYNC_MSG_CHUNK,
                     g_variant_new ("(t@ayq@ay)", (guint64) 1,
                                    g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, key, 32, 1),
                                    (guint16) LIA_SYNC_CHUNK_OK,
                                    g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, key, 0, 1)));
  assert_refused (bad_chunk, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "status 0");
  chunk_status = frame (1, LIA_SYNC_MSG_CHUNK,
                        g_variant_new ("(t@ayq@ay)", (guint64) 1,
                                       g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, key, 32, 1),
                                       (guint16) 7,
                                       g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, key, 0, 1)));
  assert_refused (chunk_status, LIA_SYNC_MESSAGE_ERROR_MALFORMED, "status of 7");
#undef HOLDING
}

/* Random bytes behind a valid header, of every type: refused (or read),
 * never a crash; the fuzz target does far more of this. */
static void
test_random_bodies (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);

  for (int i = 0; i < 20000; i++)
    {
      gsize len = LIA_SYNC_HEADER_BYTES + g_rand_int_range (rand, 0, 200);
      g_autofree guint8 *data = g_malloc0 (len);
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (LiaSyncMessage) message = NULL;

      for (gsize j = LIA_SYNC_HEADER_BYTES; j < len; j++)
        data[j] = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 0, 256) : 0;
      data[0] = 1;
      data[1] = g_rand_int_range (rand, 1, LIA_SYNC_MSG_LAST + 1);
      bytes = g_bytes_new (data, len);
      message = lia_sync_message_decode (bytes, &error);
      g_assert_true ((message == NULL) != (error == NULL));
      if (message != NULL)
        {
          g_autoptr (GBytes) again = lia_sync_message_encode (message);

          g_assert_true (g_bytes_equal (again, bytes));
        }
    }
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/sync-message/hello-and-welcome", test_hello_and_welcome);
  g_test_add_func ("/sync-message/hello-size", test_hello_size);
  g_test_add_func ("/sync-message/batch", test_batch);
  g_test_add_func ("/sync-message/batch-fills-to-the-limit", test_batch_fills_to_the_limit);
  g_test_add_func ("/sync-message/ack-done-heartbeat-error", test_ack_done_heartbeat_error);
  g_test_add_func ("/sync-message/want-and-chunk", test_want_and_chunk);
  g_test_add_func ("/sync-message/refuses/framing", test_refuses_framing);
  g_test_add_func ("/sync-message/refuses/non-normal-form", test_refuses_non_normal_form);
  g_test_add_func ("/sync-message/refuses/fields", test_refuses_fields);
  g_test_add_func ("/sync-message/random-bodies", test_random_bodies);
  return g_test_run ();
}
