-- runproof witness state (c2sp.org/tlog-witness): for each log origin it serves, the latest
-- checkpoint it cosigned. `size`/`root` are what add-checkpoint compares against; the witness
-- updates them only with a compare-and-swap on (origin, size, root), so concurrent requests can
-- never roll the state back.
CREATE TABLE checkpoint (
  origin TEXT PRIMARY KEY,
  -- latest cosigned tree size; 0 and the empty-tree root until the first cosignature
  size INTEGER NOT NULL CHECK (size >= 0),
  root BLOB NOT NULL CHECK (length(root) = 32),
  -- the checkpoint as cosigned: its text, the log signatures that verified, our cosignature;
  -- NULL until the first cosignature (the monitoring read answers 404 then)
  note TEXT,
  updated_at INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Requests with a valid log signature that failed the consistency checks (tlog-witness: the
-- witness "MAY log the request ... as it might be proof of log misbehavior").
CREATE TABLE rejected (
  id INTEGER PRIMARY KEY,
  origin TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  reason TEXT NOT NULL,
  body TEXT NOT NULL
) STRICT;
