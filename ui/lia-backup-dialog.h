/* lia-backup-dialog.h: backing up this organisation's identity.
 *
 * The identity backup (lia_store_export_identity) holds the organisation's
 * keys, sealed under a passphrase of its own, so that a lost computer
 * does not mean a new identity that every peer must verify again. The
 * dialog asks where to write it and for that passphrase, twice.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "lia-application.h"

G_BEGIN_DECLS

void lia_backup_dialog_present (LiaApplication *application,
                                GtkWidget      *parent);

G_END_DECLS
