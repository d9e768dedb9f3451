import assert from "node:assert/strict";
import { readFile, rm, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  createBackup,
  listBackupSets,
  readTableRows,
  resolveSummaryPath,
  verifyBackupSet,
  type BackupSummary,
} from "../../scripts/lib/backup/index.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { collect, copySet, editSummary, entryOf, fileOf, flipByte, removeDir, sha256, tempDir } from "./support.ts";

describe("db:verify-backup", () => {
  let db: TestDatabase;
  let outDir: string;
  let plain: { summaryPath: string; summary: BackupSummary };
  let gzipped: { summaryPath: string; summary: BackupSummary };
  const scratch: string[] = [];

  async function damaged(from: { summaryPath: string }): Promise<string> {
    const summaryPath = await copySet(from.summaryPath, "verify-damaged");
    scratch.push(path.dirname(summaryPath));
    return summaryPath;
  }

  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 200 });
    outDir = await tempDir("verify");
    plain = await createBackup({ target: db.target, outDir, kind: "manual" });
    gzipped = await createBackup({ target: db.target, outDir: await tempDir("verify-gz"), kind: "scheduled", gzip: true });
    scratch.push(path.dirname(gzipped.summaryPath));
  });
  after(async () => {
    await db.drop();
    await removeDir(outDir);
    for (const dir of scratch) await removeDir(dir);
  });

  it("passes an intact set (plain and gzip), exit 0", async () => {
    for (const set of [plain, gzipped]) {
      const report = await verifyBackupSet(set.summaryPath);
      assert.deepEqual(report.problems, []);
      assert.equal(report.ok, true);
      assert.deepEqual(
        report.tables.map((t) => [t.name, t.rows]),
        set.summary.tables.map((t) => [t.name, t.rows]),
      );
    }
    const cli = await runScript("db-verify-backup", ["latest", "--dir", outDir]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /verified: all 9 files match the summary/);
  });

  it("catches a tampered byte that keeps the size, naming the file, exit 1 with an alert", async () => {
    const summaryPath = await damaged(plain);
    const users = entryOf(plain.summary, "User");
    const file = fileOf(summaryPath, users);
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace("user_17", "user_71"));
    const report = await verifyBackupSet(summaryPath);
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems, [{ file: users.file, problem: "SHA-256 differs from the summary (the file was altered or corrupted)" }]);
    assert.equal(report.tables.find((t) => t.name === "User")!.ok, false);
    assert.equal(report.tables.filter((t) => t.ok).length, 8);

    const cli = await runScript("db-verify-backup", [summaryPath]);
    assert.equal(cli.code, 1);
    assert.match(cli.stdout, new RegExp(`FAIL User .*${users.file}`));
    assert.match(cli.stderr, /ALERT error: Backup verification failed/);
  });

  it("catches a truncated file", async () => {
    const summaryPath = await damaged(plain);
    const entry = entryOf(plain.summary, "Comment");
    await truncate(fileOf(summaryPath, entry), entry.bytes - 200);
    const report = await verifyBackupSet(summaryPath);
    const problems = report.problems.filter((p) => p.file === entry.file).map((p) => p.problem);
    assert.equal(problems[0], `size ${entry.bytes - 200} bytes, the summary says ${entry.bytes} (the file was truncated or altered)`);
    assert.ok(problems.some((p) => /truncated|not valid JSON/.test(p)), problems.join("; "));
  });

  it("catches a missing file", async () => {
    const summaryPath = await damaged(plain);
    const entry = entryOf(plain.summary, "Follow");
    await rm(fileOf(summaryPath, entry));
    const report = await verifyBackupSet(summaryPath);
    assert.deepEqual(report.problems, [{ file: entry.file, problem: "the file is missing" }]);
    const cli = await runScript("db-verify-backup", [summaryPath, "--json"]);
    assert.equal(cli.code, 1);
    assert.equal(JSON.parse(cli.stdout).problems[0].problem, "the file is missing");
  });

  it("catches a damaged gzip file", async () => {
    const summaryPath = await damaged(gzipped);
    const entry = entryOf(gzipped.summary, "PointTransaction");
    await flipByte(fileOf(summaryPath, entry), Math.floor(entry.bytes / 2));
    const report = await verifyBackupSet(summaryPath);
    assert.equal(report.ok, false);
    assert.ok(report.problems.every((p) => p.file === entry.file));
    assert.ok(report.problems.length >= 1);
  });

  it("catches a row removed with the checksums rewritten to match (the row count still disagrees)", async () => {
    const summaryPath = await damaged(plain);
    const entry = entryOf(plain.summary, "Like");
    const file = fileOf(summaryPath, entry);
    const lines = (await readFile(file, "utf8")).split("\n");
    lines.splice(1, 1);
    const rewritten = Buffer.from(lines.join("\n"));
    await writeFile(file, rewritten);
    await editSummary(summaryPath, (summary) => {
      const e = summary.tables.find((t) => t.name === "Like")!;
      e.bytes = rewritten.length;
      e.sha256 = sha256(rewritten);
    });
    const report = await verifyBackupSet(summaryPath);
    assert.deepEqual(report.problems, [{ file: entry.file, problem: `holds ${entry.rows - 1} rows, the summary says ${entry.rows}` }]);
  });

  it("catches a row that is not valid JSON or has other columns", async () => {
    const summaryPath = await damaged(plain);
    const entry = entryOf(plain.summary, "Achievement");
    const file = fileOf(summaryPath, entry);
    const lines = (await readFile(file, "utf8")).split("\n");
    lines[2] = '{"id":"x","unexpected":1},';
    lines[3] = "{not json},";
    const rewritten = Buffer.from(lines.join("\n"));
    await writeFile(file, rewritten);
    await editSummary(summaryPath, (summary) => {
      const e = summary.tables.find((t) => t.name === "Achievement")!;
      e.bytes = rewritten.length;
      e.sha256 = sha256(rewritten);
    });
    const report = await verifyBackupSet(summaryPath);
    assert.equal(report.problems.length, 1);
    assert.match(report.problems[0]!.problem, /^row 2: column "unexpected" is not in the summary$/);
  });

  it("catches a summary whose counts disagree with its table entries", async () => {
    const summaryPath = await damaged(plain);
    await editSummary(summaryPath, (summary) => {
      summary.counts.User = 1;
    });
    const report = await verifyBackupSet(summaryPath);
    assert.deepEqual(report.problems, [
      { file: path.basename(summaryPath), problem: "counts.User (1) differs from its table entry (200)" },
    ]);
  });

  it("readTableRows hands out no row of a tampered file", async () => {
    const summaryPath = await damaged(plain);
    const entry = entryOf(plain.summary, "User");
    await flipByte(fileOf(summaryPath, entry), -10);
    let handedOut = 0;
    await assert.rejects(
      (async () => {
        for await (const row of readTableRows(summaryPath, entry)) if (row) handedOut++;
      })(),
      new RegExp(`^OperationError: ${entry.file.replaceAll(".", "\\.")}: SHA-256 differs from the summary`),
    );
    assert.equal(handedOut, 0);
  });

  it("with singlePass (restore), hands rows out as it reads and fails at the end of the read when the file or its row count is wrong", async () => {
    const altered = await damaged(plain);
    const users = entryOf(plain.summary, "User");
    const file = fileOf(altered, users);
    await writeFile(file, (await readFile(file, "utf8")).replace("user_17", "user_71"));
    let handedOut = 0;
    await assert.rejects(
      (async () => {
        for await (const row of readTableRows(altered, users, { singlePass: true })) if (row) handedOut++;
      })(),
      new RegExp(`^DamagedFileError: ${users.file.replaceAll(".", "\\.")}: SHA-256 differs from the summary .*; the set is damaged — restore from another backup set$`),
    );
    assert.equal(handedOut, users.rows, "every row was handed out before the end-of-read check failed");

    // An entry whose count disagrees with its (intact) file.
    await assert.rejects(
      collect(readTableRows(plain.summaryPath, { ...users, rows: users.rows + 1 }, { singlePass: true })),
      new RegExp(`holds ${users.rows} rows, the summary says ${users.rows + 1}; the set is damaged — restore from another backup set$`),
    );
  });

  it("--against-db reports the drift per table and tables added since", async () => {
    await db.pool.query(`INSERT INTO "Achievement" (id, name, description, category, requirement) VALUES ('new1', 'New', 'd', 'SOCIAL', '{}')`);
    await db.pool.query(`DELETE FROM "Like" WHERE id IN (SELECT id FROM "Like" ORDER BY id LIMIT 7)`);
    await db.pool.query(`CREATE TABLE added_later (id int)`);
    try {
      const report = await verifyBackupSet(plain.summaryPath, { againstDb: db.target });
      assert.equal(report.ok, true);
      const drift = new Map(report.drift!.tables.map((t) => [t.table, t.change]));
      assert.equal(drift.get("Achievement"), 1);
      assert.equal(drift.get("Like"), -7);
      assert.equal(drift.get("User"), 0);
      assert.deepEqual(report.drift!.onlyInDatabase, ["added_later"]);
      assert.deepEqual(report.drift!.onlyInBackup, []);

      const cli = await runScript("db-verify-backup", [plain.summaryPath, "--against-db"], { DATABASE_URL: db.url });
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(cli.stdout, /Like +backup +\d+ +now +\d+ +-7/);
      assert.match(cli.stdout, /tables not in the backup: added_later/);
    } finally {
      await db.pool.query(`DROP TABLE added_later`);
    }
  });

  it("finds the newest set as latest and ignores files it did not write", async () => {
    const dir = await tempDir("verify-list");
    scratch.push(dir);
    await writeFile(path.join(dir, "backup-summary-2099-01-01T00-00-00-000Z.json"), JSON.stringify({ tables: [] }));
    await writeFile(path.join(dir, "notes.txt"), "not a backup");
    await assert.rejects(resolveSummaryPath("latest", dir), /no backup set in .*run `pnpm run db:backup` first/);
    const first = await createBackup({ target: db.target, outDir: dir, kind: "manual", tables: ["Achievement"] });
    const second = await createBackup({ target: db.target, outDir: dir, kind: "manual", tables: ["Achievement"] });
    assert.deepEqual((await listBackupSets(dir)).map((s) => s.summaryPath), [second.summaryPath, first.summaryPath]);
    assert.equal(await resolveSummaryPath("latest", dir), second.summaryPath);
  });

  it("gives a usage error for a path that is not a summary, and exit 1 when there is no set", async () => {
    const notThere = await runScript("db-verify-backup", ["/nonexistent/backup-summary-2025-01-01T00-00-00-000Z.json"]);
    assert.equal(notThere.code, 2);
    assert.match(notThere.stderr, /^error: no such backup summary: .*; pass a backup-summary-<timestamp>\.json file or "latest"$/m);
    const tableFile = fileOf(plain.summaryPath, entryOf(plain.summary, "User"));
    const wrongFile = await runScript("db-verify-backup", [tableFile]);
    assert.equal(wrongFile.code, 2);
    assert.match(wrongFile.stderr, /is not a backup summary/);
    const emptyDir = await tempDir("verify-empty");
    scratch.push(emptyDir);
    const none = await runScript("db-verify-backup", ["--dir", emptyDir]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error: no backup set in /m);
  });

  it("reads back the same rows from plain and gzip sets", async () => {
    const entry = entryOf(plain.summary, "Comment");
    const fromPlain = await collect(readTableRows(plain.summaryPath, entry));
    const fromGzip = await collect(readTableRows(gzipped.summaryPath, entryOf(gzipped.summary, "Comment")));
    assert.equal(fromPlain.length, entry.rows);
    assert.deepEqual(fromGzip.sort(), fromPlain.sort());
  });
});
