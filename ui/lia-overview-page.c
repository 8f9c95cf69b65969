/* lia-overview-page.c: a case at a glance.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-deadlines.h"
#include "lia-errors.h"
#include "lia-field-form.h"
#include "lia-form-dialog.h"
#include "lia-info-row.h"
#include "lia-overview-page.h"
#include "lia-util.h"

struct _LiaOverviewPage
{
  AdwBin          parent_instance;

  LiaApplication *app;      /* borrowed */
  char           *case_id;  /* owned */
  LiaCaseData    *data;     /* owned, or NULL until loaded */
  guint           rest_id;  /* lia_after_next_frame() of show_rest(), or 0 */

  GtkButton      *edit_button;
  GtkButton      *add_participant_button;
  GtkListBox     *facts_list;
  GtkLabel       *timeline_description;
  GtkListBox     *timeline_list;
  GtkListBox     *participants_list;
  GtkBox         *processes_box;
};

G_DEFINE_FINAL_TYPE (LiaOverviewPage, lia_overview_page, ADW_TYPE_BIN)

static void
add_fact (LiaOverviewPage *self,
          const char      *title,
          const char      *value)
{
  gtk_list_box_append (self->facts_list,
                       lia_info_row_new (title, value != NULL && *value != '\0'
                                                  ? value : _("Not recorded")));
}

static void
show_facts (LiaOverviewPage *self)
{
  const LiaCase *c = self->data->lcase;
  g_autofree char *aware = lia_format_date (&c->aware);
  g_autofree char *incident = lia_format_date (&c->incident);
  const char *type = lia_notification_type_names ()[c->type];

  lia_list_box_clear (self->facts_list);
  add_fact (self, _("Title"), c->title);
  add_fact (self, _("Child (anonymised code)"), c->child);
  add_fact (self, _("Local authority area"), c->area);
  add_fact (self, _("Local authority became aware"), aware);
  add_fact (self, _("Date of the incident"), incident);
  add_fact (self, _("Notification type"), lia_choice_label (type));
  add_fact (self, _("Case status"), c->closed ? _("Closed") : _("Open"));
  add_fact (self, _("Lead organisation"), c->lead != NULL ? c->lead->name : NULL);
}

static int
compare_due (gconstpointer a,
             gconstpointer b)
{
  const LiaMilestone *x = *(LiaMilestone *const *) a, *y = *(LiaMilestone *const *) b;
  gboolean vx = g_date_valid (&x->due), vy = g_date_valid (&y->due);

  if (vx != vy)
    return vx ? -1 : 1;
  if (!vx)
    return 0;
  return g_date_compare (&x->due, &y->due);
}

