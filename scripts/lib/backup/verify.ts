// verifyBackupSet: re-reads every file of a set in one pass each — size and
// SHA-256 as stored, decryption and its tag, the plaintext checksum, gzip, the
// JSON-array structure, every row read by the strict RowParser restore uses
// (unless checkRowShapes is off), and the row count — and, with againstDb,
// compares the counts with the live database (drift). Restore reads the files
// it loads only once (contentCheckedByCaller): here they are only looked up.
import path from "node:path";
import pg from "pg";
import { describeTarget, type DatabaseTarget } from "../config.ts";
import { poolConfigFromUrl } from "../db.ts";
import { describeDatabaseError, OperationError } from "../errors.ts";
import { discoverTables, tableKey, tableLabel, tableRelation } from "../tables.ts";
import type { SetKey } from "./encryption.ts";
import { jsonArrayRowBatches } from "./json-array.ts";
import { RowFormatError, RowParser } from "./row-parser.ts";
import { openObject } from "../repository/index.ts";
import { DocumentAuthenticationError, authenticate, checksumProblem, describeReadError, keyForSet, openTableContent, sizeProblem } from "./read-rows.ts";
import { entryLabel, readSummary, summarySchemas, tableFilePath, type BackupSummary, type BackupTableEntry } from "./summary.ts";

export interface VerifyProblem {
  /** The file the problem is in (a table file or the summary). */
  file: string;
  problem: string;
}

export interface VerifiedTable {
  name: string;
  file: string;
  expectedRows: number;
  /** Rows found in the file (null when it could not be read). */
  rows: number | null;
  bytes: number | null;
  ok: boolean;
}

export interface TableDrift {
  table: string;
  backupRows: number;
  liveRows: number;
  change: number;
}

export interface DriftReport {
  database: string;
  tables: TableDrift[];
  /** Tables in the database that the backup does not hold. */
  onlyInDatabase: string[];
  /** Tables in the backup that the database no longer has. */
  onlyInBackup: string[];
}

export interface VerifyReport {
  summaryPath: string;
  timestamp: string;
  kind: BackupSummary["kind"];
  ok: boolean;
  problems: VerifyProblem[];
  tables: VerifiedTable[];
  drift?: DriftReport;
}

export interface VerifyOptions {
  encryptionKey?: string;
  againstDb?: DatabaseTarget;
  /**
   * Read every row with the strict RowParser (default). Restore turns it off:
   * its loader reads each row with the same parser anyway, inside the
   * transaction, and the checksums already prove the file is the one written.
   */
  checkRowShapes?: boolean;
  /**
   * Table files whose content the caller checks as it reads them (restore's
   * single pass, readTableRowBatches with singlePass, inside a transaction it
   * rolls back on any failure): only their presence and size are checked here.
   * Their `rows` in the report are null.
   */
  contentCheckedByCaller?: ReadonlySet<string>;
}

export async function verifyBackupSet(summaryPath: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const summary = await readSummary(summaryPath);
  const summaryName = path.basename(summaryPath);
  const problems: VerifyProblem[] = [];

  let setKey: SetKey | null = null;
  let keyProblem: string | null = null;
  try {
    setKey = await keyForSet(summaryPath, summary, options.encryptionKey, summaryName);
  } catch (error) {
    // A missing key is a configuration error (thrown); a wrong key is a finding about every file.
    if (!(error instanceof OperationError)) throw error;
    if (error instanceof DocumentAuthenticationError) {
      problems.push({ file: summaryName, problem: error.message.replace(`${summaryName}: `, "") });
      keyProblem = "not checked: the summary that describes it failed authentication";
    } else {
      keyProblem = error.message.replace(`${summaryName}: `, "");
    }
  }

  const seenFiles = new Set<string>();
  const tables: VerifiedTable[] = [];
  for (const entry of summary.tables) {
    if (seenFiles.has(entry.file)) problems.push({ file: summaryName, problem: `names ${entry.file} twice` });
    seenFiles.add(entry.file);
    const label = entryLabel(summary, entry);
    if (summary.counts[label] !== entry.rows) {
      problems.push({ file: summaryName, problem: `counts.${label} (${summary.counts[label]}) differs from its table entry (${entry.rows})` });
    }
    const found = await verifyTableFile(summaryPath, summary, entry, setKey, keyProblem, {
      checkRowShapes: options.checkRowShapes ?? true,
      readContent: !options.contentCheckedByCaller?.has(entry.file),
    });
    problems.push(...found.problems.map((problem) => ({ file: entry.file, problem })));
    tables.push({
      name: label,
      file: entry.file,
      expectedRows: entry.rows,
      rows: found.rows,
      bytes: found.bytes,
      ok: found.problems.length === 0,
    });
  }

  const report: VerifyReport = { summaryPath, timestamp: summary.timestamp, kind: summary.kind, ok: problems.length === 0, problems, tables };
  if (options.againstDb) report.drift = await driftAgainst(options.againstDb, summary);
  return report;
}

