SET lock_timeout = '5s';
ALTER TABLE "User" ALTER COLUMN "email" SET NOT NULL;
