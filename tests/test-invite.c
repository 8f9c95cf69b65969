/* test-invite.c: invite codes, key bindings, endpoints and safety numbers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "lia-invite-private.h"
#include "lia-test-util.h"

/* A fixed clock: 2026-06-12 10:00 UTC. */
#define NOW  G_GINT64_CONSTANT (1781258400)
#define DAY  (24 * 60 * 60)

/* The keys 0 and 1 (31 zero bytes, then 1), computed once and checked
 * against a separate implementation of the algorithm in lia-invite.h. */
#define KNOWN_SAFETY_NUMBER \
  "58567 59304 02784 44515 78895 80557 24787 51299 99345 66948 37731 99936"

/* An organisation's keys, as a store holds them. */
typedef struct
{
  LiaSecret *sign_secret;
  LiaSecret *box_secret;
  LiaSecret *curve_secret;
  LiaInvite  invite;       /* name and endpoints are static strings */
} Org;

static const char *const two_endpoints[] = { "tcp://liaison.northmoor.gov.uk:7310",
                                             "tcp://192.0.2.10:7310", NULL };

static void
org_init (Org        *org,
          const char *name)
{
  memset (org, 0, sizeof *org);
  org->sign_secret = lia_secret_new (crypto_sign_SECRETKEYBYTES);
  org->box_secret = lia_secret_new (crypto_box_SECRETKEYBYTES);
  org->curve_secret = lia_secret_new (crypto_box_SECRETKEYBYTES);
  crypto_sign_keypair (org->invite.sign_public, org->sign_secret->data);
  crypto_box_keypair (org->invite.box_public, org->box_secret->data);
  crypto_box_keypair (org->invite.curve_public, org->curve_secret->data);
  lia_key_binding_sign (LIA_KEY_USE_BOX, org->invite.box_public, org->sign_secret,
                        org->invite.box_signature);
  lia_key_binding_sign (LIA_KEY_USE_CURVE, org->invite.curve_public, org->sign_secret,
                        org->invite.curve_signature);
  org->invite.name = (char *) name;
  org->invite.kind = LIA_ORG_KIND_POLICE;
  org->invite.endpoints = (char **) two_endpoints;
  org->invite.created = NOW - 60;
  org->invite.expires = NOW + 7 * DAY;
}

static void
org_clear (Org *org)
{
  g_clear_pointer (&org->sign_secret, lia_secret_free);
  g_clear_pointer (&org->box_secret, lia_secret_free);
  g_clear_pointer (&org->curve_secret, lia_secret_free);
}

static char *
encode_ok (const LiaInvite *invite,
           const LiaSecret *secret)
{
  g_autoptr (GError) error = NULL;
  char *text = lia_invite_encode (invite, secret, &error);

  g_assert_no_error (error);
  g_assert_nonnull (text);
  return text;
}

/* Decodes @text, which must fail with @code; returns the message. */
static char *
decode_fails (const char *text,
              gint64      now,
              int         code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaInvite) invite = lia_invite_decode (text, now, &error);

  g_assert_null (invite);
  g_assert_error (error, LIA_INVITE_ERROR, code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  return g_strdup (error->message);
}

static void
assert_invites_equal (const LiaInvite *a,
                      const LiaInvite *b)
{
  guint n_a = a->endpoints != NULL ? g_strv_length (a->endpoints) : 0;
  guint n_b = b->endpoints != NULL ? g_strv_length (b->endpoints) : 0;

  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpmem (a->sign_public, 32, b->sign_public, 32);
  g_assert_cmpmem (a->box_public, 32, b->box_public, 32);
  g_assert_cmpmem (a->box_signature, 64, b->box_signature, 64);
  g_assert_cmpmem (a->curve_public, 32, b->curve_public, 32);
  g_assert_cmpmem (a->curve_signature, 64, b->curve_signature, 64);
  g_assert_cmpuint (n_a, ==, n_b);
  for (guint i = 0; i < n_a; i++)
    g_assert_cmpstr (a->endpoints[i], ==, b->endpoints[i]);
  g_assert_cmpint (a->created, ==, b->created);
  g_assert_cmpint (a->expires, ==, b->expires);
}

/* A code for @body signed by @secret, framed as version @version. */
static char *
sign_and_frame (GVariant        *body,
                const LiaSecret *secret,
                guint8           version)
{
  g_autoptr (GBytes) payload = lia_invite_sign_body (body, secret);
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);

  return lia_invite_frame (version, data, len);
}

/* ---- round trip ------------------------------------------------------------------ */

