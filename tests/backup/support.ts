// Helpers for the backup tests: a throwaway backup directory, copies of a set
// to damage, and summary edits.
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type pg from "pg";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { JsonRowsToCopyText, readSummary, readTableRowBatches, type BackupSummary, type BackupTableEntry } from "../../scripts/lib/backup/index.ts";
import { quoteIdent } from "../../scripts/lib/db.ts";
import { existingSetKey } from "../../scripts/lib/backup/encryption.ts";
import { authenticateSummary } from "../../scripts/lib/backup/summary-auth.ts";

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `pdg-${label}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A copy of the set's directory to damage; returns the copied summary's path. */
/** Temporary directories made by one test file, all removed by `removeAll()` in its `after`. */
export function tempDirs(): { make(label: string): Promise<string>; removeAll(): Promise<void> } {
  const made: string[] = [];
  return {
    async make(label) {
      const dir = await tempDir(label);
      made.push(dir);
      return dir;
    },
    async removeAll() {
      for (const dir of made.splice(0)) await removeDir(dir);
    },
  };
}

export async function copySet(summaryPath: string, label: string): Promise<string> {
  const dir = await tempDir(label);
  await cp(path.dirname(summaryPath), dir, { recursive: true });
  return path.join(dir, path.basename(summaryPath));
}

export function entryOf(summary: BackupSummary, table: string): BackupTableEntry {
  const entry = summary.tables.find((t) => t.name === table);
  if (!entry) throw new Error(`no table ${table} in the summary`);
  return entry;
}

export function fileOf(summaryPath: string, entry: BackupTableEntry): string {
  return path.join(path.dirname(summaryPath), entry.file);
}

/**
 * Edits a summary as someone who can write the backup location would. An
 * encrypted set's summary then fails its HMAC — unless `resignWith` gives the
 * key, as only its holder could (to test the checks behind the HMAC).
 */
export async function editSummary(summaryPath: string, edit: (summary: BackupSummary) => void, options: { resignWith?: string } = {}): Promise<void> {
  const summary = JSON.parse(await readFile(summaryPath, "utf8")) as BackupSummary;
  edit(summary);
  if (options.resignWith !== undefined && summary.encryption) {
    delete summary.authentication;
    summary.authentication = authenticateSummary(summary, await existingSetKey(options.resignWith, summary.encryption, path.basename(summaryPath)));
  }
  await writeFile(summaryPath, JSON.stringify(summary, null, 2));
}

export async function flipByte(file: string, offset: number): Promise<void> {
  const bytes = await readFile(file);
  const at = offset < 0 ? bytes.length + offset : offset;
  bytes[at] = bytes[at]! ^ 0x01;
  await writeFile(file, bytes);
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Every file in a directory, hidden (partial) ones included. */
export async function listAll(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

export async function collect(rows: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** Loads a table file's rows into `table` (which has the entry's columns) through COPY, as restore does. */
export async function copyRowsInto(
  client: pg.PoolClient,
  table: string,
  summaryPath: string,
  entry: BackupTableEntry,
  options: { encryptionKey?: string } = {},
): Promise<number> {
  const { formatVersion } = await readSummary(summaryPath);
  const encoder = new JsonRowsToCopyText(entry.file, entry.columns, entry.columns.map((column) => column.name), formatVersion);
  async function* text(): AsyncGenerator<Buffer> {
    for await (const batch of readTableRowBatches(summaryPath, entry, options)) yield encoder.encode(batch);
  }
  const columns = entry.columns.map((column) => quoteIdent(column.name)).join(", ");
  await pipeline(Readable.from(text()), client.query(copyFrom(`COPY ${quoteIdent(table)} (${columns}) FROM STDIN`)));
  return encoder.rows;
}

/** Loads a table file's rows into a new table `copy` shaped like the original. */
export async function restoreCopy(
  db: pg.Pool,
  summaryPath: string,
  entry: BackupTableEntry,
  copy: string,
  options: { encryptionKey?: string } = {},
): Promise<void> {
  await db.query(`CREATE TABLE ${quoteIdent(copy)} (LIKE ${quoteIdent(entry.name)})`);
  const client = await db.connect();
  try {
    await copyRowsInto(client, copy, summaryPath, entry, options);
  } finally {
    client.release();
  }
}

/** Rows of `a` missing from `b` plus rows of `b` missing from `a`, compared by their full text. */
export async function differingRows(db: pg.Pool, a: string, b: string): Promise<number> {
  const result = await db.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM (SELECT x::text FROM ${quoteIdent(a)} x EXCEPT ALL SELECT y::text FROM ${quoteIdent(b)} y) d1)::int
          + (SELECT count(*) FROM (SELECT y::text FROM ${quoteIdent(b)} y EXCEPT ALL SELECT x::text FROM ${quoteIdent(a)} x) d2)::int AS n`,
  );
  return result.rows[0]!.n;
}
