// Runs a CLI script the way a user does (a separate process) and captures
// everything it says and its exit code.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { scriptArgs } from "../../scripts/lib/cli.ts";

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runScript(
  script: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
  options: { cwd?: string; input?: string } = {},
): Promise<ScriptResult> {
  return runProcess(process.execPath, scriptArgs(script, args), { cwd: options.cwd, input: options.input, env: scriptEnv(env) });
}

/** A test's own TypeScript program (tests/fixtures/), run through tsx with runScript's environment. */
export function runFixture(file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ScriptResult> {
  return runProcess(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "tests", "fixtures", file), ...args], { env: scriptEnv(env) });
}

// DATABASE_URL from the developer's shell or .env must never leak into a test.
function scriptEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_URL: "", NODE_ENV: "test", ...env };
}

/** Any program, its output captured; `env` replaces the environment (defaults to this process's). */
export function runProcess(
  program: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    // Without input, stdin is closed from the start: writing to a program that already exited would fail with EPIPE.
    const stdin = options.input === undefined ? "ignore" : "pipe";
    const child = spawn(program, args, { cwd: options.cwd ?? PROJECT_ROOT, env: options.env ?? process.env, stdio: [stdin, "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin?.end(options.input);
  });
}

/** The `error:` line a failed command printed: exactly one, naming the cause. */
export function errorLine(result: ScriptResult): string {
  const lines = result.stderr.split("\n").filter((line) => line.startsWith("error: "));
  assert.equal(lines.length, 1, result.stderr);
  return lines[0]!;
}
