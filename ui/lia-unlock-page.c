/* lia-unlock-page.c: the passphrase that unlocks the store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-errors.h"
#include "lia-unlock-page.h"
#include "lia-util.h"

struct _LiaUnlockPage
{
  AdwBin              parent_instance;

  LiaApplication     *app;          /* borrowed */
  GCancellable       *cancellable;  /* owned; the unlock in progress */
  gboolean            busy;

  AdwStatusPage      *status_page;
  AdwPasswordEntryRow *passphrase_row;
  GtkLabel           *error_label;
  GtkBox             *progress_box;
  GtkSpinner         *spinner;
  GtkButton          *unlock_button;
  GtkLabel           *store_label;
};

G_DEFINE_FINAL_TYPE (LiaUnlockPage, lia_unlock_page, ADW_TYPE_BIN)

static void
update_actions (LiaUnlockPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->passphrase_row));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "unlock.unlock",
                                 !self->busy && text != NULL && *text != '\0');
}

static void
set_busy (LiaUnlockPage *self,
          gboolean       busy)
{
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->passphrase_row), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_box), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  update_actions (self);
}

static void
unlocked_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  LiaUnlockPage *self;
  g_autoptr (GError) error = NULL;

  if (lia_application_unlock_finish (LIA_APPLICATION (source), result, &error))
    return;  /* the window moves on to the cases */
  if (lia_error_is_cancelled (error))
    return;
  self = LIA_UNLOCK_PAGE (user_data);
  set_busy (self, FALSE);
  lia_show_error_label (self->error_label, error);
  /* Ready for another try: the whole passphrase selected, so typing
   * replaces it. */
  gtk_widget_grab_focus (GTK_WIDGET (self->passphrase_row));
  gtk_editable_select_region (GTK_EDITABLE (self->passphrase_row), 0, -1);
}

static void
unlock_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LiaUnlockPage *self = LIA_UNLOCK_PAGE (widget);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->passphrase_row));

  if (self->busy || self->app == NULL || text == NULL || *text == '\0')
    return;
  lia_show_error_label (self->error_label, NULL);
  set_busy (self, TRUE);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  lia_application_unlock_async (self->app, text, self->cancellable, unlocked_cb, self);
}

static void
passphrase_activated_cb (LiaUnlockPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "unlock.unlock", NULL);
}

static void
passphrase_changed_cb (LiaUnlockPage *self)
{
  update_actions (self);
}

static void
lia_unlock_page_dispose (GObject *object)
{
  LiaUnlockPage *self = LIA_UNLOCK_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_UNLOCK_PAGE);
  G_OBJECT_CLASS (lia_unlock_page_parent_class)->dispose (object);
}

static void
lia_unlock_page_class_init (LiaUnlockPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_unlock_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-unlock-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaUnlockPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, LiaUnlockPage, passphrase_row);
  gtk_widget_class_bind_template_child (widget_class, LiaUnlockPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, LiaUnlockPage, progress_box);
  gtk_widget_class_bind_template_child (widget_class, LiaUnlockPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, LiaUnlockPage, unlock_button);
  gtk_widget_class_bind_template_child (widget_class, LiaUnlockPage, store_label);
  gtk_widget_class_bind_template_callback (widget_class, passphrase_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, passphrase_changed_cb);

  gtk_widget_class_install_action (widget_class, "unlock.unlock", NULL, unlock_action);
}

static void
lia_unlock_page_init (LiaUnlockPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_actions (self);
}

void
lia_unlock_page_set_application (LiaUnlockPage  *self,
                                 LiaApplication *application)
{
  g_autofree char *where = NULL;

  g_return_if_fail (LIA_IS_UNLOCK_PAGE (self));

  self->app = application;
  where = g_strdup_printf (_("Store: %s"),
                           lia_store_worker_get_directory (lia_application_get_worker (application)));
  gtk_label_set_text (self->store_label, where);
}

void
lia_unlock_page_reset (LiaUnlockPage *self)
{
  g_return_if_fail (LIA_IS_UNLOCK_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->passphrase_row), "");
  lia_show_error_label (self->error_label, NULL);
}

void
lia_unlock_page_focus (LiaUnlockPage *self)
{
  g_return_if_fail (LIA_IS_UNLOCK_PAGE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->passphrase_row));
}
