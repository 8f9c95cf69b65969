/* test-cli-model.c: liaison-cli's commands for organisations, cases,
 * records, requests, deadlines, search, the chronology and the demo, run as
 * a script would run them: the real binary, its JSON, its exit statuses and
 * its messages.
 *
 * Every unlock costs a real Argon2id derivation (liaison-cli always uses the
 * shipped limits), so each test shares one store among all its commands.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <json-glib/json-glib.h>

#include "lia-crypt-vfs.h"
#include "lia-record.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

#define PASS     "cli model test passphrase"
#define ORG_NAME "Northmoor Borough Council"
/* "Today" for every command, so that deadlines do not move with the clock. */
#define TODAY    "2026-06-12"

/* ---- running the binary ------------------------------------------------------ */


static LiaTestCliRun *
run_cli (const char *const *env,
         const char        *store,
         const char *const *args)
{
  return lia_test_run_cli (PASS, env, store, args);
}

/* Each test has its own store, made by `init` as this organisation. */
typedef struct
{
  char       *dir;
  const char *env[3];   /* LIAISON_TODAY=TODAY */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree char *parent = lia_test_make_dir ("cli-model");
  const char *const init[] = { "init", "--org", ORG_NAME, "--kind", "local-authority", NULL };
  g_autoptr (LiaTestCliRun) run = NULL;

  f->dir = g_build_filename (parent, "liaison", NULL);
  f->env[0] = "LIAISON_TODAY";
  f->env[1] = TODAY;
  f->env[2] = NULL;
  run = run_cli (f->env, f->dir, init);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_free (f->dir);
}

#define CLI(f, ...) run_cli ((f)->env, (f)->dir, (const char *const[]) { __VA_ARGS__, NULL })
#define CLI_JSON(f, ...) cli_json ((f), (const char *const[]) { "--json", __VA_ARGS__, NULL })
#define CLI_ID(f, ...) cli_id ((f), (const char *const[]) { "--json", __VA_ARGS__, NULL })
#define CLI_OK(f, ...) cli_ok ((f), (const char *const[]) { "--json", __VA_ARGS__, NULL })
#define CLI_DO(f, ...) json_node_unref (CLI_JSON (f, __VA_ARGS__))

/* ---- JSON, with its types checked ---------------------------------------------- */

static JsonNode *
parse_json (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* Runs a command that must succeed quietly and print JSON; returns it. */
static JsonNode *
cli_json (Fixture *f, const char *const *args)
{
  g_autoptr (LiaTestCliRun) run = run_cli (f->env, f->dir, args);

  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");
  /* One JSON document and a newline. */
  g_assert_true (g_str_has_suffix (run->out, "\n"));
  return parse_json (run->out);
}

static JsonObject *
root_object (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

static JsonArray *
root_array (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_node_get_array (node);
}

/* The member @name of @object, which must be there; on failure the message
 * names the member. */
static JsonNode *
member (JsonObject *object,
        const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    {
      g_autofree char *message = g_strdup_printf ("JSON object has no member “%s”", name);

      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, message);
    }
  return node;
}

static void
assert_value_type (JsonObject *object,
                   const char *name,
                   GType       type)
{
  JsonNode *node = member (object, name);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    {
      g_autofree char *message = g_strdup_printf ("JSON member “%s” is a %s, not a %s", name,
                                                  json_node_type_name (node), g_type_name (type));

      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, message);
    }
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  assert_value_type (object, name, G_TYPE_STRING);
  return json_object_get_string_member (object, name);
}

/* A string, or NULL for JSON null. */
static const char *
get_nullable (JsonObject *object,
              const char *name)
{
  if (JSON_NODE_HOLDS_NULL (member (object, name)))
    return NULL;
  return get_string (object, name);
}

static void
assert_null (JsonObject *object,
             const char *name)
{
  g_assert_true (JSON_NODE_HOLDS_NULL (member (object, name)));
}

static gint64
get_int (JsonObject *object,
         const char *name)
{
  assert_value_type (object, name, G_TYPE_INT64);
  return json_object_get_int_member (object, name);
}

static gboolean
get_bool (JsonObject *object,
          const char *name)
{
  assert_value_type (object, name, G_TYPE_BOOLEAN);
  return json_object_get_boolean_member (object, name);
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (member (object, name)));
  return json_object_get_object_member (object, name);
}

static JsonArray *
get_array (JsonObject *object,
           const char *name)
{
  g_assert_true (JSON_NODE_HOLDS_ARRAY (member (object, name)));
  return json_object_get_array_member (object, name);
}

static JsonObject *
element (JsonArray *array,
         guint      index)
{
  g_assert_cmpuint (index, <, json_array_get_length (array));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, index)));
  return json_array_get_object_element (array, index);
}

/* The first object in @array whose string member @name is @value, or NULL. */
static JsonObject *
find_by (JsonArray  *array,
         const char *name,
         const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = element (array, i);

      if (json_object_has_member (object, name)
          && g_strcmp0 (get_nullable (object, name), value) == 0)
        return object;
    }
  return NULL;
}

/* Ids are random UUIDs in their usual lower-case text form. */
static void
assert_uuid (const char *id)
{
  g_assert_nonnull (id);
  g_assert_cmpuint (strlen (id), ==, 36);
  g_assert_true (g_uuid_string_is_valid (id));
  for (const char *p = id; *p != '\0'; p++)
    g_assert_false (g_ascii_isupper (*p));
}

/* Runs a command that prints {"id": ...} and returns the id. */
static char *
cli_id (Fixture *f, const char *const *args)
{
  g_autoptr (JsonNode) node = cli_json (f, args);
  JsonObject *object = root_object (node);
  const char *id = get_string (object, "id");

  assert_uuid (id);
  g_assert_cmpuint (json_object_get_size (object), ==, 1);
  return g_strdup (id);
}

/* An organisation as the JSON shows it. */
static void
assert_org (JsonObject *org,
            const char *name,
            const char *kind,
            gboolean    self)
{
  g_assert_cmpstr (get_string (org, "name"), ==, name);
  g_assert_cmpstr (get_string (org, "kind"), ==, kind);
  g_assert_cmpint (get_bool (org, "self"), ==, self);
  /* This store's own organisation has its fingerprint; an organisation
   * added by name has none until its invite code arrives. */
  if (self)
    g_assert_cmpuint (strlen (get_string (org, "fingerprint")), ==, 49);
  else
    assert_null (org, "fingerprint");
}

static void
assert_ok (JsonNode *node)
{
  JsonObject *object = root_object (node);

  g_assert_true (get_bool (object, "ok"));
  g_assert_cmpuint (json_object_get_size (object), ==, 1);
}

/* Runs a command that prints {"ok": true}. */
static void
cli_ok (Fixture *f, const char *const *args)
{
  g_autoptr (JsonNode) node = cli_json (f, args);

  assert_ok (node);
}

/* ---- nothing stored ------------------------------------------------------------ */

/* What a script would see of the store: its cases, organisations, and the
 * records and requests of @case_id. */
static char *
snapshot (Fixture *f, const char *case_id)
{
  g_autoptr (LiaTestCliRun) cases = CLI (f, "--json", "case", "list");
  g_autoptr (LiaTestCliRun) orgs = CLI (f, "--json", "org", "list");
  g_autoptr (LiaTestCliRun) records = NULL;
  g_autoptr (LiaTestCliRun) requests = NULL;

  g_assert_cmpint (cases->status, ==, 0);
  g_assert_cmpint (orgs->status, ==, 0);
  if (case_id == NULL)
    return g_strconcat (cases->out, orgs->out, NULL);
  records = CLI (f, "--json", "record", "list", case_id);
  requests = CLI (f, "--json", "request", "list", case_id);
  g_assert_cmpint (records->status, ==, 0);
  g_assert_cmpint (requests->status, ==, 0);
  return g_strconcat (cases->out, orgs->out, records->out, requests->out, NULL);
}

typedef struct
{
  int                status;   /* 1: usage error; 2: refused */
  const char        *needle;   /* part of the message */
  const char        *today;    /* LIAISON_TODAY, or NULL for TODAY */
  const char *const *args;     /* after --json --store DIR */
} Refusal;

/* Runs @r's command: it must fail with @r->status, print nothing on
 * standard output and a message that contains @r->needle, and leave every
 * file of the store byte for byte as it was. */
static void
assert_refused (Fixture       *f,
                GHashTable    *before,
                const Refusal *r)
{
  const char *const env[] = { "LIAISON_TODAY", r->today ? r->today : TODAY, NULL };
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (LiaTestCliRun) run = NULL;

  g_ptr_array_add (args, (gpointer) "--json");
  for (guint i = 0; r->args[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) r->args[i]);
  g_ptr_array_add (args, NULL);
  run = run_cli (env, f->dir, (const char *const *) args->pdata);

  g_assert_cmpint (run->status, ==, r->status);
  g_assert_cmpstr (run->out, ==, "");
  g_assert_true (g_str_has_prefix (run->err, "liaison-cli: "));
  g_assert_nonnull (strstr (run->err, r->needle));
  /* A usage error says where to look for the usage. */
  if (r->status == 1)
    g_assert_nonnull (strstr (run->err, "Run “liaison-cli --help” for usage."));
  lia_test_assert_dir_unchanged (before, f->dir);
}

/* ---- organisations ------------------------------------------------------------- */

