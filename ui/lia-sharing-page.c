/* lia-sharing-page.c: who receives this organisation's records on a case.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-errors.h"
#include "lia-exchange.h"
#include "lia-info-row.h"
#include "lia-loader.h"
#include "lia-records-page.h"
#include "lia-sharing-page.h"
#include "lia-util.h"

/* The most records listed under "Who can see each record"; a case with
 * more (a chronology of thousands) says how many are left out. */
#define MAX_RECORDS_SHOWN 200

typedef struct
{
  GPtrArray *shares;   /* owned LiaShare */
  LiaCase   *lcase;    /* owned, with participants */
  LiaOrg    *self;     /* owned */
} Matrix;

static void
matrix_free (Matrix *m)
{
  if (m == NULL)
    return;
  g_clear_pointer (&m->shares, g_ptr_array_unref);
  g_clear_pointer (&m->lcase, lia_case_free);
  g_clear_pointer (&m->self, lia_org_free);
  g_free (m);
}

/* One of this organisation's records and who can see it. */
typedef struct
{
  char      *title;
  GPtrArray *recipients;  /* owned LiaRecordRecipient */
} Visible;

static void
visible_free (Visible *v)
{
  g_free (v->title);
  g_ptr_array_unref (v->recipients);
  g_free (v);
}

typedef struct
{
  GPtrArray *records;  /* owned Visible */
  guint      total;    /* of this organisation's records of the kind */
} Visibility;

static void
visibility_free (Visibility *v)
{
  if (v == NULL)
    return;
  g_ptr_array_unref (v->records);
  g_free (v);
}

typedef struct
{
  char *case_id;
  int   kind;      /* atomic */
} VisibilitySpec;

static void
visibility_spec_free (VisibilitySpec *spec)
{
  g_free (spec->case_id);
  g_free (spec);
}

struct _LiaSharingPage
{
  AdwBin          parent_instance;

  LiaApplication *app;                 /* borrowed */
  char           *case_id;             /* owned */
  LiaLoader      *loader;              /* owned: the matrix */
  LiaLoader      *visibility_loader;   /* owned */
  VisibilitySpec *spec;                /* borrowed: owned by visibility_loader */
  Matrix         *matrix_data;         /* owned */
  gboolean        building;            /* filling the check boxes: not a change */

  GtkLabel       *status_label;
  GtkGrid        *matrix;
  GtkDropDown    *kind_dropdown;
  GtkListBox     *records_list;
};

G_DEFINE_FINAL_TYPE (LiaSharingPage, lia_sharing_page, ADW_TYPE_BIN)

static gpointer
matrix_job (LiaStore     *store,
            gpointer      case_id,
            GCancellable *cancellable,
            GError      **error)
{
  Matrix *m = g_new0 (Matrix, 1);

  if ((m->shares = lia_case_list_shares (store, case_id, error)) == NULL
      || (m->lcase = lia_case_load (store, case_id, error)) == NULL
      || (m->self = lia_store_get_self (store, error)) == NULL)
    {
      matrix_free (m);
      return NULL;
    }
  return m;
}

static gpointer
visibility_job (LiaStore     *store,
                gpointer      user_data,
                GCancellable *cancellable,
                GError      **error)
{
  VisibilitySpec *spec = user_data;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (LiaOrg) self = lia_store_get_self (store, error);
  Visibility *v;

  if (self == NULL)
    return NULL;
  records = lia_record_list (store, spec->case_id, g_atomic_int_get (&spec->kind), error);
  if (records == NULL)
    return NULL;
  v = g_new0 (Visibility, 1);
  v->records = g_ptr_array_new_with_free_func ((GDestroyNotify) visible_free);
  for (guint i = 0; i < records->len; i++)
    {
      const LiaRecord *r = records->pdata[i];
      Visible *visible;

      if (r->originator->id != self->id)
        continue;
      v->total++;
      if (v->records->len >= MAX_RECORDS_SHOWN)
        continue;
      visible = g_new0 (Visible, 1);
      visible->title = g_strdup (r->title);
      visible->recipients = lia_record_recipients (store, r->id, error);
      if (visible->recipients == NULL)
        {
          g_free (visible->title);
          g_free (visible);
          visibility_free (v);
          return NULL;
        }
      g_ptr_array_add (v->records, visible);
    }
  return v;
}

