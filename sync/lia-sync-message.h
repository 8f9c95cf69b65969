/* lia-sync-message.h: the messages of the sync protocol, encoded and
 * decoded.
 *
 * sync/PROTOCOL.md is the reference: every message, its fields and its
 * limits. On the wire a message is one ZeroMQ frame:
 *
 *   offset  size  field
 *   0       1     protocol version, 1
 *   1       1     message type (LiaSyncMessageType)
 *   2       6     zero
 *   8       n     the body: a GVariant of the type's signature, in normal
 *                 form, little-endian
 *
 * at most LIA_SYNC_MAX_MESSAGE bytes in all. The body starts at offset 8 so
 * that GVariant can read it where it lies.
 *
 * lia_sync_message_decode() treats its input as hostile: the length is
 * bounded first, then the version and type, then the body is refused
 * unless it is in normal form, and every count, length and range is
 * checked before it is used. Its errors say which wire error code a peer
 * is to be sent back (LiaSyncMessageError).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "lia-envelope.h"
#include "lia-holdings.h"

G_BEGIN_DECLS

#define LIA_SYNC_PROTOCOL_VERSION  1
#define LIA_SYNC_HEADER_BYTES      8
/* A whole message, header included. */
#define LIA_SYNC_MAX_MESSAGE       (1024u * 1024u)
/* Holdings: originators named, and runs beyond their contiguous parts in
 * all (lia-holdings.h has their one encoding, shared with bundles and
 * sync records). */
#define LIA_SYNC_MAX_ORIGINATORS   LIA_HOLDINGS_MAX_ORIGINATORS
#define LIA_SYNC_MAX_EXTRAS        LIA_HOLDINGS_MAX_EXTRAS
/* Envelopes in one batch (a batch is also bounded by the message size). */
#define LIA_SYNC_MAX_BATCH         4096
/* Unacknowledged batches a receiver may accept at once. */
#define LIA_SYNC_MAX_WINDOW        64
/* A refusal's or an error's text, in bytes. */
#define LIA_SYNC_MAX_REASON        512
/* Chunk hashes in one WANT, and a chunk's bytes. */
#define LIA_SYNC_MAX_WANT          64
#define LIA_SYNC_CHUNK_HASH_BYTES  32
#define LIA_SYNC_MAX_CHUNK         (512u * 1024u)

typedef enum
{
  LIA_SYNC_MSG_HELLO = 1,
  LIA_SYNC_MSG_WELCOME = 2,
  LIA_SYNC_MSG_BATCH = 3,
  LIA_SYNC_MSG_ACK = 4,
  LIA_SYNC_MSG_DONE = 5,
  LIA_SYNC_MSG_HEARTBEAT = 6,
  LIA_SYNC_MSG_ERROR = 7,
  LIA_SYNC_MSG_WANT = 8,
  LIA_SYNC_MSG_CHUNK = 9,
} LiaSyncMessageType;

#define LIA_SYNC_MSG_LAST LIA_SYNC_MSG_CHUNK

/* "HELLO", "WELCOME", ...; "UNKNOWN" for anything else. */
const char *lia_sync_message_type_to_string (guint type);

#define LIA_SYNC_MESSAGE_ERROR (lia_sync_message_error_quark ())
GQuark lia_sync_message_error_quark (void);

/**
 * LiaSyncMessageError:
 *
 * Why a message was refused; also the codes of the ERROR message (a
 * node's reason for ending a session), so their values are part of the
 * protocol and never change.
 */
typedef enum
{
  /* not a message; not in normal form; a field beyond its limits */
  LIA_SYNC_MESSAGE_ERROR_MALFORMED = 1,
  LIA_SYNC_MESSAGE_ERROR_VERSION = 2,     /* a protocol version this node does not speak */
  LIA_SYNC_MESSAGE_ERROR_UNKNOWN_TYPE = 3,
  LIA_SYNC_MESSAGE_ERROR_TOO_LARGE = 4,   /* over LIA_SYNC_MAX_MESSAGE */
  LIA_SYNC_MESSAGE_ERROR_OUT_OF_TURN = 5, /* not allowed in the session's state */
  LIA_SYNC_MESSAGE_ERROR_FLOODING = 6,    /* beyond the window, or too many messages */
  LIA_SYNC_MESSAGE_ERROR_NOT_PEER = 7,    /* the sender is not (or no longer) a peer */
  LIA_SYNC_MESSAGE_ERROR_STORE = 8,       /* the node's store failed; try again later */
  LIA_SYNC_MESSAGE_ERROR_TIMEOUT = 9,     /* the other side went quiet */
  LIA_SYNC_MESSAGE_ERROR_STOPPING = 10,   /* the node is shutting down */
} LiaSyncMessageError;

#define LIA_SYNC_MESSAGE_ERROR_LAST LIA_SYNC_MESSAGE_ERROR_STOPPING

