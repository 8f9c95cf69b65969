/* test-cli.c: liaison-cli as a script would use it: the real binary, its
 * text and JSON output, exit statuses and messages.
 *
 * liaison-cli always uses the shipped Argon2id limits, so each unlock here
 * costs a real key derivation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sodium.h>

#include "lia-crypt-vfs.h"
#include "lia-store.h"
#include "lia-test-util.h"

#define PASS "cli test passphrase"


/* By default LIAISON_PASSPHRASE is PASS; a test names its store itself. */
static LiaTestCliRun *
run_cli (const char *const *env, const char *const *args)
{
  return lia_test_run_cli (PASS, env, NULL, args);
}

#define RUN(env, ...) run_cli (env, (const char *const[]) { __VA_ARGS__, NULL })

static char *
new_store_dir (void)
{
  g_autofree char *parent = lia_test_make_dir ("cli");

  return g_build_filename (parent, "liaison", NULL);
}

static void
init_store (const char *dir, const char *name, const char *kind)
{
  g_autoptr (LiaTestCliRun) run = RUN (NULL, "--store", dir, "init", "--org", name, "--kind", kind);

  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");
}

static JsonObject *
parse_object (const char *text, JsonParser **parser_out)
{
  JsonParser *parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  *parser_out = parser;
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_init_and_whoami (void)
{
  g_autofree char *dir = new_store_dir ();
  g_autoptr (LiaTestCliRun) init = RUN (NULL, "--store", dir, "init", "--org",
                                 "Example Integrated Care Board", "--kind", "icb");
  g_autoptr (LiaTestCliRun) text = NULL;
  g_autoptr (LiaTestCliRun) json = NULL;
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *object, *keys;

  g_assert_cmpint (init->status, ==, 0);
  g_assert_nonnull (strstr (init->out, "Created a store for Example Integrated Care Board"));
  g_assert_nonnull (strstr (init->out, "Fingerprint:"));

  text = RUN (NULL, "whoami", "--store", dir);
  g_assert_cmpint (text->status, ==, 0);
  g_assert_nonnull (strstr (text->out, "Organisation: Example Integrated Care Board\n"));
  g_assert_nonnull (strstr (text->out, "Kind:         icb\n"));

  json = RUN (NULL, "--json", "--store", dir, "whoami");
  g_assert_cmpint (json->status, ==, 0);
  object = parse_object (json->out, &parser);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==,
                   "Example Integrated Care Board");
  g_assert_cmpstr (json_object_get_string_member (object, "kind"), ==, "icb");
  g_assert_cmpuint (strlen (json_object_get_string_member (object, "fingerprint")), ==, 49);
  g_assert_nonnull (strstr (text->out, json_object_get_string_member (object, "fingerprint")));
  g_assert_cmpstr (json_object_get_string_member (object, "store"), ==, dir);
  keys = json_object_get_object_member (object, "public_keys");
  g_assert_cmpuint (strlen (json_object_get_string_member (keys, "identity")), ==, 64);
  g_assert_cmpuint (strlen (json_object_get_string_member (keys, "box")), ==, 64);
  g_assert_cmpuint (strlen (json_object_get_string_member (keys, "curve")), ==, 64);
}

static void
test_default_store (void)
{
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "liaison",
                                                LIA_STORE_KEY_NAME, NULL);
  g_autoptr (LiaTestCliRun) init = RUN (NULL, "init", "--org", "Default Police", "--kind", "police");
  g_autoptr (LiaTestCliRun) whoami = RUN (NULL, "whoami");

  g_assert_cmpint (init->status, ==, 0);
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (whoami->status, ==, 0);
  g_assert_nonnull (strstr (whoami->out, "Default Police"));
}

static void
test_init_refused (void)
{
  g_autofree char *dir = new_store_dir ();
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (LiaTestCliRun) again = NULL;
  g_autoptr (LiaTestCliRun) empty = NULL;
  g_autofree char *empty_dir = new_store_dir ();
  g_autofree char *empty_key = g_build_filename (empty_dir, LIA_STORE_KEY_NAME, NULL);
  const char *const empty_env[] = { "LIAISON_PASSPHRASE", "", NULL };

  init_store (dir, "First Council", "local-authority");
  before = lia_test_hash_dir (dir);
  again = RUN (NULL, "--store", dir, "init", "--org", "Second Council", "--kind", "agency");
  g_assert_cmpint (again->status, ==, 2);
  g_assert_nonnull (strstr (again->err, "already holds a Liaison store; nothing was changed"));
  lia_test_assert_dir_unchanged (before, dir);

  empty = RUN (empty_env, "--store", empty_dir, "init", "--org", "Empty", "--kind", "agency");
  g_assert_cmpint (empty->status, ==, 2);
  g_assert_nonnull (strstr (empty->err, "The passphrase is empty"));
  g_assert_false (g_file_test (empty_key, G_FILE_TEST_EXISTS));
}

