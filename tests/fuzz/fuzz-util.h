/* fuzz-util.h: the files and directories that the fuzz targets share.
 *
 * Each function stops the process (g_error) when the file system fails it:
 * a fuzz target cannot go on without its files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A new temporary directory, on tmpfs when there is one (/dev/shm, unless
 * TMPDIR says otherwise): the stores sync on every commit. */
char *fuzz_make_root (void);
/* Writes @len bytes to @path, replacing it, mode 0600. */
void  fuzz_write_file (const char   *path,
                       const guint8 *data,
                       gsize         len);
/* Removes @path; that it is not there is fine. */
void  fuzz_remove_file (const char *path);
/* Removes @path and everything under it, as far as it can. */
void  fuzz_remove_tree (const char *path);

G_END_DECLS
