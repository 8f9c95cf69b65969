/* lia-sync-message.c: the messages of the sync protocol, encoded and
 * decoded. See lia-sync-message.h and PROTOCOL.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-holdings.h"
#include "lia-sync-message.h"

G_DEFINE_QUARK (lia-sync-message-error-quark, lia_sync_message_error)

/* The body's GVariant type for each message type. */
#define HOLDINGS_TYPE LIA_HOLDINGS_TYPE
static const char *const body_types[LIA_SYNC_MSG_LAST + 1] = {
  [LIA_SYNC_MSG_HELLO] = "(tu" HOLDINGS_TYPE ")",
  [LIA_SYNC_MSG_WELCOME] = "(tu" HOLDINGS_TYPE "t)",
  [LIA_SYNC_MSG_BATCH] = "(ttaay)",
  [LIA_SYNC_MSG_ACK] = "(tta(us))",
  [LIA_SYNC_MSG_DONE] = "(ttt)",
  [LIA_SYNC_MSG_HEARTBEAT] = "(t)",
  [LIA_SYNC_MSG_ERROR] = "(qs)",
  [LIA_SYNC_MSG_WANT] = "(taay)",
  [LIA_SYNC_MSG_CHUNK] = "(tayqay)",
};

static const char *const type_names[LIA_SYNC_MSG_LAST + 1] = {
  [LIA_SYNC_MSG_HELLO] = "HELLO",
  [LIA_SYNC_MSG_WELCOME] = "WELCOME",
  [LIA_SYNC_MSG_BATCH] = "BATCH",
  [LIA_SYNC_MSG_ACK] = "ACK",
  [LIA_SYNC_MSG_DONE] = "DONE",
  [LIA_SYNC_MSG_HEARTBEAT] = "HEARTBEAT",
  [LIA_SYNC_MSG_ERROR] = "ERROR",
  [LIA_SYNC_MSG_WANT] = "WANT",
  [LIA_SYNC_MSG_CHUNK] = "CHUNK",
};

const char *
lia_sync_message_type_to_string (guint type)
{
  if (type >= 1 && type <= LIA_SYNC_MSG_LAST)
    return type_names[type];
  return "UNKNOWN";
}

/* ---- construction ---------------------------------------------------------- */

static LiaSyncMessage *
message_new (LiaSyncMessageType type,
             guint64            session)
{
  LiaSyncMessage *message = g_new0 (LiaSyncMessage, 1);

  message->type = type;
  message->session = session;
  return message;
}

LiaSyncMessage *
lia_sync_message_new_hello (LiaSyncMessageType type,
                            guint64            session,
                            guint32            window,
                            GPtrArray         *holdings,
                            guint64            offered)
{
  LiaSyncMessage *message;

  g_return_val_if_fail (type == LIA_SYNC_MSG_HELLO || type == LIA_SYNC_MSG_WELCOME, NULL);
  g_return_val_if_fail (holdings != NULL, NULL);
  message = message_new (type, session);
  message->hello.window = window;
  message->hello.holdings = holdings;
  message->hello.offered = offered;
  return message;
}

LiaSyncMessage *
lia_sync_message_new_batch (guint64    session,
                            guint64    seq,
                            GPtrArray *envelopes)
{
  LiaSyncMessage *message = message_new (LIA_SYNC_MSG_BATCH, session);

  message->batch.seq = seq;
  message->batch.envelopes = envelopes;
  return message;
}

LiaSyncMessage *
lia_sync_message_new_ack (guint64  session,
                          guint64  seq,
                          GArray  *refused)
{
  LiaSyncMessage *message = message_new (LIA_SYNC_MSG_ACK, session);

  message->ack.seq = seq;
  message->ack.refused = refused != NULL ? refused : lia_sync_refusals_new ();
  return message;
}

LiaSyncMessage *
lia_sync_message_new_done (guint64 session,
                           guint64 batches,
                           guint64 envelopes)
{
  LiaSyncMessage *message = message_new (LIA_SYNC_MSG_DONE, session);

  message->done.batches = batches;
  message->done.envelopes = envelopes;
  return message;
}

LiaSyncMessage *
lia_sync_message_new_heartbeat (guint64 session)
{
  return message_new (LIA_SYNC_MSG_HEARTBEAT, session);
}

