/* lia-record.c: records, their versions, search and the chronology.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "lia-attachment-private.h"
#include "lia-db.h"
#include "lia-exchange.h"
#include "lia-model-private.h"
#include "lia-record.h"

/* ---- kinds and their fields ----------------------------------------------- */

static const char *const kind_names[] = {
  "chronology", "information-report", "factual-summary", "interview", "terms-of-reference",
  "material", "report", "representation", "action", "note", NULL
};

static const char *const kind_labels[] = {
  N_("Chronology entry"), N_("Information report"), N_("Factual summary"), N_("Interview product"),
  N_("Terms of reference"), N_("Material"), N_("Report"), N_("Representation on publication"),
  N_("Action-plan item"), N_("Note"),
};

static const char *const classification_choices[] = { "standard", "sensitive", "secret", NULL };
static const char *const expected_choices[] = { "yes", "no", "unclear", NULL };
static const char *const process_choices[] = { "rapid-review", "lcspr", "iopc", NULL };
static const char *const report_status_choices[] = { "draft", "final", NULL };
static const char *const grounds_choices[] = { "prejudice", "accuracy", "reporting-restrictions", NULL };
static const char *const action_status_choices[] = { "open", "in-progress", "done", "cancelled", NULL };

#define COMMON_FIELDS(TITLE_REQUIRED)                                                        \
  { "title", N_("Title"), LIA_FIELD_TEXT, NULL, TITLE_REQUIRED },                               \
  { "classification", N_("Classification"), LIA_FIELD_CHOICE, classification_choices, FALSE }, \
  { "basis", N_("Basis for the classification"), LIA_FIELD_LONG_TEXT, NULL, FALSE },           \
  { "handling", N_("Handling restrictions"), LIA_FIELD_LONG_TEXT, NULL, FALSE },               \
  { "destroy-on", N_("Destroy on"), LIA_FIELD_DATE, NULL, FALSE },                              \
  { "return-on", N_("Return on"), LIA_FIELD_DATE, NULL, FALSE }

#define N_COMMON_FIELDS 6

static const LiaField chronology_fields[] = {
  COMMON_FIELDS (FALSE),
  { "date", N_("Date and time"), LIA_FIELD_DATE_TIME, NULL, TRUE },
  { "agency", N_("Agency"), LIA_FIELD_TEXT, NULL, FALSE },
  { "what", N_("What happened"), LIA_FIELD_LONG_TEXT, NULL, TRUE },
  { "source", N_("Source"), LIA_FIELD_TEXT, NULL, FALSE },
  { "analysis", N_("Analysis"), LIA_FIELD_LONG_TEXT, NULL, FALSE },
  { "expected", N_("Expected practice"), LIA_FIELD_CHOICE, expected_choices, FALSE },
};

static const LiaField information_report_fields[] = {
  COMMON_FIELDS (FALSE),
  { "date", N_("Date"), LIA_FIELD_DATE, NULL, FALSE },
  { "text", N_("Report"), LIA_FIELD_LONG_TEXT, NULL, TRUE },
};

static const LiaField factual_summary_fields[] = {
  COMMON_FIELDS (FALSE),
  { "date", N_("Date"), LIA_FIELD_DATE, NULL, FALSE },
  { "text", N_("Summary"), LIA_FIELD_LONG_TEXT, NULL, TRUE },
};

static const LiaField interview_fields[] = {
  COMMON_FIELDS (FALSE),
  { "date", N_("Date of interview"), LIA_FIELD_DATE, NULL, TRUE },
  { "role", N_("Role of the person interviewed"), LIA_FIELD_TEXT, NULL, TRUE },
  { "summary", N_("Summary"), LIA_FIELD_LONG_TEXT, NULL, TRUE },
};

static const LiaField terms_of_reference_fields[] = {
  COMMON_FIELDS (FALSE),
  { "date", N_("Date"), LIA_FIELD_DATE, NULL, FALSE },
  { "process", N_("Process"), LIA_FIELD_CHOICE, process_choices, FALSE },
  { "text", N_("Terms of reference"), LIA_FIELD_LONG_TEXT, NULL, TRUE },
};

static const LiaField material_fields[] = {
  COMMON_FIELDS (TRUE),
  { "date", N_("Date"), LIA_FIELD_DATE, NULL, FALSE },
  { "originating-org", N_("Originating organisation"), LIA_FIELD_TEXT, NULL, TRUE },
  { "description", N_("Description"), LIA_FIELD_LONG_TEXT, NULL, FALSE },
};

static const LiaField report_fields[] = {
  COMMON_FIELDS (TRUE),
  { "date", N_("Date"), LIA_FIELD_DATE, NULL, FALSE },
  { "status", N_("Status"), LIA_FIELD_CHOICE, report_status_choices, TRUE },
  { "text", N_("Report"), LIA_FIELD_LONG_TEXT, NULL, FALSE },
};

static const LiaField representation_fields[] = {
  COMMON_FIELDS (FALSE),
  { "date", N_("Date"), LIA_FIELD_DATE, NULL, FALSE },
  { "grounds", N_("Grounds"), LIA_FIELD_CHOICES, grounds_choices, TRUE },
  { "text", N_("Representations"), LIA_FIELD_LONG_TEXT, NULL, TRUE },
};

static const LiaField action_fields[] = {
  COMMON_FIELDS (FALSE),
  { "owner", N_("Owner"), LIA_FIELD_TEXT, NULL, TRUE },
  { "action", N_("Action"), LIA_FIELD_LONG_TEXT, NULL, TRUE },
  { "due", N_("Due"), LIA_FIELD_DATE, NULL, TRUE },
  { "status", N_("Status"), LIA_FIELD_CHOICE, action_status_choices, FALSE },
};

static const LiaField note_fields[] = {
  COMMON_FIELDS (FALSE),
  { "date", N_("Date"), LIA_FIELD_DATE, NULL, FALSE },
  { "text", N_("Note"), LIA_FIELD_LONG_TEXT, NULL, TRUE },
};

