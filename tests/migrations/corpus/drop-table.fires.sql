SET lock_timeout = '5s';
DROP TABLE "DailyPointsLog";
DROP TABLE IF EXISTS audit.events, "Like" CASCADE;