static void
test_usage_errors (void)
{
  g_autofree char *dir = new_store_dir ();
  const char *const *cases[] = {
    (const char *const[]) { NULL },
    (const char *const[]) { "frobnicate", NULL },
    (const char *const[]) { "whoami", "--no-such-option", NULL },
    (const char *const[]) { "whoami", "extra", NULL },
    (const char *const[]) { "passphrase", NULL },
    (const char *const[]) { "--store", dir, "init", "--kind", "police", NULL },
    (const char *const[]) { "--store", dir, "init", "--org", "X", "--kind", "constabulary", NULL },
    (const char *const[]) { "--store", dir, "whoami", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (LiaTestCliRun) run = run_cli (NULL, cases[i]);

      g_assert_cmpint (run->status, ==, 1);
      g_assert_cmpstr (run->out, ==, "");
      g_assert_cmpstr (run->err, !=, "");
    }
  /* Nothing was created by any of them. */
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

static void
test_passphrase_sources (void)
{
  g_autofree char *dir = new_store_dir ();
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *file = g_build_filename (parent, "passphrase.txt", NULL);
  g_autoptr (LiaTestCliRun) none = NULL;
  g_autoptr (LiaTestCliRun) from_file = NULL;
  g_autoptr (LiaTestCliRun) missing_file = NULL;
  g_autoptr (LiaTestCliRun) wrong = NULL;
  const char *const no_env[] = { "LIAISON_PASSPHRASE", NULL, NULL };
  const char *const wrong_env[] = { "LIAISON_PASSPHRASE", "not the passphrase", NULL };

  init_store (dir, "Source Council", "local-authority");

  /* No passphrase anywhere, and no terminal to ask on. */
  none = RUN (no_env, "--store", dir, "whoami");
  g_assert_cmpint (none->status, ==, 1);
  g_assert_nonnull (strstr (none->err, "LIAISON_PASSPHRASE"));

  /* A file, with the newline an editor leaves. */
  g_assert_true (g_file_set_contents (file, PASS "\n", -1, NULL));
  from_file = RUN (no_env, "--store", dir, "--passphrase-file", file, "whoami");
  g_assert_cmpint (from_file->status, ==, 0);
  g_assert_nonnull (strstr (from_file->out, "Source Council"));

  missing_file = RUN (no_env, "--store", dir, "--passphrase-file", "/nonexistent/pass", "whoami");
  g_assert_cmpint (missing_file->status, ==, 2);
  g_assert_nonnull (strstr (missing_file->err, "/nonexistent/pass"));

  wrong = RUN (wrong_env, "--store", dir, "whoami");
  g_assert_cmpint (wrong->status, ==, 2);
  g_assert_cmpstr (wrong->err, ==, "liaison-cli: The passphrase is not correct for this store\n");
}

static void
test_passphrase_change (void)
{
  g_autofree char *dir = new_store_dir ();
  g_autofree char *db = g_build_filename (dir, LIA_STORE_DB_NAME, NULL);
  g_autoptr (GBytes) db_before = NULL;
  g_autoptr (GBytes) db_after = NULL;
  g_autoptr (LiaTestCliRun) change = NULL;
  g_autoptr (LiaTestCliRun) old = NULL;
  g_autoptr (LiaTestCliRun) new = NULL;
  g_autoptr (LiaTestCliRun) no_new = NULL;
  g_autoptr (JsonParser) parser = NULL;
  const char *const change_env[] = { "LIAISON_NEW_PASSPHRASE", "the new one", NULL };
  const char *const new_env[] = { "LIAISON_PASSPHRASE", "the new one", NULL };
  JsonObject *object;

  init_store (dir, "Rekey ICB", "icb");
  db_before = lia_test_read_file (db);

  no_new = RUN (NULL, "--store", dir, "passphrase", "change");
  g_assert_cmpint (no_new->status, ==, 1);
  g_assert_nonnull (strstr (no_new->err, "LIAISON_NEW_PASSPHRASE"));

  change = RUN (change_env, "--store", dir, "--json", "passphrase", "change");
  g_assert_cmpint (change->status, ==, 0);
  object = parse_object (change->out, &parser);
  g_assert_true (json_object_get_boolean_member (object, "changed"));
  db_after = lia_test_read_file (db);
  g_assert_true (g_bytes_equal (db_before, db_after));

  old = RUN (NULL, "--store", dir, "whoami");
  g_assert_cmpint (old->status, ==, 2);
  new = RUN (new_env, "--store", dir, "whoami");
  g_assert_cmpint (new->status, ==, 0);
}

static void
test_store_check (void)
{
  g_autofree char *dir = new_store_dir ();
  g_autofree char *db = g_build_filename (dir, LIA_STORE_DB_NAME, NULL);
  g_autoptr (LiaTestCliRun) text = NULL;
  g_autoptr (LiaTestCliRun) json = NULL;
  g_autoptr (LiaTestCliRun) damaged = NULL;
  g_autoptr (JsonParser) parser = NULL;
  JsonObject *object;
  guint8 byte = 0x5a;

  init_store (dir, "Checked Council", "local-authority");
  text = RUN (NULL, "--store", dir, "store", "check");
  g_assert_cmpint (text->status, ==, 0);
  g_assert_nonnull (strstr (text->out, "pages authenticated"));

  json = RUN (NULL, "--store", dir, "store", "check", "--json");
  g_assert_cmpint (json->status, ==, 0);
  object = parse_object (json->out, &parser);
  g_assert_true (json_object_get_boolean_member (object, "ok"));
  g_assert_cmpint (json_object_get_int_member (object, "pages"), >=, 2);

  /* One byte of page 2 changed on disk. */
  lia_test_write_at (db, LIA_CRYPT_PAGE_SIZE + 300, &byte, 1);
  damaged = RUN (NULL, "--store", dir, "store", "check");
  g_assert_cmpint (damaged->status, ==, 2);
  g_assert_cmpstr (damaged->out, ==, "");
  g_assert_nonnull (strstr (damaged->err, "tampered with"));
  g_assert_nonnull (strstr (damaged->err, "page 2 of the database"));
}

static void
test_version_and_help (void)
{
  g_autoptr (LiaTestCliRun) version = RUN (NULL, "--version");
  g_autoptr (LiaTestCliRun) help = RUN (NULL, "--help");
  g_autoptr (LiaTestCliRun) init_help = RUN (NULL, "init", "--help");

  g_assert_cmpint (version->status, ==, 0);
  g_assert_cmpstr (version->out, ==, "liaison-cli " PACKAGE_VERSION "\n");
  g_assert_cmpint (help->status, ==, 0);
  {
    const char *const words[] = { "init --org NAME --kind KIND | --restore FILE", "whoami",
                                  "passphrase change", "store check",
                                  "identity export -o FILE [--force]", "identity rotate",
                                  "LIAISON_BACKUP_PASSPHRASE" };

    for (guint i = 0; i < G_N_ELEMENTS (words); i++)
      g_assert_nonnull (strstr (help->out, words[i]));
  }
  /* A command's help lists its own options. */
  g_assert_cmpint (init_help->status, ==, 0);
  g_assert_nonnull (strstr (init_help->out, "--org=NAME"));
  g_assert_nonnull (strstr (init_help->out, "--kind=KIND"));
  g_assert_nonnull (strstr (init_help->out, "--restore=FILE"));
  g_assert_nonnull (strstr (init_help->out, "--backup-passphrase-file=FILE"));
}

static void
test_calendar (void)
{
  g_autoptr (LiaTestCliRun) add = RUN (NULL, "calendar", "add-working-days", "2026-12-24", "1");
  g_autoptr (LiaTestCliRun) add_json = RUN (NULL, "--json", "calendar", "add-working-days",
                                     "2026-03-25", "15");
  g_autoptr (LiaTestCliRun) back = RUN (NULL, "calendar", "subtract-working-days", "2026-06-01", "7");
  g_autoptr (LiaTestCliRun) months = RUN (NULL, "calendar", "add-months", "2024-01-31", "1");
  g_autoptr (LiaTestCliRun) show = RUN (NULL, "calendar", "show", "2022", "--json");
  g_autoptr (LiaTestCliRun) bad_date = RUN (NULL, "calendar", "add-working-days", "31/12/2026", "1");
  g_autoptr (LiaTestCliRun) bad_count = RUN (NULL, "calendar", "add-working-days", "2026-01-01", "ten");
  g_autoptr (LiaTestCliRun) missing = RUN (NULL, "calendar", "add-months", "2026-01-01");
  g_autoptr (LiaTestCliRun) beyond = RUN (NULL, "calendar", "add-working-days", "2027-12-30", "5");
  g_autoptr (LiaTestCliRun) no_year = RUN (NULL, "calendar", "show", "2031");
  g_autoptr (LiaTestCliRun) offline = RUN (NULL, "calendar", "refresh", "--url",
                                    "http://127.0.0.1:1/bank-holidays.json");
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (JsonParser) show_parser = NULL;
  JsonObject *object;
  JsonArray *holidays;

  g_assert_cmpint (add->status, ==, 0);
  g_assert_cmpstr (add->out, ==, "2026-12-29 (Tuesday)\n");
  g_assert_cmpint (add_json->status, ==, 0);
  object = parse_object (add_json->out, &parser);
  g_assert_cmpstr (json_object_get_string_member (object, "from"), ==, "2026-03-25");
  g_assert_cmpint (json_object_get_int_member (object, "working_days"), ==, 15);
  g_assert_cmpstr (json_object_get_string_member (object, "date"), ==, "2026-04-17");
  g_assert_cmpstr (json_object_get_string_member (object, "weekday"), ==, "Friday");
  g_assert_cmpstr (back->out, ==, "2026-05-20 (Wednesday)\n");
  g_assert_cmpstr (months->out, ==, "2024-02-29 (Thursday)\n");

  g_assert_cmpint (show->status, ==, 0);
  object = parse_object (show->out, &show_parser);
  g_assert_cmpint (json_object_get_int_member (object, "year"), ==, 2022);
  holidays = json_object_get_array_member (object, "bank_holidays");
  g_assert_cmpuint (json_array_get_length (holidays), ==, 10);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (holidays, 0),
                                                  "notes"), ==, "Substitute day");

  /* Usage errors exit 1; a date the calendar cannot count exits 2. */
  g_assert_cmpint (bad_date->status, ==, 1);
  g_assert_nonnull (strstr (bad_date->err, "YYYY-MM-DD"));
  g_assert_cmpint (bad_count->status, ==, 1);
  g_assert_cmpint (missing->status, ==, 1);
  g_assert_cmpint (beyond->status, ==, 2);
  g_assert_nonnull (strstr (beyond->err, "covers 2018 to 2027"));
  g_assert_cmpint (no_year->status, ==, 2);
  /* Nothing listens on port 1: a clear error, and the calendar carries on. */
  g_assert_cmpint (offline->status, ==, 2);
  g_assert_nonnull (strstr (offline->err, "The calendar in use is unchanged"));
}

