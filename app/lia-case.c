/* lia-case.c: organisations, cases, participants and processes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "lia-case.h"
#include "lia-db.h"
#include "lia-model-private.h"

/* ---- organisations -------------------------------------------------------- */

LiaOrg *
lia_org_copy (const LiaOrg *org)
{
  LiaOrg *copy = g_new0 (LiaOrg, 1);

  copy->id = org->id;
  copy->name = g_strdup (org->name);
  copy->kind = org->kind;
  copy->fingerprint = g_strdup (org->fingerprint);
  copy->is_self = org->is_self;
  return copy;
}

void
lia_org_free (LiaOrg *org)
{
  if (org == NULL)
    return;
  g_free (org->name);
  g_free (org->fingerprint);
  g_free (org);
}

#define ORG_COLUMNS LIA_ORG_COLUMNS

/* An organisation from the four ORG_COLUMNS starting at @column. */
LiaOrg *
lia_org_from_row (sqlite3_stmt *stmt,
                  int           column)
{
  LiaOrg *org = g_new0 (LiaOrg, 1);
  const char *kind = (const char *) sqlite3_column_text (stmt, column + 2);

  org->id = sqlite3_column_int64 (stmt, column);
  org->name = lia_db_column_dup (stmt, column + 1);
  if (kind == NULL || !lia_org_kind_from_string (kind, &org->kind))
    org->kind = LIA_ORG_KIND_AGENCY;
  if (sqlite3_column_bytes (stmt, column + 3) == LIA_IDENTITY_PUBLIC_KEY_BYTES)
    org->fingerprint = lia_identity_fingerprint (sqlite3_column_blob (stmt, column + 3));
  org->is_self = org->id == 1;
  return org;
}

GPtrArray *
lia_store_list_orgs (LiaStore *store,
                     GError  **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) orgs = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_org_free);
  int rc;

  if (db == NULL)
    return NULL;
  stmt = lia_db_prepare (db, "SELECT " ORG_COLUMNS " FROM org o "
                             "ORDER BY o.id != 1, o.name COLLATE NOCASE", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (orgs, lia_org_from_row (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the organisations");
      return NULL;
    }
  return g_steal_pointer (&orgs);
}

/* "ABCD 1234 ..." with spaces removed and upper case, or NULL if @text
 * cannot be (a prefix of) a fingerprint. */
static char *
fingerprint_key (const char *text)
{
  GString *key = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ' ')
        continue;
      if (!g_ascii_isxdigit (*p))
        {
          g_string_free (key, TRUE);
          return NULL;
        }
      g_string_append_c (key, g_ascii_toupper (*p));
    }
  return g_string_free (key, FALSE);
}

LiaOrg *
lia_store_find_org (LiaStore   *store,
                    const char *name_or_fingerprint,
                    GError    **error)
{
  g_autoptr (GPtrArray) orgs = NULL;
  g_autofree char *wanted = NULL;
  g_autofree char *key = NULL;
  g_autofree char *folded = NULL;
  GString *names = NULL;
  LiaOrg *found = NULL;
  guint n_found = 0;

  wanted = g_strstrip (g_strdup (name_or_fingerprint));
  if (wanted[0] == '\0')
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                   "No organisation named: give a name (or the start of one) or a fingerprint");
      return NULL;
    }
  orgs = lia_store_list_orgs (store, error);
  if (orgs == NULL)
    return NULL;

  /* A whole fingerprint (40 hex digits) names one organisation. */
  key = fingerprint_key (wanted);
  if (key != NULL && strlen (key) == 40)
    {
      for (guint i = 0; i < orgs->len; i++)
        {
          LiaOrg *org = orgs->pdata[i];
          g_autofree char *their_key = org->fingerprint ? fingerprint_key (org->fingerprint) : NULL;

          if (their_key != NULL && g_str_equal (key, their_key))
            return lia_org_copy (org);
        }
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                   "No known organisation has the fingerprint %s", wanted);
      return NULL;
    }

  folded = g_utf8_casefold (wanted, -1);
  for (guint i = 0; i < orgs->len; i++)
    {
      LiaOrg *org = orgs->pdata[i];
      g_autofree char *name = g_utf8_casefold (org->name, -1);

      if (g_str_equal (name, folded))
        return lia_org_copy (org);
      if (g_str_has_prefix (name, folded))
        {
          found = org;
          n_found++;
        }
    }
  if (n_found == 1)
    return lia_org_copy (found);
  if (n_found == 0)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                   "No known organisation is called “%s”. Known organisations are listed by "
                   "“liaison-cli org list”; add one with “liaison-cli org add”", wanted);
      return NULL;
    }
  names = g_string_new (NULL);
  for (guint i = 0; i < orgs->len; i++)
    {
      LiaOrg *org = orgs->pdata[i];
      g_autofree char *name = g_utf8_casefold (org->name, -1);

      if (g_str_has_prefix (name, folded))
        g_string_append_printf (names, "%s“%s”", names->len > 0 ? ", " : "", org->name);
    }
  g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_AMBIGUOUS,
               "“%s” could mean any of %s; give more of the name, or the fingerprint",
               wanted, names->str);
  g_string_free (names, TRUE);
  return NULL;
}

LiaOrg *
lia_store_get_self (LiaStore *store,
                    GError  **error)
{
  return lia_store_org_by_id (store, 1, error);
}

LiaOrg *
lia_store_org_by_id (LiaStore *store,
                     gint64    id,
                     GError  **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  stmt = lia_db_prepare (db, "SELECT " ORG_COLUMNS " FROM org o WHERE o.id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return lia_org_from_row (stmt, 0);
  if (rc == SQLITE_DONE)
    g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                 "The store has no organisation %" G_GINT64_FORMAT, id);
  else
    lia_store_set_sqlite_error (error, db, rc, "Could not read the organisations");
  return NULL;
}

