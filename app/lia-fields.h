/* lia-fields.h: named, typed, validated fields.
 *
 * Cases and records carry many optional facts whose names are part of
 * Liaison's interface ("lcspr.decision", "rapid-review.outcome", "what",
 * ...): `liaison-cli case set`, `record add --FIELD`, the JSON output and the
 * demo data all use them. Each is described once, here, by a LiaField:
 * its name, what kind of value it takes and its limits, so that one
 * function validates every value the same way wherever it comes from.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LIA_MODEL_ERROR (lia_model_error_quark ())

typedef enum
{
  LIA_MODEL_ERROR_INVALID,      /* a value of the wrong form, or beyond its limits */
  LIA_MODEL_ERROR_MISSING,      /* a required value not given */
  LIA_MODEL_ERROR_UNKNOWN,      /* no such field, kind, role, ... */
  LIA_MODEL_ERROR_NOT_FOUND,    /* no case, record, request or organisation by that name */
  LIA_MODEL_ERROR_AMBIGUOUS,    /* a prefix or name that matches more than one */
  LIA_MODEL_ERROR_NOT_ALLOWED,  /* refused by a rule: a transition, ownership, ... */
  LIA_MODEL_ERROR_EXISTS,       /* already there */
} LiaModelError;

GQuark lia_model_error_quark (void);

typedef enum
{
  LIA_FIELD_TEXT,       /* one line or a short paragraph */
  LIA_FIELD_LONG_TEXT,  /* free text of up to LIA_LONG_TEXT_MAX bytes */
  LIA_FIELD_DATE,       /* YYYY-MM-DD */
  LIA_FIELD_DATE_TIME,  /* YYYY-MM-DD or YYYY-MM-DDTHH:MM */
  LIA_FIELD_CHOICE,     /* one of choices */
  LIA_FIELD_CHOICES,    /* one or more of choices, comma-separated */
} LiaFieldType;

#define LIA_TEXT_MAX       200    /* characters */
#define LIA_LONG_TEXT_MAX  65536  /* bytes */

typedef struct
{
  const char        *name;       /* stable: "rapid-review.meeting", "what" */
  const char        *label;      /* for people: "Rapid review meeting" */
  LiaFieldType       type;
  const char *const *choices;    /* NULL-terminated, for the choice types */
  gboolean           required;   /* for record kinds: must be given */
} LiaField;

/* Checks @value against @field and returns it in normal form (trimmed;
 * choices as given, in canonical order), or NULL with a
 * LIA_MODEL_ERROR_INVALID that names the field and says what is allowed.
 * An empty value is invalid here; callers treat "" as "clear". */
char           *lia_field_normalize (const LiaField *field,
                                     const char     *value,
                                     GError        **error);

/* The field called @name in @fields (@n_fields of them), or NULL. */
const LiaField *lia_field_find (const LiaField *fields,
                                guint           n_fields,
                                const char     *name);

/* "a, b or c", for messages. */
char           *lia_choices_describe (const char *const *choices);

/* Index of @value in @choices, or -1. */
int             lia_choice_index (const char *const *choices,
                                  const char        *value);

/* NULL, empty or only white space. */
gboolean        lia_str_blank (const char *text);

/* A date or date-and-time as lia_field_normalize accepts them. */
gboolean        lia_date_time_valid (const char *text);

G_END_DECLS
