/* lia-demo-runner.c: the live demonstration, four organisations on one machine.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "lia-demo-runner.h"
#include "lia-demo.h"
#include "lia-errors.h"
#include "lia-exchange.h"
#include "lia-invite.h"
#include "lia-peer.h"
#include "lia-util.h"

/* Not a secret: the demonstration's stores hold fictional data only, and
 * the window unlocks the council's with it. */
#define DEMO_PASSPHRASE "demo passphrase, not for real use"

/* How often a node's store is looked at for the case. */
#define POLL_MS 1000

/* The demo organisations that run (data/demo/demo-case.json's keys); the
 * first is the council, which leads the case and is the window. */
static const char *const node_keys[] = { "council", "icb", "police", "iopc" };
#define N_NODES G_N_ELEMENTS (node_keys)

typedef struct
{
  const char  *key;        /* static */
  char        *name;       /* owned: the demo's name for it */
  char        *kind;       /* owned */
  char        *dir;        /* owned: its store */
  char        *endpoint;   /* owned: tcp://127.0.0.1:PORT */
  char        *invite;     /* owned */
  GSubprocess *serve;      /* owned: its node, for all but the council */
} Node;

struct _LiaDemoRunner
{
  GObject       parent_instance;

  char         *root;       /* owned: the temporary directory */
  char         *cli;        /* owned: liaison-cli */
  char         *case_id;    /* owned: the case, once the council has loaded it */
  Node          nodes[N_NODES];
  GCancellable *cancellable;  /* owned: cancelled by stop */
  gboolean      stopped;
};

G_DEFINE_FINAL_TYPE (LiaDemoRunner, lia_demo_runner, G_TYPE_OBJECT)

enum
{
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

char *
lia_find_cli (void)
{
  const char *env = g_getenv ("LIAISON_CLI");
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = exe != NULL ? g_path_get_dirname (exe) : NULL;

  if (env != NULL && g_file_test (env, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (env);
  if (dir != NULL)
    {
      /* Installed: beside it in bindir. Built: the build tree's cli/. */
      g_autofree char *beside = g_build_filename (dir, "liaison-cli", NULL);
      g_autofree char *built = g_build_filename (dir, "..", "cli", "liaison-cli", NULL);

      if (g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&beside);
      if (g_file_test (built, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&built);
    }
  return g_find_program_in_path ("liaison-cli");
}

static void
message (LiaDemoRunner *self,
         const char    *text)
{
  g_debug ("Demo: %s", text);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
}

/* ---- preparing: the four stores, made in a thread ---------------------------- */

static gboolean
read_organisations (LiaDemoRunner *self,
                    GError       **error)
{
  g_autoptr (GBytes) data = lia_demo_get_default (error);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *orgs;

  if (data == NULL
      || !json_parser_load_from_data (parser, g_bytes_get_data (data, NULL),
                                      (gssize) g_bytes_get_size (data), error))
    return FALSE;
  orgs = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                       "organisations");
  for (guint i = 0; i < N_NODES; i++)
    for (guint j = 0; j < json_array_get_length (orgs); j++)
      {
        JsonObject *o = json_array_get_object_element (orgs, j);

        if (g_str_equal (json_object_get_string_member (o, "key"), node_keys[i]))
          {
            self->nodes[i].name = g_strdup (json_object_get_string_member (o, "name"));
            self->nodes[i].kind = g_strdup (json_object_get_string_member (o, "kind"));
          }
      }
  for (guint i = 0; i < N_NODES; i++)
    if (self->nodes[i].name == NULL)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "The demonstration data has no organisation “%s”", node_keys[i]);
        return FALSE;
      }
  return TRUE;
}

/* In the preparation's thread: the stores (made with the shipped key
 * derivation, one each), the council's part of the case, invite codes
 * with loopback endpoints, every pair made peers and verified, and the
 * council sharing its records with the others. Everything a person
 * would do with liaison-cli, without a key derivation per command. */
static void
prepare_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  LiaDemoRunner *self = source_object;
  LiaStore *stores[N_NODES] = { NULL };
  g_autoptr (GBytes) demo = NULL;
  GError *error = NULL;
  LiaDemoResult result = { 0 };
  gint64 expires = g_get_real_time () / G_USEC_PER_SEC + 24 * 60 * 60;

  for (guint i = 0; i < N_NODES; i++)
    {
      LiaOrgKind kind;

      stores[i] = lia_store_new (self->nodes[i].dir);
      if (!lia_org_kind_from_string (self->nodes[i].kind, &kind)
          || !lia_store_create (stores[i], self->nodes[i].name, kind, DEMO_PASSPHRASE,
                                cancellable, &error))
        goto failed;
    }
  demo = lia_demo_get_default (&error);
  if (demo == NULL || !lia_demo_load (stores[0], demo, "council", TRUE, &result, &error))
    goto failed;
  self->case_id = g_steal_pointer (&result.case_id);
  lia_demo_result_clear (&result);