LiaSyncMessage *
lia_sync_message_new_error (LiaSyncMessageError code,
                            const char         *text)
{
  LiaSyncMessage *message = message_new (LIA_SYNC_MSG_ERROR, 0);

  message->error.code = code;
  message->error.message = g_strdup (text);
  return message;
}

LiaSyncMessage *
lia_sync_message_new_want (guint64    session,
                           GPtrArray *hashes)
{
  LiaSyncMessage *message = message_new (LIA_SYNC_MSG_WANT, session);

  message->want.hashes = hashes;
  return message;
}

LiaSyncMessage *
lia_sync_message_new_chunk (guint64             session,
                            const guint8       *hash,
                            LiaSyncChunkStatus  status,
                            GBytes             *data)
{
  LiaSyncMessage *message = message_new (LIA_SYNC_MSG_CHUNK, session);

  memcpy (message->chunk.hash, hash, LIA_SYNC_CHUNK_HASH_BYTES);
  message->chunk.status = status;
  message->chunk.data = data != NULL ? data : g_bytes_new (NULL, 0);
  return message;
}

void
lia_sync_message_free (LiaSyncMessage *message)
{
  if (message == NULL)
    return;
  switch (message->type)
    {
    case LIA_SYNC_MSG_HELLO:
    case LIA_SYNC_MSG_WELCOME:
      g_clear_pointer (&message->hello.holdings, g_ptr_array_unref);
      break;
    case LIA_SYNC_MSG_BATCH:
      g_clear_pointer (&message->batch.envelopes, g_ptr_array_unref);
      break;
    case LIA_SYNC_MSG_ACK:
      g_clear_pointer (&message->ack.refused, g_array_unref);
      break;
    case LIA_SYNC_MSG_ERROR:
      g_free (message->error.message);
      break;
    case LIA_SYNC_MSG_WANT:
      g_clear_pointer (&message->want.hashes, g_ptr_array_unref);
      break;
    case LIA_SYNC_MSG_CHUNK:
      g_clear_pointer (&message->chunk.data, g_bytes_unref);
      break;
    case LIA_SYNC_MSG_DONE:
    case LIA_SYNC_MSG_HEARTBEAT:
    default:
      break;
    }
  g_free (message);
}

static void
refusal_clear (gpointer data)
{
  LiaSyncRefusal *refusal = data;

  g_clear_pointer (&refusal->reason, g_free);
}

GArray *
lia_sync_refusals_new (void)
{
  GArray *refused = g_array_new (FALSE, FALSE, sizeof (LiaSyncRefusal));

  g_array_set_clear_func (refused, refusal_clear);
  return refused;
}

/* @text cut to at most @max bytes, at a character boundary. */
static char *
cut_text (const char *text,
          gsize       max)
{
  const char *end;

  if (text == NULL)
    return g_strdup ("");
  if (!g_utf8_validate (text, -1, &end))
    return g_strndup (text, MIN ((gsize) (end - text), max));
  if (strlen (text) <= max)
    return g_strdup (text);
  end = text + max;
  while (end > text && (*end & 0xc0) == 0x80)
    end--;
  return g_strndup (text, end - text);
}

void
lia_sync_refusals_add (GArray     *refused,
                       guint32     index,
                       const char *reason)
{
  LiaSyncRefusal refusal = { index, cut_text (reason, LIA_SYNC_MAX_REASON) };

  g_array_append_val (refused, refusal);
}

gsize
lia_sync_batch_overhead (guint n_envelopes)
{
  /* The header, the two integers, and an offset of at most 4 bytes per
   * envelope (GVariant's offsets are 4 bytes for a container under 4 GiB,
   * less for a small one). */
  return LIA_SYNC_HEADER_BYTES + 16 + 4 * (gsize) n_envelopes;
}

/* ---- encoding ---------------------------------------------------------------- */

static GVariant *
bytes_array (GPtrArray *items)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aay"));
  for (guint i = 0; i < items->len; i++)
    g_variant_builder_add_value (&builder,
                                 g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                           items->pdata[i], TRUE));
  return g_variant_builder_end (&builder);
}

