/* lia-exchange.h: need-to-know sharing, sealing, and exchange by bundle.
 *
 * The rules (DESIGN.md, "Ownership" and "Need-to-know"), which this file
 * makes hold by construction: each version of one of this organisation's
 * records is sealed in an envelope for exactly the organisations entitled
 * to it, and for no one else:
 *
 *   - this organisation itself, always;
 *   - standard and sensitive records: the case's participants that this
 *     organisation has decided receive that category (record kind), plus
 *     any one-off recipients of that record (a disclosure after a request,
 *     a grant of this organisation's agreement, an explicit release);
 *   - secret records: only those it explicitly released the record to;
 *   - a withdrawal: everyone who received any earlier version, so that
 *     they delete it;
 *   - never a revoked peer, nor an organisation without keys (known by
 *     name only), which receives what it is entitled to once it becomes a
 *     peer.
 *
 * A case's shared facts (its processes, participants and points of
 * contact) are sealed by its lead for every participant. Another
 * organisation's record is never disclosed onwards: only its originator
 * can add recipients, which is how its prior written agreement is
 * expressed (lia_request_extend, then the originator's "grant").
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "lia-case.h"
#include "lia-envelope.h"
#include "lia-record.h"

G_BEGIN_DECLS

/* ---- sharing decisions ---------------------------------------------------- */

/* @categories are record kinds (lia_record_kind_names), or "all". */
gboolean   lia_case_share (LiaStore          *store,
                           const char        *case_id,
                           const char        *org,
                           const char *const *categories,
                           const char        *by,
                           GError           **error);
/* @categories NULL removes every category for @org. What @org already
 * received stays with it; only later versions stop going to it. */
gboolean   lia_case_unshare (LiaStore          *store,
                             const char        *case_id,
                             const char        *org,
                             const char *const *categories,
                             GError           **error);

typedef struct
{
  LiaOrg *org;
  GStrv   categories;   /* record kinds, in kind order */
} LiaShare;

void       lia_share_free (LiaShare *share);
/* This organisation's sharing decisions on a case, one per participant
 * that receives anything. */
GPtrArray *lia_case_list_shares (LiaStore   *store,
                                 const char *case_id,
                                 GError    **error);

/* ---- one record ----------------------------------------------------------- */

typedef struct
{
  LiaOrg *org;
  char   *why;        /* "originator", "sharing: interview", "disclosure", "grant", "release" */
  gboolean pending;   /* entitled, but not sealed for yet (not a peer yet) */
} LiaRecordRecipient;

void       lia_record_recipient_free (LiaRecordRecipient *recipient);
/* Who the current version of one of this organisation's records is for,
 * or, for another organisation's record, who this store knows holds it
 * (the recipients named on the envelope that brought it). */
GPtrArray *lia_record_recipients (LiaStore   *store,
                                  const char *record_id,
                                  GError    **error);

/* Releases one of this organisation's records to @org, with a reason: the
 * explicit decision that secret material needs (normally of a redacted
 * version), or a one-off disclosure of any record. Another organisation's
 * record is refused: its originator's prior written agreement is needed. */
gboolean   lia_record_release (LiaStore   *store,
                               const char *record_id,
                               const char *org,
                               const char *reason,
                               const char *by,
                               GError    **error);

/* Withdraws one of this organisation's records: a new version that tells
 * every organisation that received it to delete it. */
gboolean   lia_record_withdraw (LiaStore   *store,
                                const char *record_id,
                                const char *reason,
                                const char *by,
                                GError    **error);

/* ---- sealing and exchange ------------------------------------------------- */

/* Seals what is due and not yet sealed: the shared facts of cases this
 * organisation leads when they changed, and current record versions for
 * recipients newly entitled to them (a new sharing decision, a new peer).
 * Runs before every export; cheap when nothing is due. */
gboolean   lia_exchange_seal_pending (LiaStore *store,
                                      guint    *out_sealed,
                                      GError  **error);

/* Tells every current peer this organisation's keys (after
 * lia_store_rotate_keys()): an envelope with the new X25519 and CURVE keys
 * and the identity key's signatures binding them, which each peer checks
 * before it seals anything more for the new key. @out_told: how many. */
gboolean   lia_exchange_announce_keys (LiaStore *store,
                                       guint    *out_told,
                                       GError  **error);

typedef enum
{
  LIA_BUNDLE_EXPORT_ALL = 0,
  /* Only the envelopes that @org's last acknowledgement (by a bundle or a
   * sync: lia_store_dup_peer_holdings()) says it lacks; everything if it
   * has acknowledged nothing yet. */
  LIA_BUNDLE_EXPORT_NEW = 1 << 0,
} LiaBundleExportFlags;

typedef struct
{
  guint    envelopes;     /* written */
  guint    chunks;        /* of attachments, written */
  /* LIA_BUNDLE_EXPORT_NEW: envelopes for @org left out because its
   * acknowledgement says it holds them (or does not accept their author:
   * it lists the originators it accepts) */
  guint    left_out;
  /* LIA_BUNDLE_EXPORT_NEW: whether @org had acknowledged anything; if
   * not, everything was written */
  gboolean acknowledged;
} LiaBundleExport;

/* Writes a bundle (after sealing what is due) to @out: every envelope that
 * @org is a recipient of, or with LIA_BUNDLE_EXPORT_NEW only those it
 * lacks (lia_outbox_new(): this organisation's, and others' it holds for
 * @org, never one that does not name @org); then every chunk of an
 * attachment held here that @org is entitled to (lia_attachment_chunk_get(),
 * whatever the flags: an acknowledgement does not say which chunks are
 * held); then this organisation's own holdings (lia_store_dup_holdings()),
 * which acknowledge to @org what it holds. @out_summary, if given, says
 * what was written. */
