// The backup library's public API: what the backup, restore, migration and
// operations commands build on.
export { createBackup, type BackupOptions, type BackupProgress } from "./create-backup.ts";
export { DamagedFileError, fileDamage, readTableRowBatches, readTableRows, type ReadRowsOptions } from "./read-rows.ts";
export { JsonRowsToCopyText } from "./json-to-copy.ts";
export { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, binaryEncodings, copyRowsEncoder, JsonRowsToCopyBinary } from "./json-to-copy-binary.ts";
export {
  defaultBackupDir,
  entryLabel,
  listBackupSets,
  readSummary,
  resolveSummaryPath,
  summarySchemas,
  tableFilePath,
  type BackupKind,
  type BackupSequence,
  type BackupSummary,
  type BackupTableEntry,
} from "./summary.ts";
export { ENCRYPTION_KEY_VARIABLE, existingSetKey, WrongKeyError, type EncryptionInfo, type SetKey } from "./encryption.ts";
export { verifyBackupSet, type DriftReport, type VerifiedTable, type VerifyProblem, type VerifyReport } from "./verify.ts";
export { FORMAT_VERSION, ROW_ANNOTATION_KEY, valueKind, type ColumnType } from "./row-encoding.ts";
export { RowFormatError, RowParser } from "./row-parser.ts";