const LiaField lia_contact_field = { "contact", N_("Point of contact"), LIA_FIELD_TEXT, NULL, TRUE };
static const LiaField org_name_field = { "name", N_("Name"), LIA_FIELD_TEXT, NULL, TRUE };

LiaOrg *
lia_store_add_org (LiaStore   *store,
                   const char *name,
                   LiaOrgKind  kind,
                   GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *clean = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  clean = lia_field_normalize (&org_name_field, name, error);
  if (clean == NULL)
    return NULL;
  stmt = lia_db_prepare (db, "INSERT INTO org (name, kind, added_at) VALUES (?, ?, ?)", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, clean);
  lia_db_bind_text (stmt, 2, lia_org_kind_to_string (kind));
  sqlite3_bind_int64 (stmt, 3, lia_db_now ());
  rc = sqlite3_step (stmt);
  /* The store's connections ask for extended result codes. */
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_EXISTS,
                   "An organisation called “%s” is already known", clean);
      return NULL;
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not add the organisation");
      return NULL;
    }
  return lia_store_org_by_id (store, sqlite3_last_insert_rowid (db), error);
}

/* ---- roles and types ------------------------------------------------------ */

static const char *const role_names[] = {
  "local-authority", "icb", "police", "iopc", "agency", NULL
};

static const char *const role_labels[] = {
  N_("Safeguarding partner (local authority)"),
  N_("Safeguarding partner (integrated care board)"),
  N_("Safeguarding partner (police)"),
  N_("IOPC investigation team"),
  N_("Other relevant agency"),
};

const char *
lia_role_to_string (LiaRole role)
{
  g_return_val_if_fail (role <= LIA_ROLE_AGENCY, NULL);
  return role_names[role];
}

gboolean
lia_role_from_string (const char *text,
                      LiaRole    *out_role)
{
  int index = lia_choice_index (role_names, text);

  if (index < 0)
    return FALSE;
  *out_role = (LiaRole) index;
  return TRUE;
}

const char *
lia_role_label (LiaRole role)
{
  g_return_val_if_fail (role <= LIA_ROLE_AGENCY, NULL);
  return role_labels[role];
}

const char *const *
lia_role_names (void)
{
  return role_names;
}

gboolean
lia_role_is_safeguarding_partner (LiaRole role)
{
  return role == LIA_ROLE_LOCAL_AUTHORITY || role == LIA_ROLE_ICB || role == LIA_ROLE_POLICE;
}

LiaRole
lia_role_for_kind (LiaOrgKind kind)
{
  switch (kind)
    {
    case LIA_ORG_KIND_LOCAL_AUTHORITY:
      return LIA_ROLE_LOCAL_AUTHORITY;
    case LIA_ORG_KIND_ICB:
      return LIA_ROLE_ICB;
    case LIA_ORG_KIND_POLICE:
      return LIA_ROLE_POLICE;
    case LIA_ORG_KIND_IOPC:
      return LIA_ROLE_IOPC;
    case LIA_ORG_KIND_AGENCY:
    default:
      return LIA_ROLE_AGENCY;
    }
}

static const char *const notification_names[] = { "serious-harm", "death", "other", NULL };

const char *const *
lia_notification_type_names (void)
{
  return notification_names;
}

/* ---- the field catalogue -------------------------------------------------- */

static const char *const status_choices[] = { "open", "closed", NULL };
static const char *const outcome_choices[] = { "no-further-action", "lcspr", "national-review", NULL };
static const char *const mode_choices[] = { "independent", "directed", "local", NULL };
static const char *const matter_choices[] = { "complaint", "conduct", "death-or-serious-injury", NULL };
static const char *const iopc_status_choices[] = {
  "assessing", "investigating", "final-report", "concluded", NULL
};
static const char *const yes_no_choices[] = { "yes", "no", NULL };
static const char *const proceedings_choices[] = { "none", "pending", "active", "concluded", NULL };

