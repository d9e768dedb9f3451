// Restores users from a Privy export in one transaction: stream the file into a
// staging table (COPY), classify every row in SQL, name the new users, give
// them referral codes, insert them with one INSERT … SELECT (retried with ON
// CONFLICT DO NOTHING only if a concurrent write took a row meanwhile), write
// the report, commit. A failure anywhere rolls everything back.
import type pg from "pg";
import { DELIMITER_NAMES, readExportHeader, USED_COLUMNS, type ExportHeader } from "./export-format.ts";
import { isRejected, mapRow } from "./map.ts";
import { readExportBatches } from "./parse.ts";
import { newReferralCode, ensureUniqueReferralCodes } from "./referral-codes.ts";
import { countOutcomes, firstProblems, writeReport, type OutcomeCounts, type ProblemRow } from "./report.ts";
import { classifyStaged, copyIntoStaging, createStaging, insertUsers, stagingCopyLine } from "./staging.ts";
import { assignUsernames } from "./usernames.ts";

export interface RestoreOptions {
  file: string;
  dryRun?: boolean;
  limit?: number;
  /** Path of the CSV report of rejected, conflicting, duplicate and noted rows. */
  reportFile?: string;
  /** How many problem rows the summary lists (the report has them all). */
  problemsShown?: number;
  /** Injected by tests to force referral code clashes. */
  generateReferralCode?: () => string;
  now?: Date;
}

export interface RestoreSummary extends OutcomeCounts {
  file: string;
  format: { delimiter: string; columns: number; missingOptionalColumns: string[] };
  dryRun: boolean;
  usernameRounds: number;
  referralCodesRegenerated: number;
  problems: ProblemRow[];
  report?: { file: string; rows: number };
  durationMs: number;
  rowsPerSecond: number;
  /** Milliseconds per phase: read (parse + COPY), classify, names (usernames + referral codes), insert, report. */
  phasesMs: Record<"read" | "classify" | "names" | "insert" | "report", number>;
}

/** The export as COPY text for the staging table, one chunk per batch of rows; each row to import gets a referral code. */
async function* stagingText(options: RestoreOptions, header: ExportHeader): AsyncGenerator<string> {
  const now = options.now ?? new Date();
  const generate = options.generateReferralCode ?? newReferralCode;
  for await (const batch of readExportBatches(options.file, header, options.limit)) {
    let text = "";
    for (const { line, record } of batch) {
      const row = mapRow(record, line, header, now);
      text += stagingCopyLine(row, isRejected(row) ? undefined : generate());
    }
    yield text;
  }
}

/** Reads the header first: a file without an ID column fails before any database work. */
export async function restoreUsers(pool: pg.Pool, options: RestoreOptions): Promise<RestoreSummary> {
  const started = performance.now();
  const header = await readExportHeader(options.file);
  const phases = { read: 0, classify: 0, names: 0, insert: 0, report: 0 };
  let mark = performance.now();
  const lap = (phase: keyof typeof phases) => {
    const now = performance.now();
    phases[phase] = Math.round(now - mark);
    mark = now;
  };

  const client = await pool.connect();
  try {
    // Temporary tables live in local buffers (8 MB by default); 100,000 staged rows are ~25 MB, and every pass over
    // them then reads and writes temp files. Settable only before the session first touches a temporary table.
    await client.query("SET temp_buffers = '256MB'");
    await client.query("BEGIN");
    // The username passes' estimates are high enough to trigger JIT, whose compile time (~1 s) exceeds the work itself.
    await client.query("SET LOCAL jit = off");
    // The default 4 MB spills every sort and hash of 100,000 staged rows to disk (external merge, seen in EXPLAIN ANALYZE).
    await client.query("SET LOCAL work_mem = '64MB'");
    await createStaging(client);
    await copyIntoStaging(client, stagingText(options, header));
    lap("read");
    await classifyStaged(client);
    lap("classify");
    const usernameRounds = await assignUsernames(client);
    const referralCodesRegenerated = await ensureUniqueReferralCodes(client, options.generateReferralCode);
    lap("names");
    if (!options.dryRun) await insertUsers(client);
    lap("insert");
    const counts = await countOutcomes(client);
    const problems = await firstProblems(client, options.problemsShown ?? 20);
    const report = options.reportFile
      ? { file: options.reportFile, rows: await writeReport(client, options.reportFile, options.dryRun ?? false) }
      : undefined;
    lap("report");
    await client.query(options.dryRun ? "ROLLBACK" : "COMMIT");
    const durationMs = Math.round(performance.now() - started);
    return {
      file: options.file,
      format: {
        delimiter: DELIMITER_NAMES[header.delimiter],
        columns: header.names.length,
        missingOptionalColumns: (["createdAt", "externalSolana", "embeddedSolana", "email"] as const)
          .filter((key) => header.columns[key] === undefined)
          .map((key) => USED_COLUMNS[key]),
      },
      dryRun: options.dryRun ?? false,
      ...counts,
      usernameRounds,
      referralCodesRegenerated,
      problems,
      report,
      durationMs,
      rowsPerSecond: durationMs > 0 ? Math.round((counts.rowsRead * 1000) / durationMs) : counts.rowsRead,
      phasesMs: phases,
    };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
