/* test-ui.c: the desktop application, driven as a person drives it.
 *
 * Every test runs the real application (g_application_run with real
 * arguments) under Xvfb and a D-Bus session, in a subprocess of its own,
 * and works it through the names of its widgets and its actions: typing
 * into entries, pressing buttons, waiting for what should appear. The
 * screens worth seeing are saved as PNG screenshots in the build
 * directory (tests/screenshots/).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lia-backup.h"
#include "lia-case-summary.h"
#include "lia-case.h"
#include "lia-demo.h"
#include "lia-invite.h"
#include "lia-item.h"
#include "lia-peer.h"
#include "lia-record.h"
#include "lia-store-private.h"
#include "lia-test-util.h"
#include "lia-ui-test.h"
#include "lia-util.h"

#define PASSPHRASE "a long passphrase for the test"

/* ---- helpers ----------------------------------------------------------- */

static void
run_in_subprocess (const char *path)
{
  g_test_trap_subprocess (path, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static char *
new_store_dir (void)
{
  g_autofree char *dir = lia_test_make_dir ("ui");

  return g_build_filename (dir, "liaison", NULL);
}

static gboolean
dir_is_empty (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);

  return dir == NULL || g_dir_read_name (dir) == NULL;
}

static void
activate (const char *widget_name,
          const char *action)
{
  g_assert_true (gtk_widget_activate_action (lia_ui_wait_for (widget_name), action, NULL));
}

static gboolean
dialog_done_cb (gpointer name)
{
  GtkWidget *error = lia_ui_find ("form-error");

  return lia_ui_find (name) == NULL || error != NULL;
}

/* Presses the form dialog's button and waits for it to close; a problem
 * it shows instead fails the test with the dialog's own words. */
static void
accept_dialog (const char *name)
{
  GtkWidget *error;

  activate (name, "form.accept");
  lia_ui_wait_until (dialog_done_cb, (gpointer) name, name);
  error = lia_ui_find ("form-error");
  if (error != NULL)
    g_error ("%s refused: %s", name, gtk_label_get_text (GTK_LABEL (error)));
}

static void
fill_setup (const char *name,
            const char *passphrase,
            const char *confirm)
{
  lia_ui_type ("setup-org-name", name);
  lia_ui_type ("setup-passphrase", passphrase);
  lia_ui_type ("setup-confirm", confirm);
}

static void
unlock_with (const char *passphrase)
{
  lia_ui_type ("unlock-passphrase", passphrase);
  lia_ui_click ("unlock-button");
}

/* Answers the save dialog (GtkFileChooserNative's own dialog outside a
 * sandbox) with @path, as a person typing a name and pressing Save. */
static gboolean
chooser_open_cb (gpointer user_data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER_DIALOG (window) && gtk_widget_get_mapped (window))
        {
          *(GtkWidget **) user_data = window;
          return TRUE;
        }
    }
  return FALSE;
}

static void
save_as (const char *path)
{
  GtkWidget *dialog = NULL;

  lia_ui_wait_until (chooser_open_cb, &dialog, "the save dialog");
  /* The whole path typed where the name goes, as a person may type it,
   * and the Save button, which reads it as the dialog does for them. */
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), path);
  g_signal_emit_by_name (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog),
                                                             GTK_RESPONSE_ACCEPT),
                         "clicked");
}

