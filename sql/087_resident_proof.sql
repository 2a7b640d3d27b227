-- Who is the resident of an order, in one rule (issue 13): the one who shows the order's resident key,
-- or the one signed in to 查我的点单 with the order's phone (a live session of resident_sessions). The
-- tracking page's actions (cancel, 评单), its check-in code and its photos all ask this.

-- A live 查我的点单 session (p_session_hash: the hex hash of its cookie, or NULL) of o's phone.
CREATE FUNCTION paidan_resident_session_holds(o orders, p_session_hash text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_session_hash IS NOT NULL AND o.contact_phone IS NOT NULL
       AND EXISTS (SELECT 1 FROM resident_sessions rs
                    WHERE rs.token_hash = decode(p_session_hash, 'hex') AND rs.expires_at > now()
                      AND rs.phone = o.contact_phone)
$$;

-- The resident key's hash (hex, or NULL) matches o's, or the session holds o.
CREATE FUNCTION paidan_resident_may(o orders, p_key_hash text, p_session_hash text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(p_key_hash IS NOT NULL AND o.resident_key_hash = decode(p_key_hash, 'hex'), false)
        OR paidan_resident_session_holds(o, p_session_hash)
$$;
