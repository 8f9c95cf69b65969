/* lia-envelope.h: the end-to-end envelope.
 *
 * A record version, or any other message between organisations (a case's
 * metadata, a destruction receipt, a key-rotation notice: the caller names
 * which with a short kind), travels as an immutable envelope: a header in
 * the clear, the content encrypted once with a random key, that key wrapped
 * for each named recipient, and the author's Ed25519 signature over all of
 * it. Only the recipients can read the content; anyone who holds the bytes
 * (a relay, a backup) can check who wrote it and for whom.
 *
 * Layout (integers little-endian):
 *
 *   offset  size  field
 *   0       1     format version, 1
 *   1       3     zero
 *   4       4     H, the length of the header
 *   8       H     the header: a GVariant of type LIA_ENVELOPE_HEADER_TYPE
 *                 in normal form (below)
 *   8+H     24    the content nonce
 *   32+H    C+16  the content (C bytes) encrypted with XChaCha20-Poly1305
 *                 IETF under the content key, with bytes 0 to 8+H (format
 *                 version, length and header) as associated data
 *   48+H+C  64    Ed25519 signature by the author's identity key over
 *                 every byte before it
 *
 * The header starts at offset 8 so that GVariant can read it where it lies
 * (its largest alignment is 8). It is a tuple of, in order:
 *
 *   s   kind: 1 to 32 bytes of [a-z0-9-] ("record", "case", ...)
 *   s   object id: 1 to 64 bytes of printable ASCII (! to ~)
 *   s   case id: 0 to 64 bytes of printable ASCII (empty: no case)
 *   u   object version
 *   x   created, Unix time in microseconds
 *   ay  the author's Ed25519 identity public key (32 bytes)
 *   ay  the author's X25519 public key (32 bytes)
 *   ay  the recipients' Ed25519 identity public keys, 32 bytes each: n
 *       recipients, 1 to 64, no key twice
 *   at  their numbers, n of them: the author's running count of envelopes
 *       to each recipient, which the sync protocol uses (at most
 *       G_MAXINT64, since the store keeps it in a signed SQLite integer)
 *   ay  the nonces of their wrapped keys, 24 bytes each, n of them
 *   ay  their wrapped keys, 48 bytes each, n of them: the content key
 *       sealed with crypto_box_easy_afternm() under the pairwise key of
 *       the author's and that recipient's X25519 keys (32 bytes and a
 *       16-byte tag)
 *
 * Recipient i is the i-th element of each of the last four arrays. They
 * are four flat arrays rather than an array of (aytayay) because every
 * GVariant child that is read costs an allocation, and this keeps the
 * number read the same for 1 recipient or 64 (see BENCHMARKS.md). The
 * integers are little-endian, as GVariant writes them on the hosts Liaison
 * runs on; a big-endian host byte-swaps the header.
 *
 * A recipient is named by its identity key only; its X25519 key is whichever
 * it had when the envelope was sealed, so an organisation that has rotated
 * its X25519 key tries its current key and then its retired ones.
 *
 * The author's X25519 key is taken from the header: the signature by the
 * author's identity key is what vouches for it.
 *
 * Every decoder here treats its input as hostile: the whole length is
 * bounded first, the header is read with GVariant from untrusted bytes and
 * refused unless in normal form, and every length and count is checked
 * before it is used.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "lia-crypto.h"

G_BEGIN_DECLS

#define LIA_ENVELOPE_FORMAT_VERSION   1

/* A sync message is at most 1 MiB; an envelope must fit in one with room
 * for the message's own framing. */
#define LIA_ENVELOPE_MAX_SIZE         (960u * 1024u)
#define LIA_ENVELOPE_MAX_CONTENT      (900u * 1024u)
/* The largest header that the limits below allow is 8,052 bytes (64
 * recipients, the longest kind and ids; test-envelope checks it); one
 * claiming more than twice that is not ours. */
#define LIA_ENVELOPE_MAX_HEADER       (16u * 1024u)
#define LIA_ENVELOPE_MAX_RECIPIENTS   64
#define LIA_ENVELOPE_MAX_KIND         32
#define LIA_ENVELOPE_MAX_ID           64

