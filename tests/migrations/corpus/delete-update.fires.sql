DELETE FROM "PointTransaction";
UPDATE "User" SET "totalPoints" = 0;
