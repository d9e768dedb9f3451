-- Exactly 63 bytes: kept as written.
CREATE INDEX CONCURRENTLY "Comment_authorId_postId_createdAt_parentCommentId_deletedAt_idx" ON "Comment"("authorId", "postId", "createdAt", "parentCommentId", "deletedAt");