static const LiaField case_fields[] = {
  { "title", N_("Title"), LIA_FIELD_TEXT, NULL, TRUE },
  { "child", N_("Child (anonymised code)"), LIA_FIELD_TEXT, NULL, TRUE },
  { "area", N_("Local authority area"), LIA_FIELD_TEXT, NULL, TRUE },
  { "incident", N_("Date of the incident"), LIA_FIELD_DATE, NULL, FALSE },
  { "aware", N_("Local authority became aware"), LIA_FIELD_DATE, NULL, TRUE },
  { "type", N_("Notification type"), LIA_FIELD_CHOICE, notification_names, TRUE },
  { "status", N_("Case status"), LIA_FIELD_CHOICE, status_choices, TRUE },

  { "notification.sent", N_("Notification sent to the Panel"), LIA_FIELD_DATE, NULL, FALSE },

  { "rapid-review.request-sent", N_("Information request sent to agencies"), LIA_FIELD_DATE, NULL, FALSE },
  { "rapid-review.meeting", N_("Rapid review meeting"), LIA_FIELD_DATE, NULL, FALSE },
  { "rapid-review.outcome", N_("Rapid review outcome"), LIA_FIELD_CHOICE, outcome_choices, FALSE },
  { "rapid-review.submitted", N_("Rapid review submitted to the Panel"), LIA_FIELD_DATE, NULL, FALSE },
  { "rapid-review.recommendation-sent", N_("Recommendation sent to the partnership chair"), LIA_FIELD_DATE, NULL, FALSE },
  { "rapid-review.recommendation", N_("Recommendation to the partnership chair"), LIA_FIELD_LONG_TEXT, NULL, FALSE },

  { "lcspr.decision", N_("Decision to hold an LCSPR"), LIA_FIELD_DATE, NULL, FALSE },
  { "lcspr.reviewers", N_("Reviewer(s)"), LIA_FIELD_TEXT, NULL, FALSE },
  { "lcspr.methodology", N_("Methodology"), LIA_FIELD_LONG_TEXT, NULL, FALSE },
  { "lcspr.terms-of-reference", N_("Terms of reference"), LIA_FIELD_LONG_TEXT, NULL, FALSE },
  { "lcspr.lines-of-enquiry", N_("Key lines of enquiry"), LIA_FIELD_LONG_TEXT, NULL, FALSE },
  { "lcspr.publication-planned", N_("Planned publication"), LIA_FIELD_DATE, NULL, FALSE },
  { "lcspr.published", N_("Published"), LIA_FIELD_DATE, NULL, FALSE },
  { "lcspr.report-sent", N_("Full report sent to the Panel, Secretary of State and Ofsted"), LIA_FIELD_DATE, NULL, FALSE },
  { "lcspr.representations-requested", N_("IOPC asked for representations on publication"), LIA_FIELD_DATE, NULL, FALSE },
  { "lcspr.representations-received", N_("IOPC representations received"), LIA_FIELD_DATE, NULL, FALSE },
  { "lcspr.not-published", N_("Decision not to publish, with reasons"), LIA_FIELD_LONG_TEXT, NULL, FALSE },

  { "iopc.referral", N_("Referral to the IOPC"), LIA_FIELD_DATE, NULL, FALSE },
  { "iopc.mode", N_("Mode of investigation"), LIA_FIELD_CHOICE, mode_choices, FALSE },
  { "iopc.matter", N_("Matter investigated"), LIA_FIELD_CHOICE, matter_choices, FALSE },
  { "iopc.status", N_("Investigation status"), LIA_FIELD_CHOICE, iopc_status_choices, FALSE },
  { "iopc.interested-person", N_("Partnership given interested person status"), LIA_FIELD_CHOICE, yes_no_choices, FALSE },
  { "iopc.final-report", N_("IOPC final report"), LIA_FIELD_DATE, NULL, FALSE },
  { "iopc.cps-referral", N_("Referral to the CPS"), LIA_FIELD_DATE, NULL, FALSE },
  { "iopc.prejudice-notice", N_("Prejudice notice (request to pause the review)"), LIA_FIELD_DATE, NULL, FALSE },
  { "iopc.prejudice-reasons", N_("Reasons given for the prejudice notice"), LIA_FIELD_LONG_TEXT, NULL, FALSE },
  { "iopc.prejudice-response", N_("The partnership's response"), LIA_FIELD_LONG_TEXT, NULL, FALSE },

  { "proceedings.criminal", N_("Criminal proceedings"), LIA_FIELD_CHOICE, proceedings_choices, FALSE },
  { "proceedings.criminal-restrictions", N_("Reporting restrictions (criminal)"), LIA_FIELD_LONG_TEXT, NULL, FALSE },
  { "proceedings.misconduct", N_("Misconduct proceedings"), LIA_FIELD_CHOICE, proceedings_choices, FALSE },
  { "proceedings.misconduct-restrictions", N_("Reporting restrictions (misconduct)"), LIA_FIELD_LONG_TEXT, NULL, FALSE },
  { "proceedings.coronial", N_("Coronial inquest"), LIA_FIELD_CHOICE, proceedings_choices, FALSE },
  { "proceedings.coronial-restrictions", N_("Reporting restrictions (inquest)"), LIA_FIELD_LONG_TEXT, NULL, FALSE },
};

/* The first seven are columns of lcase; the rest live in case_field. */
#define N_CASE_COLUMNS LIA_CASE_N_FACTS

const LiaField *
lia_case_fields (guint *out_n)
{
  *out_n = G_N_ELEMENTS (case_fields);
  return case_fields;
}

char *
lia_case_field_process (const char *name)
{
  const char *dot = strchr (name, '.');

  return dot != NULL ? g_strndup (name, dot - name) : g_strdup ("case");
}

/* ---- cases ---------------------------------------------------------------- */

void
lia_participant_free (LiaParticipant *participant)
{
  if (participant == NULL)
    return;
  lia_org_free (participant->org);
  g_free (participant->contact);
  g_free (participant->email);
  g_free (participant->phone);
  g_free (participant);
}

void
lia_attendee_free (LiaAttendee *attendee)
{
  if (attendee == NULL)
    return;
  lia_org_free (attendee->org);
  g_free (attendee->name);
  g_free (attendee->position);
  g_free (attendee);
}

LiaDelayNotice *
lia_delay_notice_from_row (sqlite3_stmt *stmt,
                           int           column)
{
  LiaDelayNotice *notice = g_new0 (LiaDelayNotice, 1);

  notice->id = sqlite3_column_int64 (stmt, column);
  lia_db_column_date (stmt, column + 1, &notice->sent);
  notice->reason = lia_db_column_dup (stmt, column + 2);
  lia_db_column_date (stmt, column + 3, &notice->revised);
  return notice;
}

void
lia_delay_notice_free (LiaDelayNotice *notice)
{
  if (notice == NULL)
    return;
  g_free (notice->reason);
  g_free (notice);
}

void
lia_case_free (LiaCase *lcase)
{
  if (lcase == NULL)
    return;
  g_free (lcase->id);
  lia_org_free (lcase->lead);
  g_free (lcase->title);
  g_free (lcase->child);
  g_free (lcase->area);
  g_clear_pointer (&lcase->fields, g_hash_table_unref);
  g_clear_pointer (&lcase->participants, g_ptr_array_unref);
  g_clear_pointer (&lcase->attendees, g_ptr_array_unref);
  g_clear_pointer (&lcase->delays, g_ptr_array_unref);
  g_free (lcase);
}

const char *
lia_case_get_field (const LiaCase *lcase,
                    const char    *name)
{
  return lcase->fields != NULL ? g_hash_table_lookup (lcase->fields, name) : NULL;
}

gboolean
lia_case_get_date (const LiaCase *lcase,
                   const char    *name,
                   GDate         *out)
{
  const char *value = lia_case_get_field (lcase, name);

  g_date_clear (out, 1);
  return value != NULL && lia_date_parse (value, out, NULL);
}

