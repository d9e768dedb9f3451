// S3 failures: each is one line naming the cause and what to do, exit 1, no
// summary and nothing committed. A missing bucket, wrong credentials and an
// unreachable endpoint run against the suite's server; the server killed
// mid-upload or mid-restore, and Ctrl-C mid-upload, against a server of the
// test's own (started in its own process, watched request by request).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { listBackupSets } from "../../scripts/lib/backup/index.ts";
import { scriptArgs } from "../../scripts/lib/cli.ts";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { ConfigError } from "../../scripts/lib/errors.ts";
import { s3SettingsFromEnv } from "../../scripts/lib/repository/s3/client.ts";
import { pruneBackups } from "../../scripts/lib/retention/prune.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import type { StatusReport } from "../../scripts/lib/status/status.ts";
import { errorLine, runScript, type ScriptResult } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { emptyLocation, missingBucket, objectNames, ownS3Server, putObjects, s3Location, useInThisProcess, type OwnS3 } from "../helpers/s3.ts";

function assertNoSummaryPrinted(result: ScriptResult): void {
  assert.doesNotMatch(result.stdout + result.stderr, /backup set complete/);
}

/** About 30 MB of JSON: a multipart upload of six parts, more than the sockets' buffers hold in flight. */
const BULK_ROWS = 15_000;
const BULK_TABLE = `CREATE TABLE bulk AS SELECT i AS id, repeat(md5(i::text), 64) AS pad FROM generate_series(1, ${BULK_ROWS}) i`;

describe("S3 faults against the suite's server", () => {
  let db: TestDatabase;
  let location: string;
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 30 });
    location = s3Location("faults");
  });
  after(async () => {
    await db.drop();
    await emptyLocation(location);
  });

  it("a bucket that does not exist: one line naming it, exit 1, no summary, for writing and for reading", async () => {
    const bucket = missingBucket();
    const backup = await runScript("db-backup", ["--out", `s3://${bucket}/backups`], { DATABASE_URL: db.url });
    assert.equal(backup.code, 1);
    assert.match(errorLine(backup), new RegExp(`^error: backup failed: cannot write to s3://${bucket}/backups: the bucket "${bucket}" does not exist on .* \\(NoSuchBucket\\); create it, or correct the location$`));
    assertNoSummaryPrinted(backup);
    const verify = await runScript("db-verify-backup", ["latest", "--dir", `s3://${bucket}/backups`]);
    assert.equal(verify.code, 1);
    assert.match(errorLine(verify), new RegExp(`cannot list s3://${bucket}/backups: the bucket "${bucket}" does not exist`));
  });

  it("wrong credentials: one line naming the variable to fix, exit 1, nothing written, no secret printed", async () => {
    const wrong = { AWS_ACCESS_KEY_ID: "AKIAWRONGWRONGWRONG7", AWS_SECRET_ACCESS_KEY: "wrong/secret/key/of/forty/characters/xx" };
    const backup = await runScript("db-backup", ["--out", location], { DATABASE_URL: db.url, ...wrong });
    assert.equal(backup.code, 1);
    assert.match(errorLine(backup), /cannot write to s3:\/\/.*: .*\((InvalidAccessKeyId|SignatureDoesNotMatch)\); check AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)/);
    assert.ok(!backup.stderr.includes(wrong.AWS_SECRET_ACCESS_KEY) && !backup.stderr.includes(wrong.AWS_ACCESS_KEY_ID));
    assertNoSummaryPrinted(backup);
    assert.deepEqual(await objectNames(location), []);
    const status = await runScript("db-status", ["--dir", location], { DATABASE_URL: db.url, ...wrong });
    assert.equal(status.code, 1);
    assert.match(errorLine(status), /\((InvalidAccessKeyId|SignatureDoesNotMatch)\)/);
  });

  it("an unreachable endpoint: one line naming it, exit 1", async () => {
    const env = { DATABASE_URL: db.url, AWS_ENDPOINT_URL_S3: "http://127.0.0.1:1" };
    const backup = await runScript("db-backup", ["--out", location], env);
    assert.equal(backup.code, 1);
    assert.match(errorLine(backup), /^error: backup failed: cannot write to s3:\/\/.*: cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\); check the network, AWS_ENDPOINT_URL_S3 and that the server is up$/);
    assertNoSummaryPrinted(backup);
    const restore = await runScript("db-restore", ["--from", `${location}/backup-summary-2026-01-01T00-00-00-000Z.json`], env);
    assert.equal(restore.code, 1);
    assert.match(errorLine(restore), /cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  });

  it("settings: path-style whenever a custom endpoint is set (BACKUP_S3_PATH_STYLE=false turns it off), concurrency 4 by default", () => {
    const bare = { AWS_ENDPOINT_URL_S3: "", AWS_ENDPOINT_URL: "", AWS_REGION: "", BACKUP_S3_PATH_STYLE: "", BACKUP_S3_CONCURRENCY: "" };
    const aws = s3SettingsFromEnv({ ...bare, AWS_REGION: "eu-central-1" });
    assert.deepEqual([aws.endpoint, aws.forcePathStyle, aws.region, aws.concurrency], [null, false, "eu-central-1", 4]);
    const minio = s3SettingsFromEnv({ ...bare, AWS_ENDPOINT_URL: "http://minio.internal:9000" });
    assert.deepEqual([minio.endpoint, minio.forcePathStyle, minio.region], ["http://minio.internal:9000", true, "us-east-1"]);
    const r2 = s3SettingsFromEnv({ ...bare, AWS_ENDPOINT_URL_S3: "https://acc.r2.cloudflarestorage.com", AWS_ENDPOINT_URL: "http://ignored", AWS_REGION: "auto", BACKUP_S3_PATH_STYLE: "false", BACKUP_S3_CONCURRENCY: "8" });
    assert.deepEqual([r2.endpoint, r2.forcePathStyle, r2.region, r2.concurrency], ["https://acc.r2.cloudflarestorage.com", false, "auto", 8]);
  });

  it("malformed settings are configuration errors (exit 2) before anything is written", async () => {
    for (const [env, message] of [
      [{ BACKUP_S3_SSE: "rot13" }, /BACKUP_S3_SSE="rot13" is not understood: use AES256 or aws:kms/],
      [{ BACKUP_S3_CONCURRENCY: "0" }, /BACKUP_S3_CONCURRENCY="0" must be a whole number from 1 to 64/],
      [{ BACKUP_S3_KMS_KEY_ID: "alias/backups" }, /BACKUP_S3_KMS_KEY_ID is set: it needs BACKUP_S3_SSE=aws:kms/],
      [{ BACKUP_S3_PATH_STYLE: "maybe" }, /BACKUP_S3_PATH_STYLE="maybe" is not understood/],
      [{ AWS_ENDPOINT_URL_S3: "minio.internal:9000" }, /the S3 endpoint "minio\.internal:9000" .* is not an http\(s\):\/\/ URL/],
    ] as const) {
      assert.throws(() => s3SettingsFromEnv({ ...process.env, ...env }), (error: Error) => error instanceof ConfigError && message.test(error.message));
    }
    const result = await runScript("db-backup", ["--out", location], { DATABASE_URL: db.url, BACKUP_S3_SSE: "rot13" });
    assert.equal(result.code, 2, result.stderr);
    assert.match(errorLine(result), /BACKUP_S3_SSE="rot13" is not understood/);
    assert.deepEqual(await objectNames(location), []);
  });
});

