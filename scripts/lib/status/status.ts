// db:status: one look at the database's state — row counts now against the
// newest backup, that backup's age, kind and verification, migrations, and
// the app's data health checks.
import type pg from "pg";
import { describeTarget, type DatabaseTarget } from "../config.ts";
import { defaultSchemas } from "../schemas.ts";
import { countTableRows, discoverTables, schemaFromUrl, tableLabel } from "../tables.ts";
import { findIncompleteSets, type IncompleteSet } from "../backup/incomplete-sets.ts";
import { latestBackup, type LatestBackup } from "./backup-state.ts";
import { drillState, type DrillState } from "./drill-state.ts";
import { runHealthChecks, type HealthCheck } from "./health.ts";
import { readMigrationState, type MigrationState } from "../migrations-state.ts";

export interface TableCount {
  table: string;
  now: number | null;
  backup: number | null;
  /** now - backup, when both are known. */
  change: number | null;
}

export interface StatusReport {
  database: string;
  checkedAt: string;
  backupDir: string;
  tables: TableCount[];
  latestBackup: LatestBackup | null;
  /** Files of backups that never wrote their summary (killed, or still running), newest first. */
  incompleteSets: IncompleteSet[];
  /** Present with --max-age: the threshold and whether the newest backup is within it. */
  freshness: { maxAgeMs: number; ok: boolean } | null;
  /** Restore drills: the newest set's latest, and the newest that passed (db:restore-drill). */
  drills: DrillState;
  /** Present with --max-drill-age: whether the newest passed drill is within it. */
  drillFreshness: { maxAgeMs: number; ok: boolean } | null;
  migrations: MigrationState;
  health: HealthCheck[];
}

export interface StatusOptions {
  backupDir: string;
  verifyBackup: boolean;
  encryptionKey?: string;
  maxAgeMs?: number;
  maxDrillAgeMs?: number;
  now?: Date;
}

export function compareCounts(now: Record<string, number>, backup: Record<string, number> | null): TableCount[] {
  const tables = [...new Set([...Object.keys(now), ...Object.keys(backup ?? {})])].sort();
  return tables.map((table) => {
    const current = now[table] ?? null;
    const backedUp = backup?.[table] ?? null;
    return { table, now: current, backup: backedUp, change: current !== null && backedUp !== null ? current - backedUp : null };
  });
}

export async function collectStatus(db: pg.Pool, target: DatabaseTarget, options: StatusOptions): Promise<StatusReport> {
  const now = options.now ?? new Date();
  const schemas = defaultSchemas(target.url);
  const tables = await discoverTables(db, schemas);
  const rows = await countTableRows(db, tables);
  // Labelled as backup summaries label them: bare in the primary schema, schema.table elsewhere.
  const counts = Object.fromEntries(tables.map((table, i) => [tableLabel(table, schemas[0]!), rows[i]!]));
  const backup = await latestBackup(options.backupDir, { verify: options.verifyBackup, encryptionKey: options.encryptionKey, now });
  const drills = await drillState(options.backupDir, backup?.timestamp ?? null, options.encryptionKey);
  const passedAgo = drills.newestPassed ? now.getTime() - new Date(drills.newestPassed.finishedAt).getTime() : null;
  return {
    database: describeTarget(target),
    checkedAt: now.toISOString(),
    backupDir: options.backupDir,
    tables: compareCounts(counts, backup?.counts ?? null),
    latestBackup: backup,
    incompleteSets: await findIncompleteSets(options.backupDir),
    freshness: options.maxAgeMs === undefined ? null : { maxAgeMs: options.maxAgeMs, ok: backup !== null && backup.ageMs <= options.maxAgeMs },
    drills,
    drillFreshness:
      options.maxDrillAgeMs === undefined ? null : { maxAgeMs: options.maxDrillAgeMs, ok: passedAgo !== null && passedAgo <= options.maxDrillAgeMs },
    migrations: await readMigrationState(db, undefined, schemaFromUrl(target.url)),
    health: await runHealthChecks(db),
  };
}
