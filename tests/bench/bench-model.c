/* bench-model.c: the case model at scale.
 *
 * Builds an encrypted store (the shipped Argon2id limits) holding --cases
 * cases of realistic shape and one case with --entries chronology entries,
 * then times, as a user would meet them, the real liaison-cli running
 *
 *   liaison-cli --json deadlines          (what is due or overdue, in every case)
 *   liaison-cli --json case list          (every case with its next deadline)
 *   liaison-cli export chronology CASE --format csv -o FILE
 *
 * --repeats times each, in rounds of one of each, with
 * `liaison-cli --json whoami`: whoami is nothing but opening the store
 * (the Argon2id key derivation, about a quarter of a second by design),
 * so the difference is the command's own work. Wall time, and CPU time,
 * which a machine shared with others inflates less. The same work is also
 * timed inside this process, without the process start and the key
 * derivation: lia_deadlines_foreach() of what is open in every case,
 * lia_case_list() with lia_deadlines_next_by_case(), and
 * lia_chronology_export_csv() to a file; one write that moves a case's
 * deadlines; and opening the store, the key derivation alone and the
 * whole unlock.
 *
 * The shape of each case, drawn from a GRand with a fixed seed: four or
 * five participants; the notification and rapid review fields; an LCSPR
 * for 60% (decided, some published), an IOPC investigation for 30%, a
 * delay notice for 5%; two or three action items; one disclosed record with
 * a destruction date; five chronology entries; up to three requests.
 *
 * Prints one JSON object on stdout; progress on stderr.
 *
 *   ninja -C _build/normal tests/bench/bench-model
 *   _build/normal/tests/bench/bench-model                # 10,000 cases, 50,000 entries
 *   _build/normal/tests/bench/bench-model --cases 500 --entries 2000   # a quick run
 *   _build/normal/tests/bench/bench-model --dir DIR --keep    # keep the store, then
 *   _build/normal/tests/bench/bench-model --dir DIR --reuse   # time it again
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include <json-glib/json-glib.h>

#include "lia-crypt-vfs.h"
#include "lia-crypto.h"
#include "lia-deadlines.h"
#include "lia-keyfile.h"
#include "lia-record.h"
#include "lia-request.h"
#include "lia-store-private.h"

static int n_cases = 10000;
static int n_entries = 50000;
static int repeats = 7;
static char *dir_option = NULL;
static gboolean keep = FALSE;
static gboolean no_cli = FALSE;
static gboolean reuse = FALSE;

static const GOptionEntry entries[] = {
  { "cases", 0, 0, G_OPTION_ARG_INT, &n_cases, "Cases of realistic shape (10000)", "N" },
  { "entries", 0, 0, G_OPTION_ARG_INT, &n_entries, "Chronology entries of the big case (50000)", "N" },
  { "repeats", 0, 0, G_OPTION_ARG_INT, &repeats, "Runs of each command (7)", "N" },
  { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir_option, "Build the store in DIR", "DIR" },
  { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, "Leave the store behind", NULL },
  { "no-cli", 0, 0, G_OPTION_ARG_NONE, &no_cli, "Time only the in-process work (for profiling)", NULL },
  { "reuse", 0, 0, G_OPTION_ARG_NONE, &reuse, "Time the store that --dir DIR --keep left, without building it", NULL },
  { NULL }
};

#define PASSPHRASE "benchmark passphrase"

static void
check (gboolean ok, GError *error)
{
  if (!ok)
    {
      g_printerr ("bench-model: %s\n", error ? error->message : "failed");
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

  check (lia_case_set_field (store, id, name, value, &error), error);
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
  check (id != NULL, error);
}

static void
populate (LiaStore *store, GPtrArray *orgs, GRand *rand, char **big_case)
{
  GError *error = NULL;
  g_autoptr (GDateTime) t0 = g_date_time_new_now_utc ();
  GDate today;

  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 21, 11, 2026);
  check (lia_store_exec (store, "BEGIN IMMEDIATE", &error), error);
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
      check (id != NULL, error);
      for (int p = 1; p < n_participants && p < (int) orgs->len; p++)
        {
          LiaOrg *org = orgs->pdata[p];

          check (lia_case_add_participant (store, id, org, lia_role_for_kind (org->kind),
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
            check (lia_case_add_delay_notice (store, id, planned, "Criminal trial listed", NULL,
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
          check (record != NULL, error);
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
        check (record != NULL, error);
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
          check (request != NULL, error);
        }
      if ((i + 1) % 1000 == 0)
        {
          check (lia_store_exec (store, "COMMIT; BEGIN IMMEDIATE", &error), error);
          g_printerr ("bench-model: %d cases\n", i + 1);
        }
    }

  {
    LiaCaseDraft draft = { "A long chronology", "Child Z", "Northmoor", "2026-06-01", NULL, "death" };

    *big_case = lia_case_create (store, &draft, "Lead contact", &error);
    check (*big_case != NULL, error);
    for (int i = 0; i < n_entries; i++)
      {
        g_autofree char *day = date_after ("2016-01-01", g_rand_int_range (rand, 0, 3800));

        add_chronology (store, *big_case, orgs->pdata[g_rand_int_range (rand, 0, orgs->len)], rand,
                        day);
        if ((i + 1) % 10000 == 0)
          {
            check (lia_store_exec (store, "COMMIT; BEGIN IMMEDIATE", &error), error);
            g_printerr ("bench-model: %d chronology entries\n", i + 1);
          }
      }
  }
  check (lia_store_exec (store, "COMMIT", &error), error);
  {
    g_autoptr (GDateTime) t1 = g_date_time_new_now_utc ();

    g_printerr ("bench-model: populated in %.1f s\n",
                g_date_time_difference (t1, t0) / (double) G_USEC_PER_SEC);
  }
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

typedef struct
{
  double median_ms, min_ms, max_ms;
  double cpu_median_ms;   /* user and system time, for liaison-cli runs; else 0 */
} Timing;

