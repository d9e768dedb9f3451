// The restore drills db:status reports: the newest drill of the newest set
// (passed, failed, or none yet), and the newest drill that passed, of any set
// (what --max-drill-age watches: a set proven restorable recently enough).
import { drillRecords, type DrillRecord } from "../drill/index.ts";

export interface DrillState {
  /** The newest drill of the newest set, or null when it was never drilled. */
  latestSet: DrillRecord | null;
  /** The newest passed drill of any set in the location. */
  newestPassed: DrillRecord | null;
}

export async function drillState(backupDir: string, latestSetTimestamp: string | null): Promise<DrillState> {
  let latestSet: DrillRecord | null = null;
  if (latestSetTimestamp) for await (const record of drillRecords(backupDir, { setTimestamp: latestSetTimestamp })) {
    latestSet = record;
    break;
  }
  let newestPassed: DrillRecord | null = null;
  for await (const record of drillRecords(backupDir)) {
    if (record.outcome !== "passed") continue;
    newestPassed = record;
    break;
  }
  return { latestSet, newestPassed };
}
