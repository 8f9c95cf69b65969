/* lia-setup-page.c: the first run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-backup.h"
#include "lia-errors.h"
#include "lia-passphrase.h"
#include "lia-setup-page.h"
#include "lia-util.h"

struct _LiaSetupPage
{
  AdwBin               parent_instance;

  LiaApplication      *app;          /* borrowed */
  GCancellable        *cancellable;  /* owned; the creation in progress */
  char                *backup_path;  /* owned; the identity backup chosen */
  gboolean             busy;

  GtkStack            *mode_stack;
  AdwEntryRow         *org_name_row;
  AdwComboRow         *kind_row;
  AdwActionRow        *backup_row;
  AdwPasswordEntryRow *backup_passphrase_row;
  AdwPasswordEntryRow *passphrase_row;
  AdwPasswordEntryRow *confirm_row;
  GtkLevelBar         *strength_bar;
  GtkLabel            *strength_label;
  GtkLabel            *error_label;
  GtkBox              *progress_box;
  GtkSpinner          *spinner;
  GtkButton           *create_button;
};

G_DEFINE_FINAL_TYPE (LiaSetupPage, lia_setup_page, ADW_TYPE_BIN)

static gboolean
restoring (LiaSetupPage *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->mode_stack), "restore") == 0;
}

static void
set_busy (LiaSetupPage *self,
          gboolean      busy)
{
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->mode_stack), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->passphrase_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->confirm_row), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_box), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.create", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.choose-backup", !busy);
}

/* Shows a message of ours (not from an error) where the error goes. */
static void
show_problem (LiaSetupPage *self,
              GtkWidget    *focus,
              const char   *message)
{
  g_autoptr (GError) error = g_error_new_literal (LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID,
                                                  message);

  lia_show_error_label (self->error_label, error);
  if (focus != NULL)
    gtk_widget_grab_focus (focus);
}

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  LiaSetupPage *self;
  g_autoptr (GError) error = NULL;

  if (lia_application_create_finish (LIA_APPLICATION (source), result, &error))
    return;
  if (lia_error_is_cancelled (error))
    return;
  self = LIA_SETUP_PAGE (user_data);
  set_busy (self, FALSE);
  lia_show_error_label (self->error_label, error);
  if (g_error_matches (error, LIA_BACKUP_ERROR, LIA_BACKUP_ERROR_WRONG_PASSPHRASE))
    gtk_widget_grab_focus (GTK_WIDGET (self->backup_passphrase_row));
}

static void
create_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LiaSetupPage *self = LIA_SETUP_PAGE (widget);
  const char *passphrase = gtk_editable_get_text (GTK_EDITABLE (self->passphrase_row));
  const char *confirm = gtk_editable_get_text (GTK_EDITABLE (self->confirm_row));
  g_autofree char *name = NULL;
  const char *backup_passphrase = NULL;
  guint kind = adw_combo_row_get_selected (self->kind_row);

  if (self->busy || self->app == NULL)
    return;

  /* Everything is checked here, before the slow part, and the first
   * problem is said where the person is looking, next to the button. */
  if (restoring (self))
    {
      backup_passphrase = gtk_editable_get_text (GTK_EDITABLE (self->backup_passphrase_row));
      if (self->backup_path == NULL)
        {
          show_problem (self, NULL, _("Choose the identity backup file to restore."));
          return;
        }
      if (backup_passphrase == NULL || *backup_passphrase == '\0')
        {
          show_problem (self, GTK_WIDGET (self->backup_passphrase_row),
                        _("Enter the backup passphrase: the one chosen when the backup was "
                          "made."));
          return;
        }
    }
  else
    {
      g_autoptr (GError) error = NULL;

      name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->org_name_row))));
      if (*name == '\0')
        {
          show_problem (self, GTK_WIDGET (self->org_name_row),
                        _("Enter this organisation’s name."));
          return;
        }
      if (!lia_org_name_check (name, &error))
        {
          lia_show_error_label (self->error_label, error);
          gtk_widget_grab_focus (GTK_WIDGET (self->org_name_row));
          return;
        }
      if (kind == GTK_INVALID_LIST_POSITION || kind > LIA_ORG_KIND_LAST)
        {
          show_problem (self, GTK_WIDGET (self->kind_row), _("Choose what kind of organisation "
                                                             "this is."));
          return;
        }
    }
  if (lia_passphrase_strength (passphrase, NULL) <= LIA_PASSPHRASE_TOO_SHORT)
    {
      show_problem (self, GTK_WIDGET (self->passphrase_row),
                    _("Choose a passphrase of at least 12 characters."));
      return;
    }
  if (g_strcmp0 (passphrase, confirm) != 0)
    {
      show_problem (self, GTK_WIDGET (self->confirm_row),
                    _("The two passphrases are not the same. Type the passphrase again."));
      return;
    }

  lia_show_error_label (self->error_label, NULL);
  set_busy (self, TRUE);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  lia_application_create_async (self->app, name, (LiaOrgKind) kind,
                                restoring (self) ? self->backup_path : NULL, backup_passphrase,
                                passphrase, self->cancellable, created_cb, self);
}