static GtkWidget *
milestone_row (const LiaMilestone *m)
{
  g_autoptr (GString) subtitle = g_string_new ("");
  g_autofree char *due = lia_format_date (&m->due);
  GtkWidget *row;
  g_autofree char *accessible = NULL;

  if (g_date_valid (&m->window_start) && g_date_valid (&m->due))
    {
      g_autofree char *start = lia_format_date (&m->window_start);

      /* Translators: a window of dates in which a milestone falls */
      g_string_append_printf (subtitle, _("Between %s and %s"), start, due);
    }
  else if (g_date_valid (&m->due))
    g_string_append_printf (subtitle, _("Due %s"), due);
  if (g_date_valid (&m->met_on))
    {
      g_autofree char *met = lia_format_date (&m->met_on);

      if (subtitle->len > 0)
        g_string_append (subtitle, " · ");
      g_string_append_printf (subtitle, _("done %s"), met);
    }
  if (subtitle->len > 0)
    g_string_append_c (subtitle, '\n');
  /* Translators: the rule a deadline comes from, and the document that sets it */
  g_string_append_printf (subtitle, _("%s (%s)"), lia_tr (m->rule), lia_tr (m->source));
  if (m->note != NULL)
    g_string_append_printf (subtitle, "\n%s", m->note);

  row = lia_info_row_new (lia_tr (m->title), subtitle->str);
  lia_info_row_add_suffix (LIA_INFO_ROW (row),
                           lia_pill_new (lia_tr (lia_milestone_state_label (m->state)),
                                         lia_milestone_css_class (m->state)));
  accessible = g_strdup_printf ("%s. %s. %s", lia_tr (m->title),
                                lia_tr (lia_milestone_state_label (m->state)), subtitle->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
  return row;
}

static void
show_timeline (LiaOverviewPage *self)
{
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
  g_autofree char *today = lia_format_date (&self->data->today);
  g_autofree char *description = NULL;
  gboolean today_shown = FALSE;

  lia_list_box_clear (self->timeline_list);
  for (guint i = 0; i < self->data->milestones->len; i++)
    g_ptr_array_add (sorted, self->data->milestones->pdata[i]);
  g_ptr_array_sort (sorted, compare_due);

  description = g_strdup_printf (_("Every milestone of the case in date order, as of today, %s. "
                                   "Working days leave out weekends and bank holidays in England "
                                   "and Wales."),
                                 today);
  gtk_label_set_text (self->timeline_description, description);

  for (guint i = 0; i <= sorted->len; i++)
    {
      const LiaMilestone *m = i < sorted->len ? sorted->pdata[i] : NULL;

      /* Today goes before the first milestone due after it (or before the
       * undated ones at the end). */
      if (!today_shown
          && (m == NULL || !g_date_valid (&m->due) || g_date_compare (&m->due, &self->data->today) > 0))
        {
          g_autofree char *title = g_strdup_printf (_("Today, %s"), today);
          GtkWidget *row = lia_info_row_new (title, NULL);

          gtk_widget_add_css_class (row, "today");
          gtk_widget_set_name (row, "timeline-today");
          gtk_list_box_append (self->timeline_list, row);
          today_shown = TRUE;
        }
      if (m != NULL)
        gtk_list_box_append (self->timeline_list, milestone_row (m));
    }
}

static void
show_participants (LiaOverviewPage *self)
{
  GPtrArray *participants = self->data->lcase->participants;

  lia_list_box_clear (self->participants_list);
  for (guint i = 0; participants != NULL && i < participants->len; i++)
    {
      const LiaParticipant *p = participants->pdata[i];
      g_autoptr (GString) subtitle = g_string_new (lia_tr (lia_role_label (p->role)));

      g_string_append (subtitle, " · ");
      g_string_append (subtitle, p->contact != NULL ? p->contact
                                                    : _("no point of contact named yet"));
      if (p->email != NULL)
        g_string_append_printf (subtitle, " · %s", p->email);
      if (p->phone != NULL)
        g_string_append_printf (subtitle, " · %s", p->phone);
      gtk_list_box_append (self->participants_list, lia_info_row_new (p->org->name, subtitle->str));
    }
}

static void
show_processes (LiaOverviewPage *self)
{
  guint n_fields;
  const LiaField *fields = lia_case_fields (&n_fields);
  GtkWidget *child;
  GtkListBox *list = NULL;
  g_autofree char *current = NULL;
  guint shown_in_current = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->processes_box))) != NULL)
    gtk_box_remove (self->processes_box, child);

  for (guint i = LIA_CASE_N_FACTS; i <= n_fields; i++)
    {
      g_autofree char *process = i < n_fields ? lia_case_field_process (fields[i].name) : NULL;
      const char *value;

      if (i == n_fields || g_strcmp0 (process, current) != 0)
        {
          if (list != NULL && shown_in_current == 0)
            gtk_list_box_append (list, lia_info_row_new (_("Nothing recorded yet"), NULL));
          if (i == n_fields)
            break;
          {
            GtkWidget *heading = gtk_label_new (NULL);
            const LiaField *first = &fields[i];
            static const struct { const char *process; const char *title; } titles[] = {
              { "notification", N_("Notification to the Panel") },
              { "rapid-review", N_("Rapid review") },
              { "lcspr", N_("Local child safeguarding practice review") },
              { "iopc", N_("IOPC investigation") },
              { "proceedings", N_("Parallel proceedings") },
            };
            const char *title = first->label;

            for (guint t = 0; t < G_N_ELEMENTS (titles); t++)
              if (g_str_equal (titles[t].process, process))
                title = _(titles[t].title);
            gtk_label_set_text (GTK_LABEL (heading), title);
            gtk_label_set_xalign (GTK_LABEL (heading), 0);
            gtk_widget_add_css_class (heading, "heading");
            gtk_widget_set_margin_top (heading, 12);
            gtk_box_append (self->processes_box, heading);
            list = GTK_LIST_BOX (gtk_list_box_new ());
            gtk_list_box_set_selection_mode (list, GTK_SELECTION_NONE);
            gtk_widget_add_css_class (GTK_WIDGET (list), "boxed-list");
            gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                            title, -1);
            gtk_box_append (self->processes_box, GTK_WIDGET (list));
            g_free (current);
            current = g_strdup (process);
            shown_in_current = 0;
          }
        }
      value = lia_case_get_field (self->data->lcase, fields[i].name);
      if (value == NULL)
        continue;
      if (fields[i].type == LIA_FIELD_DATE)
        {
          g_autofree char *date = lia_format_date_text (value);

          gtk_list_box_append (list, lia_info_row_new (lia_tr (fields[i].label), date));
        }
      else if (fields[i].type == LIA_FIELD_CHOICE)
        gtk_list_box_append (list, lia_info_row_new (lia_tr (fields[i].label),
                                                     lia_choice_label (value)));
      else
        gtk_list_box_append (list, lia_info_row_new (lia_tr (fields[i].label), value));
      shown_in_current++;
    }
}

