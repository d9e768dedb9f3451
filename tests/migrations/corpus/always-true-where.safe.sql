DELETE FROM "Like" WHERE 1 = 0;
DELETE FROM "Like" WHERE "userId" IS NULL;
UPDATE "Comment" SET "text" = '' WHERE "text" IS NULL OR "id" = 'c1';
DELETE FROM "Session" WHERE true AND "expiresAt" < now();