static void
test_organisations (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) whoami = CLI_JSON (f, "whoami");
  g_autoptr (JsonNode) police = CLI_JSON (f, "org", "add", "Northmoor Police", "--kind", "police");
  g_autoptr (JsonNode) icb = CLI_JSON (f, "org", "add", "Northmoor ICB", "--kind", "icb");
  g_autoptr (JsonNode) school = CLI_JSON (f, "org", "add", "Ashgrove School", "--kind", "agency");
  g_autoptr (JsonNode) orgs = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) by_prefix = NULL;
  g_autoptr (JsonNode) by_fingerprint = NULL;
  g_autoptr (JsonNode) by_compact = NULL;
  g_autoptr (LiaTestCliRun) duplicate = NULL;
  g_autoptr (LiaTestCliRun) ambiguous = NULL;
  g_autoptr (LiaTestCliRun) unknown_name = NULL;
  g_autoptr (LiaTestCliRun) unknown_fingerprint = NULL;
  g_autoptr (GHashTable) before = NULL;
  g_autofree char *case_id = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *compact = NULL;
  g_autofree char *lower = NULL;
  g_auto (GStrv) groups = NULL;
  JsonArray *array;
  JsonObject *self, *participant;

  fingerprint = g_strdup (get_string (root_object (whoami), "fingerprint"));
  assert_org (get_object (root_object (police), "organisation"), "Northmoor Police", "police",
              FALSE);
  assert_org (get_object (root_object (icb), "organisation"), "Northmoor ICB", "icb", FALSE);
  assert_org (get_object (root_object (school), "organisation"), "Ashgrove School", "agency",
              FALSE);

  /* This organisation first, then the others by name. */
  orgs = CLI_JSON (f, "org", "list");
  array = root_array (orgs);
  g_assert_cmpuint (json_array_get_length (array), ==, 4);
  assert_org (element (array, 0), ORG_NAME, "local-authority", TRUE);
  g_assert_cmpstr (get_string (element (array, 0), "fingerprint"), ==, fingerprint);
  assert_org (element (array, 1), "Ashgrove School", "agency", FALSE);
  assert_org (element (array, 2), "Northmoor ICB", "icb", FALSE);
  assert_org (element (array, 3), "Northmoor Police", "police", FALSE);

  /* Names are unique whatever their case. */
  duplicate = CLI (f, "org", "add", "NORTHMOOR police", "--kind", "police");
  g_assert_cmpint (duplicate->status, ==, 2);
  g_assert_nonnull (strstr (duplicate->err, "is already known"));

  case_id = CLI_ID (f, "case", "new", "--title", "Naming", "--child", "Child N", "--area",
                    "Northmoor", "--aware", "2026-06-01", "--contact", "Ann Lead");

  /* A unique start of the name, in any case. */
  by_prefix = CLI_JSON (f, "case", "participant", "add", case_id, "northmoor p", "--role",
                        "police", "--contact", "DS Bell");
  assert_ok (by_prefix);

  /* "Northmoor" starts three names: refused, listing them, nothing added. */
  before = lia_test_hash_dir (f->dir);
  ambiguous = CLI (f, "--json", "case", "participant", "add", case_id, "Northmoor", "--role",
                   "icb", "--contact", "Dr Ivy");
  g_assert_cmpint (ambiguous->status, ==, 2);
  g_assert_cmpstr (ambiguous->out, ==, "");
  g_assert_nonnull (strstr (ambiguous->err, "“Northmoor” could mean any of"));
  g_assert_nonnull (strstr (ambiguous->err, "“" ORG_NAME "”"));
  g_assert_nonnull (strstr (ambiguous->err, "“Northmoor ICB”"));
  g_assert_nonnull (strstr (ambiguous->err, "“Northmoor Police”"));
  g_assert_nonnull (strstr (ambiguous->err, "give more of the name, or the fingerprint"));
  lia_test_assert_dir_unchanged (before, f->dir);

  unknown_name = CLI (f, "case", "participant", "add", case_id, "Nobody Hospital", "--role",
                      "agency", "--contact", "X");
  g_assert_cmpint (unknown_name->status, ==, 2);
  g_assert_nonnull (strstr (unknown_name->err, "No known organisation is called “Nobody Hospital”"));

  /* This store's own fingerprint, as whoami prints it, and without its
   * spaces in lower case. */
  by_fingerprint = CLI_JSON (f, "case", "participant", "set", case_id, fingerprint, "--contact",
                             "Ann Lead-Smith");
  assert_ok (by_fingerprint);
  lower = g_ascii_strdown (fingerprint, -1);
  groups = g_strsplit (lower, " ", -1);
  compact = g_strjoinv ("", groups);
  g_assert_cmpuint (strlen (compact), ==, 40);
  by_compact = CLI_JSON (f, "case", "participant", "set", case_id, compact, "--phone",
                         "01632 960000");
  assert_ok (by_compact);
  unknown_fingerprint = CLI (f, "case", "participant", "set", case_id,
                             "0000 0000 0000 0000 0000 0000 0000 0000 0000 0000", "--phone", "1");
  g_assert_cmpint (unknown_fingerprint->status, ==, 2);
  g_assert_nonnull (strstr (unknown_fingerprint->err, "No known organisation has the fingerprint"));

  list = CLI_JSON (f, "case", "participant", "list", case_id);
  array = root_array (list);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  self = element (array, 0);
  assert_org (get_object (self, "organisation"), ORG_NAME, "local-authority", TRUE);
  g_assert_cmpstr (get_string (self, "role"), ==, "local-authority");
  g_assert_cmpstr (get_string (self, "contact"), ==, "Ann Lead-Smith");
  g_assert_cmpstr (get_string (self, "phone"), ==, "01632 960000");
  assert_null (self, "email");
  participant = element (array, 1);
  assert_org (get_object (participant, "organisation"), "Northmoor Police", "police", FALSE);
  g_assert_cmpstr (get_string (participant, "contact"), ==, "DS Bell");
}

/* ---- cases ------------------------------------------------------------------------ */

static const char *const statutory_milestones[] = {
  "notify-panel", "information-request", "rapid-review-meeting", "rapid-review-submitted",
  "recommendation", "lcspr-publication", "report-to-panel", "publication-delay",
  "iopc-representations", "keep-published",
};

static void
assert_milestone_shape (JsonObject *m)
{
  const char *state = get_string (m, "state");

  g_assert_nonnull (get_string (m, "milestone"));
  g_assert_nonnull (get_string (m, "title"));
  g_assert_nonnull (get_string (m, "rule"));
  g_assert_nonnull (get_string (m, "source"));
  get_nullable (m, "window_start");
  get_nullable (m, "due");
  get_nullable (m, "met_on");
  get_nullable (m, "note");
  get_nullable (m, "record");
  g_assert_true (g_strv_contains ((const char *const[]) { "awaiting", "due", "overdue", "met",
                                                          "met-late", "not-applicable", NULL },
                                  state));
}

/* Attendance of the rapid review meeting as "case show" reports it. */
static void
assert_attendance (Fixture    *f,
                   const char *case_id,
                   guint       n_attendees,
                   gint64      representatives,
                   gint64      partners,
                   gboolean    quorate)
{
  g_autoptr (JsonNode) show = CLI_JSON (f, "case", "show", case_id);
  JsonObject *attendance = get_object (root_object (show), "attendance");

  g_assert_cmpuint (json_array_get_length (get_array (attendance, "attendees")), ==, n_attendees);
  g_assert_cmpint (get_int (attendance, "representatives"), ==, representatives);
  g_assert_cmpint (get_int (attendance, "safeguarding_partners_present"), ==, partners);
  g_assert_cmpint (get_bool (attendance, "quorate"), ==, quorate);
}

