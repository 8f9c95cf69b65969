/* lia-sync-session.c: the sync protocol on one connection.
 *
 * PROTOCOL.md ("Sessions") is the reference. In short: the initiator sends
 * HELLO with what it holds, the other answers WELCOME with what it holds
 * and how many envelopes it will send; then each side streams what the
 * other lacks in BATCHes, at most the other's window unacknowledged, and
 * ends with DONE; each BATCH is verified (in the verifier's threads),
 * stored in one transaction and only then acknowledged (ACK). The session
 * has succeeded when both directions are done and acknowledged.
 *
 * Anything out of turn, malformed or excessive ends the session with an
 * ERROR and the connection with it (lia_sync_link_drop()).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "lia-attachment.h"
#include "lia-exchange.h"
#include "lia-identity.h"
#include "lia-store-private.h"
#include "lia-sync-private.h"

/* Flooding: a link may send this many messages a second on average, in
 * bursts of up to LINK_BURST; no sync needs more (a batch is up to 1 MiB,
 * and the window bounds them). And this many new sessions a minute. */
#define LINK_RATE    500.0
#define LINK_BURST   2000.0
#define HELLOS_PER_MINUTE 30

static const char *
peer_name (Peer *peer)
{
  return peer->state.name;
}

/* ---- sessions ------------------------------------------------------------- */

static void chunks_send (Actor *actor, Link *link);

static void
in_flight_free (InFlight *batch)
{
  g_ptr_array_unref (batch->envelopes);
  g_array_unref (batch->numbers);
  g_ptr_array_unref (batch->originators);
  g_free (batch);
}

static Session *
session_new (guint64  id,
             gboolean initiator)
{
  Session *s = g_new0 (Session, 1);

  s->id = id;
  s->initiator = initiator;
  s->state = initiator ? SESSION_HELLO_SENT : SESSION_ACTIVE;
  s->started_us = lia_sync_now_us ();
  s->next_seq = 1;
  s->next_in_seq = 1;
  g_queue_init (&s->in_flight);
  s->ready = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                    (GDestroyNotify) lia_sync_job_free);
  return s;
}

void
lia_sync_session_free (Session *s)
{
  if (s == NULL)
    return;
  g_clear_pointer (&s->outbox, lia_outbox_free);
  g_clear_pointer (&s->carry, g_bytes_unref);
  g_queue_clear_full (&s->in_flight, (GDestroyNotify) in_flight_free);
  g_hash_table_unref (s->ready);
  g_free (s);
}

