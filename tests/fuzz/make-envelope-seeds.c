/* make-envelope-seeds.c: writes the seed inputs of fuzz-envelope.
 *
 * Envelopes sealed by the library with the fixed keys of
 * fuzz-envelope-keys.h (so that the target's reader opens them: for it
 * alone, among others, with its retired key; and ones it cannot open: not
 * for it, from an unknown or a revoked author), and near misses that each
 * stop at a different check: wrong version, truncated, a header length
 * off by one, a header not in normal form, over-long ids, duplicate
 * recipients, a damaged content or wrapped key, a weak author key; those
 * that lie behind the signature are signed again by the author. Nonces and
 * keys are random, so each run writes different bytes; the committed
 * corpus is one such run.
 *
 *   ninja -C BUILD tests/fuzz/make-envelope-seeds
 *   BUILD/tests/fuzz/make-envelope-seeds tests/fuzz/corpus/envelope
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "fuzz-envelope-keys.h"
#include "lia-envelope.h"

#define PREFIX     8
#define NONCE      24
#define TAG        16
#define SIGNATURE  64
#define WRAPPED    48
#define OBJECT_ID  "6f1c2a4e-0b7d-4c35-9a8e-2f4d5b6c7d8e"
#define CASE_ID    "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"
#define CREATED    G_GINT64_CONSTANT (1795000000000000)

static const char *out_dir;
static FuzzOrg orgs[FUZZ_N_ORGS];
static FuzzOrg retired;

static G_GNUC_NORETURN void
die (const char *message)
{
  fprintf (stderr, "make-envelope-seeds: %s\n", message);
  exit (1);
}

static void
save (const char   *name,
      const guint8 *data,
      gsize         len)
{
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (path, (const char *) data, len, &error))
    die (error->message);
}

static LiaRecipient
recipient (const FuzzOrg *org,
           guint64        number)
{
  LiaRecipient r;

  memcpy (r.sign_public, org->sign_public, 32);
  memcpy (r.box_public, org->box_public, 32);
  r.number = number;
  return r;
}

static GBytes *
content_of (gsize len)
{
  guint8 *data = g_malloc (MAX (len, (gsize) 1));

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) ("Chronology entry: home visit, concerns noted. "[i % 46]);
  return g_bytes_new_take (data, len);
}

static GByteArray *
seal (const FuzzOrg      *author,
      const char         *kind,
      const LiaRecipient *recipients,
      guint               n,
      gsize               content_len)
{
  g_autoptr (LiaKeyring) keyring = lia_keyring_new (author->sign_public, author->sign_secret,
                                                    author->box_public, author->box_secret);
  g_autoptr (GBytes) content = content_of (content_len);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = lia_envelope_seal (keyring, kind, OBJECT_ID, CASE_ID, 2, CREATED,
                                                recipients, n, content, &error);
  GByteArray *out = g_byte_array_new ();

  if (bytes == NULL)
    die (error->message);
  g_byte_array_append (out, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return out;
}

static void
resign (GByteArray *bytes)
{
  crypto_sign_detached (bytes->data + bytes->len - SIGNATURE, NULL, bytes->data,
                        bytes->len - SIGNATURE, orgs[FUZZ_ORG_AUTHOR].sign_secret->data);
}

static void
save_array (const char *name,
            GByteArray *bytes)
{
  save (name, bytes->data, bytes->len);
}

/* Saves @base with the byte at @offset XORed with @mask, re-signed if
 * @fix. */
static void
save_changed (const char *name,
              GByteArray *base,
              gsize       offset,
              guint8      mask,
              gboolean    fix)
{
  g_autoptr (GByteArray) copy = g_byte_array_new ();

  g_byte_array_append (copy, base->data, base->len);
  copy->data[offset] ^= mask;
  if (fix)
    resign (copy);
  save_array (name, copy);
}

static GVariant *
byte_array (const guint8 *data,
            gsize         len)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1);
}

/* An envelope from the author with @header and an empty content that no
 * key opens, signed. */