static void
show_rest (gpointer user_data)
{
  LiaOverviewPage *self = user_data;

  self->rest_id = 0;
  show_participants (self);
  show_processes (self);
}

/* ---- editing the case ------------------------------------------------------ */

typedef struct
{
  char       *case_id;
  GHashTable *changes;  /* owned: field name → value ("" to clear) */
} EditData;

static void
edit_data_free (EditData *data)
{
  g_free (data->case_id);
  g_hash_table_unref (data->changes);
  g_free (data);
}

static gpointer
edit_job (LiaStore     *store,
          gpointer      user_data,
          GCancellable *cancellable,
          GError      **error)
{
  EditData *data = user_data;
  GHashTableIter iter;
  gpointer name, value;

  /* The facts first, in the table's order, so that the status of a
   * closing case is set after everything it depends on. */
  g_hash_table_iter_init (&iter, data->changes);
  while (g_hash_table_iter_next (&iter, &name, &value))
    if (!lia_case_set_field (store, data->case_id, name, value, error))
      return NULL;
  return LIA_STORE_JOB_DONE;
}

static void
edit_accept_cb (LiaFormDialog *dialog,
                gpointer       user_data)
{
  LiaOverviewPage *self = user_data;
  LiaFieldForm *form = g_object_get_data (G_OBJECT (dialog), "form");
  g_autoptr (GError) error = NULL;
  GHashTable *changes = lia_field_form_collect (form, TRUE, &error);
  EditData *data;

  if (changes == NULL)
    {
      lia_form_dialog_show_error (dialog, error);
      return;
    }
  if (g_hash_table_size (changes) == 0)
    {
      g_hash_table_unref (changes);
      gtk_window_destroy (GTK_WINDOW (dialog));
      return;
    }
  data = g_new0 (EditData, 1);
  data->case_id = g_strdup (self->data->lcase->id);
  data->changes = changes;
  lia_form_dialog_run (dialog, lia_application_get_worker (self->app), edit_job, data,
                       (GDestroyNotify) edit_data_free, NULL, LIA_STORE_JOB_WRITES,
                       self->data->lcase->id, NULL, NULL);
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  LiaOverviewPage *self = LIA_OVERVIEW_PAGE (widget);
  const LiaCase *c;
  LiaFormDialog *dialog;
  LiaFieldForm *form;
  guint n_fields;
  const LiaField *fields = lia_case_fields (&n_fields);
  g_autoptr (GHashTable) values = NULL;

  if (self->data == NULL)
    return;
  c = self->data->lcase;
  dialog = lia_form_dialog_new (widget, "edit-case-dialog", _("Edit case"), _("_Save"));
  form = lia_field_form_new ();
  lia_field_form_set_fields (form, fields, n_fields, NULL);
  values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  {
    GHashTableIter iter;
    gpointer name, value;

    g_hash_table_iter_init (&iter, c->fields);
    while (g_hash_table_iter_next (&iter, &name, &value))
      g_hash_table_insert (values, name, g_strdup (value));
  }
  g_hash_table_insert (values, (gpointer) "title", g_strdup (c->title));
  g_hash_table_insert (values, (gpointer) "child", g_strdup (c->child));
  g_hash_table_insert (values, (gpointer) "area", g_strdup (c->area));
  if (g_date_valid (&c->incident))
    g_hash_table_insert (values, (gpointer) "incident", lia_date_format (&c->incident));
  if (g_date_valid (&c->aware))
    g_hash_table_insert (values, (gpointer) "aware", lia_date_format (&c->aware));
  g_hash_table_insert (values, (gpointer) "type", g_strdup (lia_notification_type_names ()[c->type]));
  g_hash_table_insert (values, (gpointer) "status", g_strdup (c->closed ? "closed" : "open"));
  lia_field_form_set_values (form, values);
  lia_form_dialog_set_description (dialog, _("As the lead organisation, this organisation keeps "
                                             "the case’s facts; every participant sees them."));
  lia_form_dialog_add (dialog, GTK_WIDGET (form));
  g_object_set_data (G_OBJECT (dialog), "form", form);
  g_signal_connect_object (dialog, "accept", G_CALLBACK (edit_accept_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- adding a participant -------------------------------------------------- */

typedef struct
{
  char    *case_id;
  LiaOrg  *org;      /* owned */
  LiaRole  role;
  char    *contact;
  char    *email;
  char    *phone;
} ParticipantData;

static void
participant_data_free (ParticipantData *data)
{
  g_free (data->case_id);
  lia_org_free (data->org);
  g_free (data->contact);
  g_free (data->email);
  g_free (data->phone);
  g_free (data);
}

static gpointer
add_participant_job (LiaStore     *store,
                     gpointer      user_data,
                     GCancellable *cancellable,
                     GError      **error)
{
  ParticipantData *data = user_data;

  return lia_case_add_participant (store, data->case_id, data->org, data->role, data->contact,
                                   data->email, data->phone, error)
           ? LIA_STORE_JOB_DONE
           : NULL;
}

static char *
entry_text (GObject    *dialog,
            const char *key)
{
  char *text = g_strstrip (g_strdup (gtk_editable_get_text (g_object_get_data (dialog, key))));

  if (*text == '\0')
    g_clear_pointer (&text, g_free);
  return text;
}

static void
participant_accept_cb (LiaFormDialog *dialog,
                       gpointer       user_data)
{
  LiaOverviewPage *self = user_data;
  GPtrArray *candidates = g_object_get_data (G_OBJECT (dialog), "candidates");
  AdwComboRow *org_row = g_object_get_data (G_OBJECT (dialog), "org");
  AdwComboRow *role_row = g_object_get_data (G_OBJECT (dialog), "role");
  guint org_index = adw_combo_row_get_selected (org_row);
  g_autofree char *contact = NULL;
  ParticipantData *data;

  if (org_index == GTK_INVALID_LIST_POSITION || org_index >= candidates->len)
    {
      lia_form_dialog_show_problem (dialog, _("Choose the organisation to add."));
      return;
    }
  contact = entry_text (G_OBJECT (dialog), "contact");
  if (contact == NULL)
    {
      g_autofree char *problem = g_strdup_printf (
        _("Name the point of contact at %s: the person the other organisations deal with on "
          "this case."),
        ((const LiaOrg *) candidates->pdata[org_index])->name);

      lia_form_dialog_show_problem (dialog, problem);
      gtk_widget_grab_focus (g_object_get_data (G_OBJECT (dialog), "contact"));
      return;
    }
  data = g_new0 (ParticipantData, 1);
  data->case_id = g_strdup (self->data->lcase->id);
  data->org = lia_org_copy (candidates->pdata[org_index]);
  data->role = (LiaRole) adw_combo_row_get_selected (role_row);
  data->contact = g_steal_pointer (&contact);
  data->email = entry_text (G_OBJECT (dialog), "email");
  data->phone = entry_text (G_OBJECT (dialog), "phone");
  lia_form_dialog_run (dialog, lia_application_get_worker (self->app), add_participant_job,
                       data, (GDestroyNotify) participant_data_free, NULL, LIA_STORE_JOB_WRITES,
                       self->data->lcase->id, NULL, NULL);
}

static gboolean
is_participant (const LiaCase *c,
                const LiaOrg  *org)
{
  for (guint i = 0; c->participants != NULL && i < c->participants->len; i++)
    if (((LiaParticipant *) c->participants->pdata[i])->org->id == org->id)
      return TRUE;
  return FALSE;
}

static GtkWidget *
add_entry_row (GtkWidget  *group,
               GObject    *dialog,
               const char *key,
               const char *title)
{
  GtkWidget *row = adw_entry_row_new ();
  g_autofree char *name = g_strconcat ("participant-", key, NULL);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_set_name (row, name);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  g_object_set_data (dialog, key, row);
  return row;
}

static void
org_chosen_cb (AdwComboRow *org_row,
               GParamSpec  *pspec,
               gpointer     user_data)
{
  GObject *dialog = user_data;
  GPtrArray *candidates = g_object_get_data (dialog, "candidates");
  AdwComboRow *role_row = g_object_get_data (dialog, "role");
  guint index = adw_combo_row_get_selected (org_row);

  /* The role an organisation of that kind normally takes. */
  if (index < candidates->len)
    adw_combo_row_set_selected (role_row,
                                lia_role_for_kind (((LiaOrg *) candidates->pdata[index])->kind));
}

static void
add_participant_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  LiaOverviewPage *self = LIA_OVERVIEW_PAGE (widget);
  LiaFormDialog *dialog;
  GtkWidget *group;
  GtkWidget *org_row, *role_row;
  g_autoptr (GtkStringList) org_names = gtk_string_list_new (NULL);
  g_autoptr (GtkStringList) role_names = gtk_string_list_new (NULL);
  GPtrArray *candidates;

  if (self->data == NULL)
    return;
  candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_org_free);
  for (guint i = 0; i < self->data->orgs->len; i++)
    {
      const LiaOrg *org = self->data->orgs->pdata[i];

      if (!is_participant (self->data->lcase, org))
        {
          g_ptr_array_add (candidates, lia_org_copy (org));
          gtk_string_list_append (org_names, org->name);
        }
    }
  for (LiaRole role = LIA_ROLE_LOCAL_AUTHORITY; role <= LIA_ROLE_AGENCY; role++)
    gtk_string_list_append (role_names, lia_tr (lia_role_label (role)));

  dialog = lia_form_dialog_new (widget, "add-participant-dialog", _("Add participant"),
                                _("_Add"));
  g_object_set_data_full (G_OBJECT (dialog), "candidates", candidates,
                          (GDestroyNotify) g_ptr_array_unref);
  if (candidates->len == 0)
    lia_form_dialog_set_description (dialog, _("Every organisation this store knows already "
                                                "takes part. Add a peer first (Peers in the main "
                                                "menu)."));
  else
    lia_form_dialog_set_description (dialog, _("Participants receive the case’s facts, and "
                                               "whatever each organisation decides to share with "
                                               "them."));
  group = adw_preferences_group_new ();
  org_row = adw_combo_row_new ();
  gtk_widget_set_name (org_row, "participant-org");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (org_row), _("Organisation"));
  adw_combo_row_set_model (ADW_COMBO_ROW (org_row), G_LIST_MODEL (org_names));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), org_row);
  role_row = adw_combo_row_new ();
  gtk_widget_set_name (role_row, "participant-role");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (role_row), _("Role"));
  adw_combo_row_set_model (ADW_COMBO_ROW (role_row), G_LIST_MODEL (role_names));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), role_row);
  g_object_set_data (G_OBJECT (dialog), "org", org_row);
  g_object_set_data (G_OBJECT (dialog), "role", role_row);
  add_entry_row (group, G_OBJECT (dialog), "contact", _("Point of contact"));
  add_entry_row (group, G_OBJECT (dialog), "email", _("Email"));
  add_entry_row (group, G_OBJECT (dialog), "phone", _("Phone"));
  lia_form_dialog_add (dialog, group);
  g_signal_connect (org_row, "notify::selected", G_CALLBACK (org_chosen_cb), dialog);
  org_chosen_cb (ADW_COMBO_ROW (org_row), NULL, dialog);
  g_signal_connect_object (dialog, "accept", G_CALLBACK (participant_accept_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- the page -------------------------------------------------------------- */

static void
lia_overview_page_dispose (GObject *object)
{
  LiaOverviewPage *self = LIA_OVERVIEW_PAGE (object);

  lia_after_next_frame_cancel (GTK_WIDGET (self), &self->rest_id);
  gtk_widget_dispose_template (GTK_WIDGET (object), LIA_TYPE_OVERVIEW_PAGE);
  G_OBJECT_CLASS (lia_overview_page_parent_class)->dispose (object);
}

static void
lia_overview_page_finalize (GObject *object)
{
  LiaOverviewPage *self = LIA_OVERVIEW_PAGE (object);

  g_free (self->case_id);
  g_clear_pointer (&self->data, lia_case_data_free);
  G_OBJECT_CLASS (lia_overview_page_parent_class)->finalize (object);
}

static void
lia_overview_page_class_init (LiaOverviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_overview_page_dispose;
  object_class->finalize = lia_overview_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaOverviewPage, edit_button);
  gtk_widget_class_bind_template_child (widget_class, LiaOverviewPage, add_participant_button);
  gtk_widget_class_bind_template_child (widget_class, LiaOverviewPage, facts_list);
  gtk_widget_class_bind_template_child (widget_class, LiaOverviewPage, timeline_description);
  gtk_widget_class_bind_template_child (widget_class, LiaOverviewPage, timeline_list);
  gtk_widget_class_bind_template_child (widget_class, LiaOverviewPage, participants_list);
  gtk_widget_class_bind_template_child (widget_class, LiaOverviewPage, processes_box);

  gtk_widget_class_install_action (widget_class, "overview.edit", NULL, edit_action);
  gtk_widget_class_install_action (widget_class, "overview.add-participant", NULL,
                                   add_participant_action);
}

static void
lia_overview_page_init (LiaOverviewPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "overview.edit", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "overview.add-participant", FALSE);
}

