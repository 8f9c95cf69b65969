/* bench-sync.c: what a sync costs over the work it cannot do without.
 *
 * Two nodes on 127.0.0.1, each a real `liaison-cli serve` process: node A
 * holds N envelopes of about 1 KiB (notes of one case) addressed to node
 * B. The benchmark starts A, then B, and times B from the moment its
 * engine is up to the moment it says the sync has finished: every envelope
 * verified, opened, stored and applied in committed transactions
 * (synchronous=FULL), and acknowledged.
 *
 * In the same run, the floor: the same envelopes, read into memory here,
 * verified, unwrapped and decrypted (lia_exchange_open_envelope(), as B's
 * engine does) on as many threads as B's engine verifies on, with no
 * network and no store. The ratio floor/sync says how close the sync
 * comes to that (the target is 0.7).
 *
 * Then, with both up to date, B syncs once more (a one-shot `liaison-cli
 * sync`): its log of that session gives its messages, bytes and round
 * trips (the target is one round trip and under 1 KiB), to which the bytes
 * that ZeroMQ's framing and CURVE add to each message are added for the
 * bytes on the wire (the CURVE handshake of the new connection, about
 * 1 KiB, is not counted: a running node keeps its connections).
 *
 * Peak RSS of each node is read from /proc (VmHWM) before it is stopped;
 * the unlock's Argon2id (128 MiB, the shipped limits) is the largest part
 * of it, so the peak of the sync alone is given too (VmHWM reset with
 * /proc/PID/clear_refs once the node is listening).
 *
 *   ninja -C build tests/bench/bench-sync
 *   build/tests/bench/bench-sync [--envelopes N] [--text BYTES] [--case-last]
 *
 * Prints one JSON object on stdout; progress on stderr.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "lia-crypt-vfs.h"
#include "lia-exchange.h"
#include "lia-invite.h"
#include "lia-peer.h"
#include "lia-record.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

#define PASSPHRASE "bench passphrase"
/* ZeroMQ's framing of a message under CURVE: a short frame's 2 bytes, the
 * command name "\x07MESSAGE" (8), the nonce's 8, the flags byte and the
 * 16-byte tag. */
#define CURVE_FRAMING 35

static int opt_envelopes = 100000;
static int opt_text = 320;
static char *opt_keep = NULL;
static gboolean opt_case_last = FALSE;

static const GOptionEntry entries[]
  = { { "envelopes", 0, 0, G_OPTION_ARG_INT, &opt_envelopes,
        "Envelopes A holds for B (default 100000)", "N" },
      { "text", 0, 0, G_OPTION_ARG_INT, &opt_text,
        "Characters of each note (default 320: envelopes of about 1 KiB)", "N" },
      { "case-last", 0, 0, G_OPTION_ARG_NONE, &opt_case_last,
        "Seal the case after the notes, so that B applies them all when it comes", NULL },
      { "keep", 0, 0, G_OPTION_ARG_FILENAME, &opt_keep, "Make the stores here and keep them",
        "DIR" },
      { NULL } };

static double
now_s (void)
{
  return g_get_monotonic_time () / (double) G_USEC_PER_SEC;
}

static guint16
free_port (void)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, address, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
introduce (LiaStore *from, const char *endpoint, LiaStore *to)
{
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *endpoints[] = { endpoint, NULL };
  g_autofree char *code = lia_store_make_invite (from, endpoints, now + 3600, &error);
  g_autoptr (LiaInvite) invite = lia_invite_decode (code, now, &error);
  g_autoptr (LiaPeer) G_GNUC_UNUSED peer = lia_store_add_peer (to, invite, LIA_PEER_ADD_DEFAULT, &error);

  g_assert_no_error (error);
}

/* ---- the nodes ------------------------------------------------------------------ */

/* Waits long: 100,000 envelopes on a loaded machine take minutes. */
#define NODE_WAIT_S 3600

typedef LiaTestProc Node;

static Node *
node_start (const char *cli, const char *dir, const char *listen)
{
  const char *argv[] = { cli, "--store", dir, "--json", "serve", "--listen", listen, NULL };
  const char *env[] = {
    "LIAISON_PASSPHRASE", PASSPHRASE, "G_MESSAGES_DEBUG", "liaison-sync", NULL,
  };

  return lia_test_proc_spawn (argv, env);
}

/* The index of the first line from @from that has @needle. */
static guint
node_wait (Node *node, gboolean on_stderr, const char *needle, guint from)
{
  return lia_test_proc_wait_line (node, on_stderr, needle, from, NODE_WAIT_S);
}

static gint64
proc_kib (GPid pid, const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  const char *at;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (at = strstr (text, field)) == NULL)
    return -1;
  return g_ascii_strtoll (at + strlen (field) + 1, NULL, 10);
}

