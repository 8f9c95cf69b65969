/* lia-request.c: disclosure requests, decisions and escalation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lia-db.h"
#include "lia-log.h"
#include "lia-model-private.h"
#include "lia-record.h"
#include "lia-request.h"

static const char *const state_names[] = {
  "open", "notified", "shared", "shared-redacted", "declined", "redirected", "escalated",
  "withdrawn", NULL
};

static const char *const state_labels[] = {
  N_("Awaiting a decision"),
  N_("Notified as sensitive or secret"),
  N_("Shared"),
  N_("Shared (redacted)"),
  N_("Declined"),
  N_("Redirected to the originating organisation"),
  N_("Escalated"),
  N_("Withdrawn"),
};

static const char *const decision_names[] = {
  "share", "share-redacted", "decline", "redirect", "sensitive", "secret", "grant", NULL
};

static const char *const escalation_names[] = {
  "none", "local", "lead-partners", "statutory", "court", NULL
};

static const char *const escalation_labels[] = {
  N_("Not escalated"),
  N_("Local: the IOPC operations manager and the delegated safeguarding partner"),
  N_("The lead safeguarding partners and the IOPC Director of Investigations"),
  N_("Statutory request"),
  N_("The court"),
};

const char *
lia_request_state_to_string (LiaRequestState state)
{
  g_return_val_if_fail (state <= LIA_REQUEST_WITHDRAWN, NULL);
  return state_names[state];
}

const char *
lia_request_state_label (LiaRequestState state)
{
  g_return_val_if_fail (state <= LIA_REQUEST_WITHDRAWN, NULL);
  return state_labels[state];
}

gboolean
lia_request_state_is_final (LiaRequestState state)
{
  return state == LIA_REQUEST_SHARED || state == LIA_REQUEST_REDIRECTED
         || state == LIA_REQUEST_WITHDRAWN;
}

const char *
lia_decision_to_string (LiaDecision decision)
{
  g_return_val_if_fail (decision <= LIA_DECISION_GRANT, NULL);
  return decision_names[decision];
}

gboolean
lia_decision_from_string (const char  *text,
                          LiaDecision *out)
{
  int index = lia_choice_index (decision_names, text);

  if (index < 0)
    return FALSE;
  *out = (LiaDecision) index;
  return TRUE;
}

const char *const *
lia_decision_names (void)
{
  return decision_names;
}

const char *
lia_escalation_to_string (LiaEscalationLevel level)
{
  g_return_val_if_fail (level <= LIA_ESCALATION_COURT, NULL);
  return escalation_names[level];
}

gboolean
lia_escalation_from_string (const char         *text,
                            LiaEscalationLevel *out)
{
  int index = lia_choice_index (escalation_names, text);

  if (index <= 0)
    return FALSE;
  *out = (LiaEscalationLevel) index;
  return TRUE;
}

const char *
lia_escalation_label (LiaEscalationLevel level)
{
  g_return_val_if_fail (level <= LIA_ESCALATION_COURT, NULL);
  return escalation_labels[level];
}

const char *const *
lia_escalation_names (void)
{
  /* Without "none": the levels a request can go to. */
  return escalation_names + 1;
}

const char *
lia_request_statute_for (LiaRole role)
{
  switch (role)
    {
    case LIA_ROLE_LOCAL_AUTHORITY:
    case LIA_ROLE_ICB:
    case LIA_ROLE_POLICE:
      return "section 16H Children Act 2004 (a safeguarding partner's request for information "
             "for an LCSPR)";
    case LIA_ROLE_IOPC:
      return "paragraph 19ZA, Schedule 3, Police Reform Act 2002 (an IOPC information notice)";
    case LIA_ROLE_AGENCY:
    default:
      return NULL;
    }
}

/* ---- the rules ------------------------------------------------------------ */

static gboolean
refuse (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
refuse (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED, message);
  return FALSE;
}