static gboolean
file_exists_cb (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

static void
respond (const char *dialog_name,
         const char *response)
{
  GtkWidget *dialog = lia_ui_wait_for (dialog_name);

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
}

/* Runs the application on @store (locked first, as it would be on disk)
 * with @scenario. */
static void
run_on_store (LiaStore      *store,
              LiaUiScenario  scenario,
              gpointer       user_data)
{
  g_autofree char *dir = g_strdup (lia_store_get_directory (store));
  const char *args[] = { "--store", dir, NULL };

  lia_store_lock (store);
  g_assert_cmpint (lia_ui_test_run_app (args, scenario, user_data), ==, 0);
}

/* ---- first run, lock and unlock ------------------------------------------ */

static void
first_run_scenario (LiaApplication *app,
                    GtkWindow      *window,
                    gpointer        user_data)
{
  const char *store_dir = user_data;
  const char *error;

  lia_ui_wait_for_state (app, LIA_APP_STATE_NEW);
  lia_ui_wait_for ("setup-create");
  lia_ui_screenshot (GTK_WIDGET (window), "first-run");

  /* Nothing filled in: said in place, nothing created. */
  lia_ui_click ("setup-create");
  error = lia_ui_label_text ("setup-error");
  g_assert_nonnull (strstr (error, "name"));
  g_assert_true (dir_is_empty (store_dir));

  /* A passphrase too short. */
  fill_setup ("Northmoor Borough Council", "short", "short");
  lia_ui_click ("setup-create");
  g_assert_nonnull (strstr (lia_ui_label_text ("setup-error"), "12 characters"));
  g_assert_true (dir_is_empty (store_dir));

  /* Two passphrases that differ. */
  fill_setup ("Northmoor Borough Council", PASSPHRASE, PASSPHRASE " but different");
  lia_ui_click ("setup-create");
  g_assert_nonnull (strstr (lia_ui_label_text ("setup-error"), "not the same"));
  g_assert_true (dir_is_empty (store_dir));

  /* Right: the store is made and the cases are shown. */
  fill_setup ("Northmoor Borough Council", PASSPHRASE, PASSPHRASE);
  lia_ui_click ("setup-create");
  lia_ui_wait_for_state (app, LIA_APP_STATE_UNLOCKED);
  lia_ui_wait_for ("case-list-empty");
  g_assert_false (dir_is_empty (store_dir));

  /* Ctrl+L's action locks: the cases are gone from the window, not
   * hidden. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "lock", NULL);
  lia_ui_wait_for ("unlock-passphrase");
  g_assert_cmpint (lia_application_get_state (app), ==, LIA_APP_STATE_LOCKED);
  g_assert_null (lia_ui_find_in (GTK_WIDGET (window), "case-list"));

  /* A wrong passphrase: said where the person is looking, still locked. */
  unlock_with ("not the passphrase at all");
  lia_ui_wait_for_text ("unlock-error", "does not unlock");
  g_assert_cmpint (lia_application_get_state (app), ==, LIA_APP_STATE_LOCKED);
  lia_ui_screenshot (GTK_WIDGET (window), "wrong-passphrase");

  unlock_with (PASSPHRASE);
  lia_ui_wait_for_state (app, LIA_APP_STATE_UNLOCKED);
  lia_ui_wait_for ("case-list-empty");
}

static void
test_first_run (void)
{
  g_autofree char *store_dir = NULL;

  if (!g_test_subprocess ())
    {
      run_in_subprocess (NULL);
      return;
    }
  store_dir = new_store_dir ();
  {
    const char *args[] = { "--store", store_dir, NULL };

    g_assert_cmpint (lia_ui_test_run_app (args, first_run_scenario, store_dir), ==, 0);
  }
}

/* ---- a case and its chronology ----------------------------------------- */

static void
fill_new_case (const char *aware)
{
  lia_ui_type ("field-title", "Child B, Northmoor");
  lia_ui_type ("field-child", "Child B");
  lia_ui_type ("field-area", "Northmoor");
  lia_ui_type ("field-aware", aware);
}

static gboolean
chronology_has_one (gpointer user_data)
{
  GtkWidget *count = lia_ui_find ("chronology-count");

  return count != NULL && g_str_equal (gtk_label_get_text (GTK_LABEL (count)), "1 entry");
}

static void
case_scenario (LiaApplication *app,
               GtkWindow      *window,
               gpointer        user_data)
{
  GtkWidget *pages;

  lia_ui_wait_for_state (app, LIA_APP_STATE_LOCKED);
  unlock_with (LIA_TEST_PASSPHRASE);
  lia_ui_wait_for ("case-list-empty");

  /* A date that is no date: said in the form, nothing saved. */
  lia_ui_click ("new-case-button");
  lia_ui_wait_for ("new-case-dialog");
  fill_new_case ("32/13/2026");
  activate ("new-case-dialog", "form.accept");
  lia_ui_wait_for_text ("form-error", "not a date");
  g_assert_nonnull (lia_ui_find ("new-case-dialog"));
  /* A required field left empty. */
  fill_new_case ("");
  activate ("new-case-dialog", "form.accept");
  lia_ui_wait_for_text ("form-error", "required");

  /* Right: the case opens, in the list and in the view. */
  fill_new_case ("12/06/2026");
  activate ("new-case-dialog", "form.accept");
  lia_ui_wait_gone ("new-case-dialog");
  pages = lia_ui_wait_for ("case-pages");
  lia_ui_wait_for ("timeline");
  lia_ui_wait_for ("timeline-today");

  /* The police take part; without a point of contact it is said in the
   * dialog. */
  activate ("timeline", "overview.add-participant");
  lia_ui_wait_for ("add-participant-dialog");
  activate ("add-participant-dialog", "form.accept");
  lia_ui_wait_for_text ("form-error", "point of contact at Northmoor Police");
  lia_ui_type ("participant-contact", "DS Priya Shah");
  accept_dialog ("add-participant-dialog");
  lia_ui_wait_for_any_text ("DS Priya Shah");

  /* A chronology entry, with a date and time as people type them. */
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (pages), "chronology");
  lia_ui_wait_for ("chronology-empty");
  lia_ui_click ("chronology-add");
  lia_ui_wait_for ("record-dialog");
  lia_ui_type ("field-date", "12/06/2026 25:61");
  lia_ui_type_long ("field-what-text", "Police called to the home after a neighbour's report.");
  activate ("record-dialog", "form.accept");
  lia_ui_wait_for_text ("form-error", "date and time");
  lia_ui_type ("field-date", "12/06/2026 09:30");
  activate ("record-dialog", "form.accept");
  lia_ui_wait_gone ("record-dialog");
  lia_ui_wait_until (chronology_has_one, NULL, "the entry in the chronology");

  /* Exported as CSV, through the save dialog. */
  {
    g_autofree char *dir = lia_test_make_dir ("export");
    g_autofree char *path = g_build_filename (dir, "chronology.csv", NULL);
    g_autofree char *csv = NULL;

    lia_ui_click ("chronology-export");
    save_as (path);
    lia_ui_wait_until (file_exists_cb, path, "the exported file");
    lia_ui_wait_for_any_text ("Exported 1 entry");
    g_assert_true (g_file_get_contents (path, &csv, NULL, NULL));
    g_assert_nonnull (strstr (csv, "2026-06-12,09:30,Northmoor Borough Council,"));
    g_assert_nonnull (strstr (csv, "Police called to the home"));
  }
}

static void
test_case (void)
{
  g_autoptr (LiaStore) store = NULL;

  if (!g_test_subprocess ())
    {
      run_in_subprocess (NULL);
      return;
    }
  store = lia_test_create_store ("Northmoor Borough Council");
  /* Known by name: a participant to add. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (LiaOrg) G_GNUC_UNUSED police = lia_store_add_org (store, "Northmoor Police",
                                                   LIA_ORG_KIND_POLICE, &error);

    g_assert_no_error (error);
  }
  run_on_store (store, case_scenario, NULL);
}

/* ---- the idle lock ------------------------------------------------------ */

static void
idle_scenario (LiaApplication *app,
               GtkWindow      *window,
               gpointer        user_data)
{
  GSettings *settings = lia_application_get_settings (app);

  lia_ui_wait_for_state (app, LIA_APP_STATE_LOCKED);
  unlock_with (LIA_TEST_PASSPHRASE);
  lia_ui_wait_for_state (app, LIA_APP_STATE_UNLOCKED);
  lia_ui_wait_for ("case-list-empty");

  /* One second without a key or the pointer: it locks by itself. */
  g_settings_set_uint (settings, "idle-lock-time", 1);
  lia_ui_wait_for_state (app, LIA_APP_STATE_LOCKED);
  lia_ui_wait_for ("unlock-passphrase");
  g_assert_null (lia_ui_find_in (GTK_WIDGET (window), "case-list"));
  g_settings_set_uint (settings, "idle-lock-time", 0);
}

static void
test_idle_lock (void)
{
  g_autoptr (LiaStore) store = NULL;

  if (!g_test_subprocess ())
    {
      run_in_subprocess (NULL);
      return;
    }
  store = lia_test_create_store ("Northmoor Borough Council");
  run_on_store (store, idle_scenario, NULL);
}

/* ---- a damaged store ----------------------------------------------------- */

static void
damaged_scenario (LiaApplication *app,
                  GtkWindow      *window,
                  gpointer        user_data)
{
  lia_ui_wait_for_state (app, LIA_APP_STATE_LOCKED);
  unlock_with (LIA_TEST_PASSPHRASE);
  lia_ui_wait_for_text ("unlock-error", "damaged");
  g_assert_cmpint (lia_application_get_state (app), ==, LIA_APP_STATE_LOCKED);
}

static void
test_damaged_store (void)
{
  g_autoptr (LiaStore) store = NULL;
  g_autofree char *store_dir = NULL;
  g_autofree char *db = NULL;
  g_autoptr (GBytes) pristine = NULL;
  g_autoptr (GHashTable) before = NULL;
  guint8 byte;

  if (!g_test_subprocess ())
    {
      run_in_subprocess (NULL);
      return;
    }
  store = lia_test_create_store ("Northmoor Borough Council");
  store_dir = g_strdup (lia_store_get_directory (store));
  lia_store_lock (store);
  /* One bit of the first page flipped, as a failing disk or a meddler
   * might: the page no longer authenticates. */
  db = g_build_filename (store_dir, LIA_STORE_DB_NAME, NULL);
  pristine = lia_test_read_file (db);
  byte = ((const guint8 *) g_bytes_get_data (pristine, NULL))[99] ^ 0x20;
  lia_test_write_at (db, 99, &byte, 1);
  before = lia_test_hash_dir (store_dir);
  {
    const char *args[] = { "--store", store_dir, NULL };

    g_assert_cmpint (lia_ui_test_run_app (args, damaged_scenario, NULL), ==, 0);
  }
  /* Nothing was changed by trying. */
  lia_test_assert_dir_unchanged (before, store_dir);
}

/* ---- every screen, on the demonstration case ---------------------------- */

static void
show_page (const char *name)
{
  GtkWidget *pages = lia_ui_wait_for ("case-pages");

  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (pages), name);
}

