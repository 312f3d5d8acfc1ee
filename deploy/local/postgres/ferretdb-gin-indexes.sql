-- Make FerretDB 1.24's pushed-down equality filters use an index (local servers only).
--
-- FerretDB turns `{"f": v}` into `_jsonb -> 'f' @> v` and turns `create_index("f")` into a
-- btree index on `(_jsonb -> 'f')`, which `@>` cannot use: every lookup, even by `_id`, is
-- a sequential scan (30-400 ms at 50,000-100,000 tickets, growing with the collection).
-- This event trigger gives every such btree index a GIN (jsonb_path_ops) twin on each of
-- its fields, which `@>` does use: a lookup by `_id` or by an indexed field takes a few ms.
-- The application keeps calling plain `create_index`; MongoDB needs nothing of this.
-- Installed by deploy/local/infra.sh on every `up` (idempotent; indexes made before the
-- trigger existed get their twins too).

SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION dvika_gin_twin(index_oid oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  definition text := pg_get_indexdef(index_oid);
  tab oid;
  tab_name text;
  field text;
BEGIN
  -- Only FerretDB's own btree indexes on document fields (the twins are GIN: no loop).
  IF definition NOT LIKE '%USING btree%(_jsonb -> %' THEN
    RETURN;
  END IF;
  SELECT indrelid INTO tab FROM pg_index WHERE indexrelid = index_oid;
  SELECT relname INTO tab_name FROM pg_class WHERE oid = tab;
  FOR field IN
    SELECT m[1] FROM regexp_matches(definition, '\(_jsonb -> ''([^'']+)''::text\)', 'g') AS m
  LOOP
    EXECUTE format(
      'CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> %L) jsonb_path_ops)',
      left(tab_name, 45) || '_' || left(md5(field), 8) || '_gin',
      tab::regclass,
      field
    );
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION dvika_gin_twins() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  command record;
BEGIN
  FOR command IN
    SELECT * FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE INDEX'
  LOOP
    PERFORM dvika_gin_twin(command.objid);
  END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS dvika_gin_twins;
CREATE EVENT TRIGGER dvika_gin_twins ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION dvika_gin_twins();

SELECT dvika_gin_twin(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema');
