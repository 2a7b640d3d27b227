-- Statistics and exports (server/stats.c, server/export.c): indexes for date ranges and keyset
-- pages, and the labels the CSV exports show in place of wire names.

-- Orders created in a date range, in (created_at, id) order: the summary's range and the exports' pages.
CREATE INDEX orders_created ON orders (created_at, id);

-- Every record of an order, corrections included (service_records_one_per_order leaves those out).
CREATE INDEX service_records_order ON service_records (order_id, id);

-- A state as people read it in a spreadsheet (the API keeps the wire names).
CREATE FUNCTION paidan_state_label(p_state text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_state
        WHEN 'submitted'   THEN '待派单'
        WHEN 'dispatched'  THEN '待领单'
        WHEN 'claimed'     THEN '待接单'
        WHEN 'accepted'    THEN '已接单'
        WHEN 'in_progress' THEN '服务中'
        WHEN 'completed'   THEN '待确认'
        WHEN 'closed'      THEN '已办结'
        WHEN 'rejected'    THEN '不予受理'
        WHEN 'cancelled'   THEN '已取消'
        ELSE p_state
    END
$$;

-- A time as people read it in the county: Beijing time, to the second, no zone suffix.
CREATE FUNCTION paidan_local_time(p_at timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char(p_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS')
$$;

-- A verified record counts unless a correction replaces it (corrections chain: the newest counts).
CREATE FUNCTION paidan_record_counts(s service_records) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT s.status = 'verified'
       AND NOT EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id)
$$;
