-- A relation removed: its key goes with the dropped column or table (one finding each).
SET lock_timeout = '5s';
ALTER TABLE "Comment" DROP CONSTRAINT "Comment_postId_fkey";
ALTER TABLE "Tag" DROP CONSTRAINT "Tag_ownerId_fkey";
ALTER TABLE "Comment" DROP COLUMN "postId";
DROP TABLE "Tag";
