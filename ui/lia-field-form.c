/* lia-field-form.c: a form for a list of LiaFields.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "lia-field-form.h"
#include "lia-util.h"

/* One field's row and what it was filled with. */
typedef struct
{
  const LiaField *field;      /* borrowed: static table */
  GtkWidget      *row;        /* borrowed: owned by its group */
  GtkWidget      *input;      /* the entry, combo row, text view or check box container */
  GPtrArray      *checks;     /* for LIA_FIELD_CHOICES: GtkCheckButton per choice; owned array */
  char           *initial;    /* owned: what set_values gave, or NULL */
} Entry;

static void
entry_free (Entry *entry)
{
  g_clear_pointer (&entry->checks, g_ptr_array_unref);
  g_free (entry->initial);
  g_free (entry);
}

struct _LiaFieldForm
{
  AdwBin      parent_instance;

  GtkBox     *box;      /* the groups, one per process */
  GPtrArray  *entries;  /* owned: Entry, in field order */
  GHashTable *groups;   /* owned keys: process name → AdwPreferencesGroup (borrowed) */
};

G_DEFINE_FINAL_TYPE (LiaFieldForm, lia_field_form, ADW_TYPE_BIN)

static const char *
process_title (const char *process)
{
  if (g_str_equal (process, "notification"))
    return _("Notification to the Panel");
  if (g_str_equal (process, "rapid-review"))
    return _("Rapid review");
  if (g_str_equal (process, "lcspr"))
    return _("Local child safeguarding practice review");
  if (g_str_equal (process, "iopc"))
    return _("IOPC investigation");
  if (g_str_equal (process, "proceedings"))
    return _("Parallel proceedings");
  return NULL;
}

static AdwPreferencesGroup *
group_for (LiaFieldForm *self,
           const char   *name)
{
  const char *dot = strchr (name, '.');
  g_autofree char *process = dot != NULL ? g_strndup (name, dot - name) : g_strdup ("");
  AdwPreferencesGroup *group = g_hash_table_lookup (self->groups, process);

  if (group == NULL)
    {
      const char *title = process_title (process);

      group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
      if (title != NULL)
        adw_preferences_group_set_title (group, title);
      gtk_box_append (self->box, GTK_WIDGET (group));
      g_hash_table_insert (self->groups, g_steal_pointer (&process), group);
    }
  return group;
}

static char *
row_title (const LiaField *field)
{
  if (field->required)
    /* Translators: the label of a form field that must be filled in */
    return g_strdup_printf (_("%s (required)"), lia_tr (field->label));
  return g_strdup (lia_tr (field->label));
}

static void
date_picked_cb (GtkCalendar *calendar,
                gpointer     user_data)
{
  GtkEditable *editable = GTK_EDITABLE (user_data);
  g_autoptr (GDateTime) picked = gtk_calendar_get_date (calendar);
  g_autofree char *iso = g_date_time_format (picked, "%Y-%m-%d");
  const char *old = gtk_editable_get_text (editable);

  /* Keeps a time already typed after the date. */
  if (old != NULL && strlen (old) > 10 && (old[10] == ' ' || old[10] == 'T'))
    {
      g_autofree char *with_time = g_strconcat (iso, old + 10, NULL);

      gtk_editable_set_text (editable, with_time);
    }
  else
    gtk_editable_set_text (editable, iso);
  gtk_popover_popdown (GTK_POPOVER (gtk_widget_get_ancestor (GTK_WIDGET (calendar),
                                                             GTK_TYPE_POPOVER)));
}

/* A calendar to pick the date from, beside the entry. */
static void
add_date_picker (AdwEntryRow    *row,
                 const LiaField *field)
{
  GtkWidget *button = gtk_menu_button_new ();
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *calendar = gtk_calendar_new ();
  g_autofree char *tooltip = g_strdup_printf (_("Choose “%s” from a calendar"),
                                              lia_tr (field->label));

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "x-office-calendar-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                  -1);
  gtk_popover_set_child (GTK_POPOVER (popover), calendar);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), popover);
  g_signal_connect (calendar, "day-selected", G_CALLBACK (date_picked_cb), row);
  adw_entry_row_add_suffix (row, button);
}

