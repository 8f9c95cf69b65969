/* lia-info-row.c: a row of a boxed list that shows a fact.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "lia-info-row.h"
#include "lia-wrap-bin.h"

struct _LiaInfoRow
{
  AdwPreferencesRow parent_instance;

  /* All owned through the widget tree. The nodes and classes are
   * AdwActionRow's (row > box.header > box.title > label.title), so the
   * theme's rules for it apply: the title column is the LiaWrapBin. */
  GtkWidget *header;
  GtkLabel  *title_label;
  GtkLabel  *subtitle_label;
  GtkWidget *suffixes;
};

G_DEFINE_FINAL_TYPE (LiaInfoRow, lia_info_row, ADW_TYPE_PREFERENCES_ROW)

static GtkLabel *
text_label_new (const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  /* GtkLabel finds a wrapping label's narrowest width by laying its text
   * out as narrow as it goes, a word a line: for a milestone's subtitle,
   * dozens of lines, each a pass of Pango's shaping, and again whenever
   * the row is measured afresh. Asked instead how wide it is at 16
   * characters (about as narrow as a row's text gets in the narrowest
   * window), Pango makes a few lines: a case's overview laid out in a
   * third of the time. */
  gtk_label_set_width_chars (GTK_LABEL (label), 16);
  gtk_widget_add_css_class (label, css_class);
  return GTK_LABEL (label);
}

static void
title_changed_cb (LiaInfoRow *self)
{
  const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self));

  gtk_label_set_text (self->title_label, title);
  gtk_widget_set_visible (GTK_WIDGET (self->title_label), title != NULL && *title != '\0');
}

static void
lia_info_row_class_init (LiaInfoRowClass *klass)
{
}

static void
lia_info_row_init (LiaInfoRow *self)
{
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *column;

  self->header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_add_css_class (self->header, "header");
  gtk_widget_set_valign (self->header, GTK_ALIGN_CENTER);

  /* The title and subtitle 3 px apart, as libadwaita's theme spaces
   * AdwActionRow's (its title box's border-spacing, which here falls on
   * the bin, not on the box that lays them out). */
  self->title_label = text_label_new ("title");
  self->subtitle_label = text_label_new ("subtitle");
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), FALSE);
  gtk_box_append (GTK_BOX (text), GTK_WIDGET (self->title_label));
  gtk_box_append (GTK_BOX (text), GTK_WIDGET (self->subtitle_label));
  column = lia_wrap_bin_new (text);
  gtk_widget_add_css_class (column, "title");
  gtk_widget_set_valign (column, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (column, TRUE);
  gtk_box_append (GTK_BOX (self->header), column);

  self->suffixes = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_add_css_class (self->suffixes, "suffixes");
  gtk_widget_set_visible (self->suffixes, FALSE);
  gtk_box_append (GTK_BOX (self->header), self->suffixes);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), self->header);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, self->title_label, NULL,
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, self->subtitle_label, NULL,
                                  -1);
  g_signal_connect (self, "notify::title", G_CALLBACK (title_changed_cb), NULL);
}

GtkWidget *
lia_info_row_new (const char *title,
                  const char *subtitle)
{
  LiaInfoRow *self = g_object_new (LIA_TYPE_INFO_ROW, "use-markup", FALSE, NULL);

  /* Set after construction, so that the label follows. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), title != NULL ? title : "");
  lia_info_row_set_subtitle (self, subtitle);
  return GTK_WIDGET (self);
}

void
lia_info_row_set_subtitle (LiaInfoRow *self,
                           const char *subtitle)
{
  g_return_if_fail (LIA_IS_INFO_ROW (self));

  gtk_label_set_text (self->subtitle_label, subtitle != NULL ? subtitle : "");
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), subtitle != NULL && *subtitle != '\0');
}

const char *
lia_info_row_get_subtitle (LiaInfoRow *self)
{
  g_return_val_if_fail (LIA_IS_INFO_ROW (self), NULL);

  return gtk_label_get_text (self->subtitle_label);
}

void
lia_info_row_add_suffix (LiaInfoRow *self,
                         GtkWidget  *widget)
{
  g_return_if_fail (LIA_IS_INFO_ROW (self));
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gtk_box_append (GTK_BOX (self->suffixes), widget);
  gtk_widget_set_visible (self->suffixes, TRUE);
}
