/* lia-test-util.c: helpers shared by the test suites.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "lia-bundle.h"
#include "lia-crypt-vfs.h"
#include "lia-invite.h"
#include "lia-keyfile.h"
#include "lia-peer.h"
#include "lia-store-private.h"
#include "lia-test-util.h"

void
lia_test_setup_store_limits (void)
{
  lia_crypt_vfs_register ();
  lia_keyfile_set_limits_for_testing (LIA_TEST_KDF_OPSLIMIT, LIA_TEST_KDF_MEMLIMIT);
}

void
lia_test_init (int    *argc,
               char ***argv)
{
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  lia_test_setup_store_limits ();
}

char *
lia_test_make_dir (const char *prefix)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("%s-%u-%u", prefix, (guint) getpid (), ++counter);
  char *path = g_build_filename (g_get_user_data_dir (), name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  return path;
}

LiaStore *
lia_test_create_store_of_kind (const char *org_name,
                               LiaOrgKind  kind)
{
  g_autofree char *dir = lia_test_make_dir ("store");
  g_autofree char *store_dir = g_build_filename (dir, "liaison", NULL);
  g_autoptr (LiaStore) store = lia_store_new (store_dir);
  g_autoptr (GError) error = NULL;

  lia_store_create (store, org_name, kind, LIA_TEST_PASSPHRASE, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&store);
}

LiaStore *
lia_test_create_store (const char *org_name)
{
  return lia_test_create_store_of_kind (org_name, LIA_ORG_KIND_LOCAL_AUTHORITY);
}

void
lia_test_introduce (LiaStore *a,
                    LiaStore *b)
{
  lia_test_introduce_at (a, NULL, b);
}

void
lia_test_introduce_at (LiaStore   *a,
                       const char *endpoint,
                       LiaStore   *b)
{
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *endpoints[] = { endpoint, NULL };
  g_autofree char *code = lia_store_make_invite (a, endpoint != NULL ? endpoints : NULL,
                                                 now + 3600, &error);
  g_autoptr (LiaInvite) invite = NULL;
  g_autoptr (LiaPeer) peer = NULL;

  g_assert_no_error (error);
  invite = lia_invite_decode (code, now, &error);
  g_assert_no_error (error);
  peer = lia_store_add_peer (b, invite, LIA_PEER_ADD_DEFAULT, &error);
  g_assert_no_error (error);
}

GBytes *
lia_test_export_bundle (LiaStore   *from,
                        const char *to,
                        guint      *out_envelopes,
                        guint      *out_chunks)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  LiaBundleExport summary = { 0 };

  g_assert_true (lia_exchange_export_bundle (from, to, LIA_BUNDLE_EXPORT_ALL, out, &summary,
                                             &error));
  g_assert_no_error (error);
  if (out_envelopes != NULL)
    *out_envelopes = summary.envelopes;
  if (out_chunks != NULL)
    *out_chunks = summary.chunks;
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

LiaImportReport *
lia_test_import_bundle (LiaStore *to,
                        GBytes   *bundle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (bundle);
  LiaImportReport *report = lia_exchange_import_bundle (to, in, &error);

  g_assert_no_error (error);
  g_assert_nonnull (report);
  return report;
}

gsize
lia_test_bundle_tail (GBytes *bundle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (bundle);
  g_autoptr (LiaBundleReader) reader = lia_bundle_reader_new (in, NULL, &error);
  guint8 hash[LIA_BUNDLE_HASH_BYTES];
  LiaBundleItem item;
  GBytes *bytes;
  gsize tail = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (lia_bundle_reader_get_version (reader), ==, 3);
  while ((bytes = lia_bundle_reader_next (reader, &item, hash, NULL, &error)) != NULL)
    {
      /* Type and length, the holdings, then the end: its type and two
       * counts. */
      if (item == LIA_BUNDLE_ITEM_HOLDINGS)
        tail = 5 + g_bytes_get_size (bytes) + 9;
      g_bytes_unref (bytes);
    }
  g_assert_no_error (error);
  g_assert_cmpuint (tail, >, 0);
  return tail;
}

GHashTable *
lia_test_fields (const char *first,
                 ...)
{
  GHashTable *fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  va_list args;

  va_start (args, first);
  for (const char *name = first; name != NULL; name = va_arg (args, const char *))
    g_hash_table_insert (fields, g_strdup (name), g_strdup (va_arg (args, const char *)));
  va_end (args);
  return fields;
}

