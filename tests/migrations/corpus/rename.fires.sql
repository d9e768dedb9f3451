SET lock_timeout = '5s';
ALTER TABLE "Comment" RENAME TO "Reply";
ALTER TABLE "User" RENAME COLUMN "bio" TO "about";
