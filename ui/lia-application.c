/* lia-application.c: the Liaison desktop application.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "lia-application.h"
#include "lia-crypt-vfs.h"
#include "lia-crypto.h"
#include "lia-deadlines.h"
#include "lia-demo-runner.h"
#include "lia-errors.h"
#include "lia-preferences-window.h"
#include "lia-sync-service.h"
#include "lia-ui-resources.h"
#include "lia-window.h"

struct _LiaApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;      /* owned */
  LiaStoreWorker *worker;        /* owned; made at startup */
  char           *store_dir;     /* owned; --store, or the default */
  LiaAppState     state;
  char           *failure;       /* owned: why it could not start, or NULL */

  /* The live demonstration (--demo): the other organisations' nodes. */
  gboolean        demo;
  LiaDemoRunner  *demo_runner;   /* owned */

  /* Idle lock: the monotonic time of the last key press, click, scroll or
   * pointer movement in any of our windows, and the timer that fires when
   * the idle time would run out. */
  gint64          last_activity;
  guint           idle_source;

  /* Deadline notifications while unlocked: the check every hour, and the
   * milestones already told of in this session ("CASE|KEY|DUE"), kept in
   * memory only, so that nothing about a case is written outside the
   * store. */
  guint           deadline_source;
  GHashTable     *told;
  GCancellable   *session;      /* owned; cancelled at each lock */

  /* The sync engine while unlocked, and the timer that restarts it a
   * moment after the listening address or port last changed. */
  LiaSyncService *sync;          /* owned; made at startup */
  guint           restart_source;
};

G_DEFINE_FINAL_TYPE (LiaApplication, lia_application, ADW_TYPE_APPLICATION)

/* How often the deadlines are looked at while unlocked. */
#define DEADLINE_CHECK_SECONDS (60 * 60)
/* How long after the last change to the listening address or port the
 * engine starts again there (the port's spin button changes it at each
 * step). */
#define LISTEN_RESTART_MS 1000

G_DEFINE_ENUM_TYPE (LiaAppState, lia_app_state,
                    G_DEFINE_ENUM_VALUE (LIA_APP_STATE_STARTING, "starting"),
                    G_DEFINE_ENUM_VALUE (LIA_APP_STATE_NEW, "new"),
                    G_DEFINE_ENUM_VALUE (LIA_APP_STATE_LOCKED, "locked"),
                    G_DEFINE_ENUM_VALUE (LIA_APP_STATE_UNLOCKED, "unlocked"),
                    G_DEFINE_ENUM_VALUE (LIA_APP_STATE_FAILED, "failed"))

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_state (LiaApplication *self,
           LiaAppState     state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* ---- idle lock ------------------------------------------------------------ */

static void schedule_idle_lock (LiaApplication *self);

static gboolean
idle_lock_cb (gpointer user_data)
{
  LiaApplication *self = user_data;

  self->idle_source = 0;
  schedule_idle_lock (self);
  return G_SOURCE_REMOVE;
}

/* Sets the timer to fire when the idle time runs out from the last
 * activity, or locks now if it has. Rescheduling at each expiry rather than
 * at each event keeps a busy pointer from costing a timer per motion. */
static void
schedule_idle_lock (LiaApplication *self)
{
  guint limit_s = g_settings_get_uint (self->settings, "idle-lock-time");
  gint64 limit_us = (gint64) limit_s * G_USEC_PER_SEC;
  gint64 idle_us;

  g_clear_handle_id (&self->idle_source, g_source_remove);
  if (self->state != LIA_APP_STATE_UNLOCKED || limit_s == 0)
    return;
  idle_us = g_get_monotonic_time () - self->last_activity;
  if (idle_us >= limit_us)
    {
      g_debug ("Idle for %" G_GINT64_FORMAT " s: locking", idle_us / G_USEC_PER_SEC);
      lia_application_lock (self);
      return;
    }
  self->idle_source = g_timeout_add_full (G_PRIORITY_DEFAULT,
                                          (guint) ((limit_us - idle_us) / 1000) + 1,
                                          idle_lock_cb, self, NULL);
  g_source_set_name_by_id (self->idle_source, "[liaison] idle lock");
}

static gboolean
window_event_cb (GtkEventControllerLegacy *controller,
                 GdkEvent                 *event,
                 gpointer                  user_data)
{
  LiaApplication *self = user_data;

  switch (gdk_event_get_event_type (event))
    {
    case GDK_KEY_PRESS:
    case GDK_BUTTON_PRESS:
    case GDK_SCROLL:
    case GDK_MOTION_NOTIFY:
    case GDK_TOUCH_BEGIN:
    case GDK_TOUCHPAD_SWIPE:
    case GDK_TOUCHPAD_PINCH:
    case GDK_TOUCHPAD_HOLD:
      self->last_activity = g_get_monotonic_time ();
      break;
    case GDK_DELETE:
    case GDK_KEY_RELEASE:
    case GDK_BUTTON_RELEASE:
    case GDK_ENTER_NOTIFY:
    case GDK_LEAVE_NOTIFY:
    case GDK_FOCUS_CHANGE:
    case GDK_PROXIMITY_IN:
    case GDK_PROXIMITY_OUT:
    case GDK_DRAG_ENTER:
    case GDK_DRAG_LEAVE:
    case GDK_DRAG_MOTION:
    case GDK_DROP_START:
    case GDK_TOUCH_UPDATE:
    case GDK_TOUCH_END:
    case GDK_TOUCH_CANCEL:
    case GDK_PAD_BUTTON_PRESS:
    case GDK_PAD_BUTTON_RELEASE:
    case GDK_PAD_RING:
    case GDK_PAD_STRIP:
    case GDK_PAD_GROUP_MODE:
    case GDK_GRAB_BROKEN:
    case GDK_EVENT_LAST:
    default:
      break;
    }
  return GDK_EVENT_PROPAGATE;
}

static void
window_added_cb (GtkApplication *application,
                 GtkWindow      *window,
                 gpointer        user_data)
{
  GtkEventController *controller = gtk_event_controller_legacy_new ();

  /* Capture phase: every event passes through here before any widget can
   * stop it, and is always passed on. */
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "event", G_CALLBACK (window_event_cb), user_data);
  gtk_widget_add_controller (GTK_WIDGET (window), controller);
}