static void
test_case (Fixture *f, gconstpointer data)
{
  g_autofree char *case_id = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) fields = NULL;
  g_autoptr (JsonNode) set = NULL;
  g_autoptr (JsonNode) set_choice = NULL;
  g_autoptr (JsonNode) cleared = NULL;
  g_autoptr (JsonNode) participants = NULL;
  g_autoptr (JsonNode) after_remove = NULL;
  g_autoptr (JsonNode) show = NULL;
  JsonObject *c, *next, *field, *object, *attendee = NULL;
  JsonArray *array, *timeline;
  gint64 police_attendee = 0;

  case_id = CLI_ID (f, "case", "new", "--title", "Serious incident, Child A", "--child", "Child A",
                    "--area", "Northmoor", "--aware", "2026-06-01", "--incident", "2026-05-30",
                    "--type", "death", "--contact", "Ann Lead");

  /* Today is 2026-06-12; the Panel was due to be told by 2026-06-08. */
  list = CLI_JSON (f, "case", "list");
  array = root_array (list);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  c = element (array, 0);
  g_assert_cmpstr (get_string (c, "id"), ==, case_id);
  g_assert_cmpstr (get_string (c, "title"), ==, "Serious incident, Child A");
  g_assert_cmpstr (get_string (c, "child"), ==, "Child A");
  g_assert_cmpstr (get_string (c, "area"), ==, "Northmoor");
  g_assert_cmpstr (get_string (c, "incident"), ==, "2026-05-30");
  g_assert_cmpstr (get_string (c, "aware"), ==, "2026-06-01");
  g_assert_cmpstr (get_string (c, "type"), ==, "death");
  g_assert_cmpstr (get_string (c, "status"), ==, "open");
  assert_org (get_object (c, "lead"), ORG_NAME, "local-authority", TRUE);
  next = get_object (c, "next_deadline");
  assert_milestone_shape (next);
  g_assert_cmpstr (get_string (next, "milestone"), ==, "notify-panel");
  g_assert_cmpstr (get_string (next, "due"), ==, "2026-06-08");
  g_assert_cmpstr (get_string (next, "state"), ==, "overdue");
  g_assert_false (json_object_has_member (next, "case"));

  fields = CLI_JSON (f, "case", "fields");
  array = root_array (fields);
  g_assert_cmpuint (json_array_get_length (array), >, 7);
  g_assert_cmpstr (get_string (element (array, 0), "name"), ==, "title");
  field = find_by (array, "name", "notification.sent");
  g_assert_nonnull (field);
  g_assert_cmpstr (get_string (field, "type"), ==, "date");
  g_assert_nonnull (get_string (field, "label"));
  assert_null (field, "choices");
  field = find_by (array, "name", "iopc.mode");
  g_assert_nonnull (field);
  g_assert_cmpstr (get_string (field, "type"), ==, "choice");
  g_assert_cmpuint (json_array_get_length (get_array (field, "choices")), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (get_array (field, "choices"), 1), ==,
                   "directed");

  set = CLI_JSON (f, "case", "set", case_id, "notification.sent", "2026-06-04");
  g_assert_cmpstr (get_string (root_object (set), "field"), ==, "notification.sent");
  g_assert_cmpstr (get_string (root_object (set), "value"), ==, "2026-06-04");
  set_choice = CLI_JSON (f, "case", "set", case_id, "iopc.mode", "directed");
  g_assert_cmpstr (get_string (root_object (set_choice), "value"), ==, "directed");
  /* "" clears a field. */
  cleared = CLI_JSON (f, "case", "set", case_id, "iopc.mode", "");
  g_assert_cmpstr (get_string (root_object (cleared), "field"), ==, "iopc.mode");
  assert_null (root_object (cleared), "value");

  CLI_DO (f, "org", "add", "Northmoor Police", "--kind", "police");
  CLI_DO (f, "org", "add", "Northmoor ICB", "--kind", "icb");
  CLI_DO (f, "org", "add", "Ashgrove School", "--kind", "agency");
  CLI_OK (f, "case", "participant", "add", case_id, "Northmoor Police", "--role",
          "police", "--contact", "DS Bell", "--email", "bell@police.example");
  CLI_OK (f, "case", "participant", "add", case_id, "Northmoor ICB", "--role", "icb",
          "--contact", "Dr Ivy");
  CLI_OK (f, "case", "participant", "add", case_id, "Ashgrove", "--role", "agency",
          "--contact", "Ms Head");
  CLI_OK (f, "case", "participant", "set", case_id, "Northmoor ICB", "--phone",
          "01632 960001");

  participants = CLI_JSON (f, "case", "participant", "list", case_id);
  array = root_array (participants);
  g_assert_cmpuint (json_array_get_length (array), ==, 4);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *p = element (array, i);
      const char *role = get_string (p, "role");

      g_assert_cmpint (get_bool (p, "safeguarding_partner"), ==, !g_str_equal (role, "agency"));
      g_assert_nonnull (get_string (p, "contact"));
      get_nullable (p, "email");
      get_nullable (p, "phone");
    }
  object = element (array, 0);
  assert_org (get_object (object, "organisation"), ORG_NAME, "local-authority", TRUE);
  g_assert_cmpstr (get_string (object, "contact"), ==, "Ann Lead");
  object = NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_str_equal (get_string (element (array, i), "role"), "icb"))
      object = element (array, i);
  g_assert_nonnull (object);
  g_assert_cmpstr (get_string (object, "contact"), ==, "Dr Ivy");
  g_assert_cmpstr (get_string (object, "phone"), ==, "01632 960001");

  /* Quorate: at least three representatives, from at least two of the
   * three safeguarding partners. Two people from this council and one from
   * the school are three, but from one partner. */
  CLI_OK (f, "case", "attendee", "add", case_id, ORG_NAME, "--name", "Ann Lead",
          "--position", "Chair");
  CLI_OK (f, "case", "attendee", "add", case_id, ORG_NAME, "--name", "Bea Worker");
  CLI_OK (f, "case", "attendee", "add", case_id, "Ashgrove", "--name", "Sam Head");
  assert_attendance (f, case_id, 3, 3, 1, FALSE);
  /* With the police, two partners: quorate (below). */
  CLI_OK (f, "case", "attendee", "add", case_id, "Northmoor Police", "--name",
          "DS Bell", "--position", "Detective Sergeant");

  CLI_OK (f, "case", "delay", "add", case_id, "--sent", "2026-06-10", "--reason",
          "Criminal proceedings", "--revised", "2027-03-01");

  show = CLI_JSON (f, "case", "show", case_id);
  c = root_object (show);
  g_assert_cmpstr (get_string (c, "id"), ==, case_id);
  g_assert_cmpstr (get_string (c, "title"), ==, "Serious incident, Child A");
  g_assert_cmpstr (get_string (c, "type"), ==, "death");
  g_assert_cmpstr (get_string (c, "status"), ==, "open");
  assert_org (get_object (c, "lead"), ORG_NAME, "local-authority", TRUE);
  object = get_object (c, "fields");
  g_assert_cmpuint (json_object_get_size (object), ==, 1);
  g_assert_cmpstr (get_string (object, "notification.sent"), ==, "2026-06-04");
  array = get_array (c, "participants");
  g_assert_cmpuint (json_array_get_length (array), ==, 4);
  g_assert_cmpstr (get_string (element (array, 0), "role"), ==, "local-authority");
  object = get_object (c, "attendance");
  g_assert_cmpint (get_int (object, "representatives"), ==, 4);
  g_assert_cmpint (get_int (object, "safeguarding_partners_present"), ==, 2);
  g_assert_true (get_bool (object, "quorate"));
  array = get_array (object, "attendees");
  g_assert_cmpuint (json_array_get_length (array), ==, 4);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *a = element (array, i);

      g_assert_cmpint (get_int (a, "id"), >, 0);
      g_assert_nonnull (get_string (a, "name"));
      get_nullable (a, "position");
      get_string (a, "role");
      get_object (a, "organisation");
      if (g_str_equal (get_string (a, "name"), "DS Bell"))
        attendee = a;
    }
  g_assert_nonnull (attendee);
  g_assert_cmpstr (get_string (attendee, "position"), ==, "Detective Sergeant");
  g_assert_cmpstr (get_string (attendee, "role"), ==, "police");
  assert_org (get_object (attendee, "organisation"), "Northmoor Police", "police", FALSE);
  police_attendee = get_int (attendee, "id");
  g_assert_cmpstr (get_string (element (array, 0), "position"), ==, "Chair");
  array = get_array (c, "delay_notices");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (get_string (element (array, 0), "sent"), ==, "2026-06-10");
  g_assert_cmpstr (get_string (element (array, 0), "reason"), ==, "Criminal proceedings");
  g_assert_cmpstr (get_string (element (array, 0), "revised"), ==, "2027-03-01");

  timeline = get_array (c, "timeline");
  for (guint i = 0; i < G_N_ELEMENTS (statutory_milestones); i++)
    {
      JsonObject *m = find_by (timeline, "milestone", statutory_milestones[i]);

      g_assert_nonnull (m);
      assert_milestone_shape (m);
      g_assert_false (json_object_has_member (m, "case"));
    }
  object = find_by (timeline, "milestone", "notify-panel");
  g_assert_cmpstr (get_string (object, "state"), ==, "met");
  g_assert_cmpstr (get_string (object, "met_on"), ==, "2026-06-04");

  /* Without the police attendee, one partner is left: not quorate. */
  {
    g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, police_attendee);

    CLI_OK (f, "case", "attendee", "remove", case_id, number);
  }
  assert_attendance (f, case_id, 3, 3, 1, FALSE);

  CLI_OK (f, "case", "participant", "remove", case_id, "Northmoor ICB");
  after_remove = CLI_JSON (f, "case", "participant", "list", case_id);
  array = root_array (after_remove);
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_assert_cmpstr (get_string (element (array, i), "role"), !=, "icb");
}

/* ---- deadlines: a worked scenario ------------------------------------------------ */

static void
assert_sorted_by_due (JsonArray *milestones)
{
  const char *previous = NULL;
  gboolean seen_null = FALSE;

  for (guint i = 0; i < json_array_get_length (milestones); i++)
    {
      JsonObject *m = element (milestones, i);
      const char *due = get_nullable (m, "due");

      assert_milestone_shape (m);
      if (due == NULL)
        {
          seen_null = TRUE;
          continue;
        }
      /* Those without a due date come last. */
      g_assert_false (seen_null);
      if (previous != NULL)
        g_assert_cmpstr (previous, <=, due);
      previous = due;
    }
}

static char *
milestone_key (JsonObject *m)
{
  return g_strconcat (get_string (m, "case"), " ", get_string (m, "milestone"), NULL);
}

static void
test_deadlines (Fixture *f, gconstpointer data)
{
  g_autofree char *case_a = NULL;
  g_autofree char *case_b = NULL;
  g_autofree char *action = NULL;
  g_autofree char *action_key = NULL;
  g_autoptr (JsonNode) one = NULL;
  g_autoptr (JsonNode) all = NULL;
  g_autoptr (JsonNode) within = NULL;
  g_autoptr (JsonNode) later = NULL;
  g_autoptr (JsonNode) open = NULL;
  g_autoptr (GHashTable) expected_open = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                                NULL);
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) set = NULL;
  g_autoptr (GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) keys_a = g_ptr_array_new ();
  JsonArray *array;
  JsonObject *m;
  gboolean seen_b = FALSE;

  /* Case A: the local authority became aware on Monday 2026-06-01 and
   * notified the Panel on Thursday 2026-06-04. Case B (aware 2026-05-18)
   * has not notified it. Today is 2026-06-12. */
  case_a = CLI_ID (f, "case", "new", "--title", "Case A", "--child", "Child A", "--area",
                   "Northmoor", "--aware", "2026-06-01");
  set = CLI_JSON (f, "case", "set", case_a, "notification.sent", "2026-06-04");
  case_b = CLI_ID (f, "case", "new", "--title", "Case B", "--child", "Child B", "--area",
                   "Northmoor", "--aware", "2026-05-18");
  action = CLI_ID (f, "record", "add", case_a, "--kind", "action", "--owner", "Ann Lead",
                   "--action", "Book the rapid review meeting", "--due", "2026-06-20");
  action_key = g_strconcat ("action:", action, NULL);

  /* --all: the whole timeline of the case. */
  one = CLI_JSON (f, "deadlines", case_a, "--all");
  array = root_array (one);
  assert_sorted_by_due (array);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_assert_cmpstr (get_string (element (array, i), "case"), ==, case_a);
  /* Within 5 working days of becoming aware: due Monday 2026-06-08, met on
   * the 4th. */
  m = find_by (array, "milestone", "notify-panel");
  g_assert_nonnull (m);
  g_assert_cmpstr (get_string (m, "due"), ==, "2026-06-08");
  g_assert_cmpstr (get_string (m, "state"), ==, "met");
  g_assert_cmpstr (get_string (m, "met_on"), ==, "2026-06-04");
  assert_null (m, "window_start");
  /* Between 7 and 13 working days after the notification. */
  m = find_by (array, "milestone", "rapid-review-meeting");
  g_assert_nonnull (m);
  g_assert_cmpstr (get_string (m, "window_start"), ==, "2026-06-15");
  g_assert_cmpstr (get_string (m, "due"), ==, "2026-06-23");
  g_assert_cmpstr (get_string (m, "state"), ==, "due");
  assert_null (m, "met_on");
  /* Within 2 working days of the notification, not recorded: overdue. */
  m = find_by (array, "milestone", "information-request");
  g_assert_nonnull (m);
  g_assert_cmpstr (get_string (m, "due"), ==, "2026-06-08");
  g_assert_cmpstr (get_string (m, "state"), ==, "overdue");
  m = find_by (array, "milestone", "rapid-review-submitted");
  g_assert_nonnull (m);
  g_assert_cmpstr (get_string (m, "due"), ==, "2026-06-22");
  g_assert_cmpstr (get_string (m, "state"), ==, "due");
  m = find_by (array, "milestone", action_key);
  g_assert_nonnull (m);
  g_assert_cmpstr (get_string (m, "due"), ==, "2026-06-20");
  g_assert_cmpstr (get_string (m, "state"), ==, "due");
  g_assert_cmpstr (get_string (m, "record"), ==, action);
  m = find_by (array, "milestone", "lcspr-publication");
  g_assert_nonnull (m);
  assert_null (m, "due");
  g_assert_cmpstr (get_string (m, "state"), ==, "awaiting");

  /* Every case, in one list sorted by due date. */
  all = CLI_JSON (f, "deadlines", "--all");
  array = root_array (all);
  assert_sorted_by_due (array);
  g_assert_cmpuint (json_array_get_length (array), >, json_array_get_length (root_array (one)));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *state, *due;

      m = element (array, i);
      state = get_string (m, "state");
      due = get_nullable (m, "due");
      seen_b = seen_b || g_str_equal (get_string (m, "case"), case_b);
      /* What the default list must show: what is open; and --within 10,
       * what is open and due by 2026-06-22. */
      if (g_str_equal (state, "due") || g_str_equal (state, "overdue"))
        {
          g_assert_nonnull (due);
          g_hash_table_add (expected_open, milestone_key (m));
          if (strcmp (due, "2026-06-22") <= 0)
            g_hash_table_add (expected, milestone_key (m));
        }
    }
  g_assert_true (seen_b);

  open = CLI_JSON (f, "deadlines");
  array = root_array (open);
  assert_sorted_by_due (array);
  g_assert_cmpuint (json_array_get_length (array), ==, g_hash_table_size (expected_open));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *key = milestone_key (element (array, i));

      g_assert_true (g_hash_table_contains (expected_open, key));
    }

  within = CLI_JSON (f, "deadlines", "--within", "10");
  array = root_array (within);
  assert_sorted_by_due (array);
  g_assert_cmpuint (json_array_get_length (array), ==, g_hash_table_size (expected));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *key = NULL;

      m = element (array, i);
      key = milestone_key (m);
      g_assert_true (g_hash_table_contains (expected, key));
      if (g_str_equal (get_string (m, "case"), case_a))
        g_ptr_array_add (keys_a, (gpointer) get_string (m, "milestone"));
    }
  /* For case A: overdue, the action, and due on the last day. Not the
   * meeting (the 23rd) and not what is met. */
  g_assert_cmpuint (keys_a->len, ==, 3);
  g_assert_cmpstr (keys_a->pdata[0], ==, "information-request");
  g_assert_cmpstr (keys_a->pdata[1], ==, action_key);
  g_assert_cmpstr (keys_a->pdata[2], ==, "rapid-review-submitted");
  /* Case B never notified the Panel: overdue, so within any horizon. */
  g_assert_nonnull (find_by (array, "case", case_b));

  /* --today moves "today" (and overrides LIAISON_TODAY). */
  later = CLI_JSON (f, "deadlines", case_a, "--within", "0", "--today", "2026-06-24");
  array = root_array (later);
  m = find_by (array, "milestone", "rapid-review-meeting");
  g_assert_nonnull (m);
  g_assert_cmpstr (get_string (m, "state"), ==, "overdue");
  g_assert_null (find_by (array, "milestone", "notify-panel"));

  /* case list: each case's next open deadline. */
  list = CLI_JSON (f, "case", "list");
  array = root_array (list);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  m = get_object (find_by (array, "id", case_a), "next_deadline");
  g_assert_cmpstr (get_string (m, "milestone"), ==, "information-request");
  g_assert_cmpstr (get_string (m, "due"), ==, "2026-06-08");
  m = get_object (find_by (array, "id", case_b), "next_deadline");
  g_assert_cmpstr (get_string (m, "milestone"), ==, "notify-panel");
  g_assert_cmpstr (get_string (m, "state"), ==, "overdue");
}

