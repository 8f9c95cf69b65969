/* cli-model.c: liaison-cli's commands for organisations, cases, records,
 * requests, deadlines, search, the chronology and the demo data.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli-json.h"
#include "lia-attachment.h"
#include "lia-deadlines.h"
#include "lia-demo.h"
#include "lia-record.h"
#include "lia-request.h"

/* ---- option values ------------------------------------------------------------ */

/* Every option of these commands; a command reads those in its entries. */
typedef struct
{
  char *kind, *title, *child, *area, *aware, *incident, *type, *contact, *email, *phone, *role;
  char *name, *position, *sent, *reason, *revised, *today, *within, *format, *output, *agency;
  char *to, *from, *subject, *record, *date, *reply_by, *by, *decision, *basis, *redirect_to;
  char *level, *limit, *as;
  gboolean own_only, all;
  /* record fields, in the order of record_field_names */
  char *fields[24];
} Options;

static Options opt;

static const char *const record_field_names[] = {
  "title", "date", "classification", "basis", "handling", "destroy-on", "return-on", "agency",
  "what", "source", "analysis", "expected", "text", "role", "summary", "process",
  "originating-org", "description", "status", "grounds", "owner", "action", "due", NULL
};

G_STATIC_ASSERT (G_N_ELEMENTS (record_field_names) <= G_N_ELEMENTS (opt.fields) + 1);

static gboolean
reset_options (const char *name, const char *value, gpointer data, GError **error)
{
  char **strings = (char **) &opt;

  /* Every member before own_only is a char *. */
  for (gsize i = 0; i < G_STRUCT_OFFSET (Options, own_only) / sizeof (char *); i++)
    g_clear_pointer (&strings[i], g_free);
  for (guint i = 0; i < G_N_ELEMENTS (opt.fields); i++)
    g_clear_pointer (&opt.fields[i], g_free);
  opt.own_only = FALSE;
  opt.all = FALSE;
  return TRUE;
}

/* ---- helpers ---------------------------------------------------------------- */

static int
usage_from (GError *error)
{
  int status = cli_usage_error ("%s", error->message);

  g_error_free (error);
  return status;
}

static gboolean
get_today (GDate *out, GError **error)
{
  return cli_get_today (opt.today, out, error);
}

gboolean
cli_get_today (const char *option, GDate *out, GError **error)
{
  const char *text = option != NULL ? option : g_getenv ("LIAISON_TODAY");

  if (text != NULL && *text != '\0')
    {
      if (!lia_date_parse (text, out, NULL))
        {
          g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
                       "“%s” is not a date for today; write YYYY-MM-DD", text);
          return FALSE;
        }
      return TRUE;
    }
  lia_date_set_today (out);
  return TRUE;
}

/* The person taking a step: --by, else the account's name. */
static const char *
person (void)
{
  return cli_person_name (opt.by);
}

static void
add_date (CliJson *b, const char *name, const GDate *date)
{
  char text[LIA_DATE_TEXT_SIZE];

  if (date == NULL || !g_date_valid (date))
    {
      cli_json_member_string (b, name, NULL);
      return;
    }
  lia_date_format_to (date, text);
  cli_json_member_string (b, name, text);
}

static void
org_object (CliJson *b, const LiaOrg *org)
{
  cli_json_begin_object (b);
  cli_json_member_string (b, "name", org->name);
  cli_json_member_string (b, "kind", lia_org_kind_to_string (org->kind));
  cli_json_member_string (b, "fingerprint", org->fingerprint);
  cli_json_member_bool (b, "self", org->is_self);
  cli_json_end_object (b);
}

static void
add_org (CliJson *b, const char *name, const LiaOrg *org)
{
  cli_json_member (b, name);
  if (org == NULL)
    cli_json_null (b);
  else
    org_object (b, org);
}

/* @with_partner adds whether the role is a safeguarding partner's. */
static void
participant_object (CliJson *b, const LiaParticipant *p, gboolean with_partner)
{
  cli_json_begin_object (b);
  add_org (b, "organisation", p->org);
  cli_json_member_string (b, "role", lia_role_to_string (p->role));
  if (with_partner)
    cli_json_member_bool (b, "safeguarding_partner", lia_role_is_safeguarding_partner (p->role));
  cli_json_member_string (b, "contact", p->contact);
  cli_json_member_string (b, "email", p->email);
  cli_json_member_string (b, "phone", p->phone);
  cli_json_end_object (b);
}

/* A hash table of strings as a JSON object, keys sorted. */
static void
add_fields (CliJson *b, const char *name, GHashTable *fields)
{
  g_autoptr (GList) keys = fields ? g_hash_table_get_keys (fields) : NULL;

  keys = g_list_sort (keys, (GCompareFunc) strcmp);
  cli_json_member (b, name);
  cli_json_begin_object (b);
  for (GList *l = keys; l != NULL; l = l->next)
    cli_json_member_string (b, l->data, g_hash_table_lookup (fields, l->data));
  cli_json_end_object (b);
}

static char *
date_text (const GDate *date)
{
  return date != NULL && g_date_valid (date) ? lia_date_format (date) : g_strdup ("—");
}

static void
print_wrapped (const char *label, const char *value)
{
  g_auto (GStrv) lines = NULL;

  if (value == NULL)
    return;
  lines = g_strsplit (value, "\n", -1);
  g_print ("  %-28s %s\n", label, lines[0]);
  for (guint i = 1; lines[i] != NULL; i++)
    g_print ("  %-28s %s\n", "", lines[i]);
}

/* What case new, record add and request new print: the new id. */
static int
print_new_id (CliOptions *options, const char *id)
{
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_string (b, "id", id);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  else
    g_print ("%s\n", id);
  return EXIT_OK;
}

/* ---- organisations ------------------------------------------------------------ */

