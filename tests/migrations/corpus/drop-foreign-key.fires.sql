SET lock_timeout = '5s';
ALTER TABLE "Like" DROP CONSTRAINT "Like_commentId_fkey";