static double
median_of (GArray *samples)
{
  g_array_sort (samples, compare_double);
  return g_array_index (samples, double, samples->len / 2);
}

static Timing
summarise (GArray *samples)
{
  Timing t = { 0, };

  t.median_ms = median_of (samples);
  t.min_ms = g_array_index (samples, double, 0);
  t.max_ms = g_array_index (samples, double, samples->len - 1);
  return t;
}

static double
cpu_ms_of_children (void)
{
  struct rusage usage;

  check (getrusage (RUSAGE_CHILDREN, &usage) == 0, NULL);
  return usage.ru_utime.tv_sec * 1000.0 + usage.ru_utime.tv_usec / 1000.0
         + usage.ru_stime.tv_sec * 1000.0 + usage.ru_stime.tv_usec / 1000.0;
}

/* One run of liaison-cli; the output goes to a pipe and is
 * read, as a script reading it would. Wall time, and the CPU time of the
 * process (which a loaded machine inflates less). */
static void
run_cli (const char *store_dir, const char *const *args, gsize *out_bytes, double *out_ms,
         double *out_cpu_ms)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "LIAISON_PASSPHRASE", PASSPHRASE, TRUE);
  GError *error = NULL;
  int status;
  gint64 start, end;
  double cpu_before;

  g_ptr_array_add (argv, (char *) LIAISON_CLI_PATH);
  g_ptr_array_add (argv, (char *) "--store");
  g_ptr_array_add (argv, (char *) store_dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  env = g_environ_setenv (env, "LIAISON_TODAY", "2026-11-21", TRUE);
  cpu_before = cpu_ms_of_children ();
  start = g_get_monotonic_time ();
  check (g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &out,
                       &err, &status, &error), error);
  end = g_get_monotonic_time ();
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_printerr ("bench-model: %s failed: %s\n", args[1] != NULL ? args[1] : args[0], err);
      exit (2);
    }
  *out_ms = (end - start) / 1000.0;
  *out_cpu_ms = cpu_ms_of_children () - cpu_before;
  *out_bytes = strlen (out);
}

enum { CLI_WHOAMI, CLI_DEADLINES, CLI_LIST, CLI_EXPORT, N_CLI };

/* Runs each command @repeats times, in rounds of one of each, so that a
 * change in the machine's load weighs on every command alike (and on
 * whoami, which the others are compared with). */