/* Scrolls the scrolled window around @widget so that it is at the top. */
static void
scroll_to (GtkWidget *widget)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *child = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scrolled));
  graphene_point_t point;

  g_assert_true (gtk_widget_compute_point (widget, child, &GRAPHENE_POINT_INIT (0, 0), &point));
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled)),
                            point.y - 12);
}

static void
screens_scenario (LiaApplication *app,
                  GtkWindow      *window,
                  gpointer        user_data)
{
  GtkWidget *list;

  gtk_window_set_default_size (window, 1280, 820);
  lia_ui_wait_for_state (app, LIA_APP_STATE_LOCKED);
  unlock_with (LIA_TEST_PASSPHRASE);
  list = lia_ui_wait_for ("case-list");
  lia_ui_wait_for_any_text ("Child A, Northmoor");
  lia_ui_type ("case-search", "parallel IOPC");
  lia_ui_wait_for_text_gone ("Child E");
  g_assert_true (gtk_widget_activate_action (list, "list.activate-item", "u", 0));
  lia_ui_wait_for ("timeline-today");
  lia_ui_type ("case-search", "");
  lia_ui_wait_for_any_text ("Child E");
  lia_ui_screenshot (GTK_WIDGET (window), "case-list");
  scroll_to (lia_ui_find ("timeline"));
  lia_ui_screenshot (GTK_WIDGET (window), "case-timeline");

  show_page ("chronology");
  lia_ui_wait_for ("chronology-list");
  lia_ui_screenshot (GTK_WIDGET (window), "chronology");

  show_page ("records");
  list = lia_ui_wait_for ("records-list");
  g_assert_true (gtk_widget_activate_action (list, "list.select-item", "(ubb)", 2, FALSE, FALSE));
  lia_ui_wait_for ("record-handling");
  lia_ui_screenshot (GTK_WIDGET (window), "records");

  /* Another organisation's record: sharing it is explained, and the
   * originator can be asked. */
  lia_ui_click ("record-share");
  lia_ui_wait_for_any_text ("can share this record");
  respond ("originator-control-dialog", "ask");
  lia_ui_wait_for ("record-step-dialog");
  lia_ui_type ("record-step-reason", "The IOPC needs it for the sequence of events");
  accept_dialog ("record-step-dialog");

  show_page ("requests");
  lia_ui_wait_for ("request-row");
  lia_ui_screenshot (GTK_WIDGET (window), "requests");

  show_page ("sharing");
  lia_ui_wait_for ("sharing-matrix");
  lia_ui_screenshot (GTK_WIDGET (window), "sharing");

  show_page ("log");
  lia_ui_wait_for ("log-verification");
  lia_ui_screenshot (GTK_WIDGET (window), "log");

  show_page ("actions");
  lia_ui_wait_for ("action-row");
  lia_ui_screenshot (GTK_WIDGET (window), "actions");
}

static void
test_screens (void)
{
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GBytes) demo = NULL;
  g_autoptr (GError) error = NULL;
  LiaDemoResult result = { 0 };

  if (!g_test_subprocess ())
    {
      run_in_subprocess (NULL);
      return;
    }
  store = lia_test_create_store ("Northmoor Borough Council (demo)");
  demo = lia_demo_get_default (&error);
  g_assert_no_error (error);
  g_assert_true (lia_demo_load (store, demo, NULL, FALSE, &result, &error));
  g_assert_no_error (error);
  lia_demo_result_clear (&result);
  /* A few more cases, so that the list shows each kind of badge as of
   * 14 September 2026: a notification overdue, one due within days, and
   * one whose next deadline is weeks away. */
  {
    static const struct { const char *title, *child, *aware, *sent; } more[] = {
      { "Child E, Eastmoor", "Child E", "2026-08-24", NULL },
      { "Child F, Northmoor", "Child F", "2026-09-10", NULL },
      { "Child G, Westvale", "Child G", "2026-07-20", "2026-07-22" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (more); i++)
      {
        LiaCaseDraft draft = { more[i].title, more[i].child, "Northmoor", more[i].aware, NULL,
                               NULL };
        g_autofree char *id = lia_case_create (store, &draft, "Ann Lead", &error);

        g_assert_no_error (error);
        if (more[i].sent != NULL)
          {
            g_assert_true (lia_case_set_field (store, id, "notification.sent", more[i].sent,
                                               &error));
            g_assert_true (lia_case_set_field (store, id, "rapid-review.request-sent",
                                               "2026-07-23", &error));
            g_assert_true (lia_case_set_field (store, id, "rapid-review.meeting", "2026-07-30",
                                               &error));
            g_assert_true (lia_case_set_field (store, id, "rapid-review.submitted",
                                               "2026-08-07", &error));
            g_assert_true (lia_case_set_field (store, id, "rapid-review.recommendation-sent",
                                               "2026-08-14", &error));
            g_assert_true (lia_case_set_field (store, id, "rapid-review.outcome", "lcspr",
                                               &error));
            g_assert_true (lia_case_set_field (store, id, "lcspr.decision", "2026-08-20",
                                               &error));
            g_assert_no_error (error);
          }
      }
  }
  run_on_store (store, screens_scenario, NULL);
}

/* ---- long lists: shown a few rows a frame, but shown whole ---------------- */

/* More cases and chronology entries than GTK's list view keeps rows for,
 * so that the lists fill over several frames (lia-paced-model.h). */
#define LONG_CASES   300
#define LONG_ENTRIES 600

typedef struct
{
  GtkListView *view;
  guint        n;
} ListCount;

static gboolean
list_count_cb (gpointer user_data)
{
  ListCount *count = user_data;
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (count->view));

  return g_list_model_get_n_items (model) == count->n;
}

