/* lia-requests-page.c: the disclosure requests of a case.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-errors.h"
#include "lia-form-dialog.h"
#include "lia-info-row.h"
#include "lia-loader.h"
#include "lia-request.h"
#include "lia-requests-page.h"
#include "lia-util.h"

typedef struct
{
  GPtrArray *requests;  /* owned LiaRequest, oldest first */
  LiaCase   *lcase;     /* owned, with participants */
  LiaOrg    *self;      /* owned */
} Requests;

static void
requests_free (Requests *data)
{
  if (data == NULL)
    return;
  g_clear_pointer (&data->requests, g_ptr_array_unref);
  g_clear_pointer (&data->lcase, lia_case_free);
  g_clear_pointer (&data->self, lia_org_free);
  g_free (data);
}

struct _LiaRequestsPage
{
  AdwBin          parent_instance;

  LiaApplication *app;       /* borrowed */
  char           *case_id;   /* owned */
  LiaLoader      *loader;    /* owned */
  Requests       *data;      /* owned */

  GtkLabel       *status_label;
  GtkListBox     *list;
};

G_DEFINE_FINAL_TYPE (LiaRequestsPage, lia_requests_page, ADW_TYPE_BIN)

static gpointer
load_job (LiaStore     *store,
          gpointer      case_id,
          GCancellable *cancellable,
          GError      **error)
{
  Requests *data = g_new0 (Requests, 1);

  if ((data->requests = lia_request_list (store, case_id, error)) == NULL
      || (data->lcase = lia_case_load (store, case_id, error)) == NULL
      || (data->self = lia_store_get_self (store, error)) == NULL)
    {
      requests_free (data);
      return NULL;
    }
  return data;
}

static const char *
decision_label (LiaDecision decision)
{
  switch (decision)
    {
    case LIA_DECISION_SHARE:
      return _("Share");
    case LIA_DECISION_SHARE_REDACTED:
      return _("Share a redacted version");
    case LIA_DECISION_DECLINE:
      return _("Decline, with reasons");
    case LIA_DECISION_REDIRECT:
      return _("Redirect to the organisation that made the material");
    case LIA_DECISION_SENSITIVE:
      return _("Say the material is sensitive");
    case LIA_DECISION_SECRET:
      return _("Say the material is secret");
    case LIA_DECISION_GRANT:
    default:
      return _("Agree to share this organisation’s record");
    }
}

