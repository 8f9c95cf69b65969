/* lia-paced-model.c: a list's items handed to its view a few a frame.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "lia-paced-model.h"

/* Once this many items from where the pacing began are shown, the view
 * has every row it keeps (GTK 4.8: two hundred, and two either side), and
 * the rest can go at once: the view makes no rows for them. */
#define PACE_SPAN 256

struct _LiaPacedModel
{
  GObject     parent_instance;

  GListModel *model;      /* owned */
  GtkWidget  *view;       /* weak pointer: whose frames pace the items */
  guint       shown;      /* the view has the items [0, shown) */
  guint       pace_end;   /* while pacing: show all from here on */
  guint       tick_id;    /* the view's tick callback while pacing, or 0 */
};

static void lia_paced_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (LiaPacedModel, lia_paced_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      lia_paced_model_list_model_init))

static GType
lia_paced_model_get_item_type (GListModel *list)
{
  return g_list_model_get_item_type (LIA_PACED_MODEL (list)->model);
}

static guint
lia_paced_model_get_n_items (GListModel *list)
{
  return LIA_PACED_MODEL (list)->shown;
}

static gpointer
lia_paced_model_get_item (GListModel *list,
                          guint       position)
{
  LiaPacedModel *self = LIA_PACED_MODEL (list);

  if (position >= self->shown)
    return NULL;
  return g_list_model_get_item (self->model, position);
}

static void
lia_paced_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = lia_paced_model_get_item_type;
  iface->get_n_items = lia_paced_model_get_n_items;
  iface->get_item = lia_paced_model_get_item;
}

static void
stop_pacing (LiaPacedModel *self)
{
  guint id = self->tick_id;

  self->tick_id = 0;
  if (id != 0 && self->view != NULL)
    gtk_widget_remove_tick_callback (self->view, id);
}

/* Shows the view the items up to @upto (at most all), after those it has. */
static void
show_up_to (LiaPacedModel *self,
            guint          upto)
{
  /* Stopping may drop the tick callback's reference, the last if the
   * view has let go of the model meanwhile. */
  g_autoptr (LiaPacedModel) G_GNUC_UNUSED alive = g_object_ref (self);
  guint n = g_list_model_get_n_items (self->model);
  guint before = self->shown;

  upto = MIN (upto, n);
  if (upto >= n)
    stop_pacing (self);
  if (upto <= before)
    return;
  self->shown = upto;
  g_list_model_items_changed (G_LIST_MODEL (self), before, 0, upto - before);
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  LiaPacedModel *self = user_data;
  guint upto = self->shown + LIA_PACED_MODEL_STEP;

  if (upto >= self->pace_end)
    upto = G_MAXUINT;
  if (upto >= g_list_model_get_n_items (self->model))
    {
      /* Done: this callback goes with the return. */
      self->tick_id = 0;
      show_up_to (self, upto);
      return G_SOURCE_REMOVE;
    }
  show_up_to (self, upto);
  return G_SOURCE_CONTINUE;
}

static void
items_changed_cb (GListModel    *model,
                  guint          position,
                  guint          removed,
                  guint          added,
                  LiaPacedModel *self)
{
  g_autoptr (LiaPacedModel) G_GNUC_UNUSED alive = g_object_ref (self);  /* as in show_up_to() */
  guint n = g_list_model_get_n_items (model);
  guint old_shown = self->shown;
  guint removed_shown, kept_after;

  if (position > old_shown)
    /* Beyond what the view has: its part comes in its turn. */
    return;

  /* Of the shown items, those the change removes and those after it. */
  removed_shown = MIN (removed, old_shown - position);
  kept_after = position + removed < old_shown ? old_shown - position - removed : 0;

  if (added > LIA_PACED_MODEL_STEP && self->view != NULL && gtk_widget_get_mapped (self->view))
    {
      /* Many at once: the first few now, and the items after them, if the
       * view had any, again in their turn. */
      self->shown = position + LIA_PACED_MODEL_STEP;
      self->pace_end = position + PACE_SPAN;
      g_list_model_items_changed (G_LIST_MODEL (self), position, removed_shown + kept_after,
                                  LIA_PACED_MODEL_STEP);
      if (self->tick_id == 0)
        self->tick_id = gtk_widget_add_tick_callback (self->view, tick_cb, g_object_ref (self),
                                                      g_object_unref);
      return;
    }
  self->shown = position + added + kept_after;
  g_assert (self->shown <= n);
  if (self->shown == n)
    stop_pacing (self);
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed_shown, added);
}

static void
lia_paced_model_dispose (GObject *object)
{
  LiaPacedModel *self = LIA_PACED_MODEL (object);

  stop_pacing (self);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, items_changed_cb, self);
  g_clear_object (&self->model);
  g_clear_weak_pointer (&self->view);
  G_OBJECT_CLASS (lia_paced_model_parent_class)->dispose (object);
}

static void
lia_paced_model_class_init (LiaPacedModelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = lia_paced_model_dispose;
}

static void
lia_paced_model_init (LiaPacedModel *self)
{
}

LiaPacedModel *
lia_paced_model_new (GListModel *model,
                     GtkWidget  *view)
{
  LiaPacedModel *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);
  g_return_val_if_fail (GTK_IS_WIDGET (view), NULL);

  self = g_object_new (LIA_TYPE_PACED_MODEL, NULL);
  self->model = g_object_ref (model);
  self->shown = g_list_model_get_n_items (model);
  g_set_weak_pointer (&self->view, view);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), self);
  return self;
}

void
lia_paced_model_show_all (LiaPacedModel *self)
{
  g_return_if_fail (LIA_IS_PACED_MODEL (self));

  show_up_to (self, G_MAXUINT);
}

gboolean
lia_paced_model_is_pacing (LiaPacedModel *self)
{
  g_return_val_if_fail (LIA_IS_PACED_MODEL (self), FALSE);

  return self->shown < g_list_model_get_n_items (self->model);
}
