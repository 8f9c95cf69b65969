/* fuzz-util.h: the files, directories and checks that the fuzz targets
 * share.
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

/* Holdings (lia-holdings.h) are decoded by more than one target (sync
 * messages, bundles): these abort() (which libFuzzer saves the input on),
 * naming @target, unless @holdings keep every limit (originators once
 * each, runs ascending and apart and held); and unless @bytes either
 * decode to such holdings that encode back to the very same bytes, or are
 * refused with LIA_MODEL_ERROR_INVALID and one line of UTF-8. */
void  fuzz_check_holdings (const char *target,
                           GPtrArray  *holdings);
void  fuzz_check_holdings_bytes (const char *target,
                                 GBytes     *bytes);

G_END_DECLS
