/* lia-sync-service.c: the sync engine in the desktop application.
 *
 * One engine at a time lives in a Session, shared by the jobs that start
 * and stop it and by the handlers of its signals:
 *
 *   - the start job (worker thread) makes the engine, connects its signals
 *     and starts it; session->engine is written there;
 *   - lia_sync_service_stop() (main thread) marks the session stopped, so
 *     that its handlers ignore whatever is still on its way, and queues
 *     the stop job, which the worker runs after the start job: it stops
 *     the engine (its thread joined, its sockets closed) with nothing else
 *     touching it;
 *   - the engine is let go of on the main thread, in the stop job's
 *     callback (or the start job's, when it failed to start), because the
 *     engine's reports are delivered there.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-errors.h"
#include "lia-sync-service.h"

typedef struct
{
  gatomicrefcount ref_count;
  LiaSyncService *service;   /* borrowed: it outlives every session */
  char           *listen;
  LiaSyncEngine  *engine;    /* owned; see the top of the file */
  gboolean        stopped;   /* main thread only */
} Session;

struct _LiaSyncService
{
  GObject parent_instance;

  LiaStoreWorker      *worker;     /* owned */
  Session             *session;    /* owned: the current one, or NULL */
  LiaSyncServiceStatus status;
  char                *error;
  guint                busy;       /* sessions still to be let go of */
  gboolean             notifying;  /* passing a reception on as ::changed */
  /* Cases that received material since a sync last finished, most recent
   * first. */
  GPtrArray           *arrived;
};

G_DEFINE_FINAL_TYPE (LiaSyncService, lia_sync_service, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATUS,
  N_PROPS
};

enum
{
  SIGNAL_PEER_STATE_CHANGED,
  SIGNAL_MATERIAL_ARRIVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static Session *
session_ref (Session *session)
{
  g_atomic_ref_count_inc (&session->ref_count);
  return session;
}

static void
session_unref (gpointer data)
{
  Session *session = data;

  if (g_atomic_ref_count_dec (&session->ref_count))
    {
      /* By now the engine has gone, on the main thread. */
      g_assert (session->engine == NULL);
      g_free (session->listen);
      g_free (session);
    }
}

static void
session_closure_notify (gpointer  data,
                        GClosure *closure)
{
  session_unref (data);
}

static void
set_status (LiaSyncService       *self,
            LiaSyncServiceStatus  status,
            const char           *error)
{
  g_free (self->error);
  self->error = g_strdup (error);
  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
  g_signal_emit (self, signals[SIGNAL_PEER_STATE_CHANGED], 0, NULL);
}

/* ---- the engine's signals, on the main thread --------------------------------- */

static void
peer_state_changed_cb (LiaSyncEngine *engine,
                       const char    *fingerprint,
                       gpointer       user_data)
{
  Session *session = user_data;

  if (!session->stopped)
    g_signal_emit (session->service, signals[SIGNAL_PEER_STATE_CHANGED], 0, fingerprint);
}

static void
received_cb (LiaSyncEngine *engine,
             const char    *case_id,
             guint          count,
             gpointer       user_data)
{
  Session *session = user_data;
  LiaSyncService *self = session->service;
  guint index;

  if (session->stopped)
    return;
  if (case_id != NULL)
    {
      if (g_ptr_array_find_with_equal_func (self->arrived, case_id, g_str_equal, &index))
        g_ptr_array_remove_index (self->arrived, index);
      g_ptr_array_insert (self->arrived, 0, g_strdup (case_id));
    }
  /* What arrived is durable now: every view of the case reloads. It is
   * not a change to send on, so it does not kick the engine. */
  self->notifying = TRUE;
  lia_store_worker_notify_changed (self->worker, case_id);
  self->notifying = FALSE;
}

static void
sync_finished_cb (LiaSyncEngine *engine,
                  const char    *fingerprint,
                  gboolean       ok,
                  gpointer       user_data)
{
  Session *session = user_data;
  LiaSyncService *self = session->service;
  g_autoptr (GPtrArray) states = NULL;

  if (session->stopped)
    return;
  states = lia_sync_engine_dup_peer_states (engine);
  for (guint i = 0; i < states->len; i++)
    {
      const LiaSyncPeerState *state = states->pdata[i];

      if (g_strcmp0 (state->fingerprint, fingerprint) == 0 && state->last_received > 0)
        {
          g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
          g_auto (GStrv) case_ids = NULL;

          for (guint j = 0; j < self->arrived->len; j++)
            g_strv_builder_add (builder, self->arrived->pdata[j]);
          case_ids = g_strv_builder_end (builder);
          g_ptr_array_set_size (self->arrived, 0);
          g_signal_emit (self, signals[SIGNAL_MATERIAL_ARRIVED], 0, state->name,
                         (guint) MIN (state->last_received, G_MAXUINT), case_ids);
          break;
        }
    }
}

static void
worker_changed_cb (LiaStoreWorker *worker,
                   const char     *case_id,
                   gpointer        user_data)
{
  LiaSyncService *self = user_data;

  /* Something saved here (a record, a sharing decision, a peer added or
   * removed): the engine seals it and syncs at once. */
  if (self->status == LIA_SYNC_SERVICE_RUNNING && !self->notifying)
    lia_sync_engine_kick (self->session->engine);
}

/* ---- starting and stopping ------------------------------------------------------ */

static gpointer
start_job (LiaStore     *store,
           gpointer      data,
           GCancellable *cancellable,
           GError      **error)
{
  Session *session = data;

  /* This thread has no main context of its own, so the engine reports to
   * the global default one: the application's main thread. */
  session->engine = lia_sync_engine_new (store, session->listen, error);
  if (session->engine == NULL)
    return NULL;
  g_signal_connect_data (session->engine, "peer-state-changed",
                         G_CALLBACK (peer_state_changed_cb), session_ref (session),
                         session_closure_notify, 0);
  g_signal_connect_data (session->engine, "received", G_CALLBACK (received_cb),
                         session_ref (session), session_closure_notify, 0);
  g_signal_connect_data (session->engine, "sync-finished", G_CALLBACK (sync_finished_cb),
                         session_ref (session), session_closure_notify, 0);
  return lia_sync_engine_start (session->engine, error) ? LIA_STORE_JOB_DONE : NULL;
}

static void
started_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Session *session = user_data;
  LiaSyncService *self = session->service;
  g_autoptr (GError) error = NULL;