static void
add_row (LiaFieldForm   *self,
         const LiaField *field)
{
  AdwPreferencesGroup *group = group_for (self, field->name);
  Entry *entry = g_new0 (Entry, 1);
  g_autofree char *title = row_title (field);
  g_autofree char *widget_name = g_strconcat ("field-", field->name, NULL);

  entry->field = field;
  switch (field->type)
    {
    case LIA_FIELD_TEXT:
    case LIA_FIELD_DATE:
    case LIA_FIELD_DATE_TIME:
      entry->row = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry->row), title);
      entry->input = entry->row;
      if (field->type != LIA_FIELD_TEXT)
        add_date_picker (ADW_ENTRY_ROW (entry->row), field);
      if (field->type == LIA_FIELD_DATE_TIME)
        gtk_widget_set_tooltip_text (entry->row, _("For example 12/06/2026 14:30; the time may "
                                                   "be left out"));
      else if (field->type == LIA_FIELD_DATE)
        gtk_widget_set_tooltip_text (entry->row, _("For example 12/06/2026"));
      break;
    case LIA_FIELD_LONG_TEXT:
      {
        GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
        GtkWidget *label = gtk_label_new (title);
        GtkWidget *scroller = gtk_scrolled_window_new ();
        GtkWidget *view = gtk_text_view_new ();

        entry->row = adw_preferences_row_new ();
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry->row), title);
        gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (entry->row), FALSE);
        gtk_widget_set_margin_top (box, 8);
        gtk_widget_set_margin_bottom (box, 8);
        gtk_widget_set_margin_start (box, 12);
        gtk_widget_set_margin_end (box, 12);
        gtk_label_set_xalign (GTK_LABEL (label), 0);
        gtk_widget_add_css_class (label, "caption");
        gtk_widget_add_css_class (label, "dim-label");
        gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
        gtk_text_view_set_accepts_tab (GTK_TEXT_VIEW (view), FALSE);
        gtk_widget_add_css_class (view, "inline");
        gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
        gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                        GTK_POLICY_AUTOMATIC);
        gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), 72);
        gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 240);
        gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
        gtk_box_append (GTK_BOX (box), label);
        gtk_box_append (GTK_BOX (box), scroller);
        gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (entry->row), box);
        gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        title, -1);
        {
          g_autofree char *view_name = g_strconcat (widget_name, "-text", NULL);

          gtk_widget_set_name (view, view_name);
        }
        entry->input = view;
      }
      break;
    case LIA_FIELD_CHOICE:
      {
        g_autoptr (GtkStringList) labels = gtk_string_list_new (NULL);

        if (!field->required)
          gtk_string_list_append (labels, _("Not set"));
        for (guint i = 0; field->choices[i] != NULL; i++)
          gtk_string_list_append (labels, lia_choice_label (field->choices[i]));
        entry->row = adw_combo_row_new ();
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry->row), title);
        adw_combo_row_set_model (ADW_COMBO_ROW (entry->row), G_LIST_MODEL (labels));
        entry->input = entry->row;
      }
      break;
    case LIA_FIELD_CHOICES:
      {
        entry->row = adw_expander_row_new ();
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (entry->row), title);
        adw_expander_row_set_expanded (ADW_EXPANDER_ROW (entry->row), TRUE);
        entry->checks = g_ptr_array_new ();
        for (guint i = 0; field->choices[i] != NULL; i++)
          {
            GtkWidget *row = adw_action_row_new ();
            GtkWidget *check = gtk_check_button_new ();
            g_autofree char *check_name = g_strdup_printf ("%s-%s", widget_name,
                                                           field->choices[i]);

            adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                           lia_choice_label (field->choices[i]));
            adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
            adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
            gtk_widget_set_name (check, check_name);
            gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                            lia_choice_label (field->choices[i]), -1);
            adw_expander_row_add_row (ADW_EXPANDER_ROW (entry->row), row);
            g_ptr_array_add (entry->checks, check);
          }
        entry->input = entry->row;
      }
      break;
    default:
      g_assert_not_reached ();
    }
  gtk_widget_set_name (entry->row, widget_name);
  adw_preferences_group_add (group, entry->row);
  g_ptr_array_add (self->entries, entry);
}

