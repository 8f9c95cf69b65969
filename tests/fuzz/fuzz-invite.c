/* fuzz-invite.c: lia_invite_decode() on hostile text, payloads and bodies.
 *
 * Random bytes almost never carry a correct checksum, let alone a
 * signature, so the input is taken at one of three depths:
 *
 *   byte 0     a selector: selector % 3 is the mode, and in mode 2 bit
 *              (selector / 3) & 1 says whether to sign the key bindings
 *   bytes 1-   mode 0: the text of a code, as a C string (up to the first
 *                      NUL byte; it need not be UTF-8)
 *              mode 1: a payload, framed as version 1 with its checksum
 *              mode 2: a body, read as a GVariant of the body's type (in
 *                      whatever form; GVariant gives defaults where it
 *                      makes no sense), its identity key replaced by the
 *                      fuzzer's own, the bindings signed with it if asked,
 *                      the whole signed with it and framed
 *
 * and for every input, decoded at a fixed time:
 *
 *  - a failure is a LIA_INVITE_ERROR other than INVALID (that is for
 *    encoding), with a UTF-8 message without control characters; in modes
 *    1 and 2 never CHECKSUM, and in mode 2 never VERSION, nor
 *    BAD_SIGNATURE when the bindings were signed over keys of the right
 *    length;
 *  - what decodes keeps every limit (name, kind, endpoints, times), has
 *    bindings that verify and is not expired; if it carries the fuzzer's
 *    key, lia_invite_encode() gives back exactly the code (mode 0: as
 *    written, in upper case without white space);
 *  - in mode 2, whenever the body can be a LiaInvite (a known kind, keys of
 *    the right length), lia_invite_encode() accepts it exactly when the
 *    decoder accepts the body signed by hand (expiry aside), and then the
 *    two codes are the same.
 *
 * The library must log no warning. LIA_FUZZ_VERBOSE=1 prints what each
 * input decoded to, or why not.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lia-invite-private.h"

/* 2026-06-12 10:00 UTC; make-invite-seeds uses the same. */
#define NOW G_GINT64_CONSTANT (1781258400)
/* The fuzzer's identity key comes from this seed (make-invite-seeds.c
 * signs its seeds with the same). */
#define KEY_SEED_BYTE 0x4c

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static LiaSecret *fuzz_secret;
static guint8 fuzz_public[LIA_KEY_BYTES];
static gboolean verbose;

G_GNUC_NORETURN G_GNUC_PRINTF (1, 2) static void
fail (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  fputs ("fuzz-invite: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  /* abort(), not g_error(): libFuzzer saves the input on SIGABRT. */
  abort ();
}

/* Criticals and warnings from the library are bugs here. */
static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  GLogWriterOutput result = g_log_writer_default (log_level, fields, n_fields, user_data);

  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    fail ("the library logged a warning or worse (above)");
  return result;
}

