/* test-requests.c: disclosure requests, the holder's decisions and
 * escalation (the advisory framework's "Disclosure and sharing of
 * material" and "Escalation").
 *
 * The first half checks the pure transition rules exhaustively against a
 * table written out here; the second half walks requests through a real,
 * encrypted store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-record.h"
#include "lia-request.h"
#include "lia-test-util.h"

#define SELF_NAME   "Example County Council"
#define POLICE_NAME "Thames Valley Police"
#define IOPC_NAME   "Independent Office for Police Conduct"
#define ICB_NAME    "Buckinghamshire Integrated Care Board"
#define AGENCY_NAME "Oakfield Academy Trust"

static const LiaRequestState all_states[] = {
  LIA_REQUEST_OPEN,
  LIA_REQUEST_NOTIFIED,
  LIA_REQUEST_SHARED,
  LIA_REQUEST_SHARED_REDACTED,
  LIA_REQUEST_DECLINED,
  LIA_REQUEST_REDIRECTED,
  LIA_REQUEST_ESCALATED,
  LIA_REQUEST_WITHDRAWN,
};

static const LiaDecision all_decisions[] = {
  LIA_DECISION_SHARE,
  LIA_DECISION_SHARE_REDACTED,
  LIA_DECISION_DECLINE,
  LIA_DECISION_REDIRECT,
  LIA_DECISION_SENSITIVE,
  LIA_DECISION_SECRET,
};

static const LiaEscalationLevel all_levels[] = {
  LIA_ESCALATION_NONE,
  LIA_ESCALATION_LOCAL,
  LIA_ESCALATION_LEAD_PARTNERS,
  LIA_ESCALATION_STATUTORY,
  LIA_ESCALATION_COURT,
};

static const LiaRole all_roles[] = {
  LIA_ROLE_LOCAL_AUTHORITY,
  LIA_ROLE_ICB,
  LIA_ROLE_POLICE,
  LIA_ROLE_IOPC,
  LIA_ROLE_AGENCY,
};

/* The table the rules must match, written out independently of the
 * implementation: which decisions a holder may make in each state. */
