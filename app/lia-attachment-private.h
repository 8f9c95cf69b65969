/* lia-attachment-private.h: what the model's files (lia-record.c,
 * lia-exchange.c) and the tests share with lia-attachment.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "lia-attachment.h"
#include "lia-bundle.h"
#include "lia-crypto.h"

G_BEGIN_DECLS

/* One attachment as a record version's content lists it (the manifest in
 * lia-attachment.h). */
typedef struct
{
  char      *name;
  char      *media_type;
  guint64    size;
  LiaSecret *key;                                    /* LIA_ATTACHMENT_KEY_BYTES */
  guint8     plain_hash[LIA_ATTACHMENT_HASH_BYTES];
  GBytes    *chunks;                                 /* n × LIA_ATTACHMENT_HASH_BYTES */
} LiaAttachmentEntry;

void       lia_attachment_entry_free (LiaAttachmentEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaAttachmentEntry, lia_attachment_entry_free)

/* How many chunks a file of @size bytes has. */
guint      lia_attachment_n_chunks (guint64 size);

/* Decodes the "attachments" member of a record's content, @node (NULL
 * when the content has none: an empty list), as hostile input: every rule
 * of the manifest is checked. Returns LiaAttachmentEntry, or NULL with
 * LIA_MODEL_ERROR_INVALID saying what is wrong. */
GPtrArray *lia_attachment_manifest_parse (JsonNode *node,
                                          GError  **error);
/* Writes @entries as the "attachments" member into the object @builder is
 * building; nothing when there are none. */
void       lia_attachment_manifest_write (GPtrArray   *entries,
                                          JsonBuilder *builder);
/* The manifest of a record's current version, as this store keeps it. */
GPtrArray *lia_attachment_load_entries (sqlite3    *db,
                                        const char *record_id,
                                        GError    **error);

/* Records that version @version of @record_id lists @entries: the chunk
 * references (which say who may be given each chunk, and what is wanted),
 * and, when @current, the record's attachments as the current version's.
 * Inside the caller's transaction. */
gboolean   lia_attachment_apply (sqlite3    *db,
                                 const char *record_id,
                                 gint64      version,
                                 GPtrArray  *entries,
                                 gboolean    current,
                                 GError    **error);

/* A new version (@from_version + 1) of one of this organisation's records
 * lists the same attachments: their chunk references are copied to it.
 * Inside the caller's transaction. */
gboolean   lia_attachment_carry_forward (sqlite3    *db,
                                         const char *record_id,
                                         gint64      from_version,
                                         GError    **error);

/* A record withdrawn or destroyed: its attachments and every chunk
 * reference of every version go, in the caller's transaction; the chunks
 * that no other record refers to are queued for
 * lia_attachment_collect_garbage(). */
gboolean   lia_attachment_forget_record (sqlite3    *db,
                                         const char *record_id,
                                         GError    **error);

/* Deletes the chunks queued by lia_attachment_forget_record() that nothing
 * refers to any more, and those an attach left behind when it was cut
 * short more than a day ago (one running in another process may still be
 * writing newer ones), a few at a time, each few in a transaction of its
 * own, so that the write-ahead log stays small. Cheap when there is
 * nothing to do. Run after the transaction that queued them. */
gboolean   lia_attachment_collect_garbage (sqlite3 *db,
                                           GError **error);
/* The same, where a failure is no reason to fail what went before (the
 * chunks' keys are gone already): it is logged, and tried again next
 * time. */
void       lia_attachment_collect_garbage_quietly (sqlite3 *db);

/* ---- bundles (lia_exchange_export_bundle) ---- */

/* Adds every chunk org @org_id is entitled to (as lia_attachment_chunk_get()
 * decides) that this store holds to @writer. */
gboolean   lia_attachment_write_for (sqlite3         *db,
                                     gint64           org_id,
                                     LiaBundleWriter *writer,
                                     guint           *out_count,
                                     GError         **error);

G_END_DECLS
