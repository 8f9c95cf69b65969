/* cli-exchange.c: liaison-cli's commands for need-to-know sharing, one
 * record's recipients, releases and withdrawals, bundles and destruction.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "cli.h"
#include "cli-json.h"
#include "lia-calendar.h"
#include "lia-exchange.h"
#include "lia-request.h"

typedef struct
{
  char *with, *categories, *to, *reason, *by, *output, *forr, *today;
} Options;

static Options opt;
/* bundle export --new */
static gboolean opt_new;

static gboolean
reset_options (const char *name, const char *value, gpointer data, GError **error)
{
  char **strings = (char **) &opt;

  for (gsize i = 0; i < sizeof opt / sizeof (char *); i++)
    g_clear_pointer (&strings[i], g_free);
  opt_new = FALSE;
  return TRUE;
}

/* "interview,report" or "interview report" as a list. */
static GStrv
split_list (const char *text)
{
  g_auto (GStrv) parts = g_regex_split_simple ("[\\s,]+", text, 0, 0);
  g_autoptr (GStrvBuilder) out = g_strv_builder_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      g_strv_builder_add (out, parts[i]);
  return g_strv_builder_end (out);
}

static void
org_json (CliJson *b, const char *member, const LiaOrg *org)
{
  cli_json_member (b, member);
  cli_json_begin_object (b);
  cli_json_member_string (b, "name", org->name);
  cli_json_member_string (b, "fingerprint", org->fingerprint);
  cli_json_end_object (b);
}

/* ---- sharing decisions ---------------------------------------------------- */

static int
cmd_case_share (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_auto (GStrv) categories = NULL;

  if (opt.with == NULL)
    return cli_usage_error ("Name the participant to share with (--with ORG)");
  if (opt.categories == NULL)
    return cli_usage_error ("Name the categories of record to share (--categories LIST, or all)");
  categories = split_list (opt.categories);
  store = cli_open_store (options, &error);
  if (store == NULL
      || !lia_case_share (store, options->args[0], opt.with, (const char *const *) categories,
                          cli_person_name (opt.by), &error))
    return cli_fail (error);
  if (!options->json && g_strv_contains ((const char *const *) categories, "all"))
    g_print ("Shared: %s now receives all of this organisation's records in this case.\n",
             opt.with);
  else if (!options->json)
    g_print ("Shared: %s now receives this organisation's %s in this case.\n", opt.with,
             opt.categories);
  else
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_bool (b, "shared", TRUE);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  return EXIT_OK;
}

static int
cmd_case_unshare (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_auto (GStrv) categories = NULL;

  if (opt.with == NULL)
    return cli_usage_error ("Name the participant to stop sharing with (--with ORG)");
  if (opt.categories != NULL)
    categories = split_list (opt.categories);
  store = cli_open_store (options, &error);
  if (store == NULL
      || !lia_case_unshare (store, options->args[0], opt.with, (const char *const *) categories,
                            &error))
    return cli_fail (error);
  if (!options->json)
    g_print ("Later versions of this organisation's %s in this case no longer go to %s; what it "
             "received already stays with it.\n",
             opt.categories ? opt.categories : "records", opt.with);
  else
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_bool (b, "shared", FALSE);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  return EXIT_OK;
}

