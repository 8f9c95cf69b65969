/* lia-invite.c: invite codes, key bindings and safety numbers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include <gio/gio.h>

#include "lia-invite-private.h"

G_DEFINE_QUARK (lia-invite-error-quark, lia_invite_error)

/* Every signature and hash here starts with its own domain string, so that
 * no signature made for one purpose (a key binding, an invite, later an
 * envelope or a log entry, all by the same identity key) can be passed off
 * as one made for another. */
#define BINDING_DOMAIN   "liaison key binding v1"
#define SIGNATURE_DOMAIN "liaison invite v1"
#define CHECKSUM_DOMAIN  "liaison invite checksum"
#define SAFETY_DOMAIN    "liaison safety number v1"

#define BINDING_MESSAGE_BYTES (sizeof BINDING_DOMAIN - 1 + 1 + LIA_KEY_BYTES)

/* 40 bits: a typo goes unnoticed once in a trillion tries, and 5 bytes
 * are exactly 8 characters of base32. */
#define CHECKSUM_BYTES 5

/* The last second that GDateTime (and so a message) can show. */
#define MAX_TIME G_GINT64_CONSTANT (253402300799)

#define SAFETY_GROUPS_PER_KEY 6
#define SAFETY_GROUP_BYTES    5

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

G_STATIC_ASSERT (LIA_KEY_BYTES == crypto_sign_PUBLICKEYBYTES);
G_STATIC_ASSERT (LIA_KEY_BYTES == crypto_box_PUBLICKEYBYTES);
G_STATIC_ASSERT (LIA_SIGNATURE_BYTES == crypto_sign_BYTES);

/* ---- key bindings ---------------------------------------------------------------- */

static void
binding_message (LiaKeyUse     use,
                 const guint8 *key,
                 guint8       *out)
{
  memcpy (out, BINDING_DOMAIN, sizeof BINDING_DOMAIN - 1);
  out[sizeof BINDING_DOMAIN - 1] = (guint8) use;
  memcpy (out + sizeof BINDING_DOMAIN, key, LIA_KEY_BYTES);
}

void
lia_key_binding_sign (LiaKeyUse        use,
                      const guint8    *key,
                      const LiaSecret *sign_secret,
                      guint8          *out_signature)
{
  guint8 message[BINDING_MESSAGE_BYTES];

  g_return_if_fail (use == LIA_KEY_USE_BOX || use == LIA_KEY_USE_CURVE);
  g_return_if_fail (key != NULL && out_signature != NULL);
  g_return_if_fail (sign_secret != NULL && sign_secret->len == crypto_sign_SECRETKEYBYTES);

  lia_crypto_init ();
  binding_message (use, key, message);
  crypto_sign_detached (out_signature, NULL, message, sizeof message, sign_secret->data);
}

gboolean
lia_key_binding_verify (LiaKeyUse     use,
                        const guint8 *key,
                        const guint8 *sign_public,
                        const guint8 *signature)
{
  guint8 message[BINDING_MESSAGE_BYTES];

  g_return_val_if_fail (use == LIA_KEY_USE_BOX || use == LIA_KEY_USE_CURVE, FALSE);
  g_return_val_if_fail (key != NULL && sign_public != NULL && signature != NULL, FALSE);

  lia_crypto_init ();
  binding_message (use, key, message);
  return crypto_sign_verify_detached (signature, message, sizeof message, sign_public) == 0;
}

/* ---- endpoints -------------------------------------------------------------------- */

static gboolean
all_digits (const char *text,
            gsize       len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  return len > 0;
}

