/* lia-migrations.c: numbered schema migrations.
 *
 * The schema version lives in SQLite's user_version field of the (encrypted)
 * database header. Each migration is a fixed piece of SQL compiled into the
 * program; a migration never edits an earlier one, it adds the next.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "lia-migrations.h"
#include "lia-store-private.h"

static const LiaMigration store_migrations[] = {
  {
    1, "the organisation's identity",
    /* One row: this store's own organisation. The secret keys are stored
     * wrapped (secretbox under a subkey of the master key), so that they
     * never sit in SQLite's page cache in clear. */
    "CREATE TABLE organisation ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  name TEXT NOT NULL CHECK (length (name) BETWEEN 1 AND 200),"
    "  kind TEXT NOT NULL CHECK (kind IN ('local-authority', 'icb', 'police', 'iopc', 'agency')),"
    "  created_at INTEGER NOT NULL,"
    "  sign_public BLOB NOT NULL CHECK (length (sign_public) = 32),"
    "  sign_secret_wrapped BLOB NOT NULL,"
    "  box_public BLOB NOT NULL CHECK (length (box_public) = 32),"
    "  box_secret_wrapped BLOB NOT NULL,"
    "  curve_public BLOB NOT NULL CHECK (length (curve_public) = 32),"
    "  curve_secret_wrapped BLOB NOT NULL"
    ") STRICT;"
  },
  {
    2, "cases, participants, processes, records and requests",
    /* Organisations known to this store. Row 1 is always this organisation
     * (the trigger copies it from the identity table). Others are peers or
     * organisations known only by name (sign_public NULL). */
    "CREATE TABLE org ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL CHECK (length (name) BETWEEN 1 AND 200),"
    "  kind TEXT NOT NULL CHECK (kind IN ('local-authority', 'icb', 'police', 'iopc', 'agency')),"
    "  sign_public BLOB UNIQUE CHECK (sign_public IS NULL OR length (sign_public) = 32),"
    "  added_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE UNIQUE INDEX org_name ON org (name COLLATE NOCASE);"
    "INSERT INTO org (id, name, kind, sign_public, added_at)"
    "  SELECT 1, name, kind, sign_public, created_at FROM organisation;"
    "CREATE TRIGGER organisation_is_org_1 AFTER INSERT ON organisation BEGIN"
    "  INSERT INTO org (id, name, kind, sign_public, added_at)"
    "    VALUES (1, NEW.name, NEW.kind, NEW.sign_public, NEW.created_at);"
    "END;"

    /* Dates are TEXT in ISO 8601 form, so that they sort as text. */
    /* seq is the rowid that the search index refers to, kept stable by
     * being declared (VACUUM may renumber implicit rowids). */
    "CREATE TABLE lcase ("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  lead INTEGER NOT NULL REFERENCES org (id),"
    "  title TEXT NOT NULL,"
    "  child TEXT NOT NULL,"
    "  area TEXT NOT NULL,"
    "  incident TEXT,"
    "  aware TEXT NOT NULL,"
    "  type TEXT NOT NULL CHECK (type IN ('serious-harm', 'death', 'other')),"
    "  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX lcase_created ON lcase (created_at);"

    /* The processes' fields, by name (lia_case_fields). */
    "CREATE TABLE case_field ("
    "  case_id TEXT NOT NULL REFERENCES lcase (id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (case_id, name)"
    ") STRICT, WITHOUT ROWID;"

    "CREATE TABLE participant ("
    "  case_id TEXT NOT NULL REFERENCES lcase (id) ON DELETE CASCADE,"
    "  org_id INTEGER NOT NULL REFERENCES org (id),"
    "  role TEXT NOT NULL CHECK (role IN ('local-authority', 'icb', 'police', 'iopc', 'agency')),"
    "  contact TEXT,"
    "  email TEXT,"
    "  phone TEXT,"
    "  added_at INTEGER NOT NULL,"
    "  PRIMARY KEY (case_id, org_id)"
    ") STRICT, WITHOUT ROWID;"

    "CREATE TABLE attendee ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id TEXT NOT NULL,"
    "  org_id INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  position TEXT,"
    "  FOREIGN KEY (case_id, org_id) REFERENCES participant (case_id, org_id) ON DELETE CASCADE"
    ") STRICT;"
    "CREATE INDEX attendee_case ON attendee (case_id);"

    "CREATE TABLE delay_notice ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id TEXT NOT NULL REFERENCES lcase (id) ON DELETE CASCADE,"
    "  sent TEXT NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  revised TEXT"
    ") STRICT;"
    "CREATE INDEX delay_notice_case ON delay_notice (case_id);"

    /* Records: the columns that queries sort and filter on, and the kind's
     * fields as a JSON object. Earlier versions go to record_version. */
    "CREATE TABLE record ("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  case_id TEXT NOT NULL REFERENCES lcase (id) ON DELETE CASCADE,"
    "  originator INTEGER NOT NULL REFERENCES org (id),"
    "  kind TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  date TEXT,"
    "  classification TEXT NOT NULL CHECK (classification IN ('standard', 'sensitive', 'secret')),"
    "  fields TEXT NOT NULL,"
    "  destroy_on TEXT,"
    "  return_on TEXT,"
    "  status TEXT,"
    "  owner TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX record_case_kind_date ON record (case_id, kind, date);"
    /* Covering, for the deadline engine: it reads these rows alone. */
    "CREATE INDEX record_dates ON record (case_id, id, kind, title, date, status, owner, "
    "  destroy_on, return_on) "
    "  WHERE destroy_on IS NOT NULL OR return_on IS NOT NULL OR kind = 'action';"

    /* The chronology entries again, in the order the multi-agency
     * chronology reads them (a case's entries by date, then as made), so
     * that 50,000 of them are one sequential scan. */
    "CREATE TABLE chronology ("
    "  case_id TEXT NOT NULL,"
    "  date TEXT NOT NULL,"
    "  record_seq INTEGER NOT NULL REFERENCES record (seq) ON DELETE CASCADE,"
    "  record_id TEXT NOT NULL,"
    "  originator INTEGER NOT NULL,"
    "  agency TEXT NOT NULL,"
    "  what TEXT NOT NULL,"
    "  source TEXT,"
    "  analysis TEXT,"
    "  expected TEXT,"
    "  PRIMARY KEY (case_id, date, record_seq)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX chronology_record ON chronology (record_seq);"

    "CREATE TABLE record_version ("
    "  record_id TEXT NOT NULL REFERENCES record (id) ON DELETE CASCADE,"
    "  version INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  date TEXT,"
    "  classification TEXT NOT NULL,"
    "  fields TEXT NOT NULL,"
    "  replaced_at INTEGER NOT NULL,"
    "  PRIMARY KEY (record_id, version)"
    ") STRICT, WITHOUT ROWID;"

    /* Full-text search; rowids are the seq of record and lcase. */
    "CREATE VIRTUAL TABLE record_fts USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 2');"
    "CREATE VIRTUAL TABLE case_fts USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 2');"

    "CREATE TABLE request ("
    "  id TEXT PRIMARY KEY,"
    "  case_id TEXT NOT NULL REFERENCES lcase (id) ON DELETE CASCADE,"
    "  requester INTEGER NOT NULL REFERENCES org (id),"
    "  holder INTEGER NOT NULL REFERENCES org (id),"
    "  record_id TEXT REFERENCES record (id),"
    "  subject TEXT NOT NULL,"
    "  purpose TEXT NOT NULL,"
    "  made_on TEXT NOT NULL,"
    "  reply_by TEXT,"
    "  state TEXT NOT NULL,"
    "  level INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX request_case ON request (case_id, made_on);"

    "CREATE TABLE request_event ("
    "  id INTEGER PRIMARY KEY,"
    "  request_id TEXT NOT NULL REFERENCES request (id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('made', 'decision', 'escalation', 'withdrawal')),"
    "  decision TEXT,"
    "  level INTEGER,"
    "  reason TEXT NOT NULL,"
    "  basis TEXT,"
    "  statute TEXT,"
    "  redirect_to INTEGER REFERENCES org (id),"
    "  by_name TEXT NOT NULL,"
    "  by_org INTEGER NOT NULL REFERENCES org (id),"
    "  event_on TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX request_event_request ON request_event (request_id, id);"
  },
  {
    3, "peers, sharing, envelopes and the disclosure log",
    /* Peers are rows of org with their public keys: the X25519 key that
     * envelopes are wrapped for and the CURVE key of their transport, each
     * with the identity key's signature binding it (lia-invite.h). A row
     * with sign_public but no box_public is known by name and key only. */
    "ALTER TABLE org ADD COLUMN box_public BLOB CHECK (box_public IS NULL OR length (box_public) = 32);"
    "ALTER TABLE org ADD COLUMN box_signature BLOB CHECK (box_signature IS NULL OR length (box_signature) = 64);"
    "ALTER TABLE org ADD COLUMN curve_public BLOB CHECK (curve_public IS NULL OR length (curve_public) = 32);"
    "ALTER TABLE org ADD COLUMN curve_signature BLOB CHECK (curve_signature IS NULL OR length (curve_signature) = 64);"
    /* The endpoints it listens on, one tcp://HOST:PORT per line. */
    "ALTER TABLE org ADD COLUMN endpoints TEXT;"
    /* When it became a peer (from an invite), when a person compared the
     * safety number and who, and when it was revoked (peer remove). */
    "ALTER TABLE org ADD COLUMN peer_since INTEGER;"
    "ALTER TABLE org ADD COLUMN verified_at INTEGER;"
    "ALTER TABLE org ADD COLUMN verified_by TEXT;"
    "ALTER TABLE org ADD COLUMN revoked_at INTEGER;"
    /* This organisation's own binding signatures, which peers check
     * against its identity key. A store made before this migration gets
     * them at its next unlock (lia-store.c), since SQL cannot sign. */
    "ALTER TABLE organisation ADD COLUMN box_signature BLOB"
    "  CHECK (box_signature IS NULL OR length (box_signature) = 64);"
    "ALTER TABLE organisation ADD COLUMN curve_signature BLOB"
    "  CHECK (curve_signature IS NULL OR length (curve_signature) = 64);"
    "UPDATE org SET box_public = (SELECT box_public FROM organisation),"
    "  curve_public = (SELECT curve_public FROM organisation) WHERE id = 1;"
    "DROP TRIGGER organisation_is_org_1;"
    "CREATE TRIGGER organisation_is_org_1 AFTER INSERT ON organisation BEGIN"
    "  INSERT INTO org (id, name, kind, sign_public, box_public, box_signature, curve_public,"
    "                   curve_signature, added_at)"
    "    VALUES (1, NEW.name, NEW.kind, NEW.sign_public, NEW.box_public, NEW.box_signature,"
    "            NEW.curve_public, NEW.curve_signature, NEW.created_at);"
    "END;"
    /* A key rotation (lia_store_rotate_keys()) updates all four at once. */
    "CREATE TRIGGER organisation_keys_are_org_1 AFTER UPDATE OF box_public, box_signature,"
    "  curve_public, curve_signature ON organisation BEGIN"
    "  UPDATE org SET box_public = NEW.box_public, box_signature = NEW.box_signature,"
    "    curve_public = NEW.curve_public, curve_signature = NEW.curve_signature WHERE id = 1;"
    "END;"

    /* This organisation's earlier X25519 keys after a rotation, kept so
     * that envelopes sealed for them before the peers heard can still be
     * opened. Wrapped like the current ones. */
    "CREATE TABLE retired_box_key ("
    "  box_public BLOB PRIMARY KEY CHECK (length (box_public) = 32),"
    "  box_secret_wrapped BLOB NOT NULL,"
    "  retired_at INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"

    /* Need-to-know: which participants receive which categories (record
     * kinds) of this organisation's own records in a case. */
    "CREATE TABLE share ("
    "  case_id TEXT NOT NULL REFERENCES lcase (id) ON DELETE CASCADE,"
    "  org_id INTEGER NOT NULL REFERENCES org (id),"
    "  category TEXT NOT NULL,"
    "  decided_at INTEGER NOT NULL,"
    "  decided_by TEXT,"
    "  PRIMARY KEY (case_id, org_id, category)"
    ") STRICT, WITHOUT ROWID;"

    /* Who a record's current version is for beyond the sharing decisions,
     * and why: a one-off disclosure after a request, a grant of the
     * originator's agreement, a release of secret material. */
    "CREATE TABLE record_recipient ("
    "  record_id TEXT NOT NULL REFERENCES record (id) ON DELETE CASCADE,"
    "  org_id INTEGER NOT NULL REFERENCES org (id),"
    "  how TEXT NOT NULL CHECK (how IN ('disclosure', 'grant', 'release')),"
    "  reason TEXT,"
    "  since_version INTEGER NOT NULL,"
    "  added_at INTEGER NOT NULL,"
    "  PRIMARY KEY (record_id, org_id)"
    ") STRICT, WITHOUT ROWID;"

    /* The version of a case's shared metadata: the lead seals a new one
     * when what it would send has changed (sealed_hash), and recipients
     * keep the version they hold. */
    "ALTER TABLE lcase ADD COLUMN version INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE lcase ADD COLUMN sealed_hash BLOB;"

    /* A request to the originator to extend a record to another
     * organisation (request extend): whom to add. */
    "ALTER TABLE request ADD COLUMN extend_to INTEGER REFERENCES org (id);"

    /* A record's life after it is shared: withdrawn by its originator,
     * or its content destroyed here (a tombstone keeps id, title, dates). */
    "ALTER TABLE record ADD COLUMN withdrawn_at INTEGER;"
    "ALTER TABLE record ADD COLUMN destroyed_at INTEGER;"

    /* What a recipient said it destroyed, as its signed receipt arrived. */
    "CREATE TABLE destruction_receipt ("
    "  record_id TEXT NOT NULL,"
    "  org_id INTEGER NOT NULL REFERENCES org (id),"
    "  version INTEGER NOT NULL,"
    "  destroyed_on TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  PRIMARY KEY (record_id, org_id)"
    ") STRICT, WITHOUT ROWID;"

    /* Every envelope this store holds, its own and others', as the exact
     * bytes that were signed; hash is BLAKE2b-256 of them, so storing one
     * twice is a no-op. */
    "CREATE TABLE envelope ("
    "  seq INTEGER PRIMARY KEY,"
    "  hash BLOB NOT NULL UNIQUE CHECK (length (hash) = 32),"
    "  author INTEGER NOT NULL REFERENCES org (id),"
    "  kind TEXT NOT NULL,"
    "  object_id TEXT NOT NULL,"
    "  case_id TEXT,"
    "  version INTEGER NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  bytes BLOB NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    /* 0 while its content waits for something it depends on (a record
     * whose case has not arrived yet). */
    "  applied INTEGER NOT NULL DEFAULT 1"
    ") STRICT;"
    "CREATE INDEX envelope_pending ON envelope (case_id) WHERE applied = 0;"
    "CREATE INDEX envelope_object ON envelope (object_id, version);"
    /* Its recipients, each with the number the author gave it in the
     * sequence of envelopes from that author to that recipient. */
    "CREATE TABLE envelope_recipient ("
    "  author INTEGER NOT NULL REFERENCES org (id),"
    "  recipient INTEGER NOT NULL REFERENCES org (id),"
    "  number INTEGER NOT NULL,"
    "  envelope_seq INTEGER NOT NULL REFERENCES envelope (seq) ON DELETE CASCADE,"
    "  PRIMARY KEY (author, recipient, number)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX envelope_recipient_envelope ON envelope_recipient (envelope_seq);"

    /* The disclosure log: append-only, each entry hash-chained to the one
     * before and signed with the identity key (lia-log.c). The
     * counterpart (and a redirect's target) is kept as its key and its
     * name at the time, not as a reference to org, so that renaming or
     * removing an organisation leaves history as it was. */
    "CREATE TABLE disclosure_log ("
    "  seq INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  event TEXT NOT NULL CHECK (event IN ('disclosed', 'received', 'declined', 'redirected',"
    "    'withheld', 'extended', 'withdrawn', 'returned', 'destroyed')),"
    "  event_on TEXT,"
    "  case_id TEXT,"
    "  record_id TEXT,"
    "  record_version INTEGER,"
    "  what TEXT,"
    "  request_id TEXT,"
    "  counterpart_key BLOB CHECK (counterpart_key IS NULL OR length (counterpart_key) = 32),"
    "  counterpart_name TEXT,"
    "  redirect_key BLOB CHECK (redirect_key IS NULL OR length (redirect_key) = 32),"
    "  redirect_name TEXT,"
    "  decision TEXT,"
    "  reason TEXT,"
    "  basis TEXT,"
    "  by_name TEXT,"
    "  prev_hash BLOB NOT NULL CHECK (length (prev_hash) = 32),"
    "  hash BLOB NOT NULL CHECK (length (hash) = 32),"
    "  signature BLOB NOT NULL CHECK (length (signature) = 64)"
    ") STRICT;"
    "CREATE INDEX disclosure_log_case ON disclosure_log (case_id, seq);"
    "CREATE TRIGGER disclosure_log_no_update BEFORE UPDATE ON disclosure_log BEGIN"
    "  SELECT RAISE (ABORT, 'the disclosure log is append-only');"
    "END;"
    "CREATE TRIGGER disclosure_log_no_delete BEFORE DELETE ON disclosure_log BEGIN"
    "  SELECT RAISE (ABORT, 'the disclosure log is append-only');"
    "END;"
    /* Where the log ends: the last entry's seq and hash, signed. A chain
     * alone cannot show that its newest entries were cut off; this can
     * (unless the whole store is rolled back, which nothing inside it can
     * detect). It only moves forward. */
    "CREATE TABLE disclosure_log_head ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  seq INTEGER NOT NULL,"
    "  hash BLOB NOT NULL CHECK (length (hash) = 32),"
    "  signature BLOB NOT NULL CHECK (length (signature) = 64)"
    ") STRICT;"
    "CREATE TRIGGER disclosure_log_head_forward BEFORE UPDATE ON disclosure_log_head"
    "  WHEN NEW.seq <= OLD.seq BEGIN"
    "  SELECT RAISE (ABORT, 'the disclosure log is append-only');"
    "END;"
    "CREATE TRIGGER disclosure_log_head_no_delete BEFORE DELETE ON disclosure_log_head BEGIN"
    "  SELECT RAISE (ABORT, 'the disclosure log is append-only');"
    "END;"
  },
  {
    4, "attachments: their chunks, manifests and references",
    /* The attachments of each record's current version, as its content
     * lists them (lia-attachment.h): the chunk key and the hashes of the
     * chunks in order (32 bytes each) are the manifest that fetch needs,
     * self-contained. The key is kept as the record's fields are, inside
     * the encrypted store: it protects chunks that sit in the same
     * database, so wrapping it once more would add nothing. */
    "CREATE TABLE attachment ("
    "  record_id TEXT NOT NULL REFERENCES record (id) ON DELETE CASCADE,"
    "  idx INTEGER NOT NULL CHECK (idx >= 1),"
    "  name TEXT NOT NULL,"
    "  media_type TEXT NOT NULL,"
    "  size INTEGER NOT NULL CHECK (size >= 0),"
    "  chunk_key BLOB NOT NULL CHECK (length (chunk_key) = 32),"
    "  plain_hash BLOB NOT NULL CHECK (length (plain_hash) = 32),"
    "  chunks BLOB NOT NULL CHECK (length (chunks) % 32 = 0),"
    "  added_at INTEGER NOT NULL,"
    "  PRIMARY KEY (record_id, idx)"
    ") STRICT;"

    /* Which record version refers to which chunk, for every version this
     * store has opened (its own, applied, waiting for its case, or
     * superseded and kept for relaying): who may be given a chunk is
     * decided from these and the recipients of those versions'
     * envelopes. seq gives the order in which chunks are wanted. */
    "CREATE TABLE chunk_ref ("
    "  seq INTEGER PRIMARY KEY,"
    "  hash BLOB NOT NULL CHECK (length (hash) = 32),"
    "  record_id TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  attachment INTEGER NOT NULL,"
    "  position INTEGER NOT NULL,"
    "  UNIQUE (record_id, version, attachment, position)"
    ") STRICT;"
    "CREATE INDEX chunk_ref_hash ON chunk_ref (hash);"

    /* The chunks held here, by BLAKE2b-256 of their bytes. A row is
     * written once and never updated: changing any column of it would
     * rewrite its 256 KiB of overflow pages. */
    "CREATE TABLE chunk ("
    "  seq INTEGER PRIMARY KEY,"
    "  hash BLOB NOT NULL UNIQUE CHECK (length (hash) = 32),"
    "  bytes BLOB NOT NULL"
    ") STRICT;"
    /* The chunks an attach is still writing, before the version that
     * lists them exists: not held yet, as far as anyone else can tell. */
    "CREATE TABLE chunk_staged ("
    "  hash BLOB PRIMARY KEY,"
    "  staged_at INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX chunk_staged_at ON chunk_staged (staged_at);"

    /* Chunks that may have lost their last reference. Deleting a few
     * hundred megabytes in the transaction that destroys a record would
     * grow the write-ahead log by as much; instead the references go in
     * that transaction and the chunks afterwards, a few at a time
     * (lia_attachment_collect_garbage). */
    "CREATE TABLE chunk_garbage ("
    "  hash BLOB PRIMARY KEY"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TRIGGER chunk_ref_deleted AFTER DELETE ON chunk_ref BEGIN"
    "  INSERT OR IGNORE INTO chunk_garbage (hash) VALUES (OLD.hash);"
    "END;"
  },
  {
    5, "the deadline engine's results, kept",
    /* Each case's milestones as lia-deadlines.c computes them, without the
     * part that depends on the day: state is a settled state ('awaiting',
     * 'met', 'met-late', 'not-applicable') or how it follows the day it
     * is read ('open': due, then overdue; 'until': due, then met;
     * 'if-late': not applicable until the due date passes). Dates are
     * Julian day numbers (GDate's). position is the order of the engine's
     * table; a record's milestone has its record and title. */
    "CREATE TABLE milestone ("
    "  case_id TEXT NOT NULL REFERENCES lcase (id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  record_id TEXT,"
    "  title TEXT,"
    "  window_start INTEGER,"
    "  due INTEGER,"
    "  met_on INTEGER,"
    "  state TEXT NOT NULL CHECK (state IN ('awaiting', 'met', 'met-late', 'not-applicable',"
    "    'open', 'until', 'if-late')),"
    "  note TEXT,"
    "  PRIMARY KEY (case_id, position)"
    ") STRICT, WITHOUT ROWID;"
    /* What may be open on some day, in due date order, with everything a
     * reader needs: `deadlines` and each case's next deadline read this
     * alone. */
    "CREATE INDEX milestone_open_by_due ON milestone (due, case_id, position, state, met_on, kind,"
    "  record_id, title, window_start, note) WHERE state IN ('open', 'until', 'if-late');"
    /* What the table was computed with: the engine's version and the
     * calendar's digest. Anything else recomputes every case. */
    "CREATE TABLE milestone_basis ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  basis TEXT NOT NULL"
    ") STRICT;"
    /* The cases whose milestones a change in this transaction has made
     * stale; the triggers below mark them, lia_db_commit() recomputes them
     * before it commits. The triggers name what the engine reads: a case's
     * awareness date, its process fields, its delay notices, and the records
     * that make milestones (action items, and those with a return or
     * destruction date: title, due date, status, owner, withdrawal and
     * destruction). */
    /* No key: a statement that fires a trigger imposes its own conflict
     * handling on the trigger's statements, so the record upserts would
     * turn an INSERT OR IGNORE here into a constraint error. A case may be
     * marked more than once; it is recomputed once. */
    "CREATE TABLE milestone_stale ("
    "  case_id TEXT NOT NULL"
    ") STRICT;"
    "CREATE TRIGGER milestone_lcase_insert AFTER INSERT ON lcase BEGIN"
    "  INSERT INTO milestone_stale VALUES (NEW.id);"
    "END;"
    "CREATE TRIGGER milestone_lcase_update AFTER UPDATE OF id, aware ON lcase"
    "  WHEN OLD.id IS NOT NEW.id OR OLD.aware IS NOT NEW.aware BEGIN"
    "  INSERT INTO milestone_stale VALUES (OLD.id), (NEW.id);"
    "END;"
    "CREATE TRIGGER milestone_case_field_insert AFTER INSERT ON case_field BEGIN"
    "  INSERT INTO milestone_stale VALUES (NEW.case_id);"
    "END;"
    "CREATE TRIGGER milestone_case_field_update AFTER UPDATE ON case_field BEGIN"
    "  INSERT INTO milestone_stale VALUES (OLD.case_id), (NEW.case_id);"
    "END;"
    "CREATE TRIGGER milestone_case_field_delete AFTER DELETE ON case_field BEGIN"
    "  INSERT INTO milestone_stale VALUES (OLD.case_id);"
    "END;"
    "CREATE TRIGGER milestone_delay_insert AFTER INSERT ON delay_notice BEGIN"
    "  INSERT INTO milestone_stale VALUES (NEW.case_id);"
    "END;"
    "CREATE TRIGGER milestone_delay_update AFTER UPDATE ON delay_notice BEGIN"
    "  INSERT INTO milestone_stale VALUES (OLD.case_id), (NEW.case_id);"
    "END;"
    "CREATE TRIGGER milestone_delay_delete AFTER DELETE ON delay_notice BEGIN"
    "  INSERT INTO milestone_stale VALUES (OLD.case_id);"
    "END;"
    "CREATE TRIGGER milestone_record_insert AFTER INSERT ON record"
    "  WHEN NEW.kind = 'action' OR NEW.destroy_on IS NOT NULL OR NEW.return_on IS NOT NULL BEGIN"
    "  INSERT INTO milestone_stale VALUES (NEW.case_id);"
    "END;"
    "CREATE TRIGGER milestone_record_update AFTER UPDATE OF case_id, kind, title, date, status,"
    "  owner, destroy_on, return_on, withdrawn_at, destroyed_at ON record"
    "  WHEN OLD.kind = 'action' OR OLD.destroy_on IS NOT NULL OR OLD.return_on IS NOT NULL"
    "    OR NEW.kind = 'action' OR NEW.destroy_on IS NOT NULL OR NEW.return_on IS NOT NULL BEGIN"
    "  INSERT INTO milestone_stale VALUES (OLD.case_id), (NEW.case_id);"
    "END;"
    "CREATE TRIGGER milestone_record_delete AFTER DELETE ON record"
    "  WHEN OLD.kind = 'action' OR OLD.destroy_on IS NOT NULL OR OLD.return_on IS NOT NULL BEGIN"
    "  INSERT INTO milestone_stale VALUES (OLD.case_id);"
    "END;"
    /* The engine's covering index of those records, now with withdrawal and
     * destruction (a withdrawn record makes no milestone; a destroyed one's
     * destruction is met). */
    "DROP INDEX record_dates;"
    "CREATE INDEX record_dates ON record (case_id, id, kind, title, date, status, owner, "
    "  destroy_on, return_on, withdrawn_at, destroyed_at) "
    "  WHERE destroy_on IS NOT NULL OR return_on IS NOT NULL OR kind = 'action';"
    /* Material from others still to be destroyed or returned, which
     * lia_exchange_destroy_due() looks for whenever the store is opened:
     * without it, that was a scan of every record. */
    "CREATE INDEX record_to_destroy ON record (seq, id, destroy_on, return_on)"
    "  WHERE originator != 1 AND destroyed_at IS NULL AND withdrawn_at IS NULL"
    "    AND (destroy_on IS NOT NULL OR return_on IS NOT NULL);"
    /* Every case is computed when the store is next opened (the basis is
     * empty, so lia_deadlines_update() recomputes them all). */
    "INSERT INTO milestone_stale SELECT id FROM lcase;"
  },
  {
    6, "sync: what this organisation holds, its peers' syncs, settings",
    /* The numbers of the envelopes addressed to this organisation that it
     * holds, per originator, as runs [first, last] (lia-holdings.c): what
     * the sync protocol's holdings vector says. It is a ledger apart from
     * envelope_recipient because an envelope whose record is later
     * withdrawn or destroyed is deleted, and must still count as held, or
     * peers would offer it again at every sync. */
    "CREATE TABLE envelope_held ("
    "  author INTEGER NOT NULL REFERENCES org (id),"
    "  first INTEGER NOT NULL CHECK (first >= 1),"
    "  last INTEGER NOT NULL CHECK (last >= first),"
    "  PRIMARY KEY (author, first)"
    ") STRICT, WITHOUT ROWID;"
    /* What was held before this migration: gaps and islands of the
     * numbers (a run is where number minus its rank stays the same). */
    "INSERT INTO envelope_held (author, first, last)"
    "  SELECT author, min (number), max (number) FROM"
    "    (SELECT author, number,"
    "            number - row_number () OVER (PARTITION BY author ORDER BY number) AS run"
    "       FROM envelope_recipient WHERE recipient = 1 AND author != 1 AND number >= 1)"
    "  GROUP BY author, run;"
    /* Each peer's syncs as this organisation last saw them: how the last
     * one ended (the engine's word for it), when one last finished and was
     * tried, why the last try failed, and what the peer
     * last said it holds (the protocol's holdings, as the engine encodes
     * them; opaque here), from which what is pending for it is counted. */
    "CREATE TABLE sync_peer ("
    "  org_id INTEGER PRIMARY KEY REFERENCES org (id),"
    "  status TEXT CHECK (status IS NULL OR length (status) <= 32),"
    "  last_sync INTEGER,"
    "  last_attempt INTEGER,"
    "  last_error TEXT,"
    "  holdings BLOB"
    ") STRICT;"
    /* Small settings of the store, by name (the sync engine's listening
     * endpoint, "sync.listen"). */
    "CREATE TABLE setting ("
    "  name TEXT PRIMARY KEY CHECK (length (name) BETWEEN 1 AND 64),"
    "  value TEXT NOT NULL CHECK (length (value) <= 4096)"
    ") STRICT, WITHOUT ROWID;"
  },
  {
    7, "which of this organisation's records may be due to be sealed",
    /* What lia_exchange_seal_pending() looks at: a record of this
     * organisation's (record_id), every one of a case's (case_id), or
     * every one (neither), marked whenever something that entitlement
     * depends on changes (lia-exchange.h has the rules), and cleared as
     * they are sealed. Without it, every sync after a change anywhere in
     * the store asked it of every record. No key, as milestone_stale
     * (migration 5) says why. */
    "CREATE TABLE seal_due ("
    "  case_id TEXT,"
    "  record_id TEXT"
    ") STRICT;"
    "CREATE INDEX seal_due_record ON seal_due (record_id);"
    "CREATE TRIGGER seal_due_record_insert AFTER INSERT ON record"
    "  WHEN NEW.originator = 1 BEGIN"
    "  INSERT INTO seal_due (record_id) VALUES (NEW.id);"
    "END;"
    "CREATE TRIGGER seal_due_record_update AFTER UPDATE OF case_id, kind, version, classification"
    "  ON record WHEN NEW.originator = 1 BEGIN"
    "  INSERT INTO seal_due (record_id) VALUES (NEW.id);"
    "END;"
    "CREATE TRIGGER seal_due_recipient_insert AFTER INSERT ON record_recipient BEGIN"
    "  INSERT INTO seal_due (record_id) VALUES (NEW.record_id);"
    "END;"
    "CREATE TRIGGER seal_due_recipient_update AFTER UPDATE ON record_recipient BEGIN"
    "  INSERT INTO seal_due (record_id) VALUES (NEW.record_id);"
    "END;"
    "CREATE TRIGGER seal_due_share_insert AFTER INSERT ON share BEGIN"
    "  INSERT INTO seal_due (case_id) VALUES (NEW.case_id);"
    "END;"
    "CREATE TRIGGER seal_due_participant_insert AFTER INSERT ON participant BEGIN"
    "  INSERT INTO seal_due (case_id) VALUES (NEW.case_id);"
    "END;"
    "CREATE TRIGGER seal_due_participant_update AFTER UPDATE OF case_id, org_id ON participant BEGIN"
    "  INSERT INTO seal_due (case_id) VALUES (NEW.case_id);"
    "END;"
    /* Keys that arrive, change or come back after a revocation. */
    "CREATE TRIGGER seal_due_org_insert AFTER INSERT ON org BEGIN"
    "  INSERT INTO seal_due (case_id, record_id) VALUES (NULL, NULL);"
    "END;"
    "CREATE TRIGGER seal_due_org_update AFTER UPDATE OF sign_public, box_public, revoked_at ON org"
    "  BEGIN"
    "  INSERT INTO seal_due (case_id, record_id) VALUES (NULL, NULL);"
    "END;"
    /* Everything once, as before. */
    "INSERT INTO seal_due (case_id, record_id) VALUES (NULL, NULL);"
  },
};

