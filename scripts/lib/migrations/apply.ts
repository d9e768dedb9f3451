// Steps 5–7 of a migration run, shared by db:safe-migrate and db:migrate:
// pre-migration backup, row counts, the Prisma command, row counts again,
// then the integrity check with alerts and rollback guidance.
import type pg from "pg";
import { sendAlert } from "../alerts.ts";
import { createBackup } from "../backup/index.ts";
import { describeTarget, type DatabaseTarget } from "../config.ts";
import { describeDatabaseError, OperationError } from "../errors.ts";
import { readMigrationState } from "../migrations-state.ts";
import type { PrismaCliResult } from "../prisma-cli.ts";
import { redactForLog } from "../redact.ts";
import { rollbackGuidance } from "./guidance.ts";
import { compareCounts, countEveryTable, formatCountTable, type IntegrityResult, type RowCounts } from "./integrity.ts";
import { defaultSchemas } from "../schemas.ts";
import type { PrismaProject } from "./prisma-project.ts";
import type { MigrationOutcome } from "./run-report.ts";

export interface ApplyContext {
  pool: pg.Pool;
  target: DatabaseTarget;
  project: PrismaProject;
  schema: string;
  backupDir: string;
  declaredRowLoss: string[];
  log: (line: string) => void;
}

export interface ApplyResult {
  outcome: Extract<MigrationOutcome, "applied" | "rows-lost" | "failed">;
  /** null when the database held no tables (nothing to back up). */
  backupSummary: string | null;
  before: RowCounts;
  after: RowCounts;
  integrity: IntegrityResult;
  prisma: PrismaCliResult;
  guidance: string[];
}

async function preMigrationBackup(ctx: ApplyContext): Promise<string> {
  ctx.log("Taking a pre-migration backup…");
  try {
    const { summaryPath } = await createBackup({ target: ctx.target, outDir: ctx.backupDir, kind: "pre-migration", migrationsDir: ctx.project.migrationsDir });
    ctx.log(`Pre-migration backup: ${summaryPath}`);
    return summaryPath;
  } catch (error) {
    throw new OperationError(`the pre-migration backup failed (${describeDatabaseError(error)}); nothing was migrated. Fix the cause and run again.`);
  }
}

export async function applyWithIntegrityCheck(ctx: ApplyContext, runPrisma: () => Promise<PrismaCliResult>): Promise<ApplyResult> {
  const before = await countEveryTable(ctx.pool, defaultSchemas(ctx.target.url));
  const backupSummary = Object.keys(before).length === 0 ? null : await preMigrationBackup(ctx);
  if (!backupSummary) ctx.log("No pre-migration backup: the database holds no tables yet (nothing to lose).");
  const prisma = await runPrisma();
  ctx.log(`prisma ${prisma.code === 0 ? "finished" : `failed (exit ${prisma.code})`}:`);
  for (const line of prisma.output.trim().split("\n")) ctx.log(`  | ${line}`);
  const after = await countEveryTable(ctx.pool, defaultSchemas(ctx.target.url));
  const integrity = compareCounts(before, after, ctx.declaredRowLoss);
  ctx.log("Row counts before and after:");
  for (const line of formatCountTable(before, after)) ctx.log(line);

  const failed = prisma.code === 0 ? [] : (await readMigrationState(ctx.pool, ctx.project.migrationsDir, ctx.schema)).failed;
  const database = describeTarget(ctx.target);
  const counts = integrity.decreases.map((change) => `${change.table}: ${change.before} -> ${change.after ?? "table gone"}${change.declared ? " (declared by the plan)" : ""}`);
  const guidance = prisma.code !== 0 || integrity.unexpected.length > 0 ? rollbackGuidance({ project: ctx.project, backupSummary, failed, lostRowsIn: integrity.unexpected.map((change) => change.table) }) : [];

  let outcome: ApplyResult["outcome"] = "applied";
  if (prisma.code !== 0) {
    outcome = "failed";
    const reason = redactForLog(prisma.output.split("\n").find((line) => /error/i.test(line))?.trim() ?? `exit ${prisma.code}`);
    await sendAlert({ severity: "error", title: `Migration failed on ${database}${failed.length ? `: ${failed.join(", ")}` : ""}`, details: [reason, ...counts, ...guidance] });
  } else if (integrity.unexpected.length > 0) {
    outcome = "rows-lost";
    await sendAlert({
      severity: "error",
      title: `Rows vanished during the migration on ${database}: ${integrity.unexpected.map((change) => change.table).join(", ")}`,
      details: [...counts, ...guidance],
    });
  } else if (integrity.decreases.length > 0) {
    await sendAlert({ severity: "warning", title: `Row counts fell during the migration on ${database}, as the plan declared`, details: counts });
  }
  for (const line of guidance) ctx.log(line);
  return { outcome, backupSummary, before, after, integrity, prisma, guidance };
}
