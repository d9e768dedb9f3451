// The restore drill (db:restore-drill): restore a backup set into a throwaway
// PostgreSQL and prove the result is the set, exactly. The CLI is
// scripts/db-restore-drill.ts; db:status reads the reports (drillRecords).
export { DrillInterruptedError, runRestoreDrill, type DrillOptions } from "./run-drill.ts";
export { drillReportMarkdown, formatDrillReport, drillRecords, type DrillCheck, type DrillRecord, type DrillReport } from "./report.ts";
export { abandonScratchServers, DRILL_DATABASE_PREFIX, DRILL_DIRECTORY_PREFIX } from "./scratch-server.ts";
