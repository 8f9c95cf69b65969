/* lia-ui-test.c: driving the real application in a test, as a person would.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "lia-test-util.h"
#include "lia-ui-test.h"
#include "lia-util.h"

/* The longest any wait may take before the test fails: far more than
 * anything here needs even under the sanitizers on a loaded machine. */
#define WAIT_LIMIT_SECONDS 300

/* GLib's isolated test directories (G_TEST_OPTION_ISOLATE_DIRS) replace
 * the system data directories too, and GTK then finds neither the MIME
 * database that tells it an icon is SVG nor the icon themes. So the UI
 * tests give each run private user directories of their own instead, set
 * before anything reads them, and keep the system ones. */
static char *private_root;

static void
remove_private_root (void)
{
  if (private_root != NULL && !g_test_subprocess ())
    lia_remove_tree (private_root);
}

static void
set_private_dirs (void)
{
  static const char *const names[][2] = {
    { "HOME", "home" },
    { "XDG_DATA_HOME", "data" },
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_CACHE_HOME", "cache" },
    { "XDG_STATE_HOME", "state" },
    { "XDG_RUNTIME_DIR", "runtime" },
  };
  g_autoptr (GError) error = NULL;

  if (g_getenv ("LIAISON_UI_TEST_ROOT") != NULL)
    {
      /* A subprocess of the test: its parent made them. */
      private_root = g_strdup (g_getenv ("LIAISON_UI_TEST_ROOT"));
      return;
    }
  private_root = g_dir_make_tmp ("liaison-ui-test-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("LIAISON_UI_TEST_ROOT", private_root, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (private_root, names[i][1], NULL);

      g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
      g_setenv (names[i][0], path, TRUE);
    }
  atexit (remove_private_root);
}

void
lia_ui_test_setup_environment (void)
{
  /* The X server of xvfb-run, and the software renderer, which draws the
   * same on every machine (Xvfb has no GL to speak of). */
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  /* No accessibility bus is needed to read the widget tree. */
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("ADW_DISABLE_PORTAL", "1", TRUE);
  set_private_dirs ();
}

void
lia_ui_test_init (int    *argc,
                  char ***argv)
{
  lia_ui_test_setup_environment ();
  g_test_init (argc, argv, NULL);
  lia_test_setup_store_limits ();
}

static LiaUiNotifications *notifications;

typedef struct
{
  LiaUiScenario scenario;
  gpointer      user_data;
  gboolean      started;
} Run;

static gboolean
run_scenario_cb (gpointer user_data)
{
  Run *run = user_data;
  GApplication *app = g_application_get_default ();
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  /* A steady cursor: screenshots come out the same every time, and GTK
   * 4.8's blink timer does not complain about focus that moved while the
   * window had none (Xvfb has no window manager to give it). */
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);
  notifications = lia_ui_notifications_new ();
  run->scenario (LIA_APPLICATION (app), window, run->user_data);
  /* Closing every window ends g_application_run(), as for a person. */
  {
    g_autoptr (GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));

    for (GList *l = windows; l != NULL; l = l->next)
      gtk_window_destroy (l->data);
  }
  /* The notification service stays until the application has stopped:
   * what it notifies while it shuts down (the demonstration's nodes still
   * send) must not find the name gone and fall back to a service that is
   * not there. */
  return G_SOURCE_REMOVE;
}

static void
activated_cb (GApplication *app,
              gpointer      user_data)
{
  Run *run = user_data;

  if (run->started)
    return;
  run->started = TRUE;
  g_idle_add (run_scenario_cb, run);
}

guint
lia_ui_test_listen_port (void)
{
  static guint port;

  if (port == 0)
    {
      g_autoptr (GError) error = NULL;

      port = lia_free_loopback_port (&error);
      g_assert_no_error (error);
    }
  return port;
}

int
lia_ui_test_run_app (const char *const *args,
                     LiaUiScenario      scenario,
                     gpointer           user_data)
{
  g_autoptr (LiaApplication) app = lia_application_new ();
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  Run run = { scenario, user_data, FALSE };
  int status;

  /* The application's node listens on loopback only: never the default
   * 0.0.0.0:7310 of a real installation. */
  {
    g_autoptr (GSettings) settings = g_settings_new ("uk.liaison.Liaison");

    g_settings_set_string (settings, "listen-address", "127.0.0.1");
    g_settings_set_string (settings, "public-host", "127.0.0.1");
    g_settings_set (settings, "listen-port", "q", (guint16) lia_ui_test_listen_port ());
  }
  g_ptr_array_add (argv, (gpointer) "liaison");
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_signal_connect_after (app, "activate", G_CALLBACK (activated_cb), &run);
  status = g_application_run (G_APPLICATION (app), (int) argv->len - 1, (char **) argv->pdata);
  g_clear_pointer (&notifications, lia_ui_notifications_free);
  return status;
}

