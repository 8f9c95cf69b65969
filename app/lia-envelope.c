/* lia-envelope.c: the end-to-end envelope; the layout is in lia-envelope.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "lia-envelope.h"
#include "lia-identity.h"

G_DEFINE_QUARK (lia-envelope-error-quark, lia_envelope_error)

#define PREFIX_BYTES     8    /* format version, three zero bytes, header length */
#define NONCE_BYTES      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES        crypto_aead_xchacha20poly1305_ietf_ABYTES
#define CONTENT_KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define WRAPPED_BYTES    (CONTENT_KEY_BYTES + crypto_box_MACBYTES)
#define SIGNATURE_BYTES  crypto_sign_BYTES
#define PAIRWISE_BYTES   crypto_box_BEFORENMBYTES
/* The smallest envelope: prefix, a header of at least one byte, the
 * content nonce, an empty content's tag and the signature. */
#define MIN_ENVELOPE     (PREFIX_BYTES + 1 + NONCE_BYTES + TAG_BYTES + SIGNATURE_BYTES)

G_STATIC_ASSERT (LIA_ENVELOPE_KEY_BYTES == crypto_sign_PUBLICKEYBYTES);
G_STATIC_ASSERT (LIA_ENVELOPE_KEY_BYTES == crypto_box_PUBLICKEYBYTES);
G_STATIC_ASSERT (CONTENT_KEY_BYTES == 32);
/* One buffer of nonces serves the content and the wrapped keys. */
G_STATIC_ASSERT (NONCE_BYTES == crypto_box_NONCEBYTES);
G_STATIC_ASSERT (LIA_ENVELOPE_HASH_BYTES <= crypto_generichash_BYTES_MAX);
/* The largest envelope the content limit allows fits under the size limit. */
G_STATIC_ASSERT (PREFIX_BYTES + LIA_ENVELOPE_MAX_HEADER + NONCE_BYTES + LIA_ENVELOPE_MAX_CONTENT
                 + TAG_BYTES + SIGNATURE_BYTES <= LIA_ENVELOPE_MAX_SIZE);

/* ---- the keyring ------------------------------------------------------------ */

/* A peer may change its X25519 key, and a known author can put any key it
 * likes in its headers; the cache must not grow without end. 1,024 peers
 * per key pair is far beyond the organisations of any case; past it the
 * cache is wiped and starts again. */
#define MAX_PAIRWISE     1024
#define FIRST_CAPACITY   8

/* An entry of a pairwise-key cache: the peer's X25519 public key (public,
 * so in ordinary memory) and the slot of its pairwise key. The hash is
 * SipHash under a random per-keyring key, computed before the lookup,
 * because the peers' keys come from envelopes: a known author could
 * otherwise choose keys that pile into one bucket. */
typedef struct
{
  guint  hash;
  guint  slot;
  guint8 peer_public[LIA_ENVELOPE_KEY_BYTES];
} PairwiseEntry;

/* One X25519 key pair of this organisation, with the pairwise keys
 * computed with it. */
typedef struct
{
  guint8      box_public[LIA_ENVELOPE_KEY_BYTES];
  LiaSecret  *box_secret;   /* owned, 32 bytes */
  GHashTable *entries;      /* owned: PairwiseEntry (owned, key and value alike) */
  /* owned: room for @capacity pairwise keys, one slot of PAIRWISE_BYTES
   * each. One sodium_malloc() for many keys, because each one costs guard
   * pages and a locked page of its own. */
  LiaSecret  *pairwise;
  guint       capacity;
} BoxKey;

struct _LiaKeyring
{
  /* Held while the cache or the scratch key is in use: seal and open may
   * be called from different threads. */
  GMutex      lock;
  guint8      sign_public[LIA_ENVELOPE_KEY_BYTES];
  LiaSecret  *sign_secret;    /* owned, 64 bytes */
  /* owned: BoxKey, the current key pair first, then the retired ones,
   * the most recently retired first */
  GPtrArray  *box_keys;
  LiaSecret  *hash_key;       /* owned, crypto_shorthash key of the caches */
  /* owned: where a content key is made or unwrapped, so that it is never
   * in ordinary memory; wiped after each use */
  LiaSecret  *content_key;
  guint64     n_computed;
};

static guint
entry_hash (gconstpointer key)
{
  return ((const PairwiseEntry *) key)->hash;
}

static gboolean
entry_equal (gconstpointer a,
             gconstpointer b)
{
  return memcmp (((const PairwiseEntry *) a)->peer_public,
                 ((const PairwiseEntry *) b)->peer_public, LIA_ENVELOPE_KEY_BYTES) == 0;
}

static BoxKey *
box_key_new (const guint8    *box_public,
             const LiaSecret *box_secret)
{
  BoxKey *key = g_new0 (BoxKey, 1);

  memcpy (key->box_public, box_public, LIA_ENVELOPE_KEY_BYTES);
  key->box_secret = lia_secret_copy (box_secret);
  key->entries = g_hash_table_new_full (entry_hash, entry_equal, g_free, NULL);
  return key;
}

