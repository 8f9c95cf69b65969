/* fuzz-fields.c: the validators and writers that every typed value meets.
 *
 * Field values reach Liaison from the command line, the JSON of demo data
 * and exchanged cases, and the search box; each passes through
 * lia_field_normalize(), search through lia_search(), and each chronology
 * cell leaves through lia_csv_append_field(). The input is
 *
 *   byte 0     a selector: which field (modulo the number of case and
 *              record-kind fields, in the order lia_case_fields() and then
 *              lia_record_kind_fields() for each kind give them), and the
 *              search limit (selector % 4, 0 for none)
 *   bytes 1-   the value, as a C string (so up to the first NUL byte); it
 *              need not be UTF-8
 *
 * and for every input:
 *
 *  - lia_field_normalize() on the chosen field either fails with
 *    LIA_MODEL_ERROR_INVALID and a UTF-8 message, or returns a value that
 *    is the input trimmed (choices: in canonical order), valid UTF-8 within
 *    the field type's limits, and that normalises to itself again;
 *  - lia_date_time_valid() agrees with a plain reading of YYYY-MM-DD and
 *    YYYY-MM-DDTHH:MM, and with lia_field_normalize() on a date and a
 *    date-and-time field;
 *  - lia_search() on a small store (a case, three records) never fails with an
 *    SQLite (LIA_STORE_ERROR) error: it fails with LIA_MODEL_ERROR_INVALID
 *    exactly when the query has no word or is over 1000 bytes, and
 *    otherwise returns at most the limit of hits, each well formed;
 *  - lia_csv_append_field() writes one RFC 4180 field that parses back to
 *    the value, with an apostrophe before a value beginning with = + - @
 *    TAB or CR (and then always quoted), and that leaves the text before it
 *    and the fields after it intact.
 *
 * The library must log no warning. The store is created once per process
 * (the cheap test Argon2id limits) and only read.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fuzz-util.h"
#include "lia-calendar.h"
#include "lia-case.h"
#include "lia-fields.h"
#include "lia-keyfile.h"
#include "lia-record.h"
#include "lia-test-util.h"

#define ORG_NAME         "Fuzz Borough Council"
#define SEARCH_MAX_BYTES 1000   /* lia_search()'s documented limit */
#define FORMULA_STARTS   "=+-@\t\r"

typedef struct
{
  char           *root;            /* owned: the temporary directory */
  LiaStore       *store;           /* owned: holds a case and three records */
  GPtrArray      *fields;          /* owned array of borrowed LiaField, from app/'s tables */
  const LiaField *date_field;      /* borrowed: a LIA_FIELD_DATE field */
  const LiaField *date_time_field; /* borrowed: a LIA_FIELD_DATE_TIME field */
} Fixture;

static Fixture *fixture;

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

G_GNUC_NORETURN G_GNUC_PRINTF (1, 2) static void
fail (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  fputs ("fuzz-fields: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  if (fixture != NULL && fixture->root != NULL)
    fuzz_remove_tree (fixture->root);
  /* abort(), not g_error(): libFuzzer saves the input on SIGABRT. */
  abort ();
}

/* Criticals and warnings from the library are bugs here: make them crash
 * the way libFuzzer notices. */
static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  GLogWriterOutput result = g_log_writer_default (log_level, fields, n_fields, user_data);

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    fail ("the library logged a warning or worse (above)");
  return result;
}

/* ---- set-up ------------------------------------------------------------------ */


static void
cleanup (void)
{
  if (fixture == NULL)
    return;
  if (fixture->store != NULL)
    lia_store_lock (fixture->store);
  g_clear_object (&fixture->store);
  fuzz_remove_tree (fixture->root);
  g_free (fixture->root);
  g_clear_pointer (&fixture->fields, g_ptr_array_unref);
  g_clear_pointer (&fixture, g_free);
}


static void
add_fields (const LiaField *fields,
            guint           n)
{
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (fixture->fields, (gpointer) &fields[i]);
      if (fields[i].type == LIA_FIELD_DATE && fixture->date_field == NULL)
        fixture->date_field = &fields[i];
      if (fields[i].type == LIA_FIELD_DATE_TIME && fixture->date_time_field == NULL)
        fixture->date_time_field = &fields[i];
    }
}

