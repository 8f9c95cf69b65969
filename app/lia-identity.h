/* lia-identity.h: organisation kinds and identity fingerprints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * LiaOrgKind:
 * The kinds of organisation that take part in a case.
 */
typedef enum
{
  LIA_ORG_KIND_LOCAL_AUTHORITY,
  LIA_ORG_KIND_ICB,
  LIA_ORG_KIND_POLICE,
  LIA_ORG_KIND_IOPC,
  LIA_ORG_KIND_AGENCY,
} LiaOrgKind;

#define LIA_ORG_KIND_LAST LIA_ORG_KIND_AGENCY

/* Stable names used on the command line, in JSON and in the store:
 * "local-authority", "icb", "police", "iopc", "agency". */
const char *lia_org_kind_to_string (LiaOrgKind kind);
gboolean    lia_org_kind_from_string (const char *str,
                                      LiaOrgKind *out_kind);
/* A comma-separated list of every kind's name, for messages. */
const char *lia_org_kind_all_names (void);

/* An organisation's name: 1 to 200 characters of UTF-8, not all white
 * space, no control characters. */
#define LIA_ORG_NAME_MAX_CHARS 200
#define LIA_ORG_NAME_MAX_BYTES (LIA_ORG_NAME_MAX_CHARS * 4)

/* Fails with LIA_STORE_ERROR_INVALID and a message that says what is wrong
 * with @name. */
gboolean    lia_org_name_check (const char *name,
                                GError    **error);

#define LIA_IDENTITY_PUBLIC_KEY_BYTES 32

/* A fingerprint of an Ed25519 identity public key: BLAKE2b-160 of the key,
 * as ten groups of four upper-case hex digits separated by spaces. */
char       *lia_identity_fingerprint (const guint8 *public_key);

G_END_DECLS
