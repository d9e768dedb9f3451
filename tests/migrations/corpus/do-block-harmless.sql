-- Conditional DDL in a DO block: nothing destructive, keywords only in strings.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'Mood') THEN
    CREATE TYPE "Mood" AS ENUM ('HAPPY', 'SAD');
  END IF;
  RAISE NOTICE 'DROP TABLE "User" would be bad';
  DELETE FROM "Session" WHERE "expiresAt" < now();
END $$;
