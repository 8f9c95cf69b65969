/* test-envelope.c: sealing, parsing, verifying and opening envelopes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "lia-envelope.h"
#include "lia-test-util.h"

/* Offsets of the layout in lia-envelope.h. */
#define PREFIX      8
#define NONCE       24
#define TAG         16
#define SIGNATURE   64
#define WRAPPED     48

#define OBJECT_ID   "6f1c2a4e-0b7d-4c35-9a8e-2f4d5b6c7d8e"
#define CASE_ID     "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"
#define CREATED     G_GINT64_CONSTANT (1795000000000000)

/* An organisation: its keys and a keyring made from them. */
typedef struct
{
  guint8      sign_public[32];
  LiaSecret  *sign_secret;
  guint8      box_public[32];
  LiaSecret  *box_secret;
  LiaKeyring *keyring;
} Org;

static Org *
org_new (void)
{
  Org *org = g_new0 (Org, 1);

  org->sign_secret = lia_secret_new (crypto_sign_SECRETKEYBYTES);
  org->box_secret = lia_secret_new (crypto_box_SECRETKEYBYTES);
  crypto_sign_keypair (org->sign_public, org->sign_secret->data);
  crypto_box_keypair (org->box_public, org->box_secret->data);
  org->keyring = lia_keyring_new (org->sign_public, org->sign_secret, org->box_public,
                                  org->box_secret);
  return org;
}

static LiaKeyring *
org_fresh_keyring (Org *org)
{
  return lia_keyring_new (org->sign_public, org->sign_secret, org->box_public, org->box_secret);
}

static void
org_free (Org *org)
{
  lia_keyring_free (org->keyring);
  lia_secret_free (org->sign_secret);
  lia_secret_free (org->box_secret);
  g_free (org);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Org, org_free)

static LiaRecipient
recipient_of (Org    *org,
              guint64 number)
{
  LiaRecipient r;

  memcpy (r.sign_public, org->sign_public, 32);
  memcpy (r.box_public, org->box_public, 32);
  r.number = number;
  return r;
}

/* The author callback: @user_data is a NULL-terminated array of Org *, the
 * known authors; an Org whose keyring is NULL counts as revoked. */
static LiaAuthorStatus
author_cb (const guint8 *sign_public,
           gpointer      user_data)
{
  Org **orgs = user_data;

  for (guint i = 0; orgs[i] != NULL; i++)
    if (memcmp (orgs[i]->sign_public, sign_public, 32) == 0)
      return orgs[i]->keyring != NULL ? LIA_AUTHOR_KNOWN : LIA_AUTHOR_REVOKED;
  return LIA_AUTHOR_UNKNOWN;
}

static GBytes *
random_content (gsize len)
{
  guint8 *data = g_malloc (MAX (len, (gsize) 1));

  randombytes_buf (data, len);
  return g_bytes_new_take (data, len);
}

static GBytes *
seal_or_fail (Org                *author,
              const LiaRecipient *recipients,
              guint               n,
              GBytes             *content)
{
  g_autoptr (GError) error = NULL;
  GBytes *bytes = lia_envelope_seal (author->keyring, "record", OBJECT_ID, CASE_ID, 3, CREATED,
                                     recipients, n, content, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes;
}

/* Replaces the signature of @bytes (modified in place) with @author's. */
static void
resign (Org        *author,
        GByteArray *bytes)
{
  crypto_sign_detached (bytes->data + bytes->len - SIGNATURE, NULL, bytes->data,
                        bytes->len - SIGNATURE, author->sign_secret->data);
}

static GBytes *
resigned_bytes (Org        *author,
                GByteArray *bytes)
{
  resign (author, bytes);
  return g_bytes_new (bytes->data, bytes->len);
}

/* An envelope with @header (floating or not; consumed) and @tail_len bytes
 * of zeros for the nonce and ciphertext, signed by @author. */
static GBytes *
forge (Org      *author,
       GVariant *header,
       gsize     tail_len)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (header);
  gsize header_len = g_variant_get_size (owned);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint8 prefix[PREFIX] = { 1, 0, 0, 0 };

  prefix[4] = header_len & 0xff;
  prefix[5] = (header_len >> 8) & 0xff;
  prefix[6] = (header_len >> 16) & 0xff;
  prefix[7] = (header_len >> 24) & 0xff;
  g_byte_array_append (out, prefix, PREFIX);
  g_byte_array_set_size (out, PREFIX + header_len + tail_len + SIGNATURE);
  g_variant_store (owned, out->data + PREFIX);
  memset (out->data + PREFIX + header_len, 0, tail_len);
  return resigned_bytes (author, out);
}

static GVariant *
byte_array (const guint8 *data,
            gsize         len)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1);
}

/* A header as lia_envelope_seal() writes it, with @n recipients whose
 * identity keys are @keys (32 bytes each), numbered from @number, and
 * random nonces and wrapped keys. */
static GVariant *
make_header (const char   *kind,
             const char   *object_id,
             const char   *case_id,
             Org          *author,
             const guint8 *author_box,
             const guint8 *keys,
             guint         n,
             guint64       number)
{
  g_autofree guint64 *numbers = g_new (guint64, MAX (n, 1));
  g_autofree guint8 *nonces = g_malloc (MAX (n, 1) * NONCE);
  g_autofree guint8 *wrapped = g_malloc (MAX (n, 1) * WRAPPED);

  for (guint i = 0; i < n; i++)
    numbers[i] = number + i;
  randombytes_buf (nonces, n * NONCE);
  randombytes_buf (wrapped, n * WRAPPED);
  return g_variant_new ("(sssux@ay@ay@ay@at@ay@ay)", kind, object_id, case_id, 3, CREATED,
                        byte_array (author->sign_public, 32),
                        byte_array (author_box != NULL ? author_box : author->box_public, 32),
                        byte_array (keys, 32 * n),
                        g_variant_new_fixed_array (G_VARIANT_TYPE_UINT64, numbers, n,
                                                   sizeof (guint64)),
                        byte_array (nonces, n * NONCE), byte_array (wrapped, n * WRAPPED));
}

static void
assert_parse_fails (GBytes *bytes,
                    int     code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LiaEnvelope) env = lia_envelope_parse (bytes, &error);

  g_assert_error (error, LIA_ENVELOPE_ERROR, code);
  g_assert_null (env);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* Opens @bytes as @reader, who knows the authors in @known. */
static GBytes *
open_as (Org     *reader,
         Org    **known,
         GBytes  *bytes,
         GError **error)
{
  return lia_envelope_open_bytes (bytes, reader->keyring, author_cb, known, NULL, error);
}