static int
cmd_case_sharing (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (GPtrArray) shares = NULL;

  if (store == NULL || (shares = lia_case_list_shares (store, options->args[0], &error)) == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_array (b);
      for (guint i = 0; i < shares->len; i++)
        {
          const LiaShare *share = shares->pdata[i];

          cli_json_begin_object (b);
          org_json (b, "org", share->org);
          cli_json_member (b, "categories");
          cli_json_begin_array (b);
          for (guint k = 0; share->categories[k] != NULL; k++)
            cli_json_string (b, share->categories[k]);
          cli_json_end_array (b);
          cli_json_end_object (b);
        }
      cli_json_end_array (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  if (shares->len == 0)
    g_print ("This organisation shares none of its records in this case yet "
             "(liaison-cli case share CASE --with ORG --categories LIST).\n");
  for (guint i = 0; i < shares->len; i++)
    {
      const LiaShare *share = shares->pdata[i];
      g_autofree char *list = g_strjoinv (", ", share->categories);

      g_print ("%s receives: %s\n", share->org->name, list);
    }
  return EXIT_OK;
}

/* ---- one record ----------------------------------------------------------- */

static int
cmd_record_recipients (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (GPtrArray) recipients = NULL;

  if (store == NULL
      || (recipients = lia_record_recipients (store, options->args[0], &error)) == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_array (b);
      for (guint i = 0; i < recipients->len; i++)
        {
          const LiaRecordRecipient *r = recipients->pdata[i];

          cli_json_begin_object (b);
          org_json (b, "org", r->org);
          cli_json_member_string (b, "why", r->why);
          cli_json_member_bool (b, "pending", r->pending);
          cli_json_end_object (b);
        }
      cli_json_end_array (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  for (guint i = 0; i < recipients->len; i++)
    {
      const LiaRecordRecipient *r = recipients->pdata[i];

      g_print ("%-40s %s%s\n", r->org->name, r->why,
               r->pending ? " (not a peer yet: sealed for it once it is)" : "");
    }
  return EXIT_OK;
}

static int
cmd_record_release (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;

  if (opt.to == NULL)
    return cli_usage_error ("Name the organisation to release the record to (--to ORG)");
  store = cli_open_store (options, &error);
  if (store == NULL
      || !lia_record_release (store, options->args[0], opt.to, opt.reason, cli_person_name (opt.by),
                              &error))
    return cli_fail (error);
  if (!options->json)
    g_print ("Released to %s; the disclosure is in the log.\n", opt.to);
  else
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_bool (b, "released", TRUE);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  return EXIT_OK;
}

static int
cmd_record_withdraw (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);

  if (store == NULL
      || !lia_record_withdraw (store, options->args[0], opt.reason, cli_person_name (opt.by), &error))
    return cli_fail (error);
  if (!options->json)
    g_print ("Withdrawn: every organisation that received it is told to delete it.\n");
  else
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_bool (b, "withdrawn", TRUE);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  return EXIT_OK;
}

static int
cmd_request_extend (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autofree char *id = NULL;
  GDate today;

  if (opt.to == NULL)
    return cli_usage_error ("Name the organisation the record should go to (--to ORG)");
  if (!cli_get_today (opt.today, &today, &error))
    return cli_fail (error);
  store = cli_open_store (options, &error);
  if (store == NULL
      || (id = lia_request_extend (store, options->args[0], opt.to, opt.reason,
                                   cli_person_name (opt.by), &today, &error)) == NULL)
    return cli_fail (error);
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

/* ---- bundles -------------------------------------------------------------- */

static int
cmd_bundle_export (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (LiaAtomicFile) out = NULL;
  g_autofree char *path = NULL;
  LiaBundleExport summary = { 0 };

  if (opt.forr == NULL)
    return cli_usage_error ("Name the organisation the bundle is for (--for ORG)");
  if (opt.output == NULL)
    return cli_usage_error ("Name the file to write (-o FILE)");
  store = cli_open_store (options, &error);
  if (store == NULL)
    return cli_fail (error);
  /* Written beside the target and renamed into place: a failure never
   * leaves half a bundle under the name asked for. */
  file = g_file_new_for_commandline_arg (opt.output);
  path = g_file_get_path (file);
  out = lia_atomic_file_new (path, TRUE, "the bundle", &error);
  if (out == NULL
      || !lia_exchange_export_bundle (store, opt.forr,
                                      opt_new ? LIA_BUNDLE_EXPORT_NEW : LIA_BUNDLE_EXPORT_ALL,
                                      lia_atomic_file_get_stream (out), &summary, &error)
      || !lia_atomic_file_commit (out, &error))
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_string (b, "file", path);
      cli_json_member_int (b, "envelopes", summary.envelopes);
      cli_json_member_int (b, "chunks", summary.chunks);
      cli_json_member_int (b, "left_out", summary.left_out);
      cli_json_member (b, "acknowledged");
      if (opt_new)
        cli_json_bool (b, summary.acknowledged);
      else
        cli_json_null (b);
      cli_json_end_object (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  if (summary.chunks > 0)
    g_print ("Wrote %u envelope%s and %u chunk%s of attachments for %s to %s.\n",
             summary.envelopes, summary.envelopes == 1 ? "" : "s", summary.chunks,
             summary.chunks == 1 ? "" : "s", opt.forr, opt.output);
  else
    g_print ("Wrote %u envelope%s for %s to %s.\n", summary.envelopes,
             summary.envelopes == 1 ? "" : "s", opt.forr, opt.output);
  if (opt_new && !summary.acknowledged)
    g_print ("%s has not acknowledged anything yet (by a bundle of its own or a sync), so "
             "everything for it was written.\n", opt.forr);
  else if (opt_new)
    g_print ("Left out %u envelope%s that %s already holds or does not accept, as it last "
             "acknowledged.\n", summary.left_out, summary.left_out == 1 ? "" : "s", opt.forr);
  return EXIT_OK;
}

static int
cmd_bundle_import (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GFile) file = g_file_new_for_commandline_arg (options->args[0]);
  g_autoptr (GFileInputStream) in = NULL;
  g_autoptr (GInputStream) buffered = NULL;
  g_autoptr (LiaImportReport) report = NULL;

  in = g_file_read (file, NULL, &error);
  if (in == NULL)
    return cli_fail (error);
  store = cli_open_store (options, &error);
  if (store == NULL)
    return cli_fail (error);
  buffered = g_buffered_input_stream_new_sized (G_INPUT_STREAM (in), 256 * 1024);
  report = lia_exchange_import_bundle (store, buffered, &error);
  if (report == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_int (b, "accepted", report->accepted);
      cli_json_member_int (b, "duplicates", report->duplicates);
      cli_json_member_int (b, "refused", report->refused);
      cli_json_member (b, "refusals");
      cli_json_begin_array (b);
      for (guint i = 0; i < report->refusals->len; i++)
        cli_json_string (b, report->refusals->pdata[i]);
      cli_json_end_array (b);
      cli_json_member_string (b, "cut_short", report->cut_short);
      cli_json_member_int (b, "chunks_accepted", report->chunks_accepted);
      cli_json_member_int (b, "chunks_duplicates", report->chunks_duplicate);
      cli_json_member_int (b, "chunks_refused", report->chunks_refused);
      cli_json_member_string (b, "acknowledged_by", report->acknowledged_by);
      cli_json_member_string (b, "acknowledgement_refused", report->acknowledgement_refused);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  else
    {
      guint chunks = report->chunks_accepted + report->chunks_duplicate + report->chunks_refused;

      g_print ("Accepted %u envelope%s; %u held already; %u refused.\n", report->accepted,
               report->accepted == 1 ? "" : "s", report->duplicates, report->refused);
      if (chunks > 0)
        g_print ("Stored %u chunk%s of attachments; %u held already; %u refused.\n",
                 report->chunks_accepted, report->chunks_accepted == 1 ? "" : "s",
                 report->chunks_duplicate, report->chunks_refused);
      if (report->acknowledged_by != NULL)
        g_print ("Noted what %s holds, as the bundle acknowledges: bundle export --new leaves "
                 "that out.\n", report->acknowledged_by);
      for (guint i = 0; i < report->refusals->len; i++)
        g_printerr ("%s\n", (const char *) report->refusals->pdata[i]);
      if (report->acknowledgement_refused != NULL)
        g_printerr ("%s\n", report->acknowledgement_refused);
      if (report->cut_short != NULL)
        g_printerr ("%s\n", report->cut_short);
    }
  /* Everything whole was imported; the exit status still says that not
   * everything in the file was. */
  return report->refused > 0 || report->chunks_refused > 0 || report->cut_short != NULL
             || report->acknowledgement_refused != NULL
           ? EXIT_FAILED : EXIT_OK;
}

static int
cmd_destroy_due (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  GDate today;
  int n;

  if (!cli_get_today (opt.today, &today, &error))
    return cli_fail (error);
  store = cli_open_store (options, &error);
  if (store == NULL || (n = lia_exchange_destroy_due (store, &today, &error)) < 0)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_int (b, "destroyed", n);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  else
    g_print ("%d record%s destroyed or returned as agreed.\n", n, n == 1 ? "" : "s");
  return EXIT_OK;
}

/* ---- the table ------------------------------------------------------------ */

static const GOptionEntry share_entries[] = {
  { "with", 0, 0, G_OPTION_ARG_STRING, &opt.with, "The participant (organisation)", "ORG" },
  { "categories", 0, 0, G_OPTION_ARG_STRING, &opt.categories,
    "Record kinds, comma-separated, or all", "LIST" },
  { "by", 0, 0, G_OPTION_ARG_STRING, &opt.by, "Who decided (default: you)", "NAME" },
  { NULL }
};

static const GOptionEntry release_entries[] = {
  { "to", 0, 0, G_OPTION_ARG_STRING, &opt.to, "The organisation to release it to", "ORG" },
  { "reason", 0, 0, G_OPTION_ARG_STRING, &opt.reason, "Why (goes in both logs)", "TEXT" },
  { "by", 0, 0, G_OPTION_ARG_STRING, &opt.by, "Who decided (default: you)", "NAME" },
  { NULL }
};

static const GOptionEntry extend_entries[] = {
  { "to", 0, 0, G_OPTION_ARG_STRING, &opt.to, "The organisation it should go to", "ORG" },
  { "reason", 0, 0, G_OPTION_ARG_STRING, &opt.reason, "Why it needs it", "TEXT" },
  { "by", 0, 0, G_OPTION_ARG_STRING, &opt.by, "Who asks (default: you)", "NAME" },
  { "today", 0, 0, G_OPTION_ARG_STRING, &opt.today, "Act as if today were DATE", "DATE" },
  { NULL }
};

static const GOptionEntry withdraw_entries[] = {
  { "reason", 0, 0, G_OPTION_ARG_STRING, &opt.reason, "Why (the recipients are told)", "TEXT" },
  { "by", 0, 0, G_OPTION_ARG_STRING, &opt.by, "Who decided (default: you)", "NAME" },
  { NULL }
};

static const GOptionEntry export_entries[] = {
  { "for", 0, 0, G_OPTION_ARG_STRING, &opt.forr, "The organisation it is for", "ORG" },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt.output, "The file to write", "FILE" },
  { "new", 0, 0, G_OPTION_ARG_NONE, &opt_new,
    "Only the envelopes it has not acknowledged holding", NULL },
  { NULL }
};

static const GOptionEntry today_entries[] = {
  { "today", 0, 0, G_OPTION_ARG_STRING, &opt.today, "Act as if today were DATE", "DATE" },
  { NULL }
};

#define RESET , reset_options

const Command cli_exchange_commands[] = {
  { "case", "share", "CASE --with ORG --categories LIST", 1,
    "Send a participant these categories of this organisation's records", share_entries,
    cmd_case_share, 0 RESET },
  { "case", "unshare", "CASE --with ORG [--categories LIST]", 1,
    "Stop sending a participant these categories (all if none named)", share_entries,
    cmd_case_unshare, 0 RESET },
  { "case", "sharing", "CASE", 1, "This organisation's sharing decisions on a case", NULL,
    cmd_case_sharing, 0 RESET },
  { "record", "recipients", "RECORD", 1, "Who a record's current version is for, and why", NULL,
    cmd_record_recipients, 0 RESET },
  { "record", "release", "RECORD --to ORG --reason TEXT", 1,
    "Release one of this organisation's records (secret ones too) to an organisation",
    release_entries, cmd_record_release, 0 RESET },
  { "record", "withdraw", "RECORD --reason TEXT", 1,
    "Withdraw one of this organisation's records: its recipients delete it", withdraw_entries,
    cmd_record_withdraw, 0 RESET },
  { "request", "extend", "RECORD --to ORG --reason TEXT", 1,
    "Ask a record's originator to agree to its disclosure to another organisation",
    extend_entries, cmd_request_extend, 0 RESET },
  { "bundle", "export", "--for ORG -o FILE [--new]", 0,
    "Write every envelope an organisation is to receive (or only those it lacks) to a file",
    export_entries,
    cmd_bundle_export, 0 RESET },
  { "bundle", "import", "FILE", 1, "Verify and store the envelopes of a bundle file", NULL,
    cmd_bundle_import, 0 RESET },
  { "destroy-due", NULL, "", 0,
    "Destroy received material whose destruction or return date has come", today_entries,
    cmd_destroy_due, 0 RESET },
};

const guint cli_exchange_n_commands = G_N_ELEMENTS (cli_exchange_commands);
