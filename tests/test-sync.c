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

#include <zmq.h>

#include "lia-attachment.h"
#include "lia-exchange.h"
#include "lia-identity.h"
#include "lia-invite.h"
#include "lia-log.h"
#include "lia-peer.h"
#include "lia-record.h"
#include "lia-store-private.h"
#include "lia-holdings.h"
#include "lia-sync-engine.h"
#include "lia-sync-message.h"
#include "lia-test-util.h"
#include "lia-test-world.h"

/* Generous: the sanitizer build on a loaded machine is slow. */
#define DEADLINE_S 120

/* ---- the engines' log ------------------------------------------------------- */

/* What the engines log (warnings about peers are expected here, and are
 * what some tests look for), kept instead of printed; anything else that
 * is a warning or worse still fails the test. */
static GMutex log_lock;
static GPtrArray *log_lines;

static void
log_handler (const char     *domain,
             GLogLevelFlags  level,
             const char     *message,
             gpointer        data)
{
  if (g_strcmp0 (domain, "liaison-sync") != 0
      || (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)))
    {
      g_log_default_handler (domain, level, message, data);
      if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
        g_error ("Unexpected: %s", message);
      return;
    }
  g_mutex_lock (&log_lock);
  g_ptr_array_add (log_lines, g_strdup (message));
  g_mutex_unlock (&log_lock);
  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE))
    g_test_message ("%s", message);
}

static gboolean
logged (const char *needle)
{
  gboolean found = FALSE;

  g_mutex_lock (&log_lock);
  for (guint i = 0; i < log_lines->len && !found; i++)
    found = strstr (log_lines->pdata[i], needle) != NULL;
  g_mutex_unlock (&log_lock);
  return found;
}

static void
log_clear (void)
{
  g_mutex_lock (&log_lock);
  g_ptr_array_set_size (log_lines, 0);
  g_mutex_unlock (&log_lock);
}

typedef struct
{
  LiaStore      *store;
  LiaSyncEngine *engine;
  guint          finished_ok;
  guint          finished_failed;
  guint          received;
  guint          chunks;     /* chunks of attachments stored */
  GHashTable    *finished;   /* fingerprint -> syncs with it finished, ok or not */
  GHashTable    *last_ok;    /* fingerprint -> whether the last one was ok */
} Node;

static void
sync_finished_cb (LiaSyncEngine *engine,
                  const char    *fingerprint,
                  gboolean       ok,
                  Node          *node)
{
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (node->finished, fingerprint));

  if (ok)
    node->finished_ok++;
  else
    node->finished_failed++;
  g_hash_table_replace (node->finished, g_strdup (fingerprint), GUINT_TO_POINTER (count + 1));
  g_hash_table_replace (node->last_ok, g_strdup (fingerprint), GINT_TO_POINTER (ok));
}

static void
received_cb (LiaSyncEngine *engine,
             const char    *case_id,
             guint          count,
             Node          *node)
{
  node->received += count;
}

static void
chunks_received_cb (LiaSyncEngine *engine,
                    const char    *fingerprint,
                    guint          count,
                    Node          *node)
{
  node->chunks += count;
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
node_watch (Node *node)
{
  if (node->finished == NULL)
    {
      node->finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      node->last_ok = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    }
}

static void
node_start (Node *node, gboolean listen)
{
  g_autoptr (GError) error = NULL;

  node_watch (node);
  node->engine = make_engine (node->store, listen);
  g_signal_connect (node->engine, "sync-finished", G_CALLBACK (sync_finished_cb), node);
  g_signal_connect (node->engine, "received", G_CALLBACK (received_cb), node);
  g_signal_connect (node->engine, "chunks-received", G_CALLBACK (chunks_received_cb), node);
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
  g_clear_pointer (&node->finished, g_hash_table_unref);
  g_clear_pointer (&node->last_ok, g_hash_table_unref);
}

/* @to adds @from as a peer from @from's invite, which names the endpoint
 * @from's engine listens on (if it has one). */
static void
introduce (Node *from, Node *to)
{
  lia_test_introduce_at (from->store,
                         from->engine != NULL ? lia_sync_engine_get_listen_endpoint (from->engine)
                                              : NULL,
                         to->store);
}
typedef LiaTestCondition Condition;

/* Runs the main context until @condition holds. */
static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  lia_test_wait_until (condition, data, DEADLINE_S, what);
}

static gboolean
logged_cb (gpointer data)
{
  return logged (data);
}

