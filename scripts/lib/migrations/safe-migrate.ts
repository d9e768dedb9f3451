// The guarded migration run behind db:safe-migrate, db:migrate-deploy and
// db:migrate: lock, refuse an unhealthy history, plan with live data, block
// data loss unless allowed, then back up, run Prisma and check the row counts.
// --dry-run stops after the plan and changes nothing.
import { sendAlert } from "../alerts.ts";
import { describeTarget, type DatabaseTarget } from "../config.ts";
import { createPool } from "../db.ts";
import { readMigrationState } from "../migrations-state.ts";
import { runPrismaCliCaptured, type PrismaCliResult } from "../prisma-cli.ts";
import { schemaFromUrl } from "../tables.ts";
import { applyWithIntegrityCheck } from "./apply.ts";
import { refuseUnhealthyHistory } from "./history-check.ts";
import { acquireMigrationLock } from "./lock.ts";
import { buildPlan, formatPlan, type MigrationPlan } from "./plan.ts";
import type { PrismaProject } from "./prisma-project.ts";
import { formatFinding } from "./report.ts";
import { redactReport, writeRunReport, type MigrationRunReport } from "./run-report.ts";

export interface SafeMigrateOptions {
  command: string;
  target: DatabaseTarget;
  project: PrismaProject;
  dryRun: boolean;
  allowDataLoss: boolean;
  skipLiveChecks: boolean;
  liveCheckTimeoutMs: number;
  /** Where the pre-migration backup and the report go: a directory or s3://bucket/prefix. */
  backupDir: string;
  /** Asks the operator on a terminal; null never prompts (CI, --json, db:migrate-deploy). */
  confirm: ((question: string) => Promise<boolean>) | null;
  log: (line: string) => void;
  /** The Prisma command that applies the migrations (default: migrate deploy). */
  runPrisma?: () => Promise<PrismaCliResult>;
  /** Run Prisma even with nothing pending (migrate dev may create a migration from the schema). */
  runWhenNothingPending?: boolean;
}

export interface RunResult {
  code: number;
  report: MigrationRunReport;
}

export async function safeMigrate(options: SafeMigrateOptions): Promise<RunResult> {
  const pool = createPool(options.target);
  try {
    const lock = await acquireMigrationLock(pool, describeTarget(options.target));
    try {
      return await lockedRun(options, pool);
    } finally {
      await lock.release();
    }
  } finally {
    await pool.end();
  }
}

async function lockedRun(options: SafeMigrateOptions, pool: ReturnType<typeof createPool>): Promise<RunResult> {
  const { log } = options;
  const schema = schemaFromUrl(options.target.url);
  const database = describeTarget(options.target);
  const report: MigrationRunReport = {
    command: options.command, startedAt: new Date().toISOString(), finishedAt: "", database, outcome: "nothing-pending",
    pending: [], liveChecks: options.skipLiveChecks ? "skipped" : "done", findings: [], declaredRowLoss: [],
    allowedDataLoss: false, backup: null, counts: null, decreases: [], unexpectedDecreases: [], prismaOutput: null, guidance: [], reportPath: null,
  };
  const finish = async (code: number, write: boolean): Promise<RunResult> => {
    report.finishedAt = new Date().toISOString();
    const published = redactReport(report);
    if (write) {
      published.reportPath = await writeRunReport(published, options.backupDir);
      log(`Report: ${published.reportPath}`);
    }
    return { code, report: published };
  };

  const state = await readMigrationState(pool, options.project.migrationsDir, schema);
  refuseUnhealthyHistory(state, options.project);
  if (state.pending.length === 0 && !options.runWhenNothingPending) {
    log(`Nothing to migrate on ${database}: all ${state.applied.length} migrations of ${options.project.migrationsDir} are applied.`);
    return finish(0, false);
  }

  const plan = await buildPlan(pool, options.project, schema, state.pending, {
    skipLiveChecks: options.skipLiveChecks,
    liveCheckTimeoutMs: options.liveCheckTimeoutMs,
  });
  Object.assign(report, { pending: plan.pending, findings: plan.findings, declaredRowLoss: plan.declaredRowLoss });
  for (const line of formatPlan(plan)) log(line);

  if (plan.blocking.length > 0) {
    const allowed = options.allowDataLoss || (!options.dryRun && (await askToProceed(options, plan)));
    if (!allowed) {
      report.outcome = "blocked";
      log(`Blocked: ${plan.blocking.length} data-loss finding(s) on ${database}; nothing was changed.`);
      log("If the loss is intended, add \"-- safe-migrate: allow <rule-id> <why>\" before the statement (reviewed with the code), or re-run with --allow-data-loss (a pre-migration backup is taken first).");
      if (options.dryRun) return finish(1, false);
      await sendAlert({ severity: "error", title: `Destructive migration blocked on ${database}`, details: blockingDetails(plan) });
      return finish(1, true);
    }
    report.allowedDataLoss = true;
    const how = options.allowDataLoss ? "--allow-data-loss" : "confirmed at the prompt";
    if (!options.dryRun) await sendAlert({ severity: "warning", title: `Destructive migration allowed on ${database} (${how})`, details: blockingDetails(plan) });
  }
  if (options.dryRun) {
    report.outcome = "dry-run";
    log(`Dry run: ${plan.pending.length} migration(s) would be applied; nothing was changed.`);
    return finish(0, false);
  }

  const applied = await applyWithIntegrityCheck(
    { pool, target: options.target, project: options.project, schema, backupDir: options.backupDir, declaredRowLoss: plan.declaredRowLoss, log },
    options.runPrisma ??
      (() => runPrismaCliCaptured(["migrate", "deploy", ...options.project.cliArgs], { env: { ...process.env, DATABASE_URL: options.target.url } })),
  );
  Object.assign(report, {
    outcome: applied.outcome,
    backup: applied.backupSummary ? { summaryPath: applied.backupSummary } : null,
    counts: { before: applied.before, after: applied.after },
    decreases: applied.integrity.decreases,
    unexpectedDecreases: applied.integrity.unexpected,
    prismaOutput: applied.prisma.output,
    guidance: applied.guidance,
  });
  if (applied.outcome === "applied") log(`Migrated ${database}; no row count fell beyond the plan.`);
  return finish(applied.outcome === "applied" ? 0 : 1, true);
}

function blockingDetails(plan: MigrationPlan): string[] {
  return plan.blocking.map((finding) => `${finding.migration}:${finding.line} ${finding.rule}: ${finding.liveResult?.summary ?? finding.message}`);
}

async function askToProceed(options: SafeMigrateOptions, plan: MigrationPlan): Promise<boolean> {
  if (!options.confirm) return false;
  for (const finding of plan.blocking) for (const line of formatFinding(finding)) options.log(line);
  return options.confirm(`Apply ${plan.pending.length} migration(s) despite ${plan.blocking.length} data-loss finding(s)? A pre-migration backup is taken first. Type "yes" to proceed: `);
}
