/* lia-item.h: one row of a LiaArrayModel.
 *
 * GtkListView wants a GObject per row; the store's results are plain
 * structs in a GPtrArray. A LiaItem is the GObject for one of them: it
 * keeps the array alive and lends out the struct, so that the thousands
 * of rows of a chronology cost one small object each, and only for the
 * rows that are shown or filtered.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define LIA_TYPE_ITEM (lia_item_get_type ())
G_DECLARE_FINAL_TYPE (LiaItem, lia_item, LIA, ITEM, GObject)

/* An item for @array's element @index; holds a reference to @array. */
LiaItem  *lia_item_new (GPtrArray *array,
                        guint      index);

/* The struct; valid as long as the item. */
gpointer  lia_item_get (LiaItem *self);

G_END_DECLS