void
lia_quorum_check (GPtrArray *attendees,
                  LiaQuorum *out)
{
  gboolean present[LIA_ROLE_POLICE + 1] = { FALSE, };

  memset (out, 0, sizeof *out);
  for (guint i = 0; attendees != NULL && i < attendees->len; i++)
    {
      const LiaAttendee *attendee = attendees->pdata[i];

      out->representatives++;
      if (lia_role_is_safeguarding_partner (attendee->role))
        present[attendee->role] = TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (present); i++)
    out->partners_present += present[i] ? 1 : 0;
  out->quorate = out->representatives >= 3 && out->partners_present >= 2;
}

/* Validates the case's own facts; fills in normalised copies. */
typedef struct
{
  char *title, *child, *area, *aware, *incident, *type;
} CaseFacts;

static void
case_facts_clear (CaseFacts *facts)
{
  g_free (facts->title);
  g_free (facts->child);
  g_free (facts->area);
  g_free (facts->aware);
  g_free (facts->incident);
  g_free (facts->type);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CaseFacts, case_facts_clear)

static gboolean
normalize_required (const char *name,
                    const char *value,
                    const char *option,
                    char      **out,
                    GError    **error)
{
  const LiaField *field = lia_field_find (case_fields, G_N_ELEMENTS (case_fields), name);

  if (value == NULL || value[0] == '\0')
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                   "A case needs %s (%s)", field->label, option);
      return FALSE;
    }
  *out = lia_field_normalize (field, value, error);
  return *out != NULL;
}

static gboolean
check_incident_before_aware (const char *incident,
                             const char *aware,
                             GError    **error)
{
  if (incident != NULL && aware != NULL && strcmp (incident, aware) > 0)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "The local authority cannot have become aware (%s) before the incident (%s)",
                   aware, incident);
      return FALSE;
    }
  return TRUE;
}

char *
lia_case_create (LiaStore           *store,
                 const LiaCaseDraft *draft,
                 const char         *contact,
                 GError            **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (LiaOrg) self = NULL;
  g_autofree char *id = NULL;
  g_autofree char *clean_contact = NULL;
  g_auto (CaseFacts) facts = { NULL, };
  gint64 now = lia_db_now ();

  if (db == NULL)
    return NULL;
  if (!normalize_required ("title", draft->title, "--title", &facts.title, error)
      || !normalize_required ("child", draft->child, "--child", &facts.child, error)
      || !normalize_required ("area", draft->area, "--area", &facts.area, error)
      || !normalize_required ("aware", draft->aware, "--aware", &facts.aware, error)
      || !normalize_required ("type", draft->type ? draft->type : "serious-harm", "--type",
                              &facts.type, error))
    return NULL;
  if (draft->incident != NULL && draft->incident[0] != '\0'
      && !normalize_required ("incident", draft->incident, "--incident", &facts.incident, error))
    return NULL;
  if (!check_incident_before_aware (facts.incident, facts.aware, error))
    return NULL;
  if (contact != NULL && contact[0] != '\0')
    {
      clean_contact = lia_field_normalize (&lia_contact_field, contact, error);
      if (clean_contact == NULL)
        return NULL;
    }
  self = lia_store_get_self (store, error);
  if (self == NULL)
    return NULL;

  id = g_uuid_string_random ();
  if (!lia_db_begin (db, error))
    return NULL;
  stmt = lia_db_prepare (db, "INSERT INTO lcase (id, lead, title, child, area, incident, aware, "
                             "type, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
                         error);
  if (stmt == NULL)
    goto fail;
  lia_db_bind_text (stmt, 1, id);
  lia_db_bind_text (stmt, 2, facts.title);
  lia_db_bind_text (stmt, 3, facts.child);
  lia_db_bind_text (stmt, 4, facts.area);
  lia_db_bind_text (stmt, 5, facts.incident);
  lia_db_bind_text (stmt, 6, facts.aware);
  lia_db_bind_text (stmt, 7, facts.type);
  sqlite3_bind_int64 (stmt, 8, now);
  sqlite3_bind_int64 (stmt, 9, now);
  if (!lia_db_step_done (db, stmt, "Could not save the case", error))
    goto fail;
  g_clear_pointer (&stmt, lia_db_release);

  stmt = lia_db_prepare (db, "INSERT INTO participant (case_id, org_id, role, contact, added_at) "
                             "VALUES (?, 1, ?, ?, ?)", error);
  if (stmt == NULL)
    goto fail;
  lia_db_bind_text (stmt, 1, id);
  lia_db_bind_text (stmt, 2, lia_role_to_string (lia_role_for_kind (self->kind)));
  lia_db_bind_text (stmt, 3, clean_contact);
  sqlite3_bind_int64 (stmt, 4, now);
  if (!lia_db_step_done (db, stmt, "Could not save the case", error))
    goto fail;
  if (!lia_case_index (db, id, error) || !lia_db_commit (db, error))
    goto fail;
  return g_steal_pointer (&id);

fail:
  lia_db_rollback (db);
  return NULL;
}

/* Keeps case_fts in step with a case's searchable text. */
gboolean
lia_case_index (sqlite3    *db,
                const char *case_id,
                GError    **error)
{
  g_autoptr (sqlite3_stmt) del = NULL;
  g_autoptr (sqlite3_stmt) ins = NULL;

  del = lia_db_prepare (db, "DELETE FROM case_fts WHERE rowid = (SELECT seq FROM lcase WHERE id = ?)",
                        error);
  if (del == NULL)
    return FALSE;
  lia_db_bind_text (del, 1, case_id);
  if (!lia_db_step_done (db, del, "Could not index the case", error))
    return FALSE;
  ins = lia_db_prepare (db,
                        "INSERT INTO case_fts (rowid, title, body) "
                        "SELECT c.seq, c.title, c.child || ' ' || c.area || ' ' || "
                        "  coalesce ((SELECT group_concat (value, ' ') FROM case_field f "
                        "             WHERE f.case_id = c.id), '') "
                        "FROM lcase c WHERE c.id = ?", error);
  if (ins == NULL)
    return FALSE;
  lia_db_bind_text (ins, 1, case_id);
  return lia_db_step_done (db, ins, "Could not index the case", error);
}

