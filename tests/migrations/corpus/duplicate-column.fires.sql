UPDATE "User" SET "bio" = 'a', "bio" = 'b' WHERE "privyDid" = 'did:1';
INSERT INTO "Achievement" ("id", "name", "name") VALUES ('a1', 'x', 'y');
CREATE TABLE "Draft" ("id" TEXT, "body" TEXT, "id" TEXT);
