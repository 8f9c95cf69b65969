/* test-ui-widgets.c: the user interface's building blocks that keep the
 * main loop free: LiaWrapBin, LiaInfoRow, lia_after_next_frame() and
 * LiaPacedModel, each in a real window under Xvfb, with real frames.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "lia-info-row.h"
#include "lia-paced-model.h"
#include "lia-ui-test.h"
#include "lia-util.h"
#include "lia-wrap-bin.h"

#define LONG_TEXT                                                                              \
  "Before an LCSPR is published while an IOPC investigation is open, ask the IOPC whether "   \
  "it has representations on publication (IOPC and Safeguarding Advisory Framework 2026)"

/* ---- helpers ----------------------------------------------------------- */

static gboolean
mapped_cb (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

/* A window with @child, on the screen. */
static GtkWindow *
show_window (GtkWidget *child)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, 600, 400);
  gtk_window_set_child (window, child);
  gtk_window_present (window);
  lia_ui_wait_until (mapped_cb, child, "the window on the screen");
  return window;
}

typedef struct
{
  guint painted;
} Frames;

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       user_data)
{
  ((Frames *) user_data)->painted++;
}

static gboolean
painted_cb (gpointer user_data)
{
  Frames *frames = user_data;

  return frames->painted > 0;
}

/* Iterates until a frame has been painted since @frames was zeroed. */
static void
wait_for_frame (GtkWidget *widget,
                Frames    *frames)
{
  frames->painted = 0;
  gtk_widget_queue_draw (widget);
  lia_ui_wait_until (painted_cb, frames, "a frame");
}

/* ---- LiaWrapBin ----------------------------------------------------------- */

static GtkWidget *
wrapping_label (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  return label;
}

