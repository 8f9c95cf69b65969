/* lia-chronology-page.c: the multi-agency chronology of a case.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-array-model.h"
#include "lia-chronology-page.h"
#include "lia-chronology-row.h"
#include "lia-errors.h"
#include "lia-item.h"
#include "lia-loader.h"
#include "lia-paced-model.h"
#include "lia-record-dialog.h"
#include "lia-record.h"
#include "lia-util.h"

struct _LiaChronologyPage
{
  AdwBin              parent_instance;

  LiaApplication     *app;        /* borrowed */
  char               *case_id;    /* owned */
  LiaLoader          *loader;     /* owned */
  LiaArrayModel      *entries;    /* owned: LiaChronologyEntry rows */
  GtkCustomFilter    *filter;     /* owned */
  GtkFilterListModel *filtered;   /* owned */
  LiaPacedModel      *paced;      /* owned: the filtered entries, to the view */
  GtkStringList      *agencies;   /* owned: "All agencies", then each */
  char               *agency;     /* owned: case-folded agency shown, or NULL for all */
  gboolean            loaded;
  gboolean            updating_agencies;

  GtkDropDown        *agency_dropdown;
  GtkLabel           *count_label;
  GtkStack           *stack;
  GtkSpinner         *spinner;
  GtkListView        *list_view;
  AdwStatusPage      *error_page;
};

G_DEFINE_FINAL_TYPE (LiaChronologyPage, lia_chronology_page, ADW_TYPE_BIN)

/* The entries, and the agencies among them, sorted: both made on the
 * store's thread, so that fifty thousand entries cost the main thread
 * nothing but handing the array over. */
typedef struct
{
  GPtrArray *entries;   /* owned LiaChronologyEntry */
  GPtrArray *agencies;  /* owned char *, distinct ignoring case, in collation order */
} Chronology;

static void
chronology_free (Chronology *c)
{
  if (c == NULL)
    return;
  g_clear_pointer (&c->entries, g_ptr_array_unref);
  g_clear_pointer (&c->agencies, g_ptr_array_unref);
  g_free (c);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate (*(const char *const *) a, *(const char *const *) b);
}

static gpointer
load_job (LiaStore     *store,
          gpointer      case_id,
          GCancellable *cancellable,
          GError      **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Chronology *c = g_new0 (Chronology, 1);

  c->entries = lia_chronology_get (store, case_id, NULL, error);
  if (c->entries == NULL)
    {
      chronology_free (c);
      return NULL;
    }
  c->agencies = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < c->entries->len; i++)
    {
      const LiaChronologyEntry *e = c->entries->pdata[i];
      char *folded;

      if (e->agency == NULL)
        continue;
      folded = g_utf8_casefold (e->agency, -1);
      if (g_hash_table_contains (seen, folded))
        {
          g_free (folded);
          continue;
        }
      g_hash_table_add (seen, folded);
      g_ptr_array_add (c->agencies, g_strdup (e->agency));
    }
  g_ptr_array_sort (c->agencies, compare_names);
  return c;
}

static gboolean
entry_equal (gconstpointer a,
             gconstpointer b)
{
  const LiaChronologyEntry *x = a, *y = b;

  return g_strcmp0 (x->record_id, y->record_id) == 0 && g_strcmp0 (x->date, y->date) == 0
         && g_strcmp0 (x->agency, y->agency) == 0 && g_strcmp0 (x->what, y->what) == 0
         && g_strcmp0 (x->source, y->source) == 0 && g_strcmp0 (x->analysis, y->analysis) == 0
         && g_strcmp0 (x->expected, y->expected) == 0
         && g_strcmp0 (x->originator, y->originator) == 0;
}

static void
update_count (LiaChronologyPage *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint total = g_list_model_get_n_items (G_LIST_MODEL (self->entries));
  g_autofree char *text = NULL;

  if (shown == total)
    text = g_strdup_printf (ngettext ("%u entry", "%u entries", total), total);
  else
    /* Translators: how many chronology entries are shown, of how many */
    text = g_strdup_printf (ngettext ("%u of %u entry", "%u of %u entries", total), shown, total);
  gtk_label_set_text (self->count_label, text);
  if (self->loaded)
    gtk_stack_set_visible_child_name (self->stack, total == 0 ? "empty" : "list");
}

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  LiaChronologyPage *self = user_data;
  const LiaChronologyEntry *entry = lia_item_get (item);
  g_autofree char *folded = NULL;

  if (self->agency == NULL)
    return TRUE;
  if (entry->agency == NULL)
    return FALSE;
  folded = g_utf8_casefold (entry->agency, -1);
  return g_str_equal (folded, self->agency);
}

