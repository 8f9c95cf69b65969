/* test-peer.c: peers in the store (lia-peer.h), and the invite and peer
 * commands of liaison-cli between two real stores.
 *
 * The stores are made in this process with the cheap key-derivation limits
 * of the tests (lia_test_init()); their key files carry those limits, so
 * liaison-cli unlocks them cheaply too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "lia-case.h"
#include "lia-invite-private.h"
#include "lia-peer.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

#define COUNCIL "Northmoor Borough Council"
#define POLICE  "Northmoor Police"
#define DAY     (24 * 60 * 60)

static gint64
now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* @store's invite, decoded as a peer would. */
static LiaInvite *
invite_of (LiaStore          *store,
           const char *const *endpoints)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *code = lia_store_make_invite (store, endpoints, now () + 7 * DAY, &error);
  LiaInvite *invite;

  g_assert_no_error (error);
  invite = lia_invite_decode (code, now (), &error);
  g_assert_no_error (error);
  return invite;
}

static const guint8 *
identity_key (LiaStore *store)
{
  return g_bytes_get_data (lia_store_get_identity_public_key (store), NULL);
}

static gint64
count_orgs (LiaStore *store)
{
  return lia_test_query_int (store, "SELECT count(*) FROM org");
}

/* ---- the store ----------------------------------------------------------------------- */

typedef struct
{
  LiaStore *council;
  LiaStore *police;
} Stores;

static void
stores_setup (Stores *s, gconstpointer data)
{
  s->council = lia_test_create_store_of_kind (COUNCIL, LIA_ORG_KIND_LOCAL_AUTHORITY);
  s->police = lia_test_create_store_of_kind (POLICE, LIA_ORG_KIND_POLICE);
}

static void
stores_teardown (Stores *s, gconstpointer data)
{
  g_clear_object (&s->council);
  g_clear_object (&s->police);
}

