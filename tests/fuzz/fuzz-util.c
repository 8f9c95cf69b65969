/* fuzz-util.c: the files, directories and checks that the fuzz targets
 * share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fuzz-util.h"
#include "lia-fields.h"
#include "lia-holdings.h"

char *
fuzz_make_root (void)
{
  char *root;

  if (g_getenv ("TMPDIR") == NULL && g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR)
      && access ("/dev/shm", W_OK) == 0)
    {
      root = g_strdup ("/dev/shm/liaison-fuzz-XXXXXX");
      if (g_mkdtemp (root) != NULL)
        return root;
      g_free (root);
    }
  root = g_dir_make_tmp ("liaison-fuzz-XXXXXX", NULL);
  if (root == NULL)
    g_error ("could not make a temporary directory");
  return root;
}

void
fuzz_write_file (const char   *path,
                 const guint8 *data,
                 gsize         len)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  gsize done = 0;

  if (fd < 0)
    g_error ("could not write %s: %s", path, g_strerror (errno));
  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("could not write %s: %s", path, g_strerror (errno));
      done += (gsize) n;
    }
  close (fd);
}

void
fuzz_remove_file (const char *path)
{
  if (g_unlink (path) != 0 && errno != ENOENT)
    g_error ("could not remove %s: %s", path, g_strerror (errno));
}

void
fuzz_remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR))
            fuzz_remove_tree (child);
          else
            (void) g_unlink (child);
        }
      g_dir_close (dir);
    }
  (void) g_rmdir (path);
}

G_GNUC_NORETURN static void
holdings_fail (const char *target,
               const char *what)
{
  fprintf (stderr, "%s: holdings: %s\n", target, what);
  abort ();
}

void
fuzz_check_holdings (const char *target,
                     GPtrArray  *holdings)
{
  guint runs = 0;

  if (holdings->len > LIA_HOLDINGS_MAX_ORIGINATORS)
    holdings_fail (target, "more originators than the limit");
  for (guint i = 0; i < holdings->len; i++)
    {
      const LiaHoldingsEntry *entry = holdings->pdata[i];
      guint64 after = entry->contiguous;

      for (guint j = 0; j < i; j++)
        if (memcmp (((LiaHoldingsEntry *) holdings->pdata[j])->originator, entry->originator,
                    LIA_ENVELOPE_KEY_BYTES)
            == 0)
          holdings_fail (target, "an originator named twice");
      for (guint r = 0; r < entry->extras->len; r++)
        {
          const LiaNumberRun *run = &g_array_index (entry->extras, LiaNumberRun, r);

          if (run->first <= after || run->last < run->first)
            holdings_fail (target, "runs not ascending and apart");
          if (!lia_holdings_entry_has (entry, run->first)
              || !lia_holdings_entry_has (entry, run->last))
            holdings_fail (target, "a run not held");
          after = run->last;
        }
      runs += entry->extras->len;
    }
  if (runs > LIA_HOLDINGS_MAX_EXTRAS)
    holdings_fail (target, "more runs than the limit");
}

void
fuzz_check_holdings_bytes (const char *target,
                           GBytes     *bytes)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) holdings = lia_holdings_decode (bytes, &error);
  g_autoptr (GBytes) again = NULL;

  if (holdings == NULL)
    {
      if (!g_error_matches (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID))
        holdings_fail (target, "refused without LIA_MODEL_ERROR_INVALID");
      if (!g_utf8_validate (error->message, -1, NULL) || strchr (error->message, '\n') != NULL)
        holdings_fail (target, "an error message that is not one line of UTF-8");
      return;
    }
  if (error != NULL)
    holdings_fail (target, "holdings and an error");
  fuzz_check_holdings (target, holdings);
  again = lia_holdings_encode (holdings);
  if (!g_bytes_equal (again, bytes))
    holdings_fail (target, "holdings that do not encode back to their bytes");
}