static void
agency_changed_cb (LiaChronologyPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->agency_dropdown);

  if (self->updating_agencies)
    return;
  g_clear_pointer (&self->agency, g_free);
  if (selected != GTK_INVALID_LIST_POSITION && selected > 0)
    self->agency = g_utf8_casefold (gtk_string_list_get_string (self->agencies, selected), -1);
  /* No filter at all while every agency is shown: the filter model then
   * passes the rows through without looking at each of them. */
  gtk_filter_list_model_set_filter (self->filtered,
                                    self->agency != NULL ? GTK_FILTER (self->filter) : NULL);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_count (self);
}

static void
update_agencies (LiaChronologyPage *self,
                 GPtrArray         *names)
{
  g_autoptr (GPtrArray) labels = g_ptr_array_new ();
  guint old_n = g_list_model_get_n_items (G_LIST_MODEL (self->agencies));
  guint selected = 0;

  g_ptr_array_add (labels, (gpointer) _("All agencies"));
  for (guint i = 0; i < names->len; i++)
    {
      g_ptr_array_add (labels, names->pdata[i]);
      if (self->agency != NULL)
        {
          g_autofree char *folded = g_utf8_casefold (names->pdata[i], -1);

          if (g_str_equal (folded, self->agency))
            selected = i + 1;
        }
    }
  g_ptr_array_add (labels, NULL);

  self->updating_agencies = TRUE;
  gtk_string_list_splice (self->agencies, 0, old_n, (const char *const *) labels->pdata);
  gtk_drop_down_set_selected (self->agency_dropdown, selected);
  self->updating_agencies = FALSE;
  if (selected == 0 && self->agency != NULL)
    agency_changed_cb (self);
}

static void
loaded_cb (gpointer      result,
           const GError *error,
           gpointer      user_data)
{
  LiaChronologyPage *self = user_data;
  Chronology *c = result;

  self->loaded = TRUE;
  gtk_spinner_set_spinning (self->spinner, FALSE);
  if (c == NULL)
    {
      g_autofree char *message = lia_error_describe (error);

      adw_status_page_set_description (self->error_page, message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }
  update_agencies (self, c->agencies);
  /* The list on the screen before it fills, so that it fills a few rows
   * a frame (lia-paced-model.h). */
  if (c->entries->len > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  lia_array_model_set_array (self->entries, c->entries, entry_equal);
  update_count (self);
  chronology_free (c);
}

/* ---- export ---------------------------------------------------------------- */

typedef struct
{
  char *case_id;
  char *agency;   /* or NULL */
} ExportData;

static void
export_data_free (gpointer user_data)
{
  ExportData *data = user_data;

  g_free (data->case_id);
  g_free (data->agency);
  g_free (data);
}

static gboolean
export_chronology (LiaStore      *store,
                   gpointer       user_data,
                   GOutputStream *out,
                   guint         *out_rows,
                   GCancellable  *cancellable,
                   GError       **error)
{
  ExportData *data = user_data;
  g_autoptr (GPtrArray) entries = lia_chronology_get (store, data->case_id, data->agency, error);

  if (entries == NULL || !lia_chronology_write_csv (entries, out, cancellable, error))
    return FALSE;
  *out_rows = entries->len;
  return TRUE;
}

static char *
exported_message (guint rows)
{
  return g_strdup_printf (ngettext ("Exported %u entry", "Exported %u entries", rows), rows);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LiaChronologyPage *self = LIA_CHRONOLOGY_PAGE (widget);
  g_autofree char *short_id = g_strndup (self->case_id, 8);
  g_autofree char *name = lia_export_file_name ("chronology", short_id, "csv");
  ExportData *data = g_new0 (ExportData, 1);
  guint selected = gtk_drop_down_get_selected (self->agency_dropdown);

  /* What is exported is what the page shows: the agency filter as it is
   * when the person asks. */
  data->case_id = g_strdup (self->case_id);
  if (selected != GTK_INVALID_LIST_POSITION && selected > 0)
    data->agency = g_strdup (gtk_string_list_get_string (self->agencies, selected));
  lia_export_to_file (widget, lia_application_get_worker (self->app), _("Export the chronology"),
                      name, export_chronology, data, export_data_free, exported_message);
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  LiaChronologyPage *self = LIA_CHRONOLOGY_PAGE (widget);

  lia_record_dialog_present (self->app, widget, self->case_id, LIA_RECORD_CHRONOLOGY, NULL);
}

/* ---- the page -------------------------------------------------------------- */

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, lia_chronology_row_new ());
  gtk_list_item_set_activatable (list_item, FALSE);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  lia_chronology_row_set_entry (LIA_CHRONOLOGY_ROW (gtk_list_item_get_child (list_item)),
                                lia_item_get (gtk_list_item_get_item (list_item)));
}

