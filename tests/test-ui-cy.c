/* test-ui-cy.c: the desktop application in Welsh.
 *
 * The real application, driven as test-ui.c drives it, in a Welsh
 * session: LANGUAGE=cy and LC_ALL=cy_GB.UTF-8 (from tests/meson.build,
 * which builds that locale into the build tree with localedef, so that no
 * root and no locale-gen are needed), with the catalogue that the build
 * compiles from po/cy.po. Its main window's strings must be the
 * catalogue's, not the English they are looked up by, and its dates must
 * be in Welsh. A screenshot of the window is saved as
 * BUILDDIR/tests/screenshots/ui-cy.png (the test log names it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "lia-case.h"
#include "lia-demo.h"
#include "lia-test-util.h"
#include "lia-ui-test.h"

/* LIAISON_TODAY (tests/meson.build) is 14 September 2026: glibc's cy_GB
 * calls September "Medi". Written out here, not formatted, so that the
 * test does not use the code it checks. */
#define TODAY_IN_WELSH "14 Medi 2026"

/* The catalogue's Welsh for @msgid, which must be there: a string that
 * comes back in English means that the catalogue was not found or lacks
 * it, and every check below would then pass for the wrong reason. */
static const char *
welsh (const char *msgid)
{
  const char *text = g_dgettext (GETTEXT_PACKAGE, msgid);

  if (g_str_equal (text, msgid))
    g_error ("“%s” has no Welsh in the catalogue bound from %s", msgid,
             bindtextdomain (GETTEXT_PACKAGE, NULL));
  return text;
}

/* @text as a label shows it: without the mnemonic's underscore. */
static char *
without_mnemonic (const char *text)
{
  g_autoptr (GString) shown = g_string_new ("");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '_' && p[1] != '\0')
        p++;
      g_string_append_c (shown, *p);
    }
  return g_string_free (g_steal_pointer (&shown), FALSE);
}

static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  if (!gtk_widget_get_mapped (root))
    return NULL;
  if (GTK_IS_LABEL (root) && g_str_equal (gtk_label_get_text (GTK_LABEL (root)), text))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  GtkWindow  *window;
  const char *text;
} LabelWait;

static gboolean
label_shown_cb (gpointer user_data)
{
  LabelWait *wait = user_data;

  return find_label (GTK_WIDGET (wait->window), wait->text) != NULL;
}

/* Waits until a label on @window shows exactly the Welsh of @msgid. */
static void
wait_for_welsh_label (GtkWindow  *window,
                      const char *msgid)
{
  g_autofree char *text = without_mnemonic (welsh (msgid));
  LabelWait wait = { window, text };

  lia_ui_wait_until (label_shown_cb, &wait, text);
  g_test_message ("On screen: “%s” for “%s”", text, msgid);
}

/* The button named @name is labelled with the Welsh of @msgid. */
static void
assert_welsh_button (const char *name,
                     const char *msgid)
{
  GtkWidget *button = lia_ui_wait_for (name);

  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, welsh (msgid));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), !=, msgid);
}

static gboolean
row_titled_cb (gpointer user_data)
{
  const char *expected = user_data;
  GtkWidget *row = lia_ui_find ("timeline-today");

  return row != NULL
         && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), expected) == 0;
}