static void
test_round_trip (void)
{
  Org org;
  g_autofree char *text = NULL;
  g_autofree char *again = NULL;
  g_autofree char *lower = NULL;
  g_autofree char *wrapped = NULL;
  g_autoptr (LiaInvite) decoded = NULL;
  g_autoptr (LiaInvite) from_lower = NULL;
  g_autoptr (LiaInvite) from_wrapped = NULL;
  g_autoptr (GError) error = NULL;
  GString *folded;

  org_init (&org, "Northmoor Police — Public Protection Unit");
  text = encode_ok (&org.invite, org.sign_secret);

  /* One line: the prefix, then base32 only. */
  g_assert_true (g_str_has_prefix (text, LIA_INVITE_PREFIX));
  g_assert_cmpuint (strspn (text + strlen (LIA_INVITE_PREFIX), "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
                    ==, strlen (text) - strlen (LIA_INVITE_PREFIX));
  g_assert_cmpuint (strlen (text), <=, LIA_INVITE_MAX_TEXT);

  decoded = lia_invite_decode (text, NOW, &error);
  g_assert_no_error (error);
  assert_invites_equal (decoded, &org.invite);

  /* Ed25519 is deterministic: the same invite, the same code. */
  again = encode_ok (decoded, org.sign_secret);
  g_assert_cmpstr (again, ==, text);

  /* Typed in lower case, or wrapped over lines with spaces around. */
  lower = g_ascii_strdown (text, -1);
  from_lower = lia_invite_decode (lower, NOW, &error);
  g_assert_no_error (error);
  assert_invites_equal (from_lower, &org.invite);
  folded = g_string_new ("  ");
  for (gsize i = 0; text[i] != '\0'; i++)
    {
      g_string_append_c (folded, text[i]);
      if (i % 60 == 59)
        g_string_append (folded, "\r\n\t");
    }
  g_string_append (folded, "\n");
  wrapped = g_string_free (folded, FALSE);
  from_wrapped = lia_invite_decode (wrapped, NOW, &error);
  g_assert_no_error (error);
  assert_invites_equal (from_wrapped, &org.invite);

  org_clear (&org);
}

static void
test_round_trip_no_endpoints (void)
{
  Org org;
  g_autofree char *text = NULL;
  g_autoptr (LiaInvite) decoded = NULL;
  g_autoptr (GError) error = NULL;

  org_init (&org, "Ashgrove School");
  org.invite.endpoints = NULL;
  org.invite.kind = LIA_ORG_KIND_AGENCY;
  text = encode_ok (&org.invite, org.sign_secret);
  decoded = lia_invite_decode (text, NOW, &error);
  g_assert_no_error (error);
  g_assert_nonnull (decoded->endpoints);
  g_assert_cmpuint (g_strv_length (decoded->endpoints), ==, 0);
  g_assert_cmpint (decoded->kind, ==, LIA_ORG_KIND_AGENCY);
  org_clear (&org);
}

/* The largest code there can be is inside the limit, and still reads. */
static void
test_largest (void)
{
  Org org;
  g_autofree char *name = g_strnfill (LIA_INVITE_MAX_NAME_BYTES, 'N');
  g_autoptr (GPtrArray) endpoints = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  g_autoptr (LiaInvite) decoded = NULL;
  g_autoptr (GError) error = NULL;

  org_init (&org, name);
  for (guint i = 0; i < LIA_INVITE_MAX_ENDPOINTS; i++)
    {
      /* "tcp://" + host + ":65535" = 128 bytes. */
      g_autofree char *host = g_strnfill (LIA_ENDPOINT_MAX_LEN - 6 - 6 - 2, 'h');
      char *endpoint = g_strdup_printf ("tcp://%u.%s:65535", i, host);

      g_assert_cmpuint (strlen (endpoint), ==, LIA_ENDPOINT_MAX_LEN);
      g_ptr_array_add (endpoints, endpoint);
    }
  g_ptr_array_add (endpoints, NULL);
  org.invite.endpoints = (char **) endpoints->pdata;
  org.invite.expires = org.invite.created + LIA_INVITE_MAX_VALIDITY;

  /* Labels are at most 63 characters: these hosts are not names. */
  g_assert_false (lia_endpoint_is_valid (org.invite.endpoints[0]));
  for (guint i = 0; i < LIA_INVITE_MAX_ENDPOINTS; i++)
    {
      char *endpoint = endpoints->pdata[i];
      char *host = endpoint + strlen ("tcp://");
      gsize host_len = (gsize) (strchr (host, ':') - host);

      /* Dots every 60 characters make legal labels. */
      for (gsize j = 60; j < host_len; j += 61)
        host[j] = '.';
      g_assert_true (lia_endpoint_is_valid (endpoint));
    }
  text = encode_ok (&org.invite, org.sign_secret);
  g_test_message ("the largest invite code is %" G_GSIZE_FORMAT " characters", strlen (text));
  g_assert_cmpuint (strlen (text), <=, 2800);
  decoded = lia_invite_decode (text, NOW, &error);
  g_assert_no_error (error);
  assert_invites_equal (decoded, &org.invite);
  org_clear (&org);
}

/* ---- typing mistakes --------------------------------------------------------------- */

static void
assert_typo_caught (const char *text,
                    const char *what,
                    gsize       position)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaInvite) invite = lia_invite_decode (text, NOW, &error);

  if (invite != NULL || error->domain != LIA_INVITE_ERROR
      || (error->code != LIA_INVITE_ERROR_CHECKSUM && error->code != LIA_INVITE_ERROR_MALFORMED))
    {
      g_autofree char *message = g_strdup_printf ("%s at %" G_GSIZE_FORMAT " was %s", what,
                                                   position,
                                                   invite != NULL ? "accepted" : error->message);

      g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, message);
    }
}

