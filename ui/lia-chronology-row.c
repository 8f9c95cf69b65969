/* lia-chronology-row.c: one entry of the multi-agency chronology.
 *
 * A chronology may hold tens of thousands of entries, and the list view
 * of GTK 4.8 binds and measures every row it keeps (up to two hundred),
 * on opening and on each frame of a scroll. A row made of wrapping
 * GtkLabels is laid out afresh each time its size is asked for, which
 * made scrolling a long chronology take a fifth of a second a frame. So
 * this row is one widget of a fixed height (three lines of what happened,
 * one of its source and analysis, from the font's own line height), which
 * it gives without laying anything out, and it lays out its text with
 * Pango only when it is drawn, keeping the layouts for the width it was
 * drawn at: only the rows on the screen are ever laid out, once.
 *
 * The text is styled from the widget's own CSS (liachronologyrow in
 * style.css): the font and colours of the theme, dark style and high
 * contrast included.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-chronology-row.h"
#include "lia-util.h"

/* Layout, in pixels. */
#define PAD_X          12
#define PAD_Y          10
#define LEFT_WIDTH     160
#define GAP            18
#define LINE_GAP       4
#define MIN_TEXT_WIDTH 160
/* At most this many lines of each, the rest ellipsised. */
#define DATE_LINES     2
#define WHAT_LINES     3
#define DETAIL_LINES   1
#define AGENCY_LINES   2

struct _LiaChronologyRow
{
  GtkWidget    parent_instance;

  /* The entry shown (its record id, owned) and its text; owned. */
  char        *record_id;
  char        *date;
  char        *agency;
  char        *what;
  char        *detail;

  /* Laid out for layout_width (-1: never) with the widget's Pango context
   * as it was at context_serial; owned, NULL when not laid out. The width
   * is kept when the layouts are dropped for a new entry: a row that the
   * list reuses keeps its width. */
  int          layout_width;
  guint        context_serial;

  /* The row's height for the font of context_serial (-1: not worked out). */
  int          height;
  guint        height_serial;
  PangoLayout *date_layout;
  PangoLayout *agency_layout;
  PangoLayout *what_layout;
  PangoLayout *detail_layout;
};

G_DEFINE_FINAL_TYPE (LiaChronologyRow, lia_chronology_row, GTK_TYPE_WIDGET)

static void
clear_layouts (LiaChronologyRow *self)
{
  g_clear_object (&self->date_layout);
  g_clear_object (&self->agency_layout);
  g_clear_object (&self->what_layout);
  g_clear_object (&self->detail_layout);
}

static PangoLayout *
make_layout (LiaChronologyRow *self,
             const char       *text,
             int               width,
             int               max_lines,
             gboolean          bold,
             gboolean          small)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoAttrList *attrs = pango_attr_list_new ();

  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  if (small)
    pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  pango_layout_set_width (layout, MAX (width, 1) * PANGO_SCALE);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_height (layout, -max_lines);
  return layout;
}

static int
text_width (int width)
{
  return MAX (width - 2 * PAD_X - LEFT_WIDTH - GAP, MIN_TEXT_WIDTH);
}

static void
ensure_layouts (LiaChronologyRow *self,
                int               width)
{
  int right = text_width (width);
  guint serial = pango_context_get_serial (gtk_widget_get_pango_context (GTK_WIDGET (self)));

  if (self->layout_width == width && self->context_serial == serial && self->what_layout != NULL)
    return;
  clear_layouts (self);
  self->layout_width = width;
  self->context_serial = serial;
  self->date_layout = make_layout (self, self->date, LEFT_WIDTH, DATE_LINES, TRUE, FALSE);
  self->agency_layout = make_layout (self, self->agency, LEFT_WIDTH, AGENCY_LINES, FALSE, TRUE);
  self->what_layout = make_layout (self, self->what, right, WHAT_LINES, FALSE, FALSE);
  self->detail_layout = make_layout (self, self->detail, right, DETAIL_LINES, FALSE, TRUE);
}

static int
layout_height (PangoLayout *layout)
{
  int height;

  if (pango_layout_get_character_count (layout) == 0)
    return 0;
  pango_layout_get_pixel_size (layout, NULL, &height);
  return height;
}

/* The height of @lines lines of the widget's font, at @scale. */
static int
lines_height (PangoFontMetrics *metrics,
              int               lines,
              double            scale)
{
  return (int) (lines * pango_font_metrics_get_height (metrics) * scale / PANGO_SCALE + 0.999);
}

/* The fixed height of every row, from the font in use: the taller of the
 * two columns at their most lines. */
static int
row_height (LiaChronologyRow *self)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  guint serial = pango_context_get_serial (context);
  PangoFontMetrics *metrics;
  int left, right;

  if (self->height >= 0 && self->height_serial == serial)
    return self->height;
  metrics = pango_context_get_metrics (context, NULL, NULL);
  left = lines_height (metrics, DATE_LINES, 1.0) + LINE_GAP
         + lines_height (metrics, AGENCY_LINES, PANGO_SCALE_SMALL);
  right = lines_height (metrics, WHAT_LINES, 1.0) + LINE_GAP
          + lines_height (metrics, DETAIL_LINES, PANGO_SCALE_SMALL);
  pango_font_metrics_unref (metrics);
  self->height = 2 * PAD_Y + MAX (left, right);
  self->height_serial = serial;
  return self->height;
}

