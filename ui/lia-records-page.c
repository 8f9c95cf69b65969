/* lia-records-page.c: every record of a case, by kind.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-array-model.h"
#include "lia-errors.h"
#include "lia-exchange.h"
#include "lia-form-dialog.h"
#include "lia-info-row.h"
#include "lia-item.h"
#include "lia-loader.h"
#include "lia-paced-model.h"
#include "lia-record-dialog.h"
#include "lia-records-page.h"
#include "lia-request.h"
#include "lia-util.h"

/* What the list shows: one kind, or all (-1). Read by the store's thread. */
typedef struct
{
  char *case_id;
  int   kind;     /* atomic */
} ListSpec;

static void
list_spec_free (ListSpec *spec)
{
  g_free (spec->case_id);
  g_free (spec);
}

/* The record chosen, loaded in full. */
typedef struct
{
  LiaRecord *record;      /* owned */
  GPtrArray *recipients;  /* owned LiaRecordRecipient */
  LiaCase   *lcase;       /* owned, with its participants */
  LiaOrg    *self;        /* owned */
} Details;

static void
details_free (Details *details)
{
  if (details == NULL)
    return;
  g_clear_pointer (&details->record, lia_record_free);
  g_clear_pointer (&details->recipients, g_ptr_array_unref);
  g_clear_pointer (&details->lcase, lia_case_free);
  g_clear_pointer (&details->self, lia_org_free);
  g_free (details);
}

struct _LiaRecordsPage
{
  AdwBin              parent_instance;

  LiaApplication     *app;             /* borrowed */
  char               *case_id;         /* owned */
  ListSpec           *spec;            /* borrowed: owned by the list loader */
  LiaLoader          *loader;          /* owned */
  LiaLoader          *details_loader;  /* owned, for the record chosen */
  LiaArrayModel      *records;         /* owned: LiaRecord rows */
  LiaPacedModel      *paced;           /* owned: the records, to the view */
  GtkSingleSelection *selection;       /* owned */
  Details            *details;         /* owned: what the details show */
  char               *to_select;       /* owned: a record to show once loaded */

  GtkDropDown        *kind_dropdown;
  GtkMenuButton      *new_button;
  GtkStack           *list_stack;
  GtkSpinner         *spinner;
  GtkListView        *list_view;
  AdwStatusPage      *list_error_page;
  GtkStack           *details_stack;
  GtkLabel           *title_label;
  GtkLabel           *origin_label;
  GtkLabel           *handling_label;
  GtkButton          *edit_button;
  GtkButton          *share_button;
  GtkButton          *withdraw_button;
  GtkListBox         *fields_list;
  GtkListBox         *recipients_list;
  AdwStatusPage      *details_error_page;
};

G_DEFINE_FINAL_TYPE (LiaRecordsPage, lia_records_page, ADW_TYPE_BIN)

static void show_record (LiaRecordsPage *self, const char *record_id);

char *
lia_recipient_reason (const char *why)
{
  if (why == NULL)
    return g_strdup ("");
  if (g_str_equal (why, "originator"))
    return g_strdup (_("Made it: its originator"));
  if (g_str_has_prefix (why, "sharing: "))
    {
      LiaRecordKind kind;
      g_autofree char *words = NULL;

      if (!lia_record_kind_from_string (why + strlen ("sharing: "), &kind))
        return g_strdup (_("Receives this kind of record"));
      words = lia_lower_first (lia_tr (lia_record_kind_label (kind)));
      /* Translators: why an organisation receives a record: "receives every chronology entry" */
      return g_strdup_printf (_("Receives every %s of this organisation on the case"), words);
    }
  if (g_str_equal (why, "disclosure"))
    return g_strdup (_("Disclosed to it after its request"));
  if (g_str_equal (why, "grant"))
    return g_strdup (_("Added with the originator’s agreement"));
  if (g_str_equal (why, "release"))
    return g_strdup (_("Released to it by a decision of its own"));
  if (g_str_equal (why, "withdrawal"))
    return g_strdup (_("Told to delete it: the record was withdrawn"));
  if (g_str_equal (why, "recipient"))
    return g_strdup (_("Received it from the originator"));
  return g_strdup (why);
}

