/* cli-json.h: JSON written straight to standard output.
 *
 * json-glib's JsonBuilder makes a tree of the whole document before a byte
 * is written; for `deadlines --json` over 10,000 cases that tree was most
 * of the command's time (BENCHMARKS.md). This writer streams instead, with
 * the same shape of calls, and json-glib still reads JSON everywhere.
 * Output is one line, UTF-8, with the escapes RFC 8259 requires.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CliJson CliJson;

CliJson *cli_json_new (void);
/* Writes what is left and a newline, and frees the writer. */
void     cli_json_finish (CliJson *json);
/* Frees the writer without writing what it still holds (after an error
 * part way through: what was written already is not a whole document). */
void     cli_json_abandon (CliJson *json);

void     cli_json_begin_object (CliJson *json);
void     cli_json_end_object (CliJson *json);
void     cli_json_begin_array (CliJson *json);
void     cli_json_end_array (CliJson *json);
/* The name of the next member of the object being written. */
void     cli_json_member (CliJson    *json,
                          const char *name);
/* NULL writes null. */
void     cli_json_string (CliJson    *json,
                          const char *value);
void     cli_json_int (CliJson *json,
                       gint64   value);
void     cli_json_bool (CliJson *json,
                        gboolean value);
void     cli_json_null (CliJson *json);

/* A member and its value in one call. */
void     cli_json_member_string (CliJson    *json,
                                 const char *name,
                                 const char *value);
void     cli_json_member_int (CliJson    *json,
                              const char *name,
                              gint64      value);
void     cli_json_member_bool (CliJson    *json,
                               const char *name,
                               gboolean    value);

/* A time as ISO 8601 in UTC ("2026-06-12T10:00:00Z"), or NULL for 0
 * (Unix seconds); and as a member, null for 0. */
char    *cli_json_iso_time (gint64 unix_time);
void     cli_json_member_time (CliJson    *json,
                               const char *name,
                               gint64      unix_time);

G_END_DECLS
