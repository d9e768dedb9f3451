// db:backup and db:pre-migration-backup run as a user runs them.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readSummary, type BackupSummary } from "../../scripts/lib/backup/index.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { listAll, removeDir, tempDir } from "./support.ts";

describe("backup commands", () => {
  let db: TestDatabase;
  const dirs: string[] = [];
  async function outDir(label: string): Promise<string> {
    const dir = await tempDir(label);
    dirs.push(dir);
    return dir;
  }

  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 150 });
  });
  after(async () => {
    await db.drop();
    for (const dir of dirs) await removeDir(dir);
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
    assert.deepEqual(printed.selection, { tables: null, excludeTables: ["_prisma_migrations", "Like"] });
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
