/* lia-demo.c: loading the fictional demonstration case.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "lia-db.h"
#include "lia-demo.h"
#include "lia-model-private.h"
#include "lia-record.h"
#include "lia-request.h"
#include "lia-resources.h"

#define DEMO_FORMAT "liaison-demo-1"
#define DEMO_MAX_BYTES (4 * 1024 * 1024)

void
lia_demo_result_clear (LiaDemoResult *result)
{
  g_clear_pointer (&result->case_id, g_free);
  g_clear_pointer (&result->as_key, g_free);
}

GBytes *
lia_demo_get_default (GError **error)
{
  return g_resource_lookup_data (lia_get_resource (), "/uk/liaison/Liaison/demo/demo-case.json",
                                 G_RESOURCE_LOOKUP_FLAGS_NONE, error);
}

static gboolean
invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID, "Demo data: %s", message);
  return FALSE;
}

/* A string member, or NULL if absent, not a string, or not UTF-8 (json-glib
 * lets a \u escape of a lone surrogate through as bytes that are not). */
static const char *
member (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;
  const char *value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  value = json_node_get_string (node);
  return g_utf8_validate (value, -1, NULL) ? value : NULL;
}

static JsonArray *
array_member (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static JsonObject *
object_member (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonObject *
object_at (JsonArray *array, guint i)
{
  JsonNode *node = json_array_get_element (array, i);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* A JSON object of strings as a table (borrowed strings). */
static GHashTable *
string_table (JsonObject *object, GError **error)
{
  GHashTable *table = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (object == NULL)
    return table;
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    {
      if (!g_utf8_validate (name, -1, NULL))
        {
          invalid (error, "a field name is not valid UTF-8 text");
          g_hash_table_unref (table);
          return NULL;
        }
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING
          || !g_utf8_validate (json_node_get_string (node), -1, NULL))
        {
          invalid (error, "“%s” must be a string of UTF-8 text", name);
          g_hash_table_unref (table);
          return NULL;
        }
      g_hash_table_insert (table, (char *) name, (char *) json_node_get_string (node));
    }
  return table;
}

typedef struct
{
  LiaStore   *store;
  sqlite3    *db;
  GHashTable *orgs;        /* key → LiaOrg */
  GHashTable *records;     /* ref → record id */
  const char *self_key;
  gboolean    own_only;
  char       *case_id;
  GDate       today;
  guint       n_records;
  guint       n_requests;
} Loader;

/* A loader for @store, or FALSE if its database cannot be had. */
static gboolean
loader_init (Loader    *l,
             LiaStore  *store,
             gboolean   own_only,
             GError   **error)
{
  *l = (Loader) { store, NULL, NULL, NULL, NULL, own_only, NULL, { 0, }, 0, 0 };
  l->db = lia_db_get (store, error);
  if (l->db == NULL)
    return FALSE;
  lia_date_set_today (&l->today);
  l->orgs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) lia_org_free);
  l->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return TRUE;
}

static void
loader_clear (Loader *l)
{
  g_clear_pointer (&l->case_id, g_free);
  g_clear_pointer (&l->orgs, g_hash_table_unref);
  g_clear_pointer (&l->records, g_hash_table_unref);
}

static LiaOrg *
org_for (Loader *l, const char *key, GError **error)
{
  LiaOrg *org = key ? g_hash_table_lookup (l->orgs, key) : NULL;

  if (org == NULL)
    invalid (error, "no organisation has the key “%s”", key ? key : "(none)");
  return org;
}