/* Four decimal numbers 0-255 without leading zeros, separated by dots. */
static gboolean
ipv4_is_valid (const char *host,
               gsize       len)
{
  guint parts = 0;
  gsize start = 0;

  for (gsize i = 0; i <= len; i++)
    {
      if (i < len && host[i] != '.')
        continue;
      {
        gsize n = i - start;
        guint value = 0;

        if (n == 0 || n > 3 || !all_digits (host + start, n) || (n > 1 && host[start] == '0'))
          return FALSE;
        for (gsize j = start; j < i; j++)
          value = value * 10 + (guint) (host[j] - '0');
        if (value > 255)
          return FALSE;
      }
      parts++;
      start = i + 1;
    }
  return parts == 4;
}

/* RFC 1123 host names: dot-separated labels of letters, digits and
 * hyphens, 1 to 63 each, not starting or ending with a hyphen; the last
 * one not all digits, or it would be a mistyped IPv4 address. */
static gboolean
dns_name_is_valid (const char *host,
                   gsize       len)
{
  gsize start = 0;

  if (len == 0 || len > 253)
    return FALSE;
  for (gsize i = 0; i <= len; i++)
    {
      gsize n;

      if (i < len && host[i] != '.')
        {
          if (!g_ascii_isalnum (host[i]) && host[i] != '-')
            return FALSE;
          continue;
        }
      n = i - start;
      if (n == 0 || n > 63 || host[start] == '-' || host[i - 1] == '-')
        return FALSE;
      if (i == len && all_digits (host + start, n))
        return FALSE;
      start = i + 1;
    }
  return TRUE;
}

static gboolean
ipv6_is_valid (const char *host,
               gsize       len)
{
  g_autofree char *inner = NULL;
  g_autoptr (GInetAddress) address = NULL;

  if (len < 4 || host[0] != '[' || host[len - 1] != ']')
    return FALSE;
  for (gsize i = 1; i < len - 1; i++)
    if (!g_ascii_isxdigit (host[i]) && host[i] != ':' && host[i] != '.')
      return FALSE;
  inner = g_strndup (host + 1, len - 2);
  address = g_inet_address_new_from_string (inner);
  return address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;
}

gboolean
lia_endpoint_is_valid (const char *endpoint)
{
  const char *rest, *colon;
  gsize len, host_len, port_len;
  guint port = 0;

  if (endpoint == NULL)
    return FALSE;
  len = strnlen (endpoint, LIA_ENDPOINT_MAX_LEN + 1);
  if (len > LIA_ENDPOINT_MAX_LEN || !g_str_has_prefix (endpoint, "tcp://"))
    return FALSE;
  rest = endpoint + strlen ("tcp://");
  colon = strrchr (rest, ':');
  if (colon == NULL)
    return FALSE;
  host_len = (gsize) (colon - rest);
  port_len = strlen (colon + 1);

  if (port_len == 0 || port_len > 5 || !all_digits (colon + 1, port_len) || colon[1] == '0')
    return FALSE;
  for (gsize i = 1; i <= port_len; i++)
    port = port * 10 + (guint) (colon[i] - '0');
  if (port > 65535)
    return FALSE;

  if (host_len > 0 && rest[0] == '[')
    return ipv6_is_valid (rest, host_len);
  if (strspn (rest, "0123456789.") == host_len)
    return ipv4_is_valid (rest, host_len);
  return dns_name_is_valid (rest, host_len);
}

/* ---- safety numbers --------------------------------------------------------------- */

