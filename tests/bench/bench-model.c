/* bench-model.c: the case model at scale.
 *
 * Builds an encrypted store (the shipped Argon2id limits) holding --cases
 * cases of realistic shape and one case with --entries chronology entries,
 * then times, as a user would meet them, the real liaison-cli running
 *
 *   liaison-cli --json deadlines          (every milestone of every case)
 *   liaison-cli --json case list          (every case with its next deadline)
 *   liaison-cli export chronology CASE --format csv -o FILE
 *
 * --repeats times each, and `liaison-cli --json whoami` alike: whoami is
 * nothing but opening the store (the Argon2id key derivation, about a
 * quarter of a second by design), so the difference is the command's own
 * work. The same work is also timed inside this process, without the
 * process start and the key derivation: lia_deadlines_for_store() and
 * lia_case_list() over all cases, and lia_chronology_get() plus
 * lia_chronology_write_csv() into memory.
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
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include <json-glib/json-glib.h>

#include "lia-crypt-vfs.h"
#include "lia-crypto.h"
#include "lia-deadlines.h"
#include "lia-record.h"
#include "lia-request.h"
#include "lia-store-private.h"

#include "bench-populate.h"

static int n_cases = 10000;
static int n_entries = 50000;
static int repeats = 7;
static char *dir_option = NULL;
static gboolean keep = FALSE;
static gboolean no_cli = FALSE;

static const GOptionEntry entries[] = {
  { "cases", 0, 0, G_OPTION_ARG_INT, &n_cases, "Cases of realistic shape (10000)", "N" },
  { "entries", 0, 0, G_OPTION_ARG_INT, &n_entries, "Chronology entries of the big case (50000)", "N" },
  { "repeats", 0, 0, G_OPTION_ARG_INT, &repeats, "Runs of each command (7)", "N" },
  { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir_option, "Build the store in DIR", "DIR" },
  { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, "Leave the store behind", NULL },
  { "no-cli", 0, 0, G_OPTION_ARG_NONE, &no_cli, "Time only the in-process work (for profiling)", NULL },
  { NULL }
};

#define PASSPHRASE "benchmark passphrase"

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

typedef struct
{
  double median_ms, min_ms, max_ms;
} Timing;

static Timing
summarise (GArray *samples)
{
  Timing t;

  g_array_sort (samples, compare_double);
  t.min_ms = g_array_index (samples, double, 0);
  t.max_ms = g_array_index (samples, double, samples->len - 1);
  t.median_ms = g_array_index (samples, double, samples->len / 2);
  return t;
}

/* Runs liaison-cli @repeats times; the output goes to a pipe and is read. */
static Timing
time_cli (const char *store_dir, const char *const *args, gsize *out_bytes)
{
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));

  for (int r = 0; r < repeats; r++)
    {
      g_autoptr (GPtrArray) argv = g_ptr_array_new ();
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "LIAISON_PASSPHRASE", PASSPHRASE, TRUE);
      GError *error = NULL;
      int status;
      gint64 start, end;
      double ms;

      g_ptr_array_add (argv, (char *) LIAISON_CLI_PATH);
      g_ptr_array_add (argv, (char *) "--store");
      g_ptr_array_add (argv, (char *) store_dir);
      for (guint i = 0; args[i] != NULL; i++)
        g_ptr_array_add (argv, (char *) args[i]);
      g_ptr_array_add (argv, NULL);
      env = g_environ_setenv (env, "LIAISON_TODAY", "2026-11-21", TRUE);
      start = g_get_monotonic_time ();
      lia_bench_check (g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &out,
                           &err, &status, &error), error);
      end = g_get_monotonic_time ();
      if (!g_spawn_check_wait_status (status, NULL))
        {
          g_printerr ("bench-model: %s failed: %s\n", args[0], err);
          exit (2);
        }
      ms = (end - start) / 1000.0;
      g_array_append_val (samples, ms);
      *out_bytes = strlen (out);
    }
  return summarise (samples);
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

      lia_bench_check (work (store, data, out_count), NULL);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (samples, ms);
    }
  return summarise (samples);
}

static gboolean
work_deadlines (LiaStore *store, gpointer data, gsize *out_count)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_default ();
  g_autoptr (GPtrArray) milestones = NULL;
  GDate today;

  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 21, 11, 2026);
  milestones = lia_deadlines_for_store (store, calendar, NULL, &today, NULL);
  *out_count = milestones ? milestones->len : 0;
  return milestones != NULL;
}