static GPid
node_pid (Node *node)
{
  return (GPid) g_ascii_strtoll (g_subprocess_get_identifier (node->process), NULL, 10);
}

/* Forgets the peak so far (the unlock's key derivation). */
static void
reset_peak (Node *node)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/clear_refs", node_pid (node));
  FILE *file = fopen (path, "w");

  /* Written in place: g_file_set_contents() would write a file beside it. */
  if (file != NULL)
    {
      fputs ("5", file);
      fclose (file);
    }
}

static void
node_stop (Node *node)
{
  g_subprocess_send_signal (node->process, SIGTERM);
  lia_test_proc_wait (node, NODE_WAIT_S);
}

/* ---- the floor ------------------------------------------------------------------- */

typedef struct
{
  GPtrArray      *envelopes;
  LiaKeyring     *keyring;
  LiaAuthorTable *authors;
  guint           first, step;
  gint            failures;
} FloorWork;

static gpointer
floor_thread (gpointer data)
{
  FloorWork *work = data;

  for (guint i = work->first; i < work->envelopes->len; i += work->step)
    {
      LiaOpenedEnvelope *opened = lia_exchange_open_envelope (work->envelopes->pdata[i],
                                                              work->keyring, work->authors, NULL);

      if (opened == NULL)
        g_atomic_int_inc (&work->failures);
      lia_opened_envelope_free (opened);
    }
  return NULL;
}

/* Verifies, unwraps and decrypts @envelopes as B on @n_threads threads;
 * returns the seconds it took. */
static double
floor_time (LiaStore *b, GPtrArray *envelopes, guint n_threads)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaAuthorTable) authors = lia_exchange_dup_authors (b, &error);
  g_autofree GThread **threads = g_new0 (GThread *, n_threads);
  g_autofree FloorWork *work = g_new0 (FloorWork, n_threads);
  double start;

  g_assert_no_error (error);
  start = now_s ();
  for (guint t = 0; t < n_threads; t++)
    {
      work[t] = (FloorWork) { envelopes, lia_store_get_keyring (b), authors, t, n_threads, 0 };
      threads[t] = g_thread_new ("floor", floor_thread, &work[t]);
    }
  for (guint t = 0; t < n_threads; t++)
    {
      g_thread_join (threads[t]);
      g_assert_cmpint (work[t].failures, ==, 0);
    }
  return now_s () - start;
}

/* ---- the session log ------------------------------------------------------------------ */

typedef struct
{
  guint   sent, received, round_trips;
  guint64 bytes_sent, bytes_received;
  double  seconds;
} SessionCost;

