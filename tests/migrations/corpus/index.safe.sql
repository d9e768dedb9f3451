CREATE INDEX CONCURRENTLY "Comment_createdAt_idx" ON "Comment"("createdAt");
