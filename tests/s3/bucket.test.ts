// A bucket as it is in real life: more objects than one listing page, objects
// this tool did not write, an object lock that refuses deletes, and the
// encryption and storage-class settings passed on to the server.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { listBackupSets, verifyBackupSet } from "../../scripts/lib/backup/index.ts";
import { openRepository } from "../../scripts/lib/repository/index.ts";
import type { PruneReport } from "../../scripts/lib/retention/prune.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { runScript } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { emptyLocation, objectNames, ownS3Server, putObjects, s3Location, useInThisProcess, type OwnS3 } from "../helpers/s3.ts";

const KEEP_ONE = ["--keep-last", "1", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0"];

describe("a bucket with more than one page of objects (1,500, listed 1,000 a page)", () => {
  let db: TestDatabase;
  let location: string;
  let fillers: string[];
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 10 });
    location = s3Location("listing");
    for (const kind of ["manual", "scheduled"]) {
      const result = await runScript("db-backup", ["--out", location, "--kind", kind, "--tables", "User,Follow"], { DATABASE_URL: db.url });
      assert.equal(result.code, 0, result.stderr);
    }
    // Named to sort before the sets: the summaries are on the second page of the listing.
    fillers = Array.from({ length: 1500 - 6 }, (_, i) => `a-foreign-${String(i).padStart(4, "0")}.txt`);
    await putObjects(location, Object.fromEntries(fillers.map((name) => [name, name])));
  });
  after(async () => {
    await db.drop();
    await emptyLocation(location);
  });

  it("lists every object across the pages and finds both sets on the last page", async () => {
    const objects = await openRepository(location).list();
    assert.equal(objects.length, 1500);
    const sets = await listBackupSets(location);
    assert.deepEqual(sets.map((set) => set.summary.kind), ["scheduled", "manual"]);
  });

  it("--from latest and status find the newest set; prune deletes the older set and none of the 1,494 foreign objects", async () => {
    const [newest] = await listBackupSets(location);
    const verify = await runScript("db-verify-backup", ["latest", "--dir", location, "--json"]);
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal((JSON.parse(verify.stdout) as { summaryPath: string }).summaryPath, newest!.summaryPath);

    const prune = await runScript("db-prune-backups", ["--dir", location, ...KEEP_ONE, "--json"]);
    assert.equal(prune.code, 0, prune.stderr);
    assert.equal((JSON.parse(prune.stdout) as PruneReport).deleted.length, 1);
    const left = await objectNames(location);
    assert.deepEqual(left.filter((name) => name.startsWith("a-foreign-")), fillers);
    assert.equal(left.length, fillers.length + 3, "the foreign objects and the newest set (two tables and its summary)");
  });
});

describe("an object lock that refuses deletes (a stand-in on the test's own server: s3rver has no object lock)", () => {
  const LOCATION = "s3://locked/backups";
  let db: TestDatabase;
  let own: OwnS3;
  let restoreEnv = () => {};
  let older: { summaryPath: string; timestamp: string };
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 10 });
    own = await ownS3Server("locked");
    restoreEnv = useInThisProcess(own.server);
    for (const kind of ["manual", "scheduled"]) {
      const result = await runScript("db-backup", ["--out", LOCATION, "--kind", kind], { DATABASE_URL: db.url, ...own.server.env });
      assert.equal(result.code, 0, result.stderr);
    }
    const [, set] = await listBackupSets(LOCATION);
    older = { summaryPath: set!.summaryPath, timestamp: set!.summary.timestamp };
  });
  after(async () => {
    restoreEnv();
    await db.drop();
    await own.remove();
  });

  it("a locked summary: the set stays whole and verifiable, and the report names what the lock kept", async () => {
    await own.restart({ refuseDeletePrefix: `backups/backup-summary-${older.timestamp}` });
    const before = await objectNames(LOCATION);
    const result = await runScript("db-prune-backups", ["--dir", LOCATION, ...KEEP_ONE, "--json"], own.server.env);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as PruneReport;
    assert.deepEqual(report.deleted, []);
    assert.deepEqual(report.refused.map((item) => item.file), [older.summaryPath]);
    assert.match(report.refused[0]!.reason, /object lock.*\(AccessDenied\)/);
    assert.ok(report.kept.some((set) => set.summaryPath === older.summaryPath && set.reasons.includes("the storage refused to delete its summary")));
    assert.match(result.stderr, /warning: the storage refused to delete 1 file\(s\) — an object lock or retention policy/);
    assert.deepEqual(await objectNames(LOCATION), before, "nothing deleted, no marker left");
    assert.equal((await verifyBackupSet(older.summaryPath)).ok, true);
  });

  it("a locked table file: the set is no longer complete-looking, the marker stays, and the next prune finishes once the lock is gone", async () => {
    await own.restart({ refuseDeletePrefix: `backups/users-backup-${older.timestamp}` });
    const locked = await runScript("db-prune-backups", ["--dir", LOCATION, ...KEEP_ONE, "--json"], own.server.env);
    assert.equal(locked.code, 0, locked.stderr);
    const report = JSON.parse(locked.stdout) as PruneReport;
    assert.deepEqual(report.deleted.map((set) => set.summaryPath), [older.summaryPath]);
    assert.deepEqual(report.refused.map((item) => item.file), [`${LOCATION}/users-backup-${older.timestamp}.json`]);
    const left = await objectNames(LOCATION);
    assert.ok(left.includes(`.backup-summary-${older.timestamp}.json.pruning`), "the marker lists what is still to delete");
    assert.equal((await listBackupSets(LOCATION)).length, 1, "no summary over missing files");

    await own.restart();
    const resumed = await runScript("db-prune-backups", ["--dir", LOCATION, ...KEEP_ONE, "--json"], own.server.env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual((JSON.parse(resumed.stdout) as PruneReport).resumed, [`${LOCATION}/users-backup-${older.timestamp}.json`, `${LOCATION}/.backup-summary-${older.timestamp}.json.pruning`]);
    assert.ok(!(await objectNames(LOCATION)).some((name) => name.includes(older.timestamp)));
  });

  it("BACKUP_S3_SSE, BACKUP_S3_KMS_KEY_ID and BACKUP_S3_STORAGE_CLASS reach the server on every upload, single and multipart", async () => {
    await db.pool.query(`CREATE TABLE bulk AS SELECT i AS id, repeat(md5(i::text), 64) AS pad FROM generate_series(1, 5000) i`);
    own.requests.length = 0;
    const settings = { BACKUP_S3_SSE: "aws:kms", BACKUP_S3_KMS_KEY_ID: "alias/backups", BACKUP_S3_STORAGE_CLASS: "STANDARD_IA" };
    const result = await runScript("db-backup", ["--out", LOCATION], { DATABASE_URL: db.url, ...own.server.env, ...settings });
    assert.equal(result.code, 0, result.stderr);
    const uploads = own.requests.filter((request) => /^PUT [^?]+\?x-id=PutObject|^POST [^?]+\?uploads/.test(request));
    assert.ok(uploads.some((request) => request.startsWith("POST /locked/backups/bulks-backup-")), "the bulk table went up as a multipart upload");
    assert.ok(uploads.length >= 10, uploads.join("\n"));
    for (const request of uploads) assert.match(request, / sse=aws:kms kms=alias\/backups class=STANDARD_IA$/);
  });
});
