// db:restore --jobs N: the rows are converted in N - 1 worker threads, still
// in one transaction. The result must be the one-job result exactly: the same
// data as the source (hard values included), the same keys rebuilt, the same
// classification in a checked load, and a refused row named by the same row
// number and message.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { createBackup, readSummary } from "../../scripts/lib/backup/index.ts";
import { dropForBulkLoad, rebuildAfterLoad } from "../../scripts/lib/restore/index-rebuild.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { discoverTables } from "../../scripts/lib/tables.ts";
import { copySet, editSummary, entryOf, fileOf, removeDir, sha256 } from "../backup/support.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { createExtraTables, fillHardValues, makeTempDir, schemaDefinitions, tableDigests } from "./fixtures.ts";

describe("db:restore --jobs", () => {
  let source: TestDatabase;
  let backupDir: { dir: string; remove(): Promise<void> };
  let summaryPath: string;
  const scratch: string[] = [];

  before(async () => {
    [source, backupDir] = await Promise.all([createTestDatabase(), makeTempDir()]);
    await createExtraTables(source.pool);
    await seedDatabase(source.pool, { users: 3000 });
    await fillHardValues(source.pool);
    ({ summaryPath } = await createBackup({ target: source.target, outDir: backupDir.dir, kind: "manual", gzip: true }));
  });
  after(async () => {
    await Promise.all([source.drop(), backupDir.remove(), ...scratch.map(removeDir)]);
  });

  it("restores exactly what one job restores: the source's data, keys and indexes; skip-existing then skips every row", async () => {
    const [one, three] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      await Promise.all([createExtraTables(one.pool), createExtraTables(three.pool)]);
      for (const [db, jobs] of [[one, "1"], [three, "3"]] as const) {
        const result = await runScript("db-restore", ["--from", summaryPath, "--jobs", jobs], { DATABASE_URL: db.url });
        assert.equal(result.code, 0, result.stderr);
      }
      assert.deepEqual(await tableDigests(three.pool), await tableDigests(source.pool));
      assert.deepEqual(await schemaDefinitions(three.pool), await schemaDefinitions(one.pool));

      // A checked load (rows classified in a staging table) goes through the workers too.
      const again = await runScript("db-restore", ["--from", summaryPath, "--mode", "skip-existing", "--jobs", "2", "--json"], { DATABASE_URL: three.url });
      assert.equal(again.code, 0, again.stderr);
      const report = JSON.parse(again.stdout) as { tables: { table: string; rows: number; inserted: number; skipped: number }[] };
      for (const table of report.tables) assert.deepEqual([table.inserted, table.skipped], [0, table.rows], table.table);
      assert.deepEqual(await tableDigests(three.pool), await tableDigests(source.pool));
    } finally {
      await Promise.all([one.drop(), three.drop()]);
    }
  });

  it("refuses a malformed row (in a file whose checksums match) with the same message and row number as one job", async () => {
    const copied = await copySet(summaryPath, "jobs-bad-row");
    scratch.push(path.dirname(copied));
    const likes = entryOf(await readSummary(copied), "Like");
    const file = fileOf(copied, likes);
    const lines = gunzipSync(await readFile(file)).toString("utf8").split("\n");
    const row = Math.floor(likes.rows * 0.8);
    // Line 0 is "[": row n is line n. An extra key, which the strict parser refuses.
    lines[row] = lines[row]!.replace(/^\{/, '{"extra":1,');
    const bytes = gzipSync(lines.join("\n"));
    await writeFile(file, bytes);
    await editSummary(copied, (edited) => void Object.assign(edited.tables.find((t) => t.name === "Like")!, { bytes: bytes.length, sha256: sha256(bytes) }));

    const target = await createTestDatabase();
    try {
      await createExtraTables(target.pool);
      const messages: string[] = [];
      for (const jobs of ["1", "3"]) {
        const result = await runScript("db-restore", ["--from", copied, "--jobs", jobs], { DATABASE_URL: target.url });
        assert.equal(result.code, 1, result.stderr);
        messages.push(result.stderr.split("\n").find((line) => line.startsWith("error: "))!);
      }
      assert.match(messages[0]!, new RegExp(`^error: ${likes.file.replaceAll(".", "\\.")}: row ${row}: .*nothing was changed`));
      assert.equal(messages[1], messages[0]);
      assert.equal((await target.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "User"`)).rows[0]!.n, 0);
    } finally {
      await target.drop();
    }
  });

  it("rebuilds with the parallel workers asked for and at least 512 MB of sort memory, for the transaction only, never lowering a higher setting", async () => {
    const db = await createTestDatabase();
    const client = await db.pool.connect();
    const settings = async () =>
      (await client.query<{ workers: string; memory: string }>(
        `SELECT current_setting('max_parallel_maintenance_workers') AS workers, current_setting('maintenance_work_mem') AS memory`,
      )).rows[0]!;
    try {
      const before = await settings();
      const tables = (await discoverTables(client)).filter((table) => table.name === "Achievement");
      for (const [sessionMemory, expected] of [[null, "512MB"], ["2GB", "2GB"]] as const) {
        if (sessionMemory) await client.query(`SET maintenance_work_mem = '${sessionMemory}'`);
        const session = await settings();
        await client.query("BEGIN");
        await rebuildAfterLoad(client, await dropForBulkLoad(client, tables), { parallelWorkers: 3 });
        assert.deepEqual(await settings(), { workers: "3", memory: expected });
        await client.query("COMMIT");
        assert.deepEqual(await settings(), session, "SET LOCAL: back to the session's settings after the transaction");
      }
      await client.query("RESET maintenance_work_mem");
      assert.deepEqual(await settings(), before);
    } finally {
      client.release();
      await db.drop();
    }
  });

  it("refuses --jobs 0 as a usage error", async () => {
    const result = await runScript("db-restore", ["--from", summaryPath, "--jobs", "0"], { DATABASE_URL: source.url });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--jobs/);
  });
});