char *
lia_safety_number_half (const guint8 *key)
{
  guint8 hash[crypto_generichash_BYTES_MAX];
  crypto_generichash_state state;
  GString *out = g_string_sized_new (SAFETY_GROUPS_PER_KEY * 6);

  G_STATIC_ASSERT (SAFETY_GROUPS_PER_KEY * SAFETY_GROUP_BYTES <= crypto_generichash_BYTES_MAX);
  g_return_val_if_fail (key != NULL, NULL);

  lia_crypto_init ();
  crypto_generichash_init (&state, NULL, 0, sizeof hash);
  crypto_generichash_update (&state, (const guint8 *) SAFETY_DOMAIN, strlen (SAFETY_DOMAIN));
  crypto_generichash_update (&state, key, LIA_KEY_BYTES);
  crypto_generichash_final (&state, hash, sizeof hash);
  for (guint i = 1; i < LIA_SAFETY_NUMBER_ITERATIONS; i++)
    {
      crypto_generichash_init (&state, NULL, 0, sizeof hash);
      crypto_generichash_update (&state, hash, sizeof hash);
      crypto_generichash_update (&state, key, LIA_KEY_BYTES);
      crypto_generichash_final (&state, hash, sizeof hash);
    }

  /* 2^40 is about 11 million times 100000, so reducing it leaves each
   * group's digits as good as uniform. */
  for (guint g = 0; g < SAFETY_GROUPS_PER_KEY; g++)
    {
      guint64 value = 0;

      for (guint j = 0; j < SAFETY_GROUP_BYTES; j++)
        value = (value << 8) | hash[g * SAFETY_GROUP_BYTES + j];
      g_string_append_printf (out, "%s%05u", g > 0 ? " " : "", (guint) (value % 100000));
    }
  sodium_memzero (&state, sizeof state);
  return g_string_free (out, FALSE);
}

char *
lia_safety_number (const guint8 *a,
                   const guint8 *b)
{
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  g_return_val_if_fail (a != NULL && b != NULL, NULL);

  /* Both sides must print the same number, so the order of the halves
   * comes from the keys themselves, not from whose number it is. */
  if (memcmp (a, b, LIA_KEY_BYTES) > 0)
    {
      const guint8 *swap = a;

      a = b;
      b = swap;
    }
  first = lia_safety_number_half (a);
  second = lia_safety_number_half (b);
  return g_strconcat (first, " ", second, NULL);
}

/* ---- the text form ---------------------------------------------------------------- */

static void
checksum (guint8        version,
          const guint8 *payload,
          gsize         len,
          guint8       *out)
{
  guint8 hash[crypto_generichash_BYTES_MIN];
  crypto_generichash_state state;

  lia_crypto_init ();
  crypto_generichash_init (&state, NULL, 0, sizeof hash);
  crypto_generichash_update (&state, (const guint8 *) CHECKSUM_DOMAIN, strlen (CHECKSUM_DOMAIN));
  crypto_generichash_update (&state, &version, 1);
  crypto_generichash_update (&state, payload, len);
  crypto_generichash_final (&state, hash, sizeof hash);
  memcpy (out, hash, CHECKSUM_BYTES);
}

static void
base32_append (GString      *out,
               const guint8 *data,
               gsize         len)
{
  guint32 buffer = 0;
  guint bits = 0;

  for (gsize i = 0; i < len; i++)
    {
      buffer = (buffer << 8) | data[i];
      bits += 8;
      while (bits >= 5)
        {
          g_string_append_c (out, base32_alphabet[(buffer >> (bits - 5)) & 31]);
          bits -= 5;
        }
    }
  if (bits > 0)
    g_string_append_c (out, base32_alphabet[(buffer << (5 - bits)) & 31]);
}

static int
base32_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a';
  if (c >= '2' && c <= '7')
    return c - '2' + 26;
  return -1;
}

char *
lia_invite_frame (guint8        version,
                  const guint8 *payload,
                  gsize         len)
{
  GString *text = g_string_new (LIA_INVITE_PREFIX);
  g_autofree guint8 *blob = g_malloc (1 + len + CHECKSUM_BYTES);

  blob[0] = version;
  if (len > 0)
    memcpy (blob + 1, payload, len);
  checksum (version, payload, len, blob + 1 + len);
  base32_append (text, blob, 1 + len + CHECKSUM_BYTES);
  return g_string_free (text, FALSE);
}

static gboolean
set_incomplete (GError **error)
{
  g_set_error_literal (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_CHECKSUM,
                       "The invite code is mistyped or incomplete: it has a character too many "
                       "or too few. Check that all of it was copied exactly, or ask for it again");
  return FALSE;
}