  for (guint i = 0; i < N_NODES; i++)
    {
      const char *endpoints[] = { self->nodes[i].endpoint, NULL };

      self->nodes[i].invite = lia_store_make_invite (stores[i], endpoints, expires, &error);
      if (self->nodes[i].invite == NULL)
        goto failed;
    }
  for (guint i = 0; i < N_NODES; i++)
    for (guint j = 0; j < N_NODES; j++)
      {
        g_autoptr (LiaInvite) invite = NULL;
        g_autoptr (LiaPeer) peer = NULL;

        if (i == j)
          continue;
        invite = lia_invite_decode (self->nodes[i].invite, g_get_real_time () / G_USEC_PER_SEC,
                                    &error);
        /* Verified, as the people at each end would once they had compared
         * the safety number. */
        if (invite == NULL
            || (peer = lia_store_add_peer (stores[j], invite, LIA_PEER_ADD_DEFAULT, &error)) == NULL
            || !lia_store_verify_peer (stores[j], peer, _("The demonstration"), &error))
          goto failed;
      }
  /* The council, which leads the case, shares its records with the
   * others. */
  for (guint i = 1; i < N_NODES; i++)
    {
      const char *all[] = { "all", NULL };

      if (!lia_case_share (stores[0], self->case_id, self->nodes[i].name, all,
                           _("The demonstration"), &error))
        goto failed;
    }
  g_task_return_boolean (task, TRUE);
  goto out;

failed:
  g_prefix_error (&error, "%s", _("The demonstration could not be set up: "));
  g_task_return_error (task, error);
out:
  /* Each store locked (its keys wiped) before its node opens it. */
  for (guint i = 0; i < N_NODES; i++)
    g_clear_object (&stores[i]);
}

/* In each node, between fork and exec: it is sent SIGTERM (and stops as
 * on Ctrl+C) when this process ends in any way, killed or crashed
 * included, so that no node outlives the window. The nodes are started
 * from the main thread, whose end is the process's. */
static void
die_with_parent (gpointer user_data)
{
  pid_t parent = GPOINTER_TO_INT (user_data);

  prctl (PR_SET_PDEATHSIG, SIGTERM);
  /* Gone already, between fork and prctl. */
  if (getppid () != parent)
    raise (SIGTERM);
}

static void
start_nodes (LiaDemoRunner *self,
             GError       **error)
{
  for (guint i = 1; i < N_NODES && error != NULL && *error == NULL; i++)
    {
      Node *node = &self->nodes[i];
      g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
        G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);

      g_subprocess_launcher_setenv (launcher, "LIAISON_PASSPHRASE", DEMO_PASSPHRASE, TRUE);
      g_subprocess_launcher_set_child_setup (launcher, die_with_parent,
                                             GINT_TO_POINTER (getpid ()), NULL);
      node->serve = g_subprocess_launcher_spawn (launcher, error, self->cli, "--store", node->dir,
                                                 "serve", "--listen", node->endpoint, NULL);
    }
}

static void
prepared_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) outer = user_data;
  LiaDemoRunner *self = g_task_get_source_object (outer);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (outer, error);
      return;
    }
  start_nodes (self, &error);
  if (error != NULL)
    g_task_return_error (outer, error);
  else
    g_task_return_boolean (outer, TRUE);
}

void
lia_demo_runner_prepare_async (LiaDemoRunner      *self,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr (GTask) outer = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (LIA_IS_DEMO_RUNNER (self));

  if (self->cli == NULL)
    {
      g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("The demonstration needs liaison-cli, which was not found beside "
                                 "liaison or in PATH."));
      return;
    }
  if (!read_organisations (self, &error))
    {
      g_task_return_error (outer, error);
      return;
    }
  for (guint i = 0; i < N_NODES; i++)
    {
      guint port = lia_free_loopback_port (&error);

      if (port == 0)
        {
          g_task_return_error (outer, error);
          return;
        }
      self->nodes[i].endpoint = g_strdup_printf ("tcp://127.0.0.1:%u", port);
    }
  message (self, _("Setting up the demonstration…"));
  task = g_task_new (self, self->cancellable, prepared_cb, g_steal_pointer (&outer));
  g_task_run_in_thread (task, prepare_thread);
}

