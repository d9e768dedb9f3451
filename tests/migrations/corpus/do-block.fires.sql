DO $$
DECLARE v_sql text := 'SELECT 1';
BEGIN
  EXECUTE 'DROP TABLE "OldLog"';
  DELETE FROM "Session";
  EXECUTE format('TRUNCATE %I', 'AuditLog');
  EXECUTE v_sql;
END $$;
