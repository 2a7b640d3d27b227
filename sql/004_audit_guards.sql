-- The audit log and verified service hours are never changed: corrections are new rows.
-- Row triggers do not fire on TRUNCATE, hence the statement triggers.

CREATE FUNCTION paidan_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER order_events_no_update BEFORE UPDATE OR DELETE ON order_events
    FOR EACH ROW EXECUTE FUNCTION paidan_refuse_change();
CREATE TRIGGER order_events_no_truncate BEFORE TRUNCATE ON order_events
    FOR EACH STATEMENT EXECUTE FUNCTION paidan_refuse_change();

-- A pending record may be verified once; a verified one is frozen.
CREATE FUNCTION paidan_service_record_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'verified' THEN
            RAISE EXCEPTION 'a verified service record cannot be deleted'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'verified' THEN
        RAISE EXCEPTION 'a verified service record cannot be changed; add a correction'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER service_records_guard BEFORE UPDATE OR DELETE ON service_records
    FOR EACH ROW EXECUTE FUNCTION paidan_service_record_guard();
CREATE TRIGGER service_records_no_truncate BEFORE TRUNCATE ON service_records
    FOR EACH STATEMENT EXECUTE FUNCTION paidan_refuse_change();
