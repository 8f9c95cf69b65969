/* lia-window.c: the main window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-main-page.h"
#include "lia-setup-page.h"
#include "lia-unlock-page.h"
#include "lia-window.h"

struct _LiaWindow
{
  AdwApplicationWindow parent_instance;

  LiaApplication      *app;          /* borrowed: the application outlives its windows */
  char                *pending_case; /* owned: to open once unlocked */

  /* Template children. */
  AdwToastOverlay     *toast_overlay;
  GtkStack            *stack;
  LiaSetupPage        *setup_page;
  LiaUnlockPage       *unlock_page;
  AdwBin              *main_bin;
  AdwStatusPage       *failed_page;
};

G_DEFINE_FINAL_TYPE (LiaWindow, lia_window, ADW_TYPE_APPLICATION_WINDOW)

static LiaMainPage *
get_main_page (LiaWindow *self)
{
  GtkWidget *child = adw_bin_get_child (self->main_bin);

  return LIA_IS_MAIN_PAGE (child) ? LIA_MAIN_PAGE (child) : NULL;
}

static void
update_state (LiaWindow *self)
{
  LiaAppState state = lia_application_get_state (self->app);

  if (state != LIA_APP_STATE_UNLOCKED && get_main_page (self) != NULL)
    {
      /* Everything the cases showed goes with the keys: the page and its
       * models are destroyed, not hidden. */
      adw_bin_set_child (self->main_bin, NULL);
    }

  switch (state)
    {
    case LIA_APP_STATE_STARTING:
      gtk_stack_set_visible_child_name (self->stack, "starting");
      break;
    case LIA_APP_STATE_NEW:
      gtk_stack_set_visible_child_name (self->stack, "setup");
      break;
    case LIA_APP_STATE_FAILED:
      adw_status_page_set_description (self->failed_page,
                                       lia_application_get_failure (self->app));
      gtk_stack_set_visible_child_name (self->stack, "failed");
      break;
    case LIA_APP_STATE_LOCKED:
      lia_unlock_page_reset (self->unlock_page);
      gtk_stack_set_visible_child_name (self->stack, "unlock");
      lia_unlock_page_focus (self->unlock_page);
      break;
    case LIA_APP_STATE_UNLOCKED:
      if (get_main_page (self) == NULL)
        {
          LiaMainPage *page = lia_main_page_new (self->app);

          adw_bin_set_child (self->main_bin, GTK_WIDGET (page));
          if (self->pending_case != NULL)
            {
              lia_main_page_open_case (page, self->pending_case);
              g_clear_pointer (&self->pending_case, g_free);
            }
        }
      gtk_stack_set_visible_child_name (self->stack, "main");
      lia_setup_page_reset (self->setup_page);
      lia_unlock_page_reset (self->unlock_page);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
state_changed_cb (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  update_state (user_data);
}

static gboolean
lia_window_close_request (GtkWindow *window)
{
  LiaWindow *self = LIA_WINDOW (window);
  GSettings *settings = lia_application_get_settings (self->app);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (window));
  return GTK_WINDOW_CLASS (lia_window_parent_class)->close_request (window);
}

static void
lia_window_dispose (GObject *object)
{
  LiaWindow *self = LIA_WINDOW (object);

  if (self->app != NULL)
    g_signal_handlers_disconnect_by_func (self->app, state_changed_cb, self);
  self->app = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_WINDOW);
  G_OBJECT_CLASS (lia_window_parent_class)->dispose (object);
}

static void
lia_window_realize (GtkWidget *widget)
{
  LiaWindow *self = LIA_WINDOW (widget);

  GTK_WIDGET_CLASS (lia_window_parent_class)->realize (widget);
  /* A cross-fade between the window's pages (starting, locked, the cases)
   * draws both whole pages into layers and blends them, every frame for a
   * fifth of a second. A GPU does that for nothing; GTK's software
   * renderer (no GPU, or none it can use) takes tens of milliseconds a
   * frame over a large window, long enough to stall the main loop at the
   * moment the person is waiting for the cases. Without a GPU the pages
   * change at once. */
  if (GSK_IS_CAIRO_RENDERER (gtk_native_get_renderer (GTK_NATIVE (self))))
    gtk_stack_set_transition_type (self->stack, GTK_STACK_TRANSITION_TYPE_NONE);
}

static void
lia_window_finalize (GObject *object)
{
  LiaWindow *self = LIA_WINDOW (object);

  g_free (self->pending_case);
  G_OBJECT_CLASS (lia_window_parent_class)->finalize (object);
}

static void
lia_window_class_init (LiaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = lia_window_dispose;
  object_class->finalize = lia_window_finalize;
  widget_class->realize = lia_window_realize;
  window_class->close_request = lia_window_close_request;

  g_type_ensure (LIA_TYPE_SETUP_PAGE);
  g_type_ensure (LIA_TYPE_UNLOCK_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, LiaWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, LiaWindow, setup_page);
  gtk_widget_class_bind_template_child (widget_class, LiaWindow, unlock_page);
  gtk_widget_class_bind_template_child (widget_class, LiaWindow, main_bin);
  gtk_widget_class_bind_template_child (widget_class, LiaWindow, failed_page);
}

static void
lia_window_init (LiaWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LiaWindow *
lia_window_new (LiaApplication *application)
{
  LiaWindow *self;
  GSettings *settings;

  g_return_val_if_fail (LIA_IS_APPLICATION (application), NULL);

  self = g_object_new (LIA_TYPE_WINDOW, "application", application, NULL);
  self->app = application;
  settings = lia_application_get_settings (application);
  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (settings, "window-width"),
                               g_settings_get_int (settings, "window-height"));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  lia_setup_page_set_application (self->setup_page, application);
  lia_unlock_page_set_application (self->unlock_page, application);
  g_signal_connect (application, "notify::state", G_CALLBACK (state_changed_cb), self);
  update_state (self);
  return self;
}

void
lia_window_open_case (LiaWindow  *self,
                      const char *case_id)
{
  LiaMainPage *page;

  g_return_if_fail (LIA_IS_WINDOW (self));
  g_return_if_fail (case_id != NULL);

  page = get_main_page (self);
  if (page != NULL)
    lia_main_page_open_case (page, case_id);
  else
    {
      g_free (self->pending_case);
      self->pending_case = g_strdup (case_id);
    }
}

void
lia_window_toast (LiaWindow  *self,
                  const char *message)
{
  g_return_if_fail (LIA_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}