static void
box_key_free (gpointer data)
{
  BoxKey *key = data;

  lia_secret_free (key->box_secret);
  lia_secret_free (key->pairwise);
  g_hash_table_unref (key->entries);
  g_free (key);
}

static gboolean
key_pair_matches (const guint8    *box_public,
                  const LiaSecret *box_secret)
{
  guint8 derived[crypto_scalarmult_BYTES];

  return box_secret->len == crypto_box_SECRETKEYBYTES
         && crypto_scalarmult_base (derived, box_secret->data) == 0
         && memcmp (derived, box_public, sizeof derived) == 0;
}

LiaKeyring *
lia_keyring_new (const guint8    *sign_public,
                 const LiaSecret *sign_secret,
                 const guint8    *box_public,
                 const LiaSecret *box_secret)
{
  LiaKeyring *self;

  g_return_val_if_fail (sign_public != NULL && sign_secret != NULL, NULL);
  g_return_val_if_fail (box_public != NULL && box_secret != NULL, NULL);
  /* libsodium keeps the public key in the second half of an Ed25519
   * secret key: a mismatch means the caller mixed up two organisations. */
  g_return_val_if_fail (sign_secret->len == crypto_sign_SECRETKEYBYTES
                        && memcmp (sign_secret->data + crypto_sign_SECRETKEYBYTES
                                   - crypto_sign_PUBLICKEYBYTES,
                                   sign_public, crypto_sign_PUBLICKEYBYTES) == 0, NULL);
  lia_crypto_init ();
  g_return_val_if_fail (key_pair_matches (box_public, box_secret), NULL);

  self = g_new0 (LiaKeyring, 1);
  g_mutex_init (&self->lock);
  memcpy (self->sign_public, sign_public, LIA_ENVELOPE_KEY_BYTES);
  self->sign_secret = lia_secret_copy (sign_secret);
  self->box_keys = g_ptr_array_new_with_free_func (box_key_free);
  g_ptr_array_add (self->box_keys, box_key_new (box_public, box_secret));
  self->hash_key = lia_secret_new (crypto_shorthash_KEYBYTES);
  randombytes_buf (self->hash_key->data, self->hash_key->len);
  self->content_key = lia_secret_new (CONTENT_KEY_BYTES);
  return self;
}

void
lia_keyring_add_retired_box_key (LiaKeyring      *self,
                                 const guint8    *box_public,
                                 const LiaSecret *box_secret)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (box_public != NULL && box_secret != NULL);
  g_return_if_fail (key_pair_matches (box_public, box_secret));

  g_mutex_lock (&self->lock);
  /* After the current key, before the older retired ones. */
  g_ptr_array_insert (self->box_keys, 1, box_key_new (box_public, box_secret));
  g_mutex_unlock (&self->lock);
}

const guint8 *
lia_keyring_get_sign_public (LiaKeyring *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->sign_public;
}

const guint8 *
lia_keyring_get_box_public (LiaKeyring *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return ((BoxKey *) g_ptr_array_index (self->box_keys, 0))->box_public;
}

guint64
lia_keyring_get_n_computed (LiaKeyring *self)
{
  guint64 n;

  g_return_val_if_fail (self != NULL, 0);
  g_mutex_lock (&self->lock);
  n = self->n_computed;
  g_mutex_unlock (&self->lock);
  return n;
}

void
lia_keyring_free (LiaKeyring *self)
{
  if (self == NULL)
    return;
  /* Each LiaSecret is wiped by sodium_free(). */
  g_ptr_array_unref (self->box_keys);
  lia_secret_free (self->sign_secret);
  lia_secret_free (self->hash_key);
  lia_secret_free (self->content_key);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* The pairwise key of @key and @peer_public, from the cache or computed
 * and cached; NULL if @peer_public is a point that gives no key (one of
 * small order). Called with the keyring's lock held; the pointer is valid
 * until the next call for the same @key. */
static const guint8 *
pairwise_key (LiaKeyring   *self,
              BoxKey       *key,
              const guint8 *peer_public)
{
  PairwiseEntry lookup;
  PairwiseEntry *entry;
  guint64 hash;

  crypto_shorthash ((guint8 *) &hash, peer_public, LIA_ENVELOPE_KEY_BYTES, self->hash_key->data);
  lookup.hash = (guint) hash;
  memcpy (lookup.peer_public, peer_public, LIA_ENVELOPE_KEY_BYTES);
  entry = g_hash_table_lookup (key->entries, &lookup);
  if (entry != NULL)
    return key->pairwise->data + (gsize) entry->slot * PAIRWISE_BYTES;

  if (g_hash_table_size (key->entries) == MAX_PAIRWISE)
    {
      g_hash_table_remove_all (key->entries);
      sodium_memzero (key->pairwise->data, key->pairwise->len);
    }
  if (g_hash_table_size (key->entries) == key->capacity)
    {
      guint capacity = key->capacity == 0 ? FIRST_CAPACITY : key->capacity * 2;
      LiaSecret *grown = lia_secret_new ((gsize) capacity * PAIRWISE_BYTES);

      if (key->pairwise != NULL)
        memcpy (grown->data, key->pairwise->data, key->pairwise->len);
      lia_secret_free (key->pairwise);
      key->pairwise = grown;
      key->capacity = capacity;
    }

  lookup.slot = g_hash_table_size (key->entries);
  self->n_computed++;
  if (crypto_box_beforenm (key->pairwise->data + (gsize) lookup.slot * PAIRWISE_BYTES,
                           peer_public, key->box_secret->data) != 0)
    return NULL;
  entry = g_memdup2 (&lookup, sizeof lookup);
  g_hash_table_add (key->entries, entry);
  return key->pairwise->data + (gsize) entry->slot * PAIRWISE_BYTES;
}

/* ---- checks shared by sealing and parsing ---------------------------------- */

static gboolean
check_kind (const char *kind,
            gsize       len,
            GError    **error)
{
  if (len > LIA_ENVELOPE_MAX_KIND)
    {
      g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_TOO_LARGE,
                   "The envelope's kind is %" G_GSIZE_FORMAT " bytes long; at most %u are "
                   "allowed", len, LIA_ENVELOPE_MAX_KIND);
      return FALSE;
    }
  if (len == 0)
    {
      g_set_error_literal (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_MALFORMED,
                           "The envelope has no kind");
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      char c = kind[i];

      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
        {
          g_set_error_literal (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_MALFORMED,
                               "The envelope's kind may only hold lower-case letters, digits "
                               "and hyphens");
          return FALSE;
        }
    }
  return TRUE;
}

