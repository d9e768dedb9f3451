SET lock_timeout = '5s';
ALTER TABLE "User" ADD COLUMN "country" TEXT NOT NULL;
