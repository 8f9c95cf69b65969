/* lia-store-worker.c: how the user interface reaches the store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "lia-crypto.h"
#include "lia-exchange.h"
#include "lia-store-worker.h"

struct _LiaStoreWorker
{
  GObject       parent_instance;

  LiaStore     *store;      /* owned; used on the worker's thread only */
  GThreadPool  *pool;       /* owned; one thread, so jobs run in order */
  GMainContext *context;    /* owned; where ::changed and ::locked are emitted */

  /* The main thread's view, set when an unlock finishes and cleared when
   * a lock is asked for. */
  gboolean      unlocked;
  char         *org_name;     /* owned */
  LiaOrgKind    org_kind;
  char         *fingerprint;  /* owned */
};

G_DEFINE_FINAL_TYPE (LiaStoreWorker, lia_store_worker, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  SIGNAL_LOCKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* One queued job. */
typedef struct
{
  GTask           *task;          /* owned */
  LiaStoreJobFunc  func;
  gpointer         data;          /* owned, freed with data_free */
  GDestroyNotify   data_free;
  GDestroyNotify   result_free;
  LiaStoreJobFlags flags;
  char            *changed_case;  /* owned, or NULL */
} Job;

static void
job_free (Job *job)
{
  if (job->data_free != NULL && job->data != NULL)
    job->data_free (job->data);
  g_clear_object (&job->task);
  g_free (job->changed_case);
  g_free (job);
}

typedef struct
{
  LiaStoreWorker *self;          /* owned */
  char           *case_id;       /* owned, or NULL */
} Changed;

static gboolean
emit_changed_cb (gpointer user_data)
{
  Changed *changed = user_data;

  g_signal_emit (changed->self, signals[SIGNAL_CHANGED], 0, changed->case_id);
  g_object_unref (changed->self);
  g_free (changed->case_id);
  g_free (changed);
  return G_SOURCE_REMOVE;
}

static void
run_job (gpointer item,
         gpointer user_data)
{
  Job *job = item;
  LiaStoreWorker *self = user_data;
  GCancellable *cancellable = g_task_get_cancellable (job->task);
  GError *error = NULL;
  gpointer result = NULL;

  if (!g_cancellable_set_error_if_cancelled (cancellable, &error))
    result = job->func (self->store, job->data, cancellable, &error);

  if (result == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, LIA_STORE_ERROR, LIA_STORE_ERROR_FAILED,
                             "The operation failed for no stated reason");
      g_task_return_error (job->task, error);
    }
  else
    {
      if (job->flags & LIA_STORE_JOB_WRITES)
        {
          Changed *changed = g_new0 (Changed, 1);

          changed->self = g_object_ref (self);
          changed->case_id = g_strdup (job->changed_case);
          g_main_context_invoke (self->context, emit_changed_cb, changed);
        }
      g_task_return_pointer (job->task, result,
                             result == LIA_STORE_JOB_DONE ? NULL : job->result_free);
    }
  job_free (job);
}

static void stop_thread (LiaStoreWorker *self);

static void
lia_store_worker_dispose (GObject *object)
{
  LiaStoreWorker *self = LIA_STORE_WORKER (object);

  stop_thread (self);
  G_OBJECT_CLASS (lia_store_worker_parent_class)->dispose (object);
}

static void
lia_store_worker_finalize (GObject *object)
{
  LiaStoreWorker *self = LIA_STORE_WORKER (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->org_name, g_free);
  g_clear_pointer (&self->fingerprint, g_free);
  G_OBJECT_CLASS (lia_store_worker_parent_class)->finalize (object);
}

static void
lia_store_worker_class_init (LiaStoreWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lia_store_worker_dispose;
  object_class->finalize = lia_store_worker_finalize;

  /**
   * LiaStoreWorker::changed:
   * @case_id: (nullable): the case that changed, or NULL for any
   *
   * The store changed: a job of ours wrote to it, or the sync engine
   * stored material it received. Emitted on the main thread.
   */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * LiaStoreWorker::locked:
   *
   * The store is locked and every key wiped from memory.
   */
  signals[SIGNAL_LOCKED] = g_signal_new ("locked", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 0);
}

static void
lia_store_worker_init (LiaStoreWorker *self)
{
  self->context = g_main_context_ref_thread_default ();
}

LiaStoreWorker *
lia_store_worker_new (const char *directory)
{
  LiaStoreWorker *self;
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (directory != NULL, NULL);

  self = g_object_new (LIA_TYPE_STORE_WORKER, NULL);
  self->store = lia_store_new (directory);
  /* One exclusive thread: jobs run one at a time, in order, and always on
   * the same thread, which is the one that uses the store's connection. */
  self->pool = g_thread_pool_new (run_job, self, 1, TRUE, &error);
  if (self->pool == NULL)
    g_error ("Could not start the store's thread: %s", error->message);
  return self;
}

const char *
lia_store_worker_get_directory (LiaStoreWorker *self)
{
  g_return_val_if_fail (LIA_IS_STORE_WORKER (self), NULL);

  return lia_store_get_directory (self->store);
}