static void
test_every_typo (void)
{
  Org org;
  g_autofree char *text = NULL;
  /* Every printable ASCII character but white space (which is ignored). */
  GString *replacements = g_string_new (NULL);
  gsize len;
  guint n_tried = 0;

  org_init (&org, "Northmoor Police");
  text = encode_ok (&org.invite, org.sign_secret);
  len = strlen (text);
  for (char c = '!'; c <= '~'; c++)
    g_string_append_c (replacements, c);

  for (gsize i = 0; i < len; i++)
    {
      g_autofree char *changed = g_strdup (text);
      g_autofree char *deleted = NULL;
      g_autofree char *swapped = NULL;

      /* Every other character in its place; the same letter in the other
       * case is the same character. */
      for (gsize r = 0; r < replacements->len; r++)
        {
          char c = replacements->str[r];

          if (g_ascii_toupper (c) == g_ascii_toupper (text[i]))
            continue;
          changed[i] = c;
          assert_typo_caught (changed, "a change", i);
          n_tried++;
        }

      /* Left out. */
      deleted = g_strdup_printf ("%.*s%s", (int) i, text, text + i + 1);
      assert_typo_caught (deleted, "a deletion", i);

      /* A character too many. */
      for (const char *extra = "A7Q-"; *extra != '\0'; extra++)
        {
          g_autofree char *inserted = g_strdup_printf ("%.*s%c%s", (int) i, text, *extra,
                                                       text + i);

          assert_typo_caught (inserted, "an insertion", i);
        }

      /* Two neighbours swapped. */
      if (i + 1 < len && text[i] != text[i + 1])
        {
          swapped = g_strdup (text);
          swapped[i] = text[i + 1];
          swapped[i + 1] = text[i];
          assert_typo_caught (swapped, "a swap", i);
        }
    }
  g_test_message ("%u single-character changes caught", n_tried);
  g_string_free (replacements, TRUE);
  org_clear (&org);
}