/* Ids are quoted in messages and logs and kept in the store as text:
 * printable ASCII without spaces (what the model makes is UUIDs). */
static gboolean
check_id (const char *what,
          const char *id,
          gsize       len,
          gboolean    may_be_empty,
          GError    **error)
{
  if (len > LIA_ENVELOPE_MAX_ID)
    {
      g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_TOO_LARGE,
                   "The envelope's %s is %" G_GSIZE_FORMAT " bytes long; at most %u are "
                   "allowed", what, len, LIA_ENVELOPE_MAX_ID);
      return FALSE;
    }
  if (len == 0 && !may_be_empty)
    {
      g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_MALFORMED,
                   "The envelope has no %s", what);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      if (id[i] < '!' || id[i] > '~')
        {
          g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_MALFORMED,
                       "The envelope's %s holds a character other than printable ASCII "
                       "(spaces and control characters are not allowed)", what);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_n_recipients (gsize    n,
                    GError **error)
{
  if (n == 0)
    {
      g_set_error_literal (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_MALFORMED,
                           "The envelope has no recipients");
      return FALSE;
    }
  if (n > LIA_ENVELOPE_MAX_RECIPIENTS)
    {
      g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_TOO_LARGE,
                   "The envelope has %" G_GSIZE_FORMAT " recipients; at most %u are allowed",
                   n, LIA_ENVELOPE_MAX_RECIPIENTS);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_number (guint64  number,
              GError **error)
{
  if (number > (guint64) G_MAXINT64)
    {
      g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_MALFORMED,
                   "A recipient's envelope number, %" G_GUINT64_FORMAT ", is over the "
                   "largest allowed (%" G_GINT64_FORMAT ")", number, G_MAXINT64);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_content_size (gsize    size,
                    GError **error)
{
  if (size > LIA_ENVELOPE_MAX_CONTENT)
    {
      g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_TOO_LARGE,
                   "The envelope's content is %" G_GSIZE_FORMAT " bytes; at most %u are "
                   "allowed", size, LIA_ENVELOPE_MAX_CONTENT);
      return FALSE;
    }
  return TRUE;
}

static void
set_duplicate_error (const guint8 *sign_public,
                     GError      **error)
{
  g_autofree char *fingerprint = lia_identity_fingerprint (sign_public);

  g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_MALFORMED,
               "The envelope names the recipient %s more than once", fingerprint);
}

static void
put_le32 (guint8 *p, guint32 v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = v >> 24;
}

static guint32
get_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

/* ---- the header ------------------------------------------------------------------ */

/* The fields of LIA_ENVELOPE_HEADER_TYPE, in order. */
enum
{
  FIELD_KIND,
  FIELD_OBJECT_ID,
  FIELD_CASE_ID,
  FIELD_VERSION,
  FIELD_CREATED,
  FIELD_AUTHOR_SIGN,
  FIELD_AUTHOR_BOX,
  FIELD_RECIPIENT_KEYS,
  FIELD_NUMBERS,
  FIELD_WRAP_NONCES,
  FIELD_WRAPPED_KEYS,
  N_FIELDS
};

/* GVariant serialises in the host's byte order and the format is
 * little-endian: a big-endian host swaps the header on the way in and
 * out. (Only the numbers, version and created change; the byte arrays
 * are left as they are.) */
static GVariant *
to_wire_order (GVariant *header)
{
  if (G_BYTE_ORDER == G_BIG_ENDIAN)
    {
      GVariant *swapped = g_variant_byteswap (header);

      g_variant_unref (header);
      return swapped;
    }
  return header;
}

static GVariant *
new_byte_array (const guint8 *data,
                gsize         len)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1);
}

/* ---- sealing ------------------------------------------------------------------- */

