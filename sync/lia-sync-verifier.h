/* lia-sync-verifier.h: the first stage of importing a batch (signatures,
 * decryption) in worker threads.
 *
 * The sync engine's thread hands each received batch to the verifier and
 * goes on with its sockets and its store; the batch's envelopes are
 * opened (lia_exchange_open_envelope()) by a pool of threads, one per
 * processor, in slices, so that one batch keeps every processor busy. A
 * finished job is queued and the verifier's file descriptor becomes
 * readable, which the engine's poller watches.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "lia-exchange.h"

G_BEGIN_DECLS

/* The author snapshot, shared by the jobs made while it was current. */
typedef struct _LiaSyncAuthors LiaSyncAuthors;

LiaSyncAuthors *lia_sync_authors_new (LiaAuthorTable *table);
LiaSyncAuthors *lia_sync_authors_ref (LiaSyncAuthors *authors);
void            lia_sync_authors_unref (LiaSyncAuthors *authors);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaSyncAuthors, lia_sync_authors_unref)

typedef struct
{
  gpointer            owner;       /* the caller's, not touched (the link the batch came on) */
  guint64             session;
  guint64             seq;
  GPtrArray          *envelopes;   /* GBytes, owned */
  /* n_envelopes each, filled by the workers: */
  LiaOpenedEnvelope **opened;      /* owned; NULL where refused */
  char              **refusals;    /* owned; why, where refused */
  /* private */
  LiaKeyring         *keyring;     /* borrowed: the engine's store outlives every job */
  LiaSyncAuthors     *authors;     /* owned */
  gint                remaining;   /* slices not done */
} LiaSyncJob;

void            lia_sync_job_free (LiaSyncJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaSyncJob, lia_sync_job_free)

typedef struct _LiaSyncVerifier LiaSyncVerifier;

/* @n_threads workers (at least 1). Fails only if the system has no file
 * descriptor or thread to give. */
LiaSyncVerifier *lia_sync_verifier_new (guint    n_threads,
                                        GError **error);
/* Waits for every job under way, then frees it and the jobs not taken. */
void             lia_sync_verifier_free (LiaSyncVerifier *self);
/* Readable while finished jobs wait to be taken. */
int              lia_sync_verifier_get_fd (LiaSyncVerifier *self);
guint            lia_sync_verifier_get_n_threads (LiaSyncVerifier *self);

/* Opens @envelopes (taken) with @keyring, checking authors against
 * @authors. */
void             lia_sync_verifier_push (LiaSyncVerifier *self,
                                         gpointer         owner,
                                         guint64          session,
                                         guint64          seq,
                                         GPtrArray       *envelopes,
                                         LiaKeyring      *keyring,
                                         LiaSyncAuthors  *authors);
/* Every finished job waiting (LiaSyncJob, owned by the array), in the
 * order they finished; empty if none. Call it when the descriptor is
 * readable. */
GPtrArray       *lia_sync_verifier_take_finished (LiaSyncVerifier *self);

G_END_DECLS