static void
test_malformed (void)
{
  Org org;
  g_autofree char *text = NULL;
  g_autofree char *message = NULL;
  g_autofree char *zero = NULL;
  g_autofree char *garbage = NULL;
  g_autofree char *empty_payload = NULL;
  g_autofree char *padded = NULL;
  g_autoptr (GBytes) payload = NULL;
  guint8 version;
  g_autoptr (GError) error = NULL;
  const guint8 junk[] = "not a GVariant of the right form at all";
  gsize len;
  const guint8 *data;
  guint8 *longer;

  org_init (&org, "Northmoor Police");
  text = encode_ok (&org.invite, org.sign_secret);

  message = decode_fails ("", NOW, LIA_INVITE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (message, "No invite code"));
  g_clear_pointer (&message, g_free);
  message = decode_fails ("https://example.org/invite", NOW, LIA_INVITE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (message, "not a Liaison invite code"));
  g_clear_pointer (&message, g_free);
  message = decode_fails ("LIAISON2-AAAAAAAA", NOW, LIA_INVITE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (message, "starts “LIAISON2-”"));
  g_clear_pointer (&message, g_free);
  message = decode_fails (LIA_INVITE_PREFIX, NOW, LIA_INVITE_ERROR_CHECKSUM);
  g_clear_pointer (&message, g_free);

  /* A zero where an O belongs: the message says so. */
  zero = g_strdup (text);
  zero[20] = '0';
  message = decode_fails (zero, NOW, LIA_INVITE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (message, "“0” at character 21"));
  g_assert_nonnull (strstr (message, "the letter O"));
  g_clear_pointer (&message, g_free);
  zero[20] = '\x01';
  message = decode_fails (zero, NOW, LIA_INVITE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (message, "at character 21"));
  g_clear_pointer (&message, g_free);
  zero[20] = '\xc3';
  message = decode_fails (zero, NOW, LIA_INVITE_ERROR_MALFORMED);
  g_clear_pointer (&message, g_free);

  /* Behind a correct checksum: bytes that are no payload at all, nothing,
   * and a real payload with a byte more (not in normal form). */
  garbage = lia_invite_frame (LIA_INVITE_VERSION, junk, sizeof junk);
  message = decode_fails (garbage, NOW, LIA_INVITE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (message, "not in the form Liaison writes"));
  g_clear_pointer (&message, g_free);
  empty_payload = lia_invite_frame (LIA_INVITE_VERSION, NULL, 0);
  g_free (decode_fails (empty_payload, NOW, LIA_INVITE_ERROR_MALFORMED));

  payload = lia_invite_unframe (text, &version, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (version, ==, LIA_INVITE_VERSION);
  data = g_bytes_get_data (payload, &len);
  longer = g_malloc0 (len + 1);
  memcpy (longer, data, len);
  padded = lia_invite_frame (LIA_INVITE_VERSION, longer, len + 1);
  g_free (decode_fails (padded, NOW, LIA_INVITE_ERROR_MALFORMED));
  g_free (longer);

  org_clear (&org);
}

static void
test_too_long (void)
{
  Org org;
  g_autofree char *text = NULL;
  g_autofree char *message = NULL;
  g_autofree char *huge = g_strnfill (LIA_INVITE_MAX_TEXT + 1, 'A');
  g_autofree char *spaced = NULL;
  g_autofree char *overspaced = NULL;
  g_autoptr (LiaInvite) decoded = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *long_name = g_strnfill (LIA_INVITE_MAX_NAME_BYTES + 1, 'N');
  const char *nine[] = { "tcp://a.example:1", "tcp://b.example:1", "tcp://c.example:1",
                         "tcp://d.example:1", "tcp://e.example:1", "tcp://f.example:1",
                         "tcp://g.example:1", "tcp://h.example:1", "tcp://i.example:1", NULL };

  org_init (&org, "Northmoor Police");
  text = encode_ok (&org.invite, org.sign_secret);

  memcpy (huge, LIA_INVITE_PREFIX, strlen (LIA_INVITE_PREFIX));
  message = decode_fails (huge, NOW, LIA_INVITE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (message, "longer than any invite code"));

  /* The limit is on the text as given, white space and all. */
  spaced = g_strdup_printf ("%*s%s", (int) (LIA_INVITE_MAX_TEXT - strlen (text)), "", text);
  g_assert_cmpuint (strlen (spaced), ==, LIA_INVITE_MAX_TEXT);
  decoded = lia_invite_decode (spaced, NOW, &error);
  g_assert_no_error (error);
  overspaced = g_strconcat (" ", spaced, NULL);
  g_free (decode_fails (overspaced, NOW, LIA_INVITE_ERROR_TOO_LARGE));

  /* What would not fit is not made. */
  org.invite.name = long_name;
  g_assert_null (lia_invite_encode (&org.invite, org.sign_secret, &error));
  g_assert_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "201 bytes long; the limit is 200"));
  g_clear_error (&error);
  org.invite.name = (char *) "Northmoor Police";
  org.invite.endpoints = (char **) nine;
  g_assert_null (lia_invite_encode (&org.invite, org.sign_secret, &error));
  g_assert_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "9 endpoints; the limit is 8"));
  g_clear_error (&error);

  /* Nine endpoints, signed: the decoder counts them before anything else. */
  {
    g_autofree char *forced = sign_and_frame (lia_invite_body_to_variant (&org.invite),
                                              org.sign_secret, LIA_INVITE_VERSION);

    g_clear_pointer (&message, g_free);
    message = decode_fails (forced, NOW, LIA_INVITE_ERROR_MALFORMED);
    g_assert_nonnull (strstr (message, "9 endpoints"));
  }
  org_clear (&org);
}

static void
test_version (void)
{
  Org org;
  g_autofree char *text = NULL;
  g_autofree char *newer = NULL;
  g_autofree char *zero = NULL;
  g_autofree char *message = NULL;
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GError) error = NULL;
  guint8 version;
  gsize len;
  const guint8 *data;

  org_init (&org, "Northmoor Police");
  text = encode_ok (&org.invite, org.sign_secret);
  payload = lia_invite_unframe (text, &version, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (payload, &len);

  newer = lia_invite_frame (2, data, len);
  message = decode_fails (newer, NOW, LIA_INVITE_ERROR_VERSION);
  g_assert_nonnull (strstr (message, "version 2"));
  g_assert_nonnull (strstr (message, "update"));
  zero = lia_invite_frame (0, data, len);
  g_free (decode_fails (zero, NOW, LIA_INVITE_ERROR_VERSION));
  org_clear (&org);
}

/* ---- forgeries --------------------------------------------------------------------- */

