/* lia-errors.h: errors in the words a person needs.
 *
 * The layers below report errors for whoever called them, in English; the
 * window shows a person what happened and what to do about it, in their
 * language. lia_error_describe() does that translation for the errors a
 * person can meet (a wrong passphrase, a full disk, a damaged store, a
 * mistyped invite code, ...) and passes on the model's own messages,
 * which already name the field or rule at fault.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A message for @error, for a person: what happened, and what to do. */
char     *lia_error_describe (const GError *error);

/* Whether @error is a cancellation, which is never shown. */
gboolean  lia_error_is_cancelled (const GError *error);

G_END_DECLS
