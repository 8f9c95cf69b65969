/* cli-passphrase.h: where liaison-cli gets passphrases from.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-crypto.h"

G_BEGIN_DECLS

#define CLI_PASSPHRASE_MAX 1024

/* Errors of liaison-cli itself; CLI_ERROR_USAGE makes it exit with 1. */
#define CLI_ERROR (cli_error_quark ())
typedef enum
{
  CLI_ERROR_USAGE,
} CliError;

GQuark cli_error_quark (void);

/* Reads a passphrase, in order of preference, from the environment
 * variable @env_name, from @file (when not NULL), or from a prompt with
 * echo off on the terminal (twice when @confirm). Without any of them it
 * fails with CLI_ERROR_USAGE, saying what to do. */
LiaSecret *cli_get_passphrase (const char *env_name,
                               const char *file,
                               const char *prompt,
                               gboolean    confirm,
                               GError    **error);

G_END_DECLS
