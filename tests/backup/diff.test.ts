import assert from "node:assert/strict";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createBackup, readSummary, resolveSummaryPath, type BackupSummary } from "../../scripts/lib/backup/index.ts";
import { diffBackups, type DiffOptions, type DiffReport, type TableDiff } from "../../scripts/lib/backup-diff/index.ts";
import { countRows, seedDatabase } from "../../scripts/lib/seed.ts";
import { PartitionWriter, readPartition, withScratchDirectory } from "../../scripts/lib/backup-diff/spill.ts";
import { repeatedKey } from "../../scripts/lib/backup-diff/key-hashes.ts";
import { layoutOf, RowValues } from "../../scripts/lib/backup-diff/layout.ts";
import { showRecord } from "../../scripts/lib/backup-diff/row-record.ts";
import { eachRow, SideRows } from "../../scripts/lib/backup-diff/side-rows.ts";
import { setTableSide } from "../../scripts/lib/backup-diff/sides.ts";
import { errorLine, runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { emptyLocation, s3Location } from "../helpers/s3.ts";
import { createExtraTables, fillHardValues } from "../restore/fixtures.ts";
import { copySet, editSummary, entryOf, fileOf, flipByte, removeDir, sha256, tempDirs } from "./support.ts";

const APP_TABLES = ["User", "Follow", "Comment", "Like", "PointTransaction", "Achievement", "UserAchievement", "DailyPointsLog"];
/** Changes one character of a user id in a table file: still valid rows, so only the checksums can tell. */
async function alterOneValue(file: string): Promise<void> {
  const text = await readFile(file, "utf8");
  assert.match(text, /did:privy:cm0/);
  await writeFile(file, text.replace("did:privy:cm0", "did:privy:cm1"));
}

function table(report: DiffReport, name: string): TableDiff {
  const found = report.tables.find((t) => t.table === name);
  assert.ok(found, `no table ${name} in the report`);
  return found;
}
const did = (i: number) => `did:privy:cm${i.toString(16).padStart(23, "0")}`;

describe("db:diff-backup", () => {
  let db: TestDatabase;
  let dir: string;
  let s3: string;
  const dirs = tempDirs();
  let first: { summaryPath: string; summary: BackupSummary };
  let second: { summaryPath: string; summary: BackupSummary };
  let likeRemoved: string;
  let commentChanged: string;

  const diff = (options: Partial<DiffOptions>) => diffBackups({ a: "latest~1", b: "latest", backupDir: dir, show: 10, ...options });

  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 60 });
    // A table without a primary key, holding duplicate rows and emails.
    await db.pool.query(`CREATE TABLE audit_note (email text, note text);
      INSERT INTO audit_note VALUES ('ann@example.com', 'login'), ('ann@example.com', 'login'), ('ann@example.com', 'login'), ('bob@example.com', 'logout')`);
    dir = await dirs.make("diff");
    s3 = s3Location("diff");
    first = await createBackup({ target: db.target, outDir: dir, kind: "manual" });
    await createBackup({ target: db.target, outDir: s3, kind: "manual" });

    likeRemoved = (await db.pool.query<{ id: string }>(`DELETE FROM "Like" WHERE id = (SELECT min(id) FROM "Like") RETURNING id`)).rows[0]!.id;
    commentChanged = (await db.pool.query<{ id: string }>(`UPDATE "Comment" SET text = 'edited' WHERE id = (SELECT min(id) FROM "Comment") RETURNING id`)).rows[0]!.id;
    await db.pool.query(`INSERT INTO "Follow" ("followerId", "followingId") VALUES ($1, $2) ON CONFLICT DO NOTHING`, [did(3), did(59)]);
    await db.pool.query(`INSERT INTO "User" ("privyDid", "updatedAt", username, "referralCode")
      SELECT 'did:privy:new' || i, now(), 'new_' || i, 'NEW' || i FROM generate_series(1, 3) AS i`);
    await db.pool.query(`DELETE FROM audit_note WHERE ctid IN (SELECT ctid FROM audit_note WHERE email = 'ann@example.com' LIMIT 2);
      INSERT INTO audit_note SELECT 'cat@example.com', 'login' FROM generate_series(1, 5)`);
    // Two tables rewritten in another order, as CLUSTER, VACUUM FULL or a restore can leave them: their rows come out of step between the sets.
    await db.pool.query(`CLUSTER "User" USING "User_username_key"; CLUSTER "Like" USING "Like_commentId_idx"`);
    second = await createBackup({ target: db.target, outDir: dir, kind: "manual" });
    await createBackup({ target: db.target, outDir: s3, kind: "manual" });
  });
  after(async () => {
    await db.drop();
    await dirs.removeAll();
    await emptyLocation(s3);
  });

  it("latest~N names the set N before the newest; beyond the oldest, or not a number, is refused", async () => {
    assert.equal(await resolveSummaryPath("latest~1", dir), first.summaryPath);
    assert.equal(await resolveSummaryPath("latest~0", dir), second.summaryPath);
    assert.equal(await resolveSummaryPath("latest", dir), second.summaryPath);
    await assert.rejects(resolveSummaryPath("latest~2", dir), /latest~2: .* holds 2 backup sets, so the oldest is latest~1/);
    const bad = await runScript("db-diff-backup", ["latest~one", "latest", "--dir", dir]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(errorLine(bad), /latest~one: write latest~N with N a whole number/);
  });

  it("finds rows removed, added and changed between two sets, with the columns that changed", async () => {
    const report = await diff({});
    assert.equal(report.differs, true);
    assert.equal(report.a.summaryPath, first.summaryPath);
    assert.equal(report.b.summaryPath, second.summaryPath);

    const likes = table(report, "Like");
    assert.deepEqual([likes.onlyInA, likes.onlyInB, likes.changed, likes.key], [1, 0, 0, ["id"]]);
    assert.deepEqual(likes.shown.onlyInA, [`id=${likeRemoved}`]);
    assert.equal(likes.same, first.summary.counts.Like! - 1);

    const comments = table(report, "Comment");
    assert.deepEqual([comments.onlyInA, comments.onlyInB, comments.changed], [0, 0, 1]);
    assert.deepEqual(comments.shown.changed, [{ key: `id=${commentChanged}`, columns: ["text"] }]);
    assert.deepEqual(comments.changedColumns, { text: 1 });

    const follows = table(report, "Follow");
    assert.deepEqual([follows.onlyInA, follows.onlyInB, follows.changed, follows.key], [0, 1, 0, ["followerId", "followingId"]]);
    assert.deepEqual(follows.shown.onlyInB, [`followerId=${did(3)}, followingId=${did(59)}`]);

    const users = table(report, "User");
    assert.deepEqual([users.onlyInA, users.onlyInB, users.changed], [0, 3, 0]);
    assert.deepEqual(users.shown.onlyInB, [1, 2, 3].map((i) => `privyDid=did:privy:new${i}`));

    for (const name of ["PointTransaction", "Achievement", "UserAchievement", "DailyPointsLog"]) {
      const same = table(report, name);
      assert.deepEqual([same.onlyInA, same.onlyInB, same.changed, same.same], [0, 0, 0, first.summary.counts[name]], name);
    }
  });

  it("matches a table without a primary key as whole rows, counting duplicates, with emails masked", async () => {
    const notes = table(await diff({}), "audit_note");
    assert.equal(notes.key, null);
    assert.deepEqual([notes.onlyInA, notes.onlyInB, notes.changed, notes.same], [2, 5, 0, 2]);
    assert.deepEqual(notes.shown.onlyInA, ["email=a***@example.com, note=login (2 copies)"]);
    assert.deepEqual(notes.shown.onlyInB, ["email=c***@example.com, note=login (5 copies)"]);
  });

  it("identical sets: nothing differs, exit 0", async () => {
    const report = await diffBackups({ a: first.summaryPath, b: first.summaryPath, backupDir: dir, show: 10 });
    assert.equal(report.differs, false);
    assert.ok(report.tables.length >= APP_TABLES.length + 1);
    for (const t of report.tables) assert.deepEqual([t.onlyInA, t.onlyInB, t.changed, t.same], [0, 0, 0, t.rowsA], t.table);
    const cli = await runScript("db-diff-backup", [first.summaryPath, first.summaryPath]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /no differences: A and B hold the same rows/);
  });

  it("the command: exit 1 on differences, --show limits the keys, --tables narrows, --json has the report", async () => {
    const cli = await runScript("db-diff-backup", ["latest~1", "latest", "--dir", dir, "--show", "2"]);
    assert.equal(cli.code, 1, cli.stderr);
    assert.match(cli.stdout, /User: 0 only in A, 3 only in B, 0 changed/);
    assert.match(cli.stdout, /only in B \(first 2 of 3\):\n {6}privyDid=did:privy:new1\n {6}privyDid=did:privy:new2\n/);
    assert.doesNotMatch(cli.stdout, /did:privy:new3/);
    assert.match(cli.stdout, /Comment: .*1 changed[\s\S]*changed columns: text \(1\)/);
    assert.doesNotMatch(cli.stdout, /ann@example\.com/);

    const json = await runScript("db-diff-backup", ["latest~1", "latest", "--dir", dir, "--tables", "users,Comment", "--json", "--show", "1"]);
    assert.equal(json.code, 1, json.stderr);
    const report = JSON.parse(json.stdout) as DiffReport;
    assert.deepEqual(Object.keys(report).sort(), ["a", "b", "differs", "tables", "tablesOnlyInA", "tablesOnlyInB"]);
    assert.deepEqual(report.tables.map((t) => t.table), ["User", "Comment"]);
    assert.deepEqual(Object.keys(report.tables[0]!).sort(), [
      "changed", "changedColumns", "columnsOnlyInA", "columnsOnlyInB", "key", "onlyInA", "onlyInB", "partitions", "rowsA", "rowsB", "same", "shown", "table",
    ]);
    assert.deepEqual(report.tables[0]!.shown, { onlyInA: [], onlyInB: ["privyDid=did:privy:new1"], changed: [] });
    assert.deepEqual(report.b, { summaryPath: second.summaryPath, label: second.summary.timestamp });

    const usage = await runScript("db-diff-backup", ["latest", "--dir", dir]);
    assert.equal(usage.code, 2);
    assert.match(errorLine(usage), /give a second set to compare with, or --against-db/);
  });

  it("reads sets from S3 (latest~1 and latest in a bucket) with the same result", async () => {
    const local = await diff({});
    const remote = await diffBackups({ a: "latest~1", b: "latest", backupDir: s3, show: 10 });
    const counts = (report: DiffReport) => report.tables.map((t) => [t.table, t.onlyInA, t.onlyInB, t.changed, t.same, t.shown]);
    assert.deepEqual(counts(remote), counts(local));
    assert.match(remote.a.summaryPath!, /^s3:\/\//);
  });

  it("refuses a set with a tampered file, naming it, and reports no difference", async () => {
    const summaryPath = await copySet(first.summaryPath, "diff-tampered");
    const entry = entryOf(first.summary, "Comment");
    await alterOneValue(fileOf(summaryPath, entry));
    const cli = await runScript("db-diff-backup", [summaryPath, second.summaryPath]);
    assert.equal(cli.code, 1);
    assert.match(errorLine(cli), new RegExp(`${entry.file}: SHA-256 differs from the summary`));
    assert.doesNotMatch(cli.stdout, /differences found|Comment:/);

    // A byte that breaks a row: the strict parser refuses it, whichever check fires first.
    await flipByte(fileOf(summaryPath, entry), 3);
    const broken = await runScript("db-diff-backup", [summaryPath, second.summaryPath]);
    assert.equal(broken.code, 1);
    assert.match(errorLine(broken), new RegExp(`${entry.file}: row 1: .*; the file is not as the backup wrote it`));
    await removeDir(path.dirname(summaryPath));
  });

  it("refuses a crafted set whose file holds a primary key twice (checksums made to match), on either side, aligned and spilled; equal key hashes alone are no duplicate", async () => {
    const crafted = await copySet(second.summaryPath, "diff-duplicate-key");
    const entry = entryOf(second.summary, "Like");
    const file = fileOf(crafted, entry);
    const lines = (await readFile(file, "utf8")).split("\n");
    const lastRow = lines.findLastIndex((line) => line.startsWith("{"));
    assert.ok(lastRow > 1, "the Like file has fewer than two rows");
    lines.splice(lastRow, 0, `${lines[lastRow]},`);
    const bytes = Buffer.from(lines.join("\n"));
    await writeFile(file, bytes);
    await editSummary(crafted, (summary) => {
      const edited = entryOf(summary, "Like");
      Object.assign(edited, { rows: edited.rows + 1, bytes: bytes.length, sha256: sha256(bytes) });
    });
    const key = JSON.parse(lines[lastRow + 1]!) as { id: string };
    // Against its own set the rows are in step (the aligned join); against the first set, out of step beyond a budget of 7 (hash partitions).
    const cases = [
      { sides: [crafted, second.summaryPath], rowBudget: undefined },
      { sides: [crafted, first.summaryPath], rowBudget: 7 },
    ];
    for (const { sides: [one, other], rowBudget } of cases) {
      for (const [a, b] of [[one!, other!], [other!, one!]]) {
        await assert.rejects(diff({ a, b, rowBudget }), (error: Error) => {
          assert.match(error.message, new RegExp(`${path.basename(fileOf(crafted, entry))}: holds the key id=${key.id} twice, which its primary key forbids; the set is damaged`));
          return true;
        });
      }
    }

    // The check holds no keys, only their hashes; equal hashes are confirmed by the keys themselves, so a collision is no duplicate.
    const likeRows = async (summaryPath: string) => {
      const summary = await readSummary(summaryPath);
      const side = setTableSide(summaryPath, summary, entryOf(summary, "Like"), undefined);
      const layout = layoutOf(side, side);
      const values = new RowValues(layout, side.columns, side.columns, summary.formatVersion);
      return () => new SideRows(side, side.read(layout.common), layout, values);
    };
    for (const [summaryPath, repeated] of [[second.summaryPath, null], [crafted, `id=${key.id}`]] as const) {
      const rowsOf = await likeRows(summaryPath);
      const every = new Set<number>();
      const rows = rowsOf();
      await eachRow(rows, () => every.add(rows.keyHash()));
      const found = await repeatedKey(rowsOf(), every);
      assert.equal(found === null ? null : showRecord(found, ["id"]), repeated);
    }
    await removeDir(path.dirname(crafted));
  });

  it("spills to partition files when a table exceeds the row budget, with the same result, and leaves no file behind", async () => {
    const scratchParent = await dirs.make("diff-scratch");
    const inMemory = await diff({ show: 1000 });
    const spilled = await diff({ show: 1000, rowBudget: 7, scratchParent });
    for (const name of ["User", "Like"]) {
      assert.ok(table(spilled, name).partitions > 1, `${name} was not spilled`);
      assert.equal(table(inMemory, name).partitions, 1);
    }
    const withoutPartitions = (report: DiffReport) => report.tables.map(({ partitions: _partitions, ...rest }) => rest);
    assert.deepEqual(withoutPartitions(spilled), withoutPartitions(inMemory));
    assert.deepEqual(await readdir(scratchParent), []);

    // A failure mid-way (a tampered file on side B, read after side A was spilled) removes the files too.
    const tampered = await copySet(second.summaryPath, "diff-spill-tampered");
    await alterOneValue(fileOf(tampered, entryOf(second.summary, "User")));
    await assert.rejects(diff({ b: tampered, rowBudget: 7, scratchParent }), /SHA-256 differs from the summary/);
    assert.deepEqual(await readdir(scratchParent), []);
    await removeDir(path.dirname(tampered));
  });

  it("against the live database: identical right after the backup, then a deleted user with everything that cascaded", async () => {
    const same = await runScript("db-diff-backup", ["latest", "--dir", dir, "--against-db"], { DATABASE_URL: db.url });
    assert.equal(same.code, 0, same.stdout + same.stderr);
    assert.match(same.stdout, /no differences: A and the database hold the same rows/);

    const victim = did(5);
    const referred = (await db.pool.query<{ privyDid: string }>(`SELECT "privyDid" FROM "User" WHERE "referredBy" = $1 ORDER BY 1`, [victim])).rows;
    assert.ok(referred.length > 0, "the seeded user refers nobody: pick another");
    const beforeCounts = await countRows(db.pool, APP_TABLES);
    await db.pool.query(`DELETE FROM "User" WHERE "privyDid" = $1`, [victim]);
    const afterCounts = await countRows(db.pool, APP_TABLES);

    for (const rowBudget of [undefined, 5]) {
      const report = await diffBackups({ a: "latest", againstDb: db.target, backupDir: dir, show: 10, rowBudget });
      assert.equal(report.differs, true);
      assert.equal(report.b.summaryPath, null);
      for (const name of APP_TABLES) {
        const t = table(report, name);
        const lost = beforeCounts[name]! - afterCounts[name]!;
        assert.equal(t.onlyInA, lost, `${name} rows lost`);
        assert.equal(t.onlyInB, 0, name);
      }
      const users = table(report, "User");
      assert.deepEqual(users.shown.onlyInA, [`privyDid=${victim}`]);
      assert.equal(users.changed, referred.length);
      assert.deepEqual(users.changedColumns, { referredBy: referred.length });
      assert.deepEqual(users.shown.changed, referred.map((row) => ({ key: `privyDid=${row.privyDid}`, columns: ["referredBy"] })));
      assert.ok(table(report, "Comment").onlyInA > 0, "the deleted user had no comments: pick another");
    }
  });
});

