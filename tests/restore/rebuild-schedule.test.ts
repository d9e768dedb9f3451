// When db:restore builds back what it dropped for the load: a table's keys
// and indexes right after its rows, a foreign key once both its tables are
// loaded (whatever the order), and a key into a table the restore does not
// load by that name (outside the load, or partitioned) only at the end.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dropForBulkLoad } from "../../scripts/lib/restore/index-rebuild.ts";
import { RebuildSchedule } from "../../scripts/lib/restore/rebuild-schedule.ts";
import { createTestDatabase } from "../helpers/database.ts";

const SCHEMA = `
  CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE);
  CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent, parent_code text REFERENCES parent (code));
  CREATE INDEX child_parent_id ON child (parent_id);
  CREATE TABLE node (id int PRIMARY KEY, up int REFERENCES node);
  CREATE TABLE outside (id int PRIMARY KEY);
  CREATE TABLE pointer (id int PRIMARY KEY, outside_id int REFERENCES outside);
  CREATE TABLE part (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k);
  CREATE TABLE part_1 PARTITION OF part FOR VALUES IN (1);
  CREATE TABLE into_part (id int PRIMARY KEY, part_id int, part_k int, FOREIGN KEY (part_id, part_k) REFERENCES part);`;

describe("rebuild schedule", () => {
  it("builds each table's keys after its rows and each foreign key once both its tables are in; keys into tables not loaded by name wait for the end", async () => {
    const db = await createTestDatabase({ empty: true });
    const client = await db.pool.connect();
    try {
      await client.query(SCHEMA);
      const table = (name: string) => ({ schema: "public", name });
      // The child before its parent, as a cycle broken by the plan would load it.
      const loading = ["child", "parent", "node", "pointer", "part_1", "into_part"].map(table);
      await client.query("BEGIN");
      const dropped = await dropForBulkLoad(client, loading);
      const schedule = new RebuildSchedule(dropped);
      const scheduled: string[] = [];
      const after = (name: string) => {
        const names = schedule.afterLoad(table(name)).map((item) => item.name);
        scheduled.push(...names);
        return names;
      };
      assert.deepEqual(after("child"), ["child_pkey", "child_parent_id"]);
      assert.deepEqual(after("parent"), ["parent_pkey", "parent_code_key", "child_parent_code_fkey", "child_parent_id_fkey"]);
      assert.deepEqual(after("node"), ["node_pkey", "node_up_fkey"]);
      assert.deepEqual(after("pointer"), ["pointer_pkey"]);
      assert.deepEqual(after("part_1"), []);
      assert.deepEqual(after("into_part"), ["into_part_pkey"]);
      const last = schedule.remaining().map((item) => item.name);
      assert.deepEqual(last, ["into_part_part_id_part_k_fkey", "pointer_outside_id_fkey"]);
      // Everything dropped is built back exactly once.
      assert.deepEqual([...scheduled, ...last].sort(), dropped.map((item) => item.name).sort());
      await client.query("ROLLBACK");
    } finally {
      client.release();
      await db.drop();
    }
  });
});