GHashTable *
lia_test_hash_dir (const char *dir)
{
  GHashTable *hashes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      g_hash_table_insert (hashes, g_strdup (name),
                           g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guint8 *) contents,
                                                        len));
    }
  return hashes;
}

void
lia_test_assert_dir_unchanged (GHashTable *before,
                               const char *dir)
{
  g_autoptr (GHashTable) after = lia_test_hash_dir (dir);
  GHashTableIter iter;
  gpointer name, digest;

  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &name, &digest))
    {
      const char *now = g_hash_table_lookup (after, name);

      if (now == NULL)
        g_error ("%s/%s disappeared", dir, (char *) name);
      if (!g_str_equal (now, digest))
        g_error ("%s/%s changed", dir, (char *) name);
    }
  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    if (!g_hash_table_contains (before, name))
      g_error ("%s/%s appeared", dir, (char *) name);
}

void
lia_test_exec (LiaStore   *store,
               const char *sql)
{
  g_autoptr (GError) error = NULL;

  lia_store_exec (store, sql, &error);
  g_assert_no_error (error);
}

gint64
lia_test_query_int (LiaStore   *store,
                    const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (lia_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

GBytes *
lia_test_read_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_bytes_new_take (g_steal_pointer (&contents), len);
}

void
lia_test_write_at (const char   *path,
                   goffset       offset,
                   const guint8 *data,
                   gsize         len)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, data, len, offset), ==, (gssize) len);
  g_assert_cmpint (fsync (fd), ==, 0);
  close (fd);
}

static rlim_t saved_fsize_limit = RLIM_INFINITY;

void
lia_test_limit_file_size (guint64 limit)
{
  struct rlimit rl;

  /* Past the limit the kernel sends SIGXFSZ, which kills by default;
   * ignored, write() fails with EFBIG instead. Only the soft limit is
   * lowered, so that it can be raised again. */
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &rl), ==, 0);
  saved_fsize_limit = rl.rlim_cur;
  g_assert_true (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > limit);
  rl.rlim_cur = limit;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &rl), ==, 0);
}

void
lia_test_restore_file_size_limit (void)
{
  struct rlimit rl;

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &rl), ==, 0);
  rl.rlim_cur = saved_fsize_limit;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &rl), ==, 0);
}

