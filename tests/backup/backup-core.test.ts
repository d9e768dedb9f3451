import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  createBackup,
  listBackupSets,
  readSummary,
  resolveSummaryPath,
  verifyBackupSet,
  type BackupSummary,
} from "../../scripts/lib/backup/index.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { differingRows, restoreCopy } from "./support.ts";

const APP_TABLES = [
  "Achievement", "Comment", "DailyPointsLog", "Follow", "Like", "PointTransaction", "User", "UserAchievement", "_prisma_migrations",
];

describe("createBackup on a seeded database", () => {
  let db: TestDatabase;
  let outDir: string;
  let summaryPath: string;
  let summary: BackupSummary;

  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 300 });
    await db.pool.query(`CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text)`);
    await db.pool.query(`INSERT INTO audit_log (note) VALUES ('a'), (NULL), ('')`);
    outDir = await mkdtemp(path.join(os.tmpdir(), "pdg-backup-core-"));
    ({ summaryPath, summary } = await createBackup({ target: db.target, outDir, kind: "manual" }));
  });
  after(async () => {
    await db.drop();
    await rm(outDir, { recursive: true, force: true });
  });

  it("writes one file per table, including _prisma_migrations and unmapped tables, and the summary", async () => {
    assert.deepEqual(summary.tables.map((t) => t.name).sort(), [...APP_TABLES, "audit_log"].sort());
    const files = (await readdir(outDir)).sort();
    const expected = [
      ...summary.tables.map((t) => t.file),
      path.basename(summaryPath),
    ].sort();
    assert.deepEqual(files, expected);
    const stamp = summary.timestamp;
    assert.match(stamp, /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/);
    for (const name of ["users", "point-transactions", "daily-points-logs", "prisma-migrations", "user-achievements", "audit-logs"]) {
      assert.ok(files.includes(`${name}-backup-${stamp}.json`), `${name}-backup-${stamp}.json exists`);
    }
    assert.equal(path.basename(summaryPath), `backup-summary-${stamp}.json`);
  });

  it("records counts that match the database, and the migrations", async () => {
    for (const table of summary.tables) {
      const live = await db.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${table.name}"`);
      assert.equal(table.rows, Number(live.rows[0]!.n), table.name);
      assert.equal(summary.counts[table.name], table.rows);
    }
    assert.equal(summary.counts.User, 300);
    assert.deepEqual(summary.migrations.pending, []);
    assert.equal(summary.migrations.applied.length, 3);
    assert.equal(summary.kind, "manual");
    assert.equal(summary.database.name, db.name);
    assert.equal(summary.compression, null);
    assert.equal(summary.encryption, null);
  });

  it("writes each table file as a JSON array with one row per line, and records its size and SHA-256", async () => {
    const users = summary.tables.find((t) => t.name === "User")!;
    const text = await readFile(path.join(outDir, users.file), "utf8");
    const parsed = JSON.parse(text) as Record<string, unknown>[];
    assert.equal(parsed.length, 300);
    const lines = text.split("\n");
    assert.equal(lines[0], "[");
    assert.equal(lines.at(-2), "]");
    assert.equal(lines.length, 300 + 3);
    const { createHash } = await import("node:crypto");
    assert.equal(users.sha256, createHash("sha256").update(await readFile(path.join(outDir, users.file))).digest("hex"));
    assert.equal(users.bytes, (await stat(path.join(outDir, users.file))).size);
  });

  it("creates every file readable by its owner only", async () => {
    for (const file of await readdir(outDir)) {
      assert.equal((await stat(path.join(outDir, file))).mode & 0o777, 0o600, file);
    }
  });

  it("reads rows back and PostgreSQL turns them into the very same rows", async () => {
    for (const table of ["PointTransaction", "User", "audit_log"]) {
      const entry = summary.tables.find((t) => t.name === table)!;
      await restoreCopy(db.pool, summaryPath, entry, `${table}_restored`);
      assert.equal(await differingRows(db.pool, table, `${table}_restored`), 0, table);
    }
  });

  it("verifies, finds the set as latest, and ignores files it did not write", async () => {
    const report = await verifyBackupSet(summaryPath);
    assert.deepEqual(report.problems, []);
    assert.equal(report.ok, true);
    assert.equal(await resolveSummaryPath("latest", outDir), summaryPath);
    const sets = await listBackupSets(outDir);
    assert.equal(sets.length, 1);
    assert.deepEqual((await readSummary(summaryPath)).counts, summary.counts);
  });
});