gboolean
lia_request_check_decision (LiaRequestState    state,
                            LiaEscalationLevel level,
                            LiaDecision        decision,
                            GError           **error)
{
  const char *name = decision_names[decision];

  switch (state)
    {
    case LIA_REQUEST_OPEN:
      return TRUE;

    case LIA_REQUEST_NOTIFIED:
      if (decision == LIA_DECISION_SHARE || decision == LIA_DECISION_SHARE_REDACTED
          || decision == LIA_DECISION_DECLINE)
        return TRUE;
      return refuse (error, "The holder has already said that this material is sensitive or "
                            "secret; the next decision is to share it (perhaps redacted) or to "
                            "decline, not “%s”", name);

    case LIA_REQUEST_DECLINED:
      if (decision == LIA_DECISION_SHARE || decision == LIA_DECISION_SHARE_REDACTED)
        return TRUE;
      return refuse (error, "This request has been declined. The holder can reconsider and "
                            "share (perhaps redacted); otherwise escalate the disagreement "
                            "(“liaison-cli request escalate”), not “%s”", name);

    case LIA_REQUEST_ESCALATED:
      if (decision != LIA_DECISION_REDIRECT)
        return TRUE;
      return refuse (error, "This request has been escalated (%s); it can no longer be "
                            "redirected. Decide it, or make a new request to the originating "
                            "organisation", escalation_labels[level]);

    case LIA_REQUEST_SHARED_REDACTED:
      return refuse (error, "A redacted version has already been shared. If the requester needs "
                            "more, escalate the request; a further decision comes after that");

    case LIA_REQUEST_SHARED:
      return refuse (error, "This request has already been met in full: the material was shared");

    case LIA_REQUEST_REDIRECTED:
      return refuse (error, "This request was redirected to the originating organisation; make "
                            "a new request to that organisation instead");

    case LIA_REQUEST_WITHDRAWN:
      return refuse (error, "This request was withdrawn by the requester");

    default:
      g_assert_not_reached ();
    }
}

gboolean
lia_request_check_escalation (LiaRequestState    state,
                              LiaEscalationLevel level,
                              LiaEscalationLevel to,
                              LiaRole            requester_role,
                              GError           **error)
{
  switch (state)
    {
    case LIA_REQUEST_NOTIFIED:
    case LIA_REQUEST_DECLINED:
    case LIA_REQUEST_SHARED_REDACTED:
    case LIA_REQUEST_ESCALATED:
      break;

    case LIA_REQUEST_OPEN:
      return refuse (error, "There is no disagreement to escalate yet: the holder has not "
                            "decided this request");
    case LIA_REQUEST_SHARED:
      return refuse (error, "There is nothing to escalate: the material was shared in full");
    case LIA_REQUEST_REDIRECTED:
      return refuse (error, "This request was redirected; make a new request to the "
                            "originating organisation instead of escalating this one");
    case LIA_REQUEST_WITHDRAWN:
      return refuse (error, "This request was withdrawn by the requester");
    default:
      g_assert_not_reached ();
    }

  if (level >= LIA_ESCALATION_COURT)
    return refuse (error, "This request is already before the court, the last level of "
                          "escalation");
  if (to != level + 1)
    return refuse (error, "Escalation goes one level at a time: the next level for this request "
                          "is “%s” (%s), not “%s”", escalation_names[level + 1],
                   escalation_labels[level + 1], escalation_names[to]);
  if (to == LIA_ESCALATION_STATUTORY && lia_request_statute_for (requester_role) == NULL)
    return refuse (error, "A statutory request is open only to a safeguarding partner (section "
                          "16H Children Act 2004) or the IOPC (paragraph 19ZA, Schedule 3, "
                          "Police Reform Act 2002); the requester here is another relevant "
                          "agency");
  return TRUE;
}

/* ---- objects ---------------------------------------------------------------- */

void
lia_request_event_free (LiaRequestEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->reason);
  g_free (event->basis);
  g_free (event->statute);
  lia_org_free (event->redirect_to);
  g_free (event->by);
  lia_org_free (event->by_org);
  g_free (event);
}

void
lia_request_free (LiaRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->id);
  g_free (request->case_id);
  lia_org_free (request->requester);
  lia_org_free (request->holder);
  g_free (request->record_id);
  g_free (request->subject);
  g_free (request->purpose);
  g_clear_pointer (&request->events, g_ptr_array_unref);
  g_free (request);
}

static const LiaField subject_field = { "subject", "What is asked for", LIA_FIELD_LONG_TEXT, NULL, TRUE };
static const LiaField purpose_field = { "purpose", "Why it is needed", LIA_FIELD_LONG_TEXT, NULL, TRUE };
static const LiaField date_field = { "date", "Date", LIA_FIELD_DATE, NULL, FALSE };
static const LiaField reason_field = { "reason", "Reason", LIA_FIELD_LONG_TEXT, NULL, TRUE };
static const LiaField by_field = { "by", "Person", LIA_FIELD_TEXT, NULL, TRUE };
static const LiaField basis_field = { "basis", "Basis", LIA_FIELD_LONG_TEXT, NULL, TRUE };