static guint64
new_session_id (void)
{
  guint64 id = 0;

  while (id == 0)
    randombytes_buf (&id, sizeof id);
  return id;
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* Whether another session with @peer than @link's is streaming to it. */
static gboolean
peer_is_sending (Peer *peer,
                 Link *link)
{
  Link *links[] = { peer->out_link, peer->in_link };

  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    if (links[i] != NULL && links[i] != link && links[i]->session != NULL
        && links[i]->session->sending)
      return TRUE;
  return FALSE;
}

static void
session_end (Link *link)
{
  g_clear_pointer (&link->session, lia_sync_session_free);
}

void
lia_sync_session_fail (Actor               *actor,
                       Link                *link,
                       LiaSyncMessageError  code,
                       const char          *message,
                       gboolean             tell)
{
  Peer *peer = link->peer;
  LiaSyncPeerStatus status;

  if (tell)
    lia_sync_link_send (actor, link, lia_sync_message_new_error (code, message));
  switch (code)
    {
    case LIA_SYNC_MESSAGE_ERROR_TIMEOUT:
      status = LIA_SYNC_PEER_UNREACHABLE;
      break;
    case LIA_SYNC_MESSAGE_ERROR_STORE:
    case LIA_SYNC_MESSAGE_ERROR_STOPPING:
      status = LIA_SYNC_PEER_CONNECTING;
      break;
    case LIA_SYNC_MESSAGE_ERROR_MALFORMED:
    case LIA_SYNC_MESSAGE_ERROR_VERSION:
    case LIA_SYNC_MESSAGE_ERROR_UNKNOWN_TYPE:
    case LIA_SYNC_MESSAGE_ERROR_TOO_LARGE:
    case LIA_SYNC_MESSAGE_ERROR_OUT_OF_TURN:
    case LIA_SYNC_MESSAGE_ERROR_FLOODING:
    case LIA_SYNC_MESSAGE_ERROR_NOT_PEER:
    default:
      status = LIA_SYNC_PEER_REFUSED;
      break;
    }
  if (link->session != NULL)
    {
      peer->state.pending_in = 0;
      session_end (link);
    }
  if (code != LIA_SYNC_MESSAGE_ERROR_STOPPING)
    {
      lia_sync_peer_set_status (actor, peer, status, message);
      lia_sync_peer_save (actor, peer);
      lia_sync_actor_report (actor, LIA_SYNC_REPORT_SYNC_FINISHED, peer->state.fingerprint, NULL, 0,
                             FALSE);
      peer->requested = FALSE;
    }
}

/* A protocol error by the peer: told, logged, and the connection ended. */
static void
protocol_error (Actor               *actor,
                Link                *link,
                LiaSyncMessageError  code,
                const char          *message)
{
  lia_sync_peer_warn (actor, link->peer, "%s", message);
  lia_sync_session_fail (actor, link, code, message, TRUE);
  lia_sync_link_drop (actor, link, TRUE);
}

static void
session_succeed (Actor *actor,
                 Link  *link)
{
  Peer *peer = link->peer;
  Session *s = link->session;
  double seconds = (lia_sync_now_us () - s->started_us) / (double) G_USEC_PER_SEC;

  peer->state.last_sync = now_seconds ();
  peer->state.last_received = s->envelopes_accepted;
  peer->state.last_sent = s->envelopes_acked;
  peer->state.pending_in = 0;
  if (s->sending || s->outbox == NULL)
    peer->state.pending_out = 0;
  g_info ("Synced with %s: %" G_GUINT64_FORMAT " envelope%s received, %" G_GUINT64_FORMAT
             " sent, in %.2f s", peer_name (peer), s->envelopes_accepted,
             s->envelopes_accepted == 1 ? "" : "s", s->envelopes_acked, seconds);
  g_debug ("Session %016" G_GINT64_MODIFIER "x with %s (%s) ended: sent %u messages of %"
           G_GUINT64_FORMAT " bytes, received %u messages of %" G_GUINT64_FORMAT " bytes, %u "
           "round trips, %.6f s", s->id, peer_name (peer),
           s->initiator ? "initiator" : "responder", s->messages_sent, s->bytes_sent,
           s->messages_received, s->bytes_received, s->round_trips, seconds);
  session_end (link);
  lia_sync_peer_set_status (actor, peer, LIA_SYNC_PEER_UP_TO_DATE, NULL);
  lia_sync_peer_save (actor, peer);
  lia_sync_actor_report (actor, LIA_SYNC_REPORT_SYNC_FINISHED, peer->state.fingerprint, NULL, 0,
                         TRUE);
  peer->requested = FALSE;
  /* What arrived may list chunks this store wants; and what the peer asked
   * for waits no longer. A new session gives chunks refused before another
   * chance. */
  g_hash_table_remove_all (link->chunks_skipped);
  lia_sync_chunks_want (actor, link);
  chunks_send (actor, link);
}

static void
check_complete (Actor *actor,
                Link  *link)
{
  Session *s = link->session;

  if (s != NULL && s->state == SESSION_ACTIVE && s->done_sent && g_queue_is_empty (&s->in_flight)
      && s->done_received && s->committed_seq == s->peer_batches
      && s->next_in_seq == s->peer_batches + 1)
    session_succeed (actor, link);
}

/* ---- sending ---------------------------------------------------------------- */

static gboolean
refused_before (Peer   *peer,
                GBytes *envelope)
{
  guint8 hash[LIA_ENVELOPE_HASH_BYTES];
  g_autoptr (GBytes) key = NULL;

  if (g_hash_table_size (peer->refused) == 0)
    return FALSE;
  /* The envelope's storage id (lia_envelope_hash()): BLAKE2b-256 of it. */
  crypto_generichash (hash, sizeof hash, g_bytes_get_data (envelope, NULL),
                      g_bytes_get_size (envelope), NULL, 0);
  key = g_bytes_new (hash, sizeof hash);
  return g_hash_table_contains (peer->refused, key);
}

/* The next batch from the outbox: up to LIA_SYNC_MAX_MESSAGE in all.
 * NULL at the end (or with @error). */
static InFlight *
next_batch (Peer     *peer,
            Session  *s,
            GError  **error)
{
  InFlight *batch;
  gsize total = 0;

  if (s->outbox == NULL)
    return NULL;
  batch = g_new0 (InFlight, 1);
  batch->envelopes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  batch->numbers = g_array_new (FALSE, FALSE, sizeof (guint64));
  batch->originators = g_ptr_array_new ();
  for (;;)
    {
      GBytes *envelope = g_steal_pointer (&s->carry);
      const guint8 *originator = s->carry_originator;
      guint64 number = s->carry_number;
      gsize len;

      if (envelope == NULL)
        {
          GError *local_error = NULL;

          envelope = lia_outbox_next (s->outbox, &originator, &number, &local_error);
          if (local_error != NULL)
            {
              g_propagate_error (error, local_error);
              in_flight_free (batch);
              return NULL;
            }
          if (envelope == NULL)
            break;
        }
      if (refused_before (peer, envelope))
        {
          g_bytes_unref (envelope);
          continue;
        }
      len = g_bytes_get_size (envelope);
      if (batch->envelopes->len > 0
          && (batch->envelopes->len >= LIA_SYNC_MAX_BATCH
              || lia_sync_batch_overhead (batch->envelopes->len + 1) + total + len
                   > LIA_SYNC_MAX_MESSAGE))
        {
          s->carry = envelope;
          s->carry_originator = originator;
          s->carry_number = number;
          break;
        }
      total += len;
      g_ptr_array_add (batch->envelopes, envelope);
      g_array_append_val (batch->numbers, number);
      g_ptr_array_add (batch->originators, (gpointer) originator);
    }
  if (batch->envelopes->len == 0)
    {
      in_flight_free (batch);
      return NULL;
    }
  return batch;
}

/* Sends what the window allows, then DONE once the outbox is empty. */
static void
pump (Actor *actor,
      Link  *link)
{
  Session *s = link->session;

  while (s->state == SESSION_ACTIVE && !s->done_sent
         && g_queue_get_length (&s->in_flight) < s->peer_window)
    {
      g_autoptr (GError) error = NULL;
      InFlight *batch = next_batch (link->peer, s, &error);

      if (error != NULL)
        {
          g_autofree char *message = g_strdup_printf ("Could not read what to send to %s: %s",
                                                      peer_name (link->peer), error->message);

          g_warning ("%s", message);
          lia_sync_session_fail (actor, link, LIA_SYNC_MESSAGE_ERROR_STORE, message, TRUE);
          return;
        }
      if (batch == NULL)
        {
          s->done_sent = TRUE;
          /* A WELCOME that offered nothing stands for DONE: peers already
           * up to date settle in one round trip. */
          if (!s->initiator && s->offered_out == 0)
            break;
          if (!lia_sync_link_send (actor, link,
                                   lia_sync_message_new_done (s->id, s->batches_sent,
                                                              s->envelopes_sent)))
            return;
          break;
        }
      batch->seq = s->next_seq++;
      s->batches_sent++;
      s->envelopes_sent += batch->envelopes->len;
      g_queue_push_tail (&s->in_flight, batch);
      if (!lia_sync_link_send (actor, link,
                               lia_sync_message_new_batch (s->id, batch->seq,
                                                           g_ptr_array_ref (batch->envelopes))))
        return;
    }
  if (s->done_sent)
    chunks_send (actor, link);
  check_complete (actor, link);
}

/* Sets up sending for a session whose peer has said what it holds. */
static gboolean
plan_sending (Actor     *actor,
              Link      *link,
              GPtrArray *peer_holdings)
{
  Peer *peer = link->peer;
  Session *s = link->session;
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&peer->holdings, g_ptr_array_unref);
  peer->holdings = g_ptr_array_ref (peer_holdings);
  /* One stream to a peer at a time: when both sides start a session at
   * once (a connection each way), each streams on one of them only. */
  if (peer_is_sending (peer, link))
    return TRUE;
  s->outbox = lia_outbox_new (actor->store, peer->sign_public, peer_holdings, &error);
  if (s->outbox == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED)
          || g_error_matches (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND))
        {
          message = g_strdup_printf ("%s is not a current peer here", peer_name (peer));
          lia_sync_session_fail (actor, link, LIA_SYNC_MESSAGE_ERROR_NOT_PEER, message, TRUE);
          lia_sync_link_drop (actor, link, FALSE);
        }
      else
        {
          message = g_strdup_printf ("Could not read what to send to %s: %s", peer_name (peer),
                                     error->message);
          g_warning ("%s", message);
          lia_sync_session_fail (actor, link, LIA_SYNC_MESSAGE_ERROR_STORE, message, TRUE);
        }
      return FALSE;
    }
  s->sending = TRUE;
  peer->state.pending_out = lia_outbox_get_total (s->outbox);
  return TRUE;
}

