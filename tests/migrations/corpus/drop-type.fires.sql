DROP TYPE "PointActionType";
DROP TYPE "AchievementCategory" CASCADE;
