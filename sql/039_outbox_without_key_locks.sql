-- The outbox's rows point at the event and the order they come from, but as hints written from rows
-- just read, like orders.duplicate_of (sql/095): as foreign keys, every notification and every
-- expansion mark took a KEY SHARE lock on its order's and its event's row and probed their keys
-- again, in the statement that writes them in batches (tests/bench/notify.sh: the expansion insert
-- took 11 ms for 50 events). Orders and events are never deleted (erasure blanks an order's personal
-- fields and keeps the row; the audit log refuses changes), so the ids stay good without them.
ALTER TABLE notifications DROP CONSTRAINT notifications_event_id_fkey;
ALTER TABLE notifications DROP CONSTRAINT notifications_order_id_fkey;
ALTER TABLE notify_expanded DROP CONSTRAINT notify_expanded_event_id_fkey;

-- The marks come and go by the thousand (written per event, forgotten as the watermark passes):
-- keep their statistics current, so that plans made from them see the table as it is.
ALTER TABLE notify_expanded SET (autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000,
    autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000);
