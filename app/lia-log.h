/* lia-log.h: the disclosure log.
 *
 * Every organisation keeps a log of what passed between it and the others
 * (DESIGN.md, "Disclosure log"; the advisory framework: "both parties should
 * keep a record of what material has been disclosed, including when it was
 * disclosed and to whom", and of what is returned or destroyed): material
 * disclosed and received, requests declined (with reasons) or redirected,
 * material withheld as sensitive or secret (with the basis), recipients
 * added by the originator's grant, records withdrawn, returned and
 * destroyed.
 *
 * The log is append-only. Each entry names its counterpart by identity key
 * and by name as they were when it was written, so that renaming or
 * removing a peer does not change history. Each entry is hash-chained to
 * the one before it and signed with this organisation's Ed25519 identity
 * key, and a signed head records where the log ends, so that
 * lia_log_verify() finds an entry edited, deleted (the last one included),
 * inserted or moved, and any signature that is not this organisation's.
 * The encoding that is hashed and signed is described in lia-log.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "lia-store.h"

G_BEGIN_DECLS

#define LIA_LOG_ERROR (lia_log_error_quark ())

/**
 * LiaLogError:
 * @LIA_LOG_ERROR_EDITED: an entry's contents (or its number) no longer match what was signed
 * @LIA_LOG_ERROR_DELETED: an entry is missing: a gap in the chain, or the log ends early
 * @LIA_LOG_ERROR_INSERTED: an entry that this organisation never wrote at that place
 * @LIA_LOG_ERROR_REORDERED: an entry stands before one that was written ahead of it
 * @LIA_LOG_ERROR_BAD_SIGNATURE: an entry (or the log's head) is not signed with this organisation's key
 *
 * Every code means the same thing to a caller that only asks whether the log
 * is intact: it is not. The message names the first bad entry by its number
 * (seq) and says what is wrong with it.
 */
typedef enum
{
  LIA_LOG_ERROR_EDITED,
  LIA_LOG_ERROR_DELETED,
  LIA_LOG_ERROR_INSERTED,
  LIA_LOG_ERROR_REORDERED,
  LIA_LOG_ERROR_BAD_SIGNATURE,
} LiaLogError;

GQuark      lia_log_error_quark (void);
/* "edited", "deleted", "inserted", "reordered", "bad-signature". */
const char *lia_log_error_to_string (LiaLogError code);

typedef enum
{
  LIA_LOG_DISCLOSED,    /* material sent to the counterpart */
  LIA_LOG_RECEIVED,     /* material received from the counterpart */
  LIA_LOG_DECLINED,     /* the counterpart's request declined, with reasons */
  LIA_LOG_REDIRECTED,   /* the counterpart's request redirected to the material's originator */
  LIA_LOG_WITHHELD,     /* notice that the material is sensitive or secret, with the basis */
  LIA_LOG_EXTENDED,     /* the counterpart added as a recipient by the originator's grant */
  LIA_LOG_WITHDRAWN,    /* a record withdrawn by its originator */
  LIA_LOG_RETURNED,     /* material returned */
  LIA_LOG_DESTROYED,    /* material destroyed (here, or by the counterpart with its receipt) */
} LiaLogEvent;

#define LIA_LOG_N_EVENTS (LIA_LOG_DESTROYED + 1)

/* Stable names, used in the store, the JSON and the CSV: "disclosed",
 * "received", "declined", "redirected", "withheld", "extended",
 * "withdrawn", "returned", "destroyed". */
const char *lia_log_event_to_string (LiaLogEvent event);
gboolean    lia_log_event_from_string (const char  *text,
                                       LiaLogEvent *out_event);

