/* lia-field-form.h: a form for a list of LiaFields.
 *
 * Records of each kind and the processes of a case are described by
 * LiaField tables (lia-fields.h); this widget makes the form for one: an
 * entry for text, a text box for long text, an entry with a calendar for
 * dates (typed as people type them, 12/06/2026 as well as 2026-06-12), a
 * drop-down for a choice and check boxes for several. Fields whose names
 * have a "PROCESS." prefix are grouped under the process's name.
 *
 * Collecting the values checks each one as the model will
 * (lia_field_normalize) and marks the first one at fault, so that the
 * dialog can say what is wrong and where before anything is saved.
 *
 * Each field's row is named "field-NAME" for tests and tools.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-fields.h"

G_BEGIN_DECLS

#define LIA_TYPE_FIELD_FORM (lia_field_form_get_type ())
G_DECLARE_FINAL_TYPE (LiaFieldForm, lia_field_form, LIA, FIELD_FORM, AdwBin)

LiaFieldForm *lia_field_form_new (void);

/* Builds the rows for @fields (borrowed: static tables), leaving out those
 * named in @skip (NULL-terminated, may be NULL). */
void          lia_field_form_set_fields (LiaFieldForm      *self,
                                         const LiaField    *fields,
                                         guint              n_fields,
                                         const char *const *skip);

/* Fills the form from @values (name → value); these are also what
 * lia_field_form_collect() compares against for changes. */
void          lia_field_form_set_values (LiaFieldForm *self,
                                         GHashTable   *values);
void          lia_field_form_set_value (LiaFieldForm *self,
                                        const char   *name,
                                        const char   *value);

/* The values, checked and in normal form, name → value: every field that
 * has one, or with @changes_only those that differ from what
 * lia_field_form_set_values() gave ("" for one cleared). NULL with an
 * error that names the field, which is marked and focused. */
GHashTable   *lia_field_form_collect (LiaFieldForm *self,
                                      gboolean      changes_only,
                                      GError      **error);

/* The row of field @name, or NULL. */
GtkWidget    *lia_field_form_get_row (LiaFieldForm *self,
                                      const char   *name);

G_END_DECLS