static void
idle_lock_time_changed_cb (GSettings  *settings,
                           const char *key,
                           gpointer    user_data)
{
  schedule_idle_lock (user_data);
}

static void
screensaver_active_cb (GObject    *object,
                       GParamSpec *pspec,
                       gpointer    user_data)
{
  LiaApplication *self = user_data;
  gboolean active = FALSE;

  g_object_get (object, "screensaver-active", &active, NULL);
  if (active && g_settings_get_boolean (self->settings, "lock-with-screen"))
    lia_application_lock (self);
}

/* ---- store ----------------------------------------------------------------- */

static void demo_unlocked_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
exists_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (LiaApplication) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean exists = lia_store_worker_exists_finish (LIA_STORE_WORKER (source), result, &error);

  set_state (self, exists ? LIA_APP_STATE_LOCKED : LIA_APP_STATE_NEW);
  /* The demonstration's council opens without asking: its passphrase is
   * no secret (the data are fictional). */
  if (exists && self->demo_runner != NULL)
    lia_application_unlock_async (self, lia_demo_runner_get_passphrase (self->demo_runner), NULL,
                                  demo_unlocked_cb, NULL);
}

static void
fail (LiaApplication *self,
      const char     *message)
{
  g_free (self->failure);
  self->failure = g_strdup (message);
  set_state (self, LIA_APP_STATE_FAILED);
}

static void
demo_unlocked_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  LiaApplication *self = LIA_APPLICATION (source);
  g_autoptr (GError) error = NULL;
  GtkWindow *window;

  if (!lia_application_unlock_finish (self, result, &error))
    {
      g_autofree char *message = lia_error_describe (error);

      fail (self, message);
      return;
    }
  /* Straight to the case, where the others' records will arrive. */
  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (LIA_IS_WINDOW (window) && lia_demo_runner_get_case_id (self->demo_runner) != NULL)
    lia_window_open_case (LIA_WINDOW (window), lia_demo_runner_get_case_id (self->demo_runner));
  lia_demo_runner_start_others (self->demo_runner);
}

static void
demo_message_cb (LiaDemoRunner *runner,
                 const char    *text,
                 gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (user_data);

  if (LIA_IS_WINDOW (window))
    lia_window_toast (LIA_WINDOW (window), text);
}