static void
time_cli_rounds (const char *store_dir, const char *const *const commands[N_CLI],
                 Timing out[N_CLI], gsize bytes[N_CLI])
{
  GArray *walls[N_CLI], *cpus[N_CLI];

  for (int c = 0; c < N_CLI; c++)
    {
      walls[c] = g_array_new (FALSE, FALSE, sizeof (double));
      cpus[c] = g_array_new (FALSE, FALSE, sizeof (double));
    }
  for (int r = 0; r < repeats; r++)
    for (int c = 0; c < N_CLI; c++)
      {
        double ms, cpu_ms;

        run_cli (store_dir, commands[c], &bytes[c], &ms, &cpu_ms);
        g_array_append_val (walls[c], ms);
        g_array_append_val (cpus[c], cpu_ms);
      }
  for (int c = 0; c < N_CLI; c++)
    {
      out[c] = summarise (walls[c]);
      out[c].cpu_median_ms = median_of (cpus[c]);
      g_array_unref (walls[c]);
      g_array_unref (cpus[c]);
    }
}

typedef gboolean (*Work) (LiaStore *store, gpointer data, gsize *out_count);

static Timing
time_in_process (LiaStore *store, Work work, gpointer data, gsize *out_count)
{
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));

  for (int r = 0; r < repeats; r++)
    {
      gint64 start = g_get_monotonic_time ();
      double ms;

      check (work (store, data, out_count), NULL);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (samples, ms);
    }
  return summarise (samples);
}

static void
count_cb (const LiaMilestone *milestone, gpointer user_data)
{
  (*(gsize *) user_data)++;
}

/* What `deadlines` does, without writing: every open milestone of every
 * case, each lent in turn. */
static gboolean
work_deadlines (LiaStore *store, gpointer data, gsize *out_count)
{
  GDate today;

  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 21, 11, 2026);
  *out_count = 0;
  return lia_deadlines_foreach (store, NULL, &today, TRUE, NULL, count_cb, out_count, NULL);
}

static gboolean
work_case_list (LiaStore *store, gpointer data, gsize *out_count)
{
  g_autoptr (GPtrArray) cases = lia_case_list (store, NULL);
  g_autoptr (GHashTable) next = NULL;
  GDate today;

  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 21, 11, 2026);
  next = lia_deadlines_next_by_case (store, &today, NULL);
  *out_count = cases ? cases->len : 0;
  return cases != NULL && next != NULL;
}

/* What `export chronology` does: the CSV written to a file as the entries
 * are read (a memory stream would time its own growth to 21 MB). */
static gboolean
work_chronology (LiaStore *store, gpointer data, gsize *out_count)
{
  g_autofree char *path = g_build_filename (lia_store_get_directory (store), "in-process.csv", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE,
                                                      NULL, NULL);
  guint count = 0;
  gboolean ok;

  ok = out != NULL
       && lia_chronology_export_csv (store, data, NULL, G_OUTPUT_STREAM (out), &count, NULL, NULL)
       && g_output_stream_close (G_OUTPUT_STREAM (out), NULL, NULL);
  g_remove (path);
  *out_count = count;
  return ok;
}

/* One write that moves a case's deadlines (its notification date, to and
 * fro), committed: what a change costs now that the case's milestones are
 * worked out again in its transaction. */
static gboolean
work_write (LiaStore *store, gpointer data, gsize *out_count)
{
  static gboolean flip;

  flip = !flip;
  *out_count = 1;
  return lia_case_set_field (store, data, "notification.sent", flip ? "2026-06-03" : "2026-06-04",
                             NULL);
}

/* The case of --entries chronology entries, in a store built before. */
static char *
find_big_case (LiaStore *store)
{
  GError *error = NULL;
  g_autoptr (GPtrArray) cases = lia_case_list (store, &error);

  check (cases != NULL, error);
  for (guint i = 0; i < cases->len; i++)
    {
      const LiaCase *c = cases->pdata[i];

      if (g_str_equal (c->title, "A long chronology"))
        return g_strdup (c->id);
    }
  check (FALSE, NULL);
  return NULL;
}

