DROP INDEX CONCURRENTLY "Follow_followingId_idx";
