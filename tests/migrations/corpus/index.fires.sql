SET lock_timeout = '5s';
CREATE INDEX "Comment_createdAt_idx" ON "Comment"("createdAt");
DROP INDEX "Follow_followingId_idx";