static void
test_forged (void)
{
  Org org, forger;
  g_autofree char *resigned = NULL;
  g_autofree char *renamed = NULL;
  g_autofree char *message = NULL;
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GError) error = NULL;
  guint8 version;
  gsize len;
  guint8 *data;
  guint8 *name_at;

  org_init (&org, "Northmoor Police");
  org_init (&forger, "Northmoor Police");

  /* The police's keys and name, signed by someone else. */
  resigned = sign_and_frame (lia_invite_body_to_variant (&org.invite), forger.sign_secret,
                             LIA_INVITE_VERSION);
  message = decode_fails (resigned, NOW, LIA_INVITE_ERROR_BAD_SIGNATURE);
  g_assert_nonnull (strstr (message, "signature does not match"));
  g_assert_nonnull (strstr (message, "forged"));

  /* A genuine code with its name changed and its checksum made to match. */
  {
    g_autofree char *text = encode_ok (&org.invite, org.sign_secret);

    payload = lia_invite_unframe (text, &version, &error);
    g_assert_no_error (error);
    data = g_bytes_unref_to_data (g_steal_pointer (&payload), &len);
    name_at = memmem (data, len, "Northmoor", 9);
    g_assert_nonnull (name_at);
    name_at[0] = 'S';
    renamed = lia_invite_frame (version, data, len);
    g_free (data);
    g_clear_pointer (&message, g_free);
    message = decode_fails (renamed, NOW, LIA_INVITE_ERROR_BAD_SIGNATURE);
  }

  org_clear (&org);
  org_clear (&forger);
}

static void
test_bad_key_binding (void)
{
  Org org, other;
  g_autofree char *message = NULL;
  g_autoptr (GError) error = NULL;
  LiaInvite invite;

  org_init (&org, "Northmoor Police");
  org_init (&other, "Someone Else");

  /* Another organisation's envelope key, with its binding. */
  invite = org.invite;
  memcpy (invite.box_public, other.invite.box_public, 32);
  memcpy (invite.box_signature, other.invite.box_signature, 64);
  g_assert_null (lia_invite_encode (&invite, org.sign_secret, &error));
  g_assert_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID);
  g_clear_error (&error);
  {
    g_autofree char *text = sign_and_frame (lia_invite_body_to_variant (&invite), org.sign_secret,
                                            LIA_INVITE_VERSION);

    message = decode_fails (text, NOW, LIA_INVITE_ERROR_BAD_SIGNATURE);
    g_assert_nonnull (strstr (message, "did not sign"));
  }

  /* The envelope key's binding offered for the transport key: the use
   * byte keeps them apart. */
  invite = org.invite;
  memcpy (invite.curve_public, invite.box_public, 32);
  memcpy (invite.curve_signature, invite.box_signature, 64);
  g_assert_false (lia_key_binding_verify (LIA_KEY_USE_CURVE, invite.curve_public,
                                          invite.sign_public, invite.curve_signature));
  {
    g_autofree char *text = sign_and_frame (lia_invite_body_to_variant (&invite), org.sign_secret,
                                            LIA_INVITE_VERSION);

    g_free (decode_fails (text, NOW, LIA_INVITE_ERROR_BAD_SIGNATURE));
  }

  /* A signature that is one bit off. */
  invite = org.invite;
  invite.curve_signature[10] ^= 0x04;
  {
    g_autofree char *text = sign_and_frame (lia_invite_body_to_variant (&invite), org.sign_secret,
                                            LIA_INVITE_VERSION);

    g_free (decode_fails (text, NOW, LIA_INVITE_ERROR_BAD_SIGNATURE));
  }

  org_clear (&org);
  org_clear (&other);
}

static void
test_key_binding (void)
{
  Org org, other;
  guint8 signature[64];

  org_init (&org, "Northmoor Police");
  org_init (&other, "Someone Else");
  lia_key_binding_sign (LIA_KEY_USE_BOX, org.invite.box_public, org.sign_secret, signature);
  g_assert_true (lia_key_binding_verify (LIA_KEY_USE_BOX, org.invite.box_public,
                                         org.invite.sign_public, signature));
  g_assert_false (lia_key_binding_verify (LIA_KEY_USE_CURVE, org.invite.box_public,
                                          org.invite.sign_public, signature));
  g_assert_false (lia_key_binding_verify (LIA_KEY_USE_BOX, org.invite.curve_public,
                                          org.invite.sign_public, signature));
  g_assert_false (lia_key_binding_verify (LIA_KEY_USE_BOX, org.invite.box_public,
                                          other.invite.sign_public, signature));
  signature[63] ^= 1;
  g_assert_false (lia_key_binding_verify (LIA_KEY_USE_BOX, org.invite.box_public,
                                          org.invite.sign_public, signature));
  org_clear (&org);
  org_clear (&other);
}