/* ---- identity backup and rotation ---- */

#define BACKUP_PASS "cli backup passphrase"

static const char *const backup_env[] = { "LIAISON_BACKUP_PASSPHRASE", BACKUP_PASS, NULL };

/* whoami --json of the store in @dir, opened with @passphrase_env. */
static JsonObject *
whoami_json (const char *const *env, const char *dir, JsonParser **parser)
{
  g_autoptr (LiaTestCliRun) run = RUN (env, "--json", "--store", dir, "whoami");

  g_assert_cmpint (run->status, ==, 0);
  return parse_object (run->out, parser);
}

static void
assert_same_keys (JsonObject *a, JsonObject *b)
{
  const char *const members[] = { "public_keys", "signatures" };

  g_assert_cmpstr (json_object_get_string_member (a, "fingerprint"), ==,
                   json_object_get_string_member (b, "fingerprint"));
  g_assert_cmpstr (json_object_get_string_member (a, "name"), ==,
                   json_object_get_string_member (b, "name"));
  g_assert_cmpstr (json_object_get_string_member (a, "kind"), ==,
                   json_object_get_string_member (b, "kind"));
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      JsonObject *ka = json_object_get_object_member (a, members[i]);
      JsonObject *kb = json_object_get_object_member (b, members[i]);
      g_autoptr (GList) names = json_object_get_members (ka);

      g_assert_cmpuint (json_object_get_size (ka), ==, json_object_get_size (kb));
      for (GList *l = names; l != NULL; l = l->next)
        g_assert_cmpstr (json_object_get_string_member (ka, l->data), ==,
                         json_object_get_string_member (kb, l->data));
    }
}

