/* test-sync-cli.c: liaison-cli serve, sync and status, as separate
 * processes on 127.0.0.1, and crash safety: while envelopes sync, the
 * receiving node (and sometimes the sending one) is killed with SIGKILL at
 * random points; after each kill its store checks clean and holds every
 * envelope it acknowledged, and in the end both sides hold the same.
 *
 * The stores are made in this process with the tests' cheap key
 * derivation (lia_test_init()), which their key files carry, so that the
 * liaison-cli processes unlock them cheaply too. Ports are picked here (a
 * port bound and let go), so that the invites can name them up front.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "lia-exchange.h"
#include "lia-holdings.h"
#include "lia-invite.h"
#include "lia-log.h"
#include "lia-peer.h"
#include "lia-record.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

#define DEADLINE_S 600

/* A port on 127.0.0.1 that nothing listens on now. */
static guint16
free_port (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static char *
new_case_for (LiaStore *store, LiaStore *with)
{
  g_autoptr (GError) error = NULL;
  LiaCaseDraft draft = {
    .title = "Child K", .child = "Child K", .area = "Northshire", .aware = "2026-09-01",
    .type = "serious-harm",
  };
  char *id = lia_case_create (store, &draft, "A. Lead", &error);
  g_autoptr (LiaOrg) org = NULL;
  const char *notes[] = { "note", NULL };

  g_assert_no_error (error);
  org = lia_store_find_org (store, lia_store_get_org_name (with), &error);
  g_assert_no_error (error);
  g_assert_true (lia_case_add_participant (store, id, org, LIA_ROLE_POLICE, "A. Contact", NULL,
                                           NULL, &error));
  g_assert_true (lia_case_share (store, id, lia_store_get_org_name (with), notes, NULL, &error));
  g_assert_no_error (error);
  return id;
}

/* @n notes of about 1 KiB; the store's connection does not wait for the
 * disk here (this is set-up, not what is tested). */
static void
add_notes (LiaStore *store, const char *case_id, guint n)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *filler = g_strnfill (1000, 'x');

  lia_test_exec (store, "PRAGMA synchronous = OFF");
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GHashTable) fields = g_hash_table_new (g_str_hash, g_str_equal);
      g_autofree char *id = NULL;
      g_autofree char *text = g_strdup_printf ("%010u %s", i, filler);

      g_hash_table_insert (fields, "text", text);
      id = lia_record_add (store, case_id, LIA_RECORD_NOTE, fields, &error);
      g_assert_no_error (error);
    }
  lia_test_exec (store, "PRAGMA synchronous = FULL");
  g_assert_true (lia_exchange_seal_pending (store, NULL, &error));
}

/* ---- processes ----------------------------------------------------------------- */

typedef LiaTestProc Proc;

static void
wait_until (LiaTestCondition condition, gpointer data, const char *what)
{
  lia_test_wait_until (condition, data, DEADLINE_S, what);
}

/* liaison-cli --store @store_dir @args, with the test's isolated
 * directories and the passphrase; with every sync acknowledgement logged
 * if @debug. */
