/* lia-model-private.h: what the model's files share (private to app/).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "lia-case.h"

G_BEGIN_DECLS

/* The columns that lia_org_from_row() reads, for a table aliased "o". */
#define LIA_ORG_COLUMNS "o.id, o.name, o.kind, o.sign_public"

LiaOrg  *lia_org_from_row (sqlite3_stmt *stmt,
                           int           column);
LiaOrg  *lia_store_org_by_id (LiaStore *store,
                              gint64    id,
                              GError  **error);
/* A delay notice from the columns id, sent, reason, revised at @column. */
LiaDelayNotice *lia_delay_notice_from_row (sqlite3_stmt *stmt,
                                           int           column);
/* Rewrites a case's entry in the search index. */
gboolean lia_case_index (sqlite3    *db,
                         const char *case_id,
                         GError    **error);
/* The role of @org_id on @case_id; FALSE with NOT_ALLOWED naming @org_name
 * if it does not take part. */
gboolean lia_case_participant_role (sqlite3    *db,
                                    const char *case_id,
                                    gint64      org_id,
                                    const char *org_name,
                                    LiaRole    *out_role,
                                    GError    **error);

extern const LiaField lia_contact_field;

/* Brings the milestone table (lia-deadlines.c) up to date inside the
 * caller's transaction: recomputes the cases that triggers marked in
 * milestone_stale, or every case when the calendar in use or the rules
 * are not those the table was computed with (which, unless @check_basis,
 * is looked at only when some case is marked). lia_db_commit() calls it
 * before every commit, so that the table changes with what it is computed
 * from, in the same transaction. */
gboolean lia_deadlines_update (sqlite3  *db,
                               gboolean  check_basis,
                               GError  **error);

/* The request functions, with @as_party FALSE for steps that other
 * organisations took and that reach this store as data (the demo): the
 * rules of lia_request_check_decision() and _check_escalation() still
 * hold, but not who may take the step. */
#include "lia-request.h"

char    *lia_request_new_full (LiaStore              *store,
                               const LiaRequestDraft *draft,
                               const GDate           *today,
                               gboolean               as_party,
                               GError               **error);
gboolean lia_request_decide_full (LiaStore             *store,
                                  const char           *request_id,
                                  LiaDecision           decision,
                                  const LiaRequestStep *step,
                                  const GDate          *today,
                                  gboolean              as_party,
                                  GError              **error);
gboolean lia_request_escalate_full (LiaStore             *store,
                                    const char           *request_id,
                                    LiaEscalationLevel    level,
                                    const LiaRequestStep *step,
                                    const GDate          *today,
                                    gboolean              as_party,
                                    GError              **error);
/* Makes @org_id the lead of @case_id (loading a case led elsewhere). */
gboolean lia_case_set_lead (sqlite3    *db,
                            const char *case_id,
                            gint64      org_id,
                            GError    **error);

/* ---- records as they travel (lia-record.c, lia-exchange.c) ---- */

#include "lia-record.h"

/* Seals the current version of one of this organisation's records for
 * everyone entitled to it; inside the caller's transaction. */
gboolean lia_exchange_record_changed (LiaStore   *store,
                                      const char *record_id,
                                      GError    **error);
/* Adds a one-off recipient (@how: "disclosure", "grant" or "release") to
 * one of this organisation's records and seals for it; a grant makes a new
 * version. Inside the caller's transaction. */
gboolean lia_exchange_add_recipient (LiaStore   *store,
                                     const char *record_id,
                                     gint64      org_id,
                                     const char *how,
                                     const char *reason,
                                     const char *by,
                                     GError    **error);
/* Whether @org_id is a current peer (it can be sealed for). */
gboolean lia_exchange_is_peer (sqlite3 *db,
                               gint64   org_id);
/* A request this organisation made travels to the holder, and a decision
 * it made back to the requester, when the other side is a peer; inside the
 * caller's transaction. */
gboolean lia_exchange_request_made (LiaStore   *store,
                                    const char *request_id,
                                    GError    **error);
gboolean lia_exchange_request_decided (LiaStore   *store,
                                       const char *request_id,
                                       const char *decision,
                                       const char *reason,
                                       const char *basis,
                                       const char *by,
                                       const char *on,
                                       GError    **error);
/* Stores @version of another organisation's record as it arrived (a new
 * record, or a newer version, the earlier kept), its fields validated as
 * if typed here. */
gboolean lia_record_put_received (sqlite3       *db,
                                  const char    *id,
                                  const char    *case_id,
                                  const LiaOrg  *originator,
                                  LiaRecordKind  kind,
                                  gint64         version,
                                  GHashTable    *fields,
                                  gint64         created_at,
                                  gint64         updated_at,
                                  GError       **error);
/* Writes the full-text index of the records changed in this transaction
 * (lia-record.c says why it waits); lia_db_commit() calls it before the
 * outermost commit. */
gboolean lia_record_index_flush (sqlite3 *db,
                                 GError **error);
/* A new version number with the same content (a grant), attachments
 * included. */
gboolean lia_record_bump_version (sqlite3    *db,
                                  const char *record_id,
                                  GError    **error);
/* Deletes a record's content, attachments included, keeping (or making)
 * a row with its id, kind, version and dates, marked withdrawn or
 * destroyed. The attachments' chunks are queued for
 * lia_attachment_collect_garbage(), which the caller runs once it has
 * committed. */
gboolean lia_record_make_tombstone (sqlite3       *db,
                                    const char    *id,
                                    const char    *case_id,
                                    gint64         originator,
                                    LiaRecordKind  kind,
                                    gint64         version,
                                    gboolean       withdrawn,
                                    GError       **error);

/* ---- what was sealed for this organisation (lia-holdings.c) ---- */

/* Notes that the envelope numbered @number by @author (an org row) for
 * this organisation is held; inside the caller's transaction. Nothing for
 * this organisation's own envelopes. */
gboolean lia_holdings_note (sqlite3 *db,
                            gint64   author,
                            guint64  number,
                            GError **error);

G_END_DECLS