describe("S3 faults with a server of the test's own", () => {
  const BUCKET = "own";
  const LOCATION = `s3://${BUCKET}/backups`;
  let db: TestDatabase;
  let own: OwnS3;
  let restoreEnv = () => {};
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 30 });
    await db.pool.query(BULK_TABLE);
    own = await ownS3Server(BUCKET);
    // This file's own calls (listing, pruning) go to this server too; restarts keep its port.
    restoreEnv = useInThisProcess(own.server);
  });
  after(async () => {
    restoreEnv();
    await db.drop();
    await own.remove();
  });

  /** Kills the server once the restore's COPY into bulk has received rows: mid-stream, with most of the file still unread. */
  async function killOnceRowsArrive(target: TestDatabase): Promise<void> {
    for (let waited = 0; waited < 30_000; waited += 10) {
      const progress = await target.pool.query<{ n: number }>(
        `SELECT coalesce(max(tuples_processed), 0)::int AS n FROM pg_stat_progress_copy WHERE relid = 'bulk'::regclass`,
      );
      if (progress.rows[0]!.n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await own.server.kill();
  }

  /** Runs a command against the own server, calling `when` for each request until it returns true once. */
  function runWatching(script: string, args: string[], env: NodeJS.ProcessEnv, when: (request: string, child: ReturnType<typeof spawn>) => boolean) {
    const child = spawn(process.execPath, scriptArgs(script, args), {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NODE_ENV: "test", ...own.server.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let fired = false;
    own.server.onRequest((request) => {
      if (!fired && when(request, child)) fired = true;
    });
    return new Promise<ScriptResult & { fired: boolean }>((resolve) => child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr, fired })));
  }

  it("the server killed mid-upload: one line, exit 1, no summary; status shows the incomplete set, prune removes it after a day", async () => {
    const result = await runWatching("db-backup", ["--out", LOCATION], { DATABASE_URL: db.url }, (request) => {
      if (!/^PUT \/own\/backups\/bulks-backup-.*partNumber=1/.test(request)) return false;
      void own.server.kill();
      return true;
    });
    assert.ok(result.fired, "the backup reached the multipart upload");
    assert.equal(result.code, 1, result.stderr);
    assert.match(errorLine(result), /^error: backup failed: cannot write s3:\/\/own\/backups\/bulks-backup-.*: cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:\d+ \(ECONN(REFUSED|RESET)\)/);
    assertNoSummaryPrinted(result);

    const server = await own.restart();
    {
      assert.deepEqual(await listBackupSets(LOCATION), [], "no complete-looking set");
      const left = await objectNames(LOCATION);
      assert.ok(!left.some((name) => name.startsWith("backup-summary-")));
      assert.ok(!left.some((name) => name.startsWith("bulks-")), "the interrupted upload never became an object");
      await putObjects(LOCATION, { "notes.txt": "not ours\n" });

      const status = await runScript("db-status", ["--dir", LOCATION, "--json"], { DATABASE_URL: db.url, ...server.env });
      assert.equal(status.code, 0, status.stderr);
      const [incomplete] = (JSON.parse(status.stdout) as StatusReport).incompleteSets;
      assert.deepEqual(incomplete?.objects.sort(), left, "every object the dead backup left, shown as one incomplete set");
      assert.match(status.stdout + status.stderr, /incomplete set .* no summary/);

      const today = await pruneBackups(LOCATION, { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 });
      assert.equal(today.incomplete[0]?.removed, false, "a backup may still be writing it");
      const tomorrow = await pruneBackups(LOCATION, { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 }, { now: new Date(Date.now() + 25 * 3_600_000) });
      assert.equal(tomorrow.incomplete[0]?.removed, true);
      assert.deepEqual(await objectNames(LOCATION), ["notes.txt"], "the incomplete set is gone, the foreign object stays");
    }
  });

  it("Ctrl-C mid-upload: 'interrupted', exit 1, the multipart upload aborted and the finished objects deleted", async () => {
    own.requests.length = 0;
    const result = await runWatching("db-backup", ["--out", LOCATION], { DATABASE_URL: db.url }, (request, child) => {
      if (!/^PUT \/own\/backups\/bulks-backup-.*partNumber=1/.test(request)) return false;
      child.kill("SIGINT");
      return true;
    });
    assert.ok(result.fired);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /SIGINT received: stopping the backup/);
    assert.match(errorLine(result), /^error: the backup was interrupted; no backup set was written$/);
    assert.ok(own.requests.some((request) => /^DELETE \/own\/backups\/bulks-backup-.*uploadId=/.test(request)), "AbortMultipartUpload was sent");
    assert.deepEqual(await objectNames(LOCATION), ["notes.txt"], "nothing of the interrupted backup is left");
  });

  it("the server killed mid-restore: one line, exit 1, nothing committed", async () => {
    const backup = await runScript("db-backup", ["--out", LOCATION], { DATABASE_URL: db.url, ...own.server.env });
    assert.equal(backup.code, 0, backup.stderr);
    const target = await createTestDatabase();
    try {
      await target.pool.query(BULK_TABLE.replace(`generate_series(1, ${BULK_ROWS})`, "generate_series(1, 0)"));
      const result = await runWatching("db-restore", ["--from", "latest", "--dir", LOCATION], { DATABASE_URL: target.url }, (request) => {
        // Restore reads each file once: the bulk file's one read is its load, inside the transaction.
        if (!/^GET \/own\/backups\/bulks-backup-/.test(request)) return false;
        void killOnceRowsArrive(target);
        return true;
      });
      assert.ok(result.fired, "the restore reached the load");
      assert.equal(result.code, 1, result.stderr);
      assert.match(errorLine(result), /bulks-backup-.*cannot reach the S3 endpoint .*; nothing was changed \(the transaction was rolled back\)/);
      const counts = await target.pool.query<{ users: number; bulk: number }>(`SELECT (SELECT count(*) FROM "User")::int AS users, (SELECT count(*) FROM bulk)::int AS bulk`);
      assert.deepEqual(counts.rows[0], { users: 0, bulk: 0 });
    } finally {
      await target.drop();
      await own.restart();
    }
  });
});