static void
welsh_scenario (LiaApplication *app,
                GtkWindow      *window,
                gpointer        user_data)
{
  static const char *const pages[][2] = {
    { "overview", "Overview" },
    { "chronology", "Chronology" },
    { "records", "Records" },
    { "requests", "Requests" },
    { "sharing", "Sharing" },
    { "log", "Disclosure log" },
    { "actions", "Actions" },
  };
  GtkWidget *list;
  AdwViewStack *stack;
  g_autofree char *today = NULL;

  gtk_window_set_default_size (window, 1280, 820);

  /* The lock screen, in Welsh. */
  lia_ui_wait_for_state (app, LIA_APP_STATE_LOCKED);
  wait_for_welsh_label (window, "Liaison is locked");
  assert_welsh_button ("unlock-button", "_Unlock");
  lia_ui_type ("unlock-passphrase", LIA_TEST_PASSPHRASE);
  lia_ui_click ("unlock-button");

  /* The case list: its header and its filters. */
  list = lia_ui_wait_for ("case-list");
  lia_ui_wait_for_any_text ("Child A, Northmoor");
  wait_for_welsh_label (window, "Cases");
  assert_welsh_button ("filter-open", "Open");
  assert_welsh_button ("filter-overdue", "Overdue");

  /* A case: the titles of its pages, its overview's headings and its
   * button. */
  g_assert_true (gtk_widget_activate_action (list, "list.activate-item", "u", 0));
  lia_ui_wait_for ("timeline-today");
  stack = ADW_VIEW_STACK (lia_ui_wait_for ("case-pages"));
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      AdwViewStackPage *page = adw_view_stack_get_page (stack,
                                                        adw_view_stack_get_child_by_name (stack,
                                                                                          pages[i][0]));

      g_assert_cmpstr (adw_view_stack_page_get_title (page), ==, welsh (pages[i][1]));
    }
  wait_for_welsh_label (window, "Overview");
  wait_for_welsh_label (window, "Case");
  wait_for_welsh_label (window, "Local authority area");
  wait_for_welsh_label (window, "Statutory timeline");
  assert_welsh_button ("overview-edit", "_Edit…");
  /* A milestone's title and state: the core library's words
   * (app/lia-deadlines.c), which the application translates too. */
  wait_for_welsh_label (window, "Notify the Panel of the serious incident");
  wait_for_welsh_label (window, "Met");

  /* A date: today on the statutory timeline, its month in Welsh. */
  /* The catalogue's "Today, %s" with the date put in by hand: the
   * format is not a literal, which the compiler rightly refuses. */
  {
    GString *text = g_string_new (welsh ("Today, %s"));

    g_assert_cmpuint (g_string_replace (text, "%s", TODAY_IN_WELSH, 1), ==, 1);
    today = g_string_free (text, FALSE);
  }
  lia_ui_wait_until (row_titled_cb, today, today);
  g_test_message ("On screen: “%s”", today);

  lia_ui_screenshot (GTK_WIDGET (window), "ui-cy");
}

static void
test_welsh (void)
{
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GBytes) demo = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  LiaDemoResult result = { 0 };

  if (!g_test_subprocess ())
    {
      g_autofree char *screenshot = g_test_build_filename (G_TEST_BUILT, "screenshots",
                                                           "ui-cy.png", NULL);

      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      /* Said here, in the test log: the subprocess's own messages go to
       * its captured output. */
      g_assert_true (g_file_test (screenshot, G_FILE_TEST_IS_REGULAR));
      g_test_message ("The Welsh main window: %s", screenshot);
      return;
    }
  store = lia_test_create_store ("Northmoor Borough Council (demo)");
  demo = lia_demo_get_default (&error);
  g_assert_no_error (error);
  g_assert_true (lia_demo_load (store, demo, NULL, FALSE, &result, &error));
  g_assert_no_error (error);
  lia_demo_result_clear (&result);
  dir = g_strdup (lia_store_get_directory (store));
  lia_store_lock (store);
  {
    const char *args[] = { "--store", dir, NULL };

    g_assert_cmpint (lia_ui_test_run_app (args, welsh_scenario, NULL), ==, 0);
  }
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("LIAISON_LOCALEDIR");
  const char *locale;

  /* As ui/main.c does, with the build tree's catalogues. */
  locale = setlocale (LC_ALL, "");
  if (locale == NULL || !g_str_has_prefix (setlocale (LC_TIME, NULL), "cy_GB"))
    g_error ("The Welsh locale (LC_ALL=%s, LOCPATH=%s) is not available: tests/meson.build "
             "builds it with localedef from the locales package (scripts/install-deps --test)",
             g_getenv ("LC_ALL"), g_getenv ("LOCPATH"));
  g_assert_nonnull (localedir);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  lia_ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/welsh", test_welsh);
  return g_test_run ();
}
