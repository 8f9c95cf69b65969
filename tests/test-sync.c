/* test-sync.c: the sync engine between real nodes in this process, over
 * ZeroMQ with CURVE on 127.0.0.1 (ports the system picks).
 *
 * Each node is a store and an engine listening on tcp://127.0.0.1:0; the
 * nodes become peers with invite codes that carry the endpoints their
 * engines bound. Tests wait for what they expect by running the main
 * context (where the engines' signals arrive) until it holds, with a
 * deadline that fails the test rather than a sleep.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "lia-exchange.h"
#include "lia-invite.h"
#include "lia-log.h"
#include "lia-peer.h"
#include "lia-record.h"
#include "lia-store-private.h"
#include "lia-sync-engine.h"
#include "lia-test-util.h"

/* Generous: the sanitizer build on a loaded machine is slow. */
#define DEADLINE_S 120

typedef struct
{
  LiaStore      *store;
  LiaSyncEngine *engine;
  guint          finished_ok;
  guint          finished_failed;
  guint          received;
} Node;

static void
sync_finished_cb (LiaSyncEngine *engine,
                  const char    *fingerprint,
                  gboolean       ok,
                  Node          *node)
{
  if (ok)
    node->finished_ok++;
  else
    node->finished_failed++;
}

static void
received_cb (LiaSyncEngine *engine,
             const char    *case_id,
             guint          count,
             Node          *node)
{
  node->received += count;
}

static LiaStore *
make_store (const char *name,
            LiaOrgKind  kind)
{
  g_autofree char *parent = lia_test_make_dir ("sync");
  g_autofree char *dir = g_build_filename (parent, "liaison", NULL);
  g_autoptr (LiaStore) store = lia_store_new (dir);
  g_autoptr (GError) error = NULL;

  lia_store_create (store, name, kind, LIA_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&store);
}

/* Fast timings, so that reconnections and timeouts happen within a test. */
static LiaSyncEngine *
make_engine (LiaStore *store, gboolean listen)
{
  g_autoptr (GError) error = NULL;
  LiaSyncEngine *engine = lia_sync_engine_new (store, listen ? "tcp://127.0.0.1:0" : NULL, &error);

  g_assert_no_error (error);
  g_object_set (engine, "reconnect-min", 50, "reconnect-max", 400, "heartbeat", 200,
                "timeout", 5000, "quarantine", 2000, NULL);
  return engine;
}

static void
node_start (Node *node, gboolean listen)
{
  g_autoptr (GError) error = NULL;

  node->engine = make_engine (node->store, listen);
  g_signal_connect (node->engine, "sync-finished", G_CALLBACK (sync_finished_cb), node);
  g_signal_connect (node->engine, "received", G_CALLBACK (received_cb), node);
  g_assert_true (lia_sync_engine_start (node->engine, &error));
  g_assert_no_error (error);
  if (listen)
    g_assert_true (g_str_has_prefix (lia_sync_engine_get_listen_endpoint (node->engine),
                                     "tcp://127.0.0.1:"));
}

static void
node_stop (Node *node)
{
  if (node->engine != NULL)
    lia_sync_engine_stop (node->engine);
  g_clear_object (&node->engine);
}

static void
node_clear (Node *node)
{
  node_stop (node);
  g_clear_object (&node->store);
}

/* @to adds @from as a peer from @from's invite, which names the endpoint
 * @from's engine listens on (if it has one). */
static void
introduce (Node *from, Node *to)
{
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *endpoint = from->engine != NULL ? lia_sync_engine_get_listen_endpoint (from->engine)
                                              : NULL;
  const char *endpoints[] = { endpoint, NULL };
  g_autofree char *code = lia_store_make_invite (from->store, endpoint ? endpoints : NULL,
                                                 now + 3600, &error);
  g_autoptr (LiaInvite) invite = NULL;
  g_autoptr (LiaPeer) peer = NULL;

  g_assert_no_error (error);
  invite = lia_invite_decode (code, now, &error);
  g_assert_no_error (error);
  peer = lia_store_add_peer (to->store, invite, LIA_PEER_ADD_DEFAULT, &error);
  g_assert_no_error (error);
}

static gboolean
deadline_cb (gpointer data)
{
  g_error ("Timed out after %d s waiting for: %s", DEADLINE_S, (const char *) data);
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the main context until @condition holds. */
static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  guint deadline = g_timeout_add_seconds (DEADLINE_S, deadline_cb, (gpointer) what);

  while (!condition (data))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);
}

static LiaSyncPeerState *
state_of (Node *node, Node *peer)
{
  g_autoptr (GPtrArray) states = lia_sync_engine_dup_peer_states (node->engine);
  g_autofree char *fingerprint = lia_store_dup_fingerprint (peer->store);

  for (guint i = 0; i < states->len; i++)
    {
      LiaSyncPeerState *state = states->pdata[i];

      if (g_str_equal (state->fingerprint, fingerprint))
        return lia_sync_peer_state_copy (state);
    }
  return NULL;
}

typedef struct
{
  Node              *node;
  Node              *peer;
  LiaSyncPeerStatus  status;
} StatusWait;

static gboolean
has_status (gpointer data)
{
  StatusWait *w = data;
  g_autoptr (LiaSyncPeerState) state = state_of (w->node, w->peer);

  return state != NULL && state->status == w->status;
}

