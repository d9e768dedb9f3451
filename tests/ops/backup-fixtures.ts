// Backup sets for the ops tests, written by the real backup library. Tests of
// retention and status need sets of different ages: the set's createdAt is
// moved back in its summary (file names and checksums are left as written).
import { readFile, writeFile } from "node:fs/promises";
import { createBackup, type BackupKind, type BackupSummary } from "../../scripts/lib/backup/index.ts";
import type { DatabaseTarget } from "../../scripts/lib/config.ts";

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
