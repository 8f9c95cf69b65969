/* lia-wrap-bin.h: holds wrapping text beside other widgets, cheaply.
 *
 * A horizontal GtkBox of GTK 4.8 asks each child how wide it would be at
 * the box's height, both when it is measured and when it is allocated, and
 * a wrapping GtkLabel answers that by laying its text out again and again
 * in a binary search over widths: a score of Pango layouts a label, each
 * time. A page of a few dozen rows with wrapping titles and subtitles
 * beside a badge (a case's overview) spent over a hundred milliseconds of
 * one frame doing only that.
 *
 * This bin stands between such a box and the text: asked for a width at a
 * given height it asks its child for its width at no particular height
 * (the narrowest and the natural width of the text, which GTK measures
 * once and keeps), and otherwise passes everything through. The text
 * still wraps to the width it is given, and its height is still asked for
 * at that width: only the search, which nothing here needs, is gone.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define LIA_TYPE_WRAP_BIN (lia_wrap_bin_get_type ())
G_DECLARE_FINAL_TYPE (LiaWrapBin, lia_wrap_bin, LIA, WRAP_BIN, GtkWidget)

/* A bin for @child (which it takes), with the CSS name "box". */
GtkWidget *lia_wrap_bin_new       (GtkWidget *child);

GtkWidget *lia_wrap_bin_get_child (LiaWrapBin *self);

G_END_DECLS