GBytes *
lia_envelope_seal (LiaKeyring         *keyring,
                   const char         *kind,
                   const char         *object_id,
                   const char         *case_id,
                   guint32             version,
                   gint64              created,
                   const LiaRecipient *recipients,
                   guint               n_recipients,
                   GBytes             *content,
                   GError            **error)
{
  BoxKey *own;
  g_autoptr (GVariant) header = NULL;
  /* The content nonce, then one nonce per wrapped key in recipient order:
   * one call to the random source for all of them. */
  g_autofree guint8 *nonces = NULL;
  g_autofree guint8 *keys = NULL;
  g_autofree guint64 *numbers = NULL;
  g_autofree guint8 *wrapped = NULL;
  GVariant *fields[N_FIELDS];
  guint8 box_public[LIA_ENVELOPE_KEY_BYTES];
  const guint8 *plain;
  gsize plain_len, header_len, total, content_at;
  guint8 *out;
  unsigned long long ciphertext_len;

  g_return_val_if_fail (keyring != NULL, NULL);
  g_return_val_if_fail (kind != NULL && object_id != NULL, NULL);
  g_return_val_if_fail (recipients != NULL || n_recipients == 0, NULL);
  g_return_val_if_fail (content != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (case_id == NULL)
    case_id = "";
  plain = g_bytes_get_data (content, &plain_len);
  if (!check_kind (kind, strlen (kind), error)
      || !check_id ("object id", object_id, strlen (object_id), FALSE, error)
      || !check_id ("case id", case_id, strlen (case_id), TRUE, error)
      || !check_n_recipients (n_recipients, error)
      || !check_content_size (plain_len, error))
    return NULL;

  keys = g_malloc ((gsize) n_recipients * LIA_ENVELOPE_KEY_BYTES);
  numbers = g_new (guint64, n_recipients);
  for (guint i = 0; i < n_recipients; i++)
    {
      if (!check_number (recipients[i].number, error))
        return NULL;
      for (guint j = 0; j < i; j++)
        if (memcmp (recipients[i].sign_public, recipients[j].sign_public,
                    LIA_ENVELOPE_KEY_BYTES) == 0)
          {
            set_duplicate_error (recipients[i].sign_public, error);
            return NULL;
          }
      memcpy (keys + (gsize) i * LIA_ENVELOPE_KEY_BYTES, recipients[i].sign_public,
              LIA_ENVELOPE_KEY_BYTES);
      numbers[i] = recipients[i].number;
    }

  nonces = g_malloc ((gsize) (n_recipients + 1) * NONCE_BYTES);
  randombytes_buf (nonces, (gsize) (n_recipients + 1) * NONCE_BYTES);
  wrapped = g_malloc ((gsize) n_recipients * WRAPPED_BYTES);

  g_mutex_lock (&keyring->lock);
  own = g_ptr_array_index (keyring->box_keys, 0);
  memcpy (box_public, own->box_public, sizeof box_public);
  randombytes_buf (keyring->content_key->data, CONTENT_KEY_BYTES);
  for (guint i = 0; i < n_recipients; i++)
    {
      const guint8 *k = pairwise_key (keyring, own, recipients[i].box_public);

      if (k == NULL)
        {
          g_autofree char *fingerprint = lia_identity_fingerprint (recipients[i].sign_public);

          sodium_memzero (keyring->content_key->data, CONTENT_KEY_BYTES);
          g_mutex_unlock (&keyring->lock);
          g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_MALFORMED,
                       "The envelope key of the recipient %s is not a usable X25519 key; "
                       "ask that organisation for a new invite", fingerprint);
          return NULL;
        }
      crypto_box_easy_afternm (wrapped + (gsize) i * WRAPPED_BYTES, keyring->content_key->data,
                               CONTENT_KEY_BYTES, nonces + (gsize) (i + 1) * NONCE_BYTES, k);
    }
  g_mutex_unlock (&keyring->lock);

  fields[FIELD_KIND] = g_variant_new_string (kind);
  fields[FIELD_OBJECT_ID] = g_variant_new_string (object_id);
  fields[FIELD_CASE_ID] = g_variant_new_string (case_id);
  fields[FIELD_VERSION] = g_variant_new_uint32 (version);
  fields[FIELD_CREATED] = g_variant_new_int64 (created);
  fields[FIELD_AUTHOR_SIGN] = new_byte_array (keyring->sign_public, LIA_ENVELOPE_KEY_BYTES);
  fields[FIELD_AUTHOR_BOX] = new_byte_array (box_public, LIA_ENVELOPE_KEY_BYTES);
  fields[FIELD_RECIPIENT_KEYS] = new_byte_array (keys,
                                                 (gsize) n_recipients * LIA_ENVELOPE_KEY_BYTES);
  fields[FIELD_NUMBERS] = g_variant_new_fixed_array (G_VARIANT_TYPE_UINT64, numbers, n_recipients,
                                                     sizeof (guint64));
  fields[FIELD_WRAP_NONCES] = new_byte_array (nonces + NONCE_BYTES,
                                              (gsize) n_recipients * NONCE_BYTES);
  fields[FIELD_WRAPPED_KEYS] = new_byte_array (wrapped, (gsize) n_recipients * WRAPPED_BYTES);
  header = to_wire_order (g_variant_ref_sink (g_variant_new_tuple (fields, N_FIELDS)));
  /* g_variant_store() writes the size that g_variant_get_size() works
   * out; it must be asked first. */
  header_len = g_variant_get_size (header);
  g_assert (header_len <= LIA_ENVELOPE_MAX_HEADER);

  content_at = PREFIX_BYTES + header_len + NONCE_BYTES;
  total = content_at + plain_len + TAG_BYTES + SIGNATURE_BYTES;
  g_assert (total <= LIA_ENVELOPE_MAX_SIZE);
  out = g_malloc (total);
  out[0] = LIA_ENVELOPE_FORMAT_VERSION;
  out[1] = out[2] = out[3] = 0;
  put_le32 (out + 4, (guint32) header_len);
  g_variant_store (header, out + PREFIX_BYTES);
  memcpy (out + PREFIX_BYTES + header_len, nonces, NONCE_BYTES);

  g_mutex_lock (&keyring->lock);
  crypto_aead_xchacha20poly1305_ietf_encrypt (out + content_at, &ciphertext_len, plain, plain_len,
                                              out, PREFIX_BYTES + header_len, NULL, nonces,
                                              keyring->content_key->data);
  sodium_memzero (keyring->content_key->data, CONTENT_KEY_BYTES);
  g_mutex_unlock (&keyring->lock);
  g_assert (ciphertext_len == plain_len + TAG_BYTES);

  crypto_sign_detached (out + total - SIGNATURE_BYTES, NULL, out, total - SIGNATURE_BYTES,
                        keyring->sign_secret->data);
  return g_bytes_new_take (out, total);
}