/* What this node holds, after sealing what is due (so that a peer newly
 * entitled to something gets it in this very session). Sealing reads
 * every record this organisation made, so it is done only when the store
 * has changed since it was last done (a local write, a new peer, a
 * sharing decision: what can make something due, and which the store's
 * data_version shows); what this engine itself stores cannot. */
static GPtrArray *
own_holdings (Actor  *actor,
              Peer   *peer,
              GError **error)
{
  /* A write a moment ago, not yet noticed by the loop's check. */
  if (lia_sync_actor_store_changed (actor))
    actor->seal_due = TRUE;
  if (actor->seal_due)
    {
      g_autoptr (GError) local_error = NULL;

      /* Not fatal: what is sealed already can be sent, and the holdings
       * do not depend on it; the next session tries again. */
      if (lia_exchange_seal_pending (actor->store, NULL, &local_error))
        actor->seal_due = FALSE;
      else
        g_debug ("Could not seal this organisation's new records yet: %s",
                 local_error->message);
    }
  return lia_store_dup_holdings (actor->store, LIA_SYNC_MAX_EXTRAS, error);
}

void
lia_sync_session_start (Actor *actor,
                        Link  *link)
{
  Peer *peer = link->peer;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) holdings = NULL;

  g_return_if_fail (link->session == NULL);
  peer->want_sync = FALSE;
  peer->state.last_attempt = now_seconds ();
  holdings = own_holdings (actor, peer, &error);
  if (holdings == NULL)
    {
      g_autofree char *message = g_strdup_printf ("Could not read this store to sync with %s: %s",
                                                  peer_name (peer), error->message);

      g_warning ("%s", message);
      lia_sync_peer_set_status (actor, peer, LIA_SYNC_PEER_CONNECTING, message);
      lia_sync_actor_report (actor, LIA_SYNC_REPORT_SYNC_FINISHED, peer->state.fingerprint, NULL,
                             0, FALSE);
      return;
    }
  link->session = session_new (new_session_id (), TRUE);
  link->last_rx_us = lia_sync_now_us ();
  lia_sync_peer_set_status (actor, peer, LIA_SYNC_PEER_SYNCING, peer->state.last_error);
  lia_sync_link_send (actor, link,
                      lia_sync_message_new_hello (LIA_SYNC_MSG_HELLO, link->session->id,
                                                  actor->tuning.window,
                                                  g_steal_pointer (&holdings), 0));
}

/* ---- receiving ------------------------------------------------------------- */

static void receive_want (Actor *actor, Link *link, LiaSyncMessage *m);
static void receive_chunk (Actor *actor, Link *link, LiaSyncMessage *m);

/* The token bucket: FALSE if the link is over its rate. */
static gboolean
take_token (Link  *link,
            gint64 now)
{
  if (link->tokens_at_us == 0)
    link->tokens = LINK_BURST;
  else
    link->tokens = MIN (LINK_BURST,
                        link->tokens + (now - link->tokens_at_us) * LINK_RATE / G_USEC_PER_SEC);
  link->tokens_at_us = now;
  if (link->tokens < 1.0)
    return FALSE;
  link->tokens -= 1.0;
  return TRUE;
}