GtkWidget *
lia_ui_find_in (GtkWidget  *root,
                const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = lia_ui_find_in (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Depth first, mapped widgets only (what is on the screen). */
static GtkWidget *
find_mapped (GtkWidget  *root,
             const char *name)
{
  if (!gtk_widget_get_mapped (root))
    return NULL;
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_mapped (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
lia_ui_find (const char *name)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GtkWidget) window = g_list_model_get_item (toplevels, i);
      GtkWidget *found = find_mapped (window, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
timed_out_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
lia_ui_wait_until (LiaUiCondition condition,
                   gpointer       user_data,
                   const char    *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_LIMIT_SECONDS, timed_out_cb, &timed_out);

  while (!condition (user_data))
    {
      if (timed_out)
        g_error ("Waited %d s for %s", WAIT_LIMIT_SECONDS, what);
      g_main_context_iteration (NULL, TRUE);
    }
  if (!timed_out)
    g_source_remove (id);
}

static gboolean
found_cb (gpointer name)
{
  return lia_ui_find (name) != NULL;
}

GtkWidget *
lia_ui_wait_for (const char *name)
{
  g_autofree char *what = g_strdup_printf ("the widget “%s”", name);

  lia_ui_wait_until (found_cb, (gpointer) name, what);
  return lia_ui_find (name);
}

static gboolean
gone_cb (gpointer name)
{
  return lia_ui_find (name) == NULL;
}

void
lia_ui_wait_gone (const char *name)
{
  g_autofree char *what = g_strdup_printf ("the widget “%s” to go", name);

  lia_ui_wait_until (gone_cb, (gpointer) name, what);
}

typedef struct
{
  LiaApplication *app;
  LiaAppState     state;
} StateWait;

static gboolean
state_cb (gpointer user_data)
{
  StateWait *wait = user_data;

  return lia_application_get_state (wait->app) == wait->state;
}

void
lia_ui_wait_for_state (LiaApplication *app,
                       LiaAppState     state)
{
  StateWait wait = { app, state };
  g_autoptr (GEnumClass) states = g_type_class_ref (LIA_TYPE_APP_STATE);
  g_autofree char *what = g_strdup_printf ("the state %s",
                                           g_enum_get_value (states, state)->value_nick);

  lia_ui_wait_until (state_cb, &wait, what);
}

typedef struct
{
  const char *name;
  const char *text;
} TextWait;

static gboolean
text_cb (gpointer user_data)
{
  TextWait *wait = user_data;
  GtkWidget *label = lia_ui_find (wait->name);

  return label != NULL && GTK_IS_LABEL (label)
         && strstr (gtk_label_get_text (GTK_LABEL (label)), wait->text) != NULL;
}

void
lia_ui_wait_for_text (const char *label_name,
                      const char *text)
{
  TextWait wait = { label_name, text };
  g_autofree char *what = g_strdup_printf ("“%s” in the label “%s”", text, label_name);

  lia_ui_wait_until (text_cb, &wait, what);
}

static GtkWidget *
find_label_with (GtkWidget  *root,
                 const char *text)
{
  if (!gtk_widget_get_mapped (root))
    return NULL;
  if (GTK_IS_LABEL (root) && strstr (gtk_label_get_text (GTK_LABEL (root)), text) != NULL)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label_with (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
any_text_cb (gpointer text)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (find_label_with (window, text) != NULL)
        return TRUE;
    }
  return FALSE;
}

GtkWidget *
lia_ui_wait_for_any_text (const char *text)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  g_autofree char *what = g_strdup_printf ("a label showing “%s”", text);

  lia_ui_wait_until (any_text_cb, (gpointer) text, what);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) window = g_list_model_get_item (toplevels, i);
      GtkWidget *found = find_label_with (window, text);

      if (found != NULL)
        return found;
    }
  g_assert_not_reached ();
}

static gboolean
no_text_cb (gpointer text)
{
  return !any_text_cb (text);
}

void
lia_ui_wait_for_text_gone (const char *text)
{
  g_autofree char *what = g_strdup_printf ("no label to show “%s”", text);

  lia_ui_wait_until (no_text_cb, (gpointer) text, what);
}

void
lia_ui_type (const char *name,
             const char *text)
{
  GtkWidget *widget = lia_ui_wait_for (name);

  g_assert_true (GTK_IS_EDITABLE (widget));
  gtk_editable_set_text (GTK_EDITABLE (widget), text);
}

void
lia_ui_type_long (const char *name,
                  const char *text)
{
  GtkWidget *widget = lia_ui_wait_for (name);

  g_assert_true (GTK_IS_TEXT_VIEW (widget));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget)), text, -1);
}