void
lia_store_worker_run (LiaStoreWorker     *self,
                      LiaStoreJobFunc     func,
                      gpointer            data,
                      GDestroyNotify      data_free,
                      GDestroyNotify      result_free,
                      LiaStoreJobFlags    flags,
                      const char         *changed_case,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  Job *job;

  g_return_if_fail (LIA_IS_STORE_WORKER (self));
  g_return_if_fail (func != NULL);

  job = g_new0 (Job, 1);
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, lia_store_worker_run);
  job->func = func;
  job->data = data;
  job->data_free = data_free;
  job->result_free = result_free;
  job->flags = flags;
  job->changed_case = g_strdup (changed_case);

  if (self->pool == NULL)
    {
      g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               "Liaison is shutting down");
      job_free (job);
      return;
    }
  g_thread_pool_push (self->pool, job, NULL);
}

gpointer
lia_store_worker_run_finish (LiaStoreWorker *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- existence ------------------------------------------------------------ */

static gpointer
exists_job (LiaStore     *store,
            gpointer      data,
            GCancellable *cancellable,
            GError      **error)
{
  return GINT_TO_POINTER (lia_store_exists (store) ? 2 : 1);
}

void
lia_store_worker_exists_async (LiaStoreWorker     *self,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  lia_store_worker_run (self, exists_job, NULL, NULL, NULL, LIA_STORE_JOB_READS, NULL,
                        cancellable, callback, user_data);
}

gboolean
lia_store_worker_exists_finish (LiaStoreWorker *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  return GPOINTER_TO_INT (lia_store_worker_run_finish (self, result, error)) == 2;
}

/* ---- unlocking and creating ------------------------------------------------ */

/* What the main thread learns of the organisation when the store opens. */
typedef struct
{
  char       *org_name;
  LiaOrgKind  org_kind;
  char       *fingerprint;
} Opened;

static void
opened_free (Opened *opened)
{
  g_free (opened->org_name);
  g_free (opened->fingerprint);
  g_free (opened);
}

static Opened *
opened_new (LiaStore *store)
{
  Opened *opened = g_new0 (Opened, 1);
  g_autoptr (GError) error = NULL;
  GDate today;

  opened->org_name = g_strdup (lia_store_get_org_name (store));
  opened->org_kind = lia_store_get_org_kind (store);
  opened->fingerprint = lia_store_dup_fingerprint (store);

  /* As liaison-cli does whenever it opens a store: material another
   * organisation disclosed whose destruction or return date has come is
   * destroyed first. A failure is tried again at the next unlock. */
  lia_date_set_today (&today);
  if (lia_exchange_destroy_due (store, &today, &error) < 0)
    g_warning ("Could not destroy material that is due: %s", error->message);
  return opened;
}

typedef struct
{
  LiaSecret  *passphrase;         /* owned */
  LiaSecret  *backup_passphrase;  /* owned, or NULL */
  char       *org_name;
  LiaOrgKind  kind;
  char       *backup_path;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_clear_pointer (&data->passphrase, lia_secret_free);
  g_clear_pointer (&data->backup_passphrase, lia_secret_free);
  g_free (data->org_name);
  g_free (data->backup_path);
  g_free (data);
}

static gpointer
unlock_job (LiaStore     *store,
            gpointer      user_data,
            GCancellable *cancellable,
            GError      **error)
{
  OpenData *data = user_data;

  if (!lia_store_is_locked (store))
    return opened_new (store);
  if (!lia_store_unlock (store, lia_secret_get_string (data->passphrase), cancellable, error))
    return NULL;
  return opened_new (store);
}

static gpointer
create_job (LiaStore     *store,
            gpointer      user_data,
            GCancellable *cancellable,
            GError      **error)
{
  OpenData *data = user_data;
  gboolean ok;

  if (data->backup_path != NULL)
    ok = lia_store_create_from_backup (store, data->backup_path,
                                       lia_secret_get_string (data->backup_passphrase),
                                       lia_secret_get_string (data->passphrase), cancellable,
                                       error);
  else
    ok = lia_store_create (store, data->org_name, data->kind,
                           lia_secret_get_string (data->passphrase), cancellable, error);
  return ok ? opened_new (store) : NULL;
}

static gboolean
finish_open (LiaStoreWorker *self,
             GAsyncResult   *result,
             GError        **error)
{
  Opened *opened = lia_store_worker_run_finish (self, result, error);

  if (opened == NULL)
    return FALSE;
  self->unlocked = TRUE;
  g_free (self->org_name);
  self->org_name = g_steal_pointer (&opened->org_name);
  self->org_kind = opened->org_kind;
  g_free (self->fingerprint);
  self->fingerprint = g_steal_pointer (&opened->fingerprint);
  opened_free (opened);
  return TRUE;
}

void
lia_store_worker_unlock_async (LiaStoreWorker     *self,
                               const char         *passphrase,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  OpenData *data = g_new0 (OpenData, 1);

  g_return_if_fail (passphrase != NULL);

  data->passphrase = lia_secret_new_from_string (passphrase);
  lia_store_worker_run (self, unlock_job, data, (GDestroyNotify) open_data_free,
                        (GDestroyNotify) opened_free, LIA_STORE_JOB_READS, NULL, cancellable,
                        callback, user_data);
}

gboolean
lia_store_worker_unlock_finish (LiaStoreWorker *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  return finish_open (self, result, error);
}

void
lia_store_worker_create_async (LiaStoreWorker     *self,
                               const char         *org_name,
                               LiaOrgKind          kind,
                               const char         *backup_path,
                               const char         *backup_passphrase,
                               const char         *passphrase,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  OpenData *data = g_new0 (OpenData, 1);

  g_return_if_fail (passphrase != NULL);
  g_return_if_fail (backup_path == NULL || backup_passphrase != NULL);

  data->passphrase = lia_secret_new_from_string (passphrase);
  data->org_name = g_strdup (org_name);
  data->kind = kind;
  data->backup_path = g_strdup (backup_path);
  if (backup_passphrase != NULL)
    data->backup_passphrase = lia_secret_new_from_string (backup_passphrase);
  lia_store_worker_run (self, create_job, data, (GDestroyNotify) open_data_free,
                        (GDestroyNotify) opened_free, LIA_STORE_JOB_WRITES, NULL, cancellable,
                        callback, user_data);
}

gboolean
lia_store_worker_create_finish (LiaStoreWorker *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  return finish_open (self, result, error);
}

/* ---- locking --------------------------------------------------------------- */

static gpointer
lock_job (LiaStore     *store,
          gpointer      data,
          GCancellable *cancellable,
          GError      **error)
{
  lia_store_lock (store);
  return LIA_STORE_JOB_DONE;
}

static void
lock_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LiaStoreWorker *self = LIA_STORE_WORKER (source);
  g_autoptr (GError) error = NULL;

  lia_store_worker_run_finish (self, result, &error);
  /* An unlock queued after this lock may have finished first only if it
   * was queued first; jobs run in order, so the state here is final
   * unless an unlock is already on its way, which sets it again. */
  if (error == NULL)
    g_signal_emit (self, signals[SIGNAL_LOCKED], 0);
}

