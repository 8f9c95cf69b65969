/* make-invite-seeds.c: writes the seed inputs of fuzz-invite.
 *
 * Each seed is a selector byte and data, as fuzz-invite.c describes: codes
 * as text (valid ones signed with the fuzzer's own key, so that the round
 * trip is checked, and ones that stop at each check of the decoder),
 * payloads behind a correct checksum, and bodies for the target to sign.
 * The keys come from fixed seeds and the times are fixed, so every run
 * writes the same bytes.
 *
 *   ninja -C BUILD tests/fuzz/make-invite-seeds
 *   BUILD/tests/fuzz/make-invite-seeds tests/fuzz/corpus/invite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lia-invite-private.h"

/* As in fuzz-invite.c. */
#define NOW           G_GINT64_CONSTANT (1781258400)
#define KEY_SEED_BYTE 0x4c
#define DAY           (24 * 60 * 60)

enum
{
  TEXT = 0,
  PAYLOAD = 1,
  BODY = 2,
  BODY_SIGN_BINDINGS = 5,
};

static const char *out_dir;

static void
save (const char *name,
      guint8      selector,
      const void *data,
      gsize       len)
{
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  g_autofree guint8 *bytes = g_malloc (len + 1);
  g_autoptr (GError) error = NULL;

  bytes[0] = selector;
  if (len > 0)
    memcpy (bytes + 1, data, len);
  if (!g_file_set_contents (path, (const char *) bytes, len + 1, &error))
    {
      fprintf (stderr, "make-invite-seeds: %s\n", error->message);
      exit (1);
    }
}

static void
save_text (const char *name,
           const char *text)
{
  save (name, TEXT, text, strlen (text));
}

typedef struct
{
  LiaSecret *secret;
  LiaInvite  invite;   /* name and endpoints are static */
} Org;

static const char *const endpoints[] = { "tcp://liaison.northmoor.gov.uk:7310",
                                         "tcp://[2001:db8::10]:7310", NULL };

/* Keys from @seed_byte; the bindings signed. */
static void
org_init (Org   *org,
          guint8 seed_byte)
{
  guint8 seed[crypto_sign_SEEDBYTES];
  guint8 box_secret[crypto_box_SECRETKEYBYTES];

  memset (org, 0, sizeof *org);
  memset (seed, seed_byte, sizeof seed);
  org->secret = lia_secret_new (crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair (org->invite.sign_public, org->secret->data, seed);
  seed[0] ^= 1;
  crypto_box_seed_keypair (org->invite.box_public, box_secret, seed);
  seed[0] ^= 2;
  crypto_box_seed_keypair (org->invite.curve_public, box_secret, seed);
  sodium_memzero (box_secret, sizeof box_secret);
  lia_key_binding_sign (LIA_KEY_USE_BOX, org->invite.box_public, org->secret,
                        org->invite.box_signature);
  lia_key_binding_sign (LIA_KEY_USE_CURVE, org->invite.curve_public, org->secret,
                        org->invite.curve_signature);
  org->invite.name = (char *) "Northmoor Police";
  org->invite.kind = LIA_ORG_KIND_POLICE;
  org->invite.endpoints = (char **) endpoints;
  org->invite.created = NOW - 60;
  org->invite.expires = NOW + 7 * DAY;
}

static char *
encode (const LiaInvite *invite,
        const LiaSecret *secret)
{
  g_autoptr (GError) error = NULL;
  char *text = lia_invite_encode (invite, secret, &error);

  if (text == NULL)
    {
      fprintf (stderr, "make-invite-seeds: %s\n", error->message);
      exit (1);
    }
  return text;
}

/* @invite's body signed by @secret, unchecked: the payload. */
static GBytes *
sign (const LiaInvite *invite,
      const LiaSecret *secret)
{
  return lia_invite_sign_body (lia_invite_body_to_variant (invite), secret);
}

static void
save_payload (const char      *name,
              const LiaInvite *invite,
              const LiaSecret *secret)
{
  g_autoptr (GBytes) payload = sign (invite, secret);
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);

  save (name, PAYLOAD, data, len);
}

static void
save_body (const char      *name,
           guint8           selector,
           const LiaInvite *invite)
{
  g_autoptr (GVariant) body = g_variant_ref_sink (lia_invite_body_to_variant (invite));

  save (name, selector, g_variant_get_data (body), g_variant_get_size (body));
}