GBytes *
lia_invite_unframe (const char *text,
                    guint8     *out_version,
                    GError    **error)
{
  gsize text_len, prefix_len = strlen (LIA_INVITE_PREFIX);
  g_autoptr (GString) code = NULL;
  g_autoptr (GByteArray) blob = NULL;
  guint8 expected[CHECKSUM_BYTES];
  guint32 buffer = 0;
  guint bits = 0;
  gsize n_chars;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (out_version != NULL, NULL);

  text_len = strnlen (text, LIA_INVITE_MAX_TEXT + 1);
  if (text_len > LIA_INVITE_MAX_TEXT)
    {
      g_set_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_TOO_LARGE,
                   "This is longer than any invite code (more than %d characters); check that "
                   "only the code was copied", LIA_INVITE_MAX_TEXT);
      return NULL;
    }

  /* White space is dropped wherever it is: a mail program may have wrapped
   * the line, and a copy may bring a newline with it. */
  code = g_string_sized_new (text_len);
  for (gsize i = 0; i < text_len; i++)
    if (!g_ascii_isspace (text[i]))
      g_string_append_c (code, text[i]);
  if (code->len == 0)
    {
      g_set_error_literal (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_MALFORMED,
                           "No invite code was given");
      return NULL;
    }
  if (code->len < prefix_len || g_ascii_strncasecmp (code->str, LIA_INVITE_PREFIX, prefix_len) != 0)
    {
      /* "LIAISON2-" is a typo as likely as a text form from a newer
       * Liaison; the message gives both. */
      if (code->len >= prefix_len && g_ascii_strncasecmp (code->str, "LIAISON", 7) == 0
          && g_ascii_isalnum (code->str[7]) && code->str[8] == '-')
        g_set_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_MALFORMED,
                     "This invite code starts “LIAISON%c-”, not “" LIA_INVITE_PREFIX "”: it is "
                     "mistyped, or was made by a newer version of Liaison", code->str[7]);
      else
        g_set_error_literal (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_MALFORMED,
                             "This is not a Liaison invite code: an invite code is one line of "
                             "letters and digits that starts with “" LIA_INVITE_PREFIX "”");
      return NULL;
    }

  n_chars = code->len - prefix_len;
  blob = g_byte_array_sized_new (n_chars * 5 / 8 + 1);
  for (gsize i = prefix_len; i < code->len; i++)
    {
      char c = code->str[i];
      int value = base32_value (c);

      if (value < 0)
        {
          if (c == '0' || c == '1' || c == '8')
            g_set_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_MALFORMED,
                         "The invite code has “%c” at character %" G_GSIZE_FORMAT ", which "
                         "invite codes never contain (they use the letters A to Z and the digits "
                         "2 to 7; “%c” may be the letter %c). Check that it was copied exactly",
                         c, i + 1, c, c == '0' ? 'O' : c == '1' ? 'I' : 'B');
          else if (g_ascii_isgraph (c))
            g_set_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_MALFORMED,
                         "The invite code has “%c” at character %" G_GSIZE_FORMAT ", which "
                         "invite codes never contain (they use the letters A to Z and the digits "
                         "2 to 7). Check that it was copied exactly",
                         c, i + 1);
          else
            g_set_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_MALFORMED,
                         "The invite code has a character that invite codes never contain at "
                         "character %" G_GSIZE_FORMAT " (they use the letters A to Z and the "
                         "digits 2 to 7). Check that it was copied exactly",
                         i + 1);
          return NULL;
        }
      buffer = (buffer << 5) | (guint32) value;
      bits += 5;
      if (bits >= 8)
        {
          guint8 byte = (guint8) (buffer >> (bits - 8));

          g_byte_array_append (blob, &byte, 1);
          bits -= 8;
        }
    }

  /* What lia_invite_frame() writes ends with fewer than 5 bits left over,
   * all zero; anything else lost or gained a character. */
  if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0)
    {
      set_incomplete (error);
      return NULL;
    }
  if (blob->len < 1 + CHECKSUM_BYTES)
    {
      set_incomplete (error);
      return NULL;
    }
  checksum (blob->data[0], blob->data + 1, blob->len - 1 - CHECKSUM_BYTES, expected);
  if (memcmp (expected, blob->data + blob->len - CHECKSUM_BYTES, CHECKSUM_BYTES) != 0)
    {
      g_set_error_literal (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_CHECKSUM,
                           "The invite code is mistyped or damaged: its checksum does not "
                           "match. Check that it was copied exactly, all of it, or ask for it "
                           "again");
      return NULL;
    }
  *out_version = blob->data[0];
  return g_bytes_new (blob->data + 1, blob->len - 1 - CHECKSUM_BYTES);
}