/* ---- the list ------------------------------------------------------------ */

static gpointer
list_job (LiaStore     *store,
          gpointer      user_data,
          GCancellable *cancellable,
          GError      **error)
{
  ListSpec *spec = user_data;

  return lia_record_list (store, spec->case_id, g_atomic_int_get (&spec->kind), error);
}

static gboolean
record_equal (gconstpointer a,
              gconstpointer b)
{
  const LiaRecord *x = a, *y = b;

  return g_str_equal (x->id, y->id) && x->version == y->version && x->withdrawn == y->withdrawn
         && x->destroyed == y->destroyed && x->updated_at == y->updated_at;
}

static guint
find_record (LiaRecordsPage *self,
             const char     *record_id)
{
  GPtrArray *array = lia_array_model_get_array (self->records);

  for (guint i = 0; array != NULL && i < array->len; i++)
    if (g_str_equal (((LiaRecord *) array->pdata[i])->id, record_id))
      return i;
  return GTK_INVALID_LIST_POSITION;
}

static void
list_loaded_cb (gpointer      result,
                const GError *error,
                gpointer      user_data)
{
  LiaRecordsPage *self = user_data;
  g_autoptr (GPtrArray) records = result;

  gtk_spinner_set_spinning (self->spinner, FALSE);
  if (records == NULL)
    {
      g_autofree char *message = lia_error_describe (error);

      adw_status_page_set_description (self->list_error_page, message);
      gtk_stack_set_visible_child_name (self->list_stack, "error");
      return;
    }
  /* The list on the screen before it fills, so that it fills a few rows
   * a frame (lia-paced-model.h). */
  gtk_stack_set_visible_child_name (self->list_stack, records->len == 0 ? "empty" : "list");
  lia_array_model_set_array (self->records, records, record_equal);
  if (self->to_select != NULL)
    {
      guint position = find_record (self, self->to_select);

      if (position != GTK_INVALID_LIST_POSITION)
        {
          lia_paced_model_show_all (self->paced);
          gtk_single_selection_set_selected (self->selection, position);
          g_clear_pointer (&self->to_select, g_free);
        }
    }
}

static void
kind_changed_cb (LiaRecordsPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->kind_dropdown);

  if (self->spec == NULL)
    return;
  /* Item 0 is "All kinds"; then the kinds in order. */
  g_atomic_int_set (&self->spec->kind, selected == 0 || selected == GTK_INVALID_LIST_POSITION
                                         ? -1 : (int) selected - 1);
  lia_loader_reload (self->loader);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);
  GtkWidget *pill = lia_pill_new ("", NULL);

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_box_append (GTK_BOX (text), title);
  gtk_box_append (GTK_BOX (text), subtitle);
  gtk_box_append (GTK_BOX (box), text);
  gtk_box_append (GTK_BOX (box), pill);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  const LiaRecord *record = lia_item_get (gtk_list_item_get_item (list_item));
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *text = gtk_widget_get_first_child (box);
  GtkWidget *title = gtk_widget_get_first_child (text);
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  GtkWidget *pill = gtk_widget_get_next_sibling (text);
  g_autofree char *date = lia_format_date_text (record->date);
  g_autofree char *line = NULL;
  const char *state = NULL;
  g_autofree char *accessible = NULL;

  gtk_label_set_text (GTK_LABEL (title), record->title);
  if (record->date != NULL)
    /* Translators: a record's kind, date and originator */
    line = g_strdup_printf (_("%s · %s · %s"), lia_tr (lia_record_kind_label (record->kind)), date,
                            record->originator->name);
  else
    line = g_strdup_printf (_("%s · %s"), lia_tr (lia_record_kind_label (record->kind)),
                            record->originator->name);
  gtk_label_set_text (GTK_LABEL (subtitle), line);

  gtk_widget_remove_css_class (pill, "overdue");
  gtk_widget_remove_css_class (pill, "soon");
  if (record->withdrawn)
    state = _("Withdrawn");
  else if (record->destroyed)
    state = _("Destroyed");
  else if (record->classification == LIA_CLASSIFICATION_SECRET)
    {
      state = _("Secret");
      gtk_widget_add_css_class (pill, "overdue");
    }
  else if (record->classification == LIA_CLASSIFICATION_SENSITIVE)
    {
      state = _("Sensitive");
      gtk_widget_add_css_class (pill, "soon");
    }
  gtk_label_set_text (GTK_LABEL (pill), state != NULL ? state : "");
  gtk_widget_set_visible (pill, state != NULL);
  accessible = g_strjoin (". ", record->title, line, state != NULL ? state : "", NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
}