LiaOverviewPage *
lia_overview_page_new (LiaApplication *application,
                       const char     *case_id)
{
  LiaOverviewPage *self = g_object_new (LIA_TYPE_OVERVIEW_PAGE, NULL);

  self->app = application;
  self->case_id = g_strdup (case_id);
  return self;
}

void
lia_overview_page_set_data (LiaOverviewPage *self,
                            LiaCaseData     *data)
{
  gboolean lead;

  g_return_if_fail (LIA_IS_OVERVIEW_PAGE (self));

  g_clear_pointer (&self->data, lia_case_data_free);
  self->data = data;
  lead = lia_case_data_is_lead (data);
  /* Only the lead changes the case (DESIGN.md, "Ownership"); others see
   * why the buttons are not there. */
  gtk_widget_set_visible (GTK_WIDGET (self->edit_button), lead);
  gtk_widget_set_visible (GTK_WIDGET (self->add_participant_button), lead);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "overview.edit", lead);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "overview.add-participant", lead);
  show_facts (self);
  show_timeline (self);
  /* The participants and the processes come a frame later: opening a case
   * lays out and paints its facts and timeline, at the top, in one frame,
   * and the rest, mostly below them, in the next (lia_after_next_frame()). */
  lia_after_next_frame_cancel (GTK_WIDGET (self), &self->rest_id);
  self->rest_id = lia_after_next_frame (GTK_WIDGET (self), show_rest, self, NULL);
}