static gboolean
hello_allowed (Link  *link,
               gint64 now)
{
  if (now - link->hellos_since_us > 60 * G_USEC_PER_SEC)
    {
      link->hellos_since_us = now;
      link->hellos = 0;
    }
  return ++link->hellos <= HELLOS_PER_MINUTE;
}

static void
count_received (Session *s,
                gsize    size)
{
  s->messages_received++;
  s->bytes_received += size;
  if (s->last_was_send)
    s->round_trips++;
  s->last_was_send = FALSE;
}

static void
receive_hello (Actor          *actor,
               Link           *link,
               LiaSyncMessage *m,
               gsize           size,
               gint64          now)
{
  Peer *peer = link->peer;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) holdings = NULL;
  guint64 offered;

  if (!hello_allowed (link, now))
    {
      protocol_error (actor, link, LIA_SYNC_MESSAGE_ERROR_FLOODING,
                      "More than 30 syncs started in a minute on one connection");
      return;
    }
  if (link->session != NULL)
    {
      /* Both sides said HELLO at once on this connection: the one on the
       * connecting side's (this node's DEALER) goes ahead, and the peer
       * answers it. */
      if (link->outgoing && link->session->initiator
          && link->session->state == SESSION_HELLO_SENT)
        return;
      /* Otherwise the peer has given up on the session and starts
       * afresh: whatever was committed stays, and the new one resumes
       * from there. */
      session_end (link);
    }
  holdings = own_holdings (actor, peer, &error);
  if (holdings == NULL)
    {
      g_autofree char *message = g_strdup_printf ("Could not read this store to sync with %s: %s",
                                                  peer_name (peer), error->message);

      g_warning ("%s", message);
      lia_sync_session_fail (actor, link, LIA_SYNC_MESSAGE_ERROR_STORE, message, TRUE);
      return;
    }
  link->session = session_new (m->session, FALSE);
  link->session->peer_window = m->hello.window;
  count_received (link->session, size);
  peer->state.last_attempt = now_seconds ();
  if (!plan_sending (actor, link, m->hello.holdings))
    return;
  offered = link->session->outbox != NULL ? lia_outbox_get_total (link->session->outbox) : 0;
  link->session->offered_out = offered;
  lia_sync_peer_set_status (actor, peer, LIA_SYNC_PEER_SYNCING, peer->state.last_error);
  peer->state.pending_in = -1;
  if (!lia_sync_link_send (actor, link,
                           lia_sync_message_new_hello (LIA_SYNC_MSG_WELCOME, m->session,
                                                       actor->tuning.window,
                                                       g_steal_pointer (&holdings), offered)))
    return;
  pump (actor, link);
}

static void
receive_welcome (Actor          *actor,
                 Link           *link,
                 LiaSyncMessage *m)
{
  Session *s = link->session;

  if (s == NULL || !s->initiator || s->state != SESSION_HELLO_SENT || s->id != m->session)
    {
      g_autofree char *message = g_strdup_printf ("%s answered a sync that was not started",
                                                  peer_name (link->peer));

      protocol_error (actor, link, LIA_SYNC_MESSAGE_ERROR_OUT_OF_TURN, message);
      return;
    }
  s->state = SESSION_ACTIVE;
  s->peer_window = m->hello.window;
  s->offered = m->hello.offered;
  s->offered_known = TRUE;
  /* Nothing offered: that was the peer's DONE too. */
  if (m->hello.offered == 0)
    s->done_received = TRUE;
  link->peer->state.pending_in = m->hello.offered;
  if (!plan_sending (actor, link, m->hello.holdings))
    return;
  lia_sync_actor_report_peer (actor, link->peer);
  pump (actor, link);
}

/* The session @m belongs to, active; NULL after a protocol error (or for
 * a message of a session that has ended, which is dropped). */
static Session *
active_session (Actor          *actor,
                Link           *link,
                LiaSyncMessage *m)
{
  Session *s = link->session;
  g_autofree char *message = NULL;

  if (s != NULL && s->id == m->session && s->state == SESSION_ACTIVE)
    return s;
  /* Late messages of a session given up on (a timeout, a restart) are
   * harmless: what they carry will come again. */
  if (s == NULL || s->id != m->session)
    return NULL;
  message = g_strdup_printf ("%s sent %s before the sync had started",
                             peer_name (link->peer), lia_sync_message_type_to_string (m->type));
  protocol_error (actor, link, LIA_SYNC_MESSAGE_ERROR_OUT_OF_TURN, message);
  return NULL;
}

static void
receive_batch (Actor          *actor,
               Link           *link,
               LiaSyncMessage *m)
{
  Session *s = active_session (actor, link, m);
  g_autofree char *message = NULL;

  if (s == NULL)
    return;
  if (s->done_received || m->batch.seq != s->next_in_seq)
    {
      message = s->done_received
                  ? g_strdup_printf ("%s sent a batch after saying it was done",
                                     peer_name (link->peer))
                  : g_strdup_printf ("%s sent batch %" G_GUINT64_FORMAT " where batch %"
                                     G_GUINT64_FORMAT " was due (a replayed or lost batch)",
                                     peer_name (link->peer), m->batch.seq, s->next_in_seq);
      protocol_error (actor, link, LIA_SYNC_MESSAGE_ERROR_OUT_OF_TURN, message);
      return;
    }
  if (m->batch.seq - s->committed_seq > actor->tuning.window)
    {
      message = g_strdup_printf ("%s sent more than %u batches without waiting for them to be "
                                 "acknowledged", peer_name (link->peer), actor->tuning.window);
      protocol_error (actor, link, LIA_SYNC_MESSAGE_ERROR_FLOODING, message);
      return;
    }
  s->next_in_seq++;
  s->envelopes_received += m->batch.envelopes->len;
  lia_sync_verifier_push (actor->verifier, GUINT_TO_POINTER (link->id), s->id, m->batch.seq,
                          g_steal_pointer (&m->batch.envelopes),
                          lia_store_get_keyring (actor->store), actor->authors);
}