static void
wait_logged (const char *needle)
{
  g_autofree char *what = g_strdup_printf ("the log to say “%s”", needle);

  wait_until (logged_cb, (gpointer) needle, what);
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

static gboolean
refused_at_handshake (gpointer data)
{
  StatusWait *w = data;
  g_autoptr (LiaSyncPeerState) state = state_of (w->node, w->peer);

  return state != NULL && state->status == LIA_SYNC_PEER_REFUSED && state->last_error != NULL
         && strstr (state->last_error, "refused this organisation's key") != NULL;
}

static gboolean
disconnected (gpointer data)
{
  StatusWait *w = data;
  g_autoptr (LiaSyncPeerState) state = state_of (w->node, w->peer);

  return state != NULL && !state->connected;
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

/* The case and its 20 notes. */
static gboolean
received_reached (gpointer data)
{
  Node *node = data;

  return node->received >= 21;
}

typedef struct
{
  Node council;
  Node police;
} Pair;

static void
pair_setup (Pair *p, gconstpointer data)
{
  log_clear ();
  p->council.store
    = lia_test_create_store_of_kind ("Northshire Council", LIA_ORG_KIND_LOCAL_AUTHORITY);
  p->police.store = lia_test_create_store_of_kind ("Northshire Police", LIA_ORG_KIND_POLICE);
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

  case_id = lia_test_new_case (p->council.store, "Child S");
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
  /* The signals follow the commits that the query sees. */
  wait_until (received_reached, &p->police, "the police's engine to say what it received");
  wait_status (&p->police, &p->council, LIA_SYNC_PEER_UP_TO_DATE);
  wait_status (&p->council, &p->police, LIA_SYNC_PEER_UP_TO_DATE);
  g_assert_cmpint (lia_test_query_int (p->police.store, "SELECT count (*) FROM lcase"), ==, 1);
  g_assert_cmpuint (p->police.received, ==, 21);

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

/* ---- several nodes ------------------------------------------------------------ */

#define MAX_NODES 5

typedef struct
{
  Node  nodes[MAX_NODES];
  guint n;
} Net;

static const struct
{
  const char *name;
  LiaOrgKind  kind;
  LiaRole     role;
} org_defs[MAX_NODES] = {
  { "Northshire Council", LIA_ORG_KIND_LOCAL_AUTHORITY, LIA_ROLE_LOCAL_AUTHORITY },
  { "Northshire ICB", LIA_ORG_KIND_ICB, LIA_ROLE_ICB },
  { "Northshire Police", LIA_ORG_KIND_POLICE, LIA_ROLE_POLICE },
  { "IOPC Team 4", LIA_ORG_KIND_IOPC, LIA_ROLE_IOPC },
  { "Hill Street School", LIA_ORG_KIND_AGENCY, LIA_ROLE_AGENCY },
};

enum { COUNCIL, ICB, POLICE, IOPC, SCHOOL };

static void
net_setup (Net *net, gconstpointer data)
{
  /* The number of nodes, and above it the world's seed for need-to-know. */
  net->n = GPOINTER_TO_UINT (data) & 0xff;
  for (guint i = 0; i < net->n; i++)
    net->nodes[i].store = lia_test_create_store_of_kind (org_defs[i].name, org_defs[i].kind);
  log_clear ();
}

static void
net_teardown (Net *net, gconstpointer data)
{
  for (guint i = 0; i < net->n; i++)
    node_clear (&net->nodes[i]);
}

/* Every node a peer of every other (by invites made after the engines that
 * are running started, so that they carry their endpoints). */
static void
net_introduce_all (Net *net)
{
  for (guint i = 0; i < net->n; i++)
    for (guint j = 0; j < net->n; j++)
      if (i != j)
        introduce (&net->nodes[i], &net->nodes[j]);
}

/* A record the council shares with the police and the IOPC reaches the
 * IOPC through the police while the council is offline. The school, a
 * peer of the police but no recipient, gets nothing of it: a node relays
 * an envelope only to the other organisations it names. */
static void
test_relay (Net *net, gconstpointer data)
{
  Node *council = &net->nodes[COUNCIL], *police = &net->nodes[POLICE];
  Node *iopc = &net->nodes[IOPC], *school = &net->nodes[SCHOOL];
  g_autofree char *case_id = NULL;
  g_autofree char *record_id = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaRecord) relayed = NULL;

  node_start (council, TRUE);
  node_start (police, TRUE);
  net_introduce_all (net);
  case_id = lia_test_new_case (council->store, "Child R");
  add_participant (council->store, case_id, police->store, LIA_ROLE_POLICE);
  add_participant (council->store, case_id, iopc->store, LIA_ROLE_IOPC);
  share (council->store, case_id, police->store, "note");
  share (council->store, case_id, iopc->store, "note");
  record_id = add_note (council->store, case_id, "For the police and the IOPC");
  lia_sync_engine_kick (council->engine);
  wait_query (police->store, "SELECT count (*) FROM record", 1);

  /* The council goes offline; the IOPC and the school come online. */
  node_stop (council);
  node_start (iopc, FALSE);
  node_start (school, FALSE);
  lia_sync_engine_sync_now (iopc->engine, NULL);
  lia_sync_engine_sync_now (school->engine, NULL);
  wait_query (iopc->store, "SELECT count (*) FROM record", 1);
  relayed = lia_record_load (iopc->store, record_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lia_record_get_field (relayed, "text"), ==, "For the police and the IOPC");
  g_assert_cmpstr (relayed->originator->name, ==, org_defs[COUNCIL].name);
  g_assert_true (lia_log_verify (iopc->store, NULL, &error));

  /* The school synced with the police too, and holds nothing. */
  wait_status (school, police, LIA_SYNC_PEER_UP_TO_DATE);
  g_assert_cmpint (lia_test_query_int (school->store, "SELECT count (*) FROM envelope"), ==, 0);
  g_assert_cmpint (lia_test_query_int (school->store, "SELECT count (*) FROM record"), ==, 0);
}

/* A laptop with no listening socket syncs both ways through its own
 * connection: what it lacks comes to it, what it made goes out, and what
 * the server makes later reaches it without the laptop asking. */
static void
test_no_listener (Net *net, gconstpointer data)
{
  Node *council = &net->nodes[COUNCIL], *laptop = &net->nodes[ICB];
  g_autofree char *case_id = NULL;

  node_start (council, TRUE);
  node_start (laptop, FALSE);
  net_introduce_all (net);
  case_id = lia_test_new_case (council->store, "Child L");
  add_participant (council->store, case_id, laptop->store, LIA_ROLE_ICB);
  share (council->store, case_id, laptop->store, "note");
  g_free (add_note (council->store, case_id, "First"));
  lia_sync_engine_kick (laptop->engine);
  wait_query (laptop->store, "SELECT count (*) FROM record", 1);

  /* The ICB answers with a note of its own on the council's case. */
  share (laptop->store, case_id, council->store, "note");
  g_free (add_note (laptop->store, case_id, "From the ICB"));
  lia_sync_engine_kick (laptop->engine);
  wait_query (council->store, "SELECT count (*) FROM record", 2);

  /* The council's next note goes out over the laptop's connection. */
  g_free (add_note (council->store, case_id, "Second"));
  lia_sync_engine_kick (council->engine);
  wait_query (laptop->store, "SELECT count (*) FROM record", 3);
}

/* A node that is not a peer of the council (the council never added its
 * invite) is refused at the handshake, and the council logs the
 * fingerprint of the key it refused; nothing reaches the protocol. */
static void
test_unknown_key_refused (Net *net, gconstpointer data)
{
  Node *council = &net->nodes[COUNCIL], *stranger = &net->nodes[ICB];
  g_autofree char *fingerprint = NULL;
  g_autofree char *needle = NULL;
  g_autoptr (LiaSyncPeerState) state = NULL;

  node_start (council, TRUE);
  node_start (stranger, FALSE);
  introduce (council, stranger);       /* the stranger knows the council */
  lia_sync_engine_sync_now (stranger->engine, NULL);
  wait_status (stranger, council, LIA_SYNC_PEER_REFUSED);
  state = state_of (stranger, council);
  g_assert_nonnull (strstr (state->last_error, "refused this organisation's key"));
  g_assert_false (state->connected);

  fingerprint = lia_identity_fingerprint (
    g_bytes_get_data (lia_store_get_curve_public_key (stranger->store), NULL));
  needle = g_strdup_printf ("transport key %s", fingerprint);
  g_assert_true (logged (needle));
  g_assert_true (logged ("not the key of a current peer"));
  g_assert_cmpuint (lia_sync_engine_dup_peer_states (council->engine)->len, ==, 0);
  g_assert_false (logged ("sent a message"));
}

/* Removing a peer while it is connected drops it at once; it is refused
 * from then on, and the council no longer connects to it. */
static void
test_revoked_while_connected (Net *net, gconstpointer data)
{
  Node *council = &net->nodes[COUNCIL], *police = &net->nodes[POLICE];
  Node *icb = &net->nodes[ICB];
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaPeer) peer = NULL;
  g_autoptr (GPtrArray) states = NULL;
  g_autofree char *case_id = NULL;

  node_start (council, TRUE);
  node_start (police, TRUE);
  node_start (icb, TRUE);
  net_introduce_all (net);
  lia_sync_engine_kick (council->engine);
  wait_status (police, council, LIA_SYNC_PEER_UP_TO_DATE);
  wait_status (icb, council, LIA_SYNC_PEER_UP_TO_DATE);
  wait_status (council, police, LIA_SYNC_PEER_UP_TO_DATE);

  /* Removed through the council's own store, as the GUI or liaison-cli
   * would: the engine notices the change. */
  peer = lia_store_find_peer (council->store, org_defs[POLICE].name, &error);
  g_assert_no_error (error);
  g_assert_true (lia_store_revoke_peer (council->store, peer, &error));
  g_assert_no_error (error);
  wait_logged ("Northshire Police is no longer a peer");
  /* Every connection between them goes: the council's to the police, and
   * the police's to the council (every incoming connection is made and
   * authenticated again). */
  wait_until (disconnected, &(StatusWait) { police, council, 0 }, "the police to be disconnected");

  /* And it is refused, at the handshake, when it tries again. */
  {
    g_autofree char *fingerprint = lia_identity_fingerprint (
      g_bytes_get_data (lia_store_get_curve_public_key (police->store), NULL));
    g_autofree char *needle = g_strdup_printf ("transport key %s", fingerprint);
    lia_sync_engine_sync_now (police->engine, NULL);
    wait_logged (needle);
    wait_until (refused_at_handshake, &(StatusWait) { police, council, 0 },
                "the police to be refused at the handshake");
  }
  states = lia_sync_engine_dup_peer_states (council->engine);
  g_assert_cmpuint (states->len, ==, 1);

  /* The ICB was dropped too (every incoming connection is authenticated
   * again) and comes back on its own; what the council shares with it
   * still arrives. */
  case_id = lia_test_new_case (council->store, "Child V");
  add_participant (council->store, case_id, icb->store, LIA_ROLE_ICB);
  lia_sync_engine_kick (council->engine);
  wait_query (icb->store, "SELECT count (*) FROM lcase", 1);
  g_assert_cmpint (lia_test_query_int (police->store, "SELECT count (*) FROM lcase"), ==, 0);
}

/* Starting on an endpoint that is taken fails with a clear error, and the
 * engine can be stopped and started again. */
static void
test_lifecycle (Net *net, gconstpointer data)
{
  Node *council = &net->nodes[COUNCIL], *police = &net->nodes[POLICE];
  g_autoptr (LiaSyncEngine) clash = NULL;
  g_autoptr (LiaSyncEngine) bad = NULL;
  g_autoptr (GError) error = NULL;

  node_start (council, TRUE);
  clash = lia_sync_engine_new (police->store, lia_sync_engine_get_listen_endpoint (council->engine),
                               &error);
  g_assert_no_error (error);
  g_assert_false (lia_sync_engine_start (clash, &error));
  g_assert_error (error, LIA_SYNC_ERROR, LIA_SYNC_ERROR_ENDPOINT);
  g_assert_nonnull (strstr (error->message, "Could not listen on"));
  g_assert_false (lia_sync_engine_is_running (clash));
  g_clear_error (&error);

  bad = lia_sync_engine_new (police->store, "udp://127.0.0.1:5", &error);
  g_assert_null (bad);
  g_assert_error (error, LIA_SYNC_ERROR, LIA_SYNC_ERROR_ENDPOINT);
  g_clear_error (&error);
  g_assert_true (lia_sync_listen_endpoint_is_valid ("tcp://*:7310"));
  g_assert_true (lia_sync_listen_endpoint_is_valid ("tcp://[::1]:0"));
  g_assert_false (lia_sync_listen_endpoint_is_valid ("tcp://127.0.0.1:65536"));
  g_assert_false (lia_sync_listen_endpoint_is_valid ("tcp://127.0.0.1"));

  lia_sync_engine_stop (council->engine);
  lia_sync_engine_stop (council->engine);
  g_assert_false (lia_sync_engine_is_running (council->engine));
  g_assert_true (lia_sync_engine_start (council->engine, &error));
  g_assert_no_error (error);
  g_assert_true (lia_sync_engine_is_running (council->engine));

  /* A locked store cannot have an engine. */
  lia_store_lock (police->store);
  g_assert_null (lia_sync_engine_new (police->store, NULL, &error));
  g_assert_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_LOCKED);
}

