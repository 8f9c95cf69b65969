/* lia-sync-actor.c: the sync engine's thread.
 *
 * One loop polls everything: the command pipe from the engine, the ZAP
 * handler, the listening ROUTER, each peer's DEALER and its monitor, and
 * the verifier's descriptor. Timers (reconnections, heartbeats, periodic
 * syncs, the check for changes in the store) set the poll's timeout. No
 * call in the loop blocks for long: sends never wait (ZMQ_DONTWAIT; the
 * window keeps the queues short), and the longest step is one batch's
 * commit.
 *
 * Transport security (PROTOCOL.md, "Transport"): every socket uses CURVE.
 * This node's DEALER to a peer pins the peer's CURVE key from its invite;
 * the ROUTER is a CURVE server whose ZAP handler admits only the CURVE keys
 * of current, unrevoked peers and names each connection by the peer's
 * identity key (ZAP's User-Id), which is how every message received is
 * attributed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "lia-db.h"
#include "lia-identity.h"
#include "lia-peer.h"
#include "lia-store-private.h"
#include "lia-sync-private.h"

/* Socket settings. A message over twice the protocol's limit is cut off by
 * libzmq itself (the connection is dropped); one between the limits reaches
 * the decoder, which answers it with a TOO_LARGE error. The queues hold
 * little more than a window of batches. */
#define MAX_MESSAGE_ON_SOCKET   (2 * (gint64) LIA_SYNC_MAX_MESSAGE)
#define HIGH_WATER_MARK         64
#define ZMTP_HEARTBEAT_MS       10000
#define ZMTP_HEARTBEAT_TIMEOUT  30000
/* Messages taken from one socket per turn of the loop, so that no peer
 * keeps the others waiting. */
#define MESSAGES_PER_TURN       16
/* How often the store is asked whether another connection changed it. */
#define CHECK_INTERVAL_US       (500 * 1000)
/* Refused handshakes from one key are logged once a minute at most. */
#define ZAP_LOG_INTERVAL_US     (60 * G_USEC_PER_SEC)
#define WARNINGS_PER_MINUTE     10
#define ZAP_DOMAIN              "liaison"
#define ZAP_ENDPOINT            "inproc://zeromq.zap.01"

gint64
lia_sync_now_us (void)
{
  return g_get_monotonic_time ();
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* ---- reports --------------------------------------------------------------- */

void
lia_sync_report_free (LiaSyncReport *report)
{
  if (report == NULL)
    return;
  g_clear_pointer (&report->state, lia_sync_peer_state_free);
  g_free (report->fingerprint);
  g_free (report->case_id);
  g_free (report);
}

void
lia_sync_actor_report (Actor             *actor,
                       LiaSyncReportKind  kind,
                       const char        *fingerprint,
                       const char        *case_id,
                       guint              count,
                       gboolean           ok)
{
  LiaSyncReport *report = g_new0 (LiaSyncReport, 1);

  report->kind = kind;
  report->fingerprint = g_strdup (fingerprint);
  report->case_id = g_strdup (case_id);
  report->count = count;
  report->ok = ok;
  actor->report (report, actor->report_data);
}

void
lia_sync_actor_report_peer (Actor *actor,
                            Peer  *peer)
{
  LiaSyncReport *report = g_new0 (LiaSyncReport, 1);

  peer->state.connected = (peer->out_link != NULL && peer->out_link->up) || peer->in_link != NULL;
  report->kind = LIA_SYNC_REPORT_PEER_STATE;
  report->state = lia_sync_peer_state_copy (&peer->state);
  actor->report (report, actor->report_data);
}

void
lia_sync_peer_set_status (Actor             *actor,
                          Peer              *peer,
                          LiaSyncPeerStatus  status,
                          const char        *error)
{
  if (peer->state.last_error != error)
    {
      char *copy = g_strdup (error);

      g_free (peer->state.last_error);
      peer->state.last_error = copy;
    }
  peer->state.status = status;
  lia_sync_actor_report_peer (actor, peer);
}

void
lia_sync_peer_warn (Actor      *actor,
                    Peer       *peer,
                    const char *format,
                    ...)
{
  gint64 now = lia_sync_now_us ();
  g_autofree char *message = NULL;
  va_list args;

  if (now - peer->warnings_since_us >= 60 * G_USEC_PER_SEC)
    {
      if (peer->warnings > WARNINGS_PER_MINUTE)
        g_warning ("%u more warnings about %s in the last minute were not logged",
                   peer->warnings - WARNINGS_PER_MINUTE, peer->state.name);
      peer->warnings_since_us = now;
      peer->warnings = 0;
    }
  if (++peer->warnings > WARNINGS_PER_MINUTE)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_warning ("%s", message);
}

/* The sync record of @peer as it now is, saved; a failure to save is
 * logged, never fatal to the sync. */
void
lia_sync_peer_save (Actor *actor,
                    Peer  *peer)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) holdings = NULL;
  LiaSyncRecord record = {
    (char *) lia_sync_peer_status_to_string (peer->state.status), peer->state.last_sync,
    peer->state.last_attempt, peer->state.last_error, NULL,
  };

  /* Holdings only when newly heard: saving none keeps those kept, which a
   * bundle's acknowledgement may have added to since. */
  if (peer->holdings != NULL)
    holdings = lia_holdings_encode (peer->holdings);
  record.holdings = holdings;
  if (!lia_store_save_sync_record (actor->store, peer->sign_public, &record, &error))
    g_warning ("Could not save how the sync with %s went: %s", peer->state.name, error->message);
  else
    g_clear_pointer (&peer->holdings, g_ptr_array_unref);
}

/* ---- links ------------------------------------------------------------------ */

static Link *
link_new (Actor    *actor,
          Peer     *peer,
          gboolean  outgoing,
          GBytes   *routing_id)
{
  Link *link = g_new0 (Link, 1);

  link->id = ++actor->next_link_id;
  link->peer = peer;
  link->outgoing = outgoing;
  link->routing_id = routing_id != NULL ? g_bytes_ref (routing_id) : NULL;
  link->last_rx_us = link->last_tx_us = lia_sync_now_us ();
  link->chunks_asked = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                              (GDestroyNotify) g_bytes_unref, NULL);
  link->chunks_skipped = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                                (GDestroyNotify) g_bytes_unref, NULL);
  g_queue_init (&link->chunks_to_send);
  g_hash_table_insert (actor->links, GUINT_TO_POINTER (link->id), link);
  return link;
}

static void
link_free (Actor *actor,
           Link  *link)
{
  if (link == NULL)
    return;
  g_hash_table_remove (actor->links, GUINT_TO_POINTER (link->id));
  g_clear_pointer (&link->session, lia_sync_session_free);
  g_clear_pointer (&link->routing_id, g_bytes_unref);
  lia_sync_chunks_clear (link);
  g_free (link);
}

static void
bytes_free_cb (void *data,
               void *hint)
{
  g_bytes_unref (hint);
}