static const struct
{
  const LiaField *fields;
  guint           n_fields;
} kind_fields[] = {
  { chronology_fields, G_N_ELEMENTS (chronology_fields) },
  { information_report_fields, G_N_ELEMENTS (information_report_fields) },
  { factual_summary_fields, G_N_ELEMENTS (factual_summary_fields) },
  { interview_fields, G_N_ELEMENTS (interview_fields) },
  { terms_of_reference_fields, G_N_ELEMENTS (terms_of_reference_fields) },
  { material_fields, G_N_ELEMENTS (material_fields) },
  { report_fields, G_N_ELEMENTS (report_fields) },
  { representation_fields, G_N_ELEMENTS (representation_fields) },
  { action_fields, G_N_ELEMENTS (action_fields) },
  { note_fields, G_N_ELEMENTS (note_fields) },
};

G_STATIC_ASSERT (G_N_ELEMENTS (kind_fields) == LIA_RECORD_N_KINDS);
G_STATIC_ASSERT (G_N_ELEMENTS (kind_labels) == LIA_RECORD_N_KINDS);

const char *
lia_record_kind_to_string (LiaRecordKind kind)
{
  g_return_val_if_fail (kind < LIA_RECORD_N_KINDS, NULL);
  return kind_names[kind];
}

gboolean
lia_record_kind_from_string (const char    *text,
                             LiaRecordKind *out_kind)
{
  int index = lia_choice_index (kind_names, text);

  if (index < 0)
    return FALSE;
  *out_kind = (LiaRecordKind) index;
  return TRUE;
}

const char *
lia_record_kind_label (LiaRecordKind kind)
{
  g_return_val_if_fail (kind < LIA_RECORD_N_KINDS, NULL);
  return kind_labels[kind];
}

const char *const *
lia_record_kind_names (void)
{
  return kind_names;
}

const LiaField *
lia_record_kind_fields (LiaRecordKind kind,
                        guint        *out_n)
{
  g_return_val_if_fail (kind < LIA_RECORD_N_KINDS, NULL);
  *out_n = kind_fields[kind].n_fields;
  return kind_fields[kind].fields;
}

/* ---- records -------------------------------------------------------------- */

void
lia_record_free (LiaRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->case_id);
  lia_org_free (record->originator);
  g_free (record->title);
  g_free (record->date);
  g_clear_pointer (&record->fields, g_hash_table_unref);
  g_free (record);
}

const char *
lia_record_get_field (const LiaRecord *record,
                      const char      *name)
{
  return record->fields != NULL ? g_hash_table_lookup (record->fields, name) : NULL;
}

static GHashTable *
new_fields_table (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* Text cut to about @max characters at a word boundary, with an ellipsis. */
static char *
shorten (const char *text,
         glong       max)
{
  g_autofree char *line = g_strdup (text);
  char *newline = strpbrk (line, "\r\n");
  const char *end;
  const char *space = NULL;

  if (newline != NULL)
    *newline = '\0';
  if (g_utf8_strlen (line, -1) <= max && newline == NULL)
    return g_steal_pointer (&line);
  end = g_utf8_offset_to_pointer (line, MIN (max, g_utf8_strlen (line, -1)));
  for (const char *p = line; p < end; p = g_utf8_next_char (p))
    if (*p == ' ')
      space = p;
  if (space != NULL && space - line > max / 2)
    end = space;
  return g_strdup_printf ("%.*s…", (int) (end - line), line);
}

/* The title a record is listed under when it was given none. */
static char *
derive_title (LiaRecordKind kind,
              GHashTable   *fields)
{
  const char *given = g_hash_table_lookup (fields, "title");

  if (given != NULL)
    return g_strdup (given);
  switch (kind)
    {
    case LIA_RECORD_CHRONOLOGY:
      return shorten (g_hash_table_lookup (fields, "what"), 80);
    case LIA_RECORD_INTERVIEW:
      return g_strdup_printf ("Interview: %s", (char *) g_hash_table_lookup (fields, "role"));
    case LIA_RECORD_ACTION:
      return shorten (g_hash_table_lookup (fields, "action"), 80);
    case LIA_RECORD_NOTE:
      return shorten (g_hash_table_lookup (fields, "text"), 80);
    case LIA_RECORD_TERMS_OF_REFERENCE:
      if (g_strcmp0 (g_hash_table_lookup (fields, "process"), "lcspr") == 0)
        return g_strdup ("Terms of reference: LCSPR");
      if (g_strcmp0 (g_hash_table_lookup (fields, "process"), "iopc") == 0)
        return g_strdup ("Terms of reference: IOPC investigation");
      if (g_strcmp0 (g_hash_table_lookup (fields, "process"), "rapid-review") == 0)
        return g_strdup ("Terms of reference: rapid review");
      return g_strdup (kind_labels[kind]);
    case LIA_RECORD_INFORMATION_REPORT:
    case LIA_RECORD_FACTUAL_SUMMARY:
    case LIA_RECORD_MATERIAL:
    case LIA_RECORD_REPORT:
    case LIA_RECORD_REPRESENTATION:
    default:
      return g_strdup (kind_labels[kind]);
    }
}

static char *
fields_list (const LiaField *fields,
             guint           n_fields)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n_fields; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", fields[i].name);
  return g_string_free (text, FALSE);
}

/* Applies @changes to @current (both name → value; "" in @changes clears),
 * validating each value and then the whole. @current is NULL for a new
 * record. Returns the new set of fields. */