static GVariant *
body_of (const LiaSyncMessage *m)
{
  switch (m->type)
    {
    case LIA_SYNC_MSG_HELLO:
      return g_variant_new ("(tu@" HOLDINGS_TYPE ")", m->session, m->hello.window,
                            lia_holdings_to_variant (m->hello.holdings));
    case LIA_SYNC_MSG_WELCOME:
      return g_variant_new ("(tu@" HOLDINGS_TYPE "t)", m->session, m->hello.window,
                            lia_holdings_to_variant (m->hello.holdings), m->hello.offered);
    case LIA_SYNC_MSG_BATCH:
      return g_variant_new ("(tt@aay)", m->session, m->batch.seq,
                            bytes_array (m->batch.envelopes));
    case LIA_SYNC_MSG_ACK:
      {
        GVariantBuilder builder;

        g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(us)"));
        for (guint i = 0; i < m->ack.refused->len; i++)
          {
            const LiaSyncRefusal *refusal = &g_array_index (m->ack.refused, LiaSyncRefusal, i);
            g_autofree char *reason = cut_text (refusal->reason, LIA_SYNC_MAX_REASON);

            g_variant_builder_add (&builder, "(us)", refusal->index, reason);
          }
        return g_variant_new ("(tt@a(us))", m->session, m->ack.seq,
                              g_variant_builder_end (&builder));
      }
    case LIA_SYNC_MSG_DONE:
      return g_variant_new ("(ttt)", m->session, m->done.batches, m->done.envelopes);
    case LIA_SYNC_MSG_HEARTBEAT:
      return g_variant_new ("(t)", m->session);
    case LIA_SYNC_MSG_ERROR:
      {
        g_autofree char *text = cut_text (m->error.message, LIA_SYNC_MAX_REASON);

        return g_variant_new ("(qs)", m->error.code, text);
      }
    case LIA_SYNC_MSG_WANT:
      return g_variant_new ("(t@aay)", m->session, bytes_array (m->want.hashes));
    case LIA_SYNC_MSG_CHUNK:
      return g_variant_new ("(t@ayq@ay)", m->session,
                            g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, m->chunk.hash,
                                                       LIA_SYNC_CHUNK_HASH_BYTES, 1),
                            m->chunk.status,
                            g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, m->chunk.data,
                                                      TRUE));
    default:
      g_return_val_if_reached (NULL);
    }
}

GBytes *
lia_sync_message_encode (const LiaSyncMessage *message)
{
  g_autoptr (GVariant) body = NULL;
  gsize size;
  guint8 *data;

  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (message->type >= 1 && message->type <= LIA_SYNC_MSG_LAST, NULL);

  body = g_variant_ref_sink (body_of (message));
  /* Serialised straight after the header: one copy of the envelopes. */
  size = LIA_SYNC_HEADER_BYTES + g_variant_get_size (body);
  g_return_val_if_fail (size <= LIA_SYNC_MAX_MESSAGE, NULL);
  data = g_malloc0 (size);
  data[0] = LIA_SYNC_PROTOCOL_VERSION;
  data[1] = message->type;
  g_variant_store (body, data + LIA_SYNC_HEADER_BYTES);
  return g_bytes_new_take (data, size);
}

/* ---- decoding ---------------------------------------------------------------- */

static gboolean
malformed (GError    **error,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static gboolean
malformed (GError    **error,
           const char *format,
           ...)
{
  va_list args;
  g_autofree char *detail = NULL;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LIA_SYNC_MESSAGE_ERROR, LIA_SYNC_MESSAGE_ERROR_MALFORMED,
               "A malformed sync message: %s", detail);
  return FALSE;
}

static gboolean
read_text (GVariant   *value,
           gsize       max,
           const char *what,
           char      **out,
           GError    **error)
{
  gsize len;
  const char *text = g_variant_get_string (value, &len);

  /* Normal form already guarantees UTF-8 without a NUL inside. */
  if (len > max)
    return malformed (error, "%s longer than %" G_GSIZE_FORMAT " bytes", what, max);
  *out = g_strndup (text, len);
  return TRUE;
}

/* The "ay" children of @array as GBytes that share its bytes, each 1 to
 * @max bytes (exactly @max when @exact). */