/* Waits until the view named @name has @n items. */
static GtkListView *
wait_for_list_of (const char *name,
                  guint       n)
{
  ListCount count = { GTK_LIST_VIEW (lia_ui_wait_for (name)), n };
  g_autofree char *what = g_strdup_printf ("%u items in %s", n, name);

  lia_ui_wait_until (list_count_cb, &count, what);
  return count.view;
}

static void
long_lists_scenario (LiaApplication *app,
                     GtkWindow      *window,
                     gpointer        user_data)
{
  GtkListView *list;
  g_autoptr (LiaItem) last = NULL;
  g_autofree char *count = g_strdup_printf ("%u entries", LONG_ENTRIES);

  lia_ui_wait_for_state (app, LIA_APP_STATE_LOCKED);
  unlock_with (LIA_TEST_PASSPHRASE);

  /* Every case reaches the list, the last one included. */
  list = wait_for_list_of ("case-list", LONG_CASES + 1);
  last = g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (list)), LONG_CASES);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (list), "list.scroll-to-item", "u",
                                             LONG_CASES));
  lia_ui_wait_for_any_text (((const LiaCaseSummary *) lia_item_get (last))->title);

  /* The long case: its overview whole, the parts that come a frame later
   * included, and every entry of its chronology. */
  lia_ui_type ("case-search", "long chronology");
  wait_for_list_of ("case-list", 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (list), "list.activate-item", "u", 0));
  lia_ui_wait_for ("timeline-today");
  lia_ui_wait_for_any_text ("Lead contact");
  lia_ui_wait_for_any_text ("Rapid review");
  show_page ("chronology");
  wait_for_list_of ("chronology-list", LONG_ENTRIES);
  lia_ui_wait_for_text ("chronology-count", count);
  show_page ("records");
  wait_for_list_of ("records-list", LONG_ENTRIES);
}