/* ---- need-to-know, over the network ------------------------------------------- */

/* The council, the ICB, the police and the IOPC in random worlds of cases
 * (lia-test-world.h), one test per seed (LIAISON_SYNC_WORLDS of them from
 * LIAISON_SYNC_WORLD_SEED): every envelope moves by sync sessions between
 * their engines, and each ends with exactly what it is entitled to. The engines sync only when told
 * (lia_sync_engine_sync_now()), so that the world decides what moves when,
 * as the bundle version does. */

typedef struct
{
  Node  *node;
  char  *fingerprint;
  guint  before;
} PeerWait;

static gboolean
peer_finished (gpointer data)
{
  PeerWait *w = data;

  return GPOINTER_TO_UINT (g_hash_table_lookup (w->node->finished, w->fingerprint)) > w->before;
}

static void
net_deliver (gpointer data, int from, int to)
{
  Net *net = data;
  Node *a = &net->nodes[from];
  g_autofree char *fingerprint = lia_store_dup_fingerprint (net->nodes[to].store);
  PeerWait w
    = { a, fingerprint, GPOINTER_TO_UINT (g_hash_table_lookup (a->finished, fingerprint)) };

  lia_sync_engine_sync_now (a->engine, fingerprint);
  wait_until (peer_finished, &w, "a sync between two nodes");
  g_assert_true (GPOINTER_TO_INT (g_hash_table_lookup (a->last_ok, fingerprint)));
}

static gint64
net_envelopes (Net *net)
{
  gint64 total = 0;

  for (guint i = 0; i < net->n; i++)
    total += lia_test_query_int (net->nodes[i].store, "SELECT count (*) FROM envelope");
  return total;
}

/* A session between every pair (each carries both directions), in random
 * order, until a round moves nothing. */
static void
net_deliver_all (gpointer data, GRand *rand)
{
  Net *net = data;
  gint64 before;

  do
    {
      int pairs[MAX_NODES * MAX_NODES][2];
      guint n;

      before = net_envelopes (net);
      n = lia_test_world_pairs (net->n, FALSE, rand, pairs);
      for (guint k = 0; k < n; k++)
        net_deliver (net, pairs[k][0], pairs[k][1]);
    }
  while (net_envelopes (net) != before);
}

static void
test_need_to_know (Net *net, gconstpointer data)
{
  guint32 seed = GPOINTER_TO_UINT (data) >> 8;
  LiaTestDelivery by_sync = { net_deliver_all, net_deliver, net };
  LiaStore *stores[MAX_NODES];

  for (guint i = 0; i < net->n; i++)
    {
      Node *node = &net->nodes[i];
      g_autoptr (GError) error = NULL;

      node_watch (node);
      node->engine = make_engine (node->store, TRUE);
      g_object_set (node->engine, "automatic", FALSE, NULL);
      g_signal_connect (node->engine, "sync-finished", G_CALLBACK (sync_finished_cb), node);
      g_assert_true (lia_sync_engine_start (node->engine, &error));
      g_assert_no_error (error);
      stores[i] = node->store;
    }
  net_introduce_all (net);
  /* The engines read their new peers before they are asked to sync. */
  for (guint i = 0; i < net->n; i++)
    lia_sync_engine_kick (net->nodes[i].engine);
  lia_test_world_run (stores, net->n, seed, &by_sync);
  {
    guint syncs = 0;

    for (guint i = 0; i < net->n; i++)
      syncs += net->nodes[i].finished_ok;
    g_test_message ("%u syncs finished, %" G_GINT64_FORMAT " envelopes held in all, %"
                    G_GINT64_FORMAT " records", syncs, net_envelopes (net),
                    lia_test_query_int (net->nodes[0].store, "SELECT count (*) FROM record"));
    g_assert_cmpuint (syncs, >, 0);
  }
}