static void
assert_opens (Org    *reader,
              Org   **known,
              GBytes *bytes,
              GBytes *content)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) opened = open_as (reader, known, bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (opened);
  g_assert_true (g_bytes_equal (opened, content));
}

/* ---- round trips ------------------------------------------------------------ */

static void
check_round_trip (guint n_recipients,
                  gsize content_len)
{
  g_autoptr (Org) author = org_new ();
  Org *readers[3];
  LiaRecipient recipients[3];
  Org *known[] = { author, NULL };
  g_autoptr (GBytes) content = random_content (content_len);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (LiaEnvelope) parsed = NULL;
  g_autoptr (GError) error = NULL;
  guint8 hash[32];
  gsize len;
  const guint8 *data;

  g_assert_cmpuint (n_recipients, <=, G_N_ELEMENTS (readers));
  for (guint i = 0; i < n_recipients; i++)
    {
      readers[i] = org_new ();
      recipients[i] = recipient_of (readers[i], 100 * i + 1);
    }
  bytes = seal_or_fail (author, recipients, n_recipients, content);
  data = g_bytes_get_data (bytes, &len);
  g_assert_cmpuint (len, <=, LIA_ENVELOPE_MAX_SIZE);
  g_assert_cmpuint (data[0], ==, LIA_ENVELOPE_FORMAT_VERSION);

  for (guint i = 0; i < n_recipients; i++)
    {
      g_autoptr (LiaEnvelope) env = NULL;
      g_autoptr (GBytes) opened = lia_envelope_open_bytes (bytes, readers[i]->keyring, author_cb,
                                                           known, &env, &error);

      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (opened, content));
      g_assert_nonnull (env);
      g_assert_true (lia_envelope_is_verified (env));
      g_assert_true (lia_envelope_is_for (env, readers[i]->sign_public));
    }
  parsed = lia_envelope_parse (bytes, &error);
  g_assert_no_error (error);
  g_assert_false (lia_envelope_is_for (parsed, author->sign_public));

  /* What the envelope says. */
  g_assert_cmpuint (lia_envelope_get_format_version (parsed), ==, 1);
  g_assert_cmpstr (lia_envelope_get_kind (parsed), ==, "record");
  g_assert_cmpstr (lia_envelope_get_object_id (parsed), ==, OBJECT_ID);
  g_assert_cmpstr (lia_envelope_get_case_id (parsed), ==, CASE_ID);
  g_assert_cmpuint (lia_envelope_get_version (parsed), ==, 3);
  g_assert_cmpint (lia_envelope_get_created (parsed), ==, CREATED);
  g_assert_cmpmem (lia_envelope_get_author_sign_public (parsed), 32, author->sign_public, 32);
  g_assert_cmpmem (lia_envelope_get_author_box_public (parsed), 32, author->box_public, 32);
  g_assert_cmpuint (lia_envelope_get_n_recipients (parsed), ==, n_recipients);
  for (guint i = 0; i < n_recipients; i++)
    {
      g_assert_cmpmem (lia_envelope_get_recipient_sign_public (parsed, i), 32,
                       readers[i]->sign_public, 32);
      g_assert_cmpuint (lia_envelope_get_recipient_number (parsed, i), ==, 100 * i + 1);
    }
  g_assert_cmpuint (lia_envelope_get_content_size (parsed), ==, content_len);
  g_assert_true (lia_envelope_get_bytes (parsed) == bytes);
  g_assert_false (lia_envelope_is_verified (parsed));
  crypto_generichash (hash, sizeof hash, data, len, NULL, 0);
  g_assert_cmpmem (lia_envelope_hash (parsed), 32, hash, 32);
  g_assert_cmpmem (lia_envelope_hash (parsed), 32, hash, 32);

  /* Sealing the same again gives different bytes (fresh key and nonces)
   * that open to the same content. */
  {
    g_autoptr (GBytes) again = seal_or_fail (author, recipients, n_recipients, content);

    g_assert_false (g_bytes_equal (again, bytes));
    assert_opens (readers[0], known, again, content);
  }

  for (guint i = 0; i < n_recipients; i++)
    org_free (readers[i]);
}

static void
test_round_trip_one_empty (void)
{
  check_round_trip (1, 0);
}

static void
test_round_trip_one_largest (void)
{
  check_round_trip (1, LIA_ENVELOPE_MAX_CONTENT);
}

static void
test_round_trip_three_empty (void)
{
  check_round_trip (3, 0);
}

static void
test_round_trip_three_largest (void)
{
  check_round_trip (3, LIA_ENVELOPE_MAX_CONTENT);
}

static void
test_round_trip_three_small (void)
{
  check_round_trip (3, 1024);
}

/* No case id: NULL and "" are the same, and come back as "". */
static void
test_no_case (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  Org *known[] = { author, NULL };
  LiaRecipient r = recipient_of (reader, 1);
  g_autoptr (GBytes) content = random_content (10);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) a = lia_envelope_seal (author->keyring, "case-metadata", "x", NULL, 0,
                                            -1, &r, 1, content, &error);
  g_autoptr (GBytes) b = NULL;
  g_autoptr (GBytes) opened = NULL;
  g_autoptr (LiaEnvelope) env = NULL;

  g_assert_no_error (error);
  b = lia_envelope_seal (author->keyring, "case-metadata", "x", "", 0, -1, &r, 1, content, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (a), ==, g_bytes_get_size (b));
  opened = lia_envelope_open_bytes (a, reader->keyring, author_cb, known, &env, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lia_envelope_get_case_id (env), ==, "");
  g_assert_cmpstr (lia_envelope_get_kind (env), ==, "case-metadata");
  g_assert_cmpint (lia_envelope_get_created (env), ==, -1);
}

/* The author can be one of its own recipients (to read its own envelopes
 * back later). */
static void
test_author_is_recipient (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) other = org_new ();
  Org *known[] = { author, NULL };
  LiaRecipient r[] = { recipient_of (other, 5), recipient_of (author, 9) };
  g_autoptr (GBytes) content = random_content (100);
  g_autoptr (GBytes) bytes = seal_or_fail (author, r, 2, content);

  assert_opens (author, known, bytes, content);
}

/* ---- who can read it ---------------------------------------------------------- */

