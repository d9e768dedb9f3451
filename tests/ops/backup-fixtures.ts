// Backup sets for the ops tests, written by the real backup library. Tests of
// retention and status need sets of different ages: the set's createdAt is
// moved back in its summary (file names and checksums are left as written).
import { readFile, writeFile } from "node:fs/promises";
import { createBackup, readSummary, type BackupKind, type BackupSummary } from "../../scripts/lib/backup/index.ts";
import { backupTimestamp, drillReportFileName } from "../../scripts/lib/backup/naming.ts";
import type { DatabaseTarget } from "../../scripts/lib/config.ts";
import { summaryFingerprint } from "../../scripts/lib/drill/report.ts";

export async function backupAged(
  target: DatabaseTarget,
  outDir: string,
  options: { kind?: BackupKind; ageMs?: number; tables?: string[] } = {},
): Promise<{ summaryPath: string; summary: BackupSummary }> {
  const created = await createBackup({ target, outDir, kind: options.kind ?? "scheduled", tables: options.tables });
  if (!options.ageMs) return created;
  const summary: BackupSummary = { ...created.summary, createdAt: new Date(Date.now() - options.ageMs).toISOString() };
  await writeFile(created.summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  return { summaryPath: created.summaryPath, summary };
}

export async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, "utf8")) as T;
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/**
 * A drill report beside an unencrypted set, as db:restore-drill writes it,
 * dated `ageMs` ago (its name and finishedAt agree), naming the set's summary
 * as it is on disk. Returns its file name.
 */
export async function plantDrillReport(
  summaryPath: string,
  summary: BackupSummary,
  options: { outcome: "passed" | "failed"; ageMs: number; failure?: string },
): Promise<string> {
  const finishedAt = new Date(Date.now() - options.ageMs);
  const name = drillReportFileName(summary.timestamp, backupTimestamp(finishedAt));
  const report = {
    kind: "restore-drill",
    version: 1,
    outcome: options.outcome,
    failure: options.outcome === "failed" ? (options.failure ?? "restore: a file is damaged") : null,
    set: {
      summaryPath,
      timestamp: summary.timestamp,
      createdAt: summary.createdAt,
      kind: summary.kind,
      encrypted: false,
      compression: null,
      summaryFingerprint: summaryFingerprint(await readSummary(summaryPath)),
    },
    startedAt: finishedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: 1000,
    server: null,
    migrations: [],
    excludedTables: [],
    checks: [],
    tables: [],
    steps: [],
    peakRssMb: 0,
    reportPath: null,
  };
  await writeFile(`${summaryPath.slice(0, summaryPath.lastIndexOf("/"))}/${name}`, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
  return name;
}