static void
test_add (Stores *s, gconstpointer data)
{
  const char *const endpoints[] = { "tcp://127.0.0.1:7310", "tcp://[::1]:7310", NULL };
  g_autoptr (LiaInvite) invite = invite_of (s->police, endpoints);
  g_autoptr (LiaPeer) peer = NULL;
  g_autoptr (LiaPeer) found = NULL;
  g_autoptr (GPtrArray) peers = NULL;
  g_autoptr (GPtrArray) current = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *fingerprint = lia_store_dup_fingerprint (s->police);
  g_autofree char *number = NULL;
  g_autofree char *theirs = NULL;
  const LiaPeer *listed;

  g_assert_cmpint (lia_peer_status_for_key (s->council, identity_key (s->police), &error), ==,
                   LIA_PEER_STATUS_UNKNOWN);
  g_assert_no_error (error);

  peer = lia_store_add_peer (s->council, invite, LIA_PEER_ADD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (peer->org->name, ==, POLICE);
  g_assert_cmpint (peer->org->kind, ==, LIA_ORG_KIND_POLICE);
  g_assert_cmpstr (peer->org->fingerprint, ==, fingerprint);
  g_assert_false (peer->org->is_self);
  g_assert_cmpmem (peer->sign_public, 32, identity_key (s->police), 32);
  g_assert_cmpmem (peer->box_public, 32,
                   g_bytes_get_data (lia_store_get_box_public_key (s->police), NULL), 32);
  g_assert_cmpmem (peer->curve_public, 32,
                   g_bytes_get_data (lia_store_get_curve_public_key (s->police), NULL), 32);
  g_assert_cmpuint (g_strv_length (peer->endpoints), ==, 2);
  g_assert_cmpstr (peer->endpoints[0], ==, endpoints[0]);
  g_assert_cmpstr (peer->endpoints[1], ==, endpoints[1]);
  g_assert_cmpint (peer->peer_since, >=, now () - 5);
  g_assert_cmpint (peer->verified_at, ==, 0);
  g_assert_null (peer->verified_by);
  g_assert_cmpint (peer->revoked_at, ==, 0);

  g_assert_cmpint (lia_peer_status_for_key (s->council, identity_key (s->police), &error), ==,
                   LIA_PEER_STATUS_KNOWN);
  g_assert_no_error (error);
  /* This organisation's own key counts as known: it writes envelopes too. */
  g_assert_cmpint (lia_peer_status_for_key (s->council, identity_key (s->council), &error), ==,
                   LIA_PEER_STATUS_KNOWN);

  /* The signatures binding the keys are kept with them (row 1, this
   * organisation's own, has its own). */
  g_assert_cmpint (lia_test_query_int (s->council, "SELECT count(*) FROM org WHERE id <> 1 AND "
                                                   "length (box_signature) = 64 AND "
                                                   "length (curve_signature) = 64"),
                   ==, 1);

  peers = lia_store_list_peers (s->council, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (peers->len, ==, 1);
  current = lia_store_current_peers (s->council, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (current->len, ==, 1);
  listed = current->pdata[0];
  g_assert_cmpmem (listed->box_public, 32, peer->box_public, 32);

  /* By the start of its name, or its fingerprint without spaces. */
  found = lia_store_find_peer (s->council, "northmoor p", &error);
  g_assert_no_error (error);
  g_assert_cmpint (found->org->id, ==, peer->org->id);
  g_clear_pointer (&found, lia_peer_free);
  {
    GString *compact = g_string_new (NULL);

    for (const char *p = fingerprint; *p != '\0'; p++)
      if (*p != ' ')
        g_string_append_c (compact, g_ascii_tolower (*p));
    found = lia_store_find_peer (s->council, compact->str, &error);
    g_string_free (compact, TRUE);
    g_assert_no_error (error);
    g_assert_cmpint (found->org->id, ==, peer->org->id);
  }

  /* The same number on both sides. */
  {
    g_autoptr (LiaInvite) back = invite_of (s->council, NULL);
    g_autoptr (LiaPeer) council = lia_store_add_peer (s->police, back, LIA_PEER_ADD_DEFAULT,
                                                      &error);

    g_assert_no_error (error);
    number = lia_store_peer_safety_number (s->council, peer);
    theirs = lia_store_peer_safety_number (s->police, council);
    g_assert_cmpstr (number, ==, theirs);
    g_assert_cmpuint (g_strv_length (council->endpoints), ==, 0);
  }
}

static void
test_add_refused (Stores *s, gconstpointer data)
{
  g_autoptr (LiaInvite) own = invite_of (s->council, NULL);
  g_autoptr (LiaInvite) police = invite_of (s->police, NULL);
  g_autoptr (LiaPeer) peer = NULL;
  g_autoptr (LiaPeer) again = NULL;
  g_autoptr (GError) error = NULL;
  gint64 before = count_orgs (s->council);

  g_assert_null (lia_store_add_peer (s->council, own, LIA_PEER_ADD_DEFAULT, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "own invite code"));
  g_clear_error (&error);
  g_assert_cmpint (count_orgs (s->council), ==, before);

  peer = lia_store_add_peer (s->council, police, LIA_PEER_ADD_DEFAULT, &error);
  g_assert_no_error (error);
  again = lia_store_add_peer (s->council, police, LIA_PEER_ADD_READMIT, &error);
  g_assert_null (again);
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, POLICE " is already a peer"));
  g_clear_error (&error);
  g_assert_cmpint (count_orgs (s->council), ==, before + 1);

  /* A key binding that does not verify, whoever built the invite. */
  police->box_public[0] ^= 1;
  g_assert_null (lia_store_add_peer (s->council, police, LIA_PEER_ADD_DEFAULT, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID);
}

/* An organisation added by name before its invite arrived keeps its row,
 * and so its place on cases. */
static void
test_add_known_by_name (Stores *s, gconstpointer data)
{
  g_autoptr (LiaOrg) named = NULL;
  g_autoptr (LiaInvite) invite = invite_of (s->police, NULL);
  g_autoptr (LiaPeer) peer = NULL;
  g_autoptr (GError) error = NULL;
  gint64 before;

  named = lia_store_add_org (s->council, "NORTHMOOR POLICE", LIA_ORG_KIND_AGENCY, &error);
  g_assert_no_error (error);
  before = count_orgs (s->council);

  /* Not a peer yet. */
  g_assert_null (lia_store_find_peer (s->council, "Northmoor P", &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "known by name only"));
  g_clear_error (&error);

  peer = lia_store_add_peer (s->council, invite, LIA_PEER_ADD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpint (peer->org->id, ==, named->id);
  g_assert_cmpint (count_orgs (s->council), ==, before);
  /* The invite's name and kind, signed by the organisation, win. */
  g_assert_cmpstr (peer->org->name, ==, POLICE);
  g_assert_cmpint (peer->org->kind, ==, LIA_ORG_KIND_POLICE);
}

static void
test_name_clash (Stores *s, gconstpointer data)
{
  g_autoptr (LiaStore) impostor = lia_test_create_store_of_kind (POLICE, LIA_ORG_KIND_POLICE);
  g_autoptr (LiaStore) namesake = lia_test_create_store_of_kind (COUNCIL, LIA_ORG_KIND_LOCAL_AUTHORITY);
  g_autoptr (LiaInvite) police = invite_of (s->police, NULL);
  g_autoptr (LiaInvite) other = invite_of (impostor, NULL);
  g_autoptr (LiaInvite) same_as_self = invite_of (namesake, NULL);
  g_autoptr (LiaPeer) peer = NULL;
  g_autoptr (LiaPeer) newer = NULL;
  g_autoptr (LiaPeer) old = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *old_fingerprint = lia_store_dup_fingerprint (s->police);
  g_autofree char *renamed = NULL;

  peer = lia_store_add_peer (s->council, police, LIA_PEER_ADD_DEFAULT, &error);
  g_assert_no_error (error);

  /* Same name, another key, while the first is a current peer. */
  g_assert_null (lia_store_add_peer (s->council, other, LIA_PEER_ADD_DEFAULT, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "already a peer with another identity key"));
  g_assert_nonnull (strstr (error->message, old_fingerprint));
  g_clear_error (&error);

  /* This organisation's own name. */
  g_assert_null (lia_store_add_peer (s->council, same_as_self, LIA_PEER_ADD_DEFAULT, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "this organisation's own name"));
  g_clear_error (&error);

  /* Once the first is removed, the new identity may have the name; the
   * old row stays, renamed after its key. */
  g_assert_true (lia_store_revoke_peer (s->council, peer, &error));
  g_assert_no_error (error);
  newer = lia_store_add_peer (s->council, other, LIA_PEER_ADD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (newer->org->name, ==, POLICE);
  g_assert_cmpint (newer->org->id, !=, peer->org->id);
  renamed = g_strdup_printf (POLICE " (old key %.9s)", old_fingerprint);
  old = lia_store_find_peer (s->council, renamed, &error);
  g_assert_no_error (error);
  g_assert_cmpint (old->org->id, ==, peer->org->id);
  g_assert_cmpint (old->revoked_at, !=, 0);
  g_assert_cmpint (lia_peer_status_for_key (s->council, identity_key (s->police), NULL), ==,
                   LIA_PEER_STATUS_REVOKED);
  g_assert_cmpint (lia_peer_status_for_key (s->council, identity_key (impostor), NULL), ==,
                   LIA_PEER_STATUS_KNOWN);
}

static void
test_verify_and_revoke (Stores *s, gconstpointer data)
{
  g_autoptr (LiaInvite) invite = invite_of (s->police, NULL);
  g_autoptr (LiaPeer) peer = NULL;
  g_autoptr (LiaPeer) back = NULL;
  g_autoptr (LiaPeer) reread = NULL;
  g_autoptr (GPtrArray) current = NULL;
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GError) error = NULL;

  peer = lia_store_add_peer (s->council, invite, LIA_PEER_ADD_DEFAULT, &error);
  g_assert_no_error (error);

  g_assert_false (lia_store_verify_peer (s->council, peer, "  ", &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING);
  g_clear_error (&error);
  g_assert_true (lia_store_verify_peer (s->council, peer, " Ann Lead ", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (peer->verified_by, ==, "Ann Lead");
  g_assert_cmpint (peer->verified_at, >=, now () - 5);
  reread = lia_store_find_peer (s->council, POLICE, &error);
  g_assert_cmpstr (reread->verified_by, ==, "Ann Lead");
  g_assert_cmpint (reread->verified_at, ==, peer->verified_at);

  g_assert_true (lia_store_revoke_peer (s->council, peer, &error));
  g_assert_no_error (error);
  g_assert_cmpint (peer->revoked_at, >=, now () - 5);
  g_assert_cmpint (lia_peer_status_for_key (s->council, identity_key (s->police), &error), ==,
                   LIA_PEER_STATUS_REVOKED);
  current = lia_store_current_peers (s->council, &error);
  g_assert_cmpuint (current->len, ==, 0);
  all = lia_store_list_peers (s->council, &error);
  g_assert_cmpuint (all->len, ==, 1);

  /* Nothing more happens to a removed peer. */
  g_assert_false (lia_store_revoke_peer (s->council, peer, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "removed again"));
  g_clear_error (&error);
  g_assert_false (lia_store_verify_peer (s->council, peer, "Ann Lead", &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_clear_error (&error);

  /* Its invite brings it back only when asked, and unverified. */
  g_assert_null (lia_store_add_peer (s->council, invite, LIA_PEER_ADD_DEFAULT, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "--readmit"));
  g_clear_error (&error);
  back = lia_store_add_peer (s->council, invite, LIA_PEER_ADD_READMIT, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->org->id, ==, peer->org->id);
  g_assert_cmpint (back->revoked_at, ==, 0);
  g_assert_cmpint (back->verified_at, ==, 0);
  g_assert_null (back->verified_by);
  g_assert_cmpint (lia_peer_status_for_key (s->council, identity_key (s->police), &error), ==,
                   LIA_PEER_STATUS_KNOWN);
}

static void
test_find_self (Stores *s, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (lia_store_find_peer (s->council, COUNCIL, &error));
  g_assert_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_ALLOWED);
  g_assert_nonnull (strstr (error->message, "is this organisation"));
}

static void
test_status_locked (Stores *s, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint8 key[32];

  randombytes_buf (key, sizeof key);
  lia_store_lock (s->council);
  g_assert_cmpint (lia_peer_status_for_key (s->council, key, &error), ==,
                   LIA_PEER_STATUS_UNKNOWN);
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED);
}

static void
test_make_invite (Stores *s, gconstpointer data)
{
  const char *const bad[] = { "tcp://host:0", NULL };
  g_autoptr (LiaInvite) invite = invite_of (s->council, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpstr (invite->name, ==, COUNCIL);
  g_assert_cmpint (invite->kind, ==, LIA_ORG_KIND_LOCAL_AUTHORITY);
  g_assert_cmpmem (invite->sign_public, 32, identity_key (s->council), 32);
  g_assert_cmpint (invite->expires - invite->created, ==, 7 * DAY);

  code = lia_store_make_invite (s->council, bad, now () + DAY, &error);
  g_assert_null (code);
  g_assert_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID);
  g_clear_error (&error);
  code = lia_store_make_invite (s->council, NULL, now () + LIA_INVITE_MAX_VALIDITY + 60, &error);
  g_assert_null (code);
  g_assert_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID);
  g_clear_error (&error);
  code = lia_store_make_invite (s->council, NULL, now () - 1, &error);
  g_assert_null (code);
  g_assert_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "already expired"));
}

/* ---- liaison-cli ------------------------------------------------------------------------ */

typedef struct
{
  char *council;      /* store directories */
  char *police;
  char *council_fingerprint;
  char *police_fingerprint;
} Cli;

static void
cli_setup (Cli *c, gconstpointer data)
{
  g_autoptr (LiaStore) council = lia_test_create_store_of_kind (COUNCIL, LIA_ORG_KIND_LOCAL_AUTHORITY);
  g_autoptr (LiaStore) police = lia_test_create_store_of_kind (POLICE, LIA_ORG_KIND_POLICE);

  c->council = g_strdup (lia_store_get_directory (council));
  c->police = g_strdup (lia_store_get_directory (police));
  c->council_fingerprint = lia_store_dup_fingerprint (council);
  c->police_fingerprint = lia_store_dup_fingerprint (police);
  /* liaison-cli opens them from here on. */
  lia_store_lock (council);
  lia_store_lock (police);
}

static void
cli_teardown (Cli *c, gconstpointer data)
{
  g_free (c->council);
  g_free (c->police);
  g_free (c->council_fingerprint);
  g_free (c->police_fingerprint);
}

#define CLI(store, ...) \
  lia_test_run_cli (LIA_TEST_PASSPHRASE, NULL, (store), (const char *const[]) { __VA_ARGS__, NULL })
#define CLI_JSON(store, ...) cli_json ((store), (const char *const[]) { "--json", __VA_ARGS__, NULL })

static JsonNode *
cli_json (const char        *store,
          const char *const *args)
{
  g_autoptr (LiaTestCliRun) run = lia_test_run_cli (LIA_TEST_PASSPHRASE, NULL, store, args);
  g_autoptr (GError) error = NULL;
  JsonNode *node;

  g_assert_cmpstr (run->err, ==, "");
  g_assert_cmpint (run->status, ==, 0);
  g_assert_true (g_str_has_suffix (run->out, "\n"));
  /* One line of JSON. */
  g_assert_true (strchr (run->out, '\n') == run->out + strlen (run->out) - 1);
  node = json_from_string (run->out, &error);
  g_assert_no_error (error);
  return node;
}

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_STRING);
  return json_node_get_string (node);
}

static gboolean
bool_member (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_BOOLEAN);
  return json_node_get_boolean (node);
}

