// The one transaction every restore loads in — the whole-set modes
// (restore-backup.ts) and --rows (row-recovery/recover-rows.ts) alike: its
// locks, its end (deferred keys checked, user triggers back on, sequences
// set, then COMMIT, or ROLLBACK for refused rows and dry runs), and the one
// line a failure anywhere in it becomes.
import type pg from "pg";
import { describeDatabaseError, OperationError, UsageError } from "../errors.ts";
import { tableRelation, type ForeignKey, type TableInfo } from "../tables.ts";
import { checkDeferredForeignKeys } from "./constraints.ts";
import type { SequenceOutcome, SequenceReset } from "./sequences.ts";
import { DamagedSetError } from "./single-pass.ts";
import { restoreTriggers, type DisabledTrigger } from "./triggers.ts";

/** Names the step now running (a table's label, or a "(step)" in parentheses), for the failure message. */
export type StepTracker = (step: string) => void;

export const REBUILDING = "(rebuilding indexes and keys)";

/**
 * Runs `work` inside BEGIN; `work` ends it through finishLoad. Any failure
 * rolls back and becomes one line naming the step it happened at.
 */
export async function inLoadTransaction<T>(client: pg.PoolClient, work: (step: StepTracker) => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  let current = "(preparing)";
  try {
    return await work((step) => {
      current = step;
    });
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw loadFailure(error, current);
  }
}

/** Inside the restore's transaction: no statement timeout, the lock timeout, and EXCLUSIVE locks on `tables`. */
export async function lockTables(client: pg.PoolClient, tables: TableInfo[], lockTimeoutMs = 30_000): Promise<void> {
  await client.query("SET LOCAL statement_timeout = 0");
  await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
  if (tables.length === 0) return;
  // EXCLUSIVE: others may still read, nobody writes until the restore commits or rolls back.
  // A partitioned table is locked with its partitions (where its rows go); any other table alone.
  await client.query(`LOCK TABLE ${tables.map(tableRelation).join(", ")} IN EXCLUSIVE MODE`);
}

/** What the end of the load reads from and fills in, in either kind of restore report. */
export interface LoadEndReport {
  outcome: "restored" | "dry-run" | "refused";
  /** User triggers disabled for the load, re-enabled now. */
  triggers: DisabledTrigger[];
  /** Per table, the rows refused (a unique clash, a missing parent). */
  tables: { refused: number }[];
  sequences: SequenceReset[];
  warnings: string[];
}

export interface LoadEnd {
  /** Foreign keys deferred for the load, checked now. */
  deferred: ForeignKey[];
  /** Commit the other rows all the same when some were refused. */
  continueOnConflict?: boolean;
  dryRun?: boolean;
  /** Sets the sequences (in a dry run, only reads what they would be set to). */
  setSequences: () => Promise<SequenceOutcome>;
}

/**
 * Ends the load: checks the deferred keys and re-enables the triggers, then
 * rolls back when rows were refused (unless continuing; the outcome is then
 * "refused"), or sets the sequences and commits (rolls back in a dry run).
 */
export async function finishLoad(client: pg.PoolClient, step: StepTracker, report: LoadEndReport, end: LoadEnd): Promise<void> {
  step("(deferred foreign keys)");
  await checkDeferredForeignKeys(client, end.deferred);
  step("(re-enabling user triggers)");
  await restoreTriggers(client, report.triggers);
  if (report.tables.some((table) => table.refused > 0) && !end.continueOnConflict) {
    await client.query("ROLLBACK");
    report.outcome = "refused";
    return;
  }
  step("(sequences)");
  const sequences = await end.setSequences();
  report.sequences = sequences.set;
  report.warnings.push(...sequences.warnings);
  await client.query(end.dryRun ? "ROLLBACK" : "COMMIT");
}

/** One line for the user: where the load stopped, PostgreSQL's reason and detail, and that nothing changed. */
export function loadFailure(error: unknown, step: string): Error {
  if (error instanceof UsageError || error instanceof DamagedSetError) return error;
  const code = (error as { code?: string }).code;
  if (code === "55P03") {
    return new OperationError(
      "another session holds a lock on the tables to restore (the app writing, a migration, an open transaction); nothing was changed. " +
        "Stop the writers or wait, then run the restore again (or raise --lock-timeout).",
    );
  }
  const base = error instanceof OperationError ? error.message : describeDatabaseError(error);
  const detail = oneLineDetail((error as { detail?: string }).detail);
  const where = step.startsWith("(") ? step.slice(1, -1) : `loading ${step}`;
  const suffix = error instanceof OperationError ? "" : ` — the restore failed at ${where}`;
  const next =
    step === REBUILDING && (code === "23505" || code === "23503")
      ? " The backup's data breaks a key the target database has and the source did not enforce: bring the target to the backup's " +
        "migrations (pnpm run db:status shows them) or drop that key, then restore again."
      : "";
  return new OperationError(`${base}${detail ? ` (${detail})` : ""}${suffix}; nothing was changed (the transaction was rolled back).${next}`);
}

/** How much of PostgreSQL's detail is kept: it quotes the key's values, and a text value can be a whole comment. */
const DETAIL_CHARS = 200;

/** PostgreSQL's detail on one line (a quoted value's line breaks as \\n), cut at DETAIL_CHARS. */
function oneLineDetail(detail: string | undefined): string | undefined {
  if (!detail) return undefined;
  const line = detail.replace(/\r?\n/g, "\\n");
  return line.length <= DETAIL_CHARS ? line : `${line.slice(0, DETAIL_CHARS)}…`;
}