static void
test_wrong_secret (void)
{
  Org org, other;
  g_autoptr (GError) error = NULL;

  org_init (&org, "Northmoor Police");
  org_init (&other, "Someone Else");
  g_assert_null (lia_invite_encode (&org.invite, other.sign_secret, &error));
  g_assert_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "not the one of the invite's identity key"));
  org_clear (&org);
  org_clear (&other);
}

/* ---- time -------------------------------------------------------------------------- */

static void
test_expired (void)
{
  Org org;
  g_autofree char *text = NULL;
  g_autofree char *message = NULL;
  g_autoptr (LiaInvite) last_second = NULL;
  g_autoptr (GError) error = NULL;

  org_init (&org, "Northmoor Police");
  /* 2026-11-20 14:00 UTC. */
  org.invite.created = G_GINT64_CONSTANT (1795183200) - 30 * DAY;
  org.invite.expires = G_GINT64_CONSTANT (1795183200);
  text = encode_ok (&org.invite, org.sign_secret);

  last_second = lia_invite_decode (text, org.invite.expires - 1, &error);
  g_assert_no_error (error);
  message = decode_fails (text, org.invite.expires, LIA_INVITE_ERROR_EXPIRED);
  g_assert_cmpstr (message, ==, "This invite code from Northmoor Police expired on 2026-11-20 "
                                "14:00 UTC; ask Northmoor Police for a new one");
  org_clear (&org);
}

static void
test_times (void)
{
  Org org;
  g_autoptr (GError) error = NULL;
  LiaInvite invite;
  struct
  {
    gint64      created, expires;
    const char *needle;
  } cases[] = {
    { NOW, NOW, "expires before it was made" },
    { NOW, NOW - 1, "expires before it was made" },
    { NOW, NOW + LIA_INVITE_MAX_VALIDITY + 1, "more than 90 days" },
    { 0, 100, "creation time is out of range" },
    { -5, 100, "creation time is out of range" },
    { G_GINT64_CONSTANT (253402300799) - 5, G_GINT64_CONSTANT (253402300799) + 5,
      "expiry time is out of range" },
  };

  org_init (&org, "Northmoor Police");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = NULL;
      g_autofree char *message = NULL;

      invite = org.invite;
      invite.created = cases[i].created;
      invite.expires = cases[i].expires;
      g_assert_null (lia_invite_encode (&invite, org.sign_secret, &error));
      g_assert_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
      g_clear_error (&error);

      /* Signed anyway: the decoder refuses it too. */
      text = sign_and_frame (lia_invite_body_to_variant (&invite), org.sign_secret,
                             LIA_INVITE_VERSION);
      message = decode_fails (text, NOW, LIA_INVITE_ERROR_MALFORMED);
      g_assert_nonnull (strstr (message, cases[i].needle));
    }
  org_clear (&org);
}

/* ---- contents ---------------------------------------------------------------------- */

static void
test_endpoints (void)
{
  const char *const valid[] = {
    "tcp://127.0.0.1:7310", "tcp://0.0.0.0:1", "tcp://255.255.255.255:65535",
    "tcp://localhost:7310", "tcp://liaison.northmoor.gov.uk:7310", "tcp://a-b.c:80",
    "tcp://[::1]:7310", "tcp://[2001:db8::10]:443", "tcp://[::ffff:192.0.2.1]:1",
    "tcp://x1.example:8", "tcp://123abc:9",
  };
  const char *const invalid[] = {
    "", "tcp://", "tcp://host", "tcp://host:", "tcp://:7310", "udp://host:1", "TCP://host:1",
    "tcp://host:0", "tcp://host:65536", "tcp://host:07310", "tcp://host:+1", "tcp://host:-1",
    "tcp://host:1x", "tcp://host:123456", "tcp://*:7310", "tcp://eth0;host:1",
    "tcp://ho st:1", "tcp://host/path:1", "tcp://-host:1", "tcp://host-:1", "tcp://a..b:1",
    "tcp://.host:1", "tcp://host.:1", "tcp://256.1.1.1:1", "tcp://1.2.3:1", "tcp://1.2.3.4.5:1",
    "tcp://01.2.3.4:1", "tcp://1.2.3.4/8:1", "tcp://[::1:1", "tcp://::1:7310",
    "tcp://[fe80::1%eth0]:1", "tcp://[1.2.3.4]:1", "tcp://[gg::1]:1", "tcp://[]:1",
    "tcp://hóst:1", "tcp://host:1\n", " tcp://host:1", "tcp://user@host:1",
  };
  g_autofree char *label63 = g_strnfill (63, 'a');
  g_autofree char *label64 = g_strnfill (64, 'a');
  g_autofree char *ok63 = g_strdup_printf ("tcp://%s.example:1", label63);
  g_autofree char *bad64 = g_strdup_printf ("tcp://%s.example:1", label64);
  g_autofree char *long_host = g_strnfill (LIA_ENDPOINT_MAX_LEN, 'a');
  g_autofree char *too_long = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    if (!lia_endpoint_is_valid (valid[i]))
      g_error ("“%s” should be a valid endpoint", valid[i]);
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    if (lia_endpoint_is_valid (invalid[i]))
      g_error ("“%s” should not be a valid endpoint", invalid[i]);
  g_assert_false (lia_endpoint_is_valid (NULL));
  g_assert_true (lia_endpoint_is_valid (ok63));
  g_assert_false (lia_endpoint_is_valid (bad64));
  /* Within every rule but the length. */
  for (gsize i = 50; i < LIA_ENDPOINT_MAX_LEN; i += 51)
    long_host[i] = '.';
  too_long = g_strdup_printf ("tcp://%s:1", long_host);
  g_assert_false (lia_endpoint_is_valid (too_long));
}

