/* lia-fields.c: validation of named fields.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-calendar.h"
#include "lia-fields.h"

G_DEFINE_QUARK (lia-model-error-quark, lia_model_error)

const LiaField *
lia_field_find (const LiaField *fields,
                guint           n_fields,
                const char     *name)
{
  for (guint i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].name, name))
      return &fields[i];
  return NULL;
}

int
lia_choice_index (const char *const *choices,
                  const char        *value)
{
  for (int i = 0; choices[i] != NULL; i++)
    if (g_str_equal (choices[i], value))
      return i;
  return -1;
}

char *
lia_choices_describe (const char *const *choices)
{
  GString *text = g_string_new (NULL);
  guint n = g_strv_length ((char **) choices);

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (text, i + 1 == n ? " or " : ", ");
      g_string_append_printf (text, "“%s”", choices[i]);
    }
  return g_string_free (text, FALSE);
}

gboolean
lia_str_blank (const char *text)
{
  if (text == NULL)
    return TRUE;
  for (; *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

gboolean
lia_date_time_valid (const char *text)
{
  g_autofree char *date = NULL;
  GDate parsed;
  const char *time;

  if (strlen (text) != 10 && strlen (text) != 16)
    return FALSE;
  date = g_strndup (text, 10);
  if (!lia_date_parse (date, &parsed, NULL))
    return FALSE;
  if (text[10] == '\0')
    return TRUE;
  time = text + 11;
  if (text[10] != 'T' || !g_ascii_isdigit (time[0]) || !g_ascii_isdigit (time[1])
      || time[2] != ':' || !g_ascii_isdigit (time[3]) || !g_ascii_isdigit (time[4]))
    return FALSE;
  return (time[0] - '0') * 10 + (time[1] - '0') < 24 && (time[3] - '0') * 10 + (time[4] - '0') < 60;
}

static gboolean
has_control_characters (const char *text,
                        gboolean    allow_newlines)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (allow_newlines && (c == '\n' || c == '\t' || c == '\r'))
        continue;
      if (g_unichar_iscntrl (c))
        return TRUE;
    }
  return FALSE;
}

static char *
normalize_choices (const LiaField *field,
                   const char     *value,
                   GError        **error)
{
  g_auto (GStrv) parts = g_strsplit (value, ",", -1);
  g_autofree gboolean *seen = g_new0 (gboolean, g_strv_length ((char **) field->choices));
  GString *text = g_string_new (NULL);
  g_autofree char *allowed = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      int index = lia_choice_index (field->choices, g_strstrip (parts[i]));

      if (index < 0)
        {
          allowed = lia_choices_describe (field->choices);
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                       "“%s” is not allowed for %s; give one or more of %s, separated by commas",
                       parts[i], field->name, allowed);
          g_string_free (text, TRUE);
          return NULL;
        }
      seen[index] = TRUE;
    }
  for (guint i = 0; field->choices[i] != NULL; i++)
    if (seen[i])
      g_string_append_printf (text, "%s%s", text->len > 0 ? "," : "", field->choices[i]);
  return g_string_free (text, FALSE);
}

char *
lia_field_normalize (const LiaField *field,
                     const char     *value,
                     GError        **error)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *allowed = NULL;

  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "The value given for %s is not valid UTF-8 text", field->name);
      return NULL;
    }
  if (strlen (value) > LIA_LONG_TEXT_MAX)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "%s is too long: %zu bytes, and at most %d are allowed", field->name,
                   strlen (value), LIA_LONG_TEXT_MAX);
      return NULL;
    }
  trimmed = g_strstrip (g_strdup (value));
  if (trimmed[0] == '\0')
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID, "%s is empty", field->name);
      return NULL;
    }

  switch (field->type)
    {
    case LIA_FIELD_TEXT:
      if (g_utf8_strlen (trimmed, -1) > LIA_TEXT_MAX)
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                       "%s is too long: %ld characters, and at most %d are allowed "
                       "(put longer text in a record)",
                       field->name, g_utf8_strlen (trimmed, -1), LIA_TEXT_MAX);
          return NULL;
        }
      if (has_control_characters (trimmed, FALSE))
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                       "%s must be a single line without control characters", field->name);
          return NULL;
        }
      break;

    case LIA_FIELD_LONG_TEXT:
      if (has_control_characters (trimmed, TRUE))
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                       "%s contains control characters", field->name);
          return NULL;
        }
      break;

    case LIA_FIELD_DATE:
      {
        GDate date;

        if (!lia_date_parse (trimmed, &date, NULL))
          {
            g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                         "“%s” is not a valid date for %s; write dates as YYYY-MM-DD, "
                         "for example 2026-06-01", trimmed, field->name);
            return NULL;
          }
      }
      break;

    case LIA_FIELD_DATE_TIME:
      if (!lia_date_time_valid (trimmed))
        {
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                       "“%s” is not a valid date or date and time for %s; write YYYY-MM-DD "
                       "or YYYY-MM-DDTHH:MM, for example 2026-06-01T14:30",
                       trimmed, field->name);
          return NULL;
        }
      break;

    case LIA_FIELD_CHOICE:
      if (lia_choice_index (field->choices, trimmed) < 0)
        {
          allowed = lia_choices_describe (field->choices);
          g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                       "“%s” is not allowed for %s; it must be %s", trimmed, field->name,
                       allowed);
          return NULL;
        }
      break;

    case LIA_FIELD_CHOICES:
      return normalize_choices (field, trimmed, error);

    default:
      g_assert_not_reached ();
    }
  return g_steal_pointer (&trimmed);
}
