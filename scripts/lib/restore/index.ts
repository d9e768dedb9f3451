// Restoring a backup set (issue: db:restore). The CLI is scripts/db-restore.ts.
export { restoreBackup, type RestoreOptions, type RestoreProgress } from "./restore-backup.ts";
export { RESTORE_MODES, type RestoreMode } from "./plan.ts";
export { formatReport, type RestoreReport, type TableReport } from "./report.ts";
export type { RefusedRow } from "./load-table.ts";
