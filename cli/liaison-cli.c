/* liaison-cli: the headless tool, for scripting, servers and tests.
 *
 * liaison-cli [--store DIR] [--passphrase-file FILE] [--json] COMMAND [OPTIONS]
 *
 * Every command prints human text by default and one line of stable JSON
 * with --json. Errors go to stderr. Exit status: 0 on success, 1 on a usage
 * error, 2 on any other failure.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <gio/gunixoutputstream.h>
#include <json-glib/json-glib.h>
#include <sodium.h>

#include "cli.h"
#include "lia-attachment.h"
#include "lia-backup.h"
#include "lia-exchange.h"
#include "lia-calendar.h"
#include "lia-crypt-vfs.h"
#include "lia-fields.h"
#include "lia-store.h"

static const char *prog_name = "liaison-cli";

/* Exit 1 when what was typed is wrong or incomplete (a usage error, or a
 * value the model refuses: a bad date, an unknown field, a missing
 * reason); 2 when it could not be done (not found, not allowed, the
 * store). */
int
cli_fail (GError *error)
{
  gboolean usage = (error->domain == CLI_ERROR && error->code == CLI_ERROR_USAGE)
                   || (error->domain == LIA_MODEL_ERROR
                       && (error->code == LIA_MODEL_ERROR_INVALID
                           || error->code == LIA_MODEL_ERROR_MISSING
                           || error->code == LIA_MODEL_ERROR_UNKNOWN))
                   || g_error_matches (error, LIA_ATTACHMENT_ERROR, LIA_ATTACHMENT_ERROR_INVALID);

  if (usage)
    g_printerr ("%s: %s\nRun “%s --help” for usage.\n", prog_name, error->message, prog_name);
  else
    g_printerr ("%s: %s\n", prog_name, error->message);
  g_error_free (error);
  return usage ? EXIT_USAGE : EXIT_FAILED;
}

int
cli_usage_error (const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("%s: %s\nRun “%s --help” for usage.\n", prog_name, message, prog_name);
  return EXIT_USAGE;
}

const char *
cli_person_name (const char *given)
{
  const char *name;

  if (given != NULL)
    return given;
  name = g_get_real_name ();
  if (name == NULL || *name == '\0' || g_str_equal (name, "Unknown"))
    name = g_get_user_name ();
  return name;
}

static const char *
store_dir (CliOptions *options)
{
  if (options->store_dir == NULL)
    options->store_dir = g_build_filename (g_get_user_data_dir (), "liaison", NULL);
  return options->store_dir;
}

void
cli_print_json (JsonBuilder *builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

gboolean
cli_write_output (const char   *output,
                  CliWriteFunc  write,
                  gpointer      data,
                  char        **out_path,
                  GError      **error)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (LiaAtomicFile) out = NULL;
  g_autofree char *path = NULL;

  *out_path = NULL;
  if (output == NULL || g_str_equal (output, "-"))
    {
      g_autoptr (GOutputStream) stdout_stream = g_unix_output_stream_new (1, FALSE);

      return write (stdout_stream, data, error);
    }
  /* Written beside the target and renamed into place: a failure (a full
   * disk) never leaves part of a file under the name asked for. */
  file = g_file_new_for_commandline_arg (output);
  path = g_file_get_path (file);
  out = lia_atomic_file_new (path, TRUE, "the output file", error);
  if (out == NULL || !write (lia_atomic_file_get_stream (out), data, error)
      || !lia_atomic_file_commit (out, error))
    return FALSE;
  *out_path = g_steal_pointer (&path);
  return TRUE;
}

static char *
bytes_to_hex (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  char *hex = g_malloc (len * 2 + 1);

  sodium_bin2hex (hex, len * 2 + 1, data, len);
  return hex;
}

/* Material that another organisation disclosed and whose destruction or
 * return date has come is destroyed whenever the store is opened, before
 * anything else (lia_exchange_destroy_due); a failure is reported but does
 * not stop the command, and is tried again next time. */
static void
destroy_due (LiaStore *store)
{
  g_autoptr (GError) error = NULL;
  GDate today;
  int n;

  if (!cli_get_today (NULL, &today, &error))
    return;
  n = lia_exchange_destroy_due (store, &today, &error);
  if (n < 0)
    g_printerr ("%s: could not destroy material that is due: %s\n", prog_name, error->message);
  else if (n > 0)
    g_printerr ("%s: destroyed %d record%s whose destruction or return date had come; the "
                "disclosure log says which\n", prog_name, n, n == 1 ? "" : "s");
}

