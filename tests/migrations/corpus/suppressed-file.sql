-- safe-migrate: allow-file drop-table, truncate retiring the v1 points tables
SET lock_timeout = '5s';
TRUNCATE "DailyPointsLog";
DROP TABLE "DailyPointsLog";
DROP TABLE "PointTransaction";
/* safe-migrate: allow drop-colum typo: this one is unknown and so does not suppress */
ALTER TABLE "User" DROP COLUMN "ogReason";
