-- 0001: the runproof log on PostgreSQL (docs/storage.md, "PostgreSQL"). The same published bytes
-- as the SQLite schema (migrations/0001_log.sql): hash tiles and entry bundles are blobs that
-- grow at the right edge until full, the identity index, every signed checkpoint. Added for
-- several instances on one database: the head (the latest checkpoint, target of the
-- sequencer's compare-and-swap), the sequencer lease, and the queue of submissions that
-- non-sequencing instances hand to the sequencer. Applied by log-server/storage/postgres/migrate.ts
-- inside one transaction that also records the schema version.

-- One row: the log's origin (== checkpoint origin == key name) and verifier key. An instance
-- started with another key or for another origin refuses this database.
CREATE TABLE log_meta (
  id smallint PRIMARY KEY CHECK (id = 1),
  origin text NOT NULL CHECK (length(origin) > 0),
  vkey text NOT NULL CHECK (length(vkey) > 0),
  created_ms bigint NOT NULL CHECK (created_ms >= 0)
);

-- Hash tiles: a level-L tile holds the hashes of tree level 8L nodes idx*256 ... +255, 32 bytes
-- each; the right-edge tile of each level is partial. Only ever grows (the sequencer's writes
-- say so in their WHERE clause).
CREATE TABLE tiles (
  level smallint NOT NULL CHECK (level >= 0),
  idx bigint NOT NULL CHECK (idx >= 0),
  hashes bytea NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
  PRIMARY KEY (level, idx)
);

-- Entry bundles: entries idx*256 ... +255, each a big-endian uint16 length (41) and the 41-byte
-- entry (43 bytes per entry); the last bundle is partial.
CREATE TABLE bundles (
  idx bigint PRIMARY KEY CHECK (idx >= 0),
  entries bytea NOT NULL CHECK (length(entries) BETWEEN 43 AND 11008 AND length(entries) % 43 = 0)
);

-- Identity index: the 32-byte identity digest -> its entry index.
CREATE TABLE identities (
  digest bytea PRIMARY KEY CHECK (length(digest) = 32),
  idx bigint NOT NULL CHECK (idx >= 0)
);

-- Every checkpoint the log signed, verbatim (log signature only), one per committed batch.
CREATE TABLE checkpoints (
  size bigint PRIMARY KEY CHECK (size >= 0),
  note text NOT NULL CHECK (length(note) > 0)
);

-- One row: the latest committed checkpoint. Every batch moves it by compare-and-swap on the
-- previous (size, note), in the transaction that writes the batch: a sequencer that builds on a
-- stale tree changes nothing.
CREATE TABLE log_head (
  id smallint PRIMARY KEY CHECK (id = 1),
  size bigint NOT NULL CHECK (size >= 0),
  note text NOT NULL CHECK (length(note) > 0)
);

-- One row: which instance sequences. `epoch` grows by one at every change of holder; a batch
-- commits only while the lease row still carries the epoch its sequencer took (and holds a share
-- lock on the row until COMMIT, so a takeover waits for a batch in flight). Times are the
-- database's clock, so instances' clocks never disagree about expiry.
CREATE TABLE sequencer_lease (
  id smallint PRIMARY KEY CHECK (id = 1),
  epoch bigint NOT NULL CHECK (epoch >= 0),
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);
INSERT INTO sequencer_lease (id, epoch, holder, expires_at) VALUES (1, 0, '', '-infinity');

-- Submissions received by an instance that does not sequence, waiting for the sequencer (woken
-- by NOTIFY runproof_pending). The sequencer deletes them once the batch that logged them is
-- committed; a row survives the death of any instance, so the next sequencer logs it.
CREATE TABLE pending (
  digest bytea PRIMARY KEY CHECK (length(digest) = 32),
  queued_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX pending_by_time ON pending (queued_at);

-- runproof_commit_batch writes one sequencer batch atomically (one statement, so one round trip
-- and one transaction): it checks the lease epoch, compare-and-swaps the head, inserts the
-- identities, grows the blobs, stores the checkpoint and wakes the other instances (NOTIFY
-- runproof_head, delivered at COMMIT).
-- Errors (SQLSTATE): RP001 the lease moved to another epoch, RP002 the head is not the batch's
-- previous checkpoint, RP003 a blob would not grow (a bug). `fenced` false skips RP001 and RP002:
-- only a test sets it, to show what the fence prevents.
CREATE FUNCTION runproof_commit_batch(
  p_epoch bigint, p_fenced boolean,
  p_prev_size bigint, p_prev_note text, p_size bigint, p_note text,
  p_first bigint, p_digests bytea[],
  p_levels smallint[], p_idxs bigint[], p_blobs bytea[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  IF p_fenced THEN
    PERFORM 1 FROM sequencer_lease WHERE id = 1 AND epoch = p_epoch FOR SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'runproof: the sequencer lease is no longer epoch %', p_epoch USING ERRCODE = 'RP001';
    END IF;
    UPDATE log_head SET size = p_size, note = p_note WHERE id = 1 AND size = p_prev_size AND note = p_prev_note;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'runproof: the latest checkpoint is no longer size %', p_prev_size USING ERRCODE = 'RP002';
    END IF;
  ELSE
    UPDATE log_head SET size = p_size, note = p_note WHERE id = 1;
  END IF;
  INSERT INTO identities (digest, idx) SELECT d, p_first + i - 1 FROM unnest(p_digests) WITH ORDINALITY AS t(d, i);
  INSERT INTO tiles (level, idx, hashes)
    SELECT l, x, b FROM unnest(p_levels, p_idxs, p_blobs) AS t(l, x, b) WHERE l >= 0
    ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes WHERE length(excluded.hashes) > length(tiles.hashes);
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n <> (SELECT count(*) FROM unnest(p_levels) AS t(l) WHERE l >= 0) THEN
    RAISE EXCEPTION 'runproof: a hash tile would not grow' USING ERRCODE = 'RP003';
  END IF;
  INSERT INTO bundles (idx, entries)
    SELECT x, b FROM unnest(p_levels, p_idxs, p_blobs) AS t(l, x, b) WHERE l < 0
    ON CONFLICT (idx) DO UPDATE SET entries = excluded.entries WHERE length(excluded.entries) > length(bundles.entries);
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n <> (SELECT count(*) FROM unnest(p_levels) AS t(l) WHERE l < 0) THEN
    RAISE EXCEPTION 'runproof: an entry bundle would not grow' USING ERRCODE = 'RP003';
  END IF;
  INSERT INTO checkpoints (size, note) VALUES (p_size, p_note);
  PERFORM pg_notify('runproof_head', p_size::text);
END;
$$;
