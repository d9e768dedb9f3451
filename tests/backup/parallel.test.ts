// db:backup --jobs N against one job: the same files byte for byte (plain
// and gzip), the same summary apart from its time, with a table read in ctid
// ranges out of turn (spooled); and a worker's failure failing the backup
// with nothing that looks complete left behind.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createBackup, verifyBackupSet, type BackupSummary } from "../../scripts/lib/backup/index.ts";
import { blockRanges } from "../../scripts/lib/backup/parallel-tables.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import type { TableInfo } from "../../scripts/lib/tables.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { tempDirs } from "./support.ts";

const JOBS = 3;
/** Cuts every table of more than one block into ranges (the default keeps ranges at 64 MB or more). */
const MIN_RANGE_BLOCKS = 1;

/** The summary without what differs between two runs: when it was made (and the file names, which carry that). */
function timeless(summary: BackupSummary): unknown {
  const text = JSON.stringify({ ...summary, createdAt: null, timestamp: null, durationMs: null });
  return JSON.parse(text.replaceAll(summary.timestamp, "<timestamp>"));
}

async function filesByTable(dir: string, summary: BackupSummary): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of summary.tables) files.set(`${entry.schema}.${entry.name}`, await readFile(path.join(dir, entry.file)));
  return files;
}

describe("db:backup --jobs", () => {
  let db: TestDatabase;
  const dirs = tempDirs();

  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 300 });
    // The largest table by far (so it is cut into ranges), with values that need every escape, SQL NULL and JSON null.
    await db.pool.query(`CREATE TABLE notes (id int PRIMARY KEY, body text, data jsonb, flag boolean, amount numeric)`);
    await db.pool.query(`
      INSERT INTO notes
      SELECT n,
             CASE WHEN n % 7 = 0 THEN NULL ELSE repeat(E'tab\\there "quote" back\\\\slash\\nline ', 1 + n % 5) || n END,
             CASE n % 3 WHEN 0 THEN 'null'::jsonb WHEN 1 THEN NULL ELSE jsonb_build_object('n', n, 's', E'a\\tb') END,
             n % 2 = 0,
             CASE WHEN n % 11 = 0 THEN 'NaN'::numeric ELSE n / 3.0 END
      FROM generate_series(1, 20000) AS n`);
    // Rows updated in place move to the table's end: physical order is not key order.
    await db.pool.query(`UPDATE notes SET body = body || ' (edited)' WHERE id % 13 = 0`);
    await db.pool.query(`CREATE TABLE empty_table (id int)`);
    await db.pool.query("ANALYZE");
  });
  after(async () => {
    await db.drop();
    await dirs.removeAll();
  });

  it("cuts the largest table into ctid ranges", async () => {
    const { rows } = await db.pool.query<{ blocks: string; total: string }>(
      `SELECT pg_relation_size('notes') / 8192 AS blocks,
              (SELECT sum(pg_relation_size(c.oid)) / 8192 FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r') AS total`,
    );
    const notes = { table: { partitioned: false } as TableInfo, columns: [], blocks: Number(rows[0]!.blocks) };
    const ranges = blockRanges(notes, Number(rows[0]!.total), JOBS, MIN_RANGE_BLOCKS);
    assert.ok(ranges && ranges.length > 1, `notes (${notes.blocks} of ${rows[0]!.total} blocks) is read in ranges`);
    assert.equal(ranges[0]!.from, 0);
    assert.equal(ranges.at(-1)!.to, null, "the last range is open-ended");
  });

  for (const gzip of [false, true]) {
    it(`writes the same set as one job: every file byte for byte, the same summary${gzip ? " (gzip)" : ""}`, async () => {
      const oneDir = await dirs.make("jobs-one");
      const manyDir = await dirs.make("jobs-many");
      const one = await createBackup({ target: db.target, outDir: oneDir, kind: "manual", gzip });
      const many = await createBackup({ target: db.target, outDir: manyDir, kind: "manual", gzip, jobs: JOBS, minRangeBlocks: MIN_RANGE_BLOCKS });
      assert.deepEqual(timeless(many.summary), timeless(one.summary));
      const oneFiles = await filesByTable(oneDir, one.summary);
      const manyFiles = await filesByTable(manyDir, many.summary);
      assert.equal(manyFiles.size, one.summary.tables.length);
      for (const [table, bytes] of oneFiles) assert.ok(manyFiles.get(table)!.equals(bytes), `${table}: the same file content`);
      assert.equal(many.summary.counts.notes, 20000);
      assert.equal((await verifyBackupSet(many.summaryPath)).ok, true);
      // Nothing but the set: no spool or temporary file left in the location.
      assert.deepEqual((await readdir(manyDir)).sort(), [...many.summary.tables.map((t) => t.file), path.basename(many.summaryPath)].sort());
    });
  }

  it("fails as a whole when a worker's connection dies: no summary, no table file left", async () => {
    const outDir = await dirs.make("jobs-failure");
    let killed = 0;
    let settled = false;
    const killer = (async () => {
      while (killed === 0 && !settled) {
        const { rowCount } = await db.pool.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'prisma-data-guard backup worker' AND datname = current_database()`,
        );
        killed = rowCount ?? 0;
        if (killed === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const backup = createBackup({ target: db.target, outDir, kind: "manual", jobs: JOBS, minRangeBlocks: MIN_RANGE_BLOCKS });
    await assert.rejects(backup.finally(() => (settled = true)), /backup failed: .*(terminat|connection|stopped)/i);
    await killer;
    assert.ok(killed > 0, "a worker's backend was terminated");
    assert.deepEqual(await readdir(outDir), []);
  });
});
