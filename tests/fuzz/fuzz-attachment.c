/* fuzz-attachment.c: the decoder of a record's list of attachments.
 *
 * The "attachments" member of a record version's content comes from
 * another organisation (lia-attachment.h describes it); once the
 * envelope's signature is checked, lia_attachment_manifest_parse() is what
 * stands between its bytes and the store. The input is the JSON text of
 * that member's value (an array, if it is right), read by json-glib as
 * apply() reads a content, and for every input:
 *
 *  - the decoder either fails with LIA_MODEL_ERROR_INVALID and a UTF-8
 *    message, or returns entries that keep every rule of the manifest: at
 *    most LIA_ATTACHMENT_MAX_PER_RECORD of them, LIA_ATTACHMENT_MAX_RECORD
 *    _CHUNKS chunks in all; each name 1 to 255 bytes of UTF-8 with no
 *    control character, no '/' or '\' and not "." or ".."; each media type
 *    type/subtype in lower case; each size within LIA_ATTACHMENT_MAX_SIZE
 *    and exactly 32 bytes of chunk hash for each of its chunks; a key of 32
 *    bytes;
 *  - what decodes, written back with lia_attachment_manifest_write() and
 *    decoded again, gives the same entries, byte for byte;
 *  - a JSON text that is not an array decodes only if it is no member at
 *    all (which the target never passes), so it fails.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "lia-attachment-private.h"
#include "lia-case.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

G_GNUC_NORETURN static void
fail (const char *what)
{
  fprintf (stderr, "fuzz-attachment: %s\n", what);
  /* abort(), not g_error(): libFuzzer saves the input on SIGABRT. */
  abort ();
}

static void
check_entry (const LiaAttachmentEntry *e)
{
  gsize len = strlen (e->name);
  const char *slash;

  if (len == 0 || len > LIA_ATTACHMENT_MAX_NAME || !g_utf8_validate (e->name, len, NULL))
    fail ("a name out of bounds or not UTF-8");
  if (strchr (e->name, '/') != NULL || strchr (e->name, '\\') != NULL
      || g_str_equal (e->name, ".") || g_str_equal (e->name, ".."))
    fail ("a name that is a path");
  for (const char *p = e->name; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      fail ("a name with a control character");
  slash = strchr (e->media_type, '/');
  if (slash == NULL || slash == e->media_type || slash[1] == '\0'
      || strlen (e->media_type) > LIA_ATTACHMENT_MAX_MEDIA_TYPE
      || strchr (slash + 1, '/') != NULL)
    fail ("a media type not of the form type/subtype");
  for (const char *p = e->media_type; *p != '\0'; p++)
    if (g_ascii_isupper (*p) || (guchar) *p > 0x7e || (guchar) *p <= 0x20)
      fail ("a media type with an upper-case or unprintable character");
  if (e->size > LIA_ATTACHMENT_MAX_SIZE)
    fail ("a size over the limit");
  if (g_bytes_get_size (e->chunks) != (gsize) lia_attachment_n_chunks (e->size) * 32)
    fail ("a list of chunks that does not fit the size");
  if (e->key == NULL || e->key->len != LIA_ATTACHMENT_KEY_BYTES)
    fail ("a key of the wrong size");
}

static gboolean
entries_equal (GPtrArray *a, GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const LiaAttachmentEntry *x = a->pdata[i], *y = b->pdata[i];

      if (strcmp (x->name, y->name) != 0 || strcmp (x->media_type, y->media_type) != 0
          || x->size != y->size || memcmp (x->key->data, y->key->data, x->key->len) != 0
          || memcmp (x->plain_hash, y->plain_hash, sizeof x->plain_hash) != 0
          || !g_bytes_equal (x->chunks, y->chunks))
        return FALSE;
    }
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GError) error = NULL;
  guint total = 0;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, (const char *) data, size, NULL))
    return 0;
  root = json_parser_get_root (parser);
  if (root == NULL)
    return 0;
  entries = lia_attachment_manifest_parse (root, &error);
  if (entries == NULL)
    {
      if (error == NULL || !g_error_matches (error, LIA_MODEL_ERROR, LIA_MODEL_ERROR_INVALID))
        fail ("a refusal that is not LIA_MODEL_ERROR_INVALID");
      if (!g_utf8_validate (error->message, -1, NULL))
        fail ("a message that is not UTF-8");
      return 0;
    }
  if (error != NULL)
    fail ("an error set on success");
  if (!JSON_NODE_HOLDS_ARRAY (root))
    fail ("something other than a list decoded");
  if (entries->len > LIA_ATTACHMENT_MAX_PER_RECORD)
    fail ("more attachments than a record may have");
  for (guint i = 0; i < entries->len; i++)
    {
      const LiaAttachmentEntry *e = entries->pdata[i];

      check_entry (e);
      total += lia_attachment_n_chunks (e->size);
    }
  if (total > LIA_ATTACHMENT_MAX_RECORD_CHUNKS)
    fail ("more chunks in all than a record may list");

  /* Written back and read again: the same entries. */
  {
    g_autoptr (JsonBuilder) builder = json_builder_new ();
    g_autoptr (JsonNode) object = NULL;
    g_autoptr (GPtrArray) again = NULL;
    g_autoptr (GError) again_error = NULL;

    json_builder_begin_object (builder);
    lia_attachment_manifest_write (entries, builder);
    json_builder_end_object (builder);
    object = json_builder_get_root (builder);
    again = lia_attachment_manifest_parse (json_object_get_member (json_node_get_object (object),
                                                                   "attachments"),
                                           &again_error);
    if (again == NULL)
      fail ("what decoded does not decode once written back");
    if (!entries_equal (entries, again))
      fail ("what decoded changes when written back and decoded again");
  }
  return 0;
}