static void
test_not_recipient (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  g_autoptr (Org) outsider = org_new ();
  Org *known[] = { author, NULL };
  LiaRecipient r[] = { recipient_of (reader, 1), recipient_of (author, 2) };
  g_autoptr (GBytes) content = random_content (1000);
  g_autoptr (GBytes) bytes = seal_or_fail (author, r, 2, content);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) opened = NULL;
  g_autoptr (LiaEnvelope) env = NULL;
  g_autoptr (GBytes) header_bytes = NULL;
  g_autoptr (GVariant) header = NULL;
  g_autoptr (GVariant) keys = NULL;
  g_autoptr (GVariant) nonces = NULL;
  g_autoptr (GVariant) wrapped = NULL;
  const guint8 *data;
  guint32 header_len;
  guint8 pairwise[32], key[32];

  opened = open_as (outsider, known, bytes, &error);
  g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_NOT_RECIPIENT);
  g_assert_null (opened);
  g_clear_error (&error);

  env = lia_envelope_parse (bytes, &error);
  g_assert_no_error (error);
  g_assert_false (lia_envelope_is_for (env, outsider->sign_public));
  g_assert_true (lia_envelope_verify (env, author_cb, known, &error));
  g_assert_no_error (error);
  g_assert_null (lia_envelope_open (env, outsider->keyring, &error));
  g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_NOT_RECIPIENT);

  /* Holding the bytes is no help: the outsider's own key opens none of the
   * wrapped keys. */
  data = g_bytes_get_data (bytes, NULL);
  header_len = data[4] | (data[5] << 8) | (data[6] << 16) | ((guint32) data[7] << 24);
  header_bytes = g_bytes_new (data + PREFIX, header_len);
  header = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (LIA_ENVELOPE_HEADER_TYPE),
                                                         header_bytes, FALSE));
  g_assert_true (g_variant_is_normal_form (header));
  g_variant_get (header, "(&s&s&sux@ay@ay@ay@at@ay@ay)", NULL, NULL, NULL, NULL, NULL, NULL,
                 NULL, &keys, NULL, &nonces, &wrapped);
  g_assert_cmpuint (g_variant_get_size (keys), ==, 2 * 32);
  g_assert_cmpuint (g_variant_get_size (nonces), ==, 2 * NONCE);
  g_assert_cmpuint (g_variant_get_size (wrapped), ==, 2 * WRAPPED);
  g_assert_cmpint (crypto_box_beforenm (pairwise, author->box_public, outsider->box_secret->data),
                   ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      const guint8 *w = (const guint8 *) g_variant_get_data (wrapped) + i * WRAPPED;
      const guint8 *nonce = (const guint8 *) g_variant_get_data (nonces) + i * NONCE;

      g_assert_cmpint (crypto_box_open_easy_afternm (key, w, WRAPPED, nonce, pairwise), ==, -1);
    }
}

/* ---- tampering -------------------------------------------------------------------- */

static void
assert_refused (Org   **readers,
                guint   n_readers,
                Org   **known,
                GBytes *bytes,
                gsize   position)
{
  for (guint r = 0; r < n_readers; r++)
    {
      g_autoptr (GError) error = NULL;
      LiaEnvelope *env = (LiaEnvelope *) 0x1;
      g_autoptr (GBytes) opened = lia_envelope_open_bytes (bytes, readers[r]->keyring, author_cb,
                                                           known, &env, &error);

      if (opened != NULL || error == NULL)
        g_error ("a change at byte %" G_GSIZE_FORMAT " was not refused", position);
      g_assert_true (error->domain == LIA_ENVELOPE_ERROR);
      g_assert_true (env == (LiaEnvelope *) 0x1);
      /* Nothing gets as far as decrypting: everything is signed. */
      g_assert_cmpint (error->code, !=, LIA_ENVELOPE_ERROR_DAMAGED);
      g_assert_cmpint (error->code, !=, LIA_ENVELOPE_ERROR_NOT_RECIPIENT);
    }
}

static void
check_every_byte (guint n_recipients,
                  gsize content_len)
{
  g_autoptr (Org) author = org_new ();
  Org *readers[3];
  LiaRecipient recipients[3];
  Org *known[] = { author, NULL };
  g_autoptr (GBytes) content = random_content (content_len);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GByteArray) copy = g_byte_array_new ();
  static const guint8 masks[] = { 0x01, 0xff, 0x80 };
  const guint8 *data;
  gsize len;

  for (guint i = 0; i < n_recipients; i++)
    {
      readers[i] = org_new ();
      recipients[i] = recipient_of (readers[i], i + 1);
    }
  bytes = seal_or_fail (author, recipients, n_recipients, content);
  data = g_bytes_get_data (bytes, &len);
  g_byte_array_append (copy, data, len);

  for (gsize at = 0; at < len; at++)
    for (guint m = 0; m < G_N_ELEMENTS (masks); m++)
      {
        g_autoptr (GBytes) changed = NULL;

        copy->data[at] ^= masks[m];
        changed = g_bytes_new (copy->data, copy->len);
        copy->data[at] ^= masks[m];
        assert_refused (readers, n_recipients, known, changed, at);
      }
  /* And the untouched envelope still opens for every reader. */
  for (guint i = 0; i < n_recipients; i++)
    {
      assert_opens (readers[i], known, bytes, content);
      org_free (readers[i]);
    }
}

static void
test_every_byte_three (void)
{
  check_every_byte (3, 300);
}

static void
test_every_byte_one_empty (void)
{
  check_every_byte (1, 0);
}

static void
test_truncated (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  Org *known[] = { author, NULL };
  LiaRecipient r[] = { recipient_of (reader, 1), recipient_of (author, 1) };
  g_autoptr (GBytes) content = random_content (200);
  g_autoptr (GBytes) bytes = seal_or_fail (author, r, 2, content);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  for (gsize cut = 0; cut < len; cut++)
    {
      g_autoptr (GBytes) part = g_bytes_new (data, cut);

      assert_refused (&reader, 1, known, part, cut);
    }
  /* Nor may anything follow it. */
  for (gsize extra = 1; extra <= 70; extra++)
    {
      g_autoptr (GByteArray) longer = g_byte_array_new ();
      g_autoptr (GBytes) more = NULL;

      g_byte_array_append (longer, data, len);
      g_byte_array_set_size (longer, len + extra);
      memset (longer->data + len, 0, extra);
      more = g_byte_array_free_to_bytes (g_steal_pointer (&longer));
      assert_refused (&reader, 1, known, more, len + extra);
    }
}

/* ---- authors ------------------------------------------------------------------------ */

