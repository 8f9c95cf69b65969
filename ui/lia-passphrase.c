/* lia-passphrase.c: how hard a new passphrase is to guess.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "lia-passphrase.h"

/* Bits below which a passphrase is weak, and at which it is strong: an
 * offline attacker who gets the key file tries guesses at Argon2id's pace,
 * and 80 bits is out of reach of anyone; 60 is out of reach of most. */
#define FAIR_BITS   60.0
#define STRONG_BITS 80.0

LiaPassphraseStrength
lia_passphrase_strength (const char *text,
                         double     *out_bits)
{
  gboolean lower = FALSE, upper = FALSE, digit = FALSE, space = FALSE, other = FALSE;
  g_autoptr (GHashTable) distinct = g_hash_table_new (NULL, NULL);
  glong n_chars;
  double pool = 0, bits;

  if (out_bits != NULL)
    *out_bits = 0;
  if (text == NULL || *text == '\0')
    return LIA_PASSPHRASE_EMPTY;

  n_chars = g_utf8_strlen (text, -1);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_hash_table_add (distinct, GUINT_TO_POINTER (c));
      if (g_unichar_islower (c))
        lower = TRUE;
      else if (g_unichar_isupper (c))
        upper = TRUE;
      else if (g_unichar_isdigit (c))
        digit = TRUE;
      else if (g_unichar_isspace (c))
        space = TRUE;
      else
        other = TRUE;
    }
  pool = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + (space ? 1 : 0)
         + (other ? 33 : 0);
  /* Words separated by spaces are drawn from a dictionary, not from the
   * alphabet letter by letter: count about 11 bits a word instead when
   * that is less (a long phrase of common words is still strong). */
  bits = n_chars * log2 (MAX (pool, 2));
  if (space)
    {
      g_auto (GStrv) words = g_strsplit_set (text, " \t", -1);
      guint n_words = 0;

      for (guint i = 0; words[i] != NULL; i++)
        if (words[i][0] != '\0')
          n_words++;
      bits = MIN (bits, MAX (n_words * 11.0, n_chars * 2.0));
    }
  /* Few distinct characters: a repetition, not a random string. */
  if ((glong) g_hash_table_size (distinct) * 3 < n_chars)
    bits /= 2;

  if (out_bits != NULL)
    *out_bits = bits;
  if (n_chars < LIA_PASSPHRASE_MIN_CHARS)
    return LIA_PASSPHRASE_TOO_SHORT;
  if (bits < FAIR_BITS)
    return LIA_PASSPHRASE_WEAK;
  if (bits < STRONG_BITS)
    return LIA_PASSPHRASE_FAIR;
  return LIA_PASSPHRASE_STRONG;
}

const char *
lia_passphrase_strength_hint (LiaPassphraseStrength strength)
{
  switch (strength)
    {
    case LIA_PASSPHRASE_EMPTY:
      return _("Choose a passphrase of at least 12 characters: several unrelated words are easy "
               "to remember and hard to guess.");
    case LIA_PASSPHRASE_TOO_SHORT:
      return _("Too short: use at least 12 characters.");
    case LIA_PASSPHRASE_WEAK:
      return _("Weak: easy to guess. Add more words or characters.");
    case LIA_PASSPHRASE_FAIR:
      return _("Fair. A few more words would make it strong.");
    case LIA_PASSPHRASE_STRONG:
      return _("Strong.");
    default:
      g_assert_not_reached ();
    }
}
