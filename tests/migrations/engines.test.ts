// The two schema-engine settings the analyzer models, checked against real
// PostgreSQL: each migration is run the way each engine runs it — through
// @prisma/adapter-pg's own executeScript() (what Prisma's Wasm engine calls),
// and as one simple-protocol query (what the native engine's simple_query
// sends) — and the analyzer's verdict under that engine must match what
// PostgreSQL did.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { poolConfigFromUrl } from "../../scripts/lib/db.ts";
import { analyzeMigration } from "../../scripts/lib/migrations/analyze.ts";
import type { SchemaEngine } from "../../scripts/lib/migrations/engine.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

type Run = (sql: string) => Promise<void>;

describe("migration.sql under both schema engines, on PostgreSQL", () => {
  let db: TestDatabase;
  let engines: Record<SchemaEngine, Run>;
  let dispose: () => Promise<void>;
  before(async () => {
    db = await createTestDatabase({ empty: true });
    const adapter = await new PrismaPg(poolConfigFromUrl(db.url)).connect();
    const native = new pg.Client(poolConfigFromUrl(db.url));
    await native.connect();
    engines = {
      "adapter-pg": async (sql) => adapter.executeScript(sql),
      native: async (sql) => void (await native.query(sql)),
    };
    dispose = async () => {
      await adapter.dispose();
      await native.end();
    };
  });
  after(async () => {
    await dispose();
    await db.drop();
  });

  const reset = () => db.pool.query(`DROP TABLE IF EXISTS "Item"; DROP TYPE IF EXISTS "Kind";
    CREATE TYPE "Kind" AS ENUM ('A'); CREATE TABLE "Item" (id int, kind "Kind"); INSERT INTO "Item" VALUES (1, 'A'), (2, 'A');`);
  const rows = async () => Number((await db.pool.query(`SELECT count(*)::int AS n FROM "Item"`)).rows[0].n);
  const outcome = async (engine: SchemaEngine, sql: string) => {
    await reset();
    try {
      await engines[engine](sql);
      return { failed: null as string | null, rows: await rows() };
    } catch (error) {
      return { failed: error instanceof Error ? error.message : String(error), rows: await rows() };
    }
  };
  const rulesFor = async (engine: SchemaEngine, sql: string) =>
    (await analyzeMigration({ name: "m", file: "m.sql", sql }, { engine })).findings.map((f) => `${f.rule}:${f.severity}`).filter((r) => !r.startsWith("missing-lock-timeout"));

  it("CREATE INDEX CONCURRENTLY next to another statement: works through the adapter, fails as one query", async () => {
    const sql = `SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY "Item_id_idx" ON "Item"(id);\n`;
    assert.equal((await outcome("adapter-pg", sql)).failed, null);
    assert.match((await outcome("native", sql)).failed ?? "", /cannot run inside a transaction block/);
    assert.deepEqual(await rulesFor("adapter-pg", sql), []);
    assert.deepEqual(await rulesFor("native", sql), ["concurrently-in-transaction:may-fail"]);
  });

  it("an enum value used after ADD VALUE in the same file: works through the adapter, fails as one query", async () => {
    const sql = `ALTER TYPE "Kind" ADD VALUE 'B';\nUPDATE "Item" SET kind = 'B' WHERE id = 1;\n`;
    assert.equal((await outcome("adapter-pg", sql)).failed, null);
    assert.match((await outcome("native", sql)).failed ?? "", /unsafe use of new value "B"/);
    assert.deepEqual(await rulesFor("adapter-pg", sql), []);
    assert.deepEqual(await rulesFor("native", sql), ["enum-value-used-before-commit:may-fail"]);
  });

  it("a DELETE after a ';' in a comment runs through the adapter (rows gone), and is only a comment as one query", async () => {
    const sql = `-- cleanup kept for reference; DELETE FROM "Item";\nCREATE TABLE "Note" (body text);\n`;
    await db.pool.query(`DROP TABLE IF EXISTS "Note"`);
    assert.equal((await outcome("adapter-pg", sql)).rows, 0);
    await db.pool.query(`DROP TABLE IF EXISTS "Note"`);
    assert.deepEqual(await outcome("native", sql), { failed: null, rows: 2 });
    assert.deepEqual(await rulesFor("adapter-pg", sql), ["semicolon-in-comment:data-loss"]);
    assert.deepEqual(await rulesFor("native", sql), []);
  });

  it("prose after a ';' in a comment fails the migration through the adapter, after the statements before it ran", async () => {
    const sql = `DELETE FROM "Item" WHERE id = 1;\n-- Licence: MIT; see the LICENSE file\nSELECT 1;\n`;
    const adapter = await outcome("adapter-pg", sql);
    assert.match(adapter.failed ?? "", /syntax error/);
    assert.equal(adapter.rows, 1, "the DELETE before it stayed applied: no transaction");
    const native = await outcome("native", sql);
    assert.equal(native.failed, null);
    assert.deepEqual(await rulesFor("adapter-pg", sql), ["semicolon-in-comment:may-fail"]);
    assert.deepEqual(await rulesFor("native", sql), []);
  });

  it("a statement failing midway: the adapter keeps what ran before it, one query rolls all of it back", async () => {
    const sql = `DELETE FROM "Item" WHERE id = 1;\nALTER TABLE "Nope" ADD COLUMN x int;\n`;
    assert.equal((await outcome("adapter-pg", sql)).rows, 1);
    assert.equal((await outcome("native", sql)).rows, 2);
  });
});