static void
save_forged (const char *name,
             GVariant   *header)
{
  g_autoptr (GVariant) owned = g_variant_ref_sink (header);
  gsize header_len = g_variant_get_size (owned);
  g_autoptr (GByteArray) out = g_byte_array_new ();

  g_byte_array_set_size (out, PREFIX + header_len + NONCE + TAG + SIGNATURE);
  memset (out->data, 0, out->len);
  out->data[0] = LIA_ENVELOPE_FORMAT_VERSION;
  out->data[4] = header_len & 0xff;
  out->data[5] = (header_len >> 8) & 0xff;
  g_variant_store (owned, out->data + PREFIX);
  resign (out);
  save_array (name, out);
}

static GVariant *
header_for (const char   *kind,
            const char   *object_id,
            const guint8 *author_box,
            const guint8 *keys,
            guint         n)
{
  guint64 numbers[4] = { 1, 2, 3, 4 };
  guint8 nonces[4 * NONCE] = { 0 }, wrapped[4 * WRAPPED] = { 0 };

  g_assert (n <= 4);
  return g_variant_new ("(sssux@ay@ay@ay@at@ay@ay)", kind, object_id, CASE_ID, 2, CREATED,
                        byte_array (orgs[FUZZ_ORG_AUTHOR].sign_public, 32),
                        byte_array (author_box, 32), byte_array (keys, 32 * n),
                        g_variant_new_fixed_array (G_VARIANT_TYPE_UINT64, numbers, n,
                                                   sizeof (guint64)),
                        byte_array (nonces, n * NONCE), byte_array (wrapped, n * WRAPPED));
}

