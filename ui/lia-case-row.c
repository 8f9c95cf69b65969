/* lia-case-row.c: one case in the case list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-case-row.h"
#include "lia-util.h"

struct _LiaCaseRow
{
  GtkWidget  parent_instance;

  const char *badge_class;  /* static: the style class set on badge_label */

  GtkWidget *box;
  GtkLabel  *title_label;
  GtkLabel  *subtitle_label;
  GtkLabel  *next_label;
  GtkLabel  *badge_label;
};

G_DEFINE_FINAL_TYPE (LiaCaseRow, lia_case_row, GTK_TYPE_WIDGET)

const char *
lia_badge_label (LiaBadge badge)
{
  switch (badge)
    {
    case LIA_BADGE_OVERDUE:
      return _("Overdue");
    case LIA_BADGE_SOON:
      return _("Due soon");
    case LIA_BADGE_LATER:
      return _("Due later");
    case LIA_BADGE_NONE:
    default:
      return NULL;
    }
}

const char *
lia_badge_css_class (LiaBadge badge)
{
  switch (badge)
    {
    case LIA_BADGE_OVERDUE:
      return "overdue";
    case LIA_BADGE_SOON:
      return "soon";
    case LIA_BADGE_LATER:
      return "later";
    case LIA_BADGE_NONE:
    default:
      return NULL;
    }
}

static void
lia_case_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LIA_TYPE_CASE_ROW);
  G_OBJECT_CLASS (lia_case_row_parent_class)->dispose (object);
}

static void
lia_case_row_class_init (LiaCaseRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = lia_case_row_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "liacaserow");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/uk/liaison/Liaison/ui/lia-case-row.ui");
  gtk_widget_class_bind_template_child (widget_class, LiaCaseRow, box);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseRow, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseRow, next_label);
  gtk_widget_class_bind_template_child (widget_class, LiaCaseRow, badge_label);
}

static void
lia_case_row_init (LiaCaseRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
lia_case_row_new (void)
{
  return g_object_new (LIA_TYPE_CASE_ROW, NULL);
}

void
lia_case_row_set_summary (LiaCaseRow           *self,
                          const LiaCaseSummary *summary)
{
  g_autofree char *subtitle = NULL;
  g_autofree char *next = NULL;
  g_autofree char *accessible = NULL;
  const char *badge;

  g_return_if_fail (LIA_IS_CASE_ROW (self));

  if (self->badge_class != NULL)
    gtk_widget_remove_css_class (GTK_WIDGET (self->badge_label), self->badge_class);
  self->badge_class = NULL;
  if (summary == NULL)
    return;

  gtk_label_set_text (self->title_label, summary->title);
  if (summary->ours)
    /* Translators: the child's code and the area of a case this organisation leads */
    subtitle = g_strdup_printf (_("%s · %s · led by us"), summary->child, summary->area);
  else
    /* Translators: the child's code, the area, and the organisation that leads the case */
    subtitle = g_strdup_printf (_("%s · %s · led by %s"), summary->child, summary->area,
                                summary->lead);
  gtk_label_set_text (self->subtitle_label, subtitle);

  if (summary->closed)
    next = g_strdup (_("Closed"));
  else if (summary->next_title != NULL)
    {
      g_autofree char *due = lia_format_date (&summary->next_due);

      /* Translators: the next deadline of a case and its due date */
      next = g_strdup_printf (_("Next: %s, due %s"), lia_tr (summary->next_title), due);
    }
  else
    next = g_strdup (_("Nothing due"));
  gtk_label_set_text (self->next_label, next);

  badge = lia_badge_label (summary->badge);
  gtk_widget_set_visible (GTK_WIDGET (self->badge_label), badge != NULL && !summary->closed);
  if (badge != NULL)
    {
      gtk_label_set_text (self->badge_label, badge);
      self->badge_class = lia_badge_css_class (summary->badge);
      gtk_widget_add_css_class (GTK_WIDGET (self->badge_label), self->badge_class);
    }

  accessible = g_strjoin (". ", summary->title, subtitle, next, badge != NULL ? badge : "", NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}
