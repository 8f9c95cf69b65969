/* lia-errors.c: errors in the words a person needs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "lia-backup.h"
#include "lia-calendar.h"
#include "lia-errors.h"
#include "lia-fields.h"
#include "lia-invite.h"
#include "lia-store.h"
#include "lia-sync-engine.h"

gboolean
lia_error_is_cancelled (const GError *error)
{
  return error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static char *
describe_store_error (const GError *error)
{
  switch ((LiaStoreError) error->code)
    {
    case LIA_STORE_ERROR_WRONG_PASSPHRASE:
      return g_strdup (_("That passphrase does not unlock this store. Check that Caps Lock is "
                         "off and try again."));
    case LIA_STORE_ERROR_EMPTY_PASSPHRASE:
      return g_strdup (_("Enter a passphrase."));
    case LIA_STORE_ERROR_NO_SPACE:
      return g_strdup (_("The disk is full, so nothing was saved. What was saved before is safe. "
                         "Free some space and try again."));
    case LIA_STORE_ERROR_TAMPERED:
    case LIA_STORE_ERROR_CORRUPT:
    case LIA_STORE_ERROR_KEY_FILE_DAMAGED:
      return g_strdup_printf (_("The store is damaged or has been tampered with, so Liaison will "
                                "not use it. Nothing has been changed. Restore it from a backup, "
                                "or ask your IT support for help. (%s)"),
                              error->message);
    case LIA_STORE_ERROR_KEY_FILE_MISSING:
      return g_strdup (_("The store’s key file is missing, so the store cannot be opened. Restore "
                         "the whole store folder from a backup."));
    case LIA_STORE_ERROR_KEY_FILE_VERSION:
    case LIA_STORE_ERROR_TOO_NEW:
      return g_strdup (_("This store was made by a newer version of Liaison. Update Liaison to "
                         "open it."));
    case LIA_STORE_ERROR_NOT_WRITABLE:
      return g_strdup_printf (_("Liaison cannot write to its store. Check that the folder can be "
                                "written to. (%s)"),
                              error->message);
    case LIA_STORE_ERROR_LOCKED:
      return g_strdup (_("Liaison is locked. Unlock it and try again."));
    case LIA_STORE_ERROR_EXISTS:
    case LIA_STORE_ERROR_NOT_FOUND:
    case LIA_STORE_ERROR_INVALID:
    case LIA_STORE_ERROR_FAILED:
    default:
      return g_strdup (error->message);
    }
}

static char *
describe_invite_error (const GError *error)
{
  switch ((LiaInviteError) error->code)
    {
    case LIA_INVITE_ERROR_MALFORMED:
      return g_strdup (_("This is not a Liaison invite code. Paste the whole code: it starts "
                         "with “LIAISON1-”."));
    case LIA_INVITE_ERROR_CHECKSUM:
      return g_strdup (_("This invite code has a typing mistake or is incomplete. Copy it again "
                         "from the message it came in, or ask for it again."));
    case LIA_INVITE_ERROR_VERSION:
      return g_strdup (_("This invite code was made by a newer version of Liaison. Update "
                         "Liaison to add this organisation."));
    case LIA_INVITE_ERROR_BAD_SIGNATURE:
      return g_strdup (_("This invite code has been altered or was not made by the organisation "
                         "it names. Do not use it; ask the organisation for its code again, in "
                         "person or by phone."));
    case LIA_INVITE_ERROR_TOO_LARGE:
      return g_strdup (_("This is far longer than any invite code. Check what was pasted."));
    case LIA_INVITE_ERROR_EXPIRED:
    case LIA_INVITE_ERROR_INVALID:
    default:
      /* The expiry message names the organisation and the date. */
      return g_strdup (error->message);
    }
}

static char *
describe_backup_error (const GError *error)
{
  switch ((LiaBackupError) error->code)
    {
    case LIA_BACKUP_ERROR_WRONG_PASSPHRASE:
      return g_strdup (_("That backup passphrase does not open this identity backup. It is the "
                         "passphrase chosen when the backup was made, not the store’s."));
    case LIA_BACKUP_ERROR_DAMAGED:
      return g_strdup (_("This file is not an identity backup, or it is damaged. Choose the "
                         "backup file again, or use another copy."));
    case LIA_BACKUP_ERROR_VERSION:
      return g_strdup (_("This identity backup was made by a newer version of Liaison. Update "
                         "Liaison to restore it."));
    case LIA_BACKUP_ERROR_EMPTY_PASSPHRASE:
      return g_strdup (_("Enter the backup passphrase."));
    default:
      return g_strdup (error->message);
    }
}

char *
lia_error_describe (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == LIA_STORE_ERROR)
    return describe_store_error (error);
  if (error->domain == LIA_INVITE_ERROR)
    return describe_invite_error (error);
  if (error->domain == LIA_BACKUP_ERROR)
    return describe_backup_error (error);
  if (g_error_matches (error, LIA_SYNC_ERROR, LIA_SYNC_ERROR_ENDPOINT))
    return g_strdup_printf (_("Liaison is not listening for its peers: %s. Choose another "
                              "listening address or port in Preferences."),
                            error->message);
  if (error->domain == LIA_CALENDAR_ERROR && error->code == LIA_CALENDAR_ERROR_NETWORK)
    return g_strdup_printf (_("Could not fetch the bank holidays: %s. The calendar in use is "
                              "unchanged."),
                            error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return g_strdup (_("The disk is full, so the file was not written. Free some space and try "
                       "again."));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    return g_strdup_printf (_("Liaison is not allowed to write there. Choose another folder. "
                              "(%s)"),
                            error->message);
  /* The model's messages (LIA_MODEL_ERROR) name the field or the rule and
   * say what is allowed; they stand as they are. */
  return g_strdup (error->message);
}