static gboolean
shares (const Matrix *m,
        const LiaOrg *org,
        const char   *kind)
{
  for (guint i = 0; i < m->shares->len; i++)
    {
      const LiaShare *share = m->shares->pdata[i];

      if (share->org->id == org->id)
        return share->categories != NULL && g_strv_contains ((const char *const *) share->categories, kind);
    }
  return FALSE;
}

/* ---- changing what is shared ------------------------------------------------ */

typedef struct
{
  char    *case_id;
  char    *org;      /* fingerprint or name */
  char    *kind;
  gboolean share;
  char    *by;
} Change;

static void
change_free (Change *c)
{
  g_free (c->case_id);
  g_free (c->org);
  g_free (c->kind);
  g_free (c->by);
  g_free (c);
}

static gpointer
change_job (LiaStore     *store,
            gpointer      user_data,
            GCancellable *cancellable,
            GError      **error)
{
  Change *c = user_data;
  const char *categories[] = { c->kind, NULL };

  if (c->share)
    return lia_case_share (store, c->case_id, c->org, categories, c->by, error)
             ? LIA_STORE_JOB_DONE : NULL;
  return lia_case_unshare (store, c->case_id, c->org, categories, error)
           ? LIA_STORE_JOB_DONE : NULL;
}

static void
changed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (LiaSharingPage) self = user_data;
  g_autoptr (GError) error = NULL;

  if (lia_store_worker_run_finish (LIA_STORE_WORKER (source), result, &error) == NULL
      && !lia_error_is_cancelled (error))
    {
      g_autofree char *message = lia_error_describe (error);

      /* The box goes back to what is stored with the reload that follows
       * every change; the reason is said where the person is looking. */
      gtk_label_set_text (self->status_label, message);
      gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
      lia_loader_load (self->loader);
    }
}

static void
toggled_cb (GtkCheckButton *check,
            gpointer        user_data)
{
  LiaSharingPage *self = user_data;
  const LiaOrg *org = g_object_get_data (G_OBJECT (check), "org");
  Change *c;

  if (self->building)
    return;
  c = g_new0 (Change, 1);
  c->case_id = g_strdup (self->case_id);
  c->org = g_strdup (org->fingerprint != NULL ? org->fingerprint : org->name);
  c->kind = g_strdup (g_object_get_data (G_OBJECT (check), "kind"));
  c->share = gtk_check_button_get_active (check);
  c->by = g_strdup (lia_person_name ());
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  lia_store_worker_run (lia_application_get_worker (self->app), change_job, c,
                        (GDestroyNotify) change_free, NULL, LIA_STORE_JOB_WRITES, self->case_id,
                        NULL, changed_cb, g_object_ref (self));
}

