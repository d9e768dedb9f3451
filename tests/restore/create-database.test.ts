// db:restore --create-database NAME: the lost-database recovery in one
// command. The new database is compared with the source in SQL, table by
// table and sequence by sequence; an existing NAME is refused with nothing
// changed; a failure drops the half-built database.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { after, before, describe, it } from "node:test";
import { createBackup, type BackupSummary } from "../../scripts/lib/backup/index.ts";
import { databaseUrl, dropDatabase } from "../../scripts/lib/database-admin.ts";
import { shellQuote } from "../../scripts/lib/migrations/prisma-project.ts";
import { createScratchProject, type ScratchProject } from "../../scripts/lib/migrations/scratch-project.ts";
import { runPrismaCliCaptured } from "../../scripts/lib/prisma-cli.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { copySet, entryOf, fileOf, flipByte, removeDir, tempDir } from "../backup/support.ts";
import { errorLine, runScript } from "../helpers/cli.ts";
import { adminUrl, createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { databaseContents } from "./corpus-support.ts";

async function exists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return (await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

/** Everything but Prisma's own bookkeeping, whose rows record when each migration ran. */
async function contentsWithoutHistory(url: string) {
  const pool = new pg.Pool({ connectionString: url });
  try {
    const contents = await databaseContents(pool);
    for (const key of Object.keys(contents.tables)) if (key.includes("_prisma_migrations")) delete contents.tables[key];
    return contents;
  } finally {
    await pool.end();
  }
}

describe("db:restore --create-database", () => {
  let source: TestDatabase;
  let project: ScratchProject;
  let outDir: string;
  let set: { summaryPath: string; summary: BackupSummary };
  const created: string[] = [];
  const newName = () => {
    const name = `pdg_created_${randomBytes(4).toString("hex")}`;
    created.push(name);
    return name;
  };
  const restoreInto = (name: string, summaryPath = set.summaryPath) =>
    runScript("db-restore", ["--from", summaryPath, "--create-database", name, "--config", project.config], { DATABASE_URL: source.url });

  before(async () => {
    source = await createTestDatabase();
    project = createScratchProject(await tempDir("create-db-project"));
    // A migration with sequences (a serial and a free-standing counter), so that there are some to compare.
    project.addMigration("20990101000000_counters", 'CREATE TABLE "Counter" (id serial PRIMARY KEY, note text);\nCREATE SEQUENCE "invoice_number_seq" START 1000;\n');
    const deploy = await runPrismaCliCaptured(["migrate", "deploy", "--config", project.config], { env: { ...process.env, DATABASE_URL: source.url } });
    assert.equal(deploy.code, 0, deploy.output);
    await seedDatabase(source.pool, { users: 30 });
    await source.pool.query(`INSERT INTO "Counter" (note) SELECT 'n' || g FROM generate_series(1, 7) g; DELETE FROM "Counter" WHERE id > 5`);
    await source.pool.query(`SELECT nextval('invoice_number_seq') FROM generate_series(1, 24)`);
    outDir = await tempDir("create-db");
    set = await createBackup({ target: source.target, outDir, kind: "manual", migrationsDir: project.migrationsDir });
    // Merged after the backup: not applied when it was taken.
    project.addMigration("20990102000000_later", 'ALTER TABLE "Counter" ADD COLUMN "later" TEXT;\n');
  });
  after(async () => {
    for (const name of created) await dropDatabase(adminUrl(), name);
    await source.drop();
    project.remove();
    await removeDir(outDir);
  });

  it("creates the database, applies the set's migrations, restores: every table and sequence equals the source's; prints the URL (no password), the pending migration and its deploy command", async () => {
    const name = newName();
    const cli = await restoreInto(name);
    assert.equal(cli.code, 0, cli.stderr);
    const url = databaseUrl(source.url, name);
    assert.deepEqual(await contentsWithoutHistory(url), await contentsWithoutHistory(source.url));
    const contents = await contentsWithoutHistory(url);
    assert.ok(Object.keys(contents.sequences).some((sequence) => sequence.includes("invoice_number_seq")), JSON.stringify(contents.sequences));
    const password = new URL(source.url).password;
    const shown = password ? url.replace(`:${password}@`, ":***@") : url;
    assert.ok(cli.stdout.includes(`new database: ${shown}`), cli.stdout);
    if (password) assert.ok(!cli.stdout.includes(`:${password}@`), "the password is never printed");
    assert.match(cli.stdout, /migrations applied \(as when the backup was taken\): 4\n/);
    assert.match(cli.stdout, /migrations in prisma\/migrations the backup had not applied: 20990102000000_later\n/);
    assert.ok(cli.stdout.includes(`deploy them (with the password filled in): DATABASE_URL=${shellQuote(shown)} pnpm run db:migrate-deploy --config ${project.config}`), cli.stdout);
    const applied = new pg.Pool({ connectionString: url });
    try {
      const rows = await applied.query<{ migration_name: string }>(`SELECT migration_name FROM _prisma_migrations ORDER BY 1`);
      assert.deepEqual(rows.rows.map((row) => row.migration_name), set.summary.migrations.applied, "exactly the set's migrations");
    } finally {
      await applied.end();
    }
  });

  it("refuses a name that exists, changing nothing", async () => {
    const name = newName();
    assert.equal((await restoreInto(name)).code, 0);
    const pool = new pg.Pool({ connectionString: databaseUrl(source.url, name) });
    try {
      await pool.query(`INSERT INTO "Counter" (note) VALUES ('written after the recovery')`);
      const before = await databaseContents(pool);
      const again = await restoreInto(name);
      assert.equal(again.code, 1);
      assert.match(errorLine(again), new RegExp(`^error: database "${name}" already exists on [^;]+; nothing was changed\\.`));
      assert.deepEqual(await databaseContents(pool), before);
    } finally {
      await pool.end();
    }
  });

  it("drops the half-built database when the restore fails (a damaged file), and says so", async () => {
    const damaged = await copySet(set.summaryPath, "create-db-damaged");
    try {
      await flipByte(fileOf(damaged, entryOf(set.summary, "Comment")), 30);
      const name = newName();
      const cli = await restoreInto(name, damaged);
      assert.equal(cli.code, 1);
      assert.match(errorLine(cli), new RegExp(`is damaged, nothing was changed — .*the half-built database "${name}" on [^ ]+ was dropped$`));
      assert.equal(await exists(name), false);
      assert.match(cli.stdout, /applying the set's 4 migrations/, "it failed after the migrations had been applied");
    } finally {
      await removeDir(path.dirname(damaged));
    }
  });

  it("refuses options that do not fit a new database", async () => {
    const cli = await runScript("db-restore", ["--from", set.summaryPath, "--create-database", "x", "--mode", "replace", "--yes"], { DATABASE_URL: source.url });
    assert.equal(cli.code, 2);
    assert.match(errorLine(cli), /--create-database restores the whole set into a new database in --mode empty; --mode cannot be combined with it/);
  });
});
