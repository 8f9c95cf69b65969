/* cli-sync.c: liaison-cli's commands for network sync: serve, sync, status.
 *
 * serve runs a sync engine (sync/lia-sync-engine.h) in the foreground,
 * listening, until SIGINT or SIGTERM; sync runs one that only connects out,
 * once, to every peer or the one named; status reads what the store
 * remembers of each peer's syncs, whether or not an engine runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib-unix.h>

#include "cli.h"
#include "cli-json.h"
#include "lia-peer.h"
#include "lia-sync-engine.h"

#define DEFAULT_TIMEOUT 60

static struct
{
  char *listen;
  int   timeout;
} opt;

static gboolean
reset_options (const char *name, const char *value, gpointer data, GError **error)
{
  g_clear_pointer (&opt.listen, g_free);
  opt.timeout = 0;
  return TRUE;
}

static char *
human_time (gint64 unix_time)
{
  g_autoptr (GDateTime) time = unix_time != 0 ? g_date_time_new_from_unix_local (unix_time) : NULL;

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M:%S") : g_strdup ("never");
}

static char *
now_text (void)
{
  return human_time (g_get_real_time () / G_USEC_PER_SEC);
}

static void
state_object (CliJson                *b,
              const LiaSyncPeerState *state,
              gboolean                live)
{
  cli_json_begin_object (b);
  cli_json_member_string (b, "name", state->name);
  cli_json_member_string (b, "fingerprint", state->fingerprint);
  /* Without an engine running, a peer never tried has no status. */
  cli_json_member_string (b, "status", live || state->last_attempt != 0
                                         ? lia_sync_peer_status_to_string (state->status) : NULL);
  cli_json_member_string (b, "endpoint", state->endpoint);
  cli_json_member_time (b, "last_sync", state->last_sync);
  cli_json_member_time (b, "last_attempt", state->last_attempt);
  cli_json_member_string (b, "last_error", state->last_error);
  if (state->pending_out >= 0)
    cli_json_member_int (b, "pending_out", state->pending_out);
  else
    {
      cli_json_member (b, "pending_out");
      cli_json_null (b);
    }
  cli_json_end_object (b);
}

/* ---- the engine's log ----------------------------------------------------------- */

static gboolean log_json;

/* The engine's messages, one a line on standard error with the time; its
 * debugging (every acknowledgement) only when G_MESSAGES_DEBUG asks. */
static void
log_cb (const char     *domain,
        GLogLevelFlags  level,
        const char     *message,
        gpointer        data)
{
  const char *debug = g_getenv ("G_MESSAGES_DEBUG");
  g_autofree char *now = now_text ();
  const char *what = (level & G_LOG_LEVEL_ERROR)      ? "error: "
                     : (level & G_LOG_LEVEL_CRITICAL) ? "critical: "
                     : (level & G_LOG_LEVEL_WARNING)  ? "warning: "
                                                      : "";

  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
      && (debug == NULL || (strstr (debug, domain) == NULL && strstr (debug, "all") == NULL)))
    return;
  fprintf (stderr, "%s %s%s\n", now, what, message);
  fflush (stderr);
}

static void
engine_log_to_stderr (void)
{
  g_log_set_handler ("liaison-sync", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                     log_cb, NULL);
}

/* ---- serve ----------------------------------------------------------------------- */

typedef struct
{
  GMainLoop     *loop;
  LiaSyncEngine *engine;
  GHashTable    *statuses;   /* fingerprint -> LiaSyncPeerStatus last printed */
} Serve;

static LiaSyncPeerState *
find_state (LiaSyncEngine *engine,
            const char    *fingerprint)
{
  g_autoptr (GPtrArray) states = lia_sync_engine_dup_peer_states (engine);

  for (guint i = 0; i < states->len; i++)
    {
      LiaSyncPeerState *state = states->pdata[i];

      if (g_str_equal (state->fingerprint, fingerprint))
        return lia_sync_peer_state_copy (state);
    }
  return NULL;
}