/* ---- records -------------------------------------------------------------------- */

static void
assert_record_shape (JsonObject *r,
                     const char *case_id)
{
  assert_uuid (get_string (r, "id"));
  g_assert_cmpstr (get_string (r, "case"), ==, case_id);
  get_string (r, "kind");
  g_assert_cmpint (get_int (r, "version"), >=, 1);
  get_string (r, "title");
  get_nullable (r, "date");
  get_string (r, "classification");
  assert_org (get_object (r, "originator"), ORG_NAME, "local-authority", TRUE);
  get_object (r, "fields");
}

static void
test_records (Fixture *f, gconstpointer data)
{
  g_autofree char *case_id = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *note = NULL;
  g_autofree char *material = NULL;
  g_autofree char *prefix = NULL;
  g_autoptr (JsonNode) kinds = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) notes = NULL;
  g_autoptr (JsonNode) show = NULL;
  g_autoptr (JsonNode) edit = NULL;
  g_autoptr (JsonNode) clear = NULL;
  g_autoptr (JsonNode) edited = NULL;
  g_autoptr (JsonNode) chronology = NULL;
  JsonArray *array;
  JsonObject *kind, *r, *fields, *e;

  kinds = CLI_JSON (f, "record", "kinds");
  array = root_array (kinds);
  g_assert_cmpuint (json_array_get_length (array), ==, 10);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonArray *kind_fields = get_array (element (array, i), "fields");

      get_string (element (array, i), "label");
      for (guint j = 0; j < json_array_get_length (kind_fields); j++)
        {
          get_string (element (kind_fields, j), "name");
          get_string (element (kind_fields, j), "label");
          get_bool (element (kind_fields, j), "required");
        }
    }
  kind = find_by (array, "kind", "chronology");
  g_assert_nonnull (kind);
  g_assert_cmpstr (get_string (kind, "label"), ==, "Chronology entry");
  g_assert_true (get_bool (find_by (get_array (kind, "fields"), "name", "what"), "required"));
  g_assert_true (get_bool (find_by (get_array (kind, "fields"), "name", "date"), "required"));
  g_assert_false (get_bool (find_by (get_array (kind, "fields"), "name", "title"), "required"));
  kind = find_by (array, "kind", "material");
  g_assert_true (get_bool (find_by (get_array (kind, "fields"), "name", "title"), "required"));
  g_assert_nonnull (find_by (array, "kind", "note"));
  g_assert_nonnull (find_by (array, "kind", "action"));

  case_id = CLI_ID (f, "case", "new", "--title", "Records", "--child", "Child R", "--area",
                    "Northmoor", "--aware", "2026-06-01");
  entry = CLI_ID (f, "record", "add", case_id, "--kind", "chronology", "--date",
                  "2026-05-30T09:15", "--what", "Health visitor saw bruising on the left arm",
                  "--source", "Health visiting record", "--expected", "yes");
  note = CLI_ID (f, "record", "add", case_id, "--kind", "note", "--date", "2026-06-02", "--text",
                 "Health information from the GP", "--classification", "sensitive", "--basis",
                 "Third-party health data", "--handling", "Named officers only");
  material = CLI_ID (f, "record", "add", case_id, "--kind", "material", "--title",
                     "Custody record", "--originating-org", "Northmoor Police", "--destroy-on",
                     "2026-12-31");

  list = CLI_JSON (f, "record", "list", case_id);
  array = root_array (list);
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  for (guint i = 0; i < json_array_get_length (array); i++)
    assert_record_shape (element (array, i), case_id);
  r = find_by (array, "id", entry);
  g_assert_cmpstr (get_string (r, "kind"), ==, "chronology");
  g_assert_cmpstr (get_string (r, "date"), ==, "2026-05-30T09:15");
  g_assert_cmpstr (get_string (r, "classification"), ==, "standard");
  fields = get_object (r, "fields");
  g_assert_cmpstr (get_string (fields, "what"), ==, "Health visitor saw bruising on the left arm");
  g_assert_cmpstr (get_string (fields, "expected"), ==, "yes");
  /* A chronology entry's agency is this organisation unless given. */
  g_assert_cmpstr (get_string (fields, "agency"), ==, ORG_NAME);
  r = find_by (array, "id", material);
  g_assert_cmpstr (get_string (r, "title"), ==, "Custody record");
  assert_null (r, "date");
  g_assert_cmpstr (get_string (get_object (r, "fields"), "destroy-on"), ==, "2026-12-31");

  notes = CLI_JSON (f, "record", "list", case_id, "--kind", "note");
  array = root_array (notes);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (get_string (element (array, 0), "id"), ==, note);

  /* By a prefix of its id. */
  prefix = g_strndup (note, 8);
  show = CLI_JSON (f, "record", "show", prefix);
  r = root_object (show);
  assert_record_shape (r, case_id);
  g_assert_cmpstr (get_string (r, "id"), ==, note);
  g_assert_cmpstr (get_string (r, "kind"), ==, "note");
  g_assert_cmpint (get_int (r, "version"), ==, 1);
  g_assert_cmpstr (get_string (r, "classification"), ==, "sensitive");
  fields = get_object (r, "fields");
  g_assert_cmpstr (get_string (fields, "basis"), ==, "Third-party health data");
  g_assert_cmpstr (get_string (fields, "handling"), ==, "Named officers only");
  g_assert_cmpstr (get_string (fields, "text"), ==, "Health information from the GP");

  /* Each edit is a new version; "" clears a field. */
  edit = CLI_JSON (f, "record", "edit", entry, "--analysis", "Seen the same day");
  g_assert_cmpstr (get_string (root_object (edit), "id"), ==, entry);
  g_assert_cmpint (get_int (root_object (edit), "version"), ==, 2);
  clear = CLI_JSON (f, "record", "edit", entry, "--source", "");
  g_assert_cmpint (get_int (root_object (clear), "version"), ==, 3);
  edited = CLI_JSON (f, "record", "show", entry);
  fields = get_object (root_object (edited), "fields");
  g_assert_cmpint (get_int (root_object (edited), "version"), ==, 3);
  g_assert_cmpstr (get_string (fields, "analysis"), ==, "Seen the same day");
  g_assert_false (json_object_has_member (fields, "source"));

  chronology = CLI_JSON (f, "chronology", case_id);
  array = root_array (chronology);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  e = element (array, 0);
  g_assert_cmpstr (get_string (e, "record"), ==, entry);
  g_assert_cmpstr (get_string (e, "date"), ==, "2026-05-30T09:15");
  g_assert_cmpstr (get_string (e, "agency"), ==, ORG_NAME);
  g_assert_cmpstr (get_string (e, "what"), ==, "Health visitor saw bruising on the left arm");
  assert_null (e, "source");
  g_assert_cmpstr (get_string (e, "analysis"), ==, "Seen the same day");
  g_assert_cmpstr (get_string (e, "expected"), ==, "yes");
  g_assert_cmpstr (get_string (e, "recorded_by"), ==, ORG_NAME);
}

/* ---- search ---------------------------------------------------------------------- */

