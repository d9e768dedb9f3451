DELETE FROM "Like" WHERE true;
DELETE FROM "Follow" WHERE 1 = 1;
UPDATE "Comment" SET "text" = '' WHERE "text" IS NULL OR "text" IS NOT NULL;
DELETE FROM "Session" WHERE 'a' = 'a' AND NOT false;