gboolean
lia_demo_runner_prepare_finish (LiaDemoRunner *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the other organisations' parts ----------------------------------------- */

/* In a thread per node, while its liaison-cli serve runs: waits for the
 * council's case to reach the node's store (its node syncs with the
 * council's), then loads the node's own part of the demonstration into
 * it and shares it with the others; the node's serve sees the change and
 * sends it on. */
static void
node_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LiaDemoRunner *self = source_object;
  Node *node = task_data;
  g_autoptr (LiaStore) store = NULL;
  g_autoptr (GBytes) demo = NULL;
  GError *error = NULL;
  LiaDemoResult result = { 0 };
  const char *all[] = { "all", NULL };

  store = lia_store_open (node->dir, DEMO_PASSPHRASE, cancellable, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (;;)
    {
      g_autoptr (LiaCase) lcase = lia_case_load (store, self->case_id, NULL);

      if (lcase != NULL)
        break;
      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      /* Another process writes the store: look again in a moment. */
      g_usleep (POLL_MS * 1000);
    }
  demo = lia_demo_get_default (&error);
  if (demo == NULL
      || !lia_demo_load_into (store, demo, node->key, self->case_id, &result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  lia_demo_result_clear (&result);
  for (guint i = 0; i < N_NODES; i++)
    if (&self->nodes[i] != node
        && !lia_case_share (store, self->case_id, self->nodes[i].name, all,
                            _("The demonstration"), &error))
      {
        g_task_return_error (task, error);
        return;
      }
  lia_store_lock (store);
  g_task_return_boolean (task, TRUE);
}

static void
node_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LiaDemoRunner *self = LIA_DEMO_RUNNER (source);
  Node *node = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!lia_error_is_cancelled (error))
        message (self, error->message);
      return;
    }
  {
    g_autofree char *text = g_strdup_printf (_("%s has shared its records on the case"),
                                             node->name);

    message (self, text);
  }
}

void
lia_demo_runner_start_others (LiaDemoRunner *self)
{
  g_return_if_fail (LIA_IS_DEMO_RUNNER (self));

  for (guint i = 1; i < N_NODES; i++)
    {
      g_autoptr (GTask) task = g_task_new (self, self->cancellable, node_done_cb, &self->nodes[i]);

      g_task_set_task_data (task, &self->nodes[i], NULL);
      g_task_run_in_thread (task, node_thread);
    }
  message (self, _("The police, the integrated care board and the IOPC team are sharing their "
                   "records; they will arrive here in a moment."));
}

/* ---- stopping --------------------------------------------------------------- */

static void
waited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  --*(guint *) user_data;
}

static gboolean
stop_timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
lia_demo_runner_stop (LiaDemoRunner *self)
{
  guint running = 0;
  gboolean timed_out = FALSE;
  guint timeout_id;

  g_return_if_fail (LIA_IS_DEMO_RUNNER (self));

  if (self->stopped)
    return;
  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < N_NODES; i++)
    {
      Node *node = &self->nodes[i];

      if (node->serve != NULL)
        {
          g_subprocess_send_signal (node->serve, SIGTERM);
          running++;
          g_subprocess_wait_async (node->serve, NULL, waited_cb, &running);
        }
    }
  /* The nodes stop at their next commit; a few seconds at most. */
  timeout_id = g_timeout_add_seconds (5, stop_timeout_cb, &timed_out);
  while (running > 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);
  for (guint i = 0; i < N_NODES; i++)
    if (self->nodes[i].serve != NULL && running > 0)
      g_subprocess_force_exit (self->nodes[i].serve);
  lia_remove_tree (self->root);
}

/* ---- the object ------------------------------------------------------------ */

static void
lia_demo_runner_finalize (GObject *object)
{
  LiaDemoRunner *self = LIA_DEMO_RUNNER (object);

  for (guint i = 0; i < N_NODES; i++)
    {
      Node *node = &self->nodes[i];

      g_free (node->name);
      g_free (node->kind);
      g_free (node->dir);
      g_free (node->endpoint);
      g_free (node->invite);
      g_clear_object (&node->serve);
    }
  g_free (self->root);
  g_free (self->cli);
  g_free (self->case_id);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (lia_demo_runner_parent_class)->finalize (object);
}

static void
lia_demo_runner_class_init (LiaDemoRunnerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lia_demo_runner_finalize;

  /**
   * LiaDemoRunner::message:
   * @text: what is happening, for the person watching
   */
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                          G_TYPE_STRING);
}

static void
lia_demo_runner_init (LiaDemoRunner *self)
{
  self->cancellable = g_cancellable_new ();
}

LiaDemoRunner *
lia_demo_runner_new (GError **error)
{
  g_autoptr (LiaDemoRunner) self = g_object_new (LIA_TYPE_DEMO_RUNNER, NULL);

  self->root = g_dir_make_tmp ("liaison-demo-XXXXXX", error);
  if (self->root == NULL)
    return NULL;
  self->cli = lia_find_cli ();
  for (guint i = 0; i < N_NODES; i++)
    {
      self->nodes[i].key = node_keys[i];
      self->nodes[i].dir = g_build_filename (self->root, node_keys[i], NULL);
    }
  return g_steal_pointer (&self);
}

const char *
lia_demo_runner_get_council_store (LiaDemoRunner *self)
{
  g_return_val_if_fail (LIA_IS_DEMO_RUNNER (self), NULL);

  return self->nodes[0].dir;
}

const char *
lia_demo_runner_get_passphrase (LiaDemoRunner *self)
{
  return DEMO_PASSPHRASE;
}

const char *
lia_demo_runner_get_case_id (LiaDemoRunner *self)
{
  g_return_val_if_fail (LIA_IS_DEMO_RUNNER (self), NULL);
  return self->case_id;
}

const char *
lia_demo_runner_get_council_endpoint (LiaDemoRunner *self)
{
  g_return_val_if_fail (LIA_IS_DEMO_RUNNER (self), NULL);

  return self->nodes[0].endpoint;
}