  if (lia_store_worker_run_finish (LIA_STORE_WORKER (source), result, &error) != NULL)
    {
      /* Stopped while it started: the stop job has it. */
      if (!session->stopped)
        set_status (self, LIA_SYNC_SERVICE_RUNNING, NULL);
    }
  else
    {
      g_autofree char *message = NULL;

      /* Never started, so nothing of its is on its way: it can go now, on
       * this thread, unless a stop job is queued for it. */
      if (!session->stopped)
        {
          g_clear_object (&session->engine);
          g_clear_pointer (&self->session, session_unref);
          self->busy--;
          message = lia_error_describe (error);
          g_message ("Sync could not start: %s", error->message);
          set_status (self, LIA_SYNC_SERVICE_FAILED, message);
        }
    }
  session_unref (session);
}

static gpointer
stop_job (LiaStore     *store,
          gpointer      data,
          GCancellable *cancellable,
          GError      **error)
{
  Session *session = data;

  /* The start job ran before this one; nothing else uses the engine now. */
  if (session->engine != NULL)
    lia_sync_engine_stop (session->engine);
  return LIA_STORE_JOB_DONE;
}

static void
stopped_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Session *session = user_data;
  LiaSyncService *self = session->service;

  lia_store_worker_run_finish (LIA_STORE_WORKER (source), result, NULL);
  g_clear_object (&session->engine);
  self->busy--;
  session_unref (session);
}

void
lia_sync_service_start (LiaSyncService *self,
                        const char     *listen_endpoint)
{
  Session *session;

  g_return_if_fail (LIA_IS_SYNC_SERVICE (self));
  g_return_if_fail (listen_endpoint != NULL);

  if (self->session != NULL)
    return;
  session = g_new0 (Session, 1);
  g_atomic_ref_count_init (&session->ref_count);
  session->service = self;
  session->listen = g_strdup (listen_endpoint);
  self->session = session;
  self->busy++;
  g_ptr_array_set_size (self->arrived, 0);
  set_status (self, LIA_SYNC_SERVICE_STARTING, NULL);
  /* Neither job is cancelled: each callback has its part in letting the
   * engine go. */
  lia_store_worker_run (self->worker, start_job, session_ref (session), session_unref, NULL,
                        LIA_STORE_JOB_READS, NULL, NULL, started_cb, session_ref (session));
}

