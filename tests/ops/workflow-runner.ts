// Runs a GitHub Actions job's `run:` steps locally, in order, the way the
// runner does: `bash --noprofile --norc -eo pipefail` (the workflow sets
// `shell: bash`), env merged workflow → job → step, $GITHUB_OUTPUT and
// $GITHUB_STEP_SUMMARY as files, steps skipped after a failure unless their
// `if:` is failure()/always() (or an env comparison). `uses:` steps are returned for the test to check.
// Only the expressions the workflows use are understood; anything else throws,
// so a workflow change cannot slip past the test unevaluated.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { runProcess, type ScriptResult } from "../helpers/cli.ts";

export interface WorkflowStep {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

export interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency: { group: string; "cancel-in-progress"?: boolean };
  env?: Record<string, string | number>;
  defaults?: { run?: { shell?: string } };
  jobs: Record<string, { "runs-on": string; "timeout-minutes": number; permissions?: Record<string, string>; env?: Record<string, string>; steps: WorkflowStep[] }>;
}

export async function readWorkflow(file: string): Promise<{ text: string; workflow: Workflow }> {
  const text = await readFile(path.join(PROJECT_ROOT, ".github", "workflows", file), "utf8");
  return { text, workflow: parse(text) as Workflow };
}

export interface ExpressionContext {
  secrets: Record<string, string>;
  inputs: Record<string, string>;
  env: Record<string, string>;
  steps: Record<string, Record<string, string>>;
}

/** Evaluates one `${{ … }}` expression of the forms the workflows use. */
function evaluate(expression: string, context: ExpressionContext): string {
  const [left, fallback] = expression.split("||").map((part) => part.trim());
  const literal = fallback?.match(/^'(.*)'$/)?.[1];
  if (fallback !== undefined && literal === undefined) throw new Error(`unsupported expression: ${expression}`);
  const parts = (left ?? "").split(".");
  let value: string | undefined;
  if (parts[0] === "secrets" && parts.length === 2) value = context.secrets[parts[1]!] ?? "";
  else if (parts[0] === "inputs" && parts.length === 2) value = context.inputs[parts[1]!] ?? "";
  else if (parts[0] === "env" && parts.length === 2) value = context.env[parts[1]!] ?? "";
  else if (parts[0] === "steps" && parts[2] === "outputs" && parts.length === 4) value = context.steps[parts[1]!]?.[parts[3]!] ?? "";
  else throw new Error(`unsupported expression: ${expression}`);
  return value === "" && literal !== undefined ? literal : value;
}

export function substitute(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => evaluate(expression, context));
}

export interface StepRun {
  step: WorkflowStep;
  /** skipped: not run (an earlier step failed, or a failure() step on success). */
  outcome: "success" | "failure" | "skipped" | "not run here";
  stdout: string;
  stderr: string;
}

export interface JobRun {
  steps: StepRun[];
  summary: string;
  context: ExpressionContext;
}

function runBash(script: string, env: NodeJS.ProcessEnv): Promise<ScriptResult> {
  return runProcess("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], { env });
}

export interface RunJobOptions {
  secrets: Record<string, string>;
  inputs?: Record<string, string>;
  /** Overrides of workflow-level env (e.g. BACKUP_DIR pointed at a temporary directory). */
  envOverrides?: Record<string, string>;
  /** Extra process environment (e.g. GITHUB_RUN_NUMBER). */
  runnerEnv?: Record<string, string>;
  /** `run:` steps not to execute here (dependency installation). */
  skipRun?: (step: WorkflowStep) => boolean;
}

/** A step's `if:`: failure(), always(), or env.NAME == '' / != '' (which, like GitHub, also needs every earlier step to have succeeded). */
function shouldRun(condition: string | undefined, failed: boolean, context: ExpressionContext): boolean {
  if (!condition) return !failed;
  if (condition === "always()") return true;
  if (condition === "failure()") return failed;
  const comparison = /^env\.(\w+) (==|!=) ''$/.exec(condition);
  if (!comparison) throw new Error(`unsupported if: ${condition}`);
  const empty = (context.env[comparison[1]!] ?? "") === "";
  return !failed && (comparison[2] === "==" ? empty : !empty);
}

export async function runJob(workflow: Workflow, jobName: string, options: RunJobOptions): Promise<JobRun> {
  const job = workflow.jobs[jobName];
  if (!job) throw new Error(`no job ${jobName}`);
  if (workflow.defaults?.run?.shell !== "bash") throw new Error("the runner emulates `shell: bash` only");
  const work = await mkdtemp(path.join(os.tmpdir(), "pdg-ops-workflow-"));
  const summaryFile = path.join(work, "step-summary.md");
  await writeFile(summaryFile, "");
  const context: ExpressionContext = { secrets: options.secrets, inputs: options.inputs ?? {}, env: {}, steps: {} };
  for (const [key, value] of Object.entries(workflow.env ?? {})) context.env[key] = substitute(String(value), context);
  Object.assign(context.env, options.envOverrides ?? {});
  for (const [key, value] of Object.entries(job.env ?? {})) context.env[key] = substitute(value, context);

  const runs: StepRun[] = [];
  let failed = false;
  for (const [index, step] of job.steps.entries()) {
    const runsNow = shouldRun(step.if?.trim(), failed, context);
    if (!runsNow || !step.run) {
      runs.push({ step, outcome: runsNow ? "not run here" : "skipped", stdout: "", stderr: "" });
      continue;
    }
    if (options.skipRun?.(step)) {
      runs.push({ step, outcome: "not run here", stdout: "", stderr: "" });
      continue;
    }
    const outputFile = path.join(work, `output-${index}`);
    await writeFile(outputFile, "");
    const stepEnv: Record<string, string> = {};
    for (const [key, value] of Object.entries(step.env ?? {})) stepEnv[key] = substitute(value, context);
    const result = await runBash(substitute(step.run, context), {
      ...process.env,
      GITHUB_ACTIONS: "true",
      CI: "true",
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...options.runnerEnv,
      ...context.env,
      ...stepEnv,
    });
    if (step.id) {
      const outputs = Object.fromEntries(
        (await readFile(outputFile, "utf8")).split("\n").filter((line) => line.includes("=")).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
      );
      context.steps[step.id] = outputs;
    }
    runs.push({ step, outcome: result.code === 0 ? "success" : "failure", stdout: result.stdout, stderr: result.stderr });
    if (result.code !== 0) failed = true;
  }
  return { steps: runs, summary: await readFile(summaryFile, "utf8"), context };
}
