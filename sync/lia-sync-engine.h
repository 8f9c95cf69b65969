/* lia-sync-engine.h: peer-to-peer sync over ZeroMQ, as an actor.
 *
 * A LiaSyncEngine brings this organisation's store and its peers' up to
 * date with one another whenever they can reach each other (PROTOCOL.md
 * beside this file says how). It runs in a thread of its own, with its own
 * connection to the store, and never touches GTK: what it has to say it
 * says through the signals below, emitted in the GMainContext that was the
 * thread-default one when the engine was made (the GUI's main thread, or
 * the main loop of liaison-cli serve). Call its functions from that thread.
 *
 *   engine = lia_sync_engine_new (store, "tcp://0.0.0.0:7310", &error);
 *   lia_sync_engine_start (engine, &error);      // the thread is up and listening
 *   ...
 *   lia_sync_engine_kick (engine);               // after any local write
 *   ...
 *   lia_sync_engine_stop (engine);               // prompt; before the store is locked
 *
 * Per peer (every current peer of the store, re-read whenever the store
 * changes, so that a peer added or removed elsewhere is picked up): it
 * connects to the peer's endpoints from its invite, reconnects with capped
 * exponential backoff and jitter, syncs at once after a local change and
 * every sync-period seconds otherwise, and keeps a LiaSyncPeerState. A peer
 * that is removed (revoked) is disconnected at once and refused from then
 * on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "lia-store.h"

G_BEGIN_DECLS

#define LIA_SYNC_ERROR (lia_sync_error_quark ())
GQuark lia_sync_error_quark (void);

/**
 * LiaSyncError:
 * @LIA_SYNC_ERROR_FAILED: a failure with no more specific code
 * @LIA_SYNC_ERROR_ENDPOINT: an endpoint is not one Liaison accepts, or the
 *   listening one cannot be bound (in use, not an address of this machine)
 * @LIA_SYNC_ERROR_PROTOCOL: the peer sent something the protocol does not
 *   allow (malformed, too large, out of turn, flooding)
 * @LIA_SYNC_ERROR_VERSION: the peer speaks a protocol version this one does not
 * @LIA_SYNC_ERROR_REFUSED: the peer refused this organisation's key at the
 *   handshake (it does not have this organisation as a current peer), or
 *   ended the session with an error
 * @LIA_SYNC_ERROR_UNREACHABLE: nothing answered at the peer's endpoints
 * @LIA_SYNC_ERROR_TIMEOUT: the peer stopped answering in the middle of a sync
 * @LIA_SYNC_ERROR_NOT_PEER: no current peer has that name or fingerprint
 * @LIA_SYNC_ERROR_STORE: the store could not be read or written
 */
typedef enum
{
  LIA_SYNC_ERROR_FAILED,
  LIA_SYNC_ERROR_ENDPOINT,
  LIA_SYNC_ERROR_PROTOCOL,
  LIA_SYNC_ERROR_VERSION,
  LIA_SYNC_ERROR_REFUSED,
  LIA_SYNC_ERROR_UNREACHABLE,
  LIA_SYNC_ERROR_TIMEOUT,
  LIA_SYNC_ERROR_NOT_PEER,
  LIA_SYNC_ERROR_STORE,
} LiaSyncError;

/**
 * LiaSyncPeerStatus:
 * @LIA_SYNC_PEER_CONNECTING: a connection is being made (or was made and
 *   no sync has finished on it yet)
 * @LIA_SYNC_PEER_SYNCING: envelopes are being exchanged
 * @LIA_SYNC_PEER_UP_TO_DATE: the last sync finished and both sides held
 *   everything the other had for them
 * @LIA_SYNC_PEER_UNREACHABLE: nothing answers at its endpoints (or it has
 *   none and has not connected here); the engine tries again later
 * @LIA_SYNC_PEER_REFUSED: the peer refused this organisation's key, or
 *   ended a sync with a protocol error; the engine tries again later
 */
typedef enum
{
  LIA_SYNC_PEER_CONNECTING,
  LIA_SYNC_PEER_SYNCING,
  LIA_SYNC_PEER_UP_TO_DATE,
  LIA_SYNC_PEER_UNREACHABLE,
  LIA_SYNC_PEER_REFUSED,
} LiaSyncPeerStatus;

/* "connecting", "syncing", "up-to-date", "unreachable", "refused": the
 * names liaison-cli status --json prints. */
const char *lia_sync_peer_status_to_string (LiaSyncPeerStatus status);

/**
 * LiaSyncPeerState:
 * @fingerprint: the peer's identity fingerprint ("XXXX XXXX ...")
 * @name: the peer's name
 * @status: see #LiaSyncPeerStatus
 * @connected: whether a connection with it is up, in either direction
 * @endpoint: the endpoint this node connects to it at, or %NULL if its
 *   invite gave none (it can still connect here)
 * @last_sync: when a sync with it last finished, Unix seconds; 0 never
 * @last_attempt: when a connection or sync was last tried, Unix seconds; 0 never
 * @last_error: why the last attempt failed, for people; %NULL if it did not
 * @pending_out: envelopes this node holds for the peer that the peer has
 *   not acknowledged, as far as this node knows; -1 until the peer has
 *   said what it holds
 * @pending_in: envelopes the peer said it would send in the sync under way
 *   that have not arrived yet; 0 outside a sync, -1 when it has not said
 * @next_attempt: when the engine will next connect or sync, Unix seconds;
 *   0 when nothing is scheduled
 * @last_received: envelopes stored here in the last sync that finished
 * @last_sent: envelopes the peer acknowledged in the last sync that finished
 */
