-- Erasure (server/erasure.c): an order's personal fields are emptied once it has been closed for
-- --erase-after-days; the order, its hours and its chain (which holds only their salted digest) stay.
ALTER TABLE orders DROP CONSTRAINT orders_contact_phone_check;
ALTER TABLE orders ADD CONSTRAINT orders_contact_phone_check
    CHECK (contact_phone ~ '^[0-9-]{7,15}$' OR (personal_erased_at IS NOT NULL AND contact_phone = ''));
CREATE INDEX orders_erasure_due ON orders (closed_at)
    WHERE personal_erased_at IS NULL AND state IN ('closed', 'rejected', 'cancelled');