static GHashTable *
merge_fields (LiaRecordKind kind,
              GHashTable   *current,
              GHashTable   *changes,
              const LiaOrg *originator,
              GError      **error)
{
  const LiaField *fields = kind_fields[kind].fields;
  guint n_fields = kind_fields[kind].n_fields;
  g_autoptr (GHashTable) result = new_fields_table ();
  GHashTableIter iter;
  gpointer key, value;
  const char *classification;

  if (current != NULL)
    {
      g_hash_table_iter_init (&iter, current);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (result, g_strdup (key), g_strdup (value));
    }
  if (changes != NULL)
    {
      g_hash_table_iter_init (&iter, changes);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          const LiaField *field = lia_field_find (fields, n_fields, key);
          char *clean;

          if (field == NULL)
            {
              g_autofree char *names = fields_list (fields, n_fields);

              g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_UNKNOWN,
                           "A record of kind %s has no field “%s”; its fields are %s",
                           kind_names[kind], (char *) key, names);
              return NULL;
            }
          if (lia_str_blank (value))
            {
              g_hash_table_remove (result, key);
              continue;
            }
          clean = lia_field_normalize (field, value, error);
          if (clean == NULL)
            return NULL;
          g_hash_table_insert (result, g_strdup (key), clean);
        }
    }

  /* The agency of a chronology entry is its originator unless said. */
  if (kind == LIA_RECORD_CHRONOLOGY && !g_hash_table_contains (result, "agency"))
    g_hash_table_insert (result, g_strdup ("agency"), g_strdup (originator->name));

  for (guint i = 0; i < n_fields; i++)
    if (fields[i].required && !g_hash_table_contains (result, fields[i].name))
      {
        g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                     "A record of kind %s needs %s (--%s)", kind_names[kind],
                     fields[i].label, fields[i].name);
        return NULL;
      }

  classification = g_hash_table_lookup (result, "classification");
  if (classification != NULL && !g_str_equal (classification, "standard")
      && !g_hash_table_contains (result, "basis"))
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                   "Material classified %s needs the basis for that classification (--basis)",
                   classification);
      return NULL;
    }
  if (g_hash_table_contains (result, "destroy-on") && g_hash_table_contains (result, "return-on"))
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "Give a date to return the material or a date to destroy it, not both");
      return NULL;
    }
  return g_steal_pointer (&result);
}

static char *
fields_to_json (GHashTable *fields)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GList) keys = g_hash_table_get_keys (fields);

  keys = g_list_sort (keys, (GCompareFunc) strcmp);
  json_builder_begin_object (builder);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      json_builder_set_member_name (builder, l->data);
      json_builder_add_string_value (builder, g_hash_table_lookup (fields, l->data));
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static GHashTable *
fields_from_json (const char *json)
{
  GHashTable *fields = new_fields_table ();
  g_autoptr (JsonNode) root = json != NULL ? json_from_string (json, NULL) : NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fields;
  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &name, &node))
    if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
      g_hash_table_insert (fields, g_strdup (name), g_strdup (json_node_get_string (node)));
  return fields;
}

/* The record's date column: what it is ordered by. */
static const char *
sort_date (LiaRecordKind kind,
           GHashTable   *fields)
{
  return g_hash_table_lookup (fields, kind == LIA_RECORD_ACTION ? "due" : "date");
}

/* Everything a person might search for, in one text. */
static char *
search_body (GHashTable *fields)
{
  static const char *const skip[] = {
    "title", "classification", "destroy-on", "return-on", "date", "due", "expected", NULL
  };
  g_autoptr (GList) keys = g_list_sort (g_hash_table_get_keys (fields), (GCompareFunc) strcmp);
  GString *body = g_string_new (NULL);

  for (GList *l = keys; l != NULL; l = l->next)
    if (lia_choice_index (skip, l->data) < 0)
      g_string_append_printf (body, "%s\n", (char *) g_hash_table_lookup (fields, l->data));
  return g_string_free (body, FALSE);
}

/* Keeps the chronology table in step with a chronology entry. */
static gboolean
index_chronology (sqlite3      *db,
                  gint64        seq,
                  const char   *record_id,
                  const char   *case_id,
                  gint64        originator,
                  GHashTable   *fields,
                  GError      **error)
{
  g_autoptr (sqlite3_stmt) del = NULL;
  g_autoptr (sqlite3_stmt) ins = NULL;

  del = lia_db_prepare (db, "DELETE FROM chronology WHERE record_seq = ?", error);
  if (del == NULL)
    return FALSE;
  sqlite3_bind_int64 (del, 1, seq);
  if (!lia_db_step_done (db, del, "Could not index the chronology", error))
    return FALSE;
  ins = lia_db_prepare (db, "INSERT INTO chronology (case_id, date, record_seq, record_id, "
                            "originator, agency, what, source, analysis, expected) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (ins == NULL)
    return FALSE;
  lia_db_bind_text (ins, 1, case_id);
  lia_db_bind_text (ins, 2, g_hash_table_lookup (fields, "date"));
  sqlite3_bind_int64 (ins, 3, seq);
  lia_db_bind_text (ins, 4, record_id);
  sqlite3_bind_int64 (ins, 5, originator);
  lia_db_bind_text (ins, 6, g_hash_table_lookup (fields, "agency"));
  lia_db_bind_text (ins, 7, g_hash_table_lookup (fields, "what"));
  lia_db_bind_text (ins, 8, g_hash_table_lookup (fields, "source"));
  lia_db_bind_text (ins, 9, g_hash_table_lookup (fields, "analysis"));
  lia_db_bind_text (ins, 10, g_hash_table_lookup (fields, "expected"));
  return lia_db_step_done (db, ins, "Could not index the chronology", error);
}

/* The full-text index is written once per transaction, at its commit
 * (lia_record_index_flush(), from lia_db_commit()): until then a record's
 * text waits in a table of the connection's own (temp.record_fts_pending,
 * made when it opens). Each statement that takes a statement journal (an
 * insert into a table with a trigger, an upsert) makes FTS5 write out
 * what it holds pending as a segment of its own, so indexing record by
 * record, between such statements, made a segment of every record: in a
 * sync of 10,000 records that was a tenth of the time. @fresh: the record
 * is new, so there is nothing to take out of the index first. */
static gboolean
index_record (sqlite3    *db,
              gint64      seq,
              const char *title,
              GHashTable *fields,
              gboolean    fresh,
              GError    **error)
{
  g_autoptr (sqlite3_stmt) del = NULL;
  g_autoptr (sqlite3_stmt) ins = NULL;
  g_autofree char *body = search_body (fields);

  if (!fresh)
    {
      del = lia_db_prepare (db, "DELETE FROM record_fts WHERE rowid = ?", error);
      if (del == NULL)
        return FALSE;
      sqlite3_bind_int64 (del, 1, seq);
      if (!lia_db_step_done (db, del, "Could not index the record", error))
        return FALSE;
    }
  if (sqlite3_get_autocommit (db))
    ins = lia_db_prepare (db, "INSERT INTO record_fts (rowid, title, body) VALUES (?, ?, ?)", error);
  else
    ins = lia_db_prepare (db, "INSERT OR REPLACE INTO temp.record_fts_pending (seq, title, body) "
                              "VALUES (?, ?, ?)", error);
  if (ins == NULL)
    return FALSE;
  sqlite3_bind_int64 (ins, 1, seq);
  lia_db_bind_text (ins, 2, title);
  lia_db_bind_text (ins, 3, body);
  return lia_db_step_done (db, ins, "Could not index the record", error);
}

gboolean
lia_record_index_flush (sqlite3 *db,
                        GError **error)
{
  static const char *const flush[] = {
    "INSERT INTO record_fts (rowid, title, body) "
    "SELECT seq, title, body FROM temp.record_fts_pending ORDER BY seq",
    "DELETE FROM temp.record_fts_pending",
  };

  for (guint i = 0; i < G_N_ELEMENTS (flush); i++)
    {
      g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, flush[i], error);

      if (stmt == NULL || !lia_db_step_done (db, stmt, "Could not index the records", error))
        return FALSE;
    }
  return TRUE;
}