/* ---- parsing ---------------------------------------------------------------------- */

struct _LiaEnvelope
{
  GBytes        *bytes;           /* owned */
  const guint8  *data;            /* borrowed from @bytes */
  gsize          len;
  /* owned. Every string and array below points into its serialised
   * bytes, which it keeps. */
  GVariant      *header;
  gsize          header_len;
  const char    *kind;
  const char    *object_id;
  const char    *case_id;
  guint32        version;
  gint64         created;
  const guint8  *author_sign;
  const guint8  *author_box;
  guint          n_recipients;
  const guint8  *recipient_keys;  /* n_recipients × 32 bytes */
  const guint64 *numbers;         /* n_recipients */
  const guint8  *wrap_nonces;     /* n_recipients × 24 bytes */
  const guint8  *wrapped_keys;    /* n_recipients × 48 bytes */
  const guint8  *content_nonce;   /* in @data */
  const guint8  *ciphertext;      /* in @data */
  gsize          ciphertext_len;
  const guint8  *signature;       /* in @data */
  gboolean       verified;
  gboolean       hashed;
  guint8         hash[LIA_ENVELOPE_HASH_BYTES];
};

static void
set_malformed (GError    **error,
               const char *message)
{
  g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_MALFORMED,
               "Not a valid envelope: %s", message);
}

/* Field @index of a header in normal form. A child of a serialised
 * GVariant is a view of its parent's bytes, so what these return lives as
 * long as @header does, after the child itself is gone. */
static const char *
header_string (GVariant *header,
               gsize     index,
               gsize    *len)
{
  g_autoptr (GVariant) child = g_variant_get_child_value (header, index);

  return g_variant_get_string (child, len);
}

static gconstpointer
header_array (GVariant *header,
              gsize     index,
              gsize     element_size,
              gsize    *n)
{
  g_autoptr (GVariant) child = g_variant_get_child_value (header, index);

  return g_variant_get_fixed_array (child, n, element_size);
}

