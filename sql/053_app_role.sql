-- Least privilege: the server connects as a member of paidan_app, which may read and write rows but
-- owns nothing, so it cannot ALTER a table, DISABLE a guard trigger or DROP anything. Migrations run
-- as the owner (`paidan migrate`, or `serve --migrate-database-url`). The default privileges below
-- cover every table and sequence the owner creates in later migrations too.
--
-- Deployments make the login role the server uses and put it in paidan_app, e.g.
--   CREATE ROLE paidan_server LOGIN PASSWORD '…' IN ROLE paidan_app;
-- (deploy/pg.sh pg_app_role does it for run-local.sh and the tests.)

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'paidan_app') THEN
        CREATE ROLE paidan_app NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO paidan_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO paidan_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO paidan_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO paidan_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO paidan_app;

-- What the server only ever appends to, it may not change or delete (beside the triggers, which its
-- role cannot switch off); migrations are the owner's.
REVOKE UPDATE, DELETE, TRUNCATE ON order_events FROM paidan_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM paidan_app;