/* A date option, or @today; normalised into @out. */
static gboolean
date_or_today (const char  *text,
               const char  *what,
               const GDate *today,
               char       **out,
               GError     **error)
{
  if (lia_str_blank (text))
    {
      *out = lia_date_format (today);
      return TRUE;
    }
  *out = lia_field_normalize (&date_field, text, error);
  if (*out == NULL)
    g_prefix_error (error, "%s: ", what);
  return *out != NULL;
}

static gboolean
require (const LiaField *field,
         const char     *value,
         const char     *message,
         char          **out,
         GError        **error)
{
  if (lia_str_blank (value))
    {
      g_set_error_literal (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING, message);
      return FALSE;
    }
  *out = lia_field_normalize (field, value, error);
  return *out != NULL;
}

static gboolean
insert_event (sqlite3    *db,
              const char *request_id,
              const char *kind,
              const char *decision,
              int         level,
              const char *reason,
              const char *basis,
              const char *statute,
              gint64      redirect_to,
              const char *by,
              gint64      by_org,
              const char *on,
              GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = lia_db_prepare (db, "INSERT INTO request_event (request_id, kind, decision, level, reason, "
                             "basis, statute, redirect_to, by_name, by_org, event_on, created_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, request_id);
  lia_db_bind_text (stmt, 2, kind);
  lia_db_bind_text (stmt, 3, decision);
  if (level >= 0)
    sqlite3_bind_int (stmt, 4, level);
  lia_db_bind_text (stmt, 5, reason);
  lia_db_bind_text (stmt, 6, basis);
  lia_db_bind_text (stmt, 7, statute);
  if (redirect_to > 0)
    sqlite3_bind_int64 (stmt, 8, redirect_to);
  lia_db_bind_text (stmt, 9, by);
  sqlite3_bind_int64 (stmt, 10, by_org);
  lia_db_bind_text (stmt, 11, on);
  sqlite3_bind_int64 (stmt, 12, lia_db_now ());
  return lia_db_step_done (db, stmt, "Could not record the request's history", error);
}

char *
lia_request_new (LiaStore              *store,
                 const LiaRequestDraft *draft,
                 const GDate           *today,
                 GError               **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autofree char *id = NULL;

  if (db == NULL || !lia_db_begin (db, error))
    return NULL;
  /* The holder hears of it if it is a peer: the request travels to it. */
  id = lia_request_new_full (store, draft, today, TRUE, error);
  if (id == NULL || !lia_exchange_request_made (store, id, error) || !lia_db_commit (db, error))
    {
      lia_db_rollback (db);
      return NULL;
    }
  return g_steal_pointer (&id);
}

char *
lia_request_new_full (LiaStore              *store,
                      const LiaRequestDraft *draft,
                      const GDate           *today,
                      gboolean               as_party,
                      GError               **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (LiaOrg) requester = NULL;
  g_autoptr (LiaOrg) holder = NULL;
  g_autoptr (LiaRecord) record = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *purpose = NULL;
  g_autofree char *made_on = NULL;
  g_autofree char *reply_by = NULL;
  g_autofree char *by = NULL;
  g_autofree char *id = NULL;
  LiaRole role;
  gint64 now = lia_db_now ();

  if (db == NULL)
    return NULL;
  case_id = lia_db_resolve_id (db, "lcase", draft->case_id, "case", error);
  if (case_id == NULL)
    return NULL;
  if (lia_str_blank (draft->holder))
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                   "Name the organisation asked for the material (--to ORG)");
      return NULL;
    }
  if (!require (&subject_field, draft->subject, "Say what is asked for (--for TEXT)", &subject,
                error)
      || !require (&purpose_field, draft->purpose, "Say why it is needed (--reason TEXT)",
                   &purpose, error)
      || !date_or_today (draft->made_on, "The date of the request", today, &made_on, error))
    return NULL;
  if (!lia_str_blank (draft->reply_by))
    {
      reply_by = lia_field_normalize (&date_field, draft->reply_by, error);
      if (reply_by == NULL)
        return NULL;
      if (strcmp (reply_by, made_on) < 0)
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                       "The reply date (%s) is before the request was made (%s)", reply_by,
                       made_on);
          return NULL;
        }
    }
  holder = lia_store_find_org (store, draft->holder, error);
  if (holder == NULL)
    return NULL;
  requester = lia_str_blank (draft->requester) ? lia_store_get_self (store, error)
                                               : lia_store_find_org (store, draft->requester, error);
  if (requester == NULL)
    return NULL;
  if (requester->id == holder->id)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "An organisation cannot make a disclosure request to itself");
      return NULL;
    }
  if (as_party && !requester->is_self && !holder->is_self)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                   "This store records only requests that this organisation makes or receives; "
                   "neither %s nor %s is this organisation", requester->name, holder->name);
      return NULL;
    }
  if (!lia_case_participant_role (db, case_id, requester->id, requester->name, &role, error)
      || !lia_case_participant_role (db, case_id, holder->id, holder->name, &role, error))
    return NULL;
  if (!lia_str_blank (draft->record_id))
    {
      record = lia_record_load (store, draft->record_id, error);
      if (record == NULL)
        return NULL;
      if (!g_str_equal (record->case_id, case_id))
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                       "Record %s belongs to another case", record->id);
          return NULL;
        }
    }
  if (lia_str_blank (draft->by))
    by = g_strdup (requester->name);
  else if ((by = lia_field_normalize (&by_field, draft->by, error)) == NULL)
    return NULL;

  id = g_uuid_string_random ();
  if (!lia_db_begin (db, error))
    return NULL;
  stmt = lia_db_prepare (db, "INSERT INTO request (id, case_id, requester, holder, record_id, "
                             "subject, purpose, made_on, reply_by, state, level, created_at, "
                             "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 0, ?, ?)",
                         error);
  if (stmt == NULL)
    goto fail;
  lia_db_bind_text (stmt, 1, id);
  lia_db_bind_text (stmt, 2, case_id);
  sqlite3_bind_int64 (stmt, 3, requester->id);
  sqlite3_bind_int64 (stmt, 4, holder->id);
  lia_db_bind_text (stmt, 5, record != NULL ? record->id : NULL);
  lia_db_bind_text (stmt, 6, subject);
  lia_db_bind_text (stmt, 7, purpose);
  lia_db_bind_text (stmt, 8, made_on);
  lia_db_bind_text (stmt, 9, reply_by);
  sqlite3_bind_int64 (stmt, 10, now);
  sqlite3_bind_int64 (stmt, 11, now);
  if (!lia_db_step_done (db, stmt, "Could not save the request", error)
      || !insert_event (db, id, "made", NULL, -1, purpose, NULL, NULL, 0, by, requester->id,
                        made_on, error)
      || !lia_db_commit (db, error))
    goto fail;
  return g_steal_pointer (&id);