static void
test_bad_endpoint (void)
{
  Org org;
  g_autoptr (GError) error = NULL;
  const char *endpoints[] = { "tcp://127.0.0.1:7310", "tcp://host:99999", NULL };
  const char *twice[] = { "tcp://127.0.0.1:7310", "tcp://127.0.0.1:7310", NULL };
  const char *newline[] = { "tcp://host:1\nrm -rf", NULL };
  g_autofree char *text = NULL;
  g_autofree char *message = NULL;

  org_init (&org, "Northmoor Police");
  org.invite.endpoints = (char **) endpoints;
  g_assert_null (lia_invite_encode (&org.invite, org.sign_secret, &error));
  g_assert_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "“tcp://host:99999” is not an endpoint"));
  g_clear_error (&error);

  text = sign_and_frame (lia_invite_body_to_variant (&org.invite), org.sign_secret,
                         LIA_INVITE_VERSION);
  message = decode_fails (text, NOW, LIA_INVITE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (message, "“tcp://host:99999” is not an endpoint"));

  org.invite.endpoints = (char **) twice;
  g_assert_null (lia_invite_encode (&org.invite, org.sign_secret, &error));
  g_assert_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "given twice"));
  g_clear_error (&error);

  /* A message never carries a raw control character from a code. */
  org.invite.endpoints = (char **) newline;
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&message, g_free);
  text = sign_and_frame (lia_invite_body_to_variant (&org.invite), org.sign_secret,
                         LIA_INVITE_VERSION);
  message = decode_fails (text, NOW, LIA_INVITE_ERROR_MALFORMED);
  g_assert_null (strchr (message, '\n'));
  g_assert_nonnull (strstr (message, "tcp://host:1\\nrm -rf"));
  org_clear (&org);
}

static void
test_bad_names (void)
{
  Org org;
  const struct
  {
    const char *name;
    const char *needle;
  } cases[] = {
    { "", "name is empty" },
    { " Northmoor Police", "begins or ends with white space" },
    { "Northmoor Police\u00a0", "begins or ends with white space" },
    { "Northmoor\tPolice", "control character" },
    { "Northmoor\xc2\x85Police", "control character" },
  };

  org_init (&org, "Northmoor Police");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *text = NULL;
      g_autofree char *message = NULL;
      LiaInvite invite = org.invite;

      invite.name = (char *) cases[i].name;
      g_assert_null (lia_invite_encode (&invite, org.sign_secret, &error));
      g_assert_error (error, LIA_INVITE_ERROR, LIA_INVITE_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
      text = sign_and_frame (lia_invite_body_to_variant (&invite), org.sign_secret,
                             LIA_INVITE_VERSION);
      message = decode_fails (text, NOW, LIA_INVITE_ERROR_MALFORMED);
      g_assert_nonnull (strstr (message, cases[i].needle));
    }

  /* Bytes, not characters: 100 two-byte letters are the limit. */
  {
    GString *name = g_string_new (NULL);
    g_autofree char *text = NULL;

    for (guint i = 0; i < 100; i++)
      g_string_append (name, "é");
    org.invite.name = name->str;
    text = encode_ok (&org.invite, org.sign_secret);
    g_string_append (name, "é");
    org.invite.name = name->str;
    g_assert_null (lia_invite_encode (&org.invite, org.sign_secret, NULL));
    g_string_free (name, TRUE);
  }
  org_clear (&org);
}