void
lia_store_worker_lock (LiaStoreWorker *self)
{
  g_return_if_fail (LIA_IS_STORE_WORKER (self));

  self->unlocked = FALSE;
  g_clear_pointer (&self->org_name, g_free);
  g_clear_pointer (&self->fingerprint, g_free);
  lia_store_worker_run (self, lock_job, NULL, NULL, NULL, LIA_STORE_JOB_READS, NULL, NULL,
                        lock_done_cb, NULL);
}

gboolean
lia_store_worker_is_unlocked (LiaStoreWorker *self)
{
  g_return_val_if_fail (LIA_IS_STORE_WORKER (self), FALSE);

  return self->unlocked;
}

const char *
lia_store_worker_get_org_name (LiaStoreWorker *self)
{
  g_return_val_if_fail (LIA_IS_STORE_WORKER (self), NULL);

  return self->org_name;
}

LiaOrgKind
lia_store_worker_get_org_kind (LiaStoreWorker *self)
{
  g_return_val_if_fail (LIA_IS_STORE_WORKER (self), LIA_ORG_KIND_AGENCY);

  return self->org_kind;
}

const char *
lia_store_worker_get_fingerprint (LiaStoreWorker *self)
{
  g_return_val_if_fail (LIA_IS_STORE_WORKER (self), NULL);

  return self->fingerprint;
}

void
lia_store_worker_notify_changed (LiaStoreWorker *self,
                                 const char     *case_id)
{
  g_return_if_fail (LIA_IS_STORE_WORKER (self));

  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, case_id);
}

/* Lets the queued jobs finish (a save must not be lost), then joins the
 * thread; from here on the store is ours alone, and it is locked. */
static void
stop_thread (LiaStoreWorker *self)
{
  if (self->pool == NULL)
    return;
  g_thread_pool_free (g_steal_pointer (&self->pool), FALSE, TRUE);
  if (self->store != NULL)
    lia_store_lock (self->store);
  self->unlocked = FALSE;
}

static void
shutdown_locked_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  lia_store_worker_run_finish (LIA_STORE_WORKER (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

void
lia_store_worker_shutdown (LiaStoreWorker *self)
{
  gboolean locked = FALSE;

  g_return_if_fail (LIA_IS_STORE_WORKER (self));

  if (self->pool == NULL)
    return;
  /* The store is locked on its own thread, after the jobs queued before,
   * while this thread's main loop goes on: locking gives the freed memory
   * back to the system, tens of milliseconds that held the main loop at
   * the very end, and the jobs before it may take longer still. */
  lia_store_worker_run (self, lock_job, NULL, NULL, NULL, LIA_STORE_JOB_READS, NULL, NULL,
                        shutdown_locked_cb, &locked);
  while (!locked)
    g_main_context_iteration (self->context, TRUE);
  stop_thread (self);
}