/* "ORIGINATOR: 1-600, 602" per originator, for the debug log. */
static char *
describe_numbers (InFlight *batch)
{
  GString *text = g_string_new (NULL);
  const guint8 *originator = NULL;
  guint64 first = 0, last = 0;

  for (guint i = 0; i <= batch->numbers->len; i++)
    {
      const guint8 *o = i < batch->numbers->len ? batch->originators->pdata[i] : NULL;
      guint64 n = i < batch->numbers->len ? g_array_index (batch->numbers, guint64, i) : 0;

      if (originator != NULL && o == originator && n == last + 1)
        {
          last = n;
          continue;
        }
      if (originator != NULL)
        {
          if (first == last)
            g_string_append_printf (text, "%" G_GUINT64_FORMAT, first);
          else
            g_string_append_printf (text, "%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, first, last);
        }
      if (o == NULL)
        break;
      if (o != originator)
        {
          char hex[17];

          sodium_bin2hex (hex, sizeof hex, o, 8);
          g_string_append_printf (text, "%s%s:", text->len > 0 ? " " : "", hex);
        }
      else
        g_string_append_c (text, ',');
      originator = o;
      first = last = n;
    }
  return g_string_free (text, FALSE);
}

static void
receive_ack (Actor          *actor,
             Link           *link,
             LiaSyncMessage *m)
{
  Session *s = active_session (actor, link, m);
  Peer *peer = link->peer;
  InFlight *batch;

  if (s == NULL)
    return;
  batch = g_queue_peek_head (&s->in_flight);
  if (batch == NULL || batch->seq != m->ack.seq)
    {
      g_autofree char *message = g_strdup_printf ("%s acknowledged batch %" G_GUINT64_FORMAT
                                                  ", which was not the next one sent",
                                                  peer_name (peer), m->ack.seq);

      protocol_error (actor, link, LIA_SYNC_MESSAGE_ERROR_OUT_OF_TURN, message);
      return;
    }
  for (guint i = 0; i < m->ack.refused->len; i++)
    {
      const LiaSyncRefusal *refusal = &g_array_index (m->ack.refused, LiaSyncRefusal, i);
      guint8 hash[LIA_ENVELOPE_HASH_BYTES];
      GBytes *envelope;

      if (refusal->index >= batch->envelopes->len)
        {
          g_autofree char *message = g_strdup_printf ("%s refused envelope %u of a batch of %u",
                                                      peer_name (peer), refusal->index,
                                                      batch->envelopes->len);

          protocol_error (actor, link, LIA_SYNC_MESSAGE_ERROR_MALFORMED, message);
          return;
        }
      /* Not offered to it again while this engine runs. */
      envelope = batch->envelopes->pdata[refusal->index];
      crypto_generichash (hash, sizeof hash, g_bytes_get_data (envelope, NULL),
                          g_bytes_get_size (envelope), NULL, 0);
      g_hash_table_add (peer->refused, g_bytes_new (hash, sizeof hash));
      lia_sync_peer_warn (actor, peer, "%s refused envelope %" G_GUINT64_FORMAT " for it: %s",
                          peer_name (peer), g_array_index (batch->numbers, guint64, refusal->index),
                          refusal->reason);
    }
  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN) == FALSE)
    {
      g_autofree char *numbers = describe_numbers (batch);

      g_debug ("%s acknowledged batch %" G_GUINT64_FORMAT " of session %016" G_GINT64_MODIFIER
               "x: %s", peer_name (peer), batch->seq, s->id, numbers);
    }
  g_queue_pop_head (&s->in_flight);
  s->envelopes_acked += batch->envelopes->len;
  peer->state.pending_out = MAX (0, peer->state.pending_out - (gint64) batch->envelopes->len);
  in_flight_free (batch);
  lia_sync_actor_report_peer (actor, peer);
  pump (actor, link);
}

static void
receive_done (Actor          *actor,
              Link           *link,
              LiaSyncMessage *m)
{
  Session *s = active_session (actor, link, m);

  if (s == NULL)
    return;
  if (s->done_received || m->done.batches != s->next_in_seq - 1
      || m->done.envelopes != s->envelopes_received)
    {
      g_autofree char *message = g_strdup_printf ("%s said it was done after %" G_GUINT64_FORMAT
                                                  " batches, but %" G_GUINT64_FORMAT " arrived",
                                                  peer_name (link->peer), m->done.batches,
                                                  s->next_in_seq - 1);

      protocol_error (actor, link, LIA_SYNC_MESSAGE_ERROR_OUT_OF_TURN, message);
      return;
    }
  s->done_received = TRUE;
  s->peer_batches = m->done.batches;
  s->peer_envelopes = m->done.envelopes;
  check_complete (actor, link);
}