static void
test_long_lists (void)
{
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *big = NULL;
  LiaCaseDraft draft = { "A long chronology", "Child Z", "Northmoor", "2026-06-01", NULL, NULL };

  if (!g_test_subprocess ())
    {
      run_in_subprocess (NULL);
      return;
    }
  store = lia_test_create_store ("Northmoor Borough Council");
  g_assert_true (lia_store_exec (store, "BEGIN IMMEDIATE", &error));
  for (guint i = 0; i < LONG_CASES; i++)
    {
      g_autofree char *title = g_strdup_printf ("Case %03u", i);
      g_autofree char *child = g_strdup_printf ("Child %03u", i);
      LiaCaseDraft each = { title, child, "Northmoor", "2026-08-01", NULL, NULL };
      g_autofree char G_GNUC_UNUSED *id = lia_case_create (store, &each, NULL, &error);

      g_assert_no_error (error);
    }
  big = lia_case_create (store, &draft, "Lead contact", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < LONG_ENTRIES; i++)
    {
      g_autoptr (GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
      g_autofree char *id = NULL;

      g_hash_table_insert (fields, "date", g_strdup_printf ("2026-05-%02uT%02u:%02u", 1 + i % 28,
                                                           8 + i % 10, i % 60));
      g_hash_table_insert (fields, "what", g_strdup_printf ("Contact number %u with the family", i));
      g_hash_table_insert (fields, "source", g_strdup ("Case management system"));
      id = lia_record_add (store, big, LIA_RECORD_CHRONOLOGY, fields, &error);
      g_assert_no_error (error);
    }
  g_assert_true (lia_store_exec (store, "COMMIT", &error));
  run_on_store (store, long_lists_scenario, NULL);
}

/* ---- a deadline falls due: a notification that opens the case ------------ */

static void
deadline_scenario (LiaApplication *app,
                   GtkWindow      *window,
                   gpointer        user_data)
{
  const char *case_id = user_data;
  LiaUiNotifications *service = lia_ui_notifications_get ();
  GVariant *notification;
  const char *action = NULL, *body = NULL;
  g_autoptr (GVariant) target = NULL;

  lia_ui_wait_for_state (app, LIA_APP_STATE_LOCKED);
  unlock_with (LIA_TEST_PASSPHRASE);
  notification = lia_ui_notifications_wait (service, "deadlines");
  g_assert_true (g_variant_lookup (notification, "default-action", "&s", &action));
  g_assert_cmpstr (action, ==, "app.open-case");
  target = g_variant_lookup_value (notification, "default-action-target", G_VARIANT_TYPE_STRING);
  g_assert_nonnull (target);
  g_assert_cmpstr (g_variant_get_string (target, NULL), ==, case_id);
  /* What is due, never which case: it may show on a locked screen. */
  g_assert_true (g_variant_lookup (notification, "body", "&s", &body));
  g_assert_nonnull (strstr (body, "overdue"));
  g_assert_null (strstr (body, "Child C"));

  /* The shell activates it: the case opens. */
  lia_ui_wait_for ("case-list");
  g_action_group_activate_action (G_ACTION_GROUP (app), "open-case", target);
  lia_ui_wait_for ("timeline-today");
  lia_ui_wait_for_any_text ("Child C, Northmoor");
}

static void
test_deadline_notification (void)
{
  g_autoptr (LiaStore) store = NULL;
  g_autofree char *case_id = NULL;
  g_autoptr (GError) error = NULL;
  /* Aware on 3 August 2026: the Panel was to be told by 10 August, and
   * today is 14 September 2026 (LIAISON_TODAY). */
  LiaCaseDraft draft = { "Child C, Northmoor", "Child C", "Northmoor", "2026-08-03", NULL, NULL };

  if (!g_test_subprocess ())
    {
      run_in_subprocess (NULL);
      return;
    }
  store = lia_test_create_store ("Northmoor Borough Council");
  case_id = lia_case_create (store, &draft, NULL, &error);
  g_assert_no_error (error);
  run_on_store (store, deadline_scenario, case_id);
}

/* ---- peers: invite codes, bad and good, safety numbers, removal ---------- */

typedef struct
{
  char *police_code;   /* a good invite code of another store */
  char *expired_code;  /* an invite code past its expiry */
} PeerCodes;

static void
add_code (const char *code)
{
  lia_ui_type ("peer-code", code);
  lia_ui_click ("peer-add");
}

static void
peers_scenario (LiaApplication *app,
                GtkWindow      *window,
                gpointer        user_data)
{
  PeerCodes *codes = user_data;
  g_autofree char *mistyped = g_strdup (codes->police_code);
  g_autofree char *own = NULL;
  gsize middle = strlen (mistyped) / 2;

  gtk_window_set_default_size (window, 1280, 820);
  lia_ui_wait_for_state (app, LIA_APP_STATE_LOCKED);
  unlock_with (LIA_TEST_PASSPHRASE);
  activate ("case-list-empty", "main.peers");
  lia_ui_wait_for ("peer-code");
  lia_ui_wait_for_text ("invite-code", "LIAISON1-");
  own = g_strdup (lia_ui_label_text ("invite-code"));

  /* Not a code at all; a code with one character typed wrong; this
   * organisation's own; one past its expiry: each said in place, and no
   * peer added. */
  add_code ("hello, this is not a code");
  lia_ui_wait_for_text ("peer-add-error", "not a Liaison invite code");
  mistyped[middle] = mistyped[middle] == 'A' ? 'B' : 'A';
  add_code (mistyped);
  lia_ui_wait_for_text ("peer-add-error", "typing mistake");
  add_code (own);
  lia_ui_wait_for_text ("peer-add-error", "own invite code");
  add_code (codes->expired_code);
  lia_ui_wait_for_text ("peer-add-error", "expired");
  g_assert_null (lia_ui_find ("peer-row"));

  /* A good one: the peer, unverified, with its safety number. */
  add_code (codes->police_code);
  lia_ui_wait_for ("peer-row");
  lia_ui_wait_for ("safety-number");
  lia_ui_wait_for_any_text ("not verified yet");
  /* The number as the other side reads it out matches. */
  {
    g_autofree char *heard = g_strdup (lia_ui_label_text ("safety-number"));

    g_strdelimit (heard, "\n", ' ');
    lia_ui_type ("safety-number-compare", heard);
  }
  lia_ui_wait_for_any_text ("The numbers match.");
  lia_ui_wait_for_text_gone ("Added Northmoor Police");
  lia_ui_screenshot (lia_ui_find ("peer-row"), "peers");

  /* The same again: already a peer. */
  add_code (codes->police_code);
  lia_ui_wait_for_text ("peer-add-error", "already a peer");

  /* The numbers typed wrong say so; then verified. */
  lia_ui_type ("safety-number-compare", "12345");
  lia_ui_wait_for_any_text ("do not match");
  lia_ui_click ("peer-verify");
  lia_ui_wait_for_any_text ("verified by");

  /* Removing asks first, and says what it means. */
  lia_ui_click ("peer-remove");
  lia_ui_wait_for_any_text ("refuses every connection");
  respond ("remove-peer-dialog", "remove");
  lia_ui_wait_for_any_text ("removed");
}

static char *
expired_invite (void)
{
  g_autoptr (LiaOrgIdentity) identity = lia_org_identity_generate ("Old Organisation",
                                                                   LIA_ORG_KIND_AGENCY);
  LiaInvite invite = { 0 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr (GError) error = NULL;
  char *code;

  invite.name = (char *) "Old Organisation";
  invite.kind = LIA_ORG_KIND_AGENCY;
  memcpy (invite.sign_public, identity->sign_public, LIA_KEY_BYTES);
  memcpy (invite.box_public, identity->box_public, LIA_KEY_BYTES);
  memcpy (invite.curve_public, identity->curve_public, LIA_KEY_BYTES);
  lia_key_binding_sign (LIA_KEY_USE_BOX, invite.box_public, identity->sign_secret,
                        invite.box_signature);
  lia_key_binding_sign (LIA_KEY_USE_CURVE, invite.curve_public, identity->sign_secret,
                        invite.curve_signature);
  invite.created = now - 2 * 60 * 60;
  invite.expires = now - 60 * 60;
  code = lia_invite_encode (&invite, identity->sign_secret, &error);
  g_assert_no_error (error);
  return code;
}

static void
test_peers (void)
{
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (LiaStore) police = NULL;
  g_autoptr (GError) error = NULL;
  PeerCodes codes = { 0 };
  const char *endpoints[] = { "tcp://127.0.0.1:7311", NULL };

  if (!g_test_subprocess ())
    {
      run_in_subprocess (NULL);
      return;
    }
  {
    g_autofree char *dir = lia_test_make_dir ("police");
    g_autofree char *police_dir = g_build_filename (dir, "liaison", NULL);

    police = lia_store_new (police_dir);
    g_assert_true (lia_store_create (police, "Northmoor Police", LIA_ORG_KIND_POLICE,
                                     LIA_TEST_PASSPHRASE, NULL, &error));
    g_assert_no_error (error);
  }
  codes.police_code = lia_store_make_invite (police, endpoints,
                                             g_get_real_time () / G_USEC_PER_SEC + 3600, &error);
  g_assert_no_error (error);
  codes.expired_code = expired_invite ();
  store = lia_test_create_store ("Northmoor Borough Council");
  run_on_store (store, peers_scenario, &codes);
  g_free (codes.police_code);
  g_free (codes.expired_code);
}

/* ---- sync with a real node ------------------------------------------------ */

/* The police's node: liaison-cli serve on its own store, in a process of
 * its own, as another organisation's computer. */
typedef struct
{
  char        *dir;          /* its store */
  LiaTestProc *serve;
  guint        next_line;    /* of its output, the first not looked at */
  gint64       police_id;    /* the police's org id in the council's store */
  char        *case_id;      /* once the case has reached it */
} Node;

/* liaison-cli --json ARGS on the node's store (beside its serve). */
static JsonNode *
node_json (Node              *node,
           const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (LiaTestCliRun) run = NULL;
  g_autoptr (GError) error = NULL;
  JsonNode *result;

  g_ptr_array_add (argv, (gpointer) "--json");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  run = lia_test_run_cli (LIA_TEST_PASSPHRASE, NULL, node->dir,
                          (const char *const *) argv->pdata);
  if (run->status != 0)
    g_error ("liaison-cli %s failed: %s", args[0], run->err);
  result = json_from_string (run->out, &error);
  g_assert_no_error (error);
  return result;
}

/* Waits for the node's next sync that received something. */
static void
node_wait_received (Node *node)
{
  for (;;)
    {
      guint line = lia_test_proc_wait_line (node->serve, FALSE, "\"event\":\"synced\"",
                                            node->next_line, 120);
      const char *text = node->serve->out_lines->pdata[line];

      node->next_line = line + 1;
      if (strstr (text, "\"received\":0,") == NULL)
        return;
    }
}

/* The id of the node's first record of @kind in the case, or NULL. */
static char *
node_find_record (Node       *node,
                  const char *kind)
{
  const char *args[] = { "record", "list", node->case_id, NULL };
  g_autoptr (JsonNode) list = node_json (node, args);
  JsonArray *records = json_node_get_array (list);

  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      JsonObject *record = json_array_get_object_element (records, i);

      if (g_strcmp0 (json_object_get_string_member (record, "kind"), kind) == 0)
        return g_strdup (json_object_get_string_member (record, "id"));
    }
  return NULL;
}

static gboolean
chronology_has_two (gpointer user_data)
{
  GtkWidget *count = lia_ui_find ("chronology-count");

  return count != NULL && g_str_equal (gtk_label_get_text (GTK_LABEL (count)), "2 entries");
}

/* The engine warns of a refused key, as it should: not a failure here. */
static gboolean
refused_is_expected (const char     *log_domain,
                     GLogLevelFlags  log_level,
                     const char     *message,
                     gpointer        user_data)
{
  return !(g_strcmp0 (log_domain, "liaison-sync") == 0
           && strstr (message, "refused this organisation's key") != NULL);
}

static void
sync_scenario (LiaApplication *app,
               GtkWindow      *window,
               gpointer        user_data)
{
  Node *node = user_data;
  LiaUiNotifications *notifications = lia_ui_notifications_get ();
  g_autofree char *check = NULL;
  g_autofree char *record_id = NULL;
  GtkWidget *peers;

  gtk_window_set_default_size (window, 1280, 820);
  lia_ui_wait_for_state (app, LIA_APP_STATE_LOCKED);
  unlock_with (LIA_TEST_PASSPHRASE);
  lia_ui_wait_for ("case-list-empty");

  /* The police's node is reached as soon as the store is open; the
   * school's computer, where nothing listens, is said to be unreachable,
   * with what to do about it. */
  activate ("case-list-empty", "main.peers");
  lia_ui_wait_for_text ("sync-status", "Listening for peers at tcp://127.0.0.1:");
  lia_ui_wait_for_text ("peer-sync-state", "Up to date");
  lia_ui_wait_for_any_text ("Unreachable");
  peers = gtk_widget_get_ancestor (lia_ui_find ("peers-list"), GTK_TYPE_WINDOW);
  for (GtkWidget *row = gtk_widget_get_first_child (lia_ui_find ("peers-list")); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  lia_ui_wait_for_any_text ("Nothing answers at its address");
  lia_ui_screenshot (peers, "peers-sync");
  gtk_window_destroy (GTK_WINDOW (peers));

  /* A case with the police taking part, and an entry in its chronology. */
  lia_ui_click ("new-case-button");
  lia_ui_wait_for ("new-case-dialog");
  fill_new_case ("12/06/2026");
  accept_dialog ("new-case-dialog");
  activate ("timeline", "overview.add-participant");
  lia_ui_wait_for ("add-participant-dialog");
  /* Without a point of contact: said in the dialog. */
  activate ("add-participant-dialog", "form.accept");
  lia_ui_wait_for_text ("form-error", "point of contact at Northmoor Police");
  lia_ui_type ("participant-contact", "DS Priya Shah");
  accept_dialog ("add-participant-dialog");
  lia_ui_wait_for_any_text ("Northmoor Police");
  show_page ("chronology");
  lia_ui_click ("chronology-add");
  lia_ui_wait_for ("record-dialog");
  lia_ui_type ("field-date", "12/06/2026 09:30");
  lia_ui_type_long ("field-what-text", "Police called to the home after a neighbour's report.");
  accept_dialog ("record-dialog");
  lia_ui_wait_until (chronology_has_one, NULL, "the entry in the chronology");

  /* The case reaches the node: it is a participant. */
  while (node->case_id == NULL)
    {
      const char *args[] = { "case", "list", NULL };
      g_autoptr (JsonNode) list = NULL;
      JsonArray *cases;

      node_wait_received (node);
      list = node_json (node, args);
      cases = json_node_get_array (list);
      if (json_array_get_length (cases) > 0)
        node->case_id = g_strdup (json_object_get_string_member (
          json_array_get_object_element (cases, 0), "id"));
    }

  /* Shared with the police in the matrix: it reaches their node, sealed
   * for the police and no one else (the envelope's recipients, as the
   * node's own liaison-cli reads them). */
  show_page ("sharing");
  lia_ui_wait_for ("sharing-matrix");
  check = g_strdup_printf ("share-chronology-%" G_GINT64_FORMAT, node->police_id);
  lia_ui_click (check);
  while (record_id == NULL)
    {
      node_wait_received (node);
      record_id = node_find_record (node, "chronology");
    }
  {
    const char *args[] = { "record", "recipients", record_id, NULL };
    g_autoptr (JsonNode) recipients = node_json (node, args);
    JsonArray *array = json_node_get_array (recipients);
    JsonObject *only;

    g_assert_cmpuint (json_array_get_length (array), ==, 1);
    only = json_array_get_object_element (array, 0);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (only, "org"),
                                                    "name"),
                     ==, "Northmoor Police");
    g_assert_false (json_object_get_boolean_member (only, "pending"));
  }

  /* The police add an entry of their own and share it with the council:
   * it appears in the open case, and a notification says so. */
  show_page ("chronology");
  {
    const char *add[] = { "record", "add", node->case_id, "--kind", "chronology",
                          "--date", "2026-06-13T11:00",
                          "--what", "Officers visited the home and spoke to the mother.", NULL };
    const char *share[] = { "case", "share", node->case_id, "--with",
                            "Northmoor Borough Council", "--categories", "chronology", NULL };
    g_autoptr (JsonNode) G_GNUC_UNUSED added = node_json (node, add);
    g_autoptr (JsonNode) G_GNUC_UNUSED shared = node_json (node, share);
  }
  lia_ui_wait_until (chronology_has_two, NULL, "the police's entry in the chronology");
  {
    GVariant *notification = lia_ui_notifications_wait (notifications, "material");
    const char *body = NULL;
    g_autoptr (GVariant) target = NULL;

    g_assert_true (g_variant_lookup (notification, "body", "&s", &body));
    g_assert_nonnull (strstr (body, "Northmoor Police"));
    target = g_variant_lookup_value (notification, "default-action-target",
                                     G_VARIANT_TYPE_STRING);
    g_assert_nonnull (target);
    g_assert_cmpstr (g_variant_get_string (target, NULL), ==, node->case_id);
  }
  lia_ui_screenshot (GTK_WIDGET (window), "chronology-synced");

  /* The police remove the council as a peer: the next sync is refused,
   * and the peers window says so and what to do. */
  {
    const char *remove[] = { "peer", "remove", "Northmoor Borough Council", NULL };
    g_autoptr (JsonNode) G_GNUC_UNUSED removed = node_json (node, remove);
  }
  g_test_log_set_fatal_handler (refused_is_expected, NULL);
  lia_test_proc_wait_line (node->serve, TRUE, "is no longer a peer", 0, 120);
  activate ("case-pages", "main.peers");
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (lia_ui_wait_for ("peer-row")), TRUE);
  lia_ui_click ("peer-sync-now");
  lia_ui_wait_for_text ("peer-sync-state", "Refused");
  lia_ui_wait_for_any_text ("It refused this organisation");
}

