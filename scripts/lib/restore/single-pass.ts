// Restore reads each file it loads once. Before its transaction opens, what
// needs no file content is checked (verifyBackupSet with those files as
// contentCheckedByCaller): the summary's HMAC for an encrypted set, its
// counts against its entries, every file's presence and size — and the files
// it does not load are read in full, as db:verify-backup reads them. Each
// loaded file is checked by its one read (readTableRowBatches with
// singlePass: SHA-256, GCM tag, plaintext checksum, gzip, JSON structure, the
// strict row parser, the row count) before COMMIT, and any failure rolls the
// whole restore back. When a table's load fails, its file is read once more
// to tell damage (a checksum differs) from a bad row in an intact file.
// Damage found either way is reported in the same words.
import { DamagedFileError, fileDamage, verifyBackupSet, type BackupTableEntry } from "../backup/index.ts";
import { OperationError } from "../errors.ts";

/** A damaged set: the message says that nothing was changed and what to do. */
export class DamagedSetError extends OperationError {
  override name = "DamagedSetError";
  constructor(summaryPath: string, problems: string) {
    super(`the backup set ${summaryPath} is damaged, nothing was changed — ${problems}. Restore from another set.`);
  }
}

/** Throws a DamagedSetError, naming every problem, unless the set passes the checks above. */
export async function verifyBeforeLoad(summaryPath: string, loadedFiles: ReadonlySet<string>, encryptionKey: string | undefined): Promise<void> {
  const verification = await verifyBackupSet(summaryPath, { encryptionKey, checkRowShapes: false, contentCheckedByCaller: loadedFiles });
  if (!verification.ok) throw new DamagedSetError(summaryPath, verification.problems.map((p) => `${p.file}: ${p.problem}`).join("; "));
}

/** The error to report for a table whose load failed: a DamagedSetError if its file is damaged, else `error`. */
export async function loadFailureCause(error: unknown, summaryPath: string, entry: BackupTableEntry, encryptionKey: string | undefined): Promise<unknown> {
  if (error instanceof DamagedFileError) return new DamagedSetError(summaryPath, `${error.file}: ${error.problem}`);
  const damage = await fileDamage(summaryPath, entry, encryptionKey).catch(() => null);
  return damage ? new DamagedSetError(summaryPath, `${entry.file}: ${damage}`) : error;
}
