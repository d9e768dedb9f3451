// One migration run at a time per database: a session-level PostgreSQL
// advisory lock held on a dedicated connection for the whole run. (Prisma's
// own deploy lock covers only the deploy itself, not our analysis and backup.)
import type pg from "pg";
import { OperationError } from "../errors.ts";

/** pg_locks shows it as locktype 'advisory', classid 0, objid 1885628161 ("pdg\x01"). */
export const MIGRATION_LOCK_KEY = 0x70646701;

export interface HeldLock {
  release(): Promise<void>;
}

export async function acquireMigrationLock(pool: pg.Pool, database: string): Promise<HeldLock> {
  const client = await pool.connect();
  try {
    const result = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [MIGRATION_LOCK_KEY]);
    if (!result.rows[0]?.ok) {
      throw new OperationError(
        `another db:safe-migrate / db:migrate run holds the migration lock on ${database}; wait for it to finish and run again ` +
          `(if no run is active, find the stale session with: SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = ${MIGRATION_LOCK_KEY}; and end it with pg_terminate_backend(pid)).`,
      );
    }
  } catch (error) {
    client.release();
    throw error;
  }
  return {
    async release() {
      try {
        await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
      } finally {
        client.release();
      }
    },
  };
}