/* ---- attachments ----------------------------------------------------------------- */

/* A file of @size pseudo-random bytes. */
static char *
write_file (const char *name, gsize size, guint32 seed)
{
  g_autofree char *dir = lia_test_make_dir ("files");
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autofree guint32 *data = g_new (guint32, size / 4 + 1);
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < size / 4 + 1; i++)
    data[i] = g_rand_int (rand);
  g_assert_true (g_file_set_contents (path, (const char *) data, size, &error));
  return path;
}

static LiaAttachment *
attach (LiaStore *store, const char *record_id, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = g_file_new_for_path (path);
  LiaAttachment *a = lia_attachment_attach (store, record_id, file, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  return a;
}

static guint
chunks_held (LiaStore *store, const char *record_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = lia_attachment_progress (store, record_id, &error);

  /* The record itself may not have arrived yet: nothing of it is held. */
  if (g_error_matches (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_NOT_FOUND))
    return 0;
  g_assert_no_error (error);
  return all->len == 0 ? 0 : ((LiaAttachment *) all->pdata[0])->n_held;
}

typedef struct
{
  LiaStore   *store;
  const char *record_id;
  guint       at_least;
} HeldWait;

static gboolean
held_reached (gpointer data)
{
  HeldWait *w = data;

  return chunks_held (w->store, w->record_id) >= w->at_least;
}

/* "Asking NAME for N chunks" in the log, added up. */
static guint
chunks_asked_in_log (void)
{
  guint total = 0;

  g_mutex_lock (&log_lock);
  for (guint i = 0; i < log_lines->len; i++)
    {
      const char *line = log_lines->pdata[i];
      const char *for_ = strstr (line, " for ");

      if (g_str_has_prefix (line, "Asking ") && for_ != NULL)
        total += g_ascii_strtoull (for_ + 5, NULL, 10);
    }
  g_mutex_unlock (&log_lock);
  return total;
}

/* The council attaches a file to a note it shares with the police; the
 * chunks follow the note over sync. The police's engine is stopped when
 * half of them are there, and started again: what it already holds is not
 * sent again. */
static void
test_attachment_resumes (Net *net, gconstpointer data)
{
  Node *council = &net->nodes[COUNCIL], *police = &net->nodes[POLICE];
  const char *mb = g_getenv ("LIAISON_ATTACHMENT_BIG_MB");
  gsize size = (mb != NULL ? g_ascii_strtoull (mb, NULL, 10) : 50) * 1000 * 1000;
  g_autofree char *path = write_file ("interview.bin", size, 77);
  g_autofree char *case_id = NULL, *record_id = NULL, *out = NULL;
  g_autoptr (LiaAttachment) a = NULL;
  g_autoptr (GError) error = NULL;
  guint halfway;

  node_start (council, TRUE);
  node_start (police, TRUE);
  net_introduce_all (net);
  case_id = lia_test_new_case (council->store, "Child A");
  add_participant (council->store, case_id, police->store, LIA_ROLE_POLICE);
  share (council->store, case_id, police->store, "note");
  record_id = add_note (council->store, case_id, "Interview recording attached");
  a = attach (council->store, record_id, path);
  g_test_message ("%" G_GSIZE_FORMAT " bytes in %u chunks", size, a->n_chunks);
  lia_sync_engine_kick (council->engine);

  wait_until (held_reached, &(HeldWait) { police->store, record_id, a->n_chunks / 2 },
              "half of the chunks");
  node_stop (police);
  halfway = chunks_held (police->store, record_id);
  g_assert_cmpuint (halfway, <, a->n_chunks);
  g_test_message ("stopped with %u of %u chunks", halfway, a->n_chunks);

  log_clear ();
  police->chunks = 0;
  node_start (police, TRUE);
  lia_sync_engine_sync_now (police->engine, NULL);
  wait_until (held_reached, &(HeldWait) { police->store, record_id, a->n_chunks },
              "every chunk");
  /* Asked for exactly what was missing, and told of each as it came. */
  g_assert_cmpuint (chunks_asked_in_log (), ==, a->n_chunks - halfway);
  g_assert_cmpuint (police->chunks, ==, a->n_chunks - halfway);

  {
    g_autofree char *dir = lia_test_make_dir ("out");

    out = g_build_filename (dir, "fetched.bin", NULL);
  }
  g_assert_true (lia_attachment_fetch (police->store, record_id, 1, out, FALSE, NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr (GBytes) original = lia_test_read_file (path);
    g_autoptr (GBytes) fetched = lia_test_read_file (out);

    g_assert_true (g_bytes_equal (original, fetched));
  }
}

/* ---- bad input: a peer that breaks the protocol ------------------------------ */

/* A hand-driven peer: a raw DEALER with a real peer's CURVE keys (so that
 * ZAP admits it), sending whatever a test makes. */
typedef struct
{
  void *ctx;
  void *sock;
  void *mon;
} Fake;

#define FAKE_WAIT_MS 20000

static guint16
monitor_next (void *mon, int timeout_ms)
{
  zmq_pollitem_t item = { mon, 0, ZMQ_POLLIN, 0 };
  guint16 event = 0;
  zmq_msg_t msg;

  if (zmq_poll (&item, 1, timeout_ms) <= 0)
    return 0;
  zmq_msg_init (&msg);
  zmq_msg_recv (&msg, mon, 0);
  memcpy (&event, zmq_msg_data (&msg), 2);
  zmq_msg_close (&msg);
  zmq_msg_init (&msg);
  zmq_msg_recv (&msg, mon, 0);
  zmq_msg_close (&msg);
  return event;
}

/* Connects as @as to @to's engine; returns the handshake's outcome
 * (ZMQ_EVENT_HANDSHAKE_SUCCEEDED or a failure). */
static guint16
fake_connect (Fake *f, Node *as, Node *to)
{
  static guint serial;
  const LiaSecret *secret = lia_store_get_curve_secret (as->store);
  g_autofree char *mon = g_strdup_printf ("inproc://fake-monitor-%u", ++serial);
  int zero = 0, never = -1;
  guint16 event;

  f->ctx = zmq_ctx_new ();
  f->sock = zmq_socket (f->ctx, ZMQ_DEALER);
  zmq_setsockopt (f->sock, ZMQ_LINGER, &zero, sizeof zero);
  zmq_setsockopt (f->sock, ZMQ_RECONNECT_IVL, &never, sizeof never);
  zmq_setsockopt (f->sock, ZMQ_CURVE_SERVERKEY,
                  g_bytes_get_data (lia_store_get_curve_public_key (to->store), NULL), 32);
  zmq_setsockopt (f->sock, ZMQ_CURVE_PUBLICKEY,
                  g_bytes_get_data (lia_store_get_curve_public_key (as->store), NULL), 32);
  zmq_setsockopt (f->sock, ZMQ_CURVE_SECRETKEY, secret->data, 32);
  zmq_socket_monitor (f->sock, mon, ZMQ_EVENT_ALL);
  f->mon = zmq_socket (f->ctx, ZMQ_PAIR);
  zmq_connect (f->mon, mon);
  g_assert_cmpint (zmq_connect (f->sock, lia_sync_engine_get_listen_endpoint (to->engine)), ==, 0);
  do
    event = monitor_next (f->mon, FAKE_WAIT_MS);
  while (event == ZMQ_EVENT_CONNECT_DELAYED || event == ZMQ_EVENT_CONNECTED);
  return event;
}

static void
fake_close (Fake *f)
{
  if (f->sock != NULL)
    {
      zmq_socket_monitor (f->sock, NULL, 0);
      zmq_close (f->sock);
      zmq_close (f->mon);
      zmq_ctx_term (f->ctx);
    }
  memset (f, 0, sizeof *f);
}

static void
fake_send_bytes (Fake *f, GBytes *bytes)
{
  g_assert_cmpint (zmq_send (f->sock, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), 0),
                   ==, (int) g_bytes_get_size (bytes));
}

static void
fake_send (Fake *f, LiaSyncMessage *message)
{
  g_autoptr (LiaSyncMessage) owned = message;
  g_autoptr (GBytes) bytes = lia_sync_message_encode (owned);

  fake_send_bytes (f, bytes);
}

/* The next message of @type (others, such as the engine's own HELLO or
 * heartbeats, are skipped) within @wait_ms; NULL if none came. */
static LiaSyncMessage *
fake_receive (Fake *f, LiaSyncMessageType type, int wait_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) wait_ms * 1000;

  for (;;)
    {
      zmq_pollitem_t item = { f->sock, 0, ZMQ_POLLIN, 0 };
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      g_autoptr (GError) error = NULL;
      LiaSyncMessage *message;
      zmq_msg_t msg;
      g_autoptr (GBytes) bytes = NULL;

      if (left < 0 || zmq_poll (&item, 1, left) <= 0)
        return NULL;
      zmq_msg_init (&msg);
      zmq_msg_recv (&msg, f->sock, 0);
      bytes = g_bytes_new (zmq_msg_data (&msg), zmq_msg_size (&msg));
      zmq_msg_close (&msg);
      message = lia_sync_message_decode (bytes, &error);
      g_assert_no_error (error);
      if (message->type == type)
        return message;
      lia_sync_message_free (message);
    }
}

