/* lia-sync-engine.c: the sync engine, as seen from its creator's thread.
 *
 * The engine is an actor (as in CZMQ and Zyre): lia_sync_engine_start()
 * makes a thread (lia-sync-actor.c) and a pipe of two PAIR sockets, and
 * waits for the thread's "READY" on it; commands ("KICK", "SYNC", "STOP")
 * go down the pipe; what the thread has to report comes back as
 * LiaSyncReports queued on the creator's main context, where they become
 * signals and update the peer states that lia_sync_engine_dup_peer_states()
 * returns. Nothing here touches the actor's data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-identity.h"
#include "lia-invite.h"
#include "lia-peer.h"
#include "lia-store-private.h"
#include "lia-sync-private.h"

G_DEFINE_QUARK (lia-sync-error-quark, lia_sync_error)

#define LISTEN_SETTING "sync.listen"

/* ---- peer states ------------------------------------------------------------ */

static const char *const status_names[] = {
  [LIA_SYNC_PEER_CONNECTING] = "connecting",
  [LIA_SYNC_PEER_SYNCING] = "syncing",
  [LIA_SYNC_PEER_UP_TO_DATE] = "up-to-date",
  [LIA_SYNC_PEER_UNREACHABLE] = "unreachable",
  [LIA_SYNC_PEER_REFUSED] = "refused",
};

const char *
lia_sync_peer_status_to_string (LiaSyncPeerStatus status)
{
  g_return_val_if_fail (status <= LIA_SYNC_PEER_REFUSED, NULL);
  return status_names[status];
}

LiaSyncPeerState *
lia_sync_peer_state_copy (const LiaSyncPeerState *state)
{
  LiaSyncPeerState *copy = g_memdup2 (state, sizeof *state);

  copy->fingerprint = g_strdup (state->fingerprint);
  copy->name = g_strdup (state->name);
  copy->endpoint = g_strdup (state->endpoint);
  copy->last_error = g_strdup (state->last_error);
  return copy;
}

void
lia_sync_peer_state_free (LiaSyncPeerState *state)
{
  if (state == NULL)
    return;
  g_free (state->fingerprint);
  g_free (state->name);
  g_free (state->endpoint);
  g_free (state->last_error);
  g_free (state);
}

/* ---- the listening endpoint ------------------------------------------------- */

gboolean
lia_sync_listen_endpoint_is_valid (const char *endpoint)
{
  const char *colon, *host;
  g_autofree char *check = NULL;
  gsize port_len;
  guint64 port;

  if (endpoint == NULL || !g_str_has_prefix (endpoint, "tcp://")
      || strlen (endpoint) > LIA_ENDPOINT_MAX_LEN)
    return FALSE;
  host = endpoint + strlen ("tcp://");
  colon = strrchr (host, ':');
  if (colon == NULL)
    return FALSE;
  port_len = strlen (colon + 1);
  if (port_len == 0 || port_len > 5 || strspn (colon + 1, "0123456789") != port_len
      || (colon[1] == '0' && port_len > 1))
    return FALSE;
  port = g_ascii_strtoull (colon + 1, NULL, 10);
  if (port > 65535)
    return FALSE;
  /* The host as lia_endpoint_is_valid() has it, or every interface. */
  if (colon - host == 1 && host[0] == '*')
    return TRUE;
  check = g_strdup_printf ("tcp://%.*s:1", (int) (colon - host), host);
  return lia_endpoint_is_valid (check);
}

char *
lia_sync_dup_listen_endpoint (LiaStore  *store,
                              GError   **error)
{
  return lia_store_dup_setting (store, LISTEN_SETTING, error);
}

gboolean
lia_sync_set_listen_endpoint (LiaStore    *store,
                              const char  *endpoint,
                              GError     **error)
{
  if (endpoint != NULL && !lia_sync_listen_endpoint_is_valid (endpoint))
    {
      g_set_error (error, LIA_SYNC_ERROR, LIA_SYNC_ERROR_ENDPOINT,
                   "“%s” is not an endpoint to listen on: give tcp://ADDRESS:PORT, ADDRESS an "
                   "address of this machine (or * for all of them)", endpoint);
      return FALSE;
    }
  return lia_store_set_setting (store, LISTEN_SETTING, endpoint, error);
}

/* ---- what the store remembers ------------------------------------------------------ */

static LiaSyncPeerStatus
status_from_string (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (g_strcmp0 (name, status_names[i]) == 0)
      return i;
  return LIA_SYNC_PEER_CONNECTING;
}

