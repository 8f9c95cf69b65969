/* lia-paced-model.h: a list's items handed to its view a few a frame.
 *
 * The GtkListView of GTK 4.8 keeps a row widget for each of up to two
 * hundred items from the first it shows, and makes and binds them the
 * moment its model has them, to measure them all in its next frame. A
 * model that goes from nothing to ten thousand items (the cases, loaded
 * after unlocking; a search cleared) so made, bound and measured two
 * hundred rows at once: a stall of 60-80 ms with the case list's rows.
 *
 * This model stands between the items (a filter model, say) and the view.
 * When many items arrive at once while the view is on the screen, it shows
 * the view the first LIA_PACED_MODEL_STEP of them, and as many more at
 * the start of each following frame, until the view has every row it
 * keeps; then the rest at once, for which the view makes no rows. Changes
 * of a few items pass straight through, and so does everything while the
 * view is off the screen. A view that leaves the screen meanwhile (another
 * page shown) goes on filling at the same pace: its frames go on while it
 * is realized. Anything that needs an item the view may not have yet
 * (selecting it, scrolling to it) calls lia_paced_model_show_all() first.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Items shown a frame: each row of the case list takes 0.3-0.5 ms to
 * make, bind and measure here, so a frame's share stays near 10 ms. */
#define LIA_PACED_MODEL_STEP 24

#define LIA_TYPE_PACED_MODEL (lia_paced_model_get_type ())
G_DECLARE_FINAL_TYPE (LiaPacedModel, lia_paced_model, LIA, PACED_MODEL, GObject)

/* Shows @model's items (it takes a reference) as the frames of @view (not
 * referenced: the view owns the model, through its selection) allow. */
LiaPacedModel *lia_paced_model_new      (GListModel *model,
                                         GtkWidget  *view);

/* Shows every item now. */
void           lia_paced_model_show_all (LiaPacedModel *self);

/* Whether some items are still to be shown. */
gboolean       lia_paced_model_is_pacing (LiaPacedModel *self);

G_END_DECLS
