// What the import tells the operator: counts per outcome and reason, the first
// problem rows, and (--report) every rejected, conflicting or duplicate row and
// every imported row with a note, as CSV. No email or wallet appears unmasked.
import { createWriteStream } from "node:fs";
import { chmod, rename, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { OperationError } from "../errors.ts";
import { STAGING } from "./staging.ts";

export interface ProblemRow {
  line: number;
  id: string | null;
  outcome: string;
  reason: string | null;
  detail: string | null;
}

export interface OutcomeCounts {
  rowsRead: number;
  imported: number;
  existing: number;
  duplicates: number;
  conflicts: { total: number; byReason: Record<string, number> };
  rejected: { total: number; byReason: Record<string, number> };
  /** Imported rows with a note (extra accounts ignored, no date). */
  withNotes: number;
}

export async function countOutcomes(client: pg.PoolClient): Promise<OutcomeCounts> {
  const result = await client.query<{ outcome: string | null; reason: string | null; rows: number; notes: number }>(
    `SELECT outcome, reason, count(*)::int AS rows, count(detail) FILTER (WHERE outcome IS NULL)::int AS notes
       FROM ${STAGING} GROUP BY outcome, reason ORDER BY outcome, reason`,
  );
  const counts: OutcomeCounts = {
    rowsRead: 0, imported: 0, existing: 0, duplicates: 0,
    conflicts: { total: 0, byReason: {} }, rejected: { total: 0, byReason: {} }, withNotes: 0,
  };
  // outcome NULL: imported (or, in a dry run, would be).
  for (const { outcome, reason, rows, notes } of result.rows) {
    counts.rowsRead += rows;
    counts.withNotes += notes;
    if (outcome === null) counts.imported += rows;
    else if (outcome === "existing") counts.existing += rows;
    else if (outcome === "duplicate") counts.duplicates += rows;
    else {
      const group = outcome === "conflict" ? counts.conflicts : counts.rejected;
      group.total += rows;
      group.byReason[reason ?? outcome] = (group.byReason[reason ?? outcome] ?? 0) + rows;
    }
  }
  return counts;
}

const REPORTED = `outcome IN ('rejected', 'conflict', 'duplicate') OR (outcome IS NULL AND detail IS NOT NULL)`;

export async function firstProblems(client: pg.PoolClient, limit: number): Promise<ProblemRow[]> {
  const result = await client.query<ProblemRow>(
    `SELECT line, privy_did AS id, outcome, reason, detail FROM ${STAGING}
      WHERE outcome IN ('rejected', 'conflict', 'duplicate') ORDER BY line LIMIT $1`,
    [limit],
  );
  return result.rows;
}

/**
 * Writes the report CSV (line, id, outcome, reason, detail) owner-readable only,
 * through a temporary file renamed at the end: no half-written report.
 */
export async function writeReport(client: pg.PoolClient, file: string, dryRun: boolean): Promise<number> {
  const temporary = `${file}.partial-${process.pid}`;
  const imported = dryRun ? "would import" : "imported";
  try {
    const source = client.query(
      copyTo(`COPY (SELECT line, privy_did AS id,
                           coalesce(outcome, '${imported}') AS outcome,
                           coalesce(reason, 'note') AS reason, detail
                      FROM ${STAGING} WHERE ${REPORTED} ORDER BY line)
              TO STDOUT WITH (FORMAT csv, HEADER)`),
    );
    await pipeline(source, createWriteStream(temporary, { mode: 0o600 }));
    await chmod(temporary, 0o600);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    const fsError = error as NodeJS.ErrnoException;
    if (fsError.syscall) {
      throw new OperationError(`cannot write the report ${file} (${fsError.code}); nothing was imported — choose a writable path for --report`);
    }
    throw error;
  }
  const rows = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${STAGING} WHERE ${REPORTED}`);
  return rows.rows[0]?.n ?? 0;
}
