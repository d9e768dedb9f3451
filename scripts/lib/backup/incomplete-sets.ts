// Incomplete sets: table files of a backup whose summary was never written,
// and writes never finished (a local temporary file) — what a backup that was
// killed leaves behind, or one still running. db:status shows them;
// db:prune-backups removes them once they are a day old (no backup runs that
// long). Only names this tool gives its files count: nothing else is touched.
import { openRepository, type StoredObject } from "../repository/index.ts";
import { summaryOfPruneMarker, timestampOfSummaryFile, timestampOfTableFile } from "./naming.ts";

export const INCOMPLETE_SET_MIN_AGE_MS = 24 * 60 * 60 * 1000;

export interface IncompleteSet {
  /** The backup's timestamp, from its file names. */
  timestamp: string;
  /** Its objects' names in the repository. */
  objects: string[];
  bytes: number;
  /** When its newest object was last written. */
  lastModified: string;
}

export async function findIncompleteSets(backupDir: string): Promise<IncompleteSet[]> {
  return incompleteSetsAmong(await openRepository(backupDir).list());
}

/** The incomplete sets among a repository's listed objects, newest first. */
export function incompleteSetsAmong(objects: StoredObject[]): IncompleteSet[] {
  // A set with a summary is complete; one with a prune marker is being deleted (prune finishes it).
  const accountedFor = new Set(
    objects.map((object) => timestampOfSummaryFile(object.name) ?? timestampOfSummaryFile(summaryOfPruneMarker(object.name) ?? "")),
  );
  const sets = new Map<string, IncompleteSet>();
  for (const object of objects) {
    const name = object.unfinishedWriteOf ?? object.name;
    const timestamp = timestampOfTableFile(name) ?? (object.unfinishedWriteOf ? timestampOfSummaryFile(name) : null);
    if (!timestamp || accountedFor.has(timestamp)) continue;
    const set = sets.get(timestamp) ?? { timestamp, objects: [], bytes: 0, lastModified: new Date(0).toISOString() };
    set.objects.push(object.name);
    set.bytes += object.bytes;
    if (object.modifiedAt.toISOString() > set.lastModified) set.lastModified = object.modifiedAt.toISOString();
    sets.set(timestamp, set);
  }
  return [...sets.values()].sort((a, b) => b.timestamp.localeCompare(a.timestamp));
}
