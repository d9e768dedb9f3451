-- Prisma's adapter runs each statement of migration.sql on its own (no implicit transaction), so CONCURRENTLY after other statements works. The native engine sends the file as one transaction: there it fails.
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY "Like_createdAt_idx" ON "Like"("createdAt");
