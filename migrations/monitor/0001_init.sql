-- runproof monitor state: per followed log, the latest checkpoint it accepted (signature,
-- consistency and every entry checked), what the entry rules need to continue from there, and
-- whether the log is still trusted. A log marked untrusted stays so across restarts.
CREATE TABLE log (
  origin TEXT PRIMARY KEY,
  vkey TEXT NOT NULL,
  url TEXT NOT NULL,
  -- the accepted checkpoint; size 0 / NULLs before the first one
  size INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
  root BLOB CHECK (root IS NULL OR length(root) = 32),
  checkpoint TEXT,
  -- hashes of the right edge (RFC 6962 perfect subtrees of the accepted tree), concatenated,
  -- so new entries are checked against the next signed root without re-reading the old ones
  right_edge BLOB NOT NULL DEFAULT x'',
  -- time (ms) of the last checked entry; entry times never decrease (docs/specification.md §7)
  last_entry_time INTEGER NOT NULL DEFAULT 0,
  accepted_at INTEGER,
  -- set once a split view or a broken entry rule is found; never cleared by the monitor
  untrusted_at INTEGER,
  untrusted_reason TEXT,
  evidence TEXT
) STRICT;

-- Every identity seen in a log, with its index: an identity appears at most once (docs/specification.md §7).
CREATE TABLE identity (
  origin TEXT NOT NULL REFERENCES log (origin),
  digest BLOB NOT NULL CHECK (length(digest) = 32),
  idx INTEGER NOT NULL CHECK (idx >= 0),
  PRIMARY KEY (origin, digest)
) STRICT, WITHOUT ROWID;

-- Alerts raised (split views, broken entry rules), for the record.
CREATE TABLE alert (
  id INTEGER PRIMARY KEY,
  origin TEXT NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  evidence TEXT
) STRICT;
