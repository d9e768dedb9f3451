// `pnpm bench:startup [--rounds 3]`: how long each db:* command takes to print
// --help and to reach its first real work (first query, first file read), as
// package.json runs it (node tools/run.mjs <command>: the build), side by side
// with the same through `pnpm run`, through tsx (the development path), and
// with squawk's start-up. No server is needed: the first query goes to a local
// port nobody listens on, so a command's run ends right after its first work;
// each run's output is checked for the evidence that it got that far.
// Target (issue 16): under 0.25 s for --help and for the first work.
import { createServer } from "node:net";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { launchedScript, scriptArgs } from "../scripts/lib/cli.ts";
import { PROJECT_ROOT } from "../scripts/lib/config.ts";
import { exportText, syntheticRecord } from "../scripts/lib/privy/synthetic-export.ts";
import { alternateRounds, defineBenchmark, median, runBenchmark } from "./lib/harness.ts";
import { measureProcess, type ProcessMeasurement } from "./lib/measure.ts";

const TARGET_MS = 250;

/** What a command's first work is, how to make it stop right after, and what its output says when it got there. */
interface Probe {
  work: string;
  args: string[];
  evidence: RegExp;
}

interface Fixtures {
  emptyDir: string;
  migrationsDir: string;
  migrationFile: string;
  exportFile: string;
}

const CONNECTS: Probe = { work: "connects (refused)", args: [], evidence: /ECONNREFUSED/ };

function probeFor(command: string, fixtures: Fixtures): Probe {
  const latestSet = { work: "looks for the latest set", args: ["latest", "--dir", fixtures.emptyDir], evidence: /no backup/i };
  const probes: Record<string, Probe> = {
    "db:alert": { work: "prints the alert (no webhook)", args: ["--title", "bench:startup probe"], evidence: /bench:startup probe/ },
    "db:backup-report": latestSet,
    "db:diff-backup": { ...latestSet, args: ["latest", "--against-db", "--dir", fixtures.emptyDir] },
    "db:verify-backup": latestSet,
    "db:restore": { ...latestSet, args: ["--from", "latest", "--dir", fixtures.emptyDir] },
    "db:restore-drill": { ...latestSet, args: ["--from", "latest", "--dir", fixtures.emptyDir] },
    "db:prune-backups": { work: "reads the backup directory", args: ["--dir", fixtures.emptyDir, "--dry-run"], evidence: /0 sets kept/ },
    "db:lint-migrations": { work: "lints 1 migration (parser load included)", args: [fixtures.migrationsDir], evidence: /^1 migration\(s\)/m },
    "db:restore-users": { work: "reads the export's header, connects (refused)", args: [fixtures.exportFile], evidence: /ECONNREFUSED/ },
  };
  return probes[command] ?? CONNECTS;
}

function makeFixtures(dir: string): Fixtures {
  const emptyDir = path.join(dir, "empty");
  const migrationsDir = path.join(dir, "migrations");
  const migrationFile = path.join(migrationsDir, "20260101000000_add_nickname", "migration.sql");
  mkdirSync(emptyDir);
  mkdirSync(path.dirname(migrationFile), { recursive: true });
  writeFileSync(migrationFile, 'SET lock_timeout = \'5s\';\n-- AlterTable\nALTER TABLE "User" ADD COLUMN "nickname" TEXT;\n');
  const exportFile = path.join(dir, "export.tsv");
  writeFileSync(exportFile, exportText([syntheticRecord(1)]));
  return { emptyDir, migrationsDir, migrationFile, exportFile };
}