static void
test_sync (void)
{
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (LiaStore) police = NULL;
  g_autoptr (LiaOrg) police_org = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *council_endpoint = NULL;
  g_autofree char *police_endpoint = NULL;
  const char *cli = g_getenv ("LIAISON_CLI");
  Node node = { 0 };

  if (!g_test_subprocess ())
    {
      run_in_subprocess (NULL);
      return;
    }
  g_assert_nonnull (cli);
  store = lia_test_create_store ("Northmoor Borough Council");
  police = lia_test_create_store_of_kind ("Northmoor Police", LIA_ORG_KIND_POLICE);
  council_endpoint = g_strdup_printf ("tcp://127.0.0.1:%u", lia_ui_test_listen_port ());
  police_endpoint = g_strdup_printf ("tcp://127.0.0.1:%u", lia_free_loopback_port (&error));
  g_assert_no_error (error);
  /* Each has the other's invite code, as two organisations would. */
  lia_test_introduce_at (store, council_endpoint, police);
  lia_test_introduce_at (police, police_endpoint, store);
  /* And a school's, whose computer is off: nothing listens at its port. */
  {
    g_autoptr (LiaStore) school = lia_test_create_store_of_kind ("Northmoor School",
                                                                 LIA_ORG_KIND_AGENCY);
    g_autofree char *nowhere = g_strdup_printf ("tcp://127.0.0.1:%u",
                                                lia_free_loopback_port (&error));

    g_assert_no_error (error);
    lia_test_introduce_at (school, nowhere, store);
  }
  police_org = lia_store_find_org (store, "Northmoor Police", &error);
  g_assert_no_error (error);
  node.police_id = police_org->id;
  node.dir = g_strdup (lia_store_get_directory (police));
  lia_store_lock (police);
  {
    const char *argv[] = { cli, "--store", node.dir, "--json", "serve", "--listen",
                           police_endpoint, NULL };
    const char *env[] = { "LIAISON_PASSPHRASE", LIA_TEST_PASSPHRASE, NULL };

    node.serve = lia_test_proc_spawn (argv, env);
    node.next_line = lia_test_proc_wait_line (node.serve, FALSE, "\"event\":\"listening\"", 0,
                                              60) + 1;
  }
  run_on_store (store, sync_scenario, &node);
  lia_test_proc_free (node.serve);
  g_free (node.dir);
  g_free (node.case_id);
}