/* Built by hand: a body with a short key, or an unknown kind, signed. */
static void
test_bad_fields (void)
{
  Org org;
  guint8 zeros[64] = { 0 };
  const char *const none[] = { NULL };
  GVariant *short_key, *unknown_kind;

  org_init (&org, "Northmoor Police");
  short_key = g_variant_new ("(ss@ay@ay@ay@ay@ay^asxx)", "Northmoor Police", "police",
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, org.invite.sign_public,
                                                        32, 1),
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 31, 1),
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 64, 1),
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 32, 1),
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 64, 1), none,
                             NOW, NOW + DAY);
  unknown_kind = g_variant_new ("(ss@ay@ay@ay@ay@ay^asxx)", "Northmoor Police", "army",
                                g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE,
                                                           org.invite.sign_public, 32, 1),
                                g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 32, 1),
                                g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 64, 1),
                                g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 32, 1),
                                g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 64, 1),
                                none, NOW, NOW + DAY);
  {
    g_autofree char *a = sign_and_frame (short_key, org.sign_secret, LIA_INVITE_VERSION);
    g_autofree char *b = sign_and_frame (unknown_kind, org.sign_secret, LIA_INVITE_VERSION);
    g_autofree char *message_a = decode_fails (a, NOW, LIA_INVITE_ERROR_MALFORMED);
    g_autofree char *message_b = decode_fails (b, NOW, LIA_INVITE_ERROR_MALFORMED);

    g_assert_nonnull (strstr (message_a, "wrong length"));
    g_assert_nonnull (strstr (message_b, "kind of organisation is unknown"));
  }
  org_clear (&org);
}

/* ---- safety numbers ---------------------------------------------------------------- */

static void
assert_safety_number_form (const char *number)
{
  g_auto (GStrv) groups = g_strsplit (number, " ", -1);

  g_assert_cmpuint (strlen (number), ==, 60 + 11);
  g_assert_cmpuint (g_strv_length (groups), ==, 12);
  for (guint i = 0; i < 12; i++)
    {
      g_assert_cmpuint (strlen (groups[i]), ==, 5);
      g_assert_cmpuint (strspn (groups[i], "0123456789"), ==, 5);
    }
}

static void
test_safety_number (void)
{
  guint8 a[32], b[32], c[32];
  g_autofree char *ab = NULL;
  g_autofree char *ba = NULL;
  g_autofree char *ac = NULL;
  g_autofree char *aa = NULL;
  g_autofree char *half_a = NULL;
  g_autofree char *half_b = NULL;
  g_autofree char *zero_one = NULL;
  guint8 zero[32] = { 0 }, one[32] = { 0 };

  randombytes_buf (a, sizeof a);
  randombytes_buf (b, sizeof b);
  memcpy (c, b, sizeof c);
  c[31] ^= 1;

  ab = lia_safety_number (a, b);
  ba = lia_safety_number (b, a);
  ac = lia_safety_number (a, c);
  aa = lia_safety_number (a, a);
  assert_safety_number_form (ab);
  assert_safety_number_form (aa);
  g_assert_cmpstr (ab, ==, ba);
  g_assert_cmpstr (ab, !=, ac);

  /* Each key's own 30 digits; the lower key's first. */
  half_a = lia_safety_number_half (a);
  half_b = lia_safety_number_half (b);
  g_assert_cmpuint (strlen (half_a), ==, 35);
  g_assert_true (g_str_has_prefix (ab, memcmp (a, b, 32) < 0 ? half_a : half_b));
  g_assert_true (g_str_has_suffix (ab, memcmp (a, b, 32) < 0 ? half_b : half_a));
  /* Changing one bit of one key changes that key's half entirely. */
  g_assert_true (strstr (ac, half_a) != NULL);

  /* Fixed for all time: peers on different versions must agree. */
  one[31] = 1;
  zero_one = lia_safety_number (one, zero);
  g_test_message ("safety number of the keys 0 and 1: %s", zero_one);
  g_assert_cmpstr (zero_one, ==, KNOWN_SAFETY_NUMBER);
}

int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/invite/round-trip", test_round_trip);
  g_test_add_func ("/invite/round-trip/no-endpoints", test_round_trip_no_endpoints);
  g_test_add_func ("/invite/round-trip/largest", test_largest);
  g_test_add_func ("/invite/typo/every-single-change", test_every_typo);
  g_test_add_func ("/invite/malformed", test_malformed);
  g_test_add_func ("/invite/too-long", test_too_long);
  g_test_add_func ("/invite/version", test_version);
  g_test_add_func ("/invite/forged", test_forged);
  g_test_add_func ("/invite/bad-key-binding", test_bad_key_binding);
  g_test_add_func ("/invite/key-binding", test_key_binding);
  g_test_add_func ("/invite/wrong-secret", test_wrong_secret);
  g_test_add_func ("/invite/expired", test_expired);
  g_test_add_func ("/invite/times", test_times);
  g_test_add_func ("/invite/endpoints", test_endpoints);
  g_test_add_func ("/invite/bad-endpoint", test_bad_endpoint);
  g_test_add_func ("/invite/bad-names", test_bad_names);
  g_test_add_func ("/invite/bad-fields", test_bad_fields);
  g_test_add_func ("/invite/safety-number", test_safety_number);
  return g_test_run ();
}