static void
demo_prepared_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (LiaApplication) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!lia_demo_runner_prepare_finish (LIA_DEMO_RUNNER (source), result, &error))
    {
      if (!lia_error_is_cancelled (error))
        fail (self, error->message);
      return;
    }
  lia_store_worker_exists_async (self->worker, NULL, exists_cb, g_object_ref (self));
}

static void
worker_locked_cb (LiaStoreWorker *worker,
                  gpointer        user_data)
{
  g_debug ("Store locked; every key wiped");
}

static void check_deadlines (LiaApplication *self);
static gboolean deadline_timer_cb (gpointer user_data);
static void start_sync (LiaApplication *self);

static void
opened (LiaApplication *self)
{
  self->last_activity = g_get_monotonic_time ();
  g_clear_object (&self->session);
  self->session = g_cancellable_new ();
  set_state (self, LIA_APP_STATE_UNLOCKED);
  start_sync (self);
  schedule_idle_lock (self);
  check_deadlines (self);
  self->deadline_source = g_timeout_add_seconds (DEADLINE_CHECK_SECONDS, deadline_timer_cb, self);
}

static void
unlocked_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  LiaApplication *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!lia_store_worker_unlock_finish (LIA_STORE_WORKER (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  opened (self);
  g_task_return_boolean (task, TRUE);
}

void
lia_application_unlock_async (LiaApplication     *self,
                              const char         *passphrase,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (LIA_IS_APPLICATION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lia_application_unlock_async);
  lia_store_worker_unlock_async (self->worker, passphrase, cancellable, unlocked_cb, task);
}

gboolean
lia_application_unlock_finish (LiaApplication *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  LiaApplication *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!lia_store_worker_create_finish (LIA_STORE_WORKER (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  opened (self);
  g_task_return_boolean (task, TRUE);
}

void
lia_application_create_async (LiaApplication     *self,
                              const char         *org_name,
                              LiaOrgKind          kind,
                              const char         *backup_path,
                              const char         *backup_passphrase,
                              const char         *passphrase,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (LIA_IS_APPLICATION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, lia_application_create_async);
  lia_store_worker_create_async (self->worker, org_name, kind, backup_path, backup_passphrase,
                                 passphrase, cancellable, created_cb, task);
}

gboolean
lia_application_create_finish (LiaApplication *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
lia_application_lock (LiaApplication *self)
{
  g_return_if_fail (LIA_IS_APPLICATION (self));

  if (self->state != LIA_APP_STATE_UNLOCKED)
    return;
  g_clear_handle_id (&self->idle_source, g_source_remove);
  /* The windows drop everything they show as soon as the state changes,
   * and every other window (dialogs, the peers) closes; the keys go once
   * the store's queued jobs have run. */
  {
    g_autoptr (GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));

    for (GList *l = windows; l != NULL; l = l->next)
      if (!LIA_IS_WINDOW (l->data))
        gtk_window_destroy (l->data);
  }
  g_clear_handle_id (&self->deadline_source, g_source_remove);
  g_cancellable_cancel (self->session);
  g_hash_table_remove_all (self->told);
  g_application_withdraw_notification (G_APPLICATION (self), "deadlines");
  g_application_withdraw_notification (G_APPLICATION (self), "material");
  g_clear_handle_id (&self->restart_source, g_source_remove);
  set_state (self, LIA_APP_STATE_LOCKED);
  /* The engine lets go of the store first (its stop is queued before the
   * lock). */
  lia_sync_service_stop (self->sync);
  lia_store_worker_lock (self->worker);
}

/* ---- sync ------------------------------------------------------------------ */

/* Where this node listens: the demonstration's loopback endpoint, or the
 * address and port in the settings. */
static char *
listen_endpoint (LiaApplication *self)
{
  g_autofree char *address = NULL;
  guint16 port;

  if (self->demo_runner != NULL)
    return g_strdup (lia_demo_runner_get_council_endpoint (self->demo_runner));
  address = g_strstrip (g_settings_get_string (self->settings, "listen-address"));
  g_settings_get (self->settings, "listen-port", "q", &port);
  if (strchr (address, ':') != NULL && address[0] != '[')
    return g_strdup_printf ("tcp://[%s]:%u", address, port);
  return g_strdup_printf ("tcp://%s:%u", address, port);
}

static void
start_sync (LiaApplication *self)
{
  g_autofree char *endpoint = listen_endpoint (self);

  lia_sync_service_start (self->sync, endpoint);
}

static gboolean
restart_sync_cb (gpointer user_data)
{
  LiaApplication *self = user_data;

  self->restart_source = 0;
  if (self->state == LIA_APP_STATE_UNLOCKED)
    {
      lia_sync_service_stop (self->sync);
      start_sync (self);
    }
  return G_SOURCE_REMOVE;
}

static void
listen_changed_cb (GSettings  *settings,
                   const char *key,
                   gpointer    user_data)
{
  LiaApplication *self = user_data;

  if (self->demo_runner != NULL || self->state != LIA_APP_STATE_UNLOCKED)
    return;
  g_clear_handle_id (&self->restart_source, g_source_remove);
  self->restart_source = g_timeout_add (LISTEN_RESTART_MS, restart_sync_cb, self);
}

static void
material_arrived_cb (LiaSyncService *sync,
                     const char     *peer_name,
                     guint           count,
                     GStrv           case_ids,
                     gpointer        user_data)
{
  LiaApplication *self = user_data;
  g_autoptr (GNotification) notification = NULL;
  g_autofree char *body = NULL;
  guint n_cases = case_ids != NULL ? g_strv_length (case_ids) : 0;

  if (self->state != LIA_APP_STATE_UNLOCKED)
    return;
  notification = g_notification_new (_("New material has arrived"));
  /* Who sent how much, not what: a notification can show on a locked
   * screen (see the deadlines below). */
  if (n_cases > 1)
    /* Translators: "12 items from Northshire Police in 3 cases" */
    body = g_strdup_printf (ngettext ("%u item from %s in %u cases. Open Liaison to see it.",
                                      "%u items from %s in %u cases. Open Liaison to see them.",
                                      count),
                            count, peer_name, n_cases);
  else
    body = g_strdup_printf (ngettext ("%u item from %s. Open Liaison to see it.",
                                      "%u items from %s. Open Liaison to see them.", count),
                            count, peer_name);
  g_notification_set_body (notification, body);
  /* Activating it opens the case that received the latest. */
  if (n_cases > 0)
    g_notification_set_default_action_and_target (notification, "app.open-case", "s",
                                                  case_ids[0]);
  g_application_send_notification (G_APPLICATION (self), "material", notification);
}

LiaSyncService *
lia_application_get_sync (LiaApplication *self)
{
  g_return_val_if_fail (LIA_IS_APPLICATION (self), NULL);
  return self->sync;
}

/* ---- deadline notifications ------------------------------------------------ */

typedef struct
{
  GPtrArray *due;      /* owned LiaMilestone: open, due today or overdue */
} DueNow;

static void
due_now_free (DueNow *due)
{
  g_ptr_array_unref (due->due);
  g_free (due);
}

static gpointer
deadlines_job (LiaStore     *store,
               gpointer      user_data,
               GCancellable *cancellable,
               GError      **error)
{
  g_autoptr (GPtrArray) milestones = NULL;
  DueNow *due;
  GDate today;

  lia_get_today (&today);
  milestones = lia_deadlines_for_store (store, NULL, &today, TRUE, &today, error);
  if (milestones == NULL)
    return NULL;
  due = g_new0 (DueNow, 1);
  due->due = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_milestone_free);
  /* Sorted by due date: the overdue first, then today's. */
  for (guint i = 0; i < milestones->len; i++)
    {
      LiaMilestone *m = milestones->pdata[i];

      if (!lia_milestone_state_is_open (m->state) || !g_date_valid (&m->due))
        continue;
      if (g_date_compare (&m->due, &today) > 0)
        break;
      g_ptr_array_add (due->due, g_steal_pointer (&milestones->pdata[i]));
    }
  return due;
}

static void
deadlines_checked_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr (LiaApplication) self = user_data;
  g_autoptr (GError) error = NULL;
  DueNow *due = lia_store_worker_run_finish (LIA_STORE_WORKER (source), result, &error);
  guint n_new = 0, n_overdue = 0, n_today = 0;
  const LiaMilestone *first_new = NULL;
  GDate today;

  if (due == NULL)
    {
      if (!lia_error_is_cancelled (error))
        g_warning ("Could not look at the deadlines: %s", error->message);
      return;
    }
  lia_get_today (&today);
  for (guint i = 0; i < due->due->len; i++)
    {
      const LiaMilestone *m = due->due->pdata[i];
      g_autofree char *when = lia_date_format (&m->due);
      char *key = g_strdup_printf ("%s|%s|%s", m->case_id, m->key, when);

      if (g_date_compare (&m->due, &today) < 0)
        n_overdue++;
      else
        n_today++;
      if (g_hash_table_add (self->told, key))
        {
          if (first_new == NULL)
            first_new = m;
          n_new++;
        }
    }
  if (n_new > 0)
    {
      g_autoptr (GNotification) notification = g_notification_new (_("Deadlines are due"));
      g_autofree char *body = NULL;

      /* What is due, not which case: a notification can show on a locked
       * screen, and a case's facts are for the people who unlock it. */
      if (n_overdue > 0 && n_today > 0)
        body = g_strdup_printf (_("%u due today and %u overdue. Open Liaison to see them."),
                                n_today, n_overdue);
      else if (n_overdue > 0)
        body = g_strdup_printf (ngettext ("%u deadline is overdue. Open Liaison to see it.",
                                          "%u deadlines are overdue. Open Liaison to see them.",
                                          n_overdue),
                                n_overdue);
      else
        body = g_strdup_printf (ngettext ("%u deadline is due today. Open Liaison to see it.",
                                          "%u deadlines are due today. Open Liaison to see them.",
                                          n_today),
                                n_today);
      g_notification_set_body (notification, body);
      g_notification_set_priority (notification, n_overdue > 0 ? G_NOTIFICATION_PRIORITY_HIGH
                                                               : G_NOTIFICATION_PRIORITY_NORMAL);
      /* Activating it opens the case of the most pressing one. */
      g_notification_set_default_action_and_target (notification, "app.open-case", "s",
                                                    first_new->case_id);
      g_application_send_notification (G_APPLICATION (self), "deadlines", notification);
    }
  due_now_free (due);
}

static void
check_deadlines (LiaApplication *self)
{
  if (self->state != LIA_APP_STATE_UNLOCKED)
    return;
  lia_store_worker_run (self->worker, deadlines_job, g_object_ref (self), g_object_unref,
                        (GDestroyNotify) due_now_free, LIA_STORE_JOB_READS, NULL, self->session,
                        deadlines_checked_cb, g_object_ref (self));
}

static gboolean
deadline_timer_cb (gpointer user_data)
{
  check_deadlines (user_data);
  return G_SOURCE_CONTINUE;
}

/* ---- calendar -------------------------------------------------------------- */

static void
load_calendar_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  /* Reads the last good refresh from the cache, if it changed. */
  g_task_return_pointer (task, lia_calendar_ref_current (), g_object_unref);
}