/* Sends @bytes as one frame, without a copy: zmq frees it when sent. */
static int
send_bytes (void   *socket,
            GBytes *bytes,
            int     flags)
{
  zmq_msg_t msg;
  gsize size;
  const void *data = g_bytes_get_data (bytes, &size);
  int rc;

  zmq_msg_init_data (&msg, (void *) data, size, bytes_free_cb, g_bytes_ref (bytes));
  rc = zmq_msg_send (&msg, socket, flags | ZMQ_DONTWAIT);
  if (rc < 0)
    zmq_msg_close (&msg);
  return rc;
}

gboolean
lia_sync_link_send (Actor          *actor,
                    Link           *link,
                    LiaSyncMessage *message)
{
  g_autoptr (LiaSyncMessage) G_GNUC_UNUSED owned = message;  /* sent or not, freed */
  g_autoptr (GBytes) bytes = NULL;
  Peer *peer = link->peer;
  int rc;

  if (link->broken)
    return FALSE;
  bytes = lia_sync_message_encode (message);
  if (link->outgoing)
    rc = send_bytes (peer->dealer, bytes, 0);
  else
    {
      rc = send_bytes (actor->router, link->routing_id, ZMQ_SNDMORE);
      if (rc >= 0)
        rc = send_bytes (actor->router, bytes, 0);
    }
  if (rc < 0)
    {
      /* EHOSTUNREACH: the connection is gone (the ROUTER is mandatory);
       * EAGAIN: the peer has stopped reading what the window allows. The
       * loop drops the link when the handler returns. */
      g_debug ("Could not send %s to %s: %s", lia_sync_message_type_to_string (message->type),
               peer->state.name, zmq_strerror (zmq_errno ()));
      link->broken = TRUE;
      return FALSE;
    }
  link->last_tx_us = lia_sync_now_us ();
  if (link->session != NULL)
    {
      link->session->messages_sent++;
      link->session->bytes_sent += g_bytes_get_size (bytes);
      link->session->last_was_send = TRUE;
    }
  return TRUE;
}

/* A received message handed to a GBytes without a copy: closed (and
 * freed) when the last envelope that shares it is stored. */
static void
message_free (zmq_msg_t *msg)
{
  zmq_msg_close (msg);
  g_free (msg);
}

static GBytes *
take_message (zmq_msg_t *msg)
{
  return g_bytes_new_with_free_func (zmq_msg_data (msg), zmq_msg_size (msg),
                                     (GDestroyNotify) message_free, msg);
}

/* ---- connections out ------------------------------------------------------- */

static void
set_int (void *socket, int option, int value)
{
  zmq_setsockopt (socket, option, &value, sizeof value);
}

/* What every socket of the engine has: no lingering on close, the
 * message limit, short queues, ZMTP heartbeats to find dead connections. */
static void
common_options (void *socket)
{
  gint64 max = MAX_MESSAGE_ON_SOCKET;

  set_int (socket, ZMQ_LINGER, 0);
  zmq_setsockopt (socket, ZMQ_MAXMSGSIZE, &max, sizeof max);
  set_int (socket, ZMQ_SNDHWM, HIGH_WATER_MARK);
  set_int (socket, ZMQ_RCVHWM, HIGH_WATER_MARK);
  set_int (socket, ZMQ_HEARTBEAT_IVL, ZMTP_HEARTBEAT_MS);
  set_int (socket, ZMQ_HEARTBEAT_TIMEOUT, ZMTP_HEARTBEAT_TIMEOUT);
  set_int (socket, ZMQ_HEARTBEAT_TTL, ZMTP_HEARTBEAT_TIMEOUT);
}

static void
dealer_close (Actor *actor,
              Peer  *peer)
{
  if (peer->dealer == NULL)
    return;
  zmq_socket_monitor (peer->dealer, NULL, 0);
  zmq_close (peer->dealer);
  zmq_close (peer->monitor);
  peer->dealer = NULL;
  peer->monitor = NULL;
  link_free (actor, peer->out_link);
  peer->out_link = NULL;
}

static void
schedule_reconnect (Actor *actor,
                    Peer  *peer)
{
  double delay_ms = actor->tuning.reconnect_min_ms;

  /* Capped exponential backoff with jitter: half the delay, plus a random
   * part of the other half, so that peers that failed together do not
   * all come back together. */
  for (guint i = 1; i < peer->failures && delay_ms < actor->tuning.reconnect_max_ms; i++)
    delay_ms *= 2;
  delay_ms = MIN (delay_ms, actor->tuning.reconnect_max_ms);
  delay_ms = delay_ms / 2 + g_random_double_range (0, delay_ms / 2);
  peer->next_attempt_us = lia_sync_now_us () + (gint64) (delay_ms * 1000);
  peer->state.next_attempt = now_seconds () + (gint64) (delay_ms / 1000) + 1;
}

