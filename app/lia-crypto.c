/* lia-crypto.c: libsodium start-up and secret memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "lia-crypto.h"

#define ALIGN_UP(n, a) (((n) + (a) - 1) / (a) * (a))

void
lia_crypto_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      if (sodium_init () < 0)
        g_error ("libsodium could not be initialised: no secure random source is available");
      g_once_init_leave (&initialised, 1);
    }
}

LiaSecret *
lia_secret_new (gsize len)
{
  LiaSecret *secret;

  lia_crypto_init ();

  /* sodium_malloc() ends the buffer against a guard page, so its start is
   * only as aligned as its size: round the size up for the struct's sake.
   * The trailing NUL keeps lia_secret_get_string() valid for any contents. */
  secret = sodium_malloc (ALIGN_UP (sizeof (LiaSecret) + len + 1, 16));
  if (secret == NULL)
    g_error ("Could not allocate %" G_GSIZE_FORMAT " bytes of locked memory for a secret", len);
  secret->len = len;
  sodium_memzero (secret->data, len + 1);
  return secret;
}

LiaSecret *
lia_secret_new_from_data (const void *data,
                          gsize       len)
{
  LiaSecret *secret = lia_secret_new (len);

  if (len > 0)
    memcpy (secret->data, data, len);
  return secret;
}

LiaSecret *
lia_secret_new_from_string (const char *str)
{
  g_return_val_if_fail (str != NULL, NULL);
  return lia_secret_new_from_data (str, strlen (str));
}

LiaSecret *
lia_secret_copy (const LiaSecret *secret)
{
  g_return_val_if_fail (secret != NULL, NULL);
  return lia_secret_new_from_data (secret->data, secret->len);
}

const char *
lia_secret_get_string (const LiaSecret *secret)
{
  g_return_val_if_fail (secret != NULL, NULL);
  return (const char *) secret->data;
}

gboolean
lia_secret_equal (const LiaSecret *a,
                  const LiaSecret *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  return a->len == b->len && sodium_memcmp (a->data, b->data, a->len) == 0;
}

void
lia_secret_free (LiaSecret *secret)
{
  /* sodium_free() wipes the whole allocation before releasing it. */
  if (secret != NULL)
    sodium_free (secret);
}