#define CASE_COLUMNS \
  "c.id, c.title, c.child, c.area, c.incident, c.aware, c.type, c.status, c.created_at, " \
  "c.updated_at, " ORG_COLUMNS

static LiaCase *
case_from_row (sqlite3_stmt *stmt,
               gboolean      with_lead)
{
  LiaCase *lcase = g_new0 (LiaCase, 1);
  const char *type = (const char *) sqlite3_column_text (stmt, 6);
  int type_index = type ? lia_choice_index (notification_names, type) : -1;

  lcase->id = lia_db_column_dup (stmt, 0);
  lcase->title = lia_db_column_dup (stmt, 1);
  lcase->child = lia_db_column_dup (stmt, 2);
  lcase->area = lia_db_column_dup (stmt, 3);
  lia_db_column_date (stmt, 4, &lcase->incident);
  lia_db_column_date (stmt, 5, &lcase->aware);
  lcase->type = type_index >= 0 ? (LiaNotificationType) type_index : LIA_NOTIFICATION_OTHER;
  lcase->closed = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 7), "closed") == 0;
  lcase->created_at = sqlite3_column_int64 (stmt, 8);
  lcase->updated_at = sqlite3_column_int64 (stmt, 9);
  if (with_lead)
    {
      /* A whole case: its fields are loaded next. The list has none, and
       * lia_case_get_field() reads a NULL table as empty. */
      lcase->lead = lia_org_from_row (stmt, 10);
      lcase->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    }
  return lcase;
}

/* Loads the process fields of @lcase. */
static gboolean
load_fields (sqlite3  *db,
             LiaCase  *lcase,
             GError  **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = lia_db_prepare (db, "SELECT name, value FROM case_field WHERE case_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, lcase->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (lcase->fields, lia_db_column_dup (stmt, 0), lia_db_column_dup (stmt, 1));
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the case's processes");
  return TRUE;
}

static gboolean
load_lists (sqlite3  *db,
            LiaCase  *lcase,
            GError  **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  lcase->participants = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_participant_free);
  lcase->attendees = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_attendee_free);
  lcase->delays = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_delay_notice_free);

  stmt = lia_db_prepare (db, "SELECT p.role, p.contact, p.email, p.phone, " ORG_COLUMNS " "
                             "FROM participant p JOIN org o ON o.id = p.org_id "
                             "WHERE p.case_id = ? ORDER BY p.added_at, o.name", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, lcase->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LiaParticipant *p = g_new0 (LiaParticipant, 1);

      if (!lia_role_from_string ((const char *) sqlite3_column_text (stmt, 0), &p->role))
        p->role = LIA_ROLE_AGENCY;
      p->contact = lia_db_column_dup (stmt, 1);
      p->email = lia_db_column_dup (stmt, 2);
      p->phone = lia_db_column_dup (stmt, 3);
      p->org = lia_org_from_row (stmt, 4);
      g_ptr_array_add (lcase->participants, p);
    }
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the participants");
  g_clear_pointer (&stmt, lia_db_release);

  stmt = lia_db_prepare (db, "SELECT a.id, a.name, a.position, p.role, " ORG_COLUMNS " "
                             "FROM attendee a JOIN participant p "
                             "  ON p.case_id = a.case_id AND p.org_id = a.org_id "
                             "JOIN org o ON o.id = a.org_id WHERE a.case_id = ? ORDER BY a.id",
                         error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, lcase->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LiaAttendee *a = g_new0 (LiaAttendee, 1);

      a->id = sqlite3_column_int64 (stmt, 0);
      a->name = lia_db_column_dup (stmt, 1);
      a->position = lia_db_column_dup (stmt, 2);
      if (!lia_role_from_string ((const char *) sqlite3_column_text (stmt, 3), &a->role))
        a->role = LIA_ROLE_AGENCY;
      a->org = lia_org_from_row (stmt, 4);
      g_ptr_array_add (lcase->attendees, a);
    }
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the attendance");
  g_clear_pointer (&stmt, lia_db_release);

  stmt = lia_db_prepare (db, "SELECT id, sent, reason, revised FROM delay_notice "
                             "WHERE case_id = ? ORDER BY sent, id", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, lcase->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (lcase->delays, lia_delay_notice_from_row (stmt, 0));
    }
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the delay notices");
  return TRUE;
}

LiaCase *
lia_case_load (LiaStore   *store,
               const char *id_or_prefix,
               GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (LiaCase) lcase = NULL;
  g_autofree char *id = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  id = lia_db_resolve_id (db, "lcase", id_or_prefix, "case", error);
  if (id == NULL)
    return NULL;
  stmt = lia_db_prepare (db, "SELECT " CASE_COLUMNS " FROM lcase c JOIN org o ON o.id = c.lead "
                             "WHERE c.id = ?", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the case");
      return NULL;
    }
  lcase = case_from_row (stmt, TRUE);
  if (!load_fields (db, lcase, error) || !load_lists (db, lcase, error))
    return NULL;
  return g_steal_pointer (&lcase);
}

GPtrArray *
lia_case_list (LiaStore *store,
               GError  **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) cases = NULL;
  g_autoptr (GHashTable) leads = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  stmt = lia_db_prepare (db, "SELECT " CASE_COLUMNS " FROM lcase c JOIN org o ON o.id = c.lead "
                             "ORDER BY c.created_at DESC, c.id", error);
  if (stmt == NULL)
    return NULL;
  cases = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_case_free);
  /* A few organisations lead many cases: each lead's fingerprint is
   * worked out once. */
  leads = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) lia_org_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LiaCase *lcase = case_from_row (stmt, FALSE);
      gint64 lead_id = sqlite3_column_int64 (stmt, 10);
      LiaOrg *lead = g_hash_table_lookup (leads, &lead_id);

      if (lead == NULL)
        {
          lead = lia_org_from_row (stmt, 10);
          g_hash_table_insert (leads, &lead->id, lead);
        }
      lcase->lead = lia_org_copy (lead);
      g_ptr_array_add (cases, lcase);
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the cases");
      return NULL;
    }
  return g_steal_pointer (&cases);
}