static void
test_wrap_bin_measure (void)
{
  GtkWidget *label = wrapping_label (LONG_TEXT);
  GtkWidget *bin = lia_wrap_bin_new (label);
  GtkWindow *window;
  int min, nat, min_h, nat_h, narrow_min, narrow_nat, wide_min, wide_nat;

  g_assert_true (lia_wrap_bin_get_child (LIA_WRAP_BIN (bin)) == label);
  g_assert_cmpstr (gtk_widget_get_css_name (bin), ==, "box");
  g_assert_cmpint (gtk_widget_get_request_mode (bin), ==, GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH);
  window = show_window (bin);

  /* Its width for a height is its width for no height: the label's own. */
  gtk_widget_measure (bin, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  gtk_widget_measure (bin, GTK_ORIENTATION_HORIZONTAL, 20, &min_h, &nat_h, NULL, NULL);
  g_assert_cmpint (min_h, ==, min);
  g_assert_cmpint (nat_h, ==, nat);
  gtk_widget_measure (label, GTK_ORIENTATION_HORIZONTAL, -1, &min_h, &nat_h, NULL, NULL);
  g_assert_cmpint (min_h, ==, min);
  g_assert_cmpint (nat_h, ==, nat);
  g_assert_cmpint (min, <, nat);

  /* The text still wraps: narrower is taller. */
  gtk_widget_measure (bin, GTK_ORIENTATION_VERTICAL, min, &narrow_min, &narrow_nat, NULL, NULL);
  gtk_widget_measure (bin, GTK_ORIENTATION_VERTICAL, nat, &wide_min, &wide_nat, NULL, NULL);
  g_assert_cmpint (narrow_min, >, wide_min);

  /* And it gets the bin's whole allocation. */
  g_assert_cmpint (gtk_widget_get_width (label), ==, gtk_widget_get_width (bin));
  g_assert_cmpint (gtk_widget_get_height (label), ==, gtk_widget_get_height (bin));
  gtk_window_destroy (window);
}

/* A hidden child takes no room. */
static void
test_wrap_bin_hidden (void)
{
  GtkWidget *label = wrapping_label (LONG_TEXT);
  g_autoptr (GtkWidget) bin = g_object_ref_sink (lia_wrap_bin_new (label));
  int min = -1, nat = -1;

  gtk_widget_set_visible (label, FALSE);
  gtk_widget_measure (bin, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (min, ==, 0);
  g_assert_cmpint (nat, ==, 0);
  gtk_widget_measure (bin, GTK_ORIENTATION_VERTICAL, 300, &min, &nat, NULL, NULL);
  g_assert_cmpint (min, ==, 0);
  g_assert_cmpint (nat, ==, 0);
}

/* ---- LiaInfoRow ----------------------------------------------------------- */

/* The label with @css_class under @root, mapped or not. */
static GtkLabel *
find_label (GtkWidget  *root,
            const char *css_class)
{
  if (GTK_IS_LABEL (root) && gtk_widget_has_css_class (root, css_class))
    return GTK_LABEL (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label (child, css_class);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_info_row_text (void)
{
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *row = lia_info_row_new ("Publish the LCSPR report", LONG_TEXT);
  GtkWidget *pill = lia_pill_new ("Due", "soon");
  GtkWindow *window;
  GtkLabel *title, *subtitle;

  gtk_list_box_append (GTK_LIST_BOX (list), row);
  lia_info_row_add_suffix (LIA_INFO_ROW (row), pill);
  window = show_window (list);

  /* The title is the preferences row's, and shown; so is the subtitle,
   * both wrapping, in full. */
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==,
                   "Publish the LCSPR report");
  title = find_label (row, "title");
  subtitle = find_label (row, "subtitle");
  g_assert_nonnull (title);
  g_assert_nonnull (subtitle);
  g_assert_cmpstr (gtk_label_get_text (title), ==, "Publish the LCSPR report");
  g_assert_cmpstr (gtk_label_get_text (subtitle), ==, LONG_TEXT);
  g_assert_cmpstr (lia_info_row_get_subtitle (LIA_INFO_ROW (row)), ==, LONG_TEXT);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (title)));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (subtitle)));
  g_assert_true (gtk_label_get_wrap (subtitle));
  g_assert_cmpint (gtk_label_get_lines (subtitle), <=, 0);
  g_assert_cmpint (gtk_label_get_ellipsize (subtitle), ==, PANGO_ELLIPSIZE_NONE);
  /* The theme's nodes: row > box.header > box.title. */
  g_assert_true (gtk_widget_has_css_class (gtk_widget_get_parent (gtk_widget_get_parent (
                                             GTK_WIDGET (title))), "title"));
  /* The suffix is on the screen, after the text. */
  g_assert_true (gtk_widget_get_mapped (pill));
  g_assert_false (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row)));

  /* Text, not markup; and the subtitle goes when there is none. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), "<b>Five & six</b>");
  g_assert_cmpstr (gtk_label_get_text (title), ==, "<b>Five & six</b>");
  lia_info_row_set_subtitle (LIA_INFO_ROW (row), NULL);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (subtitle)));
  lia_info_row_set_subtitle (LIA_INFO_ROW (row), "Due 8 June 2026");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (subtitle)));
  g_assert_cmpstr (gtk_label_get_text (subtitle), ==, "Due 8 June 2026");
  gtk_window_destroy (window);
}

/* Without a subtitle or a suffix: the title alone. */
static void
test_info_row_plain (void)
{
  g_autoptr (GtkWidget) row = g_object_ref_sink (lia_info_row_new ("Today, 14 September", NULL));
  GtkLabel *subtitle = find_label (row, "subtitle");

  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (subtitle)));
  g_assert_cmpstr (lia_info_row_get_subtitle (LIA_INFO_ROW (row)), ==, "");
  g_assert_cmpstr (gtk_label_get_text (find_label (row, "title")), ==, "Today, 14 September");
}

/* ---- lia_after_next_frame() ------------------------------------------------ */

typedef struct
{
  guint  calls;
  guint  frees;
  Frames frames;
  guint  painted_at_call;
} Later;

static void
later_cb (gpointer user_data)
{
  Later *later = user_data;

  later->calls++;
  later->painted_at_call = later->frames.painted;
}

static void
later_free (gpointer user_data)
{
  ((Later *) user_data)->frees++;
}

static gboolean
called_cb (gpointer user_data)
{
  return ((Later *) user_data)->calls > 0;
}

