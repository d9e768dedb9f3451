// Helpers for the backup tests: a throwaway backup directory, copies of a set
// to damage, and summary edits.
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type { BackupSummary, BackupTableEntry } from "../../scripts/lib/backup/index.ts";

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `pdg-${label}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A copy of the set's directory to damage; returns the copied summary's path. */
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

export async function editSummary(summaryPath: string, edit: (summary: BackupSummary) => void): Promise<void> {
  const summary = JSON.parse(await readFile(summaryPath, "utf8")) as BackupSummary;
  edit(summary);
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
