// The backup summary: what a set holds and the checksums that prove it. It is
// written last, so its presence marks a complete set; sets are found by it.
import { OperationError, UsageError } from "../errors.ts";
import { defaultRepositoryLocation, openObject, openRepository, readObjectText, resolveLocation } from "../repository/index.ts";
import { baseName } from "../repository/location.ts";
import type { EncryptionInfo } from "./encryption.ts";
import type { DocumentAuthentication } from "./summary-auth.ts";
import { timestampOfSummaryFile } from "./naming.ts";
import { FORMAT_VERSION } from "./row-encoding.ts";
import { tableLabel, type PartitionInfo, type TableRef } from "../tables.ts";
import type { SequenceUse } from "../sequences.ts";

/** pre-restore: what db:restore --mode replace was about to overwrite, taken before it touched anything. */
export type BackupKind = "manual" | "scheduled" | "pre-migration" | "pre-restore";
export const BACKUP_KINDS: readonly BackupKind[] = ["manual", "scheduled", "pre-migration", "pre-restore"];

export const TOOL_NAME = "prisma-data-guard";

export interface BackupColumn {
  name: string;
  /** format_type() text. */
  type: string;
}

export interface GeneratedColumn extends BackupColumn {
  /** The generation expression (pg_get_expr), compared with the target's on restore. */
  expression: string;
}

export interface BackupTableEntry {
  /** Table name as the catalog spells it ("User", "_prisma_migrations"). */
  name: string;
  schema: string;
  /** The Prisma model mapped to the table, if any. */
  model: string | null;
  /** File name, relative to the summary's directory. */
  file: string;
  rows: number;
  /** Size and SHA-256 (hex) of the file as stored (after gzip and encryption). */
  bytes: number;
  sha256: string;
  /** The columns the file holds, in its key order. */
  columns: BackupColumn[];
  /** Encrypted sets only: size and SHA-256 of the file before encryption (what decryption gives back). */
  plaintextBytes?: number;
  plaintextSha256?: string;
  // formatVersion 2: the table's shape, compared with the target on restore.
  /** GENERATED ALWAYS AS … STORED columns: not in the file, computed again on restore. */
  generatedColumns?: GeneratedColumn[];
  primaryKey?: string[];
  /** A partitioned table: its key and every partition (rows are stored through the table itself). */
  partitioning?: { key: string; partitions: PartitionInfo[] } | null;
  /** Inheritance parents, qualified. */
  inherits?: string[];
  /** Order-independent digest of the rows' COPY text (row-digest.ts); absent in sets written before it was recorded. */
  rowDigest?: string;
}

/** A sequence's state (formatVersion 2), read in the backup's transaction right after its snapshot. */
export interface BackupSequence {
  schema: string;
  name: string;
  /** bigint as text. */
  lastValue: string;
  isCalled: boolean;
  increment: string;
  /** Columns that draw from it (OWNED BY, identity, or a DEFAULT nextval(…)); empty for a free-standing counter. */
  usedBy: SequenceUse[];
}

export interface BackupSummary {
  /** 2 since sets record schemas, sequences and the tables' shape and store json as text; 1 is still read. */
  formatVersion: 1 | 2;
  createdAt: string;
  timestamp: string;
  kind: BackupKind;
  /** `schema`: the primary schema (the URL's, or the first of `schemas`); `schemas` (format 2): every schema the set covers. */
  database: { host: string; port: number; name: string; schema: string; schemas?: string[]; serverVersion: string };
  /** `table` (format 2): where Prisma's history was read, null when the database has none (then nothing is pending). */
  migrations: { applied: string[]; pending: string[]; failed: string[]; table?: string | null };
  /** How the tables were chosen (--schemas, --tables / --exclude-tables); empty when every table was taken. */
  selection: { schemas?: string[]; tables: string[] | null; excludeTables: string[] };
  tables: BackupTableEntry[];
  /** formatVersion 2: every sequence of the set's schemas. */
  sequences?: BackupSequence[];
  /** Keyed by table label: bare in the primary schema, "schema.table" in the others. */
  counts: Record<string, number>;
  /** formatVersion 2: what the backup report warned about (e.g. a foreign key leaving the schemas). */
  warnings?: string[];
  durationMs: number;
  tool: { name: string; version: string };
  compression: "gzip" | null;
  encryption: null | EncryptionInfo;
  /** Encrypted sets: the HMAC of everything above, under a key derived from the set's (summary-auth.ts). */
  authentication?: DocumentAuthentication;
}