/* ---- the payload ------------------------------------------------------------------ */

static GVariant *
bytes_variant (const guint8 *data,
               gsize         len)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1);
}

GVariant *
lia_invite_body_to_variant (const LiaInvite *invite)
{
  const char *const no_endpoints[] = { NULL };
  const char *const *endpoints = invite->endpoints != NULL
                                   ? (const char *const *) invite->endpoints
                                   : no_endpoints;

  return g_variant_new ("(ss@ay@ay@ay@ay@ay^asxx)", invite->name,
                        lia_org_kind_to_string (invite->kind),
                        bytes_variant (invite->sign_public, LIA_KEY_BYTES),
                        bytes_variant (invite->box_public, LIA_KEY_BYTES),
                        bytes_variant (invite->box_signature, LIA_SIGNATURE_BYTES),
                        bytes_variant (invite->curve_public, LIA_KEY_BYTES),
                        bytes_variant (invite->curve_signature, LIA_SIGNATURE_BYTES), endpoints,
                        invite->created, invite->expires);
}

/* GVariant serialises in the machine's byte order; invite codes are
 * little-endian everywhere. Converts either way: a byte swap undoes
 * itself. */
static GVariant *
swap_little_endian (GVariant *value)
{
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    return g_variant_byteswap (value);
  return g_variant_ref (value);
}

/* The message an invite's signature covers. */
static GBytes *
signed_message (guint8        version,
                const guint8 *body,
                gsize         len)
{
  gsize domain_len = strlen (SIGNATURE_DOMAIN);
  guint8 *message = g_malloc (domain_len + 1 + len);

  memcpy (message, SIGNATURE_DOMAIN, domain_len);
  message[domain_len] = version;
  if (len > 0)
    memcpy (message + domain_len + 1, body, len);
  return g_bytes_new_take (message, domain_len + 1 + len);
}

GBytes *
lia_invite_sign_body (GVariant        *body,
                      const LiaSecret *sign_secret)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (body);
  g_autoptr (GVariant) normal = g_variant_get_normal_form (owned);
  g_autoptr (GVariant) body_le = swap_little_endian (normal);
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GVariant) payload = NULL;
  g_autoptr (GVariant) payload_le = NULL;
  guint8 signature[LIA_SIGNATURE_BYTES];
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (g_variant_is_of_type (owned, G_VARIANT_TYPE (LIA_INVITE_BODY_TYPE)), NULL);
  g_return_val_if_fail (sign_secret != NULL && sign_secret->len == crypto_sign_SECRETKEYBYTES,
                        NULL);

  lia_crypto_init ();
  message = signed_message (LIA_INVITE_VERSION, g_variant_get_data (body_le),
                            g_variant_get_size (body_le));
  data = g_bytes_get_data (message, &len);
  crypto_sign_detached (signature, NULL, data, len, sign_secret->data);

  payload = g_variant_ref_sink (g_variant_new ("(@" LIA_INVITE_BODY_TYPE "@ay)", normal,
                                               bytes_variant (signature, sizeof signature)));
  payload_le = swap_little_endian (payload);
  return g_variant_get_data_as_bytes (payload_le);
}

