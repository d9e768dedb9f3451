BEGIN;
BEGIN;
INSERT INTO "Achievement" ("id", "name") VALUES ('a1', 'First');
COMMIT;
INSERT INTO "Achievement" ("id", "name") VALUES ('a2', 'Second');
COMMIT;