fail:
  lia_db_rollback (db);
  return NULL;
}

static const char *const event_kind_names[] = { "made", "decision", "escalation", "withdrawal", NULL };

static gboolean
load_events (sqlite3    *db,
             LiaRequest *request,
             GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = lia_db_prepare (db, "SELECT e.kind, e.decision, e.level, e.reason, e.basis, e.statute, "
                             "e.by_name, e.event_on, " LIA_ORG_COLUMNS ", "
                             "r.id, r.name, r.kind, r.sign_public "
                             "FROM request_event e JOIN org o ON o.id = e.by_org "
                             "LEFT JOIN org r ON r.id = e.redirect_to "
                             "WHERE e.request_id = ? ORDER BY e.id", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, request->id);
  request->events = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_request_event_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LiaRequestEvent *event = g_new0 (LiaRequestEvent, 1);
      int kind = lia_choice_index (event_kind_names, (const char *) sqlite3_column_text (stmt, 0));
      const char *decision = (const char *) sqlite3_column_text (stmt, 1);

      event->kind = kind >= 0 ? (LiaRequestEventKind) kind : LIA_REQUEST_EVENT_MADE;
      if (decision != NULL)
        lia_decision_from_string (decision, &event->decision);
      event->level = (LiaEscalationLevel) CLAMP (sqlite3_column_int (stmt, 2), 0,
                                                 LIA_ESCALATION_COURT);
      event->reason = lia_db_column_dup (stmt, 3);
      event->basis = lia_db_column_dup (stmt, 4);
      event->statute = lia_db_column_dup (stmt, 5);
      event->by = lia_db_column_dup (stmt, 6);
      lia_db_column_date (stmt, 7, &event->on);
      event->by_org = lia_org_from_row (stmt, 8);
      if (sqlite3_column_type (stmt, 12) != SQLITE_NULL)
        event->redirect_to = lia_org_from_row (stmt, 12);
      g_ptr_array_add (request->events, event);
    }
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the request's history");
  return TRUE;
}

#define REQUEST_COLUMNS \
  "q.id, q.case_id, q.record_id, q.subject, q.purpose, q.made_on, q.reply_by, q.state, " \
  "q.level, coalesce (p.role, 'agency'), " LIA_ORG_COLUMNS ", h.id, h.name, h.kind, h.sign_public"

#define REQUEST_FROM \
  "FROM request q JOIN org o ON o.id = q.requester JOIN org h ON h.id = q.holder " \
  "LEFT JOIN participant p ON p.case_id = q.case_id AND p.org_id = q.requester "

