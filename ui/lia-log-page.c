/* lia-log-page.c: the disclosure log of a case.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-array-model.h"
#include "lia-errors.h"
#include "lia-item.h"
#include "lia-loader.h"
#include "lia-paced-model.h"
#include "lia-log-page.h"
#include "lia-log.h"
#include "lia-util.h"

typedef struct
{
  GPtrArray *entries;    /* owned LiaLogEntry, of this case */
  gboolean   verified;
  gint64     n_checked;  /* entries in the whole log */
  gint64     bad_seq;
  GError    *error;      /* owned: why it does not verify */
} LogData;

static void
log_data_free (LogData *data)
{
  if (data == NULL)
    return;
  g_clear_pointer (&data->entries, g_ptr_array_unref);
  g_clear_error (&data->error);
  g_free (data);
}

struct _LiaLogPage
{
  AdwBin          parent_instance;

  LiaApplication *app;       /* borrowed */
  char           *case_id;   /* owned */
  LiaLoader      *loader;    /* owned */
  LiaArrayModel  *entries;   /* owned: LiaLogEntry rows */
  LiaPacedModel  *paced;     /* owned: the entries, to the view */

  GtkImage       *verify_icon;
  GtkLabel       *verify_label;
  GtkStack       *stack;
  GtkListView    *list_view;
};

G_DEFINE_FINAL_TYPE (LiaLogPage, lia_log_page, ADW_TYPE_BIN)

static gpointer
load_job (LiaStore     *store,
          gpointer      case_id,
          GCancellable *cancellable,
          GError      **error)
{
  LogData *data = g_new0 (LogData, 1);

  data->entries = lia_log_list (store, case_id, error);
  if (data->entries == NULL)
    {
      log_data_free (data);
      return NULL;
    }
  /* The whole log, not only this case's part: an entry of another case
   * removed or edited breaks the chain for every case. */
  data->verified = lia_log_verify_full (store, &data->n_checked, &data->bad_seq, &data->error);
  return data;
}

static const char *
event_label (LiaLogEvent event)
{
  switch (event)
    {
    case LIA_LOG_DISCLOSED:
      return _("Disclosed to");
    case LIA_LOG_RECEIVED:
      return _("Received from");
    case LIA_LOG_DECLINED:
      return _("Declined the request of");
    case LIA_LOG_REDIRECTED:
      return _("Redirected the request of");
    case LIA_LOG_WITHHELD:
      return _("Withheld as sensitive or secret from");
    case LIA_LOG_EXTENDED:
      return _("Added as a recipient, by the originator’s agreement:");
    case LIA_LOG_WITHDRAWN:
      return _("Withdrawn, with");
    case LIA_LOG_RETURNED:
      return _("Returned, with");
    case LIA_LOG_DESTROYED:
    default:
      return _("Destroyed, with");
    }
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *detail = gtk_label_new (NULL);

  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_wrap (GTK_LABEL (detail), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (detail), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (detail, "caption");
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), detail);
  gtk_list_item_set_child (list_item, box);
  gtk_list_item_set_activatable (list_item, FALSE);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  const LiaLogEntry *e = lia_item_get (gtk_list_item_get_item (list_item));
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *detail = gtk_widget_get_next_sibling (title);
  g_autofree char *when = lia_format_time (e->at / G_USEC_PER_SEC);
  g_autofree char *heading = NULL;
  g_autoptr (GString) text = g_string_new ("");
  g_autofree char *accessible = NULL;

  /* Translators: a log entry's number, what happened and with whom */
  heading = g_strdup_printf (_("%lld. %s %s"), (long long) e->seq, event_label (e->event),
                             e->counterpart_name != NULL ? e->counterpart_name : _("no one"));
  gtk_label_set_text (GTK_LABEL (title), heading);
  g_string_append (text, when);
  if (e->what != NULL)
    g_string_append_printf (text, " · %s", e->what);
  if (e->record_id != NULL)
    g_string_append_printf (text, _(" · record %.8s, version %lld"), e->record_id,
                            (long long) e->record_version);
  if (e->decision != NULL)
    g_string_append_printf (text, _(" · decision: %s"), e->decision);
  if (e->redirect_name != NULL)
    g_string_append_printf (text, _(" · redirected to %s"), e->redirect_name);
  if (e->reason != NULL)
    g_string_append_printf (text, _("\nReason: %s"), e->reason);
  if (e->basis != NULL)
    g_string_append_printf (text, _("\nBasis: %s"), e->basis);
  if (e->by != NULL)
    g_string_append_printf (text, _("\nBy %s"), e->by);
  gtk_label_set_text (GTK_LABEL (detail), text->str);
  accessible = g_strdup_printf ("%s. %s", heading, text->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
}

static gboolean
entry_equal (gconstpointer a,
             gconstpointer b)
{
  return ((const LiaLogEntry *) a)->seq == ((const LiaLogEntry *) b)->seq;
}