/* The same, failing the test if none comes after a while. */
static LiaSyncMessage *
fake_expect (Fake *f, LiaSyncMessageType type)
{
  LiaSyncMessage *message = fake_receive (f, type, FAKE_WAIT_MS);

  if (message == NULL)
    g_error ("No %s came", lia_sync_message_type_to_string (type));
  return message;
}

/* The next ERROR other than a timeout within @wait_ms, or NULL: a session
 * the engine starts itself with the fake (which never answers one) times
 * out meanwhile when the test is slow (sanitizers). */
static LiaSyncMessage *
fake_receive_error (Fake *f, int wait_ms)
{
  for (;;)
    {
      LiaSyncMessage *error = fake_receive (f, LIA_SYNC_MSG_ERROR, wait_ms);

      if (error == NULL)
        return NULL;
      g_test_message ("ERROR %u: %s", error->error.code, error->error.message);
      if (error->error.code != LIA_SYNC_MESSAGE_ERROR_TIMEOUT)
        return error;
      lia_sync_message_free (error);
    }
}

/* The next ERROR other than a timeout, unless a timeout is expected. */
static void
fake_expect_error (Fake *f, LiaSyncMessageError code)
{
  g_autoptr (LiaSyncMessage) error = NULL;

  if (code == LIA_SYNC_MESSAGE_ERROR_TIMEOUT)
    error = fake_expect (f, LIA_SYNC_MSG_ERROR);
  else
    error = fake_receive_error (f, FAKE_WAIT_MS);
  if (error == NULL)
    g_error ("No ERROR came");
  g_assert_cmpuint (error->error.code, ==, code);
}

static GPtrArray *
no_holdings (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) lia_holdings_entry_free);
}

/* HELLO with session @session; returns the WELCOME. */
static LiaSyncMessage *
fake_hello (Fake *f, guint64 session)
{
  LiaSyncMessage *welcome;

  fake_send (f, lia_sync_message_new_hello (LIA_SYNC_MSG_HELLO, session, 8, no_holdings (), 0));
  do
    {
      welcome = fake_expect (f, LIA_SYNC_MSG_WELCOME);
      if (welcome->session == session)
        break;
      g_clear_pointer (&welcome, lia_sync_message_free);
    }
  while (TRUE);
  return welcome;
}

static GBytes *
bytes_of (guint8 version, guint8 type, gsize size)
{
  g_autofree guint8 *data = g_malloc0 (size);

  data[0] = version;
  data[1] = type;
  for (gsize i = 8; i < size; i++)
    data[i] = (guint8) (i * 131);
  return g_bytes_new (data, size);
}

/* The council's node listens; the ICB's store plays the fake peer (a
 * real peer of the council, its engine not running). */
typedef struct
{
  Node  council;
  Node  icb;
  Node  police;
  Fake  fake;
} Bad;

