SET lock_timeout = '5s';
-- the line ends in a semicolon, which only cuts this comment off;
ALTER TABLE "User" ADD COLUMN "nickname" TEXT;