static void
test_identity_backup (void)
{
  g_autofree char *dir = new_store_dir ();
  g_autofree char *restored = new_store_dir ();
  g_autofree char *parent = lia_test_make_dir ("backups");
  g_autofree char *file = g_build_filename (parent, "council.backup", NULL);
  const char *const restore_env[] = { "LIAISON_BACKUP_PASSPHRASE", BACKUP_PASS,
                                      "LIAISON_PASSPHRASE", "the new store's passphrase", NULL };
  g_autoptr (LiaTestCliRun) rotate = NULL;
  g_autoptr (LiaTestCliRun) export = NULL;
  g_autoptr (LiaTestCliRun) again = NULL;
  g_autoptr (LiaTestCliRun) restore = NULL;
  g_autoptr (JsonParser) p1 = NULL, p2 = NULL, p3 = NULL, p4 = NULL;
  JsonObject *before, *after, *object;
  GStatBuf st;

  init_store (dir, "Backed Up Borough Council", "local-authority");
  rotate = RUN (NULL, "--store", dir, "identity", "rotate");
  g_assert_cmpint (rotate->status, ==, 0);
  g_assert_nonnull (strstr (rotate->out, "Envelope key:"));
  before = whoami_json (NULL, dir, &p1);

  export = RUN (backup_env, "--store", dir, "identity", "export", "-o", file);
  g_assert_cmpint (export->status, ==, 0);
  g_assert_cmpstr (export->err, ==, "");
  g_assert_nonnull (strstr (export->out, "Wrote the identity of Backed Up Borough Council"));
  g_assert_cmpint (g_stat (file, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);

  again = RUN (backup_env, "--store", dir, "--json", "identity", "export", "-o", file, "--force");
  g_assert_cmpint (again->status, ==, 0);
  object = parse_object (again->out, &p2);
  g_assert_true (json_object_get_boolean_member (object, "exported"));
  g_assert_cmpstr (json_object_get_string_member (object, "file"), ==, file);
  g_assert_cmpstr (json_object_get_string_member (object, "fingerprint"), ==,
                   json_object_get_string_member (before, "fingerprint"));

  /* The restored store has a passphrase of its own and the same identity:
   * fingerprint, public keys and their signatures. */
  restore = RUN (restore_env, "--store", restored, "init", "--restore", file);
  g_assert_cmpint (restore->status, ==, 0);
  g_assert_nonnull (strstr (restore->out, "Restored the identity of Backed Up Borough Council"));
  after = whoami_json (restore_env, restored, &p3);
  assert_same_keys (before, after);
  g_assert_cmpstr (json_object_get_string_member (after, "store"), ==, restored);

  /* The original is untouched by all this. */
  assert_same_keys (before, whoami_json (NULL, dir, &p4));
}

static void
test_identity_rotate (void)
{
  g_autofree char *dir = new_store_dir ();
  g_autoptr (LiaTestCliRun) rotate = NULL;
  g_autoptr (JsonParser) p1 = NULL, p2 = NULL, p3 = NULL;
  JsonObject *before, *rotated, *after, *kb, *kr;

  init_store (dir, "Rotating ICB", "icb");
  before = whoami_json (NULL, dir, &p1);
  rotate = RUN (NULL, "--store", dir, "--json", "identity", "rotate");
  g_assert_cmpint (rotate->status, ==, 0);
  rotated = parse_object (rotate->out, &p2);
  g_assert_true (json_object_get_boolean_member (rotated, "rotated"));
  g_assert_cmpstr (json_object_get_string_member (rotated, "fingerprint"), ==,
                   json_object_get_string_member (before, "fingerprint"));

  kb = json_object_get_object_member (before, "public_keys");
  kr = json_object_get_object_member (rotated, "public_keys");
  g_assert_cmpstr (json_object_get_string_member (kb, "identity"), ==,
                   json_object_get_string_member (kr, "identity"));
  g_assert_cmpstr (json_object_get_string_member (kb, "box"), !=,
                   json_object_get_string_member (kr, "box"));
  g_assert_cmpstr (json_object_get_string_member (kb, "curve"), !=,
                   json_object_get_string_member (kr, "curve"));

  /* What rotate printed is what the store now says. */
  after = whoami_json (NULL, dir, &p3);
  g_assert_cmpstr (json_object_get_string_member (after, "name"), ==, "Rotating ICB");
  json_object_set_string_member (rotated, "name", "Rotating ICB");
  json_object_set_string_member (rotated, "kind", "icb");
  assert_same_keys (rotated, after);
}

/* Writes @file's bytes with byte @offset xored with @mask, and the
 * checksum recomputed if @fix. */
static void
write_altered (const char *from, const char *to, gsize offset, guint8 mask, gboolean fix)
{
  g_autoptr (GBytes) bytes = lia_test_read_file (from);
  gsize len = g_bytes_get_size (bytes);
  g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, NULL), len);

  copy[offset] ^= mask;
  if (fix)
    crypto_generichash (copy + len - 16, 16, copy, len - 16, NULL, 0);
  g_assert_true (g_file_set_contents (to, (const char *) copy, (gssize) len, NULL));
}