GPtrArray *
lia_sync_dup_saved_peer_states (LiaStore  *store,
                                GError   **error)
{
  g_autoptr (GPtrArray) peers = lia_store_current_peers (store, error);
  g_autoptr (GPtrArray) states = NULL;

  if (peers == NULL)
    return NULL;
  states = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_sync_peer_state_free);
  for (guint i = 0; i < peers->len; i++)
    {
      const LiaPeer *peer = peers->pdata[i];
      g_autoptr (LiaSyncRecord) record = lia_store_load_sync_record (store, peer->sign_public,
                                                                      error);
      LiaSyncPeerState *state;

      if (record == NULL)
        return NULL;
      state = g_new0 (LiaSyncPeerState, 1);
      state->fingerprint = lia_identity_fingerprint (peer->sign_public);
      state->name = g_strdup (peer->org->name);
      state->endpoint = g_strdup (peer->endpoints[0]);
      state->last_sync = record->last_sync;
      state->last_attempt = record->last_attempt;
      state->last_error = g_strdup (record->last_error);
      state->status = record->status != NULL ? status_from_string (record->status)
                                             : peer->endpoints[0] != NULL
                                                 ? LIA_SYNC_PEER_CONNECTING
                                                 : LIA_SYNC_PEER_UNREACHABLE;
      state->pending_out = -1;
      /* What it lacks, as far as it last said. */
      if (record->holdings != NULL)
        {
          g_autoptr (GPtrArray) holdings = lia_holdings_decode (record->holdings, NULL);
          g_autoptr (LiaOutbox) outbox = NULL;

          if (holdings != NULL)
            outbox = lia_outbox_new (store, peer->sign_public, holdings, NULL);
          if (outbox != NULL)
            state->pending_out = lia_outbox_get_total (outbox);
        }
      g_ptr_array_add (states, state);
    }
  return g_steal_pointer (&states);
}

/* ---- the object -------------------------------------------------------------- */

/* What reports hold on to: the engine, until it is disposed. Read and
 * cleared only in the creator's main context. */
typedef struct
{
  gatomicrefcount  ref_count;
  LiaSyncEngine   *engine;    /* borrowed; NULL once disposed */
  GMainContext    *context;   /* owned */
} EngineRef;

struct _LiaSyncEngine
{
  GObject        parent_instance;

  LiaStore      *store;     /* owned: the creator's */
  char          *listen;    /* owned, or NULL */
  char          *bound;     /* owned, or NULL */
  LiaSyncTuning  tuning;
  EngineRef     *ref;       /* owned (a reference) */
  GHashTable    *states;    /* fingerprint -> LiaSyncPeerState, owned */

  /* While running. */
  void          *zctx;
  void          *pipe;      /* the creator's end */
  GThread       *thread;
  Actor         *actor;     /* owned, not touched while the thread runs */
};

