/* lia-sync-service.h: the sync engine in the desktop application.
 *
 * While the store is unlocked, the application runs a LiaSyncEngine
 * (sync/lia-sync-engine.h) in-process, so that this organisation's peers
 * receive what it shares and it receives theirs without anyone asking. A
 * LiaSyncService is that engine's keeper, and keeps to the rule of
 * lia-store-worker.h, that the main thread never waits on the disk or the
 * network:
 *
 *   - the engine is made and started by a job on the store worker's
 *     thread, with the worker's store (it opens its own connection and
 *     binds its socket there); its signals still come to the main thread,
 *     because the worker's thread has no main context of its own;
 *   - it is stopped by a job too, queued before the store is locked, so
 *     that it has let go of the store before the keys are wiped;
 *   - every change the application makes (a worker job that writes) kicks
 *     it, so a shared record leaves at once; what it receives is passed on
 *     as the worker's ::changed, the way every open view learns to reload.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "lia-store-worker.h"
#include "lia-sync-engine.h"

G_BEGIN_DECLS

typedef enum
{
  LIA_SYNC_SERVICE_STOPPED,
  LIA_SYNC_SERVICE_STARTING,
  LIA_SYNC_SERVICE_RUNNING,
  LIA_SYNC_SERVICE_FAILED,   /* it could not start: see get_error() */
} LiaSyncServiceStatus;

#define LIA_TYPE_SYNC_SERVICE (lia_sync_service_get_type ())
G_DECLARE_FINAL_TYPE (LiaSyncService, lia_sync_service, LIA, SYNC_SERVICE, GObject)

LiaSyncService      *lia_sync_service_new (LiaStoreWorker *worker);

/* Starts the engine for the unlocked store, listening at @listen_endpoint
 * (tcp://ADDRESS:PORT). The "status" property follows: RUNNING, or FAILED
 * with get_error() saying why. Nothing happens if it is running or
 * starting already. */
void                 lia_sync_service_start (LiaSyncService *self,
                                             const char     *listen_endpoint);
/* Stops it: from now on nothing it reports reaches the application, and
 * the engine stops on the worker's thread before any job queued after
 * this call runs (lia_store_worker_lock() among them). */
void                 lia_sync_service_stop (LiaSyncService *self);
/* Whether an engine is still to be let go of (a stop queued but not
 * finished); lia_application's shutdown waits for it. */
gboolean             lia_sync_service_is_busy (LiaSyncService *self);

LiaSyncServiceStatus lia_sync_service_get_status (LiaSyncService *self);
/* Why it could not start, for people; NULL unless FAILED. */
const char          *lia_sync_service_get_error (LiaSyncService *self);
/* Where it listens, as bound; NULL unless RUNNING. */
const char          *lia_sync_service_get_listen_endpoint (LiaSyncService *self);

/* Every current peer's LiaSyncPeerState, by name; NULL unless RUNNING
 * (lia_sync_dup_saved_peer_states(), a store job, says how they were). */
GPtrArray           *lia_sync_service_dup_peer_states (LiaSyncService *self);
/* Syncs now with the peer of @fingerprint, or every peer if NULL. */
void                 lia_sync_service_sync_now (LiaSyncService *self,
                                                const char     *fingerprint);

/* Signals, on the main thread:
 *
 * peer-state-changed (const char *fingerprint)
 *     that peer's state changed; NULL: any peer's may have (the engine
 *     started or stopped).
 * material-arrived (const char *peer_name, guint count, GStrv case_ids)
 *     a sync with that peer finished having stored @count envelopes here;
 *     @case_ids are the cases they were for (none for requests of no
 *     case), the first the most recent. */

G_END_DECLS