/* Only the lead changes a case (DESIGN.md, "Ownership"). */
static gboolean
check_lead (sqlite3    *db,
            const char *case_id,
            GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = lia_db_prepare (db, "SELECT c.lead, o.name FROM lcase c JOIN org o ON o.id = c.lead "
                             "WHERE c.id = ?", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, case_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the case");
  if (sqlite3_column_int64 (stmt, 0) != 1)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                   "This case is led by %s, and only the lead organisation changes its facts, "
                   "processes and participants", sqlite3_column_text (stmt, 1));
      return FALSE;
    }
  return TRUE;
}

static gboolean
touch_case (sqlite3 *db, const char *case_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "UPDATE lcase SET updated_at = ? WHERE id = ?",
                                                  error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, lia_db_now ());
  lia_db_bind_text (stmt, 2, case_id);
  return lia_db_step_done (db, stmt, "Could not update the case", error);
}

/* Starts a change to a case, which only its lead may make; on failure
 * nothing is left open. */
static gboolean
begin_lead_change (sqlite3    *db,
                   const char *case_id,
                   GError    **error)
{
  if (!lia_db_begin (db, error))
    return FALSE;
  if (check_lead (db, case_id, error))
    return TRUE;
  lia_db_rollback (db);
  return FALSE;
}

/* Marks the case changed and commits; on failure, rolls back. */
static gboolean
commit_case_change (sqlite3    *db,
                    const char *case_id,
                    GError    **error)
{
  if (touch_case (db, case_id, error))
    return lia_db_commit (db, error);
  lia_db_rollback (db);
  return FALSE;
}

gboolean
lia_case_set_field (LiaStore   *store,
                    const char *case_id,
                    const char *name,
                    const char *value,
                    GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;
  g_autofree char *clean = NULL;
  const LiaField *field;
  gboolean clearing = lia_str_blank (value);
  guint index;

  if (db == NULL)
    return FALSE;
  field = lia_field_find (case_fields, G_N_ELEMENTS (case_fields), name);
  if (field == NULL)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_UNKNOWN,
                   "A case has no field “%s”; “liaison-cli case fields” lists them", name);
      return FALSE;
    }
  index = field - case_fields;
  id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
  if (id == NULL)
    return FALSE;
  if (clearing && field->required)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "%s cannot be cleared: a case must have it", field->label);
      return FALSE;
    }
  if (!clearing)
    {
      clean = lia_field_normalize (field, value, error);
      if (clean == NULL)
        return FALSE;
    }

  if (!begin_lead_change (db, id, error))
    return FALSE;
  if (index < N_CASE_COLUMNS)
    {
      g_autofree char *sql = NULL;

      /* The incident must not follow the date of becoming aware. */
      if (g_str_equal (name, "incident") || g_str_equal (name, "aware"))
        {
          g_autoptr (sqlite3_stmt) dates = lia_db_prepare (db, "SELECT incident, aware FROM lcase "
                                                               "WHERE id = ?", error);

          if (dates == NULL)
            goto fail;
          lia_db_bind_text (dates, 1, id);
          if (sqlite3_step (dates) != SQLITE_ROW)
            goto fail_read;
          if (!check_incident_before_aware (
                g_str_equal (name, "incident") ? clean : (const char *) sqlite3_column_text (dates, 0),
                g_str_equal (name, "aware") ? clean : (const char *) sqlite3_column_text (dates, 1),
                error))
            goto fail;
        }
      /* The column name comes from the fixed table above. */
      sql = g_strdup_printf ("UPDATE lcase SET %s = ? WHERE id = ?", field->name);
      stmt = lia_db_prepare (db, sql, error);
      if (stmt == NULL)
        goto fail;
      lia_db_bind_text (stmt, 1, clean);
      lia_db_bind_text (stmt, 2, id);
    }
  else if (clearing)
    {
      stmt = lia_db_prepare (db, "DELETE FROM case_field WHERE case_id = ? AND name = ?", error);
      if (stmt == NULL)
        goto fail;
      lia_db_bind_text (stmt, 1, id);
      lia_db_bind_text (stmt, 2, name);
    }
  else
    {
      stmt = lia_db_prepare (db, "INSERT INTO case_field (case_id, name, value, updated_at) "
                                 "VALUES (?, ?, ?, ?) ON CONFLICT (case_id, name) "
                                 "DO UPDATE SET value = excluded.value, "
                                 "updated_at = excluded.updated_at", error);
      if (stmt == NULL)
        goto fail;
      lia_db_bind_text (stmt, 1, id);
      lia_db_bind_text (stmt, 2, name);
      lia_db_bind_text (stmt, 3, clean);
      sqlite3_bind_int64 (stmt, 4, lia_db_now ());
    }
  if (!lia_db_step_done (db, stmt, "Could not save the field", error)
      || !lia_case_index (db, id, error))
    goto fail;
  return commit_case_change (db, id, error);

fail_read:
  lia_store_set_sqlite_error (error, db, sqlite3_errcode (db), "Could not read the case");
fail:
  lia_db_rollback (db);
  return FALSE;
}

gboolean
lia_case_set_lead (sqlite3    *db,
                   const char *case_id,
                   gint64      org_id,
                   GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "UPDATE lcase SET lead = ? WHERE id = ?",
                                                  error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, org_id);
  lia_db_bind_text (stmt, 2, case_id);
  return lia_db_step_done (db, stmt, "Could not update the case", error);
}

/* ---- participants, attendance, delay notices ------------------------------ */

