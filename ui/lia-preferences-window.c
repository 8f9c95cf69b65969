/* lia-preferences-window.c: Liaison's settings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-calendar.h"
#include "lia-errors.h"
#include "lia-preferences-window.h"

/* Seconds a refresh waits for the server. */
#define REFRESH_TIMEOUT 20

struct _LiaPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  LiaApplication *app;          /* borrowed */
  GCancellable   *cancellable;  /* owned: the refresh in progress */

  GtkSpinButton  *idle_spin;
  GtkSwitch      *screen_switch;
  AdwEntryRow    *address_row;
  GtkSpinButton  *port_spin;
  AdwEntryRow    *host_row;
  GtkLabel       *listen_status;
  AdwEntryRow    *url_row;
  AdwActionRow   *refresh_row;
  GtkSpinner     *refresh_spinner;
  GtkButton      *refresh_button;
  GtkLabel       *refresh_status;
};

G_DEFINE_FINAL_TYPE (LiaPreferencesWindow, lia_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The idle time is stored in seconds and shown in minutes. */
static gboolean
seconds_to_minutes (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  g_value_set_double (value, g_variant_get_uint32 (variant) / 60.0);
  return TRUE;
}

static GVariant *
minutes_to_seconds (const GValue       *value,
                    const GVariantType *expected_type,
                    gpointer            user_data)
{
  return g_variant_new_uint32 ((guint32) (g_value_get_double (value) * 60));
}

static gboolean
uint16_to_double (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  g_value_set_double (value, g_variant_get_uint16 (variant));
  return TRUE;
}

static GVariant *
double_to_uint16 (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  return g_variant_new_uint16 ((guint16) g_value_get_double (value));
}

static void
show_calendar_years (LiaPreferencesWindow *self)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_ref_current ();
  g_autofree char *years = g_strdup_printf (_("%d to %d"), lia_calendar_get_first_year (calendar),
                                            lia_calendar_get_last_year (calendar));

  adw_action_row_set_subtitle (self->refresh_row, years);
}

static void
refresh_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  LiaCalendarRefreshResult outcome;
  GError *error = NULL;

  if (lia_calendar_refresh (task_data, NULL, REFRESH_TIMEOUT, &outcome, cancellable, &error))
    g_task_return_int (task, outcome);
  else
    g_task_return_error (task, error);
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LiaPreferencesWindow *self;
  g_autoptr (GError) error = NULL;
  gssize outcome = g_task_propagate_int (G_TASK (result), &error);

  if (lia_error_is_cancelled (error))
    return;
  self = LIA_PREFERENCES_WINDOW (user_data);
  gtk_spinner_set_spinning (self->refresh_spinner, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->refresh_button), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->refresh_status), TRUE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->refresh_status), "error");
  if (error != NULL)
    {
      g_autofree char *message = lia_error_describe (error);

      gtk_label_set_text (self->refresh_status, message);
      gtk_widget_add_css_class (GTK_WIDGET (self->refresh_status), "error");
      return;
    }
  if (outcome == LIA_CALENDAR_REFRESH_UPDATED)
    {
      gtk_label_set_text (self->refresh_status, _("Updated. Deadlines are now counted with the "
                                                  "new bank holidays."));
      lia_application_reload_calendar (self->app);
    }
  else
    gtk_label_set_text (self->refresh_status, _("Already up to date."));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  LiaPreferencesWindow *self = LIA_PREFERENCES_WINDOW (widget);
  g_autoptr (GTask) task = NULL;
  g_autofree char *url = g_settings_get_string (lia_application_get_settings (self->app),
                                                "bank-holiday-url");

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  gtk_spinner_set_spinning (self->refresh_spinner, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->refresh_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->refresh_status), FALSE);
  /* libsoup in a thread of its own: the network never holds up the
   * window. */
  task = g_task_new (self, self->cancellable, refreshed_cb, self);
  g_task_set_task_data (task, g_steal_pointer (&url), g_free);
  g_task_run_in_thread (task, refresh_thread);
}