static void
selection_changed_cb (LiaRecordsPage *self)
{
  LiaItem *item = gtk_single_selection_get_selected_item (self->selection);

  if (item == NULL)
    return;
  show_record (self, ((const LiaRecord *) lia_item_get (item))->id);
}

/* ---- the record chosen ----------------------------------------------------- */

static gpointer
details_job (LiaStore     *store,
             gpointer      user_data,
             GCancellable *cancellable,
             GError      **error)
{
  const char *record_id = user_data;
  Details *details = g_new0 (Details, 1);

  if ((details->record = lia_record_load (store, record_id, error)) == NULL
      || (details->recipients = lia_record_recipients (store, record_id, error)) == NULL
      || (details->lcase = lia_case_load (store, details->record->case_id, error)) == NULL
      || (details->self = lia_store_get_self (store, error)) == NULL)
    {
      details_free (details);
      return NULL;
    }
  return details;
}

static gboolean
is_own (const Details *details)
{
  return details->record->originator->id == details->self->id;
}

static char *
handling_text (const LiaRecord *record)
{
  g_autoptr (GString) text = g_string_new ("");
  const char *basis = lia_record_get_field (record, "basis");
  const char *handling = lia_record_get_field (record, "handling");

  switch (record->classification)
    {
    case LIA_CLASSIFICATION_SECRET:
      g_string_append (text, _("Secret: it goes to no one unless its originator releases it to "
                               "them, one organisation at a time."));
      break;
    case LIA_CLASSIFICATION_SENSITIVE:
      g_string_append (text, _("Sensitive: handle with care, and only for the purpose it was "
                               "shared for."));
      break;
    case LIA_CLASSIFICATION_STANDARD:
    default:
      g_string_append (text, _("Standard classification."));
      break;
    }
  if (basis != NULL)
    g_string_append_printf (text, "\n%s", basis);
  if (handling != NULL)
    g_string_append_printf (text, _("\nHandling restrictions: %s"), handling);
  else
    g_string_append (text, _("\nNo handling restrictions."));
  if (g_date_valid (&record->destroy_on))
    {
      g_autofree char *date = lia_format_date (&record->destroy_on);

      g_string_append_printf (text, _("\nTo be destroyed on %s."), date);
    }
  if (g_date_valid (&record->return_on))
    {
      g_autofree char *date = lia_format_date (&record->return_on);

      g_string_append_printf (text, _("\nTo be returned on %s."), date);
    }
  if (record->withdrawn)
    g_string_append (text, _("\nWithdrawn by its originator: its content is gone."));
  if (record->destroyed)
    g_string_append (text, _("\nDestroyed here on its destruction or return date."));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
show_details (LiaRecordsPage *self)
{
  const Details *details = self->details;
  const LiaRecord *record = details->record;
  gboolean own = is_own (details);
  guint n_fields;
  const LiaField *fields = lia_record_kind_fields (record->kind, &n_fields);
  g_autofree char *origin = NULL;
  g_autofree char *handling = handling_text (record);

  gtk_label_set_text (self->title_label, record->title);
  if (own)
    /* Translators: a record's kind and version, made by this organisation */
    origin = g_strdup_printf (_("%s, version %d. Made by this organisation, which alone decides "
                                "who receives it."),
                              lia_tr (lia_record_kind_label (record->kind)), record->version);
  else
    /* Translators: a record's kind, version and originator */
    origin = g_strdup_printf (_("%s, version %d. Made by %s, which alone can change it or decide "
                                "who else receives it; read-only here."),
                              lia_tr (lia_record_kind_label (record->kind)), record->version,
                              record->originator->name);
  gtk_label_set_text (self->origin_label, origin);
  gtk_label_set_text (self->handling_label, handling);
  gtk_widget_remove_css_class (GTK_WIDGET (self->handling_label), "secret");
  gtk_widget_remove_css_class (GTK_WIDGET (self->handling_label), "sensitive");
  if (record->classification == LIA_CLASSIFICATION_SECRET)
    gtk_widget_add_css_class (GTK_WIDGET (self->handling_label), "secret");
  else if (record->classification == LIA_CLASSIFICATION_SENSITIVE)
    gtk_widget_add_css_class (GTK_WIDGET (self->handling_label), "sensitive");

  gtk_widget_set_visible (GTK_WIDGET (self->edit_button), own && !record->withdrawn);
  gtk_widget_set_visible (GTK_WIDGET (self->withdraw_button), own && !record->withdrawn);
  gtk_widget_set_visible (GTK_WIDGET (self->share_button), !record->withdrawn
                                                             && !record->destroyed);

  lia_list_box_clear (self->fields_list);
  /* The kind's own fields; the common ones are said above. */
  for (guint i = 0; i < n_fields; i++)
    {
      const char *name = fields[i].name;
      const char *value = lia_record_get_field (record, name);
      g_autofree char *shown = NULL;

      if (value == NULL || g_str_equal (name, "title") || g_str_equal (name, "classification")
          || g_str_equal (name, "basis") || g_str_equal (name, "handling")
          || g_str_equal (name, "destroy-on") || g_str_equal (name, "return-on"))
        continue;
      if (fields[i].type == LIA_FIELD_DATE || fields[i].type == LIA_FIELD_DATE_TIME)
        shown = lia_format_date_text (value);
      else if (fields[i].type == LIA_FIELD_CHOICE)
        shown = g_strdup (lia_choice_label (value));
      else
        shown = g_strdup (value);
      gtk_list_box_append (self->fields_list, lia_info_row_new (lia_tr (fields[i].label), shown));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->fields_list),
                          gtk_widget_get_first_child (GTK_WIDGET (self->fields_list)) != NULL);

  lia_list_box_clear (self->recipients_list);
  for (guint i = 0; i < details->recipients->len; i++)
    {
      const LiaRecordRecipient *r = details->recipients->pdata[i];
      g_autofree char *why = lia_recipient_reason (r->why);
      g_autofree char *subtitle = NULL;
      const char *name = r->org->id == details->self->id ? _("This organisation") : r->org->name;

      if (r->pending)
        subtitle = g_strdup_printf (_("%s. It receives it once it is a peer."), why);
      gtk_list_box_append (self->recipients_list,
                           lia_info_row_new (name, subtitle != NULL ? subtitle : why));
    }
  if (details->recipients->len == 0)
    /* Another organisation's record that did not come through Liaison's
     * exchange (entered from paper, or the demo data): no envelope names
     * who holds it. */
    gtk_list_box_append (self->recipients_list,
                         lia_info_row_new (_("Not known here"),
                                           _("This record did not reach this organisation "
                                             "through Liaison, so there is no record of who "
                                             "else holds it.")));
  gtk_stack_set_visible_child_name (self->details_stack, "record");
}

