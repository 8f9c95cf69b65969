/* lia-sync-verifier.c: the first stage of importing a batch in worker
 * threads. See lia-sync-verifier.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lia-sync-verifier.h"

/* Envelopes per slice: small enough that both processors share a batch of
 * a few hundred, large enough that handing slices out costs nothing. */
#define SLICE 32

struct _LiaSyncAuthors
{
  gatomicrefcount  ref_count;
  LiaAuthorTable  *table;   /* owned */
};

LiaSyncAuthors *
lia_sync_authors_new (LiaAuthorTable *table)
{
  LiaSyncAuthors *authors = g_new0 (LiaSyncAuthors, 1);

  g_atomic_ref_count_init (&authors->ref_count);
  authors->table = table;
  return authors;
}

LiaSyncAuthors *
lia_sync_authors_ref (LiaSyncAuthors *authors)
{
  g_atomic_ref_count_inc (&authors->ref_count);
  return authors;
}

void
lia_sync_authors_unref (LiaSyncAuthors *authors)
{
  if (authors != NULL && g_atomic_ref_count_dec (&authors->ref_count))
    {
      lia_author_table_free (authors->table);
      g_free (authors);
    }
}

void
lia_sync_job_free (LiaSyncJob *job)
{
  if (job == NULL)
    return;
  for (guint i = 0; job->envelopes != NULL && i < job->envelopes->len; i++)
    {
      g_clear_pointer (&job->opened[i], lia_opened_envelope_free);
      g_free (job->refusals[i]);
    }
  g_free (job->opened);
  g_free (job->refusals);
  g_clear_pointer (&job->envelopes, g_ptr_array_unref);
  g_clear_pointer (&job->authors, lia_sync_authors_unref);
  g_free (job);
}

struct _LiaSyncVerifier
{
  GThreadPool *pool;
  GAsyncQueue *done;   /* LiaSyncJob, finished */
  int          fd;     /* an eventfd: readable while done is not empty */
  guint        n_threads;
};

typedef struct
{
  LiaSyncVerifier *verifier;
  LiaSyncJob      *job;
  guint            first;
  guint            end;
} Slice;

static void
signal_done (LiaSyncVerifier *self)
{
  guint64 one = 1;

  /* An eventfd only fails to take a write when its counter would
   * overflow, which a count of finished jobs never approaches. */
  while (write (self->fd, &one, sizeof one) < 0 && errno == EINTR)
    ;
}

static void
work (gpointer data,
      gpointer user_data)
{
  Slice *slice = data;
  LiaSyncJob *job = slice->job;

  for (guint i = slice->first; i < slice->end; i++)
    {
      g_autoptr (GError) error = NULL;

      job->opened[i] = lia_exchange_open_envelope (job->envelopes->pdata[i], job->keyring,
                                                   job->authors->table, &error);
      if (job->opened[i] == NULL)
        job->refusals[i] = g_strdup (error->message);
    }
  if (g_atomic_int_dec_and_test (&job->remaining))
    {
      g_async_queue_push (slice->verifier->done, job);
      signal_done (slice->verifier);
    }
  g_free (slice);
}

LiaSyncVerifier *
lia_sync_verifier_new (guint    n_threads,
                       GError **error)
{
  LiaSyncVerifier *self = g_new0 (LiaSyncVerifier, 1);

  self->n_threads = MAX (n_threads, 1);
  self->fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (self->fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not make the sync engine's event descriptor: %s",
                   g_strerror (saved_errno));
      g_free (self);
      return NULL;
    }
  self->done = g_async_queue_new_full ((GDestroyNotify) lia_sync_job_free);
  self->pool = g_thread_pool_new (work, self, self->n_threads, FALSE, error);
  if (self->pool == NULL)
    {
      close (self->fd);
      g_async_queue_unref (self->done);
      g_free (self);
      return NULL;
    }
  return self;
}

void
lia_sync_verifier_free (LiaSyncVerifier *self)
{
  if (self == NULL)
    return;
  /* Finishes every slice queued: each job's keyring and envelopes are
   * still alive, and the finished jobs are then freed with the queue. */
  g_thread_pool_free (self->pool, FALSE, TRUE);
  g_async_queue_unref (self->done);
  close (self->fd);
  g_free (self);
}

int
lia_sync_verifier_get_fd (LiaSyncVerifier *self)
{
  return self->fd;
}

guint
lia_sync_verifier_get_n_threads (LiaSyncVerifier *self)
{
  return self->n_threads;
}

void
lia_sync_verifier_push (LiaSyncVerifier *self,
                        gpointer         owner,
                        guint64          session,
                        guint64          seq,
                        GPtrArray       *envelopes,
                        LiaKeyring      *keyring,
                        LiaSyncAuthors  *authors)
{
  LiaSyncJob *job = g_new0 (LiaSyncJob, 1);
  guint n = envelopes->len;
  guint n_slices = MAX ((n + SLICE - 1) / SLICE, 1);

  job->owner = owner;
  job->session = session;
  job->seq = seq;
  job->envelopes = envelopes;
  job->opened = g_new0 (LiaOpenedEnvelope *, MAX (n, 1));
  job->refusals = g_new0 (char *, MAX (n, 1));
  job->keyring = keyring;
  job->authors = lia_sync_authors_ref (authors);
  job->remaining = n_slices;
  for (guint s = 0; s < n_slices; s++)
    {
      Slice *slice = g_new0 (Slice, 1);

      slice->verifier = self;
      slice->job = job;
      slice->first = s * SLICE;
      slice->end = MIN (n, (s + 1) * SLICE);
      /* Cannot fail: the pool is not exclusive, so no thread is made here. */
      g_thread_pool_push (self->pool, slice, NULL);
    }
}

GPtrArray *
lia_sync_verifier_take_finished (LiaSyncVerifier *self)
{
  GPtrArray *jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) lia_sync_job_free);
  LiaSyncJob *job;
  guint64 count;

  /* The descriptor first, then the queue: a job pushed after the reset
   * makes the descriptor readable again, and one pushed before it is
   * taken here, so no job is ever left waiting unseen. */
  while (read (self->fd, &count, sizeof count) < 0 && errno == EINTR)
    ;
  while ((job = g_async_queue_try_pop (self->done)) != NULL)
    g_ptr_array_add (jobs, job);
  return jobs;
}