async function verifyTableFile(
  summaryPath: string,
  summary: BackupSummary,
  entry: BackupTableEntry,
  setKey: SetKey | null,
  keyProblem: string | null,
  { checkRowShapes, readContent }: { checkRowShapes: boolean; readContent: boolean },
): Promise<{ rows: number | null; bytes: number | null; problems: string[] }> {
  let bytes: number;
  try {
    const { repository, name } = openObject(tableFilePath(summaryPath, entry));
    const found = await repository.stat(name);
    if (!found) return { rows: null, bytes: null, problems: ["the file is missing"] };
    bytes = found.bytes;
  } catch (error) {
    return { rows: null, bytes: null, problems: [(error as Error).message] };
  }
  if (keyProblem) return { rows: null, bytes, problems: [keyProblem] };
  if (!readContent) {
    return { rows: null, bytes, problems: bytes === entry.bytes ? [] : [sizeProblem(bytes, entry)] };
  }
  // Decrypted bytes mean nothing until the GCM tag has been checked: authenticate before parsing.
  if (setKey) {
    const problem = await authenticate(summaryPath, summary, entry, setKey);
    if (problem) return { rows: null, bytes, problems: [problem] };
  }

  const problems: string[] = [];
  if (bytes !== entry.bytes) problems.push(sizeProblem(bytes, entry));
  const { content, stored, plaintext } = openTableContent(summaryPath, summary, entry, setKey);
  const parser = new RowParser(entry.columns, summary.formatVersion);
  let rows = 0;
  let rowProblem: string | null = null;
  let readProblem: string | null = null;
  try {
    for await (const batch of jsonArrayRowBatches(content, entry.file)) {
      for (const row of batch) {
        rows++;
        if (rowProblem || !checkRowShapes) continue;
        try {
          parser.parse(row);
        } catch (error) {
          if (!(error instanceof RowFormatError)) throw error;
          rowProblem = `row ${rows}: ${error.message}`;
        }
      }
    }
  } catch (error) {
    content.destroy();
    readProblem = describeReadError(error, entry.file).message.slice(entry.file.length + 2);
  }
  if (readProblem) {
    problems.push(readProblem);
  } else {
    // Checksums mean something only for a complete read of a file of the right size.
    const checksum = bytes === entry.bytes ? checksumProblem(entry, stored, plaintext) : null;
    if (checksum) problems.push(checksum);
    if (rows !== entry.rows) problems.push(`holds ${rows} rows, the summary says ${entry.rows}`);
  }
  if (rowProblem) problems.push(rowProblem);
  return { rows, bytes, problems };
}

/** Row counts now vs in the backup, read in one snapshot of the live database. */
async function driftAgainst(target: DatabaseTarget, summary: BackupSummary): Promise<DriftReport> {
  const client = new pg.Client({ ...poolConfigFromUrl(target.url), connectionTimeoutMillis: 15_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const live = new Map((await discoverTables(client, summarySchemas(summary))).map((table) => [tableKey(table), table]));
    const backupKeys = new Set(summary.tables.map(tableKey));
    const tables: TableDrift[] = [];
    for (const entry of summary.tables) {
      const table = live.get(tableKey(entry));
      if (!table) continue;
      const result = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${tableRelation(table)}`);
      const liveRows = Number(result.rows[0]!.n);
      tables.push({ table: entryLabel(summary, entry), backupRows: entry.rows, liveRows, change: liveRows - entry.rows });
    }
    await client.query("COMMIT");
    const label = (table: { schema: string; name: string }) => tableLabel(table, summary.database.schema);
    return {
      database: describeTarget(target),
      tables,
      onlyInDatabase: [...live.values()].filter((table) => !backupKeys.has(tableKey(table))).map(label).sort(),
      onlyInBackup: summary.tables.filter((entry) => !live.has(tableKey(entry))).map(label).sort(),
    };
  } catch (error) {
    throw new OperationError(`comparing with the live database ${describeTarget(target)} failed: ${describeDatabaseError(error)}`);
  } finally {
    await client.end().catch(() => {});
  }
}