LiaStore *
cli_open_store (CliOptions *options,
                GError    **error)
{
  g_autoptr (LiaSecret) passphrase = NULL;
  g_autoptr (LiaStore) store = lia_store_new (store_dir (options));

  if (!lia_store_exists (store))
    {
      g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
                   "There is no Liaison store in %s; create one with “%s init --org NAME "
                   "--kind KIND”, or name another with --store DIR",
                   lia_store_get_directory (store), prog_name);
      return NULL;
    }
  passphrase = cli_get_passphrase ("LIAISON_PASSPHRASE", options->passphrase_file,
                                   "Passphrase: ", FALSE, error);
  if (passphrase == NULL)
    return NULL;
  if (!lia_store_unlock (store, lia_secret_get_string (passphrase), NULL, error))
    return NULL;
  destroy_due (store);
  return g_steal_pointer (&store);
}

static char *
data_to_hex (const guint8 *data,
             gsize         len)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (data, len);

  return bytes_to_hex (bytes);
}

/* "public_keys" and "signatures" of whoami --json and identity rotate
 * --json. */
static void
add_public_keys_json (JsonBuilder *builder,
                      LiaStore    *store)
{
  LiaOrgPublicKeys keys;
  g_autofree char *identity = NULL, *box = NULL, *curve = NULL;
  g_autofree char *box_signature = NULL, *curve_signature = NULL;

  lia_store_get_public_keys (store, &keys);
  identity = data_to_hex (keys.identity, sizeof keys.identity);
  box = data_to_hex (keys.box, sizeof keys.box);
  curve = data_to_hex (keys.curve, sizeof keys.curve);
  box_signature = data_to_hex (keys.box_signature, sizeof keys.box_signature);
  curve_signature = data_to_hex (keys.curve_signature, sizeof keys.curve_signature);

  json_builder_set_member_name (builder, "public_keys");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "identity");
  json_builder_add_string_value (builder, identity);
  json_builder_set_member_name (builder, "box");
  json_builder_add_string_value (builder, box);
  json_builder_set_member_name (builder, "curve");
  json_builder_add_string_value (builder, curve);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "signatures");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "box");
  json_builder_add_string_value (builder, box_signature);
  json_builder_set_member_name (builder, "curve");
  json_builder_add_string_value (builder, curve_signature);
  json_builder_end_object (builder);
}

/* whoami's output, which init shares. */
static void
print_identity (CliOptions *options,
                LiaStore   *store)
{
  g_autofree char *fingerprint = lia_store_dup_fingerprint (store);
  const char *kind = lia_org_kind_to_string (lia_store_get_org_kind (store));

  if (options->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, lia_store_get_org_name (store));
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, kind);
      json_builder_set_member_name (builder, "fingerprint");
      json_builder_add_string_value (builder, fingerprint);
      json_builder_set_member_name (builder, "store");
      json_builder_add_string_value (builder, lia_store_get_directory (store));
      add_public_keys_json (builder, store);
      json_builder_end_object (builder);
      cli_print_json (builder);
    }
  else
    {
      g_print ("Organisation: %s\n", lia_store_get_org_name (store));
      g_print ("Kind:         %s\n", kind);
      g_print ("Fingerprint:  %s\n", fingerprint);
      g_print ("Store:        %s\n", lia_store_get_directory (store));
    }
}

/* The identity backup's passphrase: LIAISON_BACKUP_PASSPHRASE, else
 * --backup-passphrase-file, else a prompt (twice when choosing one). */
static LiaSecret *
get_backup_passphrase (CliOptions *options,
                       gboolean    choose,
                       GError    **error)
{
  return cli_get_passphrase ("LIAISON_BACKUP_PASSPHRASE", options->backup_passphrase_file,
                             choose ? "Choose a passphrase for the identity backup: "
                                    : "Passphrase of the identity backup: ",
                             choose, error);
}

/* Reads @path and checks its header, so that a missing, damaged or too new
 * backup is refused before any passphrase is asked for. */
static gboolean
check_backup_file (const char *path,
                   GError    **error)
{
  g_autoptr (GBytes) backup = lia_backup_load_file (path, error);

  return backup != NULL
         && lia_backup_check_header (g_bytes_get_data (backup, NULL), g_bytes_get_size (backup),
                                     error);
}