static void
loaded_cb (gpointer      result,
           const GError *error,
           gpointer      user_data)
{
  LiaLogPage *self = user_data;
  LogData *data = result;
  g_autofree char *text = NULL;

  gtk_widget_remove_css_class (GTK_WIDGET (self->verify_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->verify_icon), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->verify_icon), "success");
  if (data == NULL)
    {
      text = lia_error_describe (error);
      gtk_label_set_text (self->verify_label, text);
      gtk_widget_add_css_class (GTK_WIDGET (self->verify_label), "error");
      gtk_image_set_from_icon_name (self->verify_icon, "dialog-warning-symbolic");
      return;
    }
  if (data->verified)
    {
      text = g_strdup_printf (ngettext ("Verified: the log’s %lld entry is in "
                                        "order, complete and signed by this organisation.",
                                        "Verified: the log’s %lld entries are in "
                                        "order, complete and signed by this organisation.",
                                        (gulong) data->n_checked),
                              (long long) data->n_checked);
      gtk_image_set_from_icon_name (self->verify_icon, "emblem-ok-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->verify_icon), "success");
    }
  else
    {
      text = g_strdup_printf (_("The log does not verify: it has been altered at entry "
                                "%lld. Keep the store as it is and tell your "
                                "information governance lead. (%s)"),
                              (long long) data->bad_seq, data->error != NULL ? data->error->message : "");
      gtk_image_set_from_icon_name (self->verify_icon, "dialog-warning-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->verify_icon), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->verify_label), "error");
    }
  gtk_label_set_text (self->verify_label, text);
  /* The list on the screen before it fills, so that it fills a few rows
   * a frame (lia-paced-model.h). */
  gtk_stack_set_visible_child_name (self->stack, data->entries->len == 0 ? "empty" : "list");
  lia_array_model_set_array (self->entries, data->entries, entry_equal);
  log_data_free (data);
}

/* ---- export ---------------------------------------------------------------- */

static gboolean
export_log (LiaStore      *store,
            gpointer       case_id,
            GOutputStream *out,
            guint         *out_rows,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr (GPtrArray) entries = lia_log_list (store, case_id, error);

  if (entries == NULL || !lia_log_write_csv (entries, out, error))
    return FALSE;
  *out_rows = entries->len;
  return TRUE;
}

static char *
exported_message (guint rows)
{
  return g_strdup_printf (ngettext ("Exported %u log entry", "Exported %u log entries", rows),
                          rows);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LiaLogPage *self = LIA_LOG_PAGE (widget);
  g_autofree char *short_id = g_strndup (self->case_id, 8);
  g_autofree char *name = lia_export_file_name ("disclosure-log", short_id, "csv");

  lia_export_to_file (widget, lia_application_get_worker (self->app),
                      _("Export the disclosure log"), name, export_log, g_strdup (self->case_id),
                      g_free, exported_message);
}

/* ---- the page -------------------------------------------------------------- */

static void
lia_log_page_dispose (GObject *object)
{
  LiaLogPage *self = LIA_LOG_PAGE (object);

  if (self->loader != NULL)
    lia_loader_cancel (self->loader);
  g_clear_object (&self->loader);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->paced);
  g_clear_object (&self->entries);
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_LOG_PAGE);
  G_OBJECT_CLASS (lia_log_page_parent_class)->dispose (object);
}

static void
lia_log_page_finalize (GObject *object)
{
  LiaLogPage *self = LIA_LOG_PAGE (object);

  g_free (self->case_id);
  G_OBJECT_CLASS (lia_log_page_parent_class)->finalize (object);
}

static void
lia_log_page_class_init (LiaLogPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_log_page_dispose;
  object_class->finalize = lia_log_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-log-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaLogPage, verify_icon);
  gtk_widget_class_bind_template_child (widget_class, LiaLogPage, verify_label);
  gtk_widget_class_bind_template_child (widget_class, LiaLogPage, stack);
  gtk_widget_class_bind_template_child (widget_class, LiaLogPage, list_view);

  gtk_widget_class_install_action (widget_class, "log.export", NULL, export_action);
}

static void
lia_log_page_init (LiaLogPage *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkNoSelection *selection;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->entries = lia_array_model_new ();
  self->paced = lia_paced_model_new (G_LIST_MODEL (self->entries), GTK_WIDGET (self->list_view));
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->paced)));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);
}

LiaLogPage *
lia_log_page_new (LiaApplication *application,
                  const char     *case_id)
{
  LiaLogPage *self = g_object_new (LIA_TYPE_LOG_PAGE, NULL);

  self->app = application;
  self->case_id = g_strdup (case_id);
  self->loader = lia_loader_new (lia_application_get_worker (application), case_id, load_job,
                                 g_strdup (case_id), g_free, (GDestroyNotify) log_data_free,
                                 loaded_cb, self);
  lia_loader_load_when_mapped (self->loader, GTK_WIDGET (self));
  return self;
}