static void
assert_restore_refused (const char *const *env, const char *file, int status,
                        const char *message)
{
  g_autofree char *target = new_store_dir ();
  g_autoptr (LiaTestCliRun) run = RUN (env, "--store", target, "init", "--restore", file);

  g_assert_cmpint (run->status, ==, status);
  g_assert_cmpstr (run->out, ==, "");
  g_assert_nonnull (strstr (run->err, message));
  /* Nothing at all was made. */
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
}

static void
test_identity_refusals (void)
{
  g_autofree char *dir = new_store_dir ();
  g_autofree char *parent = lia_test_make_dir ("refusals");
  g_autofree char *file = g_build_filename (parent, "backup", NULL);
  g_autofree char *other = g_build_filename (parent, "other", NULL);
  g_autofree char *pass_file = g_build_filename (parent, "backup-pass", NULL);
  g_autofree char *bad = g_build_filename (parent, "bad", NULL);
  const char *const wrong_env[] = { "LIAISON_BACKUP_PASSPHRASE", "not it", NULL };
  const char *const empty_env[] = { "LIAISON_BACKUP_PASSPHRASE", "", NULL };
  g_autoptr (GHashTable) store_before = NULL;
  g_autoptr (GBytes) file_before = NULL;

  init_store (dir, "Careful Council", "local-authority");

  /* No backup passphrase anywhere and no terminal; an empty one. */
  {
    g_autoptr (LiaTestCliRun) none = RUN (NULL, "--store", dir, "identity", "export", "-o", file);
    g_autoptr (LiaTestCliRun) empty = RUN (empty_env, "--store", dir, "identity", "export", "-o",
                                           file);
    g_autoptr (LiaTestCliRun) no_output = RUN (backup_env, "--store", dir, "identity", "export");

    g_assert_cmpint (none->status, ==, 1);
    g_assert_nonnull (strstr (none->err, "LIAISON_BACKUP_PASSPHRASE"));
    g_assert_cmpint (empty->status, ==, 2);
    g_assert_nonnull (strstr (empty->err, "The backup passphrase is empty"));
    g_assert_cmpint (no_output->status, ==, 1);
    g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  }

  /* From a file, with an editor's newline. */
  g_assert_true (g_file_set_contents (pass_file, BACKUP_PASS "\n", -1, NULL));
  {
    g_autoptr (LiaTestCliRun) run = RUN (NULL, "--store", dir, "identity", "export", "-o", file,
                                         "--backup-passphrase-file", pass_file);

    g_assert_cmpint (run->status, ==, 0);
  }

  /* An existing file is left alone without --force. */
  g_assert_true (g_file_set_contents (other, "precious", -1, NULL));
  file_before = lia_test_read_file (other);
  {
    g_autoptr (LiaTestCliRun) run = RUN (backup_env, "--store", dir, "identity", "export", "-o",
                                         other);
    g_autoptr (GBytes) file_after = lia_test_read_file (other);

    g_assert_cmpint (run->status, ==, 2);
    g_assert_nonnull (strstr (run->err, "already exists; nothing was written"));
    g_assert_true (g_bytes_equal (file_before, file_after));
  }

  /* A wrong backup passphrase; truncated, altered and newer backups; a
   * file that is not there. */
  assert_restore_refused (wrong_env, file, 2,
                          "The backup passphrase is not correct for this identity backup");
  {
    g_autoptr (GBytes) bytes = lia_test_read_file (file);

    g_assert_true (g_file_set_contents (bad, g_bytes_get_data (bytes, NULL),
                                        (gssize) g_bytes_get_size (bytes) - 10, NULL));
    assert_restore_refused (backup_env, bad, 2, "truncated");
    write_altered (file, bad, g_bytes_get_size (bytes) / 2, 0x40, FALSE);
    assert_restore_refused (backup_env, bad, 2, "damaged");
  }
  write_altered (file, bad, 8, 0x03, TRUE);
  assert_restore_refused (backup_env, bad, 2, "newer version of Liaison");
  assert_restore_refused (backup_env, "/nonexistent/backup", 2, "/nonexistent/backup");

  /* --restore takes the name and kind from the backup. */
  {
    g_autofree char *target = new_store_dir ();
    g_autoptr (LiaTestCliRun) run = RUN (backup_env, "--store", target, "init", "--restore",
                                         file, "--kind", "icb");

    g_assert_cmpint (run->status, ==, 1);
    g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
  }

  /* A store already there stays as it was. */
  store_before = lia_test_hash_dir (dir);
  {
    g_autoptr (LiaTestCliRun) run = RUN (backup_env, "--store", dir, "init", "--restore", file);

    g_assert_cmpint (run->status, ==, 2);
    g_assert_nonnull (strstr (run->err, "already holds a Liaison store; nothing was changed"));
  }
  lia_test_assert_dir_unchanged (store_before, dir);
}