static int
cmd_init (CliOptions *options)
{
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (LiaSecret) passphrase = NULL;
  g_autoptr (LiaSecret) backup_passphrase = NULL;
  GError *error = NULL;
  LiaOrgKind kind = LIA_ORG_KIND_AGENCY;

  if (options->restore != NULL)
    {
      if (options->org_name != NULL || options->kind != NULL)
        return cli_usage_error ("init --restore takes the organisation's name and kind from "
                                "the backup; leave out --org and --kind");
    }
  else
    {
      if (options->org_name == NULL || options->kind == NULL)
        return cli_usage_error ("init needs --org NAME and --kind KIND (or --restore FILE)");
      if (!lia_org_kind_from_string (options->kind, &kind))
        return cli_usage_error ("“%s” is not a kind of organisation; the kinds are %s",
                                options->kind, lia_org_kind_all_names ());
    }

  store = lia_store_new (store_dir (options));
  if (lia_store_exists (store))
    {
      g_printerr ("%s: %s already holds a Liaison store; nothing was changed\n", prog_name,
                  lia_store_get_directory (store));
      return EXIT_FAILED;
    }
  if (options->restore != NULL)
    {
      if (!check_backup_file (options->restore, &error))
        return cli_fail (error);
      backup_passphrase = get_backup_passphrase (options, FALSE, &error);
      if (backup_passphrase == NULL)
        return cli_fail (error);
    }
  passphrase = cli_get_passphrase ("LIAISON_PASSPHRASE", options->passphrase_file,
                                   "Choose a passphrase for the store: ", TRUE, &error);
  if (passphrase == NULL)
    return cli_fail (error);

  if (options->restore != NULL)
    {
      if (!lia_store_create_from_backup (store, options->restore,
                                         lia_secret_get_string (backup_passphrase),
                                         lia_secret_get_string (passphrase), NULL, &error))
        return cli_fail (error);
      if (!options->json)
        g_print ("Restored the identity of %s from %s into a new store in %s.\n\n",
                 lia_store_get_org_name (store), options->restore,
                 lia_store_get_directory (store));
    }
  else
    {
      if (!lia_store_create (store, options->org_name, kind, lia_secret_get_string (passphrase),
                             NULL, &error))
        return cli_fail (error);
      if (!options->json)
        g_print ("Created a store for %s in %s.\n\n", lia_store_get_org_name (store),
                 lia_store_get_directory (store));
    }
  print_identity (options, store);
  return EXIT_OK;
}

static int
cmd_whoami (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);

  if (store == NULL)
    return cli_fail (error);
  print_identity (options, store);
  return EXIT_OK;
}

static int
cmd_identity_export (CliOptions *options)
{
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (LiaSecret) backup_passphrase = NULL;
  g_autofree char *fingerprint = NULL;
  GError *error = NULL;

  if (options->output == NULL)
    return cli_usage_error ("identity export needs -o FILE");
  /* The file is written atomically, beside its final name; standard
   * output cannot be. */
  if (g_str_equal (options->output, "-"))
    return cli_usage_error ("identity export writes to a file, not to standard output");
  /* Said before any passphrase is asked for; the export itself refuses
   * again, atomically, if the file appears meanwhile. */
  if (!options->force && g_file_test (options->output, G_FILE_TEST_EXISTS))
    {
      g_printerr ("%s: %s already exists; nothing was written. Choose another file, or use "
                  "--force to replace it\n",
                  prog_name, options->output);
      return EXIT_FAILED;
    }

  store = cli_open_store (options, &error);
  if (store == NULL)
    return cli_fail (error);
  backup_passphrase = get_backup_passphrase (options, TRUE, &error);
  if (backup_passphrase == NULL)
    return cli_fail (error);
  if (!lia_store_export_identity (store, options->output,
                                  lia_secret_get_string (backup_passphrase), options->force, NULL,
                                  &error))
    return cli_fail (error);

  fingerprint = lia_store_dup_fingerprint (store);
  if (options->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "exported");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_set_member_name (builder, "file");
      json_builder_add_string_value (builder, options->output);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, lia_store_get_org_name (store));
      json_builder_set_member_name (builder, "fingerprint");
      json_builder_add_string_value (builder, fingerprint);
      json_builder_end_object (builder);
      cli_print_json (builder);
    }
  else
    g_print ("Wrote the identity of %s (fingerprint %s) to %s.\n"
             "Keep the file and its passphrase apart from each other and from the store: with "
             "both, anyone can act as %s. Restore it with “%s init --restore %s”.\n",
             lia_store_get_org_name (store), fingerprint, options->output,
             lia_store_get_org_name (store), prog_name, options->output);
  return EXIT_OK;
}

