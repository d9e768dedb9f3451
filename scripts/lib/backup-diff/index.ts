// Comparing backup sets row by row (db:diff-backup): the public interface.
export { diffBackups, type DiffOptions, type DiffReport, type TableDiff } from "./diff-backups.ts";
export { formatDiffReport } from "./report.ts";
