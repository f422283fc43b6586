-- 0001: the runproof log database (docs/storage.md explains every table).
-- Everything the log publishes is stored as the bytes it serves (c2sp.org/tlog-tiles): hash
-- tiles and entry bundles are blobs that grow at the right edge until full, so a partial tile
-- `.p/W` is the first W records of its blob. No per-entry or per-hash rows except the identity
-- index, which answers "was this identity logged, and where?".

-- One row: the log's origin (== the checkpoint origin line == the log key name).
CREATE TABLE log_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  origin TEXT NOT NULL CHECK (length(origin) > 0),
  created_ms INTEGER NOT NULL CHECK (created_ms >= 0)
) STRICT;

-- Hash tiles: a level-L tile holds the hashes of tree level 8L nodes index*256 ... +255,
-- 32 bytes each; the right-edge tile of each level is partial (fewer than 256 hashes).
CREATE TABLE tiles (
  level INTEGER NOT NULL CHECK (level >= 0),
  idx INTEGER NOT NULL CHECK (idx >= 0),
  hashes BLOB NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
  PRIMARY KEY (level, idx)
) STRICT;

-- Entry bundles: entries idx*256 ... +255, each a big-endian uint16 length (41) and the
-- 41-byte entry (43 bytes per entry); the last bundle is partial.
CREATE TABLE bundles (
  idx INTEGER PRIMARY KEY CHECK (idx >= 0),
  entries BLOB NOT NULL CHECK (length(entries) BETWEEN 43 AND 11008 AND length(entries) % 43 = 0)
) STRICT;

-- Identity index: the 32-byte identity digest -> its entry index. WITHOUT ROWID keeps one
-- B-tree keyed by the digest (no separate rowid table).
CREATE TABLE identities (
  digest BLOB NOT NULL PRIMARY KEY CHECK (length(digest) = 32),
  idx INTEGER NOT NULL CHECK (idx >= 0)
) STRICT, WITHOUT ROWID;

-- Every checkpoint the log signed, verbatim (log signature only), one per committed batch:
-- receipts and consistency proofs are issued against them, so they are evidence to keep.
CREATE TABLE checkpoints (
  size INTEGER PRIMARY KEY CHECK (size >= 0),
  note TEXT NOT NULL CHECK (length(note) > 0)
) STRICT;