/* Whether Liaison listens where the settings say, or why not. */
static void
show_listen_status (LiaPreferencesWindow *self)
{
  LiaSyncService *sync = lia_application_get_sync (self->app);
  g_autofree char *text = NULL;

  gtk_widget_remove_css_class (GTK_WIDGET (self->listen_status), "error");
  switch (lia_sync_service_get_status (sync))
    {
    case LIA_SYNC_SERVICE_RUNNING:
      text = g_strdup_printf (_("Listening for peers at %s."),
                              lia_sync_service_get_listen_endpoint (sync));
      break;
    case LIA_SYNC_SERVICE_STARTING:
      text = g_strdup (_("Starting to sync…"));
      break;
    case LIA_SYNC_SERVICE_FAILED:
      text = g_strdup (lia_sync_service_get_error (sync));
      gtk_widget_add_css_class (GTK_WIDGET (self->listen_status), "error");
      break;
    case LIA_SYNC_SERVICE_STOPPED:
    default:
      text = g_strdup (_("Liaison listens for its peers while it is unlocked."));
      break;
    }
  gtk_label_set_text (self->listen_status, text);
}

static void
calendar_changed_cb (LiaStoreWorker *worker,
                     const char     *case_id,
                     gpointer        user_data)
{
  show_calendar_years (user_data);
}

static void
lia_preferences_window_dispose (GObject *object)
{
  LiaPreferencesWindow *self = LIA_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_PREFERENCES_WINDOW);
  G_OBJECT_CLASS (lia_preferences_window_parent_class)->dispose (object);
}

static void
lia_preferences_window_class_init (LiaPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaPreferencesWindow, idle_spin);
  gtk_widget_class_bind_template_child (widget_class, LiaPreferencesWindow, screen_switch);
  gtk_widget_class_bind_template_child (widget_class, LiaPreferencesWindow, address_row);
  gtk_widget_class_bind_template_child (widget_class, LiaPreferencesWindow, port_spin);
  gtk_widget_class_bind_template_child (widget_class, LiaPreferencesWindow, host_row);
  gtk_widget_class_bind_template_child (widget_class, LiaPreferencesWindow, listen_status);
  gtk_widget_class_bind_template_child (widget_class, LiaPreferencesWindow, url_row);
  gtk_widget_class_bind_template_child (widget_class, LiaPreferencesWindow, refresh_row);
  gtk_widget_class_bind_template_child (widget_class, LiaPreferencesWindow, refresh_spinner);
  gtk_widget_class_bind_template_child (widget_class, LiaPreferencesWindow, refresh_button);
  gtk_widget_class_bind_template_child (widget_class, LiaPreferencesWindow, refresh_status);

  gtk_widget_class_install_action (widget_class, "prefs.refresh", NULL, refresh_action);
}

static void
lia_preferences_window_init (LiaPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LiaPreferencesWindow *
lia_preferences_window_new (LiaApplication *application)
{
  LiaPreferencesWindow *self;
  GSettings *settings = lia_application_get_settings (application);

  self = g_object_new (LIA_TYPE_PREFERENCES_WINDOW, "application", application, NULL);
  self->app = application;
  g_settings_bind_with_mapping (settings, "idle-lock-time", self->idle_spin, "value",
                                G_SETTINGS_BIND_DEFAULT, seconds_to_minutes, minutes_to_seconds,
                                NULL, NULL);
  g_settings_bind (settings, "lock-with-screen", self->screen_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "listen-address", self->address_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "listen-port", self->port_spin, "value",
                                G_SETTINGS_BIND_DEFAULT, uint16_to_double, double_to_uint16, NULL,
                                NULL);
  g_settings_bind (settings, "public-host", self->host_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "bank-holiday-url", self->url_row, "text", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (lia_application_get_worker (application), "changed",
                           G_CALLBACK (calendar_changed_cb), self, 0);
  g_signal_connect_object (lia_application_get_sync (application), "notify::status",
                           G_CALLBACK (show_listen_status), self, G_CONNECT_SWAPPED);
  show_calendar_years (self);
  show_listen_status (self);
  return self;
}