static void
test_unknown_author (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  g_autoptr (Org) stranger = org_new ();
  Org *known[] = { stranger, NULL };
  LiaRecipient r = recipient_of (reader, 1);
  g_autoptr (GBytes) content = random_content (10);
  g_autoptr (GBytes) bytes = seal_or_fail (author, &r, 1, content);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) opened = open_as (reader, known, bytes, &error);

  g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_UNKNOWN_AUTHOR);
  g_assert_null (opened);
}

static void
test_revoked_author (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  Org *known[] = { author, NULL };
  LiaRecipient r = recipient_of (reader, 1);
  g_autoptr (GBytes) content = random_content (10);
  g_autoptr (GBytes) bytes = seal_or_fail (author, &r, 1, content);
  g_autoptr (GByteArray) forged = g_byte_array_new ();
  g_autoptr (GBytes) bad_signature = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) opened = NULL;
  LiaKeyring *keyring = author->keyring;

  /* Revoked: the author's keyring is put aside for the callback. */
  author->keyring = NULL;
  opened = open_as (reader, known, bytes, &error);
  g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_REVOKED_AUTHOR);
  g_assert_null (opened);
  g_clear_error (&error);

  /* The author is asked about before the signature is checked. */
  g_byte_array_append (forged, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  forged->data[forged->len - 1] ^= 1;
  bad_signature = g_bytes_new (forged->data, forged->len);
  opened = open_as (reader, known, bad_signature, &error);
  g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_REVOKED_AUTHOR);
  g_clear_error (&error);

  author->keyring = keyring;
  opened = open_as (reader, known, bad_signature, &error);
  g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_BAD_SIGNATURE);
  g_clear_error (&error);
  assert_opens (reader, known, bytes, content);
}

/* Signed by someone else than the author it names. */
static void
test_signed_by_other (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  g_autoptr (Org) impostor = org_new ();
  Org *known[] = { author, impostor, NULL };
  LiaRecipient r = recipient_of (reader, 1);
  g_autoptr (GBytes) content = random_content (10);
  g_autoptr (GBytes) bytes = seal_or_fail (author, &r, 1, content);
  g_autoptr (GByteArray) copy = g_byte_array_new ();
  g_autoptr (GBytes) forged = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) opened = NULL;

  g_byte_array_append (copy, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  forged = resigned_bytes (impostor, copy);
  opened = open_as (reader, known, forged, &error);
  g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_BAD_SIGNATURE);
  g_assert_null (opened);
}

/* ---- form and limits ------------------------------------------------------------------- */

static void
test_version_byte (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  LiaRecipient r = recipient_of (reader, 1);
  g_autoptr (GBytes) content = random_content (10);
  g_autoptr (GBytes) bytes = seal_or_fail (author, &r, 1, content);
  g_autoptr (GByteArray) copy = g_byte_array_new ();
  static const guint8 versions[] = { 0, 2, 0x7f, 0xff };

  g_byte_array_append (copy, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  for (guint i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      g_autoptr (GBytes) changed = NULL;

      copy->data[0] = versions[i];
      /* Even with a valid signature: the version is read first. */
      changed = resigned_bytes (author, copy);
      assert_parse_fails (changed, LIA_ENVELOPE_ERROR_VERSION);
    }
  {
    g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
    g_autoptr (GBytes) one = g_bytes_new ("\x01", 1);
    g_autoptr (GBytes) two = g_bytes_new ("\x02", 1);

    assert_parse_fails (empty, LIA_ENVELOPE_ERROR_MALFORMED);
    assert_parse_fails (one, LIA_ENVELOPE_ERROR_MALFORMED);
    assert_parse_fails (two, LIA_ENVELOPE_ERROR_VERSION);
  }
}

static void
assert_seal_fails (Org                *author,
                   const char         *kind,
                   const char         *object_id,
                   const char         *case_id,
                   const LiaRecipient *r,
                   guint               n,
                   GBytes             *content,
                   int                 code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = lia_envelope_seal (author->keyring, kind, object_id, case_id, 1,
                                                CREATED, r, n, content, &error);

  g_assert_error (error, LIA_ENVELOPE_ERROR, code);
  g_assert_null (bytes);
}

static void
test_limits_content (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  LiaRecipient r = recipient_of (reader, 1);
  g_autoptr (GBytes) over = random_content (LIA_ENVELOPE_MAX_CONTENT + 1);
  g_autoptr (GBytes) empty = random_content (0);
  g_autoptr (GBytes) small = NULL;
  g_autoptr (GByteArray) copy = g_byte_array_new ();
  g_autoptr (GBytes) forged = NULL;
  g_autoptr (GBytes) huge = NULL;
  gsize at;

  assert_seal_fails (author, "record", OBJECT_ID, CASE_ID, &r, 1, over,
                     LIA_ENVELOPE_ERROR_TOO_LARGE);

  /* An envelope whose ciphertext is one byte over the limit, signed: the
   * size is refused before anything else is read. */
  small = seal_or_fail (author, &r, 1, empty);
  g_byte_array_append (copy, g_bytes_get_data (small, NULL), g_bytes_get_size (small));
  at = copy->len - SIGNATURE;
  g_byte_array_set_size (copy, copy->len + LIA_ENVELOPE_MAX_CONTENT + 1);
  memset (copy->data + at, 0, copy->len - at);
  forged = resigned_bytes (author, copy);
  g_assert_cmpuint (g_bytes_get_size (forged), <=, LIA_ENVELOPE_MAX_SIZE);
  assert_parse_fails (forged, LIA_ENVELOPE_ERROR_TOO_LARGE);

  /* A whole envelope over the limit. */
  g_byte_array_set_size (copy, LIA_ENVELOPE_MAX_SIZE + 1);
  huge = resigned_bytes (author, copy);
  assert_parse_fails (huge, LIA_ENVELOPE_ERROR_TOO_LARGE);
}

static void
test_limits_recipients (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (GBytes) content = random_content (10);
  LiaRecipient r[LIA_ENVELOPE_MAX_RECIPIENTS + 1];
  guint8 keys[32 * (LIA_ENVELOPE_MAX_RECIPIENTS + 1)];
  g_autoptr (GBytes) most = NULL;
  g_autoptr (GBytes) over = NULL;
  g_autoptr (GBytes) none = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    {
      LiaSecret *unused = lia_secret_new (crypto_box_SECRETKEYBYTES);

      randombytes_buf (r[i].sign_public, 32);
      memcpy (keys + 32 * i, r[i].sign_public, 32);
      crypto_box_keypair (r[i].box_public, unused->data);
      lia_secret_free (unused);
      r[i].number = i;
    }
  most = seal_or_fail (author, r, LIA_ENVELOPE_MAX_RECIPIENTS, content);
  assert_seal_fails (author, "record", OBJECT_ID, CASE_ID, r, LIA_ENVELOPE_MAX_RECIPIENTS + 1,
                     content, LIA_ENVELOPE_ERROR_TOO_LARGE);
  assert_seal_fails (author, "record", OBJECT_ID, CASE_ID, r, 0, content,
                     LIA_ENVELOPE_ERROR_MALFORMED);

  over = forge (author, make_header ("record", OBJECT_ID, CASE_ID, author, NULL, keys,
                                     LIA_ENVELOPE_MAX_RECIPIENTS + 1, 1), NONCE + TAG);
  assert_parse_fails (over, LIA_ENVELOPE_ERROR_TOO_LARGE);
  none = forge (author, make_header ("record", OBJECT_ID, CASE_ID, author, NULL, keys, 0, 1),
                NONCE + TAG);
  assert_parse_fails (none, LIA_ENVELOPE_ERROR_MALFORMED);
}

/* The largest header the limits allow fits LIA_ENVELOPE_MAX_HEADER, and the
 * largest envelope LIA_ENVELOPE_MAX_SIZE. */
static void
test_limits_largest (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  Org *known[] = { author, NULL };
  g_autoptr (GBytes) content = random_content (LIA_ENVELOPE_MAX_CONTENT);
  LiaRecipient r[LIA_ENVELOPE_MAX_RECIPIENTS];
  g_autofree char *kind = g_strnfill (LIA_ENVELOPE_MAX_KIND, 'k');
  g_autofree char *id = g_strnfill (LIA_ENVELOPE_MAX_ID, '~');
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) opened = NULL;
  const guint8 *data;
  guint32 header_len;

  r[0] = recipient_of (reader, G_MAXINT64);
  for (guint i = 1; i < G_N_ELEMENTS (r); i++)
    {
      r[i] = recipient_of (reader, G_MAXINT64);
      randombytes_buf (r[i].sign_public, 32);
    }
  bytes = lia_envelope_seal (author->keyring, kind, id, id, G_MAXUINT32, G_MAXINT64, r,
                             G_N_ELEMENTS (r), content, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, NULL);
  header_len = data[4] | (data[5] << 8) | (data[6] << 16) | ((guint32) data[7] << 24);
  g_test_message ("largest header: %u bytes; largest envelope: %" G_GSIZE_FORMAT " bytes",
                  header_len, g_bytes_get_size (bytes));
  g_assert_cmpuint (header_len, <=, LIA_ENVELOPE_MAX_HEADER / 2);
  g_assert_cmpuint (g_bytes_get_size (bytes), <=, LIA_ENVELOPE_MAX_SIZE);
  opened = open_as (reader, known, bytes, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (opened, content));
}