static void
test_search (Fixture *f, gconstpointer data)
{
  g_autofree char *case_id = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *other = NULL;
  g_autoptr (JsonNode) word = NULL;
  g_autoptr (JsonNode) prefix = NULL;
  g_autoptr (JsonNode) limited = NULL;
  g_autoptr (JsonNode) syntax = NULL;
  g_autoptr (LiaTestCliRun) syntax_text = NULL;
  g_autoptr (LiaTestCliRun) empty = NULL;
  g_autoptr (LiaTestCliRun) zero = NULL;
  JsonArray *array;
  JsonObject *hit;

  case_id = CLI_ID (f, "case", "new", "--title", "Search", "--child", "Child S", "--area",
                    "Northmoor", "--aware", "2026-06-01");
  entry = CLI_ID (f, "record", "add", case_id, "--kind", "chronology", "--date", "2026-05-30",
                  "--what", "The childminder noticed a scald on the wrist");
  other = CLI_ID (f, "record", "add", case_id, "--kind", "note", "--text",
                  "The scald was explained at the time");

  word = CLI_JSON (f, "search", "childminder");
  array = root_array (word);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  hit = element (array, 0);
  g_assert_cmpstr (get_string (hit, "case"), ==, case_id);
  g_assert_cmpstr (get_string (hit, "record"), ==, entry);
  g_assert_cmpstr (get_string (hit, "kind"), ==, "chronology");
  get_string (hit, "title");
  g_assert_nonnull (strstr (get_string (hit, "snippet"), "[childminder]"));

  /* A word ending in '*' is a prefix; every word must match. */
  prefix = CLI_JSON (f, "search", "scal*");
  g_assert_cmpuint (json_array_get_length (root_array (prefix)), ==, 2);
  limited = CLI_JSON (f, "search", "scald", "--limit", "1");
  g_assert_cmpuint (json_array_get_length (root_array (limited)), ==, 1);

  /* FTS5 syntax in a query is only words to find. */
  syntax = CLI_JSON (f, "search", "\"AND OR NEAR( *");
  array = root_array (syntax);
  for (guint i = 0; i < json_array_get_length (array); i++)
    get_string (element (array, i), "case");
  syntax_text = CLI (f, "search", "scald\" OR \"NEAR(x y)* -wrist");
  g_assert_cmpint (syntax_text->status, ==, 0);
  g_assert_cmpstr (syntax_text->err, ==, "");

  empty = CLI (f, "search", "   ");
  g_assert_cmpint (empty->status, ==, 1);
  g_assert_nonnull (strstr (empty->err, "Give one or more words to search for"));
  zero = CLI (f, "search", "scald", "--limit", "0");
  g_assert_cmpint (zero->status, ==, 1);
  g_assert_nonnull (strstr (zero->err, "--limit takes a number from 1 to 10000"));
}

/* ---- the chronology as CSV ------------------------------------------------------ */

static void
test_chronology_csv (Fixture *f, gconstpointer data)
{
  g_autofree char *case_id = NULL;
  g_autofree char *police = NULL;
  g_autofree char *formula = NULL;
  g_autofree char *visit = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *expected_police = NULL;
  g_autofree char *parent = lia_test_make_dir ("export");
  g_autofree char *path = g_build_filename (parent, "chronology.csv", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (JsonNode) written = NULL;
  g_autoptr (JsonNode) json = NULL;
  g_autoptr (JsonNode) filtered = NULL;
  g_autoptr (LiaTestCliRun) out = NULL;
  g_autoptr (LiaTestCliRun) out_police = NULL;
  g_autoptr (LiaTestCliRun) text = NULL;
  g_autoptr (LiaTestCliRun) no_output = NULL;
  g_autoptr (LiaTestCliRun) xml = NULL;
  JsonArray *array;
  const char *header = "Date,Time,Agency,What happened,Source,Analysis,Expected practice,"
                       "Recorded by,Record\r\n";

  case_id = CLI_ID (f, "case", "new", "--title", "Chronology", "--child", "Child C", "--area",
                    "Northmoor", "--aware", "2026-06-01");
  /* Entered out of order: the chronology is in event order. */
  police = CLI_ID (f, "record", "add", case_id, "--kind", "chronology", "--date",
                   "2026-05-28T14:05", "--agency", "Northmoor Police", "--what",
                   "Mother said \"not now\", then left\nZoë called back at 16:00", "--source",
                   "Custody log");
  formula = CLI_ID (f, "record", "add", case_id, "--kind", "chronology", "--date", "2026-05-29",
                    "--what", "=SUM(A1:A2) was typed here");
  visit = CLI_ID (f, "record", "add", case_id, "--kind", "chronology", "--date", "2026-05-27",
                  "--what", "Health visitor saw bruising", "--analysis", "+ seen late",
                  "--expected", "no");

  /* RFC 4180: quoted when holding a comma, a quote or a line break, quotes
   * doubled; a cell a spreadsheet would run as a formula starts with an
   * apostrophe, inside quotes. CRLF line ends. */
  expected = g_strconcat (
    header,
    "2026-05-27,,", ORG_NAME, ",Health visitor saw bruising,,\"'+ seen late\",no,", ORG_NAME, ",",
    visit, "\r\n",
    "2026-05-28,14:05,Northmoor Police,\"Mother said \"\"not now\"\", then left\n"
    "Zoë called back at 16:00\",Custody log,,,", ORG_NAME, ",", police, "\r\n",
    "2026-05-29,,", ORG_NAME, ",\"'=SUM(A1:A2) was typed here\",,,,", ORG_NAME, ",", formula,
    "\r\n", NULL);

  out = CLI (f, "export", "chronology", case_id, "--format", "csv", "-o", "-");
  g_assert_cmpint (out->status, ==, 0);
  g_assert_cmpstr (out->err, ==, "");
  g_assert_cmpstr (out->out, ==, expected);

  written = CLI_JSON (f, "export", "chronology", case_id, "--format", "csv", "-o", path);
  g_assert_cmpstr (get_string (root_object (written), "file"), ==, path);
  g_assert_cmpint (get_int (root_object (written), "entries"), ==, 3);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, expected);

  text = CLI (f, "export", "chronology", case_id, "-o", path);
  g_assert_cmpint (text->status, ==, 0);
  g_assert_nonnull (strstr (text->out, "Wrote 3 chronology entries"));

  /* One agency's entries, its name in any case. */
  expected_police = g_strconcat (header, "2026-05-28,14:05,Northmoor Police,\"Mother said "
                                 "\"\"not now\"\", then left\nZoë called back at 16:00\",Custody log,"
                                 ",,", ORG_NAME, ",", police, "\r\n", NULL);
  out_police = CLI (f, "export", "chronology", case_id, "--format", "csv", "-o", "-", "--agency",
                    "northmoor police");
  g_assert_cmpint (out_police->status, ==, 0);
  g_assert_cmpstr (out_police->out, ==, expected_police);

  json = CLI_JSON (f, "chronology", case_id);
  array = root_array (json);
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  g_assert_cmpstr (get_string (element (array, 0), "record"), ==, visit);
  g_assert_cmpstr (get_string (element (array, 1), "record"), ==, police);
  g_assert_cmpstr (get_string (element (array, 1), "agency"), ==, "Northmoor Police");
  g_assert_cmpstr (get_string (element (array, 1), "what"), ==,
                   "Mother said \"not now\", then left\nZoë called back at 16:00");
  g_assert_cmpstr (get_string (element (array, 2), "record"), ==, formula);
  /* Only the CSV escapes formulas; the JSON has the text as entered. */
  g_assert_cmpstr (get_string (element (array, 2), "what"), ==, "=SUM(A1:A2) was typed here");
  filtered = CLI_JSON (f, "chronology", case_id, "--agency", "Northmoor Police");
  g_assert_cmpuint (json_array_get_length (root_array (filtered)), ==, 1);

  no_output = CLI (f, "export", "chronology", case_id, "--format", "csv");
  g_assert_cmpint (no_output->status, ==, 1);
  g_assert_nonnull (strstr (no_output->err, "needs -o FILE"));
  xml = CLI (f, "export", "chronology", case_id, "--format", "xml", "-o", "-");
  g_assert_cmpint (xml->status, ==, 1);
  g_assert_cmpstr (xml->out, ==, "");
  g_assert_nonnull (strstr (xml->err, "not “xml”"));
}

/* An export that fails leaves no file where there was none and an existing
 * file as it was: for a case that is not there, and for a chronology whose
 * pages fail authentication part way through (the CSV is written as the
 * entries are read). */
static void
test_chronology_export_fails_cleanly (Fixture *f, gconstpointer data)
{
  g_autofree char *case_id = NULL;
  g_autofree char *parent = lia_test_make_dir ("export");
  g_autofree char *fresh = g_build_filename (parent, "new.csv", NULL);
  g_autofree char *existing = g_build_filename (parent, "existing.csv", NULL);
  g_autofree char *db = g_build_filename (f->dir, LIA_STORE_DB_NAME, NULL);
  g_autofree char *contents = NULL;
  g_autoptr (LiaTestCliRun) missing = NULL;
  g_autoptr (LiaTestCliRun) damaged = NULL;
  g_autoptr (LiaTestCliRun) over = NULL;
  g_autoptr (GError) error = NULL;
  gint64 page;
  guint8 byte = 0x5a;

  case_id = CLI_ID (f, "case", "new", "--title", "Chronology", "--child", "Child C", "--area",
                    "Northmoor", "--aware", "2026-06-01");
  g_assert_true (g_file_set_contents (existing, "kept\n", -1, NULL));

  missing = CLI (f, "export", "chronology", "0123abcd", "--format", "csv", "-o", fresh);
  g_assert_cmpint (missing->status, ==, 2);
  g_assert_nonnull (strstr (missing->err, "There is no case"));
  g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));

  /* Enough entries for the chronology to fill pages of its own; then one
   * byte of its last page changed on disk. */
  {
    g_autoptr (LiaStore) store = lia_store_new (f->dir);

    g_assert_true (lia_store_unlock (store, PASS, NULL, &error));
    g_assert_no_error (error);
    for (int i = 0; i < 60; i++)
      {
        g_autoptr (GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
        g_autofree char *id = NULL;

        g_hash_table_insert (fields, "date", g_strdup_printf ("2026-05-%02d", 1 + i % 28));
        g_hash_table_insert (fields, "what", g_strdup_printf ("Entry %d: a home visit, and what "
                                                              "was seen and said there", i));
        id = lia_record_add (store, case_id, LIA_RECORD_CHRONOLOGY, fields, &error);
        g_assert_no_error (error);
      }
    page = lia_test_query_int (store, "SELECT max (pageno) FROM dbstat WHERE name = 'chronology'");
    /* Every page in the database file, none left in the write-ahead log
     * to stand in for the one damaged below: whether the last automatic
     * checkpoint had taken it depended on when it ran. */
    g_assert_cmpint (lia_test_query_int (store, "PRAGMA wal_checkpoint (TRUNCATE)"), ==, 0);
    lia_store_lock (store);
  }
  g_assert_cmpint (page, >, 1);
  lia_test_write_at (db, (page - 1) * LIA_CRYPT_PAGE_SIZE + 300, &byte, 1);

  damaged = CLI (f, "export", "chronology", case_id, "--format", "csv", "-o", fresh);
  g_assert_cmpint (damaged->status, ==, 2);
  g_assert_nonnull (strstr (damaged->err, "tampered with"));
  g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));
  over = CLI (f, "export", "chronology", case_id, "--format", "csv", "-o", existing);
  g_assert_cmpint (over->status, ==, 2);
  g_assert_true (g_file_get_contents (existing, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "kept\n");
}