/* Adds a record of @kind from name, value pairs. */
static void
add_record (const char        *case_id,
            LiaRecordKind      kind,
            const char *const *pairs)
{
  g_autoptr (GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;

  for (guint i = 0; pairs[i] != NULL; i += 2)
    g_hash_table_insert (fields, g_strdup (pairs[i]), g_strdup (pairs[i + 1]));
  id = lia_record_add (fixture->store, case_id, kind, fields, &error);
  if (id == NULL)
    fail ("setting up: could not add a %s record: %s", lia_record_kind_to_string (kind),
          error->message);
}

static void
set_up (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *case_id = NULL;
  LiaCaseDraft draft = {
    .title = "Child F, Fuzzborough", .child = "Child F", .area = "Fuzzborough",
    .aware = "2026-06-01", .type = "death",
  };
  const LiaField *fields;
  guint n;

  g_log_set_writer_func (log_writer, NULL, NULL);
  lia_keyfile_set_limits_for_testing (LIA_TEST_KDF_OPSLIMIT, LIA_TEST_KDF_MEMLIMIT);

  fixture = g_new0 (Fixture, 1);
  fixture->root = fuzz_make_root ();
  atexit (cleanup);

  fixture->fields = g_ptr_array_new ();
  fields = lia_case_fields (&n);
  add_fields (fields, n);
  for (int kind = 0; kind < LIA_RECORD_N_KINDS; kind++)
    {
      fields = lia_record_kind_fields ((LiaRecordKind) kind, &n);
      add_fields (fields, n);
    }
  if (fixture->date_field == NULL || fixture->date_time_field == NULL)
    fail ("setting up: no date or no date-and-time field among the %u fields",
          fixture->fields->len);

  dir = g_build_filename (fixture->root, "store", NULL);
  fixture->store = lia_store_new (dir);
  if (!lia_store_create (fixture->store, ORG_NAME, LIA_ORG_KIND_LOCAL_AUTHORITY,
                         LIA_TEST_PASSPHRASE, NULL, &error))
    fail ("setting up: could not create the store: %s", error->message);

  /* A case and a few records with words to find, some of them FTS5
   * keywords and accented; few enough that a search stays cheap. */
  case_id = lia_case_create (fixture->store, &draft, "Sam Okafor", &error);
  if (case_id == NULL)
    fail ("setting up: could not open a case: %s", error->message);
  add_record (case_id, LIA_RECORD_NOTE,
              (const char *const[]) { "title", "Welfare check", "date", "2026-05-28",
                                      "text", "Welfare check at the family home; the café "
                                      "was shut. Child F not seen. NEAR OR AND NOT \"quoted\" "
                                      "title: body: neglect*", NULL });
  add_record (case_id, LIA_RECORD_CHRONOLOGY,
              (const char *const[]) { "date", "2026-05-28T14:30", "agency", "Fuzzborough Police",
                                      "what", "Request for a welfare check received; officers "
                                      "attended and there was no answer.", "expected", "unclear",
                                      NULL });
  add_record (case_id, LIA_RECORD_ACTION,
              (const char *const[]) { "owner", "Designated nurse", "action", "Review neglect "
                                      "training for health visitors", "due", "2026-12-01",
                                      NULL });
}

/* ---- lia_field_normalize() ----------------------------------------------------- */

static const char *
field_type_name (LiaFieldType type)
{
  switch (type)
    {
    case LIA_FIELD_TEXT:
      return "text";
    case LIA_FIELD_LONG_TEXT:
      return "long text";
    case LIA_FIELD_DATE:
      return "date";
    case LIA_FIELD_DATE_TIME:
      return "date and time";
    case LIA_FIELD_CHOICE:
      return "choice";
    case LIA_FIELD_CHOICES:
      return "choices";
    default:
      return "unknown";
    }
}

/* A control character (Unicode Cc), other than those @allowed. */
static gboolean
has_control (const char *text,
             const char *allowed)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) && (c > 0x7f || strchr (allowed, (int) c) == NULL))
        return TRUE;
    }
  return FALSE;
}