static void
test_limits_ids (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  LiaRecipient r = recipient_of (reader, 1);
  g_autoptr (GBytes) content = random_content (10);
  g_autofree char *long_kind = g_strnfill (LIA_ENVELOPE_MAX_KIND + 1, 'a');
  g_autofree char *long_id = g_strnfill (LIA_ENVELOPE_MAX_ID + 1, 'a');
  static const struct
  {
    const char *kind, *object_id, *case_id;
    int code;
  } bad[] = {
    { "", OBJECT_ID, CASE_ID, LIA_ENVELOPE_ERROR_MALFORMED },
    { "Record", OBJECT_ID, CASE_ID, LIA_ENVELOPE_ERROR_MALFORMED },
    { "record_1", OBJECT_ID, CASE_ID, LIA_ENVELOPE_ERROR_MALFORMED },
    { "re cord", OBJECT_ID, CASE_ID, LIA_ENVELOPE_ERROR_MALFORMED },
    { "r\xc3\xa9", OBJECT_ID, CASE_ID, LIA_ENVELOPE_ERROR_MALFORMED },
    { "record", "", CASE_ID, LIA_ENVELOPE_ERROR_MALFORMED },
    { "record", "an id", CASE_ID, LIA_ENVELOPE_ERROR_MALFORMED },
    { "record", "id\n", CASE_ID, LIA_ENVELOPE_ERROR_MALFORMED },
    { "record", "caf\xc3\xa9", CASE_ID, LIA_ENVELOPE_ERROR_MALFORMED },
    { "record", OBJECT_ID, "a case", LIA_ENVELOPE_ERROR_MALFORMED },
    { "record", OBJECT_ID, "\x7f", LIA_ENVELOPE_ERROR_MALFORMED },
  };
  const char *too_long[][3] = {
    { long_kind, OBJECT_ID, CASE_ID },
    { "record", long_id, CASE_ID },
    { "record", OBJECT_ID, long_id },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GBytes) forged = NULL;
      guint8 key[32];

      assert_seal_fails (author, bad[i].kind, bad[i].object_id, bad[i].case_id, &r, 1, content,
                         bad[i].code);
      randombytes_buf (key, sizeof key);
      forged = forge (author, make_header (bad[i].kind, bad[i].object_id, bad[i].case_id, author,
                                           NULL, key, 1, 1), NONCE + TAG);
      assert_parse_fails (forged, bad[i].code);
    }
  for (guint i = 0; i < G_N_ELEMENTS (too_long); i++)
    {
      g_autoptr (GBytes) forged = NULL;
      guint8 key[32];

      assert_seal_fails (author, too_long[i][0], too_long[i][1], too_long[i][2], &r, 1, content,
                         LIA_ENVELOPE_ERROR_TOO_LARGE);
      randombytes_buf (key, sizeof key);
      forged = forge (author, make_header (too_long[i][0], too_long[i][1], too_long[i][2], author,
                                           NULL, key, 1, 1), NONCE + TAG);
      assert_parse_fails (forged, LIA_ENVELOPE_ERROR_TOO_LARGE);
    }
}

static void
test_duplicate_recipients (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) a = org_new ();
  g_autoptr (Org) b = org_new ();
  g_autoptr (GBytes) content = random_content (10);
  LiaRecipient r[] = { recipient_of (a, 1), recipient_of (b, 1), recipient_of (a, 2) };
  guint8 keys[3 * 32];
  g_autoptr (GBytes) forged = NULL;

  assert_seal_fails (author, "record", OBJECT_ID, CASE_ID, r, 3, content,
                     LIA_ENVELOPE_ERROR_MALFORMED);
  /* Same identity, another X25519 key: still the same recipient. */
  randombytes_buf (r[2].box_public, 32);
  assert_seal_fails (author, "record", OBJECT_ID, CASE_ID, r, 3, content,
                     LIA_ENVELOPE_ERROR_MALFORMED);

  memcpy (keys, a->sign_public, 32);
  memcpy (keys + 32, b->sign_public, 32);
  memcpy (keys + 64, a->sign_public, 32);
  forged = forge (author, make_header ("record", OBJECT_ID, CASE_ID, author, NULL, keys, 3, 1),
                  NONCE + TAG);
  assert_parse_fails (forged, LIA_ENVELOPE_ERROR_MALFORMED);
}