static void
set_up (void)
{
  guint8 seed[crypto_sign_SEEDBYTES];

  if (fuzz_secret != NULL)
    return;
  g_log_set_writer_func (log_writer, NULL, NULL);
  verbose = g_strcmp0 (g_getenv ("LIA_FUZZ_VERBOSE"), "1") == 0;
  lia_crypto_init ();
  memset (seed, KEY_SEED_BYTE, sizeof seed);
  fuzz_secret = lia_secret_new (crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair (fuzz_public, fuzz_secret->data, seed);
}

static void
check_error (const GError *error,
             int           mode,
             gboolean      bindings_signed)
{
  if (error == NULL)
    fail ("mode %d: decoding failed without an error", mode);
  if (error->domain != LIA_INVITE_ERROR || error->code < LIA_INVITE_ERROR_MALFORMED
      || error->code > LIA_INVITE_ERROR_TOO_LARGE)
    fail ("mode %d: decoding failed with %s:%d: %s", mode, g_quark_to_string (error->domain),
          error->code, error->message);
  if (error->message == NULL || error->message[0] == '\0'
      || !g_utf8_validate (error->message, -1, NULL))
    fail ("mode %d: an empty or non-UTF-8 message", mode);
  for (const char *p = error->message; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      fail ("mode %d: a control character in the message: %s", mode, error->message);
  if (mode >= 1 && error->code == LIA_INVITE_ERROR_CHECKSUM)
    fail ("mode %d: a correctly framed code failed its checksum: %s", mode, error->message);
  if (mode == 2 && error->code == LIA_INVITE_ERROR_VERSION)
    fail ("mode 2: a version 1 code was refused as another version: %s", error->message);
  if (mode == 2 && bindings_signed && error->code == LIA_INVITE_ERROR_BAD_SIGNATURE)
    fail ("mode 2: a code signed with the key it carries, and its bindings, was refused: %s",
          error->message);
}

/* What the decoder accepted keeps every limit. */
static void
check_invite (const LiaInvite *invite,
              int              mode)
{
  guint n = invite->endpoints != NULL ? g_strv_length (invite->endpoints) : 0;
  gsize len = invite->name != NULL ? strlen (invite->name) : 0;

  if (len == 0 || len > LIA_INVITE_MAX_NAME_BYTES || !g_utf8_validate (invite->name, -1, NULL))
    fail ("mode %d: accepted a name of %" G_GSIZE_FORMAT " bytes, or not UTF-8", mode, len);
  if ((guint) invite->kind > LIA_ORG_KIND_LAST)
    fail ("mode %d: accepted kind %d", mode, invite->kind);
  if (n > LIA_INVITE_MAX_ENDPOINTS)
    fail ("mode %d: accepted %u endpoints", mode, n);
  for (guint i = 0; i < n; i++)
    if (!lia_endpoint_is_valid (invite->endpoints[i]))
      fail ("mode %d: accepted the endpoint %s", mode, invite->endpoints[i]);
  if (invite->created <= 0 || invite->expires <= invite->created
      || invite->expires - invite->created > LIA_INVITE_MAX_VALIDITY || NOW >= invite->expires)
    fail ("mode %d: accepted created %" G_GINT64_FORMAT ", expires %" G_GINT64_FORMAT, mode,
          invite->created, invite->expires);
  if (!lia_key_binding_verify (LIA_KEY_USE_BOX, invite->box_public, invite->sign_public,
                               invite->box_signature)
      || !lia_key_binding_verify (LIA_KEY_USE_CURVE, invite->curve_public, invite->sign_public,
                                  invite->curve_signature))
    fail ("mode %d: accepted a key binding that does not verify", mode);
}

/* Decodes @text; checks the outcome. Returns the invite, if any. */
static LiaInvite *
decode (const char *text,
        int         mode,
        gboolean    bindings_signed)
{
  GError *error = NULL;
  LiaInvite *invite = lia_invite_decode (text, NOW, &error);

  if (invite == NULL)
    {
      if (verbose)
        fprintf (stderr, "fuzz-invite: mode %d: error %d: %s\n", mode, error ? error->code : -1,
                 error ? error->message : "(none)");
      check_error (error, mode, bindings_signed);
      g_error_free (error);
      return NULL;
    }
  if (error != NULL)
    fail ("mode %d: decoding succeeded but set an error: %s", mode, error->message);
  check_invite (invite, mode);
  if (verbose)
    fprintf (stderr, "fuzz-invite: mode %d: decoded “%s”, %u endpoints\n", mode, invite->name,
             invite->endpoints != NULL ? g_strv_length (invite->endpoints) : 0);

  /* Ed25519 signatures are deterministic: with the key, the code again. */
  if (memcmp (invite->sign_public, fuzz_public, LIA_KEY_BYTES) == 0)
    {
      g_autofree char *again = lia_invite_encode (invite, fuzz_secret, &error);
      GString *expected = g_string_new (NULL);

      if (again == NULL)
        fail ("mode %d: what decoded does not encode: %s", mode, error->message);
      for (const char *p = text; *p != '\0'; p++)
        if (!g_ascii_isspace (*p))
          g_string_append_c (expected, g_ascii_toupper (*p));
      if (!g_str_equal (again, expected->str))
        fail ("mode %d: encoding what decoded gave another code:\n%s\n%s", mode, expected->str,
              again);
      g_string_free (expected, TRUE);
    }
  return invite;
}

static gboolean
fixed_bytes (GVariant *body,
             gsize     index,
             gsize     len,
             guint8   *out)
{
  g_autoptr (GVariant) child = g_variant_get_child_value (body, index);
  gsize n = 0;
  const guint8 *bytes = g_variant_get_fixed_array (child, &n, 1);

  if (n != len)
    return FALSE;
  memcpy (out, bytes, len);
  return TRUE;
}

static GVariant *
bytes_value (const guint8 *bytes,
             gsize         len)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes, len, 1);
}

