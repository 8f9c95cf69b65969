/* lia-actions-page.c: the action plan of a case.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-actions-page.h"
#include "lia-errors.h"
#include "lia-info-row.h"
#include "lia-loader.h"
#include "lia-record-dialog.h"
#include "lia-record.h"
#include "lia-util.h"

typedef struct
{
  GPtrArray *actions;  /* owned LiaRecord */
  LiaOrg    *self;     /* owned */
} Actions;

static void
actions_free (Actions *data)
{
  if (data == NULL)
    return;
  g_clear_pointer (&data->actions, g_ptr_array_unref);
  g_clear_pointer (&data->self, lia_org_free);
  g_free (data);
}

struct _LiaActionsPage
{
  AdwBin          parent_instance;

  LiaApplication *app;       /* borrowed */
  char           *case_id;   /* owned */
  LiaLoader      *loader;    /* owned */
  Actions        *data;      /* owned */

  GtkLabel       *status_label;
  GtkListBox     *list;
};

G_DEFINE_FINAL_TYPE (LiaActionsPage, lia_actions_page, ADW_TYPE_BIN)

static gpointer
load_job (LiaStore     *store,
          gpointer      case_id,
          GCancellable *cancellable,
          GError      **error)
{
  Actions *data = g_new0 (Actions, 1);

  if ((data->actions = lia_record_list (store, case_id, LIA_RECORD_ACTION, error)) == NULL
      || (data->self = lia_store_get_self (store, error)) == NULL)
    {
      actions_free (data);
      return NULL;
    }
  return data;
}

static GtkWidget *
action_row (LiaActionsPage  *self,
            const LiaRecord *action,
            const GDate     *today)
{
  const char *what = lia_record_get_field (action, "action");
  const char *owner = lia_record_get_field (action, "owner");
  const char *due_text = lia_record_get_field (action, "due");
  const char *status = lia_record_get_field (action, "status");
  g_autofree char *due = lia_format_date_text (due_text);
  g_autofree char *subtitle = NULL;
  gboolean open = status == NULL || g_str_equal (status, "open")
                  || g_str_equal (status, "in-progress");
  GDate due_date;
  GtkWidget *row;
  const char *state_label;
  const char *state_class;

  /* Translators: an action's owner, due date and the organisation that set it */
  subtitle = g_strdup_printf (_("Owner: %s · due %s · set by %s"), owner != NULL ? owner : "",
                              due, action->originator->name);
  row = lia_info_row_new (what != NULL ? what : action->title, subtitle);
  gtk_widget_set_name (row, "action-row");
  if (open && due_text != NULL && lia_date_parse (due_text, &due_date, NULL)
      && g_date_compare (&due_date, today) < 0)
    {
      state_label = _("Overdue");
      state_class = "overdue";
    }
  else
    {
      state_label = lia_choice_label (status != NULL ? status : "open");
      state_class = open ? "soon" : "met";
    }
  lia_info_row_add_suffix (LIA_INFO_ROW (row), lia_pill_new (state_label, state_class));
  if (action->originator->id == self->data->self->id && !action->withdrawn)
    {
      GtkWidget *edit = gtk_button_new_from_icon_name ("document-edit-symbolic");

      gtk_widget_set_valign (edit, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (edit, "flat");
      gtk_widget_set_tooltip_text (edit, _("Update this action"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (edit), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Update this action"), -1);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (edit), "actions.edit");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (edit), "s", action->id);
      lia_info_row_add_suffix (LIA_INFO_ROW (row), edit);
    }
  return row;
}

static void
loaded_cb (gpointer      result,
           const GError *error,
           gpointer      user_data)
{
  LiaActionsPage *self = user_data;
  GDate today;

  actions_free (self->data);
  self->data = result;
  lia_list_box_clear (self->list);
  if (self->data == NULL)
    {
      g_autofree char *message = lia_error_describe (error);

      gtk_label_set_text (self->status_label, message);
      return;
    }
  gtk_label_set_text (self->status_label,
                      self->data->actions->len == 0
                        ? _("No actions yet. Each organisation records the actions it owns; "
                            "those shared with this organisation appear here too.")
                        : _("Each organisation updates the actions it set; overdue ones are "
                            "marked."));
  lia_get_today (&today);
  for (guint i = 0; i < self->data->actions->len; i++)
    gtk_list_box_append (self->list, action_row (self, self->data->actions->pdata[i], &today));
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  LiaActionsPage *self = LIA_ACTIONS_PAGE (widget);

  lia_record_dialog_present (self->app, widget, self->case_id, LIA_RECORD_ACTION, NULL);
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LiaActionsPage *self = LIA_ACTIONS_PAGE (widget);
  const char *id = g_variant_get_string (parameter, NULL);

  for (guint i = 0; self->data != NULL && i < self->data->actions->len; i++)
    {
      const LiaRecord *action = self->data->actions->pdata[i];

      if (g_str_equal (action->id, id))
        lia_record_dialog_present (self->app, widget, self->case_id, LIA_RECORD_ACTION, action);
    }
}

static void
lia_actions_page_dispose (GObject *object)
{
  LiaActionsPage *self = LIA_ACTIONS_PAGE (object);

  if (self->loader != NULL)
    lia_loader_cancel (self->loader);
  g_clear_object (&self->loader);
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_ACTIONS_PAGE);
  G_OBJECT_CLASS (lia_actions_page_parent_class)->dispose (object);
}

static void
lia_actions_page_finalize (GObject *object)
{
  LiaActionsPage *self = LIA_ACTIONS_PAGE (object);

  g_free (self->case_id);
  actions_free (self->data);
  G_OBJECT_CLASS (lia_actions_page_parent_class)->finalize (object);
}

static void
lia_actions_page_class_init (LiaActionsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_actions_page_dispose;
  object_class->finalize = lia_actions_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-actions-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaActionsPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, LiaActionsPage, list);

  gtk_widget_class_install_action (widget_class, "actions.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "actions.edit", "s", edit_action);
}

static void
lia_actions_page_init (LiaActionsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LiaActionsPage *
lia_actions_page_new (LiaApplication *application,
                      const char     *case_id)
{
  LiaActionsPage *self = g_object_new (LIA_TYPE_ACTIONS_PAGE, NULL);

  self->app = application;
  self->case_id = g_strdup (case_id);
  self->loader = lia_loader_new (lia_application_get_worker (application), case_id, load_job,
                                 g_strdup (case_id), g_free, (GDestroyNotify) actions_free,
                                 loaded_cb, self);
  lia_loader_load_when_mapped (self->loader, GTK_WIDGET (self));
  return self;
}