static void
test_after_next_frame_mapped (void)
{
  GtkWidget *label = gtk_label_new ("A page");
  GtkWindow *window = show_window (label);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (label);
  Later later = { 0 };
  guint id;

  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &later.frames);
  wait_for_frame (label, &later.frames);
  later.frames.painted = 0;
  id = lia_after_next_frame (label, later_cb, &later, later_free);
  g_assert_cmpuint (id, !=, 0);
  g_assert_cmpuint (later.calls, ==, 0);
  gtk_widget_queue_draw (label);
  lia_ui_wait_until (called_cb, &later, "the call after the next frame");
  /* Called once, after a frame was painted without it, and freed. */
  g_assert_cmpuint (later.calls, ==, 1);
  g_assert_cmpuint (later.painted_at_call, >=, 1);
  g_assert_cmpuint (later.frees, ==, 1);
  wait_for_frame (label, &later.frames);
  g_assert_cmpuint (later.calls, ==, 1);
  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, &later.frames);
  gtk_window_destroy (window);
}

static void
test_after_next_frame_cancel (void)
{
  GtkWidget *label = gtk_label_new ("A page");
  GtkWindow *window = show_window (label);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (label);
  Later later = { 0 };
  guint id = lia_after_next_frame (label, later_cb, &later, later_free);

  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &later.frames);
  lia_after_next_frame_cancel (label, &id);
  g_assert_cmpuint (id, ==, 0);
  g_assert_cmpuint (later.frees, ==, 1);
  wait_for_frame (label, &later.frames);
  wait_for_frame (label, &later.frames);
  g_assert_cmpuint (later.calls, ==, 0);
  /* A zero id is nothing to cancel. */
  lia_after_next_frame_cancel (label, &id);
  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, &later.frames);
  gtk_window_destroy (window);
}

/* A widget off the screen has no frames to wait for: at once. */
static void
test_after_next_frame_unmapped (void)
{
  g_autoptr (GtkWidget) label = g_object_ref_sink (gtk_label_new ("A page"));
  Later later = { 0 };

  g_assert_cmpuint (lia_after_next_frame (label, later_cb, &later, later_free), ==, 0);
  g_assert_cmpuint (later.calls, ==, 1);
  g_assert_cmpuint (later.frees, ==, 1);
}

/* ---- LiaPacedModel ---------------------------------------------------------- */

/* A list view over a LiaPacedModel over a GtkStringList, on the screen,
 * and a copy of what the paced model has told its view, kept from its
 * items-changed alone: the view's own idea of the list. */
typedef struct
{
  GtkWindow     *window;
  GtkWidget     *view;
  GtkStringList *strings;    /* owned */
  LiaPacedModel *paced;      /* owned */
  GPtrArray     *mirror;     /* owned: char *, what the view was told */
  guint          largest;    /* most items added by one change */
  Frames         frames;
} Paced;

static void
mirror_changed_cb (GListModel *model,
                   guint       position,
                   guint       removed,
                   guint       added,
                   gpointer    user_data)
{
  Paced *p = user_data;

  g_assert_cmpuint (position + removed, <=, p->mirror->len);
  g_ptr_array_remove_range (p->mirror, position, removed);
  for (guint i = 0; i < added; i++)
    {
      g_autoptr (GtkStringObject) item = g_list_model_get_item (model, position + i);

      g_assert_nonnull (item);
      g_ptr_array_insert (p->mirror, position + i, g_strdup (gtk_string_object_get_string (item)));
    }
  p->largest = MAX (p->largest, added);
  g_assert_cmpuint (p->mirror->len, ==, g_list_model_get_n_items (model));
}

/* What the view was told is the start of the strings, in order. */
static void
assert_mirror (Paced *p)
{
  g_assert_cmpuint (p->mirror->len, <=, g_list_model_get_n_items (G_LIST_MODEL (p->strings)));
  for (guint i = 0; i < p->mirror->len; i++)
    g_assert_cmpstr (p->mirror->pdata[i], ==, gtk_string_list_get_string (p->strings, i));
}

static void
setup_item_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  gtk_list_item_set_child (item, gtk_label_new (NULL));
}

static void
bind_item_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (gtk_list_item_get_item (item)));
}