static void
receive_error (Actor          *actor,
               Link           *link,
               LiaSyncMessage *m)
{
  Peer *peer = link->peer;
  g_autofree char *message = NULL;
  LiaSyncMessageError code = m->error.code;

  if (code == LIA_SYNC_MESSAGE_ERROR_NOT_PEER)
    message = g_strdup_printf ("%s refused this organisation: it is not (or no longer) one of its "
                               "peers (%s)", peer_name (peer), m->error.message);
  else if (code == LIA_SYNC_MESSAGE_ERROR_STOPPING)
    message = g_strdup_printf ("%s is shutting down", peer_name (peer));
  else
    message = g_strdup_printf ("%s ended the sync: %s", peer_name (peer), m->error.message);
  lia_sync_peer_warn (actor, peer, "%s", message);
  /* Its own failures are not this node's protocol errors: no quarantine. */
  if (code < 1 || code > LIA_SYNC_MESSAGE_ERROR_LAST || code == LIA_SYNC_MESSAGE_ERROR_STOPPING)
    code = LIA_SYNC_MESSAGE_ERROR_TIMEOUT;
  lia_sync_session_fail (actor, link, code, message, FALSE);
  lia_sync_link_drop (actor, link, FALSE);
}

void
lia_sync_session_receive (Actor  *actor,
                          Link   *link,
                          GBytes *payload)
{
  Peer *peer = link->peer;
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaSyncMessage) m = NULL;
  gint64 now = lia_sync_now_us ();

  link->last_rx_us = now;
  if (!take_token (link, now))
    {
      g_autofree char *message = g_strdup_printf ("%s sent more messages than any sync needs "
                                                  "(over %.0f a second)", peer_name (peer),
                                                  LINK_RATE);

      protocol_error (actor, link, LIA_SYNC_MESSAGE_ERROR_FLOODING, message);
      return;
    }
  m = lia_sync_message_decode (payload, &error);
  /* Counted in its session before it is handled, which may end the
   * session; a HELLO in the session it starts (receive_hello()). */
  if (m != NULL && m->type != LIA_SYNC_MSG_HELLO && link->session != NULL
      && link->session->id == m->session)
    count_received (link->session, g_bytes_get_size (payload));
  if (m == NULL)
    {
      g_autofree char *message = g_strdup_printf ("%s sent a message that was refused: %s",
                                                  peer_name (peer), error->message);

      protocol_error (actor, link, error->code, message);
      return;
    }
  switch (m->type)
    {
    case LIA_SYNC_MSG_HELLO:
      receive_hello (actor, link, m, g_bytes_get_size (payload), now);
      break;
    case LIA_SYNC_MSG_WELCOME:
      receive_welcome (actor, link, m);
      break;
    case LIA_SYNC_MSG_BATCH:
      receive_batch (actor, link, m);
      break;
    case LIA_SYNC_MSG_ACK:
      receive_ack (actor, link, m);
      break;
    case LIA_SYNC_MSG_DONE:
      receive_done (actor, link, m);
      break;
    case LIA_SYNC_MSG_HEARTBEAT:
      break;
    case LIA_SYNC_MSG_ERROR:
      receive_error (actor, link, m);
      break;
    case LIA_SYNC_MSG_WANT:
      receive_want (actor, link, m);
      break;
    case LIA_SYNC_MSG_CHUNK:
      receive_chunk (actor, link, m);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ---- chunks of attachments -------------------------------------------------------- */

/* Chunks asked of a peer at once: at most this many (256 KiB each) can be
 * queued ahead of a batch of envelopes on the connection. */
#define CHUNKS_IN_FLIGHT 2
/* Hashes a peer may have waiting to be answered. */
#define CHUNKS_QUEUED_MAX LIA_SYNC_MAX_WANT

void
lia_sync_chunks_clear (Link *link)
{
  g_clear_pointer (&link->chunks_asked, g_hash_table_unref);
  g_clear_pointer (&link->chunks_skipped, g_hash_table_unref);
  g_queue_clear_full (&link->chunks_to_send, (GDestroyNotify) g_bytes_unref);
}

void
lia_sync_chunks_want (Actor *actor,
                      Link  *link)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) wanted = NULL;
  GPtrArray *ask;
  guint skipped = g_hash_table_size (link->chunks_skipped);

  if (g_hash_table_size (link->chunks_asked) > 0 || (link->outgoing && !link->up))
    return;
  /* The first few this store wants that the peer may give it, less those
   * it said it cannot. */
  wanted = lia_attachment_wanted (
    actor->store, link->peer->sign_public,
    MIN (CHUNKS_IN_FLIGHT + skipped, LIA_ATTACHMENT_MAX_RECORD_CHUNKS), &error);
  if (wanted == NULL)
    {
      g_warning ("Could not read which chunks of attachments are wanted: %s", error->message);
      return;
    }
  ask = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < wanted->len && ask->len < CHUNKS_IN_FLIGHT; i++)
    if (!g_hash_table_contains (link->chunks_skipped, wanted->pdata[i]))
      {
        g_ptr_array_add (ask, g_bytes_ref (wanted->pdata[i]));
        g_hash_table_add (link->chunks_asked, g_bytes_ref (wanted->pdata[i]));
      }
  if (ask->len == 0)
    {
      g_ptr_array_unref (ask);
      return;
    }
  g_debug ("Asking %s for %u chunk%s", link->peer->state.name, ask->len, ask->len == 1 ? "" : "s");
  lia_sync_link_send (actor, link,
                      lia_sync_message_new_want (link->session != NULL ? link->session->id : 0,
                                                 ask));
}

