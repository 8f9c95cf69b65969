/* lia-ui-test.h: driving the real application in a test, as a person would.
 *
 * Each UI test runs the application in a subprocess of its own
 * (g_test_trap_subprocess), with g_application_run() and real command-line
 * arguments, exactly as it runs for a person. Once its window is shown, the
 * test's scenario runs inside it: it finds widgets by their names (the
 * "name" property the .ui files give every control a test or a tool needs),
 * types into them, presses them, activates actions, and waits, by
 * iterating the main loop, until what it expects is on the screen. No
 * private function of the application is called.
 *
 * Waits never sleep: they iterate the main context until a condition
 * holds, and fail after a generous limit only so that a broken build does
 * not hang CI.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-application.h"

G_BEGIN_DECLS

/* What a test does once the window is up. */
typedef void (*LiaUiScenario) (LiaApplication *app,
                               GtkWindow      *window,
                               gpointer        user_data);

/* The environment every UI test needs (the X11 backend, the software
 * renderer, private user directories), without g_test_init(): for the UI
 * benchmark. */
void        lia_ui_test_setup_environment (void);

/* Sets the environment every UI test needs (the X11 backend, the software
 * renderer, the test's GSettings) and the test process's usual set-up. */
void        lia_ui_test_init (int    *argc,
                              char ***argv);

/* The port on 127.0.0.1 that the application's sync engine listens on
 * in this test process (free when first asked for). */
guint       lia_ui_test_listen_port (void);
/* Runs the application with @args (NULL-terminated, without argv[0]) and
 * @scenario in it; the application quits when the scenario returns.
 * Returns its exit status. */
int         lia_ui_test_run_app (const char *const *args,
                                 LiaUiScenario      scenario,
                                 gpointer           user_data);

/* The mapped widget named @name in any of the application's windows, or
 * NULL. */
GtkWidget  *lia_ui_find (const char *name);
/* The same, searching under @root only, mapped or not. */
GtkWidget  *lia_ui_find_in (GtkWidget  *root,
                            const char *name);
/* Iterates the main loop until lia_ui_find (@name) finds it; returns it. */
GtkWidget  *lia_ui_wait_for (const char *name);
/* Iterates until no mapped widget is named @name. */
void        lia_ui_wait_gone (const char *name);

typedef gboolean (*LiaUiCondition) (gpointer user_data);
/* Iterates until @condition holds; @what names it in the failure. */
void        lia_ui_wait_until (LiaUiCondition condition,
                               gpointer       user_data,
                               const char    *what);
/* Iterates until the application's state is @state. */
void        lia_ui_wait_for_state (LiaApplication *app,
                                   LiaAppState     state);
/* Iterates until @label (mapped) shows a text containing @text. */
void        lia_ui_wait_for_text (const char *label_name,
                                  const char *text);

/* Iterates until a mapped label anywhere shows a text containing @text;
 * returns it. */
GtkWidget  *lia_ui_wait_for_any_text (const char *text);

/* Iterates until no mapped label shows a text containing @text. */
void        lia_ui_wait_for_text_gone (const char *text);

/* Types @text into the editable (entry, entry row) named @name. */
void        lia_ui_type (const char *name,
                         const char *text);
/* Replaces the text of the text view named @name. */
void        lia_ui_type_long (const char *name,
                              const char *text);
/* Presses the button named @name. */
void        lia_ui_click (const char *name);
/* The text of the label named @name. */
const char *lia_ui_label_text (const char *name);

/* Lets every pending layout and drawing happen (a few frames). */
void        lia_ui_settle (GtkWidget *widget);
/* Saves @window as it is on the screen to BUILDDIR/screenshots/@name.png. */
void        lia_ui_screenshot (GtkWidget  *window,
                               const char *name);

/* A stand-in for the desktop's notification service (org.gtk.Notifications,
 * which GIO's GNotification uses outside a sandbox), on the test's own
 * session bus: it records what the application sends. */
typedef struct _LiaUiNotifications LiaUiNotifications;

LiaUiNotifications *lia_ui_notifications_new (void);
void                lia_ui_notifications_free (LiaUiNotifications *self);
/* The one every application run by lia_ui_test_run_app() has, started
 * before its scenario: a desktop with a notification service, as people
 * have. */
LiaUiNotifications *lia_ui_notifications_get (void);
/* Iterates until a notification with @id has been sent; returns its
 * a{sv} (borrowed). */
GVariant           *lia_ui_notifications_wait (LiaUiNotifications *self,
                                               const char         *id);

G_END_DECLS
