/* lia-record.h: the records of a case, search, and the chronology.
 *
 * Each record is owned by the organisation that made it, its originator
 * (DESIGN.md, "Ownership"): only the originator edits it, and each edit
 * makes a new version, the earlier ones kept. A record has a kind, and
 * each kind its own fields (lia_record_kind_fields); every kind shares the
 * common ones: title, classification and its basis, handling restrictions,
 * and a return or destruction date. Every kind but the action-plan item
 * has a date (an action has its due date instead).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "lia-case.h"

G_BEGIN_DECLS

typedef enum
{
  LIA_RECORD_CHRONOLOGY,
  LIA_RECORD_INFORMATION_REPORT,
  LIA_RECORD_FACTUAL_SUMMARY,
  LIA_RECORD_INTERVIEW,
  LIA_RECORD_TERMS_OF_REFERENCE,
  LIA_RECORD_MATERIAL,
  LIA_RECORD_REPORT,
  LIA_RECORD_REPRESENTATION,
  LIA_RECORD_ACTION,
  LIA_RECORD_NOTE,
} LiaRecordKind;

#define LIA_RECORD_N_KINDS (LIA_RECORD_NOTE + 1)

const char        *lia_record_kind_to_string (LiaRecordKind kind);
gboolean           lia_record_kind_from_string (const char    *text,
                                                LiaRecordKind *out_kind);
const char        *lia_record_kind_label (LiaRecordKind kind);
const char *const *lia_record_kind_names (void);

/* The fields a record of @kind takes: the common ones, then its own. */
const LiaField    *lia_record_kind_fields (LiaRecordKind kind,
                                           guint        *out_n);

typedef enum
{
  LIA_CLASSIFICATION_STANDARD,
  LIA_CLASSIFICATION_SENSITIVE,
  LIA_CLASSIFICATION_SECRET,
} LiaClassification;

typedef struct
{
  char             *id;
  char             *case_id;
  LiaOrg           *originator;
  LiaRecordKind     kind;
  int               version;
  char             *title;          /* given, or made from the content */
  char             *date;           /* YYYY-MM-DD[THH:MM] or NULL */
  LiaClassification classification;
  GHashTable       *fields;         /* name → value, only those set */
  GDate             destroy_on;     /* invalid if none */
  GDate             return_on;      /* invalid if none */
  gint64            created_at;
  gint64            updated_at;
  gboolean          withdrawn;      /* by its originator: no content any more */
  gboolean          destroyed;      /* here, on its destruction or return date */
  gint64            destroyed_at;   /* when (Unix seconds), if destroyed */
} LiaRecord;

void        lia_record_free (LiaRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaRecord, lia_record_free)

const char *lia_record_get_field (const LiaRecord *record,
                                  const char      *name);

/* Adds a record of @kind to a case, originated by this organisation.
 * @fields maps field names to values; every one is validated, required
 * ones must be there, a sensitive or secret classification needs a basis.
 * Returns the new record's id. */
char       *lia_record_add (LiaStore      *store,
                            const char    *case_id,
                            LiaRecordKind  kind,
                            GHashTable    *fields,
                            GError       **error);

/* The same for a record that another organisation (@originator) made and
 * that reached this store other than through Liaison's own exchange: the
 * demo data, or material received on paper and entered here. It belongs to
 * @originator: this organisation cannot edit it. */
char       *lia_record_add_from (LiaStore      *store,
                                 const char    *case_id,
                                 const LiaOrg  *originator,
                                 LiaRecordKind  kind,
                                 GHashTable    *fields,
                                 GError       **error);

/* A new version of one of this organisation's own records: @changes sets
 * fields, "" clears an optional one. Another organisation's record is
 * refused, naming its originator. */
gboolean    lia_record_edit (LiaStore   *store,
                             const char *record_id,
                             GHashTable *changes,
                             GError    **error);

LiaRecord  *lia_record_load (LiaStore   *store,
                             const char *id_or_prefix,
                             GError    **error);

/* The records of a case, by date then creation; @kind < 0 for all kinds. */
GPtrArray  *lia_record_list (LiaStore   *store,
                             const char *case_id,
                             int         kind,
                             GError    **error);

/* Full-text search over every record and case. @query is words to find,
 * all of them, in any order; a word ending in '*' matches as a prefix.
 * It is never passed to FTS5 as syntax. */
typedef struct
{
  char          *case_id;
  char          *record_id;   /* NULL for a match on the case itself */
  LiaRecordKind  kind;
  char          *title;
  char          *snippet;     /* with the matches between [ and ] */
} LiaSearchHit;

void        lia_search_hit_free (LiaSearchHit *hit);

GPtrArray  *lia_search (LiaStore   *store,
                        const char *query,
                        guint       limit,
                        GError    **error);

/* The multi-agency chronology: every chronology entry of a case that this
 * organisation holds, from every agency, in event order. */
typedef struct
{
  char     *record_id;
  char     *date;        /* YYYY-MM-DD or YYYY-MM-DDTHH:MM */
  char     *agency;
  char     *what;
  char     *source;
  char     *analysis;
  char     *expected;    /* "yes", "no", "unclear" or NULL */
  char     *originator;  /* the organisation that recorded it */
} LiaChronologyEntry;

void        lia_chronology_entry_free (LiaChronologyEntry *entry);

/* @agency, if not NULL, keeps only the entries of that agency (its name,
 * ignoring case). */
GPtrArray  *lia_chronology_get (LiaStore   *store,
                                const char *case_id,
                                const char *agency,
                                GError    **error);

/* RFC 4180 CSV with a header row, CRLF line ends, UTF-8. */
gboolean    lia_chronology_write_csv (GPtrArray     *entries,
                                      GOutputStream *out,
                                      GCancellable  *cancellable,
                                      GError       **error);
/* The same for lia_chronology_get (@store, @case_id, @agency), written to
 * @out as it is read: for a long chronology, without holding every entry
 * in memory first. @out_count, if not NULL, is how many entries. */
gboolean    lia_chronology_export_csv (LiaStore      *store,
                                       const char    *case_id,
                                       const char    *agency,
                                       GOutputStream *out,
                                       guint         *out_count,
                                       GCancellable  *cancellable,
                                       GError       **error);

/* One CSV field, quoted when it holds a comma, quote, CR or LF (or
 * begins with a space); appended to @out. */
void        lia_csv_append_field (GString    *out,
                                  const char *value);

G_END_DECLS
