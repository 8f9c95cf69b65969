/* fuzz-util.c: the files and directories that the fuzz targets share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fuzz-util.h"

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
