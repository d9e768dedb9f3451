// Deletes the backup sets a retention policy does not keep, in a directory or
// a bucket alike. Only whole sets, and only the files a set's summary lists
// (the files the backup tool wrote) and the reports of the restore drills run
// on it: anything else in the location is never touched. A set goes summary first: a hidden marker (a copy of the summary)
// is written, then the summary deleted, then the table files, then the
// marker — so an interrupted prune never leaves a summary that looks complete
// over missing files, and the next prune finishes the job from the marker.
// Incomplete sets (a backup that never wrote its summary) are removed once a
// day old. What the storage refuses to delete (an object lock, a retention
// policy, permissions) is reported, and a set whose summary it keeps stays whole.
import { listBackupSets, readSummary, type BackupSummary } from "../backup/index.ts";
import { INCOMPLETE_SET_MIN_AGE_MS, incompleteSetsAmong } from "../backup/incomplete-sets.ts";
import { pruneMarkerName, summaryOfPruneMarker, timestampsOfDrillReport } from "../backup/naming.ts";
import { tableFilePath } from "../backup/summary.ts";
import { OperationError } from "../errors.ts";
import { openObject, openRepository, readObjectText, writeObjectText, type Repository } from "../repository/index.ts";
import { baseName } from "../repository/location.ts";
import { decideRetention } from "./select.ts";
import type { RetentionPolicy } from "./policy.ts";

export interface PrunedSet {
  summaryPath: string;
  createdAt: string;
  kind: string;
  /** Every file of the set, summary last. */
  files: string[];
  /** Why the set is kept (empty when it is deleted). */
  reasons: string[];
}

export interface IncompletePrune {
  timestamp: string;
  files: string[];
  lastModified: string;
  /** Removed (or would be, in a dry run): a day old. Younger ones may belong to a backup still running. */
  removed: boolean;
}

export interface PruneReport {
  backupDir: string;
  policy: RetentionPolicy;
  dryRun: boolean;
  kept: PrunedSet[];
  deleted: PrunedSet[];
  /** Files of sets whose earlier prune was interrupted, deleted now. */
  resumed: string[];
  incomplete: IncompletePrune[];
  /** Files the storage refused to delete, with its reason; their sets stay complete or are finished by the next prune. */
  refused: { file: string; reason: string }[];
}

/**
 * The set's table files, the reports of the drills run on it (they go with
 * it), and its summary last (tableFilePath refuses names that leave the set's location).
 */
function filesOfSet(summaryPath: string, summary: BackupSummary, names: Set<string>): string[] {
  const { repository } = openObject(summaryPath);
  const drillReports = [...names].filter((name) => timestampsOfDrillReport(name)?.set === summary.timestamp).sort().map((name) => repository.locationOf(name));
  return [...summary.tables.map((entry) => tableFilePath(summaryPath, entry)), ...drillReports, summaryPath];
}

type Refused = PruneReport["refused"];

async function removeAll(repository: Repository, files: string[], refused: Refused): Promise<boolean> {
  const { kept } = await repository.remove(files.map(baseName));
  refused.push(...kept.map(({ name, reason }) => ({ file: repository.locationOf(name), reason })));
  return kept.length === 0;
}

/** Deletes one set; false when the storage kept its summary (the set stays whole). */
async function deleteSet(repository: Repository, set: PrunedSet, refused: Refused): Promise<boolean> {
  const summaryName = baseName(set.summaryPath);
  const marker = pruneMarkerName(summaryName);
  await writeObjectText(repository, marker, await readObjectText(repository, summaryName));
  if (!(await removeAll(repository, [set.summaryPath], refused))) {
    await repository.remove([marker]);
    return false;
  }
  // A table file the storage keeps leaves the marker in place: the next prune tries again.
  if (await removeAll(repository, set.files.slice(0, -1), refused)) await repository.remove([marker]);
  return true;
}

/** Finishes prunes that were interrupted: their markers still list the files to delete. */
async function resumeInterrupted(repository: Repository, names: Set<string>, dryRun: boolean, refused: Refused): Promise<string[]> {
  const resumed: string[] = [];
  for (const name of names) {
    const summaryName = summaryOfPruneMarker(name);
    if (!summaryName) continue;
    if (names.has(summaryName)) {
      // Interrupted before the summary was deleted: the set is intact and is judged like any other.
      if (!dryRun) await repository.remove([name]);
      continue;
    }
    const marker = repository.locationOf(name);
    const files = filesOfSet(repository.locationOf(summaryName), await readSummary(marker), names)
      .slice(0, -1)
      .filter((file) => names.has(baseName(file)));
    resumed.push(...files, marker);
    if (!dryRun && (await removeAll(repository, files, refused))) await repository.remove([name]);
  }
  return resumed;
}

export async function pruneBackups(
  backupDir: string,
  policy: RetentionPolicy,
  options: { dryRun?: boolean; now?: Date } = {},
): Promise<PruneReport> {
  const dryRun = options.dryRun ?? false;
  const now = options.now ?? new Date();
  const repository = openRepository(backupDir);
  const objects = await repository.list();
  const refused: Refused = [];
  const names = new Set(objects.map((object) => object.name));
  const resumed = await resumeInterrupted(repository, names, dryRun, refused);
  const sets = (await listBackupSets(backupDir)).map(({ summaryPath, summary }) => ({
    id: summaryPath,
    createdAt: new Date(summary.createdAt),
    kind: summary.kind,
    summaryPath,
    files: filesOfSet(summaryPath, summary, names),
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
    for (const set of [...deleted]) {
      if (await deleteSet(repository, set, refused)) continue;
      deleted.splice(deleted.indexOf(set), 1);
      kept.push({ ...set, reasons: ["the storage refused to delete its summary"] });
    }
  }

  const incomplete: IncompletePrune[] = [];
  for (const set of incompleteSetsAmong(objects)) {
    const files = set.objects.map((name) => repository.locationOf(name));
    const removed = now.getTime() - new Date(set.lastModified).getTime() >= INCOMPLETE_SET_MIN_AGE_MS;
    if (removed && !dryRun) await removeAll(repository, files, refused);
    incomplete.push({ timestamp: set.timestamp, files, lastModified: set.lastModified, removed });
  }
  return { backupDir: repository.location, policy, dryRun, kept, deleted, resumed, incomplete, refused };
}
