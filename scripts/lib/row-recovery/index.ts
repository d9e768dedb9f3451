// Row-level recovery (db:restore --rows): put back chosen rows of a backup set
// with everything that depends on them. The CLI is scripts/db-restore.ts.
export { recoverRows, type RowRecoveryOptions } from "./recover-rows.ts";
export { parseRowSelector, type RowSelector } from "./selector.ts";
export { formatRowRecovery, type RowRecoveryReport } from "./report.ts";
