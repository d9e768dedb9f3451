// Deletes the backup sets a retention policy does not keep. Only whole sets,
// and only the files a set's summary lists (the files the backup tool wrote):
// anything else in the directory is never touched. The summary is first
// renamed to a hidden marker so an interrupted prune never leaves a summary
// that looks complete over missing files; the next prune finishes the job.
import { readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { listBackupSets, readSummary, type BackupSummary } from "../backup/index.ts";
import { tableFilePath } from "../backup/summary.ts";
import { OperationError } from "../errors.ts";
import { decideRetention } from "./select.ts";
import type { RetentionPolicy } from "./policy.ts";

const PRUNING_SUFFIX = ".pruning";

export interface PrunedSet {
  summaryPath: string;
  createdAt: string;
  kind: string;
  /** Every file of the set, summary last. */
  files: string[];
  /** Why the set is kept (empty when it is deleted). */
  reasons: string[];
}

export interface PruneReport {
  backupDir: string;
  policy: RetentionPolicy;
  dryRun: boolean;
  kept: PrunedSet[];
  deleted: PrunedSet[];
  /** Files of sets whose earlier prune was interrupted, deleted now. */
  resumed: string[];
}

/** The set's table files and its summary (tableFilePath refuses names that leave the set's directory). */
function filesOfSet(summaryPath: string, summary: BackupSummary): string[] {
  return [...summary.tables.map((entry) => tableFilePath(summaryPath, entry)), summaryPath];
}

function markerPath(summaryPath: string): string {
  return path.join(path.dirname(summaryPath), `.${path.basename(summaryPath)}${PRUNING_SUFFIX}`);
}

async function deleteSet(summaryPath: string, files: string[]): Promise<void> {
  const marker = markerPath(summaryPath);
  await rename(summaryPath, marker);
  for (const file of files.filter((file) => file !== summaryPath)) await rm(file, { force: true });
  await rm(marker, { force: true });
}

/** Finishes prunes that were interrupted: their markers still list the files to delete. */
async function resumeInterrupted(backupDir: string, dryRun: boolean): Promise<string[]> {
  const entries = await readdir(backupDir).catch(() => [] as string[]);
  const resumed: string[] = [];
  for (const entry of entries.filter((name) => name.startsWith(".backup-summary-") && name.endsWith(PRUNING_SUFFIX))) {
    const marker = path.join(backupDir, entry);
    const summaryPath = path.join(backupDir, entry.slice(1, -PRUNING_SUFFIX.length));
    const files = filesOfSet(summaryPath, await readSummary(marker)).filter((file) => file !== summaryPath);
    resumed.push(...files, marker);
    if (dryRun) continue;
    for (const file of files) await rm(file, { force: true });
    await rm(marker, { force: true });
  }
  return resumed;
}

export async function pruneBackups(backupDir: string, policy: RetentionPolicy, options: { dryRun?: boolean } = {}): Promise<PruneReport> {
  const dryRun = options.dryRun ?? false;
  const resumed = await resumeInterrupted(backupDir, dryRun);
  const sets = (await listBackupSets(backupDir)).map(({ summaryPath, summary }) => ({
    id: summaryPath,
    createdAt: new Date(summary.createdAt),
    kind: summary.kind,
    summaryPath,
    files: filesOfSet(summaryPath, summary),
  }));
  const decisions = decideRetention(sets, policy);
  const describe = (decision: (typeof decisions)[number]): PrunedSet => ({
    summaryPath: decision.set.summaryPath,
    createdAt: decision.set.createdAt.toISOString(),
    kind: decision.set.kind,
    files: decision.set.files,
    reasons: decision.reasons,
  });
  const kept = decisions.filter((decision) => decision.keep).map(describe);
  const deleted = decisions.filter((decision) => !decision.keep).map(describe);
  // A file still listed by a kept set is never deleted, whatever another summary claims.
  const keptFiles = new Set(kept.flatMap((set) => set.files));
  const shared = deleted.flatMap((set) => set.files).filter((file) => keptFiles.has(file));
  if (shared.length > 0) {
    throw new OperationError(`${shared[0]} is listed by a set to keep and by a set to delete; not pruning anything — inspect those summaries.`);
  }
  if (!dryRun) {
    for (const set of deleted) await deleteSet(set.summaryPath, set.files);
  }
  return { backupDir, policy, dryRun, kept, deleted, resumed };
}