void
lia_sync_service_stop (LiaSyncService *self)
{
  Session *session;

  g_return_if_fail (LIA_IS_SYNC_SERVICE (self));

  session = g_steal_pointer (&self->session);
  if (session != NULL)
    {
      session->stopped = TRUE;
      lia_store_worker_run (self->worker, stop_job, session_ref (session), session_unref, NULL,
                            LIA_STORE_JOB_READS, NULL, NULL, stopped_cb, session);
    }
  if (self->status != LIA_SYNC_SERVICE_STOPPED)
    set_status (self, LIA_SYNC_SERVICE_STOPPED, NULL);
}

gboolean
lia_sync_service_is_busy (LiaSyncService *self)
{
  g_return_val_if_fail (LIA_IS_SYNC_SERVICE (self), FALSE);
  return self->busy > 0;
}

/* ---- what it says ------------------------------------------------------------- */

LiaSyncServiceStatus
lia_sync_service_get_status (LiaSyncService *self)
{
  g_return_val_if_fail (LIA_IS_SYNC_SERVICE (self), LIA_SYNC_SERVICE_STOPPED);
  return self->status;
}

const char *
lia_sync_service_get_error (LiaSyncService *self)
{
  g_return_val_if_fail (LIA_IS_SYNC_SERVICE (self), NULL);
  return self->error;
}

const char *
lia_sync_service_get_listen_endpoint (LiaSyncService *self)
{
  g_return_val_if_fail (LIA_IS_SYNC_SERVICE (self), NULL);
  if (self->status != LIA_SYNC_SERVICE_RUNNING)
    return NULL;
  return lia_sync_engine_get_listen_endpoint (self->session->engine);
}

GPtrArray *
lia_sync_service_dup_peer_states (LiaSyncService *self)
{
  g_return_val_if_fail (LIA_IS_SYNC_SERVICE (self), NULL);
  if (self->status != LIA_SYNC_SERVICE_RUNNING)
    return NULL;
  return lia_sync_engine_dup_peer_states (self->session->engine);
}

void
lia_sync_service_sync_now (LiaSyncService *self,
                           const char     *fingerprint)
{
  g_return_if_fail (LIA_IS_SYNC_SERVICE (self));
  if (self->status == LIA_SYNC_SERVICE_RUNNING)
    lia_sync_engine_sync_now (self->session->engine, fingerprint);
}

/* ---- the object ------------------------------------------------------------------ */

static void
lia_sync_service_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  LiaSyncService *self = LIA_SYNC_SERVICE (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_int (value, self->status);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lia_sync_service_dispose (GObject *object)
{
  LiaSyncService *self = LIA_SYNC_SERVICE (object);

  /* The application stops it and waits before it lets go. */
  g_warn_if_fail (self->session == NULL && self->busy == 0);
  if (self->worker != NULL)
    g_signal_handlers_disconnect_by_data (self->worker, self);
  g_clear_object (&self->worker);
  G_OBJECT_CLASS (lia_sync_service_parent_class)->dispose (object);
}

static void
lia_sync_service_finalize (GObject *object)
{
  LiaSyncService *self = LIA_SYNC_SERVICE (object);

  g_free (self->error);
  g_ptr_array_unref (self->arrived);
  G_OBJECT_CLASS (lia_sync_service_parent_class)->finalize (object);
}

static void
lia_sync_service_class_init (LiaSyncServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = lia_sync_service_get_property;
  object_class->dispose = lia_sync_service_dispose;
  object_class->finalize = lia_sync_service_finalize;

  /* A LiaSyncServiceStatus (no GEnum registered for one property). */
  properties[PROP_STATUS] =
    g_param_spec_int ("status", NULL, NULL, LIA_SYNC_SERVICE_STOPPED, LIA_SYNC_SERVICE_FAILED,
                      LIA_SYNC_SERVICE_STOPPED,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_PEER_STATE_CHANGED] =
    g_signal_new ("peer-state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_MATERIAL_ARRIVED] =
    g_signal_new ("material-arrived", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRV);
}

static void
lia_sync_service_init (LiaSyncService *self)
{
  self->arrived = g_ptr_array_new_with_free_func (g_free);
}

LiaSyncService *
lia_sync_service_new (LiaStoreWorker *worker)
{
  LiaSyncService *self;

  g_return_val_if_fail (LIA_IS_STORE_WORKER (worker), NULL);

  self = g_object_new (LIA_TYPE_SYNC_SERVICE, NULL);
  self->worker = g_object_ref (worker);
  g_signal_connect (worker, "changed", G_CALLBACK (worker_changed_cb), self);
  return self;
}