/* A CHUNK's status. */
typedef enum
{
  LIA_SYNC_CHUNK_OK = 0,        /* the chunk's bytes follow */
  LIA_SYNC_CHUNK_NOT_HELD = 1,  /* this node does not hold it */
  LIA_SYNC_CHUNK_REFUSED = 2,   /* the asker is not entitled to it */
} LiaSyncChunkStatus;

typedef struct
{
  guint32  index;    /* in the batch */
  char    *reason;   /* owned, UTF-8, at most LIA_SYNC_MAX_REASON bytes */
} LiaSyncRefusal;

/* A decoded (or to be encoded) message. Only the member of the union for
 * its type is used. Envelopes, chunks and hashes that were decoded share
 * the message's bytes (no copy). */
typedef struct
{
  LiaSyncMessageType type;
  guint64            session;    /* every type but ERROR: the session it belongs to */
  union
  {
    struct
    {
      guint32    window;         /* unacknowledged batches it accepts, 1 to LIA_SYNC_MAX_WINDOW */
      GPtrArray *holdings;       /* LiaHoldingsEntry, owned */
      guint64    offered;        /* WELCOME only: envelopes it will send in this session */
    } hello;                     /* HELLO and WELCOME */
    struct
    {
      guint64    seq;            /* 1, 2, ... in the session */
      GPtrArray *envelopes;      /* GBytes, owned: 1 to LIA_SYNC_MAX_BATCH */
    } batch;
    struct
    {
      guint64    seq;            /* the batch now committed */
      GArray    *refused;        /* LiaSyncRefusal, owned, ascending indexes */
    } ack;
    struct
    {
      guint64    batches;        /* batches sent in the session, 0 or more */
      guint64    envelopes;      /* envelopes in them */
    } done;
    struct
    {
      guint16    code;           /* LiaSyncMessageError */
      char      *message;        /* owned, UTF-8, at most LIA_SYNC_MAX_REASON bytes */
    } error;
    struct
    {
      /* GBytes of LIA_SYNC_CHUNK_HASH_BYTES, owned: 1 to LIA_SYNC_MAX_WANT */
      GPtrArray *hashes;
    } want;
    struct
    {
      guint8     hash[LIA_SYNC_CHUNK_HASH_BYTES];
      guint16    status;         /* LiaSyncChunkStatus */
      GBytes    *data;           /* owned; empty unless OK */
    } chunk;
  };
} LiaSyncMessage;

/* Constructors take what they are given (holdings, envelopes, ...). */
LiaSyncMessage *lia_sync_message_new_hello (LiaSyncMessageType type,
                                            guint64            session,
                                            guint32            window,
                                            GPtrArray         *holdings,
                                            guint64            offered);
LiaSyncMessage *lia_sync_message_new_batch (guint64    session,
                                            guint64    seq,
                                            GPtrArray *envelopes);
LiaSyncMessage *lia_sync_message_new_ack (guint64  session,
                                          guint64  seq,
                                          GArray  *refused);
LiaSyncMessage *lia_sync_message_new_done (guint64 session,
                                           guint64 batches,
                                           guint64 envelopes);
LiaSyncMessage *lia_sync_message_new_heartbeat (guint64 session);
LiaSyncMessage *lia_sync_message_new_error (LiaSyncMessageError code,
                                            const char         *message);
LiaSyncMessage *lia_sync_message_new_want (guint64    session,
                                           GPtrArray *hashes);
LiaSyncMessage *lia_sync_message_new_chunk (guint64             session,
                                            const guint8       *hash,
                                            LiaSyncChunkStatus  status,
                                            GBytes             *data);
void            lia_sync_message_free (LiaSyncMessage *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LiaSyncMessage, lia_sync_message_free)

/* A refusal for an ACK's array (g_array_set_clear_func'd). */
GArray         *lia_sync_refusals_new (void);
void            lia_sync_refusals_add (GArray     *refused,
                                       guint32     index,
                                       const char *reason);

/* The message's bytes, as it goes on the wire. A message that breaks a
 * limit is a programming mistake (g_return_val_if_fail). An error's text
 * or a refusal's longer than the limit is cut short at a character. */
GBytes         *lia_sync_message_encode (const LiaSyncMessage *message);

/* Reads a message. Fails with LIA_SYNC_MESSAGE_ERROR: TOO_LARGE,
 * MALFORMED, VERSION or UNKNOWN_TYPE, with a message for the log. */
LiaSyncMessage *lia_sync_message_decode (GBytes  *bytes,
                                         GError **error);

/* How many bytes a batch of envelopes of these sizes takes, header and
 * framing included: for filling batches up to LIA_SYNC_MAX_MESSAGE. An
 * upper bound; exact for the sizes given. */
gsize           lia_sync_batch_overhead (guint n_envelopes);

G_END_DECLS