/* Answers the chunks asked for, but only while no envelopes are waiting
 * to be sent on this link: envelopes go first. */
static void
chunks_send (Actor *actor,
             Link  *link)
{
  Session *s = link->session;

  if (s != NULL && s->state == SESSION_ACTIVE && !s->done_sent)
    return;
  while (!g_queue_is_empty (&link->chunks_to_send) && !link->broken)
    {
      g_autoptr (GBytes) hash = g_queue_pop_head (&link->chunks_to_send);
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) chunk = lia_attachment_chunk_get (actor->store,
                                                           g_bytes_get_data (hash, NULL),
                                                           link->peer->sign_public, &error);
      LiaSyncChunkStatus status = LIA_SYNC_CHUNK_OK;

      if (chunk == NULL && g_error_matches (error, LIA_ATTACHMENT_ERROR,
                                            LIA_ATTACHMENT_ERROR_NOT_HELD))
        status = LIA_SYNC_CHUNK_NOT_HELD;
      else if (chunk == NULL && error->domain == LIA_ATTACHMENT_ERROR)
        status = LIA_SYNC_CHUNK_REFUSED;
      else if (chunk == NULL)
        {
          g_warning ("Could not read a chunk %s asked for: %s", link->peer->state.name,
                     error->message);
          status = LIA_SYNC_CHUNK_NOT_HELD;
        }
      lia_sync_link_send (actor, link,
                          lia_sync_message_new_chunk (s != NULL ? s->id : 0,
                                                      g_bytes_get_data (hash, NULL), status,
                                                      g_steal_pointer (&chunk)));
    }
}

static void
receive_want (Actor          *actor,
              Link           *link,
              LiaSyncMessage *m)
{
  if (g_queue_get_length (&link->chunks_to_send) + m->want.hashes->len > CHUNKS_QUEUED_MAX)
    {
      g_autofree char *message = g_strdup_printf ("%s asked for more than %u chunks at once",
                                                  peer_name (link->peer), CHUNKS_QUEUED_MAX);

      protocol_error (actor, link, LIA_SYNC_MESSAGE_ERROR_FLOODING, message);
      return;
    }
  for (guint i = 0; i < m->want.hashes->len; i++)
    g_queue_push_tail (&link->chunks_to_send, g_bytes_ref (m->want.hashes->pdata[i]));
  chunks_send (actor, link);
}

static void
receive_chunk (Actor          *actor,
               Link           *link,
               LiaSyncMessage *m)
{
  Peer *peer = link->peer;
  g_autoptr (GBytes) hash = g_bytes_new (m->chunk.hash, LIA_SYNC_CHUNK_HASH_BYTES);
  g_autoptr (GError) error = NULL;
  LiaImportOutcome outcome;

  if (!g_hash_table_remove (link->chunks_asked, hash))
    {
      g_autofree char *message = g_strdup_printf ("%s sent a chunk that was not asked for",
                                                  peer_name (peer));

      protocol_error (actor, link, LIA_SYNC_MESSAGE_ERROR_OUT_OF_TURN, message);
      return;
    }
  if (m->chunk.status != LIA_SYNC_CHUNK_OK)
    g_hash_table_add (link->chunks_skipped, g_steal_pointer (&hash));
  else if (lia_attachment_chunk_put (actor->store, m->chunk.hash, m->chunk.data, &outcome, &error))
    {
      if (outcome == LIA_IMPORT_ACCEPTED)
        lia_sync_actor_report (actor, LIA_SYNC_REPORT_CHUNKS, peer->state.fingerprint, NULL, 1,
                               TRUE);
    }
  else
    {
      if (error->domain == LIA_STORE_ERROR)
        g_warning ("Could not store a chunk from %s: %s", peer_name (peer), error->message);
      else
        lia_sync_peer_warn (actor, peer, "Refused a chunk from %s: %s", peer_name (peer),
                            error->message);
      g_hash_table_add (link->chunks_skipped, g_steal_pointer (&hash));
    }
  if (g_hash_table_size (link->chunks_asked) == 0)
    lia_sync_chunks_want (actor, link);
}

/* ---- committing ---------------------------------------------------------------- */

/* Stores one verified batch and acknowledges it. FALSE if the session
 * ended. */
