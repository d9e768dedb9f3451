-- Ünïcödé comment: 🌞 line numbers count lines, not bytes
INSERT INTO "Achievement" (id, name, description, category, "pointsReward", requirement)
VALUES ('ach_sun', 'Sunny ☀️', 'gm ✨', 'SPECIAL', 1, '{}');
DELETE FROM "Like";