/* ---- the prompt, on a real (pseudo-)terminal ---- */

typedef struct
{
  int slave;
} PtySetup;

/* In the child: a session of its own, with the pty as its controlling
 * terminal (so /dev/tty is the pty) and as its standard input and output. */
static void
pty_child_setup (gpointer user_data)
{
  PtySetup *setup = user_data;

  setsid ();
  ioctl (setup->slave, TIOCSCTTY, 0);
  dup2 (setup->slave, STDIN_FILENO);
  dup2 (setup->slave, STDOUT_FILENO);
  dup2 (setup->slave, STDERR_FILENO);
}

/* Reads what the child wrote to the terminal until @needle appears (or the
 * child is done); returns all of it. */
static char *
read_until (int master, const char *needle)
{
  GString *seen = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (strstr (seen->str, needle) == NULL && g_get_monotonic_time () < deadline)
    {
      struct pollfd pfd = { master, POLLIN, 0 };
      char buf[256];
      ssize_t n;

      if (poll (&pfd, 1, 100) <= 0)
        continue;
      n = read (master, buf, sizeof buf);
      if (n <= 0)
        break;
      g_string_append_len (seen, buf, n);
    }
  return g_string_free (seen, FALSE);
}

/* Runs liaison-cli with its terminal on a pty, answers each prompt in
 * @answers in turn, and returns the exit status; @transcript gets what the
 * terminal showed. LIAISON_PASSPHRASE is unset. */