/* ---- preferences: where to listen; About; shortcuts ----------------------- */

/* The first mapped toplevel of @type, or NULL. */
static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_mapped (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

static gboolean
about_shown (gpointer user_data)
{
  return find_toplevel (ADW_TYPE_ABOUT_WINDOW) != NULL;
}

static gboolean
shortcuts_shown (gpointer user_data)
{
  return find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW) != NULL;
}

/* The About window gives the one version of meson.build, and the
 * shortcuts window opens from the window's action (Ctrl+?). */
static void
about_and_shortcuts (LiaApplication *app,
                     GtkWindow      *window)
{
  GtkWindow *about;

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  lia_ui_wait_until (about_shown, NULL, "the About window");
  about = find_toplevel (ADW_TYPE_ABOUT_WINDOW);
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_VERSION);
  g_assert_cmpstr (adw_about_window_get_application_name (ADW_ABOUT_WINDOW (about)), ==,
                   "Liaison");
  gtk_window_destroy (about);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  lia_ui_wait_until (shortcuts_shown, NULL, "the keyboard shortcuts window");
  gtk_window_destroy (find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW));
}

static void
preferences_scenario (LiaApplication *app,
                      GtkWindow      *window,
                      gpointer        user_data)
{
  lia_ui_wait_for_state (app, LIA_APP_STATE_LOCKED);
  unlock_with (LIA_TEST_PASSPHRASE);
  lia_ui_wait_for ("case-list-empty");
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  lia_ui_wait_for_text ("prefs-listen-status", "Listening for peers at tcp://127.0.0.1:");

  /* An address that is not this computer's: it cannot listen there, and
   * says so where the address was typed, with what to do. */
  lia_ui_type ("prefs-listen-address", "192.0.2.1");
  lia_ui_wait_for_text ("prefs-listen-status", "not listening for its peers");
  lia_ui_wait_for_text ("prefs-listen-status", "Choose another listening address or port");
  lia_ui_screenshot (gtk_widget_get_ancestor (lia_ui_find ("prefs-listen-status"),
                                              GTK_TYPE_WINDOW),
                     "preferences-listen-error");

  /* Put right: it listens again. */
  lia_ui_type ("prefs-listen-address", "127.0.0.1");
  lia_ui_wait_for_text ("prefs-listen-status", "Listening for peers at tcp://127.0.0.1:");
  gtk_window_destroy (GTK_WINDOW (gtk_widget_get_ancestor (lia_ui_find ("prefs-listen-status"),
                                                           GTK_TYPE_WINDOW)));

  about_and_shortcuts (app, window);
}

static void
test_preferences (void)
{
  g_autoptr (LiaStore) store = NULL;

  if (!g_test_subprocess ())
    {
      run_in_subprocess (NULL);
      return;
    }
  store = lia_test_create_store ("Northmoor Borough Council");
  run_on_store (store, preferences_scenario, NULL);
}

/* ---- the live demonstration ------------------------------------------------ */

/* Whether the chronology's agency filter offers @agency: it lists the
 * agencies of the entries shown. */
static gboolean
agency_listed (gpointer agency)
{
  GtkWidget *dropdown = lia_ui_find ("chronology-agency");
  GListModel *model;

  if (dropdown == NULL)
    return FALSE;
  model = gtk_drop_down_get_model (GTK_DROP_DOWN (dropdown));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), i), agency))
      return TRUE;
  return FALSE;
}

static void
demo_scenario (LiaApplication *app,
               GtkWindow      *window,
               gpointer        user_data)
{
  char **store_dir = user_data;

  g_assert_true (lia_application_is_demo (app));
  /* Set up, and the council's store opened without a passphrase. */
  lia_ui_wait_for_state (app, LIA_APP_STATE_UNLOCKED);
  *store_dir = g_strdup (lia_store_worker_get_directory (lia_application_get_worker (app)));
  g_assert_true (g_file_test (*store_dir, G_FILE_TEST_IS_DIR));
  lia_ui_wait_for ("case-list");
  lia_ui_wait_for_any_text ("Child A, Northmoor");
  /* The case opens by itself, on its overview. */
  lia_ui_wait_for ("timeline");
  /* The council's peers, verified. */
  activate ("case-list", "main.peers");
  lia_ui_wait_for ("peers-list");
  lia_ui_wait_for_any_text ("Northmoor Police (demo)");
  lia_ui_wait_for_any_text ("IOPC investigation team (demo)");
  lia_ui_wait_for_any_text ("3 current peers.");
  gtk_window_destroy (GTK_WINDOW (gtk_widget_get_ancestor (lia_ui_find ("peers-list"),
                                                           GTK_TYPE_WINDOW)));

  /* The other three share their parts of the case from their own nodes:
   * their entries arrive in the open chronology. */
  g_assert_true (gtk_widget_activate_action (lia_ui_find ("case-list"), "list.activate-item", "u",
                                             0));
  show_page ("chronology");
  lia_ui_wait_until (agency_listed, (gpointer) "Northmoor Police (demo)", "the police's entries");
  lia_ui_wait_until (agency_listed, (gpointer) "Northmoor and Vale Integrated Care Board (demo)",
                     "the ICB's entries");
  lia_ui_wait_until (agency_listed, (gpointer) "IOPC investigation team (demo)",
                     "the IOPC's entries");
  lia_ui_screenshot (GTK_WIDGET (window), "demo-chronology");
}

