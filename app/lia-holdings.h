/* lia-holdings.h: what this organisation holds of what was sealed for it,
 * and what it holds for a peer that the peer lacks.
 *
 * Every envelope carries, for each recipient, a number: its originator's
 * running count of the envelopes it sealed for that recipient
 * (lia-envelope.h). What an organisation holds of what was sealed for it
 * is therefore, per originator, a set of numbers: nearly always a run
 * from 1 with perhaps a few runs beyond it (envelopes that came by
 * another way, or out of order). That is a LiaHoldingsEntry, and a list of
 * them, one per originator, is what the sync protocol's holdings vector
 * says (sync/PROTOCOL.md).
 *
 * Given a peer's holdings, a LiaOutbox lists what this store holds that
 * names the peer as a recipient and that the peer lacks: this
 * organisation's own envelopes for it, and other organisations' envelopes
 * for it that this store holds as one of their other recipients (relay).
 * An envelope that does not name the peer is never in its outbox.
 *
 * The numbers held are kept in a ledger of runs (the envelope_held table),
 * written in the same transaction as each envelope is stored, and not
 * forgotten when an envelope is deleted with its withdrawn or destroyed
 * record: the peers are not to offer it again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "lia-envelope.h"
#include "lia-store.h"

G_BEGIN_DECLS

/* [first, last], both included; 1 <= first <= last. */
typedef struct
{
  guint64 first;
  guint64 last;
} LiaNumberRun;

typedef struct
{
  guint8   originator[LIA_ENVELOPE_KEY_BYTES];  /* its Ed25519 identity key */
  guint64  contiguous;                          /* holds 1 to contiguous (none if 0) */
  /* LiaNumberRun: the runs held beyond, ascending, disjoint, all above
   * contiguous + 1 */
  GArray  *extras;
} LiaHoldingsEntry;

LiaHoldingsEntry *lia_holdings_entry_new (const guint8 *originator,
                                          guint64       contiguous);
void              lia_holdings_entry_free (LiaHoldingsEntry *entry);
/* Whether @number is among those @entry holds. */
gboolean          lia_holdings_entry_has (const LiaHoldingsEntry *entry,
                                          guint64                 number);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaHoldingsEntry, lia_holdings_entry_free)

/* Holdings travel (in the sync protocol's HELLO and WELCOME, and in
 * bundles) and are kept (a peer's, in its sync record) in one encoding:
 * the GVariant LIA_HOLDINGS_TYPE in normal form, an array of (originator's
 * key, contiguous, runs beyond it). These bound what a decoder accepts: a
 * node with more peers than this is not what Liaison is for; a node with
 * more runs leaves the highest out (a peer then offers a few envelopes
 * held already, which are skipped). LIA_HOLDINGS_MAX_BYTES is well above
 * the largest encoding within those limits (about 120 KiB). */
#define LIA_HOLDINGS_TYPE            "a(ayta(tt))"
#define LIA_HOLDINGS_MAX_ORIGINATORS 1024
#define LIA_HOLDINGS_MAX_EXTRAS      4096
#define LIA_HOLDINGS_MAX_BYTES       (256u * 1024u)

/* @holdings (LiaHoldingsEntry) as a floating GVariant of LIA_HOLDINGS_TYPE,
 * and as its bytes. Holdings beyond the limits are a programming mistake. */
GVariant         *lia_holdings_to_variant (GPtrArray *holdings);
GBytes           *lia_holdings_encode (GPtrArray *holdings);
/* Reads holdings from untrusted bytes: at most LIA_HOLDINGS_MAX_BYTES, in
 * normal form (so exactly one encoding, every offset in bounds), keys of
 * LIA_ENVELOPE_KEY_BYTES, each originator once, runs ascending and apart,
 * within the limits. Fails with LIA_MODEL_ERROR_INVALID saying what is
 * wrong. */
GPtrArray        *lia_holdings_decode (GBytes  *bytes,
                                       GError **error);
/* The same for a value of LIA_HOLDINGS_TYPE already known to be in normal
 * form (inside a larger GVariant that was checked). */
GPtrArray        *lia_holdings_from_variant (GVariant *value,
                                             GError  **error);
/* Per originator, the numbers held in @a or in @b: a new list, ordered by
 * key, within the limits (if the union would name more originators than
 * LIA_HOLDINGS_MAX_ORIGINATORS, those of @b come first; runs beyond
 * LIA_HOLDINGS_MAX_EXTRAS are left out, so it never claims more than was
 * said). */