static char *
event_text (const LiaRequestEvent *event)
{
  g_autofree char *on = lia_format_date (&event->on);
  g_autoptr (GString) text = g_string_new ("");
  const char *by = event->by != NULL ? event->by : "";
  const char *org = event->by_org != NULL ? event->by_org->name : "";

  switch (event->kind)
    {
    case LIA_REQUEST_EVENT_MADE:
      /* Translators: a request was made on a date by a person of an organisation */
      g_string_append_printf (text, _("Made on %s by %s (%s)"), on, by, org);
      break;
    case LIA_REQUEST_EVENT_DECISION:
      /* Translators: a decision, its date, the person and the organisation */
      g_string_append_printf (text, _("%s: decided on %s by %s (%s)"),
                              decision_label (event->decision), on, by, org);
      if (event->redirect_to != NULL)
        g_string_append_printf (text, _("; redirected to %s"), event->redirect_to->name);
      break;
    case LIA_REQUEST_EVENT_ESCALATION:
      g_string_append_printf (text, _("Escalated to %s on %s by %s (%s)"),
                              lia_tr (lia_escalation_label (event->level)), on, by, org);
      if (event->statute != NULL)
        g_string_append_printf (text, _("; under %s"), event->statute);
      break;
    case LIA_REQUEST_EVENT_WITHDRAWAL:
    default:
      g_string_append_printf (text, _("Withdrawn on %s by %s (%s)"), on, by, org);
      break;
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
event_detail (const LiaRequestEvent *event)
{
  g_autoptr (GString) text = g_string_new ("");

  if (event->reason != NULL)
    g_string_append_printf (text, _("Reason: %s"), event->reason);
  if (event->basis != NULL)
    g_string_append_printf (text, _("%sBasis: %s"), text->len > 0 ? "\n" : "", event->basis);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static GtkWidget *
action_button (const char *label,
               const char *action,
               const char *request_id,
               const char *name)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", request_id);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_name (button, name);
  return button;
}

static GtkWidget *
request_row (LiaRequestsPage  *self,
             const LiaRequest *request)
{
  GtkWidget *row = adw_expander_row_new ();
  gboolean holder = request->holder->id == self->data->self->id;
  gboolean requester = request->requester->id == self->data->self->id;
  g_autoptr (GString) subtitle = g_string_new ("");
  GtkWidget *actions_row;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  g_autofree char *purpose = g_strdup_printf (_("Why: %s"), request->purpose);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), request->subject);
  /* Translators: who asked whom, and the request's state */
  g_string_append_printf (subtitle, _("%s asked %s · %s"), request->requester->name,
                          request->holder->name, lia_tr (lia_request_state_label (request->state)));
  if (request->state == LIA_REQUEST_ESCALATED)
    g_string_append_printf (subtitle, " (%s)", lia_tr (lia_escalation_label (request->level)));
  if (g_date_valid (&request->reply_by) && !lia_request_state_is_final (request->state))
    {
      g_autofree char *reply_by = lia_format_date (&request->reply_by);

      g_string_append_printf (subtitle, _(" · reply by %s"), reply_by);
    }
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle->str);
  gtk_widget_set_name (row, "request-row");

  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), lia_info_row_new (purpose, NULL));
  for (guint i = 0; request->events != NULL && i < request->events->len; i++)
    {
      const LiaRequestEvent *event = request->events->pdata[i];
      g_autofree char *title = event_text (event);
      g_autofree char *detail = event_detail (event);

      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), lia_info_row_new (title, detail));
    }

  if (!lia_request_state_is_final (request->state))
    {
      if (holder)
        gtk_box_append (GTK_BOX (box), action_button (_("_Decide…"), "requests.decide",
                                                      request->id, "request-decide"));
      if (holder || requester)
        gtk_box_append (GTK_BOX (box), action_button (_("_Escalate…"), "requests.escalate",
                                                      request->id, "request-escalate"));
      if (requester)
        gtk_box_append (GTK_BOX (box), action_button (_("_Withdraw…"), "requests.withdraw",
                                                      request->id, "request-withdraw"));
    }
  if (gtk_widget_get_first_child (box) != NULL)
    {
      actions_row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (actions_row),
                                     holder ? _("This organisation holds the material")
                                            : _("This organisation asked"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (actions_row), box);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), actions_row);
    }
  else
    g_object_unref (g_object_ref_sink (box));
  return row;
}

static void
loaded_cb (gpointer      result,
           const GError *error,
           gpointer      user_data)
{
  LiaRequestsPage *self = user_data;

  requests_free (self->data);
  self->data = result;
  lia_list_box_clear (self->list);
  if (self->data == NULL)
    {
      g_autofree char *message = lia_error_describe (error);

      gtk_label_set_text (self->status_label, message);
      return;
    }
  if (self->data->requests->len == 0)
    gtk_label_set_text (self->status_label, _("No requests yet. A request asks another "
                                              "organisation on the case for material, and says "
                                              "why."));
  else
    gtk_label_set_text (self->status_label, _("Only the organisation asked decides; either side "
                                              "can take a disagreement one level up."));
  for (guint i = 0; i < self->data->requests->len; i++)
    gtk_list_box_append (self->list, request_row (self, self->data->requests->pdata[i]));
}

static const LiaRequest *
find_request (LiaRequestsPage *self,
              const char      *id)
{
  for (guint i = 0; self->data != NULL && i < self->data->requests->len; i++)
    {
      const LiaRequest *request = self->data->requests->pdata[i];

      if (g_str_equal (request->id, id))
        return request;
    }
  return NULL;
}

/* ---- the steps ------------------------------------------------------------- */

enum
{
  STEP_NEW,
  STEP_DECIDE,
  STEP_ESCALATE,
  STEP_WITHDRAW,
};