static void
assert_null_member (JsonObject *object,
                    const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_NULL (node));
}

/* A peer object: every member, with its type. */
static void
assert_peer (JsonObject        *peer,
             const char        *name,
             const char        *kind,
             const char        *fingerprint,
             const char *const *endpoints,
             const char        *verified_by,
             gboolean           revoked)
{
  JsonArray *array;
  guint n = endpoints != NULL ? g_strv_length ((char **) endpoints) : 0;
  GDateTime *since;

  g_assert_cmpuint (json_object_get_size (peer), ==, 10);
  g_assert_cmpstr (string_member (peer, "name"), ==, name);
  g_assert_cmpstr (string_member (peer, "kind"), ==, kind);
  g_assert_cmpstr (string_member (peer, "fingerprint"), ==, fingerprint);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (peer, "endpoints")));
  array = json_object_get_array_member (peer, "endpoints");
  g_assert_cmpuint (json_array_get_length (array), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (json_array_get_string_element (array, i), ==, endpoints[i]);
  since = g_date_time_new_from_iso8601 (string_member (peer, "peer_since"), NULL);
  g_assert_nonnull (since);
  g_date_time_unref (since);
  g_assert_true (g_str_has_suffix (string_member (peer, "peer_since"), "Z"));
  if (verified_by != NULL)
    {
      g_assert_true (bool_member (peer, "verified"));
      g_assert_cmpstr (string_member (peer, "verified_by"), ==, verified_by);
      g_assert_cmpuint (strlen (string_member (peer, "verified_at")), ==, 20);
    }
  else
    {
      g_assert_false (bool_member (peer, "verified"));
      assert_null_member (peer, "verified_by");
      assert_null_member (peer, "verified_at");
    }
  g_assert_cmpint (bool_member (peer, "revoked"), ==, revoked);
  if (revoked)
    g_assert_cmpuint (strlen (string_member (peer, "revoked_at")), ==, 20);
  else
    assert_null_member (peer, "revoked_at");
}

