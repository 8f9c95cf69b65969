/* lia-sync-private.h: what the sync engine's files share.
 *
 * lia-sync-engine.c   the GObject, in its creator's thread: starts and
 *                     stops the actor, sends it commands, turns its
 *                     reports into signals.
 * lia-sync-actor.c    the actor's thread: the poller loop, the sockets
 *                     (ROUTER, a DEALER per peer, ZAP, monitors), the
 *                     peers and their connections.
 * lia-sync-session.c  the protocol on one connection (PROTOCOL.md).
 *
 * Everything here but LiaSyncTuning belongs to the actor's thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <zmq.h>

#include "lia-holdings.h"
#include "lia-store.h"
#include "lia-sync-engine.h"
#include "lia-sync-message.h"
#include "lia-sync-verifier.h"

G_BEGIN_DECLS

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "liaison-sync"

/* Timings and sizes; the engine's properties set them before it starts. */
typedef struct
{
  guint sync_period_ms;     /* between syncs with a peer when nothing changes */
  guint reconnect_min_ms;   /* the first wait after a failed connection */
  guint reconnect_max_ms;   /* the longest */
  guint heartbeat_ms;       /* a quiet session sends a HEARTBEAT this often */
  guint timeout_ms;         /* a session that hears nothing this long has failed */
  guint quarantine_ms;      /* a peer that broke the protocol is refused this long */
  guint window;             /* unacknowledged batches this node accepts */
  guint verify_threads;     /* workers for the first stage of imports */
  gboolean automatic;       /* connect and sync on its own, or only when asked */
} LiaSyncTuning;

#define LIA_SYNC_DEFAULT_TUNING { \
    .sync_period_ms = 5 * 60 * 1000, .reconnect_min_ms = 1000, \
    .reconnect_max_ms = 5 * 60 * 1000, .heartbeat_ms = 5000, .timeout_ms = 30000, \
    .quarantine_ms = 60000, .window = 8, .verify_threads = 0, .automatic = TRUE }

/* Reports from the actor, delivered in the creator's main context. */
typedef enum
{
  LIA_SYNC_REPORT_PEER_STATE,     /* state: a copy of a peer's state */
  LIA_SYNC_REPORT_PEER_GONE,      /* fingerprint: no longer a current peer */
  LIA_SYNC_REPORT_RECEIVED,       /* case_id (or NULL), count */
  LIA_SYNC_REPORT_SYNC_FINISHED,  /* fingerprint, ok */
  LIA_SYNC_REPORT_CHUNKS,         /* fingerprint, count: chunks stored */
} LiaSyncReportKind;

typedef struct
{
  LiaSyncReportKind  kind;
  LiaSyncPeerState  *state;
  char              *fingerprint;
  char              *case_id;
  guint              count;
  gboolean           ok;
} LiaSyncReport;

void lia_sync_report_free (LiaSyncReport *report);

/* How the actor reaches its engine: the engine's half of the deal, a
 * function that queues a report for the creator's main context. */
typedef void (*LiaSyncReportFunc) (LiaSyncReport *report,
                                   gpointer       user_data);

typedef struct _Actor   Actor;
typedef struct _Peer    Peer;
typedef struct _Link    Link;
typedef struct _Session Session;

/* An outgoing batch not yet acknowledged. */
typedef struct
{
  guint64    seq;
  GPtrArray *envelopes;   /* GBytes, owned: kept for the hashes of refusals */
  GArray    *numbers;     /* guint64, the envelopes' numbers for the peer */
  GPtrArray *originators; /* const guint8 * (32), borrowed from the outbox */
} InFlight;