static gboolean
load_organisations (Loader *l, JsonArray *orgs, const char *as_key, GError **error)
{
  g_autoptr (LiaOrg) self = lia_store_get_self (l->store, error);

  if (self == NULL)
    return FALSE;
  if (orgs == NULL || json_array_get_length (orgs) == 0 || json_array_get_length (orgs) > 100)
    return invalid (error, "“organisations” must list 1 to 100 organisations");

  /* Which one this store plays. */
  for (guint i = 0; i < json_array_get_length (orgs) && l->self_key == NULL; i++)
    {
      JsonObject *o = object_at (orgs, i);
      LiaOrgKind kind;

      if (as_key != NULL ? g_strcmp0 (member (o, "key"), as_key) == 0
                         : (lia_org_kind_from_string (member (o, "kind") ? member (o, "kind") : "",
                                                      &kind) && kind == self->kind))
        l->self_key = member (o, "key");
    }
  if (l->self_key == NULL)
    {
      GString *keys = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (orgs); i++)
        {
          const char *key = member (object_at (orgs, i), "key");

          g_string_append_printf (keys, "%s%s", i ? ", " : "", key ? key : "(no key)");
        }
      g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND,
                   as_key ? "The demo has no organisation “%s”; choose one of %s with --as"
                          : "%sThe demo has no organisation of this store's kind; choose one of "
                            "%s with --as",
                   as_key ? as_key : "", keys->str);
      g_string_free (keys, TRUE);
      return FALSE;
    }

  for (guint i = 0; i < json_array_get_length (orgs); i++)
    {
      JsonObject *o = object_at (orgs, i);
      const char *key = member (o, "key");
      const char *name = member (o, "name");
      LiaOrgKind kind;
      LiaOrg *org;
      g_autoptr (GError) local_error = NULL;

      if (key == NULL || name == NULL || member (o, "kind") == NULL
          || !lia_org_kind_from_string (member (o, "kind"), &kind))
        return invalid (error, "organisation %u needs a key, a name and a kind", i + 1);
      if (g_hash_table_contains (l->orgs, key))
        return invalid (error, "two organisations have the key “%s”", key);
      if (g_str_equal (key, l->self_key))
        org = lia_org_copy (self);
      else
        {
          org = lia_store_find_org (l->store, name, &local_error);
          if (org != NULL && g_utf8_collate (org->name, name) != 0)
            g_clear_pointer (&org, lia_org_free);
          if (org == NULL)
            org = lia_store_add_org (l->store, name, kind, error);
          if (org == NULL)
            return FALSE;
        }
      g_hash_table_insert (l->orgs, g_strdup (key), org);
    }
  return TRUE;
}

static gboolean
load_case (Loader *l, JsonObject *c, GError **error)
{
  LiaCaseDraft draft = {
    .title = member (c, "title"), .child = member (c, "child"), .area = member (c, "area"),
    .aware = member (c, "aware"), .incident = member (c, "incident"), .type = member (c, "type"),
  };
  g_autoptr (GHashTable) fields = NULL;
  JsonArray *participants = array_member (c, "participants");
  JsonArray *attendance = array_member (c, "attendance");
  JsonArray *delays = array_member (c, "delays");
  GHashTableIter iter;
  gpointer name, value;
  LiaOrg *lead;

  if (c == NULL)
    return invalid (error, "there is no “case”");
  lead = org_for (l, member (c, "lead"), error);
  if (lead == NULL)
    return FALSE;
  l->case_id = lia_case_create (l->store, &draft, NULL, error);
  if (l->case_id == NULL)
    return FALSE;
  fields = string_table (object_member (c, "fields"), error);
  if (fields == NULL)
    return FALSE;
  g_hash_table_iter_init (&iter, fields);
  while (g_hash_table_iter_next (&iter, &name, &value))
    if (!lia_case_set_field (l->store, l->case_id, name, value, error))
      return FALSE;

  for (guint i = 0; participants != NULL && i < json_array_get_length (participants); i++)
    {
      JsonObject *p = object_at (participants, i);
      LiaOrg *org = org_for (l, member (p, "org"), error);
      LiaRole role;

      if (org == NULL)
        return FALSE;
      if (member (p, "role") == NULL || !lia_role_from_string (member (p, "role"), &role))
        return invalid (error, "participant %u has no valid role", i + 1);
      if (org->is_self)
        {
          if (!lia_case_update_participant (l->store, l->case_id, org, &role, member (p, "contact"),
                                            member (p, "email"), member (p, "phone"), error))
            return FALSE;
        }
      else if (!lia_case_add_participant (l->store, l->case_id, org, role, member (p, "contact"),
                                          member (p, "email"), member (p, "phone"), error))
        return FALSE;
    }
  for (guint i = 0; attendance != NULL && i < json_array_get_length (attendance); i++)
    {
      JsonObject *a = object_at (attendance, i);
      LiaOrg *org = org_for (l, member (a, "org"), error);

      if (org == NULL
          || !lia_case_add_attendee (l->store, l->case_id, org, member (a, "name"),
                                     member (a, "position"), error))
        return FALSE;
    }
  for (guint i = 0; delays != NULL && i < json_array_get_length (delays); i++)
    {
      JsonObject *d = object_at (delays, i);

      if (!lia_case_add_delay_notice (l->store, l->case_id, member (d, "sent"),
                                      member (d, "reason"), member (d, "revised"), error))
        return FALSE;
    }
  /* Changes above needed this store to lead; now the demo's lead leads. */
  return lead->is_self || lia_case_set_lead (l->db, l->case_id, lead->id, error);
}