static gboolean
commit_job (Actor      *actor,
            Link       *link,
            LiaSyncJob *job)
{
  Peer *peer = link->peer;
  Session *s = link->session;
  guint n = job->envelopes->len, n_opened = 0;
  g_autofree LiaOpenedEnvelope **opened = g_new0 (LiaOpenedEnvelope *, MAX (n, 1));
  g_autofree guint *where = g_new0 (guint, MAX (n, 1));
  g_autofree LiaImportOutcome *outcomes = g_new0 (LiaImportOutcome, MAX (n, 1));
  g_autofree GError **refusals = g_new0 (GError *, MAX (n, 1));
  g_autoptr (GHashTable) per_case = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GError) error = NULL;
  GArray *refused = lia_sync_refusals_new ();
  guint accepted = 0;
  GHashTableIter iter;
  gpointer case_id, count;

  for (guint i = 0; i < n; i++)
    if (job->opened[i] != NULL)
      {
        where[n_opened] = i;
        opened[n_opened++] = job->opened[i];
      }
  if (!lia_exchange_import_opened (actor->store, opened, n_opened, outcomes, refusals, &error))
    {
      g_autofree char *message = g_strdup_printf ("Could not store what %s sent: %s",
                                                  peer_name (peer), error->message);

      g_warning ("%s", message);
      g_array_unref (refused);
      lia_sync_session_fail (actor, link, LIA_SYNC_MESSAGE_ERROR_STORE, message, TRUE);
      return FALSE;
    }

  /* The refusals of both stages, in the batch's order. */
  for (guint i = 0, k = 0; i < n; i++)
    {
      const char *reason = NULL;

      if (job->opened[i] == NULL)
        reason = job->refusals[i];
      else
        {
          LiaEnvelope *env = lia_opened_envelope_get_envelope (job->opened[i]);
          const char *case_of = lia_envelope_get_case_id (env);

          g_assert (where[k] == i);
          if (refusals[k] != NULL)
            reason = refusals[k]->message;
          else if (outcomes[k] == LIA_IMPORT_ACCEPTED)
            {
              accepted++;
              count = g_hash_table_lookup (per_case, case_of);
              g_hash_table_replace (per_case, g_strdup (case_of),
                                    GUINT_TO_POINTER (GPOINTER_TO_UINT (count) + 1));
            }
          k++;
        }
      if (reason != NULL)
        {
          lia_sync_refusals_add (refused, i, reason);
          lia_sync_peer_warn (actor, peer, "Refused an envelope from %s: %s", peer_name (peer),
                              reason);
        }
    }
  for (guint k = 0; k < n_opened; k++)
    g_clear_error (&refusals[k]);

  s->committed_seq = job->seq;
  s->envelopes_accepted += accepted;
  if (s->offered_known)
    peer->state.pending_in = s->offered > s->envelopes_received - (s->envelopes_received - 0)
                               ? (gint64) (s->offered - MIN (s->offered, s->envelopes_received))
                               : 0;
  if (!lia_sync_link_send (actor, link, lia_sync_message_new_ack (s->id, job->seq, refused)))
    return FALSE;
  g_hash_table_iter_init (&iter, per_case);
  while (g_hash_table_iter_next (&iter, &case_id, &count))
    lia_sync_actor_report (actor, LIA_SYNC_REPORT_RECEIVED, NULL,
                           *(char *) case_id != '\0' ? case_id : NULL, GPOINTER_TO_UINT (count),
                           TRUE);
  lia_sync_actor_report_peer (actor, peer);
  return TRUE;
}

void
lia_sync_session_jobs_done (Actor     *actor,
                            GPtrArray *jobs)
{
  g_autoptr (GPtrArray) touched = g_ptr_array_new ();

  /* Each job waits for its turn: batches are committed and acknowledged
   * in the order they were sent. */
  for (guint i = 0; i < jobs->len; i++)
    {
      LiaSyncJob *job = jobs->pdata[i];
      Link *link = g_hash_table_lookup (actor->links, job->owner);

      if (link == NULL || link->session == NULL || link->session->id != job->session)
        continue;   /* the session is over; what came in it will come again */
      g_hash_table_insert (link->session->ready, g_memdup2 (&job->seq, sizeof job->seq), job);
      jobs->pdata[i] = NULL;
      if (!g_ptr_array_find (touched, job->owner, NULL))
        g_ptr_array_add (touched, job->owner);
    }
  for (guint i = 0; i < touched->len; i++)
    {
      Link *link = g_hash_table_lookup (actor->links, touched->pdata[i]);

      while (link != NULL && link->session != NULL)
        {
          gint64 next = link->session->committed_seq + 1;
          gpointer key;
          LiaSyncJob *job;

          if (!g_hash_table_steal_extended (link->session->ready, &next, &key, (gpointer *) &job))
            break;
          g_free (key);
          if (!commit_job (actor, link, job))
            {
              lia_sync_job_free (job);
              /* The link may be gone with its session. */
              link = g_hash_table_lookup (actor->links, touched->pdata[i]);
              break;
            }
          lia_sync_job_free (job);
        }
      if (link != NULL && link->session != NULL)
        check_complete (actor, link);
    }
}

/* ---- time ---------------------------------------------------------------------- */

gint64
lia_sync_session_next_due (Actor *actor,
                           Link  *link)
{
  if (link->session == NULL)
    return G_MAXINT64;
  return MIN (link->last_rx_us + (gint64) actor->tuning.timeout_ms * 1000,
              link->last_tx_us + (gint64) actor->tuning.heartbeat_ms * 1000);
}

void
lia_sync_session_tick (Actor *actor,
                       Link  *link,
                       gint64 now_us)
{
  Session *s = link->session;

  if (s == NULL)
    return;
  /* Work of this node's own (verifying and storing what arrived) is not
   * the peer's silence. */
  if (s->committed_seq + 1 < s->next_in_seq)
    link->last_rx_us = MAX (link->last_rx_us, now_us - (gint64) actor->tuning.heartbeat_ms * 1000);
  if (now_us - link->last_rx_us >= (gint64) actor->tuning.timeout_ms * 1000)
    {
      g_autofree char *message = g_strdup_printf ("%s stopped answering in the middle of a sync "
                                                  "(nothing for %u s)", peer_name (link->peer),
                                                  actor->tuning.timeout_ms / 1000);

      lia_sync_peer_warn (actor, link->peer, "%s", message);
      lia_sync_session_fail (actor, link, LIA_SYNC_MESSAGE_ERROR_TIMEOUT, message, TRUE);
      lia_sync_link_drop (actor, link, FALSE);
      return;
    }
  if (now_us - link->last_tx_us >= (gint64) actor->tuning.heartbeat_ms * 1000)
    lia_sync_link_send (actor, link, lia_sync_message_new_heartbeat (s->id));
}
