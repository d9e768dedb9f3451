import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { BackupRunReport } from "../../scripts/lib/status/backup-report.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { backupAged, DAY } from "./backup-fixtures.ts";

describe("db:backup-report (the nightly run summary)", () => {
  let db: TestDatabase;
  let dir: string;
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 25 });
    dir = await mkdtemp(path.join(os.tmpdir(), "pdg-ops-report-"));
  });
  after(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("with a single set: counts, size, duration, no comparison", async () => {
    const { summaryPath, summary } = await backupAged(db.target, dir, { ageMs: DAY });
    const result = await runScript("db-backup-report", ["latest", "--json"], { BACKUP_DIR: dir });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as BackupRunReport;
    assert.equal(report.summaryPath, summaryPath);
    assert.equal(report.previous, null);
    assert.equal(report.durationMs, summary.durationMs);
    const sizes = await Promise.all([summaryPath, ...summary.tables.map((t) => path.join(dir, t.file))].map(async (f) => (await stat(f)).size));
    assert.equal(report.bytes, sizes.reduce((a, b) => a + b, 0));
    assert.equal(report.tables.find((t) => t.table === "User")?.now, 25);
  });

  it("compares the latest set with the one before it, in Markdown for $GITHUB_STEP_SUMMARY", async () => {
    await db.pool.query(`DELETE FROM "Follow" WHERE ("followerId", "followingId") IN (SELECT "followerId", "followingId" FROM "Follow" LIMIT 2)`);
    await db.pool.query(`INSERT INTO "Achievement" (id, name, description, category, requirement) VALUES ('ach_x', 'X', 'x', 'SPECIAL', '{}')`);
    await backupAged(db.target, dir, { kind: "scheduled" });
    const follows = Number((await db.pool.query(`SELECT count(*) FROM "Follow"`)).rows[0].count);

    const result = await runScript("db-backup-report", ["--markdown"], { BACKUP_DIR: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^## Database backup \d{4}-\d{2}-\d{2}T/);
    assert.match(result.stdout, /\| kind \| scheduled \|/);
    assert.match(result.stdout, /\| encrypted \| \*\*no — plaintext personal data\*\* \|/);
    assert.ok(result.stdout.includes(`| Follow | ${follows} | ${follows + 2} | -2 |`), result.stdout);
    assert.ok(result.stdout.includes(`| Achievement | 7 | 6 | +1 |`), result.stdout);
    assert.ok(result.stdout.includes(`| User | 25 | 25 | 0 |`));
    assert.match(result.stdout, /> \[!WARNING\]\n> Fewer rows than the previous backup in: Follow\./);

    const text = await runScript("db-backup-report", [], { BACKUP_DIR: dir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Follow\s+\d+\s+\d+\s+-2/);

    const list = await runScript("db-backup-report", ["--list"], { BACKUP_DIR: dir });
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trim().split("\n");
    assert.match(lines[0]!, /^2 backup sets in .*, newest first:$/);
    assert.match(lines[1]!, /^ {2}\S+Z {2}scheduled .* plaintext {2}\/.*backup-summary-.*\.json$/);
    assert.match(lines[2]!, /^ {2}\S+Z {2}scheduled .*backup-summary-/, "the older set, a day old");
  });

  it("fails clearly (exit 1) when there is no backup set", async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), "pdg-ops-report-empty-"));
    try {
      const result = await runScript("db-backup-report", ["latest", "--markdown"], { BACKUP_DIR: empty });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /no backup set in .*run `pnpm run db:backup` first/);
      assert.equal(result.stdout, "");
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
