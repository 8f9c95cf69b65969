/* lia-new-case-dialog.c: opening a case.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-case.h"
#include "lia-field-form.h"
#include "lia-form-dialog.h"
#include "lia-new-case-dialog.h"

/* The case's own facts that a new case takes: all but its status (a new
 * case is open). */
#define N_NEW_CASE_FIELDS (LIA_CASE_N_FACTS - 1)

typedef struct
{
  LiaApplication    *app;        /* borrowed */
  LiaFormDialog     *dialog;     /* borrowed: it owns this */
  LiaFieldForm      *form;       /* borrowed */
  AdwEntryRow       *contact;    /* borrowed */
  LiaCaseCreatedFunc callback;
  GWeakRef           target;     /* the widget to tell */
} NewCase;

static void
new_case_free (NewCase *nc)
{
  g_weak_ref_clear (&nc->target);
  g_free (nc);
}

typedef struct
{
  GHashTable *values;   /* owned */
  char       *contact;  /* owned */
} CreateData;

static void
create_data_free (CreateData *data)
{
  g_hash_table_unref (data->values);
  g_free (data->contact);
  g_free (data);
}

static gpointer
create_job (LiaStore     *store,
            gpointer      user_data,
            GCancellable *cancellable,
            GError      **error)
{
  CreateData *data = user_data;
  LiaCaseDraft draft = {
    .title = g_hash_table_lookup (data->values, "title"),
    .child = g_hash_table_lookup (data->values, "child"),
    .area = g_hash_table_lookup (data->values, "area"),
    .aware = g_hash_table_lookup (data->values, "aware"),
    .incident = g_hash_table_lookup (data->values, "incident"),
    .type = g_hash_table_lookup (data->values, "type"),
  };

  return lia_case_create (store, &draft, data->contact, error);
}

static void
created (LiaFormDialog *dialog,
         gpointer       result,
         gpointer       user_data)
{
  NewCase *nc = user_data;
  g_autoptr (GtkWidget) target = g_weak_ref_get (&nc->target);

  if (target != NULL && nc->callback != NULL)
    nc->callback (result, target);
}

static void
accept_cb (LiaFormDialog *dialog,
           gpointer       user_data)
{
  NewCase *nc = user_data;
  g_autoptr (GError) error = NULL;
  GHashTable *values = lia_field_form_collect (nc->form, FALSE, &error);
  CreateData *data;

  if (values == NULL)
    {
      lia_form_dialog_show_error (dialog, error);
      return;
    }
  data = g_new0 (CreateData, 1);
  data->values = values;
  data->contact = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (nc->contact))));
  if (*data->contact == '\0')
    g_clear_pointer (&data->contact, g_free);
  lia_form_dialog_run (dialog, lia_application_get_worker (nc->app), create_job, data,
                       (GDestroyNotify) create_data_free, g_free, LIA_STORE_JOB_WRITES, NULL,
                       created, nc);
}

void
lia_new_case_dialog_present (LiaApplication    *application,
                             GtkWidget         *parent,
                             LiaCaseCreatedFunc callback,
                             gpointer           user_data)
{
  NewCase *nc = g_new0 (NewCase, 1);
  GtkWidget *group = adw_preferences_group_new ();
  guint n_fields;
  const LiaField *fields = lia_case_fields (&n_fields);
  const char *person = g_get_real_name ();

  nc->app = application;
  nc->callback = callback;
  g_weak_ref_init (&nc->target, user_data);
  nc->dialog = lia_form_dialog_new (parent, "new-case-dialog", _("New case"), _("_Open case"));
  lia_form_dialog_set_description (nc->dialog,
                                   _("This organisation will lead the case: it keeps the case’s "
                                     "facts and decides who takes part. Use the child’s "
                                     "anonymised code, never their name."));
  nc->form = lia_field_form_new ();
  lia_field_form_set_fields (nc->form, fields, MIN (n_fields, N_NEW_CASE_FIELDS), NULL);
  lia_form_dialog_add (nc->dialog, GTK_WIDGET (nc->form));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("This organisation"));
  nc->contact = ADW_ENTRY_ROW (adw_entry_row_new ());
  gtk_widget_set_name (GTK_WIDGET (nc->contact), "field-contact");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (nc->contact), _("Point of contact"));
  if (person != NULL && !g_str_equal (person, "Unknown"))
    gtk_editable_set_text (GTK_EDITABLE (nc->contact), person);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (nc->contact));
  lia_form_dialog_add (nc->dialog, group);

  g_signal_connect_data (nc->dialog, "accept", G_CALLBACK (accept_cb), nc,
                         (GClosureNotify) (void (*) (void)) new_case_free, 0);
  gtk_window_present (GTK_WINDOW (nc->dialog));
}