static gboolean
parse_session (const char *line, SessionCost *cost)
{
  const char *at = strstr (line, "ended: sent ");

  return at != NULL
         && sscanf (at, "ended: sent %u messages of %" G_GUINT64_FORMAT " bytes, received %u "
                    "messages of %" G_GUINT64_FORMAT " bytes, %u round trips, %lf s",
                    &cost->sent, &cost->bytes_sent, &cost->received, &cost->bytes_received,
                    &cost->round_trips, &cost->seconds) == 6;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("- sync benchmark");
  g_autoptr (GError) error = NULL;
  g_autofree char *root = NULL, *a_dir = NULL, *b_dir = NULL;
  g_autofree char *a_listen = NULL, *b_listen = NULL;
  const char *cli = LIAISON_CLI_PATH;
  g_autoptr (GPtrArray) envelopes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (JsonBuilder) json = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root_node = NULL;
  g_autofree char *out = NULL;
  g_autofree char *load = NULL;
  Node *a, *b;
  double fill_s, sync_s, floor_s, t0;
  guint n_threads = MAX (1, g_get_num_processors ());
  guint64 total_bytes = 0;
  gint64 a_unlock_peak, b_unlock_peak, a_sync_peak, b_sync_peak, bench_peak;
  g_autofree char *synced = NULL;
  SessionCost cost = { 0 };
  guint line;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  lia_crypto_init ();
  lia_crypt_vfs_register ();
  g_file_get_contents ("/proc/loadavg", &load, NULL, NULL);

  root = opt_keep != NULL ? g_strdup (opt_keep) : g_dir_make_tmp ("bench-sync-XXXXXX", &error);
  g_assert_no_error (error);
  a_dir = g_build_filename (root, "alpha", NULL);
  b_dir = g_build_filename (root, "beta", NULL);
  a_listen = g_strdup_printf ("tcp://127.0.0.1:%u", free_port ());
  b_listen = g_strdup_printf ("tcp://127.0.0.1:%u", free_port ());

  /* A's envelopes for B: a case and N notes, in transactions of 1000 with
   * the disk not waited for (set-up, not what is measured). */
  {
    g_autoptr (LiaStore) alpha = lia_store_new (a_dir);
    g_autoptr (LiaStore) beta = lia_store_new (b_dir);
    LiaCaseDraft draft = {
      .title = "Child B", .child = "Child B", .area = "Northshire", .aware = "2026-09-01",
      .type = "serious-harm",
    };
    g_autofree char *case_id = NULL;
    g_autoptr (LiaOrg) org = NULL;
    g_autofree char *filler = g_strnfill (opt_text, 'w');
    const char *notes[] = { "note", NULL };

    g_assert_true (lia_store_create (alpha, "Alpha Council", LIA_ORG_KIND_LOCAL_AUTHORITY,
                                     PASSPHRASE, NULL, &error));
    g_assert_true (lia_store_create (beta, "Beta Police", LIA_ORG_KIND_POLICE, PASSPHRASE, NULL,
                                     &error));
    introduce (alpha, a_listen, beta);
    introduce (beta, b_listen, alpha);
    case_id = lia_case_create (alpha, &draft, "A. Lead", &error);
    org = lia_store_find_org (alpha, "Beta Police", &error);
    g_assert_true (lia_case_add_participant (alpha, case_id, org, LIA_ROLE_POLICE, "A. Contact",
                                             NULL, NULL, &error));
    g_assert_true (lia_case_share (alpha, case_id, "Beta Police", notes, NULL, &error));
    g_assert_no_error (error);
    /* The case first, as a running engine would seal it: B can apply each
     * note as it comes (--case-last: every note waits for the case). */
    if (!opt_case_last)
      g_assert_true (lia_exchange_seal_pending (alpha, NULL, &error));
    for (gsize i = 0; i < strlen (filler); i += 6)
      filler[i] = ' ';
    fprintf (stderr, "making %d notes...\n", opt_envelopes);
    t0 = now_s ();
    g_assert_true (lia_store_exec (alpha, "PRAGMA synchronous = OFF", &error));
    for (int i = 0; i < opt_envelopes; i++)
      {
        g_autoptr (GHashTable) fields = g_hash_table_new (g_str_hash, g_str_equal);
        g_autofree char *text = g_strdup_printf ("%09d %s", i, filler);
        g_autofree char *id = NULL;

        if (i % 1000 == 0)
          g_assert_true (lia_store_exec (alpha, "BEGIN IMMEDIATE", &error));
        g_hash_table_insert (fields, "text", text);
        id = lia_record_add (alpha, case_id, LIA_RECORD_NOTE, fields, &error);
        g_assert_no_error (error);
        if (i % 1000 == 999 || i == opt_envelopes - 1)
          g_assert_true (lia_store_exec (alpha, "COMMIT", &error));
      }
    g_assert_true (lia_store_exec (alpha, "PRAGMA synchronous = FULL", &error));
    g_assert_true (lia_exchange_seal_pending (alpha, NULL, &error));
    fill_s = now_s () - t0;
    fprintf (stderr, "made them in %.1f s\n", fill_s);
  }

  /* The sync. */
  a = node_start (cli, a_dir, a_listen);
  node_wait (a, FALSE, "\"listening\"", 0);
  a_unlock_peak = proc_kib (node_pid (a), "VmHWM:");
  reset_peak (a);
  b = node_start (cli, b_dir, b_listen);
  node_wait (b, FALSE, "\"listening\"", 0);
  t0 = now_s ();
  b_unlock_peak = proc_kib (node_pid (b), "VmHWM:");
  reset_peak (b);
  /* The session that carried them all (another may finish first, having
   * carried nothing while this one streamed). */
  synced = g_strdup_printf ("\"event\":\"synced\",\"peer\":\"Alpha Council\",\"fingerprint\"");
  line = 0;
  do
    line = node_wait (b, FALSE, synced, line) + 1;
  while (strstr (b->out_lines->pdata[line - 1], "\"received\":0,") != NULL);
  line--;
  sync_s = now_s () - t0;
  g_assert_nonnull (strstr (b->out_lines->pdata[line], "\"received\":"));
  fprintf (stderr, "B synced in %.2f s: %s\n", sync_s, (char *) b->out_lines->pdata[line]);
  a_sync_peak = proc_kib (node_pid (a), "VmHWM:");
  b_sync_peak = proc_kib (node_pid (b), "VmHWM:");

  /* One more sync, both up to date: B's serve is stopped and a one-shot
   * `liaison-cli sync` of B's (a new connection, no store changed since
   * A last sealed) syncs with A; its log gives the session's cost. */
  node_stop (b);
  {
    g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_autoptr (GSubprocess) once = NULL;
    g_autofree char *err = NULL;
    g_auto (GStrv) lines = NULL;

    g_subprocess_launcher_setenv (launcher, "LIAISON_PASSPHRASE", PASSPHRASE, TRUE);
    g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "liaison-sync", TRUE);
    once = g_subprocess_launcher_spawn (launcher, &error, cli, "--store", b_dir, "sync",
                                        "Alpha Council", NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_communicate_utf8 (once, NULL, NULL, NULL, &err, &error));
    g_assert_no_error (error);
    g_assert_cmpint (g_subprocess_get_exit_status (once), ==, 0);
    lines = g_strsplit (err, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++)
      if (strstr (lines[i], "(initiator) ended") != NULL)
        g_assert_true (parse_session (lines[i], &cost));
    g_assert_cmpuint (cost.sent, >, 0);
  }
  node_stop (a);

  /* The floor, on B's own envelopes. */
  {
    g_autoptr (LiaStore) beta = lia_store_open (b_dir, PASSPHRASE, NULL, &error);
    sqlite3_stmt *stmt = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (sqlite3_prepare_v2 (lia_store_get_db (beta),
                                         "SELECT bytes FROM envelope WHERE author != 1", -1, &stmt,
                                         NULL), ==, SQLITE_OK);
    while (sqlite3_step (stmt) == SQLITE_ROW)
      {
        g_ptr_array_add (envelopes, g_bytes_new (sqlite3_column_blob (stmt, 0),
                                                 sqlite3_column_bytes (stmt, 0)));
        total_bytes += sqlite3_column_bytes (stmt, 0);
      }
    sqlite3_finalize (stmt);
    g_assert_cmpuint (envelopes->len, ==, (guint) opt_envelopes + 1);
    floor_s = floor_time (beta, envelopes, n_threads);
    fprintf (stderr, "floor: %.2f s on %u threads\n", floor_s, n_threads);
  }
  bench_peak = proc_kib (getpid (), "VmHWM:");

  json_builder_begin_object (json);
  json_builder_set_member_name (json, "envelopes");
  json_builder_add_int_value (json, envelopes->len);
  json_builder_set_member_name (json, "case_last");
  json_builder_add_boolean_value (json, opt_case_last);
  json_builder_set_member_name (json, "envelope_bytes_mean");
  json_builder_add_int_value (json, total_bytes / envelopes->len);
  json_builder_set_member_name (json, "threads");
  json_builder_add_int_value (json, n_threads);
  json_builder_set_member_name (json, "fill_s");
  json_builder_add_double_value (json, fill_s);
  json_builder_set_member_name (json, "sync_s");
  json_builder_add_double_value (json, sync_s);
  json_builder_set_member_name (json, "sync_envelopes_per_s");
  json_builder_add_double_value (json, envelopes->len / sync_s);
  json_builder_set_member_name (json, "floor_s");
  json_builder_add_double_value (json, floor_s);
  json_builder_set_member_name (json, "floor_envelopes_per_s");
  json_builder_add_double_value (json, envelopes->len / floor_s);
  json_builder_set_member_name (json, "floor_over_sync");
  json_builder_add_double_value (json, floor_s / sync_s);
  json_builder_set_member_name (json, "up_to_date_round_trips");
  json_builder_add_int_value (json, cost.round_trips);
  json_builder_set_member_name (json, "up_to_date_messages");
  json_builder_add_int_value (json, cost.sent + cost.received);
  json_builder_set_member_name (json, "up_to_date_message_bytes");
  json_builder_add_int_value (json, cost.bytes_sent + cost.bytes_received);
  json_builder_set_member_name (json, "up_to_date_wire_bytes");
  json_builder_add_int_value (json, cost.bytes_sent + cost.bytes_received
                                    + CURVE_FRAMING * (cost.sent + cost.received));
  json_builder_set_member_name (json, "up_to_date_s");
  json_builder_add_double_value (json, cost.seconds);
  json_builder_set_member_name (json, "a_peak_rss_mib");
  json_builder_add_double_value (json, MAX (a_unlock_peak, a_sync_peak) / 1024.0);
  json_builder_set_member_name (json, "b_peak_rss_mib");
  json_builder_add_double_value (json, MAX (b_unlock_peak, b_sync_peak) / 1024.0);
  json_builder_set_member_name (json, "a_sync_peak_rss_mib");
  json_builder_add_double_value (json, a_sync_peak / 1024.0);
  json_builder_set_member_name (json, "b_sync_peak_rss_mib");
  json_builder_add_double_value (json, b_sync_peak / 1024.0);
  json_builder_set_member_name (json, "bench_process_peak_rss_mib");
  json_builder_add_double_value (json, bench_peak / 1024.0);
  json_builder_set_member_name (json, "loadavg");
  json_builder_add_string_value (json, load != NULL ? g_strstrip (load) : NULL);
  json_builder_end_object (json);
  root_node = json_builder_get_root (json);
  json_generator_set_root (generator, root_node);
  out = json_generator_to_data (generator, NULL);
  g_print ("%s\n", out);
  return 0;
}