int
main (int    argc,
      char **argv)
{
  FuzzOrg *author = &orgs[FUZZ_ORG_AUTHOR], *reader = &orgs[FUZZ_ORG_READER];
  FuzzOrg *other = &orgs[FUZZ_ORG_OTHER];
  g_autoptr (GByteArray) one = NULL;
  g_autoptr (GByteArray) three = NULL;
  guint32 header_len;

  if (argc != 2)
    {
      fprintf (stderr, "usage: %s DIRECTORY\n", argv[0]);
      return 2;
    }
  out_dir = argv[1];
  lia_crypto_init ();
  for (guint i = 0; i < FUZZ_N_ORGS; i++)
    fuzz_org_init (&orgs[i], i, FALSE);
  fuzz_org_init (&retired, FUZZ_ORG_READER, TRUE);

  /* Envelopes the reader opens. */
  {
    LiaRecipient r[] = { recipient (reader, 1) };

    one = seal (author, "record", r, 1, 0);
    save_array ("valid-one-empty", one);
  }
  {
    LiaRecipient r[] = { recipient (other, 7), recipient (reader, 12), recipient (author, 3) };

    three = seal (author, "record", r, 3, 700);
    save_array ("valid-three", three);
  }
  {
    /* The reader's identity with its X25519 key from before a rotation. */
    LiaRecipient r[] = { recipient (&retired, 5) };
    g_autoptr (GByteArray) old = seal (author, "key-rotation", r, 1, 40);

    save_array ("valid-retired-key", old);
  }
  {
    LiaRecipient r[LIA_ENVELOPE_MAX_RECIPIENTS];
    g_autoptr (GByteArray) many = NULL;

    r[0] = recipient (reader, G_MAXINT64);
    for (guint i = 1; i < G_N_ELEMENTS (r); i++)
      {
        r[i] = recipient (other, i);
        r[i].sign_public[0] = (guint8) i;
        r[i].sign_public[1] ^= 0x5a;
      }
    many = seal (author, "destruction-receipt", r, G_N_ELEMENTS (r), 3000);
    save_array ("valid-64-recipients", many);
  }

  /* Envelopes it cannot open. */
  {
    LiaRecipient r[] = { recipient (other, 1), recipient (author, 1) };
    g_autoptr (GByteArray) not_for = seal (author, "record", r, 2, 100);
    g_autoptr (GByteArray) unknown = NULL;
    g_autoptr (GByteArray) revoked = NULL;
    LiaRecipient to_reader[] = { recipient (reader, 1) };

    save_array ("not-for-reader", not_for);
    unknown = seal (other, "record", to_reader, 1, 100);
    save_array ("unknown-author", unknown);
    revoked = seal (&orgs[FUZZ_ORG_REVOKED], "record", to_reader, 1, 100);
    save_array ("revoked-author", revoked);
  }

  /* Near misses of the three-recipient envelope. */
  header_len = three->data[4] | (three->data[5] << 8);
  save ("empty", three->data, 0);
  save ("version-only", three->data, 1);
  save ("prefix-only", three->data, PREFIX);
  save ("truncated-header", three->data, PREFIX + header_len - 1);
  save ("truncated-signature", three->data, three->len - 1);
  save_changed ("version-2", three, 0, 0x03, TRUE);
  save_changed ("reserved-nonzero", three, 2, 0x01, TRUE);
  save_changed ("header-length-plus-one", three, 4, 0x01, TRUE);
  save_changed ("bad-signature", three, three->len - 10, 0x01, FALSE);
  save_changed ("changed-kind", three, PREFIX + 1, 0x01, FALSE);
  /* After "record\0" and two 37-byte ids comes padding before the version. */
  save_changed ("padding-nonzero", three, PREFIX + 7 + 37 + 37, 0x01, TRUE);
  save_changed ("string-unterminated", three, PREFIX + 6, 0x41, TRUE);
  save_changed ("damaged-content", three, PREFIX + header_len + NONCE + 3, 0x01, TRUE);
  save_changed ("damaged-content-nonce", three, PREFIX + header_len, 0x01, TRUE);
  save_changed ("damaged-version-field", three, PREFIX + 7 + 37 + 37 + 3, 0x01, TRUE);
  /* The reader is the second recipient: damage its wrapped key (found
   * through GVariant, which knows where the header's last array lies). */
  {
    g_autoptr (GBytes) header_bytes = g_bytes_new (three->data + PREFIX, header_len);
    g_autoptr (GVariant) header = g_variant_ref_sink (
      g_variant_new_from_bytes (G_VARIANT_TYPE (LIA_ENVELOPE_HEADER_TYPE), header_bytes, FALSE));
    g_autoptr (GVariant) wrapped = g_variant_get_child_value (header, 10);
    gsize at = (const guint8 *) g_variant_get_data (wrapped)
               - (const guint8 *) g_bytes_get_data (header_bytes, NULL);

    save_changed ("damaged-wrapped-key", three, PREFIX + at + WRAPPED + 5, 0x01, TRUE);
  }

  /* Headers that the author signed but that break a rule. */
  {
    g_autofree char *long_id = g_strnfill (LIA_ENVELOPE_MAX_ID + 1, 'x');
    g_autofree char *long_kind = g_strnfill (LIA_ENVELOPE_MAX_KIND + 1, 'k');
    guint8 keys[4 * 32];
    static const guint8 zero[32] = { 0 };

    memcpy (keys, reader->sign_public, 32);
    memcpy (keys + 32, other->sign_public, 32);
    memcpy (keys + 64, reader->sign_public, 32);
    save_forged ("duplicate-recipients", header_for ("record", OBJECT_ID, author->box_public,
                                                     keys, 3));
    save_forged ("no-recipients", header_for ("record", OBJECT_ID, author->box_public, keys, 0));
    save_forged ("long-object-id", header_for ("record", long_id, author->box_public, keys, 1));
    save_forged ("long-kind", header_for (long_kind, OBJECT_ID, author->box_public, keys, 1));
    save_forged ("bad-kind", header_for ("Record", OBJECT_ID, author->box_public, keys, 1));
    save_forged ("space-in-id", header_for ("record", "an id", author->box_public, keys, 1));
    save_forged ("weak-author-box-key", header_for ("record", OBJECT_ID, zero, keys, 1));
    save_forged ("unopenable-wrapped-key", header_for ("record", OBJECT_ID, author->box_public,
                                                      keys, 1));
    save_forged ("wrong-type", g_variant_new ("(ss)", "record", OBJECT_ID));
  }

  for (guint i = 0; i < FUZZ_N_ORGS; i++)
    fuzz_org_clear (&orgs[i]);
  fuzz_org_clear (&retired);
  return 0;
}