static LiaRequest *
request_from_row (sqlite3_stmt *stmt)
{
  LiaRequest *request = g_new0 (LiaRequest, 1);
  int state = lia_choice_index (state_names, (const char *) sqlite3_column_text (stmt, 7));

  request->id = lia_db_column_dup (stmt, 0);
  request->case_id = lia_db_column_dup (stmt, 1);
  request->record_id = lia_db_column_dup (stmt, 2);
  request->subject = lia_db_column_dup (stmt, 3);
  request->purpose = lia_db_column_dup (stmt, 4);
  lia_db_column_date (stmt, 5, &request->made_on);
  lia_db_column_date (stmt, 6, &request->reply_by);
  request->state = state >= 0 ? (LiaRequestState) state : LIA_REQUEST_OPEN;
  request->level = (LiaEscalationLevel) CLAMP (sqlite3_column_int (stmt, 8), 0,
                                               LIA_ESCALATION_COURT);
  if (!lia_role_from_string ((const char *) sqlite3_column_text (stmt, 9), &request->requester_role))
    request->requester_role = LIA_ROLE_AGENCY;
  request->requester = lia_org_from_row (stmt, 10);
  request->holder = lia_org_from_row (stmt, 14);
  return request;
}

LiaRequest *
lia_request_load (LiaStore   *store,
                  const char *id_or_prefix,
                  GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (LiaRequest) request = NULL;
  g_autofree char *id = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  id = lia_db_resolve_id (db, "request", id_or_prefix, "request", error);
  if (id == NULL)
    return NULL;
  stmt = lia_db_prepare (db, "SELECT " REQUEST_COLUMNS " " REQUEST_FROM "WHERE q.id = ?", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the request");
      return NULL;
    }
  request = request_from_row (stmt);
  if (!load_events (db, request, error))
    return NULL;
  return g_steal_pointer (&request);
}

GPtrArray *
lia_request_list (LiaStore   *store,
                  const char *case_id,
                  GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) requests = NULL;
  g_autofree char *id = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
  if (id == NULL)
    return NULL;
  stmt = lia_db_prepare (db, "SELECT " REQUEST_COLUMNS " " REQUEST_FROM
                             "WHERE q.case_id = ? ORDER BY q.made_on, q.created_at, q.id", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, id);
  requests = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_request_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (requests, request_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the requests");
      return NULL;
    }
  for (guint i = 0; i < requests->len; i++)
    if (!load_events (db, requests->pdata[i], error))
      return NULL;
  return g_steal_pointer (&requests);
}

/* The step's reason, person and date, checked; the date no earlier than
 * the request. */
typedef struct
{
  char *reason;
  char *by;
  char *on;
} CleanStep;

static void
clean_step_clear (CleanStep *step)
{
  g_free (step->reason);
  g_free (step->by);
  g_free (step->on);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CleanStep, clean_step_clear)

static gboolean
check_step (const LiaRequestStep *step,
            const LiaRequest     *request,
            const char           *what,
            const GDate          *today,
            CleanStep            *out,
            GError              **error)
{
  g_autofree char *made = lia_date_format (&request->made_on);
  g_autofree char *reason_message = g_strdup_printf ("Give the reason for %s (--reason TEXT)",
                                                     what);
  g_autofree char *by_message = g_strdup_printf ("Say who %s (--by NAME)",
                                                 g_str_equal (what, "this decision")
                                                   ? "made this decision" : "took this step");

  if (!require (&reason_field, step->reason, reason_message, &out->reason, error)
      || !require (&by_field, step->by, by_message, &out->by, error)
      || !date_or_today (step->on, "The date", today, &out->on, error))
    return FALSE;
  if (strcmp (out->on, made) < 0)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "The date given for %s (%s) is before the request was made (%s)", what,
                   out->on, made);
      return FALSE;
    }
  return TRUE;
}

static gboolean
update_request (sqlite3            *db,
                const char         *id,
                LiaRequestState     state,
                LiaEscalationLevel  level,
                GError            **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "UPDATE request SET state = ?, level = ?, "
                                                      "updated_at = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, state_names[state]);
  sqlite3_bind_int (stmt, 2, level);
  sqlite3_bind_int64 (stmt, 3, lia_db_now ());
  lia_db_bind_text (stmt, 4, id);
  return lia_db_step_done (db, stmt, "Could not update the request", error);
}

/* Sharing is for the organisation that generated the material: a holder
 * cannot share another organisation's record, and material it holds but
 * did not generate goes back to its originator (advisory framework,
 * "Disclosure and sharing of material"). */