static Proc *
proc_spawn (const char *store_dir, gboolean debug, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *env[] = {
    "HOME", g_get_home_dir (),
    "XDG_DATA_HOME", g_get_user_data_dir (),
    "XDG_CONFIG_HOME", g_get_user_config_dir (),
    "XDG_CACHE_HOME", g_get_user_cache_dir (),
    "LIAISON_PASSPHRASE", LIA_TEST_PASSPHRASE,
    "G_MESSAGES_DEBUG", debug ? "liaison-sync" : NULL,
    NULL,
  };

  g_ptr_array_add (argv, (gpointer) g_getenv ("LIAISON_CLI"));
  g_ptr_array_add (argv, (gpointer) "--store");
  g_ptr_array_add (argv, (gpointer) store_dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  return lia_test_proc_spawn ((const char *const *) argv->pdata, env);
}

static int
proc_wait (Proc *proc)
{
  return lia_test_proc_wait (proc, DEADLINE_S);
}

/* What it said (but the acknowledgements: thousands), then it goes. */
static void
proc_free (Proc *proc)
{
  if (proc == NULL)
    return;
  for (guint i = 0; i < proc->err_lines->len; i++)
    if (strstr (proc->err_lines->pdata[i], "acknowledged batch") == NULL)
      g_test_message ("  stderr: %s", (char *) proc->err_lines->pdata[i]);
  lia_test_proc_free (proc);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Proc, proc_free)

static gboolean
has_out_line (gpointer data)
{
  Proc *proc = data;

  return proc->out_lines->len > 0 || proc->out_done;
}

/* liaison-cli --json serve: waits for its "listening" line. */
static Proc *
serve_start (const char *store_dir, const char *listen, gboolean debug)
{
  const char *args[] = { "--json", "serve", "--listen", listen, NULL };
  Proc *proc = proc_spawn (store_dir, debug, args);

  wait_until (has_out_line, proc, "serve to listen");
  g_assert_cmpuint (proc->out_lines->len, >, 0);
  g_assert_nonnull (strstr (proc->out_lines->pdata[0], "\"event\":\"listening\""));
  return proc;
}

static gboolean
line_matches (GPtrArray *lines, const char *needle)
{
  for (guint i = 0; i < lines->len; i++)
    if (strstr (lines->pdata[i], needle) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
synced_logged (gpointer data)
{
  Proc *proc = data;

  return line_matches (proc->out_lines, "\"event\":\"synced\"") || proc->out_done;
}

static LiaTestCliRun *
run_cli (const char *store_dir, const char *const *args)
{
  return lia_test_run_cli (LIA_TEST_PASSPHRASE, NULL, store_dir, args);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* ---- serve, sync, status ---------------------------------------------------------- */

static void
test_serve_sync_status (void)
{
  g_autoptr (LiaStore) alpha
    = lia_test_create_store_of_kind ("Alpha Council", LIA_ORG_KIND_LOCAL_AUTHORITY);
  g_autoptr (LiaStore) beta = lia_test_create_store_of_kind ("Beta Police", LIA_ORG_KIND_POLICE);
  g_autofree char *alpha_dir = g_strdup (lia_store_get_directory (alpha));
  g_autofree char *beta_dir = g_strdup (lia_store_get_directory (beta));
  g_autofree char *endpoint = g_strdup_printf ("tcp://127.0.0.1:%u", free_port ());
  g_autofree char *case_id = NULL;
  g_autoptr (Proc) serve = NULL;
  g_autoptr (LiaTestCliRun) sync = NULL, again = NULL, status = NULL, before = NULL;
  g_autoptr (JsonNode) json = NULL, status_json = NULL;
  JsonObject *peer;

  lia_test_introduce_at (alpha, endpoint, beta);
  lia_test_introduce_at (beta, NULL, alpha);
  case_id = new_case_for (alpha, beta);
  add_notes (alpha, case_id, 5);
  g_clear_object (&alpha);
  g_clear_object (&beta);

  before = run_cli (beta_dir, (const char *[]) { "status", NULL });
  g_assert_cmpint (before->status, ==, 0);
  g_assert_nonnull (strstr (before->out, "never synced"));
  g_assert_nonnull (strstr (before->out, "has not listened yet"));

  serve = serve_start (alpha_dir, endpoint, TRUE);
  sync = run_cli (beta_dir, (const char *[]) { "sync", NULL });
  if (strstr (sync->out, "Alpha Council: up to date (6 envelopes received, 0 sent)") == NULL)
    {
      g_test_message ("sync's stderr:\n%s", sync->err);
      for (guint i = 0; i < serve->err_lines->len; i++)
        g_test_message ("serve: %s", (char *) serve->err_lines->pdata[i]);
    }
  g_assert_cmpint (sync->status, ==, 0);
  g_assert_nonnull (strstr (sync->out, "Alpha Council: up to date (6 envelopes received, 0 sent)"));

  again = run_cli (beta_dir, (const char *[]) { "--json", "sync", "Alpha", NULL });
  g_assert_cmpint (again->status, ==, 0);
  json = parse_json (again->out);
  peer = json_array_get_object_element (json_object_get_array_member (
                                          json_node_get_object (json), "peers"), 0);
  g_assert_true (json_object_get_boolean_member (peer, "ok"));
  g_assert_cmpint (json_object_get_int_member (peer, "received"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (peer, "name"), ==, "Alpha Council");

  status = run_cli (beta_dir, (const char *[]) { "--json", "status", NULL });
  g_assert_cmpint (status->status, ==, 0);
  status_json = parse_json (status->out);
  peer = json_array_get_object_element (json_object_get_array_member (
                                          json_node_get_object (status_json), "peers"), 0);
  g_assert_cmpstr (json_object_get_string_member (peer, "status"), ==, "up-to-date");
  g_assert_cmpint (json_object_get_int_member (peer, "pending_out"), ==, 0);
  g_assert_nonnull (json_object_get_string_member (peer, "last_sync"));
  g_assert_true (json_object_get_null_member (peer, "last_error"));

  /* The server logged each sync, and stops cleanly on SIGTERM. */
  wait_until (synced_logged, serve, "serve to log a sync");
  g_subprocess_send_signal (serve->process, SIGTERM);
  g_assert_cmpint (proc_wait (serve), ==, 0);

  /* Where it listened is remembered: serve needs no --listen next time. */
  {
    g_autoptr (LiaTestCliRun) alpha_status
      = run_cli (alpha_dir, (const char *[]){ "status", NULL });
    g_autofree char *says = g_strdup_printf ("listens on %s", endpoint);

    g_assert_nonnull (strstr (alpha_status->out, says));
    g_assert_nonnull (strstr (alpha_status->out, "Beta Police"));
  }
  {
    const char *args[] = { "--json", "serve", NULL };
    g_autoptr (Proc) remembered = proc_spawn (alpha_dir, FALSE, args);

    wait_until (has_out_line, remembered, "serve to listen");
    g_assert_nonnull (strstr (remembered->out_lines->pdata[0], endpoint));
    g_subprocess_send_signal (remembered->process, SIGINT);
    g_assert_cmpint (proc_wait (remembered), ==, 0);
  }
}

/* What goes wrong is said per peer, and the exit status says it failed. */
static void
test_sync_failures (void)
{
  g_autoptr (LiaStore) alpha
    = lia_test_create_store_of_kind ("Alpha Council", LIA_ORG_KIND_LOCAL_AUTHORITY);
  g_autoptr (LiaStore) beta = lia_test_create_store_of_kind ("Beta Police", LIA_ORG_KIND_POLICE);
  g_autoptr (LiaStore) gamma = lia_test_create_store_of_kind ("Gamma ICB", LIA_ORG_KIND_ICB);
  g_autofree char *beta_dir = g_strdup (lia_store_get_directory (beta));
  g_autofree char *nowhere = g_strdup_printf ("tcp://127.0.0.1:%u", free_port ());
  g_autoptr (LiaTestCliRun) unreachable = NULL, unknown = NULL, removed = NULL, bad_listen = NULL;
  g_autoptr (LiaTestCliRun) no_listen = NULL, bad_timeout = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *says = NULL;

  lia_test_introduce_at (alpha, nowhere, beta);
  lia_test_introduce_at (gamma, NULL, beta);
  {
    g_autoptr (LiaPeer) peer = lia_store_find_peer (beta, "Gamma", &error);

    g_assert_no_error (error);
    g_assert_true (lia_store_revoke_peer (beta, peer, &error));
  }
  g_clear_object (&beta);

  unreachable = run_cli (beta_dir, (const char *[]) { "sync", "--timeout", "120", NULL });
  g_assert_cmpint (unreachable->status, ==, 2);
  says = g_strdup_printf ("could not sync with Alpha Council: Nothing answered at %s", nowhere);
  g_assert_nonnull (strstr (unreachable->err, says));

  unknown = run_cli (beta_dir, (const char *[]) { "sync", "Nobody", NULL });
  g_assert_cmpint (unknown->status, ==, 2);
  g_assert_nonnull (strstr (unknown->err, "Nobody"));

  removed = run_cli (beta_dir, (const char *[]) { "sync", "Gamma", NULL });
  g_assert_cmpint (removed->status, ==, 2);
  g_assert_nonnull (strstr (removed->err, "Gamma ICB was removed as a peer"));

  bad_listen = run_cli (beta_dir, (const char *[]){ "serve", "--listen", "udp://0.0.0.0:5", NULL });
  g_assert_cmpint (bad_listen->status, ==, 1);
  g_assert_nonnull (strstr (bad_listen->err, "is not an endpoint to listen on"));

  no_listen = run_cli (beta_dir, (const char *[]) { "serve", NULL });
  g_assert_cmpint (no_listen->status, ==, 1);
  g_assert_nonnull (strstr (no_listen->err, "Say where to listen"));

  bad_timeout = run_cli (beta_dir, (const char *[]) { "sync", "--timeout", "-3", NULL });
  g_assert_cmpint (bad_timeout->status, ==, 1);
}

/* ---- crash safety ----------------------------------------------------------------- */

typedef struct
{
  char       *alpha_dir;
  char       *beta_dir;
  char       *alpha_listen;
  char       *beta_listen;
  guint       n_envelopes;   /* Alpha's envelopes for Beta */
  GArray     *acked;         /* LiaNumberRun, as Alpha's logs said, in any order */
  Proc       *alpha;
  Proc       *beta;
  guint       alpha_lines_read;
  guint       syncs_seen;    /* "Synced with Beta Police" in Alpha's logs */
  GRand      *rand;
} Crash;

/* "Beta Police acknowledged batch 3 of session ...: 0123abcd...:601-1200,1202" */
static void
collect_acks (Crash *c)
{
  for (; c->alpha_lines_read < c->alpha->err_lines->len; c->alpha_lines_read++)
    {
      const char *line = c->alpha->err_lines->pdata[c->alpha_lines_read];
      const char *colon;
      g_auto (GStrv) runs = NULL;

      if (strstr (line, "Synced with Beta Police") != NULL)
        c->syncs_seen++;
      if (strstr (line, "Beta Police acknowledged batch") == NULL)
        continue;
      colon = strrchr (line, ':');
      g_assert_nonnull (colon);
      runs = g_strsplit (colon + 1, ",", -1);
      for (guint i = 0; runs[i] != NULL; i++)
        {
          LiaNumberRun run;
          char *end = NULL;

          run.first = g_ascii_strtoull (runs[i], &end, 10);
          run.last = *end == '-' ? g_ascii_strtoull (end + 1, NULL, 10) : run.first;
          g_array_append_val (c->acked, run);
        }
    }
}

static guint
acks_seen (Crash *c)
{
  collect_acks (c);
  return c->acked->len;
}

typedef struct
{
  Crash *c;
  guint  at_least;
  guint  syncs;
} AckWait;

/* Enough acknowledgements; or a sync finished (everything is there, for
 * now: the point is taken wherever the stream is); or a node ended. */
static gboolean
acks_reached (gpointer data)
{
  AckWait *w = data;

  return acks_seen (w->c) >= w->at_least || w->c->syncs_seen > w->syncs
         || w->c->beta->out_done || w->c->alpha->out_done;
}

static gboolean
timer_done_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* A random point: after @acks more acknowledgements, and then up to
 * @max_ms more; a moment of the test's choosing, not a synchronisation. */
static void
wait_random_point (Crash *c, guint acks, guint max_ms)
{
  AckWait w = { c, acks_seen (c) + acks, c->syncs_seen };
  gboolean done = FALSE;

  wait_until (acks_reached, &w, "acknowledgements");
  g_timeout_add (g_rand_int_range (c->rand, 0, max_ms + 1), timer_done_cb, &done);
  wait_until (flag_set, &done, "a random moment");
}

static LiaStore *
open_store (const char *dir)
{
  g_autoptr (GError) error = NULL;
  LiaStore *store = lia_store_open (dir, LIA_TEST_PASSPHRASE, NULL, &error);

  g_assert_no_error (error);
  return store;
}

/* After a crash: the store checks clean (every page authenticates, SQLite
 * finds it consistent) and the disclosure log verifies. */
static void
assert_store_sound (const char *dir)
{
  g_autoptr (LiaStore) store = open_store (dir);
  g_autoptr (GError) error = NULL;

  g_assert_true (lia_store_check (store, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (lia_log_verify (store, NULL, &error));
  g_assert_no_error (error);
}

/* Beta holds every envelope Alpha saw it acknowledge. */
static void
assert_acked_present (Crash *c)
{
  g_autoptr (LiaStore) beta = open_store (c->beta_dir);
  sqlite3_stmt *stmt = NULL;
  guint64 checked = 0;

  collect_acks (c);
  g_assert_cmpint (sqlite3_prepare_v2 (lia_store_get_db (beta),
                                       "SELECT count (*) FROM envelope_recipient "
                                       "WHERE author != 1 AND recipient = 1 "
                                       "AND number BETWEEN ? AND ?", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  for (guint i = 0; i < c->acked->len; i++)
    {
      const LiaNumberRun *run = &g_array_index (c->acked, LiaNumberRun, i);

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, run->first);
      sqlite3_bind_int64 (stmt, 2, run->last);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      if ((guint64) sqlite3_column_int64 (stmt, 0) != run->last - run->first + 1)
        g_error ("Beta acknowledged envelopes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                 " but holds %" G_GINT64_FORMAT " of them", run->first, run->last,
                 (gint64) sqlite3_column_int64 (stmt, 0));
      checked += run->last - run->first + 1;
    }
  sqlite3_finalize (stmt);
  g_test_message ("Beta holds all %" G_GUINT64_FORMAT " envelope numbers it acknowledged",
                  checked);
}

static void
kill_and_check (Crash *c, Proc **which, const char *dir, const char *who)
{
  if (!(*which)->out_done)
    {
      g_subprocess_send_signal ((*which)->process, SIGKILL);
      g_assert_cmpint (proc_wait (*which), ==, -SIGKILL);
    }
  else
    g_test_message ("%s had ended by itself (%d)", who, proc_wait (*which));
  if (which == &c->alpha)
    {
      /* Every line it wrote has been read: its acknowledgements count. */
      collect_acks (c);
      c->alpha_lines_read = 0;
    }
  g_clear_pointer (which, proc_free);
  assert_store_sound (dir);
}

static gboolean
beta_complete (gpointer data)
{
  Crash *c = data;
  g_autoptr (LiaStore) beta = NULL;
  gint64 held;

  /* Asked of the store, from here, now and then. */
  beta = open_store (c->beta_dir);
  held = lia_test_query_int (beta, "SELECT count (*) FROM envelope WHERE author != 1");
  return held == (gint64) c->n_envelopes;
}

static gboolean
poll_timer_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
test_crash (void)
{
  const char *count = g_getenv ("LIAISON_SYNC_CRASH_ENVELOPES");
  guint n_notes = count != NULL ? (guint) g_ascii_strtoull (count, NULL, 10) : 20000;
  g_autoptr (LiaStore) alpha
    = lia_test_create_store_of_kind ("Alpha Council", LIA_ORG_KIND_LOCAL_AUTHORITY);
  g_autoptr (LiaStore) beta = lia_test_create_store_of_kind ("Beta Police", LIA_ORG_KIND_POLICE);
  g_autofree char *case_id = NULL;
  Crash c = { 0 };
  guint receiver_kills = 0, sender_kills = 0;
  guint poll;

  c.rand = g_rand_new_with_seed (g_test_rand_int ());
  c.acked = g_array_new (FALSE, FALSE, sizeof (LiaNumberRun));
  c.alpha_dir = g_strdup (lia_store_get_directory (alpha));
  c.beta_dir = g_strdup (lia_store_get_directory (beta));
  c.alpha_listen = g_strdup_printf ("tcp://127.0.0.1:%u", free_port ());
  c.beta_listen = g_strdup_printf ("tcp://127.0.0.1:%u", free_port ());
  lia_test_introduce_at (alpha, c.alpha_listen, beta);
  lia_test_introduce_at (beta, c.beta_listen, alpha);
  case_id = new_case_for (alpha, beta);
  add_notes (alpha, case_id, n_notes);
  c.n_envelopes = lia_test_query_int (alpha, "SELECT count (*) FROM envelope_recipient "
                                             "WHERE recipient != 1");
  g_test_message ("%u envelopes for Beta (%u notes and the case)", c.n_envelopes, n_notes);
  g_assert_cmpuint (c.n_envelopes, ==, n_notes + 1);
  g_clear_object (&alpha);
  g_clear_object (&beta);

  c.alpha = serve_start (c.alpha_dir, c.alpha_listen, TRUE);
  /* The receiver is killed at least 20 times, the sender 4 times, each at
   * a random point of the stream (after 0 or 1 more acknowledgement, then
   * up to 300 ms). */
  while (receiver_kills < 20 || sender_kills < 4)
    {
      gboolean kill_sender = sender_kills < 4 && (receiver_kills + sender_kills) % 6 == 5;

      if (c.beta == NULL)
        c.beta = serve_start (c.beta_dir, c.beta_listen, FALSE);
      if (c.alpha == NULL)
        c.alpha = serve_start (c.alpha_dir, c.alpha_listen, TRUE);
      wait_random_point (&c, g_rand_int_range (c.rand, 0, 2), 300);
      if (kill_sender)
        {
          kill_and_check (&c, &c.alpha, c.alpha_dir, "Alpha");
          sender_kills++;
        }
      else
        {
          kill_and_check (&c, &c.beta, c.beta_dir, "Beta");
          assert_acked_present (&c);
          receiver_kills++;
        }
    }
  g_test_message ("killed the receiver %u times and the sender %u times, with %u "
                  "acknowledgements seen", receiver_kills, sender_kills, c.acked->len);

  /* Then both run until Beta holds everything. */
  if (c.beta == NULL)
    c.beta = serve_start (c.beta_dir, c.beta_listen, FALSE);
  if (c.alpha == NULL)
    c.alpha = serve_start (c.alpha_dir, c.alpha_listen, TRUE);
  poll = g_timeout_add (500, poll_timer_cb, NULL);
  wait_until (beta_complete, &c, "Beta to hold every envelope");
  g_source_remove (poll);
  g_subprocess_send_signal (c.beta->process, SIGTERM);
  g_assert_cmpint (proc_wait (c.beta), ==, 0);
  g_subprocess_send_signal (c.alpha->process, SIGTERM);
  g_assert_cmpint (proc_wait (c.alpha), ==, 0);
  assert_acked_present (&c);
  assert_store_sound (c.alpha_dir);
  assert_store_sound (c.beta_dir);

  /* Both sides the same: Beta holds exactly Alpha's envelopes for it, and
   * Alpha has nothing more for Beta as Beta now stands. */
  {
    g_autoptr (LiaStore) a = open_store (c.alpha_dir);
    g_autoptr (LiaStore) b = open_store (c.beta_dir);
    g_autoptr (GError) error = NULL;
    g_autoptr (GPtrArray) holdings = lia_store_dup_holdings (b, 4096, &error);
    g_autoptr (LiaOutbox) outbox = NULL;

    g_assert_no_error (error);
    outbox = lia_outbox_new (a, g_bytes_get_data (lia_store_get_identity_public_key (b), NULL),
                             holdings, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (lia_outbox_get_total (outbox), ==, 0);
    g_assert_cmpint (lia_test_query_int (b, "SELECT count (*) FROM record"), ==, n_notes);
    g_assert_cmpint (lia_test_query_int (b, "SELECT count (DISTINCT hash) FROM envelope "
                                            "WHERE author != 1"), ==, c.n_envelopes);
  }

  g_clear_pointer (&c.alpha, proc_free);
  g_clear_pointer (&c.beta, proc_free);
  g_array_unref (c.acked);
  g_rand_free (c.rand);
  g_free (c.alpha_dir);
  g_free (c.beta_dir);
  g_free (c.alpha_listen);
  g_free (c.beta_listen);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/sync-cli/serve-sync-status", test_serve_sync_status);
  g_test_add_func ("/sync-cli/failures", test_sync_failures);
  g_test_add_func ("/sync-cli/crash", test_crash);
  return g_test_run ();
}
