/* lia-chronology-row.c: one entry of the multi-agency chronology.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-chronology-row.h"
#include "lia-util.h"

struct _LiaChronologyRow
{
  GtkWidget  parent_instance;

  GtkWidget *box;
  GtkLabel  *date_label;
  GtkLabel  *agency_label;
  GtkLabel  *what_label;
  GtkLabel  *detail_label;
};

G_DEFINE_FINAL_TYPE (LiaChronologyRow, lia_chronology_row, GTK_TYPE_WIDGET)

static void
lia_chronology_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LIA_TYPE_CHRONOLOGY_ROW);
  G_OBJECT_CLASS (lia_chronology_row_parent_class)->dispose (object);
}

static void
lia_chronology_row_class_init (LiaChronologyRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lia_chronology_row_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "liachronologyrow");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-chronology-row.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaChronologyRow, box);
  gtk_widget_class_bind_template_child (widget_class, LiaChronologyRow, date_label);
  gtk_widget_class_bind_template_child (widget_class, LiaChronologyRow, agency_label);
  gtk_widget_class_bind_template_child (widget_class, LiaChronologyRow, what_label);
  gtk_widget_class_bind_template_child (widget_class, LiaChronologyRow, detail_label);
}

static void
lia_chronology_row_init (LiaChronologyRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
lia_chronology_row_new (void)
{
  return g_object_new (LIA_TYPE_CHRONOLOGY_ROW, NULL);
}

void
lia_chronology_row_set_entry (LiaChronologyRow         *self,
                              const LiaChronologyEntry *entry)
{
  g_autofree char *date = NULL;
  g_autoptr (GString) detail = NULL;
  g_autofree char *accessible = NULL;

  g_return_if_fail (LIA_IS_CHRONOLOGY_ROW (self));

  if (entry == NULL)
    return;
  date = lia_format_date_text (entry->date);
  gtk_label_set_text (self->date_label, date);
  gtk_label_set_text (self->agency_label, entry->agency != NULL ? entry->agency : "");
  gtk_label_set_text (self->what_label, entry->what != NULL ? entry->what : "");

  detail = g_string_new ("");
  if (entry->source != NULL)
    g_string_append_printf (detail, _("Source: %s"), entry->source);
  if (entry->analysis != NULL)
    {
      if (detail->len > 0)
        g_string_append (detail, " · ");
      g_string_append_printf (detail, _("Analysis: %s"), entry->analysis);
    }
  if (entry->expected != NULL)
    {
      if (detail->len > 0)
        g_string_append (detail, " · ");
      g_string_append_printf (detail, _("Expected practice: %s"),
                              lia_choice_label (entry->expected));
    }
  if (entry->originator != NULL)
    {
      if (detail->len > 0)
        g_string_append (detail, " · ");
      g_string_append_printf (detail, _("Recorded by %s"), entry->originator);
    }
  gtk_label_set_text (self->detail_label, detail->str);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label), detail->len > 0);

  accessible = g_strdup_printf ("%s, %s: %s. %s", date, entry->agency ? entry->agency : "",
                                entry->what ? entry->what : "", detail->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}
