/* cli-json.c: JSON written straight to standard output.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "cli-json.h"

#define FLUSH_AT (64 * 1024)
#define MAX_DEPTH 32

struct _CliJson
{
  GString *out;
  guint    depth;
  gboolean first[MAX_DEPTH];   /* no member or element written yet at this depth */
  gboolean after_name;         /* a member name was written; its value comes next */
};

CliJson *
cli_json_new (void)
{
  CliJson *json = g_new0 (CliJson, 1);

  json->out = g_string_sized_new (FLUSH_AT + 4096);
  json->first[0] = TRUE;
  return json;
}

static void
flush (CliJson *json)
{
  fwrite (json->out->str, 1, json->out->len, stdout);
  g_string_truncate (json->out, 0);
}

void
cli_json_abandon (CliJson *json)
{
  g_string_free (json->out, TRUE);
  g_free (json);
}

void
cli_json_finish (CliJson *json)
{
  g_assert (json->depth == 0);
  g_string_append_c (json->out, '\n');
  flush (json);
  fflush (stdout);
  g_string_free (json->out, TRUE);
  g_free (json);
}

/* The comma before a value, unless it is the first or follows its name. */
static void
separate (CliJson *json)
{
  if (json->after_name)
    json->after_name = FALSE;
  else if (!json->first[json->depth])
    g_string_append_c (json->out, ',');
  json->first[json->depth] = FALSE;
  if (json->out->len >= FLUSH_AT)
    flush (json);
}

/* A byte that may be written as it is: not a control character, a quote
 * or a backslash (RFC 8259, section 7). */
static inline gboolean
plain (unsigned char c)
{
  return c >= 0x20 && c != '"' && c != '\\';
}

static void
escape (GString *out, const char *text)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *) text;

  g_string_append_c (out, '"');
  while (*p != '\0')
    {
      const unsigned char *run = p;

      /* Most text needs no escape: copy it a run at a time. */
      while (*p != '\0' && plain (*p))
        p++;
      if (p > run)
        g_string_append_len (out, (const char *) run, p - run);
      if (*p == '\0')
        break;
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          g_string_append (out, "\\u00");
          g_string_append_c (out, hex[*p >> 4]);
          g_string_append_c (out, hex[*p & 0xf]);
        }
      p++;
    }
  g_string_append_c (out, '"');
}

static void
open_container (CliJson *json, char c)
{
  separate (json);
  g_string_append_c (json->out, c);
  g_assert (json->depth + 1 < MAX_DEPTH);
  json->first[++json->depth] = TRUE;
}

static void
close_container (CliJson *json, char c)
{
  g_assert (json->depth > 0 && !json->after_name);
  json->depth--;
  g_string_append_c (json->out, c);
}

void
cli_json_begin_object (CliJson *json)
{
  open_container (json, '{');
}

void
cli_json_end_object (CliJson *json)
{
  close_container (json, '}');
}

void
cli_json_begin_array (CliJson *json)
{
  open_container (json, '[');
}

void
cli_json_end_array (CliJson *json)
{
  close_container (json, ']');
}

void
cli_json_member (CliJson *json, const char *name)
{
  separate (json);
  escape (json->out, name);
  g_string_append_c (json->out, ':');
  json->after_name = TRUE;
}

void
cli_json_string (CliJson *json, const char *value)
{
  separate (json);
  if (value == NULL)
    g_string_append (json->out, "null");
  else if (g_utf8_validate (value, -1, NULL))
    escape (json->out, value);
  else
    {
      g_autofree char *valid = g_utf8_make_valid (value, -1);

      escape (json->out, valid);
    }
}

void
cli_json_int (CliJson *json, gint64 value)
{
  separate (json);
  g_string_append_printf (json->out, "%" G_GINT64_FORMAT, value);
}

void
cli_json_bool (CliJson *json, gboolean value)
{
  separate (json);
  g_string_append (json->out, value ? "true" : "false");
}

void
cli_json_null (CliJson *json)
{
  separate (json);
  g_string_append (json->out, "null");
}

void
cli_json_member_string (CliJson *json, const char *name, const char *value)
{
  cli_json_member (json, name);
  cli_json_string (json, value);
}

void
cli_json_member_int (CliJson *json, const char *name, gint64 value)
{
  cli_json_member (json, name);
  cli_json_int (json, value);
}

void
cli_json_member_bool (CliJson *json, const char *name, gboolean value)
{
  cli_json_member (json, name);
  cli_json_bool (json, value);
}

char *
cli_json_iso_time (gint64 unix_time)
{
  g_autoptr (GDateTime) time = unix_time != 0 ? g_date_time_new_from_unix_utc (unix_time) : NULL;

  return time != NULL ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

void
cli_json_member_time (CliJson    *json,
                      const char *name,
                      gint64      unix_time)
{
  g_autofree char *text = cli_json_iso_time (unix_time);

  cli_json_member_string (json, name, text);
}