static void
paced_setup (Paced        *p,
             gconstpointer data)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  g_autoptr (GtkNoSelection) selection = NULL;

  p->strings = gtk_string_list_new (NULL);
  p->view = gtk_list_view_new (NULL, factory);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_item_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_item_cb), NULL);
  p->paced = lia_paced_model_new (G_LIST_MODEL (p->strings), p->view);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (p->paced)));
  gtk_list_view_set_model (GTK_LIST_VIEW (p->view), GTK_SELECTION_MODEL (selection));
  p->mirror = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (p->paced, "items-changed", G_CALLBACK (mirror_changed_cb), p);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), p->view);
  p->window = show_window (scroller);
  lia_ui_wait_until (mapped_cb, p->view, "the list on the screen");
  g_signal_connect (gtk_widget_get_frame_clock (p->view), "after-paint",
                    G_CALLBACK (after_paint_cb), &p->frames);
}

static void
paced_teardown (Paced        *p,
                gconstpointer data)
{
  g_signal_handlers_disconnect_by_func (gtk_widget_get_frame_clock (p->view), after_paint_cb,
                                        &p->frames);
  g_signal_handlers_disconnect_by_func (p->paced, mirror_changed_cb, p);
  gtk_window_destroy (p->window);
  g_clear_object (&p->paced);
  g_clear_object (&p->strings);
  g_clear_pointer (&p->mirror, g_ptr_array_unref);
}

/* Puts @n strings ("prefix 0", ...) at @position, in one change. */
static void
splice_strings (Paced      *p,
                guint       position,
                guint       removed,
                const char *prefix,
                guint       n)
{
  g_autoptr (GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (strings, g_strdup_printf ("%s %u", prefix, i));
  g_ptr_array_add (strings, NULL);
  gtk_string_list_splice (p->strings, position, removed, (const char *const *) strings->pdata);
}

static gboolean
not_pacing_cb (gpointer user_data)
{
  return !lia_paced_model_is_pacing (user_data);
}

/* Many at once: the view gets them a step a frame, then the rest. */
static void
test_paced_many (Paced        *p,
                 gconstpointer data)
{
  guint frames = 0;

  splice_strings (p, 0, 0, "case", 10000);
  g_assert_true (lia_paced_model_is_pacing (p->paced));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (p->paced)), ==,
                    LIA_PACED_MODEL_STEP);
  assert_mirror (p);
  while (lia_paced_model_is_pacing (p->paced))
    {
      guint before = p->mirror->len;

      wait_for_frame (p->view, &p->frames);
      frames++;
      assert_mirror (p);
      /* A frame's worth at most, until the view has all it keeps. */
      if (lia_paced_model_is_pacing (p->paced))
        g_assert_cmpuint (p->mirror->len - before, <=, LIA_PACED_MODEL_STEP);
      g_assert_cmpuint (frames, <, 100);
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (p->paced)), ==, 10000);
  g_assert_cmpuint (p->mirror->len, ==, 10000);
  assert_mirror (p);
  g_assert_cmpuint (frames, >, 1);
}

/* A few at a time pass straight through. */
static void
test_paced_few (Paced        *p,
                gconstpointer data)
{
  splice_strings (p, 0, 0, "case", LIA_PACED_MODEL_STEP);
  g_assert_false (lia_paced_model_is_pacing (p->paced));
  splice_strings (p, 3, 2, "new", 5);
  g_assert_false (lia_paced_model_is_pacing (p->paced));
  gtk_string_list_remove (p->strings, 0);
  g_assert_cmpuint (p->mirror->len, ==, LIA_PACED_MODEL_STEP + 2);
  assert_mirror (p);
  g_assert_cmpuint (p->largest, ==, LIA_PACED_MODEL_STEP);
}

