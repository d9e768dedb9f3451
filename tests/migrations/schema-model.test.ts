// Rules that need to know what a column really is: the history is replayed
// into a schema model, so a later migration's type change, enum rewrite,
// DROP TYPE, SET NOT NULL, primary key or dropped foreign key is judged by
// the schema the earlier migrations left.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyzeMigrations, type MigrationSource } from "../../scripts/lib/migrations/analyze.ts";
import type { SchemaEngine } from "../../scripts/lib/migrations/engine.ts";
import type { Finding } from "../../scripts/lib/migrations/findings.ts";

const HISTORY = `
CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN', 'MOD');
CREATE TYPE "Mood" AS ENUM ('HAPPY', 'SAD');
CREATE TYPE "Unused" AS ENUM ('A');
CREATE TABLE "Post" (
  "id" TEXT NOT NULL,
  "title" VARCHAR(20) NOT NULL,
  "price" DECIMAL(10,2),
  "views" INTEGER NOT NULL DEFAULT 0,
  "body" TEXT,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "role" "Role" NOT NULL DEFAULT 'USER',
  "mood" "Mood",
  "slug" TEXT,
  "authorId" TEXT,
  CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "Comment" ("id" TEXT NOT NULL, "postId" TEXT NOT NULL, CONSTRAINT "Comment_pkey" PRIMARY KEY ("id"));
CREATE TABLE "_PostToTag" ("A" TEXT NOT NULL, "B" TEXT NOT NULL);
CREATE UNIQUE INDEX "_PostToTag_AB_unique" ON "_PostToTag"("A", "B");
CREATE UNIQUE INDEX "Post_slug_key" ON "Post"("slug");
CREATE UNIQUE INDEX "Post_authorId_key" ON "Post"("authorId");
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_postId_fkey" FOREIGN KEY ("postId") REFERENCES "Post"("id") ON DELETE CASCADE;
CREATE FUNCTION purge_comments() RETURNS void LANGUAGE sql AS 'DELETE FROM "Comment"';
`;

async function findingsOf(sql: string, engine: SchemaEngine = "adapter-pg", history = HISTORY): Promise<Finding[]> {
  const sources: MigrationSource[] = [
    { name: "20240101000000_init", file: "init.sql", sql: history },
    { name: "20240201000000_change", file: "change.sql", sql: `SET lock_timeout = '5s';\n${sql}` },
  ];
  const analyses = await analyzeMigrations(sources, { engine, carryCreatedTables: false });
  return analyses[1]!.findings;
}

const brief = (findings: Finding[]) => findings.map((f) => `${f.rule}:${f.severity}`).sort();

