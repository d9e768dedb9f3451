WITH d AS (DELETE FROM "Session" WHERE "expiresAt" < now() RETURNING 1) SELECT count(*) FROM d;
WITH recent AS (SELECT "id" FROM "Like" WHERE "createdAt" > now() - interval '1 day') SELECT count(*) FROM recent;