/* @value is a comma-separated list of @choices, each once, in their order. */
static gboolean
is_canonical_choices (const char *const *choices,
                      const char        *value)
{
  g_auto (GStrv) parts = g_strsplit (value, ",", -1);
  int last = -1;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      int index = lia_choice_index (choices, parts[i]);

      if (index <= last)
        return FALSE;
      last = index;
    }
  return last >= 0;
}

static void
check_normalize (const LiaField *field,
                 const char     *value)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) again_error = NULL;
  g_autofree char *normal = lia_field_normalize (field, value, &error);
  g_autofree char *again = NULL;
  g_autofree char *trimmed = NULL;

  if (normal == NULL)
    {
      if (error == NULL)
        fail ("%s (%s): failed without an error", field->name, field_type_name (field->type));
      if (!g_error_matches (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID))
        fail ("%s (%s): failed with an unexpected error %s:%d: %s", field->name,
              field_type_name (field->type), g_quark_to_string (error->domain), error->code,
              error->message);
      if (error->message[0] == '\0' || !g_utf8_validate (error->message, -1, NULL))
        fail ("%s (%s): failed with an empty message or one that is not UTF-8", field->name,
              field_type_name (field->type));
      return;
    }
  if (error != NULL)
    fail ("%s: succeeded but set an error: %s", field->name, error->message);

  if (!g_utf8_validate (value, -1, NULL))
    fail ("%s (%s): accepted a value that is not valid UTF-8", field->name,
          field_type_name (field->type));
  if (normal[0] == '\0' || g_ascii_isspace (normal[0])
      || g_ascii_isspace (normal[strlen (normal) - 1]))
    fail ("%s (%s): normalised to \"%s\", which is empty or not trimmed", field->name,
          field_type_name (field->type), normal);
  trimmed = g_strstrip (g_strdup (value));

  switch (field->type)
    {
    case LIA_FIELD_TEXT:
      if (g_utf8_strlen (normal, -1) > LIA_TEXT_MAX || has_control (normal, ""))
        fail ("%s (text): accepted \"%s\", too long or with a control character", field->name,
              normal);
      break;
    case LIA_FIELD_LONG_TEXT:
      if (strlen (normal) > LIA_LONG_TEXT_MAX || has_control (normal, "\t\n\r"))
        fail ("%s (long text): accepted %" G_GSIZE_FORMAT " bytes, too long or with a control "
              "character", field->name, strlen (normal));
      break;
    case LIA_FIELD_DATE:
      {
        GDate date;

        if (!lia_date_parse (normal, &date, NULL) || !lia_date_time_valid (normal))
          fail ("%s (date): accepted \"%s\", which is not a date", field->name, normal);
      }
      break;
    case LIA_FIELD_DATE_TIME:
      if (!lia_date_time_valid (normal))
        fail ("%s (date and time): accepted \"%s\", which is not one", field->name, normal);
      break;
    case LIA_FIELD_CHOICE:
      if (lia_choice_index (field->choices, normal) < 0)
        fail ("%s (choice): accepted \"%s\", which is not one of its choices", field->name,
              normal);
      break;
    case LIA_FIELD_CHOICES:
      if (!is_canonical_choices (field->choices, normal))
        fail ("%s (choices): normalised to \"%s\", which is not its choices in order, each once",
              field->name, normal);
      break;
    default:
      fail ("%s: unknown field type %d", field->name, (int) field->type);
    }
  /* Only choices are rewritten; everything else is the value trimmed. */
  if (field->type != LIA_FIELD_CHOICES && strcmp (normal, trimmed) != 0)
    fail ("%s (%s): normalised \"%s\" to \"%s\", not just trimmed", field->name,
          field_type_name (field->type), value, normal);

  again = lia_field_normalize (field, normal, &again_error);
  if (again == NULL || strcmp (again, normal) != 0)
    fail ("%s (%s): the normal form \"%s\" normalises to %s%s%s", field->name,
          field_type_name (field->type), normal, again ? "\"" : "an error: ",
          again ? again : again_error->message, again ? "\"" : "");
}

/* ---- lia_date_time_valid() ----------------------------------------------------- */

static gboolean
digits_at (const char *text,
           const int  *at,
           guint       n)
{
  for (guint i = 0; i < n; i++)
    if (!g_ascii_isdigit (text[at[i]]))
      return FALSE;
  return TRUE;
}