static int
cmd_identity_rotate (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autofree char *fingerprint = NULL;
  g_autofree char *box = NULL, *curve = NULL;
  LiaOrgPublicKeys keys;
  guint told = 0;

  if (store == NULL)
    return cli_fail (error);
  if (!lia_store_rotate_keys (store, &keys, &error))
    return cli_fail (error);
  /* The peers hear of it in their next bundle (or sync). */
  if (!lia_exchange_announce_keys (store, &told, &error))
    return cli_fail (error);

  fingerprint = lia_store_dup_fingerprint (store);
  if (options->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "rotated");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_set_member_name (builder, "fingerprint");
      json_builder_add_string_value (builder, fingerprint);
      json_builder_set_member_name (builder, "peers_told");
      json_builder_add_int_value (builder, told);
      add_public_keys_json (builder, store);
      json_builder_end_object (builder);
      cli_print_json (builder);
    }
  else
    {
      box = data_to_hex (keys.box, sizeof keys.box);
      curve = data_to_hex (keys.curve, sizeof keys.curve);
      g_print ("New keys for %s, signed by its identity key:\n"
               "Envelope key:   %s\n"
               "Transport key:  %s\n"
               "The identity key and the fingerprint (%s) are unchanged. Envelopes sealed for "
               "the old envelope key can still be opened. A notice of the new keys, signed by "
               "the identity key, is sealed for %u peer%s: they take the new keys from "
               "their next bundle (bundle export).\n",
               lia_store_get_org_name (store), box, curve, fingerprint, told,
               told == 1 ? "" : "s");
    }
  return EXIT_OK;
}

static int
cmd_passphrase_change (CliOptions *options)
{
  g_autoptr (LiaStore) store = lia_store_new (store_dir (options));
  g_autoptr (LiaSecret) old_passphrase = NULL;
  g_autoptr (LiaSecret) new_passphrase = NULL;
  GError *error = NULL;

  if (!lia_store_exists (store))
    return cli_usage_error ("There is no Liaison store in %s", lia_store_get_directory (store));
  old_passphrase = cli_get_passphrase ("LIAISON_PASSPHRASE", options->passphrase_file,
                                       "Current passphrase: ", FALSE, &error);
  if (old_passphrase == NULL)
    return cli_fail (error);
  new_passphrase = cli_get_passphrase ("LIAISON_NEW_PASSPHRASE", options->new_passphrase_file,
                                       "New passphrase: ", TRUE, &error);
  if (new_passphrase == NULL)
    return cli_fail (error);
  if (!lia_store_change_passphrase (store, lia_secret_get_string (old_passphrase),
                                    lia_secret_get_string (new_passphrase), NULL, &error))
    return cli_fail (error);

  if (options->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "changed");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_set_member_name (builder, "store");
      json_builder_add_string_value (builder, lia_store_get_directory (store));
      json_builder_end_object (builder);
      cli_print_json (builder);
    }
  else
    g_print ("The passphrase of the store in %s has been changed. The old passphrase no longer "
             "opens it.\n",
             lia_store_get_directory (store));
  return EXIT_OK;
}

static int
cmd_store_check (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  guint64 pages = 0;

  if (store == NULL)
    return cli_fail (error);
  if (!lia_store_check (store, &pages, &error))
    return cli_fail (error);

  if (options->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "ok");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_set_member_name (builder, "pages");
      json_builder_add_int_value (builder, (gint64) pages);
      json_builder_set_member_name (builder, "store");
      json_builder_add_string_value (builder, lia_store_get_directory (store));
      json_builder_end_object (builder);
      cli_print_json (builder);
    }
  else
    g_print ("The store in %s is sound: all %" G_GUINT64_FORMAT " pages authenticated and "
             "SQLite's integrity check passed.\n",
             lia_store_get_directory (store), pages);
  return EXIT_OK;
}

/* ---- calendar ------------------------------------------------------------ */

