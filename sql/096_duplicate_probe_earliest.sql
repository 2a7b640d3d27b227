-- The duplicate probe (sql/073_duplicates.sql) asked for min(id) over every earlier order of the
-- same phone and category (or the same text in the same community) in 30 days, so it read all of
-- them: each new order from a phone that already had N orders cost N index rows, and 8,000 orders
-- from one phone took 点单 from 406 to 168 a second (tests/bench/notify.sh). The earliest one is the
-- first row of the index in created_at order (ordering by id as well would make the planner sort
-- every row again: auto_explain showed 10,407 rows read for one insert).
CREATE OR REPLACE FUNCTION paidan_flag_duplicate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    key text := md5(lower(regexp_replace(NEW.description,
                    '[[:space:][:punct:]，。、！？；：“”‘’（）《》【】…—～·]', '', 'g')));
    by_phone bigint;
    by_text bigint;
BEGIN
    IF NEW.contact_phone <> '' THEN
        SELECT o.id INTO by_phone FROM orders o
         WHERE o.contact_phone = NEW.contact_phone AND o.category_id = NEW.category_id
           AND o.created_at > NEW.created_at - interval '30 days' AND o.id <> NEW.id
           AND o.state NOT IN ('merged', 'rejected', 'cancelled')
         ORDER BY o.created_at LIMIT 1;
    END IF;
    SELECT o.id INTO by_text FROM orders o
     WHERE o.community_id = NEW.community_id AND o.description_key = key
       AND o.created_at > NEW.created_at - interval '30 days' AND o.id <> NEW.id
       AND o.state NOT IN ('merged', 'rejected', 'cancelled') AND o.personal_erased_at IS NULL
     ORDER BY o.created_at LIMIT 1;
    NEW.duplicate_of := least(by_phone, by_text);
    RETURN NEW;
END
$$;
