/* lia-test-util.h: helpers shared by the test suites.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "lia-exchange.h"
#include "lia-store.h"

G_BEGIN_DECLS

/* Cheap Argon2id limits for stores the tests create (see
 * lia_keyfile_set_limits_for_testing()). */
#define LIA_TEST_KDF_OPSLIMIT 1
#define LIA_TEST_KDF_MEMLIMIT (64u * 1024u)

/* The cheap limits above, and the encrypting VFS registered; for test
 * programs that call g_test_init() themselves. */
void        lia_test_setup_store_limits (void);

/* g_test_init() with isolated directories, and the cheap limits above. */
void        lia_test_init (int    *argc,
                           char ***argv);

/* A new, empty directory under the test's temporary directory. */
char       *lia_test_make_dir (const char *prefix);

/* A new unlocked store in a new directory, passphrase "correct horse",
 * for a local authority called @org_name; or for an organisation of @kind. */
#define LIA_TEST_PASSPHRASE "correct horse"
LiaStore   *lia_test_create_store (const char *org_name);
/* The same for an organisation of @kind. */
LiaStore   *lia_test_create_store_of_kind (const char *org_name,
                                           LiaOrgKind  kind);

/* SHA-256 of every regular file directly in @dir, name -> hex digest. */
GHashTable *lia_test_hash_dir (const char *dir);
/* Asserts that @dir holds exactly the files of @before, byte for byte. */
void        lia_test_assert_dir_unchanged (GHashTable *before,
                                           const char *dir);

/* @b adds @a as a peer from @a's invite code, as a person would. */
void        lia_test_introduce (LiaStore *a,
                                LiaStore *b);
/* The same with an invite that names @endpoint (NULL: none). */
void        lia_test_introduce_at (LiaStore   *a,
                                   const char *endpoint,
                                   LiaStore   *b);

/* A bundle from @from for the organisation @to (a name, as
 * lia_store_find_org() takes it), in memory; the counts of envelopes and
 * chunks in it go to the out arguments that are not NULL. */
GBytes     *lia_test_export_bundle (LiaStore   *from,
                                    const char *to,
                                    guint      *out_envelopes,
                                    guint      *out_chunks);
/* Imports @bundle into @to and returns the report, asserting that it is a
 * bundle. */
LiaImportReport *lia_test_import_bundle (LiaStore *to,
                                         GBytes   *bundle);
/* How many bytes end @bundle (of version 3) after its last envelope or
 * chunk: its acknowledgement item and the end marker. */
gsize            lia_test_bundle_tail (GBytes *bundle);

/* A table of field name -> value from NULL-terminated pairs, owning
 * copies of both. */
GHashTable *lia_test_fields (const char *first,
                             ...) G_GNUC_NULL_TERMINATED;

/* Runs @sql on the store's connection and asserts success. */
void        lia_test_exec (LiaStore   *store,
                           const char *sql);
/* First column of the first row of @sql as an integer. */
gint64      lia_test_query_int (LiaStore   *store,
                                const char *sql);

/* Reads or overwrites bytes of a file, asserting success. */
GBytes     *lia_test_read_file (const char *path);
void        lia_test_write_at (const char   *path,
                               goffset       offset,
                               const guint8 *data,
                               gsize         len);

/* Lowers the soft limit on the size of files this process writes to
 * @limit bytes, beyond which write() fails with EFBIG as a full disk makes
 * it fail with ENOSPC (SIGXFSZ is ignored from then on); and raises it
 * again. For tests that run in a subprocess of their own. */
void        lia_test_limit_file_size (guint64 limit);
void        lia_test_restore_file_size_limit (void);

/* One run of the built liaison-cli (LIAISON_CLI in the test environment). */
typedef struct
{
  int   status;
  char *out;
  char *err;
} LiaTestCliRun;

void           lia_test_cli_run_free (LiaTestCliRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaTestCliRun, lia_test_cli_run_free)

/* Runs liaison-cli [--store @store] @args (NULL-terminated) with
 * LIAISON_PASSPHRASE @passphrase, LIAISON_NEW_PASSPHRASE,
 * LIAISON_BACKUP_PASSPHRASE and LIAISON_TODAY unset, the test's isolated home and XDG directories, and standard input
 * /dev/null (never a terminal). @env is NULL or NULL-terminated NAME,
 * VALUE pairs applied last; a NULL value unsets. It must exit normally. */
LiaTestCliRun *lia_test_run_cli (const char        *passphrase,
                                 const char *const *env,
                                 const char        *store,
                                 const char *const *args);

/* Runs the thread-default main context until @condition holds; the test
 * fails, naming @what, after @seconds. Waiting on what the code under test
 * reports, never on the clock. */
typedef gboolean (*LiaTestCondition) (gpointer data);
void        lia_test_wait_until (LiaTestCondition condition,
                                 gpointer         data,
                                 guint            seconds,
                                 const char      *what);

/* A program run beside a test (liaison-cli serve, say), its standard
 * output and error read line by line as they come (in the main context),
 * killed if the test dies. */
typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  GDataInputStream *err;
  GPtrArray        *out_lines;   /* char *, as read so far */
  GPtrArray        *err_lines;
  GCancellable     *cancel;
  gboolean          out_done, err_done;
} LiaTestProc;

/* @env: NULL or NULL-terminated NAME, VALUE pairs (a NULL value unsets). */
LiaTestProc *lia_test_proc_spawn (const char *const *argv,
                                  const char *const *env);
/* Whether it has ended and all it wrote has been read. */
gboolean     lia_test_proc_ended (gpointer proc);
/* Waits for it to end: its exit status, or -SIGNAL. */
int          lia_test_proc_wait (LiaTestProc *proc,
                                 guint        seconds);
/* Waits for a line with @needle on standard output (or error), from line
 * @from; its index. */
guint        lia_test_proc_wait_line (LiaTestProc *proc,
                                      gboolean     on_stderr,
                                      const char  *needle,
                                      guint        from,
                                      guint        seconds);
/* Kills it if it still runs. */
void         lia_test_proc_free (LiaTestProc *proc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaTestProc, lia_test_proc_free)

G_END_DECLS
