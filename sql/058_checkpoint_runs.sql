-- The server's own signed checkpoints (server/checkpoint_daily.c): one row, when the last one was
-- made. The process whose statement moves last_at writes the next checkpoint; the others (other
-- workers, a restarted server) see that it is not yet their turn.
CREATE TABLE audit_checkpoint_runs (
    id      integer PRIMARY KEY CHECK (id = 1),
    last_at timestamptz NOT NULL
);
