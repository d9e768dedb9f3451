WITH d AS (DELETE FROM "Session" RETURNING 1) SELECT count(*) FROM d;
WITH u AS (UPDATE "User" SET "bio" = NULL RETURNING 1) INSERT INTO "AuditLog" ("n") SELECT count(*) FROM u;
