SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY "Like_createdAt_idx" ON "Like"("createdAt");