static int
cmd_org_add (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (LiaOrg) org = NULL;
  LiaOrgKind kind;

  if (opt.kind == NULL)
    return cli_usage_error ("org add needs --kind KIND (%s)", lia_org_kind_all_names ());
  if (!lia_org_kind_from_string (opt.kind, &kind))
    return cli_usage_error ("“%s” is not a kind of organisation; the kinds are %s", opt.kind,
                            lia_org_kind_all_names ());
  store = cli_open_store (options, &error);
  if (store == NULL)
    return cli_fail (error);
  org = lia_store_add_org (store, options->args[0], kind, &error);
  if (org == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      add_org (b, "organisation", org);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  else
    g_print ("Added %s (%s). It is known by name only until its invite code is added.\n",
             org->name, lia_org_kind_to_string (org->kind));
  return EXIT_OK;
}

static int
cmd_org_list (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (GPtrArray) orgs = NULL;

  if (store == NULL || (orgs = lia_store_list_orgs (store, &error)) == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_array (b);
      for (guint i = 0; i < orgs->len; i++)
        {
          org_object (b, orgs->pdata[i]);
        }
      cli_json_end_array (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  for (guint i = 0; i < orgs->len; i++)
    {
      const LiaOrg *org = orgs->pdata[i];

      g_print ("%-40s %-16s %s%s\n", org->name, lia_org_kind_to_string (org->kind),
               org->fingerprint ? org->fingerprint : "(known by name only)",
               org->is_self ? "  (this organisation)" : "");
    }
  return EXIT_OK;
}

/* ---- cases ---------------------------------------------------------------------- */

static int
cmd_case_new (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autofree char *id = NULL;
  LiaCaseDraft draft = {
    .title = opt.title, .child = opt.child, .area = opt.area, .aware = opt.aware,
    .incident = opt.incident, .type = opt.type,
  };

  if (opt.title == NULL || opt.child == NULL || opt.area == NULL || opt.aware == NULL)
    return cli_usage_error ("case new needs --title, --child, --area and --aware");
  store = cli_open_store (options, &error);
  if (store == NULL)
    return cli_fail (error);
  id = lia_case_create (store, &draft, opt.contact, &error);
  if (id == NULL)
    return cli_fail (error);
  return print_new_id (options, id);
}

static void
add_milestone (CliJson *b, const LiaMilestone *m, gboolean with_case)
{
  cli_json_begin_object (b);
  if (with_case)
    cli_json_member_string (b, "case", m->case_id);
  cli_json_member_string (b, "milestone", m->key);
  cli_json_member_string (b, "title", m->title);
  add_date (b, "window_start", &m->window_start);
  add_date (b, "due", &m->due);
  cli_json_member_string (b, "state", lia_milestone_state_to_string (m->state));
  add_date (b, "met_on", &m->met_on);
  cli_json_member_string (b, "rule", m->rule);
  cli_json_member_string (b, "source", m->source);
  cli_json_member_string (b, "note", m->note);
  cli_json_member_string (b, "record", m->record_id);
  cli_json_end_object (b);
}

static int
cmd_case_list (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GPtrArray) cases = NULL;
  g_autoptr (GHashTable) next = NULL;
  GDate today;

  if (!get_today (&today, &error))
    return usage_from (error);
  store = cli_open_store (options, &error);
  if (store == NULL || (cases = lia_case_list (store, &error)) == NULL
      || (next = lia_deadlines_next_by_case (store, &today, &error)) == NULL)
    return cli_fail (error);

  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_array (b);
      for (guint i = 0; i < cases->len; i++)
        {
          const LiaCase *c = cases->pdata[i];
          LiaMilestone *m = g_hash_table_lookup (next, c->id);

          cli_json_begin_object (b);
          cli_json_member_string (b, "id", c->id);
          cli_json_member_string (b, "title", c->title);
          cli_json_member_string (b, "child", c->child);
          cli_json_member_string (b, "area", c->area);
          add_date (b, "incident", &c->incident);
          add_date (b, "aware", &c->aware);
          cli_json_member_string (b, "type", lia_notification_type_names ()[c->type]);
          cli_json_member_string (b, "status", c->closed ? "closed" : "open");
          add_org (b, "lead", c->lead);
          cli_json_member (b, "next_deadline");
          if (m != NULL)
            add_milestone (b, m, FALSE);
          else
            cli_json_null (b);
          cli_json_end_object (b);
        }
      cli_json_end_array (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  if (cases->len == 0)
    {
      g_print ("No cases yet. Open one with “liaison-cli case new”.\n");
      return EXIT_OK;
    }
  for (guint i = 0; i < cases->len; i++)
    {
      const LiaCase *c = cases->pdata[i];
      LiaMilestone *m = g_hash_table_lookup (next, c->id);
      g_autofree char *short_id = g_strndup (c->id, 8);
      g_autofree char *due = m ? lia_date_format (&m->due) : NULL;

      g_print ("%s  %-6s  %-40s  %-10s  %s\n", short_id, c->closed ? "closed" : "open", c->title,
               c->child, c->area);
      if (m != NULL)
        g_print ("          next: %s %s (%s)\n", due, m->title,
                 lia_milestone_state_label (m->state));
    }
  return EXIT_OK;
}

static void
print_milestone_text (const LiaMilestone *m, gboolean with_case)
{
  g_autofree char *due = date_text (&m->due);
  g_autofree char *met = g_date_valid (&m->met_on) ? lia_date_format (&m->met_on) : NULL;
  g_autofree char *start = g_date_valid (&m->window_start) ? lia_date_format (&m->window_start) : NULL;
  g_autofree char *short_id = g_strndup (m->case_id, 8);
  g_autofree char *when = start ? g_strdup_printf ("%s to %s", start, due) : g_strdup (due);

  if (with_case)
    g_print ("%s  ", short_id);
  g_print ("%-24s  %-15s  %s\n", when, lia_milestone_state_label (m->state), m->title);
  g_print ("%s%-24s  %-15s  %s — %s\n", with_case ? "          " : "", "",
           met ? met : "", m->rule, m->source);
  if (m->note != NULL)
    g_print ("%s%-24s  %-15s  %s\n", with_case ? "          " : "", "", "", m->note);
}

static void
print_milestones_text (GPtrArray *milestones, gboolean with_case)
{
  for (guint i = 0; i < milestones->len; i++)
    print_milestone_text (milestones->pdata[i], with_case);
}

static int
cmd_case_show (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (LiaCase) c = NULL;
  g_autoptr (GPtrArray) milestones = NULL;
  const LiaField *fields;
  guint n_fields;
  LiaQuorum quorum;
  GDate today;

  if (!get_today (&today, &error))
    return usage_from (error);
  store = cli_open_store (options, &error);
  if (store == NULL || (c = lia_case_load (store, options->args[0], &error)) == NULL
      || (milestones = lia_deadlines_for_store (store, c->id, &today, FALSE, NULL, &error)) == NULL)
    return cli_fail (error);
  lia_quorum_check (c->attendees, &quorum);
  fields = lia_case_fields (&n_fields);

  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_string (b, "id", c->id);
      cli_json_member_string (b, "title", c->title);
      cli_json_member_string (b, "child", c->child);
      cli_json_member_string (b, "area", c->area);
      add_date (b, "incident", &c->incident);
      add_date (b, "aware", &c->aware);
      cli_json_member_string (b, "type", lia_notification_type_names ()[c->type]);
      cli_json_member_string (b, "status", c->closed ? "closed" : "open");
      add_org (b, "lead", c->lead);
      add_fields (b, "fields", c->fields);
      cli_json_member (b, "participants");
      cli_json_begin_array (b);
      for (guint i = 0; i < c->participants->len; i++)
        {
          participant_object (b, c->participants->pdata[i], FALSE);
        }
      cli_json_end_array (b);
      cli_json_member (b, "attendance");
      cli_json_begin_object (b);
      cli_json_member (b, "attendees");
      cli_json_begin_array (b);
      for (guint i = 0; i < c->attendees->len; i++)
        {
          const LiaAttendee *a = c->attendees->pdata[i];

          cli_json_begin_object (b);
          cli_json_member_int (b, "id", a->id);
          cli_json_member_string (b, "name", a->name);
          cli_json_member_string (b, "position", a->position);
          add_org (b, "organisation", a->org);
          cli_json_member_string (b, "role", lia_role_to_string (a->role));
          cli_json_end_object (b);
        }
      cli_json_end_array (b);
      cli_json_member_int (b, "representatives", quorum.representatives);
      cli_json_member_int (b, "safeguarding_partners_present", quorum.partners_present);
      cli_json_member_bool (b, "quorate", quorum.quorate);
      cli_json_end_object (b);
      cli_json_member (b, "delay_notices");
      cli_json_begin_array (b);
      for (guint i = 0; i < c->delays->len; i++)
        {
          const LiaDelayNotice *d = c->delays->pdata[i];

          cli_json_begin_object (b);
          add_date (b, "sent", &d->sent);
          cli_json_member_string (b, "reason", d->reason);
          add_date (b, "revised", &d->revised);
          cli_json_end_object (b);
        }
      cli_json_end_array (b);
      cli_json_member (b, "timeline");
      cli_json_begin_array (b);
      for (guint i = 0; i < milestones->len; i++)
        add_milestone (b, milestones->pdata[i], FALSE);
      cli_json_end_array (b);
      cli_json_end_object (b);
      cli_json_finish (b);
      return EXIT_OK;
    }

  {
    g_autofree char *incident = date_text (&c->incident);
    g_autofree char *aware = date_text (&c->aware);
    g_autofree char *today_text = lia_date_format (&today);
    const char *process = NULL;

    g_print ("%s\n", c->title);
    g_print ("  %-28s %s\n", "Case", c->id);
    g_print ("  %-28s %s\n", "Child", c->child);
    g_print ("  %-28s %s\n", "Area", c->area);
    g_print ("  %-28s %s\n", "Incident", incident);
    g_print ("  %-28s %s\n", "Local authority aware", aware);
    g_print ("  %-28s %s\n", "Notification type", lia_notification_type_names ()[c->type]);
    g_print ("  %-28s %s\n", "Status", c->closed ? "closed" : "open");
    g_print ("  %-28s %s\n", "Lead", c->lead->name);

    g_print ("\nParticipants\n");
    for (guint i = 0; i < c->participants->len; i++)
      {
        const LiaParticipant *p = c->participants->pdata[i];

        g_print ("  %s — %s\n", p->org->name, lia_role_label (p->role));
        g_print ("      contact: %s%s%s%s%s\n", p->contact ? p->contact : "(not named yet)",
                 p->email ? ", " : "", p->email ? p->email : "", p->phone ? ", " : "",
                 p->phone ? p->phone : "");
      }

    for (guint i = LIA_CASE_N_FACTS; i < n_fields; i++)
      {
        const char *value = lia_case_get_field (c, fields[i].name);
        g_autofree char *this_process = lia_case_field_process (fields[i].name);

        if (value == NULL)
          continue;
        if (g_strcmp0 (process, this_process) != 0)
          {
            g_print ("\n%s\n", g_str_equal (this_process, "notification") ? "Notification"
                               : g_str_equal (this_process, "rapid-review") ? "Rapid review"
                               : g_str_equal (this_process, "lcspr") ? "LCSPR"
                               : g_str_equal (this_process, "iopc") ? "IOPC investigation"
                               : "Parallel proceedings");
            process = g_intern_string (this_process);
          }
        print_wrapped (fields[i].label, value);
      }

    if (c->attendees->len > 0)
      {
        g_print ("\nRapid review meeting attendance (%s: %u representatives, %u of the 3 "
                 "safeguarding partners)\n",
                 quorum.quorate ? "quorate" : "NOT quorate", quorum.representatives,
                 quorum.partners_present);
        for (guint i = 0; i < c->attendees->len; i++)
          {
            const LiaAttendee *a = c->attendees->pdata[i];

            g_print ("  %" G_GINT64_FORMAT ". %s%s%s, %s\n", a->id, a->name,
                     a->position ? ", " : "", a->position ? a->position : "", a->org->name);
          }
      }
    if (c->delays->len > 0)
      {
        g_print ("\nDelay notices\n");
        for (guint i = 0; i < c->delays->len; i++)
          {
            const LiaDelayNotice *d = c->delays->pdata[i];
            g_autofree char *sent = date_text (&d->sent);
            g_autofree char *revised = date_text (&d->revised);

            g_print ("  %s (revised publication %s): %s\n", sent, revised, d->reason);
          }
      }
    g_print ("\nStatutory timeline (today is %s)\n", today_text);
    print_milestones_text (milestones, FALSE);
  }
  return EXIT_OK;
}

static int
cmd_case_fields (CliOptions *options)
{
  const LiaField *fields;
  guint n;
  CliJson *b = options->json ? cli_json_new () : NULL;

  fields = lia_case_fields (&n);
  if (options->json)
    cli_json_begin_array (b);
  for (guint i = 0; i < n; i++)
    {
      static const char *const types[] = { "text", "long-text", "date", "date-time", "choice",
                                           "choices" };
      g_autofree char *choices = fields[i].choices ? lia_choices_describe (fields[i].choices) : NULL;

      if (options->json)
        {
          cli_json_begin_object (b);
          cli_json_member_string (b, "name", fields[i].name);
          cli_json_member_string (b, "label", fields[i].label);
          cli_json_member_string (b, "type", types[fields[i].type]);
          cli_json_member (b, "choices");
          if (fields[i].choices == NULL)
            cli_json_null (b);
          else
            {
              cli_json_begin_array (b);
              for (guint j = 0; fields[i].choices[j] != NULL; j++)
                cli_json_string (b, fields[i].choices[j]);
              cli_json_end_array (b);
            }
          cli_json_end_object (b);
        }
      else
        g_print ("%-36s %s (%s%s%s)\n", fields[i].name, fields[i].label, types[fields[i].type],
                 choices ? ": " : "", choices ? choices : "");
    }
  if (options->json)
    {
      cli_json_end_array (b);
      cli_json_finish (b);
    }
  return EXIT_OK;
}

static int
cmd_case_set (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);

  gboolean cleared = lia_str_blank (options->args[2]);

  if (store == NULL
      || !lia_case_set_field (store, options->args[0], options->args[1], options->args[2], &error))
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_string (b, "field", options->args[1]);
      cli_json_member_string (b, "value", cleared ? NULL : options->args[2]);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  else
    g_print ("%s %s.\n", cleared ? "Cleared" : "Set", options->args[1]);
  return EXIT_OK;
}

static int
print_done (CliOptions *options, const char *message)
{
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_bool (b, "ok", TRUE);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  else
    g_print ("%s\n", message);
  return EXIT_OK;
}

static int
cmd_participant_add (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (LiaOrg) org = NULL;
  g_autofree char *message = NULL;
  LiaRole role;

  if (opt.role == NULL)
    return cli_usage_error ("case participant add needs --role ROLE (local-authority, icb, "
                            "police, iopc or agency)");
  if (!lia_role_from_string (opt.role, &role))
    return cli_usage_error ("“%s” is not a role; the roles are local-authority, icb, police "
                            "(the safeguarding partners), iopc and agency", opt.role);
  if (opt.contact == NULL)
    return cli_usage_error ("Each participant needs a named point of contact (--contact NAME)");
  store = cli_open_store (options, &error);
  if (store == NULL || (org = lia_store_find_org (store, options->args[1], &error)) == NULL
      || !lia_case_add_participant (store, options->args[0], org, role, opt.contact, opt.email,
                                    opt.phone, &error))
    return cli_fail (error);
  message = g_strdup_printf ("%s takes part as %s.", org->name, lia_role_label (role));
  return print_done (options, message);
}

static int
cmd_participant_set (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (LiaOrg) org = NULL;
  LiaRole role;

  if (opt.role != NULL && !lia_role_from_string (opt.role, &role))
    return cli_usage_error ("“%s” is not a role; the roles are local-authority, icb, police, "
                            "iopc and agency", opt.role);
  store = cli_open_store (options, &error);
  if (store == NULL || (org = lia_store_find_org (store, options->args[1], &error)) == NULL
      || !lia_case_update_participant (store, options->args[0], org, opt.role ? &role : NULL,
                                       opt.contact, opt.email, opt.phone, &error))
    return cli_fail (error);
  return print_done (options, "Changed.");
}

static int
cmd_participant_remove (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (LiaOrg) org = NULL;

  store = cli_open_store (options, &error);
  if (store == NULL || (org = lia_store_find_org (store, options->args[1], &error)) == NULL
      || !lia_case_remove_participant (store, options->args[0], org, &error))
    return cli_fail (error);
  return print_done (options, "Removed.");
}

static int
cmd_participant_list (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (LiaCase) c = NULL;

  if (store == NULL || (c = lia_case_load (store, options->args[0], &error)) == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_array (b);
      for (guint i = 0; i < c->participants->len; i++)
        {
          participant_object (b, c->participants->pdata[i], TRUE);
        }
      cli_json_end_array (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  for (guint i = 0; i < c->participants->len; i++)
    {
      const LiaParticipant *p = c->participants->pdata[i];

      g_print ("%-40s %-16s %s%s%s%s%s\n", p->org->name, lia_role_to_string (p->role),
               p->contact ? p->contact : "(no point of contact named)", p->email ? ", " : "",
               p->email ? p->email : "", p->phone ? ", " : "", p->phone ? p->phone : "");
    }
  return EXIT_OK;
}

static int
cmd_attendee_add (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (LiaOrg) org = NULL;

  if (opt.name == NULL)
    return cli_usage_error ("case attendee add needs --name NAME");
  store = cli_open_store (options, &error);
  if (store == NULL || (org = lia_store_find_org (store, options->args[1], &error)) == NULL
      || !lia_case_add_attendee (store, options->args[0], org, opt.name, opt.position, &error))
    return cli_fail (error);
  return print_done (options, "Recorded.");
}

static int
cmd_attendee_remove (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  gint64 id;

  if (!g_ascii_string_to_signed (options->args[1], 10, 1, G_MAXINT64, &id, NULL))
    return cli_usage_error ("“%s” is not an attendee number (see “case show”)", options->args[1]);
  store = cli_open_store (options, &error);
  if (store == NULL || !lia_case_remove_attendee (store, options->args[0], id, &error))
    return cli_fail (error);
  return print_done (options, "Removed.");
}

static int
cmd_delay_add (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;

  if (opt.sent == NULL || opt.reason == NULL)
    return cli_usage_error ("case delay add needs --sent DATE and --reason TEXT");
  store = cli_open_store (options, &error);
  if (store == NULL
      || !lia_case_add_delay_notice (store, options->args[0], opt.sent, opt.reason, opt.revised,
                                     &error))
    return cli_fail (error);
  return print_done (options, "Recorded the delay notice.");
}

/* ---- records -------------------------------------------------------------------- */

static GHashTable *
record_fields_from_options (void)
{
  GHashTable *fields = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; record_field_names[i] != NULL; i++)
    if (opt.fields[i] != NULL)
      g_hash_table_insert (fields, (char *) record_field_names[i], opt.fields[i]);
  return fields;
}

/* A record; with its attachments (record show) when @attachments is not
 * NULL. */
static void
add_record (CliJson *b, const LiaRecord *r, GPtrArray *attachments)
{
  cli_json_begin_object (b);
  cli_json_member_string (b, "id", r->id);
  cli_json_member_string (b, "case", r->case_id);
  cli_json_member_string (b, "kind", lia_record_kind_to_string (r->kind));
  cli_json_member_int (b, "version", r->version);
  cli_json_member_string (b, "title", r->title);
  cli_json_member_string (b, "date", r->date);
  cli_json_member_string (b, "classification", lia_record_get_field (r, "classification") != NULL
                                     ? lia_record_get_field (r, "classification") : "standard");
  add_org (b, "originator", r->originator);
  add_fields (b, "fields", r->fields);
  if (attachments != NULL)
    {
      cli_json_member (b, "attachments");
      cli_json_begin_array (b);
      for (guint i = 0; i < attachments->len; i++)
        {
          const LiaAttachment *a = attachments->pdata[i];

          cli_json_begin_object (b);
          cli_json_member_int (b, "index", a->index);
          cli_json_member_string (b, "name", a->name);
          cli_json_member_string (b, "media_type", a->media_type);
          cli_json_member_int (b, "size", (gint64) a->size);
          cli_json_member_int (b, "chunks", a->n_chunks);
          cli_json_member_int (b, "held", a->n_held);
          cli_json_end_object (b);
        }
      cli_json_end_array (b);
    }
  cli_json_end_object (b);
}

static int
cmd_record_add (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GHashTable) fields = NULL;
  g_autofree char *id = NULL;
  LiaRecordKind kind;

  if (opt.kind == NULL || !lia_record_kind_from_string (opt.kind, &kind))
    {
      g_autofree char *kinds = g_strjoinv (", ", (char **) lia_record_kind_names ());

      if (opt.kind == NULL)
        return cli_usage_error ("record add needs --kind KIND; the kinds are %s", kinds);
      return cli_usage_error ("“%s” is not a kind of record; the kinds are %s", opt.kind, kinds);
    }
  fields = record_fields_from_options ();
  store = cli_open_store (options, &error);
  if (store == NULL || (id = lia_record_add (store, options->args[0], kind, fields, &error)) == NULL)
    return cli_fail (error);
  return print_new_id (options, id);
}

static int
cmd_record_edit (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (GHashTable) changes = record_fields_from_options ();
  g_autoptr (LiaRecord) record = NULL;

  if (store == NULL || !lia_record_edit (store, options->args[0], changes, &error)
      || (record = lia_record_load (store, options->args[0], &error)) == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_string (b, "id", record->id);
      cli_json_member_int (b, "version", record->version);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  else
    g_print ("Saved version %d of %s.\n", record->version, record->id);
  return EXIT_OK;
}

static int
cmd_record_list (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GPtrArray) records = NULL;
  LiaRecordKind kind = 0;

  if (opt.kind != NULL && !lia_record_kind_from_string (opt.kind, &kind))
    return cli_usage_error ("“%s” is not a kind of record", opt.kind);
  store = cli_open_store (options, &error);
  if (store == NULL
      || (records = lia_record_list (store, options->args[0], opt.kind ? (int) kind : -1,
                                     &error)) == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_array (b);
      for (guint i = 0; i < records->len; i++)
        add_record (b, records->pdata[i], NULL);
      cli_json_end_array (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  for (guint i = 0; i < records->len; i++)
    {
      const LiaRecord *r = records->pdata[i];
      g_autofree char *short_id = g_strndup (r->id, 8);
      const char *classification = lia_record_get_field (r, "classification");

      g_print ("%s  %-16s  %-18s  %-10s  %s%s%s\n", short_id, r->date ? r->date : "",
               lia_record_kind_to_string (r->kind),
               classification ? classification : "standard", r->title,
               r->originator->is_self ? "" : "  — from ", r->originator->is_self ? "" : r->originator->name);
    }
  return EXIT_OK;
}

static int
cmd_record_show (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (LiaRecord) r = NULL;
  g_autoptr (GPtrArray) attachments = NULL;
  const LiaField *fields;
  guint n;

  if (store == NULL || (r = lia_record_load (store, options->args[0], &error)) == NULL
      || (attachments = lia_attachment_progress (store, r->id, &error)) == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      add_record (b, r, attachments);
      cli_json_finish (b);
      return EXIT_OK;
    }
  fields = lia_record_kind_fields (r->kind, &n);
  g_print ("%s\n", r->title);
  g_print ("  %-28s %s\n", "Record", r->id);
  g_print ("  %-28s %s (version %d)\n", "Kind", lia_record_kind_label (r->kind), r->version);
  g_print ("  %-28s %s%s\n", "Originator", r->originator->name,
           r->originator->is_self ? " (this organisation)" : " (read-only here)");
  g_print ("  %-28s %s\n", "Case", r->case_id);
  if (lia_record_get_field (r, "classification") == NULL)
    g_print ("  %-28s %s\n", "Classification", "standard");
  for (guint i = 0; i < n; i++)
    if (!g_str_equal (fields[i].name, "title"))
      print_wrapped (fields[i].label, lia_record_get_field (r, fields[i].name));
  for (guint i = 0; i < attachments->len; i++)
    {
      const LiaAttachment *a = attachments->pdata[i];
      g_autofree char *label = g_strdup_printf ("Attachment %u", a->index);
      g_autofree char *size = g_format_size (a->size);

      if (a->n_held == a->n_chunks)
        g_print ("  %-28s %s (%s, %s)\n", label, a->name, a->media_type, size);
      else
        g_print ("  %-28s %s (%s, %s): %u of its %u chunks are here so far\n", label, a->name,
                 a->media_type, size, a->n_held, a->n_chunks);
    }
  return EXIT_OK;
}

static int
cmd_record_kinds (CliOptions *options)
{
  CliJson *b = options->json ? cli_json_new () : NULL;

  if (options->json)
    cli_json_begin_array (b);
  for (guint k = 0; k < LIA_RECORD_N_KINDS; k++)
    {
      guint n;
      const LiaField *fields = lia_record_kind_fields (k, &n);

      if (options->json)
        {
          cli_json_begin_object (b);
          cli_json_member_string (b, "kind", lia_record_kind_to_string (k));
          cli_json_member_string (b, "label", lia_record_kind_label (k));
          cli_json_member (b, "fields");
          cli_json_begin_array (b);
        }
      else
        g_print ("%s (%s):\n", lia_record_kind_to_string (k), lia_record_kind_label (k));
      for (guint i = 0; i < n; i++)
        {
          g_autofree char *choices = fields[i].choices ? lia_choices_describe (fields[i].choices) : NULL;

          if (options->json)
            {
              cli_json_begin_object (b);
              cli_json_member_string (b, "name", fields[i].name);
              cli_json_member_string (b, "label", fields[i].label);
              cli_json_member_bool (b, "required", fields[i].required);
              cli_json_end_object (b);
            }
          else
            g_print ("  --%-18s %s%s%s%s\n", fields[i].name, fields[i].label,
                     fields[i].required ? " (required)" : "", choices ? ": " : "",
                     choices ? choices : "");
        }
      if (options->json)
        {
          cli_json_end_array (b);
          cli_json_end_object (b);
        }
    }
  if (options->json)
    {
      cli_json_end_array (b);
      cli_json_finish (b);
    }
  return EXIT_OK;
}

/* ---- requests ------------------------------------------------------------------- */

static void
add_request (CliJson *b, const LiaRequest *q)
{
  cli_json_begin_object (b);
  cli_json_member_string (b, "id", q->id);
  cli_json_member_string (b, "case", q->case_id);
  add_org (b, "requester", q->requester);
  add_org (b, "holder", q->holder);
  cli_json_member_string (b, "record", q->record_id);
  cli_json_member_string (b, "subject", q->subject);
  cli_json_member_string (b, "purpose", q->purpose);
  add_date (b, "made_on", &q->made_on);
  add_date (b, "reply_by", &q->reply_by);
  cli_json_member_string (b, "state", lia_request_state_to_string (q->state));
  cli_json_member_string (b, "level", lia_escalation_to_string (q->level));
  cli_json_member (b, "history");
  cli_json_begin_array (b);
  for (guint i = 0; i < q->events->len; i++)
    {
      const LiaRequestEvent *e = q->events->pdata[i];
      static const char *const kinds[] = { "made", "decision", "escalation", "withdrawal" };

      cli_json_begin_object (b);
      cli_json_member_string (b, "event", kinds[e->kind]);
      cli_json_member_string (b, "decision", e->kind == LIA_REQUEST_EVENT_DECISION
                                   ? lia_decision_to_string (e->decision) : NULL);
      cli_json_member_string (b, "level", e->kind == LIA_REQUEST_EVENT_ESCALATION
                                ? lia_escalation_to_string (e->level) : NULL);
      cli_json_member_string (b, "reason", e->reason);
      cli_json_member_string (b, "basis", e->basis);
      cli_json_member_string (b, "statute", e->statute);
      add_org (b, "redirect_to", e->redirect_to);
      cli_json_member_string (b, "by", e->by);
      add_org (b, "by_organisation", e->by_org);
      add_date (b, "on", &e->on);
      cli_json_end_object (b);
    }
  cli_json_end_array (b);
  cli_json_end_object (b);
}

static void
print_request_text (const LiaRequest *q)
{
  g_autofree char *made = lia_date_format (&q->made_on);

  g_print ("%s  %s → %s  [%s%s%s]\n", q->id, q->requester->name, q->holder->name,
           lia_request_state_label (q->state), q->level ? "; " : "",
           q->level ? lia_escalation_to_string (q->level) : "");
  g_print ("    asked %s for: %s\n", made, q->subject);
  g_print ("    because: %s\n", q->purpose);
  for (guint i = 1; i < q->events->len; i++)
    {
      const LiaRequestEvent *e = q->events->pdata[i];
      g_autofree char *on = lia_date_format (&e->on);

      if (e->kind == LIA_REQUEST_EVENT_DECISION)
        g_print ("    %s %s: %s by %s%s%s — %s%s%s\n", on, e->by_org->name,
                 lia_decision_to_string (e->decision), e->by,
                 e->redirect_to ? ", to " : "", e->redirect_to ? e->redirect_to->name : "",
                 e->reason, e->basis ? "; basis: " : "", e->basis ? e->basis : "");
      else if (e->kind == LIA_REQUEST_EVENT_ESCALATION)
        g_print ("    %s escalated to %s (%s) by %s — %s%s%s\n", on,
                 lia_escalation_to_string (e->level), lia_escalation_label (e->level), e->by,
                 e->reason, e->statute ? "; under " : "", e->statute ? e->statute : "");
      else
        g_print ("    %s withdrawn by %s — %s\n", on, e->by, e->reason);
    }
}

static int
print_request (CliOptions *options, LiaStore *store, const char *id)
{
  GError *error = NULL;
  g_autoptr (LiaRequest) q = lia_request_load (store, id, &error);

  if (q == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      add_request (b, q);
      cli_json_finish (b);
    }
  else
    print_request_text (q);
  return EXIT_OK;
}

static int
cmd_request_new (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autofree char *id = NULL;
  LiaRequestDraft draft = {
    .case_id = options->args[0], .requester = opt.from, .holder = opt.to, .record_id = opt.record,
    .subject = opt.subject, .purpose = opt.reason, .made_on = opt.date, .reply_by = opt.reply_by,
    .by = opt.by,
  };
  GDate today;

  if (opt.to == NULL || opt.subject == NULL || opt.reason == NULL)
    return cli_usage_error ("request new needs --to ORG, --for TEXT (what is asked for) and "
                            "--reason TEXT (why)");
  if (!get_today (&today, &error))
    return usage_from (error);
  store = cli_open_store (options, &error);
  if (store == NULL || (id = lia_request_new (store, &draft, &today, &error)) == NULL)
    return cli_fail (error);
  return print_new_id (options, id);
}

static int
cmd_request_decide (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  LiaRequestStep step = {
    .reason = opt.reason, .by = person (), .on = opt.date, .basis = opt.basis,
    .redirect_to = opt.redirect_to,
  };
  LiaDecision decision;
  GDate today;

  if (opt.decision == NULL || !lia_decision_from_string (opt.decision, &decision))
    {
      g_autofree char *names = g_strjoinv (", ", (char **) lia_decision_names ());

      return cli_usage_error ("request decide needs --decision, one of %s", names);
    }
  if (!get_today (&today, &error))
    return usage_from (error);
  store = cli_open_store (options, &error);
  if (store == NULL
      || !lia_request_decide (store, options->args[0], decision, &step, &today, &error))
    return cli_fail (error);
  return print_request (options, store, options->args[0]);
}

static int
cmd_request_escalate (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  LiaRequestStep step = { .reason = opt.reason, .by = person (), .on = opt.date };
  LiaEscalationLevel level;
  GDate today;

  if (opt.level == NULL || !lia_escalation_from_string (opt.level, &level))
    {
      g_autofree char *names = g_strjoinv (", ", (char **) lia_escalation_names ());

      return cli_usage_error ("request escalate needs --level, one of %s", names);
    }
  if (!get_today (&today, &error))
    return usage_from (error);
  store = cli_open_store (options, &error);
  if (store == NULL
      || !lia_request_escalate (store, options->args[0], level, &step, &today, &error))
    return cli_fail (error);
  return print_request (options, store, options->args[0]);
}

static int
cmd_request_withdraw (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  LiaRequestStep step = { .reason = opt.reason, .by = person (), .on = opt.date };
  GDate today;

  if (!get_today (&today, &error))
    return usage_from (error);
  store = cli_open_store (options, &error);
  if (store == NULL || !lia_request_withdraw (store, options->args[0], &step, &today, &error))
    return cli_fail (error);
  return print_request (options, store, options->args[0]);
}

static int
cmd_request_show (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);

  if (store == NULL)
    return cli_fail (error);
  return print_request (options, store, options->args[0]);
}

static int
cmd_request_list (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (GPtrArray) requests = NULL;

  if (store == NULL || (requests = lia_request_list (store, options->args[0], &error)) == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_array (b);
      for (guint i = 0; i < requests->len; i++)
        add_request (b, requests->pdata[i]);
      cli_json_end_array (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  if (requests->len == 0)
    g_print ("No disclosure requests on this case.\n");
  for (guint i = 0; i < requests->len; i++)
    print_request_text (requests->pdata[i]);
  return EXIT_OK;
}

/* ---- deadlines, search, chronology -------------------------------------------- */

/* What `deadlines` writes, milestone by milestone as they are read. */
typedef struct
{
  CliJson  *json;        /* or NULL for text */
  gboolean  with_case;
  guint     count;
} DeadlinesOutput;

static void
deadline_out_cb (const LiaMilestone *m, gpointer user_data)
{
  DeadlinesOutput *out = user_data;

  if (out->json != NULL)
    add_milestone (out->json, m, TRUE);
  else
    print_milestone_text (m, out->with_case);
  out->count++;
}

static int
cmd_deadlines (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  DeadlinesOutput out = { NULL, options->n_args == 0, 0 };
  GDate today, horizon;
  gint64 within = -1;

  if (!get_today (&today, &error))
    return usage_from (error);
  if (opt.within != NULL
      && !g_ascii_string_to_signed (opt.within, 10, 0, 3660, &within, NULL))
    return cli_usage_error ("--within takes a number of days from 0 to 3660, not “%s”",
                            opt.within);
  horizon = today;
  if (within >= 0)
    g_date_add_days (&horizon, (guint) within);
  store = cli_open_store (options, &error);
  if (store == NULL)
    return cli_fail (error);

  /* By default, what is open (due or overdue); --within, what is open
   * and due by then; --all, every milestone of the timeline. Written as
   * they are read: over every case that is tens of thousands. */
  if (options->json)
    {
      out.json = cli_json_new ();
      cli_json_begin_array (out.json);
    }
  if (!lia_deadlines_foreach (store, options->n_args > 0 ? options->args[0] : NULL, &today,
                              !opt.all, within >= 0 ? &horizon : NULL, deadline_out_cb, &out,
                              &error))
    {
      /* What is still buffered is not written, so that the output is
       * never a valid document that ends early. */
      g_clear_pointer (&out.json, cli_json_abandon);
      return cli_fail (error);
    }
  if (out.json != NULL)
    {
      cli_json_end_array (out.json);
      cli_json_finish (out.json);
      return EXIT_OK;
    }
  if (out.count == 0)
    {
      if (within >= 0)
        g_print ("Nothing is due within %" G_GINT64_FORMAT " days.\n", within);
      else
        g_print (opt.all ? "No milestones.\n" : "Nothing is due.\n");
    }
  return EXIT_OK;
}

static int
cmd_search (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GPtrArray) hits = NULL;
  gint64 limit = 50;

  if (opt.limit != NULL && !g_ascii_string_to_signed (opt.limit, 10, 1, 10000, &limit, NULL))
    return cli_usage_error ("--limit takes a number from 1 to 10000");
  store = cli_open_store (options, &error);
  if (store == NULL || (hits = lia_search (store, options->args[0], (guint) limit, &error)) == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_array (b);
      for (guint i = 0; i < hits->len; i++)
        {
          const LiaSearchHit *h = hits->pdata[i];

          cli_json_begin_object (b);
          cli_json_member_string (b, "case", h->case_id);
          cli_json_member_string (b, "record", h->record_id);
          cli_json_member_string (b, "kind", h->record_id ? lia_record_kind_to_string (h->kind) : "case");
          cli_json_member_string (b, "title", h->title);
          cli_json_member_string (b, "snippet", h->snippet);
          cli_json_end_object (b);
        }
      cli_json_end_array (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  if (hits->len == 0)
    g_print ("Nothing found.\n");
  for (guint i = 0; i < hits->len; i++)
    {
      const LiaSearchHit *h = hits->pdata[i];
      g_autofree char *id = g_strndup (h->record_id ? h->record_id : h->case_id, 8);

      g_print ("%s  %-18s  %s\n          %s\n", id,
               h->record_id ? lia_record_kind_to_string (h->kind) : "case", h->title, h->snippet);
    }
  return EXIT_OK;
}

static int
cmd_chronology (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (GPtrArray) entries = NULL;

  if (store == NULL
      || (entries = lia_chronology_get (store, options->args[0], opt.agency, &error)) == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_array (b);
      for (guint i = 0; i < entries->len; i++)
        {
          const LiaChronologyEntry *e = entries->pdata[i];

          cli_json_begin_object (b);
          cli_json_member_string (b, "record", e->record_id);
          cli_json_member_string (b, "date", e->date);
          cli_json_member_string (b, "agency", e->agency);
          cli_json_member_string (b, "what", e->what);
          cli_json_member_string (b, "source", e->source);
          cli_json_member_string (b, "analysis", e->analysis);
          cli_json_member_string (b, "expected", e->expected);
          cli_json_member_string (b, "recorded_by", e->originator);
          cli_json_end_object (b);
        }
      cli_json_end_array (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  for (guint i = 0; i < entries->len; i++)
    {
      const LiaChronologyEntry *e = entries->pdata[i];

      g_autofree char *what = g_strdelimit (g_strdup (e->what), "\r\n", ' ');

      g_print ("%-16s  %s\n    %s\n", e->date, e->agency, what);
    }
  return EXIT_OK;
}

typedef struct
{
  LiaStore   *store;
  const char *case_id;
  guint       count;
} ChronologyExport;

static gboolean
write_chronology (GOutputStream *out, gpointer data, GError **error)
{
  ChronologyExport *export = data;

  return lia_chronology_export_csv (export->store, export->case_id, opt.agency, out,
                                    &export->count, NULL, error);
}

static int
cmd_export_chronology (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (LiaCase) lcase = NULL;
  g_autofree char *path = NULL;
  ChronologyExport export = { NULL, NULL, 0 };

  if (opt.format != NULL && !g_str_equal (opt.format, "csv"))
    return cli_usage_error ("The chronology is exported as CSV (--format csv), not “%s”",
                            opt.format);
  if (opt.output == NULL)
    return cli_usage_error ("export chronology needs -o FILE (or -o - for standard output)");
  /* Written as it is read. The case is looked up first, so that a case
   * that is not there leaves no file behind. */
  store = cli_open_store (options, &error);
  if (store == NULL || (lcase = lia_case_load (store, options->args[0], &error)) == NULL)
    return cli_fail (error);
  export.store = store;
  export.case_id = lcase->id;
  if (!cli_write_output (opt.output, write_chronology, &export, &path, &error))
    return cli_fail (error);
  if (path == NULL)
    return EXIT_OK;
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_string (b, "file", path);
      cli_json_member_int (b, "entries", export.count);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  else
    g_print ("Wrote %u chronology entries to %s.\n", export.count, opt.output);
  return EXIT_OK;
}

/* ---- demo ------------------------------------------------------------------------ */

static int
cmd_demo_load (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GBytes) data = NULL;
  LiaDemoResult result = { 0, };

  if (options->n_args > 0)
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (options->args[0]);

      data = g_file_load_bytes (file, NULL, NULL, &error);
    }
  else
    data = lia_demo_get_default (&error);
  if (data == NULL)
    return cli_fail (error);
  store = cli_open_store (options, &error);
  if (store == NULL || !lia_demo_load (store, data, opt.as, opt.own_only, &result, &error))
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_string (b, "case", result.case_id);
      cli_json_member_string (b, "as", result.as_key);
      cli_json_member_int (b, "records", result.n_records);
      cli_json_member_int (b, "requests", result.n_requests);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  else
    g_print ("Loaded the demonstration case %s as “%s”: %u records, %u requests.\n"
             "This is fictional data for trying Liaison out.\n",
             result.case_id, result.as_key, result.n_records, result.n_requests);
  lia_demo_result_clear (&result);
  return EXIT_OK;
}

/* ---- the table -------------------------------------------------------------------- */

#define STR(name, member, help, arg) \
  { name, 0, 0, G_OPTION_ARG_STRING, &opt.member, help, arg }
#define HIDDEN(name, member) \
  { name, 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt.member, NULL, NULL }
#define TODAY STR ("today", today, "Count from DATE instead of today (also LIAISON_TODAY)", "DATE")

static const GOptionEntry org_add_entries[] = {
  STR ("kind", kind, "local-authority, icb, police, iopc or agency", "KIND"),
  { NULL }
};

static const GOptionEntry case_new_entries[] = {
  STR ("title", title, "A short title for the case", "TITLE"),
  STR ("child", child, "The child's anonymised code, for example “Child A”", "CODE"),
  STR ("area", area, "The local authority area", "AREA"),
  STR ("aware", aware, "The date the local authority became aware of the incident", "DATE"),
  STR ("incident", incident, "The date of the incident", "DATE"),
  STR ("type", type, "serious-harm (the default), death or other", "TYPE"),
  STR ("contact", contact, "This organisation's point of contact for the case", "NAME"),
  { NULL }
};

static const GOptionEntry today_entries[] = {
  TODAY,
  { NULL }
};

static const GOptionEntry participant_entries[] = {
  STR ("role", role, "local-authority, icb, police (safeguarding partners), iopc or agency", "ROLE"),
  STR ("contact", contact, "The named point of contact", "NAME"),
  STR ("email", email, "The contact's email address", "ADDRESS"),
  STR ("phone", phone, "The contact's telephone number", "NUMBER"),
  { NULL }
};

static const GOptionEntry attendee_entries[] = {
  STR ("name", name, "The attendee's name", "NAME"),
  STR ("position", position, "Their position", "TEXT"),
  { NULL }
};

static const GOptionEntry delay_entries[] = {
  STR ("sent", sent, "The date the notice went to the Panel and the Secretary of State", "DATE"),
  STR ("reason", reason, "The reasons for the delay", "TEXT"),
  STR ("revised", revised, "The expected publication date now", "DATE"),
  { NULL }
};

#define RECORD_FIELD_ENTRIES \
  { "title", 0, 0, G_OPTION_ARG_STRING, &opt.fields[0], "Title", "TEXT" }, \
  { "date", 0, 0, G_OPTION_ARG_STRING, &opt.fields[1], "Date (a chronology entry: YYYY-MM-DD or YYYY-MM-DDTHH:MM)", "DATE" }, \
  { "classification", 0, 0, G_OPTION_ARG_STRING, &opt.fields[2], "standard, sensitive or secret", "LEVEL" }, \
  { "basis", 0, 0, G_OPTION_ARG_STRING, &opt.fields[3], "The basis for a sensitive or secret classification", "TEXT" }, \
  { "handling", 0, 0, G_OPTION_ARG_STRING, &opt.fields[4], "Handling restrictions", "TEXT" }, \
  { "destroy-on", 0, 0, G_OPTION_ARG_STRING, &opt.fields[5], "Destroy the material on DATE", "DATE" }, \
  { "return-on", 0, 0, G_OPTION_ARG_STRING, &opt.fields[6], "Return the material on DATE", "DATE" }, \
  { "agency", 0, 0, G_OPTION_ARG_STRING, &opt.fields[7], "Chronology: the agency (default: this organisation)", "NAME" }, \
  { "what", 0, 0, G_OPTION_ARG_STRING, &opt.fields[8], "Chronology: what happened", "TEXT" }, \
  { "source", 0, 0, G_OPTION_ARG_STRING, &opt.fields[9], "Chronology: the source", "TEXT" }, \
  { "analysis", 0, 0, G_OPTION_ARG_STRING, &opt.fields[10], "Chronology: analysis", "TEXT" }, \
  { "expected", 0, 0, G_OPTION_ARG_STRING, &opt.fields[11], "Chronology: expected practice? yes, no or unclear", "ANSWER" }, \
  { "text", 0, 0, G_OPTION_ARG_STRING, &opt.fields[12], "The text (report, summary, terms of reference, representation, note)", "TEXT" }, \
  { "role", 0, 0, G_OPTION_ARG_STRING, &opt.fields[13], "Interview: the role of the person interviewed", "ROLE" }, \
  { "summary", 0, 0, G_OPTION_ARG_STRING, &opt.fields[14], "Interview: summary", "TEXT" }, \
  { "process", 0, 0, G_OPTION_ARG_STRING, &opt.fields[15], "Terms of reference: rapid-review, lcspr or iopc", "PROCESS" }, \
  { "originating-org", 0, 0, G_OPTION_ARG_STRING, &opt.fields[16], "Material: the organisation that generated it", "NAME" }, \
  { "description", 0, 0, G_OPTION_ARG_STRING, &opt.fields[17], "Material: description", "TEXT" }, \
  { "status", 0, 0, G_OPTION_ARG_STRING, &opt.fields[18], "Report: draft or final; action: open, in-progress, done or cancelled", "STATUS" }, \
  { "grounds", 0, 0, G_OPTION_ARG_STRING, &opt.fields[19], "Representation: prejudice, accuracy, reporting-restrictions (comma-separated)", "LIST" }, \
  { "owner", 0, 0, G_OPTION_ARG_STRING, &opt.fields[20], "Action: its owner", "NAME" }, \
  { "action", 0, 0, G_OPTION_ARG_STRING, &opt.fields[21], "Action: what is to be done", "TEXT" }, \
  { "due", 0, 0, G_OPTION_ARG_STRING, &opt.fields[22], "Action: due date", "DATE" },

static const GOptionEntry record_add_entries[] = {
  STR ("kind", kind, "chronology, information-report, factual-summary, interview, "
                     "terms-of-reference, material, report, representation, action or note", "KIND"),
  RECORD_FIELD_ENTRIES
  { NULL }
};

static const GOptionEntry record_edit_entries[] = {
  RECORD_FIELD_ENTRIES
  { NULL }
};

static const GOptionEntry record_list_entries[] = {
  STR ("kind", kind, "Only records of KIND", "KIND"),
  { NULL }
};

static const GOptionEntry request_new_entries[] = {
  STR ("to", to, "The organisation asked (the holder)", "ORG"),
  STR ("for", subject, "What is asked for", "TEXT"),
  HIDDEN ("subject", subject),
  STR ("reason", reason, "Why it is needed", "TEXT"),
  HIDDEN ("purpose", reason),
  STR ("from", from, "The requester, when recording a request received (default: this organisation)", "ORG"),
  STR ("record", record, "The record asked for, if it is known", "RECORD"),
  STR ("date", date, "The date the request was made (default: today)", "DATE"),
  STR ("reply-by", reply_by, "The date a reply is asked for", "DATE"),
  STR ("by", by, "The person making the request", "NAME"),
  { NULL }
};

static const GOptionEntry request_decide_entries[] = {
  STR ("decision", decision, "share, share-redacted, decline, redirect, sensitive or secret", "DECISION"),
  STR ("reason", reason, "The reasons for the decision", "TEXT"),
  STR ("basis", basis, "sensitive or secret: the basis for saying so", "TEXT"),
  STR ("redirect-to", redirect_to, "redirect: the organisation that generated the material", "ORG"),
  HIDDEN ("to", redirect_to),
  STR ("by", by, "The person deciding (default: your name)", "NAME"),
  STR ("date", date, "The date of the decision (default: today)", "DATE"),
  { NULL }
};

static const GOptionEntry request_escalate_entries[] = {
  STR ("level", level, "local, lead-partners, statutory or court (one level at a time)", "LEVEL"),
  STR ("reason", reason, "Why the disagreement is escalated", "TEXT"),
  STR ("by", by, "The person escalating (default: your name)", "NAME"),
  STR ("date", date, "The date (default: today)", "DATE"),
  { NULL }
};

static const GOptionEntry request_withdraw_entries[] = {
  STR ("reason", reason, "Why the request is withdrawn", "TEXT"),
  STR ("by", by, "The person withdrawing it (default: your name)", "NAME"),
  STR ("date", date, "The date (default: today)", "DATE"),
  { NULL }
};

static const GOptionEntry deadlines_entries[] = {
  STR ("within", within, "Only what is due within DAYS calendar days (overdue included)", "DAYS"),
  { "all", 0, 0, G_OPTION_ARG_NONE, &opt.all,
    "Every milestone: met, waiting and not applicable ones too", NULL },
  TODAY,
  { NULL }
};

static const GOptionEntry search_entries[] = {
  STR ("limit", limit, "At most N results (default 50)", "N"),
  { NULL }
};

static const GOptionEntry chronology_entries[] = {
  STR ("agency", agency, "Only the entries of AGENCY", "NAME"),
  { NULL }
};

static const GOptionEntry export_entries[] = {
  STR ("format", format, "csv", "FORMAT"),
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt.output, "Write to FILE (- for standard output)", "FILE" },
  STR ("agency", agency, "Only the entries of AGENCY", "NAME"),
  { NULL }
};

static const GOptionEntry demo_entries[] = {
  STR ("as", as, "Which of the demo's organisations this store plays (default: the first of "
                 "this organisation's kind)", "KEY"),
  { "own-only", 0, 0, G_OPTION_ARG_NONE, &opt.own_only,
    "Load only the records and requests of that organisation (for a multi-store demo)", NULL },
  { NULL }
};

#define RESET , reset_options

const Command cli_model_commands[] = {
  { "org", "add", "NAME --kind KIND", 1, "Add an organisation known by name only",
    org_add_entries, cmd_org_add, 0 RESET },
  { "org", "list", "", 0, "The organisations this store knows", NULL, cmd_org_list, 0 RESET },
  { "case", "new", "--title T --child CODE --area AREA --aware DATE", 0,
    "Open a case led by this organisation; prints its id", case_new_entries, cmd_case_new,
    0 RESET },
  { "case", "list", "", 0, "Every case, with its next deadline", today_entries, cmd_case_list,
    0 RESET },
  { "case", "show", "CASE", 1, "A case: facts, participants, processes and timeline",
    today_entries, cmd_case_show, 0 RESET },
  { "case", "set", "CASE FIELD VALUE", 3, "Set a case or process field (\"\" clears it)", NULL,
    cmd_case_set, 0 RESET },
  { "case", "fields", "", 0, "The fields that “case set” takes", NULL, cmd_case_fields,
    0 RESET },
  { "case", "participant add", "CASE ORG --role ROLE --contact NAME", 2,
    "Add a participant organisation with its role and point of contact", participant_entries,
    cmd_participant_add, 0 RESET },
  { "case", "participant set", "CASE ORG [--role ROLE] [--contact NAME]", 2,
    "Change a participant's role or contact details", participant_entries, cmd_participant_set,
    0 RESET },
  { "case", "participant remove", "CASE ORG", 2, "Remove a participant", NULL,
    cmd_participant_remove, 0 RESET },
  { "case", "participant list", "CASE", 1, "The participants of a case", NULL,
    cmd_participant_list, 0 RESET },
  { "case", "attendee add", "CASE ORG --name NAME", 2,
    "Record someone at the rapid review meeting", attendee_entries, cmd_attendee_add, 0 RESET },
  { "case", "attendee remove", "CASE NUMBER", 2, "Remove an attendee (numbered in “case show”)",
    NULL, cmd_attendee_remove, 0 RESET },
  { "case", "delay add", "CASE --sent DATE --reason TEXT", 1,
    "Record a notice of delay in publication", delay_entries, cmd_delay_add, 0 RESET },
  { "record", "add", "CASE --kind KIND [--FIELD VALUE]...", 1, "Add a record of this organisation",
    record_add_entries, cmd_record_add, 0 RESET },
  { "record", "list", "CASE", 1, "The records of a case", record_list_entries, cmd_record_list,
    0 RESET },
  { "record", "show", "RECORD", 1, "One record", NULL, cmd_record_show, 0 RESET },
  { "record", "edit", "RECORD [--FIELD VALUE]...", 1,
    "A new version of one of this organisation's records (\"\" clears a field)",
    record_edit_entries, cmd_record_edit, 0 RESET },
  { "record", "kinds", "", 0, "The kinds of record and their fields", NULL, cmd_record_kinds,
    0 RESET },
  { "request", "new", "CASE --to ORG --for TEXT --reason TEXT", 1,
    "Make (or record) a disclosure request; prints its id", request_new_entries,
    cmd_request_new, 0 RESET },
  { "request", "decide", "REQUEST --decision DECISION --reason TEXT", 1,
    "Decide a request this organisation holds the material for", request_decide_entries,
    cmd_request_decide, 0 RESET },
  { "request", "escalate", "REQUEST --level LEVEL --reason TEXT", 1,
    "Escalate a disagreement to the next level", request_escalate_entries,
    cmd_request_escalate, 0 RESET },
  { "request", "withdraw", "REQUEST --reason TEXT", 1, "Withdraw a request this organisation made",
    request_withdraw_entries, cmd_request_withdraw, 0 RESET },
  { "request", "list", "CASE", 1, "The disclosure requests of a case", NULL, cmd_request_list,
    0 RESET },
  { "request", "show", "REQUEST", 1, "One request and its history", NULL, cmd_request_show,
    0 RESET },
  { "deadlines", NULL, "[CASE] [--within DAYS] [--all]", 0,
    "What is due and overdue, in one case or all, by due date", deadlines_entries, cmd_deadlines,
    1 RESET },
  { "search", NULL, "QUERY", 1, "Find records and cases by their words", search_entries,
    cmd_search, 0 RESET },
  { "chronology", NULL, "CASE", 1, "The multi-agency chronology of a case", chronology_entries,
    cmd_chronology, 0 RESET },
  { "export", "chronology", "CASE --format csv -o FILE", 1, "Export the chronology as CSV",
    export_entries, cmd_export_chronology, 0 RESET },
  { "demo", "load", "[FILE]", 0, "Load the fictional demonstration case", demo_entries,
    cmd_demo_load, 1 RESET },
};

const guint cli_model_n_commands = G_N_ELEMENTS (cli_model_commands);
