import assert from "node:assert/strict";
import { mkdtemp, readdir, rename, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { listBackupSets, verifyBackupSet } from "../../scripts/lib/backup/index.ts";
import { createReporter } from "../../scripts/lib/cli.ts";
import { pruneAfterBackup } from "../../scripts/lib/retention/report.ts";
import type { PruneReport } from "../../scripts/lib/retention/prune.ts";
import type { StatusReport } from "../../scripts/lib/status/status.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { backupAged, DAY, plantDrillReport } from "./backup-fixtures.ts";

const TABLES = ["Achievement", "User"];
/** Files in the directory that the backup tool did not write: prune must leave them alone. */
const FOREIGN_FILES = {
  "notes.txt": "restore drill 2026-10 went fine\n",
  "users-backup-copy-for-analytics.json": "[]\n",
  // Named like a summary but not one this tool wrote.
  "backup-summary-2020-01-01T00-00-00-000Z.json": `{"hello":"world"}\n`,
};

async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe("db:prune-backups", () => {
  let db: TestDatabase;
  let dir: string;
  let ages: { summaryPath: string; days: number; kind: string }[];

  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 20 });
  });
  after(() => db.drop());

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "pdg-ops-prune-"));
    ages = [];
    // Oldest first so file timestamps and createdAt agree: 70 days (pre-migration), 40, 3, 2, 1, 0 days.
    for (const [days, kind] of [[70, "pre-migration"], [40, "scheduled"], [3, "scheduled"], [2, "scheduled"], [1, "scheduled"], [0, "manual"]] as const) {
      const { summaryPath } = await backupAged(db.target, dir, { kind, ageMs: days * DAY, tables: TABLES });
      ages.push({ summaryPath, days, kind });
    }
    for (const [name, content] of Object.entries(FOREIGN_FILES)) await writeFile(path.join(dir, name), content);
  });

  it("--dry-run lists the sets it would delete and deletes nothing", async () => {
    const before = await filesIn(dir);
    const result = await runScript("db-prune-backups", ["--dir", dir, "--keep-last", "2", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0", "--dry-run", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as PruneReport;
    assert.equal(report.dryRun, true);
    const deletedDays = report.deleted.map((set) => ages.find((a) => a.summaryPath === set.summaryPath)!.days).sort((a, b) => a - b);
    assert.deepEqual(deletedDays, [2, 3, 40], "keeps the 2 newest and the newest pre-migration set (70 days old)");
    assert.match(result.stderr, /dry run, nothing deleted/);
    assert.deepEqual(await filesIn(dir), before);
  });

  it("deletes whole sets, keeps the rest verifiable, and never touches files it did not write", async () => {
    const result = await runScript("db-prune-backups", ["--dir", dir, "--keep-last", "2", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /3 sets kept, 3 deleted/);

    const remaining = await listBackupSets(dir);
    assert.deepEqual(remaining.map((set) => ages.find((a) => a.summaryPath === set.summaryPath)!.days).sort((a, b) => a - b), [0, 1, 70]);
    for (const set of remaining) assert.deepEqual((await verifyBackupSet(set.summaryPath)).problems, []);

    // Exactly the kept sets' files plus the foreign files are left: no half set, no stray table file.
    const expected = [
      ...remaining.flatMap((set) => [path.basename(set.summaryPath), ...set.summary.tables.map((t) => t.file)]),
      ...Object.keys(FOREIGN_FILES),
    ].sort();
    assert.deepEqual(await filesIn(dir), expected);
  });

  it("keeps a set's drill reports with it and deletes them with it (also when finishing an interrupted prune)", async () => {
    const sets = await listBackupSets(dir);
    const reportOf = async (days: number) => {
      const set = sets.find((s) => s.summaryPath === ages.find((a) => a.days === days)!.summaryPath)!;
      return plantDrillReport(set.summaryPath, set.summary, { outcome: "passed", ageMs: days * DAY });
    };
    const kept = await reportOf(0);
    const deleted = await reportOf(3);
    const interrupted = await reportOf(40);
    const victim = ages.find((a) => a.days === 40)!.summaryPath;
    await rename(victim, path.join(dir, `.${path.basename(victim)}.pruning`));
    const result = await runScript("db-prune-backups", ["--dir", dir, "--keep-last", "2", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as PruneReport;
    assert.ok(report.resumed.some((file) => file.endsWith(interrupted)), JSON.stringify(report.resumed));
    assert.ok(report.deleted.some((set) => set.files.some((file) => file.endsWith(deleted))), "listed with the set it belongs to");
    const files = await filesIn(dir);
    assert.ok(files.includes(kept), "a kept set keeps its drill report");
    assert.ok(!files.includes(deleted) && !files.includes(interrupted), files.join(", "));
    for (const name of Object.keys(FOREIGN_FILES)) assert.ok(files.includes(name));
  });

  it("uses keep-last 3, daily 7, weekly 4, monthly 6 by default", async () => {
    const result = await runScript("db-prune-backups", ["--dir", dir, "--dry-run", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as PruneReport;
    assert.deepEqual(report.policy, { keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 });
    // Six sets on six different days within 3 months: all kept by daily + monthly.
    assert.equal(report.deleted.length, 0);
  });

  it("finishes a prune that was interrupted after it hid a set's summary", async () => {
    const victim = ages.find((a) => a.days === 40)!.summaryPath;
    const [set] = (await listBackupSets(dir)).filter((s) => s.summaryPath === victim);
    const marker = path.join(dir, `.${path.basename(victim)}.pruning`);
    await rename(victim, marker);
    const result = await runScript("db-prune-backups", ["--dir", dir, "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as PruneReport;
    assert.equal(report.resumed.length, set!.summary.tables.length + 1);
    const files = await filesIn(dir);
    assert.ok(!files.includes(path.basename(marker)));
    for (const table of set!.summary.tables) assert.ok(!files.includes(table.file), `${table.file} deleted`);
  });

  it("incomplete sets (files of a backup that never wrote its summary): shown by status, removed by prune once a day old", async () => {
    const dead = "2026-11-20T02-00-00-000Z";
    const running = "2026-11-30T23-59-59-000Z";
    const deadFiles = [`users-backup-${dead}.json`, `.follows-backup-${dead}.json.partial-0a1b2c3d`];
    const runningFiles = [`.users-backup-${running}.json.gz.partial-9f8e7d6c`];
    for (const name of [...deadFiles, ...runningFiles]) await writeFile(path.join(dir, name), "[\n");
    const twoDaysAgo = new Date(Date.now() - 2 * DAY);
    for (const name of deadFiles) await utimes(path.join(dir, name), twoDaysAgo, twoDaysAgo);

    const status = await runScript("db-status", ["--json", "--no-verify"], { DATABASE_URL: db.url, BACKUP_DIR: dir });
    assert.equal(status.code, 0, status.stderr);
    const shown = (JSON.parse(status.stdout) as StatusReport).incompleteSets;
    assert.deepEqual(shown.map((set) => [set.timestamp, set.objects.sort()]), [[running, runningFiles], [dead, [...deadFiles].sort()]]);
    assert.match(status.stderr, new RegExp(`incomplete set ${dead}: 2 files, .* no summary`));

    const result = await runScript("db-prune-backups", ["--dir", dir, "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as PruneReport;
    assert.deepEqual(report.incomplete.map((set) => [set.timestamp, set.removed]), [[running, false], [dead, true]]);
    assert.equal(report.deleted.length, 0, "no complete set is touched by the defaults");
    const files = await filesIn(dir);
    for (const name of deadFiles) assert.ok(!files.includes(name), `${name} removed`);
    for (const name of [...runningFiles, ...Object.keys(FOREIGN_FILES)]) assert.ok(files.includes(name), `${name} kept`);
  });

  it("rejects bad counts with exit 2 and deletes nothing", async () => {
    const before = await filesIn(dir);
    for (const args of [["--keep-last", "-1"], ["--keep-daily", "seven"], ["--keep-weekly", "1.5"]]) {
      const result = await runScript("db-prune-backups", ["--dir", dir, ...args]);
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.stderr, /must be a whole number ≥ 0/);
    }
    assert.deepEqual(await filesIn(dir), before);
  });

  it("runs after a backup only when BACKUP_RETENTION is set (pruneAfterBackup)", async () => {
    const reporter = createReporter(true);
    assert.equal(await pruneAfterBackup(dir, reporter, {}), null);
    assert.equal((await listBackupSets(dir)).length, 6);
    const report = await pruneAfterBackup(dir, reporter, { BACKUP_RETENTION: "last=1,daily=0,weekly=0,monthly=0" });
    assert.equal(report?.deleted.length, 4);
    assert.equal((await listBackupSets(dir)).length, 2, "the newest and the newest pre-migration set");
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses to prune anything when a summary names a file outside its directory; after a backup that is a warning", async () => {
    const [newest] = await listBackupSets(dir);
    const forged = { ...newest!.summary, timestamp: "2001-01-01T00-00-00-000Z", createdAt: "2001-01-01T00:00:00.000Z" };
    forged.tables = [{ ...forged.tables[0]!, file: "../outside.json" }];
    await writeFile(path.join(dir, "backup-summary-2001-01-01T00-00-00-000Z.json"), JSON.stringify(forged));
    const before = await filesIn(dir);
    const result = await runScript("db-prune-backups", ["--dir", dir, "--keep-last", "1", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /names an invalid table file "\.\.\/outside\.json"/);
    assert.deepEqual(await filesIn(dir), before, "nothing deleted");

    const report = await pruneAfterBackup(dir, createReporter(true), { BACKUP_RETENTION: "on", GITHUB_ACTIONS: "" });
    assert.equal(report, null, "reported as a warning alert, not thrown");
    assert.deepEqual(await filesIn(dir), before);
  });
});
