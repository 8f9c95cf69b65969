/* cli-passphrase.c: where liaison-cli gets passphrases from.
 *
 * Every copy of a passphrase that this file makes is a LiaSecret (locked,
 * wiped memory). The environment variable's own copy belongs to the C
 * library and cannot be wiped; people who mind use a file or the prompt.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <gio/gio.h>

#include "cli-passphrase.h"

G_DEFINE_QUARK (liaison-cli-error-quark, cli_error)

/* Drops one trailing "\n" or "\r\n", as an editor leaves at the end of a
 * file; any other whitespace is part of the passphrase. */
static void
strip_newline (LiaSecret *secret)
{
  if (secret->len > 0 && secret->data[secret->len - 1] == '\n')
    secret->data[--secret->len] = '\0';
  if (secret->len > 0 && secret->data[secret->len - 1] == '\r')
    secret->data[--secret->len] = '\0';
}

static gboolean
check_no_nul (const LiaSecret *secret,
              const char      *source,
              GError         **error)
{
  if (memchr (secret->data, '\0', secret->len) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The passphrase from %s contains a NUL byte", source);
      return FALSE;
    }
  return TRUE;
}

static LiaSecret *
read_file (const char *path,
           GError    **error)
{
  g_autoptr (LiaSecret) buffer = lia_secret_new (CLI_PASSPHRASE_MAX + 1);
  gsize len = 0;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not read the passphrase file %s: %s", path, g_strerror (saved_errno));
      return NULL;
    }
  while (len < buffer->len)
    {
      ssize_t n = read (fd, buffer->data + len, buffer->len - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          close (fd);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "Could not read the passphrase file %s: %s", path,
                       g_strerror (saved_errno));
          return NULL;
        }
      if (n == 0)
        break;
      len += n;
    }
  close (fd);
  if (len > CLI_PASSPHRASE_MAX)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The passphrase file %s is longer than %d bytes", path, CLI_PASSPHRASE_MAX);
      return NULL;
    }

  {
    LiaSecret *secret = lia_secret_new_from_data (buffer->data, len);

    strip_newline (secret);
    if (!check_no_nul (secret, path, error))
      {
        lia_secret_free (secret);
        return NULL;
      }
    return secret;
  }
}

/* Prompts on the controlling terminal with echo off. */
static LiaSecret *
prompt_once (int         tty,
             const char *prompt,
             GError    **error)
{
  g_autoptr (LiaSecret) buffer = lia_secret_new (CLI_PASSPHRASE_MAX);
  struct termios saved, quiet;
  gsize len = 0;
  gboolean ended = FALSE;

  /* Echo goes off (and anything typed before the prompt is discarded)
   * before the prompt is shown, so that what is typed after it is neither
   * echoed nor lost. */
  if (tcgetattr (tty, &saved) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not prompt for a passphrase: %s",
                   g_strerror (errno));
      return NULL;
    }
  quiet = saved;
  quiet.c_lflag &= ~(tcflag_t) ECHO;
  quiet.c_lflag |= ECHONL;
  if (tcsetattr (tty, TCSAFLUSH, &quiet) != 0 || write (tty, prompt, strlen (prompt)) < 0)
    {
      int saved_errno = errno;

      tcsetattr (tty, TCSAFLUSH, &saved);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not prompt for a passphrase: %s",
                   g_strerror (saved_errno));
      return NULL;
    }

  while (!ended)
    {
      char c;
      ssize_t n = read (tty, &c, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || c == '\n' || c == '\r')
        ended = TRUE;
      else if (len < buffer->len)
        buffer->data[len++] = (guint8) c;
    }
  tcsetattr (tty, TCSAFLUSH, &saved);

  if (len >= buffer->len)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The passphrase is longer than %d bytes", CLI_PASSPHRASE_MAX - 1);
      return NULL;
    }
  return lia_secret_new_from_data (buffer->data, len);
}

static LiaSecret *
prompt (const char *text,
        gboolean    confirm,
        GError    **error)
{
  g_autoptr (LiaSecret) first = NULL;
  g_autoptr (LiaSecret) second = NULL;
  int tty = open ("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);

  if (tty < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "Could not open the terminal to ask for the passphrase");
      return NULL;
    }
  first = prompt_once (tty, text, error);
  if (first != NULL && confirm)
    {
      second = prompt_once (tty, "Repeat the passphrase: ", error);
      if (second != NULL && !lia_secret_equal (first, second))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "The two passphrases are not the same; nothing was changed");
          g_clear_pointer (&first, lia_secret_free);
        }
      if (second == NULL)
        g_clear_pointer (&first, lia_secret_free);
    }
  close (tty);
  return g_steal_pointer (&first);
}

LiaSecret *
cli_get_passphrase (const char *env_name,
                    const char *file,
                    const char *prompt_text,
                    gboolean    confirm,
                    GError    **error)
{
  const char *env = g_getenv (env_name);

  if (env != NULL)
    return lia_secret_new_from_string (env);
  if (file != NULL)
    return read_file (file, error);
  if (isatty (STDIN_FILENO))
    return prompt (prompt_text, confirm, error);

  g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
               "No passphrase was given: set %s, pass a passphrase file, or run in a terminal "
               "to be asked for it",
               env_name);
  return NULL;
}
