/* lia-array-model.h: a GListModel over a GPtrArray of plain structs.
 *
 * The views load their rows on the store's thread as arrays of the
 * model's structs (LiaChronologyEntry, LiaRecord, ...) and hand the array
 * over whole. This model shows it to a GtkListView without copying: its
 * items are LiaItems, made when a row is first asked for and kept.
 *
 * Replacing the array (a reload after a change) reports only the rows that
 * differ, by the common run at the start and at the end under @equal, so
 * that a new entry in the middle of 50,000 does not rebuild the view or
 * lose its scroll position.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LIA_TYPE_ARRAY_MODEL (lia_array_model_get_type ())
G_DECLARE_FINAL_TYPE (LiaArrayModel, lia_array_model, LIA, ARRAY_MODEL, GObject)

LiaArrayModel *lia_array_model_new (void);

/* Whether two rows are the same and unchanged. */
typedef gboolean (*LiaRowEqualFunc) (gconstpointer a,
                                     gconstpointer b);

/* Takes a reference to @array (NULL empties the model). @equal may be
 * NULL: then every row counts as changed. A large array's reference is
 * given up on another thread, where it may be the last: its free function
 * must be safe there (the rows are plain data). */
void           lia_array_model_set_array (LiaArrayModel  *self,
                                          GPtrArray      *array,
                                          LiaRowEqualFunc equal);
/* The array shown, or NULL. */
GPtrArray     *lia_array_model_get_array (LiaArrayModel *self);

G_END_DECLS
