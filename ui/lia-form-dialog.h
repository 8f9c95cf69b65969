/* lia-form-dialog.h: a modal dialog that asks for something and saves it.
 *
 * Every form in Liaison (a new case, a record, a request, a decision, a
 * peer's invite code) has the same shape: Cancel and a named button in
 * the header bar, the fields, and under them the place where a problem is
 * said, in plain words, while everything typed stays as it was. While the
 * store works on it the form shows so and takes no more input; when the
 * work is done the caller closes it, or shows the error and lets the
 * person correct it.
 *
 * The dialog is attached to the application, so that locking closes it
 * with everything else that shows case material.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "lia-store-worker.h"

G_BEGIN_DECLS

#define LIA_TYPE_FORM_DIALOG (lia_form_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LiaFormDialog, lia_form_dialog, LIA, FORM_DIALOG, AdwWindow)

/* A dialog over the window of @parent. @name names it for tests and
 * tools ("new-case-dialog"). */
LiaFormDialog *lia_form_dialog_new (GtkWidget  *parent,
                                    const char *name,
                                    const char *title,
                                    const char *accept_label);

void           lia_form_dialog_set_description (LiaFormDialog *self,
                                                const char    *description);
/* Appends @child to the form. */
void           lia_form_dialog_add (LiaFormDialog *self,
                                    GtkWidget     *child);
/* Marks the accept button as destructive (removing, declining). */
void           lia_form_dialog_set_destructive (LiaFormDialog *self,
                                                gboolean       destructive);

/* Shows @error where the fields end (NULL clears it) and ends busy. */
void           lia_form_dialog_show_error (LiaFormDialog *self,
                                           const GError  *error);
/* Shows @message as a problem with what was typed. */
void           lia_form_dialog_show_problem (LiaFormDialog *self,
                                             const char    *message);
void           lia_form_dialog_set_busy (LiaFormDialog *self,
                                         gboolean       busy);

/* A cancellable for the work the dialog starts; cancelled when it
 * closes. */
GCancellable  *lia_form_dialog_get_cancellable (LiaFormDialog *self);

/* Called with the job's result when it succeeded, before the dialog
 * closes; the result is freed afterwards with the job's @result_free. */
typedef void (*LiaFormDoneFunc) (LiaFormDialog *dialog,
                                 gpointer       result,
                                 gpointer       user_data);

/* What every form does with what was typed: the dialog shows it is busy,
 * @func runs on the store's thread (lia_store_worker_run), and then either
 * @done (may be NULL) is called and the dialog closes, or the error is
 * shown in the dialog, everything typed still there. */
void           lia_form_dialog_run (LiaFormDialog   *self,
                                    LiaStoreWorker  *worker,
                                    LiaStoreJobFunc  func,
                                    gpointer         data,
                                    GDestroyNotify   data_free,
                                    GDestroyNotify   result_free,
                                    LiaStoreJobFlags flags,
                                    const char      *changed_case,
                                    LiaFormDoneFunc  done,
                                    gpointer         user_data);

G_END_DECLS
