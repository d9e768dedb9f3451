CREATE TABLE "Draft" (id text PRIMARY KEY, body text);
ALTER TABLE "Draft" RENAME COLUMN body TO content;
ALTER TABLE "Draft" RENAME TO "Note";
CREATE INDEX "Note_content_idx" ON "Note"(content);