static void
test_number_limit (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  g_autoptr (GBytes) content = random_content (10);
  LiaRecipient r = recipient_of (reader, (guint64) G_MAXINT64 + 1);
  guint8 key[32];
  g_autoptr (GBytes) forged = NULL;

  assert_seal_fails (author, "record", OBJECT_ID, CASE_ID, &r, 1, content,
                     LIA_ENVELOPE_ERROR_MALFORMED);
  randombytes_buf (key, sizeof key);
  forged = forge (author, make_header ("record", OBJECT_ID, CASE_ID, author, NULL, key, 1,
                                       G_MAXUINT64), NONCE + TAG);
  assert_parse_fails (forged, LIA_ENVELOPE_ERROR_MALFORMED);
}

/* Headers that GVariant reads, but not in normal form, or of the wrong
 * shape: all MALFORMED, even when signed. */
static void
test_not_normal_form (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (GVariant) header = NULL;
  g_autoptr (GByteArray) serialised = g_byte_array_new ();
  gsize len;
  guint8 key[32];
  /* kind "record" (7 bytes with its nul), the ids 37 each: the u after
   * them starts at 84, after three bytes of padding at 81. */
  const gsize padding = 7 + 37 + 37;

  randombytes_buf (key, sizeof key);
  header = g_variant_ref_sink (make_header ("record", OBJECT_ID, CASE_ID, author, NULL, key, 1, 1));
  len = g_variant_get_size (header);
  g_byte_array_set_size (serialised, len);
  g_variant_store (header, serialised->data);
  g_assert_cmpuint (serialised->data[padding], ==, 0);

  /* A padding byte that is not zero. */
  {
    g_autoptr (GBytes) changed = NULL;
    g_autoptr (GVariant) odd = NULL;

    serialised->data[padding] = 1;
    changed = g_bytes_new (serialised->data, len);
    odd = g_variant_new_from_bytes (G_VARIANT_TYPE (LIA_ENVELOPE_HEADER_TYPE), changed, FALSE);
    g_assert_false (g_variant_is_normal_form (odd));
    {
      g_autoptr (GBytes) forged = forge (author, g_variant_ref (odd), NONCE + TAG);

      assert_parse_fails (forged, LIA_ENVELOPE_ERROR_MALFORMED);
    }
    serialised->data[padding] = 0;
  }
  /* A string without its nul: GVariant would read it as "". */
  {
    g_autoptr (GBytes) changed = NULL;
    g_autoptr (GVariant) odd = NULL;

    serialised->data[6] = 'x';
    changed = g_bytes_new (serialised->data, len);
    odd = g_variant_new_from_bytes (G_VARIANT_TYPE (LIA_ENVELOPE_HEADER_TYPE), changed, FALSE);
    g_assert_false (g_variant_is_normal_form (odd));
    {
      g_autoptr (GBytes) forged = forge (author, g_variant_ref (odd), NONCE + TAG);

      assert_parse_fails (forged, LIA_ENVELOPE_ERROR_MALFORMED);
    }
    serialised->data[6] = 0;
  }
  /* The header of another type. */
  {
    g_autoptr (GBytes) forged = forge (author, g_variant_new ("(ss)", "record", OBJECT_ID),
                                       NONCE + TAG);

    assert_parse_fails (forged, LIA_ENVELOPE_ERROR_MALFORMED);
  }
  /* In normal form, but arrays of the wrong length. */
  {
    static const struct
    {
      gsize sign, box, keys, numbers, nonces, wrapped;
    } lengths[] = {
      { 31, 32, 32, 1, NONCE, WRAPPED },
      { 32, 33, 32, 1, NONCE, WRAPPED },
      { 32, 32, 31, 1, NONCE, WRAPPED },
      { 32, 32, 33, 1, NONCE, WRAPPED },
      { 32, 32, 32, 0, NONCE, WRAPPED },
      { 32, 32, 32, 2, NONCE, WRAPPED },
      { 32, 32, 32, 1, NONCE - 1, WRAPPED },
      { 32, 32, 32, 1, 2 * NONCE, WRAPPED },
      { 32, 32, 32, 1, NONCE, WRAPPED + 1 },
      { 32, 32, 32, 1, NONCE, 0 },
      { 32, 32, 64, 2, NONCE, 2 * WRAPPED },
    };
    guint8 zeros[2 * WRAPPED] = { 0 };
    guint64 numbers[2] = { 1, 2 };

    for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
      {
        g_autoptr (GBytes) forged = NULL;

        forged = forge (author,
                        g_variant_new ("(sssux@ay@ay@ay@at@ay@ay)", "record", OBJECT_ID, CASE_ID,
                                       3, CREATED, byte_array (zeros, lengths[i].sign),
                                       byte_array (zeros, lengths[i].box),
                                       byte_array (zeros, lengths[i].keys),
                                       g_variant_new_fixed_array (G_VARIANT_TYPE_UINT64, numbers,
                                                                  lengths[i].numbers,
                                                                  sizeof (guint64)),
                                       byte_array (zeros, lengths[i].nonces),
                                       byte_array (zeros, lengths[i].wrapped)),
                        NONCE + TAG);
        assert_parse_fails (forged, LIA_ENVELOPE_ERROR_MALFORMED);
      }
  }
  /* The three bytes after the version, and a header length that runs past
   * the end or is zero. */
  {
    g_autoptr (GBytes) good = forge (author, g_variant_ref (header), NONCE + TAG);
    g_autoptr (GByteArray) copy = g_byte_array_new ();
    static const guint32 lengths[] = { 0, 0x10000, LIA_ENVELOPE_MAX_HEADER + 1, G_MAXUINT32 };
    g_autoptr (LiaEnvelope) env = NULL;
    g_autoptr (GError) error = NULL;

    env = lia_envelope_parse (good, &error);
    g_assert_no_error (error);
    g_byte_array_append (copy, g_bytes_get_data (good, NULL), g_bytes_get_size (good));
    for (guint i = 1; i < 4; i++)
      {
        g_autoptr (GBytes) changed = NULL;

        copy->data[i] = 1;
        changed = resigned_bytes (author, copy);
        assert_parse_fails (changed, LIA_ENVELOPE_ERROR_MALFORMED);
        copy->data[i] = 0;
      }
    for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
      {
        g_autoptr (GBytes) changed = NULL;

        copy->data[4] = lengths[i] & 0xff;
        copy->data[5] = (lengths[i] >> 8) & 0xff;
        copy->data[6] = (lengths[i] >> 16) & 0xff;
        copy->data[7] = lengths[i] >> 24;
        changed = resigned_bytes (author, copy);
        assert_parse_fails (changed, lengths[i] > LIA_ENVELOPE_MAX_HEADER
                                       ? LIA_ENVELOPE_ERROR_TOO_LARGE
                                       : LIA_ENVELOPE_ERROR_MALFORMED);
      }
  }
}