static GPtrArray *
read_byte_strings (GVariant   *array,
                   gsize       max_items,
                   gsize       max,
                   gboolean    exact,
                   const char *what,
                   GError    **error)
{
  gsize n = g_variant_n_children (array);
  g_autoptr (GPtrArray) items = NULL;

  if (n == 0 || n > max_items)
    {
      malformed (error, "%" G_GSIZE_FORMAT " %ss (1 to %" G_GSIZE_FORMAT ")", n, what, max_items);
      return NULL;
    }
  items = g_ptr_array_new_full (n, (GDestroyNotify) g_bytes_unref);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) item = g_variant_get_child_value (array, i);
      gsize len = g_variant_get_size (item);

      if (len == 0 || len > max || (exact && len != max))
        {
          malformed (error, "a %s of %" G_GSIZE_FORMAT " bytes", what, len);
          return NULL;
        }
      g_ptr_array_add (items, g_variant_get_data_as_bytes (item));
    }
  return g_steal_pointer (&items);
}

static gboolean
read_body (LiaSyncMessage *m,
           GVariant       *body,
           GError        **error)
{
  switch (m->type)
    {
    case LIA_SYNC_MSG_HELLO:
    case LIA_SYNC_MSG_WELCOME:
      {
        g_autoptr (GVariant) holdings = g_variant_get_child_value (body, 2);
        g_autoptr (GError) holdings_error = NULL;

        g_variant_get_child (body, 0, "t", &m->session);
        g_variant_get_child (body, 1, "u", &m->hello.window);
        if (m->type == LIA_SYNC_MSG_WELCOME)
          g_variant_get_child (body, 3, "t", &m->hello.offered);
        if (m->hello.window < 1 || m->hello.window > LIA_SYNC_MAX_WINDOW)
          return malformed (error, "a window of %u batches (1 to %u)", m->hello.window,
                            LIA_SYNC_MAX_WINDOW);
        m->hello.holdings = lia_holdings_from_variant (holdings, &holdings_error);
        if (m->hello.holdings == NULL)
          return malformed (error, "%s", holdings_error->message);
        return TRUE;
      }
    case LIA_SYNC_MSG_BATCH:
      {
        g_autoptr (GVariant) envelopes = g_variant_get_child_value (body, 2);

        g_variant_get_child (body, 0, "t", &m->session);
        g_variant_get_child (body, 1, "t", &m->batch.seq);
        if (m->batch.seq == 0)
          return malformed (error, "a batch numbered 0");
        m->batch.envelopes = read_byte_strings (envelopes, LIA_SYNC_MAX_BATCH,
                                                LIA_ENVELOPE_MAX_SIZE, FALSE, "envelope", error);
        return m->batch.envelopes != NULL;
      }
    case LIA_SYNC_MSG_ACK:
      {
        g_autoptr (GVariant) refused = g_variant_get_child_value (body, 2);
        gsize n = g_variant_n_children (refused);
        gint64 last = -1;

        g_variant_get_child (body, 0, "t", &m->session);
        g_variant_get_child (body, 1, "t", &m->ack.seq);
        if (m->ack.seq == 0)
          return malformed (error, "an acknowledgement of batch 0");
        if (n > LIA_SYNC_MAX_BATCH)
          return malformed (error, "%" G_GSIZE_FORMAT " refusals in one acknowledgement", n);
        m->ack.refused = lia_sync_refusals_new ();
        for (gsize i = 0; i < n; i++)
          {
            g_autoptr (GVariant) item = g_variant_get_child_value (refused, i);
            g_autoptr (GVariant) reason = g_variant_get_child_value (item, 1);
            LiaSyncRefusal refusal = { 0, NULL };

            g_variant_get_child (item, 0, "u", &refusal.index);
            if ((gint64) refusal.index <= last || refusal.index >= LIA_SYNC_MAX_BATCH)
              return malformed (error, "refusals not in ascending order of the batch");
            last = refusal.index;
            if (!read_text (reason, LIA_SYNC_MAX_REASON, "a refusal's reason", &refusal.reason,
                            error))
              return FALSE;
            g_array_append_val (m->ack.refused, refusal);
          }
        return TRUE;
      }
    case LIA_SYNC_MSG_DONE:
      g_variant_get (body, "(ttt)", &m->session, &m->done.batches, &m->done.envelopes);
      if (m->done.envelopes < m->done.batches)
        return malformed (error, "fewer envelopes than batches");
      return TRUE;
    case LIA_SYNC_MSG_HEARTBEAT:
      g_variant_get (body, "(t)", &m->session);
      return TRUE;
    case LIA_SYNC_MSG_ERROR:
      {
        g_autoptr (GVariant) text = g_variant_get_child_value (body, 1);

        g_variant_get_child (body, 0, "q", &m->error.code);
        return read_text (text, LIA_SYNC_MAX_REASON, "an error's text", &m->error.message, error);
      }
    case LIA_SYNC_MSG_WANT:
      {
        g_autoptr (GVariant) hashes = g_variant_get_child_value (body, 1);

        g_variant_get_child (body, 0, "t", &m->session);
        m->want.hashes = read_byte_strings (hashes, LIA_SYNC_MAX_WANT, LIA_SYNC_CHUNK_HASH_BYTES,
                                            TRUE, "chunk hash", error);
        return m->want.hashes != NULL;
      }
    case LIA_SYNC_MSG_CHUNK:
      {
        g_autoptr (GVariant) hash = g_variant_get_child_value (body, 1);
        g_autoptr (GVariant) data = g_variant_get_child_value (body, 3);
        gsize len;
        const guint8 *bytes = g_variant_get_fixed_array (hash, &len, 1);

        g_variant_get_child (body, 0, "t", &m->session);
        g_variant_get_child (body, 2, "q", &m->chunk.status);
        if (len != LIA_SYNC_CHUNK_HASH_BYTES)
          return malformed (error, "a chunk hash of %" G_GSIZE_FORMAT " bytes", len);
        memcpy (m->chunk.hash, bytes, len);
        if (m->chunk.status > LIA_SYNC_CHUNK_REFUSED)
          return malformed (error, "a chunk status of %u", m->chunk.status);
        len = g_variant_get_size (data);
        if (len > LIA_SYNC_MAX_CHUNK || (len == 0) != (m->chunk.status != LIA_SYNC_CHUNK_OK))
          return malformed (error, "a chunk of %" G_GSIZE_FORMAT " bytes with status %u", len,
                            m->chunk.status);
        m->chunk.data = g_variant_get_data_as_bytes (data);
        return TRUE;
      }
    default:
      g_assert_not_reached ();
    }
}