static void
fuzz_body (const guint8 *data,
           gsize         size,
           gboolean      sign_bindings)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GVariant) read = g_variant_ref_sink (
    g_variant_new_from_bytes (G_VARIANT_TYPE (LIA_INVITE_BODY_TYPE), bytes, FALSE));
  g_autoptr (GVariant) body = g_variant_get_normal_form (read);
  GVariant *children[10];
  g_autoptr (GVariant) rebuilt = NULL;
  g_autoptr (GBytes) payload = NULL;
  g_autofree char *text = NULL;
  g_autoptr (LiaInvite) decoded = NULL;
  LiaInvite invite = { 0 };
  const char *kind;
  gboolean keys_ok, as_invite;
  gsize len;
  const guint8 *payload_data;

  for (gsize i = 0; i < G_N_ELEMENTS (children); i++)
    children[i] = g_variant_get_child_value (body, i);
  keys_ok = fixed_bytes (body, 3, LIA_KEY_BYTES, invite.box_public)
            && fixed_bytes (body, 4, LIA_SIGNATURE_BYTES, invite.box_signature)
            && fixed_bytes (body, 5, LIA_KEY_BYTES, invite.curve_public)
            && fixed_bytes (body, 6, LIA_SIGNATURE_BYTES, invite.curve_signature);

  /* The fuzzer's key in place of whatever was there. */
  g_variant_unref (children[2]);
  children[2] = g_variant_ref_sink (bytes_value (fuzz_public, LIA_KEY_BYTES));
  memcpy (invite.sign_public, fuzz_public, LIA_KEY_BYTES);
  if (sign_bindings && keys_ok)
    {
      lia_key_binding_sign (LIA_KEY_USE_BOX, invite.box_public, fuzz_secret,
                            invite.box_signature);
      lia_key_binding_sign (LIA_KEY_USE_CURVE, invite.curve_public, fuzz_secret,
                            invite.curve_signature);
      g_variant_unref (children[4]);
      children[4] = g_variant_ref_sink (bytes_value (invite.box_signature, LIA_SIGNATURE_BYTES));
      g_variant_unref (children[6]);
      children[6] = g_variant_ref_sink (bytes_value (invite.curve_signature,
                                                     LIA_SIGNATURE_BYTES));
    }
  rebuilt = g_variant_ref_sink (g_variant_new_tuple (children, G_N_ELEMENTS (children)));

  payload = lia_invite_sign_body (rebuilt, fuzz_secret);
  payload_data = g_bytes_get_data (payload, &len);
  text = lia_invite_frame (LIA_INVITE_VERSION, payload_data, len);
  decoded = decode (text, 2, sign_bindings && keys_ok);

  /* The same body through lia_invite_encode(), where it can be one. */
  g_variant_get_child (rebuilt, 1, "&s", &kind);
  as_invite = keys_ok && lia_org_kind_from_string (kind, &invite.kind);
  if (as_invite)
    {
      g_autoptr (GVariant) endpoints = g_variant_get_child_value (rebuilt, 7);
      g_auto (GStrv) strv = g_variant_dup_strv (endpoints, NULL);
      g_autoptr (GError) error = NULL;
      g_autofree char *encoded = NULL;

      g_variant_get_child (rebuilt, 0, "s", &invite.name);
      invite.endpoints = strv;
      g_variant_get_child (rebuilt, 8, "x", &invite.created);
      g_variant_get_child (rebuilt, 9, "x", &invite.expires);
      encoded = lia_invite_encode (&invite, fuzz_secret, &error);
      if (encoded != NULL && !g_str_equal (encoded, text))
        fail ("mode 2: lia_invite_encode() made another code of the same body");
      if (encoded == NULL && error->code != LIA_INVITE_ERROR_INVALID
          && error->code != LIA_INVITE_ERROR_TOO_LARGE)
        fail ("mode 2: encoding failed with code %d: %s", error->code, error->message);
      if ((encoded != NULL) != (decoded != NULL) && !(encoded != NULL && NOW >= invite.expires))
        fail ("mode 2: lia_invite_encode() %s the body, the decoder %s it",
              encoded != NULL ? "accepted" : "refused", decoded != NULL ? "accepted" : "refused");
      g_free (invite.name);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (children); i++)
    g_variant_unref (children[i]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  int mode;

  set_up ();
  if (size == 0)
    return 0;
  mode = data[0] % 3;
  data++;
  size--;

  switch (mode)
    {
    case 0:
      {
        g_autofree char *text = g_strndup ((const char *) data, size);

        lia_invite_free (decode (text, 0, FALSE));
      }
      break;
    case 1:
      {
        g_autofree char *text = lia_invite_frame (LIA_INVITE_VERSION, data, size);

        lia_invite_free (decode (text, 1, FALSE));
      }
      break;
    case 2:
      fuzz_body (data, size, ((data[-1] / 3) & 1) != 0);
      break;
    default:
      g_assert_not_reached ();
    }
  return 0;
}