static void
backup_chosen_cb (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  LiaSetupPage *self = LIA_SETUP_PAGE (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        {
          g_autofree char *base = g_path_get_basename (path);

          g_free (self->backup_path);
          self->backup_path = g_steal_pointer (&path);
          adw_action_row_set_subtitle (self->backup_row, base);
          lia_show_error_label (self->error_label, NULL);
        }
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
choose_backup_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Choose an identity backup"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (backup_chosen_cb), g_object_ref (widget));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
passphrase_changed_cb (LiaSetupPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->passphrase_row));
  LiaPassphraseStrength strength = lia_passphrase_strength (text, NULL);

  gtk_level_bar_set_value (self->strength_bar, strength);
  gtk_label_set_text (self->strength_label, lia_passphrase_strength_hint (strength));
}

static void
confirm_activated_cb (LiaSetupPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "setup.create", NULL);
}

static void
mode_changed_cb (LiaSetupPage *self)
{
  gboolean restore = restoring (self);

  gtk_button_set_label (self->create_button, restore ? _("_Restore organisation")
                                                     : _("_Create organisation"));
  lia_show_error_label (self->error_label, NULL);
}

static void
lia_setup_page_dispose (GObject *object)
{
  LiaSetupPage *self = LIA_SETUP_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_SETUP_PAGE);
  G_OBJECT_CLASS (lia_setup_page_parent_class)->dispose (object);
}

static void
lia_setup_page_finalize (GObject *object)
{
  LiaSetupPage *self = LIA_SETUP_PAGE (object);

  g_free (self->backup_path);
  G_OBJECT_CLASS (lia_setup_page_parent_class)->finalize (object);
}

static void
lia_setup_page_class_init (LiaSetupPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_setup_page_dispose;
  object_class->finalize = lia_setup_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-setup-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaSetupPage, mode_stack);
  gtk_widget_class_bind_template_child (widget_class, LiaSetupPage, org_name_row);
  gtk_widget_class_bind_template_child (widget_class, LiaSetupPage, kind_row);
  gtk_widget_class_bind_template_child (widget_class, LiaSetupPage, backup_row);
  gtk_widget_class_bind_template_child (widget_class, LiaSetupPage, backup_passphrase_row);
  gtk_widget_class_bind_template_child (widget_class, LiaSetupPage, passphrase_row);
  gtk_widget_class_bind_template_child (widget_class, LiaSetupPage, confirm_row);
  gtk_widget_class_bind_template_child (widget_class, LiaSetupPage, strength_bar);
  gtk_widget_class_bind_template_child (widget_class, LiaSetupPage, strength_label);
  gtk_widget_class_bind_template_child (widget_class, LiaSetupPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, LiaSetupPage, progress_box);
  gtk_widget_class_bind_template_child (widget_class, LiaSetupPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, LiaSetupPage, create_button);
  gtk_widget_class_bind_template_callback (widget_class, passphrase_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, confirm_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, mode_changed_cb);

  gtk_widget_class_install_action (widget_class, "setup.create", NULL, create_action);
  gtk_widget_class_install_action (widget_class, "setup.choose-backup", NULL,
                                   choose_backup_action);
}

static void
lia_setup_page_init (LiaSetupPage *self)
{
  g_autoptr (GtkStringList) kinds = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  for (LiaOrgKind kind = 0; kind <= LIA_ORG_KIND_LAST; kind++)
    gtk_string_list_append (kinds, lia_org_kind_label (kind));
  adw_combo_row_set_model (self->kind_row, G_LIST_MODEL (kinds));
  gtk_level_bar_add_offset_value (self->strength_bar, GTK_LEVEL_BAR_OFFSET_LOW, 2);
  gtk_level_bar_add_offset_value (self->strength_bar, GTK_LEVEL_BAR_OFFSET_HIGH, 3);
  gtk_level_bar_add_offset_value (self->strength_bar, GTK_LEVEL_BAR_OFFSET_FULL, 4);
  passphrase_changed_cb (self);
}

void
lia_setup_page_set_application (LiaSetupPage   *self,
                                LiaApplication *application)
{
  g_return_if_fail (LIA_IS_SETUP_PAGE (self));

  self->app = application;
}

void
lia_setup_page_reset (LiaSetupPage *self)
{
  g_return_if_fail (LIA_IS_SETUP_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->passphrase_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->confirm_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->backup_passphrase_row), "");
  lia_show_error_label (self->error_label, NULL);
}