/* `invite` prints the code and nothing else, on one line. */
static char *
cli_invite (const char *store,
            const char *endpoint)
{
  g_autoptr (LiaTestCliRun) run = endpoint != NULL ? CLI (store, "invite", "--endpoint", endpoint)
                                                   : CLI (store, "invite");

  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");
  g_assert_true (g_str_has_prefix (run->out, LIA_INVITE_PREFIX));
  g_assert_true (g_str_has_suffix (run->out, "\n"));
  g_assert_true (strchr (run->out, '\n') == run->out + strlen (run->out) - 1);
  return g_strndup (run->out, strlen (run->out) - 1);
}

static void
test_cli_exchange (Cli *c, gconstpointer data)
{
  const char *const council_endpoints[] = { "tcp://127.0.0.1:7310", NULL };
  const char *const police_endpoints[] = { "tcp://127.0.0.1:7311", "tcp://[::1]:7311", NULL };
  g_autofree char *council_code = cli_invite (c->council, council_endpoints[0]);
  g_autoptr (JsonNode) police_invite = CLI_JSON (c->police, "invite", "--endpoint",
                                                 police_endpoints[0], "--endpoint",
                                                 police_endpoints[1], "--expires", "12h");
  g_autoptr (JsonNode) council_adds = NULL;
  g_autoptr (JsonNode) police_adds = NULL;
  g_autoptr (JsonNode) council_number = NULL;
  g_autoptr (JsonNode) police_number = NULL;
  g_autoptr (JsonNode) verified = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) removed = NULL;
  g_autoptr (JsonNode) after = NULL;
  g_autoptr (LiaTestCliRun) human = NULL;
  g_autoptr (LiaTestCliRun) human_list = NULL;
  g_autoptr (LiaStore) council = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) created = NULL;
  g_autoptr (GDateTime) expires = NULL;
  JsonObject *invite = json_node_get_object (police_invite);
  const char *police_code = string_member (invite, "invite");
  const char *number;
  JsonArray *peers;

  /* invite --json: the code and what it says. */
  g_assert_true (g_str_has_prefix (police_code, LIA_INVITE_PREFIX));
  g_assert_cmpstr (string_member (invite, "name"), ==, POLICE);
  g_assert_cmpstr (string_member (invite, "kind"), ==, "police");
  g_assert_cmpstr (string_member (invite, "fingerprint"), ==, c->police_fingerprint);
  created = g_date_time_new_from_iso8601 (string_member (invite, "created"), NULL);
  expires = g_date_time_new_from_iso8601 (string_member (invite, "expires"), NULL);
  g_assert_cmpint (g_date_time_difference (expires, created), ==, 12 * G_TIME_SPAN_HOUR);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (invite, "endpoints")),
                    ==, 2);

  /* Each adds the other. */
  council_adds = CLI_JSON (c->council, "peer", "add", police_code);
  police_adds = CLI_JSON (c->police, "peer", "add", council_code);
  assert_peer (object_member (json_node_get_object (council_adds), "peer"), POLICE, "police",
               c->police_fingerprint, police_endpoints, NULL, FALSE);
  assert_peer (object_member (json_node_get_object (police_adds), "peer"), COUNCIL,
               "local-authority", c->council_fingerprint, council_endpoints, NULL, FALSE);

  /* Both print the same safety number, and it is the one add showed. */
  council_number = CLI_JSON (c->council, "peer", "safety-number", "Northmoor P");
  police_number = CLI_JSON (c->police, "peer", "safety-number", c->council_fingerprint);
  number = string_member (json_node_get_object (council_number), "safety_number");
  g_assert_cmpuint (strlen (number), ==, 71);
  g_assert_cmpstr (number, ==,
                   string_member (json_node_get_object (police_number), "safety_number"));
  g_assert_cmpstr (number, ==,
                   string_member (json_node_get_object (council_adds), "safety_number"));
  g_assert_cmpstr (number, ==,
                   string_member (json_node_get_object (police_adds), "safety_number"));
  human = CLI (c->police, "peer", "safety-number", "Northmoor B");
  g_assert_cmpint (human->status, ==, 0);
  {
    g_auto (GStrv) groups = g_strsplit (number, " ", -1);
    g_autofree char *row = g_strdup_printf ("    %s %s %s %s\n", groups[4], groups[5], groups[6],
                                            groups[7]);

    g_assert_nonnull (strstr (human->out, row));
  }

  verified = CLI_JSON (c->council, "peer", "verify", POLICE, "--by", "Ann Lead");
  assert_peer (object_member (json_node_get_object (verified), "peer"), POLICE, "police",
               c->police_fingerprint, police_endpoints, "Ann Lead", FALSE);

  list = CLI_JSON (c->council, "peer", "list");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (list));
  peers = json_node_get_array (list);
  g_assert_cmpuint (json_array_get_length (peers), ==, 1);
  assert_peer (json_array_get_object_element (peers, 0), POLICE, "police", c->police_fingerprint,
               police_endpoints, "Ann Lead", FALSE);
  human_list = CLI (c->council, "peer", "list");
  g_assert_nonnull (strstr (human_list->out, "verified by Ann Lead on "));

  removed = CLI_JSON (c->council, "peer", "remove", "northmoor police");
  assert_peer (object_member (json_node_get_object (removed), "peer"), POLICE, "police",
               c->police_fingerprint, police_endpoints, "Ann Lead", TRUE);
  after = CLI_JSON (c->council, "peer", "list");
  assert_peer (json_array_get_object_element (json_node_get_array (after), 0), POLICE, "police",
               c->police_fingerprint, police_endpoints, "Ann Lead", TRUE);

  /* What the connection and envelope checks will see. */
  council = lia_store_open (c->council, LIA_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr (LiaStore) police = lia_store_open (c->police, LIA_TEST_PASSPHRASE, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpint (lia_peer_status_for_key (council, identity_key (police), &error), ==,
                     LIA_PEER_STATUS_REVOKED);
    g_assert_cmpint (lia_peer_status_for_key (police, identity_key (council), &error), ==,
                     LIA_PEER_STATUS_KNOWN);
    g_assert_no_error (error);
  }
}

