/* lia-record-dialog.c: adding a record, or a new version of one of ours.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-field-form.h"
#include "lia-form-dialog.h"
#include "lia-record-dialog.h"
#include "lia-util.h"

typedef struct
{
  char          *case_id;
  char          *record_id;   /* NULL for a new record */
  LiaRecordKind  kind;
  GHashTable    *values;      /* owned */
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_free (data->case_id);
  g_free (data->record_id);
  g_hash_table_unref (data->values);
  g_free (data);
}

static gpointer
save_job (LiaStore     *store,
          gpointer      user_data,
          GCancellable *cancellable,
          GError      **error)
{
  SaveData *data = user_data;

  if (data->record_id == NULL)
    return lia_record_add (store, data->case_id, data->kind, data->values, error);
  return lia_record_edit (store, data->record_id, data->values, error)
           ? g_strdup (data->record_id)
           : NULL;
}

static void
accept_cb (LiaFormDialog *dialog,
           gpointer       user_data)
{
  LiaApplication *app = user_data;
  LiaFieldForm *form = g_object_get_data (G_OBJECT (dialog), "form");
  const char *record_id = g_object_get_data (G_OBJECT (dialog), "record-id");
  g_autoptr (GError) error = NULL;
  GHashTable *values = lia_field_form_collect (form, record_id != NULL, &error);
  SaveData *data;

  if (values == NULL)
    {
      lia_form_dialog_show_error (dialog, error);
      return;
    }
  if (record_id != NULL && g_hash_table_size (values) == 0)
    {
      g_hash_table_unref (values);
      gtk_window_destroy (GTK_WINDOW (dialog));
      return;
    }
  data = g_new0 (SaveData, 1);
  data->case_id = g_strdup (g_object_get_data (G_OBJECT (dialog), "case-id"));
  data->record_id = g_strdup (record_id);
  data->kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "kind"));
  data->values = values;
  lia_form_dialog_run (dialog, lia_application_get_worker (app), save_job, data,
                       (GDestroyNotify) save_data_free, g_free, LIA_STORE_JOB_WRITES, data->case_id,
                       NULL, NULL);
}

void
lia_record_dialog_present (LiaApplication  *application,
                           GtkWidget       *parent,
                           const char      *case_id,
                           LiaRecordKind    kind,
                           const LiaRecord *record)
{
  LiaFormDialog *dialog;
  LiaFieldForm *form;
  guint n_fields;
  const LiaField *fields;
  g_autofree char *title = NULL;

  g_return_if_fail (LIA_IS_APPLICATION (application));
  g_return_if_fail (case_id != NULL);

  if (record != NULL)
    kind = record->kind;
  fields = lia_record_kind_fields (kind, &n_fields);
  {
    g_autofree char *kind_words = lia_lower_first (lia_tr (lia_record_kind_label (kind)));

    if (record != NULL)
      /* Translators: the title of the dialog that edits a record of a kind */
      title = g_strdup_printf (_("Edit %s"), kind_words);
    else
      /* Translators: the title of the dialog that adds a record of a kind */
      title = g_strdup_printf (_("New %s"), kind_words);
  }

  dialog = lia_form_dialog_new (parent, "record-dialog", title,
                                record != NULL ? _("_Save") : _("_Add"));
  form = lia_field_form_new ();
  lia_field_form_set_fields (form, fields, n_fields, NULL);
  if (record != NULL)
    {
      g_autoptr (GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
      GHashTableIter iter;
      gpointer name, value;

      g_hash_table_iter_init (&iter, record->fields);
      while (g_hash_table_iter_next (&iter, &name, &value))
        g_hash_table_insert (values, name, value);
      g_hash_table_insert (values, (gpointer) "title", record->title);
      lia_field_form_set_values (form, values);
      lia_form_dialog_set_description (dialog, _("Saving makes a new version of this record; the "
                                                 "earlier versions are kept, and whoever received "
                                                 "it receives the new one."));
    }
  else
    {
      const char *org = lia_store_worker_get_org_name (lia_application_get_worker (application));

      if (kind == LIA_RECORD_CHRONOLOGY)
        lia_field_form_set_value (form, "agency", org);
      lia_form_dialog_set_description (dialog, _("This organisation will be the record’s "
                                                 "originator: only it can change the record or "
                                                 "decide who else receives it."));
    }
  lia_form_dialog_add (dialog, GTK_WIDGET (form));
  g_object_set_data (G_OBJECT (dialog), "form", form);
  g_object_set_data_full (G_OBJECT (dialog), "case-id", g_strdup (case_id), g_free);
  g_object_set_data (G_OBJECT (dialog), "kind", GINT_TO_POINTER (kind));
  if (record != NULL)
    g_object_set_data_full (G_OBJECT (dialog), "record-id", g_strdup (record->id), g_free);
  g_signal_connect (dialog, "accept", G_CALLBACK (accept_cb), application);
  gtk_window_present (GTK_WINDOW (dialog));
}
