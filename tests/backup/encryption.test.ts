import assert from "node:assert/strict";
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { createBackup, readTableRows, verifyBackupSet, type BackupSummary } from "../../scripts/lib/backup/index.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  collect, copySet, differingRows, editSummary, entryOf, fileOf, flipByte, listAll, removeDir, restoreCopy, sha256, tempDir,
} from "./support.ts";

const KEY = "correct horse battery staple";

describe("encryption at rest (BACKUP_ENCRYPTION_KEY)", () => {
  let db: TestDatabase;
  let outDir: string;
  let set: { summaryPath: string; summary: BackupSummary };
  const scratch: string[] = [];

  async function damaged(): Promise<string> {
    const summaryPath = await copySet(set.summaryPath, "enc-damaged");
    scratch.push(path.dirname(summaryPath));
    return summaryPath;
  }

  /** A copy whose User file has a byte flipped and whose summary has the file's new SHA-256 (re-authenticated only with `resignWith`). */
  async function forgedUserFile(options: { resignWith?: string } = {}): Promise<string> {
    const summaryPath = await damaged();
    const file = fileOf(summaryPath, entryOf(set.summary, "User"));
    await flipByte(file, 100);
    const bytes = await readFile(file);
    await editSummary(summaryPath, (summary) => void (summary.tables.find((t) => t.name === "User")!.sha256 = sha256(bytes)), options);
    return summaryPath;
  }

  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 120 });
    outDir = await tempDir("enc");
    const cli = await runScript("db-backup", ["--out", outDir, "--gzip", "--json"], { DATABASE_URL: db.url, BACKUP_ENCRYPTION_KEY: KEY });
    assert.equal(cli.code, 0, cli.stderr);
    const printed = JSON.parse(cli.stdout) as BackupSummary & { summaryPath: string };
    set = { summaryPath: printed.summaryPath, summary: printed };
  });
  after(async () => {
    await db.drop();
    await removeDir(outDir);
    for (const dir of scratch) await removeDir(dir);
  });

  it("encrypts every table file (.enc) and records the algorithm, KDF and both checksums", async () => {
    const { summary } = set;
    assert.equal(summary.encryption?.algorithm, "aes-256-gcm");
    assert.equal(summary.encryption?.kdf, "scrypt");
    assert.equal(summary.compression, "gzip");
    for (const entry of summary.tables) {
      assert.match(entry.file, /\.json\.gz\.enc$/);
      const stored = await readFile(fileOf(set.summaryPath, entry));
      assert.equal(sha256(stored), entry.sha256);
      assert.equal(stored.length, entry.bytes);
      assert.match(entry.plaintextSha256 ?? "", /^[0-9a-f]{64}$/);
      assert.notEqual(entry.plaintextSha256, entry.sha256);
      assert.equal(stored.subarray(0, 8).toString(), "PDGENC01");
    }
  });

  it("leaves no personal data readable in the files", async () => {
    const users = entryOf(set.summary, "User");
    const stored = await readFile(fileOf(set.summaryPath, users));
    assert.ok(!stored.includes("@example.com"));
    assert.throws(() => gunzipSync(stored));
  });

  it("uses a fresh IV per file: the same content encrypts differently", async () => {
    const again = await createBackup({ target: db.target, outDir: await tempDir("enc-again"), kind: "manual", tables: ["Achievement"], gzip: true, encryptionKey: KEY });
    scratch.push(path.dirname(again.summaryPath));
    const a = entryOf(set.summary, "Achievement");
    const b = entryOf(again.summary, "Achievement");
    const ivOf = async (summaryPath: string, entry: typeof a) => (await readFile(fileOf(summaryPath, entry))).subarray(24, 36).toString("hex");
    assert.notEqual(await ivOf(set.summaryPath, a), await ivOf(again.summaryPath, b));
    assert.notEqual(a.sha256, b.sha256);
  });

  it("verifies and reads back transparently with the key", async () => {
    const report = await verifyBackupSet(set.summaryPath, { encryptionKey: KEY });
    assert.deepEqual(report.problems, []);
    const rows = await collect(readTableRows(set.summaryPath, entryOf(set.summary, "User"), { encryptionKey: KEY }));
    assert.equal(rows.length, 120);
    await restoreCopy(db.pool, set.summaryPath, entryOf(set.summary, "User"), "users_restored", { encryptionKey: KEY });
    assert.equal(await differingRows(db.pool, "User", "users_restored"), 0);
    const cli = await runScript("db-verify-backup", [set.summaryPath], { BACKUP_ENCRYPTION_KEY: KEY });
    assert.equal(cli.code, 0, cli.stderr);
  });

  it("fails clearly, naming each file, on a wrong key", async () => {
    const report = await verifyBackupSet(set.summaryPath, { encryptionKey: "wrong key" });
    assert.equal(report.ok, false);
    assert.equal(report.problems.length, set.summary.tables.length);
    for (const problem of report.problems) {
      assert.match(problem.problem, /BACKUP_ENCRYPTION_KEY is not the key this backup set was encrypted with/);
    }
    assert.deepEqual(report.problems.map((p) => p.file).sort(), set.summary.tables.map((t) => t.file).sort());

    const users = entryOf(set.summary, "User");
    await assert.rejects(
      collect(readTableRows(set.summaryPath, users, { encryptionKey: "wrong key" })),
      (error: Error) => error.message.startsWith(`${users.file}: cannot decrypt — BACKUP_ENCRYPTION_KEY is not the key`),
    );
    const cli = await runScript("db-verify-backup", [set.summaryPath], { BACKUP_ENCRYPTION_KEY: "wrong key" });
    assert.equal(cli.code, 1);
    assert.match(cli.stdout, new RegExp(`problem: ${users.file.replaceAll(".", "\\.")}: cannot decrypt`));
  });

  it("exits 2 asking for the key when it is not set", async () => {
    const cli = await runScript("db-verify-backup", [set.summaryPath], { BACKUP_ENCRYPTION_KEY: "" });
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /^error: .* is encrypted: set BACKUP_ENCRYPTION_KEY to the key the backup was made with\.$/m);
    await assert.rejects(collect(readTableRows(set.summaryPath, entryOf(set.summary, "Like"))), /is encrypted: set BACKUP_ENCRYPTION_KEY/);
  });

  it("refuses a summary edited by someone without the key (file and summary checksums rewritten): verify, restore and reading rows", async () => {
    const summaryPath = await forgedUserFile();
    const report = await verifyBackupSet(summaryPath, { encryptionKey: KEY });
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems[0], {
      file: path.basename(summaryPath),
      problem: "the summary failed authentication (its HMAC does not match): it was edited after the backup by someone without the key — do not use this set",
    });
    assert.ok(report.problems.slice(1).every((p) => /not checked: the summary that describes it failed authentication/.test(p.problem)), JSON.stringify(report.problems));
    await assert.rejects(collect(readTableRows(summaryPath, entryOf(set.summary, "Like"), { encryptionKey: KEY })), /failed authentication \(its HMAC does not match\)/);
    const restore = await runScript("db-restore", ["--from", summaryPath, "--dry-run"], { DATABASE_URL: db.url, BACKUP_ENCRYPTION_KEY: KEY });
    assert.equal(restore.code, 1);
    assert.match(restore.stderr, /^error: the backup set .* is damaged, nothing was changed — backup-summary-.*: the summary failed authentication/m);

    // Fields only the summary holds are covered too: a table dropped from the set, a sequence moved, a count, the HMAC removed.
    for (const edit of [
      (summary: BackupSummary) => void summary.tables.splice(summary.tables.findIndex((t) => t.name === "Comment"), 1),
      (summary: BackupSummary) => void (summary.migrations.applied = summary.migrations.applied.slice(0, -1)),
      (summary: BackupSummary) => void (summary.createdAt = new Date(0).toISOString()),
    ]) {
      const edited = await damaged();
      await editSummary(edited, edit);
      assert.match((await verifyBackupSet(edited, { encryptionKey: KEY })).problems[0]!.problem, /the summary failed authentication/);
    }
    const stripped = await damaged();
    await editSummary(stripped, (summary) => void delete summary.authentication);
    assert.match((await verifyBackupSet(stripped, { encryptionKey: KEY })).problems[0]!.problem, /carries no HMAC: it was edited \(the HMAC removed\), or written before/);
    // An older set (no HMAC yet) can still be read when the user says so.
    const older = await runScript("db-verify-backup", [stripped], { BACKUP_ENCRYPTION_KEY: KEY, BACKUP_ALLOW_UNAUTHENTICATED_SUMMARY: "1" });
    assert.equal(older.code, 0, older.stderr);
  });

  it("catches a tampered byte even in a summary whose checksums were rewritten and re-authenticated with the key", async () => {
    const summaryPath = await forgedUserFile({ resignWith: KEY });
    const users = entryOf(set.summary, "User");
    const report = await verifyBackupSet(summaryPath, { encryptionKey: KEY });
    assert.deepEqual(report.problems.map((p) => p.file), [users.file]);
    assert.match(report.problems[0]!.problem, /failed authentication \(AES-256-GCM tag mismatch\)/);

    let handedOut = 0;
    await assert.rejects(
      (async () => {
        for await (const row of readTableRows(summaryPath, users, { encryptionKey: KEY })) if (row) handedOut++;
      })(),
      (error: Error) => error.message.startsWith(`${users.file}: failed authentication`),
    );
    assert.equal(handedOut, 0, "no row of a file whose tag fails is handed out");
  });

  it("restore reads each file once: a tampered byte found during the load (checksums re-signed) fails it and commits nothing", async () => {
    const summaryPath = await damaged();
    const likes = entryOf(set.summary, "Like");
    const file = fileOf(summaryPath, likes);
    await flipByte(file, 100);
    const bytes = await readFile(file);
    await editSummary(summaryPath, (summary) => void (summary.tables.find((t) => t.name === "Like")!.sha256 = sha256(bytes)), { resignWith: KEY });
    const target = await createTestDatabase();
    try {
      const restore = await runScript("db-restore", ["--from", summaryPath], { DATABASE_URL: target.url, BACKUP_ENCRYPTION_KEY: KEY });
      assert.equal(restore.code, 1, restore.stderr);
      assert.match(restore.stdout, /^ {2}User: \d+ rows read, [1-9]\d* inserted$/m, "loaded before the tampered file, in the same transaction");
      assert.match(
        restore.stderr,
        new RegExp(`^error: the backup set .* is damaged, nothing was changed — ${likes.file.replaceAll(".", "\\.")}: failed authentication`, "m"),
      );
      const rows = await target.pool.query<{ n: number }>(`SELECT (SELECT count(*) FROM "User") + (SELECT count(*) FROM "Like") AS n`);
      assert.equal(Number(rows.rows[0]!.n), 0);
    } finally {
      await target.drop();
    }
  });

  it("catches a tampered byte in the tag and a file swapped for another table's", async () => {
    const summaryPath = await damaged();
    const likes = entryOf(set.summary, "Like");
    await flipByte(fileOf(summaryPath, likes), -1);
    const report = await verifyBackupSet(summaryPath, { encryptionKey: KEY });
    assert.equal(report.problems[0]!.file, likes.file);

    // Swap: put the Follow file where the Comment file was and fix the summary's checksums.
    const swapped = await damaged();
    const follow = entryOf(set.summary, "Follow");
    const comment = entryOf(set.summary, "Comment");
    await rename(fileOf(swapped, follow), fileOf(swapped, comment));
    await editSummary(swapped, (summary) => {
      const entry = summary.tables.find((t) => t.name === "Comment")!;
      Object.assign(entry, { bytes: follow.bytes, sha256: follow.sha256, plaintextBytes: follow.plaintextBytes, plaintextSha256: follow.plaintextSha256 });
    }, { resignWith: KEY });
    const swapReport = await verifyBackupSet(swapped, { encryptionKey: KEY });
    const commentProblems = swapReport.problems.filter((p) => p.file === comment.file);
    assert.equal(commentProblems.length, 1);
    assert.match(commentProblems[0]!.problem, /failed authentication/);
  });

  it("rejects an encrypted file replaced by a plaintext one", async () => {
    const summaryPath = await damaged();
    const achievements = entryOf(set.summary, "Achievement");
    const plaintext = Buffer.from("[\n]\n");
    await writeFile(fileOf(summaryPath, achievements), plaintext);
    await editSummary(summaryPath, (summary) => {
      Object.assign(summary.tables.find((t) => t.name === "Achievement")!, { bytes: plaintext.length, sha256: sha256(plaintext) });
    }, { resignWith: KEY });
    const report = await verifyBackupSet(summaryPath, { encryptionKey: KEY });
    assert.match(report.problems[0]!.problem, /shorter than an encrypted file's header and tag|not an encrypted backup file/);
  });

  it("an empty BACKUP_ENCRYPTION_KEY (an unset CI secret) means unencrypted, with a warning", async () => {
    const dir = await tempDir("enc-empty");
    scratch.push(dir);
    const cli = await runScript("db-backup", ["--out", dir, "--tables", "Achievement"], { DATABASE_URL: db.url, BACKUP_ENCRYPTION_KEY: "" });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stderr, /warning: BACKUP_ENCRYPTION_KEY is not set: the backup files are not encrypted/);
    assert.ok((await listAll(dir)).some((name) => /^achievements-backup-.*\.json$/.test(name)));
  });
});
