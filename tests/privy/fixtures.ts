// Synthetic export files for the restore-users tests, written to a temporary
// directory, and a helper that runs the CLI as a user does.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runScript, type ScriptResult } from "../helpers/cli.ts";
import type { TestDatabase } from "../helpers/database.ts";
import type { RestoreSummary } from "../../scripts/lib/privy/import.ts";
import { exportText, type ExportLayout, type ExportRecord } from "../../scripts/lib/privy/synthetic-export.ts";

const DIR = mkdtempSync(path.join(os.tmpdir(), "pdg-privy-"));

export function fixturePath(name: string): string {
  return path.join(DIR, name);
}

export function writeFixture(name: string, text: string): string {
  const file = fixturePath(name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

export function writeExport(name: string, records: ExportRecord[], layout: ExportLayout = {}): string {
  return writeFixture(name, exportText(records, layout));
}

export interface RestoreRun extends ScriptResult {
  summary: RestoreSummary;
}

/** Runs db:restore-users with --json and parses the summary (throws with the output if the command failed). */
export async function restore(db: TestDatabase, args: string[]): Promise<RestoreRun> {
  const result = await runScript("db-restore-users", [...args, "--json"], { DATABASE_URL: db.url });
  if (result.code !== 0) throw new Error(`db-restore-users exited ${result.code}: ${result.stderr}`);
  return { ...result, summary: JSON.parse(result.stdout) as RestoreSummary };
}