/* Everything about an invite's contents that does not need a key: the
 * limits on its name, endpoints and times. Returns what is wrong, or NULL. */
static char *
check_contents (const LiaInvite *invite)
{
  const char *name = invite->name;
  gsize name_len;
  guint n_endpoints = invite->endpoints != NULL ? g_strv_length (invite->endpoints) : 0;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    return g_strdup ("its organisation's name is not valid text");
  name_len = strlen (name);
  if (name_len == 0)
    return g_strdup ("its organisation's name is empty");
  if (name_len > LIA_INVITE_MAX_NAME_BYTES)
    return g_strdup_printf ("its organisation's name is %" G_GSIZE_FORMAT " bytes long; the "
                            "limit is %d", name_len, LIA_INVITE_MAX_NAME_BYTES);
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return g_strdup ("its organisation's name contains a control character");
  if (g_unichar_isspace (g_utf8_get_char (name))
      || g_unichar_isspace (g_utf8_get_char (g_utf8_prev_char (name + name_len))))
    return g_strdup ("its organisation's name begins or ends with white space");
  if ((guint) invite->kind > LIA_ORG_KIND_LAST)
    return g_strdup ("its kind of organisation is unknown");

  if (n_endpoints > LIA_INVITE_MAX_ENDPOINTS)
    return g_strdup_printf ("it has %u endpoints; the limit is %d", n_endpoints,
                            LIA_INVITE_MAX_ENDPOINTS);
  for (guint i = 0; i < n_endpoints; i++)
    {
      const char *endpoint = invite->endpoints[i];

      if (!lia_endpoint_is_valid (endpoint))
        {
          g_autofree char *shown = NULL;

          if (strlen (endpoint) > LIA_ENDPOINT_MAX_LEN)
            return g_strdup_printf ("an endpoint is %" G_GSIZE_FORMAT " bytes long; the limit "
                                    "is %d", strlen (endpoint), LIA_ENDPOINT_MAX_LEN);
          /* It may hold anything; show it escaped, on one line. */
          shown = g_strescape (endpoint, NULL);
          return g_strdup_printf ("“%s” is not an endpoint of the form tcp://HOST:PORT", shown);
        }
      for (guint j = 0; j < i; j++)
        if (g_str_equal (endpoint, invite->endpoints[j]))
          return g_strdup_printf ("the endpoint %s is given twice", endpoint);
    }

  if (invite->created <= 0 || invite->created >= MAX_TIME)
    return g_strdup ("its creation time is out of range");
  if (invite->expires > MAX_TIME)
    return g_strdup ("its expiry time is out of range");
  if (invite->expires <= invite->created)
    return g_strdup ("it expires before it was made");
  if (invite->expires - invite->created > LIA_INVITE_MAX_VALIDITY)
    return g_strdup_printf ("it is valid for more than %d days, the limit",
                            LIA_INVITE_MAX_VALIDITY / (24 * 60 * 60));
  return NULL;
}

static char *
format_time (gint64 unix_time)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (unix_time);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M UTC") : g_strdup ("?");
}