char *
lia_record_add_from (LiaStore      *store,
                     const char    *case_id,
                     const LiaOrg  *originator,
                     LiaRecordKind  kind,
                     GHashTable    *fields,
                     GError       **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GHashTable) clean = NULL;
  g_autofree char *case_full_id = NULL;
  g_autofree char *id = NULL;
  g_autofree char *title = NULL;
  g_autofree char *json = NULL;
  gint64 now = lia_db_now ();
  const char *classification;
  gint64 seq;

  g_return_val_if_fail (kind < LIA_RECORD_N_KINDS, NULL);
  if (db == NULL)
    return NULL;
  case_full_id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
  if (case_full_id == NULL)
    return NULL;
  clean = merge_fields (kind, NULL, fields, originator, error);
  if (clean == NULL)
    return NULL;
  title = derive_title (kind, clean);
  json = fields_to_json (clean);
  classification = g_hash_table_lookup (clean, "classification");
  id = g_uuid_string_random ();

  if (!lia_db_begin (db, error))
    return NULL;
  stmt = lia_db_prepare (db, "INSERT INTO record (id, case_id, originator, kind, version, title, "
                             "date, classification, fields, destroy_on, return_on, created_at, "
                             "updated_at, status, owner) "
                             "VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    goto fail;
  lia_db_bind_text (stmt, 1, id);
  lia_db_bind_text (stmt, 2, case_full_id);
  sqlite3_bind_int64 (stmt, 3, originator->id);
  lia_db_bind_text (stmt, 4, kind_names[kind]);
  lia_db_bind_text (stmt, 5, title);
  lia_db_bind_text (stmt, 6, sort_date (kind, clean));
  lia_db_bind_text (stmt, 7, classification != NULL ? classification : "standard");
  lia_db_bind_text (stmt, 8, json);
  lia_db_bind_text (stmt, 9, g_hash_table_lookup (clean, "destroy-on"));
  lia_db_bind_text (stmt, 10, g_hash_table_lookup (clean, "return-on"));
  sqlite3_bind_int64 (stmt, 11, now);
  sqlite3_bind_int64 (stmt, 12, now);
  lia_db_bind_text (stmt, 13, g_hash_table_lookup (clean, "status"));
  lia_db_bind_text (stmt, 14, g_hash_table_lookup (clean, "owner"));
  if (!lia_db_step_done (db, stmt, "Could not save the record", error))
    goto fail;
  seq = sqlite3_last_insert_rowid (db);
  /* This organisation's own record is sealed at once, in the same
   * transaction, for itself and everyone entitled to it. */
  if (!index_record (db, seq, title, clean, TRUE, error)
      || (kind == LIA_RECORD_CHRONOLOGY
          && !index_chronology (db, seq, id, case_full_id, originator->id, clean, error))
      || (originator->is_self && !lia_exchange_record_changed (store, id, error))
      || !lia_db_commit (db, error))
    goto fail;
  return g_steal_pointer (&id);

fail:
  lia_db_rollback (db);
  return NULL;
}

char *
lia_record_add (LiaStore      *store,
                const char    *case_id,
                LiaRecordKind  kind,
                GHashTable    *fields,
                GError       **error)
{
  g_autoptr (LiaOrg) self = lia_store_get_self (store, error);

  if (self == NULL)
    return NULL;
  return lia_record_add_from (store, case_id, self, kind, fields, error);
}

#define RECORD_COLUMNS \
  "r.id, r.case_id, r.kind, r.version, r.title, r.date, r.classification, r.fields, " \
  "r.destroy_on, r.return_on, r.created_at, r.updated_at, r.seq, " LIA_ORG_COLUMNS \
  ", r.withdrawn_at, r.destroyed_at"
/* Where the columns after LIA_ORG_COLUMNS start. */
#define RECORD_AFTER_ORG (13 + 4)

static LiaRecord *
record_from_row (sqlite3_stmt *stmt)
{
  LiaRecord *record = g_new0 (LiaRecord, 1);
  int classification = lia_choice_index (classification_choices,
                                         (const char *) sqlite3_column_text (stmt, 6));

  record->id = lia_db_column_dup (stmt, 0);
  record->case_id = lia_db_column_dup (stmt, 1);
  if (!lia_record_kind_from_string ((const char *) sqlite3_column_text (stmt, 2), &record->kind))
    record->kind = LIA_RECORD_NOTE;
  record->version = sqlite3_column_int (stmt, 3);
  record->title = lia_db_column_dup (stmt, 4);
  record->date = lia_db_column_dup (stmt, 5);
  record->classification = classification >= 0 ? (LiaClassification) classification
                                                : LIA_CLASSIFICATION_SECRET;
  record->fields = fields_from_json ((const char *) sqlite3_column_text (stmt, 7));
  lia_db_column_date (stmt, 8, &record->destroy_on);
  lia_db_column_date (stmt, 9, &record->return_on);
  record->created_at = sqlite3_column_int64 (stmt, 10);
  record->updated_at = sqlite3_column_int64 (stmt, 11);
  record->originator = lia_org_from_row (stmt, 13);
  record->withdrawn = sqlite3_column_type (stmt, RECORD_AFTER_ORG) != SQLITE_NULL;
  record->destroyed = sqlite3_column_type (stmt, RECORD_AFTER_ORG + 1) != SQLITE_NULL;
  record->destroyed_at = sqlite3_column_int64 (stmt, RECORD_AFTER_ORG + 1);
  return record;
}