/* A refused command: its exit status, a message that says why, nothing on
 * standard output, and the store as it was. */
static void
assert_refused (const char        *store,
                const char *const *args,
                int                status,
                const char        *needle)
{
  g_autoptr (GHashTable) before = lia_test_hash_dir (store);
  g_autoptr (LiaTestCliRun) run = lia_test_run_cli (LIA_TEST_PASSPHRASE, NULL, store, args);

  if (run->status != status || strstr (run->err, needle) == NULL)
    g_error ("liaison-cli %s %s: exit %d, “%s”; expected %d and “%s”", args[0], args[1],
             run->status, run->err, status, needle);
  g_assert_cmpstr (run->out, ==, "");
  g_assert_true (g_str_has_prefix (run->err, "liaison-cli: "));
  if (status == 1)
    g_assert_nonnull (strstr (run->err, "Run “liaison-cli --help” for usage."));
  lia_test_assert_dir_unchanged (before, store);
}

#define REFUSED(store, status, needle, ...) \
  assert_refused ((store), (const char *const[]) { __VA_ARGS__, NULL }, (status), (needle))

/* An invite of @dir's store made in this process: created @age seconds
 * ago, valid for @validity; signed by the store's key unless @forger. */
static char *
make_code (const char *dir,
           gint64      age,
           gint64      validity,
           LiaStore   *forger)
{
  g_autoptr (LiaStore) store = lia_store_open (dir, LIA_TEST_PASSPHRASE, NULL, NULL);
  g_autoptr (LiaInvite) invite = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *code = lia_store_make_invite (store, NULL, now () + DAY, &error);

  g_assert_no_error (error);
  invite = lia_invite_decode (code, now (), &error);
  g_assert_no_error (error);
  invite->created = now () - age;
  invite->expires = invite->created + validity;
  if (forger == NULL)
    return lia_invite_encode (invite, lia_store_get_sign_secret (store), &error);
  {
    g_autoptr (GBytes) payload = lia_invite_sign_body (lia_invite_body_to_variant (invite),
                                                       lia_store_get_sign_secret (forger));
    gsize len;
    const guint8 *bytes = g_bytes_get_data (payload, &len);

    return lia_invite_frame (LIA_INVITE_VERSION, bytes, len);
  }
}