char *
lia_invite_encode (const LiaInvite *invite,
                   const LiaSecret *sign_secret,
                   GError         **error)
{
  g_autofree char *problem = NULL;
  g_autoptr (GBytes) payload = NULL;
  guint8 public_key[crypto_sign_PUBLICKEYBYTES];
  char *text;
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (invite != NULL, NULL);
  g_return_val_if_fail (sign_secret != NULL, NULL);

  lia_crypto_init ();
  problem = check_contents (invite);
  if (problem != NULL)
    {
      g_set_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID,
                   "Cannot make an invite code: %s", problem);
      return NULL;
    }
  if (sign_secret->len != crypto_sign_SECRETKEYBYTES
      || crypto_sign_ed25519_sk_to_pk (public_key, sign_secret->data) != 0
      || sodium_memcmp (public_key, invite->sign_public, sizeof public_key) != 0)
    {
      g_set_error_literal (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID,
                           "Cannot make an invite code: the secret key given is not the one of "
                           "the invite's identity key");
      return NULL;
    }
  if (!lia_key_binding_verify (LIA_KEY_USE_BOX, invite->box_public, invite->sign_public,
                               invite->box_signature)
      || !lia_key_binding_verify (LIA_KEY_USE_CURVE, invite->curve_public, invite->sign_public,
                                  invite->curve_signature))
    {
      g_set_error_literal (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID,
                           "Cannot make an invite code: its envelope or transport key is not "
                           "bound to its identity key");
      return NULL;
    }

  payload = lia_invite_sign_body (lia_invite_body_to_variant (invite), sign_secret);
  data = g_bytes_get_data (payload, &len);
  text = lia_invite_frame (LIA_INVITE_VERSION, data, len);
  /* The limits on names and endpoints keep every code well inside this. */
  if (strlen (text) > LIA_INVITE_MAX_TEXT)
    {
      g_set_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_TOO_LARGE,
                   "Cannot make an invite code: it would be %" G_GSIZE_FORMAT " characters long; "
                   "the limit is %d", strlen (text), LIA_INVITE_MAX_TEXT);
      g_free (text);
      return NULL;
    }
  return text;
}

/* Copies a byte array child of @body that must be @len bytes long. */
static gboolean
get_key (GVariant *body,
         gsize     index,
         guint8   *out,
         gsize     len)
{
  g_autoptr (GVariant) child = g_variant_get_child_value (body, index);
  gsize n = 0;
  const guint8 *data = g_variant_get_fixed_array (child, &n, 1);

  if (n != len)
    return FALSE;
  memcpy (out, data, len);
  return TRUE;
}

static void
set_malformed (GError    **error,
               const char *problem)
{
  g_set_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_MALFORMED,
               "The invite code is not valid: %s. It was not made by Liaison, or was altered and "
               "its checksum made to match; ask for the code again",
               problem);
}