typedef struct
{
  int                what;
  char              *case_id;
  char              *request_id;
  LiaDecision        decision;
  LiaEscalationLevel level;
  char              *holder;    /* STEP_NEW: fingerprint or name */
  char              *subject;
  char              *purpose;
  char              *reply_by;
  char              *reason;
  char              *basis;
  char              *redirect_to;
  char              *by;
} Step;

static void
step_free (Step *step)
{
  g_free (step->case_id);
  g_free (step->request_id);
  g_free (step->holder);
  g_free (step->subject);
  g_free (step->purpose);
  g_free (step->reply_by);
  g_free (step->reason);
  g_free (step->basis);
  g_free (step->redirect_to);
  g_free (step->by);
  g_free (step);
}

static gpointer
step_job (LiaStore     *store,
          gpointer      user_data,
          GCancellable *cancellable,
          GError      **error)
{
  Step *step = user_data;
  LiaRequestStep s = {
    .reason = step->reason,
    .by = step->by,
    .basis = step->basis,
    .redirect_to = step->redirect_to,
  };
  GDate today;

  lia_get_today (&today);
  switch (step->what)
    {
    case STEP_NEW:
      {
        LiaRequestDraft draft = {
          .case_id = step->case_id,
          .holder = step->holder,
          .subject = step->subject,
          .purpose = step->purpose,
          .reply_by = step->reply_by,
          .by = step->by,
        };

        return lia_request_new (store, &draft, &today, error);
      }
    case STEP_DECIDE:
      return lia_request_decide (store, step->request_id, step->decision, &s, &today, error)
               ? LIA_STORE_JOB_DONE : NULL;
    case STEP_ESCALATE:
      return lia_request_escalate (store, step->request_id, step->level, &s, &today, error)
               ? LIA_STORE_JOB_DONE : NULL;
    case STEP_WITHDRAW:
    default:
      return lia_request_withdraw (store, step->request_id, &s, &today, error)
               ? LIA_STORE_JOB_DONE : NULL;
    }
}

static char *
row_text (LiaFormDialog *dialog,
          const char    *key)
{
  gpointer row = g_object_get_data (G_OBJECT (dialog), key);
  char *text;

  if (row == NULL)
    return NULL;
  if (GTK_IS_TEXT_VIEW (row))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (row);
      GtkTextIter start, end;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    }
  else
    text = g_strdup (gtk_editable_get_text (row));
  g_strstrip (text);
  if (*text == '\0')
    g_clear_pointer (&text, g_free);
  return text;
}

static const LiaOrg *
chosen_org (LiaFormDialog *dialog,
            const char    *key)
{
  AdwComboRow *row = g_object_get_data (G_OBJECT (dialog), key);
  GPtrArray *orgs = g_object_get_data (G_OBJECT (dialog), "orgs");
  guint index;

  if (row == NULL || orgs == NULL)
    return NULL;
  index = adw_combo_row_get_selected (row);
  return index < orgs->len ? orgs->pdata[index] : NULL;
}