static void
print_event (const char             *event,
             const LiaSyncPeerState *state)
{
  g_autofree char *now = now_text ();

  if (log_json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_string (b, "event", event);
      cli_json_member_string (b, "peer", state->name);
      cli_json_member_string (b, "fingerprint", state->fingerprint);
      cli_json_member_string (b, "status", lia_sync_peer_status_to_string (state->status));
      cli_json_member_int (b, "received", state->last_received);
      cli_json_member_int (b, "sent", state->last_sent);
      cli_json_member_string (b, "error", state->last_error);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  else if (g_str_equal (event, "synced"))
    g_print ("%s Synced with %s: %" G_GUINT64_FORMAT " envelope%s received, %" G_GUINT64_FORMAT
             " sent\n", now, state->name, state->last_received,
             state->last_received == 1 ? "" : "s", state->last_sent);
  else if (g_str_equal (event, "failed"))
    g_print ("%s Sync with %s failed: %s\n", now, state->name,
             state->last_error != NULL ? state->last_error : "no reason given");
  else
    g_print ("%s %s: %s%s%s\n", now, state->name, lia_sync_peer_status_to_string (state->status),
             state->last_error != NULL ? ": " : "",
             state->last_error != NULL ? state->last_error : "");
  fflush (stdout);
}

static void
serve_finished_cb (LiaSyncEngine *engine,
                   const char    *fingerprint,
                   gboolean       ok,
                   Serve         *serve)
{
  g_autoptr (LiaSyncPeerState) state = find_state (engine, fingerprint);

  if (state != NULL)
    print_event (ok ? "synced" : "failed", state);
}

/* Unreachable and refused are worth a line when they begin. */
static void
serve_state_cb (LiaSyncEngine *engine,
                const char    *fingerprint,
                Serve         *serve)
{
  g_autoptr (LiaSyncPeerState) state = find_state (engine, fingerprint);
  gpointer before;

  if (state == NULL)
    return;
  before = g_hash_table_lookup (serve->statuses, fingerprint);
  if (before != NULL && GPOINTER_TO_INT (before) - 1 == (int) state->status)
    return;
  g_hash_table_replace (serve->statuses, g_strdup (fingerprint),
                        GINT_TO_POINTER (state->status + 1));
  if (state->status == LIA_SYNC_PEER_UNREACHABLE || state->status == LIA_SYNC_PEER_REFUSED)
    print_event (lia_sync_peer_status_to_string (state->status), state);
}

static gboolean
quit_cb (gpointer data)
{
  Serve *serve = data;

  g_main_loop_quit (serve->loop);
  return G_SOURCE_CONTINUE;
}

static int
cmd_serve (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (LiaSyncEngine) engine = NULL;
  g_autoptr (GHashTable) statuses = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *fingerprint = NULL;
  Serve serve;
  guint sigint, sigterm;

  if (opt.listen != NULL && !lia_sync_listen_endpoint_is_valid (opt.listen))
    return cli_usage_error ("“%s” is not an endpoint to listen on: give tcp://ADDRESS:PORT, "
                            "where ADDRESS is an address of this machine (or * for all of "
                            "them) and PORT a number from 1 to 65535", opt.listen);
  store = cli_open_store (options, &error);
  if (store == NULL)
    return cli_fail (error);
  listen
    = opt.listen != NULL ? g_strdup (opt.listen) : lia_sync_dup_listen_endpoint (store, &error);
  if (listen == NULL)
    {
      if (error != NULL)
        return cli_fail (error);
      return cli_usage_error ("Say where to listen: serve --listen tcp://ADDRESS:PORT (it is "
                              "remembered for next time)");
    }

  log_json = options->json;
  engine_log_to_stderr ();
  engine = lia_sync_engine_new (store, listen, &error);
  if (engine == NULL || !lia_sync_engine_start (engine, &error))
    return cli_fail (error);

  loop = g_main_loop_new (NULL, FALSE);
  statuses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  serve = (Serve) { loop, engine, statuses };
  g_signal_connect (engine, "sync-finished", G_CALLBACK (serve_finished_cb), &serve);
  g_signal_connect (engine, "peer-state-changed", G_CALLBACK (serve_state_cb), &serve);
  sigint = g_unix_signal_add (SIGINT, quit_cb, &serve);
  sigterm = g_unix_signal_add (SIGTERM, quit_cb, &serve);

  fingerprint = lia_store_dup_fingerprint (store);
  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_string (b, "event", "listening");
      cli_json_member_string (b, "endpoint", lia_sync_engine_get_listen_endpoint (engine));
      cli_json_member_string (b, "name", lia_store_get_org_name (store));
      cli_json_member_string (b, "fingerprint", fingerprint);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  else
    {
      g_autofree char *now = now_text ();

      g_print ("%s Listening on %s as %s (%s); stop with Ctrl+C\n", now,
               lia_sync_engine_get_listen_endpoint (engine), lia_store_get_org_name (store),
               fingerprint);
    }
  fflush (stdout);

  g_main_loop_run (loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  lia_sync_engine_stop (engine);
  if (!options->json)
    {
      g_autofree char *now = now_text ();

      g_print ("%s Stopped\n", now);
    }
  return EXIT_OK;
}

/* ---- sync ------------------------------------------------------------------------- */

typedef struct
{
  GMainLoop  *loop;
  GHashTable *waiting;   /* fingerprints not finished yet (owned keys) */
  GHashTable *results;   /* fingerprint -> GINT_TO_POINTER (ok + 1) */
} OneShot;

static void
one_shot_finished_cb (LiaSyncEngine *engine,
                      const char    *fingerprint,
                      gboolean       ok,
                      OneShot       *shot)
{
  if (!g_hash_table_remove (shot->waiting, fingerprint))
    return;
  g_hash_table_insert (shot->results, g_strdup (fingerprint), GINT_TO_POINTER (ok + 1));
  if (g_hash_table_size (shot->waiting) == 0)
    g_main_loop_quit (shot->loop);
}

static gboolean
one_shot_timeout_cb (gpointer data)
{
  OneShot *shot = data;

  g_main_loop_quit (shot->loop);
  return G_SOURCE_REMOVE;
}

static int
cmd_sync (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GPtrArray) peers = NULL;
  g_autoptr (LiaSyncEngine) engine = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GHashTable) waiting = NULL;
  g_autoptr (GHashTable) results = NULL;
  g_autoptr (GPtrArray) states = NULL;
  OneShot shot;
  int timeout = opt.timeout > 0 ? opt.timeout : DEFAULT_TIMEOUT;
  guint failed = 0, timer;
  CliJson *b = NULL;

  if (opt.timeout < 0 || opt.timeout > 86400)
    return cli_usage_error ("--timeout is a number of seconds from 1 to 86400");
  store = cli_open_store (options, &error);
  if (store == NULL)
    return cli_fail (error);

  peers = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_peer_free);
  if (options->n_args == 1)
    {
      LiaPeer *peer = lia_store_find_peer (store, options->args[0], &error);

      if (peer == NULL)
        return cli_fail (error);
      g_ptr_array_add (peers, peer);
      if (peer->revoked_at != 0)
        {
          g_printerr ("liaison-cli: %s was removed as a peer: nothing is synced with it\n",
                      peer->org->name);
          return EXIT_FAILED;
        }
    }
  else
    {
      g_autoptr (GPtrArray) current = lia_store_current_peers (store, &error);

      if (current == NULL)
        return cli_fail (error);
      for (guint i = 0; i < current->len; i++)
        g_ptr_array_add (peers, g_steal_pointer (&current->pdata[i]));
    }
  if (peers->len == 0)
    {
      if (options->json)
        g_print ("{\"peers\":[]}\n");
      else
        g_print ("No peers to sync with; add one with liaison-cli peer add CODE\n");
      return EXIT_OK;
    }

  engine_log_to_stderr ();
  engine = lia_sync_engine_new (store, NULL, &error);
  if (engine == NULL)
    return cli_fail (error);
  /* Only what was asked for, once. */
  g_object_set (engine, "automatic", FALSE, NULL);
  if (!lia_sync_engine_start (engine, &error))
    return cli_fail (error);

  loop = g_main_loop_new (NULL, FALSE);
  waiting = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  results = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < peers->len; i++)
    g_hash_table_add (waiting, g_strdup (((LiaPeer *) peers->pdata[i])->org->fingerprint));
  shot = (OneShot) { loop, waiting, results };
  g_signal_connect (engine, "sync-finished", G_CALLBACK (one_shot_finished_cb), &shot);
  lia_sync_engine_sync_now (engine, options->n_args == 1
                                      ? ((LiaPeer *) peers->pdata[0])->org->fingerprint
                                      : NULL);
  timer = g_timeout_add_seconds (timeout, one_shot_timeout_cb, &shot);
  g_main_loop_run (loop);
  if (g_hash_table_size (waiting) == 0)
    g_source_remove (timer);
  states = lia_sync_engine_dup_peer_states (engine);
  lia_sync_engine_stop (engine);

  if (options->json)
    {
      b = cli_json_new ();
      cli_json_begin_object (b);
      cli_json_member (b, "peers");
      cli_json_begin_array (b);
    }
  for (guint i = 0; i < peers->len; i++)
    {
      const LiaPeer *peer = peers->pdata[i];
      gpointer result = g_hash_table_lookup (results, peer->org->fingerprint);
      gboolean ok = GPOINTER_TO_INT (result) == 2;
      const LiaSyncPeerState *state = NULL;
      g_autofree char *why = NULL;

      for (guint j = 0; j < states->len; j++)
        if (g_str_equal (((LiaSyncPeerState *) states->pdata[j])->fingerprint,
                         peer->org->fingerprint))
          state = states->pdata[j];
      if (result == NULL && state != NULL && state->last_error != NULL)
        why = g_strdup_printf ("did not finish within %d s (%s)", timeout, state->last_error);
      else if (result == NULL)
        why = g_strdup_printf ("did not finish within %d s", timeout);
      else if (!ok)
        why = g_strdup (state != NULL && state->last_error != NULL ? state->last_error
                                                                   : "it failed");
      if (!ok)
        failed++;
      if (b != NULL)
        {
          cli_json_begin_object (b);
          cli_json_member_string (b, "name", peer->org->name);
          cli_json_member_string (b, "fingerprint", peer->org->fingerprint);
          cli_json_member_bool (b, "ok", ok);
          cli_json_member_int (b, "received",
                               ok && state != NULL ? (gint64)state->last_received : 0);
          cli_json_member_int (b, "sent", ok && state != NULL ? (gint64) state->last_sent : 0);
          cli_json_member_string (b, "error", why);
          cli_json_end_object (b);
        }
      else if (ok)
        g_print ("%s: up to date (%" G_GUINT64_FORMAT " envelope%s received, %" G_GUINT64_FORMAT
                 " sent)\n", peer->org->name, state != NULL ? state->last_received : 0,
                 state != NULL && state->last_received == 1 ? "" : "s",
                 state != NULL ? state->last_sent : 0);
      else
        g_printerr ("liaison-cli: could not sync with %s: %s\n", peer->org->name, why);
    }
  if (b != NULL)
    {
      cli_json_end_array (b);
      cli_json_end_object (b);
      cli_json_finish (b);
    }
  return failed == 0 ? EXIT_OK : EXIT_FAILED;
}

