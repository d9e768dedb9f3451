// Reading a table file back: repository object → checksum → [AES-256-GCM] → [gunzip] →
// JSON-array lines. Shared by verify and by readTableRowBatches (which restore loads from).
import path from "node:path";
import { pipeline, type Readable, type Transform } from "node:stream";
import { ConfigError, OperationError } from "../errors.ts";
import { ENCRYPTION_KEY_VARIABLE, WrongKeyError, createDecryptStream, existingSetKey, type SetKey } from "./encryption.ts";
import { openObject } from "../repository/index.ts";
import { Digest, gunzipLayer } from "./layers.ts";
import { jsonArrayRowBatches } from "./json-array.ts";
import { readSummary, tableFilePath, type BackupSummary, type BackupTableEntry } from "./summary.ts";
import { summaryAuthenticationProblem } from "./summary-auth.ts";

export interface TableContent {
  /** The table file's JSON text, decrypted and decompressed. */
  content: Readable;
  /** Bytes and SHA-256 of the file as stored; read them once `content` has ended. */
  stored: Digest;
  /** Bytes and SHA-256 before encryption (encrypted sets only). */
  plaintext: Digest | null;
}

/** An error from any stage of reading a table file, as one line starting "<file>: ". */
export function describeReadError(error: unknown, fileName: string): OperationError {
  if (error instanceof OperationError) {
    return error.message.startsWith(`${fileName}: `) ? error : new OperationError(`${fileName}: ${error.message}`);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new OperationError(`${fileName}: the file is missing`);
  if (code === "Z_DATA_ERROR" || code === "Z_BUF_ERROR") {
    return new OperationError(`${fileName}: not valid gzip data (${(error as Error).message}); the file is damaged or truncated`);
  }
  return new OperationError(`${fileName}: ${(error as Error).message}`);
}

/** `decompress: false` stops after decryption: enough to check checksums and the GCM tag. */
export function openTableContent(
  summaryPath: string,
  summary: BackupSummary,
  entry: BackupTableEntry,
  setKey: SetKey | null,
  options: { decompress?: boolean } = {},
): TableContent {
  const stored = new Digest();
  const plaintext = setKey ? new Digest() : null;
  const { repository, name } = openObject(tableFilePath(summaryPath, entry));
  const stages: (Readable | Transform)[] = [repository.openRead(name), stored];
  if (setKey && plaintext) stages.push(createDecryptStream(setKey, entry.file), plaintext);
  if (summary.compression === "gzip" && options.decompress !== false) stages.push(gunzipLayer());
  // pipeline() destroys every stage with the first error, so `content`'s consumer sees it.
  // It returns the last stage; its array overload types that as a writable only, but every stage here is readable.
  const content = pipeline(stages, () => {}) as unknown as Readable;
  return { content, stored, plaintext };
}

/** An encrypted set's summary whose HMAC does not hold: nothing it says can be trusted. */
export class DocumentAuthenticationError extends OperationError {
  override name = "DocumentAuthenticationError";
}

/**
 * The set's key, or a clear error naming `fileName` when it is missing or
 * wrong. Every reader of an encrypted set comes through here, so this is
 * where its summary's HMAC is checked (summary-auth.ts).
 */
export async function keyForSet(
  summaryPath: string,
  summary: BackupSummary,
  encryptionKey: string | undefined,
  fileName: string,
): Promise<SetKey | null> {
  if (!summary.encryption) return null;
  if (encryptionKey === undefined) {
    throw new ConfigError(`${fileName} is encrypted: set ${ENCRYPTION_KEY_VARIABLE} to the key the backup was made with.`);
  }
  let setKey: SetKey;
  try {
    setKey = await existingSetKey(encryptionKey, summary.encryption, path.basename(summaryPath));
  } catch (error) {
    if (error instanceof WrongKeyError) {
      throw new OperationError(
        `${fileName}: cannot decrypt — ${ENCRYPTION_KEY_VARIABLE} is not the key this backup set was encrypted with; set the key that was in use when it was made.`,
      );
    }
    throw error;
  }
  const problem = summaryAuthenticationProblem(summary, setKey);
  if (problem) throw new DocumentAuthenticationError(`${path.basename(summaryPath)}: ${problem}`);
  return setKey;
}

export function sizeProblem(bytes: number, entry: BackupTableEntry): string {
  return `size ${bytes} bytes, the summary says ${entry.bytes} (the file was truncated or altered)`;
}

/** Compares what was read with the summary; the first difference as a sentence, or null. */
export function checksumProblem(entry: BackupTableEntry, stored: Digest, plaintext: Digest | null): string | null {
  if (stored.bytes !== entry.bytes) return sizeProblem(stored.bytes, entry);
  if (stored.sha256() !== entry.sha256) return "SHA-256 differs from the summary (the file was altered or corrupted)";
  if (plaintext && (plaintext.bytes !== entry.plaintextBytes || plaintext.sha256() !== entry.plaintextSha256)) {
    return "decrypted content differs from the summary's plaintext checksum (the file was altered)";
  }
  return null;
}

/**
 * Reads the whole file once without using its content: size and SHA-256 as
 * stored and, when encrypted, the GCM tag and the plaintext checksum.
 * Returns the first problem as a sentence (without the file name), or null.
 */
export async function authenticate(
  summaryPath: string,
  summary: BackupSummary,
  entry: BackupTableEntry,
  setKey: SetKey | null,
): Promise<string | null> {
  const { content, stored, plaintext } = openTableContent(summaryPath, summary, entry, setKey, { decompress: false });
  try {
    for await (const chunk of content) void chunk;
  } catch (error) {
    const message = describeReadError(error, entry.file).message;
    return message.slice(entry.file.length + 2);
  }
  return checksumProblem(entry, stored, plaintext);
}

/**
 * Why the file is not the one the backup wrote (its checksums, its GCM tag),
 * as a sentence without the file name, or null when it is intact: tells
 * damage from a bad row when a single-pass read's consumer failed.
 */
export async function fileDamage(summaryPath: string, entry: BackupTableEntry, encryptionKey: string | undefined): Promise<string | null> {
  const summary = await readSummary(summaryPath);
  return authenticate(summaryPath, summary, entry, await keyForSet(summaryPath, summary, encryptionKey, entry.file));
}

/** A table file whose read showed it is not what its summary describes. */
export class DamagedFileError extends OperationError {
  override name = "DamagedFileError";
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}; the set is damaged — restore from another backup set`);
  }
}

export interface ReadRowsOptions {
  encryptionKey?: string;
  /**
   * Hand rows out as they are read, before the file has been checked: for a
   * caller that undoes everything it did with them if the read throws
   * (restore's single transaction). The checks at the end of the read are
   * the file's only ones then, and one that fails throws, naming the file.
   */
  singlePass?: boolean;
}

/**
 * Each row's JSON bytes, exactly as stored, streamed in batches (one per chunk read).
 *
 * Guarantee: no row is handed out before the whole file has been checked
 * against the summary — a first pass recomputes its size and SHA-256 and, when
 * encrypted, decrypts it and checks the GCM tag and the plaintext checksum
 * (skipped with `singlePass`, see above). The second pass, which yields
 * rows, checks all of that again and the row count at its end, and throws
 * (naming the file) if anything changed in between. A consumer that finished
 * iterating without an error received exactly the rows the backup wrote.
 */
export async function* readTableRowBatches(
  summaryPath: string,
  entry: BackupTableEntry,
  options: ReadRowsOptions = {},
): AsyncGenerator<Buffer[]> {
  const summary = await readSummary(summaryPath);
  const setKey = await keyForSet(summaryPath, summary, options.encryptionKey, entry.file);

  if (!options.singlePass) {
    const problem = await authenticate(summaryPath, summary, entry, setKey);
    if (problem) throw new OperationError(`${entry.file}: ${problem}; restore from another backup set`);
  }

  const read = openTableContent(summaryPath, summary, entry, setKey);
  let rows = 0;
  try {
    for await (const batch of jsonArrayRowBatches(read.content, entry.file)) {
      rows += batch.length;
      yield batch;
    }
  } catch (error) {
    throw describeReadError(error, entry.file);
  } finally {
    // Also runs when the consumer stops early: the file is closed either way.
    read.content.destroy();
  }
  const changed = checksumProblem(entry, read.stored, read.plaintext);
  if (changed && options.singlePass) throw new DamagedFileError(entry.file, changed);
  if (changed) {
    throw new OperationError(
      `${entry.file}: changed while it was being read (${changed}); something is writing to the backup directory — stop it, then verify the set (pnpm run db:verify-backup) and retry`,
    );
  }
  if (rows !== entry.rows) {
    throw new DamagedFileError(entry.file, `holds ${rows} rows, the summary says ${entry.rows}`);
  }
}

/** readTableRowBatches, one row's JSON text at a time. */
export async function* readTableRows(summaryPath: string, entry: BackupTableEntry, options: ReadRowsOptions = {}): AsyncGenerator<string> {
  for await (const batch of readTableRowBatches(summaryPath, entry, options)) {
    for (const row of batch) yield row.toString("utf8");
  }
}
