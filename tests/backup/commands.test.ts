// db:backup and db:pre-migration-backup run as a user runs them.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readSummary, type BackupSummary } from "../../scripts/lib/backup/index.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { listAll, removeDir, tempDir, tempDirs } from "./support.ts";

describe("backup commands", () => {
  let db: TestDatabase;
  const dirs = tempDirs();
  const outDir = (label: string) => dirs.make(label);

  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 150 });
  });
  after(async () => {
    await db.drop();
    await dirs.removeAll();
  });

  it("db:backup prints one line per table when not on a terminal, then the set", async () => {
    const dir = await outDir("cmd-plain");
    const result = await runScript("db-backup", ["--out", dir], { DATABASE_URL: db.url });
    assert.equal(result.code, 0, result.stderr);
    const tableLines = result.stdout.split("\n").filter((line) => /^\w+: [\d,]+ rows, [\d.]+ s, [\d,]+ rows\/s$/.test(line));
    assert.equal(tableLines.length, 9, result.stdout);
    assert.ok(tableLines.some((line) => line.startsWith("User: 150 rows")));
    assert.ok(!result.stdout.includes("\r"), "no terminal control characters in a log");
    assert.match(result.stdout, /backup set complete: .*backup-summary-.*\.json/);
    assert.ok(!result.stdout.includes("@example.com"));
  });

  it("db:backup --json prints the summary on stdout and nothing else", async () => {
    const dir = await outDir("cmd-json");
    const result = await runScript("db-backup", ["--out", dir, "--json", "--gzip", "--kind", "scheduled", "--exclude-tables", "_prisma_migrations,Like"], {
      DATABASE_URL: db.url,
    });
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as BackupSummary & { summaryPath: string };
    assert.equal(printed.kind, "scheduled");
    assert.equal(printed.compression, "gzip");
    assert.deepEqual(printed.selection, { schemas: ["public"], tables: null, excludeTables: ["_prisma_migrations", "Like"] });
    assert.ok(!printed.tables.some((t) => t.name === "Like" || t.name === "_prisma_migrations"));
    assert.deepEqual(await readSummary(printed.summaryPath), (({ summaryPath, ...rest }) => rest)(printed));
    assert.match(result.stderr, /backup set complete/);
    const files = await listAll(dir);
    assert.equal(files.length, printed.tables.length + 1);
    assert.ok(files.every((name) => name.endsWith(".json.gz") || name.startsWith("backup-summary-")));
  });

  it("db:backup --tables takes only those tables, and BACKUP_DIR is the default directory", async () => {
    const dir = await outDir("cmd-env");
    const result = await runScript("db-backup", ["--tables", "User,Follow"], { DATABASE_URL: db.url, BACKUP_DIR: dir });
    assert.equal(result.code, 0, result.stderr);
    const files = await listAll(dir);
    assert.equal(files.filter((name) => name.startsWith("users-backup-") || name.startsWith("follows-backup-")).length, 2);
    assert.equal(files.length, 3);
  });

  it("db:pre-migration-backup marks the set pre-migration and lists the pending migrations", async () => {
    const dir = await outDir("cmd-pre");
    const none = await runScript("db-pre-migration-backup", ["--out", dir], { DATABASE_URL: db.url });
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /no pending migrations/);

    // The migration history row of the newest migration is removed: it is pending again.
    await db.pool.query(`DELETE FROM _prisma_migrations WHERE migration_name = '20250602180000_achievements_referrals'`);
    const result = await runScript("db-pre-migration-backup", ["--out", dir, "--json"], { DATABASE_URL: db.url });
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as BackupSummary;
    assert.equal(printed.kind, "pre-migration");
    assert.deepEqual(printed.migrations.pending, ["20250602180000_achievements_referrals"]);
    assert.deepEqual(printed.migrations.applied, ["20250301120000_init", "20250415090000_points_system"]);
    assert.match(result.stderr, /pending migrations \(1\): 20250602180000_achievements_referrals/);
  });
});

describe("db:backup with BACKUP_RETENTION", () => {
  let db: TestDatabase;
  let dir: string;
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 20 });
    dir = await tempDir("cmd-retention");
  });
  after(async () => {
    await db.drop();
    await removeDir(dir);
  });

  const summaries = async () => (await listAll(dir)).filter((name) => name.startsWith("backup-summary-"));

  it("keeps every set when BACKUP_RETENTION is unset", async () => {
    for (let run = 0; run < 2; run++) {
      const result = await runScript("db-backup", ["--out", dir], { DATABASE_URL: db.url, BACKUP_RETENTION: "" });
      assert.equal(result.code, 0, result.stderr);
    }
    assert.equal((await summaries()).length, 2);
  });

  it("prunes old sets at the end of the backup when it is set", async () => {
    const result = await runScript("db-backup", ["--out", dir], {
      DATABASE_URL: db.url,
      BACKUP_RETENTION: "last=1,daily=0,weekly=0,monthly=0",
    });
    assert.equal(result.code, 0, result.stderr);
    const left = await summaries();
    assert.equal(left.length, 1);
    assert.match(result.stdout, new RegExp(left[0]!.replace(/[.]/g, "\\.")));
  });

  it("a malformed BACKUP_RETENTION is a configuration error and writes nothing", async () => {
    const before = await listAll(dir);
    const result = await runScript("db-backup", ["--out", dir], { DATABASE_URL: db.url, BACKUP_RETENTION: "forever" });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /BACKUP_RETENTION="forever" is not understood/);
    assert.deepEqual(await listAll(dir), before);
  });
});
