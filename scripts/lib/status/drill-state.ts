// The restore drills db:status reports: the newest drill of the newest set
// (passed, failed, or none yet), and the newest drill that passed, of any set
// (what --max-drill-age watches: a set proven restorable recently enough). A
// report of an encrypted set that cannot be authenticated (no key, or not the
// set's key) is shown, but proves nothing: it is not a passed drill for
// --max-drill-age.
import { drillRecords, type DrillRecord } from "../drill/index.ts";

export interface DrillState {
  /** The newest drill of the newest set, or null when it was never drilled. */
  latestSet: DrillRecord | null;
  /** The newest passed drill of any set in the location. */
  newestPassed: DrillRecord | null;
}

export async function drillState(backupDir: string, latestSetTimestamp: string | null, encryptionKey?: string): Promise<DrillState> {
  let latestSet: DrillRecord | null = null;
  if (latestSetTimestamp) for await (const record of drillRecords(backupDir, { setTimestamp: latestSetTimestamp, encryptionKey })) {
    latestSet = record;
    break;
  }
  let newestPassed: DrillRecord | null = null;
  for await (const record of drillRecords(backupDir, { encryptionKey })) {
    if (record.outcome !== "passed" || (record.authenticity !== null && record.authenticity !== "authenticated")) continue;
    newestPassed = record;
    break;
  }
  return { latestSet, newestPassed };
}