static void
calendar_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  LiaApplication *self = LIA_APPLICATION (source);
  g_autoptr (LiaCalendar) calendar = g_task_propagate_pointer (G_TASK (result), NULL);

  /* Deadlines counted with the new calendar: every view reloads. */
  if (calendar != NULL && self->state == LIA_APP_STATE_UNLOCKED)
    lia_store_worker_notify_changed (self->worker, NULL);
}

void
lia_application_reload_calendar (LiaApplication *self)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, calendar_loaded_cb, NULL);

  g_return_if_fail (LIA_IS_APPLICATION (self));

  g_task_run_in_thread (task, load_calendar_thread);
}

void
lia_get_today (GDate *out)
{
  const char *fixed = g_getenv ("LIAISON_TODAY");

  /* LIAISON_TODAY fixes the date, as for liaison-cli: for demonstrations
   * and tests whose deadlines must not move with the clock. */
  if (fixed == NULL || !lia_date_parse (fixed, out, NULL))
    lia_date_set_today (out);
}

/* ---- actions --------------------------------------------------------------- */

static void
lock_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  lia_application_lock (user_data);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  g_autoptr (GList) windows = g_list_copy (gtk_application_get_windows (user_data));

  /* Closing each window lets it save its size; the application quits
   * when the last one goes. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
}

/* SIGTERM, SIGINT or SIGHUP (a logout, kill, Ctrl+C in a terminal): quit
 * as Ctrl+Q does, so that the store is locked and its keys wiped, and the
 * demonstration's nodes stopped and its directory removed, rather than
 * dying where it stands. */