static int
two_digits (const char *p)
{
  return (p[0] - '0') * 10 + (p[1] - '0');
}

/* YYYY-MM-DD (a real day, year 1 or later) or YYYY-MM-DDTHH:MM, read
 * the plain way. */
static gboolean
reference_date_time_valid (const char *text)
{
  static const int date_digits[] = { 0, 1, 2, 3, 5, 6, 8, 9 };
  static const int time_digits[] = { 11, 12, 14, 15 };
  gsize len = strlen (text);
  int year;

  if (len != 10 && len != 16)
    return FALSE;
  if (!digits_at (text, date_digits, G_N_ELEMENTS (date_digits)) || text[4] != '-'
      || text[7] != '-')
    return FALSE;
  year = two_digits (text) * 100 + two_digits (text + 2);
  if (year < 1 || !g_date_valid_dmy ((GDateDay) two_digits (text + 8),
                                     (GDateMonth) two_digits (text + 5), (GDateYear) year))
    return FALSE;
  if (len == 10)
    return TRUE;
  return text[10] == 'T' && text[13] == ':' && digits_at (text, time_digits,
                                                          G_N_ELEMENTS (time_digits))
         && two_digits (text + 11) < 24 && two_digits (text + 14) < 60;
}

static void
check_date_time (const char *value)
{
  gboolean valid = lia_date_time_valid (value);
  g_autofree char *as_date_time = lia_field_normalize (fixture->date_time_field, value, NULL);
  g_autofree char *as_date = lia_field_normalize (fixture->date_field, value, NULL);
  g_autofree char *trimmed = g_strstrip (g_strdup (value));

  if (valid != reference_date_time_valid (value))
    fail ("lia_date_time_valid (\"%s\") is %s", value, valid ? "TRUE" : "FALSE");
  /* A field takes exactly what lia_date_time_valid() takes, once trimmed. */
  if ((as_date_time != NULL) != lia_date_time_valid (trimmed))
    fail ("the date-and-time field %s %s \"%s\", which lia_date_time_valid() %s",
          fixture->date_time_field->name, as_date_time ? "accepts" : "refuses", value,
          as_date_time ? "refuses" : "accepts");
  if ((as_date != NULL) != (lia_date_time_valid (trimmed) && strlen (trimmed) == 10))
    fail ("the date field %s %s \"%s\"", fixture->date_field->name,
          as_date ? "accepts" : "refuses", value);
}

/* ---- lia_search() ---------------------------------------------------------------- */

/* Whether lia_search() has a word to look for: a run of characters
 * between spaces, tabs and line ends that is not only asterisks. */
static gboolean
has_search_word (const char *query)
{
  for (const char *p = query; *p != '\0'; p++)
    if (strchr (" \t\r\n*", *p) == NULL)
      return TRUE;
  return FALSE;
}

static void
check_search (const char *query,
              guint       limit)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) hits = lia_search (fixture->store, query, limit, &error);
  gboolean should_work = strlen (query) <= SEARCH_MAX_BYTES && has_search_word (query);

  if (hits == NULL)
    {
      if (error == NULL)
        fail ("searching for \"%s\" failed without an error", query);
      if (!g_error_matches (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID))
        fail ("searching for \"%s\" failed with %s:%d: %s", query,
              g_quark_to_string (error->domain), error->code, error->message);
      if (should_work)
        fail ("searching for \"%s\" (%" G_GSIZE_FORMAT " bytes) was refused: %s", query,
              strlen (query), error->message);
      return;
    }
  if (error != NULL)
    fail ("searching for \"%s\" succeeded but set an error: %s", query, error->message);
  if (!should_work)
    fail ("searching for \"%s\" (%" G_GSIZE_FORMAT " bytes, %s) was not refused", query,
          strlen (query), has_search_word (query) ? "with words" : "no words");
  if (limit > 0 && hits->len > limit)
    fail ("searching for \"%s\" with a limit of %u gave %u hits", query, limit, hits->len);
  for (guint i = 0; i < hits->len; i++)
    {
      const LiaSearchHit *hit = g_ptr_array_index (hits, i);

      if (hit->case_id == NULL || hit->title == NULL || hit->snippet == NULL)
        fail ("searching for \"%s\": hit %u has no case, title or snippet", query, i);
      if ((guint) hit->kind >= LIA_RECORD_N_KINDS)
        fail ("searching for \"%s\": hit %u has the kind %d", query, i, (int) hit->kind);
      if (!g_utf8_validate (hit->title, -1, NULL) || !g_utf8_validate (hit->snippet, -1, NULL))
        fail ("searching for \"%s\": hit %u has a title or snippet that is not UTF-8", query, i);
    }
}