static void
test_cli_refused (Cli *c, gconstpointer data)
{
  g_autoptr (LiaStore) forger = lia_test_create_store_of_kind (POLICE, LIA_ORG_KIND_POLICE);
  g_autofree char *police_code = cli_invite (c->police, NULL);
  g_autofree char *own_code = cli_invite (c->council, NULL);
  g_autofree char *expired = make_code (c->police, 8 * DAY, 7 * DAY, NULL);
  g_autofree char *forged = make_code (c->police, 60, DAY, forger);
  g_autofree char *typo = g_strdup (police_code);
  g_autofree char *truncated = g_strndup (police_code, strlen (police_code) - 1);
  g_autofree char *expired_on = NULL;

  lia_store_lock (forger);
  /* A neighbouring letter, as a finger slips. */
  typo[40] = typo[40] == 'Q' ? 'W' : 'Q';
  {
    g_autoptr (GDateTime) then = g_date_time_new_from_unix_utc (now () - DAY);

    /* The minute may turn while the test runs; the day is enough. */
    expired_on = g_date_time_format (then, "expired on %Y-%m-%d");
  }

  REFUSED (c->council, 2, "This invite code from " POLICE " expired on", "peer", "add", expired);
  REFUSED (c->council, 2, expired_on, "peer", "add", expired);
  REFUSED (c->council, 2, "ask " POLICE " for a new one", "peer", "add", expired);
  REFUSED (c->council, 1, "mistyped or damaged", "peer", "add", typo);
  REFUSED (c->council, 1, "mistyped or incomplete", "peer", "add", truncated);
  REFUSED (c->council, 2, "signature does not match", "peer", "add", forged);
  REFUSED (c->council, 1, "not a Liaison invite code", "peer", "add", "hello");
  REFUSED (c->council, 2, "own invite code", "peer", "add", own_code);

  json_node_unref (CLI_JSON (c->council, "peer", "add", police_code));
  REFUSED (c->council, 2, POLICE " is already a peer", "peer", "add", police_code);

  /* After removal: back only with --readmit. */
  json_node_unref (CLI_JSON (c->council, "peer", "remove", POLICE));
  REFUSED (c->council, 2, "was removed as a peer on", "peer", "add", police_code);
  REFUSED (c->council, 2, "cannot be verified", "peer", "verify", POLICE);
  REFUSED (c->council, 2, "cannot be removed again", "peer", "remove", POLICE);
  {
    g_autoptr (JsonNode) back = CLI_JSON (c->council, "peer", "add", "--readmit", police_code);

    assert_peer (object_member (json_node_get_object (back), "peer"), POLICE, "police",
                 c->police_fingerprint, NULL, NULL, FALSE);
  }

  /* Names that are no peer. */
  json_node_unref (CLI_JSON (c->council, "org", "add", "Ashgrove School", "--kind", "agency"));
  REFUSED (c->council, 2, "known by name only", "peer", "safety-number", "Ashgrove");
  REFUSED (c->council, 2, "is this organisation", "peer", "verify", COUNCIL);
  REFUSED (c->council, 2, "No known organisation is called", "peer", "remove", "Nobody");
}

