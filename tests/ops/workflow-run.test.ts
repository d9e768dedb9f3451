// Runs the nightly workflow's own `run:` steps — the very commands, in the
// same order, through bash -eo pipefail like the runner — against a test
// database. BACKUP_DIR is pointed at a temporary directory; the dependency
// install step is not re-run (the suite already runs on installed packages).
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { listBackupSets, verifyBackupSet } from "../../scripts/lib/backup/index.ts";
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
        ["Name the artifact", "success"],
        ["Upload the backup set", "not run here"],
        ["Write the run summary", "success"],
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
    assert.equal(outcome("Alert on failure"), "success");
    assert.equal((await listBackupSets(dir)).length, before, "no new set, no partial set");
    const alerts = webhook.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);
    assert.ok(alerts.some((text) => /Nightly database backup failed/.test(text) && /runs\/99/.test(text)), alerts.join("\n---\n"));
  });
});