static gboolean
expected_decision_allowed (LiaRequestState state,
                           LiaDecision     decision)
{
  switch (state)
    {
    case LIA_REQUEST_OPEN:
      return TRUE;
    case LIA_REQUEST_NOTIFIED:
      return decision == LIA_DECISION_SHARE || decision == LIA_DECISION_SHARE_REDACTED ||
             decision == LIA_DECISION_DECLINE;
    case LIA_REQUEST_DECLINED:
      /* Reconsidered. */
      return decision == LIA_DECISION_SHARE || decision == LIA_DECISION_SHARE_REDACTED;
    case LIA_REQUEST_ESCALATED:
      return decision != LIA_DECISION_REDIRECT;
    case LIA_REQUEST_SHARED_REDACTED:
    case LIA_REQUEST_SHARED:
    case LIA_REQUEST_REDIRECTED:
    case LIA_REQUEST_WITHDRAWN:
      return FALSE;
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

static gboolean
expected_escalation_allowed (LiaRequestState    state,
                             LiaEscalationLevel level,
                             LiaEscalationLevel to,
                             LiaRole            role)
{
  gboolean from_ok;

  switch (state)
    {
    case LIA_REQUEST_NOTIFIED:
    case LIA_REQUEST_DECLINED:
    case LIA_REQUEST_SHARED_REDACTED:
    case LIA_REQUEST_ESCALATED:
      from_ok = TRUE;
      break;
    case LIA_REQUEST_OPEN:
    case LIA_REQUEST_SHARED:
    case LIA_REQUEST_REDIRECTED:
    case LIA_REQUEST_WITHDRAWN:
      from_ok = FALSE;
      break;
    default:
      g_assert_not_reached ();
    }

  if (!from_ok || level == LIA_ESCALATION_COURT)
    return FALSE;
  if ((int) to != (int) level + 1)
    return FALSE;
  /* Another relevant agency has no statutory power to require information. */
  if (to == LIA_ESCALATION_STATUTORY && role == LIA_ROLE_AGENCY)
    return FALSE;
  return TRUE;
}

static void
test_rules_decisions (void)
{
  guint checked = 0;

  for (guint s = 0; s < G_N_ELEMENTS (all_states); s++)
    for (guint l = 0; l < G_N_ELEMENTS (all_levels); l++)
      for (guint d = 0; d < G_N_ELEMENTS (all_decisions); d++)
        {
          g_autoptr (GError) error = NULL;
          gboolean expected = expected_decision_allowed (all_states[s], all_decisions[d]);
          gboolean allowed =
            lia_request_check_decision (all_states[s], all_levels[l], all_decisions[d], &error);

          if (allowed != expected)
            g_error ("decision %s in state %s at level %s: expected %s, got %s (%s)",
                     lia_decision_to_string (all_decisions[d]),
                     lia_request_state_to_string (all_states[s]),
                     lia_escalation_to_string (all_levels[l]), expected ? "allowed" : "refused",
                     allowed ? "allowed" : "refused", error ? error->message : "no error");
          if (allowed)
            {
              g_assert_no_error (error);
            }
          else
            {
              g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
              g_assert_nonnull (error->message);
              g_assert_cmpstr (error->message, !=, "");
            }
          checked++;
        }

  g_assert_cmpuint (checked, ==, 8 * 5 * 6);
}

static void
test_rules_escalation (void)
{
  for (guint s = 0; s < G_N_ELEMENTS (all_states); s++)
    for (guint l = 0; l < G_N_ELEMENTS (all_levels); l++)
      for (guint t = 0; t < G_N_ELEMENTS (all_levels); t++)
        for (guint r = 0; r < G_N_ELEMENTS (all_roles); r++)
          {
            g_autoptr (GError) error = NULL;
            gboolean expected = expected_escalation_allowed (all_states[s], all_levels[l],
                                                             all_levels[t], all_roles[r]);
            gboolean allowed = lia_request_check_escalation (all_states[s], all_levels[l],
                                                             all_levels[t], all_roles[r], &error);

            if (allowed != expected)
              g_error ("escalation from %s at %s to %s by %s: expected %s, got %s (%s)",
                       lia_request_state_to_string (all_states[s]),
                       lia_escalation_to_string (all_levels[l]),
                       lia_escalation_to_string (all_levels[t]), lia_role_to_string (all_roles[r]),
                       expected ? "allowed" : "refused", allowed ? "allowed" : "refused",
                       error ? error->message : "no error");
            if (allowed)
              {
                g_assert_no_error (error);
              }
            else
              {
                g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
                g_assert_cmpstr (error->message, !=, "");
              }
          }
}

static void
test_rules_statute (void)
{
  const LiaRole partners[] = { LIA_ROLE_LOCAL_AUTHORITY, LIA_ROLE_ICB, LIA_ROLE_POLICE };

  for (guint i = 0; i < G_N_ELEMENTS (partners); i++)
    {
      const char *statute = lia_request_statute_for (partners[i]);

      g_assert_nonnull (statute);
      g_assert_nonnull (strstr (statute, "16H"));
      g_assert_null (strstr (statute, "19ZA"));
    }

  g_assert_nonnull (lia_request_statute_for (LIA_ROLE_IOPC));
  g_assert_nonnull (strstr (lia_request_statute_for (LIA_ROLE_IOPC), "19ZA"));
  g_assert_null (strstr (lia_request_statute_for (LIA_ROLE_IOPC), "16H"));
  g_assert_null (lia_request_statute_for (LIA_ROLE_AGENCY));
}

static void
test_rules_names (void)
{
  /* The stable names round-trip. */
  for (guint d = 0; d < G_N_ELEMENTS (all_decisions); d++)
    {
      LiaDecision back = (LiaDecision) -1;

      g_assert_true (lia_decision_from_string (lia_decision_to_string (all_decisions[d]), &back));
      g_assert_cmpint (back, ==, all_decisions[d]);
    }
  /* The levels a request can go to; "none" is where it starts. */
  for (guint l = 1; l < G_N_ELEMENTS (all_levels); l++)
    {
      LiaEscalationLevel back = (LiaEscalationLevel) -1;

      g_assert_true (lia_escalation_from_string (lia_escalation_to_string (all_levels[l]), &back));
      g_assert_cmpint (back, ==, all_levels[l]);
    }
  g_assert_cmpuint (g_strv_length ((char **) lia_decision_names ()), ==, 7);
  g_assert_cmpuint (g_strv_length ((char **) lia_escalation_names ()), ==, 4);

  for (guint s = 0; s < G_N_ELEMENTS (all_states); s++)
    {
      gboolean final = all_states[s] == LIA_REQUEST_SHARED ||
                       all_states[s] == LIA_REQUEST_REDIRECTED ||
                       all_states[s] == LIA_REQUEST_WITHDRAWN;

      g_assert_cmpint (lia_request_state_is_final (all_states[s]), ==, final);
    }
}

/* ------------------------------------------------------------------ */
/* Through the store. */

typedef struct
{
  LiaStore *store;
  char     *case_id;
  LiaOrg   *self;
  LiaOrg   *police;
  LiaOrg   *iopc;
  LiaOrg   *icb;
  LiaOrg   *agency;
  GDate     today;
} Fixture;

static LiaOrg *
add_participant (Fixture    *fixture,
                 const char *name,
                 LiaOrgKind  kind,
                 LiaRole     role)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaOrg) org = lia_store_add_org (fixture->store, name, kind, &error);

  g_assert_no_error (error);
  g_assert_nonnull (org);
  g_assert_true (lia_case_add_participant (fixture->store, fixture->case_id, org, role,
                                           "A. Contact", NULL, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&org);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  LiaCaseDraft draft = {
    .title = "Child A",
    .child = "Child A",
    .area = "Buckinghamshire",
    .aware = "2026-01-05",
    .incident = "2026-01-02",
    .type = "serious-harm",
  };

  fixture->store = lia_test_create_store (SELF_NAME);
  fixture->case_id = lia_case_create (fixture->store, &draft, "Jo Bloggs", &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->case_id);

  fixture->self = lia_store_get_self (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_true (fixture->self->is_self);

  fixture->police = add_participant (fixture, POLICE_NAME, LIA_ORG_KIND_POLICE, LIA_ROLE_POLICE);
  fixture->iopc = add_participant (fixture, IOPC_NAME, LIA_ORG_KIND_IOPC, LIA_ROLE_IOPC);
  fixture->icb = add_participant (fixture, ICB_NAME, LIA_ORG_KIND_ICB, LIA_ROLE_ICB);
  fixture->agency = add_participant (fixture, AGENCY_NAME, LIA_ORG_KIND_AGENCY, LIA_ROLE_AGENCY);

  g_date_clear (&fixture->today, 1);
  g_date_set_dmy (&fixture->today, 10, G_DATE_MARCH, 2026);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->self, lia_org_free);
  g_clear_pointer (&fixture->police, lia_org_free);
  g_clear_pointer (&fixture->iopc, lia_org_free);
  g_clear_pointer (&fixture->icb, lia_org_free);
  g_clear_pointer (&fixture->agency, lia_org_free);
  g_clear_pointer (&fixture->case_id, g_free);
  g_clear_object (&fixture->store);
}

/* A request from @requester to @holder (NULL: this organisation). */
static char *
make_request (Fixture    *fixture,
              const char *requester,
              const char *holder,
              const char *record_id)
{
  g_autoptr (GError) error = NULL;
  LiaRequestDraft draft = {
    .case_id = fixture->case_id,
    .requester = requester,
    .holder = holder ? holder : SELF_NAME,
    .record_id = record_id,
    .subject = "Police logs for 2 January 2026",
    .purpose = "To establish the sequence of events for the review",
    .made_on = "2026-03-01",
    .reply_by = "2026-03-15",
  };
  char *id = lia_request_new (fixture->store, &draft, &fixture->today, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

static LiaRequest *
load_request (Fixture    *fixture,
              const char *id)
{
  g_autoptr (GError) error = NULL;
  LiaRequest *request = lia_request_load (fixture->store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (request);
  return request;
}

/* After a refused step, the request is exactly as it was. */
static void
assert_request_is (Fixture           *fixture,
                   const char        *id,
                   LiaRequestState    state,
                   LiaEscalationLevel level,
                   guint              n_events)
{
  g_autoptr (LiaRequest) request = load_request (fixture, id);

  g_assert_cmpint (request->state, ==, state);
  g_assert_cmpint (request->level, ==, level);
  g_assert_cmpuint (request->events->len, ==, n_events);
}

static void
assert_date (const GDate *date,
             int          year,
             int          month,
             int          day)
{
  g_assert_true (g_date_valid (date));
  g_assert_cmpint (g_date_get_year (date), ==, year);
  g_assert_cmpint (g_date_get_month (date), ==, month);
  g_assert_cmpint (g_date_get_day (date), ==, day);
}

static gboolean
contains_ci (const char *haystack,
             const char *needle)
{
  g_autofree char *h = g_utf8_casefold (haystack, -1);
  g_autofree char *n = g_utf8_casefold (needle, -1);

  return strstr (h, n) != NULL;
}

static GHashTable *
new_fields (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* A valid value for @field, for the fields a test does not care about. */
static char *
value_for_field (const LiaField *field,
                 const char     *org_name)
{
  switch (field->type)
    {
    case LIA_FIELD_TEXT:
      if (strstr (field->name, "org") != NULL || g_str_equal (field->name, "agency"))
        return g_strdup (org_name);
      return g_strdup_printf ("A value for %s", field->name);
    case LIA_FIELD_LONG_TEXT:
      return g_strdup_printf ("A longer value for %s.\nOn two lines.", field->name);
    case LIA_FIELD_DATE:
      return g_strdup ("2026-02-10");
    case LIA_FIELD_DATE_TIME:
      return g_strdup ("2026-02-10T10:30");
    case LIA_FIELD_CHOICE:
    case LIA_FIELD_CHOICES:
      g_assert_nonnull (field->choices);
      g_assert_nonnull (field->choices[0]);
      if (lia_choice_index (field->choices, "standard") >= 0)
        return g_strdup ("standard");
      return g_strdup (field->choices[0]);
    default:
      g_assert_not_reached ();
    }
  return NULL;
}

/* Every required field of @kind, with a valid value. */
static GHashTable *
required_fields (LiaRecordKind kind,
                 const char   *org_name)
{
  GHashTable *fields = new_fields ();
  guint n = 0;
  const LiaField *all = lia_record_kind_fields (kind, &n);

  for (guint i = 0; i < n; i++)
    if (all[i].required)
      g_hash_table_insert (fields, g_strdup (all[i].name), value_for_field (&all[i], org_name));
  return fields;
}

static void
step_init (LiaRequestStep *step,
           const char     *reason,
           const char     *on)
{
  memset (step, 0, sizeof *step);
  step->reason = reason;
  step->by = "Sam Holder";
  step->on = on;
}

static void
test_store_new (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *asked = make_request (fixture, NULL, IOPC_NAME, NULL);
  g_autofree char *received = make_request (fixture, IOPC_NAME, NULL, NULL);
  g_autoptr (LiaRequest) mine = load_request (fixture, asked);
  g_autoptr (LiaRequest) theirs = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *prefix = g_strndup (received, 8);

  g_assert_cmpstr (mine->id, ==, asked);
  g_assert_cmpstr (mine->case_id, ==, fixture->case_id);
  g_assert_cmpstr (mine->requester->name, ==, SELF_NAME);
  g_assert_true (mine->requester->is_self);
  g_assert_cmpint (mine->requester_role, ==, LIA_ROLE_LOCAL_AUTHORITY);
  g_assert_cmpstr (mine->holder->name, ==, IOPC_NAME);
  g_assert_null (mine->record_id);
  g_assert_cmpstr (mine->subject, ==, "Police logs for 2 January 2026");
  g_assert_cmpstr (mine->purpose, ==, "To establish the sequence of events for the review");
  assert_date (&mine->made_on, 2026, 3, 1);
  assert_date (&mine->reply_by, 2026, 3, 15);
  g_assert_cmpint (mine->state, ==, LIA_REQUEST_OPEN);
  g_assert_cmpint (mine->level, ==, LIA_ESCALATION_NONE);
  g_assert_cmpuint (mine->events->len, >=, 1);
  g_assert_cmpint (((LiaRequestEvent *) g_ptr_array_index (mine->events, 0))->kind, ==,
                   LIA_REQUEST_EVENT_MADE);

  /* By a unique prefix, as everything else. */
  theirs = lia_request_load (fixture->store, prefix, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (theirs->id, ==, received);
  g_assert_cmpstr (theirs->requester->name, ==, IOPC_NAME);
  g_assert_cmpint (theirs->requester_role, ==, LIA_ROLE_IOPC);
  g_assert_true (theirs->holder->is_self);

  list = lia_request_list (fixture->store, fixture->case_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
}

static void
test_store_new_refused (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (LiaOrg) outsider = NULL;
  char *id;
  LiaRequestDraft draft = {
    .case_id = fixture->case_id,
    .requester = IOPC_NAME,
    .holder = POLICE_NAME,
    .subject = "Logs",
    .purpose = "Review",
  };

  /* Neither party is this organisation. */
  id = lia_request_new (fixture->store, &draft, &fixture->today, &error);
  g_assert_null (id);
  g_assert_nonnull (error);
  g_assert_true (error->domain == LIA_MODEL_ERROR);
  g_clear_error (&error);

  /* A party that is not a participant of the case. */
  outsider = lia_store_add_org (fixture->store, "Elsewhere Borough Council",
                                LIA_ORG_KIND_LOCAL_AUTHORITY, &error);
  g_assert_no_error (error);
  draft.requester = "Elsewhere Borough Council";
  draft.holder = SELF_NAME;
  id = lia_request_new (fixture->store, &draft, &fixture->today, &error);
  g_assert_null (id);
  g_assert_nonnull (error);
  g_assert_true (error->domain == LIA_MODEL_ERROR);
  g_clear_error (&error);

  /* Subject and purpose are required. */
  draft.requester = IOPC_NAME;
  draft.subject = NULL;
  id = lia_request_new (fixture->store, &draft, &fixture->today, &error);
  g_assert_null (id);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING);
  g_clear_error (&error);
  draft.subject = "Logs";
  draft.purpose = NULL;
  id = lia_request_new (fixture->store, &draft, &fixture->today, &error);
  g_assert_null (id);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING);
  g_clear_error (&error);

  /* An unknown holder. */
  draft.purpose = "Review";
  draft.holder = "No Such Organisation";
  id = lia_request_new (fixture->store, &draft, &fixture->today, &error);
  g_assert_null (id);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  list = lia_request_list (fixture->store, fixture->case_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
}

static void
test_store_decide_as_holder (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *received = make_request (fixture, IOPC_NAME, NULL, NULL);
  g_autofree char *asked = make_request (fixture, NULL, IOPC_NAME, NULL);
  g_autoptr (LiaRequest) request = NULL;
  g_autoptr (GError) error = NULL;
  LiaRequestStep step;
  LiaRequestEvent *event;
  guint n_asked;

  /* This organisation is not the holder: it cannot decide for the IOPC. */
  {
    g_autoptr (LiaRequest) before = load_request (fixture, asked);

    n_asked = before->events->len;
  }
  step_init (&step, "Agreed", "2026-03-02");
  for (guint d = 0; d < G_N_ELEMENTS (all_decisions); d++)
    {
      LiaRequestStep full = step;

      full.basis = "Would reveal policing tactics";
      full.redirect_to = POLICE_NAME;
      g_assert_false (lia_request_decide (fixture->store, asked, all_decisions[d], &full,
                                          &fixture->today, &error));
      g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
      g_clear_error (&error);
      assert_request_is (fixture, asked, LIA_REQUEST_OPEN, LIA_ESCALATION_NONE, n_asked);
    }

  /* As the holder it can. */
  g_assert_true (lia_request_decide (fixture->store, received, LIA_DECISION_SHARE_REDACTED, &step,
                                     &fixture->today, &error));
  g_assert_no_error (error);
  request = load_request (fixture, received);
  g_assert_cmpint (request->state, ==, LIA_REQUEST_SHARED_REDACTED);
  g_assert_cmpint (request->level, ==, LIA_ESCALATION_NONE);
  event = g_ptr_array_index (request->events, request->events->len - 1);
  g_assert_cmpint (event->kind, ==, LIA_REQUEST_EVENT_DECISION);
  g_assert_cmpint (event->decision, ==, LIA_DECISION_SHARE_REDACTED);
  g_assert_cmpstr (event->reason, ==, "Agreed");
  g_assert_cmpstr (event->by, ==, "Sam Holder");
  g_assert_nonnull (event->by_org);
  g_assert_cmpstr (event->by_org->name, ==, SELF_NAME);
  assert_date (&event->on, 2026, 3, 2);
}

static void
check_event (LiaRequest         *request,
             guint               index_,
             LiaRequestEventKind kind,
             const char         *reason,
             int                 day)
{
  LiaRequestEvent *event;

  g_assert_cmpuint (index_, <, request->events->len);
  event = g_ptr_array_index (request->events, index_);
  g_assert_cmpint (event->kind, ==, kind);
  g_assert_cmpstr (event->reason, ==, reason);
  g_assert_cmpstr (event->by, ==, "Sam Holder");
  g_assert_nonnull (event->by_org);
  g_assert_cmpstr (event->by_org->name, ==, SELF_NAME);
  assert_date (&event->on, 2026, 3, day);
}

static void
test_store_full_walk (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *id = make_request (fixture, IOPC_NAME, NULL, NULL);
  g_autoptr (LiaRequest) request = NULL;
  g_autoptr (GError) error = NULL;
  LiaRequestStep step;
  LiaRequestEvent *event;

  step_init (&step, "Material would reveal tactics", "2026-03-02");
  step.basis = "Would reveal confidential policing tactics";
  g_assert_true (lia_request_decide (fixture->store, id, LIA_DECISION_SENSITIVE, &step,
                                     &fixture->today, &error));
  g_assert_no_error (error);
  assert_request_is (fixture, id, LIA_REQUEST_NOTIFIED, LIA_ESCALATION_NONE, 2);

  step_init (&step, "No agreement on handling", "2026-03-03");
  g_assert_true (lia_request_escalate (fixture->store, id, LIA_ESCALATION_LOCAL, &step,
                                       &fixture->today, &error));
  g_assert_no_error (error);
  assert_request_is (fixture, id, LIA_REQUEST_ESCALATED, LIA_ESCALATION_LOCAL, 3);

  step_init (&step, "Agreed a redacted version locally", "2026-03-04");
  g_assert_true (lia_request_decide (fixture->store, id, LIA_DECISION_SHARE_REDACTED, &step,
                                     &fixture->today, &error));
  g_assert_no_error (error);
  assert_request_is (fixture, id, LIA_REQUEST_SHARED_REDACTED, LIA_ESCALATION_LOCAL, 4);

  step_init (&step, "The redactions remove what the review needs", "2026-03-05");
  g_assert_true (lia_request_escalate (fixture->store, id, LIA_ESCALATION_LEAD_PARTNERS, &step,
                                       &fixture->today, &error));
  g_assert_no_error (error);
  assert_request_is (fixture, id, LIA_REQUEST_ESCALATED, LIA_ESCALATION_LEAD_PARTNERS, 5);

  step_init (&step, "Lead partners agreed to share in full", "2026-03-06");
  g_assert_true (lia_request_decide (fixture->store, id, LIA_DECISION_SHARE, &step,
                                     &fixture->today, &error));
  g_assert_no_error (error);

  request = load_request (fixture, id);
  g_assert_cmpint (request->state, ==, LIA_REQUEST_SHARED);
  g_assert_true (lia_request_state_is_final (request->state));
  g_assert_cmpuint (request->events->len, ==, 6);
  g_assert_cmpint (((LiaRequestEvent *) g_ptr_array_index (request->events, 0))->kind, ==,
                   LIA_REQUEST_EVENT_MADE);

  check_event (request, 1, LIA_REQUEST_EVENT_DECISION, "Material would reveal tactics", 2);
  event = g_ptr_array_index (request->events, 1);
  g_assert_cmpint (event->decision, ==, LIA_DECISION_SENSITIVE);
  g_assert_cmpstr (event->basis, ==, "Would reveal confidential policing tactics");

  check_event (request, 2, LIA_REQUEST_EVENT_ESCALATION, "No agreement on handling", 3);
  event = g_ptr_array_index (request->events, 2);
  g_assert_cmpint (event->level, ==, LIA_ESCALATION_LOCAL);

  check_event (request, 3, LIA_REQUEST_EVENT_DECISION, "Agreed a redacted version locally", 4);
  event = g_ptr_array_index (request->events, 3);
  g_assert_cmpint (event->decision, ==, LIA_DECISION_SHARE_REDACTED);

  check_event (request, 4, LIA_REQUEST_EVENT_ESCALATION,
               "The redactions remove what the review needs", 5);
  event = g_ptr_array_index (request->events, 4);
  g_assert_cmpint (event->level, ==, LIA_ESCALATION_LEAD_PARTNERS);

  check_event (request, 5, LIA_REQUEST_EVENT_DECISION, "Lead partners agreed to share in full", 6);
  event = g_ptr_array_index (request->events, 5);
  g_assert_cmpint (event->decision, ==, LIA_DECISION_SHARE);

  /* Final: nothing more happens, and nothing changes. */
  step_init (&step, "Again", "2026-03-07");
  g_assert_false (lia_request_decide (fixture->store, id, LIA_DECISION_DECLINE, &step,
                                      &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_false (lia_request_escalate (fixture->store, id, LIA_ESCALATION_STATUTORY, &step,
                                        &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  assert_request_is (fixture, id, LIA_REQUEST_SHARED, LIA_ESCALATION_LEAD_PARTNERS, 6);
}

static void
test_store_statutory (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *from_iopc = make_request (fixture, IOPC_NAME, NULL, NULL);
  g_autofree char *from_agency = make_request (fixture, AGENCY_NAME, NULL, NULL);
  g_autoptr (LiaRequest) request = NULL;
  g_autoptr (GError) error = NULL;
  LiaRequestStep step;
  LiaRequestEvent *event;
  const char *ids[] = { from_iopc, from_agency };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      step_init (&step, "Not relevant to the investigation", "2026-03-02");
      g_assert_true (lia_request_decide (fixture->store, ids[i], LIA_DECISION_DECLINE, &step,
                                         &fixture->today, &error));
      g_assert_no_error (error);

      /* One level at a time. */
      step_init (&step, "Disagree", "2026-03-03");
      g_assert_false (lia_request_escalate (fixture->store, ids[i], LIA_ESCALATION_LEAD_PARTNERS,
                                            &step, &fixture->today, &error));
      g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
      g_clear_error (&error);
      assert_request_is (fixture, ids[i], LIA_REQUEST_DECLINED, LIA_ESCALATION_NONE, 2);

      g_assert_true (lia_request_escalate (fixture->store, ids[i], LIA_ESCALATION_LOCAL, &step,
                                           &fixture->today, &error));
      g_assert_no_error (error);
      g_assert_true (lia_request_escalate (fixture->store, ids[i], LIA_ESCALATION_LEAD_PARTNERS,
                                           &step, &fixture->today, &error));
      g_assert_no_error (error);
      assert_request_is (fixture, ids[i], LIA_REQUEST_ESCALATED, LIA_ESCALATION_LEAD_PARTNERS, 4);
    }

  /* The IOPC can serve an information notice. */
  step_init (&step, "Information notice served", "2026-03-04");
  g_assert_true (lia_request_escalate (fixture->store, from_iopc, LIA_ESCALATION_STATUTORY, &step,
                                       &fixture->today, &error));
  g_assert_no_error (error);
  request = load_request (fixture, from_iopc);
  g_assert_cmpint (request->state, ==, LIA_REQUEST_ESCALATED);
  g_assert_cmpint (request->level, ==, LIA_ESCALATION_STATUTORY);
  event = g_ptr_array_index (request->events, request->events->len - 1);
  g_assert_cmpint (event->kind, ==, LIA_REQUEST_EVENT_ESCALATION);
  g_assert_cmpint (event->level, ==, LIA_ESCALATION_STATUTORY);
  g_assert_nonnull (event->statute);
  g_assert_nonnull (strstr (event->statute, "19ZA"));

  step_init (&step, "Notice not complied with", "2026-03-05");
  g_assert_true (lia_request_escalate (fixture->store, from_iopc, LIA_ESCALATION_COURT, &step,
                                       &fixture->today, &error));
  g_assert_no_error (error);
  assert_request_is (fixture, from_iopc, LIA_REQUEST_ESCALATED, LIA_ESCALATION_COURT, 6);

  /* Another agency has no statutory power. */
  step_init (&step, "Statutory request", "2026-03-04");
  g_assert_false (lia_request_escalate (fixture->store, from_agency, LIA_ESCALATION_STATUTORY,
                                        &step, &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  assert_request_is (fixture, from_agency, LIA_REQUEST_ESCALATED, LIA_ESCALATION_LEAD_PARTNERS, 4);
}

static void
test_store_required (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *id = make_request (fixture, IOPC_NAME, NULL, NULL);
  g_autoptr (LiaRequest) request = NULL;
  g_autoptr (GError) error = NULL;
  LiaRequestStep step;
  LiaRequestEvent *event;

  /* Decline needs a reason. */
  step_init (&step, NULL, "2026-03-02");
  g_assert_false (lia_request_decide (fixture->store, id, LIA_DECISION_DECLINE, &step,
                                      &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING);
  g_clear_error (&error);
  assert_request_is (fixture, id, LIA_REQUEST_OPEN, LIA_ESCALATION_NONE, 1);

  step_init (&step, "", "2026-03-02");
  g_assert_false (lia_request_decide (fixture->store, id, LIA_DECISION_DECLINE, &step,
                                      &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING);
  g_clear_error (&error);
  assert_request_is (fixture, id, LIA_REQUEST_OPEN, LIA_ESCALATION_NONE, 1);

  /* And the person who decided. */
  step_init (&step, "Not relevant", "2026-03-02");
  step.by = NULL;
  g_assert_false (lia_request_decide (fixture->store, id, LIA_DECISION_DECLINE, &step,
                                      &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING);
  g_clear_error (&error);
  assert_request_is (fixture, id, LIA_REQUEST_OPEN, LIA_ESCALATION_NONE, 1);

  /* Sensitive and secret need their basis. */
  step_init (&step, "Sensitive", "2026-03-02");
  g_assert_false (lia_request_decide (fixture->store, id, LIA_DECISION_SENSITIVE, &step,
                                      &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING);
  g_clear_error (&error);
  g_assert_false (lia_request_decide (fixture->store, id, LIA_DECISION_SECRET, &step,
                                      &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING);
  g_clear_error (&error);
  assert_request_is (fixture, id, LIA_REQUEST_OPEN, LIA_ESCALATION_NONE, 1);

  /* Redirect must name where to. */
  step_init (&step, "The police generated this material", "2026-03-02");
  g_assert_false (lia_request_decide (fixture->store, id, LIA_DECISION_REDIRECT, &step,
                                      &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING);
  g_clear_error (&error);
  assert_request_is (fixture, id, LIA_REQUEST_OPEN, LIA_ESCALATION_NONE, 1);

  /* ... an organisation that exists. */
  step.redirect_to = "No Such Constabulary";
  g_assert_false (lia_request_decide (fixture->store, id, LIA_DECISION_REDIRECT, &step,
                                      &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  assert_request_is (fixture, id, LIA_REQUEST_OPEN, LIA_ESCALATION_NONE, 1);

  step.redirect_to = POLICE_NAME;
  g_assert_true (lia_request_decide (fixture->store, id, LIA_DECISION_REDIRECT, &step,
                                     &fixture->today, &error));
  g_assert_no_error (error);
  request = load_request (fixture, id);
  g_assert_cmpint (request->state, ==, LIA_REQUEST_REDIRECTED);
  g_assert_cmpuint (request->events->len, ==, 2);
  event = g_ptr_array_index (request->events, 1);
  g_assert_cmpint (event->decision, ==, LIA_DECISION_REDIRECT);
  g_assert_nonnull (event->redirect_to);
  g_assert_cmpstr (event->redirect_to->name, ==, POLICE_NAME);
}

static void
test_store_material_redirect (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr (GHashTable) fields = required_fields (LIA_RECORD_MATERIAL, POLICE_NAME);
  g_autoptr (GError) error = NULL;
  g_autofree char *record_id = NULL;
  g_autofree char *id = NULL;
  g_autoptr (LiaRequest) request = NULL;
  LiaRequestStep step;

  /* Material this organisation holds but the police generated. */
  g_hash_table_replace (fields, g_strdup ("originating-org"), g_strdup (POLICE_NAME));
  g_hash_table_replace (fields, g_strdup ("title"), g_strdup ("Police incident log"));
  record_id = lia_record_add (fixture->store, fixture->case_id, LIA_RECORD_MATERIAL, fields,
                              &error);
  g_assert_no_error (error);
  g_assert_nonnull (record_id);

  id = make_request (fixture, IOPC_NAME, NULL, record_id);
  request = load_request (fixture, id);
  g_assert_cmpstr (request->record_id, ==, record_id);

  step_init (&step, "Share it", "2026-03-02");
  g_assert_false (lia_request_decide (fixture->store, id, LIA_DECISION_SHARE, &step,
                                      &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_test_message ("refusal: %s", error->message);
  g_assert_true (contains_ci (error->message, POLICE_NAME));
  g_assert_true (contains_ci (error->message, "redirect"));
  g_clear_error (&error);
  assert_request_is (fixture, id, LIA_REQUEST_OPEN, LIA_ESCALATION_NONE, 1);

  /* Redirecting to the police is what the framework asks for. */
  step_init (&step, "Generated by the police", "2026-03-02");
  step.redirect_to = POLICE_NAME;
  g_assert_true (lia_request_decide (fixture->store, id, LIA_DECISION_REDIRECT, &step,
                                     &fixture->today, &error));
  g_assert_no_error (error);
  assert_request_is (fixture, id, LIA_REQUEST_REDIRECTED, LIA_ESCALATION_NONE, 2);
}

static void
test_store_originator_control (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr (GHashTable) fields = required_fields (LIA_RECORD_NOTE, POLICE_NAME);
  g_autoptr (GError) error = NULL;
  g_autofree char *record_id = NULL;
  g_autofree char *id = NULL;
  LiaRequestStep step;

  /* A police record that reached this store on paper. */
  g_hash_table_replace (fields, g_strdup ("title"), g_strdup ("Officer's note"));
  record_id = lia_record_add_from (fixture->store, fixture->case_id, fixture->police,
                                   LIA_RECORD_NOTE, fields, &error);
  g_assert_no_error (error);
  g_assert_nonnull (record_id);

  id = make_request (fixture, IOPC_NAME, NULL, record_id);
  step_init (&step, "Share it", "2026-03-02");
  g_assert_false (lia_request_decide (fixture->store, id, LIA_DECISION_SHARE, &step,
                                      &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_test_message ("refusal: %s", error->message);
  g_clear_error (&error);
  assert_request_is (fixture, id, LIA_REQUEST_OPEN, LIA_ESCALATION_NONE, 1);
}

static void
test_store_withdraw (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *asked = make_request (fixture, NULL, IOPC_NAME, NULL);
  g_autofree char *received = make_request (fixture, IOPC_NAME, NULL, NULL);
  g_autoptr (LiaRequest) request = NULL;
  g_autoptr (GError) error = NULL;
  LiaRequestStep step;
  LiaRequestEvent *event;

  /* The holder cannot withdraw another's request. */
  step_init (&step, "No longer needed", "2026-03-02");
  g_assert_false (lia_request_withdraw (fixture->store, received, &step, &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  assert_request_is (fixture, received, LIA_REQUEST_OPEN, LIA_ESCALATION_NONE, 1);

  /* The requester can. */
  g_assert_true (lia_request_withdraw (fixture->store, asked, &step, &fixture->today, &error));
  g_assert_no_error (error);
  request = load_request (fixture, asked);
  g_assert_cmpint (request->state, ==, LIA_REQUEST_WITHDRAWN);
  g_assert_cmpuint (request->events->len, ==, 2);
  event = g_ptr_array_index (request->events, 1);
  g_assert_cmpint (event->kind, ==, LIA_REQUEST_EVENT_WITHDRAWAL);
  g_assert_cmpstr (event->reason, ==, "No longer needed");
  g_assert_cmpstr (event->by, ==, "Sam Holder");
  assert_date (&event->on, 2026, 3, 2);

  /* Once. */
  g_assert_false (lia_request_withdraw (fixture->store, asked, &step, &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  assert_request_is (fixture, asked, LIA_REQUEST_WITHDRAWN, LIA_ESCALATION_NONE, 2);
}

static void
test_store_escalate_open (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *id = make_request (fixture, NULL, IOPC_NAME, NULL);
  g_autoptr (GError) error = NULL;
  LiaRequestStep step;

  /* Nothing has been decided yet, so there is no disagreement. */
  step_init (&step, "Impatient", "2026-03-02");
  g_assert_false (lia_request_escalate (fixture->store, id, LIA_ESCALATION_LOCAL, &step,
                                        &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  assert_request_is (fixture, id, LIA_REQUEST_OPEN, LIA_ESCALATION_NONE, 1);
}

static void
test_store_not_found (Fixture       *fixture,
                      gconstpointer  data)
{
  const char *unknown = "00000000-0000-4000-8000-000000000000";
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaRequest) request = NULL;
  LiaRequestStep step;

  request = lia_request_load (fixture->store, unknown, &error);
  g_assert_null (request);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  step_init (&step, "Reason", "2026-03-02");
  g_assert_false (lia_request_decide (fixture->store, unknown, LIA_DECISION_SHARE, &step,
                                      &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lia_request_escalate (fixture->store, unknown, LIA_ESCALATION_LOCAL, &step,
                                        &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lia_request_withdraw (fixture->store, unknown, &step, &fixture->today, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/requests/rules/decisions", test_rules_decisions);
  g_test_add_func ("/requests/rules/escalation", test_rules_escalation);
  g_test_add_func ("/requests/rules/statute", test_rules_statute);
  g_test_add_func ("/requests/rules/names", test_rules_names);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/requests/store/new", test_store_new);
  ADD ("/requests/store/new-refused", test_store_new_refused);
  ADD ("/requests/store/decide-as-holder", test_store_decide_as_holder);
  ADD ("/requests/store/full-walk", test_store_full_walk);
  ADD ("/requests/store/statutory", test_store_statutory);
  ADD ("/requests/store/required", test_store_required);
  ADD ("/requests/store/material-redirect", test_store_material_redirect);
  ADD ("/requests/store/originator-control", test_store_originator_control);
  ADD ("/requests/store/withdraw", test_store_withdraw);
  ADD ("/requests/store/escalate-open", test_store_escalate_open);
  ADD ("/requests/store/not-found", test_store_not_found);
#undef ADD

  return g_test_run ();
}