/* The protocol on one link (PROTOCOL.md, "Sessions"). */
struct _Session
{
  guint64     id;
  gboolean    initiator;        /* this node sent the HELLO */
  enum
  {
    SESSION_HELLO_SENT,
    SESSION_ACTIVE,
  }           state;
  gint64      started_us;       /* monotonic */
  /* Sending. */
  guint       peer_window;
  LiaOutbox  *outbox;           /* owned, NULL when nothing is to be sent */
  GBytes     *carry;            /* owned: read from the outbox, not yet batched */
  const guint8 *carry_originator;
  guint64     carry_number;
  gboolean    sending;          /* this session is the peer's one outbound stream */
  guint64     next_seq;
  GQueue      in_flight;        /* InFlight */
  guint64     batches_sent, envelopes_sent, envelopes_acked;
  gboolean    done_sent;
  /* Receiving. */
  guint64     offered;          /* what the peer said it would send (WELCOME), or 0 */
  guint64     offered_out;      /* what this node said it would send (its WELCOME) */
  gboolean    offered_known;
  guint64     next_in_seq;      /* the seq the next BATCH must have */
  guint64     committed_seq;    /* the last batch committed and acknowledged */
  GHashTable *ready;            /* seq -> LiaSyncJob, verified, waiting for its turn */
  guint64     envelopes_received, envelopes_accepted;
  gboolean    done_received;
  guint64     peer_batches, peer_envelopes;
  /* What it cost, for the log (and the benchmark): messages and bytes each
   * way, and round trips (a message received after one was sent). */
  guint       messages_sent, messages_received;
  guint64     bytes_sent, bytes_received;
  guint       round_trips;
  gboolean    last_was_send;
};

/* One connection with a peer: this node's DEALER to it, or its
 * connection to this node's ROUTER. */
struct _Link
{
  guint       id;               /* for verifier jobs, which may outlive it */
  Peer       *peer;             /* borrowed */
  gboolean    outgoing;
  GBytes     *routing_id;       /* incoming: the ROUTER's name for it */
  int         fd;               /* incoming: its descriptor (ZMQ_SRCFD), for the monitor */
  gboolean    up;               /* outgoing: the handshake succeeded */
  gboolean    broken;           /* a send failed: the loop drops it */
  Session    *session;          /* owned, or NULL */
  gint64      last_rx_us, last_tx_us;
  /* Chunks of attachments (PROTOCOL.md, "Attachments"), link by link,
   * apart from the sessions: a transfer of many chunks never holds up a
   * session that carries envelopes. */
  GHashTable *chunks_asked;     /* hashes asked of the peer, not answered yet (GBytes set) */
  GHashTable *chunks_skipped;   /* hashes it said it does not hold or will not give */
  GQueue      chunks_to_send;   /* GBytes: hashes the peer asked for, to answer */
  /* Flooding: a token bucket of messages, and HELLOs per minute. */
  double      tokens;
  gint64      tokens_at_us;
  guint       hellos;
  gint64      hellos_since_us;
};

struct _Peer
{
  char             *key_hex;        /* the identity key in hex: the ZAP User-Id */
  guint8            sign_public[32];
  guint8            curve_public[32];
  char            **endpoints;      /* owned, NULL-terminated */
  guint             endpoint_index;
  LiaSyncPeerState  state;          /* owned members */
  /* This node's connection to it. */
  void             *dealer;
  void             *monitor;
  Link             *out_link;       /* owned, while the DEALER exists */
  Link             *in_link;        /* owned: its latest connection here */
  guint             failures;       /* connection attempts failed in a row */
  gint64            next_attempt_us;
  /* Syncing. */
  gboolean          want_sync;      /* a sync is due: a kick, the period, sync_now */
  gboolean          requested;      /* someone waits for sync-finished */
  gint64            next_periodic_us;
  GPtrArray        *holdings;       /* what it said it holds, until saved; or NULL */
  GHashTable       *refused;        /* envelope hashes it refused (GBytes set) */
  gint64            quarantine_until_us;
  guint             warnings;       /* logged in the current minute */
  gint64            warnings_since_us;
};

struct _Actor
{
  /* Set before the thread starts. */
  LiaStore          *store;         /* owned: a sibling, used only in this thread */
  char              *listen;        /* owned, or NULL */
  void              *zctx;          /* borrowed: the engine's */
  void              *pipe;          /* the actor's end of the command pipe */
  LiaSyncTuning      tuning;
  LiaSyncReportFunc  report;
  gpointer           report_data;
  /* The thread's own. */
  void              *router;
  void              *router_monitor; /* DISCONNECTED events of the ROUTER's connections */
  char              *bound;         /* the endpoint bound, a port of 0 resolved */
  void              *zap;
  LiaSyncVerifier   *verifier;
  LiaSyncAuthors    *authors;
  GHashTable        *peers;         /* key_hex -> Peer, owned */
  GHashTable        *links;         /* id -> Link, borrowed */
  guint              next_link_id;
  guint              monitor_serial;
  gboolean           rebind_pending; /* the ROUTER is to bind again (router_reset()) */
  gint64             rebind_since_us;
  gint64             data_version;
  gboolean           seal_due;      /* the store changed since the last sealing */
  gint64             next_check_us;
  gboolean           stopping;
  GHashTable        *zap_logged;    /* curve key hex -> last log time (rate limit) */
};