/** The schemas a set covers (a format 1 set: its one schema). */
export function summarySchemas(summary: BackupSummary): string[] {
  return summary.database.schemas ?? [summary.database.schema];
}

/** The label a table entry is known by in counts and reports. */
export function entryLabel(summary: BackupSummary, entry: TableRef): string {
  return tableLabel(entry, summary.database.schema);
}

/** BACKUP_DIR (a directory or s3://bucket/prefix), or <project>/backups. */
export function defaultBackupDir(env: NodeJS.ProcessEnv = process.env): string {
  return defaultRepositoryLocation(env);
}

/** Location of a table file, next to its summary; refuses names that would leave the set's repository. */
export function tableFilePath(summaryPath: string, entry: BackupTableEntry): string {
  if (!/^[^/\\\0]+$/.test(entry.file) || entry.file.startsWith(".")) {
    throw new OperationError(`${baseName(summaryPath)} names an invalid table file "${entry.file}"; the summary was altered`);
  }
  const { repository } = openObject(summaryPath);
  return repository.locationOf(entry.file);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const isCount = (value: unknown) => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
const isBigintText = (value: unknown) => typeof value === "string" && /^-?\d{1,19}$/.test(value);

/** Why `value` is not a summary this tool wrote, or null when it is one. */
function summaryShapeProblem(value: unknown): string | null {
  if (!isRecord(value)) return "not a JSON object";
  if (!isRecord(value.tool) || value.tool.name !== TOOL_NAME) return `not written by ${TOOL_NAME}`;
  if (value.formatVersion !== 1 && value.formatVersion !== FORMAT_VERSION) {
    return `unsupported formatVersion ${JSON.stringify(value.formatVersion)} (this tool reads 1 and ${FORMAT_VERSION})`;
  }
  if (typeof value.timestamp !== "string" || typeof value.createdAt !== "string") return "no timestamp";
  if (!BACKUP_KINDS.includes(value.kind as BackupKind)) return `unknown kind ${JSON.stringify(value.kind)}`;
  if (!isRecord(value.database) || typeof value.database.schema !== "string") return "no database schema";
  if (!Array.isArray(value.tables)) return "no table list";
  for (const entry of value.tables) {
    if (
      !isRecord(entry) || typeof entry.name !== "string" || typeof entry.schema !== "string" || typeof entry.file !== "string" ||
      typeof entry.sha256 !== "string" || !Array.isArray(entry.columns)
    ) {
      return "a table entry lacks name, schema, file, sha256 or columns";
    }
    // Counts beyond 2^53 would be read rounded: refused rather than echoed wrong.
    if (!isCount(entry.rows) || !isCount(entry.bytes) || (entry.plaintextBytes !== undefined && !isCount(entry.plaintextBytes))) {
      return `table ${entry.name}: rows and bytes must be whole numbers from 0 to 2^53 - 1`;
    }
  }
  if (!isRecord(value.counts) || !Object.values(value.counts).every(isCount)) return "counts must be whole numbers from 0 to 2^53 - 1";
  if (value.formatVersion === FORMAT_VERSION) {
    if (!Array.isArray(value.database.schemas) || !Array.isArray(value.sequences)) return "no schema or sequence list";
    for (const sequence of value.sequences) {
      if (
        !isRecord(sequence) || typeof sequence.schema !== "string" || typeof sequence.name !== "string" ||
        !isBigintText(sequence.lastValue) || typeof sequence.isCalled !== "boolean" || !isBigintText(sequence.increment) ||
        !Array.isArray(sequence.usedBy)
      ) {
        return "a sequence entry lacks schema, name, lastValue, isCalled, increment or usedBy";
      }
    }
  }
  return null;
}

export async function readSummary(summaryPath: string): Promise<BackupSummary> {
  let text: string;
  try {
    const { repository, name } = openObject(summaryPath);
    text = await readObjectText(repository, name);
  } catch (error) {
    if (error instanceof OperationError || error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UsageError(`no backup summary at ${summaryPath}; pass a backup-summary-<timestamp>.json file or "latest"`);
    throw new OperationError(`cannot read ${summaryPath}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new OperationError(`${summaryPath} is not valid JSON (${(error as Error).message}); the summary is damaged.`);
  }
  const problem = summaryShapeProblem(value);
  if (problem) throw new OperationError(`${summaryPath} is not a backup summary this tool can read: ${problem}.`);
  return value as BackupSummary;
}

/** Summaries read at once from a bucket: enough to hide the round trips, few enough to be polite. */
const SUMMARY_READS_IN_FLIGHT = 8;

/** Every complete backup set in `backupDir` (a directory or s3:// location), newest first. Files this tool did not write are ignored. */
export async function listBackupSets(backupDir: string): Promise<{ summaryPath: string; summary: BackupSummary }[]> {
  const repository = openRepository(backupDir);
  const summaryPaths = (await repository.list())
    .filter((object) => timestampOfSummaryFile(object.name))
    .map((object) => repository.locationOf(object.name));
  const sets: { summaryPath: string; summary: BackupSummary }[] = [];
  for (let start = 0; start < summaryPaths.length; start += SUMMARY_READS_IN_FLIGHT) {
    const batch = summaryPaths.slice(start, start + SUMMARY_READS_IN_FLIGHT);
    const read = await Promise.all(batch.map((summaryPath) => readSummary(summaryPath).then((summary) => ({ summaryPath, summary }), () => null)));
    // A file named like a summary that this tool cannot read is not one of its sets.
    sets.push(...read.filter((set) => set !== null));
  }
  return sets.sort((a, b) => b.summary.timestamp.localeCompare(a.summary.timestamp));
}

/** "latest" → 0, "latest~N" → N (sets before the newest), anything else → null (a summary location). */
export function setsBeforeNewest(fromArg: string): number | null {
  const match = /^latest(?:~(\d+))?$/.exec(fromArg);
  if (!match) {
    if (fromArg.startsWith("latest~")) throw new UsageError(`${fromArg}: write latest~N with N a whole number (latest~1 is the set before the newest)`);
    return null;
  }
  return match[1] === undefined ? 0 : Number(match[1]);
}

/** A summary file path as given, or the newest set's summary for "latest" (the one N before it for "latest~N"). */
export async function resolveSummaryPath(fromArg: string, backupDir: string): Promise<string> {
  const back = setsBeforeNewest(fromArg);
  if (back !== null) {
    const sets = await listBackupSets(backupDir);
    if (sets.length === 0) {
      throw new OperationError(
        `no backup set in ${backupDir} (no backup-summary-<timestamp>.json); run \`pnpm run db:backup\` first or pass --dir`,
      );
    }
    const chosen = sets[back];
    if (!chosen) {
      throw new OperationError(
        `${fromArg}: ${backupDir} holds ${sets.length} backup set${sets.length === 1 ? "" : "s"}, so the oldest is latest~${sets.length - 1}; pick a smaller N or pass --dir`,
      );
    }
    return chosen.summaryPath;
  }
  const summaryPath = resolveLocation(fromArg);
  const { repository, name } = openObject(summaryPath);
  const info = await repository.stat(name).catch((error: unknown) => {
    if (error instanceof OperationError) throw error;
    return null;
  });
  if (!info) throw new UsageError(`no such backup summary: ${fromArg}; pass a backup-summary-<timestamp>.json file or "latest"`);
  if (!timestampOfSummaryFile(name)) {
    throw new UsageError(`${fromArg} is not a backup summary; pass a backup-summary-<timestamp>.json file, "latest" or "latest~N"`);
  }
  return summaryPath;
}