/* ---- requests ------------------------------------------------------------------- */

static void
assert_request_shape (JsonObject *q,
                      const char *case_id)
{
  JsonArray *history = get_array (q, "history");

  assert_uuid (get_string (q, "id"));
  g_assert_cmpstr (get_string (q, "case"), ==, case_id);
  get_object (q, "requester");
  get_object (q, "holder");
  get_nullable (q, "record");
  get_string (q, "subject");
  get_string (q, "purpose");
  get_string (q, "made_on");
  get_nullable (q, "reply_by");
  get_string (q, "state");
  get_string (q, "level");
  g_assert_cmpuint (json_array_get_length (history), >=, 1);
  g_assert_cmpstr (get_string (element (history, 0), "event"), ==, "made");
  for (guint i = 0; i < json_array_get_length (history); i++)
    {
      JsonObject *e = element (history, i);

      get_string (e, "event");
      get_nullable (e, "decision");
      get_nullable (e, "level");
      get_string (e, "reason");
      get_nullable (e, "basis");
      get_nullable (e, "statute");
      member (e, "redirect_to");
      get_string (e, "by");
      get_object (e, "by_organisation");
      get_string (e, "on");
    }
}

/* The last event of a request that a command printed. */
static JsonObject *
last_event (JsonNode *request)
{
  JsonArray *history = get_array (root_object (request), "history");

  return element (history, json_array_get_length (history) - 1);
}

static void
test_requests (Fixture *f, gconstpointer data)
{
  g_autofree char *case_id = NULL;
  g_autofree char *asked = NULL;
  g_autofree char *received = NULL;
  g_autofree char *from_police = NULL;
  g_autofree char *record = NULL;
  g_autofree char *for_record = NULL;
  g_autofree char *for_material = NULL;
  g_autoptr (JsonNode) show = NULL;
  g_autoptr (JsonNode) shared = NULL;
  g_autoptr (JsonNode) redirected = NULL;
  g_autoptr (JsonNode) declined = NULL;
  g_autoptr (JsonNode) escalated = NULL;
  g_autoptr (JsonNode) notified = NULL;
  g_autoptr (JsonNode) statutory = NULL;
  g_autoptr (JsonNode) withdrawn = NULL;
  g_autoptr (JsonNode) list = NULL;
  JsonObject *q, *e;
  JsonArray *array;

  case_id = CLI_ID (f, "case", "new", "--title", "Requests", "--child", "Child Q", "--area",
                    "Northmoor", "--aware", "2026-06-01");
  CLI_DO (f, "org", "add", "Northmoor Police", "--kind", "police");
  CLI_DO (f, "org", "add", "Ashgrove School", "--kind", "agency");
  CLI_OK (f, "case", "participant", "add", case_id, "Northmoor Police", "--role",
          "police", "--contact", "DS Bell");
  CLI_OK (f, "case", "participant", "add", case_id, "Ashgrove", "--role", "agency",
          "--contact", "Ms Head");

  /* A request this organisation makes. */
  asked = CLI_ID (f, "request", "new", case_id, "--to", "Northmoor Police", "--for",
                  "The custody record", "--reason", "For the rapid review", "--date",
                  "2026-06-10", "--reply-by", "2026-06-20", "--by", "Ann Lead");
  show = CLI_JSON (f, "request", "show", asked);
  q = root_object (show);
  assert_request_shape (q, case_id);
  g_assert_cmpstr (get_string (q, "id"), ==, asked);
  assert_org (get_object (q, "requester"), ORG_NAME, "local-authority", TRUE);
  assert_org (get_object (q, "holder"), "Northmoor Police", "police", FALSE);
  assert_null (q, "record");
  g_assert_cmpstr (get_string (q, "subject"), ==, "The custody record");
  g_assert_cmpstr (get_string (q, "purpose"), ==, "For the rapid review");
  g_assert_cmpstr (get_string (q, "made_on"), ==, "2026-06-10");
  g_assert_cmpstr (get_string (q, "reply_by"), ==, "2026-06-20");
  g_assert_cmpstr (get_string (q, "state"), ==, "open");
  g_assert_cmpstr (get_string (q, "level"), ==, "none");
  array = get_array (q, "history");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  e = element (array, 0);
  g_assert_cmpstr (get_string (e, "by"), ==, "Ann Lead");
  g_assert_cmpstr (get_string (e, "on"), ==, "2026-06-10");
  g_assert_cmpstr (get_string (e, "reason"), ==, "For the rapid review");
  assert_org (get_object (e, "by_organisation"), ORG_NAME, "local-authority", TRUE);

  /* A request received from the school, recorded here; this organisation
   * holds the material and decides. */
  received = CLI_ID (f, "request", "new", case_id, "--from", "Ashgrove", "--to", ORG_NAME,
                     "--for", "The case notes", "--reason", "The school's own review");
  declined = CLI_JSON (f, "request", "decide", received, "--decision", "decline", "--reason",
                       "Not relevant to the school's review", "--by", "Ann Lead");
  q = root_object (declined);
  assert_request_shape (q, case_id);
  g_assert_cmpstr (get_string (q, "id"), ==, received);
  g_assert_cmpstr (get_string (q, "made_on"), ==, TODAY);
  assert_null (q, "reply_by");
  assert_org (get_object (q, "requester"), "Ashgrove School", "agency", FALSE);
  g_assert_cmpstr (get_string (q, "state"), ==, "declined");
  g_assert_cmpuint (json_array_get_length (get_array (q, "history")), ==, 2);
  e = last_event (declined);
  g_assert_cmpstr (get_string (e, "event"), ==, "decision");
  g_assert_cmpstr (get_string (e, "decision"), ==, "decline");
  g_assert_cmpstr (get_string (e, "reason"), ==, "Not relevant to the school's review");
  g_assert_cmpstr (get_string (e, "by"), ==, "Ann Lead");
  g_assert_cmpstr (get_string (e, "on"), ==, TODAY);
  assert_org (get_object (e, "by_organisation"), ORG_NAME, "local-authority", TRUE);

  escalated = CLI_JSON (f, "request", "escalate", received, "--level", "local", "--reason",
                        "The school disagrees", "--by", "Ms Head");
  q = root_object (escalated);
  g_assert_cmpstr (get_string (q, "state"), ==, "escalated");
  g_assert_cmpstr (get_string (q, "level"), ==, "local");
  e = last_event (escalated);
  g_assert_cmpstr (get_string (e, "event"), ==, "escalation");
  g_assert_cmpstr (get_string (e, "level"), ==, "local");
  assert_null (e, "decision");
  assert_null (e, "statute");

  /* A safeguarding partner's request may go to a statutory request. */
  from_police = CLI_ID (f, "request", "new", case_id, "--from", "Northmoor Police", "--to",
                        ORG_NAME, "--for", "Social care records", "--reason", "LCSPR");
  notified = CLI_JSON (f, "request", "decide", from_police, "--decision", "sensitive",
                       "--reason", "Third-party information", "--basis",
                       "Health data of a sibling", "--by", "Ann Lead");
  g_assert_cmpstr (get_string (root_object (notified), "state"), ==, "notified");
  g_assert_cmpstr (get_string (last_event (notified), "basis"), ==, "Health data of a sibling");
  CLI_DO (f, "request", "decide", from_police, "--decision", "decline", "--reason",
          "Cannot be shared", "--by", "Ann Lead");
  CLI_DO (f, "request", "escalate", from_police, "--level", "local", "--reason", "r",
          "--by", "DS Bell");
  CLI_DO (f, "request", "escalate", from_police, "--level", "lead-partners", "--reason", "r",
          "--by", "DS Bell");
  statutory = CLI_JSON (f, "request", "escalate", from_police, "--level", "statutory",
                        "--reason", "Still refused", "--by", "DS Bell");
  g_assert_cmpstr (get_string (root_object (statutory), "level"), ==, "statutory");
  e = last_event (statutory);
  g_assert_nonnull (strstr (get_string (e, "statute"), "section 16H Children Act 2004"));
  g_assert_cmpuint (json_array_get_length (get_array (root_object (statutory), "history")), ==,
                    6);

  /* A request for one of this organisation's records: shared. */
  record = CLI_ID (f, "record", "add", case_id, "--kind", "note", "--text",
                   "Strategy discussion minutes");
  for_record = CLI_ID (f, "request", "new", case_id, "--from", "Northmoor Police", "--to",
                       ORG_NAME, "--for", "The minutes", "--reason", "Investigation", "--record",
                       record, "--date", "2026-06-11");
  shared = CLI_JSON (f, "request", "decide", for_record, "--decision", "share", "--reason",
                     "Needed for the investigation", "--by", "Ann Lead", "--date", "2026-06-12");
  q = root_object (shared);
  g_assert_cmpstr (get_string (q, "record"), ==, record);
  g_assert_cmpstr (get_string (q, "made_on"), ==, "2026-06-11");
  g_assert_cmpstr (get_string (q, "state"), ==, "shared");
  g_assert_cmpstr (get_string (last_event (shared), "decision"), ==, "share");

  /* Material this organisation holds but did not generate: redirected. */
  for_material = CLI_ID (f, "request", "new", case_id, "--from", "Northmoor Police", "--to",
                         ORG_NAME, "--for", "The school's safeguarding log", "--reason", "LCSPR");
  redirected = CLI_JSON (f, "request", "decide", for_material, "--decision", "redirect",
                         "--redirect-to", "Ashgrove", "--reason", "The school generated it",
                         "--by", "Ann Lead");
  g_assert_cmpstr (get_string (root_object (redirected), "state"), ==, "redirected");
  e = last_event (redirected);
  g_assert_cmpstr (get_string (e, "decision"), ==, "redirect");
  assert_org (get_object (e, "redirect_to"), "Ashgrove School", "agency", FALSE);

  /* The requester withdraws its own request. */
  withdrawn = CLI_JSON (f, "request", "withdraw", asked, "--reason", "No longer needed", "--by",
                        "Ann Lead", "--date", "2026-06-11");
  q = root_object (withdrawn);
  g_assert_cmpstr (get_string (q, "state"), ==, "withdrawn");
  e = last_event (withdrawn);
  g_assert_cmpstr (get_string (e, "event"), ==, "withdrawal");
  g_assert_cmpstr (get_string (e, "on"), ==, "2026-06-11");
  g_assert_cmpstr (get_string (e, "reason"), ==, "No longer needed");

  /* Oldest first. */
  list = CLI_JSON (f, "request", "list", case_id);
  array = root_array (list);
  g_assert_cmpuint (json_array_get_length (array), ==, 5);
  for (guint i = 0; i < json_array_get_length (array); i++)
    assert_request_shape (element (array, i), case_id);
  g_assert_cmpstr (get_string (element (array, 0), "id"), ==, asked);
  g_assert_cmpstr (get_string (element (array, 0), "state"), ==, "withdrawn");
  g_assert_cmpstr (get_string (find_by (array, "id", received), "state"), ==, "escalated");
  g_assert_cmpstr (get_string (find_by (array, "id", from_police), "level"), ==, "statutory");
  g_assert_cmpstr (get_string (find_by (array, "id", for_record), "state"), ==, "shared");
  g_assert_cmpstr (get_string (find_by (array, "id", for_material), "state"), ==, "redirected");
}