int
main (int    argc,
      char **argv)
{
  Org fuzzer, other;
  LiaInvite variant;
  g_autofree char *valid = NULL;
  g_autofree char *name_200 = g_strnfill (LIA_INVITE_MAX_NAME_BYTES, 'N');
  g_autofree char *name_201 = g_strnfill (LIA_INVITE_MAX_NAME_BYTES + 1, 'N');
  g_autoptr (GPtrArray) long_endpoints = g_ptr_array_new_with_free_func (g_free);
  const char *const nine[] = { "tcp://a.example:1", "tcp://b.example:1", "tcp://c.example:1",
                               "tcp://d.example:1", "tcp://e.example:1", "tcp://f.example:1",
                               "tcp://g.example:1", "tcp://h.example:1", "tcp://i.example:1",
                               NULL };
  const char *const bad_endpoint[] = { "tcp://host:0", NULL };
  const char *const twice[] = { "tcp://a.example:1", "tcp://a.example:1", NULL };

  if (argc != 2)
    {
      fprintf (stderr, "usage: %s DIRECTORY\n", argv[0]);
      return 2;
    }
  out_dir = argv[1];
  lia_crypto_init ();
  org_init (&fuzzer, KEY_SEED_BYTE);
  org_init (&other, 0x11);

  /* Text. */
  valid = encode (&fuzzer.invite, fuzzer.secret);
  save_text ("text-valid", valid);
  {
    g_autofree char *lower = g_ascii_strdown (valid, -1);
    GString *wrapped = g_string_new ("  ");

    save_text ("text-valid-lower", lower);
    for (gsize i = 0; valid[i] != '\0'; i++)
      {
        g_string_append_c (wrapped, valid[i]);
        if (i % 72 == 71)
          g_string_append (wrapped, "\r\n");
      }
    g_string_append_c (wrapped, '\n');
    save_text ("text-valid-wrapped", wrapped->str);
    g_string_free (wrapped, TRUE);
  }
  variant = fuzzer.invite;
  variant.endpoints = NULL;
  variant.kind = LIA_ORG_KIND_AGENCY;
  {
    g_autofree char *text = encode (&variant, fuzzer.secret);

    save_text ("text-valid-no-endpoints", text);
  }
  variant = fuzzer.invite;
  variant.name = name_200;
  for (guint i = 0; i < LIA_INVITE_MAX_ENDPOINTS; i++)
    {
      g_autofree char *h = g_strnfill (55, 'h');
      g_autofree char *k = g_strnfill (54, 'k');

      /* 124 bytes: near the limit, in labels of at most 63. */
      g_ptr_array_add (long_endpoints, g_strdup_printf ("tcp://%u.%s.%s:65535", i, h, k));
    }
  g_ptr_array_add (long_endpoints, NULL);
  variant.endpoints = (char **) long_endpoints->pdata;
  variant.expires = variant.created + LIA_INVITE_MAX_VALIDITY;
  {
    g_autofree char *text = encode (&variant, fuzzer.secret);

    save_text ("text-largest", text);
  }
  variant = fuzzer.invite;
  variant.created = NOW - 8 * DAY;
  variant.expires = NOW - DAY;
  {
    g_autofree char *text = encode (&variant, fuzzer.secret);

    save_text ("text-expired", text);
  }
  {
    g_autofree char *text = encode (&other.invite, other.secret);
    g_autofree char *typo = g_strdup (valid);
    g_autofree char *truncated = g_strndup (valid, strlen (valid) - 3);
    g_autofree char *zero = g_strdup (valid);
    g_autofree char *too_long = g_strnfill (LIA_INVITE_MAX_TEXT + 1, 'A');

    save_text ("text-other-key", text);
    typo[30] = typo[30] == 'Q' ? 'W' : 'Q';
    save_text ("text-typo", typo);
    save_text ("text-truncated", truncated);
    zero[30] = '0';
    save_text ("text-bad-char", zero);
    memcpy (too_long, LIA_INVITE_PREFIX, strlen (LIA_INVITE_PREFIX));
    save_text ("text-too-long", too_long);
  }
  save_text ("text-no-prefix", valid + strlen (LIA_INVITE_PREFIX));
  {
    g_autofree char *prefix_2 = g_strdup (valid);

    prefix_2[7] = '2';
    save_text ("text-prefix-2", prefix_2);
  }
  save_text ("text-empty", "");
  {
    g_autoptr (GBytes) payload = sign (&fuzzer.invite, fuzzer.secret);
    gsize len;
    const guint8 *data = g_bytes_get_data (payload, &len);
    g_autofree char *version_2 = lia_invite_frame (2, data, len);

    save_text ("text-version-2", version_2);
  }

  /* Payloads, behind a correct checksum. */
  save_payload ("payload-valid", &fuzzer.invite, fuzzer.secret);
  save_payload ("payload-other-key", &fuzzer.invite, other.secret);
  variant = fuzzer.invite;
  variant.endpoints = (char **) nine;
  save_payload ("payload-nine-endpoints", &variant, fuzzer.secret);
  {
    g_autoptr (GBytes) payload = sign (&fuzzer.invite, fuzzer.secret);
    gsize len;
    const guint8 *data = g_bytes_get_data (payload, &len);
    g_autofree guint8 *longer = g_malloc0 (len + 1);

    memcpy (longer, data, len);
    save ("payload-extra-byte", PAYLOAD, longer, len + 1);
    save ("payload-truncated", PAYLOAD, data, len - 1);
  }
  save ("payload-not-a-variant", PAYLOAD, "a payload", 9);

  /* Bodies, for the target to sign. */
  save_body ("body-valid", BODY_SIGN_BINDINGS, &fuzzer.invite);
  save_body ("body-valid-own-bindings", BODY, &fuzzer.invite);
  variant = fuzzer.invite;
  memset (variant.box_signature, 0, sizeof variant.box_signature);
  save_body ("body-bad-binding", BODY, &variant);
  memcpy (variant.box_signature, other.invite.box_signature, sizeof variant.box_signature);
  memcpy (variant.box_public, other.invite.box_public, sizeof variant.box_public);
  save_body ("body-other-binding", BODY, &variant);
  variant = fuzzer.invite;
  variant.endpoints = (char **) bad_endpoint;
  save_body ("body-bad-endpoint", BODY_SIGN_BINDINGS, &variant);
  variant.endpoints = (char **) twice;
  save_body ("body-endpoint-twice", BODY_SIGN_BINDINGS, &variant);
  variant.endpoints = (char **) nine;
  save_body ("body-nine-endpoints", BODY_SIGN_BINDINGS, &variant);
  variant = fuzzer.invite;
  variant.name = name_201;
  save_body ("body-long-name", BODY_SIGN_BINDINGS, &variant);
  variant.name = (char *) "Northmoor\tPolice";
  save_body ("body-control-in-name", BODY_SIGN_BINDINGS, &variant);
  variant.name = (char *) " Northmoor Police";
  save_body ("body-space-before-name", BODY_SIGN_BINDINGS, &variant);
  variant.name = (char *) "";
  save_body ("body-empty-name", BODY_SIGN_BINDINGS, &variant);
  variant = fuzzer.invite;
  variant.created = NOW - 8 * DAY;
  variant.expires = NOW - DAY;
  save_body ("body-expired", BODY_SIGN_BINDINGS, &variant);
  variant.created = NOW;
  variant.expires = NOW + LIA_INVITE_MAX_VALIDITY + 1;
  save_body ("body-valid-too-long", BODY_SIGN_BINDINGS, &variant);
  variant.expires = NOW - 1;
  save_body ("body-expires-before-created", BODY_SIGN_BINDINGS, &variant);
  variant.created = 0;
  save_body ("body-created-zero", BODY_SIGN_BINDINGS, &variant);
  {
    guint8 zeros[64] = { 0 };
    const char *const none[] = { NULL };
    g_autoptr (GVariant) unknown_kind = g_variant_ref_sink (
      g_variant_new ("(ss@ay@ay@ay@ay@ay^asxx)", "Northmoor Police", "army",
                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 32, 1),
                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, fuzzer.invite.box_public,
                                                32, 1),
                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 64, 1),
                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, fuzzer.invite.curve_public,
                                                32, 1),
                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 64, 1), none,
                     NOW, NOW + DAY));
    g_autoptr (GVariant) short_key = g_variant_ref_sink (
      g_variant_new ("(ss@ay@ay@ay@ay@ay^asxx)", "Northmoor Police", "police",
                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 32, 1),
                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 31, 1),
                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 64, 1),
                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 32, 1),
                     g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, zeros, 64, 1), none,
                     NOW, NOW + DAY));

    save ("body-unknown-kind", BODY_SIGN_BINDINGS, g_variant_get_data (unknown_kind),
          g_variant_get_size (unknown_kind));
    save ("body-short-key", BODY_SIGN_BINDINGS, g_variant_get_data (short_key),
          g_variant_get_size (short_key));
  }
  save ("body-empty", BODY_SIGN_BINDINGS, NULL, 0);

  lia_secret_free (fuzzer.secret);
  lia_secret_free (other.secret);
  return 0;
}
