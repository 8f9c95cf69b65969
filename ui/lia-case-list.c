/* lia-case-list.c: the list of cases, with search and filters.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-array-model.h"
#include "lia-case-list.h"
#include "lia-case-row.h"
#include "lia-case-summary.h"
#include "lia-errors.h"
#include "lia-item.h"
#include "lia-loader.h"
#include "lia-paced-model.h"

struct _LiaCaseList
{
  AdwBin              parent_instance;

  LiaApplication     *app;          /* borrowed */
  LiaLoader          *loader;       /* owned */
  LiaArrayModel      *cases;        /* owned: LiaCaseSummary rows */
  GtkCustomFilter    *filter;       /* owned */
  GtkFilterListModel *filtered;     /* owned */
  LiaPacedModel      *paced;        /* owned: the filtered cases, to the view */
  GtkSingleSelection *selection;    /* owned */
  char               *search;       /* owned: case-folded search words, or NULL */
  char              **search_words; /* owned */
  char               *to_select;    /* owned: a case to select once loaded */
  gboolean            loaded;
  gboolean            selecting;    /* selecting programmatically: no signal */

  GtkSearchEntry     *search_entry;
  GtkToggleButton    *open_toggle;
  GtkToggleButton    *mine_toggle;
  GtkToggleButton    *overdue_toggle;
  GtkStack           *stack;
  GtkSpinner         *spinner;
  GtkListView        *list_view;
  AdwStatusPage      *error_page;
};

G_DEFINE_FINAL_TYPE (LiaCaseList, lia_case_list, ADW_TYPE_BIN)

enum
{
  SIGNAL_CASE_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The job: every case's summary, as of today. */
static gpointer
load_job (LiaStore     *store,
          gpointer      user_data,
          GCancellable *cancellable,
          GError      **error)
{
  GDate today;

  lia_get_today (&today);
  return lia_case_summaries_load (store, &today, error);
}

static void
update_stack (LiaCaseList *self)
{
  guint total = lia_case_list_get_n_cases (self);
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));

  if (!self->loaded)
    return;
  if (total == 0)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else if (shown == 0)
    gtk_stack_set_visible_child_name (self->stack, "no-match");
  else
    gtk_stack_set_visible_child_name (self->stack, "list");
}

static void filter_changed_cb (LiaCaseList *self);

static guint
find_position (LiaCaseList *self,
               const char  *case_id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (LiaItem) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), i);
      const LiaCaseSummary *s = lia_item_get (item);

      if (g_str_equal (s->id, case_id))
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static gboolean
is_loaded_case (LiaCaseList *self,
                const char  *case_id)
{
  GPtrArray *array = lia_array_model_get_array (self->cases);

  for (guint i = 0; array != NULL && i < array->len; i++)
    if (g_str_equal (((LiaCaseSummary *) array->pdata[i])->id, case_id))
      return TRUE;
  return FALSE;
}

static void
select_now (LiaCaseList *self,
            const char  *case_id)
{
  guint position = find_position (self, case_id);

  if (position == GTK_INVALID_LIST_POSITION && is_loaded_case (self, case_id))
    {
      /* Hidden by the search or a filter: show everything. */
      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
      gtk_toggle_button_set_active (self->open_toggle, FALSE);
      gtk_toggle_button_set_active (self->mine_toggle, FALSE);
      gtk_toggle_button_set_active (self->overdue_toggle, FALSE);
      filter_changed_cb (self);
      position = find_position (self, case_id);
    }
  if (position == GTK_INVALID_LIST_POSITION)
    return;
  /* The view may not have that row yet (lia-paced-model.h). */
  lia_paced_model_show_all (self->paced);
  self->selecting = TRUE;
  gtk_single_selection_set_selected (self->selection, position);
  self->selecting = FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u",
                              position);
}