describe("the schema model replayed from the history", () => {
  it("type changes PostgreSQL performs without a rewrite or a possible failure report nothing", async () => {
    for (const change of [
      `ALTER TABLE "Post" ALTER COLUMN "title" SET DATA TYPE VARCHAR(40);`,
      `ALTER TABLE "Post" ALTER COLUMN "title" SET DATA TYPE TEXT;`,
      `ALTER TABLE "Post" ALTER COLUMN "price" SET DATA TYPE DECIMAL(12,2);`,
      `ALTER TABLE "Post" ALTER COLUMN "price" SET DATA TYPE DECIMAL;`,
      `ALTER TABLE "Post" ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMP(6);`,
    ]) {
      assert.deepEqual(brief(await findingsOf(change)), [], change);
    }
  });

  it("type changes that rewrite but cannot fail are lock findings; narrowing ones may fail", async () => {
    assert.deepEqual(brief(await findingsOf(`ALTER TABLE "Post" ALTER COLUMN "views" SET DATA TYPE BIGINT;`)), ["alter-column-type:lock"]);
    for (const change of [
      `ALTER TABLE "Post" ALTER COLUMN "title" SET DATA TYPE VARCHAR(10);`,
      `ALTER TABLE "Post" ALTER COLUMN "body" SET DATA TYPE VARCHAR(100);`,
      `ALTER TABLE "Post" ALTER COLUMN "price" SET DATA TYPE DECIMAL(10,1);`,
      `ALTER TABLE "Post" ALTER COLUMN "views" SET DATA TYPE SMALLINT;`,
      `ALTER TABLE "Post" ALTER COLUMN "body" SET DATA TYPE INTEGER USING "body"::integer;`,
    ]) {
      const findings = await findingsOf(change);
      assert.deepEqual(brief(findings), ["alter-column-type:may-fail"], change);
      assert.equal(findings[0]!.live?.kind, "cast");
    }
  });

  it("timestamp -> timestamptz is info under SET TimeZone = 'UTC', otherwise may-fail with the TimeZone caveat and a live check", async () => {
    const utc = await findingsOf(`SET TIME ZONE 'UTC';\nALTER TABLE "Post" ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3);`);
    assert.deepEqual(brief(utc), ["alter-column-type:info"]);
    const unknown = await findingsOf(`ALTER TABLE "Post" ALTER COLUMN "createdAt" SET DATA TYPE TIMESTAMPTZ(3);`);
    assert.deepEqual(brief(unknown), ["alter-column-type:may-fail"]);
    assert.match(unknown[0]!.message, /only while the session's TimeZone is UTC/);
    assert.deepEqual(unknown[0]!.live, { kind: "timezone", table: "public.Post" });
  });

  it("Prisma's enum rewrite names the removed values from the old enum, and is only a rewrite when none is removed", async () => {
    const rewrite = (labels: string) => `CREATE TYPE "Role_new" AS ENUM (${labels});
ALTER TABLE "Post" ALTER COLUMN "role" DROP DEFAULT;
ALTER TABLE "Post" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");
ALTER TYPE "Role" RENAME TO "Role_old";
ALTER TYPE "Role_new" RENAME TO "Role";
DROP TYPE "public"."Role_old";`;
    const removed = await findingsOf(rewrite(`'USER', 'ADMIN'`));
    assert.deepEqual(brief(removed), ["enum-value-removed:may-fail"]);
    assert.match(removed[0]!.message, /values 'MOD' are removed/);
    assert.deepEqual(brief(await findingsOf(rewrite(`'MOD', 'ADMIN', 'USER'`))), ["alter-column-type:lock"]);
  });

  it("DROP TYPE: info once the migration dropped its last column, may-fail while a column uses it, nothing for an unused type", async () => {
    const lastColumn = await findingsOf(`ALTER TABLE "Post" DROP COLUMN "mood";\nDROP TYPE "Mood";`);
    assert.deepEqual(brief(lastColumn), ["drop-column:data-loss", "drop-type:info"]);
    const inUse = await findingsOf(`DROP TYPE "Mood";`);
    assert.deepEqual(brief(inUse), ["drop-type:may-fail"]);
    assert.match(inUse[0]!.message, /public\.Post\.mood/);
    assert.deepEqual(brief(await findingsOf(`DROP TYPE "Unused";`)), []);
    assert.deepEqual(brief(await findingsOf(`DROP TYPE "Mood" CASCADE;`)), ["drop-type:data-loss"]);
  });

  it("SET NOT NULL after a validated CHECK (col IS NOT NULL) from an earlier migration, or on a NOT NULL column, reports nothing", async () => {
    const history = `${HISTORY}\nALTER TABLE "Post" ADD CONSTRAINT "Post_body_nn" CHECK ("body" IS NOT NULL) NOT VALID;`;
    const before = await findingsOf(`ALTER TABLE "Post" ALTER COLUMN "body" SET NOT NULL;`, "adapter-pg", history);
    assert.deepEqual(brief(before), ["set-not-null:may-fail"], "a NOT VALID check proves nothing yet");
    const validated = `${history}\nALTER TABLE "Post" VALIDATE CONSTRAINT "Post_body_nn";`;
    for (const engine of ["adapter-pg", "native"] as const) {
      assert.deepEqual(brief(await findingsOf(`ALTER TABLE "Post" ALTER COLUMN "body" SET NOT NULL;`, engine, validated)), [], engine);
    }
    assert.deepEqual(brief(await findingsOf(`ALTER TABLE "Post" ALTER COLUMN "title" SET NOT NULL;`)), []);
  });

  it("primary keys: Prisma's implicit many-to-many key over a unique index is only a lock; USING INDEX needs NOT NULL columns", async () => {
    assert.deepEqual(brief(await findingsOf(`ALTER TABLE "_PostToTag" ADD CONSTRAINT "_PostToTag_AB_pkey" PRIMARY KEY ("A", "B");\nDROP INDEX "_PostToTag_AB_unique";`)),
      ["drop-index-non-concurrent:lock", "primary-key-change:lock"]);
    assert.deepEqual(brief(await findingsOf(`ALTER TABLE "Post" ADD CONSTRAINT "Post_slug_pk" PRIMARY KEY USING INDEX "Post_slug_key";`)), ["primary-key-change:may-fail"]);
    const history = `${HISTORY}\nALTER TABLE "Post" ALTER COLUMN "slug" SET NOT NULL;`;
    assert.deepEqual(brief(await findingsOf(`ALTER TABLE "Post" ADD CONSTRAINT "Post_slug_pk" PRIMARY KEY USING INDEX "Post_slug_key";`, "adapter-pg", history)), []);
  });

  it("a unique index on values already unique cannot fail", async () => {
    assert.deepEqual(brief(await findingsOf(`CREATE UNIQUE INDEX CONCURRENTLY "Post_slug_uq" ON "Post"("slug");`)), []);
    assert.deepEqual(brief(await findingsOf(`CREATE UNIQUE INDEX CONCURRENTLY "Post_body_key" ON "Post"("body");`)), ["add-unique:may-fail"]);
  });

  it("a foreign key dropped for a table the migration drops is folded into the drop-table finding (the key's target known from the history)", async () => {
    const findings = await findingsOf(`ALTER TABLE "Comment" DROP CONSTRAINT "Comment_postId_fkey";\nDROP TABLE "Post";`);
    assert.deepEqual(brief(findings), ["drop-table:data-loss"]);
    assert.match(findings[0]!.message, /The foreign key Comment_postId_fkey dropped with it goes along/);
  });

  it("a function created by an earlier migration is analysed where a later one calls it", async () => {
    const findings = await findingsOf(`SELECT purge_comments();`);
    assert.deepEqual(brief(findings), ["delete-without-where:data-loss"]);
    assert.match(findings[0]!.message, /^In purge_comments\(\)/);
  });

  it("ADD COLUMN of a column an earlier migration added fails", async () => {
    assert.deepEqual(brief(await findingsOf(`ALTER TABLE "Post" ADD COLUMN "slug" TEXT;`)), ["duplicate-column:may-fail"]);
    assert.deepEqual(brief(await findingsOf(`ALTER TABLE "Post" ADD COLUMN IF NOT EXISTS "slug" TEXT;`)), []);
  });

  it("judges each migration by the schema before it: a table created earlier in the history is existing", async () => {
    const findings = await findingsOf(`CREATE INDEX "Post_views_idx" ON "Post"("views");`);
    assert.deepEqual(brief(findings), ["create-index-non-concurrent:lock"]);
    const deploy = await analyzeMigrations(
      [{ name: "a", file: "a.sql", sql: HISTORY }, { name: "b", file: "b.sql", sql: `CREATE INDEX "Post_views_idx" ON "Post"("views");` }],
      { engine: "adapter-pg", carryCreatedTables: true },
    );
    assert.deepEqual(deploy[1]!.findings, [], "in a deploy run, a table an earlier pending migration creates is new");
  });
});