#define LIA_ENVELOPE_HEADER_TYPE      "(sssuxayayayatayay)"
#define LIA_ENVELOPE_KEY_BYTES        32   /* Ed25519 and X25519 public keys */
#define LIA_ENVELOPE_HASH_BYTES       32

#define LIA_ENVELOPE_ERROR (lia_envelope_error_quark ())
GQuark lia_envelope_error_quark (void);

/**
 * LiaEnvelopeError:
 * @LIA_ENVELOPE_ERROR_MALFORMED: not an envelope, or a field is not acceptable
 * @LIA_ENVELOPE_ERROR_TOO_LARGE: the envelope, its content, its recipients or an id is over its limit
 * @LIA_ENVELOPE_ERROR_VERSION: the format version is one this program does not know
 * @LIA_ENVELOPE_ERROR_UNKNOWN_AUTHOR: the author's identity key is not one this organisation knows
 * @LIA_ENVELOPE_ERROR_REVOKED_AUTHOR: the author has been revoked
 * @LIA_ENVELOPE_ERROR_BAD_SIGNATURE: the signature does not match the bytes and the author
 * @LIA_ENVELOPE_ERROR_NOT_RECIPIENT: this organisation is not one of the recipients
 * @LIA_ENVELOPE_ERROR_DAMAGED: the wrapped key or the content failed authenticated decryption
 */
typedef enum
{
  LIA_ENVELOPE_ERROR_MALFORMED,
  LIA_ENVELOPE_ERROR_TOO_LARGE,
  LIA_ENVELOPE_ERROR_VERSION,
  LIA_ENVELOPE_ERROR_UNKNOWN_AUTHOR,
  LIA_ENVELOPE_ERROR_REVOKED_AUTHOR,
  LIA_ENVELOPE_ERROR_BAD_SIGNATURE,
  LIA_ENVELOPE_ERROR_NOT_RECIPIENT,
  LIA_ENVELOPE_ERROR_DAMAGED,
} LiaEnvelopeError;

/* ---- this organisation's keys ------------------------------------------- */

/* This organisation's identity and X25519 keys, its retired X25519 keys,
 * and a cache of the pairwise keys it has computed with peers (an X25519
 * scalar multiplication each, the dearest step after the signature). The
 * secret keys are copied in, and every secret, pairwise keys included, is
 * kept in LiaSecret memory and wiped by lia_keyring_free(). A keyring may be
 * used from several threads; they take turns. */
typedef struct _LiaKeyring LiaKeyring;

LiaKeyring   *lia_keyring_new (const guint8    *sign_public,
                               const LiaSecret *sign_secret,
                               const guint8    *box_public,
                               const LiaSecret *box_secret);
/* An earlier X25519 key pair of this organisation (after a rotation),
 * tried, most recently added first, when the current key does not open the
 * key wrapped for this organisation. */
void          lia_keyring_add_retired_box_key (LiaKeyring      *self,
                                               const guint8    *box_public,
                                               const LiaSecret *box_secret);
const guint8 *lia_keyring_get_sign_public (LiaKeyring *self);
const guint8 *lia_keyring_get_box_public (LiaKeyring *self);
/* How many pairwise keys have been computed (not found in the cache) since
 * the keyring was made: for tests and benchmarks. */
guint64       lia_keyring_get_n_computed (LiaKeyring *self);
void          lia_keyring_free (LiaKeyring *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaKeyring, lia_keyring_free)

/* ---- sealing ---------------------------------------------------------------- */

typedef struct
{
  guint8  sign_public[LIA_ENVELOPE_KEY_BYTES];  /* the recipient's identity key */
  guint8  box_public[LIA_ENVELOPE_KEY_BYTES];   /* its current X25519 key */
  guint64 number;                               /* see the layout above */
} LiaRecipient;

/* Seals @content (at most LIA_ENVELOPE_MAX_CONTENT bytes; may be empty) for
 * @recipients, signed by @keyring's identity key. @case_id may be NULL or
 * empty. Fails with MALFORMED or TOO_LARGE when an argument breaks the
 * rules in the layout above. */
