DELETE FROM "PointTransaction" WHERE "createdAt" < '2024-01-01';
UPDATE "User" SET "totalPoints" = 0 WHERE "totalPoints" < 0;
