/* lia-peer.h: the organisations this one shares with.
 *
 * A peer is a row of the store's organisations (lia-case.h) that carries
 * the public keys of an invite code (lia-invite.h): the identity key that
 * signs its envelopes, the X25519 key that envelopes for it are sealed to,
 * and the CURVE key its transport uses, with the endpoints it listens on.
 *
 * - Adding a peer takes a decoded (so signed, bound and unexpired) invite.
 *   An organisation known by name only (lia_store_add_org()) gets the keys
 *   of an invite with its name, and stays the same organisation: cases it
 *   takes part in are its cases as a peer.
 * - A peer is unverified until a person has compared the safety number
 *   (lia_safety_number() of both identity keys) with the other side and
 *   said so (lia_store_verify_peer(), with their name).
 * - Removing a peer revokes it: the row, its keys and its history stay, and
 *   lia_peer_status_for_key() answers REVOKED, which connections and
 *   envelopes check. Nothing is deleted.
 * - A revoked peer comes back only when its invite is added with
 *   LIA_PEER_ADD_READMIT, which takes the keys and endpoints of the new
 *   invite and starts it unverified again: whatever led to the removal,
 *   the safety number is to be compared afresh.
 * - An invite from an organisation with the name of a revoked peer but
 *   another identity key (an organisation that rebuilt its store) is
 *   accepted; the revoked row is renamed "NAME (old key XXXX XXXX)" so that
 *   the two can be told apart. A name that a current peer (or this
 *   organisation) has with another key is refused.
 *
 * Errors are LIA_MODEL_ERROR: NOT_FOUND, NOT_ALLOWED (this organisation's
 * own invite, a removed peer, ...), EXISTS (already a peer, a name clash),
 * INVALID or MISSING (a value given, or not); and LIA_STORE_ERROR from the
 * store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-case.h"
#include "lia-invite.h"
#include "lia-store.h"

G_BEGIN_DECLS

typedef struct
{
  LiaOrg  *org;                          /* owned: id, name, kind, fingerprint */
  guint8   sign_public[LIA_KEY_BYTES];   /* Ed25519 identity key */
  guint8   box_public[LIA_KEY_BYTES];    /* X25519: seal envelopes for it to this */
  guint8   curve_public[LIA_KEY_BYTES];  /* Curve25519 for ZeroMQ CURVE */
  char   **endpoints;                    /* owned, NULL-terminated, never NULL */
  gint64   peer_since;                   /* Unix seconds: added (or readmitted) */
  gint64   verified_at;                  /* Unix seconds; 0 while unverified */
  char    *verified_by;                  /* owned; who compared the safety number, or NULL */
  gint64   revoked_at;                   /* Unix seconds; 0 while current */
} LiaPeer;

void      lia_peer_free (LiaPeer *peer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaPeer, lia_peer_free)

typedef enum
{
  LIA_PEER_ADD_DEFAULT = 0,
  LIA_PEER_ADD_READMIT = 1 << 0,  /* the invite may bring back a revoked peer */
} LiaPeerAddFlags;

/* Makes the organisation of @invite a peer (see above for what is
 * refused); all or nothing. Returns the peer, unverified. */
LiaPeer  *lia_store_add_peer (LiaStore         *store,
                              const LiaInvite  *invite,
                              LiaPeerAddFlags   flags,
                              GError          **error);

/* Every peer, current and revoked, by name. */
GPtrArray *lia_store_list_peers (LiaStore *store,
                                 GError  **error);
/* The current (unrevoked) peers, by name: those envelopes may be sealed
 * for, with their box keys. */
GPtrArray *lia_store_current_peers (LiaStore *store,
                                    GError  **error);

/* A peer named as lia_store_find_org() names organisations (a unique
 * start of its name, or its fingerprint); current or revoked. NOT_FOUND
 * for an organisation known by name only, NOT_ALLOWED for this one. */
LiaPeer  *lia_store_find_peer (LiaStore   *store,
                               const char *name_or_fingerprint,
                               GError    **error);

/* Records that @by (a person's name) compared the safety number with
 * @peer, now; verifying again replaces who and when. A removed peer is
 * refused. @peer is updated. */
gboolean  lia_store_verify_peer (LiaStore   *store,
                                 LiaPeer    *peer,
                                 const char *by,
                                 GError    **error);
/* Revokes @peer, now. @peer is updated. */
gboolean  lia_store_revoke_peer (LiaStore *store,
                                 LiaPeer  *peer,
                                 GError  **error);

typedef enum
{
  LIA_PEER_STATUS_UNKNOWN,  /* no peer has this identity key (or the store could not say) */
  LIA_PEER_STATUS_KNOWN,    /* a current peer, or this organisation itself */
  LIA_PEER_STATUS_REVOKED,  /* a peer that was removed */
} LiaPeerStatus;

/* What this store makes of an Ed25519 identity key (32 bytes): for
 * checking who wrote an envelope or who connects. On a failure to read the
 * store it answers UNKNOWN, so that a caller that ignores @error still
 * refuses. */
LiaPeerStatus lia_peer_status_for_key (LiaStore     *store,
                                       const guint8 *sign_public,
                                       GError      **error);

/* The safety number of this organisation and @peer. */
char     *lia_store_peer_safety_number (LiaStore      *store,
                                        const LiaPeer *peer);

/* An invite code for this organisation: its name, kind and keys, the key
 * bindings signed now, @endpoints (NULL or NULL-terminated), created now,
 * expiring at @expires (Unix seconds, at most LIA_INVITE_MAX_VALIDITY from
 * now). Fails with LIA_INVITE_ERROR_INVALID for a bad endpoint or expiry. */
char     *lia_store_make_invite (LiaStore          *store,
                                 const char *const *endpoints,
                                 gint64             expires,
                                 GError           **error);

G_END_DECLS
