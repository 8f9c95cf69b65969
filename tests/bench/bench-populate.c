/* bench-populate.c: a store of realistic shape, for the benchmarks.
 *
 * Shared by bench-model (the case model through liaison-cli) and bench-ui
 * (the desktop application), so that both measure the same store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>

#include "bench-populate.h"
#include "lia-calendar.h"
#include "lia-record.h"
#include "lia-request.h"
#include "lia-store-private.h"

void
lia_bench_check (gboolean ok,
                 GError  *error)
{
  if (!ok)
    {
      g_printerr ("bench: %s\n", error ? error->message : "failed");
      exit (2);
    }
}

static char *
date_after (const char *start, int days)
{
  GDate date;

  lia_date_parse (start, &date, NULL);
  if (days >= 0)
    g_date_add_days (&date, (guint) days);
  else
    g_date_subtract_days (&date, (guint) -days);
  return lia_date_format (&date);
}

static void
set (LiaStore *store, const char *id, const char *name, const char *value)
{
  GError *error = NULL;

  lia_bench_check (lia_case_set_field (store, id, name, value, &error), error);
}

static GHashTable *
fields_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
}

static const char *const words[] = {
  "visit", "school", "attendance", "referral", "health", "visitor", "GP", "police", "welfare",
  "check", "strategy", "discussion", "mother", "concern", "bruising", "missed", "appointment",
  "social", "worker", "assessment", "neglect", "housing", "domestic", "incident", "nursery",
};

static char *
sentence (GRand *rand, int n)
{
  GString *text = g_string_new (NULL);

  for (int i = 0; i < n; i++)
    g_string_append_printf (text, "%s%s", i ? " " : "",
                            words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
  g_string_append_c (text, '.');
  return g_string_free (text, FALSE);
}

static void
add_chronology (LiaStore *store, const char *case_id, LiaOrg *org, GRand *rand, const char *day)
{
  GError *error = NULL;
  g_autoptr (GHashTable) f = fields_new ();
  g_autofree char *id = NULL;

  g_hash_table_insert (f, "date", g_strdup_printf ("%sT%02d:%02d", day, g_rand_int_range (rand, 8, 18),
                                                   g_rand_int_range (rand, 0, 60)));
  g_hash_table_insert (f, "what", sentence (rand, g_rand_int_range (rand, 12, 40)));
  g_hash_table_insert (f, "source", g_strdup ("Case management system, contact record"));
  if (g_rand_boolean (rand))
    g_hash_table_insert (f, "analysis", sentence (rand, 20));
  g_hash_table_insert (f, "expected", g_strdup (g_rand_boolean (rand) ? "yes" : "no"));
  id = lia_record_add_from (store, case_id, org, LIA_RECORD_CHRONOLOGY, f, &error);
  lia_bench_check (id != NULL, error);
}

void
lia_bench_populate (LiaStore   *store,
                    GPtrArray  *orgs,
                    GRand      *rand,
                    int         n_cases,
                    int         n_entries,
                    char      **big_case)
{
  GError *error = NULL;
  g_autoptr (GDateTime) t0 = g_date_time_new_now_utc ();
  GDate today;

  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 21, 11, 2026);
  lia_bench_check (lia_store_exec (store, "BEGIN IMMEDIATE", &error), error);
  for (int i = 0; i < n_cases; i++)
    {
      g_autofree char *title = g_strdup_printf ("Case %d", i + 1);
      g_autofree char *child = g_strdup_printf ("Child %d", i + 1);
      g_autofree char *aware = date_after ("2025-01-06", g_rand_int_range (rand, 0, 680));
      g_autofree char *incident = date_after (aware, -g_rand_int_range (rand, 0, 4));
      g_autofree char *id = NULL;
      g_autofree char *sent = date_after (aware, g_rand_int_range (rand, 1, 9));
      LiaCaseDraft draft = { title, child, "Northmoor", aware, incident,
                             g_rand_boolean (rand) ? "death" : "serious-harm" };
      int n_participants = g_rand_int_range (rand, 4, 6);

      id = lia_case_create (store, &draft, "Lead contact", &error);
      lia_bench_check (id != NULL, error);
      for (int p = 1; p < n_participants && p < (int) orgs->len; p++)
        {
          LiaOrg *org = orgs->pdata[p];

          lia_bench_check (lia_case_add_participant (store, id, org, lia_role_for_kind (org->kind),
                                           "Named contact", "contact@example.org", NULL, &error),
                 error);
        }
      set (store, id, "notification.sent", sent);
      {
        g_autofree char *request = date_after (sent, 2);
        g_autofree char *meeting = date_after (sent, 12);
        g_autofree char *submitted = date_after (aware, 20);
        g_autofree char *recommendation = date_after (sent, 28);

        set (store, id, "rapid-review.request-sent", request);
        set (store, id, "rapid-review.meeting", meeting);
        set (store, id, "rapid-review.submitted", submitted);
        set (store, id, "rapid-review.recommendation-sent", recommendation);
      }
      if (g_rand_double (rand) < 0.6)
        {
          g_autofree char *decision = date_after (sent, 35);
          g_autofree char *planned = date_after (decision, 175);

          set (store, id, "rapid-review.outcome", "lcspr");
          set (store, id, "lcspr.decision", decision);
          set (store, id, "lcspr.reviewers", "Independent reviewer");
          set (store, id, "lcspr.publication-planned", planned);
          if (g_rand_double (rand) < 0.3)
            set (store, id, "lcspr.published", planned);
          if (g_rand_double (rand) < 0.05)
            lia_bench_check (lia_case_add_delay_notice (store, id, planned, "Criminal trial listed", NULL,
                                              &error), error);
        }
      else
        set (store, id, "rapid-review.outcome", "no-further-action");
      if (g_rand_double (rand) < 0.3)
        {
          set (store, id, "iopc.referral", sent);
          set (store, id, "iopc.mode", "independent");
          set (store, id, "iopc.matter", "death-or-serious-injury");
          set (store, id, "iopc.status", "investigating");
        }
      for (int a = 0, n = g_rand_int_range (rand, 2, 4); a < n; a++)
        {
          g_autoptr (GHashTable) f = fields_new ();
          g_autofree char *record = NULL;

          g_hash_table_insert (f, "owner", g_strdup ("Head of Service"));
          g_hash_table_insert (f, "action", sentence (rand, 10));
          g_hash_table_insert (f, "due", date_after (aware, g_rand_int_range (rand, 60, 400)));
          g_hash_table_insert (f, "status", g_strdup (g_rand_boolean (rand) ? "done" : "open"));
          record = lia_record_add (store, id, LIA_RECORD_ACTION, f, &error);
          lia_bench_check (record != NULL, error);
        }
      {
        g_autoptr (GHashTable) f = fields_new ();
        g_autofree char *record = NULL;

        g_hash_table_insert (f, "role", g_strdup ("Attending officer"));
        g_hash_table_insert (f, "date", date_after (aware, 40));
        g_hash_table_insert (f, "summary", sentence (rand, 60));
        g_hash_table_insert (f, "classification", g_strdup ("sensitive"));
        g_hash_table_insert (f, "basis", g_strdup ("Live criminal investigation"));
        g_hash_table_insert (f, "destroy-on", date_after (aware, 540));
        record = lia_record_add_from (store, id, orgs->pdata[3], LIA_RECORD_INTERVIEW, f, &error);
        lia_bench_check (record != NULL, error);
      }
      for (int c = 0; c < 5; c++)
        {
          g_autofree char *day = date_after (aware, -g_rand_int_range (rand, 1, 400));

          add_chronology (store, id, orgs->pdata[g_rand_int_range (rand, 0, orgs->len)], rand, day);
        }
      for (int q = 0; q < 3; q++)
        {
          LiaOrg *holder = orgs->pdata[1 + q];
          LiaRequestDraft request_draft = { .case_id = id, .holder = holder->name,
                                            .subject = "Records of contact with the family",
                                            .purpose = "To establish the chronology for the review",
                                            .made_on = sent };
          g_autofree char *request = NULL;

          if (q + 1 >= n_participants)
            break;
          request = lia_request_new (store, &request_draft, &today, &error);
          lia_bench_check (request != NULL, error);
        }
      if ((i + 1) % 1000 == 0)
        {
          lia_bench_check (lia_store_exec (store, "COMMIT; BEGIN IMMEDIATE", &error), error);
          g_printerr ("bench: %d cases\n", i + 1);
        }
    }

  {
    LiaCaseDraft draft = { "A long chronology", "Child Z", "Northmoor", "2026-06-01", NULL, "death" };

    *big_case = lia_case_create (store, &draft, "Lead contact", &error);
    lia_bench_check (*big_case != NULL, error);
    for (int i = 0; i < n_entries; i++)
      {
        g_autofree char *day = date_after ("2016-01-01", g_rand_int_range (rand, 0, 3800));

        add_chronology (store, *big_case, orgs->pdata[g_rand_int_range (rand, 0, orgs->len)], rand,
                        day);
        if ((i + 1) % 10000 == 0)
          {
            lia_bench_check (lia_store_exec (store, "COMMIT; BEGIN IMMEDIATE", &error), error);
            g_printerr ("bench: %d chronology entries\n", i + 1);
          }
      }
  }
  lia_bench_check (lia_store_exec (store, "COMMIT", &error), error);
  {
    g_autoptr (GDateTime) t1 = g_date_time_new_now_utc ();

    g_printerr ("bench: populated in %.1f s\n",
                g_date_time_difference (t1, t0) / (double) G_USEC_PER_SEC);
  }
}

