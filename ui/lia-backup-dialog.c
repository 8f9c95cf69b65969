/* lia-backup-dialog.c: backing up this organisation's identity.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-backup-dialog.h"
#include "lia-crypto.h"
#include "lia-errors.h"
#include "lia-form-dialog.h"
#include "lia-passphrase.h"
#include "lia-util.h"

typedef struct
{
  char      *path;
  LiaSecret *passphrase;  /* owned */
} BackupData;

static void
backup_data_free (BackupData *data)
{
  g_free (data->path);
  g_clear_pointer (&data->passphrase, lia_secret_free);
  g_free (data);
}

static gpointer
backup_job (LiaStore     *store,
            gpointer      user_data,
            GCancellable *cancellable,
            GError      **error)
{
  BackupData *data = user_data;

  /* The file chooser has asked before replacing a file. */
  return lia_store_export_identity (store, data->path, lia_secret_get_string (data->passphrase),
                                    TRUE, cancellable, error)
           ? LIA_STORE_JOB_DONE
           : NULL;
}

static void
backed_up (LiaFormDialog *dialog,
           gpointer       result,
           gpointer       user_data)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (dialog));

  if (parent != NULL)
    lia_show_toast (gtk_window_get_child (parent),
                    _("Identity backed up. Keep the file and its passphrase apart, both "
                      "somewhere safe."));
}

static void
accept_cb (LiaFormDialog *dialog,
           gpointer       user_data)
{
  LiaApplication *app = user_data;
  const char *path = g_object_get_data (G_OBJECT (dialog), "path");
  GtkEditable *passphrase = g_object_get_data (G_OBJECT (dialog), "passphrase");
  GtkEditable *confirm = g_object_get_data (G_OBJECT (dialog), "confirm");
  const char *text = gtk_editable_get_text (passphrase);
  BackupData *data;

  if (path == NULL)
    {
      lia_form_dialog_show_problem (dialog, _("Choose where to save the backup."));
      return;
    }
  if (lia_passphrase_strength (text, NULL) <= LIA_PASSPHRASE_TOO_SHORT)
    {
      lia_form_dialog_show_problem (dialog, _("Choose a backup passphrase of at least 12 "
                                              "characters."));
      gtk_widget_grab_focus (GTK_WIDGET (passphrase));
      return;
    }
  if (g_strcmp0 (text, gtk_editable_get_text (confirm)) != 0)
    {
      lia_form_dialog_show_problem (dialog, _("The two passphrases are not the same. Type the "
                                              "passphrase again."));
      gtk_widget_grab_focus (GTK_WIDGET (confirm));
      return;
    }
  data = g_new0 (BackupData, 1);
  data->path = g_strdup (path);
  data->passphrase = lia_secret_new_from_string (text);
  lia_form_dialog_run (dialog, lia_application_get_worker (app), backup_job, data,
                       (GDestroyNotify) backup_data_free, NULL, LIA_STORE_JOB_READS, NULL,
                       backed_up, NULL);
}

static void
chosen_cb (GFile   *file,
           gpointer user_data)
{
  LiaFormDialog *dialog = user_data;
  AdwActionRow *row = g_object_get_data (G_OBJECT (dialog), "file-row");
  char *path = g_file_get_path (file);

  if (path != NULL)
    {
      g_object_set_data_full (G_OBJECT (dialog), "path", path, g_free);
      adw_action_row_set_subtitle (row, path);
    }
}

static void
choose_clicked_cb (GtkButton *button,
                   gpointer   user_data)
{
  LiaFormDialog *dialog = user_data;
  g_autofree char *name = g_strdup_printf ("%s.liaison-backup", _("identity"));

  lia_choose_save_file (GTK_WIDGET (dialog), _("Save the identity backup"), name, chosen_cb,
                        g_object_ref (dialog), g_object_unref);
}

static void
strength_cb (GtkEditable *editable,
             gpointer     user_data)
{
  GtkLabel *hint = user_data;

  gtk_label_set_text (hint, lia_passphrase_strength_hint (
                              lia_passphrase_strength (gtk_editable_get_text (editable), NULL)));
}

void
lia_backup_dialog_present (LiaApplication *application,
                           GtkWidget      *parent)
{
  LiaFormDialog *dialog = lia_form_dialog_new (parent, "backup-dialog", _("Back up identity"),
                                               _("_Back up"));
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *file_row = adw_action_row_new ();
  GtkWidget *choose = gtk_button_new_with_mnemonic (_("_Choose…"));
  GtkWidget *passphrase = adw_password_entry_row_new ();
  GtkWidget *confirm = adw_password_entry_row_new ();
  GtkWidget *hint = gtk_label_new (NULL);

  lia_form_dialog_set_description (dialog, _("The backup holds this organisation’s keys, so "
                                             "that it can be restored on a new computer with the "
                                             "same identity, and peers need not verify it again. "
                                             "It is encrypted with its own passphrase, not the "
                                             "store’s. It does not hold case records."));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (file_row), _("Save to"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (file_row), _("Not chosen yet"));
  gtk_widget_set_valign (choose, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (file_row), choose);
  g_signal_connect (choose, "clicked", G_CALLBACK (choose_clicked_cb), dialog);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (passphrase), _("Backup passphrase"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (confirm), _("Backup passphrase again"));
  gtk_widget_set_name (passphrase, "backup-passphrase");
  gtk_widget_set_name (confirm, "backup-confirm");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), file_row);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), passphrase);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), confirm);
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "dim-label");
  g_signal_connect (passphrase, "changed", G_CALLBACK (strength_cb), hint);
  strength_cb (GTK_EDITABLE (passphrase), hint);
  lia_form_dialog_add (dialog, group);
  lia_form_dialog_add (dialog, hint);
  g_object_set_data (G_OBJECT (dialog), "file-row", file_row);
  g_object_set_data (G_OBJECT (dialog), "passphrase", passphrase);
  g_object_set_data (G_OBJECT (dialog), "confirm", confirm);
  g_signal_connect (dialog, "accept", G_CALLBACK (accept_cb), application);
  gtk_window_present (GTK_WINDOW (dialog));
}