static void
step_accept_cb (LiaFormDialog *dialog,
                gpointer       user_data)
{
  LiaRequestsPage *self = user_data;
  Step *step = g_new0 (Step, 1);
  AdwComboRow *choice = g_object_get_data (G_OBJECT (dialog), "choice");
  GArray *choices = g_object_get_data (G_OBJECT (dialog), "choices");

  step->what = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "what"));
  step->case_id = g_strdup (self->case_id);
  step->request_id = g_strdup (g_object_get_data (G_OBJECT (dialog), "request-id"));
  step->reason = row_text (dialog, "reason");
  step->basis = row_text (dialog, "basis");
  step->by = row_text (dialog, "by");
  if (step->by == NULL)
    step->by = g_strdup (lia_person_name ());
  if (choice != NULL)
    {
      guint index = adw_combo_row_get_selected (choice);
      int value = index < choices->len ? g_array_index (choices, int, index) : 0;

      if (step->what == STEP_DECIDE)
        step->decision = (LiaDecision) value;
      else
        step->level = (LiaEscalationLevel) value;
    }

  if (step->what == STEP_NEW)
    {
      const LiaOrg *holder = chosen_org (dialog, "holder");
      g_autoptr (GError) error = NULL;

      step->subject = row_text (dialog, "subject");
      step->purpose = row_text (dialog, "purpose");
      step->reply_by = row_text (dialog, "reply-by");
      if (holder == NULL)
        {
          step_free (step);
          lia_form_dialog_show_problem (dialog, _("Choose the organisation to ask."));
          return;
        }
      step->holder = g_strdup (holder->fingerprint != NULL ? holder->fingerprint : holder->name);
      if (step->subject == NULL || step->purpose == NULL)
        {
          step_free (step);
          lia_form_dialog_show_problem (dialog, _("Say what is asked for and why: both are "
                                                  "required."));
          return;
        }
      if (step->reply_by != NULL)
        {
          char *iso = lia_parse_user_date (step->reply_by, FALSE, &error);

          if (iso == NULL)
            {
              step_free (step);
              lia_form_dialog_show_error (dialog, error);
              return;
            }
          g_free (step->reply_by);
          step->reply_by = iso;
        }
    }
  else
    {
      if (step->what == STEP_DECIDE && step->decision == LIA_DECISION_REDIRECT)
        {
          const LiaOrg *to = chosen_org (dialog, "redirect");

          if (to != NULL)
            step->redirect_to = g_strdup (to->fingerprint != NULL ? to->fingerprint : to->name);
        }
      if (step->reason == NULL)
        {
          step_free (step);
          lia_form_dialog_show_problem (dialog, _("Give the reason: it is kept with the request "
                                                  "and in the disclosure log."));
          return;
        }
    }
  lia_form_dialog_run (dialog, lia_application_get_worker (self->app), step_job, step,
                       (GDestroyNotify) step_free, g_free, LIA_STORE_JOB_WRITES, self->case_id,
                       NULL, NULL);
}

static GtkWidget *
add_text_row (LiaFormDialog *dialog,
              GtkWidget     *group,
              const char    *key,
              const char    *title)
{
  GtkWidget *row = adw_entry_row_new ();
  g_autofree char *name = g_strconcat ("request-", key, NULL);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_set_name (row, name);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  g_object_set_data (G_OBJECT (dialog), key, row);
  return row;
}

static GtkWidget *
add_org_row (LiaRequestsPage *self,
             LiaFormDialog   *dialog,
             GtkWidget       *group,
             const char      *key,
             const char      *title)
{
  GPtrArray *orgs = g_object_get_data (G_OBJECT (dialog), "orgs");
  g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);
  GtkWidget *row = adw_combo_row_new ();
  g_autofree char *name = g_strconcat ("request-", key, NULL);

  if (orgs == NULL)
    {
      GPtrArray *participants = self->data->lcase->participants;

      orgs = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_org_free);
      for (guint i = 0; participants != NULL && i < participants->len; i++)
        {
          const LiaOrg *org = ((LiaParticipant *) participants->pdata[i])->org;

          if (org->id != self->data->self->id)
            g_ptr_array_add (orgs, lia_org_copy (org));
        }
      g_object_set_data_full (G_OBJECT (dialog), "orgs", orgs,
                              (GDestroyNotify) g_ptr_array_unref);
    }
  for (guint i = 0; i < orgs->len; i++)
    gtk_string_list_append (names, ((LiaOrg *) orgs->pdata[i])->name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (names));
  gtk_widget_set_name (row, name);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  g_object_set_data (G_OBJECT (dialog), key, row);
  return row;
}

static void
decision_chosen_cb (AdwComboRow *row,
                    GParamSpec  *pspec,
                    gpointer     user_data)
{
  LiaFormDialog *dialog = user_data;
  GArray *choices = g_object_get_data (G_OBJECT (dialog), "choices");
  guint index = adw_combo_row_get_selected (row);
  int decision = index < choices->len ? g_array_index (choices, int, index) : -1;
  GtkWidget *basis = g_object_get_data (G_OBJECT (dialog), "basis");
  GtkWidget *redirect = g_object_get_data (G_OBJECT (dialog), "redirect");

  gtk_widget_set_visible (basis, decision == LIA_DECISION_SENSITIVE
                                   || decision == LIA_DECISION_SECRET);
  gtk_widget_set_visible (redirect, decision == LIA_DECISION_REDIRECT);
}

