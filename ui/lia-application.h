/* lia-application.h: the Liaison desktop application.
 *
 * One LiaApplication per process: it owns the settings, the store (through
 * its LiaStoreWorker) and, while unlocked, the sync engine. Its state says what every window shows: the first-run
 * page, the unlock page, or the cases. It locks itself after the idle time
 * in the settings, when the screen locks, and on app.lock (Ctrl+L).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-calendar.h"
#include "lia-store-worker.h"
#include "lia-sync-service.h"

G_BEGIN_DECLS

typedef enum
{
  LIA_APP_STATE_STARTING,  /* looking for the store */
  LIA_APP_STATE_NEW,       /* no store yet: first run */
  LIA_APP_STATE_LOCKED,
  LIA_APP_STATE_UNLOCKED,
  LIA_APP_STATE_FAILED,    /* could not start (the demonstration could not be set up) */
} LiaAppState;

#define LIA_TYPE_APP_STATE (lia_app_state_get_type ())
GType lia_app_state_get_type (void);

#define LIA_TYPE_APPLICATION (lia_application_get_type ())
G_DECLARE_FINAL_TYPE (LiaApplication, lia_application, LIA, APPLICATION, AdwApplication)

LiaApplication *lia_application_new (void);

LiaAppState     lia_application_get_state (LiaApplication *self);
LiaStoreWorker *lia_application_get_worker (LiaApplication *self);
/* The sync engine's keeper: running while the store is unlocked. */
LiaSyncService *lia_application_get_sync (LiaApplication *self);
GSettings      *lia_application_get_settings (LiaApplication *self);
/* The date deadlines are counted from: today, or LIAISON_TODAY (as for
 * liaison-cli). From any thread. */
void            lia_get_today (GDate *out);

void            lia_application_unlock_async (LiaApplication     *self,
                                              const char         *passphrase,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
gboolean        lia_application_unlock_finish (LiaApplication *self,
                                               GAsyncResult   *result,
                                               GError        **error);

/* Creates this organisation's store, or restores it from an identity
 * backup when @backup_path is not NULL, and unlocks it. */
void            lia_application_create_async (LiaApplication     *self,
                                              const char         *org_name,
                                              LiaOrgKind          kind,
                                              const char         *backup_path,
                                              const char         *backup_passphrase,
                                              const char         *passphrase,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
gboolean        lia_application_create_finish (LiaApplication *self,
                                               GAsyncResult   *result,
                                               GError        **error);

void            lia_application_lock (LiaApplication *self);

/* Why the application could not start, in the FAILED state; else NULL. */
const char     *lia_application_get_failure (LiaApplication *self);

/* Whether this is the live demonstration (--demo). */
gboolean        lia_application_is_demo (LiaApplication *self);

/* Loads the calendar now in use (after a refresh) and has every view
 * count its deadlines again. */
void            lia_application_reload_calendar (LiaApplication *self);

G_END_DECLS