static gboolean
load_records (Loader *l, JsonArray *records, GError **error)
{
  for (guint i = 0; records != NULL && i < json_array_get_length (records); i++)
    {
      JsonObject *r = object_at (records, i);
      const char *ref = member (r, "ref");
      LiaOrg *originator = org_for (l, member (r, "originator"), error);
      g_autoptr (GHashTable) fields = NULL;
      g_autofree char *id = NULL;
      LiaRecordKind kind;

      if (originator == NULL)
        return FALSE;
      if (ref == NULL || member (r, "kind") == NULL
          || !lia_record_kind_from_string (member (r, "kind"), &kind))
        return invalid (error, "record %u needs a ref and a valid kind", i + 1);
      if (l->own_only && !originator->is_self)
        continue;
      fields = string_table (object_member (r, "fields"), error);
      if (fields == NULL)
        return FALSE;
      id = lia_record_add_from (l->store, l->case_id, originator, kind, fields, error);
      if (id == NULL)
        {
          g_prefix_error (error, "Demo record “%s”: ", ref);
          return FALSE;
        }
      g_hash_table_insert (l->records, g_strdup (ref), g_steal_pointer (&id));
      l->n_records++;
    }
  return TRUE;
}

static gboolean
load_requests (Loader *l, JsonArray *requests, GError **error)
{
  for (guint i = 0; requests != NULL && i < json_array_get_length (requests); i++)
    {
      JsonObject *q = object_at (requests, i);
      LiaOrg *requester = org_for (l, member (q, "requester"), error);
      LiaOrg *holder = requester ? org_for (l, member (q, "holder"), error) : NULL;
      JsonArray *events = array_member (q, "events");
      const char *record_ref = member (q, "record");
      g_autofree char *id = NULL;
      LiaRequestDraft draft = {
        .case_id = NULL, .subject = member (q, "subject"), .purpose = member (q, "purpose"),
        .made_on = member (q, "made"), .reply_by = member (q, "reply_by"),
      };

      if (holder == NULL)
        return FALSE;
      if (l->own_only && !requester->is_self && !holder->is_self)
        continue;
      draft.case_id = l->case_id;
      draft.requester = requester->fingerprint ? requester->fingerprint : requester->name;
      draft.holder = holder->fingerprint ? holder->fingerprint : holder->name;
      if (record_ref != NULL)
        {
          draft.record_id = g_hash_table_lookup (l->records, record_ref);
          if (draft.record_id == NULL && !l->own_only)
            return invalid (error, "request %u names the record “%s”, which is not in the demo",
                            i + 1, record_ref);
        }
      id = lia_request_new_full (l->store, &draft, &l->today, FALSE, error);
      if (id == NULL)
        return FALSE;
      for (guint j = 0; events != NULL && j < json_array_get_length (events); j++)
        {
          JsonObject *e = object_at (events, j);
          const char *action = member (e, "action");
          LiaOrg *to = member (e, "to") ? org_for (l, member (e, "to"), error) : NULL;
          LiaRequestStep step = {
            .reason = member (e, "reason"), .by = member (e, "by"), .on = member (e, "on"),
            .basis = member (e, "basis"),
          };
          LiaDecision decision;
          LiaEscalationLevel level;

          if (member (e, "to") != NULL && to == NULL)
            return FALSE;
          step.redirect_to = to ? (to->fingerprint ? to->fingerprint : to->name) : NULL;
          if (g_strcmp0 (action, "decide") == 0 && member (e, "decision")
              && lia_decision_from_string (member (e, "decision"), &decision))
            {
              if (!lia_request_decide_full (l->store, id, decision, &step, &l->today, FALSE, error))
                return FALSE;
            }
          else if (g_strcmp0 (action, "escalate") == 0 && member (e, "level")
                   && lia_escalation_from_string (member (e, "level"), &level))
            {
              if (!lia_request_escalate_full (l->store, id, level, &step, &l->today, FALSE, error))
                return FALSE;
            }
          else
            return invalid (error, "event %u of request %u is neither a valid decision nor a "
                                   "valid escalation", j + 1, i + 1);
        }
      l->n_requests++;
    }
  return TRUE;
}

