/* lia-invite.h: invite codes, key bindings and safety numbers.
 *
 * Organisations become peers by exchanging invite codes (DESIGN.md,
 * "Identity and trust"). An invite code is one line of text that carries an
 * organisation's name, kind, public keys and endpoints, signed with its
 * Ed25519 identity key and valid until an expiry time:
 *
 *   LIAISON1-<base32 of: version byte || payload || checksum>
 *
 * - "LIAISON1-" names the text form (this prefix, the alphabet and the
 *   checksum); a newer form would change the digit. The prefix is read in
 *   either case.
 * - The alphabet is RFC 4648 base32 (A-Z, 2-7) without padding: no 0/O,
 *   1/I or 8/B to confuse, one case, and all of it in the alphanumeric mode
 *   of QR codes. Reading a code, letters may be in either case and white
 *   space (a line wrapped by a mail program) is ignored.
 * - The checksum is the first 5 bytes of BLAKE2b-128 over a domain string,
 *   the version byte and the payload. It only tells a mistyped or damaged
 *   code (LIA_INVITE_ERROR_CHECKSUM) from one that was changed on purpose
 *   (LIA_INVITE_ERROR_BAD_SIGNATURE): anyone can compute it.
 * - The version byte (1) says how to read the payload.
 * - The payload of version 1 is a GVariant of type
 *   ((ssayayayayayasxx)ay) in normal form, serialised little-endian: the
 *   body (name, kind as in lia_org_kind_to_string(), the Ed25519 identity
 *   key, the X25519 key and its binding, the CURVE key and its binding, the
 *   endpoints, created and expires in Unix seconds), then an Ed25519
 *   signature by the identity key over "liaison invite v1", the version
 *   byte and the serialised body.
 *
 * lia_invite_decode() treats its input as hostile: every length, count and
 * range is checked before the signature, and the signature and key
 * bindings before the expiry (so that an expired code's name can be
 * trusted in the message).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "lia-crypto.h"
#include "lia-identity.h"

G_BEGIN_DECLS

#define LIA_INVITE_ERROR (lia_invite_error_quark ())

/**
 * LiaInviteError:
 * @LIA_INVITE_ERROR_MALFORMED: not an invite code: no "LIAISON1-" at the
 *   start, a character that invite codes do not use, or (behind a correct
 *   checksum) contents of the wrong form or beyond their limits
 * @LIA_INVITE_ERROR_CHECKSUM: mistyped or damaged in passing: a character
 *   changed, missing or extra
 * @LIA_INVITE_ERROR_VERSION: contents of a version this Liaison cannot read
 *   (made by a newer one)
 * @LIA_INVITE_ERROR_BAD_SIGNATURE: the code was altered, or was not made by
 *   the identity key it carries, or a key in it is not bound to that key
 * @LIA_INVITE_ERROR_EXPIRED: the code is past its expiry
 * @LIA_INVITE_ERROR_TOO_LARGE: longer than any invite code can be
 * @LIA_INVITE_ERROR_INVALID: lia_invite_encode() was given a value it will
 *   not put in a code (an empty name, a bad endpoint, a secret key that does
 *   not match the identity key, an expiry before the creation time, ...)
 */
typedef enum
{
  LIA_INVITE_ERROR_MALFORMED,
  LIA_INVITE_ERROR_CHECKSUM,
  LIA_INVITE_ERROR_VERSION,
  LIA_INVITE_ERROR_BAD_SIGNATURE,
  LIA_INVITE_ERROR_EXPIRED,
  LIA_INVITE_ERROR_TOO_LARGE,
  LIA_INVITE_ERROR_INVALID,
} LiaInviteError;

GQuark lia_invite_error_quark (void);

#define LIA_INVITE_PREFIX          "LIAISON1-"
#define LIA_INVITE_VERSION         1
/* The longest text lia_invite_decode() reads, white space included. The
 * largest code lia_invite_encode() can make (a 200-byte name and eight
 * 128-byte endpoints) is under 2,800 characters. */