static void
details_loaded_cb (gpointer      result,
                   const GError *error,
                   gpointer      user_data)
{
  LiaRecordsPage *self = user_data;

  details_free (self->details);
  self->details = result;
  if (self->details == NULL)
    {
      g_autofree char *message = lia_error_describe (error);

      adw_status_page_set_description (self->details_error_page, message);
      gtk_stack_set_visible_child_name (self->details_stack, "error");
      return;
    }
  show_details (self);
}

static void
show_record (LiaRecordsPage *self,
             const char     *record_id)
{
  if (self->details_loader != NULL)
    lia_loader_cancel (self->details_loader);
  g_clear_object (&self->details_loader);
  self->details_loader = lia_loader_new (lia_application_get_worker (self->app), self->case_id,
                                         details_job, g_strdup (record_id), g_free,
                                         (GDestroyNotify) details_free, details_loaded_cb, self);
  lia_loader_load (self->details_loader);
}

/* ---- acting on the record -------------------------------------------------- */

static void
new_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  LiaRecordsPage *self = LIA_RECORDS_PAGE (widget);
  LiaRecordKind kind;

  if (!lia_record_kind_from_string (g_variant_get_string (parameter, NULL), &kind))
    return;
  lia_record_dialog_present (self->app, widget, self->case_id, kind, NULL);
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LiaRecordsPage *self = LIA_RECORDS_PAGE (widget);

  if (self->details != NULL && is_own (self->details))
    lia_record_dialog_present (self->app, widget, self->case_id, self->details->record->kind,
                               self->details->record);
}

