-- A team's list in its order (escalated first, then newest) straight from indexes (issue 11). The
-- team sees the orders it holds and those offered to it (paidan_scope_team); before this, every list
-- gathered that whole set (2,599 orders for a team at 1M orders), fetched each and sorted them. Now
-- the list reads the held ones from orders_list_team and the offered ones from order_offers_list,
-- each in the list's order, merges the two and stops after a page (server/order_read.c).
--
-- For the offers to be read in that order, each offer carries its order's "escalated" (escalated_at
-- IS NOT NULL), kept equal to it by two triggers: on a new offer, and whenever an order's escalated_at
-- turns set or unset (an AFTER trigger: it runs after the whole statement, so an offer inserted by
-- the same statement that escalates is updated too). tests/integration/scope_queries.test.mjs checks
-- the team's list against paidan_order_visible, and that every offer agrees with its order.

CREATE INDEX orders_list_team ON orders (team_id, (escalated_at IS NOT NULL), id) WHERE team_id IS NOT NULL;

ALTER TABLE order_offers ADD COLUMN escalated boolean NOT NULL DEFAULT false;
UPDATE order_offers f SET escalated = true FROM orders o WHERE o.id = f.order_id AND o.escalated_at IS NOT NULL;
CREATE INDEX order_offers_list ON order_offers (team_id, escalated, order_id);

CREATE FUNCTION paidan_offer_escalated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.escalated := COALESCE((SELECT o.escalated_at IS NOT NULL FROM orders o WHERE o.id = NEW.order_id), false);
    RETURN NEW;
END
$$;

CREATE TRIGGER order_offers_escalated BEFORE INSERT OR UPDATE OF order_id, escalated ON order_offers
    FOR EACH ROW EXECUTE FUNCTION paidan_offer_escalated();

CREATE FUNCTION paidan_order_offers_escalated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE order_offers f SET escalated = (NEW.escalated_at IS NOT NULL)
     WHERE f.order_id = NEW.id AND f.escalated <> (NEW.escalated_at IS NOT NULL);
    RETURN NULL;
END
$$;

CREATE TRIGGER orders_offers_escalated AFTER UPDATE OF escalated_at ON orders
    FOR EACH ROW WHEN ((OLD.escalated_at IS NULL) <> (NEW.escalated_at IS NULL))
    EXECUTE FUNCTION paidan_order_offers_escalated();
