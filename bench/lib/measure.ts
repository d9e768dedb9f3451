// Measures one child process, the same way for every benchmark and every tool
// (db:* commands, pg_dump, pg_restore, psql, squawk, pnpm): wall time from this
// process, and from GNU time the kernel's own account of the child when it is
// reaped (wait4's rusage): peak resident set size — a high-water mark kept by
// the kernel, so no sampling can miss a peak, and covering the processes the
// child waited for (pnpm → sh → node) — and user and system CPU time.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { OperationError } from "../../scripts/lib/errors.ts";
import { redactCredentials } from "../../scripts/lib/redact.ts";

const GNU_TIME = "/usr/bin/time";

export interface ProcessMeasurement {
  seconds: number;
  /** User + system CPU time (GNU time reports it in hundredths of a second). */
  cpuSeconds: number;
  peakRssMb: number;
  code: number;
  stdout: string;
  stderr: string;
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  /** The exit code that counts as the run having done its work (default 0; null: any); any other is an error. */
  expectExit?: number | null;
  /** Keep stdout (default: discarded, so a large output cannot skew the figures). */
  captureStdout?: boolean;
}

export function measureProcess(command: string, args: string[], options: MeasureOptions = {}): Promise<ProcessMeasurement> {
  if (!existsSync(GNU_TIME)) throw new OperationError(`${GNU_TIME} (GNU time) is needed to measure peak RSS: install it (apt-get install time).`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "pdg-measure-"));
  const report = path.join(dir, "time");
  return new Promise<ProcessMeasurement>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(GNU_TIME, ["-o", report, "-f", "%M %U %S", command, ...args], {
      cwd: PROJECT_ROOT,
      env: options.env ?? process.env,
      stdio: ["ignore", options.captureStdout ? "pipe" : "ignore", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      // The last line: GNU time writes "Command exited with non-zero status N" before it.
      const figures = existsSync(report) ? readFileSync(report, "utf8").trim().split("\n").pop()!.split(" ").map(Number) : [];
      const [rssKb, user, system] = figures;
      const expected = options.expectExit === undefined ? 0 : options.expectExit;
      if (code === null || (expected !== null && code !== expected) || figures.length !== 3 || figures.some(Number.isNaN)) {
        const why = stderr.trim().split("\n").slice(-3).join(" | ");
        return reject(new OperationError(`${path.basename(command)} ${args.join(" ")} exited ${code} (expected ${expected ?? "any code"}): ${redactCredentials(why)}`));
      }
      resolve({ seconds, cpuSeconds: user! + system!, peakRssMb: rssKb! / 1024, code, stdout, stderr });
    });
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}