/* What the record dialogs below hand to the store. */
typedef struct
{
  int   what;       /* RELEASE, EXTEND or WITHDRAW */
  char *record_id;
  char *org;        /* fingerprint or name; NULL to withdraw */
  char *reason;
  char *by;
} RecordStep;

enum
{
  STEP_RELEASE,
  STEP_EXTEND,
  STEP_WITHDRAW,
};

static void
record_step_free (RecordStep *step)
{
  g_free (step->record_id);
  g_free (step->org);
  g_free (step->reason);
  g_free (step->by);
  g_free (step);
}

static gpointer
record_step_job (LiaStore     *store,
                 gpointer      user_data,
                 GCancellable *cancellable,
                 GError      **error)
{
  RecordStep *step = user_data;
  GDate today;

  lia_get_today (&today);
  switch (step->what)
    {
    case STEP_RELEASE:
      return lia_record_release (store, step->record_id, step->org, step->reason, step->by, error)
               ? LIA_STORE_JOB_DONE
               : NULL;
    case STEP_EXTEND:
      return lia_request_extend (store, step->record_id, step->org, step->reason, step->by, &today,
                                 error);
    case STEP_WITHDRAW:
    default:
      return lia_record_withdraw (store, step->record_id, step->reason, step->by, error)
               ? LIA_STORE_JOB_DONE
               : NULL;
    }
}

static void
step_done (LiaFormDialog *dialog,
           gpointer       result,
           gpointer       user_data)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (dialog));
  const char *message = g_object_get_data (G_OBJECT (dialog), "done-message");

  if (parent != NULL && message != NULL)
    lia_show_toast (gtk_window_get_child (parent), message);
}