static const LiaField email_field = { "email", N_("Email address"), LIA_FIELD_TEXT, NULL, FALSE };
static const LiaField phone_field = { "phone", N_("Telephone"), LIA_FIELD_TEXT, NULL, FALSE };
static const LiaField attendee_field = { "name", N_("Attendee's name"), LIA_FIELD_TEXT, NULL, TRUE };
static const LiaField position_field = { "position", N_("Position"), LIA_FIELD_TEXT, NULL, FALSE };
static const LiaField sent_field = { "sent", N_("Date the delay notice was sent"), LIA_FIELD_DATE, NULL, TRUE };
static const LiaField reason_field = { "reason", N_("Reasons for the delay"), LIA_FIELD_LONG_TEXT, NULL, TRUE };
static const LiaField revised_field = { "revised", N_("Revised publication date"), LIA_FIELD_DATE, NULL, FALSE };

/* Normalises an optional value: NULL stays NULL (unchanged), "" becomes
 * an empty string (clear). */
static gboolean
normalize_optional (const LiaField *field,
                    const char     *value,
                    char          **out,
                    GError        **error)
{
  g_autofree char *trimmed = NULL;

  *out = NULL;
  if (value == NULL)
    return TRUE;
  trimmed = g_strstrip (g_strdup (value));
  if (trimmed[0] == '\0')
    {
      *out = g_strdup ("");
      return TRUE;
    }
  *out = lia_field_normalize (field, trimmed, error);
  return *out != NULL;
}

/* Whether @org takes part in @case_id; its role if it does. */
static gboolean
find_participant (sqlite3    *db,
                  const char *case_id,
                  gint64      org_id,
                  gboolean   *out_found,
                  GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT 1 FROM participant "
                                                      "WHERE case_id = ? AND org_id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, case_id);
  sqlite3_bind_int64 (stmt, 2, org_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the participants");
  *out_found = rc == SQLITE_ROW;
  return TRUE;
}

gboolean
lia_case_participant_role (sqlite3    *db,
                           const char *case_id,
                           gint64      org_id,
                           const char *org_name,
                           LiaRole    *out_role,
                           GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT role FROM participant "
                                                      "WHERE case_id = ? AND org_id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, case_id);
  sqlite3_bind_int64 (stmt, 2, org_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                   "%s does not take part in this case; the lead organisation adds it with "
                   "“liaison-cli case participant add”", org_name);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the participants");
  if (!lia_role_from_string ((const char *) sqlite3_column_text (stmt, 0), out_role))
    *out_role = LIA_ROLE_AGENCY;
  return TRUE;
}

gboolean
lia_case_add_participant (LiaStore   *store,
                          const char *case_id,
                          LiaOrg     *org,
                          LiaRole     role,
                          const char *contact,
                          const char *email,
                          const char *phone,
                          GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;
  g_autofree char *clean_contact = NULL;
  g_autofree char *clean_email = NULL;
  g_autofree char *clean_phone = NULL;
  gboolean found;

  if (db == NULL)
    return FALSE;
  id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
  if (id == NULL)
    return FALSE;
  if (lia_str_blank (contact))
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                   "Each participant needs a named point of contact (--contact NAME)");
      return FALSE;
    }
  if (!normalize_optional (&lia_contact_field, contact, &clean_contact, error)
      || !normalize_optional (&email_field, email, &clean_email, error)
      || !normalize_optional (&phone_field, phone, &clean_phone, error))
    return FALSE;

  if (!begin_lead_change (db, id, error))
    return FALSE;
  if (!find_participant (db, id, org->id, &found, error))
    goto fail;
  if (found)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_EXISTS,
                   "%s already takes part in this case; change its details with "
                   "“liaison-cli case participant set”", org->name);
      goto fail;
    }
  stmt = lia_db_prepare (db, "INSERT INTO participant (case_id, org_id, role, contact, email, phone, "
                             "added_at) VALUES (?, ?, ?, ?, NULLIF (?, ''), NULLIF (?, ''), ?)",
                         error);
  if (stmt == NULL)
    goto fail;
  lia_db_bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, org->id);
  lia_db_bind_text (stmt, 3, lia_role_to_string (role));
  lia_db_bind_text (stmt, 4, clean_contact);
  lia_db_bind_text (stmt, 5, clean_email);
  lia_db_bind_text (stmt, 6, clean_phone);
  sqlite3_bind_int64 (stmt, 7, lia_db_now ());
  if (!lia_db_step_done (db, stmt, "Could not add the participant", error))
    goto fail;
  return commit_case_change (db, id, error);

fail:
  lia_db_rollback (db);
  return FALSE;
}

gboolean
lia_case_update_participant (LiaStore      *store,
                             const char    *case_id,
                             LiaOrg        *org,
                             const LiaRole *role,
                             const char    *contact,
                             const char    *email,
                             const char    *phone,
                             GError       **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;
  g_autofree char *clean_contact = NULL;
  g_autofree char *clean_email = NULL;
  g_autofree char *clean_phone = NULL;
  gboolean found;

  if (db == NULL)
    return FALSE;
  id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
  if (id == NULL)
    return FALSE;
  if (!normalize_optional (&lia_contact_field, contact, &clean_contact, error)
      || !normalize_optional (&email_field, email, &clean_email, error)
      || !normalize_optional (&phone_field, phone, &clean_phone, error))
    return FALSE;
  if (clean_contact != NULL && clean_contact[0] == '\0')
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "A participant's point of contact cannot be cleared, only changed");
      return FALSE;
    }

  if (!begin_lead_change (db, id, error))
    return FALSE;
  if (!find_participant (db, id, org->id, &found, error))
    goto fail;
  if (!found)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                   "%s does not take part in this case", org->name);
      goto fail;
    }
  stmt = lia_db_prepare (db, "UPDATE participant SET role = coalesce (?, role), "
                             "contact = coalesce (?, contact), "
                             "email = CASE WHEN ?3 IS NULL THEN email ELSE NULLIF (?3, '') END, "
                             "phone = CASE WHEN ?4 IS NULL THEN phone ELSE NULLIF (?4, '') END "
                             "WHERE case_id = ?5 AND org_id = ?6", error);
  if (stmt == NULL)
    goto fail;
  lia_db_bind_text (stmt, 1, role != NULL ? lia_role_to_string (*role) : NULL);
  lia_db_bind_text (stmt, 2, clean_contact);
  lia_db_bind_text (stmt, 3, clean_email);
  lia_db_bind_text (stmt, 4, clean_phone);
  lia_db_bind_text (stmt, 5, id);
  sqlite3_bind_int64 (stmt, 6, org->id);
  if (!lia_db_step_done (db, stmt, "Could not change the participant", error))
    goto fail;
  return commit_case_change (db, id, error);