LiaEnvelope *
lia_envelope_parse (GBytes  *bytes,
                    GError **error)
{
  const guint8 *data;
  gsize len, header_len, ciphertext_len, n, kind_len, object_id_len, case_id_len;
  gsize n_keys, n_numbers, n_nonces, n_wrapped, n_sign, n_box;
  g_autoptr (GBytes) header_bytes = NULL;
  g_autoptr (LiaEnvelope) env = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    {
      set_malformed (error, "it is empty");
      return NULL;
    }
  /* Before any other check: another version may have other limits. */
  if (data[0] != LIA_ENVELOPE_FORMAT_VERSION)
    {
      g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_VERSION,
                   "The envelope has format version %u, which this version of Liaison does "
                   "not know (it knows version %u); the sender may use a newer Liaison",
                   data[0], LIA_ENVELOPE_FORMAT_VERSION);
      return NULL;
    }
  if (len > LIA_ENVELOPE_MAX_SIZE)
    {
      g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_TOO_LARGE,
                   "The envelope is %" G_GSIZE_FORMAT " bytes; at most %u are allowed",
                   len, LIA_ENVELOPE_MAX_SIZE);
      return NULL;
    }
  if (len < MIN_ENVELOPE)
    {
      g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_MALFORMED,
                   "Not a valid envelope: it is only %" G_GSIZE_FORMAT " byte%s long, "
                   "truncated or not an envelope at all", len, len == 1 ? "" : "s");
      return NULL;
    }
  if (data[1] != 0 || data[2] != 0 || data[3] != 0)
    {
      set_malformed (error, "bytes that must be zero are not");
      return NULL;
    }

  header_len = get_le32 (data + 4);
  if (header_len > LIA_ENVELOPE_MAX_HEADER)
    {
      g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_TOO_LARGE,
                   "The envelope's header is %" G_GSIZE_FORMAT " bytes; at most %u are allowed",
                   header_len, LIA_ENVELOPE_MAX_HEADER);
      return NULL;
    }
  /* Every term is under 2^20 here: no overflow. */
  if (header_len == 0
      || PREFIX_BYTES + header_len + NONCE_BYTES + TAG_BYTES + SIGNATURE_BYTES > len)
    {
      g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_MALFORMED,
                   "Not a valid envelope: its header length (%" G_GSIZE_FORMAT " bytes) does "
                   "not fit its size (%" G_GSIZE_FORMAT " bytes); it is truncated or damaged",
                   header_len, len);
      return NULL;
    }
  ciphertext_len = len - (PREFIX_BYTES + header_len + NONCE_BYTES + SIGNATURE_BYTES);
  if (!check_content_size (ciphertext_len - TAG_BYTES, error))
    return NULL;

  env = g_new0 (LiaEnvelope, 1);
  env->bytes = g_bytes_ref (bytes);
  env->data = data;
  env->len = len;
  env->header_len = header_len;

  /* Not trusted: GVariant checks every offset as it reads, and normal form
   * (one serialisation per value: no overlapping or out-of-order offsets,
   * no stray padding, valid nul-terminated UTF-8 strings) is required so
   * that the signed bytes have one meaning only. GVariant copies the header
   * if it is not aligned in memory; at offset 8 of a GBytes from malloc()
   * it is. */
  header_bytes = g_bytes_new_from_bytes (bytes, PREFIX_BYTES, header_len);
  env->header = g_variant_ref_sink (
    g_variant_new_from_bytes (G_VARIANT_TYPE (LIA_ENVELOPE_HEADER_TYPE), header_bytes, FALSE));
  if (!g_variant_is_normal_form (env->header))
    {
      set_malformed (error, "its header is not in GVariant normal form");
      return NULL;
    }
  /* Checked once: from here on GVariant may read it as trusted, instead
   * of checking each value again whenever one is read (the sync engine's
   * storing thread spent a twentieth of its time on that). */
  g_variant_unref (env->header);
  env->header = g_variant_ref_sink (
    g_variant_new_from_bytes (G_VARIANT_TYPE (LIA_ENVELOPE_HEADER_TYPE), header_bytes, TRUE));
  env->header = to_wire_order (env->header);

  env->kind = header_string (env->header, FIELD_KIND, &kind_len);
  env->object_id = header_string (env->header, FIELD_OBJECT_ID, &object_id_len);
  env->case_id = header_string (env->header, FIELD_CASE_ID, &case_id_len);
  if (!check_kind (env->kind, kind_len, error)
      || !check_id ("object id", env->object_id, object_id_len, FALSE, error)
      || !check_id ("case id", env->case_id, case_id_len, TRUE, error))
    return NULL;
  {
    g_autoptr (GVariant) version = g_variant_get_child_value (env->header, FIELD_VERSION);
    g_autoptr (GVariant) created = g_variant_get_child_value (env->header, FIELD_CREATED);

    env->version = g_variant_get_uint32 (version);
    env->created = g_variant_get_int64 (created);
  }

  env->author_sign = header_array (env->header, FIELD_AUTHOR_SIGN, 1, &n_sign);
  env->author_box = header_array (env->header, FIELD_AUTHOR_BOX, 1, &n_box);
  if (n_sign != LIA_ENVELOPE_KEY_BYTES || n_box != LIA_ENVELOPE_KEY_BYTES)
    {
      set_malformed (error, "an author key is not 32 bytes long");
      return NULL;
    }

  env->recipient_keys = header_array (env->header, FIELD_RECIPIENT_KEYS, 1, &n_keys);
  env->numbers = header_array (env->header, FIELD_NUMBERS, sizeof (guint64), &n_numbers);
  env->wrap_nonces = header_array (env->header, FIELD_WRAP_NONCES, 1, &n_nonces);
  env->wrapped_keys = header_array (env->header, FIELD_WRAPPED_KEYS, 1, &n_wrapped);
  if (n_keys % LIA_ENVELOPE_KEY_BYTES != 0)
    {
      set_malformed (error, "its recipients' keys are not a whole number of keys");
      return NULL;
    }
  n = n_keys / LIA_ENVELOPE_KEY_BYTES;
  if (!check_n_recipients (n, error))
    return NULL;
  if (n_numbers != n || n_nonces != n * NONCE_BYTES || n_wrapped != n * WRAPPED_BYTES)
    {
      set_malformed (error, "its recipients' numbers, nonces and wrapped keys do not match "
                            "the number of recipients");
      return NULL;
    }
  env->n_recipients = (guint) n;

  for (gsize i = 0; i < n; i++)
    {
      const guint8 *key = env->recipient_keys + i * LIA_ENVELOPE_KEY_BYTES;

      if (!check_number (env->numbers[i], error))
        return NULL;
      for (gsize j = 0; j < i; j++)
        if (memcmp (key, env->recipient_keys + j * LIA_ENVELOPE_KEY_BYTES,
                    LIA_ENVELOPE_KEY_BYTES) == 0)
          {
            set_duplicate_error (key, error);
            return NULL;
          }
    }

  env->content_nonce = data + PREFIX_BYTES + header_len;
  env->ciphertext = env->content_nonce + NONCE_BYTES;
  env->ciphertext_len = ciphertext_len;
  env->signature = data + len - SIGNATURE_BYTES;
  return g_steal_pointer (&env);
}

