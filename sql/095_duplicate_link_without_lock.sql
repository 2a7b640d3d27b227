-- A new order's "possible duplicate of" link (sql/073_duplicates.sql) is a hint the trigger sets from
-- an order it has just read, not a reference the database must enforce: as a foreign key, every new
-- order from a phone with an earlier order took a KEY SHARE lock on that earlier row, so a new 点单
-- waited for as long as anyone held the earlier order locked (up to the 5 s lock timeout: the lock
-- storm test, when its locked order was the earliest of its phone). Orders are never deleted (erasure
-- blanks the personal fields and keeps the row), so the id stays good without the constraint.
ALTER TABLE orders DROP CONSTRAINT orders_duplicate_of_fkey;
