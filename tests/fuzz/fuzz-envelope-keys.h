/* fuzz-envelope-keys.h: the fixed organisations of fuzz-envelope and of
 * make-envelope-seeds, so that the seeds are envelopes that the target's
 * keyring can open.
 *
 * Each organisation's keys come from a fixed seed. They are test keys,
 * public in this file, and never used for anything else.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sodium.h>
#include <string.h>

#include "lia-crypto.h"

typedef enum
{
  FUZZ_ORG_AUTHOR,      /* a known peer: the author of the seeds */
  FUZZ_ORG_READER,      /* the organisation whose keyring the target opens with */
  FUZZ_ORG_OTHER,       /* another recipient, unknown to the reader */
  FUZZ_ORG_REVOKED,     /* a peer that the reader has revoked */
  FUZZ_N_ORGS
} FuzzOrgId;

typedef struct
{
  guint8     sign_public[32];
  LiaSecret *sign_secret;   /* owned, 64 bytes */
  guint8     box_public[32];
  LiaSecret *box_secret;    /* owned, 32 bytes */
} FuzzOrg;

/* Fills @org with the keys of organisation @id; @retired gives the
 * reader's X25519 key from before a rotation instead of its current one. */
static inline void
fuzz_org_init (FuzzOrg  *org,
               FuzzOrgId id,
               gboolean  retired)
{
  guint8 seed[32];

  memset (seed, 0, sizeof seed);
  memcpy (seed, "liaison fuzz-envelope org", 25);
  seed[30] = (guint8) id;
  org->sign_secret = lia_secret_new (crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair (org->sign_public, org->sign_secret->data, seed);
  seed[31] = retired ? 2 : 1;
  org->box_secret = lia_secret_new (crypto_box_SECRETKEYBYTES);
  crypto_box_seed_keypair (org->box_public, org->box_secret->data, seed);
}

static inline void
fuzz_org_clear (FuzzOrg *org)
{
  lia_secret_free (org->sign_secret);
  lia_secret_free (org->box_secret);
}