LiaRecord *
lia_record_load (LiaStore   *store,
                 const char *id_or_prefix,
                 GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  id = lia_db_resolve_id (db, "record", id_or_prefix, "record", error);
  if (id == NULL)
    return NULL;
  stmt = lia_db_prepare (db, "SELECT " RECORD_COLUMNS " FROM record r "
                             "JOIN org o ON o.id = r.originator WHERE r.id = ?", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the record");
      return NULL;
    }
  return record_from_row (stmt);
}

GPtrArray *
lia_record_list (LiaStore   *store,
                 const char *case_id,
                 int         kind,
                 GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autofree char *id = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
  if (id == NULL)
    return NULL;
  stmt = lia_db_prepare (db, "SELECT " RECORD_COLUMNS " FROM record r "
                             "JOIN org o ON o.id = r.originator "
                             "WHERE r.case_id = ?1 AND (?2 IS NULL OR r.kind = ?2) "
                             "ORDER BY r.date IS NULL, r.date, r.created_at, r.seq", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, id);
  lia_db_bind_text (stmt, 2, kind >= 0 && kind < LIA_RECORD_N_KINDS ? kind_names[kind] : NULL);
  records = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_record_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (records, record_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the records");
      return NULL;
    }
  return g_steal_pointer (&records);
}

gboolean
lia_record_edit (LiaStore   *store,
                 const char *record_id,
                 GHashTable *changes,
                 GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (LiaRecord) record = NULL;
  g_autoptr (GHashTable) clean = NULL;
  g_autofree char *title = NULL;
  g_autofree char *json = NULL;
  const char *classification;
  gint64 seq, version;

  if (db == NULL)
    return FALSE;
  record = lia_record_load (store, record_id, error);
  if (record == NULL)
    return FALSE;
  if (!record->originator->is_self)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                   "This record belongs to %s, which made it; only %s can change it. "
                   "Add a record of your own that responds to it instead",
                   record->originator->name, record->originator->name);
      return FALSE;
    }
  if (record->withdrawn)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED,
                   "This record was withdrawn; it cannot be changed any more");
      return FALSE;
    }
  if (changes == NULL || g_hash_table_size (changes) == 0)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                   "Nothing to change: give the fields to change");
      return FALSE;
    }
  clean = merge_fields (record->kind, record->fields, changes, record->originator, error);
  if (clean == NULL)
    return FALSE;
  title = derive_title (record->kind, clean);
  json = fields_to_json (clean);
  classification = g_hash_table_lookup (clean, "classification");

  if (!lia_db_begin (db, error))
    return FALSE;
  /* The version being replaced is kept, as it was. */
  stmt = lia_db_prepare (db, "INSERT INTO record_version (record_id, version, title, date, "
                             "classification, fields, replaced_at) SELECT id, version, title, "
                             "date, classification, fields, ? FROM record WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, lia_db_now ());
  lia_db_bind_text (stmt, 2, record->id);
  if (!lia_db_step_done (db, stmt, "Could not keep the earlier version", error))
    goto fail;
  g_clear_pointer (&stmt, lia_db_release);

  stmt = lia_db_prepare (db, "UPDATE record SET version = version + 1, title = ?, date = ?, "
                             "classification = ?, fields = ?, destroy_on = ?, return_on = ?, "
                             "updated_at = ?, status = ?9, owner = ?10 WHERE id = ?8 "
                             "RETURNING seq, version", error);
  if (stmt == NULL)
    goto fail;
  lia_db_bind_text (stmt, 1, title);
  lia_db_bind_text (stmt, 2, sort_date (record->kind, clean));
  lia_db_bind_text (stmt, 3, classification != NULL ? classification : "standard");
  lia_db_bind_text (stmt, 4, json);
  lia_db_bind_text (stmt, 5, g_hash_table_lookup (clean, "destroy-on"));
  lia_db_bind_text (stmt, 6, g_hash_table_lookup (clean, "return-on"));
  sqlite3_bind_int64 (stmt, 7, lia_db_now ());
  lia_db_bind_text (stmt, 8, record->id);
  lia_db_bind_text (stmt, 9, g_hash_table_lookup (clean, "status"));
  lia_db_bind_text (stmt, 10, g_hash_table_lookup (clean, "owner"));
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      lia_store_set_sqlite_error (error, db, sqlite3_errcode (db), "Could not save the record");
      goto fail;
    }
  seq = sqlite3_column_int64 (stmt, 0);
  version = sqlite3_column_int64 (stmt, 1);
  g_clear_pointer (&stmt, lia_db_release);
  /* The new version lists the attachments of the one it replaces. */
  if (!index_record (db, seq, title, clean, FALSE, error)
      || (record->kind == LIA_RECORD_CHRONOLOGY
          && !index_chronology (db, seq, record->id, record->case_id, record->originator->id,
                                clean, error))
      || !lia_attachment_carry_forward (db, record->id, version - 1, error)
      || !lia_exchange_record_changed (store, record->id, error)
      || !lia_db_commit (db, error))
    goto fail;
  return TRUE;

fail:
  lia_db_rollback (db);
  return FALSE;
}

static gboolean
record_exists (sqlite3    *db,
               const char *record_id,
               gboolean   *out_exists,
               GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = lia_db_prepare (db, "SELECT 1 FROM record WHERE id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, record_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the records");
  *out_exists = rc == SQLITE_ROW;
  return TRUE;
}