static void
step_accept_cb (LiaFormDialog *dialog,
                gpointer       user_data)
{
  LiaRecordsPage *self = user_data;
  int what = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "what"));
  GPtrArray *orgs = g_object_get_data (G_OBJECT (dialog), "orgs");
  AdwComboRow *org_row = g_object_get_data (G_OBJECT (dialog), "org-row");
  GtkEditable *reason_row = g_object_get_data (G_OBJECT (dialog), "reason-row");
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (reason_row)));
  RecordStep *step;

  if (self->details == NULL)
    return;
  step = g_new0 (RecordStep, 1);
  step->what = what;
  if (org_row != NULL)
    {
      guint index = adw_combo_row_get_selected (org_row);
      const LiaOrg *org;

      if (index == GTK_INVALID_LIST_POSITION || index >= orgs->len)
        {
          record_step_free (step);
          lia_form_dialog_show_problem (dialog, _("Choose the organisation."));
          return;
        }
      org = orgs->pdata[index];
      step->org = g_strdup (org->fingerprint != NULL ? org->fingerprint : org->name);
    }
  if (*reason == '\0')
    {
      record_step_free (step);
      lia_form_dialog_show_problem (dialog, _("Give the reason: it is kept in the disclosure log "
                                              "on both sides."));
      gtk_widget_grab_focus (GTK_WIDGET (reason_row));
      return;
    }
  step->record_id = g_strdup (self->details->record->id);
  step->reason = g_steal_pointer (&reason);
  step->by = g_strdup (lia_person_name ());
  lia_form_dialog_run (dialog, lia_application_get_worker (self->app), record_step_job, step,
                       (GDestroyNotify) record_step_free, g_free, LIA_STORE_JOB_WRITES,
                       self->case_id, step_done, NULL);
}

static gboolean
is_recipient (const Details *details,
              const LiaOrg  *org)
{
  for (guint i = 0; i < details->recipients->len; i++)
    if (((LiaRecordRecipient *) details->recipients->pdata[i])->org->id == org->id)
      return TRUE;
  return FALSE;
}

