// Bad input and faults: a missing or damaged file, a set from another schema,
// a restore killed halfway, bad arguments. Each is refused with a message
// that names the problem, a non-zero exit, and an unchanged database.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFile, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createBackup, readSummary } from "../../scripts/lib/backup/index.ts";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { schemaDefinitions, makeTempDir, tableDigests } from "./fixtures.ts";
import { scriptArgs } from "../../scripts/lib/cli.ts";

async function copySet(summaryPath: string, dir: string): Promise<string> {
  const from = path.dirname(summaryPath);
  for (const name of await readdir(from)) await copyFile(path.join(from, name), path.join(dir, name));
  return path.join(dir, path.basename(summaryPath));
}

async function totalRows(db: TestDatabase): Promise<number> {
  return Object.values(await tableDigests(db.pool)).reduce((sum, digest) => sum + digest.rows, 0);
}

describe("restore faults", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let setDir: { dir: string; remove(): Promise<void> };
  let summaryPath: string;
  let targetDefinitions: string[];

  before(async () => {
    [source, target, setDir] = await Promise.all([createTestDatabase(), createTestDatabase(), makeTempDir()]);
    await seedDatabase(source.pool, { users: 5000 });
    ({ summaryPath } = await createBackup({ target: source.target, outDir: setDir.dir, kind: "manual" }));
    targetDefinitions = await schemaDefinitions(target.pool);
  });
  after(async () => {
    await Promise.all([source.drop(), target.drop(), setDir.remove()]);
  });

  it("refuses a set with a missing table file, naming the file", async () => {
    const copy = await makeTempDir();
    try {
      const copied = await copySet(summaryPath, copy.dir);
      const comments = (await readSummary(copied)).tables.find((t) => t.name === "Comment")!.file;
      await rm(path.join(copy.dir, comments));
      const result = await runScript("db-restore", ["--from", copied], { DATABASE_URL: target.url });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`damaged.*${comments.replace(/[.]/g, "\\.")}`));
      assert.match(result.stderr, /nothing was changed/);
      assert.equal(await totalRows(target), 0);
    } finally {
      await copy.remove();
    }
  });

  it("refuses a set whose file was altered, naming the file", async () => {
    const copy = await makeTempDir();
    try {
      const copied = await copySet(summaryPath, copy.dir);
      const users = (await readSummary(copied)).tables.find((t) => t.name === "User")!.file;
      const text = await readFile(path.join(copy.dir, users), "utf8");
      await writeFile(path.join(copy.dir, users), text.replace("user_17", "user_71"));
      const result = await runScript("db-restore", ["--from", copied], { DATABASE_URL: target.url });
      assert.equal(result.code, 1, result.stderr);
      assert.ok(result.stderr.includes(users), result.stderr);
      assert.equal(await totalRows(target), 0);
    } finally {
      await copy.remove();
    }
  });

  it("reads each file once: damage found while a file loads fails the restore, names the file, and commits nothing", async () => {
    const copy = await makeTempDir();
    try {
      const copied = await copySet(summaryPath, copy.dir);
      const likes = (await readSummary(copied)).tables.find((t) => t.name === "Like")!.file;
      const text = await readFile(path.join(copy.dir, likes), "utf8");
      // Same size, still well-formed JSON: only the checksum, or PostgreSQL refusing the timestamp mid-COPY, can tell.
      const altered = text.replace(/("createdAt":")2025-/, "$12O25-");
      assert.notEqual(altered, text);
      await writeFile(path.join(copy.dir, likes), altered);
      const result = await runScript("db-restore", ["--from", copied], { DATABASE_URL: target.url });
      assert.equal(result.code, 1, result.stderr);
      // Tables before it in the load order were loaded in the same transaction: the file was not read ahead of the load.
      assert.match(result.stdout, /^ {2}User: \d+ rows read, [1-9]\d* inserted$/m);
      assert.match(
        result.stderr,
        new RegExp(`^error: the backup set .* is damaged, nothing was changed — ${likes.replace(/[.]/g, "\\.")}: SHA-256 differs from the summary .*Restore from another set\\.$`, "m"),
      );
      assert.doesNotMatch(result.stderr, /matches its summary's checksums/);
      assert.equal(await totalRows(target), 0);
    } finally {
      await copy.remove();
    }
  });

  it("refuses a set taken at other migrations, showing both lists, unless --allow-schema-mismatch", async () => {
    const other = await createTestDatabase();
    try {
      await other.pool.query(`DELETE FROM _prisma_migrations WHERE migration_name = '20250602180000_achievements_referrals'`);
      const refused = await runScript("db-restore", ["--from", summaryPath], { DATABASE_URL: other.url });
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /different schema/);
      assert.match(refused.stderr, /when the backup was taken: 20250301120000_init, 20250415090000_points_system, 20250602180000_achievements_referrals/);
      assert.match(refused.stderr, /in the target database: 20250301120000_init, 20250415090000_points_system — /);
      assert.equal(await totalRows(other), 0);

      const allowed = await runScript("db-restore", ["--from", summaryPath, "--allow-schema-mismatch"], { DATABASE_URL: other.url });
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.match(allowed.stdout, /warning: schema mismatch accepted/);
      assert.deepEqual(await tableDigests(other.pool), await tableDigests(source.pool));
    } finally {
      await other.drop();
    }
  });

  it("reports columns that differ per table and refuses them unless --allow-schema-mismatch", async () => {
    const other = await createTestDatabase();
    try {
      await other.pool.query(`ALTER TABLE "User" ADD COLUMN nickname text; ALTER TABLE "Comment" DROP COLUMN "tapestryCommentId"`);
      const refused = await runScript("db-restore", ["--from", summaryPath], { DATABASE_URL: other.url });
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /User: columns only in the database: nickname/);
      assert.match(refused.stderr, /Comment: columns only in the backup: tapestryCommentId/);
      assert.equal(await totalRows(other), 0);

      const allowed = await runScript("db-restore", ["--from", summaryPath, "--allow-schema-mismatch", "--json"], { DATABASE_URL: other.url });
      assert.equal(allowed.code, 0, allowed.stderr);
      const counts = await other.pool.query<{ users: number; nicknames: number }>(
        `SELECT count(*)::int AS users, count(nickname)::int AS nicknames FROM "User"`,
      );
      assert.deepEqual(counts.rows[0], { users: 5000, nicknames: 0 });
    } finally {
      await other.drop();
    }
  });

  it("commits nothing when the restore is killed halfway", async () => {
    const child = spawn(process.execPath, scriptArgs("db-restore", ["--from", summaryPath]), {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: target.url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const killedAfter = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        // The first table of the load is done: the transaction is open, with rows in it.
        const done = /^ {2}(\w+): \d+ rows read, (\d+) inserted$/m.exec(output);
        if (done && Number(done[2]) > 0) {
          child.kill("SIGKILL");
          resolve(done[1]!);
        }
      });
      child.on("close", () => reject(new Error(`the restore ended before it could be killed:\n${output}`)));
    });
    await new Promise((resolve) => child.on("close", resolve));
    assert.ok(!/restored:/.test(output), "killed before the commit");
    // The server ends the dead client's session and rolls its transaction back.
    for (let i = 0; i < 100; i++) {
      const active = await target.pool.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'prisma-data-guard restore'`);
      if (active.rowCount === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(killedAfter.length > 0);
    assert.equal(await totalRows(target), 0);
    // The indexes and keys dropped for the load are back: the DDL rolled back with the rows.
    assert.deepEqual(await schemaDefinitions(target.pool), targetDefinitions);
  });

  it("fails, changing nothing, when the data breaks a key of the target as the keys are rebuilt", async () => {
    // The target has a unique index the source never had: the backup's users share totalPoints values.
    await target.pool.query(`CREATE UNIQUE INDEX "User_totalPoints_extra" ON "User" ("totalPoints")`);
    try {
      const withExtra = await schemaDefinitions(target.pool);
      const result = await runScript("db-restore", ["--from", summaryPath], { DATABASE_URL: target.url });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /could not create unique index "User_totalPoints_extra".*rebuilding indexes and keys; nothing was changed.*drop that key, then restore again/);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      assert.equal(await totalRows(target), 0);
      assert.deepEqual(await schemaDefinitions(target.pool), withExtra);
    } finally {
      await target.pool.query(`DROP INDEX "User_totalPoints_extra"`);
    }
  });

  it("fails, changing nothing, when the data breaks a foreign key of the target — checked as soon as both its tables are loaded", async () => {
    // A key the source never had: no comment's text is a username.
    await target.pool.query(`ALTER TABLE "Comment" ADD CONSTRAINT "Comment_text_extra_fkey" FOREIGN KEY ("text") REFERENCES "User" ("username")`);
    try {
      const withExtra = await schemaDefinitions(target.pool);
      const result = await runScript("db-restore", ["--from", summaryPath], { DATABASE_URL: target.url });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /violates foreign key constraint "Comment_text_extra_fkey".*rebuilding indexes and keys; nothing was changed.*drop that key, then restore again/);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      // Checked right after Comment's rows, while the next file was read ahead: no table after it was loaded.
      assert.match(result.stdout, /^ {2}Comment: \d+ rows read, \d+ inserted$/m);
      assert.doesNotMatch(result.stdout, /^ {2}(DailyPointsLog|Follow|PointTransaction|UserAchievement|Like): \d+ rows read/m);
      assert.equal(await totalRows(target), 0);
      assert.deepEqual(await schemaDefinitions(target.pool), withExtra);
    } finally {
      await target.pool.query(`ALTER TABLE "Comment" DROP CONSTRAINT "Comment_text_extra_fkey"`);
    }
  });

  it("gives up, changing nothing, when another session holds a lock on a table", async () => {
    const holder = await target.pool.connect();
    try {
      await holder.query("BEGIN");
      await holder.query(`LOCK TABLE "Like" IN ROW EXCLUSIVE MODE`);
      const result = await runScript("db-restore", ["--from", summaryPath, "--lock-timeout", "1"], { DATABASE_URL: target.url });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /another session holds a lock on the tables to restore.*nothing was changed/);
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
    assert.equal(await totalRows(target), 0);
  });

  it("gives usage errors exit 2 with one line", async () => {
    const env = { DATABASE_URL: target.url };
    const cases: [string[], RegExp][] = [
      [[], /required option '--from <summary>'/],
      [["--from", summaryPath, "--mode", "overwrite"], /Allowed choices are empty, skip-existing, replace/],
      [["--from", path.join(setDir.dir, "backup-summary-2020-01-01T00-00-00-000Z.json")], /no such backup summary/],
      [["--from", summaryPath, "--mode", "replace"], /add --yes to confirm/],
      [["--from", summaryPath, "--continue-on-conflict"], /only applies to --mode skip-existing/],
      [["--from", summaryPath, "--tables", "users,nope"], /the backup set has no table "nope"/],
      [["--from", summaryPath, "--tables", "_prisma_migrations"], /compared with the target, never restored/],
      [["--from", summaryPath, "--lock-timeout", "0"], /--lock-timeout must be a positive integer/],
    ];
    for (const [args, message] of cases) {
      const result = await runScript("db-restore", args, env);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    const noUrl = await runScript("db-restore", ["--from", summaryPath]);
    assert.equal(noUrl.code, 2);
    assert.match(noUrl.stderr, /DATABASE_URL is not set/);
    assert.equal(await totalRows(target), 0);
  });
});