/* Keeps the version about to be replaced in record_version. */
static gboolean
keep_version (sqlite3    *db,
              const char *record_id,
              GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = lia_db_prepare (db, "INSERT OR IGNORE INTO record_version (record_id, version, title, "
                             "date, classification, fields, replaced_at) SELECT id, version, "
                             "title, date, classification, fields, ? FROM record WHERE id = ?",
                         error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, lia_db_now ());
  lia_db_bind_text (stmt, 2, record_id);
  return lia_db_step_done (db, stmt, "Could not keep the earlier version", error);
}

gboolean
lia_record_put_received (sqlite3       *db,
                         const char    *id,
                         const char    *case_id,
                         const LiaOrg  *originator,
                         LiaRecordKind  kind,
                         gint64         version,
                         GHashTable    *fields,
                         gint64         created_at,
                         gint64         updated_at,
                         GError       **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GHashTable) clean = NULL;
  g_autofree char *title = NULL;
  g_autofree char *json = NULL;
  const char *classification;
  gboolean exists = FALSE;
  gint64 seq;

  g_return_val_if_fail (kind < LIA_RECORD_N_KINDS, FALSE);

  /* What another organisation sends passes the same checks as what is
   * typed here. */
  clean = merge_fields (kind, NULL, fields, originator, error);
  if (clean == NULL)
    return FALSE;
  title = derive_title (kind, clean);
  json = fields_to_json (clean);
  classification = g_hash_table_lookup (clean, "classification");
  if (!record_exists (db, id, &exists, error))
    return FALSE;
  /* A new record (nearly always, in a sync) is one plain INSERT: an
   * INSERT ... SELECT or an upsert takes a statement journal, and each one
   * makes the full-text index write out what it has pending, a segment
   * per record. */
  if (exists && !keep_version (db, id, error))
    return FALSE;
  if (exists)
    stmt = lia_db_prepare (db, "UPDATE record SET version = ?5, title = ?6, date = ?7, "
                               "classification = ?8, fields = ?9, destroy_on = ?10, "
                               "return_on = ?11, updated_at = ?13, status = ?14, owner = ?15, "
                               "destroyed_at = NULL WHERE id = ?1 RETURNING seq", error);
  else
    /* Its seq is the rowid: RETURNING would cost a table of its own. */
    stmt = lia_db_prepare (db, "INSERT INTO record (id, case_id, originator, kind, version, "
                               "title, date, classification, fields, destroy_on, return_on, "
                               "created_at, updated_at, status, owner) VALUES (?1, ?2, ?3, ?4, ?5, "
                               "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, id);
  lia_db_bind_text (stmt, 2, case_id);
  sqlite3_bind_int64 (stmt, 3, originator->id);
  lia_db_bind_text (stmt, 4, kind_names[kind]);
  sqlite3_bind_int64 (stmt, 5, version);
  lia_db_bind_text (stmt, 6, title);
  lia_db_bind_text (stmt, 7, sort_date (kind, clean));
  lia_db_bind_text (stmt, 8, classification != NULL ? classification : "standard");
  lia_db_bind_text (stmt, 9, json);
  lia_db_bind_text (stmt, 10, g_hash_table_lookup (clean, "destroy-on"));
  lia_db_bind_text (stmt, 11, g_hash_table_lookup (clean, "return-on"));
  sqlite3_bind_int64 (stmt, 12, created_at);
  sqlite3_bind_int64 (stmt, 13, updated_at);
  lia_db_bind_text (stmt, 14, g_hash_table_lookup (clean, "status"));
  lia_db_bind_text (stmt, 15, g_hash_table_lookup (clean, "owner"));
  if (sqlite3_step (stmt) != (exists ? SQLITE_ROW : SQLITE_DONE))
    return lia_store_set_sqlite_error (error, db, sqlite3_errcode (db), "Could not save the record");
  seq = exists ? sqlite3_column_int64 (stmt, 0) : sqlite3_last_insert_rowid (db);
  g_clear_pointer (&stmt, lia_db_release);
  return index_record (db, seq, title, clean, !exists, error)
         && (kind != LIA_RECORD_CHRONOLOGY
             || index_chronology (db, seq, id, case_id, originator->id, clean, error));
}