/* A dialog for a release, a request to extend, or a withdrawal. */
static void
present_step_dialog (LiaRecordsPage *self,
                     int             what)
{
  const Details *details = self->details;
  LiaFormDialog *dialog;
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *reason_row = adw_entry_row_new ();
  const char *title, *accept;
  g_autofree char *description = NULL;

  switch (what)
    {
    case STEP_RELEASE:
      title = _("Share record");
      accept = _("_Share");
      if (details->record->classification == LIA_CLASSIFICATION_SECRET)
        description = g_strdup (_("This record is secret: it goes to the organisation chosen "
                                  "here and no other. Consider sharing a redacted version "
                                  "instead. The decision and its reason are logged on both "
                                  "sides."));
      else
        description = g_strdup (_("The organisation chosen receives this record and its later "
                                  "versions. The decision and its reason are logged on both "
                                  "sides."));
      break;
    case STEP_EXTEND:
      title = _("Ask the originator");
      accept = _("_Ask");
      description = g_strdup_printf (_("%s made this record, so only %s can share it with "
                                       "another organisation. This asks %s for its agreement; "
                                       "the request and %s’s decision are logged."),
                                     details->record->originator->name,
                                     details->record->originator->name,
                                     details->record->originator->name,
                                     details->record->originator->name);
      break;
    case STEP_WITHDRAW:
    default:
      title = _("Withdraw record");
      accept = _("_Withdraw");
      description = g_strdup (_("Every organisation that received this record is told to delete "
                                "it, and its content is gone here too. This cannot be undone."));
      break;
    }
  dialog = lia_form_dialog_new (GTK_WIDGET (self), "record-step-dialog", title, accept);
  lia_form_dialog_set_description (dialog, description);
  lia_form_dialog_set_destructive (dialog, what == STEP_WITHDRAW);
  g_object_set_data (G_OBJECT (dialog), "what", GINT_TO_POINTER (what));

  if (what != STEP_WITHDRAW)
    {
      GPtrArray *orgs = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_org_free);
      g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);
      GtkWidget *org_row = adw_combo_row_new ();
      GPtrArray *participants = details->lcase->participants;

      for (guint i = 0; participants != NULL && i < participants->len; i++)
        {
          const LiaOrg *org = ((LiaParticipant *) participants->pdata[i])->org;

          /* Not this organisation, not the originator, and not one that
           * has the record already. */
          if (org->id == details->self->id || org->id == details->record->originator->id
              || is_recipient (details, org))
            continue;
          g_ptr_array_add (orgs, lia_org_copy (org));
          gtk_string_list_append (names, org->name);
        }
      g_object_set_data_full (G_OBJECT (dialog), "orgs", orgs,
                              (GDestroyNotify) g_ptr_array_unref);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (org_row),
                                     what == STEP_RELEASE ? _("Share with")
                                                          : _("Share with (if the originator "
                                                              "agrees)"));
      adw_combo_row_set_model (ADW_COMBO_ROW (org_row), G_LIST_MODEL (names));
      gtk_widget_set_name (org_row, "record-step-org");
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), org_row);
      g_object_set_data (G_OBJECT (dialog), "org-row", org_row);
      if (orgs->len == 0)
        lia_form_dialog_set_description (dialog, _("Every participant of the case can see this "
                                                   "record already. Add a participant on the "
                                                   "overview first."));
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (reason_row), _("Reason (required)"));
  gtk_widget_set_name (reason_row, "record-step-reason");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), reason_row);
  g_object_set_data (G_OBJECT (dialog), "reason-row", reason_row);
  lia_form_dialog_add (dialog, group);
  g_object_set_data_full (G_OBJECT (dialog), "done-message",
                          g_strdup (what == STEP_RELEASE ? _("Shared. It goes out with the next "
                                                             "sync.")
                                    : what == STEP_EXTEND ? _("Request sent to the originator.")
                                                          : _("Withdrawn.")),
                          g_free);
  g_signal_connect_object (dialog, "accept", G_CALLBACK (step_accept_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
originator_response_cb (AdwMessageDialog *message,
                        const char       *response,
                        gpointer          user_data)
{
  LiaRecordsPage *self = user_data;

  if (g_str_equal (response, "ask") && self->details != NULL)
    present_step_dialog (self, STEP_EXTEND);
}

static void
share_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  LiaRecordsPage *self = LIA_RECORDS_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  const char *originator;
  GtkWidget *message;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  g_autofree char *ask = NULL;

  if (self->details == NULL)
    return;
  if (is_own (self->details))
    {
      present_step_dialog (self, STEP_RELEASE);
      return;
    }
  /* Another organisation's record: never passed on (DESIGN.md,
   * "Onward disclosure"); say why, and offer what can be done. */
  originator = self->details->record->originator->name;
  heading = g_strdup_printf (_("Only %s can share this record"), originator);
  body = g_strdup_printf (_("%s made this record and controls who receives it. Liaison never "
                            "passes one organisation’s record on to another. You can ask %s to "
                            "share it; %s decides, and both sides log the decision."),
                          originator, originator, originator);
  ask = g_strdup_printf (_("_Ask %s…"), originator);
  message = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                    body);
  gtk_widget_set_name (message, "originator-control-dialog");
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (message), "cancel", _("_Cancel"), "ask",
                                    ask, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (message), "ask",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (message), "ask");
  if (GTK_IS_WINDOW (root))
    gtk_window_set_application (GTK_WINDOW (message),
                                gtk_window_get_application (GTK_WINDOW (root)));
  g_signal_connect_object (message, "response", G_CALLBACK (originator_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (message));
}

static void
withdraw_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  LiaRecordsPage *self = LIA_RECORDS_PAGE (widget);

  if (self->details != NULL && is_own (self->details))
    present_step_dialog (self, STEP_WITHDRAW);
}

/* ---- the page -------------------------------------------------------------- */

static void
lia_records_page_dispose (GObject *object)
{
  LiaRecordsPage *self = LIA_RECORDS_PAGE (object);

  if (self->loader != NULL)
    lia_loader_cancel (self->loader);
  g_clear_object (&self->loader);
  self->spec = NULL;
  if (self->details_loader != NULL)
    lia_loader_cancel (self->details_loader);
  g_clear_object (&self->details_loader);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->paced);
  g_clear_object (&self->records);
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_RECORDS_PAGE);
  G_OBJECT_CLASS (lia_records_page_parent_class)->dispose (object);
}

