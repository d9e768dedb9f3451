CREATE INDEX CONCURRENTLY "Comment_authorId_postId_createdAt_parentCommentId_deletedAt_score_idx" ON "Comment"("authorId", "postId", "createdAt", "parentCommentId", "deletedAt", "score");