static void
present_step (LiaRequestsPage  *self,
              int               what,
              const LiaRequest *request)
{
  LiaFormDialog *dialog;
  GtkWidget *group = adw_preferences_group_new ();
  g_autoptr (GtkStringList) labels = gtk_string_list_new (NULL);
  GArray *choices = g_array_new (FALSE, FALSE, sizeof (int));
  GtkWidget *choice_row = NULL;

  switch (what)
    {
    case STEP_NEW:
      dialog = lia_form_dialog_new (GTK_WIDGET (self), "request-dialog", _("New request"),
                                    _("_Send request"));
      lia_form_dialog_set_description (dialog, _("Ask another organisation on the case for "
                                                 "material. It decides, and says why."));
      add_org_row (self, dialog, group, "holder", _("Ask"));
      add_text_row (dialog, group, "subject", _("What is asked for (required)"));
      add_text_row (dialog, group, "purpose", _("Why it is needed (required)"));
      add_text_row (dialog, group, "reply-by", _("Reply by (for example 12/06/2026)"));
      break;
    case STEP_DECIDE:
      dialog = lia_form_dialog_new (GTK_WIDGET (self), "decide-dialog", _("Decide request"),
                                    _("_Decide"));
      lia_form_dialog_set_description (dialog, request->subject);
      for (LiaDecision d = LIA_DECISION_SHARE; d <= LIA_DECISION_GRANT; d++)
        {
          /* Only the decisions the rules allow now are offered. */
          if (!lia_request_check_decision (request->state, request->level, d, NULL))
            continue;
          if (d == LIA_DECISION_GRANT && request->record_id == NULL)
            continue;
          gtk_string_list_append (labels, decision_label (d));
          g_array_append_val (choices, d);
        }
      choice_row = adw_combo_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (choice_row), _("Decision"));
      gtk_widget_set_name (choice_row, "request-decision");
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), choice_row);
      add_text_row (dialog, group, "reason", _("Reason (required)"));
      add_text_row (dialog, group, "basis", _("Basis for saying so (required)"));
      add_org_row (self, dialog, group, "redirect", _("Redirect to"));
      add_text_row (dialog, group, "by", _("Decided by"));
      break;
    case STEP_ESCALATE:
      dialog = lia_form_dialog_new (GTK_WIDGET (self), "escalate-dialog", _("Escalate request"),
                                    _("_Escalate"));
      lia_form_dialog_set_description (dialog, _("A disagreement goes up one level at a time: "
                                                 "locally first, then the lead safeguarding "
                                                 "partners and the IOPC Director of "
                                                 "Investigations, then a statutory request, then "
                                                 "the court."));
      for (LiaEscalationLevel l = LIA_ESCALATION_LOCAL; l <= LIA_ESCALATION_COURT; l++)
        {
          gtk_string_list_append (labels, lia_tr (lia_escalation_label (l)));
          g_array_append_val (choices, l);
        }
      choice_row = adw_combo_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (choice_row), _("To"));
      gtk_widget_set_name (choice_row, "request-level");
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), choice_row);
      add_text_row (dialog, group, "reason", _("Reason (required)"));
      add_text_row (dialog, group, "by", _("Escalated by"));
      break;
    case STEP_WITHDRAW:
    default:
      dialog = lia_form_dialog_new (GTK_WIDGET (self), "withdraw-request-dialog",
                                    _("Withdraw request"), _("_Withdraw"));
      lia_form_dialog_set_destructive (dialog, TRUE);
      lia_form_dialog_set_description (dialog, request->subject);
      add_text_row (dialog, group, "reason", _("Reason (required)"));
      break;
    }
  g_object_set_data_full (G_OBJECT (dialog), "choices", choices,
                          (GDestroyNotify) g_array_unref);
  if (choice_row != NULL)
    {
      adw_combo_row_set_model (ADW_COMBO_ROW (choice_row), G_LIST_MODEL (labels));
      g_object_set_data (G_OBJECT (dialog), "choice", choice_row);
      if (what == STEP_ESCALATE)
        {
          /* The next level up is the one that can be taken. */
          guint next = request->level < LIA_ESCALATION_COURT ? request->level : 0;

          adw_combo_row_set_selected (ADW_COMBO_ROW (choice_row), next);
        }
    }
  if (g_object_get_data (G_OBJECT (dialog), "by") != NULL)
    gtk_editable_set_text (g_object_get_data (G_OBJECT (dialog), "by"), lia_person_name ());
  if (what == STEP_DECIDE)
    {
      g_signal_connect (choice_row, "notify::selected", G_CALLBACK (decision_chosen_cb), dialog);
      decision_chosen_cb (ADW_COMBO_ROW (choice_row), NULL, dialog);
    }
  lia_form_dialog_add (dialog, group);
  g_object_set_data (G_OBJECT (dialog), "what", GINT_TO_POINTER (what));
  if (request != NULL)
    g_object_set_data_full (G_OBJECT (dialog), "request-id", g_strdup (request->id), g_free);
  g_signal_connect_object (dialog, "accept", G_CALLBACK (step_accept_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
new_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  LiaRequestsPage *self = LIA_REQUESTS_PAGE (widget);

  if (self->data != NULL)
    present_step (self, STEP_NEW, NULL);
}

static void
request_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  LiaRequestsPage *self = LIA_REQUESTS_PAGE (widget);
  const LiaRequest *request = find_request (self, g_variant_get_string (parameter, NULL));
  int what;

  if (request == NULL)
    return;
  if (g_str_equal (action_name, "requests.decide"))
    what = STEP_DECIDE;
  else if (g_str_equal (action_name, "requests.escalate"))
    what = STEP_ESCALATE;
  else
    what = STEP_WITHDRAW;
  present_step (self, what, request);
}