G_DEFINE_FINAL_TYPE (LiaSyncEngine, lia_sync_engine, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_SYNC_PERIOD,
  PROP_RECONNECT_MIN,
  PROP_RECONNECT_MAX,
  PROP_HEARTBEAT,
  PROP_TIMEOUT,
  PROP_QUARANTINE,
  PROP_WINDOW,
  PROP_VERIFY_THREADS,
  PROP_AUTOMATIC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_PEER_STATE_CHANGED,
  SIGNAL_RECEIVED,
  SIGNAL_SYNC_FINISHED,
  SIGNAL_CHUNKS_RECEIVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static EngineRef *
engine_ref_ref (EngineRef *ref)
{
  g_atomic_ref_count_inc (&ref->ref_count);
  return ref;
}

static void
engine_ref_unref (EngineRef *ref)
{
  if (g_atomic_ref_count_dec (&ref->ref_count))
    {
      g_main_context_unref (ref->context);
      g_free (ref);
    }
}

typedef struct
{
  EngineRef     *ref;
  LiaSyncReport *report;
} Delivery;

static void
delivery_free (Delivery *delivery)
{
  engine_ref_unref (delivery->ref);
  lia_sync_report_free (delivery->report);
  g_free (delivery);
}

static gboolean
deliver_cb (gpointer data)
{
  Delivery *delivery = data;
  LiaSyncEngine *self = delivery->ref->engine;
  LiaSyncReport *report = delivery->report;

  if (self == NULL)
    return G_SOURCE_REMOVE;
  switch (report->kind)
    {
    case LIA_SYNC_REPORT_PEER_STATE:
      {
        char *fingerprint = report->state->fingerprint;

        g_hash_table_replace (self->states, fingerprint, g_steal_pointer (&report->state));
        g_signal_emit (self, signals[SIGNAL_PEER_STATE_CHANGED], 0, fingerprint);
      }
      break;
    case LIA_SYNC_REPORT_PEER_GONE:
      g_hash_table_remove (self->states, report->fingerprint);
      g_signal_emit (self, signals[SIGNAL_PEER_STATE_CHANGED], 0, report->fingerprint);
      break;
    case LIA_SYNC_REPORT_RECEIVED:
      g_signal_emit (self, signals[SIGNAL_RECEIVED], 0, report->case_id, report->count);
      break;
    case LIA_SYNC_REPORT_SYNC_FINISHED:
      g_signal_emit (self, signals[SIGNAL_SYNC_FINISHED], 0, report->fingerprint, report->ok);
      break;
    case LIA_SYNC_REPORT_CHUNKS:
      g_signal_emit (self, signals[SIGNAL_CHUNKS_RECEIVED], 0, report->fingerprint, report->count);
      break;
    default:
      g_assert_not_reached ();
    }
  return G_SOURCE_REMOVE;
}

/* Called in the actor's thread. */
static void
report_cb (LiaSyncReport *report,
           gpointer       user_data)
{
  EngineRef *ref = user_data;
  Delivery *delivery = g_new0 (Delivery, 1);

  delivery->ref = engine_ref_ref (ref);
  delivery->report = report;
  g_main_context_invoke_full (ref->context, G_PRIORITY_DEFAULT, deliver_cb, delivery,
                              (GDestroyNotify) delivery_free);
}

static void
lia_sync_engine_dispose (GObject *object)
{
  LiaSyncEngine *self = LIA_SYNC_ENGINE (object);

  lia_sync_engine_stop (self);
  if (self->ref != NULL)
    {
      self->ref->engine = NULL;
      g_clear_pointer (&self->ref, engine_ref_unref);
    }
  g_clear_object (&self->store);
  G_OBJECT_CLASS (lia_sync_engine_parent_class)->dispose (object);
}

static void
lia_sync_engine_finalize (GObject *object)
{
  LiaSyncEngine *self = LIA_SYNC_ENGINE (object);

  g_free (self->listen);
  g_free (self->bound);
  g_hash_table_unref (self->states);
  G_OBJECT_CLASS (lia_sync_engine_parent_class)->finalize (object);
}

static guint *
tuning_field (LiaSyncEngine *self,
              guint          prop_id)
{
  switch (prop_id)
    {
    case PROP_SYNC_PERIOD:
      return &self->tuning.sync_period_ms;
    case PROP_RECONNECT_MIN:
      return &self->tuning.reconnect_min_ms;
    case PROP_RECONNECT_MAX:
      return &self->tuning.reconnect_max_ms;
    case PROP_HEARTBEAT:
      return &self->tuning.heartbeat_ms;
    case PROP_TIMEOUT:
      return &self->tuning.timeout_ms;
    case PROP_QUARANTINE:
      return &self->tuning.quarantine_ms;
    case PROP_WINDOW:
      return &self->tuning.window;
    case PROP_VERIFY_THREADS:
      return &self->tuning.verify_threads;
    default:
      return NULL;
    }
}

static void
lia_sync_engine_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  LiaSyncEngine *self = LIA_SYNC_ENGINE (object);
  guint *field = tuning_field (self, prop_id);

  if (prop_id == PROP_AUTOMATIC)
    g_value_set_boolean (value, self->tuning.automatic);
  else if (field == NULL)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  else
    g_value_set_uint (value, *field);
}

static void
lia_sync_engine_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  LiaSyncEngine *self = LIA_SYNC_ENGINE (object);
  guint *field = tuning_field (self, prop_id);

  if (prop_id == PROP_AUTOMATIC)
    self->tuning.automatic = g_value_get_boolean (value);
  else if (field == NULL)
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  else
    *field = g_value_get_uint (value);
}

