/* lia-loader.c: a view's data, loaded on the store's thread, kept fresh.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "lia-errors.h"
#include "lia-loader.h"

/* What the jobs need, shared by reference with the jobs in flight, which
 * may outlive the loader. */
typedef struct
{
  LiaStoreJobFunc func;
  gpointer        data;
  GDestroyNotify  data_free;
} Spec;

static void
spec_clear (gpointer p)
{
  Spec *spec = p;

  if (spec->data_free != NULL && spec->data != NULL)
    spec->data_free (spec->data);
}

static void
spec_unref (gpointer spec)
{
  g_atomic_rc_box_release_full (spec, spec_clear);
}

static gpointer
run_spec (LiaStore     *store,
          gpointer      data,
          GCancellable *cancellable,
          GError      **error)
{
  Spec *spec = data;

  return spec->func (store, spec->data, cancellable, error);
}

struct _LiaLoader
{
  GObject         parent_instance;

  LiaStoreWorker *worker;       /* owned */
  char           *case_id;      /* owned, or NULL */
  Spec           *spec;         /* owned reference */
  GDestroyNotify  result_free;
  LiaLoadedFunc   loaded;
  gpointer        user_data;    /* borrowed: the view, which owns the loader */
  GCancellable   *cancellable;  /* owned */
  gulong          changed_id;
  gboolean        active;       /* asked to load at least once: follows changes */
  gboolean        loading;
  gboolean        again;        /* a change came during the load */
};

G_DEFINE_FINAL_TYPE (LiaLoader, lia_loader, G_TYPE_OBJECT)

static void start (LiaLoader *self);

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (LiaLoader) self = user_data;
  g_autoptr (GError) error = NULL;
  gpointer value = lia_store_worker_run_finish (LIA_STORE_WORKER (source), result, &error);

  if (lia_error_is_cancelled (error) || g_cancellable_is_cancelled (self->cancellable))
    {
      if (value != NULL && self->result_free != NULL)
        self->result_free (value);
      return;
    }
  self->loading = FALSE;
  if (self->again)
    {
      /* Stale already: drop it and load what is there now. */
      if (value != NULL && self->result_free != NULL)
        self->result_free (value);
      self->again = FALSE;
      start (self);
      return;
    }
  self->loaded (value, error, self->user_data);
}

static void
start (LiaLoader *self)
{
  self->loading = TRUE;
  lia_store_worker_run (self->worker, run_spec, g_atomic_rc_box_acquire (self->spec), spec_unref,
                        self->result_free, LIA_STORE_JOB_READS, NULL, self->cancellable,
                        loaded_cb, g_object_ref (self));
}

void
lia_loader_load (LiaLoader *self)
{
  g_return_if_fail (LIA_IS_LOADER (self));

  if (g_cancellable_is_cancelled (self->cancellable) || self->worker == NULL)
    return;
  self->active = TRUE;
  if (self->loading)
    self->again = TRUE;
  else
    start (self);
}

static void
mapped_cb (GtkWidget *widget,
           gpointer   user_data)
{
  LiaLoader *self = user_data;

  g_signal_handlers_disconnect_by_func (widget, mapped_cb, self);
  lia_loader_load (self);
}

void
lia_loader_load_when_mapped (LiaLoader *self,
                             GtkWidget *widget)
{
  g_return_if_fail (LIA_IS_LOADER (self));
  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (gtk_widget_get_mapped (widget))
    lia_loader_load (self);
  else
    g_signal_connect_object (widget, "map", G_CALLBACK (mapped_cb), self, 0);
}

void
lia_loader_reload (LiaLoader *self)
{
  g_return_if_fail (LIA_IS_LOADER (self));

  if (self->active)
    lia_loader_load (self);
}

gboolean
lia_loader_is_busy (LiaLoader *self)
{
  g_return_val_if_fail (LIA_IS_LOADER (self), FALSE);

  return self->loading;
}

static void
changed_cb (LiaStoreWorker *worker,
            const char     *case_id,
            gpointer        user_data)
{
  LiaLoader *self = user_data;

  /* A page never shown is not loaded for a change either. */
  if (!self->active)
    return;
  if (self->case_id == NULL || case_id == NULL || g_str_equal (case_id, self->case_id))
    lia_loader_load (self);
}

void
lia_loader_cancel (LiaLoader *self)
{
  g_return_if_fail (LIA_IS_LOADER (self));

  g_cancellable_cancel (self->cancellable);
  if (self->worker != NULL)
    g_clear_signal_handler (&self->changed_id, self->worker);
}

static void
lia_loader_dispose (GObject *object)
{
  LiaLoader *self = LIA_LOADER (object);

  lia_loader_cancel (self);
  g_clear_object (&self->worker);
  G_OBJECT_CLASS (lia_loader_parent_class)->dispose (object);
}

static void
lia_loader_finalize (GObject *object)
{
  LiaLoader *self = LIA_LOADER (object);

  g_clear_pointer (&self->spec, spec_unref);
  g_clear_object (&self->cancellable);
  g_free (self->case_id);
  G_OBJECT_CLASS (lia_loader_parent_class)->finalize (object);
}

static void
lia_loader_class_init (LiaLoaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lia_loader_dispose;
  object_class->finalize = lia_loader_finalize;
}

static void
lia_loader_init (LiaLoader *self)
{
  self->cancellable = g_cancellable_new ();
}

LiaLoader *
lia_loader_new (LiaStoreWorker *worker,
                const char     *case_id,
                LiaStoreJobFunc func,
                gpointer        data,
                GDestroyNotify  data_free,
                GDestroyNotify  result_free,
                LiaLoadedFunc   loaded,
                gpointer        user_data)
{
  LiaLoader *self;

  g_return_val_if_fail (LIA_IS_STORE_WORKER (worker), NULL);
  g_return_val_if_fail (func != NULL && loaded != NULL, NULL);

  self = g_object_new (LIA_TYPE_LOADER, NULL);
  self->worker = g_object_ref (worker);
  self->case_id = g_strdup (case_id);
  self->spec = g_atomic_rc_box_new0 (Spec);
  self->spec->func = func;
  self->spec->data = data;
  self->spec->data_free = data_free;
  self->result_free = result_free;
  self->loaded = loaded;
  self->user_data = user_data;
  self->changed_id = g_signal_connect (worker, "changed", G_CALLBACK (changed_cb), self);
  return self;
}
