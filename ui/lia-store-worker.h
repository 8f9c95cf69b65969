/* lia-store-worker.h: how the user interface reaches the store.
 *
 * The rule (DESIGN.md, "The user interface"): the main thread never waits
 * on disk, key derivation or the network. So the application never calls
 * the store itself. A LiaStoreWorker owns the LiaStore and one thread, and
 * every use of the store, from unlocking it to listing the cases, is a job
 * that the window hands to the worker:
 *
 *   - jobs run on the worker's thread one at a time, in the order they
 *     were queued, so the store's connection is only ever used by one
 *     thread and a view that queues "save" and then "reload" sees its
 *     own change;
 *   - each job is a GTask: its result (or error) comes back to the main
 *     context that queued it, and a cancelled job's callback gets
 *     G_IO_ERROR_CANCELLED, never a result for a view that has gone;
 *   - a job that changes the store is queued with LIA_STORE_JOB_WRITES,
 *     and when it succeeds the worker emits ::changed on the main thread
 *     with the case it touched (or NULL), which is how every open view
 *     learns to reload; the sync engine reports received material
 *     through lia_store_worker_notify_changed() in the same way.
 *
 * Locking is a job too (lia_store_worker_lock_async()), queued behind the
 * others; the worker's ::locked signal tells the window that every key
 * has been wiped.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "lia-identity.h"
#include "lia-store.h"

G_BEGIN_DECLS

/* Runs on the worker's thread with the worker's store. Returns the job's
 * result (NULL is a failure, with @error set) owned by the caller until
 * it is handed to the callback. */
typedef gpointer (*LiaStoreJobFunc) (LiaStore     *store,
                                     gpointer      data,
                                     GCancellable *cancellable,
                                     GError      **error);

typedef enum
{
  LIA_STORE_JOB_READS = 0,
  LIA_STORE_JOB_WRITES = 1 << 0,  /* emit ::changed when it succeeds */
} LiaStoreJobFlags;

/* What a successful job that has nothing to return returns. */
#define LIA_STORE_JOB_DONE GINT_TO_POINTER (1)

#define LIA_TYPE_STORE_WORKER (lia_store_worker_get_type ())
G_DECLARE_FINAL_TYPE (LiaStoreWorker, lia_store_worker, LIA, STORE_WORKER, GObject)

LiaStoreWorker *lia_store_worker_new (const char *directory);

const char     *lia_store_worker_get_directory (LiaStoreWorker *self);

/* Queues @func (@data is freed with @data_free after the job has run,
 * whatever happened; a result that the callback does not take is freed
 * with @result_free). @changed_case is the case a writing job touches,
 * for ::changed, or NULL for "anything". */
void            lia_store_worker_run (LiaStoreWorker     *self,
                                      LiaStoreJobFunc     func,
                                      gpointer            data,
                                      GDestroyNotify      data_free,
                                      GDestroyNotify      result_free,
                                      LiaStoreJobFlags    flags,
                                      const char         *changed_case,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data);
/* The job's result, which the caller now owns, or NULL with @error. */
gpointer        lia_store_worker_run_finish (LiaStoreWorker *self,
                                             GAsyncResult   *result,
                                             GError        **error);

/* Whether the directory holds a store (a job: it looks at the disk). */
void            lia_store_worker_exists_async (LiaStoreWorker     *self,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
gboolean        lia_store_worker_exists_finish (LiaStoreWorker *self,
                                                GAsyncResult   *result,
                                                GError        **error);

/* Unlocks the store with @passphrase (copied into secret memory at once),
 * deriving the key on the worker's thread. */
void            lia_store_worker_unlock_async (LiaStoreWorker     *self,
                                               const char         *passphrase,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
gboolean        lia_store_worker_unlock_finish (LiaStoreWorker *self,
                                                GAsyncResult   *result,
                                                GError        **error);

/* Creates the store for a new organisation, or from an identity backup
 * when @backup_path is not NULL (then @org_name and @kind are ignored),
 * and leaves it unlocked. */
void            lia_store_worker_create_async (LiaStoreWorker     *self,
                                               const char         *org_name,
                                               LiaOrgKind          kind,
                                               const char         *backup_path,
                                               const char         *backup_passphrase,
                                               const char         *passphrase,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
gboolean        lia_store_worker_create_finish (LiaStoreWorker *self,
                                                GAsyncResult   *result,
                                                GError        **error);

/* Locks the store (every key wiped) once the jobs queued before have run;
 * ::locked follows. */
void            lia_store_worker_lock (LiaStoreWorker *self);

/* Whether the store is unlocked, as the main thread last heard. */
gboolean        lia_store_worker_is_unlocked (LiaStoreWorker *self);

/* The organisation's name and kind, read when the store was unlocked;
 * NULL while locked. */
const char     *lia_store_worker_get_org_name (LiaStoreWorker *self);
LiaOrgKind      lia_store_worker_get_org_kind (LiaStoreWorker *self);
/* Its identity fingerprint, or NULL while locked. */
const char     *lia_store_worker_get_fingerprint (LiaStoreWorker *self);

/* Emits ::changed for @case_id (or NULL for anything); main thread only. */
void            lia_store_worker_notify_changed (LiaStoreWorker *self,
                                                 const char     *case_id);

/* Runs the queued jobs and then locks the store, on its thread, iterating
 * the main context meanwhile; then stops the thread. For shutting down
 * only. */
void            lia_store_worker_shutdown (LiaStoreWorker *self);

G_END_DECLS
