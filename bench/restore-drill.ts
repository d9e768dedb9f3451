// `pnpm bench:restore-drill [--sizes 1000000] [--rounds 3] [--server URL]`:
// for each size, seeds N users plus related rows on the machine's PostgreSQL,
// backs them up once (db:backup's library), then times, in alternating rounds:
//   drill:      db:restore-drill --from <summary> — the whole drill on the
//               embedded PostgreSQL 17: start it, rebuild the schema from the
//               migrations, restore, every check, the report, the cleanup
//   reference:  db:restore --from <summary> of the same set into an empty
//               migrated database (created before the clock starts)
// and prints median wall time, peak RSS and CPU time (bench/lib/measure.ts),
// the drill's ratio to the plain restore (target: within 1.5×), its peak RSS
// (target: under 250 MB), and the drill's own step durations (from its report).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createBackup } from "../scripts/lib/backup/index.ts";
import { scriptArgs } from "../scripts/lib/cli.ts";
import { parseDatabaseUrl } from "../scripts/lib/config.ts";
import { createDatabase, dropDatabase } from "../scripts/lib/database-admin.ts";
import type { DrillReport } from "../scripts/lib/drill/index.ts";
import { OperationError } from "../scripts/lib/errors.ts";
import { alternateRounds, defineBenchmark, median, runBenchmark, type BenchmarkOptions } from "./lib/harness.ts";
import { measureProcess, type ProcessMeasurement } from "./lib/measure.ts";
import { seededSource } from "./lib/seeded-database.ts";

const program = defineBenchmark("bench:restore-drill", "Time db:restore-drill (embedded PostgreSQL) against a plain db:restore of the same set.", {
  server: true,
  rounds: 3,
  sizes: [1_000_000],
});

const DRILL = "db:restore-drill (whole drill)";
const RESTORE = "db:restore (verify + load)";
const RATIO_TARGET = 1.5;
const RSS_TARGET_MB = 250;

await runBenchmark<BenchmarkOptions>(program, async ({ server, rounds, sizes }) => {
  const summary: string[] = [];
  for (const users of sizes) {
    const prefix = `drill_bench_${users}_${process.pid}`;
    const names = { template: `${prefix}_tpl`, source: `${prefix}_src`, target: `${prefix}_target` };
    const work = mkdtempSync(path.join(os.tmpdir(), "pdg-bench-drill-"));
    try {
      process.stdout.write(`\n${users.toLocaleString("en-US")} users\n`);
      const { url: sourceUrl, rows } = await seededSource(server, names, users);
      const { summaryPath, summary: set } = await createBackup({ target: parseDatabaseUrl(sourceUrl), outDir: path.join(work, "backup"), kind: "manual" });
      process.stdout.write(`  ${rows.toLocaleString("en-US")} rows; backup set ${(set.tables.reduce((sum, t) => sum + t.bytes, 0) / 1e6).toFixed(1)} MB\n`);

      const drillSteps: DrillReport["steps"][] = [];
      const drillOwnRss: number[] = [];
      const runs = await alternateRounds<ProcessMeasurement>(rounds, {
        [DRILL]: async () => {
          const measured = await measureProcess(process.execPath, scriptArgs("db-restore-drill", ["--from", summaryPath, "--json"]), { captureStdout: true });
          const report = JSON.parse(measured.stdout) as DrillReport;
          if (report.outcome !== "passed") throw new OperationError(`the drill failed: ${report.failure}`);
          drillSteps.push(report.steps);
          drillOwnRss.push(report.peakRssMb);
          return measured;
        },
        [RESTORE]: async () => {
          await dropDatabase(server, names.target);
          const url = await createDatabase(server, names.target, names.template);
          return measureProcess(process.execPath, scriptArgs("db-restore", ["--from", summaryPath]), { env: { ...process.env, DATABASE_URL: url } });
        },
      });

      process.stdout.write(`  medians of ${rounds} alternating rounds (peak RSS: the highest)\n`);
      process.stdout.write(`  ${"".padEnd(32)} ${"wall s".padStart(7)} ${"peak RSS MB".padStart(12)} ${"CPU s".padStart(6)}\n`);
      const seconds: Record<string, number> = {};
      const peak: Record<string, number> = {};
      for (const [label, list] of Object.entries(runs)) {
        seconds[label] = median(list.map((r) => r.seconds));
        peak[label] = Math.max(...list.map((r) => r.peakRssMb));
        process.stdout.write(
          `  ${label.padEnd(32)} ${seconds[label]!.toFixed(2).padStart(7)} ${peak[label]!.toFixed(0).padStart(12)} ${median(list.map((r) => r.cpuSeconds)).toFixed(2).padStart(6)}\n`,
        );
      }
      const stepNames = drillSteps[0]?.map((step) => step.name) ?? [];
      const stepMedians = stepNames.map((name) => `${name} ${(median(drillSteps.map((steps) => steps.find((s) => s.name === name)?.durationMs ?? 0)) / 1000).toFixed(2)} s`);
      process.stdout.write(`  drill steps (medians): ${stepMedians.join(", ")}\n`);
      process.stdout.write(`  peak RSS of the drill's own process (its report): ${Math.max(...drillOwnRss)} MB; the tree's peak above also counts Prisma's CLI and the server\n`);
      const ratio = seconds[DRILL]! / seconds[RESTORE]!;
      const line =
        `drill / restore ${ratio.toFixed(2)}× (target ≤ ${RATIO_TARGET}×, ${ratio <= RATIO_TARGET ? "meets" : "MISSES"} it); ` +
        `drill peak RSS ${peak[DRILL]!.toFixed(0)} MB (target < ${RSS_TARGET_MB} MB, ${peak[DRILL]! < RSS_TARGET_MB ? "meets" : "MISSES"} it)`;
      process.stdout.write(`  ${line}\n`);
      summary.push(`${users.toLocaleString("en-US")} users, ${rows.toLocaleString("en-US")} rows: ${line}`);
    } finally {
      for (const name of Object.values(names)) await dropDatabase(server, name).catch(() => {});
      rmSync(work, { recursive: true, force: true });
    }
  }
  process.stdout.write(`\nsummary\n${summary.map((line) => `  ${line}`).join("\n")}\n`);
});