void
lia_envelope_free (LiaEnvelope *env)
{
  if (env == NULL)
    return;
  g_clear_pointer (&env->header, g_variant_unref);
  g_bytes_unref (env->bytes);
  g_free (env);
}

/* ---- verifying and opening ------------------------------------------------------------ */

/* "record 9f1c… version 3", for messages; every part was checked to be
 * printable ASCII. */
static char *
describe (LiaEnvelope *env)
{
  return g_strdup_printf ("%s %s version %u", env->kind, env->object_id, env->version);
}

gboolean
lia_envelope_verify (LiaEnvelope   *env,
                     LiaAuthorFunc  author,
                     gpointer       user_data,
                     GError       **error)
{
  LiaAuthorStatus status;

  g_return_val_if_fail (env != NULL, FALSE);
  g_return_val_if_fail (author != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  status = author (env->author_sign, user_data);
  if (status != LIA_AUTHOR_KNOWN)
    {
      g_autofree char *what = describe (env);
      g_autofree char *fingerprint = lia_identity_fingerprint (env->author_sign);

      if (status == LIA_AUTHOR_REVOKED)
        g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_REVOKED_AUTHOR,
                     "Refused the envelope (%s): its author, the organisation with identity "
                     "%s, has been removed as a peer", what, fingerprint);
      else
        g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_UNKNOWN_AUTHOR,
                     "Refused the envelope (%s): its author, identity %s, is not a known "
                     "peer; add the organisation from its invite first", what, fingerprint);
      return FALSE;
    }

  if (crypto_sign_verify_detached (env->signature, env->data, env->len - SIGNATURE_BYTES,
                                   env->author_sign) != 0)
    {
      g_autofree char *what = describe (env);

      g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_BAD_SIGNATURE,
                   "Refused the envelope (%s): its signature does not match; it was altered "
                   "after its author signed it, or not signed by the author it names", what);
      return FALSE;
    }
  env->verified = TRUE;
  return TRUE;
}

gboolean
lia_envelope_is_verified (LiaEnvelope *env)
{
  g_return_val_if_fail (env != NULL, FALSE);
  return env->verified;
}

/* The index of @sign_public among the recipients, or -1. */
static int
find_recipient (LiaEnvelope  *env,
                const guint8 *sign_public)
{
  for (guint i = 0; i < env->n_recipients; i++)
    if (memcmp (env->recipient_keys + (gsize) i * LIA_ENVELOPE_KEY_BYTES, sign_public,
                LIA_ENVELOPE_KEY_BYTES) == 0)
      return (int) i;
  return -1;
}

gboolean
lia_envelope_is_for (LiaEnvelope  *env,
                     const guint8 *sign_public)
{
  g_return_val_if_fail (env != NULL, FALSE);
  g_return_val_if_fail (sign_public != NULL, FALSE);
  return find_recipient (env, sign_public) >= 0;
}