static void
lia_chronology_page_dispose (GObject *object)
{
  LiaChronologyPage *self = LIA_CHRONOLOGY_PAGE (object);

  if (self->loader != NULL)
    lia_loader_cancel (self->loader);
  g_clear_object (&self->loader);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->paced);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->entries);
  g_clear_object (&self->agencies);
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_CHRONOLOGY_PAGE);
  G_OBJECT_CLASS (lia_chronology_page_parent_class)->dispose (object);
}

static void
lia_chronology_page_finalize (GObject *object)
{
  LiaChronologyPage *self = LIA_CHRONOLOGY_PAGE (object);

  g_free (self->case_id);
  g_free (self->agency);
  G_OBJECT_CLASS (lia_chronology_page_parent_class)->finalize (object);
}

static void
lia_chronology_page_class_init (LiaChronologyPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_chronology_page_dispose;
  object_class->finalize = lia_chronology_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-chronology-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaChronologyPage, agency_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LiaChronologyPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, LiaChronologyPage, stack);
  gtk_widget_class_bind_template_child (widget_class, LiaChronologyPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, LiaChronologyPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, LiaChronologyPage, error_page);
  gtk_widget_class_bind_template_callback (widget_class, agency_changed_cb);

  gtk_widget_class_install_action (widget_class, "chronology.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "chronology.export", NULL, export_action);
}

static void
lia_chronology_page_init (LiaChronologyPage *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkNoSelection *selection;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->entries = lia_array_model_new ();
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->entries)), NULL);
  /* Filtering tens of thousands of entries by agency happens a batch at a
   * time between frames, not in one long stall. */
  gtk_filter_list_model_set_incremental (self->filtered, TRUE);
  g_signal_connect_swapped (self->filtered, "items-changed", G_CALLBACK (update_count), self);
  self->paced = lia_paced_model_new (G_LIST_MODEL (self->filtered), GTK_WIDGET (self->list_view));
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->paced)));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);

  self->agencies = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (self->agency_dropdown, G_LIST_MODEL (self->agencies));
  gtk_spinner_set_spinning (self->spinner, TRUE);
}

LiaChronologyPage *
lia_chronology_page_new (LiaApplication *application,
                         const char     *case_id)
{
  LiaChronologyPage *self = g_object_new (LIA_TYPE_CHRONOLOGY_PAGE, NULL);

  self->app = application;
  self->case_id = g_strdup (case_id);
  self->loader = lia_loader_new (lia_application_get_worker (application), case_id, load_job,
                                 g_strdup (case_id), g_free, (GDestroyNotify) chronology_free,
                                 loaded_cb, self);
  lia_loader_load_when_mapped (self->loader, GTK_WIDGET (self));
  return self;
}

guint
lia_chronology_page_get_n_entries (LiaChronologyPage *self)
{
  g_return_val_if_fail (LIA_IS_CHRONOLOGY_PAGE (self), 0);

  return g_list_model_get_n_items (G_LIST_MODEL (self->entries));
}

gboolean
lia_chronology_page_is_loaded (LiaChronologyPage *self)
{
  g_return_val_if_fail (LIA_IS_CHRONOLOGY_PAGE (self), FALSE);

  return self->loaded;
}
