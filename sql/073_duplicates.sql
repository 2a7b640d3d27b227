-- Duplicates (issue 14, rule 2). A new order from the same phone number for the same category within
-- 30 days, or with near-identical text (the same once spaces, punctuation and case are set aside) in
-- the same community within 30 days, is flagged as a possible
-- duplicate of the earliest such order (duplicate_of; the trigger below sets it as the order is
-- inserted). The community may merge it into that order (or another of its community): the
-- duplicate goes to the terminal state `merged` (not closed: no rating, no hours, out of the
-- satisfaction figures and call-backs) with merged_into set, and both orders get one audit event in
-- the same statement (server/order_merge.c). Nothing is ever merged automatically.

ALTER TABLE orders DROP CONSTRAINT orders_state_check;
ALTER TABLE orders ADD CONSTRAINT orders_state_check CHECK (state IN
    ('submitted', 'dispatched', 'claimed', 'accepted', 'in_progress',
     'completed', 'closed', 'rejected', 'cancelled', 'merged'));
ALTER TABLE orders DROP CONSTRAINT orders_check;
ALTER TABLE orders ADD CONSTRAINT orders_department_check
    CHECK ((state IN ('submitted', 'dispatched', 'rejected', 'cancelled', 'merged')) OR department_id IS NOT NULL);

ALTER TABLE orders ADD COLUMN duplicate_of bigint REFERENCES orders (id);
ALTER TABLE orders ADD COLUMN merged_into bigint REFERENCES orders (id);
ALTER TABLE orders ADD CONSTRAINT orders_merged_check CHECK ((state = 'merged') = (merged_into IS NOT NULL));

-- The text as compared: without spaces, punctuation (ASCII and Chinese) and case, hashed. An index
-- serves the comparison, so flagging costs two index probes per new order (a similarity measure over
-- every order of the community would cost a scan per insert: 1,200 orders loaded at once took minutes).
ALTER TABLE orders ADD COLUMN description_key text GENERATED ALWAYS AS
    (md5(lower(regexp_replace(description, '[[:space:][:punct:]，。、！？；：“”‘’（）《》【】…—～·]', '', 'g')))) STORED;

CREATE INDEX orders_phone_category ON orders (contact_phone, category_id, created_at);
CREATE INDEX orders_description_key ON orders (community_id, description_key, created_at);
CREATE INDEX orders_merged_into ON orders (merged_into) WHERE merged_into IS NOT NULL;

-- The earliest order this one may repeat: same phone and category, or the same text in the same
-- community, within 30 days, not itself merged, turned down or cancelled. Two index probes (the key
-- is computed once; plpgsql keeps the plans).
CREATE FUNCTION paidan_flag_duplicate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    key text := md5(lower(regexp_replace(NEW.description,
                    '[[:space:][:punct:]，。、！？；：“”‘’（）《》【】…—～·]', '', 'g')));
    by_phone bigint;
    by_text bigint;
BEGIN
    IF NEW.contact_phone <> '' THEN
        SELECT min(o.id) INTO by_phone FROM orders o
         WHERE o.contact_phone = NEW.contact_phone AND o.category_id = NEW.category_id
           AND o.created_at > NEW.created_at - interval '30 days' AND o.id <> NEW.id
           AND o.state NOT IN ('merged', 'rejected', 'cancelled');
    END IF;
    SELECT min(o.id) INTO by_text FROM orders o
     WHERE o.community_id = NEW.community_id AND o.description_key = key
       AND o.created_at > NEW.created_at - interval '30 days' AND o.id <> NEW.id
       AND o.state NOT IN ('merged', 'rejected', 'cancelled') AND o.personal_erased_at IS NULL;
    NEW.duplicate_of := least(by_phone, by_text);
    RETURN NEW;
END
$$;

CREATE TRIGGER orders_flag_duplicate BEFORE INSERT ON orders
    FOR EACH ROW EXECUTE FUNCTION paidan_flag_duplicate();

-- The state as people read it in a spreadsheet (sql/008_stats.sql), with merged.
CREATE OR REPLACE FUNCTION paidan_state_label(p_state text) RETURNS text
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
        WHEN 'merged'      THEN '已合并'
        ELSE p_state
    END
$$;

-- How an order looks to staff (sql/070_order_source.sql), with its duplicate links as work numbers.
CREATE OR REPLACE FUNCTION paidan_order_staff_json(o orders, show_phone boolean) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', o.id, 'work_no', o.work_no, 'state', o.state,
        'community_id', o.community_id, 'category_id', o.category_id,
        'department_id', o.department_id, 'team_id', o.team_id,
        'description', o.description, 'contact_name', o.contact_name,
        'contact_phone', CASE WHEN show_phone THEN o.contact_phone ELSE paidan_mask_phone(o.contact_phone) END,
        'address', o.address, 'preferred_time', o.preferred_time,
        'reason', o.reason, 'summary', o.summary,
        'source', o.source, 'entered_by', o.entered_by,
        'duplicate_of', CASE WHEN o.duplicate_of IS NOT NULL THEN json_build_object(
            'id', o.duplicate_of, 'work_no', 'PD' || lpad(o.duplicate_of::text, 8, '0')) END,
        'merged_into', CASE WHEN o.merged_into IS NOT NULL THEN json_build_object(
            'id', o.merged_into, 'work_no', 'PD' || lpad(o.merged_into::text, 8, '0')) END,
        'created_at', o.created_at, 'updated_at', o.updated_at, 'due_at', o.due_at,
        'overdue', o.due_at IS NOT NULL AND o.due_at < now(),
        'escalated', o.escalated_at IS NOT NULL)
$$;