static int
run_on_terminal (const char *const *args, const char *const *answers, char **transcript)
{
  g_auto (GStrv) envp = g_get_environ ();
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) all = g_string_new (NULL);
  PtySetup setup;
  GPid pid;
  int master, status;

  master = posix_openpt (O_RDWR | O_NOCTTY);
  g_assert_cmpint (master, >=, 0);
  g_assert_cmpint (grantpt (master), ==, 0);
  g_assert_cmpint (unlockpt (master), ==, 0);
  setup.slave = open (ptsname (master), O_RDWR | O_NOCTTY);
  g_assert_cmpint (setup.slave, >=, 0);

  envp = g_environ_unsetenv (envp, "LIAISON_PASSPHRASE");
  envp = g_environ_unsetenv (envp, "LIAISON_NEW_PASSPHRASE");
  envp = g_environ_unsetenv (envp, "LIAISON_BACKUP_PASSPHRASE");
  envp = g_environ_setenv (envp, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  g_ptr_array_add (argv, (gpointer) g_getenv ("LIAISON_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_async (NULL, (char **) argv->pdata, envp,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN
                                  | G_SPAWN_CHILD_INHERITS_STDOUT | G_SPAWN_CHILD_INHERITS_STDERR,
                                pty_child_setup, &setup, &pid, &error));
  g_assert_no_error (error);
  close (setup.slave);

  for (guint i = 0; answers[i] != NULL; i++)
    {
      g_autofree char *seen = read_until (master, ": ");
      g_autofree char *line = g_strconcat (answers[i], "\n", NULL);

      g_string_append (all, seen);
      g_assert_cmpint (write (master, line, strlen (line)), ==, (gssize) strlen (line));
    }
  {
    g_autofree char *rest = read_until (master, "\x01never\x01");

    g_string_append (all, rest);
  }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  close (master);
  *transcript = g_string_free (g_steal_pointer (&all), FALSE);
  g_test_message ("terminal:\n%s", *transcript);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_prompt (void)
{
  g_autofree char *dir = new_store_dir ();
  g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL;
  const char *const init_args[] = { "--store", dir, "init", "--org", "Prompted Council", "--kind",
                                    "local-authority", NULL };
  const char *const whoami_args[] = { "--store", dir, "whoami", NULL };
  const char *const twice[] = { "typed secret", "typed secret", NULL };
  const char *const mismatch[] = { "typed secret", "typed secreT", NULL };
  const char *const once[] = { "typed secret", NULL };
  g_autofree char *other = new_store_dir ();
  const char *const other_args[] = { "--store", other, "init", "--org", "Other", "--kind",
                                     "agency", NULL };

  /* init asks twice; what is typed is never echoed. */
  g_assert_cmpint (run_on_terminal (init_args, twice, &t1), ==, 0);
  g_assert_nonnull (strstr (t1, "Choose a passphrase for the store: "));
  g_assert_nonnull (strstr (t1, "Repeat the passphrase: "));
  g_assert_null (strstr (t1, "typed secret"));
  g_assert_nonnull (strstr (t1, "Created a store for Prompted Council"));

  g_assert_cmpint (run_on_terminal (whoami_args, once, &t2), ==, 0);
  g_assert_nonnull (strstr (t2, "Passphrase: "));
  g_assert_null (strstr (t2, "typed secret"));
  g_assert_nonnull (strstr (t2, "Organisation: Prompted Council"));

  /* identity export asks for the store's passphrase once, then for the
   * backup's twice. */
  {
    g_autofree char *parent = lia_test_make_dir ("prompted-backup");
    g_autofree char *file = g_build_filename (parent, "backup", NULL);
    g_autofree char *t4 = NULL;
    const char *const export_args[] = { "--store", dir, "identity", "export", "-o", file, NULL };
    const char *const three[] = { "typed secret", "backup secret", "backup secret", NULL };

    g_assert_cmpint (run_on_terminal (export_args, three, &t4), ==, 0);
    g_assert_nonnull (strstr (t4, "Passphrase: "));
    g_assert_nonnull (strstr (t4, "Choose a passphrase for the identity backup: "));
    g_assert_nonnull (strstr (t4, "Repeat the passphrase: "));
    g_assert_null (strstr (t4, "backup secret"));
    g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  }

  /* Two different answers: refused, nothing created. */
  g_assert_cmpint (run_on_terminal (other_args, mismatch, &t3), ==, 2);
  g_assert_nonnull (strstr (t3, "The two passphrases are not the same"));
  g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
}

/* ---- bundles and their acknowledgements ------------------------------------ */

/* Runs liaison-cli on the store in @dir; it must exit with @status. */
static LiaTestCliRun *
run_in (const char *dir, int status, const char *const *args)
{
  LiaTestCliRun *run = lia_test_run_cli (PASS, NULL, dir, args);

  if (run->status != status)
    g_test_message ("out: %s\nerr: %s", run->out, run->err);
  g_assert_cmpint (run->status, ==, status);
  return run;
}

#define IN(dir, status, ...) run_in (dir, status, (const char *const[]) { __VA_ARGS__, NULL })

/* The JSON object a run printed. */
static JsonObject *
json_of (LiaTestCliRun *run, JsonNode **node)
{
  g_autoptr (GError) error = NULL;

  *node = json_from_string (run->out, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*node));
  return json_node_get_object (*node);
}

/* The council sends the police a bundle; the police's bundle back
 * acknowledges it; then `bundle export --new` writes only the new note. */