GBytes *
lia_envelope_open (LiaEnvelope *env,
                   LiaKeyring  *keyring,
                   GError     **error)
{
  int r;
  gboolean unwrapped = FALSE, weak_author_key = FALSE;
  gsize plain_len;
  guint8 *plain;
  int rc;

  g_return_val_if_fail (env != NULL, NULL);
  g_return_val_if_fail (keyring != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  /* Opening what has not been verified is a programming mistake. */
  g_return_val_if_fail (env->verified, NULL);

  r = find_recipient (env, keyring->sign_public);
  if (r < 0)
    {
      g_autofree char *what = describe (env);

      g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_NOT_RECIPIENT,
                   "The envelope (%s) is not addressed to this organisation: it is for %u "
                   "other%s, and only they can read it", what, env->n_recipients,
                   env->n_recipients == 1 ? "" : "s");
      return NULL;
    }

  plain_len = env->ciphertext_len - TAG_BYTES;
  plain = g_malloc (MAX (plain_len, (gsize) 1));

  g_mutex_lock (&keyring->lock);
  for (guint i = 0; i < keyring->box_keys->len && !unwrapped && !weak_author_key; i++)
    {
      const guint8 *k = pairwise_key (keyring, g_ptr_array_index (keyring->box_keys, i),
                                      env->author_box);

      if (k == NULL)
        weak_author_key = TRUE;
      else
        unwrapped = crypto_box_open_easy_afternm (keyring->content_key->data,
                                                  env->wrapped_keys + (gsize) r * WRAPPED_BYTES,
                                                  WRAPPED_BYTES,
                                                  env->wrap_nonces + (gsize) r * NONCE_BYTES,
                                                  k) == 0;
    }
  rc = -1;
  if (unwrapped)
    rc = crypto_aead_xchacha20poly1305_ietf_decrypt (plain, NULL, NULL, env->ciphertext,
                                                     env->ciphertext_len, env->data,
                                                     PREFIX_BYTES + env->header_len,
                                                     env->content_nonce,
                                                     keyring->content_key->data);
  sodium_memzero (keyring->content_key->data, CONTENT_KEY_BYTES);
  g_mutex_unlock (&keyring->lock);

  if (rc != 0)
    {
      g_autofree char *what = describe (env);

      sodium_memzero (plain, plain_len);
      g_free (plain);
      if (weak_author_key)
        g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_MALFORMED,
                     "The envelope (%s) names an author envelope key that is not a usable "
                     "X25519 key; it cannot be opened", what);
      else if (!unwrapped)
        g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_DAMAGED,
                     "The envelope (%s) is addressed to this organisation, but none of its "
                     "envelope keys opens the key wrapped for it: it was sealed for a key "
                     "this organisation no longer has, or the wrapped key is damaged", what);
      else
        g_set_error (error, LIA_ENVELOPE_ERROR, LIA_ENVELOPE_ERROR_DAMAGED,
                     "The content of the envelope (%s) failed authenticated decryption: it "
                     "is damaged", what);
      return NULL;
    }
  return g_bytes_new_take (plain, plain_len);
}

GBytes *
lia_envelope_open_bytes (GBytes        *bytes,
                         LiaKeyring    *keyring,
                         LiaAuthorFunc  author,
                         gpointer       user_data,
                         LiaEnvelope  **out_env,
                         GError       **error)
{
  g_autoptr (LiaEnvelope) env = NULL;
  GBytes *content;

  g_return_val_if_fail (bytes != NULL && keyring != NULL && author != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  env = lia_envelope_parse (bytes, error);
  if (env == NULL || !lia_envelope_verify (env, author, user_data, error))
    return NULL;
  content = lia_envelope_open (env, keyring, error);
  if (content != NULL && out_env != NULL)
    *out_env = g_steal_pointer (&env);
  return content;
}

/* ---- accessors ------------------------------------------------------------------------ */

guint8
lia_envelope_get_format_version (LiaEnvelope *env)
{
  g_return_val_if_fail (env != NULL, 0);
  return env->data[0];
}

const char *
lia_envelope_get_kind (LiaEnvelope *env)
{
  g_return_val_if_fail (env != NULL, NULL);
  return env->kind;
}

const char *
lia_envelope_get_object_id (LiaEnvelope *env)
{
  g_return_val_if_fail (env != NULL, NULL);
  return env->object_id;
}

const char *
lia_envelope_get_case_id (LiaEnvelope *env)
{
  g_return_val_if_fail (env != NULL, NULL);
  return env->case_id;
}

guint32
lia_envelope_get_version (LiaEnvelope *env)
{
  g_return_val_if_fail (env != NULL, 0);
  return env->version;
}

gint64
lia_envelope_get_created (LiaEnvelope *env)
{
  g_return_val_if_fail (env != NULL, 0);
  return env->created;
}

const guint8 *
lia_envelope_get_author_sign_public (LiaEnvelope *env)
{
  g_return_val_if_fail (env != NULL, NULL);
  return env->author_sign;
}

const guint8 *
lia_envelope_get_author_box_public (LiaEnvelope *env)
{
  g_return_val_if_fail (env != NULL, NULL);
  return env->author_box;
}

guint
lia_envelope_get_n_recipients (LiaEnvelope *env)
{
  g_return_val_if_fail (env != NULL, 0);
  return env->n_recipients;
}

const guint8 *
lia_envelope_get_recipient_sign_public (LiaEnvelope *env,
                                        guint        i)
{
  g_return_val_if_fail (env != NULL, NULL);
  g_return_val_if_fail (i < env->n_recipients, NULL);
  return env->recipient_keys + (gsize) i * LIA_ENVELOPE_KEY_BYTES;
}

guint64
lia_envelope_get_recipient_number (LiaEnvelope *env,
                                   guint        i)
{
  g_return_val_if_fail (env != NULL, 0);
  g_return_val_if_fail (i < env->n_recipients, 0);
  return env->numbers[i];
}

gsize
lia_envelope_get_content_size (LiaEnvelope *env)
{
  g_return_val_if_fail (env != NULL, 0);
  return env->ciphertext_len - TAG_BYTES;
}

GBytes *
lia_envelope_get_bytes (LiaEnvelope *env)
{
  g_return_val_if_fail (env != NULL, NULL);
  return env->bytes;
}

const guint8 *
lia_envelope_hash (LiaEnvelope *env)
{
  g_return_val_if_fail (env != NULL, NULL);
  if (!env->hashed)
    {
      crypto_generichash (env->hash, sizeof env->hash, env->data, env->len, NULL, 0);
      env->hashed = TRUE;
    }
  return env->hash;
}