static Entry *
find_entry (LiaFieldForm *self,
            const char   *name)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = self->entries->pdata[i];

      if (g_str_equal (entry->field->name, name))
        return entry;
    }
  return NULL;
}

static void
clear_rows (LiaFieldForm *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->box))) != NULL)
    gtk_box_remove (self->box, child);
  g_ptr_array_set_size (self->entries, 0);
  g_hash_table_remove_all (self->groups);
}

void
lia_field_form_set_fields (LiaFieldForm      *self,
                           const LiaField    *fields,
                           guint              n_fields,
                           const char *const *skip)
{
  g_return_if_fail (LIA_IS_FIELD_FORM (self));

  clear_rows (self);
  for (guint i = 0; i < n_fields; i++)
    if (skip == NULL || !g_strv_contains (skip, fields[i].name))
      add_row (self, &fields[i]);
}

static void
set_entry_value (Entry      *entry,
                 const char *value)
{
  const LiaField *field = entry->field;

  switch (field->type)
    {
    case LIA_FIELD_TEXT:
    case LIA_FIELD_DATE:
    case LIA_FIELD_DATE_TIME:
      gtk_editable_set_text (GTK_EDITABLE (entry->input), value != NULL ? value : "");
      break;
    case LIA_FIELD_LONG_TEXT:
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (entry->input)),
                                value != NULL ? value : "", -1);
      break;
    case LIA_FIELD_CHOICE:
      {
        int index = value != NULL ? lia_choice_index (field->choices, value) : -1;
        guint offset = field->required ? 0 : 1;

        adw_combo_row_set_selected (ADW_COMBO_ROW (entry->input),
                                    index >= 0 ? (guint) index + offset : 0);
      }
      break;
    case LIA_FIELD_CHOICES:
      {
        g_auto (GStrv) chosen = g_strsplit (value != NULL ? value : "", ",", -1);

        for (guint i = 0; i < entry->checks->len; i++)
          {
            gboolean on = FALSE;

            for (guint j = 0; chosen[j] != NULL; j++)
              if (g_str_equal (g_strstrip (chosen[j]), field->choices[i]))
                on = TRUE;
            gtk_check_button_set_active (entry->checks->pdata[i], on);
          }
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

void
lia_field_form_set_value (LiaFieldForm *self,
                          const char   *name,
                          const char   *value)
{
  Entry *entry;

  g_return_if_fail (LIA_IS_FIELD_FORM (self));

  entry = find_entry (self, name);
  if (entry == NULL)
    return;
  g_free (entry->initial);
  entry->initial = g_strdup (value);
  set_entry_value (entry, value);
}

void
lia_field_form_set_values (LiaFieldForm *self,
                           GHashTable   *values)
{
  g_return_if_fail (LIA_IS_FIELD_FORM (self));

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = self->entries->pdata[i];

      lia_field_form_set_value (self, entry->field->name,
                                values != NULL ? g_hash_table_lookup (values, entry->field->name)
                                               : NULL);
    }
}

