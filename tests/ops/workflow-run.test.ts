// Runs the nightly workflow's own `run:` steps — the very commands, in the
// same order, through bash -eo pipefail like the runner — against a test
// database: without BACKUP_REPOSITORY (BACKUP_DIR pointed at a temporary
// directory, the artifact path checked) and with it (a bucket on the suite's
// S3 server). The dependency install step is not re-run (the suite already
// runs on installed packages).
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createBackup, listBackupSets, verifyBackupSet } from "../../scripts/lib/backup/index.ts";
import { emptyLocation, objectNames, s3Location } from "../helpers/s3.ts";
import { seedDatabase } from "../../scripts/lib/seed.ts";
import { createTestDatabase, urlForDatabase, type TestDatabase } from "../helpers/database.ts";
import { startWebhookServer, type WebhookServer } from "./http-server.ts";
import { readWorkflow, runJob, substitute, type Workflow, type WorkflowStep } from "./workflow-runner.ts";

const isInstall = (step: WorkflowStep) => step.run?.trim() === "pnpm install --frozen-lockfile";

describe("the nightly workflow's commands, run in order against a test database", () => {
  let db: TestDatabase;
  let dir: string;
  let workflow: Workflow;
  let webhook: WebhookServer;
  before(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.pool, { users: 30 });
    dir = await mkdtemp(path.join(os.tmpdir(), "pdg-ops-nightly-"));
    ({ workflow } = await readWorkflow("database-backup.yml"));
    webhook = await startWebhookServer([], 200);
  });
  after(async () => {
    await db.drop();
    await webhook.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (secrets: Record<string, string>, inputs: Record<string, string> = {}) =>
    runJob(workflow, "backup", {
      secrets: { ALERT_WEBHOOK_URL: webhook.url, BACKUP_ENCRYPTION_KEY: "", ...secrets },
      inputs,
      envOverrides: { BACKUP_DIR: dir },
      runnerEnv: { GITHUB_RUN_NUMBER: "7", GITHUB_REPOSITORY: "acme/app", GITHUB_RUN_ID: "99" },
      skipRun: isInstall,
    });

  it("backs up, verifies, names the artifact, summarises; the upload path holds the verified set", async () => {
    const job = await run({ DATABASE_URL: db.url });
    const failed = job.steps.filter((s) => s.outcome === "failure");
    assert.deepEqual(failed.map((s) => `${s.step.name}\n${s.stderr}`), []);
    assert.deepEqual(
      job.steps.map((s) => [s.step.name, s.outcome]),
      [
        ["Check out the repository", "not run here"],
        ["Install pnpm (version from package.json packageManager)", "not run here"],
        ["Set up Node.js", "not run here"],
        ["Install dependencies", "not run here"],
        ["Warn when backups are not encrypted", "success"],
        ["Back up the database", "success"],
        ["Verify the backup against the database", "success"],
        ["Prune old sets in the backup repository", "skipped"],
        ["Name the artifact", "success"],
        ["Upload the backup set", "not run here"],
        ["Write the run summary", "success"],
        ["Drill the new set (restore it into a throwaway PostgreSQL)", "success"],
        ["Alert on failure", "skipped"],
      ],
    );
    const warning = job.steps.find((s) => s.step.name === "Warn when backups are not encrypted")!;
    assert.match(warning.stdout, /^::warning title=Unencrypted backup::BACKUP_ENCRYPTION_KEY is not set: this run uploads plaintext personal data/);

    const sets = await listBackupSets(dir);
    assert.equal(sets.length, 1);
    const [set] = sets;
    assert.equal(set!.summary.kind, "scheduled");
    assert.equal(set!.summary.compression, "gzip");
    assert.equal(set!.summary.counts.User, 30);
    assert.deepEqual((await verifyBackupSet(set!.summaryPath)).problems, []);

    assert.match(job.context.steps.artifact!.name!, /^database-backup-\d{4}-\d{2}-\d{2}-run-7$/);
    const upload = job.steps.find((s) => s.step.uses?.startsWith("actions/upload-artifact@"))!.step;
    assert.equal(substitute(String(upload.with?.name), job.context), job.context.steps.artifact!.name);
    const [include, exclude] = substitute(String(upload.with?.path), job.context).trim().split("\n");
    assert.equal(include, `${dir}/`);
    assert.equal(exclude, `!${dir}/.gitkeep`);
    const files = await readdir(dir);
    for (const file of [path.basename(set!.summaryPath), ...set!.summary.tables.map((t) => t.file)]) assert.ok(files.includes(file));

    assert.match(job.summary, /^## Database backup /);
    assert.ok(job.summary.includes("| User | 30 | - |"), job.summary);
    assert.match(job.summary, /Charts appear once the backup location holds two or more sets/);
    // The drill ran on the set the job wrote, its result after the backup's in the summary, its report beside the set.
    assert.match(job.summary, /## Database backup [^]*## Restore drill: ✅ passed/);
    assert.ok(job.summary.includes(`| User | 30 | 30 | matched |`), job.summary);
    assert.ok(files.some((file) => file.startsWith(`restore-drill-${set!.summary.timestamp}-at-`)), files.join(", "));
    assert.equal(webhook.requests.length, 0, "no alert on success");
  });

  it("a dispatched pre-migration run with a key: encrypted set, the change since the previous backup, no plaintext warning", async () => {
    await db.pool.query(`DELETE FROM "Comment" WHERE id IN (SELECT id FROM "Comment" ORDER BY id LIMIT 3)`);
    const job = await run({ DATABASE_URL: db.url, BACKUP_ENCRYPTION_KEY: "correct horse battery staple 2026" }, { kind: "pre-migration" });
    assert.deepEqual(job.steps.filter((s) => s.outcome === "failure").map((s) => s.stderr), []);
    assert.equal(job.steps.find((s) => s.step.name === "Warn when backups are not encrypted")!.stdout, "");
    const comments = Number((await db.pool.query(`SELECT count(*) FROM "Comment"`)).rows[0].count);
    assert.ok(job.summary.includes(`| Comment | ${comments} | ${comments + 3} | -3 |`), job.summary);
    assert.match(job.summary, /\| encrypted \| yes \|/);
    assert.match(job.summary, /\| kind \| pre-migration \|/);
    const [newest] = await listBackupSets(dir);
    assert.equal(newest!.summary.kind, "pre-migration");
    assert.equal(newest!.summary.encryption?.algorithm, "aes-256-gcm");
  });

  it("fails the job on a failing backup, skips the rest, and alerts the webhook", async () => {
    const before = (await listBackupSets(dir)).length;
    const job = await run({ DATABASE_URL: urlForDatabase("pdg_ops_no_such_database") });
    const outcome = (name: string) => job.steps.find((s) => s.step.name === name)!.outcome;
    assert.equal(outcome("Back up the database"), "failure");
    const backupStep = job.steps.find((s) => s.step.name === "Back up the database")!;
    assert.match(backupStep.stderr, /database "pdg_ops_no_such_database" does not exist/, "failed for the reason under test");
    assert.equal(outcome("Verify the backup against the database"), "skipped");
    assert.equal(outcome("Upload the backup set"), "skipped");
    assert.equal(outcome("Write the run summary"), "skipped");
    assert.equal(outcome("Drill the new set (restore it into a throwaway PostgreSQL)"), "skipped");
    assert.equal(outcome("Alert on failure"), "success");
    assert.equal((await listBackupSets(dir)).length, before, "no new set, no partial set");
    const alerts = webhook.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);
    assert.ok(alerts.some((text) => /Nightly database backup failed/.test(text) && /runs\/99/.test(text)), alerts.join("\n---\n"));
  });

  describe("with BACKUP_REPOSITORY (an s3:// location and the AWS secrets)", () => {
    let repository: string;
    const awsSecrets = () =>
      Object.fromEntries(
        ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL_S3"].map((name) => [name, process.env[name] ?? ""]),
      );
    before(() => {
      repository = s3Location("nightly");
    });
    after(() => emptyLocation(repository));

    const runNightly = () =>
      runJob(workflow, "backup", {
        secrets: { ALERT_WEBHOOK_URL: webhook.url, BACKUP_ENCRYPTION_KEY: "", DATABASE_URL: db.url, BACKUP_REPOSITORY: repository, ...awsSecrets() },
        runnerEnv: { GITHUB_RUN_NUMBER: "8", GITHUB_REPOSITORY: "acme/app", GITHUB_RUN_ID: "100" },
        skipRun: isInstall,
      });

    it("writes the set to the bucket, verifies and prunes it there, uploads no artifact; the summary compares with last night's set and charts", async () => {
      // Last night's set, already in the bucket (written by the library, as the previous run's backup step would).
      await createBackup({ target: db.target, outDir: repository, kind: "scheduled", gzip: true });
      await db.pool.query(`DELETE FROM "Like" WHERE id IN (SELECT id FROM "Like" ORDER BY id LIMIT 2)`);
      const job = await runNightly();
      assert.deepEqual(job.steps.filter((s) => s.outcome === "failure").map((s) => `${s.step.name}\n${s.stderr}`), []);
      const outcomes = Object.fromEntries(job.steps.map((s) => [s.step.name, s.outcome]));
      assert.equal(outcomes["Back up the database"], "success");
      assert.equal(outcomes["Verify the backup against the database"], "success");
      assert.equal(outcomes["Prune old sets in the backup repository"], "success");
      assert.equal(outcomes["Name the artifact"], "skipped");
      assert.equal(outcomes["Upload the backup set"], "skipped");
      const prune = job.steps.find((s) => s.step.name === "Prune old sets in the backup repository")!;
      assert.match(prune.stdout, /retention \(last 7, daily 30, weekly 12, monthly 12\) in s3:\/\/.*\n[^]*2 sets kept, 0 deleted/);

      const sets = await listBackupSets(repository);
      assert.equal(sets.length, 2, "tonight's set next to last night's");
      assert.equal(sets[0]!.summary.kind, "scheduled");
      const likes = Number((await db.pool.query(`SELECT count(*) FROM "Like"`)).rows[0].count);
      assert.ok(job.summary.includes(`| Like | ${likes} | ${likes + 2} | -2 |`), job.summary);
      assert.match(job.summary, /### The last 2 backup sets in this location/);
      assert.match(job.summary, /```mermaid\nxychart-beta\n {2}title "User rows"\n {2}x-axis \["[^"]+", "[^"]+"\]\n {2}y-axis "rows"\n {2}line \[30, 30\]\n```/);
      assert.match(job.summary, /title "Set size \((B|KiB|MiB)\)"/);
      // Tonight's set was drilled from the bucket: its report is beside it, the summary ends with the result.
      assert.match(job.summary, /## Restore drill: ✅ passed/);
      const names = await objectNames(repository);
      const drillReports = names.filter((name) => name.startsWith("restore-drill-"));
      assert.equal(drillReports.length, 1);
      assert.ok(drillReports[0]!.startsWith(`restore-drill-${sets[0]!.summary.timestamp}-at-`), drillReports[0]);
      assert.deepEqual(
        names.filter((name) => !drillReports.includes(name)),
        sets.flatMap((set) => [set.summaryPath.split("/").at(-1)!, ...set.summary.tables.map((t) => t.file)]).sort(),
      );
    });
  });
});
