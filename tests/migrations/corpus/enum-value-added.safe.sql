ALTER TYPE "AchievementCategory" ADD VALUE 'EVENTS';