static void
wait_status (Node *node, Node *peer, LiaSyncPeerStatus status)
{
  StatusWait w = { node, peer, status };
  g_autofree char *what = g_strdup_printf ("%s to see %s %s",
                                           lia_store_get_org_name (node->store),
                                           lia_store_get_org_name (peer->store),
                                           lia_sync_peer_status_to_string (status));

  wait_until (has_status, &w, what);
}

typedef struct
{
  LiaStore   *store;
  const char *sql;
  gint64      value;
} QueryWait;

static gboolean
query_is (gpointer data)
{
  QueryWait *w = data;

  return lia_test_query_int (w->store, w->sql) == w->value;
}

static void
wait_query (LiaStore *store, const char *sql, gint64 value)
{
  QueryWait w = { store, sql, value };
  g_autofree char *what = g_strdup_printf ("%s: %s = %" G_GINT64_FORMAT,
                                           lia_store_get_org_name (store), sql, value);

  wait_until (query_is, &w, what);
}

static char *
new_case (LiaStore *store, const char *child)
{
  g_autoptr (GError) error = NULL;
  LiaCaseDraft draft = {
    .title = child, .child = child, .area = "Northshire", .aware = "2026-09-01",
    .type = "serious-harm",
  };
  char *id = lia_case_create (store, &draft, "A. Lead", &error);

  g_assert_no_error (error);
  return id;
}

static void
add_participant (LiaStore *store, const char *case_id, LiaStore *who, LiaRole role)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaOrg) org = lia_store_find_org (store, lia_store_get_org_name (who), &error);

  g_assert_no_error (error);
  g_assert_true (lia_case_add_participant (store, case_id, org, role, "A. Contact", NULL, NULL,
                                           &error));
  g_assert_no_error (error);
}

static void
share (LiaStore *store, const char *case_id, LiaStore *with, const char *category)
{
  g_autoptr (GError) error = NULL;
  const char *categories[] = { category, NULL };

  g_assert_true (lia_case_share (store, case_id, lia_store_get_org_name (with), categories, NULL,
                                 &error));
  g_assert_no_error (error);
}

static char *
add_note (LiaStore *store, const char *case_id, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) fields = g_hash_table_new (g_str_hash, g_str_equal);
  char *id;

  g_hash_table_insert (fields, "text", (gpointer) text);
  id = lia_record_add (store, case_id, LIA_RECORD_NOTE, fields, &error);
  g_assert_no_error (error);
  return id;
}

/* ---- two nodes ---------------------------------------------------------------- */

typedef struct
{
  Node council;
  Node police;
} Pair;

static void
pair_setup (Pair *p, gconstpointer data)
{
  p->council.store = make_store ("Northshire Council", LIA_ORG_KIND_LOCAL_AUTHORITY);
  p->police.store = make_store ("Northshire Police", LIA_ORG_KIND_POLICE);
}

static void
pair_teardown (Pair *p, gconstpointer data)
{
  node_clear (&p->council);
  node_clear (&p->police);
}

/* The council shares notes with the police; both engines run; the police
 * end with every note, both sides say up to date, and both logs have it. */
static void
test_two_nodes (Pair *p, gconstpointer data)
{
  g_autofree char *case_id = NULL;
  g_autoptr (LiaSyncPeerState) state = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *listen = NULL;

  node_start (&p->council, TRUE);
  node_start (&p->police, TRUE);
  introduce (&p->council, &p->police);
  introduce (&p->police, &p->council);

  case_id = new_case (p->council.store, "Child S");
  add_participant (p->council.store, case_id, p->police.store, LIA_ROLE_POLICE);
  share (p->council.store, case_id, p->police.store, "note");
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("Note %d", i);

      g_free (add_note (p->council.store, case_id, text));
    }
  lia_sync_engine_kick (p->council.engine);
  lia_sync_engine_kick (p->police.engine);

  wait_query (p->police.store, "SELECT count (*) FROM record", 20);
  wait_status (&p->police, &p->council, LIA_SYNC_PEER_UP_TO_DATE);
  wait_status (&p->council, &p->police, LIA_SYNC_PEER_UP_TO_DATE);
  g_assert_cmpint (lia_test_query_int (p->police.store, "SELECT count (*) FROM lcase"), ==, 1);
  g_assert_cmpuint (p->police.received, >=, 21);

  state = state_of (&p->police, &p->council);
  g_assert_true (state->connected);
  g_assert_cmpint (state->last_sync, >, 0);
  g_assert_null (state->last_error);
  g_assert_cmpint (state->pending_in, ==, 0);
  g_assert_true (lia_log_verify (p->police.store, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lia_test_query_int (p->police.store, "SELECT count (*) FROM disclosure_log "
                                                        "WHERE event = 'received'"), ==, 20);

  /* The endpoint it listens on is kept for status and the GUI. */
  listen = lia_sync_dup_listen_endpoint (p->council.store, &error);
  g_assert_cmpstr (listen, ==, lia_sync_engine_get_listen_endpoint (p->council.engine));

  /* A note made later reaches the police at once after a kick. */
  g_free (add_note (p->council.store, case_id, "Later"));
  lia_sync_engine_kick (p->council.engine);
  wait_query (p->police.store, "SELECT count (*) FROM record", 21);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

#define PAIR(path, func) g_test_add (path, Pair, NULL, pair_setup, func, pair_teardown)
  PAIR ("/sync/two-nodes", test_two_nodes);
  return g_test_run ();
}
