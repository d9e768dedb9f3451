CREATE TABLE "Draft" (id text PRIMARY KEY, score real);
ALTER TABLE "Draft" ALTER COLUMN score TYPE double precision;
