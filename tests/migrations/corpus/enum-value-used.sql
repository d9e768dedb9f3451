-- Fails under the native engine (one transaction), works under Prisma's adapter (each statement commits).
ALTER TYPE "AchievementCategory" ADD VALUE 'EVENTS';
UPDATE "Achievement" SET "category" = 'EVENTS' WHERE "id" = 'ach_party';
