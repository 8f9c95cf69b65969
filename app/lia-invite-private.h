/* lia-invite-private.h: the layers of an invite code, for the tests and
 * the fuzz target, which must build codes that lia_invite_encode() would
 * refuse to make (a forged signature, a wrong key binding, an unknown
 * version) to check that lia_invite_decode() refuses them too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-invite.h"

G_BEGIN_DECLS

/* The GVariant type of a version 1 body, and of the payload around it. */
#define LIA_INVITE_BODY_TYPE    "(ssayayayayayasxx)"
#define LIA_INVITE_PAYLOAD_TYPE "(" LIA_INVITE_BODY_TYPE "ay)"

/* The body of @invite as version 1 signs it (floating, native byte
 * order). Nothing is checked. */
GVariant *lia_invite_body_to_variant (const LiaInvite *invite);

/* The payload (@body, signature) in normal form and little-endian, signed
 * with @sign_secret whatever key @body carries. Nothing is checked. A
 * floating @body is consumed. */
GBytes   *lia_invite_sign_body (GVariant        *body,
                                const LiaSecret *sign_secret);

/* The text of a code: the prefix, then base32 of @version, @payload and
 * their checksum. */
char     *lia_invite_frame (guint8        version,
                            const guint8 *payload,
                            gsize         len);

/* The reverse of lia_invite_frame(): checks the text's length, prefix,
 * characters and checksum (TOO_LARGE, MALFORMED, CHECKSUM) and returns the
 * payload, and its version byte, unchecked, in @out_version. */
GBytes   *lia_invite_unframe (const char *text,
                              guint8     *out_version,
                              GError    **error);

G_END_DECLS
