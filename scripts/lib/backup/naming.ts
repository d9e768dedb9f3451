// File names of a backup set. One name per table
// (`<table-in-kebab-case-plural>-backup-<timestamp>.json[.gz][.enc]`) and the
// summary (`backup-summary-<timestamp>.json`), which is written last; the
// reports of the restore drills run on it (`restore-drill-<timestamp>-at-<drill
// timestamp>.json`), which belong to the set; and the marker a prune leaves
// while it deletes a set.

/** 2025-07-05T21:00:00.000Z -> 2025-07-05T21-00-00-000Z (safe in file names on every OS). */
export function backupTimestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, "-");
}

const TIMESTAMP_PATTERN = "\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}-\\d{3}Z";
const SUMMARY_FILE = new RegExp(`^backup-summary-(${TIMESTAMP_PATTERN})\\.json$`);

export function summaryFileName(timestamp: string): string {
  return `backup-summary-${timestamp}.json`;
}

/** The timestamp of a summary file name, or null for any other file. */
export function timestampOfSummaryFile(fileName: string): string | null {
  return SUMMARY_FILE.exec(fileName)?.[1] ?? null;
}

const TABLE_FILE = new RegExp(`^[^./][^/]*-backup-(${TIMESTAMP_PATTERN})\\.json(?:\\.gz)?(?:\\.enc)?$`);

/** The timestamp of a table file name (`<stem>-backup-<timestamp>.json[.gz][.enc]`), or null for any other file. */
export function timestampOfTableFile(fileName: string): string | null {
  return TABLE_FILE.exec(fileName)?.[1] ?? null;
}

const DRILL_REPORT_FILE = new RegExp(`^restore-drill-(${TIMESTAMP_PATTERN})-at-(${TIMESTAMP_PATTERN})\\.json$`);

/** A drill report's name: the set's timestamp (it belongs to that set) and the drill's. */
export function drillReportFileName(setTimestamp: string, drillTimestamp: string): string {
  return `restore-drill-${setTimestamp}-at-${drillTimestamp}.json`;
}

/** The set and drill timestamps of a drill report's name, or null for any other file. */
export function timestampsOfDrillReport(fileName: string): { set: string; drill: string } | null {
  const match = DRILL_REPORT_FILE.exec(fileName);
  return match ? { set: match[1]!, drill: match[2]! } : null;
}

const PRUNING_SUFFIX = ".pruning";

/** The hidden marker db:prune-backups writes (a copy of the summary) while it deletes a set's files. */
export function pruneMarkerName(summaryName: string): string {
  return `.${summaryName}${PRUNING_SUFFIX}`;
}

/** The summary name a prune marker stands for, or null for any other name. */
export function summaryOfPruneMarker(name: string): string | null {
  if (!name.startsWith(".") || !name.endsWith(PRUNING_SUFFIX)) return null;
  const summaryName = name.slice(1, -PRUNING_SUFFIX.length);
  return timestampOfSummaryFile(summaryName) ? summaryName : null;
}

/** Splits PointTransaction, DailyPointsLog, _prisma_migrations, "audit log" into lower-case words. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** English plural of one lower-case word; a word already ending in "s" is taken as plural. */
function plural(word: string): string {
  if (word.endsWith("s")) return word;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(x|z|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

/** User -> users, PointTransaction -> point-transactions, _prisma_migrations -> prisma-migrations. */
export function tableFileStem(table: string): string {
  const parts = words(table);
  if (parts.length === 0) return "tables";
  parts[parts.length - 1] = plural(parts[parts.length - 1]!);
  return parts.join("-");
}

export interface FileLayers {
  gzip: boolean;
  encrypted: boolean;
}

export const ENCRYPTED_SUFFIX = ".enc";

export function tableFileName(stem: string, timestamp: string, layers: FileLayers): string {
  return `${stem}-backup-${timestamp}.json${layers.gzip ? ".gz" : ""}${layers.encrypted ? ENCRYPTED_SUFFIX : ""}`;
}

/**
 * File stems for a set of tables. Two tables whose names reduce to the same
 * stem ("User" and "users") get -2, -3… in the order given, so no file is
 * ever shared or overwritten.
 */
export function tableFileStems(tables: string[]): Map<string, string> {
  const used = new Set<string>();
  const stems = new Map<string, string>();
  for (const table of tables) {
    const base = tableFileStem(table);
    let stem = base;
    for (let n = 2; used.has(stem); n++) stem = `${base}-${n}`;
    used.add(stem);
    stems.set(table, stem);
  }
  return stems;
}
