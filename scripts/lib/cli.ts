// Conventions every script follows: --help, --json where a report is produced,
// exit codes 0 ok / 1 failed / 2 usage or configuration error, one-line
// errors with credentials redacted, human output on stderr when --json owns stdout.
import path from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { PROJECT_ROOT } from "./config.ts";
import { describeDatabaseError, exitCodeOf } from "./errors.ts";
import { redactForLog } from "./redact.ts";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A commander program whose parse errors exit 2 with a one-line message. */
export function defineCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .helpOption("-h, --help", "show this help")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride((error: CommanderError) => {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") process.exit(EXIT_OK);
      // commander already printed its message to stderr.
      process.exit(EXIT_USAGE);
    });
}

/** Option parser for a positive integer; commander reports a bad value as a usage error (exit 2). */
export function positiveInteger(option: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError(`${option} must be a positive integer.`);
    return parsed;
  };
}

/** "a,b , c" -> ["a", "b", "c"] */
export function commaList(value: string): string[] {
  return value.split(",").map((item) => item.trim()).filter(Boolean);
}

export interface Reporter {
  readonly json: boolean;
  /** Human-readable progress and results: stdout, or stderr when --json owns stdout. */
  info(line: string): void;
  warn(line: string): void;
  /** The machine-readable result (only with --json). */
  result(value: unknown): void;
}

export function createReporter(json: boolean): Reporter {
  const human = json ? process.stderr : process.stdout;
  return {
    json,
    info: (line) => human.write(`${redactForLog(line)}\n`),
    warn: (line) => process.stderr.write(`warning: ${redactForLog(line)}\n`),
    result: (value) => {
      if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}

/**
 * Runs a script's main function and turns its outcome into an exit code.
 * Errors become one redacted line on stderr; a stack trace only with DEBUG set.
 */
export async function runCli(main: () => Promise<number | void>): Promise<void> {
  let code: number;
  try {
    code = (await main()) ?? EXIT_OK;
  } catch (error) {
    process.stderr.write(`error: ${redactForLog(describeDatabaseError(error))}\n`);
    if (process.env.DEBUG && error instanceof Error && error.stack) process.stderr.write(`${redactForLog(error.stack)}\n`);
    code = exitCodeOf(error);
  }
  process.exitCode = code;
}

/** Node arguments that run scripts/<script>.ts as `pnpm run` does (its build, through tools/run.mjs), for child processes. */
export function scriptArgs(script: string, args: string[] = []): string[] {
  return [path.join(PROJECT_ROOT, "tools", "run.mjs"), script, ...args];
}

/** The scripts/<name>.ts that a package.json script runs through the launcher ("node tools/run.mjs <name>"), else null. */
export function launchedScript(packageScript: string): string | null {
  return /^node tools\/run\.mjs ([\w-]+)$/.exec(packageScript)?.[1] ?? null;
}