/* The demo file's top object, checked for its size, syntax and format;
 * @parser keeps it alive. */
static JsonObject *
parse_demo (JsonParser *parser,
            GBytes     *data,
            GError    **error)
{
  g_autoptr (GError) parse_error = NULL;
  gsize size;
  const char *bytes = g_bytes_get_data (data, &size);
  JsonObject *root;

  if (size > DEMO_MAX_BYTES)
    {
      invalid (error, "the file is larger than %d bytes", DEMO_MAX_BYTES);
      return NULL;
    }
  if (bytes == NULL || size == 0)
    {
      invalid (error, "the file is empty");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, bytes, (gssize) size, &parse_error))
    {
      /* json-glib's message may quote the bad bytes themselves. */
      g_autofree char *message = g_utf8_make_valid (parse_error->message, -1);

      invalid (error, "not valid JSON: %s", message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      invalid (error, "the file holds no JSON value");
      return NULL;
    }
  root = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
           ? json_node_get_object (json_parser_get_root (parser)) : NULL;
  if (g_strcmp0 (member (root, "format"), DEMO_FORMAT) != 0)
    {
      invalid (error, "the format is not “%s”", DEMO_FORMAT);
      return NULL;
    }
  return root;
}

gboolean
lia_demo_load (LiaStore      *store,
               GBytes        *data,
               const char    *as_key,
               gboolean       own_only,
               LiaDemoResult *result,
               GError       **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  Loader l;
  JsonObject *root;
  gboolean ok = FALSE;

  root = parse_demo (parser, data, error);
  if (root == NULL || !loader_init (&l, store, own_only, error))
    return FALSE;

  /* All or nothing: every change below is a savepoint of this. */
  if (!lia_db_begin (l.db, error))
    goto out;
  if (load_organisations (&l, array_member (root, "organisations"), as_key, error)
      && load_case (&l, object_member (root, "case"), error)
      && load_records (&l, array_member (root, "records"), error)
      && load_requests (&l, array_member (root, "requests"), error)
      && lia_db_commit (l.db, error))
    ok = TRUE;
  else
    lia_db_rollback (l.db);

  if (ok)
    {
      result->case_id = g_steal_pointer (&l.case_id);
      result->as_key = g_strdup (l.self_key);
      result->n_records = l.n_records;
      result->n_requests = l.n_requests;
    }
out:
  loader_clear (&l);
  return ok;
}

gboolean
lia_demo_load_into (LiaStore      *store,
                    GBytes        *data,
                    const char    *as_key,
                    const char    *case_id,
                    LiaDemoResult *result,
                    GError       **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (LiaCase) lcase = NULL;
  Loader l;
  JsonObject *root;
  gboolean ok = FALSE;

  g_return_val_if_fail (as_key != NULL, FALSE);
  g_return_val_if_fail (case_id != NULL, FALSE);

  root = parse_demo (parser, data, error);
  if (root == NULL)
    return FALSE;
  /* The case as the lead made it, which came here with its facts. */
  lcase = lia_case_load (store, case_id, error);
  if (lcase == NULL || !loader_init (&l, store, TRUE, error))
    return FALSE;
  l.case_id = g_strdup (lcase->id);

  if (!lia_db_begin (l.db, error))
    goto out;
  if (load_organisations (&l, array_member (root, "organisations"), as_key, error)
      && load_records (&l, array_member (root, "records"), error)
      && lia_db_commit (l.db, error))
    ok = TRUE;
  else
    lia_db_rollback (l.db);

  if (ok)
    {
      result->case_id = g_strdup (l.case_id);
      result->as_key = g_strdup (l.self_key);
      result->n_records = l.n_records;
      result->n_requests = 0;
    }
out:
  loader_clear (&l);
  return ok;
}
