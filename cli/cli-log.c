/* cli-log.c: liaison-cli's commands for the disclosure log: reading it,
 * verifying its chain and signatures, and exporting it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cli.h"
#include "cli-json.h"
#include "lia-log.h"

/* ---- option values ------------------------------------------------------------ */

typedef struct
{
  char *case_id, *format, *output;
} Options;

static Options opt;

static gboolean
reset_options (const char *name, const char *value, gpointer data, GError **error)
{
  g_clear_pointer (&opt.case_id, g_free);
  g_clear_pointer (&opt.format, g_free);
  g_clear_pointer (&opt.output, g_free);
  return TRUE;
}

/* ---- helpers ---------------------------------------------------------------- */

static char *
format_time (gint64 at, gboolean utc)
{
  g_autoptr (GDateTime) time = utc ? g_date_time_new_from_unix_utc (at / G_USEC_PER_SEC)
                                   : g_date_time_new_from_unix_local (at / G_USEC_PER_SEC);

  if (time == NULL)
    return g_strdup ("?");
  return g_date_time_format (time, utc ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S");
}

static char *
hex (GBytes *bytes)
{
  gsize len;
  const guint8 *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;
  GString *text;

  if (data == NULL)
    return NULL;
  text = g_string_sized_new (len * 2);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (text, "%02x", data[i]);
  return g_string_free (text, FALSE);
}

static void
add_party (CliJson *b, const char *member, const char *name, GBytes *key)
{
  g_autofree char *fingerprint = key != NULL && g_bytes_get_size (key) == LIA_IDENTITY_PUBLIC_KEY_BYTES
                                   ? lia_identity_fingerprint (g_bytes_get_data (key, NULL))
                                   : NULL;

  cli_json_member (b, member);
  if (name == NULL && key == NULL)
    {
      cli_json_null (b);
      return;
    }
  cli_json_begin_object (b);
  cli_json_member_string (b, "name", name);
  cli_json_member_string (b, "fingerprint", fingerprint);
  cli_json_end_object (b);
}

static void
add_entry (CliJson *b, const LiaLogEntry *e)
{
  g_autofree char *at = format_time (e->at, TRUE);
  g_autofree char *hash = hex (e->hash);

  cli_json_begin_object (b);
  cli_json_member_int (b, "seq", e->seq);
  cli_json_member_string (b, "at", at);
  cli_json_member_string (b, "event", lia_log_event_to_string (e->event));
  cli_json_member_string (b, "on", e->on);
  cli_json_member_string (b, "case", e->case_id);
  cli_json_member_string (b, "record", e->record_id);
  cli_json_member (b, "record_version");
  if (e->record_version != 0)
    cli_json_int (b, e->record_version);
  else
    cli_json_null (b);
  cli_json_member_string (b, "what", e->what);
  cli_json_member_string (b, "request", e->request_id);
  add_party (b, "counterpart", e->counterpart_name, e->counterpart_key);
  add_party (b, "redirect_to", e->redirect_name, e->redirect_key);
  cli_json_member_string (b, "decision", e->decision);
  cli_json_member_string (b, "reason", e->reason);
  cli_json_member_string (b, "basis", e->basis);
  cli_json_member_string (b, "by", e->by);
  cli_json_member_string (b, "hash", hash);
  cli_json_end_object (b);
}

/* Free text on one line. */
static char *
one_line (const char *text)
{
  return text != NULL ? g_strdelimit (g_strdup (text), "\r\n\t", ' ') : NULL;
}

/* Two lines: when, what happened, with whom and to what; then the
 * decision, who took it and why. */
static void
print_entry (const LiaLogEntry *e)
{
  g_autofree char *at = format_time (e->at, FALSE);
  g_autofree char *what = one_line (e->what);
  g_autofree char *reason = one_line (e->reason);
  g_autofree char *basis = one_line (e->basis);
  g_autofree char *record = e->record_id != NULL
                              ? g_strdup_printf ("record %.8s v%" G_GINT64_FORMAT, e->record_id,
                                                 e->record_version)
                              : NULL;
  GString *line = g_string_new (NULL);

  g_string_append_printf (line, "#%" G_GINT64_FORMAT "  %s  %-10s  %s", e->seq, at,
                          lia_log_event_to_string (e->event),
                          e->counterpart_name ? e->counterpart_name : "—");
  if (e->redirect_name != NULL)
    g_string_append_printf (line, " → %s", e->redirect_name);
  if (record != NULL)
    g_string_append_printf (line, "  %s", record);
  if (what != NULL)
    g_string_append_printf (line, "%s%s", record ? ": " : "  ", what);
  g_print ("%s\n", line->str);

  g_string_truncate (line, 0);
  if (e->decision != NULL)
    g_string_append (line, e->decision);
  if (e->by != NULL)
    g_string_append_printf (line, "%sby %s", line->len ? " " : "", e->by);
  if (e->on != NULL)
    g_string_append_printf (line, "%son %s", line->len ? " " : "", e->on);
  if (reason != NULL)
    g_string_append_printf (line, "%s%s", line->len ? ": " : "", reason);
  if (basis != NULL)
    g_string_append_printf (line, "%sbasis: %s", line->len ? " — " : "", basis);
  if (line->len > 0)
    g_print ("    %s\n", line->str);
  g_string_free (line, TRUE);
}

/* ---- commands ---------------------------------------------------------------- */

static int
cmd_log (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (GPtrArray) entries = NULL;

  if (store == NULL || (entries = lia_log_list (store, opt.case_id, &error)) == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_array (b);
      for (guint i = 0; i < entries->len; i++)
        add_entry (b, entries->pdata[i]);
      cli_json_end_array (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  if (entries->len == 0)
    g_print (opt.case_id ? "The disclosure log has no entries for this case.\n"
                         : "The disclosure log is empty.\n");
  for (guint i = 0; i < entries->len; i++)
    print_entry (entries->pdata[i]);
  return EXIT_OK;
}

/* A broken log is the answer to the question asked, not a failure to
 * answer it: with --json it is reported on standard output like an intact
 * one, as well as on standard error; the exit status is 2 either way. */
static int
cmd_log_verify (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  gint64 n = 0, bad = 0;
  gboolean intact;

  if (store == NULL)
    return cli_fail (error);
  intact = lia_log_verify_full (store, &n, &bad, &error);
  if (!intact && error->domain != LIA_LOG_ERROR)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_bool (b, "intact", intact);
      cli_json_member_int (b, "entries", n);
      cli_json_member (b, "bad_entry");
      if (intact)
        cli_json_null (b);
      else
        cli_json_int (b, bad);
      cli_json_member_string (b, "problem", intact ? NULL : lia_log_error_to_string (error->code));
      cli_json_member_string (b, "message", intact ? NULL : error->message);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  else if (intact)
    g_print ("%" G_GINT64_FORMAT " %s, chain and signatures intact\n", n,
             n == 1 ? "entry" : "entries");
  if (!intact)
    return cli_fail (error);
  return EXIT_OK;
}

static gboolean
write_log (GOutputStream *out, gpointer entries, GError **error)
{
  return lia_log_write_csv (entries, out, error);
}

static int
cmd_export_log (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autofree char *path = NULL;

  if (opt.format != NULL && !g_str_equal (opt.format, "csv"))
    return cli_usage_error ("The disclosure log is exported as CSV (--format csv), not “%s”",
                            opt.format);
  store = cli_open_store (options, &error);
  if (store == NULL
      || (entries = lia_log_list (store, options->args[0], &error)) == NULL
      || !cli_write_output (opt.output, write_log, entries, &path, &error))
    return cli_fail (error);
  if (path == NULL)
    return EXIT_OK;
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_string (b, "file", path);
      cli_json_member_int (b, "entries", entries->len);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  else
    g_print ("Wrote %u disclosure log entries to %s.\n", entries->len, opt.output);
  return EXIT_OK;
}

/* ---- the table -------------------------------------------------------------------- */

static const GOptionEntry log_entries[] = {
  { "case", 0, 0, G_OPTION_ARG_STRING, &opt.case_id, "Only the entries of CASE", "CASE" },
  { NULL }
};

static const GOptionEntry export_entries[] = {
  { "format", 0, 0, G_OPTION_ARG_STRING, &opt.format, "csv", "FORMAT" },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt.output,
    "Write to FILE (default, or -, standard output)", "FILE" },
  { NULL }
};

/* "log verify" before "log": a command without a subcommand matches any
 * words after its name. */
const Command cli_log_commands[] = {
  { "log", "verify", "", 0, "Check the disclosure log's hash chain and signatures", NULL,
    cmd_log_verify, 0, reset_options },
  { "log", NULL, "[--case CASE]", 0,
    "The disclosure log: what was disclosed, received, declined, withheld, ...", log_entries,
    cmd_log, 0, reset_options },
  { "export", "log", "CASE --format csv [-o FILE]", 1, "Export a case's disclosure log as CSV",
    export_entries, cmd_export_log, 0, reset_options },
};

const guint cli_log_n_commands = G_N_ELEMENTS (cli_log_commands);