/* ---- bad input: refused, clearly, and nothing stored ----------------------------- */

static void
test_bad_input (Fixture *f, gconstpointer data)
{
  g_autofree char *case_id = NULL;
  g_autofree char *entry = NULL;
  g_autofree char *asked = NULL;
  g_autofree char *received = NULL;
  g_autofree char *declined = NULL;
  g_autofree char *short_prefix = NULL;
  g_autofree char *unknown = g_strdup ("0000000000");
  g_autofree char *title_201 = g_strnfill (201, 't');
  g_autofree char *title_200 = g_strnfill (200, 't');
  g_autofree char *what_70000 = g_strnfill (70000, 'w');
  g_autofree char *json_before = NULL;
  g_autofree char *json_after = NULL;
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (LiaTestCliRun) accepted = NULL;

  case_id = CLI_ID (f, "case", "new", "--title", "Bad input", "--child", "Child X", "--area",
                    "Northmoor", "--aware", "2026-06-01");
  CLI_DO (f, "org", "add", "Northmoor Police", "--kind", "police");
  CLI_DO (f, "org", "add", "Ashgrove School", "--kind", "agency");
  CLI_OK (f, "case", "participant", "add", case_id, "Northmoor Police", "--role",
          "police", "--contact", "DS Bell");
  CLI_OK (f, "case", "participant", "add", case_id, "Ashgrove", "--role", "agency",
          "--contact", "Ms Head");
  entry = CLI_ID (f, "record", "add", case_id, "--kind", "chronology", "--date", "2026-05-30",
                  "--what", "Seen at school");
  /* One request to the police (who decide it, not this store), and one
   * from the school, declined here and escalated to the lead partners. */
  asked = CLI_ID (f, "request", "new", case_id, "--to", "Northmoor Police", "--for", "Records",
                  "--reason", "Review");
  received = CLI_ID (f, "request", "new", case_id, "--from", "Ashgrove", "--to", ORG_NAME,
                     "--for", "Notes", "--reason", "Review");
  CLI_DO (f, "request", "decide", received, "--decision", "decline", "--reason", "No",
          "--by", "Ann Lead");
  CLI_DO (f, "request", "escalate", received, "--level", "local", "--reason", "r",
          "--by", "Ms Head");
  /* And one declined, and left there. */
  declined = CLI_ID (f, "request", "new", case_id, "--from", "Ashgrove", "--to", ORG_NAME,
                     "--for", "Minutes", "--reason", "Review");
  CLI_DO (f, "request", "decide", declined, "--decision", "decline", "--reason", "No", "--by",
          "Ann Lead");
  CLI_DO (f, "request", "escalate", received, "--level", "lead-partners", "--reason", "r",
          "--by", "Ms Head");
  short_prefix = g_strndup (case_id, 3);

  json_before = snapshot (f, case_id);
  before = lia_test_hash_dir (f->dir);
  {
    const Refusal refusals[] = {
      /* Dates that are not dates. */
      { 1, "“2026-02-30” is not a valid date for aware; write dates as YYYY-MM-DD", NULL,
        (const char *const[]) { "case", "new", "--title", "T", "--child", "C", "--area", "A",
                                "--aware", "2026-02-30", NULL } },
      { 1, "“2026-6-1” is not a valid date for aware", NULL,
        (const char *const[]) { "case", "new", "--title", "T", "--child", "C", "--area", "A",
                                "--aware", "2026-6-1", NULL } },
      { 1, "“tomorrow” is not a valid date for aware", NULL,
        (const char *const[]) { "case", "new", "--title", "T", "--child", "C", "--area", "A",
                                "--aware", "tomorrow", NULL } },
      { 1, "“2026-02-30” is not a valid date or date and time for date", NULL,
        (const char *const[]) { "record", "add", case_id, "--kind", "chronology", "--date",
                                "2026-02-30", "--what", "x", NULL } },
      { 1, "“tomorrow” is not a valid date for notification.sent", NULL,
        (const char *const[]) { "case", "set", case_id, "notification.sent", "tomorrow", NULL } },
      { 1, "“2026-6-1” is not a valid date for sent", NULL,
        (const char *const[]) { "case", "delay", "add", case_id, "--sent", "2026-6-1", "--reason",
                                "r", NULL } },
      { 1, "“2026-02-30” is not a valid date", NULL,
        (const char *const[]) { "request", "new", case_id, "--to", "Northmoor Police", "--for",
                                "x", "--reason", "y", "--date", "2026-02-30", NULL } },
      { 1, "“tomorrow” is not a date for today; write YYYY-MM-DD", NULL,
        (const char *const[]) { "deadlines", "--today", "tomorrow", NULL } },
      { 1, "“2026-6-1” is not a date for today", "2026-6-1",
        (const char *const[]) { "case", "list", NULL } },
      /* Unknown kinds, roles and fields. */
      { 1, "“constabulary” is not a kind of organisation; the kinds are", NULL,
        (const char *const[]) { "org", "add", "Northmoor Constabulary", "--kind", "constabulary",
                                NULL } },
      { 1, "“memo” is not a kind of record; the kinds are chronology,", NULL,
        (const char *const[]) { "record", "add", case_id, "--kind", "memo", "--text", "x", NULL } },
      { 1, "“teacher” is not a role; the roles are", NULL,
        (const char *const[]) { "case", "participant", "add", case_id, "Ashgrove", "--role",
                                "teacher", "--contact", "x", NULL } },
      { 1, "A case has no field “lcspr.colour”; “liaison-cli case fields” lists them", NULL,
        (const char *const[]) { "case", "set", case_id, "lcspr.colour", "blue", NULL } },
      { 1, "“maybe” is not allowed for iopc.mode", NULL,
        (const char *const[]) { "case", "set", case_id, "iopc.mode", "maybe", NULL } },
      /* Cases named by an id that is not there, or too little of one. */
      { 2, "There is no case “0000000000” in this store", NULL,
        (const char *const[]) { "case", "show", unknown, NULL } },
      { 2, "There is no case “0000000000” in this store", NULL,
        (const char *const[]) { "record", "add", unknown, "--kind", "note", "--text", "x",
                                NULL } },
      { 2, "is not a case id; give the id, or at least its first four characters", NULL,
        (const char *const[]) { "case", "set", short_prefix, "lcspr.reviewers", "X", NULL } },
      /* Text beyond its limits. */
      { 1, "title is too long: 201 characters, and at most 200 are allowed", NULL,
        (const char *const[]) { "case", "new", "--title", title_201, "--child", "C", "--area",
                                "A", "--aware", "2026-06-01", NULL } },
      { 1, "what is too long: 70000 bytes, and at most 65536 are allowed", NULL,
        (const char *const[]) { "record", "add", case_id, "--kind", "chronology", "--date",
                                "2026-05-01", "--what", what_70000, NULL } },
      /* Classified material says on what basis. */
      { 1, "Material classified sensitive needs the basis for that classification (--basis)",
        NULL,
        (const char *const[]) { "record", "add", case_id, "--kind", "note", "--text", "x",
                                "--classification", "sensitive", NULL } },
      { 1, "Material classified secret needs the basis", NULL,
        (const char *const[]) { "record", "edit", entry, "--classification", "secret", NULL } },
      /* The rules of requests. */
      { 2, "Only Northmoor Police, which holds the material, can decide this request", NULL,
        (const char *const[]) { "request", "decide", asked, "--decision", "share", "--reason",
                                "x", "--by", "Ann Lead", NULL } },
      { 2, "This request has been declined", NULL,
        (const char *const[]) { "request", "decide", declined, "--decision", "decline",
                                "--reason", "Still no", "--by", "Ann Lead", NULL } },
      { 2, "Escalation goes one level at a time: the next level for this request is “statutory”",
        NULL,
        (const char *const[]) { "request", "escalate", received, "--level", "court", "--reason",
                                "r", "--by", "Ms Head", NULL } },
      { 2, "A statutory request is open only to a safeguarding partner", NULL,
        (const char *const[]) { "request", "escalate", received, "--level", "statutory",
                                "--reason", "r", "--by", "Ms Head", NULL } },
      { 2, "Only Ashgrove School, which made this request, can withdraw it", NULL,
        (const char *const[]) { "request", "withdraw", received, "--reason", "r", NULL } },
      { 2, "There is no disagreement to escalate yet", NULL,
        (const char *const[]) { "request", "escalate", asked, "--level", "local", "--reason",
                                "r", NULL } },
      /* Required options missing: usage errors. */
      { 1, "case new needs --title, --child, --area and --aware", NULL,
        (const char *const[]) { "case", "new", "--title", "T", "--child", "C", "--area", "A",
                                NULL } },
      { 1, "org add needs --kind KIND", NULL,
        (const char *const[]) { "org", "add", "Someone", NULL } },
      { 1, "record add needs --kind KIND", NULL,
        (const char *const[]) { "record", "add", case_id, "--text", "x", NULL } },
      { 1, "Each participant needs a named point of contact (--contact NAME)", NULL,
        (const char *const[]) { "case", "participant", "add", case_id, "Ashgrove", "--role",
                                "agency", NULL } },
      { 1, "case attendee add needs --name NAME", NULL,
        (const char *const[]) { "case", "attendee", "add", case_id, "Ashgrove", NULL } },
      { 1, "case delay add needs --sent DATE and --reason TEXT", NULL,
        (const char *const[]) { "case", "delay", "add", case_id, "--sent", "2026-06-10", NULL } },
      { 1, "request new needs --to ORG, --for TEXT (what is asked for) and --reason TEXT", NULL,
        (const char *const[]) { "request", "new", case_id, "--to", "Northmoor Police", "--for",
                                "x", NULL } },
      { 1, "request decide needs --decision, one of share, share-redacted, decline", NULL,
        (const char *const[]) { "request", "decide", received, "--reason", "x", NULL } },
      { 1, "request escalate needs --level, one of local, lead-partners, statutory, court", NULL,
        (const char *const[]) { "request", "escalate", received, "--reason", "x", NULL } },
      { 1, "Usage: liaison-cli case show CASE", NULL,
        (const char *const[]) { "case", "show", NULL } },
      { 1, "Unknown option --colour", NULL,
        (const char *const[]) { "record", "add", case_id, "--kind", "note", "--colour", "red",
                                NULL } },
    };

    for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
      assert_refused (f, before, &refusals[i]);
  }
  json_after = snapshot (f, case_id);
  g_assert_cmpstr (json_after, ==, json_before);

  /* The limits themselves are allowed. */
  accepted = CLI (f, "case", "new", "--title", title_200, "--child", "C", "--area", "A",
                  "--aware", "2026-06-01");
  g_assert_cmpint (accepted->status, ==, 0);
}