void
lia_ui_click (const char *name)
{
  GtkWidget *widget = lia_ui_wait_for (name);

  g_assert_true (gtk_widget_is_sensitive (widget));
  /* "clicked", as a press and release of the pointer give it; a button's
   * "activate" (the keyboard's) shows it pressed for a moment first. */
  if (GTK_IS_BUTTON (widget))
    g_signal_emit_by_name (widget, "clicked");
  else
    g_assert_true (gtk_widget_activate (widget));
}

const char *
lia_ui_label_text (const char *name)
{
  GtkWidget *widget = lia_ui_wait_for (name);

  g_assert_true (GTK_IS_LABEL (widget));
  return gtk_label_get_text (GTK_LABEL (widget));
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  ++*(guint *) user_data;
  return G_SOURCE_CONTINUE;
}

static gboolean
frames_cb (gpointer user_data)
{
  return *(guint *) user_data >= 4;
}

void
lia_ui_settle (GtkWidget *widget)
{
  guint frames = 0;
  guint id = gtk_widget_add_tick_callback (widget, tick_cb, &frames, NULL);

  gtk_widget_queue_draw (widget);
  lia_ui_wait_until (frames_cb, &frames, "four frames");
  gtk_widget_remove_tick_callback (widget, id);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

void
lia_ui_screenshot (GtkWidget  *widget,
                   const char *name)
{
  GtkWidget *window = GTK_WIDGET (gtk_widget_get_native (widget));
  int width, height;
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GtkSnapshot) snapshot = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR") != NULL
                                             ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                           "screenshots", NULL);
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);

  lia_ui_settle (window);
  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Screenshot: %s", path);
}

/* ---- a notification service ------------------------------------------------ */

struct _LiaUiNotifications
{
  GDBusConnection *connection;     /* owned: a connection of its own */
  guint            owner_id;
  guint            object_id;
  GHashTable      *received;       /* id → a{sv} */
  gboolean         owned;
};

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.gtk.Notifications'>"
  "    <method name='AddNotification'>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/>"
  "    </method>"
  "    <method name='RemoveNotification'>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
notifications_method_cb (GDBusConnection       *connection,
                         const char            *sender,
                         const char            *object_path,
                         const char            *interface_name,
                         const char            *method_name,
                         GVariant              *parameters,
                         GDBusMethodInvocation *invocation,
                         gpointer               user_data)
{
  LiaUiNotifications *self = user_data;

  if (g_str_equal (method_name, "AddNotification"))
    {
      const char *app_id, *id;
      GVariant *notification;

      g_variant_get (parameters, "(&s&s@a{sv})", &app_id, &id, &notification);
      g_hash_table_insert (self->received, g_strdup (id), notification);
    }
  else
    {
      const char *app_id, *id;

      g_variant_get (parameters, "(&s&s)", &app_id, &id);
      g_hash_table_remove (self->received, id);
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable notifications_vtable = { notifications_method_cb };

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  ((LiaUiNotifications *) user_data)->owned = TRUE;
}

static gboolean
owned_cb (gpointer user_data)
{
  return ((LiaUiNotifications *) user_data)->owned;
}

LiaUiNotifications *
lia_ui_notifications_new (void)
{
  LiaUiNotifications *self = g_new0 (LiaUiNotifications, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, &error);
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  self->received = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_variant_unref);
  self->connection = g_dbus_connection_new_for_address_sync (
    address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
               | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
  self->object_id = g_dbus_connection_register_object (self->connection, "/org/gtk/Notifications",
                                                       info->interfaces[0], &notifications_vtable,
                                                       self, NULL, &error);
  g_assert_no_error (error);
  self->owner_id = g_bus_own_name_on_connection (self->connection, "org.gtk.Notifications",
                                                 G_BUS_NAME_OWNER_FLAGS_NONE, name_acquired_cb,
                                                 NULL, self, NULL);
  lia_ui_wait_until (owned_cb, self, "the notification service's name");
  return self;
}

void
lia_ui_notifications_free (LiaUiNotifications *self)
{
  g_bus_unown_name (self->owner_id);
  g_dbus_connection_unregister_object (self->connection, self->object_id);
  g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_object_unref (self->connection);
  g_hash_table_unref (self->received);
  g_free (self);
}

typedef struct
{
  LiaUiNotifications *self;
  const char         *id;
} NotificationWait;

static gboolean
notification_cb (gpointer user_data)
{
  NotificationWait *wait = user_data;

  return g_hash_table_contains (wait->self->received, wait->id);
}

GVariant *
lia_ui_notifications_wait (LiaUiNotifications *self,
                           const char         *id)
{
  NotificationWait wait = { self, id };
  g_autofree char *what = g_strdup_printf ("the notification “%s”", id);

  lia_ui_wait_until (notification_cb, &wait, what);
  return g_hash_table_lookup (self->received, id);
}

LiaUiNotifications *
lia_ui_notifications_get (void)
{
  g_assert_nonnull (notifications);
  return notifications;
}