/* Opening the store in this process: the key derivation alone (loading
 * and unwrapping the key file), and the whole of lia_store_unlock(), which
 * is that, opening the database, loading the identity and bringing the
 * milestones up to date if anything waits. The difference is what opening
 * costs beyond the deliberate Argon2id. */
static void
time_open (LiaStore *store, const char *dir, Timing *out_kdf, Timing *out_unlock)
{
  g_autoptr (GArray) kdf = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) unlock = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *key_path = g_build_filename (dir, LIA_STORE_KEY_NAME, NULL);
  g_autoptr (LiaSecret) passphrase = lia_secret_new_from_string (PASSPHRASE);

  for (int r = 0; r < repeats; r++)
    {
      GError *error = NULL;
      LiaKeyFile keyfile;
      g_autoptr (LiaSecret) master = NULL;
      gint64 start = g_get_monotonic_time ();
      double ms;

      check (lia_keyfile_load (key_path, &keyfile, &error), error);
      master = lia_keyfile_unwrap (&keyfile, passphrase, &error);
      check (master != NULL, error);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (kdf, ms);

      start = g_get_monotonic_time ();
      check (lia_store_unlock (store, PASSPHRASE, NULL, &error), error);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (unlock, ms);
      lia_store_lock (store);
    }
  *out_kdf = summarise (kdf);
  *out_unlock = summarise (unlock);
}

static void
add_timing (JsonBuilder *b, const char *name, Timing t, gsize count, const char *count_name)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "median_ms");
  json_builder_add_double_value (b, t.median_ms);
  json_builder_set_member_name (b, "min_ms");
  json_builder_add_double_value (b, t.min_ms);
  json_builder_set_member_name (b, "max_ms");
  json_builder_add_double_value (b, t.max_ms);
  if (t.cpu_median_ms > 0)
    {
      json_builder_set_member_name (b, "cpu_median_ms");
      json_builder_add_double_value (b, t.cpu_median_ms);
    }
  if (count_name != NULL)
    {
      json_builder_set_member_name (b, count_name);
      json_builder_add_int_value (b, (gint64) count);
    }
  json_builder_end_object (b);
}