/* Signed by a known author, but what is inside does not decrypt. */
static void
test_damaged (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  Org *known[] = { author, NULL };
  LiaRecipient r = recipient_of (reader, 1);
  g_autoptr (GBytes) content = random_content (100);
  g_autoptr (GBytes) bytes = seal_or_fail (author, &r, 1, content);
  g_autoptr (GByteArray) copy = g_byte_array_new ();
  gsize len = g_bytes_get_size (bytes);
  guint32 header_len;

  g_byte_array_append (copy, g_bytes_get_data (bytes, NULL), len);
  header_len = copy->data[4] | (copy->data[5] << 8);

  /* The content. */
  {
    g_autoptr (GBytes) changed = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) opened = NULL;

    copy->data[PREFIX + header_len + NONCE + 5] ^= 1;
    changed = resigned_bytes (author, copy);
    opened = open_as (reader, known, changed, &error);
    g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_DAMAGED);
    g_assert_null (opened);
    copy->data[PREFIX + header_len + NONCE + 5] ^= 1;
  }
  /* The content nonce. */
  {
    g_autoptr (GBytes) changed = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) opened = NULL;

    copy->data[PREFIX + header_len] ^= 1;
    changed = resigned_bytes (author, copy);
    opened = open_as (reader, known, changed, &error);
    g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_DAMAGED);
    copy->data[PREFIX + header_len] ^= 1;
  }
  /* The header (the version here), which is the content's associated
   * data: the content no longer authenticates. */
  {
    g_autoptr (GBytes) changed = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) opened = NULL;
    /* After "record", the two ids and three bytes of padding. */
    gsize at = PREFIX + 7 + 37 + 37 + 3;

    g_assert_cmpuint (copy->data[at], ==, 3);
    copy->data[at] = 4;
    changed = resigned_bytes (author, copy);
    opened = open_as (reader, known, changed, &error);
    g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_DAMAGED);
    copy->data[at] = 3;
  }
  /* Every byte of the header, re-signed: refused or, where it still
   * parses and names this reader, never opened (DAMAGED). The bytes of the
   * recipient's wrapped key and nonce are among them. */
  for (gsize at = PREFIX; at < PREFIX + header_len; at++)
    {
      g_autoptr (GBytes) changed = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) opened = NULL;

      copy->data[at] ^= 0x01;
      changed = resigned_bytes (author, copy);
      opened = open_as (reader, known, changed, &error);
      g_assert_null (opened);
      g_assert_nonnull (error);
      g_assert_true (error->domain == LIA_ENVELOPE_ERROR);
      copy->data[at] ^= 0x01;
    }
  assert_opens (reader, known, bytes, content);
}

/* A small-order point as the author's or a recipient's X25519 key gives no
 * pairwise key: refused, not a zero key. */
static void
test_weak_box_key (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  Org *known[] = { author, NULL };
  LiaRecipient r = recipient_of (reader, 1);
  g_autoptr (GBytes) content = random_content (10);
  static const guint8 zero[32] = { 0 };
  g_autoptr (GBytes) forged = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) opened = NULL;

  memset (r.box_public, 0, 32);
  assert_seal_fails (author, "record", OBJECT_ID, CASE_ID, &r, 1, content,
                     LIA_ENVELOPE_ERROR_MALFORMED);

  forged = forge (author, make_header ("record", OBJECT_ID, CASE_ID, author, zero,
                                       reader->sign_public, 1, 1), NONCE + TAG);
  opened = open_as (reader, known, forged, &error);
  g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_MALFORMED);
  g_assert_null (opened);
}

/* ---- keys ------------------------------------------------------------------------------ */

static void
test_retired_box_key (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  Org *known[] = { author, NULL };
  LiaRecipient r = recipient_of (reader, 1);
  g_autoptr (GBytes) content = random_content (500);
  g_autoptr (GBytes) old_bytes = seal_or_fail (author, &r, 1, content);
  g_autoptr (GBytes) new_bytes = NULL;
  g_autoptr (LiaKeyring) rotated = NULL;
  g_autoptr (LiaKeyring) forgetful = NULL;
  g_autoptr (LiaSecret) new_secret = lia_secret_new (crypto_box_SECRETKEYBYTES);
  g_autoptr (LiaSecret) older_secret = lia_secret_new (crypto_box_SECRETKEYBYTES);
  guint8 new_public[32], older_public[32];
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) opened = NULL;

  /* The reader rotates its X25519 key; the author has not heard yet. */
  crypto_box_keypair (new_public, new_secret->data);
  crypto_box_keypair (older_public, older_secret->data);
  rotated = lia_keyring_new (reader->sign_public, reader->sign_secret, new_public, new_secret);
  forgetful = lia_keyring_new (reader->sign_public, reader->sign_secret, new_public, new_secret);
  lia_keyring_add_retired_box_key (rotated, older_public, older_secret);
  lia_keyring_add_retired_box_key (rotated, reader->box_public, reader->box_secret);
  g_assert_cmpmem (lia_keyring_get_box_public (rotated), 32, new_public, 32);

  opened = lia_envelope_open_bytes (old_bytes, rotated, author_cb, known, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (opened, content));
  g_clear_pointer (&opened, g_bytes_unref);

  /* Without the retired key it cannot be opened. */
  opened = lia_envelope_open_bytes (old_bytes, forgetful, author_cb, known, NULL, &error);
  g_assert_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_DAMAGED);
  g_assert_null (opened);
  g_clear_error (&error);

  /* Once the author knows the new key, the current key opens it. */
  memcpy (r.box_public, new_public, 32);
  new_bytes = seal_or_fail (author, &r, 1, content);
  opened = lia_envelope_open_bytes (new_bytes, forgetful, author_cb, known, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (opened, content));
  g_clear_pointer (&opened, g_bytes_unref);
  opened = lia_envelope_open_bytes (new_bytes, rotated, author_cb, known, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (opened, content));
}