GPtrArray        *lia_holdings_union (GPtrArray *a,
                                      GPtrArray *b);

/* This organisation's holdings: an entry for every originator whose
 * envelopes it accepts (every current peer; not itself), ordered by
 * originator key, with at most @max_extras runs beyond the contiguous
 * parts in all, the lowest kept. A run left out only means that a peer
 * offers envelopes held already, which are skipped as duplicates. */
GPtrArray        *lia_store_dup_holdings (LiaStore *store,
                                          guint     max_extras,
                                          GError  **error);

typedef struct _LiaOutbox LiaOutbox;

/* What this store holds for the peer with identity key @peer that
 * @peer_holdings (the peer's own, LiaHoldingsEntry) lacks, by originator
 * and number. Only originators named in @peer_holdings are looked at (the
 * peer accepts no others). A removed peer is refused
 * (LIA_MODEL_ERROR_NOT_ALLOWED), an unknown one too (NOT_FOUND). Reads
 * through @store's connection: use it from the store's thread. */
/* @peer_holdings is kept (a reference). */
LiaOutbox        *lia_outbox_new (LiaStore     *store,
                                  const guint8 *peer,
                                  GPtrArray    *peer_holdings,
                                  GError      **error);
/* How many envelopes it lists in all, and how many are still to come. */
guint             lia_outbox_get_total (LiaOutbox *self);
guint             lia_outbox_get_remaining (LiaOutbox *self);
/* The next envelope's bytes, with its originator's identity key (borrowed
 * from the outbox) and its number for the peer if asked for; NULL at the
 * end (without an error), or NULL with @error if the store could not be
 * read. An envelope deleted since the outbox was made (its record
 * withdrawn or destroyed) is passed over. */
GBytes           *lia_outbox_next (LiaOutbox     *self,
                                   const guint8 **out_originator,
                                   guint64       *out_number,
                                   GError       **error);
void              lia_outbox_free (LiaOutbox *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaOutbox, lia_outbox_free)

/* How a peer's syncs last went, kept in the store so that a status can be
 * shown when no sync engine is running. */
typedef struct
{
  char   *status;        /* how the last one ended, in the sync engine's words, or NULL */
  gint64  last_sync;     /* Unix seconds when a sync last finished; 0 never */
  gint64  last_attempt;  /* Unix seconds when one was last tried; 0 never */
  char   *last_error;    /* why the last try failed, or NULL */
  /* What the peer last said it holds (lia_holdings_encode()), by sync or
   * in a bundle (lia_store_note_peer_holdings()), or NULL. */
  GBytes *holdings;
} LiaSyncRecord;

void              lia_sync_record_free (LiaSyncRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaSyncRecord, lia_sync_record_free)

/* The record of the peer with identity key @peer: an empty one (all 0 and
 * NULL) if there is none yet. */
LiaSyncRecord    *lia_store_load_sync_record (LiaStore     *store,
                                              const guint8 *peer,
                                              GError      **error);
/* Replaces it; but a record without holdings keeps those kept (the sync
 * engine saves a peer's status more often than it hears its holdings).
 * NOT_FOUND for a key that is no organisation's. */
gboolean          lia_store_save_sync_record (LiaStore            *store,
                                              const guint8        *peer,
                                              const LiaSyncRecord *record,
                                              GError             **error);

/* Notes that the peer @peer says it holds @holdings (by a bundle's
 * acknowledgement): kept in its sync record as the union with what is
 * kept there already, since both are facts about what it held and a
 * bundle may arrive after a later one or after a sync. Only for a current
 * peer: a removed one is refused (LIA_MODEL_ERROR_NOT_ALLOWED), an unknown
 * one too (NOT_FOUND). In a transaction of its own. */
gboolean          lia_store_note_peer_holdings (LiaStore     *store,
                                                const guint8 *peer,
                                                GPtrArray    *holdings,
                                                GError      **error);
/* What the peer @peer last said it holds, by sync or bundle: NULL (without
 * an error) if it has said nothing yet. Kept holdings that no longer decode
 * count as nothing said (the caller then sends everything). */
GPtrArray        *lia_store_dup_peer_holdings (LiaStore     *store,
                                               const guint8 *peer,
                                               GError      **error);

G_END_DECLS