static const char *const weekday_names[] = {
  "", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
};

static gboolean
parse_count (const char *text, int *out, GError **error)
{
  gint64 value;

  /* Ten years of days either way is more than any statutory timescale. */
  if (!g_ascii_string_to_signed (text, 10, -3660, 3660, &value, NULL))
    {
      g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
                   "“%s” is not a whole number between -3660 and 3660", text);
      return FALSE;
    }
  *out = (int) value;
  return TRUE;
}

static gboolean
parse_date_arg (const char *text, GDate *out, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!lia_date_parse (text, out, &local_error))
    {
      g_set_error_literal (error, CLI_ERROR, CLI_ERROR_USAGE, local_error->message);
      return FALSE;
    }
  return TRUE;
}

static void
print_date_result (CliOptions *options, const char *from, const char *what, int n,
                   const GDate *result)
{
  g_autofree char *date = lia_date_format (result);

  if (options->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "from");
      json_builder_add_string_value (builder, from);
      json_builder_set_member_name (builder, what);
      json_builder_add_int_value (builder, n);
      json_builder_set_member_name (builder, "date");
      json_builder_add_string_value (builder, date);
      json_builder_set_member_name (builder, "weekday");
      json_builder_add_string_value (builder, weekday_names[g_date_get_weekday (result)]);
      json_builder_end_object (builder);
      cli_print_json (builder);
    }
  else
    g_print ("%s (%s)\n", date, weekday_names[g_date_get_weekday (result)]);
}

static int
working_days_command (CliOptions *options, int sign)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_current (NULL);
  GError *error = NULL;
  GDate from, result;
  int n;

  if (!parse_date_arg (options->args[0], &from, &error)
      || !parse_count (options->args[1], &n, &error)
      || !lia_calendar_add_working_days (calendar, &from, sign * n, &result, &error))
    return cli_fail (error);
  print_date_result (options, options->args[0], "working_days", sign * n, &result);
  return EXIT_OK;
}

static int
cmd_calendar_add_working_days (CliOptions *options)
{
  return working_days_command (options, 1);
}

static int
cmd_calendar_subtract_working_days (CliOptions *options)
{
  return working_days_command (options, -1);
}

static int
cmd_calendar_add_months (CliOptions *options)
{
  GError *error = NULL;
  GDate date;
  int n;

  if (!parse_date_arg (options->args[0], &date, &error)
      || !parse_count (options->args[1], &n, &error))
    return cli_fail (error);
  lia_date_add_months (&date, n);
  print_date_result (options, options->args[0], "months", n, &date);
  return EXIT_OK;
}

static int
cmd_calendar_show (CliOptions *options)
{
  g_autoptr (LiaCalendar) calendar = lia_calendar_new_current (NULL);
  g_autoptr (GPtrArray) holidays = NULL;
  gint64 year;

  if (!g_ascii_string_to_signed (options->args[0], 10, 1, 9999, &year, NULL))
    return cli_usage_error ("“%s” is not a year", options->args[0]);
  if (year < lia_calendar_get_first_year (calendar) || year > lia_calendar_get_last_year (calendar))
    {
      g_printerr ("%s: The bank holiday calendar covers %d to %d, not %" G_GINT64_FORMAT "\n",
                  prog_name, lia_calendar_get_first_year (calendar),
                  lia_calendar_get_last_year (calendar), year);
      return EXIT_FAILED;
    }
  holidays = lia_calendar_get_holidays (calendar, (int) year);

  if (options->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "year");
      json_builder_add_int_value (builder, year);
      json_builder_set_member_name (builder, "division");
      json_builder_add_string_value (builder, "england-and-wales");
      json_builder_set_member_name (builder, "bank_holidays");
      json_builder_begin_array (builder);
      for (guint i = 0; i < holidays->len; i++)
        {
          const LiaHoliday *holiday = holidays->pdata[i];
          g_autofree char *date = lia_date_format (&holiday->date);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "date");
          json_builder_add_string_value (builder, date);
          json_builder_set_member_name (builder, "title");
          json_builder_add_string_value (builder, holiday->title);
          json_builder_set_member_name (builder, "notes");
          json_builder_add_string_value (builder, holiday->notes);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      cli_print_json (builder);
    }
  else
    {
      g_print ("Bank holidays in England and Wales, %" G_GINT64_FORMAT ":\n", year);
      for (guint i = 0; i < holidays->len; i++)
        {
          const LiaHoliday *holiday = holidays->pdata[i];
          g_autofree char *date = lia_date_format (&holiday->date);

          g_print ("  %s  %-9s  %s%s%s%s\n", date,
                   weekday_names[g_date_get_weekday (&holiday->date)], holiday->title,
                   *holiday->notes ? " (" : "", holiday->notes, *holiday->notes ? ")" : "");
        }
    }
  return EXIT_OK;
}

