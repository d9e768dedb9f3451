// What a backup run produced, against the set before it: per-table counts and
// their change, stored size, duration, and the location's recent history. The
// nightly workflow writes it as Markdown into the run summary ($GITHUB_STEP_SUMMARY).
import { listBackupSets, readSummary, tableFilePath, type BackupSummary } from "../backup/index.ts";
import { OperationError } from "../errors.ts";
import { openObject, resolveLocation } from "../repository/index.ts";
import { baseName } from "../repository/location.ts";
import { historyMarkdown, historyOf, type HistoryPoint } from "./backup-history.ts";
import { compareCounts, type TableCount } from "./status.ts";
import { alignedTable, formatBytes, signed, thousands, type Cell, type Painter } from "./format.ts";

export interface BackupRunReport {
  summaryPath: string;
  createdAt: string;
  kind: string;
  database: string;
  durationMs: number;
  /** Stored bytes of the set's files and its summary. */
  bytes: number;
  compression: string | null;
  encrypted: boolean;
  /** The set this one is compared with (the next older set in the directory). */
  previous: { summaryPath: string; createdAt: string } | null;
  /** `now` is this set's count, `backup` the previous set's. */
  tables: TableCount[];
  /** The location's last sets up to this one, oldest first (for the charts). */
  history: HistoryPoint[];
}

async function storedBytes(location: string): Promise<number> {
  const { repository, name } = openObject(location);
  const found = await repository.stat(name);
  if (!found) throw new OperationError(`${location} is missing; verify the set (pnpm run db:verify-backup)`);
  return found.bytes;
}

export async function backupRunReport(summaryPath: string, backupDir: string): Promise<BackupRunReport> {
  const summary = await readSummary(summaryPath);
  const created = new Date(summary.createdAt).getTime();
  const sets = await listBackupSets(backupDir);
  const previous = sets.find(
    (set) => resolveLocation(set.summaryPath) !== resolveLocation(summaryPath) && new Date(set.summary.createdAt).getTime() < created,
  );
  const sizes = await Promise.all([summaryPath, ...summary.tables.map((table) => tableFilePath(summaryPath, table))].map(storedBytes));
  return {
    summaryPath,
    createdAt: summary.createdAt,
    kind: summary.kind,
    database: `${summary.database.host}:${summary.database.port}/${summary.database.name}`,
    durationMs: summary.durationMs,
    bytes: sizes.reduce((sum, size) => sum + size, 0),
    compression: summary.compression,
    encrypted: summary.encryption !== null,
    previous: previous ? { summaryPath: previous.summaryPath, createdAt: previous.summary.createdAt } : null,
    tables: compareCounts(summary.counts, previous?.summary.counts ?? null),
    history: historyOf(sets, summary.createdAt),
  };
}

function changeText(row: TableCount, hasPrevious: boolean): string {
  if (row.change !== null) return signed(row.change);
  if (row.now === null) return "not in this set";
  return hasPrevious ? "new" : "";
}

export function backupRunMarkdown(report: BackupRunReport): string {
  const hasPrevious = report.previous !== null;
  const shrunk = report.tables.filter((row) => row.change !== null && row.change < 0);
  const lines = [
    `## Database backup ${report.createdAt}`,
    "",
    `| | |`,
    `| --- | --- |`,
    `| set | \`${baseName(report.summaryPath)}\` |`,
    `| kind | ${report.kind} |`,
    `| database | ${report.database} |`,
    `| size | ${formatBytes(report.bytes)}${report.compression ? ` (${report.compression})` : ""} |`,
    `| encrypted | ${report.encrypted ? "yes" : "**no — plaintext personal data**"} |`,
    `| duration | ${(report.durationMs / 1000).toFixed(1)} s |`,
    `| compared with | ${report.previous ? `\`${baseName(report.previous.summaryPath)}\`` : "no earlier set in this backup location"} |`,
    "",
    "| table | rows | previous | change |",
    "| --- | ---: | ---: | ---: |",
    ...report.tables.map(
      (row) =>
        `| ${row.table} | ${row.now === null ? "-" : thousands(row.now)} | ${row.backup === null ? "-" : thousands(row.backup)} | ${changeText(row, hasPrevious)} |`,
    ),
  ];
  if (shrunk.length > 0) lines.push("", `> [!WARNING]\n> Fewer rows than the previous backup in: ${shrunk.map((row) => row.table).join(", ")}.`);
  lines.push("", ...historyMarkdown(report.history));
  return `${lines.join("\n")}\n`;
}

export function backupRunText(report: BackupRunReport, paint: Painter): string[] {
  const hasPrevious = report.previous !== null;
  const facts = alignedTable(
    [
      ["set", baseName(report.summaryPath)],
      ["kind", report.kind],
      ["database", report.database],
      ["size", `${formatBytes(report.bytes)}${report.compression ? ` (${report.compression})` : ""}`],
      ["encrypted", report.encrypted ? "yes" : { text: "no (plaintext personal data)", tone: "warn" }],
      ["duration", `${(report.durationMs / 1000).toFixed(1)} s`],
      ["compared with", report.previous ? baseName(report.previous.summaryPath) : "no earlier set"],
    ],
    paint,
  );
  const counts = alignedTable(
    [
      ["table", "rows", "previous", "change"],
      ...report.tables.map((row): (Cell | string)[] => [
        row.table,
        row.now === null ? "-" : thousands(row.now),
        row.backup === null ? "-" : thousands(row.backup),
        { text: changeText(row, hasPrevious), tone: row.change !== null && row.change < 0 ? "bad" : "plain" },
      ]),
    ],
    paint,
    [1, 2, 3],
  );
  return [...facts, "", ...counts];
}

/** Every set in a location, newest first: the list to choose a set from in an emergency. */
export function setListText(backupDir: string, sets: { summaryPath: string; summary: BackupSummary }[]): string[] {
  if (sets.length === 0) return [`no backup set in ${backupDir}`];
  const rows = sets.map(({ summaryPath, summary }) => [
    summary.createdAt,
    summary.kind,
    `${summary.tables.length} tables`,
    `${thousands(summary.tables.reduce((sum, table) => sum + table.rows, 0))} rows`,
    formatBytes(summary.tables.reduce((sum, table) => sum + table.bytes, 0)),
    summary.encryption ? "encrypted" : "plaintext",
    summaryPath,
  ]);
  return [`${sets.length} backup sets in ${backupDir}, newest first:`, ...alignedTable(rows, (_tone, text) => text, [2, 3, 4]).map((line) => `  ${line}`)];
}