static void
test_cache (void)
{
  g_autoptr (Org) author = org_new ();
  Org *readers[3];
  LiaRecipient r[3];
  Org *known[] = { author, NULL };
  g_autoptr (GBytes) content = random_content (1024);
  g_autoptr (GBytes) first = NULL;
  g_autoptr (GBytes) second = NULL;

  for (guint i = 0; i < 3; i++)
    {
      readers[i] = org_new ();
      r[i] = recipient_of (readers[i], i);
    }
  g_assert_cmpuint (lia_keyring_get_n_computed (author->keyring), ==, 0);
  first = seal_or_fail (author, r, 3, content);
  g_assert_cmpuint (lia_keyring_get_n_computed (author->keyring), ==, 3);
  second = seal_or_fail (author, r, 3, content);
  g_assert_cmpuint (lia_keyring_get_n_computed (author->keyring), ==, 3);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (LiaKeyring) fresh = org_fresh_keyring (readers[i]);
      g_autoptr (LiaKeyring) fresh_author = org_fresh_keyring (author);
      g_autoptr (GBytes) by_fresh = NULL;
      g_autoptr (GError) error = NULL;

      /* The warm keyring and a fresh one read the same. */
      assert_opens (readers[i], known, first, content);
      assert_opens (readers[i], known, second, content);
      g_assert_cmpuint (lia_keyring_get_n_computed (readers[i]->keyring), ==, 1);
      for (guint k = 0; k < 2; k++)
        {
          g_autoptr (GBytes) opened = lia_envelope_open_bytes (k == 0 ? first : second, fresh,
                                                               author_cb, known, NULL, &error);

          g_assert_no_error (error);
          g_assert_true (g_bytes_equal (opened, content));
        }
      /* And what a fresh author keyring seals, the warm reader opens. */
      by_fresh = lia_envelope_seal (fresh_author, "record", OBJECT_ID, CASE_ID, 1, CREATED, r, 3,
                                    content, &error);
      g_assert_no_error (error);
      assert_opens (readers[i], known, by_fresh, content);
      g_assert_cmpuint (lia_keyring_get_n_computed (readers[i]->keyring), ==, 1);
    }
  for (guint i = 0; i < 3; i++)
    org_free (readers[i]);
}

/* Past its bound the cache starts again; everything still opens. */
static void
test_cache_overflow (void)
{
  g_autoptr (Org) author = org_new ();
  g_autoptr (Org) reader = org_new ();
  Org *known[] = { author, NULL };
  g_autoptr (GBytes) content = random_content (10);
  LiaRecipient r[LIA_ENVELOPE_MAX_RECIPIENTS];
  guint rounds = 1100 / (LIA_ENVELOPE_MAX_RECIPIENTS - 1) + 1;

  for (guint round = 0; round < rounds; round++)
    {
      g_autoptr (GBytes) bytes = NULL;

      r[0] = recipient_of (reader, round);
      for (guint i = 1; i < G_N_ELEMENTS (r); i++)
        {
          LiaSecret *unused = lia_secret_new (crypto_box_SECRETKEYBYTES);

          randombytes_buf (r[i].sign_public, 32);
          crypto_box_keypair (r[i].box_public, unused->data);
          lia_secret_free (unused);
          r[i].number = 1;
        }
      bytes = seal_or_fail (author, r, G_N_ELEMENTS (r), content);
      assert_opens (reader, known, bytes, content);
    }
  /* The reader's key: computed once, then again after each wipe. */
  g_assert_cmpuint (lia_keyring_get_n_computed (author->keyring), >,
                    (guint64) rounds * (LIA_ENVELOPE_MAX_RECIPIENTS - 1));
  g_assert_cmpuint (lia_keyring_get_n_computed (author->keyring), <=,
                    (guint64) rounds * LIA_ENVELOPE_MAX_RECIPIENTS);
}

int
main (int    argc,
      char **argv)
{
  lia_test_init (&argc, &argv);

  g_test_add_func ("/envelope/round-trip/one-empty", test_round_trip_one_empty);
  g_test_add_func ("/envelope/round-trip/one-largest", test_round_trip_one_largest);
  g_test_add_func ("/envelope/round-trip/three-empty", test_round_trip_three_empty);
  g_test_add_func ("/envelope/round-trip/three-small", test_round_trip_three_small);
  g_test_add_func ("/envelope/round-trip/three-largest", test_round_trip_three_largest);
  g_test_add_func ("/envelope/round-trip/no-case", test_no_case);
  g_test_add_func ("/envelope/round-trip/author-is-recipient", test_author_is_recipient);
  g_test_add_func ("/envelope/open/not-recipient", test_not_recipient);
  g_test_add_func ("/envelope/tamper/every-byte-three", test_every_byte_three);
  g_test_add_func ("/envelope/tamper/every-byte-one-empty", test_every_byte_one_empty);
  g_test_add_func ("/envelope/tamper/truncated", test_truncated);
  g_test_add_func ("/envelope/tamper/damaged", test_damaged);
  g_test_add_func ("/envelope/author/unknown", test_unknown_author);
  g_test_add_func ("/envelope/author/revoked", test_revoked_author);
  g_test_add_func ("/envelope/author/signed-by-other", test_signed_by_other);
  g_test_add_func ("/envelope/form/version", test_version_byte);
  g_test_add_func ("/envelope/form/not-normal-form", test_not_normal_form);
  g_test_add_func ("/envelope/form/duplicate-recipients", test_duplicate_recipients);
  g_test_add_func ("/envelope/form/number-limit", test_number_limit);
  g_test_add_func ("/envelope/form/weak-box-key", test_weak_box_key);
  g_test_add_func ("/envelope/limits/content", test_limits_content);
  g_test_add_func ("/envelope/limits/recipients", test_limits_recipients);
  g_test_add_func ("/envelope/limits/ids", test_limits_ids);
  g_test_add_func ("/envelope/limits/largest", test_limits_largest);
  g_test_add_func ("/envelope/keys/retired", test_retired_box_key);
  g_test_add_func ("/envelope/keys/cache", test_cache);
  g_test_add_func ("/envelope/keys/cache-overflow", test_cache_overflow);

  return g_test_run ();
}
