-- Who may ask for a volunteer's certificate: the volunteer, an admin, or the lead of a team the
-- volunteer is a member of now (a person, signed in as a volunteer). A team account may not: the
-- certificate covers hours served in every team (issue 9).
CREATE FUNCTION paidan_certificate_may_issue(p_volunteer_id bigint, p_role text, p_scope bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE p_role
        WHEN 'admin' THEN true
        WHEN 'volunteer' THEN p_scope = p_volunteer_id
            OR EXISTS (SELECT 1 FROM team_members lead JOIN team_members m ON m.team_id = lead.team_id
                        WHERE lead.volunteer_id = p_scope AND lead.role = 'lead' AND m.volunteer_id = p_volunteer_id)
        ELSE false
    END
$$;

-- Each refused check-in code of an order: after a few, codes are no longer taken for it (six digits
-- could otherwise be guessed); the team may still start, unverified.
CREATE TABLE order_checkin_failures (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id        bigint NOT NULL REFERENCES orders (id),
    actor_user_id   bigint REFERENCES users (id),
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_checkin_failures_order ON order_checkin_failures (order_id);

-- What the server only appends to, its role may not change or delete (beside the triggers).
REVOKE UPDATE, DELETE, TRUNCATE ON certificate_seals, certificate_requests, nomination_lists,
    nomination_entries, order_checkin_secrets, order_checkin_failures FROM paidan_app;