typedef struct
{
  char              *fingerprint;
  char              *name;
  LiaSyncPeerStatus  status;
  gboolean           connected;
  char              *endpoint;
  gint64             last_sync;
  gint64             last_attempt;
  char              *last_error;
  gint64             pending_out;
  gint64             pending_in;
  gint64             next_attempt;
  guint64            last_received;
  guint64            last_sent;
} LiaSyncPeerState;

LiaSyncPeerState *lia_sync_peer_state_copy (const LiaSyncPeerState *state);
void              lia_sync_peer_state_free (LiaSyncPeerState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaSyncPeerState, lia_sync_peer_state_free)

#define LIA_TYPE_SYNC_ENGINE (lia_sync_engine_get_type ())
G_DECLARE_FINAL_TYPE (LiaSyncEngine, lia_sync_engine, LIA, SYNC_ENGINE, GObject)

/* An engine for the unlocked @store, not started yet; lia_sync_engine_start()
 * opens a second handle on the store for its thread (the store must stay
 * unlocked until the engine is stopped). @listen_endpoint is where peers
 * connect to this node (tcp://ADDRESS:PORT; ADDRESS may be * or 0.0.0.0
 * for every interface, PORT 0 for one the system picks); NULL for a node
 * that only connects out. Fails with LIA_SYNC_ERROR_ENDPOINT for an
 * endpoint it will not use, LIA_STORE_ERROR_LOCKED for a locked store. */
LiaSyncEngine    *lia_sync_engine_new (LiaStore    *store,
                                       const char  *listen_endpoint,
                                       GError     **error);

/* Starts the thread and waits for it to be ready: listening (the endpoint
 * is saved in the store, see lia_sync_dup_listen_endpoint()), its peers
 * read and their connections started. Fails, with the thread gone again,
 * if the endpoint cannot be bound (LIA_SYNC_ERROR_ENDPOINT) or the store
 * cannot be read. */
gboolean          lia_sync_engine_start (LiaSyncEngine *self,
                                         GError       **error);
/* Stops the thread: every connection closed, every sync under way
 * abandoned at its last commit (nothing acknowledged is lost; the next
 * sync resumes from there). Returns once the thread is gone, promptly:
 * within one store commit. Safe to call twice, or on an engine not
 * started. */
void              lia_sync_engine_stop (LiaSyncEngine *self);
gboolean          lia_sync_engine_is_running (LiaSyncEngine *self);

/* The engine's properties (all read when it starts): "automatic"
 * (boolean, default TRUE): connect to every peer and sync on changes and
 * periodically; FALSE for an engine that syncs only when asked
 * (lia_sync_engine_sync_now(), as liaison-cli sync does) and otherwise
 * only answers. "sync-period", "reconnect-min", "reconnect-max",
 * "heartbeat", "timeout" and "quarantine" (milliseconds: 5 minutes, 1 s,
 * 5 minutes, 5 s, 30 s, 60 s), "window" (batches it accepts
 * unacknowledged, 8) and "verify-threads" (0: one per processor). */

/* Something changed in the store here (a record saved, a peer added or
 * removed): seal what is due and sync with every peer now. Cheap to call
 * often; calls close together make one sync. */
void              lia_sync_engine_kick (LiaSyncEngine *self);
/* Syncs now with the current peer whose fingerprint (or name) is
 * @peer, or with every peer if @peer is NULL, connecting at once even if
 * a reconnection was scheduled for later. An unknown peer is reported
 * through sync-finished with @ok FALSE and last_error set. */
void              lia_sync_engine_sync_now (LiaSyncEngine *self,
                                            const char    *peer);

/* The state of every current peer, by name (LiaSyncPeerState, owned by
 * the array): as of the last peer-state-changed emitted. */
GPtrArray        *lia_sync_engine_dup_peer_states (LiaSyncEngine *self);
/* The endpoint it listens on, as bound (a port of 0 replaced by the real
 * one), once started; NULL if it does not listen. */
const char       *lia_sync_engine_get_listen_endpoint (LiaSyncEngine *self);

/* Signals, all in the creator's main context:
 *
 * peer-state-changed (const char *fingerprint)
 *     something in that peer's LiaSyncPeerState changed.
 * received (const char *case_id, guint count)
 *     @count envelopes of that case (records, the case's facts, requests:
 *     NULL for those of no case) were stored and applied here, and are
 *     durable; the models that show that case should be refreshed.
 * sync-finished (const char *fingerprint, gboolean ok)
 *     a sync with that peer ended: @ok when both sides were brought up to
 *     date, else the peer's last_error says why.
 * chunks-received (const char *fingerprint, guint count)
 *     @count chunks of attachments came from that peer and were stored:
 *     lia_attachment_progress() says how far each attachment has come. */

/* The endpoint this store's node listens on (saved by
 * lia_sync_engine_start(), or lia_sync_set_listen_endpoint()), or NULL if
 * none was ever set. */
char             *lia_sync_dup_listen_endpoint (LiaStore  *store,
                                                GError   **error);
gboolean          lia_sync_set_listen_endpoint (LiaStore    *store,
                                                const char  *endpoint,
                                                GError     **error);
/* Every current peer's state as the store last recorded it (how the last
 * sync ended, when, why it failed, what is pending for it as far as the
 * peer last said), for a status while no engine runs; by name. */
GPtrArray        *lia_sync_dup_saved_peer_states (LiaStore  *store,
                                                  GError   **error);

/* Whether @endpoint is one to listen on: tcp://ADDRESS:PORT, ADDRESS an
 * IPv4 address, [IPv6], a host name, * or 0.0.0.0; PORT 0 to 65535. */
gboolean          lia_sync_listen_endpoint_is_valid (const char *endpoint);

G_END_DECLS