static void
bad_setup (Bad *b, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  log_clear ();
  b->council.store = lia_test_create_store_of_kind (org_defs[COUNCIL].name, org_defs[COUNCIL].kind);
  b->icb.store = lia_test_create_store_of_kind (org_defs[ICB].name, org_defs[ICB].kind);
  b->police.store = lia_test_create_store_of_kind (org_defs[POLICE].name, org_defs[POLICE].kind);
  b->council.engine = make_engine (b->council.store, TRUE);
  /* Short enough that a test sees a timeout and a quarantine end. */
  g_object_set (b->council.engine, "timeout", 1500, "quarantine", 1500, NULL);
  node_watch (&b->council);
  g_signal_connect (b->council.engine, "sync-finished", G_CALLBACK (sync_finished_cb), &b->council);
  g_assert_true (lia_sync_engine_start (b->council.engine, &error));
  g_assert_no_error (error);
  node_start (&b->police, TRUE);
  introduce (&b->council, &b->icb);
  introduce (&b->icb, &b->council);
  introduce (&b->council, &b->police);
  introduce (&b->police, &b->council);
  lia_sync_engine_kick (b->council.engine);
  g_assert_cmpuint (fake_connect (&b->fake, &b->icb, &b->council), ==,
                    ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
}

static void
bad_teardown (Bad *b, gconstpointer data)
{
  fake_close (&b->fake);
  node_clear (&b->council);
  node_clear (&b->icb);
  node_clear (&b->police);
}

/* After a protocol error the fake is quarantined: a new connection with
 * its key is refused at the handshake until the quarantine is over. */
static void
assert_quarantined (Bad *b)
{
  Fake again = { NULL };

  g_assert_cmpuint (fake_connect (&again, &b->icb, &b->council), ==,
                    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
  fake_close (&again);
  wait_logged ("refused for a while");
}

static void
test_bad_random_bytes (Bad *b, gconstpointer data)
{
  g_autoptr (GBytes) garbage = g_bytes_new_static ("\x13\x37 random bytes that are no message", 36);

  fake_send_bytes (&b->fake, garbage);
  fake_expect_error (&b->fake, LIA_SYNC_MESSAGE_ERROR_VERSION);
  wait_logged ("Northshire ICB sent a message that was refused");
  wait_logged ("Northshire ICB broke the sync protocol");
  assert_quarantined (b);
}

static void
test_bad_gvariant (Bad *b, gconstpointer data)
{
  g_autoptr (GBytes) hello = NULL;
  g_autoptr (GBytes) cut = NULL;
  g_autoptr (GBytes) longer = NULL;
  gsize len;
  guint8 *copy;

  hello = lia_sync_message_encode (&(LiaSyncMessage) {
    .type = LIA_SYNC_MSG_HELLO, .session = 5, .hello = { 8, no_holdings (), 0 } });
  cut = g_bytes_new_from_bytes (hello, 0, g_bytes_get_size (hello) - 3);
  fake_send_bytes (&b->fake, cut);
  fake_expect_error (&b->fake, LIA_SYNC_MESSAGE_ERROR_MALFORMED);
  wait_logged ("not in GVariant normal form");

  /* A new connection once the quarantine is over: a byte too many. */
  fake_close (&b->fake);
  while (fake_connect (&b->fake, &b->icb, &b->council) != ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
    fake_close (&b->fake);
  copy = g_bytes_unref_to_data (g_bytes_ref (hello), &len);
  copy = g_realloc (copy, len + 1);
  copy[len] = 7;
  longer = g_bytes_new_take (copy, len + 1);
  fake_send_bytes (&b->fake, longer);
  fake_expect_error (&b->fake, LIA_SYNC_MESSAGE_ERROR_MALFORMED);
}

static void
test_bad_oversized (Bad *b, gconstpointer data)
{
  g_autoptr (GBytes) big = bytes_of (1, LIA_SYNC_MSG_BATCH, LIA_SYNC_MAX_MESSAGE + 4096);
  g_autoptr (GBytes) huge = bytes_of (1, LIA_SYNC_MSG_BATCH, 3 * LIA_SYNC_MAX_MESSAGE);
  guint16 event;

  fake_send_bytes (&b->fake, big);
  fake_expect_error (&b->fake, LIA_SYNC_MESSAGE_ERROR_TOO_LARGE);
  wait_logged ("over the limit");

  /* Beyond what the socket takes at all: libzmq drops the connection. */
  fake_close (&b->fake);
  while (fake_connect (&b->fake, &b->icb, &b->council) != ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
    fake_close (&b->fake);
  fake_send_bytes (&b->fake, huge);
  do
    event = monitor_next (b->fake.mon, FAKE_WAIT_MS);
  while (event != 0 && event != ZMQ_EVENT_DISCONNECTED);
  g_assert_cmpuint (event, ==, ZMQ_EVENT_DISCONNECTED);
}

static void
test_bad_type_and_version (Bad *b, gconstpointer data)
{
  g_autoptr (GBytes) unknown = bytes_of (1, 42, 16);
  g_autoptr (GBytes) newer = bytes_of (2, LIA_SYNC_MSG_HELLO, 16);

  fake_send_bytes (&b->fake, unknown);
  fake_expect_error (&b->fake, LIA_SYNC_MESSAGE_ERROR_UNKNOWN_TYPE);
  wait_logged ("unknown type 42");
  fake_close (&b->fake);
  while (fake_connect (&b->fake, &b->icb, &b->council) != ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
    fake_close (&b->fake);
  fake_send_bytes (&b->fake, newer);
  fake_expect_error (&b->fake, LIA_SYNC_MESSAGE_ERROR_VERSION);
  wait_logged ("protocol version 2");
}

/* The ICB's genuine envelopes for the council: a case and @n notes. */
static GPtrArray *
icb_envelopes (Bad *b, guint n)
{
  g_autofree char *case_id = lia_test_new_case (b->icb.store, "Child B");
  GPtrArray *envelopes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  sqlite3_stmt *stmt = NULL;

  add_participant (b->icb.store, case_id, b->council.store, LIA_ROLE_LOCAL_AUTHORITY);
  share (b->icb.store, case_id, b->council.store, "note");
  for (guint i = 0; i < n; i++)
    g_free (add_note (b->icb.store, case_id, "From the ICB"));
  g_assert_true (lia_exchange_seal_pending (b->icb.store, NULL, NULL));
  g_assert_cmpint (sqlite3_prepare_v2 (lia_store_get_db (b->icb.store),
                                       "SELECT e.bytes FROM envelope e JOIN envelope_recipient er "
                                       "ON er.envelope_seq = e.seq WHERE er.recipient != 1 "
                                       "ORDER BY e.kind = 'record', e.seq", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (envelopes, g_bytes_new (sqlite3_column_blob (stmt, 0),
                                             sqlite3_column_bytes (stmt, 0)));
  sqlite3_finalize (stmt);
  g_assert_cmpuint (envelopes->len, ==, n + 1);
  return envelopes;
}

static GPtrArray *
pick (GPtrArray *from, guint first, guint n)
{
  GPtrArray *picked = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = first; i < first + n; i++)
    g_ptr_array_add (picked, g_bytes_ref (from->pdata[i]));
  return picked;
}

/* One envelope of a batch changed: refused, with its reason in the ACK,
 * and the rest stored. Then the same batch again in a new session: all
 * duplicates, nothing changes; and again in the same session: out of
 * turn. */
static void
test_bad_envelope_and_replay (Bad *b, gconstpointer data)
{
  g_autoptr (GPtrArray) envelopes = icb_envelopes (b, 3);
  g_autoptr (LiaSyncMessage) welcome = NULL, ack = NULL, welcome2 = NULL, ack2 = NULL;
  GPtrArray *batch = pick (envelopes, 0, 4);
  gsize len;
  guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (batch->pdata[2]), &len);
  const LiaSyncRefusal *refusal;

  copy[len / 2] ^= 0x40;
  g_ptr_array_index (batch, 2) = g_bytes_new_take (copy, len);
  g_bytes_unref (envelopes->pdata[2]);
  g_ptr_array_index (envelopes, 2) = g_bytes_ref (batch->pdata[2]);

  welcome = fake_hello (&b->fake, 11);
  fake_send (&b->fake, lia_sync_message_new_batch (11, 1, batch));
  ack = fake_expect (&b->fake, LIA_SYNC_MSG_ACK);
  g_assert_cmpuint (ack->ack.seq, ==, 1);
  g_assert_cmpuint (ack->ack.refused->len, ==, 1);
  refusal = &g_array_index (ack->ack.refused, LiaSyncRefusal, 0);
  g_assert_cmpuint (refusal->index, ==, 2);
  g_test_message ("refused: %s", refusal->reason);
  g_assert_nonnull (strstr (refusal->reason, "signature"));
  g_assert_cmpint (lia_test_query_int (b->council.store, "SELECT count (*) FROM record"), ==, 2);
  wait_logged ("Refused an envelope from Northshire ICB");

  /* Replayed in the same session. */
  fake_send (&b->fake, lia_sync_message_new_batch (11, 1, pick (envelopes, 0, 4)));
  fake_expect_error (&b->fake, LIA_SYNC_MESSAGE_ERROR_OUT_OF_TURN);
  wait_logged ("a replayed or lost batch");

  /* Replayed in a new session: harmless. */
  fake_close (&b->fake);
  while (fake_connect (&b->fake, &b->icb, &b->council) != ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
    fake_close (&b->fake);
  welcome2 = fake_hello (&b->fake, 12);
  fake_send (&b->fake, lia_sync_message_new_batch (12, 1, pick (envelopes, 0, 2)));
  ack2 = fake_expect (&b->fake, LIA_SYNC_MSG_ACK);
  g_assert_cmpuint (ack2->ack.refused->len, ==, 0);
  g_assert_cmpint (lia_test_query_int (b->council.store, "SELECT count (*) FROM record"), ==, 2);
  g_assert_cmpint (lia_test_query_int (b->council.store, "SELECT count (*) FROM envelope "
                                                         "WHERE author != 1"), ==, 3);
}

/* The peer stops in the middle of a batch stream: the session times out,
 * the peer is told, and what was acknowledged stays. */
static void
test_bad_stops_mid_batch (Bad *b, gconstpointer data)
{
  g_autoptr (GPtrArray) envelopes = icb_envelopes (b, 4);
  g_autoptr (LiaSyncMessage) G_GNUC_UNUSED welcome = fake_hello (&b->fake, 21);
  g_autoptr (LiaSyncMessage) ack = NULL;

  fake_send (&b->fake, lia_sync_message_new_batch (21, 1, pick (envelopes, 0, 2)));
  ack = fake_expect (&b->fake, LIA_SYNC_MSG_ACK);
  /* Batch 2 never comes, nor DONE. */
  fake_expect_error (&b->fake, LIA_SYNC_MESSAGE_ERROR_TIMEOUT);
  wait_logged ("Northshire ICB stopped answering in the middle of a sync");
  g_assert_cmpint (lia_test_query_int (b->council.store, "SELECT count (*) FROM record"), ==, 1);
}

/* A flooding peer: more batches than the window without waiting, and a
 * storm of small messages. Each is a protocol error and a disconnect; the
 * police, syncing meanwhile, are served all along. */
static void
test_bad_flooding (Bad *b, gconstpointer data)
{
  g_autoptr (GPtrArray) envelopes = icb_envelopes (b, 311);
  g_autoptr (LiaSyncMessage) welcome = fake_hello (&b->fake, 31);
  g_autofree char *case_id = NULL;

  /* The police sync with the council while this goes on. */
  case_id = lia_test_new_case (b->council.store, "Child F");
  add_participant (b->council.store, case_id, b->police.store, LIA_ROLE_POLICE);
  lia_sync_engine_kick (b->council.engine);

  /* The council cannot have committed the first batch, of 300
   * envelopes, when the ninth comes on its heels: the burst is over the
   * window however fast it stores. */
  g_assert_cmpuint (welcome->hello.window, ==, 8);
  fake_send (&b->fake, lia_sync_message_new_batch (31, 1, pick (envelopes, 1, 300)));
  for (guint seq = 2; seq <= 12; seq++)
    fake_send (&b->fake, lia_sync_message_new_batch (31, seq, pick (envelopes, 299 + seq, 1)));
  fake_expect_error (&b->fake, LIA_SYNC_MESSAGE_ERROR_FLOODING);
  wait_logged ("without waiting for them to be acknowledged");

  fake_close (&b->fake);
  while (fake_connect (&b->fake, &b->icb, &b->council) != ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
    fake_close (&b->fake);
  /* The limit is a rate: heartbeats in rounds until the council says
   * enough, so that a slow run (sanitizers, a loaded machine), in which
   * the council reads them slowly, floods it too. */
  {
    g_autoptr (LiaSyncMessage) error = NULL;
    gint64 deadline = g_get_monotonic_time () + FAKE_WAIT_MS * G_GINT64_CONSTANT (1000);

    while (error == NULL && g_get_monotonic_time () < deadline)
      {
        for (guint i = 0; i < 500; i++)
          fake_send (&b->fake, lia_sync_message_new_heartbeat (0));
        error = fake_receive_error (&b->fake, 10);
      }
    if (error == NULL)
      g_error ("No ERROR came");
    g_assert_cmpuint (error->error.code, ==, LIA_SYNC_MESSAGE_ERROR_FLOODING);
  }
  wait_logged ("more messages than any sync needs");

  wait_query (b->police.store, "SELECT count (*) FROM lcase", 1);
}

/* Messages out of turn: a batch before any HELLO, a WELCOME never asked
 * for, a chunk never wanted. */
static void
test_bad_out_of_turn (Bad *b, gconstpointer data)
{
  /* Something to offer, though out of turn nothing is asked for. */
  g_autoptr (GPtrArray) G_GNUC_UNUSED envelopes = icb_envelopes (b, 1);
  g_autoptr (LiaSyncMessage) welcome = NULL;
  guint8 hash[32] = { 0 };

  fake_send (&b->fake, lia_sync_message_new_hello (LIA_SYNC_MSG_WELCOME, 41, 8, no_holdings (), 0));
  fake_expect_error (&b->fake, LIA_SYNC_MESSAGE_ERROR_OUT_OF_TURN);
  wait_logged ("answered a sync that was not started");

  fake_close (&b->fake);
  while (fake_connect (&b->fake, &b->icb, &b->council) != ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
    fake_close (&b->fake);
  welcome = fake_hello (&b->fake, 42);
  fake_send (&b->fake, lia_sync_message_new_chunk (42, hash, LIA_SYNC_CHUNK_OK,
                                                   g_bytes_new_static ("x", 1)));
  fake_expect_error (&b->fake, LIA_SYNC_MESSAGE_ERROR_OUT_OF_TURN);
  wait_logged ("a chunk that was not asked for");
}

/* Chunks never go ahead of envelopes: a peer that asks for chunks while
 * envelopes are on their way to it gets every batch, and DONE, before the
 * first chunk. (The asker keeps at most two chunks asked for, so a batch
 * made later waits behind at most two.) */
static void
test_chunks_after_envelopes (Bad *b, gconstpointer data)
{
  g_autofree char *case_id = lia_test_new_case (b->council.store, "Child E");
  g_autofree char *record_id = NULL;
  g_autofree char *path = write_file ("scan.bin", 2 * LIA_ATTACHMENT_CHUNK_SIZE, 5);
  g_autofree char *filler = g_strnfill (10000, 'n');
  g_autoptr (LiaAttachment) a = NULL;
  g_autoptr (LiaSyncMessage) welcome = NULL;
  GPtrArray *holdings = no_holdings ();
  GPtrArray *hashes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (GError) error = NULL;
  guint batches = 0, chunks = 0;
  gboolean done = FALSE;
  sqlite3_stmt *stmt = NULL;

  add_participant (b->council.store, case_id, b->icb.store, LIA_ROLE_ICB);
  share (b->council.store, case_id, b->icb.store, "note");
  record_id = add_note (b->council.store, case_id, "With a scan");
  a = attach (b->council.store, record_id, path);
  /* Over 2 MiB of notes: several batches (few and large, so that this
   * write keeps the store to itself briefly, even with sanitizers). */
  lia_test_exec (b->council.store, "PRAGMA synchronous = OFF");
  lia_test_exec (b->council.store, "BEGIN IMMEDIATE");
  for (int i = 0; i < 240; i++)
    g_free (add_note (b->council.store, case_id, filler));
  lia_test_exec (b->council.store, "COMMIT");
  lia_test_exec (b->council.store, "PRAGMA synchronous = FULL");
  g_assert_true (lia_exchange_seal_pending (b->council.store, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpint (sqlite3_prepare_v2 (lia_store_get_db (b->council.store),
                                       "SELECT chunks FROM attachment", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  for (int i = 0; i < 2; i++)
    g_ptr_array_add (hashes, g_bytes_new ((const guint8 *) sqlite3_column_blob (stmt, 0) + 32 * i,
                                          32));
  sqlite3_finalize (stmt);

  /* It holds nothing of the council's, and takes one batch at a time. */
  g_ptr_array_add (holdings,
                   lia_holdings_entry_new (g_bytes_get_data (lia_store_get_identity_public_key (
                                                               b->council.store), NULL), 0));
  fake_send (&b->fake, lia_sync_message_new_hello (LIA_SYNC_MSG_HELLO, 61, 1, holdings, 0));
  do
    {
      g_clear_pointer (&welcome, lia_sync_message_free);
      welcome = fake_expect (&b->fake, LIA_SYNC_MSG_WELCOME);
    }
  while (welcome->session != 61);
  g_assert_cmpuint (welcome->hello.offered, >, 240);
  fake_send (&b->fake, lia_sync_message_new_want (61, hashes));

  while (chunks < 2)
    {
      zmq_pollitem_t item = { b->fake.sock, 0, ZMQ_POLLIN, 0 };
      zmq_msg_t msg;
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (LiaSyncMessage) m = NULL;

      g_assert_cmpint (zmq_poll (&item, 1, FAKE_WAIT_MS), ==, 1);
      zmq_msg_init (&msg);
      zmq_msg_recv (&msg, b->fake.sock, 0);
      bytes = g_bytes_new (zmq_msg_data (&msg), zmq_msg_size (&msg));
      zmq_msg_close (&msg);
      m = lia_sync_message_decode (bytes, &error);
      g_assert_no_error (error);
      if (m->session != 61)
        continue;
      if (m->type == LIA_SYNC_MSG_BATCH)
        {
          g_assert_false (done);
          batches++;
          fake_send (&b->fake, lia_sync_message_new_ack (61, m->batch.seq, NULL));
        }
      else if (m->type == LIA_SYNC_MSG_DONE)
        done = TRUE;
      else if (m->type == LIA_SYNC_MSG_CHUNK)
        {
          /* Only once every envelope has gone. */
          g_assert_true (done);
          g_assert_cmpuint (m->chunk.status, ==, LIA_SYNC_CHUNK_OK);
          chunks++;
        }
    }
  g_test_message ("%u batches, then %u chunks", batches, chunks);
  g_assert_cmpuint (batches, >=, 3);
}

/* A WANT is answered chunk by chunk: a chunk nobody here lists is
 * refused, as one the asker is not entitled to would be (the two are not
 * told apart). */
static void
test_want_answered (Bad *b, gconstpointer data)
{
  g_autoptr (LiaSyncMessage) G_GNUC_UNUSED welcome = fake_hello (&b->fake, 51);
  g_autoptr (LiaSyncMessage) chunk = NULL;
  GPtrArray *hashes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint8 hash[32] = { 0xab };

  g_ptr_array_add (hashes, g_bytes_new (hash, 32));
  fake_send (&b->fake, lia_sync_message_new_want (51, hashes));
  chunk = fake_expect (&b->fake, LIA_SYNC_MSG_CHUNK);
  g_assert_cmpmem (chunk->chunk.hash, 32, hash, 32);
  g_assert_cmpuint (chunk->chunk.status, ==, LIA_SYNC_CHUNK_REFUSED);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);
  log_lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_default_handler (log_handler, NULL);

#define PAIR(path, func) g_test_add (path, Pair, NULL, pair_setup, func, pair_teardown)
  PAIR ("/sync/two-nodes", test_two_nodes);
#define NET(path, n, func)                                                                         \
  g_test_add (path, Net, GUINT_TO_POINTER (n), net_setup, func, net_teardown)
  NET ("/sync/relay", 5, test_relay);
  NET ("/sync/no-listener", 2, test_no_listener);
  NET ("/sync/refused/unknown-key", 2, test_unknown_key_refused);
  NET ("/sync/refused/revoked-while-connected", 3, test_revoked_while_connected);
  NET ("/sync/lifecycle", 3, test_lifecycle);
  NET ("/sync/attachment/resumes", 3, test_attachment_resumes);
  {
    const char *count = g_getenv ("LIAISON_SYNC_WORLDS");
    const char *first = g_getenv ("LIAISON_SYNC_WORLD_SEED");
    guint n = count != NULL ? (guint) g_ascii_strtoull (count, NULL, 10) : 6;
    guint seed = first != NULL ? (guint) g_ascii_strtoull (first, NULL, 10) : 1;

    for (guint i = 0; i < n; i++)
      {
        g_autofree char *path = g_strdup_printf ("/sync/need-to-know/%u", seed + i);

        NET (path, 4 | ((seed + i) << 8), test_need_to_know);
      }
  }
#define BAD(path, func) g_test_add (path, Bad, NULL, bad_setup, func, bad_teardown)
  BAD ("/sync/bad-input/random-bytes", test_bad_random_bytes);
  BAD ("/sync/bad-input/gvariant", test_bad_gvariant);
  BAD ("/sync/bad-input/oversized", test_bad_oversized);
  BAD ("/sync/bad-input/type-and-version", test_bad_type_and_version);
  BAD ("/sync/bad-input/bad-envelope-and-replay", test_bad_envelope_and_replay);
  BAD ("/sync/bad-input/stops-mid-batch", test_bad_stops_mid_batch);
  BAD ("/sync/bad-input/flooding", test_bad_flooding);
  BAD ("/sync/bad-input/out-of-turn", test_bad_out_of_turn);
  BAD ("/sync/want-answered", test_want_answered);
  BAD ("/sync/attachment/chunks-after-envelopes", test_chunks_after_envelopes);
  return g_test_run ();
}