gboolean   lia_exchange_export_bundle (LiaStore             *store,
                                       const char           *org,
                                       LiaBundleExportFlags  flags,
                                       GOutputStream        *out,
                                       LiaBundleExport      *out_summary,
                                       GError              **error);

typedef enum
{
  LIA_IMPORT_ACCEPTED,    /* stored, and its content applied (or waiting for its case) */
  LIA_IMPORT_DUPLICATE,   /* held already: a repeat is harmless */
  LIA_IMPORT_REFUSED,     /* not stored; the message says why */
} LiaImportOutcome;

typedef struct
{
  guint      accepted;
  guint      duplicates;
  guint      refused;
  GPtrArray *refusals;    /* char *, one message per refused envelope or chunk */
  char      *cut_short;   /* why reading stopped early, or NULL */
  /* The chunks of attachments (lia_attachment_chunk_put()). */
  guint      chunks_accepted;
  guint      chunks_duplicate;
  guint      chunks_refused;
  /* The sender's acknowledgement of what it holds (bundles of version 3):
   * the name of the peer whose holdings were noted
   * (lia_store_note_peer_holdings()), or why they were not; both NULL for
   * a bundle without one (or cut short before it). */
  char      *acknowledged_by;
  char      *acknowledgement_refused;
} LiaImportReport;

void             lia_import_report_free (LiaImportReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaImportReport, lia_import_report_free)

/* Verifies, stores and applies one envelope, in its own transaction. A
 * refusal is FALSE with an error saying why (LIA_ENVELOPE_ERROR for the
 * envelope itself, LIA_MODEL_ERROR for content that breaks the rules);
 * nothing already stored is touched. */
gboolean         lia_exchange_import_envelope (LiaStore         *store,
                                               GBytes           *bytes,
                                               LiaImportOutcome *out_outcome,
                                               GError          **error);

/* ---- importing in two stages ------------------------------------------------ */

/* What lia_exchange_import_envelope() does, split so that the costly half
 * (the signature and decryption) can run in other threads, several at
 * once, and the other half can store many envelopes in one transaction
 * (the sync engine does both). */

/* Who may author envelopes here as of now (a current peer, this
 * organisation; a removed peer is known as such): a snapshot of the store
 * that the first stage can read from any thread. */
typedef struct _LiaAuthorTable LiaAuthorTable;

LiaAuthorTable  *lia_exchange_dup_authors (LiaStore *store,
                                           GError  **error);
void             lia_author_table_free (LiaAuthorTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaAuthorTable, lia_author_table_free)

typedef struct _LiaOpenedEnvelope LiaOpenedEnvelope;

/* The first stage, which needs no store and may run in any thread: the
 * envelope's form and limits, its author (by @authors), its signature,
 * that @keyring's organisation is a recipient, and decryption. Fails with
 * LIA_ENVELOPE_ERROR saying which. */
LiaOpenedEnvelope *lia_exchange_open_envelope (GBytes               *bytes,
                                               LiaKeyring           *keyring,
                                               const LiaAuthorTable *authors,
                                               GError              **error);
/* The verified envelope, borrowed. */
LiaEnvelope     *lia_opened_envelope_get_envelope (LiaOpenedEnvelope *opened);
/* Wipes the decrypted content. */
void             lia_opened_envelope_free (LiaOpenedEnvelope *opened);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaOpenedEnvelope, lia_opened_envelope_free)

/* The second stage, on @store's thread: stores and applies each of
 * @envelopes, all in one transaction (each in a savepoint of its own if
 * any is refused). One
 * held already is DUPLICATE. One that is refused (its author removed
 * since the first stage, content that breaks the rules) is left out:
 * REFUSED, with the reason in @out_refusals[i] (LIA_ENVELOPE_ERROR or
 * LIA_MODEL_ERROR; NULL for the others), while the rest are stored. FALSE
 * only when the store fails, and then nothing of them is stored. When it
 * returns TRUE the transaction is committed (durably: see
 * lia_store_connection_pragmas()). */
gboolean         lia_exchange_import_opened (LiaStore           *store,
                                             LiaOpenedEnvelope **envelopes,
                                             guint               n_envelopes,
                                             LiaImportOutcome   *out_outcomes,
                                             GError            **out_refusals,
                                             GError            **error);

/* Imports every envelope of a bundle, each on its own, and then its
 * chunks: a refused one never stops the others, and a bundle cut short
 * keeps what came before the cut. Then notes its sender's holdings as
 * that peer's acknowledgement, if the bundle comes from a current peer
 * and is for this organisation (the framing is not signed: a forged one
 * can only make a later LIA_BUNDLE_EXPORT_NEW leave out more, never
 * disclose anything). NULL only if @in is not a bundle at all. */
LiaImportReport *lia_exchange_import_bundle (LiaStore     *store,
                                             GInputStream *in,
                                             GError      **error);

/* Destroys (or treats as returned) the content of every record that
 * another organisation disclosed to this one and whose destruction or
 * return date is on or before @today: the record becomes a tombstone with
 * its dates, the log says so, and a signed receipt is sealed for the
 * originator. Returns how many were destroyed, or -1 with @error. */
int              lia_exchange_destroy_due (LiaStore    *store,
                                           const GDate *today,
                                           GError     **error);

G_END_DECLS