static gboolean
check_may_share (LiaStore         *store,
                 const LiaRequest *request,
                 GError          **error)
{
  g_autoptr (LiaRecord) record = NULL;
  const char *origin;

  if (request->record_id == NULL)
    return TRUE;
  record = lia_record_load (store, request->record_id, error);
  if (record == NULL)
    return FALSE;
  if (record->originator->id != request->holder->id)
    return refuse (error, "The record asked for belongs to %s, which made it. %s cannot disclose "
                          "it without %s's prior written agreement: redirect the request to %s "
                          "(--decision redirect --redirect-to ORG)",
                   record->originator->name, request->holder->name, record->originator->name,
                   record->originator->name);
  origin = lia_record_get_field (record, "originating-org");
  if (record->kind == LIA_RECORD_MATERIAL && origin != NULL
      && g_utf8_collate (origin, request->holder->name) != 0)
    {
      g_autofree char *a = g_utf8_casefold (origin, -1);
      g_autofree char *b = g_utf8_casefold (request->holder->name, -1);

      if (!g_str_equal (a, b))
        return refuse (error, "This material was generated by %s, not by %s. A request for "
                              "material held but not generated by the holder is redirected to "
                              "the organisation that provided it (--decision redirect "
                              "--redirect-to ORG)", origin, request->holder->name);
    }
  return TRUE;
}

/* The disclosure log entry for a decision this organisation made as the
 * holder, written in the decision's own transaction: shared (the record,
 * if the request names one), declined, redirected (and to whom), or
 * withheld as sensitive or secret (and on what basis). A decision that
 * another organisation made reaches this store as data (the demo) and is
 * theirs to log. */
static gboolean
log_decision (LiaStore         *store,
              const LiaRequest *request,
              LiaDecision       decision,
              const CleanStep  *step,
              const char       *basis,
              const LiaOrg     *redirect_to,
              gboolean          sealed,
              GError          **error)
{
  static const LiaLogEvent events[] = {
    [LIA_DECISION_SHARE] = LIA_LOG_DISCLOSED,
    [LIA_DECISION_SHARE_REDACTED] = LIA_LOG_DISCLOSED,
    [LIA_DECISION_DECLINE] = LIA_LOG_DECLINED,
    [LIA_DECISION_REDIRECT] = LIA_LOG_REDIRECTED,
    [LIA_DECISION_SENSITIVE] = LIA_LOG_WITHHELD,
    [LIA_DECISION_SECRET] = LIA_LOG_WITHHELD,
    [LIA_DECISION_GRANT] = LIA_LOG_EXTENDED,
  };
  LiaLogAppend entry = {
    .event = events[decision],
    .case_id = request->case_id,
    .record_id = request->record_id,
    .counterpart_org = request->requester->id,
    .decision = decision_names[decision],
    .reason = step->reason,
    .basis = basis,
    .by = step->by,
    .on = step->on,
    .what = request->subject,
    .request_id = request->id,
    .redirect_org = redirect_to != NULL ? redirect_to->id : 0,
  };

  if (!request->holder->is_self)
    return TRUE;
  /* A grant, and a share of a record sealed for a peer, are logged by the
   * exchange as it seals (lia_exchange_add_recipient). */
  if (decision == LIA_DECISION_GRANT || (sealed && decision == LIA_DECISION_SHARE))
    return TRUE;
  return lia_log_append (store, &entry, error);
}

/* The organisation a request to extend a record names, or 0. */
static gint64
request_extend_to (sqlite3 *db, const char *request_id)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT extend_to FROM request WHERE id = ?",
                                                  NULL);

  if (stmt == NULL)
    return 0;
  lia_db_bind_text (stmt, 1, request_id);
  return sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
}