describe("db:diff-backup against a live table reordered since the set", () => {
  let db: TestDatabase;
  const dirs = tempDirs();
  let dir: string;
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 60 });
    dir = await dirs.make("diff-reordered");
    await createBackup({ target: db.target, outDir: dir, kind: "manual" });
    await db.pool.query(`CLUSTER "Comment" USING "Comment_authorId_idx"`);
    await db.pool.query(`UPDATE "Comment" SET text = 'edited' WHERE id = (SELECT min(id) FROM "Comment")`);
  });
  after(async () => {
    await db.drop();
    await dirs.removeAll();
  });

  it("gives up the aligned read (the live COPY read to its end) and finds the same by hash join, in the same snapshot", async () => {
    const inStep = await diffBackups({ a: "latest", againstDb: db.target, backupDir: dir, show: 10 });
    const reordered = await diffBackups({ a: "latest", againstDb: db.target, backupDir: dir, show: 10, rowBudget: 5 });
    assert.equal(table(inStep, "Comment").partitions, 1);
    assert.ok(table(reordered, "Comment").partitions > 1, "Comment was not compared by hash partitions");
    assert.deepEqual([table(reordered, "Comment").changed, table(reordered, "Comment").onlyInA, table(reordered, "Comment").onlyInB], [1, 0, 0]);
    const withoutPartitions = (report: DiffReport) => report.tables.map(({ partitions: _partitions, ...rest }) => rest);
    assert.deepEqual(withoutPartitions(reordered), withoutPartitions(inStep));
  });
});