static void
test_demo (void)
{
  g_autofree char *store_dir = NULL;

  if (!g_test_subprocess ())
    {
      run_in_subprocess (NULL);
      return;
    }
  {
    const char *args[] = { "--demo", NULL };

    g_assert_cmpint (lia_ui_test_run_app (args, demo_scenario, &store_dir), ==, 0);
  }
  /* Everything it made is gone once the window closed. */
  g_assert_nonnull (store_dir);
  g_assert_false (g_file_test (store_dir, G_FILE_TEST_EXISTS));
}

/* ---- the demonstration's nodes never outlive it --------------------------- */

/* Whether process @pid is gone (or a zombie, which no longer runs). */
static gboolean
process_gone (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *paren;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  paren = strrchr (stat, ')');
  return paren == NULL || paren[1] == '\0' || paren[2] == 'Z';
}

/* The pids of @parent's running children whose command line has "serve",
 * and the --store of the first one. */
static GArray *
serve_children (pid_t   parent,
                char  **out_store)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (pid_t));
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *stat_path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *cmd_path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_autofree char *stat = NULL;
      g_autofree char *cmdline = NULL;
      gsize length = 0;
      const char *paren;
      int ppid = 0;
      char state = 0;
      gboolean serve = FALSE;
      const char *store = NULL;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (stat_path, &stat, NULL, NULL)
          || (paren = strrchr (stat, ')')) == NULL
          || sscanf (paren + 1, " %c %d", &state, &ppid) != 2 || ppid != (int) parent
          || state == 'Z' || !g_file_get_contents (cmd_path, &cmdline, &length, NULL))
        continue;
      for (const char *arg = cmdline; arg < cmdline + length; arg += strlen (arg) + 1)
        {
          const char *next = arg + strlen (arg) + 1;

          if (g_str_equal (arg, "serve"))
            serve = TRUE;
          if (g_str_equal (arg, "--store") && next < cmdline + length)
            store = next;
        }
      if (serve)
        {
          pid_t pid = (pid_t) g_ascii_strtoll (name, NULL, 10);

          g_array_append_val (pids, pid);
          if (out_store != NULL && *out_store == NULL && store != NULL)
            *out_store = g_strdup (store);
        }
    }
  return pids;
}

/* `liaison --demo`, the real program as a process of its own, asked to
 * stop (SIGTERM: it quits as Ctrl+Q does, its nodes stop and its
 * directory goes) or killed outright (SIGKILL: the kernel sends each node
 * SIGTERM as its parent dies). Either way no node runs on. */
static void
test_demo_nodes (gconstpointer data)
{
  int signal_number = GPOINTER_TO_INT (data);
  const char *gui = g_getenv ("LIAISON_GUI");
  g_autoptr (GSubprocess) app = NULL;
  g_autoptr (GArray) nodes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *store = NULL;
  g_autofree char *demo_dir = NULL;
  gint64 deadline;
  pid_t pid;

  if (gui == NULL)
    {
      g_test_skip ("LIAISON_GUI does not name the liaison program");
      return;
    }
  app = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                          &error, gui, "--demo", NULL);
  g_assert_no_error (error);
  pid = (pid_t) g_ascii_strtoll (g_subprocess_get_identifier (app), NULL, 10);

  /* Its three nodes, once they run (the set-up makes four stores first). */
  deadline = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;
  for (;;)
    {
      g_clear_pointer (&nodes, g_array_unref);
      g_clear_pointer (&store, g_free);
      nodes = serve_children (pid, &store);
      if (nodes->len == 3 && store != NULL)
        break;
      if (g_get_monotonic_time () > deadline || process_gone (pid))
        g_error ("liaison --demo did not start its three nodes (%u running)", nodes->len);
      g_usleep (100 * 1000);
    }
  demo_dir = g_path_get_dirname (store);
  g_assert_true (g_file_test (demo_dir, G_FILE_TEST_IS_DIR));

  g_subprocess_send_signal (app, signal_number);
  g_subprocess_wait (app, NULL, &error);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (guint i = 0; i < nodes->len; i++)
    {
      pid_t node = g_array_index (nodes, pid_t, i);

      while (!process_gone (node))
        {
          if (g_get_monotonic_time () > deadline)
            g_error ("the demonstration's node %d still runs after liaison stopped", (int) node);
          g_usleep (50 * 1000);
        }
    }
  if (signal_number == SIGTERM)
    {
      /* Quit as a person would: nothing left behind. */
      g_assert_true (g_subprocess_get_if_exited (app));
      g_assert_false (g_file_test (demo_dir, G_FILE_TEST_EXISTS));
    }
  else
    {
      /* Killed, it could not remove its directory (fictional data,
       * encrypted at rest): the test does. */
      const char *argv[] = { "rm", "-rf", demo_dir, NULL };

      g_assert_true (g_subprocess_get_if_signaled (app));
      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                   NULL, NULL, NULL, &error));
      g_assert_no_error (error);
    }
}

int
main (int   argc,
      char *argv[])
{
  lia_ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/first-run", test_first_run);
  g_test_add_func ("/ui/case", test_case);
  g_test_add_func ("/ui/idle-lock", test_idle_lock);
  g_test_add_func ("/ui/damaged-store", test_damaged_store);
  g_test_add_func ("/ui/screens", test_screens);
  g_test_add_func ("/ui/long-lists", test_long_lists);
  g_test_add_func ("/ui/deadline-notification", test_deadline_notification);
  g_test_add_func ("/ui/peers", test_peers);
  g_test_add_func ("/ui/sync", test_sync);
  g_test_add_func ("/ui/preferences", test_preferences);
  g_test_add_func ("/ui/demo", test_demo);
  g_test_add_data_func ("/ui/demo/nodes/terminated", GINT_TO_POINTER (SIGTERM), test_demo_nodes);
  g_test_add_data_func ("/ui/demo/nodes/killed", GINT_TO_POINTER (SIGKILL), test_demo_nodes);
  return g_test_run ();
}