static void
build_matrix (LiaSharingPage *self)
{
  const Matrix *m = self->matrix_data;
  GPtrArray *participants = m->lcase->participants;
  g_autoptr (GPtrArray) others = g_ptr_array_new ();
  GtkWidget *child;

  self->building = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->matrix))) != NULL)
    gtk_grid_remove (self->matrix, child);
  for (guint i = 0; participants != NULL && i < participants->len; i++)
    {
      const LiaParticipant *p = participants->pdata[i];

      if (p->org->id != m->self->id)
        g_ptr_array_add (others, p->org);
    }
  if (others->len == 0)
    {
      GtkWidget *label = gtk_label_new (_("No other organisation takes part in this case yet, so "
                                          "nothing is shared. The lead adds participants on the "
                                          "overview."));

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_grid_attach (self->matrix, label, 0, 0, 1, 1);
      self->building = FALSE;
      return;
    }
  for (guint j = 0; j < others->len; j++)
    {
      GtkWidget *label = gtk_label_new (((LiaOrg *) others->pdata[j])->name);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 16);
      gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
      gtk_widget_add_css_class (label, "heading");
      gtk_widget_set_valign (label, GTK_ALIGN_END);
      gtk_grid_attach (self->matrix, label, (int) j + 1, 0, 1, 1);
    }
  for (LiaRecordKind kind = 0; kind < LIA_RECORD_N_KINDS; kind++)
    {
      const char *kind_name = lia_record_kind_to_string (kind);
      GtkWidget *label = gtk_label_new (lia_tr (lia_record_kind_label (kind)));

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_grid_attach (self->matrix, label, 0, (int) kind + 1, 1, 1);
      for (guint j = 0; j < others->len; j++)
        {
          const LiaOrg *org = others->pdata[j];
          GtkWidget *check = gtk_check_button_new ();
          g_autofree char *accessible = NULL;
          g_autofree char *name = NULL;
          g_autofree char *kind_words = lia_lower_first (lia_tr (lia_record_kind_label (kind)));

          /* Translators: a check box: share this organisation's records of a kind with another */
          accessible = g_strdup_printf (_("Share %s records with %s"), kind_words, org->name);
          name = g_strdup_printf ("share-%s-%" G_GINT64_FORMAT, kind_name, org->id);
          gtk_widget_set_name (check, name);
          gtk_widget_set_tooltip_text (check, accessible);
          gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          accessible, -1);
          gtk_widget_set_halign (check, GTK_ALIGN_CENTER);
          gtk_check_button_set_active (GTK_CHECK_BUTTON (check), shares (m, org, kind_name));
          g_object_set_data_full (G_OBJECT (check), "org", lia_org_copy (org),
                                  (GDestroyNotify) lia_org_free);
          g_object_set_data (G_OBJECT (check), "kind", (gpointer) kind_name);
          g_signal_connect (check, "toggled", G_CALLBACK (toggled_cb), self);
          gtk_grid_attach (self->matrix, check, (int) j + 1, (int) kind + 1, 1, 1);
        }
    }
  self->building = FALSE;
}

static void
matrix_loaded_cb (gpointer      result,
                  const GError *error,
                  gpointer      user_data)
{
  LiaSharingPage *self = user_data;

  matrix_free (self->matrix_data);
  self->matrix_data = result;
  if (self->matrix_data == NULL)
    {
      g_autofree char *message = lia_error_describe (error);

      gtk_label_set_text (self->status_label, message);
      gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
      return;
    }
  build_matrix (self);
  lia_loader_load (self->visibility_loader);
}

static void
visibility_loaded_cb (gpointer      result,
                      const GError *error,
                      gpointer      user_data)
{
  LiaSharingPage *self = user_data;
  Visibility *v = result;

  lia_list_box_clear (self->records_list);
  if (v == NULL)
    {
      g_autofree char *message = lia_error_describe (error);

      gtk_list_box_append (self->records_list, lia_info_row_new (message, NULL));
      return;
    }
  if (v->total == 0)
    gtk_list_box_append (self->records_list,
                         lia_info_row_new (_("This organisation has no records of this kind on "
                                             "the case."), NULL));
  for (guint i = 0; i < v->records->len; i++)
    {
      const Visible *visible = v->records->pdata[i];
      g_autoptr (GString) who = g_string_new ("");

      for (guint j = 0; j < visible->recipients->len; j++)
        {
          const LiaRecordRecipient *r = visible->recipients->pdata[j];
          g_autofree char *why = NULL;

          if (g_strcmp0 (r->why, "originator") == 0)
            continue;
          why = lia_recipient_reason (r->why);
          if (who->len > 0)
            g_string_append_c (who, '\n');
          g_string_append_printf (who, "%s: %s%s", r->org->name, why,
                                  r->pending ? _(" (once it is a peer)") : "");
        }
      if (who->len == 0)
        g_string_append (who, _("Only this organisation"));
      gtk_list_box_append (self->records_list, lia_info_row_new (visible->title, who->str));
    }
  if (v->total > v->records->len)
    {
      g_autofree char *more = g_strdup_printf (ngettext ("%u more record is not listed here; "
                                                         "see it on the records page.",
                                                         "%u more records are not listed here; "
                                                         "see them on the records page.",
                                                         v->total - v->records->len),
                                               v->total - v->records->len);

      gtk_list_box_append (self->records_list, lia_info_row_new (more, NULL));
    }
  visibility_free (v);
}

