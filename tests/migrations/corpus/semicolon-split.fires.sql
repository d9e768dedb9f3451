-- Kept for reference: DELETE FROM "Extra"; TRUNCATE "Like";
CREATE TABLE "Note" (body TEXT DEFAULT 'a;b');
/* one statement per line; */
CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN NEW."updatedAt" = now(); RETURN NEW; END $$ LANGUAGE plpgsql;