#define LIA_INVITE_MAX_TEXT        4096
#define LIA_INVITE_MAX_NAME_BYTES  200
#define LIA_INVITE_MAX_ENDPOINTS   8
#define LIA_ENDPOINT_MAX_LEN       128
/* The longest an invite may be valid for. A code is public, but it is
 * also a promise about which keys and addresses are current; an old one
 * found in a mailbox should not still add a peer. */
#define LIA_INVITE_MAX_VALIDITY    (90 * 24 * 60 * 60)

/* What a public key is bound for: the byte that key-binding signatures
 * carry, so that a signature for one use never verifies for the other. */
typedef enum
{
  LIA_KEY_USE_BOX = 1,    /* X25519, envelopes are sealed for it */
  LIA_KEY_USE_CURVE = 2,  /* Curve25519, the ZeroMQ CURVE transport */
} LiaKeyUse;

#define LIA_KEY_BYTES        32
#define LIA_SIGNATURE_BYTES  64

/* An Ed25519 signature by the identity key (@sign_secret, 64 bytes) over
 * "liaison key binding v1" || @use || @key (32 bytes). */
void     lia_key_binding_sign (LiaKeyUse        use,
                               const guint8    *key,
                               const LiaSecret *sign_secret,
                               guint8          *out_signature);
gboolean lia_key_binding_verify (LiaKeyUse     use,
                                 const guint8 *key,
                                 const guint8 *sign_public,
                                 const guint8 *signature);

typedef struct
{
  char      *name;                                /* UTF-8, 1 to 200 bytes, no control characters */
  LiaOrgKind kind;
  guint8     sign_public[LIA_KEY_BYTES];          /* Ed25519 identity key */
  guint8     box_public[LIA_KEY_BYTES];           /* X25519, for envelopes */
  guint8     box_signature[LIA_SIGNATURE_BYTES];  /* its key binding */
  guint8     curve_public[LIA_KEY_BYTES];         /* Curve25519, for ZeroMQ CURVE */
  guint8     curve_signature[LIA_SIGNATURE_BYTES];
  char     **endpoints;                           /* NULL-terminated tcp://HOST:PORT; NULL or empty for none */
  gint64     created;                             /* Unix seconds */
  gint64     expires;                             /* Unix seconds; invalid from then on */
} LiaInvite;

void       lia_invite_free (LiaInvite *invite);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaInvite, lia_invite_free)

/* The invite code for @invite, signed with @sign_secret (the secret half
 * of @invite->sign_public). Checks everything lia_invite_decode() checks
 * but the expiry against the clock, so that no code is made that a peer
 * would refuse; fails with LIA_INVITE_ERROR_INVALID (or _TOO_LARGE). */
char      *lia_invite_encode (const LiaInvite *invite,
                              const LiaSecret *sign_secret,
                              GError         **error);
/* Reads an invite code: its form, checksum, version, contents, signature,
 * key bindings and, against @now (Unix seconds), its expiry. */
LiaInvite *lia_invite_decode (const char *text,
                              gint64      now,
                              GError    **error);

/* tcp://HOST:PORT, at most LIA_ENDPOINT_MAX_LEN bytes: HOST a DNS name
 * (letters, digits, hyphens; dot-separated labels of 1 to 63), an IPv4
 * address in dotted decimal, or an IPv6 address in brackets; PORT 1 to
 * 65535 in decimal without leading zeros. No wildcards, interfaces or
 * zone ids: it is where peers connect to. */
gboolean   lia_endpoint_is_valid (const char *endpoint);

/* The safety number of two identity keys (32 bytes each): 60 digits as 12
 * groups of 5 separated by spaces, the same whichever key is @a and which
 * @b. Each key gives 30 digits (lia_safety_number_half()); the key that
 * sorts first (memcmp) gives the first half. */
char      *lia_safety_number (const guint8 *a,
                              const guint8 *b);
/* The 30 digits of one identity key, as 6 groups of 5: BLAKE2b-512
 * iterated LIA_SAFETY_NUMBER_ITERATIONS times over a domain string, the
 * previous output and the key, so that finding a second key with the same
 * digits costs that many hashes per try; then each 5 bytes of the output,
 * read big-endian and reduced mod 100000, give a group. */
#define LIA_SAFETY_NUMBER_ITERATIONS 5200
char      *lia_safety_number_half (const guint8 *key);

G_END_DECLS