static void
lia_records_page_finalize (GObject *object)
{
  LiaRecordsPage *self = LIA_RECORDS_PAGE (object);

  g_free (self->case_id);
  g_free (self->to_select);
  details_free (self->details);
  G_OBJECT_CLASS (lia_records_page_parent_class)->finalize (object);
}

static void
lia_records_page_class_init (LiaRecordsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_records_page_dispose;
  object_class->finalize = lia_records_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-records-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, new_button);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, list_error_page);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, details_stack);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, origin_label);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, handling_label);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, edit_button);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, share_button);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, withdraw_button);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, fields_list);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, recipients_list);
  gtk_widget_class_bind_template_child (widget_class, LiaRecordsPage, details_error_page);
  gtk_widget_class_bind_template_callback (widget_class, kind_changed_cb);

  gtk_widget_class_install_action (widget_class, "records.new", "s", new_action);
  gtk_widget_class_install_action (widget_class, "records.edit", NULL, edit_action);
  gtk_widget_class_install_action (widget_class, "records.share", NULL, share_action);
  gtk_widget_class_install_action (widget_class, "records.withdraw", NULL, withdraw_action);
}

static void
lia_records_page_init (LiaRecordsPage *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr (GtkStringList) kinds = gtk_string_list_new (NULL);
  g_autoptr (GMenu) menu = g_menu_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_string_list_append (kinds, _("All kinds"));
  for (LiaRecordKind kind = 0; kind < LIA_RECORD_N_KINDS; kind++)
    {
      g_autofree char *action = g_strdup_printf ("records.new::%s",
                                                 lia_record_kind_to_string (kind));

      gtk_string_list_append (kinds, lia_tr (lia_record_kind_label (kind)));
      g_menu_append (menu, lia_tr (lia_record_kind_label (kind)), action);
    }
  gtk_drop_down_set_model (self->kind_dropdown, G_LIST_MODEL (kinds));
  gtk_menu_button_set_menu_model (self->new_button, G_MENU_MODEL (menu));

  self->records = lia_array_model_new ();
  self->paced = lia_paced_model_new (G_LIST_MODEL (self->records), GTK_WIDGET (self->list_view));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->paced)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  g_signal_connect_swapped (self->selection, "notify::selected",
                            G_CALLBACK (selection_changed_cb), self);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  gtk_spinner_set_spinning (self->spinner, TRUE);
}

LiaRecordsPage *
lia_records_page_new (LiaApplication *application,
                      const char     *case_id)
{
  LiaRecordsPage *self = g_object_new (LIA_TYPE_RECORDS_PAGE, NULL);
  ListSpec *spec = g_new0 (ListSpec, 1);

  self->app = application;
  self->case_id = g_strdup (case_id);
  spec->case_id = g_strdup (case_id);
  spec->kind = -1;
  self->spec = spec;
  self->loader = lia_loader_new (lia_application_get_worker (application), case_id, list_job,
                                 spec, (GDestroyNotify) list_spec_free,
                                 (GDestroyNotify) g_ptr_array_unref, list_loaded_cb, self);
  lia_loader_load_when_mapped (self->loader, GTK_WIDGET (self));
  return self;
}

void
lia_records_page_select (LiaRecordsPage *self,
                         const char     *record_id)
{
  guint position;

  g_return_if_fail (LIA_IS_RECORDS_PAGE (self));

  position = find_record (self, record_id);
  if (position != GTK_INVALID_LIST_POSITION)
    {
      lia_paced_model_show_all (self->paced);
      gtk_single_selection_set_selected (self->selection, position);
    }
  else
    {
      g_free (self->to_select);
      self->to_select = g_strdup (record_id);
    }
}
