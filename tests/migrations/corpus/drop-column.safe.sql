-- A column added and dropped in the same migration holds nothing yet.
CREATE TABLE "Draft" (id text PRIMARY KEY, body text);
ALTER TABLE "Draft" DROP COLUMN body;
