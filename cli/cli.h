/* cli.h: what liaison-cli's command files share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cli-passphrase.h"
#include "lia-store.h"

G_BEGIN_DECLS

enum
{
  EXIT_OK = 0,
  EXIT_USAGE = 1,
  EXIT_FAILED = 2,
};

typedef struct
{
  char    *store_dir;              /* owned */
  char    *passphrase_file;        /* owned */
  char    *new_passphrase_file;    /* owned */
  char    *org_name;               /* owned */
  char    *kind;                   /* owned */
  char    *url;                    /* owned */
  char    *restore;                /* owned: init --restore FILE */
  char    *backup_passphrase_file; /* owned */
  char    *output;                 /* owned: identity export -o FILE */
  gboolean force;
  gboolean json;
  gboolean version;
  char   **args;                   /* borrowed: the command's positional arguments */
  guint    n_args;
} CliOptions;

typedef int (*CommandFunc) (CliOptions *options);

typedef struct
{
  const char        *name;
  const char        *subcommand;   /* second word, or NULL */
  const char        *parameters;   /* for --help */
  guint              n_args;       /* positional arguments it needs */
  const char        *summary;
  const GOptionEntry *entries;     /* the command's own options, or NULL */
  CommandFunc        run;
  guint              max_args;     /* if more than n_args may be given */
  GOptionArgFunc     reset;        /* frees the command's option values; may be NULL */
} Command;

/* The model's commands (cli-model.c). */
extern const Command cli_model_commands[];
extern const guint   cli_model_n_commands;

/* The other areas' commands. */
extern const Command cli_exchange_commands[];
extern const guint   cli_exchange_n_commands;
/* Invites and peers (cli-peer.c). */
extern const Command cli_peer_commands[];
extern const guint   cli_peer_n_commands;
/* Network sync: serve, sync, status (cli-sync.c). */
extern const Command cli_sync_commands[];
extern const guint   cli_sync_n_commands;
/* Files attached to records (cli-attachment.c). */
extern const Command cli_attachment_commands[];
extern const guint   cli_attachment_n_commands;
/* The disclosure log (cli-log.c). */
extern const Command cli_log_commands[];
extern const guint   cli_log_n_commands;

/* Today: @option (a --today value), else LIAISON_TODAY (for scripts and
 * tests that need a fixed date), else the real date. */
gboolean    cli_get_today (const char *option,
                           GDate      *out,
                           GError    **error);

/* Prints the error's message and returns the exit status for it. */
int         cli_fail (GError *error);
int         cli_usage_error (const char *format,
                             ...) G_GNUC_PRINTF (1, 2);
LiaStore   *cli_open_store (CliOptions *options,
                            GError    **error);
void        cli_print_json (JsonBuilder *builder);
/* The person doing something: @given (a --by option), else the name of
 * the account running liaison-cli. */
const char *cli_person_name (const char *given);

/* Writes something (an export) to a stream. */
typedef gboolean (*CliWriteFunc) (GOutputStream *out,
                                  gpointer       data,
                                  GError       **error);
/* Runs @write on standard output if @output is NULL or "-", else on a
 * file of that name, written beside it and renamed into place, so that a
 * failure never leaves half a file under the name asked for. The file's
 * absolute path goes to @out_path (NULL for standard output). */
gboolean    cli_write_output (const char   *output,
                              CliWriteFunc  write,
                              gpointer      data,
                              char        **out_path,
                              GError      **error);

G_END_DECLS