void
lia_test_cli_run_free (LiaTestCliRun *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

LiaTestCliRun *
lia_test_run_cli (const char        *passphrase,
                  const char *const *env,
                  const char        *store,
                  const char *const *args)
{
  const char *cli = g_getenv ("LIAISON_CLI");
  g_auto (GStrv) envp = g_get_environ ();
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GString) shown = g_string_new ("liaison-cli");
  g_autoptr (GError) error = NULL;
  LiaTestCliRun *run = g_new0 (LiaTestCliRun, 1);
  int wait_status;

  g_assert_nonnull (cli);
  /* The test's isolated directories are GLib's own; hand them on. */
  envp = g_environ_setenv (envp, "HOME", g_get_home_dir (), TRUE);
  envp = g_environ_setenv (envp, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  envp = g_environ_setenv (envp, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  envp = g_environ_setenv (envp, "XDG_CACHE_HOME", g_get_user_cache_dir (), TRUE);
  envp = g_environ_setenv (envp, "LIAISON_PASSPHRASE", passphrase, TRUE);
  envp = g_environ_unsetenv (envp, "LIAISON_NEW_PASSPHRASE");
  envp = g_environ_unsetenv (envp, "LIAISON_BACKUP_PASSPHRASE");
  envp = g_environ_unsetenv (envp, "LIAISON_TODAY");
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    envp = env[i + 1] != NULL ? g_environ_setenv (envp, env[i], env[i + 1], TRUE)
                              : g_environ_unsetenv (envp, env[i]);

  g_ptr_array_add (argv, (gpointer) cli);
  if (store != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "--store");
      g_ptr_array_add (argv, (gpointer) store);
    }
  for (guint i = 0; args[i] != NULL; i++)
    {
      g_ptr_array_add (argv, (gpointer) args[i]);
      /* The log shows each argument, cut short: some are 70,000 bytes. */
      g_string_append_printf (shown, " %.60s%s", args[i], strlen (args[i]) > 60 ? "…" : "");
    }
  g_ptr_array_add (argv, NULL);

  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &run->out, &run->err, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  run->status = WEXITSTATUS (wait_status);
  g_test_message ("%s -> %d\n%.2000s%s", shown->str, run->status, run->out, run->err);
  return run;
}

/* ---- waiting ------------------------------------------------------------------ */

static gboolean
deadline_cb (gpointer data)
{
  g_error ("Timed out waiting for: %s", (const char *) data);
  return G_SOURCE_REMOVE;
}

void
lia_test_wait_until (LiaTestCondition condition,
                     gpointer         data,
                     guint            seconds,
                     const char      *what)
{
  guint deadline = g_timeout_add_seconds (seconds, deadline_cb, (gpointer) what);

  while (!condition (data))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (deadline);
}

/* ---- processes that run beside a test ------------------------------------------ */

static void read_line_cb (GObject *source, GAsyncResult *result, gpointer data);

static void
read_next (LiaTestProc *proc, GDataInputStream *stream)
{
  g_data_input_stream_read_line_async (stream, G_PRIORITY_DEFAULT, proc->cancel, read_line_cb,
                                       proc);
}

static void
read_line_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GDataInputStream *stream = G_DATA_INPUT_STREAM (source);
  g_autoptr (GError) error = NULL;
  char *line = g_data_input_stream_read_line_finish (stream, result, NULL, &error);
  LiaTestProc *proc;

  /* Cancelled: the LiaTestProc may be gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  proc = data;
  if (line == NULL)
    {
      if (stream == proc->out)
        proc->out_done = TRUE;
      else
        proc->err_done = TRUE;
      return;
    }
  g_ptr_array_add (stream == proc->out ? proc->out_lines : proc->err_lines, line);
  read_next (proc, stream);
}

/* In the child, before it runs the program: it dies with the test (or the
 * benchmark), even one that fails, rather than run on. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

LiaTestProc *
lia_test_proc_spawn (const char *const *argv,
                     const char *const *env)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GError) error = NULL;
  LiaTestProc *proc = g_new0 (LiaTestProc, 1);

  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    {
      if (env[i + 1] != NULL)
        g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
      else
        g_subprocess_launcher_unsetenv (launcher, env[i]);
    }
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  proc->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  proc->cancel = g_cancellable_new ();
  proc->out_lines = g_ptr_array_new_with_free_func (g_free);
  proc->err_lines = g_ptr_array_new_with_free_func (g_free);
  proc->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc->process));
  proc->err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (proc->process));
  read_next (proc, proc->out);
  read_next (proc, proc->err);
  return proc;
}

gboolean
lia_test_proc_ended (gpointer data)
{
  LiaTestProc *proc = data;

  return proc->out_done && proc->err_done;
}

int
lia_test_proc_wait (LiaTestProc *proc,
                    guint        seconds)
{
  g_autoptr (GError) error = NULL;

  lia_test_wait_until (lia_test_proc_ended, proc, seconds, "a process to end");
  g_assert_true (g_subprocess_wait (proc->process, NULL, &error));
  g_assert_no_error (error);
  if (g_subprocess_get_if_signaled (proc->process))
    return -g_subprocess_get_term_sig (proc->process);
  return g_subprocess_get_exit_status (proc->process);
}

typedef struct
{
  LiaTestProc *proc;
  gboolean     on_stderr;
  const char  *needle;
  guint        from;
  guint        found;
} LineWait;

static gboolean
line_found (gpointer data)
{
  LineWait *w = data;
  GPtrArray *lines = w->on_stderr ? w->proc->err_lines : w->proc->out_lines;

  for (guint i = w->from; i < lines->len; i++)
    if (strstr (lines->pdata[i], w->needle) != NULL)
      {
        w->found = i;
        return TRUE;
      }
  w->from = lines->len;
  if (lia_test_proc_ended (w->proc))
    g_error ("A process ended before it said “%s”", w->needle);
  return FALSE;
}

guint
lia_test_proc_wait_line (LiaTestProc *proc,
                         gboolean     on_stderr,
                         const char  *needle,
                         guint        from,
                         guint        seconds)
{
  LineWait w = { proc, on_stderr, needle, from, 0 };
  g_autofree char *what = g_strdup_printf ("a line with “%s”", needle);

  lia_test_wait_until (line_found, &w, seconds, what);
  return w.found;
}

void
lia_test_proc_free (LiaTestProc *proc)
{
  if (proc == NULL)
    return;
  if (!lia_test_proc_ended (proc))
    {
      g_subprocess_force_exit (proc->process);
      lia_test_proc_wait (proc, 600);
    }
  g_cancellable_cancel (proc->cancel);
  g_object_unref (proc->cancel);
  g_object_unref (proc->out);
  g_object_unref (proc->err);
  g_object_unref (proc->process);
  g_ptr_array_unref (proc->out_lines);
  g_ptr_array_unref (proc->err_lines);
  g_free (proc);
}
