-- Photos of the service (晒单): the team attaches up to 6 to an order while it is in progress or
-- completed. The server keeps only its own re-encoding (libjpeg-turbo, from the pixels: no EXIF, no
-- GPS, no maker notes survive); each upload is an event of the order's audit chain whose payload
-- carries the photo's SHA-256, so `paidan audit verify` finds a photo changed, added or deleted.
CREATE TABLE order_photos (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id        bigint NOT NULL REFERENCES orders (id),
    n               smallint NOT NULL CHECK (n BETWEEN 1 AND 6),
    image           bytea NOT NULL CHECK (octet_length(image) BETWEEN 100 AND 2097152),
    width           integer NOT NULL CHECK (width BETWEEN 1 AND 1600),
    height          integer NOT NULL CHECK (height BETWEEN 1 AND 1600),
    uploaded_by     bigint NOT NULL REFERENCES users (id),
    uploaded_at     timestamptz NOT NULL DEFAULT now(),
    event_seq       integer NOT NULL,
    UNIQUE (order_id, n),
    UNIQUE (order_id, event_seq)
);
CREATE TRIGGER order_photos_no_update BEFORE UPDATE OR DELETE ON order_photos
    FOR EACH ROW EXECUTE FUNCTION paidan_refuse_change();
CREATE TRIGGER order_photos_no_truncate BEFORE TRUNCATE ON order_photos
    FOR EACH STATEMENT EXECUTE FUNCTION paidan_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON order_photos FROM paidan_app;

-- What the chain's payload says of a photo (server/photos.c writes the same).
CREATE FUNCTION paidan_photo_payload(p order_photos) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'photo=' || p.n || ';sha256=' || encode(sha256(p.image), 'hex') || ';size=' || p.width || 'x' || p.height
$$;

-- The resident's consent to show their closed order on the public 晒单 page (photos, rating and
-- comment; never a name, phone, address or description). Given or taken back with their key.
CREATE TABLE showcase_consents (
    order_id        bigint PRIMARY KEY REFERENCES orders (id),
    shown           boolean NOT NULL,
    changed_at      timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION paidan_photos_json(p_order_id bigint, p_base text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(json_agg(json_build_object('n', p.n, 'url', p_base || p.n, 'width', p.width, 'height', p.height,
                                               'sha256', encode(sha256(p.image), 'hex'), 'uploaded_at', p.uploaded_at)
                             ORDER BY p.n), '[]'::json)
      FROM order_photos p WHERE p.order_id = p_order_id
$$;