static gboolean
work_case_list (LiaStore *store, gpointer data, gsize *out_count)
{
  g_autoptr (GPtrArray) cases = lia_case_list (store, NULL);

  *out_count = cases ? cases->len : 0;
  return cases != NULL;
}

static gboolean
work_chronology (LiaStore *store, gpointer data, gsize *out_count)
{
  g_autoptr (GPtrArray) chronology = lia_chronology_get (store, data, NULL, NULL);
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();

  if (chronology == NULL || !lia_chronology_write_csv (chronology, out, NULL, NULL))
    return FALSE;
  *out_count = chronology->len;
  return TRUE;
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
  if (count_name != NULL)
    {
      json_builder_set_member_name (b, count_name);
      json_builder_add_int_value (b, (gint64) count);
    }
  json_builder_end_object (b);
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
  Timing t_whoami, t_deadlines, t_list, t_export, p_deadlines, p_list, p_chronology;
  gsize bytes_deadlines = 0, bytes_list = 0, bytes = 0, count_deadlines = 0, count_list = 0,
        count_chronology = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-model: %s\n", error->message);
      return 1;
    }
  lia_crypto_init ();
  lia_crypt_vfs_register ();
  dir = dir_option ? g_strdup (dir_option) : g_dir_make_tmp ("bench-model-XXXXXX", &error);
  lia_bench_check (dir != NULL, error);

  store = lia_store_new (dir);
  lia_bench_check (lia_store_create (store, names[0], kinds[0], PASSPHRASE, NULL, &error), error);
  g_ptr_array_add (orgs, lia_store_get_self (store, NULL));
  for (guint i = 1; i < G_N_ELEMENTS (names); i++)
    {
      LiaOrg *org = lia_store_add_org (store, names[i], kinds[i], &error);

      lia_bench_check (org != NULL, error);
      g_ptr_array_add (orgs, org);
    }
  lia_bench_populate (store, orgs, rand, n_cases, n_entries, &big_case);

  p_deadlines = time_in_process (store, work_deadlines, NULL, &count_deadlines);
  p_list = time_in_process (store, work_case_list, NULL, &count_list);
  p_chronology = time_in_process (store, work_chronology, big_case, &count_chronology);
  lia_store_lock (store);
  if (no_cli)
    repeats = 1;

  csv_path = g_build_filename (dir, "chronology.csv", NULL);
  {
    const char *whoami[] = { "--json", "whoami", NULL };
    const char *deadlines[] = { "--json", "deadlines", NULL };
    const char *list[] = { "--json", "case", "list", NULL };
    const char *export[] = { "export", "chronology", big_case, "--format", "csv", "-o", csv_path, NULL };

    t_whoami = time_cli (dir, whoami, &bytes);
    t_deadlines = time_cli (dir, deadlines, &bytes_deadlines);
    t_list = time_cli (dir, list, &bytes_list);
    t_export = time_cli (dir, export, &bytes);
  }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "cases");
  json_builder_add_int_value (b, n_cases);
  json_builder_set_member_name (b, "chronology_entries");
  json_builder_add_int_value (b, n_entries);
  json_builder_set_member_name (b, "repeats");
  json_builder_add_int_value (b, repeats);
  json_builder_set_member_name (b, "cli");
  json_builder_begin_object (b);
  add_timing (b, "whoami", t_whoami, 0, NULL);
  add_timing (b, "deadlines_json", t_deadlines, bytes_deadlines, "output_bytes");
  add_timing (b, "case_list_json", t_list, bytes_list, "output_bytes");
  add_timing (b, "export_chronology_csv", t_export, 0, NULL);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "cli_minus_whoami_median_ms");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "deadlines_json");
  json_builder_add_double_value (b, t_deadlines.median_ms - t_whoami.median_ms);
  json_builder_set_member_name (b, "case_list_json");
  json_builder_add_double_value (b, t_list.median_ms - t_whoami.median_ms);
  json_builder_set_member_name (b, "export_chronology_csv");
  json_builder_add_double_value (b, t_export.median_ms - t_whoami.median_ms);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "in_process");
  json_builder_begin_object (b);
  add_timing (b, "deadlines_for_store", p_deadlines, count_deadlines, "milestones");
  add_timing (b, "case_list", p_list, count_list, "cases");
  add_timing (b, "chronology_to_csv", p_chronology, count_chronology, "entries");
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