static void
loaded_cb (gpointer      result,
           const GError *error,
           gpointer      user_data)
{
  LiaCaseList *self = user_data;
  g_autoptr (GPtrArray) summaries = result;

  self->loaded = TRUE;
  gtk_spinner_set_spinning (self->spinner, FALSE);
  if (error != NULL)
    {
      g_autofree char *message = lia_error_describe (error);

      adw_status_page_set_description (self->error_page, message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  /* The list on the screen before it fills, so that it fills a few rows
   * a frame (lia-paced-model.h). */
  if (summaries->len > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  self->selecting = TRUE;
  lia_array_model_set_array (self->cases, summaries, lia_case_summary_equal);
  self->selecting = FALSE;
  update_stack (self);
  if (self->to_select != NULL && is_loaded_case (self, self->to_select))
    {
      g_autofree char *id = g_steal_pointer (&self->to_select);

      select_now (self, id);
      g_signal_emit (self, signals[SIGNAL_CASE_SELECTED], 0, id);
    }
}

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  LiaCaseList *self = user_data;
  const LiaCaseSummary *s = lia_item_get (item);

  if (gtk_toggle_button_get_active (self->open_toggle) && s->closed)
    return FALSE;
  if (gtk_toggle_button_get_active (self->mine_toggle) && !s->ours)
    return FALSE;
  if (gtk_toggle_button_get_active (self->overdue_toggle) && s->badge != LIA_BADGE_OVERDUE)
    return FALSE;
  for (guint i = 0; self->search_words != NULL && self->search_words[i] != NULL; i++)
    if (strstr (s->search_key, self->search_words[i]) == NULL)
      return FALSE;
  return TRUE;
}

static void
filter_changed_cb (LiaCaseList *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *folded = g_utf8_casefold (text, -1);

  g_strfreev (self->search_words);
  self->search_words = g_strsplit_set (g_strstrip (folded), " \t", -1);
  /* Empty strings from runs of spaces match everything; drop them. */
  {
    guint j = 0;

    for (guint i = 0; self->search_words[i] != NULL; i++)
      {
        if (self->search_words[i][0] == '\0')
          g_free (self->search_words[i]);
        else
          self->search_words[j++] = self->search_words[i];
      }
    self->search_words[j] = NULL;
  }
  /* With no search and no filter, the filter model passes every case
   * through without looking at each. */
  gtk_filter_list_model_set_filter (self->filtered,
                                    self->search_words[0] != NULL
                                      || gtk_toggle_button_get_active (self->open_toggle)
                                      || gtk_toggle_button_get_active (self->mine_toggle)
                                      || gtk_toggle_button_get_active (self->overdue_toggle)
                                      ? GTK_FILTER (self->filter)
                                      : NULL);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_stack (self);
}

static void
selection_changed_cb (LiaCaseList *self)
{
  LiaItem *item = gtk_single_selection_get_selected_item (self->selection);

  if (item == NULL || self->selecting)
    return;
  g_signal_emit (self, signals[SIGNAL_CASE_SELECTED], 0,
                 ((const LiaCaseSummary *) lia_item_get (item))->id);
}

static void
row_activated_cb (LiaCaseList *self,
                  guint        position)
{
  g_autoptr (LiaItem) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);

  self->selecting = TRUE;
  gtk_single_selection_set_selected (self->selection, position);
  self->selecting = FALSE;
  if (item != NULL)
    g_signal_emit (self, signals[SIGNAL_CASE_SELECTED], 0,
                   ((const LiaCaseSummary *) lia_item_get (item))->id);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, lia_case_row_new ());
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  LiaItem *item = gtk_list_item_get_item (list_item);

  lia_case_row_set_summary (LIA_CASE_ROW (gtk_list_item_get_child (list_item)),
                            lia_item_get (item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  lia_case_row_set_summary (LIA_CASE_ROW (gtk_list_item_get_child (list_item)), NULL);
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LiaCaseList *self = LIA_CASE_LIST (widget);

  if (self->loader != NULL)
    lia_loader_load (self->loader);
}

static void
lia_case_list_dispose (GObject *object)
{
  LiaCaseList *self = LIA_CASE_LIST (object);

  if (self->loader != NULL)
    lia_loader_cancel (self->loader);
  g_clear_object (&self->loader);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->paced);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->cases);
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_CASE_LIST);
  G_OBJECT_CLASS (lia_case_list_parent_class)->dispose (object);
}

static void
lia_case_list_finalize (GObject *object)
{
  LiaCaseList *self = LIA_CASE_LIST (object);

  g_strfreev (self->search_words);
  g_free (self->search);
  g_free (self->to_select);
  G_OBJECT_CLASS (lia_case_list_parent_class)->finalize (object);
}

static void
lia_case_list_class_init (LiaCaseListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_case_list_dispose;
  object_class->finalize = lia_case_list_finalize;

  /**
   * LiaCaseList::case-selected:
   * @case_id: the case
   *
   * A case was chosen from the list.
   */
  signals[SIGNAL_CASE_SELECTED] = g_signal_new ("case-selected", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-case-list.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaCaseList, search_entry);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseList, open_toggle);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseList, mine_toggle);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseList, overdue_toggle);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseList, stack);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseList, spinner);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseList, list_view);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseList, error_page);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);

  gtk_widget_class_install_action (widget_class, "cases.reload", NULL, reload_action);
}

static void
lia_case_list_init (LiaCaseList *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cases = lia_array_model_new ();
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->cases)), NULL);
  self->paced = lia_paced_model_new (G_LIST_MODEL (self->filtered), GTK_WIDGET (self->list_view));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->paced)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected",
                            G_CALLBACK (selection_changed_cb), self);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  gtk_spinner_set_spinning (self->spinner, TRUE);
  gtk_stack_set_visible_child_name (self->stack, "loading");
}

LiaCaseList *
lia_case_list_new (LiaApplication *application)
{
  LiaCaseList *self = g_object_new (LIA_TYPE_CASE_LIST, NULL);

  self->app = application;
  self->loader = lia_loader_new (lia_application_get_worker (application), NULL, load_job,
                                 g_object_ref (application), g_object_unref,
                                 (GDestroyNotify) g_ptr_array_unref, loaded_cb, self);
  lia_loader_load (self->loader);
  return self;
}

void
lia_case_list_select (LiaCaseList *self,
                      const char  *case_id)
{
  g_return_if_fail (LIA_IS_CASE_LIST (self));

  if (self->loaded && is_loaded_case (self, case_id))
    {
      select_now (self, case_id);
      return;
    }
  /* Not there yet (a case just made, or one a notification names before
   * the list has loaded): when the next load brings it. */
  g_free (self->to_select);
  self->to_select = g_strdup (case_id);
}

guint
lia_case_list_get_n_cases (LiaCaseList *self)
{
  g_return_val_if_fail (LIA_IS_CASE_LIST (self), 0);

  return g_list_model_get_n_items (G_LIST_MODEL (self->cases));
}

gboolean
lia_case_list_is_loaded (LiaCaseList *self)
{
  g_return_val_if_fail (LIA_IS_CASE_LIST (self), FALSE);

  return self->loaded;
}

void
lia_case_list_focus_search (LiaCaseList *self)
{
  g_return_if_fail (LIA_IS_CASE_LIST (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}