/* ---- lia_csv_append_field() --------------------------------------------------- */

/* Reads one RFC 4180 field at *@p, up to @end: "..." with "" for each
 * quote inside, or plain characters (no quote) up to a comma, CR or LF.
 * Advances *@p past it; NULL if it is malformed. */
static char *
parse_csv_field (const char **p,
                 const char  *end)
{
  GString *field = g_string_new (NULL);
  const char *s = *p;

  if (s < end && *s == '"')
    {
      for (s++;; s++)
        {
          if (s >= end)
            goto malformed;  /* no closing quote */
          if (*s == '"')
            {
              if (s + 1 < end && s[1] == '"')
                s++;
              else
                break;
            }
          g_string_append_c (field, *s);
        }
      s++;
      if (s < end && *s != ',' && *s != '\r' && *s != '\n')
        goto malformed;  /* something after the closing quote */
    }
  else
    {
      for (; s < end && *s != ',' && *s != '\r' && *s != '\n'; s++)
        {
          if (*s == '"')
            goto malformed;
          g_string_append_c (field, *s);
        }
    }
  *p = s;
  return g_string_free (field, FALSE);

malformed:
  g_string_free (field, TRUE);
  return NULL;
}

/* Expects @literal at *@p and steps over it. */
static void
expect_csv (const char **p,
            const char  *end,
            const char  *literal,
            const char  *line)
{
  gsize len = strlen (literal);

  if ((gsize) (end - *p) < len || memcmp (*p, literal, len) != 0)
    fail ("CSV line %s: expected \"%s\" at offset %" G_GSSIZE_FORMAT, line, literal,
          (gssize) (*p - line));
  *p += len;
}

static void
check_csv (const char *value)
{
  g_autoptr (GString) line = g_string_new ("before,");
  g_autofree char *field = NULL;
  g_autofree char *after = NULL;
  g_autofree char *expected = NULL;
  const char *p, *end;
  gboolean formula = value[0] != '\0' && strchr (FORMULA_STARTS, value[0]) != NULL;

  lia_csv_append_field (line, value);
  g_string_append (line, ",after\r\n");
  p = line->str;
  end = line->str + line->len;

  expect_csv (&p, end, "before,", line->str);
  field = parse_csv_field (&p, end);
  if (field == NULL)
    fail ("the CSV field written for \"%s\" is not one RFC 4180 field: %s", value, line->str);
  expect_csv (&p, end, ",", line->str);
  after = parse_csv_field (&p, end);
  if (after == NULL || strcmp (after, "after") != 0)
    fail ("the CSV field written for \"%s\" spoils the next one: %s", value, line->str);
  expect_csv (&p, end, "\r\n", line->str);
  if (p != end)
    fail ("the CSV line for \"%s\" has more after its end: %s", value, line->str);

  expected = formula ? g_strconcat ("'", value, NULL) : g_strdup (value);
  if (strcmp (field, expected) != 0)
    fail ("the CSV field written for \"%s\" reads back as \"%s\"", value, field);
  if (formula && !g_str_has_prefix (line->str + strlen ("before,"), "\"'"))
    fail ("the CSV field for \"%s\", which a spreadsheet would run, is not quoted text: %s",
          value, line->str);
}

/* ---- the input --------------------------------------------------------------------- */

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *value = NULL;
  const LiaField *field;

  if (size == 0)
    return 0;
  if (fixture == NULL)
    set_up ();

  value = g_strndup ((const char *) data + 1, size - 1);
  field = g_ptr_array_index (fixture->fields, data[0] % fixture->fields->len);

  check_normalize (field, value);
  check_date_time (value);
  check_search (value, data[0] % 4);
  check_csv (value);
  return 0;
}