describe("db:diff-backup on every hard value, gzip and encrypted", () => {
  const KEY = "diff-test-key-0123456789abcdef";
  let db: TestDatabase;
  let set: { summaryPath: string; summary: BackupSummary };
  const dirs = tempDirs();

  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 30 });
    await createExtraTables(db.pool);
    await fillHardValues(db.pool);
    set = await createBackup({ target: db.target, outDir: await dirs.make("diff-hard"), kind: "manual", gzip: true, encryptionKey: KEY });
  });
  after(async () => {
    await db.drop();
    await dirs.removeAll();
  });

  it("every row of every type compares equal with the live database it was taken from (in memory and spilled)", async () => {
    for (const rowBudget of [undefined, 50]) {
      const report = await diffBackups({ a: set.summaryPath, againstDb: db.target, backupDir: "", show: 5, encryptionKey: KEY, rowBudget });
      const differing = report.tables.filter((t) => t.onlyInA + t.onlyInB + t.changed > 0).map((t) => [t.table, t.shown]);
      assert.deepEqual(differing, []);
      assert.equal(report.differs, false);
      assert.equal(table(report, "hard_values").same, set.summary.counts.hard_values);
    }
  });

  it("a changed float, jsonb null and bytea are found in their columns", async () => {
    await db.pool.query(`UPDATE hard_values SET dbl = 0.30000000000000004 WHERE label = 'point one'`);
    await db.pool.query(`UPDATE hard_values SET jsb = NULL WHERE label = 'json null'`);
    await db.pool.query(`UPDATE hard_values SET bin = '\\x00ff11' WHERE label = 'json nested'`);
    const report = await diffBackups({ a: set.summaryPath, againstDb: db.target, backupDir: "", show: 5, encryptionKey: KEY });
    const hard = table(report, "hard_values");
    assert.deepEqual([hard.onlyInA, hard.onlyInB, hard.changed], [0, 0, 3]);
    assert.deepEqual(hard.changedColumns, { bin: 1, dbl: 1, jsb: 1 });
    assert.deepEqual(hard.shown.changed.map((row) => row.columns).sort(), [["bin"], ["dbl"], ["jsb"]]);
  });

  it("columns only on one side are listed, and rows are compared on the columns both have", async () => {
    await db.pool.query(`ALTER TABLE hard_values DROP COLUMN vc; ALTER TABLE "Comment" ADD COLUMN extra text DEFAULT 'x'`);
    const report = await diffBackups({ a: set.summaryPath, againstDb: db.target, backupDir: "", show: 5, encryptionKey: KEY });
    const hard = table(report, "hard_values");
    assert.deepEqual([hard.columnsOnlyInA, hard.columnsOnlyInB, hard.changed, hard.changedColumns], [["vc"], [], 3, { bin: 1, dbl: 1, jsb: 1 }]);
    assert.equal(hard.same, set.summary.counts.hard_values! - 3);
    const comments = table(report, "Comment");
    assert.deepEqual([comments.columnsOnlyInA, comments.columnsOnlyInB, comments.changed, comments.same], [[], ["extra"], 0, set.summary.counts.Comment]);
    assert.equal(report.differs, true);

    // A column's type changed: values compare as the backup writes them (an int as a bigint is equal; a boolean as text is not).
    await db.pool.query(`ALTER TABLE hard_values ALTER COLUMN flag TYPE text; ALTER TABLE serial_rows ALTER COLUMN id TYPE bigint;
      ALTER TABLE "User" ALTER COLUMN "isOG" DROP DEFAULT, ALTER COLUMN "isOG" TYPE text`);
    const retyped = await diffBackups({ a: set.summaryPath, againstDb: db.target, backupDir: "", show: 5, encryptionKey: KEY });
    assert.deepEqual(table(retyped, "hard_values").changedColumns, { bin: 1, dbl: 1, flag: 2, jsb: 1 });
    assert.deepEqual(table(retyped, "User").changedColumns, { isOG: set.summary.counts.User });
    const serial = table(retyped, "serial_rows");
    assert.deepEqual([serial.changed, serial.same], [0, 25]);
  });

  it("an encrypted set: refused without the key, with a wrong key, and when its summary was edited (HMAC)", async () => {
    const withoutKey = await runScript("db-diff-backup", [set.summaryPath, "--against-db"], { DATABASE_URL: db.url });
    assert.equal(withoutKey.code, 2);
    assert.match(errorLine(withoutKey), /is encrypted: set BACKUP_ENCRYPTION_KEY/);
    await assert.rejects(
      diffBackups({ a: set.summaryPath, againstDb: db.target, backupDir: "", show: 5, encryptionKey: "not the key" }),
      /not the key this backup set was encrypted with/,
    );
    const edited = await copySet(set.summaryPath, "diff-hmac");
    await editSummary(edited, (summary) => {
      entryOf(summary, "User").rows += 1;
      summary.counts.User! += 1;
    });
    await assert.rejects(diffBackups({ a: edited, b: set.summaryPath, backupDir: "", show: 5, encryptionKey: KEY }), /authenticat|HMAC/i);
    await removeDir(path.dirname(edited));
  });
});

describe("db:diff-backup's partition files", () => {
  const dirs = tempDirs();
  after(() => dirs.removeAll());

  it("live in a directory only the owner can enter, are only the owner's, read back as written, and go when the work fails", async () => {
    const parent = await dirs.make("diff-spill-unit");
    const records: [string, string][] = [["\u0002key é", "values\u0000\u00ff"], ["", ""], ["k2", "v".repeat(100_000)]];
    await assert.rejects(
      withScratchDirectory(async (dir) => {
        assert.equal((await stat(dir)).mode & 0o777, 0o700);
        const files = [path.join(dir, "a-0"), path.join(dir, "a-1")];
        const writer = await PartitionWriter.create(files);
        for (const [key, values] of records) writer.add(key, Buffer.from(values, "latin1"));
        await writer.close();
        for (const file of files) assert.equal((await stat(file)).mode & 0o777, 0o600);
        const readBack = [...(await readPartition(files[0]!)), ...(await readPartition(files[1]!))].map(([key, values]) => [key, values.toString("latin1")]);
        assert.deepEqual(readBack.sort(), [...records].sort());
        throw new Error("failed mid-way");
      }, parent),
      /failed mid-way/,
    );
    assert.deepEqual(await readdir(parent), []);
  });
});