/* ---- status ----------------------------------------------------------------------- */

static int
cmd_status (CliOptions *options)
{
  GError *error = NULL;
  g_autoptr (LiaStore) store = cli_open_store (options, &error);
  g_autoptr (GPtrArray) states = NULL;
  g_autofree char *listen = NULL;

  if (store == NULL)
    return cli_fail (error);
  listen = lia_sync_dup_listen_endpoint (store, &error);
  if (error != NULL)
    return cli_fail (error);
  states = lia_sync_dup_saved_peer_states (store, &error);
  if (states == NULL)
    return cli_fail (error);

  if (options->json)
    {
      CliJson *b = cli_json_new ();

      cli_json_begin_object (b);
      cli_json_member_string (b, "listen", listen);
      cli_json_member (b, "peers");
      cli_json_begin_array (b);
      for (guint i = 0; i < states->len; i++)
        state_object (b, states->pdata[i], FALSE);
      cli_json_end_array (b);
      cli_json_end_object (b);
      cli_json_finish (b);
      return EXIT_OK;
    }

  if (listen != NULL)
    g_print ("This node listens on %s when it serves.\n", listen);
  else
    g_print ("This node has not listened yet (liaison-cli serve --listen tcp://ADDRESS:PORT).\n");
  if (states->len == 0)
    g_print ("No peers yet; add one with liaison-cli peer add CODE.\n");
  for (guint i = 0; i < states->len; i++)
    {
      const LiaSyncPeerState *state = states->pdata[i];
      g_autofree char *last_sync = human_time (state->last_sync);
      g_autofree char *last_attempt = human_time (state->last_attempt);

      g_print ("\n%s (%s)\n", state->name, state->fingerprint);
      if (state->last_attempt == 0)
        g_print ("  Status:        never synced\n");
      else
        g_print ("  Status:        %s (after the last attempt, %s)\n",
                 lia_sync_peer_status_to_string (state->status), last_attempt);
      g_print ("  Last sync:     %s\n", last_sync);
      g_print ("  Endpoint:      %s\n", state->endpoint != NULL ? state->endpoint
                                                               : "none (it connects here)");
      if (state->pending_out >= 0)
        g_print ("  To send:       %" G_GINT64_FORMAT " envelope%s\n", state->pending_out,
                 state->pending_out == 1 ? "" : "s");
      else
        g_print ("  To send:       not known until it has synced once\n");
      if (state->last_error != NULL)
        g_print ("  Last error:    %s\n", state->last_error);
    }
  return EXIT_OK;
}

/* ---- the table -------------------------------------------------------------------- */

static const GOptionEntry serve_entries[] = {
  { "listen", 0, 0, G_OPTION_ARG_STRING, &opt.listen,
    "Listen on this endpoint (remembered for next time)", "tcp://ADDRESS:PORT" },
  { NULL }
};

static const GOptionEntry sync_entries[] = {
  { "timeout", 0, 0, G_OPTION_ARG_INT, &opt.timeout,
    "Give up on peers that have not finished after SECONDS (default 60)", "SECONDS" },
  { NULL }
};

#define RESET , reset_options

const Command cli_sync_commands[] = {
  { "serve", NULL, "[--listen tcp://ADDRESS:PORT]", 0,
    "Sync with peers in the foreground, listening, until interrupted", serve_entries, cmd_serve,
    0 RESET },
  { "sync", NULL, "[ORG] [--timeout SECONDS]", 0,
    "Sync once with every reachable peer, or with ORG, and exit", sync_entries, cmd_sync,
    1 RESET },
  { "status", NULL, "", 0, "How each peer's syncs last went, and what is pending for it", NULL,
    cmd_status, 0 RESET },
};

const guint cli_sync_n_commands = G_N_ELEMENTS (cli_sync_commands);