GBytes       *lia_envelope_seal (LiaKeyring         *keyring,
                                 const char         *kind,
                                 const char         *object_id,
                                 const char         *case_id,
                                 guint32             version,
                                 gint64              created,
                                 const LiaRecipient *recipients,
                                 guint               n_recipients,
                                 GBytes             *content,
                                 GError            **error);

/* ---- opening ------------------------------------------------------------------ */

typedef enum
{
  LIA_AUTHOR_UNKNOWN,
  LIA_AUTHOR_KNOWN,
  LIA_AUTHOR_REVOKED,
} LiaAuthorStatus;

/* Says whether @sign_public is the identity key of an organisation this
 * one knows, and whether it has been revoked. */
typedef LiaAuthorStatus (*LiaAuthorFunc) (const guint8 *sign_public,
                                          gpointer      user_data);

/* A parsed envelope. It holds a reference to the bytes it was parsed from;
 * every string and key it returns is borrowed from it. Used from one thread
 * at a time. */
typedef struct _LiaEnvelope LiaEnvelope;

/* Checks the form and limits only: MALFORMED, TOO_LARGE or VERSION. Nothing
 * it returns is to be believed before lia_envelope_verify(). */
LiaEnvelope  *lia_envelope_parse (GBytes  *bytes,
                                  GError **error);
/* Asks @author about the author's identity key (UNKNOWN_AUTHOR,
 * REVOKED_AUTHOR), then checks the signature (BAD_SIGNATURE). */
gboolean      lia_envelope_verify (LiaEnvelope   *env,
                                   LiaAuthorFunc  author,
                                   gpointer       user_data,
                                   GError       **error);
gboolean      lia_envelope_is_verified (LiaEnvelope *env);
/* Whether @sign_public is the identity key of one of the recipients. */
gboolean      lia_envelope_is_for (LiaEnvelope  *env,
                                   const guint8 *sign_public);
/* Only after lia_envelope_verify(): checks that @keyring's organisation is a
 * recipient (NOT_RECIPIENT), unwraps the content key with its current or a
 * retired X25519 key and decrypts (DAMAGED). */
GBytes       *lia_envelope_open (LiaEnvelope *env,
                                 LiaKeyring  *keyring,
                                 GError     **error);
/* Parse, verify and open in that order. On success, the parsed envelope is
 * returned in @out_env if it is not NULL. */
GBytes       *lia_envelope_open_bytes (GBytes        *bytes,
                                       LiaKeyring    *keyring,
                                       LiaAuthorFunc  author,
                                       gpointer       user_data,
                                       LiaEnvelope  **out_env,
                                       GError       **error);
void          lia_envelope_free (LiaEnvelope *env);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaEnvelope, lia_envelope_free)

/* ---- what a parsed envelope says --------------------------------------------- */

guint8        lia_envelope_get_format_version (LiaEnvelope *env);
const char   *lia_envelope_get_kind (LiaEnvelope *env);
const char   *lia_envelope_get_object_id (LiaEnvelope *env);
/* "" when the envelope belongs to no case. */
const char   *lia_envelope_get_case_id (LiaEnvelope *env);
guint32       lia_envelope_get_version (LiaEnvelope *env);
gint64        lia_envelope_get_created (LiaEnvelope *env);
const guint8 *lia_envelope_get_author_sign_public (LiaEnvelope *env);
const guint8 *lia_envelope_get_author_box_public (LiaEnvelope *env);
guint         lia_envelope_get_n_recipients (LiaEnvelope *env);
const guint8 *lia_envelope_get_recipient_sign_public (LiaEnvelope *env,
                                                      guint        i);
guint64       lia_envelope_get_recipient_number (LiaEnvelope *env,
                                                 guint        i);
/* The size of the content once decrypted. */
gsize         lia_envelope_get_content_size (LiaEnvelope *env);
/* The exact bytes, borrowed. */
GBytes       *lia_envelope_get_bytes (LiaEnvelope *env);
/* BLAKE2b-256 of the whole bytes, the envelope's storage id; computed on
 * first use, LIA_ENVELOPE_HASH_BYTES bytes, borrowed. */
const guint8 *lia_envelope_hash (LiaEnvelope *env);

G_END_DECLS