/* What the person entered, before checking: "" for nothing. */
static char *
raw_value (Entry *entry)
{
  const LiaField *field = entry->field;

  switch (field->type)
    {
    case LIA_FIELD_TEXT:
    case LIA_FIELD_DATE:
    case LIA_FIELD_DATE_TIME:
      return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry->input))));
    case LIA_FIELD_LONG_TEXT:
      {
        GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (entry->input));
        GtkTextIter start, end;
        char *text;

        gtk_text_buffer_get_bounds (buffer, &start, &end);
        text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
        /* Trailing blank lines are not part of what was meant. */
        g_strchomp (text);
        return text;
      }
    case LIA_FIELD_CHOICE:
      {
        guint selected = adw_combo_row_get_selected (ADW_COMBO_ROW (entry->input));
        guint offset = field->required ? 0 : 1;

        if (selected == GTK_INVALID_LIST_POSITION || selected < offset)
          return g_strdup ("");
        return g_strdup (field->choices[selected - offset]);
      }
    case LIA_FIELD_CHOICES:
      {
        GString *out = g_string_new ("");

        for (guint i = 0; i < entry->checks->len; i++)
          if (gtk_check_button_get_active (entry->checks->pdata[i]))
            {
              if (out->len > 0)
                g_string_append_c (out, ',');
              g_string_append (out, field->choices[i]);
            }
        return g_string_free (out, FALSE);
      }
    default:
      g_assert_not_reached ();
    }
}

static void
mark (Entry   *entry,
      gboolean bad)
{
  if (bad)
    {
      gtk_widget_add_css_class (entry->row, "error");
      gtk_widget_grab_focus (entry->input);
    }
  else
    gtk_widget_remove_css_class (entry->row, "error");
}

GHashTable *
lia_field_form_collect (LiaFieldForm *self,
                        gboolean      changes_only,
                        GError      **error)
{
  g_autoptr (GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_return_val_if_fail (LIA_IS_FIELD_FORM (self), NULL);

  for (guint i = 0; i < self->entries->len; i++)
    mark (self->entries->pdata[i], FALSE);

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *entry = self->entries->pdata[i];
      const LiaField *field = entry->field;
      g_autofree char *raw = raw_value (entry);
      g_autofree char *value = NULL;

      if (*raw == '\0')
        {
          if (field->required)
            {
              mark (entry, TRUE);
              g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_MISSING,
                           _("“%s” is required: fill it in."), lia_tr (field->label));
              return NULL;
            }
          if (changes_only && entry->initial != NULL && *entry->initial != '\0')
            g_hash_table_insert (values, (gpointer) field->name, g_strdup (""));
          continue;
        }
      if (field->type == LIA_FIELD_DATE || field->type == LIA_FIELD_DATE_TIME)
        {
          g_autoptr (GError) date_error = NULL;
          g_autofree char *iso = lia_parse_user_date (raw, field->type == LIA_FIELD_DATE_TIME,
                                                      &date_error);

          if (iso == NULL)
            {
              mark (entry, TRUE);
              g_set_error (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID, "%s: %s",
                           lia_tr (field->label), date_error->message);
              return NULL;
            }
          g_free (raw);
          raw = g_steal_pointer (&iso);
        }
      value = lia_field_normalize (field, raw, error);
      if (value == NULL)
        {
          mark (entry, TRUE);
          return NULL;
        }
      if (changes_only && g_strcmp0 (value, entry->initial) == 0)
        continue;
      g_hash_table_insert (values, (gpointer) field->name, g_steal_pointer (&value));
    }
  return g_steal_pointer (&values);
}

GtkWidget *
lia_field_form_get_row (LiaFieldForm *self,
                        const char   *name)
{
  Entry *entry;

  g_return_val_if_fail (LIA_IS_FIELD_FORM (self), NULL);

  entry = find_entry (self, name);
  return entry != NULL ? entry->row : NULL;
}

static void
lia_field_form_finalize (GObject *object)
{
  LiaFieldForm *self = LIA_FIELD_FORM (object);

  g_clear_pointer (&self->entries, g_ptr_array_unref);
  g_clear_pointer (&self->groups, g_hash_table_unref);
  G_OBJECT_CLASS (lia_field_form_parent_class)->finalize (object);
}

static void
lia_field_form_class_init (LiaFieldFormClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lia_field_form_finalize;
}

static void
lia_field_form_init (LiaFieldForm *self)
{
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  self->groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 18));
  adw_bin_set_child (ADW_BIN (self), GTK_WIDGET (self->box));
}

LiaFieldForm *
lia_field_form_new (void)
{
  return g_object_new (LIA_TYPE_FIELD_FORM, NULL);
}
