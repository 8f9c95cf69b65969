/* lia-array-model.c: a GListModel over a GPtrArray of plain structs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "lia-array-model.h"
#include "lia-item.h"

struct _LiaArrayModel
{
  GObject    parent_instance;

  GPtrArray *array;  /* owned reference, or NULL */
  GPtrArray *items;  /* owned: LiaItem or NULL per row, made on demand */
};

static void lia_array_model_list_model_init (GListModelInterface *iface);

/* Lets go of @array. Freeing tens of thousands of rows, each a handful of
 * strings, takes the main thread 20-30 ms (the 50,000 entries of a long
 * chronology, when its page closes), so a large array's last reference
 * goes on a thread of its own; the rows are plain data, made on the
 * store's thread in the first place. */
#define FREE_ELSEWHERE_FROM 1000

static void
unref_in_thread (gpointer data,
                 gpointer user_data)
{
  g_ptr_array_unref (data);
}

static void
unref_array (GPtrArray *array)
{
  static GThreadPool *pool;

  if (array == NULL)
    return;
  if (array->len < FREE_ELSEWHERE_FROM)
    {
      g_ptr_array_unref (array);
      return;
    }
  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, g_thread_pool_new (unref_in_thread, NULL, 1, FALSE, NULL));
  g_thread_pool_push (pool, array, NULL);
}

G_DEFINE_FINAL_TYPE_WITH_CODE (LiaArrayModel, lia_array_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      lia_array_model_list_model_init))

static void
unref_item (gpointer item)
{
  if (item != NULL)
    g_object_unref (item);
}

static GType
lia_array_model_get_item_type (GListModel *model)
{
  return LIA_TYPE_ITEM;
}

static guint
lia_array_model_get_n_items (GListModel *model)
{
  LiaArrayModel *self = LIA_ARRAY_MODEL (model);

  return self->array != NULL ? self->array->len : 0;
}

static gpointer
lia_array_model_get_item (GListModel *model,
                          guint       position)
{
  LiaArrayModel *self = LIA_ARRAY_MODEL (model);

  if (self->array == NULL || position >= self->array->len)
    return NULL;
  if (self->items->pdata[position] == NULL)
    self->items->pdata[position] = lia_item_new (self->array, position);
  return g_object_ref (self->items->pdata[position]);
}

static void
lia_array_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = lia_array_model_get_item_type;
  iface->get_n_items = lia_array_model_get_n_items;
  iface->get_item = lia_array_model_get_item;
}

static void
lia_array_model_finalize (GObject *object)
{
  LiaArrayModel *self = LIA_ARRAY_MODEL (object);

  /* The items first: each holds a reference to the array. */
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->array, unref_array);
  G_OBJECT_CLASS (lia_array_model_parent_class)->finalize (object);
}

static void
lia_array_model_class_init (LiaArrayModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lia_array_model_finalize;
}

static void
lia_array_model_init (LiaArrayModel *self)
{
  self->items = g_ptr_array_new_with_free_func (unref_item);
}

LiaArrayModel *
lia_array_model_new (void)
{
  return g_object_new (LIA_TYPE_ARRAY_MODEL, NULL);
}

void
lia_array_model_set_array (LiaArrayModel  *self,
                           GPtrArray      *array,
                           LiaRowEqualFunc equal)
{
  GPtrArray *old = NULL;
  g_autoptr (GPtrArray) old_items = NULL;
  guint old_len, new_len, prefix = 0, suffix = 0;

  g_return_if_fail (LIA_IS_ARRAY_MODEL (self));

  old = g_steal_pointer (&self->array);
  old_items = g_steal_pointer (&self->items);
  old_len = old != NULL ? old->len : 0;
  new_len = array != NULL ? array->len : 0;
  self->array = array != NULL ? g_ptr_array_ref (array) : NULL;
  self->items = g_ptr_array_new_full (new_len, unref_item);
  g_ptr_array_set_size (self->items, new_len);

  if (equal != NULL)
    {
      while (prefix < old_len && prefix < new_len
             && equal (old->pdata[prefix], array->pdata[prefix]))
        prefix++;
      while (suffix < old_len - prefix && suffix < new_len - prefix
             && equal (old->pdata[old_len - 1 - suffix], array->pdata[new_len - 1 - suffix]))
        suffix++;
    }
  if (prefix != old_len || prefix != new_len)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, old_len - prefix - suffix,
                                new_len - prefix - suffix);
  g_clear_pointer (&old_items, g_ptr_array_unref);
  unref_array (old);
}

GPtrArray *
lia_array_model_get_array (LiaArrayModel *self)
{
  g_return_val_if_fail (LIA_IS_ARRAY_MODEL (self), NULL);

  return self->array;
}