static int
cmd_calendar_refresh (CliOptions *options)
{
  g_autoptr (LiaCalendar) calendar = NULL;
  LiaCalendarRefreshResult result;
  GError *error = NULL;

  if (!lia_calendar_refresh (options->url, NULL, 30, &result, NULL, &error))
    return cli_fail (error);
  calendar = lia_calendar_new_current (NULL);

  if (options->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "updated");
      json_builder_add_boolean_value (builder, result == LIA_CALENDAR_REFRESH_UPDATED);
      json_builder_set_member_name (builder, "first_year");
      json_builder_add_int_value (builder, lia_calendar_get_first_year (calendar));
      json_builder_set_member_name (builder, "last_year");
      json_builder_add_int_value (builder, lia_calendar_get_last_year (calendar));
      json_builder_end_object (builder);
      cli_print_json (builder);
    }
  else
    g_print ("%s The bank holiday calendar covers %d to %d.\n",
             result == LIA_CALENDAR_REFRESH_UPDATED ? "Refreshed." : "Already up to date.",
             lia_calendar_get_first_year (calendar), lia_calendar_get_last_year (calendar));
  return EXIT_OK;
}

/* ---- option parsing ------------------------------------------------------- */

static CliOptions cli;

static const GOptionEntry global_entries[] = {
  { "store", 's', 0, G_OPTION_ARG_FILENAME, &cli.store_dir,
    "The store directory (default: $XDG_DATA_HOME/liaison)", "DIR" },
  { "passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &cli.passphrase_file,
    "Read the passphrase from FILE (LIAISON_PASSPHRASE takes precedence)", "FILE" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &cli.json, "Print stable JSON instead of text", NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, &cli.version, "Print the version and exit", NULL },
  { NULL }
};

static const GOptionEntry init_entries[] = {
  { "org", 0, 0, G_OPTION_ARG_STRING, &cli.org_name, "The organisation's name", "NAME" },
  { "kind", 0, 0, G_OPTION_ARG_STRING, &cli.kind,
    "local-authority, icb, police, iopc or agency", "KIND" },
  { "restore", 0, 0, G_OPTION_ARG_FILENAME, &cli.restore,
    "Restore the identity in the backup FILE (instead of --org and --kind)", "FILE" },
  { "backup-passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &cli.backup_passphrase_file,
    "Read the backup's passphrase from FILE (LIAISON_BACKUP_PASSPHRASE takes precedence)",
    "FILE" },
  { NULL }
};

static const GOptionEntry export_entries[] = {
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &cli.output, "Write the backup to FILE", "FILE" },
  { "force", 0, 0, G_OPTION_ARG_NONE, &cli.force, "Replace FILE if it exists", NULL },
  { "backup-passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &cli.backup_passphrase_file,
    "Read the backup's passphrase from FILE (LIAISON_BACKUP_PASSPHRASE takes precedence)",
    "FILE" },
  { NULL }
};

static const GOptionEntry passphrase_entries[] = {
  { "new-passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &cli.new_passphrase_file,
    "Read the new passphrase from FILE (LIAISON_NEW_PASSPHRASE takes precedence)", "FILE" },
  { NULL }
};

static const GOptionEntry refresh_entries[] = {
  { "url", 0, 0, G_OPTION_ARG_STRING, &cli.url,
    "Fetch from URL (default " LIA_CALENDAR_DEFAULT_URL ")", "URL" },
  { NULL }
};

