// The newest backup set as db:status reports it: when, what kind, whether its
// files still verify, and its per-table counts.
import { listBackupSets, verifyBackupSet } from "../backup/index.ts";
import { ConfigError } from "../errors.ts";

export interface BackupVerification {
  state: "ok" | "failed" | "not checked";
  problems: { file: string; problem: string }[];
  /** Why it was not checked (--no-verify, or the set is encrypted and no key is set). */
  reason?: string;
}

export interface LatestBackup {
  summaryPath: string;
  /** The set's timestamp (as in its file names). */
  timestamp: string;
  createdAt: string;
  ageMs: number;
  kind: string;
  encrypted: boolean;
  counts: Record<string, number>;
  verification: BackupVerification;
}

export async function latestBackup(
  backupDir: string,
  options: { verify: boolean; encryptionKey?: string; now?: Date },
): Promise<LatestBackup | null> {
  const [newest] = await listBackupSets(backupDir);
  if (!newest) return null;
  const { summaryPath, summary } = newest;
  let verification: BackupVerification = { state: "not checked", problems: [], reason: "--no-verify" };
  if (options.verify) {
    try {
      const result = await verifyBackupSet(summaryPath, { encryptionKey: options.encryptionKey });
      verification = { state: result.ok ? "ok" : "failed", problems: result.problems };
    } catch (error) {
      // A configuration problem (an encrypted set and no key) says nothing about the set itself.
      if (!(error instanceof ConfigError)) throw error;
      verification = { state: "not checked", problems: [], reason: error.message };
    }
  }
  return {
    summaryPath,
    timestamp: summary.timestamp,
    createdAt: summary.createdAt,
    ageMs: (options.now ?? new Date()).getTime() - new Date(summary.createdAt).getTime(),
    kind: summary.kind,
    encrypted: summary.encryption !== null,
    counts: summary.counts,
    verification,
  };
}
