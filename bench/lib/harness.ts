// What every benchmark shares: one definition of the common options, a header
// and a footer with the machine's load average beside the figures, rounds that
// alternate the contestants, and medians.
import os from "node:os";
import type { Command } from "commander";
import { commaList, defineCommand, positiveInteger, runCli } from "../../scripts/lib/cli.ts";
import { redactCredentials } from "../../scripts/lib/redact.ts";

/** The machine's own PostgreSQL, whose pg_dump, pg_restore and psql match the server. */
export const DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres";

export interface BenchmarkOptions {
  server: string;
  rounds: number;
  sizes: number[];
}

/**
 * A benchmark's command line. --server, --rounds and --sizes are defined here
 * once; a benchmark takes those it names a default for.
 */
export function defineBenchmark(name: string, description: string, defaults: { server?: true; rounds?: number; sizes?: number[] }): Command {
  const command = defineCommand(name, description);
  if (defaults.server) command.option("--server <url>", "admin URL of the PostgreSQL server to run on", DEFAULT_SERVER);
  if (defaults.rounds !== undefined) {
    command.option("--rounds <n>", "rounds, each running every contestant once, in alternating order; medians are reported", positiveInteger("--rounds"), defaults.rounds);
  }
  if (defaults.sizes) {
    command.option("--sizes <list>", "users to seed, one database per size (comma-separated)", (value: string) => commaList(value).map(positiveInteger("--sizes")), defaults.sizes);
  }
  return command;
}

/** "load average 0.81 0.39 0.33 (1, 5, 15 min)" */
export function loadAverage(): string {
  return `load average ${os.loadavg().map((load) => load.toFixed(2)).join(" ")} (1, 5, 15 min)`;
}

/**
 * Parses the command line, prints the machine and the load average, runs the
 * benchmark, and prints the load average again at the end.
 */
export async function runBenchmark<T>(program: Command, main: (options: T) => Promise<void>): Promise<void> {
  await runCli(async () => {
    const options = program.parse().opts() as T;
    const server = (options as Partial<BenchmarkOptions>).server;
    const where = server ? ` on ${redactCredentials(server)}` : "";
    process.stdout.write(`${program.name()}${where}: ${os.cpus().length} cores, node ${process.version}, ${new Date().toISOString()}, ${loadAverage()} at start\n`);
    try {
      await main(options);
    } finally {
      process.stdout.write(`${program.name()}: ${new Date().toISOString()}, ${loadAverage()} at end\n`);
    }
  });
}

/**
 * Runs every contestant once per round, in the listed order in even rounds and
 * reversed in odd ones, so no contestant always runs first (on a cold cache) or
 * right after the same neighbour. Returns each contestant's results in round order.
 */
export async function alternateRounds<T>(rounds: number, contestants: Record<string, () => Promise<T>>): Promise<Record<string, T[]>> {
  const names = Object.keys(contestants);
  const results: Record<string, T[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) results[name]!.push(await contestants[name]!());
  }
  return results;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