fail:
  lia_db_rollback (db);
  return FALSE;
}

gboolean
lia_case_remove_participant (LiaStore   *store,
                             const char *case_id,
                             LiaOrg     *org,
                             GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;

  if (db == NULL)
    return FALSE;
  id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
  if (id == NULL)
    return FALSE;
  if (org->is_self)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                   "The lead organisation cannot leave its own case");
      return FALSE;
    }
  if (!begin_lead_change (db, id, error))
    return FALSE;
  stmt = lia_db_prepare (db, "DELETE FROM participant WHERE case_id = ? AND org_id = ?", error);
  if (stmt == NULL)
    goto fail;
  lia_db_bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, org->id);
  if (!lia_db_step_done (db, stmt, "Could not remove the participant", error))
    goto fail;
  if (sqlite3_changes (db) == 0)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                   "%s does not take part in this case", org->name);
      goto fail;
    }
  return commit_case_change (db, id, error);

fail:
  lia_db_rollback (db);
  return FALSE;
}

gboolean
lia_case_add_attendee (LiaStore   *store,
                       const char *case_id,
                       LiaOrg     *org,
                       const char *name,
                       const char *position,
                       GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;
  g_autofree char *clean_name = NULL;
  g_autofree char *clean_position = NULL;
  gboolean found;

  if (db == NULL)
    return FALSE;
  id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
  if (id == NULL)
    return FALSE;
  if (name == NULL)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                   "An attendee needs a name (--name NAME)");
      return FALSE;
    }
  clean_name = lia_field_normalize (&attendee_field, name, error);
  if (clean_name == NULL || !normalize_optional (&position_field, position, &clean_position, error))
    return FALSE;
  if (!begin_lead_change (db, id, error))
    return FALSE;
  if (!find_participant (db, id, org->id, &found, error))
    goto fail;
  if (!found)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                   "%s does not take part in this case; add it as a participant first",
                   org->name);
      goto fail;
    }
  stmt = lia_db_prepare (db, "INSERT INTO attendee (case_id, org_id, name, position) "
                             "VALUES (?, ?, ?, NULLIF (?, ''))", error);
  if (stmt == NULL)
    goto fail;
  lia_db_bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, org->id);
  lia_db_bind_text (stmt, 3, clean_name);
  lia_db_bind_text (stmt, 4, clean_position);
  if (!lia_db_step_done (db, stmt, "Could not record the attendee", error))
    goto fail;
  return commit_case_change (db, id, error);

fail:
  lia_db_rollback (db);
  return FALSE;
}

gboolean
lia_case_remove_attendee (LiaStore   *store,
                          const char *case_id,
                          gint64      attendee_id,
                          GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;

  if (db == NULL)
    return FALSE;
  id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
  if (id == NULL)
    return FALSE;
  if (!begin_lead_change (db, id, error))
    return FALSE;
  stmt = lia_db_prepare (db, "DELETE FROM attendee WHERE case_id = ? AND id = ?", error);
  if (stmt == NULL)
    goto fail;
  lia_db_bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, attendee_id);
  if (!lia_db_step_done (db, stmt, "Could not remove the attendee", error))
    goto fail;
  if (sqlite3_changes (db) == 0)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                   "This case has no attendee %" G_GINT64_FORMAT, attendee_id);
      goto fail;
    }
  return commit_case_change (db, id, error);

fail:
  lia_db_rollback (db);
  return FALSE;
}

gboolean
lia_case_add_delay_notice (LiaStore   *store,
                           const char *case_id,
                           const char *sent,
                           const char *reason,
                           const char *revised,
                           GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;
  g_autofree char *clean_sent = NULL;
  g_autofree char *clean_reason = NULL;
  g_autofree char *clean_revised = NULL;

  if (db == NULL)
    return FALSE;
  id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
  if (id == NULL)
    return FALSE;
  if (sent == NULL || reason == NULL)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                   "A delay notice needs the date it was sent (--sent DATE) and its reasons "
                   "(--reason TEXT)");
      return FALSE;
    }
  clean_sent = lia_field_normalize (&sent_field, sent, error);
  if (clean_sent == NULL)
    return FALSE;
  clean_reason = lia_field_normalize (&reason_field, reason, error);
  if (clean_reason == NULL || !normalize_optional (&revised_field, revised, &clean_revised, error))
    return FALSE;
  if (!begin_lead_change (db, id, error))
    return FALSE;
  stmt = lia_db_prepare (db, "INSERT INTO delay_notice (case_id, sent, reason, revised) "
                             "VALUES (?, ?, ?, NULLIF (?, ''))", error);
  if (stmt == NULL)
    goto fail;
  lia_db_bind_text (stmt, 1, id);
  lia_db_bind_text (stmt, 2, clean_sent);
  lia_db_bind_text (stmt, 3, clean_reason);
  lia_db_bind_text (stmt, 4, clean_revised);
  if (!lia_db_step_done (db, stmt, "Could not record the delay notice", error))
    goto fail;
  return commit_case_change (db, id, error);

fail:
  lia_db_rollback (db);
  return FALSE;
}