static const Command commands[] = {
  { "init", NULL, "--org NAME --kind KIND | --restore FILE", 0,
    "Create this organisation's store and identity, or a store with the identity in a backup",
    init_entries, cmd_init },
  { "whoami", NULL, "", 0, "Show this organisation's name, kind and identity fingerprint", NULL,
    cmd_whoami },
  { "identity", "export", "-o FILE [--force]", 0,
    "Write this organisation's identity to a backup file, under a passphrase of its own",
    export_entries, cmd_identity_export },
  { "identity", "rotate", "", 0,
    "Replace the envelope and transport keys (the identity key and fingerprint stay)", NULL,
    cmd_identity_rotate },
  { "passphrase", "change", "", 0, "Change the store's passphrase", passphrase_entries,
    cmd_passphrase_change },
  { "store", "check", "", 0, "Authenticate every page of the store and check its integrity",
    NULL, cmd_store_check },
  { "calendar", "add-working-days", "DATE N", 2,
    "The Nth working day after DATE (DATE not counted)", NULL, cmd_calendar_add_working_days },
  { "calendar", "subtract-working-days", "DATE N", 2, "The Nth working day before DATE", NULL,
    cmd_calendar_subtract_working_days },
  { "calendar", "add-months", "DATE N", 2, "DATE plus N calendar months (end of month clamped)",
    NULL, cmd_calendar_add_months },
  { "calendar", "show", "YEAR", 1, "The bank holidays of YEAR in England and Wales", NULL,
    cmd_calendar_show },
  { "calendar", "refresh", "[--url URL]", 0, "Fetch newer bank holiday data (GOV.UK's)",
    refresh_entries, cmd_calendar_refresh },
};

/* "passphrase change --new-passphrase-file FILE", without gaps for parts
 * that a command does not have. */
static char *
command_synopsis (const Command *command)
{
  GString *text = g_string_new (command->name);

  if (command->subcommand != NULL)
    g_string_append_printf (text, " %s", command->subcommand);
  if (command->parameters[0] != '\0')
    g_string_append_printf (text, " %s", command->parameters);
  return g_string_free (text, FALSE);
}

/* Every command, table by table: this file's, then each area's (cli.h). */
static const Command *
command_at (guint i)
{
  const struct
  {
    const Command *commands;
    guint          n;
  } tables[] = {
    { commands, G_N_ELEMENTS (commands) },
    { cli_model_commands, cli_model_n_commands },
    { cli_peer_commands, cli_peer_n_commands },
    { cli_exchange_commands, cli_exchange_n_commands },
    { cli_sync_commands, cli_sync_n_commands },
    { cli_attachment_commands, cli_attachment_n_commands },
    { cli_log_commands, cli_log_n_commands },
  };

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      if (i < tables[t].n)
        return &tables[t].commands[i];
      i -= tables[t].n;
    }
  return NULL;
}

static char *
commands_description (void)
{
  GString *text = g_string_new ("Commands:\n");
  const Command *command;

  for (guint i = 0; (command = command_at (i)) != NULL; i++)
    {
      g_autofree char *synopsis = command_synopsis (command);

      if (strlen (synopsis) > 36)
        g_string_append_printf (text, "  %s\n  %-36s %s\n", synopsis, "", command->summary);
      else
        g_string_append_printf (text, "  %-36s %s\n", synopsis, command->summary);
    }
  g_string_append (text, "\nRun “liaison-cli COMMAND --help” for a command's own options.\n"
                         "The passphrase comes from LIAISON_PASSPHRASE, else --passphrase-file, "
                         "else a prompt on the terminal;\nan identity backup's from "
                         "LIAISON_BACKUP_PASSPHRASE, else --backup-passphrase-file, else a "
                         "prompt.\n"
                         "Dates are YYYY-MM-DD. Cases, records and requests are named by their "
                         "id or its first few characters;\norganisations by a unique start of "
                         "their name or their fingerprint.\n"
                         "Exit status: 0 on success, 1 on a usage error, 2 on any other "
                         "failure.");
  return g_string_free (text, FALSE);
}

static gboolean
asks_for_help (char **args)
{
  for (guint i = 1; args[i] != NULL; i++)
    if (g_str_equal (args[i], "--help") || g_str_equal (args[i], "-h")
        || g_str_equal (args[i], "-?"))
      return TRUE;
  return FALSE;
}

/* The command that argv names: its name, then each word of its subcommand
 * ("participant add"). */
