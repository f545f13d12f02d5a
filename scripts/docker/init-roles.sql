-- Roles and database of the compose setup, run by the one-shot `roles` service on every
-- `docker compose up` (idempotent, so a volume made by an older version gets the roles added since,
-- e.g. digame_app_global). Mirrors what scripts/lib/services.mjs does for `npm start` / `npm test`.
-- The passwords are for this local compose setup only; docker-compose.yml uses the same ones.
SELECT 'CREATE ROLE digame_owner' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'digame_owner')\gexec
SELECT 'CREATE ROLE digame_app' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'digame_app')\gexec
SELECT 'CREATE ROLE digame_lifecycle' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'digame_lifecycle')\gexec
SELECT 'CREATE ROLE digame_app_global' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'digame_app_global')\gexec

-- Owner of the database: runs the migrations, and creates the per-file test databases.
ALTER ROLE digame_owner WITH LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOBYPASSRLS PASSWORD 'digame_owner';
-- Runtime role of api and worker: owns nothing and cannot bypass row-level security.
-- Its table privileges are granted by the migrate command.
ALTER ROLE digame_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION PASSWORD 'digame_app';
-- Runs audit pruning and tenant purging: no login; only the SECURITY DEFINER functions the
-- migrations hand over to it (the owner must be a member to do so) run as it.
ALTER ROLE digame_lifecycle WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
GRANT digame_lifecycle TO digame_owner;
-- Runtime role of global units of work (sign-in, sign-up, operator listings, the outbox sweeper);
-- DATABASE_GLOBAL_URL defaults to DATABASE_URL with this role and the same password.
ALTER ROLE digame_app_global WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION PASSWORD 'digame_app';

SELECT 'CREATE DATABASE digame OWNER digame_owner' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'digame')\gexec
ALTER DATABASE digame OWNER TO digame_owner;
REVOKE ALL ON DATABASE digame FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE digame TO digame_app, digame_app_global;

\connect digame
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO digame_owner;
-- Other connections' query text is for the superuser only (see scripts/lib/services.mjs).
REVOKE SELECT ON pg_catalog.pg_stat_activity FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pg_catalog.pg_stat_get_activity(integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pg_catalog.pg_stat_get_backend_activity(integer) FROM PUBLIC;
