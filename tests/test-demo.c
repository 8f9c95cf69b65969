/* test-demo.c: the demonstration case loaded for a demo with one store per
 * organisation: the lead's store loads the case, its facts travel to a
 * participant, and the participant loads its own records into that case
 * (lia_demo_load_into, liaison-cli demo load --into).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "lia-demo.h"
#include "lia-exchange.h"
#include "lia-record.h"
#include "lia-test-util.h"

#define COUNCIL "Northmoor Borough Council (demo)"
#define POLICE  "Northmoor Police (demo)"

/* How many records the demo gives the organisation @key. */
static guint
demo_records_of (const char *key)
{
  g_autoptr (GBytes) data = lia_demo_get_default (NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *records;
  guint n = 0;

  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (data, NULL),
                                             (gssize) g_bytes_get_size (data), NULL));
  records = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                          "records");
  for (guint i = 0; i < json_array_get_length (records); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (records, i),
                                                    "originator"),
                     key))
      n++;
  return n;
}

typedef struct
{
  LiaStore *council;
  LiaStore *police;
  char     *case_id;
} Fixture;

static void
fixture_setup (Fixture        *f,
               gconstpointer   data)
{
  g_autoptr (GBytes) demo = lia_demo_get_default (NULL);
  g_autoptr (GBytes) bundle = NULL;
  g_autoptr (LiaImportReport) report = NULL;
  g_autoptr (GError) error = NULL;
  LiaDemoResult result = { 0 };

  f->council = lia_test_create_store_of_kind (COUNCIL, LIA_ORG_KIND_LOCAL_AUTHORITY);
  f->police = lia_test_create_store_of_kind (POLICE, LIA_ORG_KIND_POLICE);
  /* The lead loads the case and its own part; the two become peers (the
   * police, known to the council's case by name, gets its keys). */
  g_assert_true (lia_demo_load (f->council, demo, "council", TRUE, &result, &error));
  g_assert_no_error (error);
  f->case_id = g_steal_pointer (&result.case_id);
  lia_demo_result_clear (&result);
  lia_test_introduce (f->police, f->council);
  lia_test_introduce (f->council, f->police);
  /* The case's facts reach the police, as sync would carry them. */
  bundle = lia_test_export_bundle (f->council, POLICE, NULL, NULL);
  report = lia_test_import_bundle (f->police, bundle);
  g_assert_cmpuint (report->refused, ==, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->council);
  g_clear_object (&f->police);
  g_free (f->case_id);
}

static void
test_into (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr (GBytes) demo = lia_demo_get_default (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (LiaOrg) self = lia_store_get_self (f->police, NULL);
  LiaDemoResult result = { 0 };
  guint own = 0, expected = demo_records_of ("police");

  g_assert_cmpuint (expected, >, 0);
  g_assert_true (lia_demo_load_into (f->police, demo, "police", f->case_id, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (result.case_id, ==, f->case_id);
  g_assert_cmpstr (result.as_key, ==, "police");
  g_assert_cmpuint (result.n_records, ==, expected);
  g_assert_cmpuint (result.n_requests, ==, 0);
  lia_demo_result_clear (&result);

  /* They are the police's own records, in the council's case. */
  records = lia_record_list (f->police, f->case_id, -1, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < records->len; i++)
    if (((LiaRecord *) records->pdata[i])->originator->id == self->id)
      own++;
  g_assert_cmpuint (own, ==, expected);
}

static void
test_into_no_such_case (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr (GBytes) demo = lia_demo_get_default (NULL);
  g_autoptr (GError) error = NULL;
  LiaDemoResult result = { 0 };
  gint64 before = lia_test_query_int (f->police, "SELECT count(*) FROM record");

  g_assert_false (lia_demo_load_into (f->police, demo, "police",
                                      "00000000-0000-0000-0000-000000000000", &result, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (lia_demo_load_into (f->police, demo, "nosuch", f->case_id, &result, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "police"));
  /* Nothing was loaded. */
  g_assert_cmpint (lia_test_query_int (f->police, "SELECT count(*) FROM record"), ==, before);
}

static void
test_into_cli (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *dir = g_strdup (lia_store_get_directory (f->police));
  g_autoptr (LiaTestCliRun) usage = NULL;
  g_autoptr (LiaTestCliRun) run = NULL;
  g_autofree char *expected = g_strdup_printf ("\"records\":%u", demo_records_of ("police"));

  lia_store_lock (f->police);
  usage = lia_test_run_cli (LIA_TEST_PASSPHRASE, NULL, dir,
                            (const char *const[]) { "demo", "load", "--into", f->case_id, NULL });
  g_assert_cmpint (usage->status, ==, 1);
  g_assert_nonnull (strstr (usage->err, "--as"));
  run = lia_test_run_cli (LIA_TEST_PASSPHRASE, NULL, dir,
                          (const char *const[]) { "--json", "demo", "load", "--as", "police",
                                                  "--into", f->case_id, NULL });
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (run->out, expected));
}

int
main (int   argc,
      char *argv[])
{
  lia_test_init (&argc, &argv);

  g_test_add ("/demo/into", Fixture, NULL, fixture_setup, test_into, fixture_teardown);
  g_test_add ("/demo/into/no-such-case", Fixture, NULL, fixture_setup, test_into_no_such_case,
              fixture_teardown);
  g_test_add ("/demo/into/cli", Fixture, NULL, fixture_setup, test_into_cli, fixture_teardown);
  return g_test_run ();
}