char *
lia_request_extend (LiaStore    *store,
                    const char  *record_id,
                    const char  *to,
                    const char  *reason,
                    const char  *by,
                    const GDate *today,
                    GError     **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaRecord) record = NULL;
  g_autoptr (LiaOrg) to_org = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *id = NULL;
  LiaRequestDraft draft = { NULL, };

  if (db == NULL)
    return NULL;
  record = lia_record_load (store, record_id, error);
  if (record == NULL)
    return NULL;
  if (record->originator->is_self)
    {
      refuse (error, "This organisation made this record: release it yourself (liaison-cli "
                     "record release %.8s --to ORG --reason TEXT)", record->id);
      return NULL;
    }
  if (lia_str_blank (to))
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                   "Name the organisation the record should go to (--to ORG)");
      return NULL;
    }
  to_org = lia_store_find_org (store, to, error);
  if (to_org == NULL)
    return NULL;
  if (to_org->id == record->originator->id || to_org->is_self)
    {
      refuse (error, "%s holds this record already", to_org->name);
      return NULL;
    }
  subject = g_strdup_printf ("Agreement to disclose “%s” (%.8s) to %s", record->title, record->id,
                             to_org->name);
  draft.case_id = record->case_id;
  draft.holder = record->originator->fingerprint != NULL ? record->originator->fingerprint
                                                         : record->originator->name;
  draft.record_id = record->id;
  draft.subject = subject;
  draft.purpose = reason;
  draft.by = by;
  if (!lia_db_begin (db, error))
    return NULL;
  id = lia_request_new_full (store, &draft, today, TRUE, error);
  if (id == NULL)
    goto fail;
  stmt = lia_db_prepare (db, "UPDATE request SET extend_to = ? WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, to_org->id);
  lia_db_bind_text (stmt, 2, id);
  if (!lia_db_step_done (db, stmt, "Could not save the request", error)
      || !lia_exchange_request_made (store, id, error)
      || !lia_db_commit (db, error))
    goto fail;
  return g_steal_pointer (&id);

fail:
  lia_db_rollback (db);
  return NULL;
}

gboolean
lia_request_decide (LiaStore             *store,
                    const char           *request_id,
                    LiaDecision           decision,
                    const LiaRequestStep *step,
                    const GDate          *today,
                    GError              **error)
{
  return lia_request_decide_full (store, request_id, decision, step, today, TRUE, error);
}

gboolean
lia_request_decide_full (LiaStore             *store,
                         const char           *request_id,
                         LiaDecision           decision,
                         const LiaRequestStep *step,
                         const GDate          *today,
                         gboolean              as_party,
                         GError              **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaRequest) request = NULL;
  g_autoptr (LiaOrg) redirect_to = NULL;
  g_auto (CleanStep) clean = { NULL, };
  g_autofree char *basis = NULL;
  static const LiaRequestState next[] = {
    [LIA_DECISION_SHARE] = LIA_REQUEST_SHARED,
    [LIA_DECISION_SHARE_REDACTED] = LIA_REQUEST_SHARED_REDACTED,
    [LIA_DECISION_DECLINE] = LIA_REQUEST_DECLINED,
    [LIA_DECISION_REDIRECT] = LIA_REQUEST_REDIRECTED,
    [LIA_DECISION_SENSITIVE] = LIA_REQUEST_NOTIFIED,
    [LIA_DECISION_SECRET] = LIA_REQUEST_NOTIFIED,
    [LIA_DECISION_GRANT] = LIA_REQUEST_SHARED,
  };
  gint64 extend_to = 0;
  gboolean seal_share = FALSE;

  g_return_val_if_fail (decision <= LIA_DECISION_GRANT, FALSE);
  if (db == NULL)
    return FALSE;
  request = lia_request_load (store, request_id, error);
  if (request == NULL)
    return FALSE;
  if (as_party && !request->holder->is_self)
    return refuse (error, "Only %s, which holds the material, can decide this request",
                   request->holder->name);
  if (!lia_request_check_decision (request->state, request->level, decision, error)
      || !check_step (step, request, "this decision", today, &clean, error))
    return FALSE;
  if ((decision == LIA_DECISION_SENSITIVE || decision == LIA_DECISION_SECRET)
      && !require (&basis_field, step->basis,
                   "Say on what basis the material is sensitive or secret (--basis TEXT)",
                   &basis, error))
    return FALSE;
  if (decision == LIA_DECISION_REDIRECT)
    {
      if (lia_str_blank (step->redirect_to))
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                       "Name the organisation that generated the material (--redirect-to ORG)");
          return FALSE;
        }
      redirect_to = lia_store_find_org (store, step->redirect_to, error);
      if (redirect_to == NULL)
        return FALSE;
      if (redirect_to->id == request->holder->id || redirect_to->id == request->requester->id)
        return refuse (error, "A request is redirected to the organisation that generated the "
                              "material, not to %s", redirect_to->name);
    }
  if ((decision == LIA_DECISION_SHARE || decision == LIA_DECISION_SHARE_REDACTED)
      && !check_may_share (store, request, error))
    return FALSE;
  extend_to = request_extend_to (db, request->id);
  if (decision == LIA_DECISION_GRANT && extend_to == 0)
    return refuse (error, "“grant” answers a request to extend a record to another organisation "
                          "(request extend); this request is not one. Decide it with share or "
                          "share-redacted");
  if (decision == LIA_DECISION_SHARE && extend_to != 0)
    return refuse (error, "This request asks to extend your record to another organisation: "
                          "decide it with grant (or decline)");
  /* Sharing a record of this organisation with a peer seals it for them
   * at once; with an organisation outside Liaison it is only logged. */
  seal_share = decision == LIA_DECISION_SHARE && request->record_id != NULL && as_party
               && lia_exchange_is_peer (db, request->requester->id);

  if (!lia_db_begin (db, error))
    return FALSE;
  if (!update_request (db, request->id, next[decision], request->level, error)
      || !insert_event (db, request->id, "decision", decision_names[decision], request->level,
                        clean.reason, basis, NULL, redirect_to ? redirect_to->id : 0, clean.by,
                        request->holder->id, clean.on, error)
      || !log_decision (store, request, decision, &clean, basis, redirect_to, seal_share, error)
      || (decision == LIA_DECISION_GRANT
          && !lia_exchange_add_recipient (store, request->record_id, extend_to, "grant",
                                          clean.reason, clean.by, error))
      || (seal_share
          && !lia_exchange_add_recipient (store, request->record_id, request->requester->id,
                                          "disclosure", clean.reason, clean.by, error))
      || (as_party && !lia_exchange_request_decided (store, request->id, decision_names[decision],
                                                     clean.reason, basis, clean.by, clean.on,
                                                     error))
      || !lia_db_commit (db, error))
    {
      lia_db_rollback (db);
      return FALSE;
    }
  return TRUE;
}