gboolean
lia_record_bump_version (sqlite3    *db,
                         const char *record_id,
                         GError    **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gint64 version;

  if (!keep_version (db, record_id, error))
    return FALSE;
  stmt = lia_db_prepare (db, "UPDATE record SET version = version + 1, updated_at = ? WHERE id = ? "
                             "RETURNING version - 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, lia_db_now ());
  lia_db_bind_text (stmt, 2, record_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return lia_store_set_sqlite_error (error, db, sqlite3_errcode (db),
                                       "Could not save the record");
  version = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, lia_db_release);
  /* The new version lists the same attachments as the one before. */
  return lia_attachment_carry_forward (db, record_id, version, error);
}

gboolean
lia_record_make_tombstone (sqlite3       *db,
                           const char    *id,
                           const char    *case_id,
                           gint64         originator,
                           LiaRecordKind  kind,
                           gint64         version,
                           gboolean       withdrawn,
                           GError       **error)
{
  /* Everything that holds the content goes: the fields, earlier versions,
   * the search index, the chronology, the envelopes that brought it
   * (which this store could open) and the attachments. The row keeps id,
   * kind, version and the dates. */
  static const char *const clear[] = {
    "DELETE FROM record_version WHERE record_id = ?1",
    "DELETE FROM record_fts WHERE rowid = (SELECT seq FROM record WHERE id = ?1)",
    "DELETE FROM temp.record_fts_pending WHERE seq = (SELECT seq FROM record WHERE id = ?1)",
    "DELETE FROM chronology WHERE record_seq = (SELECT seq FROM record WHERE id = ?1)",
    "DELETE FROM envelope WHERE kind = 'record' AND object_id = ?1",
  };
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gint64 now = lia_db_now ();

  g_return_val_if_fail (kind < LIA_RECORD_N_KINDS, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (clear); i++)
    {
      stmt = lia_db_prepare (db, clear[i], error);
      if (stmt == NULL)
        return FALSE;
      lia_db_bind_text (stmt, 1, id);
      if (!lia_db_step_done (db, stmt, "Could not remove the record's content", error))
        return FALSE;
      g_clear_pointer (&stmt, lia_db_release);
    }
  /* And its attachments: their keys now, their chunks once the caller has
   * committed (lia_attachment_collect_garbage()). */
  if (!lia_attachment_forget_record (db, id, error))
    return FALSE;
  stmt = lia_db_prepare (db, "INSERT INTO record (id, case_id, originator, kind, version, title, "
                             "classification, fields, created_at, updated_at, withdrawn_at, "
                             "destroyed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'standard', '{}', ?7, ?7, "
                             "?8, ?9) ON CONFLICT (id) DO UPDATE SET version = MAX (version, ?5), "
                             "title = ?6, fields = '{}', status = NULL, owner = NULL, updated_at = ?7, "
                             "withdrawn_at = COALESCE (withdrawn_at, ?8), "
                             "destroyed_at = COALESCE (destroyed_at, ?9)", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, id);
  lia_db_bind_text (stmt, 2, case_id);
  sqlite3_bind_int64 (stmt, 3, originator);
  lia_db_bind_text (stmt, 4, kind_names[kind]);
  sqlite3_bind_int64 (stmt, 5, version);
  lia_db_bind_text (stmt, 6, withdrawn ? "Withdrawn by its originator" : "Destroyed as agreed");
  sqlite3_bind_int64 (stmt, 7, now);
  if (withdrawn)
    sqlite3_bind_int64 (stmt, 8, now);
  else
    sqlite3_bind_int64 (stmt, 9, now);
  return lia_db_step_done (db, stmt, "Could not keep the record's tombstone", error);
}

/* ---- search --------------------------------------------------------------- */

void
lia_search_hit_free (LiaSearchHit *hit)
{
  if (hit == NULL)
    return;
  g_free (hit->case_id);
  g_free (hit->record_id);
  g_free (hit->title);
  g_free (hit->snippet);
  g_free (hit);
}

/* The person's words as FTS5 strings: each one quoted (quotes doubled), so
 * that nothing they type is taken as FTS5 syntax; a trailing '*' asks for a
 * prefix match. NULL if there are no words. */
static char *
fts_query (const char *query)
{
  g_auto (GStrv) words = g_strsplit_set (query, " \t\r\n", -1);
  GString *match = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      char *word = words[i];
      gsize len = strlen (word);
      gboolean prefix = len > 1 && word[len - 1] == '*';
      g_autofree char *quoted = NULL;
      g_auto (GStrv) pieces = NULL;

      if (prefix)
        word[--len] = '\0';
      if (len == 0 || strspn (word, "*") == len)
        continue;
      pieces = g_strsplit (word, "\"", -1);
      quoted = g_strjoinv ("\"\"", pieces);
      g_string_append_printf (match, "%s\"%s\"%s", match->len > 0 ? " " : "", quoted,
                              prefix ? "*" : "");
    }
  if (match->len == 0)
    {
      g_string_free (match, TRUE);
      return NULL;
    }
  return g_string_free (match, FALSE);
}

GPtrArray *
lia_search (LiaStore   *store,
            const char *query,
            guint       limit,
            GError    **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) hits = NULL;
  g_autofree char *match = NULL;
  int rc;

  if (db == NULL)
    return NULL;
  if (query == NULL || strlen (query) > 1000)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "A search is at most 1000 bytes long");
      return NULL;
    }
  match = fts_query (query);
  if (match == NULL)
    {
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID,
                   "Give one or more words to search for");
      return NULL;
    }
  stmt = lia_db_prepare (db,
                         "SELECT * FROM ("
                         "  SELECT c.id, NULL, -1, c.title, "
                         "    snippet (case_fts, -1, '[', ']', '…', 12), case_fts.rank "
                         "  FROM case_fts JOIN lcase c ON c.seq = case_fts.rowid "
                         "  WHERE case_fts MATCH ?1 "
                         "  UNION ALL "
                         "  SELECT r.case_id, r.id, r.kind, r.title, "
                         "    snippet (record_fts, -1, '[', ']', '…', 12), record_fts.rank "
                         "  FROM record_fts JOIN record r ON r.seq = record_fts.rowid "
                         "  WHERE record_fts MATCH ?1"
                         ") ORDER BY 6 LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  lia_db_bind_text (stmt, 1, match);
  sqlite3_bind_int (stmt, 2, limit > 0 ? (int) MIN (limit, G_MAXINT) : -1);
  hits = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_search_hit_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      LiaSearchHit *hit = g_new0 (LiaSearchHit, 1);
      const char *kind = (const char *) sqlite3_column_text (stmt, 2);

      hit->case_id = lia_db_column_dup (stmt, 0);
      hit->record_id = lia_db_column_dup (stmt, 1);
      if (hit->record_id == NULL || !lia_record_kind_from_string (kind, &hit->kind))
        hit->kind = LIA_RECORD_NOTE;
      hit->title = lia_db_column_dup (stmt, 3);
      hit->snippet = lia_db_column_dup (stmt, 4);
      g_ptr_array_add (hits, hit);
    }
  if (rc != SQLITE_DONE)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not search");
      return NULL;
    }
  return g_steal_pointer (&hits);
}

/* ---- chronology ----------------------------------------------------------- */

void
lia_chronology_entry_free (LiaChronologyEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->record_id);
  g_free (entry->date);
  g_free (entry->agency);
  g_free (entry->what);
  g_free (entry->source);
  g_free (entry->analysis);
  g_free (entry->expected);
  g_free (entry->originator);
  g_free (entry);
}

/* Each entry, lent, to @row as it is read; @row returns FALSE with an error
 * to stop. */
typedef gboolean (*ChronologyRowFunc) (const LiaChronologyEntry *entry,
                                       gpointer                  user_data,
                                       GError                  **error);