static gboolean
quit_signal_cb (gpointer user_data)
{
  g_message ("Asked to stop: quitting");
  g_action_group_activate_action (G_ACTION_GROUP (user_data), "quit", NULL);
  return G_SOURCE_CONTINUE;
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  LiaApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  LiaPreferencesWindow *prefs = lia_preferences_window_new (self);

  gtk_window_set_transient_for (GTK_WINDOW (prefs), parent);
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *app = user_data;
  static const char *developers[] = { "The Liaison developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Liaison"),
                        "application-icon", APPLICATION_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Liaison developers"),
                        "developers", developers,
                        "comments", _("Share safeguarding case records between the organisations "
                                      "around a case, end to end encrypted, on a need-to-know "
                                      "basis, with no central server."),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: your names, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
open_case_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  LiaApplication *self = user_data;
  const char *case_id = g_variant_get_string (parameter, NULL);
  GtkWindow *window;

  g_application_activate (G_APPLICATION (self));
  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (LIA_IS_WINDOW (window))
    lia_window_open_case (LIA_WINDOW (window), case_id);
}

static const GActionEntry app_actions[] = {
  { "lock", lock_action },
  { "quit", quit_action },
  { "preferences", preferences_action },
  { "about", about_action },
  { "open-case", open_case_action, "s" },
};