static const Command *
find_command (int argc, char **argv, int *n_words)
{
  const Command *command;

  if (argc < 2)
    return NULL;
  for (guint i = 0; (command = command_at (i)) != NULL; i++)
    {
      g_auto (GStrv) words = NULL;
      guint n;
      gboolean match = TRUE;

      if (!g_str_equal (argv[1], command->name))
        continue;
      words = command->subcommand ? g_strsplit (command->subcommand, " ", -1) : g_new0 (char *, 1);
      n = g_strv_length (words);
      if ((guint) argc < 2 + n)
        continue;
      for (guint j = 0; j < n && match; j++)
        match = g_str_equal (argv[2 + j], words[j]);
      if (match)
        {
          *n_words = 1 + (int) n;
          return command;
        }
    }
  return NULL;
}

static void
clear_options (void)
{
  g_clear_pointer (&cli.store_dir, g_free);
  g_clear_pointer (&cli.passphrase_file, g_free);
  g_clear_pointer (&cli.new_passphrase_file, g_free);
  g_clear_pointer (&cli.org_name, g_free);
  g_clear_pointer (&cli.kind, g_free);
  g_clear_pointer (&cli.url, g_free);
  g_clear_pointer (&cli.restore, g_free);
  g_clear_pointer (&cli.backup_passphrase_file, g_free);
  g_clear_pointer (&cli.output, g_free);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GOptionContext) command_context = NULL;
  g_autofree char *description = NULL;
  g_auto (GStrv) args = NULL;
  g_autoptr (GError) error = NULL;
  const Command *command;
  int n_words = 0;
  int n_args;
  guint n_given, max_args;
  int status;

  setlocale (LC_ALL, "");
  lia_crypto_init ();
  lia_crypt_vfs_register ();

  /* First pass: the global options, wherever they are; the command and its
   * own options are left in place. */
  args = g_strdupv (argv);
  n_args = argc;
  context = g_option_context_new ("COMMAND [OPTIONS]");
  g_option_context_set_summary (context, "The command-line tool of Liaison, for sharing "
                                         "safeguarding case records between organisations.");
  description = commands_description ();
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, global_entries, NULL);
  g_option_context_set_ignore_unknown_options (context, TRUE);
  /* --help is answered below: by the command's own context if there is a
   * command, so that it lists the command's options. */
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse_strv (context, &args, &error))
    return cli_usage_error ("%s", error->message);
  n_args = (int) g_strv_length (args);

  if (cli.version)
    {
      g_print ("liaison-cli %s\n", PACKAGE_VERSION);
      clear_options ();
      return EXIT_OK;
    }

  command = find_command (n_args, args, &n_words);
  if (command == NULL && asks_for_help (args))
    {
      g_autofree char *help = NULL;

      g_option_context_set_help_enabled (context, TRUE);
      help = g_option_context_get_help (context, TRUE, NULL);
      g_print ("%s", help);
      clear_options ();
      return EXIT_OK;
    }
  if (command == NULL)
    {
      status = cli_usage_error (n_args < 2 ? "No command given" : "Unknown command “%s”",
                            n_args < 2 ? "" : args[1]);
      clear_options ();
      return status;
    }

  /* Second pass: the command's own options (and the global ones again, so
   * that they may follow the command). Anything left over is an error. */
  {
    g_autofree char *parameter = command_synopsis (command);
    g_auto (GStrv) rest = g_new0 (char *, n_args - n_words + 1);

    rest[0] = g_strdup (args[0]);
    for (int i = 1 + n_words; i < n_args; i++)
      rest[i - n_words] = g_strdup (args[i]);

    command_context = g_option_context_new (parameter);
    g_option_context_set_summary (command_context, command->summary);
    g_option_context_add_main_entries (command_context, global_entries, NULL);
    if (command->entries != NULL)
      g_option_context_add_main_entries (command_context, command->entries, NULL);
    if (!g_option_context_parse_strv (command_context, &rest, &error))
      {
        status = cli_usage_error ("%s", error->message);
        clear_options ();
        return status;
      }
    n_given = g_strv_length (rest) - 1;
    max_args = MAX (command->n_args, command->max_args);
    if (n_given < command->n_args || n_given > max_args)
      {
        g_autofree char *synopsis = command_synopsis (command);

        status = n_given > max_args
                   ? cli_usage_error ("Unexpected argument “%s”", rest[1 + max_args])
                   : cli_usage_error ("Usage: %s %s", prog_name, synopsis);
        clear_options ();
        return status;
      }
    cli.args = rest + 1;
    cli.n_args = n_given;
    status = command->run (&cli);
    if (command->reset != NULL)
      command->reset (NULL, NULL, NULL, NULL);
  }

  clear_options ();
  return status;
}
