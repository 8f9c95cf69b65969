/* cli-attachment.c: liaison-cli's commands for files attached to records.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "cli.h"
#include "cli-json.h"
#include "lia-attachment.h"
#include "lia-record.h"

typedef struct
{
  char    *name, *media_type, *output;
  int      attachment;
  gboolean force;
} Options;

static Options opt;

static gboolean
reset_options (const char *name, const char *value, gpointer data, GError **error)
{
  g_clear_pointer (&opt.name, g_free);
  g_clear_pointer (&opt.media_type, g_free);
  g_clear_pointer (&opt.output, g_free);
  opt.attachment = 0;
  opt.force = FALSE;
  return TRUE;
}

static int
cmd_record_attach (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GFile) file = g_file_new_for_commandline_arg (options->args[1]);
  g_autoptr (LiaAttachment) attachment = NULL;
  g_autoptr (LiaRecord) record = NULL;
  g_autofree char *size = NULL;

  /* Said before any passphrase is asked for. */
  if (!g_file_test (options->args[1], G_FILE_TEST_IS_REGULAR))
    {
      g_printerr ("liaison-cli: %s is not a file that can be read; nothing was attached\n",
                  options->args[1]);
      return EXIT_FAILED;
    }
  store = cli_open_store (options, &error);
  if (store == NULL
      || (attachment = lia_attachment_attach (store, options->args[0], file, opt.name,
                                              opt.media_type, NULL, &error)) == NULL
      || (record = lia_record_load (store, attachment->record_id, &error)) == NULL)
    return cli_fail (error);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_string (b, "record", record->id);
      cli_json_member_int (b, "version", record->version);
      cli_json_member_int (b, "attachment", attachment->index);
      cli_json_member_string (b, "name", attachment->name);
      cli_json_member_string (b, "media_type", attachment->media_type);
      cli_json_member_int (b, "size", (gint64) attachment->size);
      cli_json_member_int (b, "chunks", attachment->n_chunks);
      cli_json_end_object (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  size = g_format_size (attachment->size);
  g_print ("Attached %s (%s, %s) to %s as attachment %u: version %d, sealed for the record's "
           "recipients.\n",
           attachment->name, attachment->media_type, size, record->id, attachment->index,
           record->version);
  return EXIT_OK;
}

static int
cmd_record_fetch (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GPtrArray) attachments = NULL;
  g_autoptr (GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *size = NULL;
  const LiaAttachment *attachment = NULL;

  if (opt.attachment < 1)
    return cli_usage_error ("Name the attachment to fetch by its number (--attachment N, from "
                            "1; record show lists them)");
  if (opt.output == NULL)
    return cli_usage_error ("Name the file to write (-o FILE)");
  /* The file is written beside its name and renamed into place, which
   * standard output cannot be. */
  if (g_str_equal (opt.output, "-"))
    return cli_usage_error ("record fetch writes to a file, not to standard output");
  file = g_file_new_for_commandline_arg (opt.output);
  path = g_file_get_path (file);
  if (path == NULL)
    return cli_usage_error ("%s is not a local file", opt.output);
  /* Said before any passphrase is asked for; the fetch itself refuses
   * again, atomically, if the file appears meanwhile. */
  if (!opt.force && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_printerr ("liaison-cli: %s already exists; nothing was written. Choose another file, or "
                  "use --force to replace it\n",
                  opt.output);
      return EXIT_FAILED;
    }
  store = cli_open_store (options, &error);
  if (store == NULL
      || !lia_attachment_fetch (store, options->args[0], opt.attachment, path, opt.force, NULL,
                                &error)
      || (attachments = lia_attachment_progress (store, options->args[0], &error)) == NULL)
    return cli_fail (error);
  for (guint i = 0; i < attachments->len; i++)
    if (((LiaAttachment *) attachments->pdata[i])->index == (guint) opt.attachment)
      attachment = attachments->pdata[i];
  g_assert (attachment != NULL);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_string (b, "file", path);
      cli_json_member_int (b, "attachment", attachment->index);
      cli_json_member_string (b, "name", attachment->name);
      cli_json_member_string (b, "media_type", attachment->media_type);
      cli_json_member_int (b, "size", (gint64) attachment->size);
      cli_json_end_object (b);
      cli_json_finish (b);
      return EXIT_OK;
    }
  size = g_format_size (attachment->size);
  g_print ("Wrote attachment %u (%s, %s) to %s.\n", attachment->index, attachment->name, size,
           path);
  return EXIT_OK;
}

static const GOptionEntry attach_entries[] = {
  { "name", 0, 0, G_OPTION_ARG_STRING, &opt.name,
    "The name to list the file under (default: its own)", "NAME" },
  { "media-type", 0, 0, G_OPTION_ARG_STRING, &opt.media_type,
    "Its media type, such as application/pdf (default: a guess)", "TYPE" },
  { NULL }
};

static const GOptionEntry fetch_entries[] = {
  { "attachment", 0, 0, G_OPTION_ARG_INT, &opt.attachment,
    "Which attachment (1 for the first; record show lists them)", "N" },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt.output, "The file to write", "FILE" },
  { "force", 0, 0, G_OPTION_ARG_NONE, &opt.force, "Replace FILE if it exists", NULL },
  { NULL }
};

#define RESET , reset_options

const Command cli_attachment_commands[] = {
  { "record", "attach", "RECORD FILE [--name NAME] [--media-type TYPE]", 2,
    "Attach a file to one of this organisation's records (a new version)", attach_entries,
    cmd_record_attach, 0 RESET },
  { "record", "fetch", "RECORD --attachment N -o FILE [--force]", 1,
    "Write a record's attachment to a file", fetch_entries, cmd_record_fetch, 0 RESET },
};

const guint cli_attachment_n_commands = G_N_ELEMENTS (cli_attachment_commands);