static void
test_bundle_acknowledgement (void)
{
  g_autofree char *council = new_store_dir ();
  g_autofree char *police = new_store_dir ();
  g_autofree char *files = lia_test_make_dir ("bundles");
  g_autofree char *first = g_build_filename (files, "first.liaison", NULL);
  g_autofree char *back = g_build_filename (files, "back.liaison", NULL);
  g_autofree char *later = g_build_filename (files, "later.liaison", NULL);
  g_autofree char *case_id = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *o;

  g_clear_pointer (&node, json_node_unref);
  lia_test_cli_run_free (IN (council, 0, "init", "--org", "Northmoor Council", "--kind",
                             "local-authority"));
  lia_test_cli_run_free (IN (police, 0, "init", "--org", "Northmoor Police", "--kind", "police"));
  {
    g_autoptr (LiaTestCliRun) code = IN (council, 0, "invite");
    g_autoptr (LiaTestCliRun) code2 = IN (police, 0, "invite");

    g_strstrip (code->out);
    g_strstrip (code2->out);
    lia_test_cli_run_free (IN (police, 0, "peer", "add", code->out));
    lia_test_cli_run_free (IN (council, 0, "peer", "add", code2->out));
  }
  {
    g_autoptr (LiaTestCliRun) made = IN (council, 0, "--json", "case", "new", "--title", "Child L",
                                         "--child", "L-1", "--area", "Northmoor", "--aware",
                                         "2026-06-01");

    o = json_of (made, &node);
    case_id = g_strdup (json_object_get_string_member (o, "id"));
    g_clear_pointer (&node, json_node_unref);
  }
  lia_test_cli_run_free (IN (council, 0, "case", "participant", "add", case_id,
                             "Northmoor Police", "--role", "police", "--contact", "P. Constable"));
  lia_test_cli_run_free (IN (council, 0, "case", "share", case_id, "--with", "Northmoor Police",
                             "--categories", "note"));
  lia_test_cli_run_free (IN (council, 0, "record", "add", case_id, "--kind", "note", "--text",
                             "First note"));

  /* Nothing acknowledged yet: --new writes everything, and says so. */
  {
    g_autoptr (LiaTestCliRun) run = IN (council, 0, "bundle", "export", "--for",
                                        "Northmoor Police", "-o", first, "--new");

    g_assert_nonnull (strstr (run->out, "Wrote 2 envelopes for Northmoor Police"));
    g_assert_nonnull (strstr (run->out, "has not acknowledged anything yet"));
  }
  {
    g_autoptr (LiaTestCliRun) run = IN (police, 0, "--json", "bundle", "import", first);

    o = json_of (run, &node);
    g_assert_cmpint (json_object_get_int_member (o, "accepted"), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (o, "acknowledged_by"), ==,
                     "Northmoor Council");
    g_assert_true (json_object_get_null_member (o, "acknowledgement_refused"));
    g_clear_pointer (&node, json_node_unref);
  }

  /* The police has nothing new for the council: a pure acknowledgement. */
  {
    g_autoptr (LiaTestCliRun) run = IN (police, 0, "bundle", "export", "--for",
                                        "Northmoor Council", "-o", back, "--new");

    g_assert_nonnull (strstr (run->out, "Wrote 0 envelopes for Northmoor Council"));
    g_assert_nonnull (strstr (run->out, "Left out 2 envelopes that Northmoor Council already "
                                        "holds"));
  }
  {
    g_autoptr (LiaTestCliRun) run = IN (council, 0, "bundle", "import", back);

    g_assert_nonnull (strstr (run->out, "Accepted 0 envelopes"));
    g_assert_nonnull (strstr (run->out, "Noted what Northmoor Police holds"));
  }

  lia_test_cli_run_free (IN (council, 0, "record", "add", case_id, "--kind", "note", "--text",
                             "Second note"));
  {
    g_autoptr (LiaTestCliRun) run = IN (council, 0, "--json", "bundle", "export", "--for",
                                        "Northmoor Police", "-o", later, "--new");

    o = json_of (run, &node);
    g_assert_cmpint (json_object_get_int_member (o, "envelopes"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (o, "left_out"), ==, 2);
    g_assert_true (json_object_get_boolean_member (o, "acknowledged"));
    g_clear_pointer (&node, json_node_unref);
  }
  {
    g_autoptr (LiaTestCliRun) run = IN (police, 0, "--json", "bundle", "import", later);

    o = json_of (run, &node);
    g_assert_cmpint (json_object_get_int_member (o, "accepted"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (o, "duplicates"), ==, 0);
    g_clear_pointer (&node, json_node_unref);
  }

  /* A bundle made for someone else: its envelopes are held already, its
   * acknowledgement is not noted, and the exit status says so. */
  {
    g_autoptr (LiaTestCliRun) run = IN (council, 2, "bundle", "import", first);

    g_assert_nonnull (strstr (run->err, "made for another organisation"));
  }
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/cli/init-and-whoami", test_init_and_whoami);
  g_test_add_func ("/cli/default-store", test_default_store);
  g_test_add_func ("/cli/init-refused", test_init_refused);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/passphrase-sources", test_passphrase_sources);
  g_test_add_func ("/cli/passphrase-change", test_passphrase_change);
  g_test_add_func ("/cli/store-check", test_store_check);
  g_test_add_func ("/cli/version-and-help", test_version_and_help);
  g_test_add_func ("/cli/prompt", test_prompt);
  g_test_add_func ("/cli/bundle/acknowledgement", test_bundle_acknowledgement);
  g_test_add_func ("/cli/calendar", test_calendar);
  g_test_add_func ("/cli/identity/backup", test_identity_backup);
  g_test_add_func ("/cli/identity/rotate", test_identity_rotate);
  g_test_add_func ("/cli/identity/refusals", test_identity_refusals);

  return g_test_run ();
}