/* "request decide", "escalate" and "withdraw" without --reason are usage
 * errors (exit 1), as "request new" without it is, and store nothing. */
static void
test_missing_step_reason (Fixture *f, gconstpointer data)
{
  g_autofree char *case_id = NULL;
  g_autofree char *received = NULL;
  g_autofree char *json_before = NULL;
  g_autofree char *json_after = NULL;
  g_autoptr (GHashTable) before = NULL;
  const char *const *commands[3];
  const char *needles[] = { "Give the reason for this decision (--reason TEXT)",
                            "Give the reason for this escalation (--reason TEXT)",
                            "Give the reason for the withdrawal (--reason TEXT)" };

  case_id = CLI_ID (f, "case", "new", "--title", "Reasons", "--child", "Child Y", "--area",
                    "Northmoor", "--aware", "2026-06-01");
  CLI_DO (f, "org", "add", "Northmoor Police", "--kind", "police");
  CLI_OK (f, "case", "participant", "add", case_id, "Northmoor Police", "--role",
          "police", "--contact", "DS Bell");
  received = CLI_ID (f, "request", "new", case_id, "--from", "Northmoor Police", "--to", ORG_NAME,
                     "--for", "Notes", "--reason", "Review");
  CLI_DO (f, "request", "decide", received, "--decision", "decline", "--reason", "No", "--by",
          "Ann Lead");

  commands[0] = (const char *const[]) { "--json", "request", "decide", received, "--decision",
                                        "share", "--by", "Ann Lead", NULL };
  commands[1] = (const char *const[]) { "--json", "request", "escalate", received, "--level",
                                        "local", "--by", "Ann Lead", NULL };
  /* Withdrawing needs a request this organisation made. */
  {
    g_autofree char *asked = CLI_ID (f, "request", "new", case_id, "--to", "Northmoor Police",
                                     "--for", "Custody record", "--reason", "Review");

    json_before = snapshot (f, case_id);
    before = lia_test_hash_dir (f->dir);
    commands[2] = (const char *const[]) { "--json", "request", "withdraw", asked, "--by",
                                          "Ann Lead", NULL };
    for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
      {
        g_autoptr (LiaTestCliRun) run = run_cli (f->env, f->dir, commands[i]);

        g_assert_cmpstr (run->out, ==, "");
        g_assert_nonnull (strstr (run->err, needles[i]));
        lia_test_assert_dir_unchanged (before, f->dir);
        g_assert_cmpint (run->status, ==, 1);
      }
  }
  json_after = snapshot (f, case_id);
  g_assert_cmpstr (json_after, ==, json_before);
}

/* A value of only spaces clears a case field, as "" does, and "case set"
 * says so. */
static void
test_case_set_blank (Fixture *f, gconstpointer data)
{
  g_autofree char *case_id = NULL;
  g_autoptr (JsonNode) set = NULL;
  g_autoptr (JsonNode) blank = NULL;
  g_autoptr (JsonNode) show = NULL;
  g_autoptr (LiaTestCliRun) text = NULL;
  JsonObject *result;

  case_id = CLI_ID (f, "case", "new", "--title", "Blank", "--child", "Child B", "--area",
                    "Northmoor", "--aware", "2026-06-01");
  set = CLI_JSON (f, "case", "set", case_id, "lcspr.reviewers", "A. Reviewer");
  g_assert_cmpstr (get_string (root_object (set), "value"), ==, "A. Reviewer");
  blank = CLI_JSON (f, "case", "set", case_id, "lcspr.reviewers", "   ");
  show = CLI_JSON (f, "case", "show", case_id);
  /* The field is cleared, as "" would clear it. */
  g_assert_false (json_object_has_member (get_object (root_object (show), "fields"),
                                          "lcspr.reviewers"));
  text = CLI (f, "case", "set", case_id, "lcspr.reviewers", " ");
  g_assert_cmpint (text->status, ==, 0);

  result = root_object (blank);
  g_assert_cmpstr (get_string (result, "field"), ==, "lcspr.reviewers");
  assert_null (result, "value");
  g_assert_cmpstr (text->out, ==, "Cleared lcspr.reviewers.\n");
}

/* ---- demo ------------------------------------------------------------------------ */

static void
test_demo (Fixture *f, gconstpointer data)
{
  g_autofree char *json_before = snapshot (f, NULL);
  g_autofree char *json_after = NULL;
  g_autoptr (GHashTable) before = lia_test_hash_dir (f->dir);
  /* The file that is built in, named as a file of one's own would be. */
  g_autofree char *file = g_test_build_filename (G_TEST_DIST, "..", "data", "demo",
                                                 "demo-case.json", NULL);
  g_autoptr (LiaTestCliRun) nosuch = CLI (f, "--json", "demo", "load", file, "--as", "nosuch");
  g_autoptr (JsonNode) loaded = NULL;
  g_autoptr (JsonNode) cases = NULL;
  g_autoptr (JsonNode) records = NULL;
  g_autoptr (JsonNode) requests = NULL;
  g_autoptr (JsonNode) orgs = NULL;
  JsonObject *result;
  const char *case_id;

  /* An unknown --as: the keys there are, and nothing loaded. */
  g_assert_cmpint (nosuch->status, ==, 2);
  g_assert_cmpstr (nosuch->out, ==, "");
  g_assert_nonnull (strstr (nosuch->err, "The demo has no organisation “nosuch”; choose one of "
                                         "council, icb, police, iopc, school with --as"));
  lia_test_assert_dir_unchanged (before, f->dir);
  json_after = snapshot (f, NULL);
  g_assert_cmpstr (json_after, ==, json_before);

  /* This store is a local authority: it plays the council. */
  loaded = CLI_JSON (f, "demo", "load");
  result = root_object (loaded);
  case_id = get_string (result, "case");
  assert_uuid (case_id);
  g_assert_cmpstr (get_string (result, "as"), ==, "council");
  g_assert_cmpint (get_int (result, "records"), ==, 37);
  g_assert_cmpint (get_int (result, "requests"), ==, 4);

  cases = CLI_JSON (f, "case", "list");
  g_assert_cmpuint (json_array_get_length (root_array (cases)), ==, 1);
  g_assert_cmpstr (get_string (element (root_array (cases), 0), "id"), ==, case_id);
  assert_org (get_object (element (root_array (cases), 0), "lead"), ORG_NAME, "local-authority",
              TRUE);
  records = CLI_JSON (f, "record", "list", case_id);
  g_assert_cmpuint (json_array_get_length (root_array (records)), ==, 37);
  requests = CLI_JSON (f, "request", "list", case_id);
  g_assert_cmpuint (json_array_get_length (root_array (requests)), ==, 4);
  for (guint i = 0; i < 4; i++)
    assert_request_shape (element (root_array (requests), i), case_id);
  /* The other four demo organisations, known by name. */
  orgs = CLI_JSON (f, "org", "list");
  g_assert_cmpuint (json_array_get_length (root_array (orgs)), ==, 5);
  for (guint i = 1; i < 5; i++)
    {
      JsonObject *org = element (root_array (orgs), i);

      g_assert_false (get_bool (org, "self"));
      g_assert_true (g_str_has_suffix (get_string (org, "name"), "(demo)"));
    }
}

/* One organisation's part of the demo, as one node of a demo with several
 * stores: only what it made or takes part in. */
static void
test_demo_own_only (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) loaded = CLI_JSON (f, "demo", "load", "--as", "police", "--own-only");
  g_autoptr (JsonNode) records = NULL;
  g_autoptr (JsonNode) requests = NULL;
  JsonObject *result = root_object (loaded);
  const char *case_id = get_string (result, "case");
  JsonArray *array;

  assert_uuid (case_id);
  g_assert_cmpstr (get_string (result, "as"), ==, "police");
  g_assert_cmpint (get_int (result, "records"), >, 0);
  g_assert_cmpint (get_int (result, "records"), <, 37);
  g_assert_cmpint (get_int (result, "requests"), <=, 4);

  records = CLI_JSON (f, "record", "list", case_id);
  array = root_array (records);
  g_assert_cmpint (json_array_get_length (array), ==, get_int (result, "records"));
  /* This store plays the police: every record is its own. */
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_assert_true (get_bool (get_object (element (array, i), "originator"), "self"));
  requests = CLI_JSON (f, "request", "list", case_id);
  array = root_array (requests);
  g_assert_cmpint (json_array_get_length (array), ==, get_int (result, "requests"));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *q = element (array, i);

      g_assert_true (get_bool (get_object (q, "requester"), "self")
                     || get_bool (get_object (q, "holder"), "self"));
    }
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/cli-model/organisations", test_organisations);
  ADD ("/cli-model/case", test_case);
  ADD ("/cli-model/case/set-blank", test_case_set_blank);
  ADD ("/cli-model/deadlines", test_deadlines);
  ADD ("/cli-model/records", test_records);
  ADD ("/cli-model/search", test_search);
  ADD ("/cli-model/chronology-csv", test_chronology_csv);
  ADD ("/cli-model/chronology-export-fails-cleanly", test_chronology_export_fails_cleanly);
  ADD ("/cli-model/requests", test_requests);
  ADD ("/cli-model/bad-input", test_bad_input);
  ADD ("/cli-model/bad-input/missing-step-reason", test_missing_step_reason);
  ADD ("/cli-model/demo", test_demo);
  ADD ("/cli-model/demo/own-only", test_demo_own_only);
#undef ADD

  return g_test_run ();
}