static void
test_cli_usage (Cli *c, gconstpointer data)
{
  REFUSED (c->council, 1, "“tcp://host:0” is not an endpoint", "invite", "--endpoint",
           "tcp://host:0");
  REFUSED (c->council, 1, "“localhost:7310” is not an endpoint", "invite", "--endpoint",
           "localhost:7310");
  REFUSED (c->council, 1, "at most 90 days, not 91d", "invite", "--expires", "91d");
  REFUSED (c->council, 1, "“0d” is not a duration", "invite", "--expires", "0d");
  REFUSED (c->council, 1, "“7w” is not a duration", "invite", "--expires", "7w");
  REFUSED (c->council, 1, "“d” is not a duration", "invite", "--expires", "d");
  REFUSED (c->council, 1, "“-5m” is not a duration", "invite", "--expires", "-5m");
  REFUSED (c->council, 1, "at most 8 endpoints, not 9", "invite", "--endpoint", "tcp://a.b:1",
           "--endpoint", "tcp://a.b:2", "--endpoint", "tcp://a.b:3", "--endpoint", "tcp://a.b:4",
           "--endpoint", "tcp://a.b:5", "--endpoint", "tcp://a.b:6", "--endpoint", "tcp://a.b:7",
           "--endpoint", "tcp://a.b:8", "--endpoint", "tcp://a.b:9");
  REFUSED (c->council, 1, "Usage: liaison-cli peer add CODE", "peer", "add");
  REFUSED (c->council, 1, "Usage: liaison-cli peer verify ORG", "peer", "verify");

  /* A short validity and the longest. */
  {
    g_autoptr (JsonNode) short_code = CLI_JSON (c->council, "invite", "--expires", "30m");
    g_autoptr (JsonNode) long_code = CLI_JSON (c->council, "invite", "--expires", "90d");
    g_autoptr (GDateTime) a = g_date_time_new_from_iso8601 (
      string_member (json_node_get_object (short_code), "created"), NULL);
    g_autoptr (GDateTime) b = g_date_time_new_from_iso8601 (
      string_member (json_node_get_object (short_code), "expires"), NULL);
    g_autoptr (GDateTime) c90 = g_date_time_new_from_iso8601 (
      string_member (json_node_get_object (long_code), "created"), NULL);
    g_autoptr (GDateTime) d90 = g_date_time_new_from_iso8601 (
      string_member (json_node_get_object (long_code), "expires"), NULL);

    g_assert_cmpint (g_date_time_difference (b, a), ==, 30 * G_TIME_SPAN_MINUTE);
    g_assert_cmpint (g_date_time_difference (d90, c90), ==, 90 * G_TIME_SPAN_DAY);
  }
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

#define STORES(path, func) g_test_add (path, Stores, NULL, stores_setup, func, stores_teardown)
#define CLI_TEST(path, func) g_test_add (path, Cli, NULL, cli_setup, func, cli_teardown)
  STORES ("/peer/add", test_add);
  STORES ("/peer/add/refused", test_add_refused);
  STORES ("/peer/add/known-by-name", test_add_known_by_name);
  STORES ("/peer/add/name-clash", test_name_clash);
  STORES ("/peer/verify-and-revoke", test_verify_and_revoke);
  STORES ("/peer/find/self", test_find_self);
  STORES ("/peer/status/locked", test_status_locked);
  STORES ("/peer/make-invite", test_make_invite);
  CLI_TEST ("/peer/cli/exchange", test_cli_exchange);
  CLI_TEST ("/peer/cli/refused", test_cli_refused);
  CLI_TEST ("/peer/cli/usage", test_cli_usage);
  return g_test_run ();
}