gboolean
lia_request_escalate (LiaStore             *store,
                      const char           *request_id,
                      LiaEscalationLevel    level,
                      const LiaRequestStep *step,
                      const GDate          *today,
                      GError              **error)
{
  return lia_request_escalate_full (store, request_id, level, step, today, TRUE, error);
}

gboolean
lia_request_escalate_full (LiaStore             *store,
                           const char           *request_id,
                           LiaEscalationLevel    level,
                           const LiaRequestStep *step,
                           const GDate          *today,
                           gboolean              as_party,
                           GError              **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaRequest) request = NULL;
  g_auto (CleanStep) clean = { NULL, };
  const char *statute = NULL;
  gint64 by_org;

  g_return_val_if_fail (level <= LIA_ESCALATION_COURT, FALSE);
  if (db == NULL)
    return FALSE;
  request = lia_request_load (store, request_id, error);
  if (request == NULL)
    return FALSE;
  if (as_party && !request->holder->is_self && !request->requester->is_self)
    return refuse (error, "Only the requester or the holder can escalate this request");
  if (!lia_request_check_escalation (request->state, request->level, level,
                                     request->requester_role, error)
      || !check_step (step, request, "this escalation", today, &clean, error))
    return FALSE;
  if (level == LIA_ESCALATION_STATUTORY)
    statute = lia_request_statute_for (request->requester_role);
  by_org = request->holder->is_self ? request->holder->id : request->requester->id;

  if (!lia_db_begin (db, error))
    return FALSE;
  if (!update_request (db, request->id, LIA_REQUEST_ESCALATED, level, error)
      || !insert_event (db, request->id, "escalation", NULL, level, clean.reason, NULL, statute,
                        0, clean.by, by_org, clean.on, error)
      || !lia_db_commit (db, error))
    {
      lia_db_rollback (db);
      return FALSE;
    }
  return TRUE;
}

gboolean
lia_request_withdraw (LiaStore             *store,
                      const char           *request_id,
                      const LiaRequestStep *step,
                      const GDate          *today,
                      GError              **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (LiaRequest) request = NULL;
  g_auto (CleanStep) clean = { NULL, };

  if (db == NULL)
    return FALSE;
  request = lia_request_load (store, request_id, error);
  if (request == NULL)
    return FALSE;
  if (!request->requester->is_self)
    return refuse (error, "Only %s, which made this request, can withdraw it",
                   request->requester->name);
  if (lia_request_state_is_final (request->state))
    return refuse (error, "This request is already closed: %s",
                   state_names[request->state]);
  if (!check_step (step, request, "the withdrawal", today, &clean, error))
    return FALSE;

  if (!lia_db_begin (db, error))
    return FALSE;
  if (!update_request (db, request->id, LIA_REQUEST_WITHDRAWN, request->level, error)
      || !insert_event (db, request->id, "withdrawal", NULL, request->level, clean.reason, NULL,
                        NULL, 0, clean.by, request->requester->id, clean.on, error)
      || !lia_db_commit (db, error))
    {
      lia_db_rollback (db);
      return FALSE;
    }
  return TRUE;
}