/* ---- GApplication ---------------------------------------------------------- */

static void
lia_application_startup (GApplication *application)
{
  LiaApplication *self = LIA_APPLICATION (application);
  static const char *lock_accels[] = { "<Control>l", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *prefs_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (lia_application_parent_class)->startup (application);

  lia_crypto_init ();
  lia_crypt_vfs_register ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.lock", lock_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         prefs_accels);

  g_unix_signal_add (SIGTERM, quit_signal_cb, self);
  g_unix_signal_add (SIGINT, quit_signal_cb, self);
  g_unix_signal_add (SIGHUP, quit_signal_cb, self);

  self->settings = g_settings_new (APPLICATION_ID);
  g_signal_connect (self->settings, "changed::idle-lock-time",
                    G_CALLBACK (idle_lock_time_changed_cb), self);
  g_signal_connect (self, "window-added", G_CALLBACK (window_added_cb), self);
  g_signal_connect (self, "notify::screensaver-active", G_CALLBACK (screensaver_active_cb), self);

  if (self->demo)
    {
      g_autoptr (GError) error = NULL;

      self->demo_runner = lia_demo_runner_new (&error);
      if (self->demo_runner == NULL)
        g_error ("Could not make the demonstration's directory: %s", error->message);
      g_free (self->store_dir);
      self->store_dir = g_strdup (lia_demo_runner_get_council_store (self->demo_runner));
      g_signal_connect (self->demo_runner, "message", G_CALLBACK (demo_message_cb), self);
    }
  if (self->store_dir == NULL)
    self->store_dir = g_build_filename (g_get_user_data_dir (), "liaison", NULL);
  self->worker = lia_store_worker_new (self->store_dir);
  g_signal_connect (self->worker, "locked", G_CALLBACK (worker_locked_cb), self);
  self->sync = lia_sync_service_new (self->worker);
  g_signal_connect (self->sync, "material-arrived", G_CALLBACK (material_arrived_cb), self);
  g_signal_connect (self->settings, "changed::listen-address", G_CALLBACK (listen_changed_cb),
                    self);
  g_signal_connect (self->settings, "changed::listen-port", G_CALLBACK (listen_changed_cb), self);
  if (self->demo_runner != NULL)
    lia_demo_runner_prepare_async (self->demo_runner, NULL, demo_prepared_cb,
                                   g_object_ref (self));
  else
    lia_store_worker_exists_async (self->worker, NULL, exists_cb, g_object_ref (self));

  /* The calendar in use is loaded once, off the main thread. */
  lia_application_reload_calendar (self);
}

static void
lia_application_activate (GApplication *application)
{
  LiaApplication *self = LIA_APPLICATION (application);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (lia_window_new (self));
  gtk_window_present (window);
}

static void
lia_application_shutdown (GApplication *application)
{
  LiaApplication *self = LIA_APPLICATION (application);

  g_clear_handle_id (&self->idle_source, g_source_remove);
  g_clear_handle_id (&self->deadline_source, g_source_remove);
  g_clear_handle_id (&self->restart_source, g_source_remove);
  /* The engine stops, queued saves finish, then the keys are wiped. */
  if (self->sync != NULL)
    lia_sync_service_stop (self->sync);
  if (self->worker != NULL)
    lia_store_worker_shutdown (self->worker);
  /* The engine is let go of on this thread, once its stop has run. */
  while (self->sync != NULL && lia_sync_service_is_busy (self->sync))
    g_main_context_iteration (NULL, TRUE);
  /* The demonstration's nodes stop and its directory goes, the council's
   * store (now closed) with it. */
  if (self->demo_runner != NULL)
    lia_demo_runner_stop (self->demo_runner);
  G_APPLICATION_CLASS (lia_application_parent_class)->shutdown (application);
}

static int
lia_application_handle_local_options (GApplication *application,
                                      GVariantDict *options)
{
  LiaApplication *self = LIA_APPLICATION (application);
  const char *store = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("liaison %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_contains (options, "demo"))
    {
      if (g_variant_dict_contains (options, "store"))
        {
          g_printerr ("liaison: --demo makes stores of its own; it does not take --store\n");
          return 1;
        }
      self->demo = TRUE;
      g_application_set_flags (application,
                               g_application_get_flags (application)
                                 | G_APPLICATION_NON_UNIQUE);
    }
  if (g_variant_dict_lookup (options, "store", "^&ay", &store))
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (store);

      self->store_dir = g_file_get_path (file);
      /* Another store is another organisation: its own process, not a
       * window of a Liaison that is already running with the default. */
      g_application_set_flags (application,
                               g_application_get_flags (application)
                                 | G_APPLICATION_NON_UNIQUE);
    }
  return -1;
}

static void
lia_application_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  LiaApplication *self = LIA_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lia_application_dispose (GObject *object)
{
  LiaApplication *self = LIA_APPLICATION (object);

  g_clear_handle_id (&self->idle_source, g_source_remove);
  g_clear_handle_id (&self->deadline_source, g_source_remove);
  g_cancellable_cancel (self->session);
  g_clear_object (&self->session);
  g_clear_pointer (&self->told, g_hash_table_unref);
  g_clear_handle_id (&self->restart_source, g_source_remove);
  g_clear_object (&self->sync);
  g_clear_object (&self->worker);
  g_clear_object (&self->demo_runner);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (lia_application_parent_class)->dispose (object);
}

static void
lia_application_finalize (GObject *object)
{
  LiaApplication *self = LIA_APPLICATION (object);

  g_free (self->store_dir);
  g_free (self->failure);
  G_OBJECT_CLASS (lia_application_parent_class)->finalize (object);
}

static void
lia_application_class_init (LiaApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->get_property = lia_application_get_property;
  object_class->dispose = lia_application_dispose;
  object_class->finalize = lia_application_finalize;

  app_class->startup = lia_application_startup;
  app_class->activate = lia_application_activate;
  app_class->shutdown = lia_application_shutdown;
  app_class->handle_local_options = lia_application_handle_local_options;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, LIA_TYPE_APP_STATE, LIA_APP_STATE_STARTING,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  lia_ui_register_resource ();
}

static const GOptionEntry options[] = {
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and quit"), NULL },
  { "store", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Use the store in DIR instead of the default"), N_("DIR") },
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Run the live demonstration: four organisations on this computer, in a temporary "
       "directory removed afterwards"), NULL },
  { NULL }
};

static void
lia_application_init (LiaApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  self->told = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->last_activity = g_get_monotonic_time ();
}

LiaApplication *
lia_application_new (void)
{
  return g_object_new (LIA_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/uk/liaison/Liaison",
                       /* For ::screensaver-active. */
                       "register-session", TRUE,
                       NULL);
}

LiaAppState
lia_application_get_state (LiaApplication *self)
{
  g_return_val_if_fail (LIA_IS_APPLICATION (self), LIA_APP_STATE_STARTING);

  return self->state;
}

LiaStoreWorker *
lia_application_get_worker (LiaApplication *self)
{
  g_return_val_if_fail (LIA_IS_APPLICATION (self), NULL);

  return self->worker;
}

GSettings *
lia_application_get_settings (LiaApplication *self)
{
  g_return_val_if_fail (LIA_IS_APPLICATION (self), NULL);

  return self->settings;
}

const char *
lia_application_get_failure (LiaApplication *self)
{
  g_return_val_if_fail (LIA_IS_APPLICATION (self), NULL);

  return self->failure;
}

gboolean
lia_application_is_demo (LiaApplication *self)
{
  g_return_val_if_fail (LIA_IS_APPLICATION (self), FALSE);

  return self->demo;
}
