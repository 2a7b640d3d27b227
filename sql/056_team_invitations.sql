-- Volunteers join teams by consent (server/team_invites.c): a team invites, the volunteer accepts in
-- their own account; an admin may still enrol directly. A team sees only its current members, and of
-- their hours only those served in that team.

CREATE TABLE team_invitations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id         bigint NOT NULL REFERENCES teams (id),
    volunteer_id    bigint NOT NULL REFERENCES volunteers (id),
    invited_by      bigint REFERENCES users (id),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    answered_at     timestamptz,
    CHECK ((status = 'pending') = (answered_at IS NULL))
);
CREATE UNIQUE INDEX team_invitations_one_pending ON team_invitations (team_id, volunteer_id) WHERE status = 'pending';
CREATE INDEX team_invitations_volunteer ON team_invitations (volunteer_id, id DESC);

-- The ledger of one volunteer; with p_team_id, only what was served in that team (a team account's
-- view of its member).
CREATE FUNCTION paidan_ledger_json(p_volunteer_id bigint, p_team_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_team_id IS NULL THEN l
           ELSE l || jsonb_build_object(
                'records', COALESCE((SELECT jsonb_agg(r) FROM jsonb_array_elements(l->'records') r
                                      WHERE (r->>'team_id')::bigint = p_team_id), '[]'::jsonb),
                'totals_by_year', COALESCE((SELECT jsonb_agg(jsonb_build_object('year', y.year,
                                      'hours', to_char(y.hours, 'FM999990.00')) ORDER BY y.year)
                                    FROM (SELECT left(r->>'date', 4)::int AS year, sum((r->>'hours')::numeric) AS hours
                                            FROM jsonb_array_elements(l->'records') r
                                           WHERE (r->>'team_id')::bigint = p_team_id AND NOT (r->>'superseded')::boolean
                                           GROUP BY 1) y), '[]'::jsonb),
                'total', (SELECT to_char(COALESCE(sum((r->>'hours')::numeric), 0), 'FM999990.00')
                            FROM jsonb_array_elements(l->'records') r
                           WHERE (r->>'team_id')::bigint = p_team_id AND NOT (r->>'superseded')::boolean))
           END
      FROM paidan_ledger_json(p_volunteer_id) l
$$;
