/* lia-loader.h: a view's data, loaded on the store's thread, kept fresh.
 *
 * Every view loads what it shows the same way: a job on the store's
 * worker, whose result comes back to the view; and again whenever the
 * store changes (an edit here, material received from a peer), but never
 * two loads at once for one view: changes that arrive during a load make
 * one more load when it ends. Disposing the loader cancels what is in
 * flight, and the view is never called back after that.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "lia-store-worker.h"

G_BEGIN_DECLS

/* Called on the main thread with the job's result (owned by the callee)
 * or an error (never a cancellation). */
typedef void (*LiaLoadedFunc) (gpointer      result,
                               const GError *error,
                               gpointer      user_data);

#define LIA_TYPE_LOADER (lia_loader_get_type ())
G_DECLARE_FINAL_TYPE (LiaLoader, lia_loader, LIA, LOADER, GObject)

/* @case_id: reload on changes to that case (and on changes to no case in
 * particular); NULL: on every change. @data (freed with @data_free when
 * the loader and its last job are done) is passed to every run of
 * @func. */
LiaLoader *lia_loader_new (LiaStoreWorker *worker,
                           const char     *case_id,
                           LiaStoreJobFunc func,
                           gpointer        data,
                           GDestroyNotify  data_free,
                           GDestroyNotify  result_free,
                           LiaLoadedFunc   loaded,
                           gpointer        user_data);

/* Loads now, or once more after the load in progress. From the first call
 * on, the loader also loads again whenever the store changes. */
void       lia_loader_load (LiaLoader *self);

/* Loads the first time @widget is mapped, or now if it is: a page of a
 * case reads the store only once someone looks at it. */
void       lia_loader_load_when_mapped (LiaLoader *self,
                                        GtkWidget *widget);

/* Loads again if it has loaded before (what it loads changed: a filter);
 * else waits for the first lia_loader_load(). */
void       lia_loader_reload (LiaLoader *self);

/* Stops for good: cancels the load in flight and stops listening for
 * changes; the callback is not called again. A view calls this in its
 * dispose before dropping the loader, which a job in flight may keep
 * alive a little longer. */
void       lia_loader_cancel (LiaLoader *self);

/* Whether a load is in progress or due. */
gboolean   lia_loader_is_busy (LiaLoader *self);

G_END_DECLS
