/* lia-item.c: one row of a LiaArrayModel.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "lia-item.h"

struct _LiaItem
{
  GObject    parent_instance;

  GPtrArray *array;  /* owned reference: keeps data alive */
  gpointer   data;   /* borrowed from array */
};

G_DEFINE_FINAL_TYPE (LiaItem, lia_item, G_TYPE_OBJECT)

static void
lia_item_finalize (GObject *object)
{
  LiaItem *self = LIA_ITEM (object);

  g_clear_pointer (&self->array, g_ptr_array_unref);
  G_OBJECT_CLASS (lia_item_parent_class)->finalize (object);
}

static void
lia_item_class_init (LiaItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lia_item_finalize;
}

static void
lia_item_init (LiaItem *self)
{
}

LiaItem *
lia_item_new (GPtrArray *array,
              guint      index)
{
  LiaItem *self;

  g_return_val_if_fail (array != NULL, NULL);
  g_return_val_if_fail (index < array->len, NULL);

  self = g_object_new (LIA_TYPE_ITEM, NULL);
  self->array = g_ptr_array_ref (array);
  self->data = array->pdata[index];
  return self;
}

gpointer
lia_item_get (LiaItem *self)
{
  g_return_val_if_fail (LIA_IS_ITEM (self), NULL);

  return self->data;
}