static GParamSpec *
uint_property (const char *name,
               guint       min,
               guint       max,
               guint       value)
{
  return g_param_spec_uint (name, NULL, NULL, min, max, value,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
}

static void
lia_sync_engine_class_init (LiaSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  LiaSyncTuning defaults = LIA_SYNC_DEFAULT_TUNING;

  object_class->dispose = lia_sync_engine_dispose;
  object_class->finalize = lia_sync_engine_finalize;
  object_class->get_property = lia_sync_engine_get_property;
  object_class->set_property = lia_sync_engine_set_property;

  /* Milliseconds (the window in batches); read when the engine starts. */
  properties[PROP_SYNC_PERIOD] = uint_property ("sync-period", 100, G_MAXINT,
                                                defaults.sync_period_ms);
  properties[PROP_RECONNECT_MIN] = uint_property ("reconnect-min", 10, G_MAXINT,
                                                  defaults.reconnect_min_ms);
  properties[PROP_RECONNECT_MAX] = uint_property ("reconnect-max", 10, G_MAXINT,
                                                  defaults.reconnect_max_ms);
  properties[PROP_HEARTBEAT] = uint_property ("heartbeat", 50, G_MAXINT, defaults.heartbeat_ms);
  properties[PROP_TIMEOUT] = uint_property ("timeout", 100, G_MAXINT, defaults.timeout_ms);
  properties[PROP_QUARANTINE] = uint_property ("quarantine", 0, G_MAXINT, defaults.quarantine_ms);
  properties[PROP_WINDOW] = uint_property ("window", 1, LIA_SYNC_MAX_WINDOW, defaults.window);
  /* 0: one per processor. */
  properties[PROP_VERIFY_THREADS] = uint_property ("verify-threads", 0, 64,
                                                   defaults.verify_threads);
  properties[PROP_AUTOMATIC] =
    g_param_spec_boolean ("automatic", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_PEER_STATE_CHANGED] =
    g_signal_new ("peer-state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_RECEIVED] =
    g_signal_new ("received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
  signals[SIGNAL_CHUNKS_RECEIVED] =
    g_signal_new ("chunks-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
  signals[SIGNAL_SYNC_FINISHED] =
    g_signal_new ("sync-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static void
lia_sync_engine_init (LiaSyncEngine *self)
{
  self->states = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify) lia_sync_peer_state_free);
  self->ref = g_new0 (EngineRef, 1);
  g_atomic_ref_count_init (&self->ref->ref_count);
  self->ref->engine = self;
  self->ref->context = g_main_context_ref_thread_default ();
}

LiaSyncEngine *
lia_sync_engine_new (LiaStore    *store,
                     const char  *listen_endpoint,
                     GError     **error)
{
  LiaSyncEngine *self;

  g_return_val_if_fail (LIA_IS_STORE (store), NULL);
  if (lia_store_is_locked (store))
    {
      g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED,
                           "The store is locked; unlock it before syncing");
      return NULL;
    }
  if (listen_endpoint != NULL && !lia_sync_listen_endpoint_is_valid (listen_endpoint))
    {
      g_set_error (error, LIA_SYNC_ERROR, LIA_SYNC_ERROR_ENDPOINT,
                   "“%s” is not an endpoint to listen on: give tcp://ADDRESS:PORT, ADDRESS an "
                   "address of this machine (or * for all of them)", listen_endpoint);
      return NULL;
    }
  self = g_object_new (LIA_TYPE_SYNC_ENGINE, NULL);
  self->store = g_object_ref (store);
  self->listen = g_strdup (listen_endpoint);
  return self;
}

gboolean
lia_sync_engine_is_running (LiaSyncEngine *self)
{
  g_return_val_if_fail (LIA_IS_SYNC_ENGINE (self), FALSE);
  return self->thread != NULL;
}

static void
stop_context (LiaSyncEngine *self)
{
  if (self->pipe != NULL)
    zmq_close (self->pipe);
  self->pipe = NULL;
  if (self->zctx != NULL)
    zmq_ctx_term (self->zctx);
  self->zctx = NULL;
  g_clear_pointer (&self->actor, lia_sync_actor_free);
}

gboolean
lia_sync_engine_start (LiaSyncEngine *self,
                       GError       **error)
{
  g_autoptr (LiaStore) sibling = NULL;
  g_autofree char *pipe_endpoint = NULL;
  void *actor_pipe;
  char reply[512];
  int size;

  g_return_val_if_fail (LIA_IS_SYNC_ENGINE (self), FALSE);
  if (self->thread != NULL)
    return TRUE;
  if (self->tuning.reconnect_max_ms < self->tuning.reconnect_min_ms)
    self->tuning.reconnect_max_ms = self->tuning.reconnect_min_ms;

  /* The thread's own handle on the store, with its own connection. */
  sibling = lia_store_open_sibling (self->store, error);
  if (sibling == NULL)
    return FALSE;

  self->zctx = zmq_ctx_new ();
  self->pipe = zmq_socket (self->zctx, ZMQ_PAIR);
  actor_pipe = zmq_socket (self->zctx, ZMQ_PAIR);
  pipe_endpoint = g_strdup_printf ("inproc://liaison-sync-pipe-%p", (void *) self);
  zmq_bind (self->pipe, pipe_endpoint);
  zmq_connect (actor_pipe, pipe_endpoint);
  self->actor = lia_sync_actor_new (g_steal_pointer (&sibling), self->listen, self->zctx,
                                    actor_pipe, &self->tuning, report_cb, self->ref);
  self->thread = g_thread_try_new ("liaison-sync", lia_sync_actor_run, self->actor, error);
  if (self->thread == NULL)
    {
      zmq_close (actor_pipe);
      stop_context (self);
      return FALSE;
    }

  /* The ready handshake: the thread says when it listens, or why not. */
  size = zmq_recv (self->pipe, reply, sizeof reply - 1, 0);
  reply[MAX (0, MIN (size, (int) sizeof reply - 1))] = '\0';
  if (!g_str_has_prefix (reply, "READY"))
    {
      char *message = NULL;
      guint64 code = g_ascii_strtoull (reply + MIN (strlen (reply), 7), &message, 10);

      g_thread_join (g_steal_pointer (&self->thread));
      zmq_close (actor_pipe);
      stop_context (self);
      g_set_error_literal (error, LIA_SYNC_ERROR,
                           code <= LIA_SYNC_ERROR_STORE ? (int) code : LIA_SYNC_ERROR_FAILED,
                           message != NULL && *message == ' ' ? message + 1 : reply);
      return FALSE;
    }
  if (reply[5] == ' ' && reply[6] != '\0')
    {
      g_free (self->bound);
      self->bound = g_strdup (reply + 6);
    }
  return TRUE;
}

void
lia_sync_engine_stop (LiaSyncEngine *self)
{
  char reply[16];
  void *actor_pipe;

  g_return_if_fail (LIA_IS_SYNC_ENGINE (self));
  if (self->thread == NULL)
    return;
  actor_pipe = self->actor->pipe;
  zmq_send (self->pipe, "STOP", 4, 0);
  /* The thread ends its current step (at most one batch's commit), tells
   * its peers, closes its sockets and says BYE. */
  while (zmq_recv (self->pipe, reply, sizeof reply, 0) >= 0 && memcmp (reply, "BYE", 3) != 0)
    ;
  g_thread_join (g_steal_pointer (&self->thread));
  zmq_close (actor_pipe);
  stop_context (self);
}

static void
send_command (LiaSyncEngine *self,
              const char    *command)
{
  g_return_if_fail (self->thread != NULL);
  zmq_send (self->pipe, command, strlen (command), 0);
}

void
lia_sync_engine_kick (LiaSyncEngine *self)
{
  g_return_if_fail (LIA_IS_SYNC_ENGINE (self));
  send_command (self, "KICK");
}

void
lia_sync_engine_sync_now (LiaSyncEngine *self,
                          const char    *peer)
{
  g_autofree char *command = NULL;

  g_return_if_fail (LIA_IS_SYNC_ENGINE (self));
  g_return_if_fail (peer == NULL || strlen (peer) < 400);
  command = peer != NULL ? g_strdup_printf ("SYNC %s", peer) : g_strdup ("SYNC");
  send_command (self, command);
}

static int
compare_states (gconstpointer a,
                gconstpointer b)
{
  const LiaSyncPeerState *x = *(LiaSyncPeerState **) a;
  const LiaSyncPeerState *y = *(LiaSyncPeerState **) b;

  return g_utf8_collate (x->name, y->name);
}

GPtrArray *
lia_sync_engine_dup_peer_states (LiaSyncEngine *self)
{
  GPtrArray *states = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_sync_peer_state_free);
  GHashTableIter iter;
  LiaSyncPeerState *state;

  g_return_val_if_fail (LIA_IS_SYNC_ENGINE (self), states);
  g_hash_table_iter_init (&iter, self->states);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    g_ptr_array_add (states, lia_sync_peer_state_copy (state));
  g_ptr_array_sort (states, compare_states);
  return states;
}

const char *
lia_sync_engine_get_listen_endpoint (LiaSyncEngine *self)
{
  g_return_val_if_fail (LIA_IS_SYNC_ENGINE (self), NULL);
  return self->bound;
}
