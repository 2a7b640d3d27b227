-- Claim limits and stale work released (issue 14, rule 4).
--
-- A department may hold at most claim_limit orders claimed but not yet offered to a team; a team at
-- most accept_limit orders accepted and not yet completed. Past the limit the claim (or accept) is
-- refused by the trigger below with SQLSTATE PD491 (PD492), which the server answers with 409
-- limit_reached. The trigger locks the department's (team's) row first and counts with a fresh
-- snapshot, so two claims at once cannot both take the last place.
--
-- A claimed order gets an offer deadline: offer_hours after the claim (per category, else the
-- county's default). One claimed and never offered past it goes back to the community's queue
-- (expire_claim); one accepted and not started past its start deadline (the category's start_hours)
-- is withdrawn from the team and stays with the department's other offered teams, or waits for the
-- department to offer it again when there are none (expire_accept). The sweep does both, one audit
-- event each (server/stale_work.c).

CREATE TABLE county_settings (
    id              boolean PRIMARY KEY DEFAULT true CHECK (id),   -- exactly one row
    claim_limit     integer NOT NULL DEFAULT 20 CHECK (claim_limit BETWEEN 1 AND 10000),
    accept_limit    integer NOT NULL DEFAULT 10 CHECK (accept_limit BETWEEN 1 AND 10000),
    offer_hours     integer NOT NULL DEFAULT 24 CHECK (offer_hours BETWEEN 1 AND 8760)
);
INSERT INTO county_settings DEFAULT VALUES;

ALTER TABLE departments ADD COLUMN claim_limit integer CHECK (claim_limit BETWEEN 1 AND 10000);
ALTER TABLE teams ADD COLUMN accept_limit integer CHECK (accept_limit BETWEEN 1 AND 10000);
ALTER TABLE categories ADD COLUMN offer_hours integer CHECK (offer_hours BETWEEN 1 AND 8760);

-- When a claimed order must have been offered to a team.
CREATE FUNCTION paidan_offer_deadline(p_category_id bigint, p_claimed_at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT p_claimed_at + COALESCE(c.offer_hours, s.offer_hours) * interval '1 hour'
      FROM categories c CROSS JOIN county_settings s WHERE c.id = p_category_id
$$;

CREATE FUNCTION paidan_work_limits() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    lim integer;
    held integer;
BEGIN
    IF OLD.state = 'dispatched' AND NEW.state = 'claimed' THEN
        SELECT COALESCE(d.claim_limit, s.claim_limit) INTO lim
          FROM departments d CROSS JOIN county_settings s WHERE d.id = NEW.department_id
           FOR UPDATE OF d;
        SELECT count(*) INTO held FROM orders o
         WHERE o.department_id = NEW.department_id AND o.state = 'claimed' AND o.id <> NEW.id
           AND NOT EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id);
        IF held >= lim THEN
            RAISE EXCEPTION 'claim limit % reached', lim USING ERRCODE = 'PD491';
        END IF;
    ELSIF OLD.state = 'claimed' AND NEW.state = 'accepted' THEN
        SELECT COALESCE(t.accept_limit, s.accept_limit) INTO lim
          FROM teams t CROSS JOIN county_settings s WHERE t.id = NEW.team_id
           FOR UPDATE OF t;
        SELECT count(*) INTO held FROM orders o
         WHERE o.team_id = NEW.team_id AND o.state IN ('accepted', 'in_progress') AND o.id <> NEW.id;
        IF held >= lim THEN
            RAISE EXCEPTION 'accept limit % reached', lim USING ERRCODE = 'PD492';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER orders_work_limits BEFORE UPDATE OF state ON orders
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state AND NEW.state IN ('claimed', 'accepted'))
    EXECUTE FUNCTION paidan_work_limits();

-- The sweep's two questions, from an index: claimed orders by claim time, accepted ones by deadline.
CREATE INDEX orders_claimed_at ON orders (claimed_at) WHERE state = 'claimed';
CREATE INDEX orders_accepted_due ON orders (due_at) WHERE state = 'accepted';
CREATE INDEX orders_team_open ON orders (team_id) WHERE state IN ('accepted', 'in_progress');

GRANT SELECT ON county_settings TO paidan_app;