static void
kind_changed_cb (LiaSharingPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->kind_dropdown);

  if (self->spec == NULL || selected == GTK_INVALID_LIST_POSITION)
    return;
  g_atomic_int_set (&self->spec->kind, (int) selected);
  lia_loader_reload (self->visibility_loader);
}

static void
lia_sharing_page_dispose (GObject *object)
{
  LiaSharingPage *self = LIA_SHARING_PAGE (object);

  if (self->loader != NULL)
    lia_loader_cancel (self->loader);
  if (self->visibility_loader != NULL)
    lia_loader_cancel (self->visibility_loader);
  g_clear_object (&self->loader);
  g_clear_object (&self->visibility_loader);
  self->spec = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_SHARING_PAGE);
  G_OBJECT_CLASS (lia_sharing_page_parent_class)->dispose (object);
}

static void
lia_sharing_page_finalize (GObject *object)
{
  LiaSharingPage *self = LIA_SHARING_PAGE (object);

  g_free (self->case_id);
  matrix_free (self->matrix_data);
  G_OBJECT_CLASS (lia_sharing_page_parent_class)->finalize (object);
}

static void
lia_sharing_page_class_init (LiaSharingPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_sharing_page_dispose;
  object_class->finalize = lia_sharing_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-sharing-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaSharingPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, LiaSharingPage, matrix);
  gtk_widget_class_bind_template_child (widget_class, LiaSharingPage, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LiaSharingPage, records_list);
  gtk_widget_class_bind_template_callback (widget_class, kind_changed_cb);
}

static void
lia_sharing_page_init (LiaSharingPage *self)
{
  g_autoptr (GtkStringList) kinds = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  for (LiaRecordKind kind = 0; kind < LIA_RECORD_N_KINDS; kind++)
    gtk_string_list_append (kinds, lia_tr (lia_record_kind_label (kind)));
  gtk_drop_down_set_model (self->kind_dropdown, G_LIST_MODEL (kinds));
}

LiaSharingPage *
lia_sharing_page_new (LiaApplication *application,
                      const char     *case_id)
{
  LiaSharingPage *self = g_object_new (LIA_TYPE_SHARING_PAGE, NULL);
  LiaStoreWorker *worker = lia_application_get_worker (application);
  VisibilitySpec *spec = g_new0 (VisibilitySpec, 1);

  self->app = application;
  self->case_id = g_strdup (case_id);
  spec->case_id = g_strdup (case_id);
  spec->kind = (int) gtk_drop_down_get_selected (self->kind_dropdown);
  self->spec = spec;
  self->loader = lia_loader_new (worker, case_id, matrix_job, g_strdup (case_id), g_free,
                                 (GDestroyNotify) matrix_free, matrix_loaded_cb, self);
  lia_loader_load_when_mapped (self->loader, GTK_WIDGET (self));
  self->visibility_loader = lia_loader_new (worker, case_id, visibility_job, spec,
                                            (GDestroyNotify) visibility_spec_free,
                                            (GDestroyNotify) visibility_free,
                                            visibility_loaded_cb, self);
  return self;
}
