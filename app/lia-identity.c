/* lia-identity.c: organisation kinds and identity fingerprints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>

#include "lia-crypto.h"
#include "lia-identity.h"
#include "lia-store.h"

static const char *const kind_names[] = {
  [LIA_ORG_KIND_LOCAL_AUTHORITY] = "local-authority",
  [LIA_ORG_KIND_ICB] = "icb",
  [LIA_ORG_KIND_POLICE] = "police",
  [LIA_ORG_KIND_IOPC] = "iopc",
  [LIA_ORG_KIND_AGENCY] = "agency",
};

const char *
lia_org_kind_to_string (LiaOrgKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

gboolean
lia_org_kind_from_string (const char *str,
                          LiaOrgKind *out_kind)
{
  g_return_val_if_fail (out_kind != NULL, FALSE);

  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    {
      if (g_str_equal (str, kind_names[i]))
        {
          *out_kind = (LiaOrgKind) i;
          return TRUE;
        }
    }
  return FALSE;
}

const char *
lia_org_kind_all_names (void)
{
  return "local-authority, icb, police, iopc, agency";
}

gboolean
lia_org_name_check (const char *name,
                    GError    **error)
{
  g_autofree char *stripped = NULL;
  glong chars;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID,
                           "The organisation's name is not valid text");
      return FALSE;
    }
  chars = g_utf8_strlen (name, -1);
  stripped = g_strstrip (g_strdup (name));
  if (*stripped == '\0')
    {
      g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID,
                           "The organisation needs a name");
      return FALSE;
    }
  if (chars > LIA_ORG_NAME_MAX_CHARS)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID,
                   "The organisation's name is %ld characters long; the limit is %d",
                   chars, LIA_ORG_NAME_MAX_CHARS);
      return FALSE;
    }
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        {
          g_set_error_literal (error, LIA_STORE_ERROR, LIA_STORE_ERROR_INVALID,
                               "The organisation's name contains a control character");
          return FALSE;
        }
    }
  return TRUE;
}

/* Twenty bytes (160 bits) is ample for a person to compare; the safety
 * number of a pair of peers, which is what people are asked to check, is
 * computed elsewhere from both keys in full. */
#define FINGERPRINT_BYTES 20

char *
lia_identity_fingerprint (const guint8 *public_key)
{
  guint8 hash[FINGERPRINT_BYTES];
  GString *out;

  g_return_val_if_fail (public_key != NULL, NULL);

  lia_crypto_init ();
  crypto_generichash (hash, sizeof hash, public_key, LIA_IDENTITY_PUBLIC_KEY_BYTES, NULL, 0);

  out = g_string_sized_new (FINGERPRINT_BYTES * 2 + FINGERPRINT_BYTES / 2);
  for (guint i = 0; i < FINGERPRINT_BYTES; i++)
    {
      if (i > 0 && i % 2 == 0)
        g_string_append_c (out, ' ');
      g_string_append_printf (out, "%02X", hash[i]);
    }
  return g_string_free (out, FALSE);
}