static gboolean
dealer_open (Actor  *actor,
             Peer   *peer,
             GError **error)
{
  const LiaSecret *secret = lia_store_get_curve_secret (actor->store);
  GBytes *public = lia_store_get_curve_public_key (actor->store);
  const char *endpoint;
  g_autofree char *monitor_endpoint = NULL;
  guint n = g_strv_length (peer->endpoints);

  g_assert (peer->dealer == NULL && n > 0);
  endpoint = peer->endpoints[peer->endpoint_index % n];
  peer->dealer = zmq_socket (actor->zctx, ZMQ_DEALER);
  common_options (peer->dealer);
  /* This engine reconnects, with its own backoff, and says so. */
  set_int (peer->dealer, ZMQ_RECONNECT_IVL, -1);
  /* A host name may resolve to an IPv6 address. */
  set_int (peer->dealer, ZMQ_IPV6, 1);
  set_int (peer->dealer, ZMQ_IMMEDIATE, 1);
  zmq_setsockopt (peer->dealer, ZMQ_CURVE_SERVERKEY, peer->curve_public, 32);
  zmq_setsockopt (peer->dealer, ZMQ_CURVE_PUBLICKEY, g_bytes_get_data (public, NULL), 32);
  /* libzmq keeps its own copy of the secret key, in ordinary memory
   * (PROTOCOL.md, "What CURVE's keys are exposed to"). */
  zmq_setsockopt (peer->dealer, ZMQ_CURVE_SECRETKEY, secret->data, 32);

  monitor_endpoint = g_strdup_printf ("inproc://liaison-sync-monitor-%u", ++actor->monitor_serial);
  zmq_socket_monitor (peer->dealer, monitor_endpoint,
                      ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CLOSED | ZMQ_EVENT_DISCONNECTED
                      | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                      | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                      | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
  peer->monitor = zmq_socket (actor->zctx, ZMQ_PAIR);
  zmq_connect (peer->monitor, monitor_endpoint);
  peer->out_link = link_new (actor, peer, TRUE, NULL);

  if (zmq_connect (peer->dealer, endpoint) != 0)
    {
      g_set_error (error, LIA_SYNC_ERROR, LIA_SYNC_ERROR_ENDPOINT,
                   "Could not connect to %s at %s: %s", peer->state.name, endpoint,
                   zmq_strerror (zmq_errno ()));
      dealer_close (actor, peer);
      return FALSE;
    }
  g_free (peer->state.endpoint);
  peer->state.endpoint = g_strdup (endpoint);
  peer->state.last_attempt = now_seconds ();
  peer->state.next_attempt = 0;
  g_debug ("Connecting to %s at %s", peer->state.name, endpoint);
  return TRUE;
}

/* A connection out that failed or ended: its session fails, and the next
 * try is scheduled (the next endpoint, a longer wait). */
static void
connection_failed (Actor             *actor,
                   Peer              *peer,
                   LiaSyncPeerStatus  status,
                   const char        *message)
{
  gboolean had_session = peer->out_link != NULL && peer->out_link->session != NULL;
  guint n_endpoints = g_strv_length (peer->endpoints);

  dealer_close (actor, peer);
  peer->failures++;
  peer->endpoint_index++;
  schedule_reconnect (actor, peer);
  if (!actor->tuning.automatic && !peer->requested)
    peer->next_attempt_us = G_MAXINT64;
  /* A sync asked for tries each of the peer's endpoints before it fails. */
  if (peer->requested && !had_session && status == LIA_SYNC_PEER_UNREACHABLE
      && peer->failures < n_endpoints)
    {
      peer->next_attempt_us = 0;
      return;
    }
  /* A connection here from the peer keeps it reachable. */
  if (peer->in_link != NULL && status == LIA_SYNC_PEER_UNREACHABLE)
    status = peer->state.status;
  lia_sync_peer_set_status (actor, peer, status, message);
  lia_sync_peer_save (actor, peer);
  if (had_session || peer->requested)
    {
      peer->requested = FALSE;
      lia_sync_actor_report (actor, LIA_SYNC_REPORT_SYNC_FINISHED, peer->state.fingerprint, NULL,
                             0, FALSE);
    }
}

void
lia_sync_link_drop (Actor    *actor,
                    Link     *link,
                    gboolean  quarantine)
{
  Peer *peer = link->peer;

  g_clear_pointer (&link->session, lia_sync_session_free);
  if (quarantine)
    {
      peer->quarantine_until_us = lia_sync_now_us () + (gint64) actor->tuning.quarantine_ms * 1000;
      g_warning ("%s broke the sync protocol: its connections are refused for %u s",
                 peer->state.name, actor->tuning.quarantine_ms / 1000);
    }
  if (link->outgoing)
    {
      dealer_close (actor, peer);
      peer->failures++;
      schedule_reconnect (actor, peer);
      if (quarantine)
        peer->next_attempt_us = MAX (peer->next_attempt_us, peer->quarantine_until_us);
    }
  else
    {
      /* A ROUTER cannot close one connection: the peer is told (ERROR),
       * and whatever more comes on it is dropped unread while it is
       * quarantined (PROTOCOL.md, "Disconnecting"). */
      peer->in_link = NULL;
      link_free (actor, link);
    }
  lia_sync_actor_report_peer (actor, peer);
}

static void
monitor_event (Actor *actor,
               Peer  *peer)
{
  zmq_msg_t msg;
  guint16 event = 0;
  guint32 value = 0;
  g_autofree char *message = NULL;
  int more = 0;
  size_t more_size = sizeof more;

  zmq_msg_init (&msg);
  if (zmq_msg_recv (&msg, peer->monitor, ZMQ_DONTWAIT) < 0)
    {
      zmq_msg_close (&msg);
      return;
    }
  if (zmq_msg_size (&msg) >= 6)
    {
      memcpy (&event, zmq_msg_data (&msg), 2);
      memcpy (&value, (guint8 *) zmq_msg_data (&msg) + 2, 4);
    }
  zmq_msg_close (&msg);
  /* The second frame is the address, which the peer's state already has. */
  zmq_getsockopt (peer->monitor, ZMQ_RCVMORE, &more, &more_size);
  if (more)
    {
      zmq_msg_init (&msg);
      zmq_msg_recv (&msg, peer->monitor, ZMQ_DONTWAIT);
      zmq_msg_close (&msg);
    }

  switch (event)
    {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
      peer->out_link->up = TRUE;
      peer->out_link->last_rx_us = lia_sync_now_us ();
      peer->failures = 0;
      /* Whenever two nodes can reach each other, they sync (in manual
       * mode, only what was asked for, which is still wanted). */
      if (actor->tuning.automatic)
        peer->want_sync = TRUE;
      lia_sync_peer_set_status (actor, peer, LIA_SYNC_PEER_CONNECTING, peer->state.last_error);
      g_debug ("Connected to %s", peer->state.name);
      break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
      message = g_strdup_printf ("%s refused this organisation's key at %s: it does not have "
                                 "this organisation as a current peer (removed there, or never "
                                 "added with this organisation's invite code)",
                                 peer->state.name, peer->state.endpoint);
      g_warning ("%s", message);
      connection_failed (actor, peer, LIA_SYNC_PEER_REFUSED, message);
      break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
      /* Most often a node at that address with another CURVE key than
       * the invite's: another program, or a peer whose keys changed. */
      message = g_strdup_printf ("The secure handshake with %s at %s failed: whatever answers "
                                 "there does not have the key of %s's invite",
                                 peer->state.name, peer->state.endpoint, peer->state.name);
      g_warning ("%s", message);
      connection_failed (actor, peer, LIA_SYNC_PEER_REFUSED, message);
      break;
    case ZMQ_EVENT_CLOSED:
    case ZMQ_EVENT_CONNECT_RETRIED:
      message = g_strdup_printf ("Nothing answered at %s, where %s was expected",
                                 peer->state.endpoint, peer->state.name);
      g_debug ("%s", message);
      connection_failed (actor, peer, LIA_SYNC_PEER_UNREACHABLE, message);
      break;
    case ZMQ_EVENT_DISCONNECTED:
      if (peer->out_link != NULL && peer->out_link->up)
        {
          message = g_strdup_printf ("The connection with %s at %s was lost", peer->state.name,
                                     peer->state.endpoint);
          g_debug ("%s", message);
          /* It was reachable a moment ago: try again soon. */
          peer->failures = 0;
          connection_failed (actor, peer, LIA_SYNC_PEER_UNREACHABLE, message);
        }
      else if (peer->out_link != NULL)
        {
          message = g_strdup_printf ("The connection with %s at %s closed before the "
                                     "handshake", peer->state.name, peer->state.endpoint);
          connection_failed (actor, peer, LIA_SYNC_PEER_UNREACHABLE, message);
        }
      break;
    case ZMQ_EVENT_CONNECTED:
    default:
      break;
    }
}

static void
dealer_receive (Actor *actor,
                Peer  *peer)
{
  for (guint i = 0; i < MESSAGES_PER_TURN && peer->dealer != NULL; i++)
    {
      zmq_msg_t *msg = g_new (zmq_msg_t, 1);
      g_autoptr (GBytes) payload = NULL;
      int more = 0;
      size_t more_size = sizeof more;
      Link *link = peer->out_link;

      zmq_msg_init (msg);
      if (zmq_msg_recv (msg, peer->dealer, ZMQ_DONTWAIT) < 0)
        {
          zmq_msg_close (msg);
          g_free (msg);
          return;
        }
      zmq_getsockopt (peer->dealer, ZMQ_RCVMORE, &more, &more_size);
      /* The message's memory becomes the GBytes' (no copy): decoded
       * envelopes share it until they are stored. */
      payload = take_message (msg);
      if (more)
        {
          /* The protocol's messages are one frame each. */
          while (more)
            {
              zmq_msg_t rest;

              zmq_msg_init (&rest);
              if (zmq_msg_recv (&rest, peer->dealer, ZMQ_DONTWAIT) < 0)
                more = 0;
              else
                zmq_getsockopt (peer->dealer, ZMQ_RCVMORE, &more, &more_size);
              zmq_msg_close (&rest);
            }
          lia_sync_session_fail (actor, link, LIA_SYNC_MESSAGE_ERROR_MALFORMED,
                                 "A message of more than one frame", TRUE);
          lia_sync_link_drop (actor, link, TRUE);
          return;
        }
      if (link->up && peer->quarantine_until_us <= lia_sync_now_us ())
        lia_sync_session_receive (actor, link, payload);
    }
}

/* ---- the listening socket ------------------------------------------------------ */

static void *
router_new (Actor *actor)
{
  void *router = zmq_socket (actor->zctx, ZMQ_ROUTER);
  const LiaSecret *secret = lia_store_get_curve_secret (actor->store);

  common_options (router);
  set_int (router, ZMQ_CURVE_SERVER, 1);
  zmq_setsockopt (router, ZMQ_CURVE_SECRETKEY, secret->data, 32);
  /* Every handshake goes to the ZAP handler, which must say yes. libzmq
   * 4.3 lets CURVE connections in unchecked when no handler is bound
   * (ZMQ_ZAP_ENFORCE_DOMAIN is a draft option that Debian's libzmq does
   * not build), so the handler is bound before this socket is made, and
   * lives as long as the engine. */
  zmq_setsockopt (router, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen (ZAP_DOMAIN));
  /* A send to a connection that is gone fails, instead of vanishing. */
  set_int (router, ZMQ_ROUTER_MANDATORY, 1);
  return router;
}

/* A ROUTER does not say which connection went: its monitor says which
 * descriptor did, and each incoming link knows its own (ZMQ_SRCFD). */
static void
router_monitor_open (Actor *actor)
{
  g_autofree char *endpoint = g_strdup_printf ("inproc://liaison-sync-monitor-%u",
                                               ++actor->monitor_serial);

  zmq_socket_monitor (actor->router, endpoint, ZMQ_EVENT_DISCONNECTED);
  actor->router_monitor = zmq_socket (actor->zctx, ZMQ_PAIR);
  zmq_connect (actor->router_monitor, endpoint);
}

static void
router_close (Actor *actor)
{
  if (actor->router == NULL)
    return;
  zmq_socket_monitor (actor->router, NULL, 0);
  zmq_close (actor->router);
  zmq_close (actor->router_monitor);
  actor->router = actor->router_monitor = NULL;
}

/* libzmq's form of a listening endpoint: port 0 is "*" (any free port). */
static char *
zmq_listen_endpoint (const char *endpoint)
{
  if (g_str_has_suffix (endpoint, ":0"))
    return g_strdup_printf ("%.*s:*", (int) strlen (endpoint) - 2, endpoint);
  return g_strdup (endpoint);
}

static gboolean
router_bind (Actor      *actor,
             void       *router,
             const char *endpoint,
             GError    **error)
{
  g_autofree char *zmq_endpoint = zmq_listen_endpoint (endpoint);
  char bound[256];
  size_t size = sizeof bound;

  /* Only for an IPv6 address: with it on, libzmq names every IPv4 address
   * it binds in its IPv6-mapped form, which is no use in an invite; * is
   * every IPv4 interface, [::] every IPv6 (and IPv4) one. */
  set_int (router, ZMQ_IPV6, strstr (endpoint, "://[") != NULL);
  if (zmq_bind (router, zmq_endpoint) != 0)
    {
      g_set_error (error, LIA_SYNC_ERROR, LIA_SYNC_ERROR_ENDPOINT,
                   "Could not listen on %s: %s", endpoint, zmq_strerror (zmq_errno ()));
      return FALSE;
    }
  if (zmq_getsockopt (router, ZMQ_LAST_ENDPOINT, bound, &size) == 0)
    {
      g_free (actor->bound);
      actor->bound = g_strndup (bound, size);
    }
  return TRUE;
}

/* Every connection to the ROUTER is closed and must be made (and
 * authenticated by ZAP) again: how a peer removed while connected is
 * dropped (PROTOCOL.md, "Revocation"). The new socket binds the same
 * endpoint as soon as the system has let go of the old one. */
static void
router_reset (Actor *actor)
{
  GHashTableIter iter;
  Peer *peer;

  if (actor->router == NULL)
    return;
  g_hash_table_iter_init (&iter, actor->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (peer->in_link != NULL)
      {
        if (peer->in_link->session != NULL)
          lia_sync_session_fail (actor, peer->in_link, LIA_SYNC_MESSAGE_ERROR_STOPPING,
                                 "Connections are being authenticated again", FALSE);
        link_free (actor, peer->in_link);
        peer->in_link = NULL;
      }
  router_close (actor);
  actor->router = router_new (actor);
  router_monitor_open (actor);
  actor->rebind_pending = TRUE;
  actor->rebind_since_us = lia_sync_now_us ();
  g_message ("Closed every connection to this node, so that each is authenticated again");
}

static void
router_try_rebind (Actor *actor)
{
  g_autoptr (GError) error = NULL;

  if (!actor->rebind_pending)
    return;
  if (router_bind (actor, actor->router, actor->bound, &error))
    actor->rebind_pending = FALSE;
  else if (lia_sync_now_us () - actor->rebind_since_us > 10 * G_USEC_PER_SEC)
    {
      g_warning ("%s; still trying", error->message);
      actor->rebind_since_us = lia_sync_now_us ();
    }
}

static Peer *
peer_for_user_id (Actor      *actor,
                  const char *user_id)
{
  return user_id != NULL ? g_hash_table_lookup (actor->peers, user_id) : NULL;
}

static void
router_receive (Actor *actor)
{
  for (guint i = 0; i < MESSAGES_PER_TURN && actor->router != NULL; i++)
    {
      zmq_msg_t id;
      zmq_msg_t *msg;
      g_autoptr (GBytes) routing_id = NULL;
      g_autoptr (GBytes) payload = NULL;
      int more = 0, fd;
      size_t more_size = sizeof more;
      Peer *peer;
      Link *link;

      zmq_msg_init (&id);
      if (zmq_msg_recv (&id, actor->router, ZMQ_DONTWAIT) < 0)
        {
          zmq_msg_close (&id);
          return;
        }
      routing_id = g_bytes_new (zmq_msg_data (&id), zmq_msg_size (&id));
      zmq_msg_close (&id);
      msg = g_new (zmq_msg_t, 1);
      zmq_msg_init (msg);
      if (zmq_msg_recv (msg, actor->router, ZMQ_DONTWAIT) < 0)
        {
          zmq_msg_close (msg);
          g_free (msg);
          continue;
        }
      /* Who sent it is what ZAP said when it admitted the connection. */
      peer = peer_for_user_id (actor, zmq_msg_gets (msg, "User-Id"));
      fd = zmq_msg_get (msg, ZMQ_SRCFD);
      zmq_getsockopt (actor->router, ZMQ_RCVMORE, &more, &more_size);
      payload = take_message (msg);
      while (more)
        {
          zmq_msg_t rest;

          zmq_msg_init (&rest);
          zmq_msg_recv (&rest, actor->router, ZMQ_DONTWAIT);
          zmq_msg_close (&rest);
          zmq_getsockopt (actor->router, ZMQ_RCVMORE, &more, &more_size);
          /* A message of several frames is not the protocol's: its
           * sender is handled below as sending something malformed. */
          g_clear_pointer (&payload, g_bytes_unref);
          payload = g_bytes_new (NULL, 0);
        }
      /* A peer removed since it connected, or quarantined: dropped unread. */
      if (peer == NULL || peer->quarantine_until_us > lia_sync_now_us ())
        continue;
      link = peer->in_link;
      if (link == NULL || !g_bytes_equal (link->routing_id, routing_id))
        {
          /* A new connection from it replaces the old one. */
          if (link != NULL)
            {
              if (link->session != NULL)
                lia_sync_session_fail (actor, link, LIA_SYNC_MESSAGE_ERROR_TIMEOUT,
                                       "The connection was replaced by a new one", FALSE);
              link_free (actor, link);
            }
          link = peer->in_link = link_new (actor, peer, FALSE, routing_id);
          lia_sync_actor_report_peer (actor, peer);
        }
      link->fd = fd;
      lia_sync_session_receive (actor, link, payload);
    }
}

/* A connection to the ROUTER went: the link that came on it goes too. */
static void
router_monitor_event (Actor *actor)
{
  zmq_msg_t msg;
  guint16 event = 0;
  gint32 fd = -1;
  int more = 0;
  size_t more_size = sizeof more;
  GHashTableIter iter;
  Peer *peer;

  zmq_msg_init (&msg);
  if (zmq_msg_recv (&msg, actor->router_monitor, ZMQ_DONTWAIT) < 0)
    {
      zmq_msg_close (&msg);
      return;
    }
  if (zmq_msg_size (&msg) >= 6)
    {
      memcpy (&event, zmq_msg_data (&msg), 2);
      memcpy (&fd, (guint8 *) zmq_msg_data (&msg) + 2, 4);
    }
  zmq_msg_close (&msg);
  zmq_getsockopt (actor->router_monitor, ZMQ_RCVMORE, &more, &more_size);
  if (more)
    {
      zmq_msg_init (&msg);
      zmq_msg_recv (&msg, actor->router_monitor, ZMQ_DONTWAIT);
      zmq_msg_close (&msg);
    }
  if (event != ZMQ_EVENT_DISCONNECTED)
    return;
  g_hash_table_iter_init (&iter, actor->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (peer->in_link != NULL && peer->in_link->fd == fd)
      {
        g_autofree char *message = g_strdup_printf ("The connection from %s was lost",
                                                    peer->state.name);

        g_debug ("%s", message);
        if (peer->in_link->session != NULL)
          lia_sync_session_fail (actor, peer->in_link, LIA_SYNC_MESSAGE_ERROR_TIMEOUT, message,
                                 FALSE);
        lia_sync_link_drop (actor, peer->in_link, FALSE);
        return;
      }
}

/* ---- ZAP: who may connect ------------------------------------------------------ */

static Peer *
peer_for_curve_key (Actor        *actor,
                    const guint8 *key)
{
  GHashTableIter iter;
  Peer *peer;

  g_hash_table_iter_init (&iter, actor->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (sodium_memcmp (peer->curve_public, key, 32) == 0)
      return peer;
  return NULL;
}

static void
zap_refused (Actor        *actor,
             const guint8 *key,
             const char   *address,
             const char   *why)
{
  g_autofree char *fingerprint = lia_identity_fingerprint (key);
  gint64 now = lia_sync_now_us ();
  gpointer last = g_hash_table_lookup (actor->zap_logged, fingerprint);

  /* Logged once a minute per key: a stranger retrying cannot fill the log. */
  if (last != NULL && now - *(gint64 *) last < ZAP_LOG_INTERVAL_US)
    return;
  if (g_hash_table_size (actor->zap_logged) > 1024)
    g_hash_table_remove_all (actor->zap_logged);
  g_hash_table_insert (actor->zap_logged, g_steal_pointer (&fingerprint),
                       g_memdup2 (&now, sizeof now));
  fingerprint = lia_identity_fingerprint (key);
  g_warning ("Refused a connection from %s with the transport key %s: %s", address, fingerprint,
             why);
}

static void
zap_handle (Actor *actor)
{
  char frames[7][256];
  int sizes[7] = { 0 };
  int n = 0, more = 1;
  size_t more_size = sizeof more;
  const char *status = "400", *reason = "Not a current peer of this organisation";
  const char *user_id = "";
  Peer *peer = NULL;

  while (more)
    {
      int size = zmq_recv (actor->zap, n < 7 ? frames[n] : frames[6], 255, ZMQ_DONTWAIT);

      if (size < 0)
        return;
      if (n < 7)
        sizes[n] = MIN (size, 255);
      n++;
      zmq_getsockopt (actor->zap, ZMQ_RCVMORE, &more, &more_size);
    }
  /* version, request id, domain, address, routing id, mechanism,
   * credentials: for CURVE, the client's public key. */
  if (n == 7 && sizes[0] == 3 && memcmp (frames[0], "1.0", 3) == 0 && sizes[5] == 5
      && memcmp (frames[5], "CURVE", 5) == 0 && sizes[6] == 32)
    {
      g_autofree char *address = g_strndup (frames[3], sizes[3]);

      peer = peer_for_curve_key (actor, (const guint8 *) frames[6]);
      if (peer != NULL && peer->quarantine_until_us > lia_sync_now_us ())
        {
          zap_refused (actor, (const guint8 *) frames[6], address,
                       "the peer broke the protocol and is refused for a while");
          peer = NULL;
        }
      else if (peer == NULL)
        zap_refused (actor, (const guint8 *) frames[6], address,
                     "not the key of a current peer of this organisation");
    }
  if (peer != NULL)
    {
      status = "200";
      reason = "OK";
      user_id = peer->key_hex;
    }
  if (n >= 2)
    {
      zmq_send (actor->zap, "1.0", 3, ZMQ_SNDMORE);
      zmq_send (actor->zap, frames[1], sizes[1], ZMQ_SNDMORE);
      zmq_send (actor->zap, status, 3, ZMQ_SNDMORE);
      zmq_send (actor->zap, reason, strlen (reason), ZMQ_SNDMORE);
      zmq_send (actor->zap, user_id, strlen (user_id), ZMQ_SNDMORE);
      zmq_send (actor->zap, "", 0, 0);
    }
}

/* ---- peers ------------------------------------------------------------------ */

static void
peer_free (Peer *peer)
{
  g_free (peer->key_hex);
  g_strfreev (peer->endpoints);
  g_free (peer->state.fingerprint);
  g_free (peer->state.name);
  g_free (peer->state.endpoint);
  g_free (peer->state.last_error);
  g_clear_pointer (&peer->holdings, g_ptr_array_unref);
  g_clear_pointer (&peer->refused, g_hash_table_unref);
  g_free (peer);
}

/* Forgets a peer (removed, or stopping): its connections go. */
static void
peer_forget (Actor *actor,
             Peer  *peer)
{
  if (peer->in_link != NULL)
    {
      link_free (actor, peer->in_link);
      peer->in_link = NULL;
    }
  dealer_close (actor, peer);
}

static char *
key_hex (const guint8 *key)
{
  char hex[65];

  sodium_bin2hex (hex, sizeof hex, key, 32);
  return g_strdup (hex);
}

static Peer *
peer_new (Actor         *actor,
          const LiaPeer *from)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaSyncRecord) record = NULL;

  peer->key_hex = key_hex (from->sign_public);
  memcpy (peer->sign_public, from->sign_public, 32);
  memcpy (peer->curve_public, from->curve_public, 32);
  peer->endpoints = g_strdupv (from->endpoints);
  peer->refused = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                         (GDestroyNotify) g_bytes_unref, NULL);
  peer->state.fingerprint = lia_identity_fingerprint (from->sign_public);
  peer->state.name = g_strdup (from->org->name);
  peer->state.endpoint = g_strdup (peer->endpoints[0]);
  peer->state.pending_out = -1;
  /* Syncs soon after start, and then every period; or only when asked. */
  peer->want_sync = actor->tuning.automatic;
  peer->next_periodic_us = actor->tuning.automatic
                             ? lia_sync_now_us () + (gint64) actor->tuning.sync_period_ms * 1000
                             : G_MAXINT64;
  peer->next_attempt_us = actor->tuning.automatic ? 0 : G_MAXINT64;

  record = lia_store_load_sync_record (actor->store, peer->sign_public, &error);
  if (record != NULL)
    {
      peer->state.last_sync = record->last_sync;
      peer->state.last_attempt = record->last_attempt;
      peer->state.last_error = g_strdup (record->last_error);
    }
  if (peer->endpoints[0] != NULL)
    peer->state.status = LIA_SYNC_PEER_CONNECTING;
  else
    {
      peer->state.status = LIA_SYNC_PEER_UNREACHABLE;
      g_free (peer->state.last_error);
      peer->state.last_error = g_strdup_printf ("%s's invite gave no endpoint: it syncs when it "
                                                "connects here", peer->state.name);
    }
  return peer;
}

static gboolean
same_strv (char **a, char **b)
{
  return g_strv_equal ((const char *const *) a, (const char *const *) b);
}

/* Reads the current peers again: new ones are connected to, removed ones
 * forgotten (and, if any was connected here, every incoming connection
 * made again, so that ZAP refuses it), changed ones reconnected. */
static gboolean
peers_reload (Actor   *actor,
              GError **error)
{
  g_autoptr (GPtrArray) current = lia_store_current_peers (actor->store, error);
  g_autoptr (GHashTable) seen = NULL;
  g_autoptr (LiaAuthorTable) authors = NULL;
  GHashTableIter iter;
  Peer *peer;
  gboolean revoked_connected = FALSE;

  if (current == NULL)
    return FALSE;
  authors = lia_exchange_dup_authors (actor->store, error);
  if (authors == NULL)
    return FALSE;
  g_clear_pointer (&actor->authors, lia_sync_authors_unref);
  actor->authors = lia_sync_authors_new (g_steal_pointer (&authors));

  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < current->len; i++)
    {
      const LiaPeer *p = current->pdata[i];
      g_autofree char *hex = key_hex (p->sign_public);

      peer = g_hash_table_lookup (actor->peers, hex);
      if (peer == NULL)
        {
          peer = peer_new (actor, p);
          g_hash_table_insert (actor->peers, peer->key_hex, peer);
          lia_sync_actor_report_peer (actor, peer);
        }
      else if (memcmp (peer->curve_public, p->curve_public, 32) != 0
               || !same_strv (peer->endpoints, p->endpoints))
        {
          /* New keys or addresses (a readmitted peer, a key rotation
           * noticed): connect afresh. */
          if (peer->in_link != NULL)
            revoked_connected = TRUE;
          peer_forget (actor, peer);
          memcpy (peer->curve_public, p->curve_public, 32);
          g_strfreev (peer->endpoints);
          peer->endpoints = g_strdupv (p->endpoints);
          peer->endpoint_index = 0;
          peer->failures = 0;
          peer->next_attempt_us = 0;
          peer->want_sync = TRUE;
        }
      g_hash_table_add (seen, peer->key_hex);
    }

  g_hash_table_iter_init (&iter, actor->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    {
      if (g_hash_table_contains (seen, peer->key_hex))
        continue;
      g_message ("%s is no longer a peer: its connections are closed", peer->state.name);
      if (peer->in_link != NULL)
        revoked_connected = TRUE;
      if (peer->requested)
        lia_sync_actor_report (actor, LIA_SYNC_REPORT_SYNC_FINISHED, peer->state.fingerprint, NULL,
                               0, FALSE);
      lia_sync_actor_report (actor, LIA_SYNC_REPORT_PEER_GONE, peer->state.fingerprint, NULL, 0,
                             FALSE);
      peer_forget (actor, peer);
      g_hash_table_iter_remove (&iter);
    }
  if (revoked_connected)
    router_reset (actor);
  return TRUE;
}

/* PRAGMA data_version changes when another connection (the GUI's, another
 * liaison-cli) commits to the store. */
static gint64
data_version (Actor *actor)
{
  /* Asked on every turn of the loop: prepared once, from the store's
   * statement cache. */
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (lia_store_get_db (actor->store),
                                                  "PRAGMA data_version", NULL);

  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

/* Something changed in the store elsewhere: perhaps the peers, perhaps
 * envelopes to send. */
static void
store_changed (Actor *actor)
{
  g_autoptr (GError) error = NULL;
  GHashTableIter iter;
  Peer *peer;

  if (!peers_reload (actor, &error))
    g_warning ("Could not read the peers again: %s", error->message);
  actor->seal_due = TRUE;
  if (!actor->tuning.automatic)
    return;
  g_hash_table_iter_init (&iter, actor->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    peer->want_sync = TRUE;
}

static void
check_store (Actor *actor)
{
  gint64 version = data_version (actor);

  actor->next_check_us = lia_sync_now_us () + CHECK_INTERVAL_US;
  if (version != actor->data_version)
    {
      actor->data_version = version;
      store_changed (actor);
    }
}

gboolean
lia_sync_actor_store_changed (Actor *actor)
{
  return data_version (actor) != actor->data_version;
}

/* ---- commands ------------------------------------------------------------------ */

static Peer *
find_peer (Actor      *actor,
           const char *name)
{
  GHashTableIter iter;
  Peer *peer;
  g_autofree char *wanted = g_utf8_casefold (name, -1);

  g_hash_table_iter_init (&iter, actor->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    {
      g_autofree char *their_name = g_utf8_casefold (peer->state.name, -1);
      g_autofree char *fingerprint = g_utf8_casefold (peer->state.fingerprint, -1);

      if (g_str_equal (their_name, wanted) || g_str_equal (fingerprint, wanted))
        return peer;
    }
  return NULL;
}

static void
sync_now (Actor      *actor,
          const char *name)
{
  GHashTableIter iter;
  Peer *peer;

  if (name != NULL && *name != '\0')
    {
      peer = find_peer (actor, name);
      if (peer == NULL)
        {
          g_autofree char *fingerprint = g_strdup (name);

          /* Reported under the name asked for, so the asker hears. */
          lia_sync_actor_report (actor, LIA_SYNC_REPORT_SYNC_FINISHED, fingerprint, NULL, 0,
                                 FALSE);
          return;
        }
      peer->want_sync = peer->requested = TRUE;
      peer->next_attempt_us = 0;
      peer->failures = 0;
      peer->quarantine_until_us = 0;
      return;
    }
  g_hash_table_iter_init (&iter, actor->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    {
      peer->want_sync = peer->requested = TRUE;
      peer->next_attempt_us = 0;
      peer->failures = 0;
    }
}

/* Commands are one frame: "KICK", "SYNC NAME" (or "SYNC"), "STOP". */
static void
pipe_handle (Actor *actor)
{
  char command[512];
  int size = zmq_recv (actor->pipe, command, sizeof command - 1, ZMQ_DONTWAIT);

  if (size < 0)
    return;
  command[MIN (size, (int) sizeof command - 1)] = '\0';
  if (g_str_equal (command, "STOP"))
    actor->stopping = TRUE;
  else if (g_str_equal (command, "KICK"))
    store_changed (actor);
  else if (g_str_has_prefix (command, "SYNC"))
    sync_now (actor, command[4] == ' ' ? command + 5 : NULL);
}

/* ---- scheduling ---------------------------------------------------------------- */

static gboolean
peer_busy (Peer *peer)
{
  return (peer->out_link != NULL && peer->out_link->session != NULL)
         || (peer->in_link != NULL && peer->in_link->session != NULL);
}

static void
schedule_peer (Actor *actor,
               Peer  *peer,
               gint64 now)
{
  g_autoptr (GError) error = NULL;
  Link *link;

  if (peer->quarantine_until_us > now)
    return;
  if (actor->tuning.automatic && now >= peer->next_periodic_us)
    {
      peer->want_sync = TRUE;
      peer->next_periodic_us = now + (gint64) actor->tuning.sync_period_ms * 1000;
    }
  if (!actor->tuning.automatic && !peer->want_sync && peer->dealer == NULL)
    return;
  /* A connection out, always, to know when the peer can be reached. */
  if (peer->dealer == NULL && peer->endpoints[0] != NULL && now >= peer->next_attempt_us)
    {
      if (!dealer_open (actor, peer, &error))
        {
          g_warning ("%s", error->message);
          connection_failed (actor, peer, LIA_SYNC_PEER_UNREACHABLE, error->message);
        }
      else if (peer->state.status != LIA_SYNC_PEER_CONNECTING)
        lia_sync_actor_report_peer (actor, peer);
    }
  if (!peer->want_sync || peer_busy (peer))
    return;
  link = peer->out_link != NULL && peer->out_link->up ? peer->out_link : peer->in_link;
  if (link != NULL)
    {
      lia_sync_session_start (actor, link);
      if (actor->tuning.automatic)
        peer->next_periodic_us = now + (gint64) actor->tuning.sync_period_ms * 1000;
    }
  else if (peer->endpoints[0] == NULL && peer->requested)
    {
      peer->requested = FALSE;
      lia_sync_peer_set_status (actor, peer, LIA_SYNC_PEER_UNREACHABLE, peer->state.last_error);
      lia_sync_actor_report (actor, LIA_SYNC_REPORT_SYNC_FINISHED, peer->state.fingerprint, NULL,
                             0, FALSE);
    }
}

/* Links whose sends failed: their sessions fail, the links go. */
static void
sweep_broken (Actor *actor,
              Peer  *peer)
{
  Link *links[] = { peer->out_link, peer->in_link };

  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    if (links[i] != NULL && links[i]->broken)
      {
        g_autofree char *message = g_strdup_printf ("The connection with %s was lost",
                                                    peer->state.name);

        if (links[i]->session != NULL)
          lia_sync_session_fail (actor, links[i], LIA_SYNC_MESSAGE_ERROR_TIMEOUT, message, FALSE);
        lia_sync_link_drop (actor, links[i], FALSE);
      }
}

static gint64
next_due (Actor *actor,
          gint64 now)
{
  gint64 due = actor->next_check_us;
  GHashTableIter iter;
  Peer *peer;

  if (actor->rebind_pending)
    due = MIN (due, now + 20 * 1000);
  g_hash_table_iter_init (&iter, actor->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    {
      if (peer->quarantine_until_us > now)
        {
          due = MIN (due, peer->quarantine_until_us);
          continue;
        }
      if (peer->want_sync && !peer_busy (peer)
          && ((peer->out_link != NULL && peer->out_link->up) || peer->in_link != NULL))
        due = now;
      due = MIN (due, peer->next_periodic_us);
      if (peer->dealer == NULL && peer->endpoints[0] != NULL)
        due = MIN (due, peer->next_attempt_us);
      if (peer->out_link != NULL)
        due = MIN (due, lia_sync_session_next_due (actor, peer->out_link));
      if (peer->in_link != NULL)
        due = MIN (due, lia_sync_session_next_due (actor, peer->in_link));
    }
  return due;
}

/* ---- the loop ------------------------------------------------------------------- */

static gboolean
actor_setup (Actor   *actor,
             GError **error)
{
  guint threads = actor->tuning.verify_threads;

  if (threads == 0)
    threads = MAX (1, g_get_num_processors ());
  actor->verifier = lia_sync_verifier_new (threads, error);
  if (actor->verifier == NULL)
    return FALSE;
  /* The ZAP handler first: a CURVE server must never take a connection
   * before it is there to say no. */
  actor->zap = zmq_socket (actor->zctx, ZMQ_REP);
  set_int (actor->zap, ZMQ_LINGER, 0);
  if (zmq_bind (actor->zap, ZAP_ENDPOINT) != 0)
    {
      g_set_error (error, LIA_SYNC_ERROR, LIA_SYNC_ERROR_FAILED,
                   "Could not start the handler that authenticates peers: %s",
                   zmq_strerror (zmq_errno ()));
      return FALSE;
    }
  if (!peers_reload (actor, error))
    return FALSE;
  actor->data_version = data_version (actor);
  actor->seal_due = TRUE;
  actor->next_check_us = lia_sync_now_us () + CHECK_INTERVAL_US;
  if (actor->listen != NULL)
    {
      g_autoptr (GError) local_error = NULL;

      actor->router = router_new (actor);
      router_monitor_open (actor);
      if (!router_bind (actor, actor->router, actor->listen, error))
        return FALSE;
      /* Where this node listens, for the GUI and status to show; written
       * through this thread's connection, which is not a change this
       * engine then has to notice. */
      if (!lia_sync_set_listen_endpoint (actor->store, actor->bound, &local_error))
        g_warning ("Could not save the endpoint this node listens on: %s", local_error->message);
    }
  return TRUE;
}

static void
actor_teardown (Actor *actor)
{
  GHashTableIter iter;
  Peer *peer;

  /* Peers in a session hear why it ends; then everything closes. Nothing
   * acknowledged is lost: every ACK followed a commit. */
  g_hash_table_iter_init (&iter, actor->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    {
      Link *links[] = { peer->out_link, peer->in_link };

      for (guint i = 0; i < G_N_ELEMENTS (links); i++)
        if (links[i] != NULL && links[i]->session != NULL)
          lia_sync_session_fail (actor, links[i], LIA_SYNC_MESSAGE_ERROR_STOPPING,
                                 "This node is shutting down", TRUE);
      peer_forget (actor, peer);
    }
  /* Jobs under way finish (they use the store's keyring) before the
   * store goes. */
  g_clear_pointer (&actor->verifier, lia_sync_verifier_free);
  g_clear_pointer (&actor->authors, lia_sync_authors_unref);
  router_close (actor);
  if (actor->zap != NULL)
    zmq_close (actor->zap);
  actor->zap = NULL;
}

static void
actor_loop (Actor *actor)
{
  while (!actor->stopping)
    {
      g_autofree zmq_pollitem_t *items = NULL;
      g_autofree Peer **owners = NULL;
      guint n_peers = g_hash_table_size (actor->peers);
      guint n = 0, fixed;
      gint64 now = lia_sync_now_us ();
      gint64 due = next_due (actor, now);
      long timeout_ms = due <= now ? 0 : MIN ((due - now + 999) / 1000, 1000);
      GHashTableIter iter;
      Peer *peer;

      items = g_new0 (zmq_pollitem_t, 5 + 2 * n_peers);
      owners = g_new0 (Peer *, 5 + 2 * n_peers);
      items[n++] = (zmq_pollitem_t) { actor->pipe, 0, ZMQ_POLLIN, 0 };
      items[n++] = (zmq_pollitem_t) { actor->zap, 0, ZMQ_POLLIN, 0 };
      items[n++] = (zmq_pollitem_t) { NULL, lia_sync_verifier_get_fd (actor->verifier),
                                      ZMQ_POLLIN, 0 };
      if (actor->router != NULL && !actor->rebind_pending)
        {
          items[n++] = (zmq_pollitem_t) { actor->router, 0, ZMQ_POLLIN, 0 };
          items[n++] = (zmq_pollitem_t) { actor->router_monitor, 0, ZMQ_POLLIN, 0 };
        }
      fixed = n;
      g_hash_table_iter_init (&iter, actor->peers);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
        if (peer->dealer != NULL)
          {
            owners[n] = peer;
            items[n++] = (zmq_pollitem_t) { peer->monitor, 0, ZMQ_POLLIN, 0 };
            owners[n] = peer;
            items[n++] = (zmq_pollitem_t) { peer->dealer, 0, ZMQ_POLLIN, 0 };
          }

      if (zmq_poll (items, n, timeout_ms) < 0 && zmq_errno () != EINTR)
        {
          g_critical ("The sync engine's poller failed: %s", zmq_strerror (zmq_errno ()));
          break;
        }

      if (items[0].revents & ZMQ_POLLIN)
        pipe_handle (actor);
      if (items[1].revents & ZMQ_POLLIN)
        zap_handle (actor);
      if (items[2].revents & ZMQ_POLLIN)
        {
          g_autoptr (GPtrArray) jobs = lia_sync_verifier_take_finished (actor->verifier);

          lia_sync_session_jobs_done (actor, jobs);
        }
      if (fixed == 5 && (items[3].revents & ZMQ_POLLIN))
        router_receive (actor);
      if (fixed == 5 && (items[4].revents & ZMQ_POLLIN) && actor->router_monitor == items[4].socket)
        router_monitor_event (actor);
      for (guint i = fixed; i < n; i++)
        {
          peer = owners[i];
          /* A socket closed while handling an earlier item is not polled
           * any more (its peer's dealer changed). */
          if (!(items[i].revents & ZMQ_POLLIN)
              || (items[i].socket != peer->monitor && items[i].socket != peer->dealer))
            continue;
          if (items[i].socket == peer->monitor)
            monitor_event (actor, peer);
          else
            dealer_receive (actor, peer);
        }

      now = lia_sync_now_us ();
      router_try_rebind (actor);
      if (now >= actor->next_check_us)
        check_store (actor);
      g_hash_table_iter_init (&iter, actor->peers);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
        {
          sweep_broken (actor, peer);
          if (peer->out_link != NULL)
            lia_sync_session_tick (actor, peer->out_link, now);
          if (peer->in_link != NULL)
            lia_sync_session_tick (actor, peer->in_link, now);
          sweep_broken (actor, peer);
          schedule_peer (actor, peer, now);
        }
    }
}

gpointer
lia_sync_actor_run (gpointer data)
{
  Actor *actor = data;
  g_autoptr (GError) error = NULL;

  if (!actor_setup (actor, &error))
    {
      g_autofree char *reply = g_strdup_printf ("FAILED %d %s", error->code, error->message);

      actor_teardown (actor);
      zmq_send (actor->pipe, reply, strlen (reply), 0);
      return NULL;
    }
  {
    g_autofree char *reply = g_strdup_printf ("READY %s", actor->bound ? actor->bound : "");

    zmq_send (actor->pipe, reply, strlen (reply), 0);
  }
  actor_loop (actor);
  actor_teardown (actor);
  zmq_send (actor->pipe, "BYE", 3, 0);
  return NULL;
}

void
lia_sync_actor_free (Actor *actor)
{
  if (actor == NULL)
    return;
  g_clear_pointer (&actor->peers, g_hash_table_unref);
  g_clear_pointer (&actor->links, g_hash_table_unref);
  g_clear_pointer (&actor->zap_logged, g_hash_table_unref);
  g_clear_object (&actor->store);
  g_free (actor->listen);
  g_free (actor->bound);
  g_free (actor);
}

Actor *
lia_sync_actor_new (LiaStore            *sibling,
                    const char          *listen,
                    void                *zctx,
                    void                *pipe,
                    const LiaSyncTuning *tuning,
                    LiaSyncReportFunc    report,
                    gpointer             report_data)
{
  Actor *actor = g_new0 (Actor, 1);

  actor->store = sibling;
  actor->listen = g_strdup (listen);
  actor->zctx = zctx;
  actor->pipe = pipe;
  actor->tuning = *tuning;
  actor->report = report;
  actor->report_data = report_data;
  actor->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) peer_free);
  actor->links = g_hash_table_new (g_direct_hash, g_direct_equal);
  actor->zap_logged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return actor;
}
