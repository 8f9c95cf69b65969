/* lia-form-dialog.c: a modal dialog that asks for something and saves it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-errors.h"
#include "lia-form-dialog.h"
#include "lia-util.h"

struct _LiaFormDialog
{
  AdwWindow       parent_instance;

  GCancellable   *cancellable;  /* owned */
  gboolean        busy;

  AdwWindowTitle *window_title;
  GtkButton      *cancel_button;
  GtkButton      *accept_button;
  GtkSpinner     *spinner;
  GtkBox         *content_box;
  GtkLabel       *description_label;
  GtkBox         *fields_box;
  GtkLabel       *error_label;
};

G_DEFINE_FINAL_TYPE (LiaFormDialog, lia_form_dialog, ADW_TYPE_WINDOW)

enum
{
  SIGNAL_ACCEPT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
accept_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LiaFormDialog *self = LIA_FORM_DIALOG (widget);

  if (self->busy)
    return;
  lia_form_dialog_show_error (self, NULL);
  g_signal_emit (self, signals[SIGNAL_ACCEPT], 0);
}

static gboolean
lia_form_dialog_close_request (GtkWindow *window)
{
  LiaFormDialog *self = LIA_FORM_DIALOG (window);

  /* Work already handed to the store finishes (it is in the store's
   * queue); only its answer is dropped. */
  g_cancellable_cancel (self->cancellable);
  return GTK_WINDOW_CLASS (lia_form_dialog_parent_class)->close_request (window);
}

static void
lia_form_dialog_dispose (GObject *object)
{
  LiaFormDialog *self = LIA_FORM_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_FORM_DIALOG);
  G_OBJECT_CLASS (lia_form_dialog_parent_class)->dispose (object);
}

static void
lia_form_dialog_finalize (GObject *object)
{
  LiaFormDialog *self = LIA_FORM_DIALOG (object);

  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (lia_form_dialog_parent_class)->finalize (object);
}

static void
lia_form_dialog_class_init (LiaFormDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = lia_form_dialog_dispose;
  object_class->finalize = lia_form_dialog_finalize;
  window_class->close_request = lia_form_dialog_close_request;

  /**
   * LiaFormDialog::accept:
   *
   * The person asked to save: check what they typed, then do it.
   */
  signals[SIGNAL_ACCEPT] = g_signal_new ("accept", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-form-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaFormDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, LiaFormDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, LiaFormDialog, accept_button);
  gtk_widget_class_bind_template_child (widget_class, LiaFormDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, LiaFormDialog, content_box);
  gtk_widget_class_bind_template_child (widget_class, LiaFormDialog, description_label);
  gtk_widget_class_bind_template_child (widget_class, LiaFormDialog, fields_box);
  gtk_widget_class_bind_template_child (widget_class, LiaFormDialog, error_label);

  gtk_widget_class_install_action (widget_class, "form.accept", NULL, accept_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
lia_form_dialog_init (LiaFormDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

LiaFormDialog *
lia_form_dialog_new (GtkWidget  *parent,
                     const char *name,
                     const char *title,
                     const char *accept_label)
{
  LiaFormDialog *self = g_object_new (LIA_TYPE_FORM_DIALOG, "title", title, NULL);
  GtkRoot *root = parent != NULL ? gtk_widget_get_root (parent) : NULL;

  gtk_widget_set_name (GTK_WIDGET (self), name);
  adw_window_title_set_title (self->window_title, title);
  gtk_button_set_label (self->accept_button, accept_label);
  if (GTK_IS_WINDOW (root))
    {
      gtk_window_set_transient_for (GTK_WINDOW (self), GTK_WINDOW (root));
      gtk_window_set_application (GTK_WINDOW (self),
                                  gtk_window_get_application (GTK_WINDOW (root)));
    }
  return self;
}

void
lia_form_dialog_set_description (LiaFormDialog *self,
                                 const char    *description)
{
  g_return_if_fail (LIA_IS_FORM_DIALOG (self));

  gtk_label_set_text (self->description_label, description);
  gtk_widget_set_visible (GTK_WIDGET (self->description_label), description != NULL);
}

void
lia_form_dialog_add (LiaFormDialog *self,
                     GtkWidget     *child)
{
  g_return_if_fail (LIA_IS_FORM_DIALOG (self));

  gtk_box_append (self->fields_box, child);
}

void
lia_form_dialog_set_destructive (LiaFormDialog *self,
                                 gboolean       destructive)
{
  g_return_if_fail (LIA_IS_FORM_DIALOG (self));

  if (destructive)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->accept_button), "suggested-action");
      gtk_widget_add_css_class (GTK_WIDGET (self->accept_button), "destructive-action");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->accept_button), "destructive-action");
      gtk_widget_add_css_class (GTK_WIDGET (self->accept_button), "suggested-action");
    }
}

void
lia_form_dialog_show_error (LiaFormDialog *self,
                            const GError  *error)
{
  g_return_if_fail (LIA_IS_FORM_DIALOG (self));

  lia_form_dialog_set_busy (self, FALSE);
  lia_show_error_label (self->error_label, error);
}

void
lia_form_dialog_show_problem (LiaFormDialog *self,
                              const char    *message)
{
  g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                                  message);

  lia_form_dialog_show_error (self, error);
}

void
lia_form_dialog_set_busy (LiaFormDialog *self,
                          gboolean       busy)
{
  g_return_if_fail (LIA_IS_FORM_DIALOG (self));

  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->fields_box), !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "form.accept", !busy);
}

GCancellable *
lia_form_dialog_get_cancellable (LiaFormDialog *self)
{
  g_return_val_if_fail (LIA_IS_FORM_DIALOG (self), NULL);

  return self->cancellable;
}

typedef struct
{
  LiaFormDialog  *dialog;       /* owned */
  LiaFormDoneFunc done;
  gpointer        user_data;
  GDestroyNotify  result_free;
} Run;

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;
  gpointer value = lia_store_worker_run_finish (LIA_STORE_WORKER (source), result, &error);

  if (value != NULL)
    {
      if (run->done != NULL)
        run->done (run->dialog, value, run->user_data);
      if (value != LIA_STORE_JOB_DONE && run->result_free != NULL)
        run->result_free (value);
      gtk_window_destroy (GTK_WINDOW (run->dialog));
    }
  else if (!lia_error_is_cancelled (error))
    lia_form_dialog_show_error (run->dialog, error);
  g_object_unref (run->dialog);
  g_free (run);
}

void
lia_form_dialog_run (LiaFormDialog   *self,
                     LiaStoreWorker  *worker,
                     LiaStoreJobFunc  func,
                     gpointer         data,
                     GDestroyNotify   data_free,
                     GDestroyNotify   result_free,
                     LiaStoreJobFlags flags,
                     const char      *changed_case,
                     LiaFormDoneFunc  done,
                     gpointer         user_data)
{
  Run *run = g_new0 (Run, 1);

  g_return_if_fail (LIA_IS_FORM_DIALOG (self));

  run->dialog = g_object_ref (self);
  run->done = done;
  run->user_data = user_data;
  run->result_free = result_free;
  lia_form_dialog_set_busy (self, TRUE);
  /* The result is freed here, after @done: the job's own result_free is
   * for a result that never reaches the callback. */
  lia_store_worker_run (worker, func, data, data_free, result_free, flags, changed_case,
                        self->cancellable, run_done_cb, run);
}