/* lia-sync-actor.c */
/* Takes @sibling; @zctx and @pipe are borrowed. */
Actor      *lia_sync_actor_new (LiaStore            *sibling,
                                const char          *listen,
                                void                *zctx,
                                void                *pipe,
                                const LiaSyncTuning *tuning,
                                LiaSyncReportFunc    report,
                                gpointer             report_data);
/* The thread's function: replies "READY ENDPOINT" or "FAILED CODE
 * MESSAGE" on the pipe once set up, and "BYE" when it stops. */
gpointer    lia_sync_actor_run (gpointer data);
void        lia_sync_actor_free (Actor *actor);
void        lia_sync_actor_report_peer (Actor *actor,
                                        Peer  *peer);
void        lia_sync_actor_report (Actor             *actor,
                                   LiaSyncReportKind  kind,
                                   const char        *fingerprint,
                                   const char        *case_id,
                                   guint              count,
                                   gboolean           ok);
/* Sends @message on @link; FALSE if the link is gone (the caller then
 * drops it). */
gboolean    lia_sync_link_send (Actor          *actor,
                                Link           *link,
                                LiaSyncMessage *message);
/* Ends the link's connection: an outgoing one is closed and tried again
 * later, an incoming one forgotten (and its peer quarantined if
 * @quarantine). */
void        lia_sync_link_drop (Actor    *actor,
                                Link     *link,
                                gboolean  quarantine);
/* Logs a warning about @peer, at most a few a minute. */
void        lia_sync_peer_warn (Actor      *actor,
                                Peer       *peer,
                                const char *format,
                                ...) G_GNUC_PRINTF (3, 4);
void        lia_sync_peer_set_status (Actor             *actor,
                                      Peer              *peer,
                                      LiaSyncPeerStatus  status,
                                      const char        *error);
gint64      lia_sync_now_us (void);

/* Whether another connection changed the store since the loop last looked
 * (PRAGMA data_version); the loop reads the peers again when it next does,
 * at a point where nothing iterates over them. */
gboolean    lia_sync_actor_store_changed (Actor *actor);
/* Saves @peer's sync record (its status, times, error, holdings). */
void        lia_sync_peer_save (Actor *actor,
                                Peer  *peer);

/* lia-sync-session.c */
void        lia_sync_session_free (Session *session);
/* Starts a session on @link as its initiator. */
void        lia_sync_session_start (Actor *actor,
                                    Link  *link);
/* A message arrived on @link. */
void        lia_sync_session_receive (Actor  *actor,
                                      Link   *link,
                                      GBytes *payload);
/* Batches verified by the workers. */
void        lia_sync_session_jobs_done (Actor     *actor,
                                        GPtrArray *jobs);
/* Heartbeats and timeouts of @link's session. */
void        lia_sync_session_tick (Actor *actor,
                                   Link  *link,
                                   gint64 now_us);
/* Ends @link's session as failed: @code and @message go to the peer in
 * an ERROR if @tell, and @message becomes the peer's last error. */
void        lia_sync_session_fail (Actor               *actor,
                                   Link                *link,
                                   LiaSyncMessageError  code,
                                   const char          *message,
                                   gboolean             tell);
/* Asks @link's peer for chunks this store wants that it may hold, if
 * nothing is asked of it already. */
void        lia_sync_chunks_want (Actor *actor,
                                  Link  *link);
/* Frees what a link keeps for chunks. */
void        lia_sync_chunks_clear (Link *link);
/* When the next heartbeat or timeout of @link is due. */
gint64      lia_sync_session_next_due (Actor *actor,
                                       Link  *link);

G_END_DECLS
