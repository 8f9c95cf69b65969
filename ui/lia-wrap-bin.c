/* lia-wrap-bin.c: holds wrapping text beside other widgets, cheaply.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "lia-wrap-bin.h"

struct _LiaWrapBin
{
  GtkWidget  parent_instance;

  GtkWidget *child;  /* owned through the widget tree */
};

G_DEFINE_FINAL_TYPE (LiaWrapBin, lia_wrap_bin, GTK_TYPE_WIDGET)

static GtkSizeRequestMode
lia_wrap_bin_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
lia_wrap_bin_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  LiaWrapBin *self = LIA_WRAP_BIN (widget);

  /* The point of the bin (see the header): no width for a given height. */
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    for_size = -1;
  if (self->child == NULL || !gtk_widget_get_visible (self->child))
    {
      *minimum = *natural = 0;
      return;
    }
  gtk_widget_measure (self->child, orientation, for_size, minimum, natural, minimum_baseline,
                      natural_baseline);
}

static void
lia_wrap_bin_size_allocate (GtkWidget *widget,
                            int        width,
                            int        height,
                            int        baseline)
{
  LiaWrapBin *self = LIA_WRAP_BIN (widget);

  if (self->child != NULL && gtk_widget_get_visible (self->child))
    gtk_widget_allocate (self->child, width, height, baseline, NULL);
}

static void
lia_wrap_bin_dispose (GObject *object)
{
  LiaWrapBin *self = LIA_WRAP_BIN (object);

  g_clear_pointer (&self->child, gtk_widget_unparent);
  G_OBJECT_CLASS (lia_wrap_bin_parent_class)->dispose (object);
}

static void
lia_wrap_bin_class_init (LiaWrapBinClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lia_wrap_bin_dispose;
  widget_class->get_request_mode = lia_wrap_bin_get_request_mode;
  widget_class->measure = lia_wrap_bin_measure;
  widget_class->size_allocate = lia_wrap_bin_size_allocate;
  /* "box", so that the theme's rules for the box it stands for (a row's
   * box.title, say) apply to it. */
  gtk_widget_class_set_css_name (widget_class, "box");
}

static void
lia_wrap_bin_init (LiaWrapBin *self)
{
}

GtkWidget *
lia_wrap_bin_new (GtkWidget *child)
{
  LiaWrapBin *self;

  g_return_val_if_fail (GTK_IS_WIDGET (child), NULL);
  g_return_val_if_fail (gtk_widget_get_parent (child) == NULL, NULL);

  self = g_object_new (LIA_TYPE_WRAP_BIN, NULL);
  self->child = child;
  gtk_widget_set_parent (child, GTK_WIDGET (self));
  return GTK_WIDGET (self);
}

GtkWidget *
lia_wrap_bin_get_child (LiaWrapBin *self)
{
  g_return_val_if_fail (LIA_IS_WRAP_BIN (self), NULL);

  return self->child;
}