static gboolean
chronology_read (LiaStore          *store,
                 const char        *case_id,
                 const char        *agency,
                 ChronologyRowFunc  row,
                 gpointer           user_data,
                 GError           **error)
{
  sqlite3 *db = lia_db_get (store, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;
  int rc;

  if (db == NULL)
    return FALSE;
  id = lia_db_resolve_id (db, "lcase", case_id, "case", error);
  if (id == NULL)
    return FALSE;
  stmt = lia_db_prepare (db,
                         "SELECT c.record_id, c.date, c.agency, c.what, c.source, c.analysis, "
                         "  c.expected, o.name "
                         "FROM chronology c JOIN org o ON o.id = c.originator "
                         "WHERE c.case_id = ?1 AND (?2 IS NULL OR c.agency = ?2 COLLATE NOCASE) "
                         "ORDER BY c.date, c.record_seq", error);
  if (stmt == NULL)
    return FALSE;
  lia_db_bind_text (stmt, 1, id);
  lia_db_bind_text (stmt, 2, agency);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const LiaChronologyEntry entry = {
        .record_id = (char *) sqlite3_column_text (stmt, 0),
        .date = (char *) sqlite3_column_text (stmt, 1),
        .agency = (char *) sqlite3_column_text (stmt, 2),
        .what = (char *) sqlite3_column_text (stmt, 3),
        .source = (char *) sqlite3_column_text (stmt, 4),
        .analysis = (char *) sqlite3_column_text (stmt, 5),
        .expected = (char *) sqlite3_column_text (stmt, 6),
        .originator = (char *) sqlite3_column_text (stmt, 7),
      };

      if (!row (&entry, user_data, error))
        return FALSE;
    }
  if (rc != SQLITE_DONE)
    return lia_store_set_sqlite_error (error, db, rc, "Could not read the chronology");
  return TRUE;
}

static gboolean
keep_entry_cb (const LiaChronologyEntry *lent, gpointer user_data, GError **error)
{
  LiaChronologyEntry *entry = g_new (LiaChronologyEntry, 1);

  entry->record_id = g_strdup (lent->record_id);
  entry->date = g_strdup (lent->date);
  entry->agency = g_strdup (lent->agency);
  entry->what = g_strdup (lent->what);
  entry->source = g_strdup (lent->source);
  entry->analysis = g_strdup (lent->analysis);
  entry->expected = g_strdup (lent->expected);
  entry->originator = g_strdup (lent->originator);
  g_ptr_array_add (user_data, entry);
  return TRUE;
}

GPtrArray *
lia_chronology_get (LiaStore   *store,
                    const char *case_id,
                    const char *agency,
                    GError    **error)
{
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_chronology_entry_free);

  if (!chronology_read (store, case_id, agency, keep_entry_cb, entries, error))
    return NULL;
  return g_steal_pointer (&entries);
}

void
lia_csv_append_field (GString    *out,
                      const char *value)
{
  gboolean quote;

  if (value == NULL)
    return;
  /* A cell that a spreadsheet would run as a formula is written as text
   * (OWASP's advice on CSV injection): a leading apostrophe. */
  if (strchr ("=+-@\t\r", value[0]) != NULL && value[0] != '\0')
    {
      g_string_append (out, "\"'");
      for (const char *p = value; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
      return;
    }
  quote = strpbrk (value, ",\"\r\n") != NULL || value[0] == ' ';
  if (!quote)
    {
      g_string_append (out, value);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* CSV written in pieces, so that 50,000 entries never sit in memory
 * twice. */
typedef struct
{
  GString       *text;
  GOutputStream *out;
  GCancellable  *cancellable;
  guint          count;
} CsvWriter;

#define CSV_HEADER "Date,Time,Agency,What happened,Source,Analysis,Expected practice," \
                   "Recorded by,Record\r\n"

static gboolean
csv_flush (CsvWriter *w, GError **error)
{
  if (w->text->len > 0
      && !g_output_stream_write_all (w->out, w->text->str, w->text->len, NULL, w->cancellable, error))
    return FALSE;
  g_string_truncate (w->text, 0);
  return TRUE;
}

static gboolean
csv_entry_cb (const LiaChronologyEntry *entry, gpointer user_data, GError **error)
{
  CsvWriter *w = user_data;
  GString *text = w->text;
  const char *date = entry->date != NULL ? entry->date : "";
  char day[11];
  /* The columns of CSV_HEADER: the date and the time in columns of their
   * own. */
  const char *const cells[] = {
    day, strlen (date) > 11 ? date + 11 : "", entry->agency, entry->what, entry->source,
    entry->analysis, entry->expected, entry->originator, entry->record_id,
  };

  g_strlcpy (day, date, sizeof day);
  for (guint i = 0; i < G_N_ELEMENTS (cells); i++)
    {
      if (i > 0)
        g_string_append_c (text, ',');
      lia_csv_append_field (text, cells[i]);
    }
  g_string_append (text, "\r\n");
  w->count++;
  return text->len < 65536 || csv_flush (w, error);
}

gboolean
lia_chronology_write_csv (GPtrArray     *entries,
                          GOutputStream *out,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr (GString) text = g_string_sized_new (65536 + 4096);
  CsvWriter w = { text, out, cancellable, 0 };

  g_string_append (text, CSV_HEADER);
  for (guint i = 0; i < entries->len; i++)
    if (!csv_entry_cb (entries->pdata[i], &w, error))
      return FALSE;
  return csv_flush (&w, error);
}

gboolean
lia_chronology_export_csv (LiaStore      *store,
                           const char    *case_id,
                           const char    *agency,
                           GOutputStream *out,
                           guint         *out_count,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr (GString) text = g_string_sized_new (65536 + 4096);
  CsvWriter w = { text, out, cancellable, 0 };

  g_string_append (text, CSV_HEADER);
  if (!chronology_read (store, case_id, agency, csv_entry_cb, &w, error) || !csv_flush (&w, error))
    return FALSE;
  if (out_count != NULL)
    *out_count = w.count;
  return TRUE;
}