/* ---- the page -------------------------------------------------------------- */

static void
lia_requests_page_dispose (GObject *object)
{
  LiaRequestsPage *self = LIA_REQUESTS_PAGE (object);

  if (self->loader != NULL)
    lia_loader_cancel (self->loader);
  g_clear_object (&self->loader);
  gtk_widget_dispose_template (GTK_WIDGET (self), LIA_TYPE_REQUESTS_PAGE);
  G_OBJECT_CLASS (lia_requests_page_parent_class)->dispose (object);
}

static void
lia_requests_page_finalize (GObject *object)
{
  LiaRequestsPage *self = LIA_REQUESTS_PAGE (object);

  g_free (self->case_id);
  requests_free (self->data);
  G_OBJECT_CLASS (lia_requests_page_parent_class)->finalize (object);
}

static void
lia_requests_page_class_init (LiaRequestsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_requests_page_dispose;
  object_class->finalize = lia_requests_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-requests-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaRequestsPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, LiaRequestsPage, list);

  gtk_widget_class_install_action (widget_class, "requests.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "requests.decide", "s", request_action);
  gtk_widget_class_install_action (widget_class, "requests.escalate", "s", request_action);
  gtk_widget_class_install_action (widget_class, "requests.withdraw", "s", request_action);
}

static void
lia_requests_page_init (LiaRequestsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

LiaRequestsPage *
lia_requests_page_new (LiaApplication *application,
                       const char     *case_id)
{
  LiaRequestsPage *self = g_object_new (LIA_TYPE_REQUESTS_PAGE, NULL);

  self->app = application;
  self->case_id = g_strdup (case_id);
  self->loader = lia_loader_new (lia_application_get_worker (application), case_id, load_job,
                                 g_strdup (case_id), g_free, (GDestroyNotify) requests_free,
                                 loaded_cb, self);
  lia_loader_load_when_mapped (self->loader, GTK_WIDGET (self));
  return self;
}
