import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { discoverTables, foreignKeyOrder, type TableInfo } from "../../scripts/lib/tables.ts";
import { prismaModelsByTable } from "../../scripts/lib/prisma-client.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const APP_TABLES = [
  "Achievement", "Comment", "DailyPointsLog", "Follow", "Like", "PointTransaction", "User", "UserAchievement", "_prisma_migrations",
];

describe("table discovery on the migrated schema", () => {
  let db: TestDatabase;
  let tables: TableInfo[];
  before(async () => {
    db = await createTestDatabase();
    // A table no Prisma model names must still be found.
    await db.pool.query(`CREATE TABLE "audit_log" (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text)`);
    tables = await discoverTables(db.pool, ["public"], await prismaModelsByTable());
  });
  after(() => db.drop());

  it("lists every table, including _prisma_migrations and unmapped tables", () => {
    assert.deepEqual(tables.map((t) => t.name).sort(), [...APP_TABLES, "audit_log"].sort());
  });

  it("names the Prisma model where one maps the table", () => {
    const byName = new Map(tables.map((t) => [t.name, t]));
    assert.equal(byName.get("User")?.model, "User");
    assert.equal(byName.get("PointTransaction")?.model, "PointTransaction");
    assert.equal(byName.get("_prisma_migrations")?.model, null);
    assert.equal(byName.get("audit_log")?.model, null);
  });

  it("reads columns, primary keys and foreign keys from the catalog", () => {
    const byName = new Map(tables.map((t) => [t.name, t]));
    const follow = byName.get("Follow")!;
    assert.deepEqual(follow.primaryKey, ["followerId", "followingId"]);
    assert.deepEqual(
      follow.foreignKeys.map((fk) => `${fk.columns.join(",")}->${fk.referencedTable}`).sort(),
      ["followerId->User", "followingId->User"],
    );
    const user = byName.get("User")!;
    assert.deepEqual(user.primaryKey, ["privyDid"]);
    assert.equal(user.columns.find((c) => c.name === "totalTradingVolume")?.type, "double precision");
    assert.equal(byName.get("DailyPointsLog")!.columns.find((c) => c.name === "date")?.type, "date");
    assert.equal(byName.get("audit_log")!.columns.find((c) => c.name === "id")?.identity, "a");
  });

  it("orders tables parents-first and sets the User self-reference aside", () => {
    const { selfReferences, cycleBreakers } = foreignKeyOrder(tables);
    const order = foreignKeyOrder(tables).order.map((table) => table.name);
    const position = (name: string) => order.indexOf(name);
    assert.equal(order.length, tables.length);
    for (const table of tables) {
      for (const fk of table.foreignKeys) {
        if (fk.referencedTable !== table.name) {
          assert.ok(position(fk.referencedTable) < position(table.name), `${fk.referencedTable} before ${table.name}`);
        }
      }
    }
    assert.deepEqual(selfReferences.map((fk) => `${fk.table}.${fk.columns.join()}`), ["User.referredBy"]);
    assert.deepEqual(cycleBreakers, []);
  });

  it("breaks a foreign-key cycle and reports the edge it broke", async () => {
    await db.pool.query(`
      CREATE TABLE cycle_a (id int PRIMARY KEY, b_id int);
      CREATE TABLE cycle_b (id int PRIMARY KEY, a_id int REFERENCES cycle_a(id));
      ALTER TABLE cycle_a ADD FOREIGN KEY (b_id) REFERENCES cycle_b(id);`);
    const withCycle = await discoverTables(db.pool);
    const { cycleBreakers } = foreignKeyOrder(withCycle);
    const order = foreignKeyOrder(withCycle).order.map((table) => table.name);
    assert.equal(order.length, withCycle.length);
    assert.deepEqual(cycleBreakers.map((fk) => `${fk.table}->${fk.referencedTable}`), ["cycle_a->cycle_b"]);
    assert.ok(order.indexOf("cycle_a") < order.indexOf("cycle_b"));
  });
});