/** A local port with no listener: a connection to it is refused at once. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Result {
  ms: number;
  cpuMs: number;
}

const summarize = (runs: ProcessMeasurement[]): Result => ({ ms: median(runs.map((r) => r.seconds * 1000)), cpuMs: median(runs.map((r) => r.cpuSeconds * 1000)) });
const figure = (result: Result | undefined) => (result ? `${result.ms.toFixed(0).padStart(5)} ms (cpu ${result.cpuMs.toFixed(0).padStart(3)})` : "—".padStart(19));

const program = defineBenchmark("bench:startup", "Time each db:* command's --help and first work against pnpm run, tsx and squawk.", { rounds: 3 });

await runBenchmark<{ rounds: number }>(program, async ({ rounds }) => {
  const scripts = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  const commands = Object.keys(scripts).filter((name) => name.startsWith("db:") && launchedScript(scripts[name]!) !== null);
  const work = mkdtempSync(path.join(os.tmpdir(), "pdg-bench-startup-"));
  try {
    const fixtures = makeFixtures(work);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: `postgresql://probe@127.0.0.1:${await refusedPort()}/probe`,
      BACKUP_DIR: fixtures.emptyDir,
      ALERT_WEBHOOK_URL: "",
      GITHUB_ACTIONS: "",
    };
    const node = (args: string[], expectExit: number | null = 0) => () => measureProcess(process.execPath, args, { env, expectExit, captureStdout: true });
    const squawkPackage = path.dirname(createRequire(import.meta.url).resolve("squawk-cli/package.json"));
    const squawkNpm = path.join(squawkPackage, "js", "bin", "squawk");
    const squawkNative = createRequire(path.join(squawkPackage, "package.json")).resolve("@squawk-cli/linux-x64/bin/squawk");

    const contestants: Record<string, () => Promise<ProcessMeasurement>> = {
      "node -e 0": node(["-e", "0"]),
      "pnpm --version": () => measureProcess("pnpm", ["--version"], { env }),
      "squawk --help (npm bin)": () => measureProcess(squawkNpm, ["--help"], { env }),
      "squawk --help (native)": () => measureProcess(squawkNative, ["--help"], { env }),
      "squawk 1 migration (npm bin)": () => measureProcess(squawkNpm, [fixtures.migrationFile], { env, expectExit: null }),
      "squawk 1 migration (native)": () => measureProcess(squawkNative, [fixtures.migrationFile], { env, expectExit: null }),
    };
    for (const command of commands) {
      const script = launchedScript(scripts[command]!)!;
      contestants[`${command} --help`] = node(scriptArgs(script, ["--help"]));
      contestants[`${command} first`] = node(scriptArgs(script, probeFor(command, fixtures).args), null);
      contestants[`${command} pnpm`] = () => measureProcess("pnpm", ["--silent", "run", command, "--help"], { env });
      contestants[`${command} tsx`] = node(["--import", "tsx", path.join(PROJECT_ROOT, "scripts", `${script}.ts`), "--help"]);
    }

    process.stdout.write("warm-up round (builds if the build is stale; not counted) …\n");
    await alternateRounds(1, contestants);
    const runs = await alternateRounds(rounds, contestants);
    const result = (label: string) => (runs[label] ? summarize(runs[label]!) : undefined);

    process.stdout.write(`\nmedians of ${rounds} alternating rounds: wall time of the process (user+system CPU in brackets)\n`);
    process.stdout.write(`  ${"command".padEnd(25)} ${"--help".padStart(19)} ${"first work".padStart(19)}  ${"pnpm run … --help".padStart(19)} ${"tsx --help".padStart(19)}  first work is\n`);
    const over: string[] = [];
    const pnpmCosts: number[] = [];
    for (const command of commands) {
      const probe = probeFor(command, fixtures);
      const firstRuns = runs[`${command} first`]!;
      const reached = firstRuns.every((run) => probe.evidence.test(`${run.stdout}${run.stderr}`));
      const first = reached ? summarize(firstRuns) : undefined;
      const help = result(`${command} --help`)!;
      const viaPnpm = result(`${command} pnpm`)!;
      pnpmCosts.push(viaPnpm.ms - help.ms);
      const what = reached ? probe.work : `NOT REACHED (exit ${firstRuns[0]!.code}: ${firstRuns[0]!.stderr.trim().split("\n")[0]}) — add a probe to bench/startup.ts`;
      process.stdout.write(`  ${command.padEnd(25)} ${figure(help)} ${figure(first)}  ${figure(viaPnpm)} ${figure(result(`${command} tsx`))}  ${what}\n`);
      if (help.ms >= TARGET_MS) over.push(`${command} --help`);
      if (!first || first.ms >= TARGET_MS) over.push(`${command} first work`);
    }
    process.stdout.write("\n");
    for (const label of ["squawk --help (npm bin)", "squawk --help (native)", "squawk 1 migration (npm bin)", "squawk 1 migration (native)", "node -e 0", "pnpm --version"]) {
      process.stdout.write(`  ${label.padEnd(29)} ${figure(result(label))}\n`);
    }
    const squawkHelp = result("squawk --help (npm bin)")!.ms;
    const helps = commands.map((command) => result(`${command} --help`)!.ms);
    process.stdout.write(
      `\n  --help: median over the commands ${median(helps).toFixed(0)} ms, slowest ${Math.max(...helps).toFixed(0)} ms; ` +
        `${(median(helps) / squawkHelp).toFixed(1)}× squawk's --help through its npm bin (${squawkHelp.toFixed(0)} ms)\n`,
    );
    process.stdout.write(`  pnpm run adds ${median(pnpmCosts).toFixed(0)} ms (median over the commands); pnpm --version alone takes ${result("pnpm --version")!.ms.toFixed(0)} ms\n`);
    process.stdout.write(
      over.length === 0
        ? `  target: every command's --help and first work under ${TARGET_MS} ms — met\n`
        : `  target: every command's --help and first work under ${TARGET_MS} ms — MISSED by ${over.join(", ")}\n`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