static GtkSizeRequestMode
lia_chronology_row_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
lia_chronology_row_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  LiaChronologyRow *self = LIA_CHRONOLOGY_ROW (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* The text wraps to whatever width it is given. */
      *minimum = 2 * PAD_X + LEFT_WIDTH + GAP + MIN_TEXT_WIDTH;
      *natural = *minimum;
    }
  else
    /* Without laying anything out: a row that is bound but never drawn
     * costs a string copy. */
    *minimum = *natural = row_height (self);
}

static void
append_layout (GtkSnapshot   *snapshot,
               PangoLayout   *layout,
               int            x,
               int            y,
               const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
lia_chronology_row_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  LiaChronologyRow *self = LIA_CHRONOLOGY_ROW (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  int width = gtk_widget_get_width (widget);
  int right_x = PAD_X + LEFT_WIDTH + GAP;
  int y;
  GdkRGBA fg, accent, dim;

  ensure_layouts (self, width);
  gtk_style_context_get_color (style, &fg);
  if (!gtk_style_context_lookup_color (style, "accent_color", &accent))
    accent = fg;
  dim = fg;
  dim.alpha *= 0.55;

  append_layout (snapshot, self->date_layout, PAD_X, PAD_Y, &fg);
  append_layout (snapshot, self->agency_layout, PAD_X,
                 PAD_Y + layout_height (self->date_layout) + LINE_GAP, &accent);
  append_layout (snapshot, self->what_layout, right_x, PAD_Y, &fg);
  y = PAD_Y + layout_height (self->what_layout) + LINE_GAP;
  append_layout (snapshot, self->detail_layout, right_x, y, &dim);
}

static void
lia_chronology_row_css_changed (GtkWidget         *widget,
                                GtkCssStyleChange *change)
{
  LiaChronologyRow *self = LIA_CHRONOLOGY_ROW (widget);
  guint serial = pango_context_get_serial (gtk_widget_get_pango_context (widget));

  GTK_WIDGET_CLASS (lia_chronology_row_parent_class)->css_changed (widget, change);
  /* Another font or size (the theme, text scaling) changes the widget's
   * Pango context: lay out again. Other style changes, which the list's
   * rows get at every scroll as their positions change, cost nothing;
   * the colours are read at each snapshot. */
  if (serial != self->height_serial || (self->what_layout != NULL
                                         && serial != self->context_serial))
    {
      clear_layouts (self);
      self->height = -1;
      gtk_widget_queue_resize (widget);
    }
}

static void
lia_chronology_row_finalize (GObject *object)
{
  LiaChronologyRow *self = LIA_CHRONOLOGY_ROW (object);

  clear_layouts (self);
  g_free (self->record_id);
  g_free (self->date);
  g_free (self->agency);
  g_free (self->what);
  g_free (self->detail);
  G_OBJECT_CLASS (lia_chronology_row_parent_class)->finalize (object);
}

static void
lia_chronology_row_class_init (LiaChronologyRowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = lia_chronology_row_finalize;
  widget_class->get_request_mode = lia_chronology_row_get_request_mode;
  widget_class->measure = lia_chronology_row_measure;
  widget_class->snapshot = lia_chronology_row_snapshot;
  widget_class->css_changed = lia_chronology_row_css_changed;
  gtk_widget_class_set_css_name (widget_class, "liachronologyrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
lia_chronology_row_init (LiaChronologyRow *self)
{
  self->layout_width = -1;
  self->height = -1;
}

GtkWidget *
lia_chronology_row_new (void)
{
  return g_object_new (LIA_TYPE_CHRONOLOGY_ROW, NULL);
}

static void
replace (char      **field,
         const char *value)
{
  g_free (*field);
  *field = g_strdup (value != NULL ? value : "");
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
  /* The list view rebinds rows far more often than their entries change:
   * the same text keeps its layouts. */
  if (g_strcmp0 (self->record_id, entry->record_id) == 0 && g_strcmp0 (self->date, date) == 0
      && g_strcmp0 (self->agency, entry->agency != NULL ? entry->agency : "") == 0
      && g_strcmp0 (self->what, entry->what != NULL ? entry->what : "") == 0
      && g_strcmp0 (self->detail, detail->str) == 0)
    return;
  replace (&self->record_id, entry->record_id);
  replace (&self->date, date);
  replace (&self->agency, entry->agency);
  replace (&self->what, entry->what);
  replace (&self->detail, detail->str);
  /* The size does not depend on the text: a redraw will do. */
  clear_layouts (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));

  accessible = g_strdup_printf ("%s, %s: %s. %s", date, self->agency, self->what, detail->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}
