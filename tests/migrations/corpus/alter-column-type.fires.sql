SET lock_timeout = '5s';
ALTER TABLE "User" ALTER COLUMN "totalTradingVolume" SET DATA TYPE INTEGER;
ALTER TABLE "Comment" ALTER COLUMN "text" TYPE varchar(20) USING "text"::varchar(20);