typedef struct
{
  gint64       seq;               /* 1, 2, 3, ... in the order written */
  gint64       at;                /* when it was written: Unix time in microseconds, UTC */
  LiaLogEvent  event;
  char        *on;                /* the date the step took effect, YYYY-MM-DD, if stated */
  char        *case_id;
  char        *record_id;         /* NULL if no record is named */
  gint64       record_version;    /* 0 if no record is named */
  char        *what;              /* what it was about, in words (a request's subject) */
  char        *request_id;        /* the request decided, if any */
  GBytes      *counterpart_key;   /* Ed25519 identity key, 32 bytes; NULL if known by name only */
  char        *counterpart_name;  /* the counterpart's name when the entry was written */
  GBytes      *redirect_key;      /* a redirect: the organisation the request went to */
  char        *redirect_name;
  char        *decision;          /* the decision it was made under ("share", "decline", ...) */
  char        *reason;
  char        *basis;             /* sensitive or secret: the basis for saying so */
  char        *by;                /* the person */
  GBytes      *hash;              /* BLAKE2b-256, 32 bytes: what the next entry chains to */
} LiaLogEntry;

void lia_log_entry_free (LiaLogEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaLogEntry, lia_log_entry_free)

/* What a caller gives lia_log_append(); every string may be NULL. */
typedef struct
{
  LiaLogEvent  event;
  const char  *case_id;
  const char  *record_id;
  gint64       record_version;    /* 0: the record's current version in this store */
  gint64       counterpart_org;   /* org.id; 0 for none */
  const char  *decision;
  const char  *reason;
  const char  *basis;
  const char  *by;
  const char  *on;                /* YYYY-MM-DD */
  const char  *what;
  const char  *request_id;
  gint64       redirect_org;      /* org.id of the organisation a request was redirected to; 0 for none */
} LiaLogAppend;

/* Appends inside the caller's transaction if one is open (lia_db_begin
 * nests as a savepoint), so that an entry is written in the same
 * transaction as the change it records, and never without it. The
 * counterpart's key and name are read from the store now, and kept. */
gboolean    lia_log_append (LiaStore           *store,
                            const LiaLogAppend *entry,
                            GError            **error);

/* A batch of appends inside the caller's transaction (an import of many
 * envelopes): each entry is chained and signed as ever, but the signed
 * head is written once, by lia_log_batch_end(), which the caller calls
 * before it commits. An append in a batch takes no savepoint of its own:
 * if it fails, the caller rolls back the whole transaction and calls
 * lia_log_batch_abandon(). Batches nest; the outermost one's end writes
 * the head. */
void        lia_log_batch_begin   (LiaStore *store);
gboolean    lia_log_batch_end     (LiaStore *store,
                                   GError  **error);
void        lia_log_batch_abandon (LiaStore *store);

/* The entries in the order written, all of them or those of one case (an
 * id or a unique prefix of one). */
GPtrArray  *lia_log_list (LiaStore   *store,
                          const char *case_id,
                          GError    **error);

/* Checks the whole chain and every signature, and that the log runs to its
 * signed head; on failure the error (LIA_LOG_ERROR) names the first bad
 * entry (its seq) and what is wrong: edited, deleted (a gap), inserted,
 * reordered, bad signature. @out_n_entries, if not NULL, is set to the
 * number of entries read. */
gboolean    lia_log_verify (LiaStore *store,
                            gint64   *out_n_entries,
                            GError  **error);
/* The same, and on a LIA_LOG_ERROR the first bad entry's seq in
 * @out_bad_seq (for a deletion, the seq of the missing entry). */
gboolean    lia_log_verify_full (LiaStore *store,
                                 gint64   *out_n_entries,
                                 gint64   *out_bad_seq,
                                 GError  **error);

/* RFC 4180 CSV with a header row, CRLF line ends, UTF-8; times in UTC
 * (ISO 8601), keys as fingerprints, and cells that a spreadsheet would run
 * as formulas written as text (lia_csv_append_field). */
gboolean    lia_log_write_csv (GPtrArray     *entries,
                               GOutputStream *out,
                               GError       **error);

G_END_DECLS
