/* lia-passphrase.h: how hard a new passphrase is to guess.
 *
 * The store's passphrase is all that stands between a stolen laptop and
 * the case records on it, and Argon2id only slows each guess down. So a
 * new passphrase must be at least LIA_PASSPHRASE_MIN_CHARS characters, and
 * the person choosing one is told how strong it is as they type: an
 * estimate of its entropy from its length and the kinds of character in
 * it, discounted for repeated characters, so that "aaaaaaaaaaaa" does not
 * pass for strong.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define LIA_PASSPHRASE_MIN_CHARS 12

typedef enum
{
  LIA_PASSPHRASE_EMPTY,
  LIA_PASSPHRASE_TOO_SHORT,  /* refused */
  LIA_PASSPHRASE_WEAK,
  LIA_PASSPHRASE_FAIR,
  LIA_PASSPHRASE_STRONG,
} LiaPassphraseStrength;

/* The strength of @text, and its estimated entropy in bits. */
LiaPassphraseStrength lia_passphrase_strength (const char *text,
                                               double     *out_bits);

/* A sentence for the person choosing it (translated). */
const char           *lia_passphrase_strength_hint (LiaPassphraseStrength strength);

G_END_DECLS