LiaInvite *
lia_invite_decode (const char *text,
                   gint64      now,
                   GError    **error)
{
  g_autoptr (GBytes) payload_bytes = NULL;
  g_autoptr (GVariant) payload = NULL;
  g_autoptr (GVariant) native = NULL;
  g_autoptr (GVariant) body_le = NULL;
  g_autoptr (GVariant) body = NULL;
  g_autoptr (GVariant) endpoints = NULL;
  g_autoptr (GBytes) message = NULL;
  g_autoptr (LiaInvite) invite = NULL;
  g_autofree char *problem = NULL;
  guint8 signature[LIA_SIGNATURE_BYTES];
  const char *name, *kind;
  guint8 version;
  gsize n_endpoints, len;
  const guint8 *data;

  g_return_val_if_fail (text != NULL, NULL);

  lia_crypto_init ();
  payload_bytes = lia_invite_unframe (text, &version, error);
  if (payload_bytes == NULL)
    return NULL;
  if (version != LIA_INVITE_VERSION)
    {
      g_set_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_VERSION,
                   "This invite code's contents are of version %u, which this version of "
                   "Liaison cannot read (it reads version %d); if the code was made by a newer "
                   "Liaison, update this one",
                   version, LIA_INVITE_VERSION);
      return NULL;
    }

  /* Normal form is the one serialisation of each value: with it, the
   * bytes signed are the bytes a reader re-derives, and GVariant has read
   * every offset and length in the payload once, within its bounds. */
  payload = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (LIA_INVITE_PAYLOAD_TYPE),
                                                          payload_bytes, FALSE));
  if (!g_variant_is_normal_form (payload))
    {
      set_malformed (error, "its contents are not in the form Liaison writes");
      return NULL;
    }
  native = swap_little_endian (payload);
  body_le = g_variant_get_child_value (payload, 0);
  body = g_variant_get_child_value (native, 0);

  invite = g_new0 (LiaInvite, 1);
  g_variant_get_child (body, 0, "&s", &name);
  g_variant_get_child (body, 1, "&s", &kind);
  if (!lia_org_kind_from_string (kind, &invite->kind))
    {
      set_malformed (error, "its kind of organisation is unknown");
      return NULL;
    }
  if (!get_key (body, 2, invite->sign_public, LIA_KEY_BYTES)
      || !get_key (body, 3, invite->box_public, LIA_KEY_BYTES)
      || !get_key (body, 4, invite->box_signature, LIA_SIGNATURE_BYTES)
      || !get_key (body, 5, invite->curve_public, LIA_KEY_BYTES)
      || !get_key (body, 6, invite->curve_signature, LIA_SIGNATURE_BYTES))
    {
      set_malformed (error, "a key or signature in it has the wrong length");
      return NULL;
    }
  {
    g_autoptr (GVariant) signature_value = g_variant_get_child_value (native, 1);
    gsize n = 0;
    const guint8 *bytes = g_variant_get_fixed_array (signature_value, &n, 1);

    if (n != LIA_SIGNATURE_BYTES)
      {
        set_malformed (error, "its signature has the wrong length");
        return NULL;
      }
    memcpy (signature, bytes, n);
  }
  endpoints = g_variant_get_child_value (body, 7);
  n_endpoints = g_variant_n_children (endpoints);
  if (n_endpoints > LIA_INVITE_MAX_ENDPOINTS)
    {
      g_autofree char *text_problem = g_strdup_printf ("it has %" G_GSIZE_FORMAT " endpoints; "
                                                       "the limit is %d", n_endpoints,
                                                       LIA_INVITE_MAX_ENDPOINTS);

      set_malformed (error, text_problem);
      return NULL;
    }
  invite->name = g_strdup (name);
  invite->endpoints = g_variant_dup_strv (endpoints, NULL);
  g_variant_get_child (body, 8, "x", &invite->created);
  g_variant_get_child (body, 9, "x", &invite->expires);
  problem = check_contents (invite);
  if (problem != NULL)
    {
      set_malformed (error, problem);
      return NULL;
    }

  message = signed_message (version, g_variant_get_data (body_le), g_variant_get_size (body_le));
  data = g_bytes_get_data (message, &len);
  if (crypto_sign_verify_detached (signature, data, len, invite->sign_public) != 0)
    {
      g_set_error_literal (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_BAD_SIGNATURE,
                           "The invite code's signature does not match its contents: it was "
                           "altered after it was made, or forged. Do not use it; ask the "
                           "organisation for its code again, through a channel you trust");
      return NULL;
    }
  if (!lia_key_binding_verify (LIA_KEY_USE_BOX, invite->box_public, invite->sign_public,
                               invite->box_signature)
      || !lia_key_binding_verify (LIA_KEY_USE_CURVE, invite->curve_public, invite->sign_public,
                                  invite->curve_signature))
    {
      g_set_error_literal (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_BAD_SIGNATURE,
                           "The invite code carries an envelope or transport key that its "
                           "identity key did not sign: it was forged or made wrongly. Do not "
                           "use it; ask the organisation for its code again");
      return NULL;
    }
  if (now >= invite->expires)
    {
      g_autofree char *when = format_time (invite->expires);

      g_set_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_EXPIRED,
                   "This invite code from %s expired on %s; ask %s for a new one", invite->name,
                   when, invite->name);
      return NULL;
    }
  return g_steal_pointer (&invite);
}

void
lia_invite_free (LiaInvite *invite)
{
  if (invite == NULL)
    return;
  g_free (invite->name);
  g_strfreev (invite->endpoints);
  g_free (invite);
}