const LiaMigration *
lia_store_migrations (guint *out_n)
{
  *out_n = G_N_ELEMENTS (store_migrations);
  return store_migrations;
}

int
lia_store_schema_version (void)
{
  return store_migrations[G_N_ELEMENTS (store_migrations) - 1].version;
}

gboolean
lia_migrations_get_version (sqlite3 *db,
                            int     *out_version,
                            GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      lia_store_set_sqlite_error (error, db, rc, "Could not read the schema version");
      sqlite3_finalize (stmt);
      return FALSE;
    }
  *out_version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return TRUE;
}

static gboolean
exec (sqlite3 *db, const char *sql, const char *what, GError **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return lia_store_set_sqlite_error (error, db, rc, what);
  return TRUE;
}

gboolean
lia_migrations_apply (sqlite3            *db,
                      const LiaMigration *migrations,
                      guint               n_migrations,
                      int                 target,
                      GError            **error)
{
  int current;
  int latest = n_migrations > 0 ? migrations[n_migrations - 1].version : 0;

  if (target < 0)
    target = latest;
  g_return_val_if_fail (target <= latest, FALSE);

  /* The common case, a store already up to date, takes no write lock. */
  if (!lia_migrations_get_version (db, &current, error))
    return FALSE;
  if (current == target)
    return TRUE;

  /* IMMEDIATE takes the write lock now, so two connections opening the same
   * store cannot both decide to migrate it; the version is read again under
   * the lock. */
  if (!exec (db, "BEGIN IMMEDIATE", "Could not start the schema migration", error))
    return FALSE;

  if (!lia_migrations_get_version (db, &current, error))
    goto rollback;

  if (current > latest)
    {
      g_set_error (error, LIA_STORE_ERROR, LIA_STORE_ERROR_TOO_NEW,
                   "This store was written by a newer version of Liaison (schema version %d; "
                   "this version knows up to %d). Update Liaison to open it",
                   current, latest);
      goto rollback;
    }

  for (guint i = 0; i < n_migrations; i++)
    {
      const LiaMigration *m = &migrations[i];
      g_autofree char *what = NULL;
      g_autofree char *set_version = NULL;

      g_assert (m->version == (int) i + 1);
      if (m->version <= current || m->version > target)
        continue;

      what = g_strdup_printf ("Could not apply schema migration %d (%s)", m->version, m->summary);
      if (!exec (db, m->sql, what, error))
        goto rollback;
      /* PRAGMA takes no bound parameters; the version is an integer from
       * the table above, never outside input. */
      set_version = g_strdup_printf ("PRAGMA user_version = %d", m->version);
      if (!exec (db, set_version, what, error))
        goto rollback;
      g_debug ("Applied schema migration %d: %s", m->version, m->summary);
    }

  if (!exec (db, "COMMIT", "Could not commit the schema migration", error))
    goto rollback;
  return TRUE;

rollback:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}
