-- Hours disputed at confirmation (issue 14, rule 5): instead of confirming, the community sends a
-- completed order back to its team with a reason (the dispute event); the hours the team recorded
-- stay, marked 'disputed' (never counted, never verified), and the team completes again with new
-- ones. The chain holds both completions; each complete event is checked against the records it
-- wrote (tools/audit_verify.c: recorded at the event's time).

ALTER TABLE service_records DROP CONSTRAINT service_records_status_check;
ALTER TABLE service_records ADD CONSTRAINT service_records_status_check
    CHECK (status IN ('pending', 'verified', 'disputed'));
DROP INDEX service_records_one_per_order;
CREATE UNIQUE INDEX service_records_one_per_order ON service_records (order_id, volunteer_id)
    WHERE corrects_id IS NULL AND status <> 'disputed';

-- The records the chain's payloads name: disputed ones are out (they were sent back).
CREATE OR REPLACE FUNCTION paidan_audit_hours_text(p_order_id bigint, p_verified boolean) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(string_agg(s.volunteer_id || ':' || to_char(s.hours, 'FM990.00'), ',' ORDER BY s.volunteer_id), '')
      FROM service_records s
     WHERE s.order_id = p_order_id AND s.corrects_id IS NULL AND s.status <> 'disputed'
       AND (NOT p_verified OR s.status = 'verified')
$$;

-- A disputed record is frozen like a verified one: it is history, never counted again.
CREATE OR REPLACE FUNCTION paidan_service_record_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status IN ('verified', 'disputed') THEN
            RAISE EXCEPTION 'a % service record cannot be deleted', OLD.status
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'verified' THEN
        RAISE EXCEPTION 'a verified service record cannot be changed; add a correction'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.status = 'disputed' THEN
        RAISE EXCEPTION 'a disputed service record cannot be changed: the team records the hours again'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