/* The liaison-cli figures, and each command's less whoami's. */
static void
add_cli_timings (JsonBuilder *b, const Timing t_cli[N_CLI], const gsize cli_bytes[N_CLI])
{
  static const char *const names[] = { "whoami", "deadlines_json", "case_list_json",
                                       "export_chronology_csv" };

  json_builder_set_member_name (b, "cli");
  json_builder_begin_object (b);
  for (int c = 0; c < N_CLI; c++)
    add_timing (b, names[c], t_cli[c], cli_bytes[c],
                c == CLI_DEADLINES || c == CLI_LIST ? "output_bytes" : NULL);
  json_builder_end_object (b);
  for (int cpu = 0; cpu < 2; cpu++)
    {
      json_builder_set_member_name (b, cpu ? "cli_minus_whoami_cpu_median_ms"
                                           : "cli_minus_whoami_median_ms");
      json_builder_begin_object (b);
      for (int c = CLI_DEADLINES; c < N_CLI; c++)
        {
          json_builder_set_member_name (b, names[c]);
          json_builder_add_double_value (b, cpu ? t_cli[c].cpu_median_ms
                                                    - t_cli[CLI_WHOAMI].cpu_median_ms
                                                : t_cli[c].median_ms - t_cli[CLI_WHOAMI].median_ms);
        }
      json_builder_end_object (b);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- the case model at scale");
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GPtrArray) orgs = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_org_free);
  g_autoptr (GRand) rand = g_rand_new_with_seed (20261121);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *big_case = NULL;
  g_autofree char *csv_path = NULL;
  g_autofree char *json = NULL;
  static const char *const names[] = {
    "Northmoor Borough Council", "Northmoor ICB", "Northmoor Police", "IOPC team", "Ashgrove School"
  };
  static const LiaOrgKind kinds[] = {
    LIA_ORG_KIND_LOCAL_AUTHORITY, LIA_ORG_KIND_ICB, LIA_ORG_KIND_POLICE, LIA_ORG_KIND_IOPC,
    LIA_ORG_KIND_AGENCY
  };
  Timing t_cli[N_CLI], p_deadlines, p_list, p_chronology, p_write, p_kdf, p_unlock;
  gsize cli_bytes[N_CLI] = { 0, }, bytes = 0, count_deadlines = 0, count_list = 0,
        count_chronology = 0, count_write = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-model: %s\n", error->message);
      return 1;
    }
  lia_crypto_init ();
  lia_crypt_vfs_register ();
  dir = dir_option ? g_strdup (dir_option) : g_dir_make_tmp ("bench-model-XXXXXX", &error);
  check (dir != NULL, error);

  store = lia_store_new (dir);
  if (reuse)
    {
      check (dir_option != NULL, NULL);
      check (lia_store_unlock (store, PASSPHRASE, NULL, &error), error);
      big_case = find_big_case (store);
    }
  else
    {
      check (lia_store_create (store, names[0], kinds[0], PASSPHRASE, NULL, &error), error);
      g_ptr_array_add (orgs, lia_store_get_self (store, NULL));
      for (guint i = 1; i < G_N_ELEMENTS (names); i++)
        {
          LiaOrg *org = lia_store_add_org (store, names[i], kinds[i], &error);

          check (org != NULL, error);
          g_ptr_array_add (orgs, org);
        }
      populate (store, orgs, rand, &big_case);
    }

  p_deadlines = time_in_process (store, work_deadlines, NULL, &count_deadlines);
  p_list = time_in_process (store, work_case_list, NULL, &count_list);
  p_chronology = time_in_process (store, work_chronology, big_case, &count_chronology);
  p_write = time_in_process (store, work_write, big_case, &count_write);
  if (reuse)
    {
      /* What the kept store holds, not the options' defaults. */
      n_cases = (int) count_list - 1;
      n_entries = (int) count_chronology;
    }
  lia_store_lock (store);
  time_open (store, dir, &p_kdf, &p_unlock);
  lia_store_lock (store);
  csv_path = g_build_filename (dir, "chronology.csv", NULL);
  if (!no_cli)
    {
      const char *whoami[] = { "--json", "whoami", NULL };
      const char *deadlines[] = { "--json", "deadlines", NULL };
      const char *list[] = { "--json", "case", "list", NULL };
      const char *export[] = { "export", "chronology", big_case, "--format", "csv", "-o", csv_path, NULL };
      const char *const *const commands[N_CLI] = { whoami, deadlines, list, export };
      double ms, cpu_ms;

      /* Once, untimed: the first command to open the store after the
       * interviews' destruction dates destroys thousands of them (as it
       * would for a person); that is not what the figures are about. */
      run_cli (dir, whoami, &bytes, &ms, &cpu_ms);
      time_cli_rounds (dir, commands, t_cli, cli_bytes);
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cases");
  json_builder_add_int_value (b, n_cases);
  json_builder_set_member_name (b, "chronology_entries");
  json_builder_add_int_value (b, n_entries);
  json_builder_set_member_name (b, "repeats");
  json_builder_add_int_value (b, repeats);
  if (!no_cli)
    add_cli_timings (b, t_cli, cli_bytes);
  json_builder_set_member_name (b, "in_process");
  json_builder_begin_object (b);
  add_timing (b, "deadlines_open", p_deadlines, count_deadlines, "milestones");
  add_timing (b, "case_list_and_next", p_list, count_list, "cases");
  add_timing (b, "chronology_to_csv", p_chronology, count_chronology, "entries");
  add_timing (b, "case_set_field", p_write, 0, NULL);
  add_timing (b, "key_derivation", p_kdf, 0, NULL);
  add_timing (b, "unlock", p_unlock, 0, NULL);
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json = json_generator_to_data (gen, NULL);
  g_print ("%s\n", json);

  if (!keep && dir_option == NULL)
    {
      g_autofree char *db = g_build_filename (dir, LIA_STORE_DB_NAME, NULL);
      g_autofree char *key = g_build_filename (dir, LIA_STORE_KEY_NAME, NULL);

      lia_store_remove_database_files (db);
      g_remove (csv_path);
      g_remove (key);
      g_rmdir (dir);
    }
  return 0;
}
