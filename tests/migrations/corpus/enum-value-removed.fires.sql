-- AlterEnum: what prisma migrate dev writes when a value is removed
BEGIN;
CREATE TYPE "AchievementCategory_new" AS ENUM ('SOCIAL', 'STREAK', 'TRADING');
ALTER TABLE "Achievement" ALTER COLUMN "category" TYPE "AchievementCategory_new" USING ("category"::text::"AchievementCategory_new");
ALTER TYPE "AchievementCategory" RENAME TO "AchievementCategory_old";
ALTER TYPE "AchievementCategory_new" RENAME TO "AchievementCategory";
DROP TYPE "public"."AchievementCategory_old";
COMMIT;