LiaSyncMessage *
lia_sync_message_decode (GBytes  *bytes,
                         GError **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  g_autoptr (GBytes) body_bytes = NULL;
  g_autoptr (GVariant) body = NULL;
  g_autoptr (LiaSyncMessage) message = NULL;
  guint type;

  if (size > LIA_SYNC_MAX_MESSAGE)
    {
      g_set_error (error, LIA_SYNC_MESSAGE_ERROR, LIA_SYNC_MESSAGE_ERROR_TOO_LARGE,
                   "A sync message of %" G_GSIZE_FORMAT " bytes, over the limit of %u",
                   size, LIA_SYNC_MAX_MESSAGE);
      return NULL;
    }
  if (size < LIA_SYNC_HEADER_BYTES)
    {
      malformed (error, "%" G_GSIZE_FORMAT " bytes, shorter than the header", size);
      return NULL;
    }
  if (data[0] != LIA_SYNC_PROTOCOL_VERSION)
    {
      g_set_error (error, LIA_SYNC_MESSAGE_ERROR, LIA_SYNC_MESSAGE_ERROR_VERSION,
                   "A sync message of protocol version %u; this node speaks version %u",
                   data[0], LIA_SYNC_PROTOCOL_VERSION);
      return NULL;
    }
  type = data[1];
  if (type < 1 || type > LIA_SYNC_MSG_LAST)
    {
      g_set_error (error, LIA_SYNC_MESSAGE_ERROR, LIA_SYNC_MESSAGE_ERROR_UNKNOWN_TYPE,
                   "A sync message of unknown type %u", type);
      return NULL;
    }
  for (guint i = 2; i < LIA_SYNC_HEADER_BYTES; i++)
    if (data[i] != 0)
      {
        malformed (error, "header byte %u is not zero", i);
        return NULL;
      }

  body_bytes = g_bytes_new_from_bytes (bytes, LIA_SYNC_HEADER_BYTES, size - LIA_SYNC_HEADER_BYTES);
  body = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (body_types[type]),
                                                       body_bytes, FALSE));
  /* Only a message in normal form is read: there is then exactly one
   * encoding of each message, every offset is in bounds and every string
   * is UTF-8, so reading it can neither fail nor be ambiguous. */
  if (!g_variant_is_normal_form (body))
    {
      malformed (error, "%s not in GVariant normal form", lia_sync_message_type_to_string (type));
      return NULL;
    }
  message = message_new (type, 0);
  if (!read_body (message, body, error))
    return NULL;
  return g_steal_pointer (&message);
}
