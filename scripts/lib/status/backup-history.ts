// The recent history of a backup location — row counts and size of its last
// sets — and its charts for the nightly run summary: Mermaid xychart-beta
// blocks, which GitHub renders in $GITHUB_STEP_SUMMARY. With the sets kept in
// a bucket (BACKUP_REPOSITORY) the history outlives the runner.
import type { BackupSummary } from "../backup/index.ts";
import { thousands } from "./format.ts";

const HISTORY_LENGTH = 30;

export interface HistoryPoint {
  createdAt: string;
  counts: Record<string, number>;
  /** Stored size of the set's table files. */
  bytes: number;
}

/** The last `length` sets created up to `until`, oldest first. `sets` is newest first (listBackupSets). */
export function historyOf(sets: { summary: BackupSummary }[], until: string, length = HISTORY_LENGTH): HistoryPoint[] {
  return sets
    .filter((set) => set.summary.createdAt <= until)
    .slice(0, length)
    .reverse()
    .map(({ summary }) => ({
      createdAt: summary.createdAt,
      counts: summary.counts,
      bytes: summary.tables.reduce((sum, table) => sum + table.bytes, 0),
    }));
}

const UNITS: [string, number][] = [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024], ["B", 1]];

function chart(title: string, labels: string[], axis: string, values: number[]): string[] {
  return [
    "```mermaid",
    "xychart-beta",
    `  title "${title}"`,
    `  x-axis [${labels.map((label) => `"${label}"`).join(", ")}]`,
    `  y-axis "${axis}"`,
    `  line [${values.join(", ")}]`,
    "```",
  ];
}

/** Three charts (User rows, the other tables' rows, set size) and the counts per table; a note when there is no history yet. */
export function historyMarkdown(points: HistoryPoint[]): string[] {
  const heading = `### The last ${points.length} backup sets in this location`;
  if (points.length < 2) {
    return ["### History", "", "Charts appear once the backup location holds two or more sets (set BACKUP_REPOSITORY so sets outlive the runner)."];
  }
  const labels = points.map((point) => `${point.createdAt.slice(5, 10)} ${point.createdAt.slice(11, 16)}`);
  const tables = [...new Set(points.flatMap((point) => Object.keys(point.counts)))].sort();
  const others = tables.filter((table) => table !== "User");
  const [unit, scale] = UNITS.find(([, size]) => Math.max(...points.map((point) => point.bytes)) >= size) ?? UNITS.at(-1)!;
  const lines = [heading, ""];
  if (tables.includes("User")) lines.push(...chart("User rows", labels, "rows", points.map((point) => point.counts.User ?? 0)), "");
  lines.push(
    ...chart(`Rows in the other ${others.length} tables`, labels, "rows", points.map((point) => others.reduce((sum, table) => sum + (point.counts[table] ?? 0), 0))),
    "",
    ...chart(`Set size (${unit})`, labels, unit, points.map((point) => Number((point.bytes / scale).toFixed(2)))),
    "",
    "<details><summary>Rows per table in each set</summary>",
    "",
    `| set | ${tables.join(" | ")} |`,
    `| --- |${" ---: |".repeat(tables.length)}`,
    ...points.map((point, index) => `| ${labels[index]} | ${tables.map((table) => (table in point.counts ? thousands(point.counts[table]!) : "-")).join(" | ")} |`),
    "",
    "</details>",
  );
  return lines;
}