/* Changes while the view fills: before, inside and after what it has. */
static void
test_paced_changes_meanwhile (Paced        *p,
                              gconstpointer data)
{
  splice_strings (p, 0, 0, "case", 5000);
  wait_for_frame (p->view, &p->frames);
  g_assert_true (lia_paced_model_is_pacing (p->paced));
  /* A few replaced inside what the view has, and some removed after it. */
  splice_strings (p, 5, 3, "edited", 4);
  assert_mirror (p);
  gtk_string_list_remove (p->strings, 4000);
  assert_mirror (p);
  /* Many inserted inside: paced again from there. */
  splice_strings (p, 10, 0, "inserted", 3000);
  assert_mirror (p);
  g_assert_cmpuint (p->mirror->len, <=, 10 + LIA_PACED_MODEL_STEP);
  /* Some removed across the end of what the view has. */
  gtk_string_list_splice (p->strings, 20, 40, NULL);
  assert_mirror (p);
  lia_ui_wait_until (not_pacing_cb, p->paced, "the list to fill");
  g_assert_cmpuint (p->mirror->len, ==, g_list_model_get_n_items (G_LIST_MODEL (p->strings)));
  assert_mirror (p);
  /* Everything emptied, and many again. */
  gtk_string_list_splice (p->strings, 0, g_list_model_get_n_items (G_LIST_MODEL (p->strings)),
                          NULL);
  g_assert_cmpuint (p->mirror->len, ==, 0);
  splice_strings (p, 0, 0, "again", 600);
  g_assert_cmpuint (p->mirror->len, ==, LIA_PACED_MODEL_STEP);
  lia_ui_wait_until (not_pacing_cb, p->paced, "the list to fill again");
  g_assert_cmpuint (p->mirror->len, ==, 600);
  assert_mirror (p);
}

/* Before an item is selected: everything, now. */
static void
test_paced_show_all (Paced        *p,
                     gconstpointer data)
{
  splice_strings (p, 0, 0, "case", 10000);
  g_assert_true (lia_paced_model_is_pacing (p->paced));
  lia_paced_model_show_all (p->paced);
  g_assert_false (lia_paced_model_is_pacing (p->paced));
  g_assert_cmpuint (p->mirror->len, ==, 10000);
  assert_mirror (p);
  /* Nothing more comes with the next frames. */
  wait_for_frame (p->view, &p->frames);
  g_assert_cmpuint (p->mirror->len, ==, 10000);
}

/* A view that leaves the screen goes on filling (its frames go on while it
 * is realized); a view off the screen gets everything at once. */
static void
test_paced_unmapped (Paced        *p,
                     gconstpointer data)
{
  splice_strings (p, 0, 0, "case", 10000);
  g_assert_true (lia_paced_model_is_pacing (p->paced));
  gtk_widget_set_visible (p->view, FALSE);
  g_assert_true (lia_paced_model_is_pacing (p->paced));
  lia_ui_wait_until (not_pacing_cb, p->paced, "the hidden list to fill");
  g_assert_cmpuint (p->mirror->len, ==, 10000);
  assert_mirror (p);
  splice_strings (p, 0, 10000, "other", 5000);
  g_assert_false (lia_paced_model_is_pacing (p->paced));
  g_assert_cmpuint (p->mirror->len, ==, 5000);
  assert_mirror (p);
}

int
main (int   argc,
      char *argv[])
{
  lia_ui_test_init (&argc, &argv);
  gtk_init ();
  adw_init ();

  g_test_add_func ("/ui-widgets/wrap-bin/measure", test_wrap_bin_measure);
  g_test_add_func ("/ui-widgets/wrap-bin/hidden", test_wrap_bin_hidden);
  g_test_add_func ("/ui-widgets/info-row/text", test_info_row_text);
  g_test_add_func ("/ui-widgets/info-row/plain", test_info_row_plain);
  g_test_add_func ("/ui-widgets/after-next-frame/mapped", test_after_next_frame_mapped);
  g_test_add_func ("/ui-widgets/after-next-frame/cancel", test_after_next_frame_cancel);
  g_test_add_func ("/ui-widgets/after-next-frame/unmapped", test_after_next_frame_unmapped);
  g_test_add ("/ui-widgets/paced-model/many", Paced, NULL, paced_setup, test_paced_many,
              paced_teardown);
  g_test_add ("/ui-widgets/paced-model/few", Paced, NULL, paced_setup, test_paced_few,
              paced_teardown);
  g_test_add ("/ui-widgets/paced-model/changes-meanwhile", Paced, NULL, paced_setup,
              test_paced_changes_meanwhile, paced_teardown);
  g_test_add ("/ui-widgets/paced-model/show-all", Paced, NULL, paced_setup,
              test_paced_show_all, paced_teardown);
  g_test_add ("/ui-widgets/paced-model/unmapped", Paced, NULL, paced_setup,
              test_paced_unmapped, paced_teardown);
  return g_test_run ();
}
