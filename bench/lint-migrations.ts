// `pnpm bench:lint-migrations [N]`: analysis of an N-migration history (default
// 200) and of a realistic generated Prisma-app history (bench/prisma-app-history.ts)
// — in-process (parser load included) and as the CLI a CI job runs — side by
// side with squawk (squawk-cli from npm, a Rust migration linter) on the same
// files, CLI and squawk runs alternating. Targets (issue 15): 200 migrations
// analysed in under 1 s of process wall time, within 3x of squawk. Also prints
// the precision of the blocking findings on the realistic history (scored
// against the statements the generator knows destroy data).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../scripts/lib/config.ts";
import { isBlocking } from "../scripts/lib/migrations/findings.ts";
import { lintMigrations } from "../scripts/lib/migrations/lint.ts";
import { migrationNames } from "../scripts/lib/migrations/sources.ts";
import { scriptArgs } from "../scripts/lib/cli.ts";
import { writePrismaAppHistory } from "./prisma-app-history.ts";

const count = Number(process.argv[2] ?? 200);
const RUNS = 5;

/** A Prisma-shaped history: new tables with keys and indexes, added columns, enums, renames, type changes, data fixes. */
function migrationSql(i: number): string {
  const t = `Table${i - (i % 5)}`;
  switch (i % 5) {
    case 0:
      return `-- CreateTable
CREATE TABLE "${t}" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "body" TEXT,
    "score" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "${t}_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "${t}_userId_idx" ON "${t}"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "${t}_title_key" ON "${t}"("title");

-- AddForeignKey
ALTER TABLE "${t}" ADD CONSTRAINT "${t}_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("privyDid") ON DELETE CASCADE ON UPDATE CASCADE;
`;
    case 1:
      return `-- AlterTable
ALTER TABLE "${t}" ADD COLUMN "tags" TEXT[], ADD COLUMN "views" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "User" ADD COLUMN "pref${i}" TEXT;

-- CreateIndex
CREATE INDEX "${t}_createdAt_idx" ON "${t}"("createdAt");
`;
    case 2:
      return `-- CreateEnum
CREATE TYPE "Kind${i}" AS ENUM ('A', 'B', 'C');

-- AlterTable
ALTER TABLE "${t}" ADD COLUMN "kind" "Kind${i}" NOT NULL DEFAULT 'A';

UPDATE "${t}" SET "score" = 1 WHERE "score" IS NULL;
`;
    case 3:
      return `SET lock_timeout = '5s';
-- AlterTable
ALTER TABLE "${t}" ALTER COLUMN "title" SET DATA TYPE TEXT;
ALTER TABLE "${t}" RENAME COLUMN "body" TO "content";
-- DropIndex
DROP INDEX "${t}_createdAt_idx";
`;
    default:
      return `-- safe-migrate: allow drop-column the content moved to the Revision table
ALTER TABLE "${t}" DROP COLUMN "content";
INSERT INTO "Achievement" ("id", "name", "description", "category", "pointsReward", "requirement")
VALUES ('ach_${i}', 'Badge ${i}', 'Reach level ${i}', 'SPECIAL', ${i}, '{"level": ${i}}');
`;
  }
}

function makeHistory(dir: string): void {
  for (let i = 0; i < count; i++) {
    const name = `2026${String(Math.floor(i / 28) + 1).padStart(2, "0").slice(-2)}${String((i % 28) + 1).padStart(2, "0")}120000_m${i}`;
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, "migration.sql"), migrationSql(i));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeProcess(command: string, args: string[]): { ms: number; code: number | null } {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: PROJECT_ROOT, stdio: "ignore", env: { ...process.env, GITHUB_ACTIONS: "" } });
  return { ms: performance.now() - started, code: result.status };
}

const ENGINE = { engine: "adapter-pg" as const, source: "prisma.config.ts" };
const require = createRequire(import.meta.url);
const squawkBin = path.join(path.dirname(require.resolve("squawk-cli/package.json")), "js", "bin", "squawk");

interface Measured {
  statements: number;
  findings: number;
  inProcess: number[];
  cli: number[];
  squawk: number[];
  cliCode: number | null;
  squawkCode: number | null;
}

async function measure(dir: string): Promise<Measured> {
  const files = migrationNames(dir).map((name) => path.join(dir, name, "migration.sql"));
  const inProcess: number[] = [];
  let statements = 0;
  let findings = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const result = await lintMigrations({ paths: [dir], engine: ENGINE });
    inProcess.push(performance.now() - started);
    statements = result.analyses.reduce((sum, analysis) => sum + analysis.statements, 0);
    findings = result.analyses.reduce((sum, analysis) => sum + analysis.findings.length, 0);
  }
  const cli: Array<{ ms: number; code: number | null }> = [];
  const squawk: Array<{ ms: number; code: number | null }> = [];
  for (let round = 0; round < 3; round++) {
    cli.push(timeProcess(process.execPath, scriptArgs("db-lint-migrations", [dir])));
    squawk.push(timeProcess(squawkBin, files));
  }
  return { statements, findings, inProcess, cli: cli.map((r) => r.ms), squawk: squawk.map((r) => r.ms), cliCode: cli[0]!.code, squawkCode: squawk[0]!.code };
}

function report(title: string, migrations: number, m: Measured): void {
  const cli = median(m.cli);
  const squawk = median(m.squawk);
  console.log(`${title}: ${migrations} migrations, ${m.statements} statements, ${m.findings} findings`);
  console.log(`  in-process analysis: first run ${m.inProcess[0]!.toFixed(0)} ms (Wasm parser load included), median of ${RUNS} ${median(m.inProcess).toFixed(0)} ms`);
  console.log(`  db:lint-migrations CLI (process start, module load, parse, rules, report): median of 3 ${cli.toFixed(0)} ms (exit ${m.cliCode})`);
  console.log(`  squawk 2.66.0 CLI on the same files: median of 3 ${squawk.toFixed(0)} ms (exit ${m.squawkCode})`);
  console.log(`  CLI / squawk: ${(cli / squawk).toFixed(1)}x; in-process analysis / squawk: ${(median(m.inProcess) / squawk).toFixed(1)}x`);
}

const TARGET_MS = 1000;
const synthetic = mkdtempSync(path.join(os.tmpdir(), "pdg-bench-lint-"));
const realistic = mkdtempSync(path.join(os.tmpdir(), "pdg-bench-lint-app-"));
try {
  makeHistory(synthetic);
  const history = writePrismaAppHistory(realistic);
  const load = os.loadavg().map((n) => n.toFixed(2)).join(" ");
  console.log(`bench:lint-migrations (${os.cpus().length} cores, node ${process.version}, load average ${load})`);
  const a = await measure(synthetic);
  report("Synthetic Prisma-shaped history", count, a);
  const b = await measure(realistic);
  report("Realistic Prisma-app history (bench/prisma-app-history.ts)", history.migrations, b);
  console.log(`  load average after the runs: ${os.loadavg().map((n) => n.toFixed(2)).join(" ")}`);
  const cli = median(a.cli);
  const ratio = cli / median(a.squawk);
  console.log(`target: ${count} migrations in < ${TARGET_MS} ms of CLI process wall time — ${cli < TARGET_MS ? "meets" : "MISSES"} it (${cli.toFixed(0)} ms); within 3x of squawk — ${ratio <= 3 ? "meets" : "MISSES"} it (${ratio.toFixed(1)}x)`);

  const result = await lintMigrations({ paths: [realistic], engine: ENGINE });
  const blocking = result.analyses.flatMap((analysis) => analysis.findings).filter(isBlocking);
  const right = blocking.filter((finding) => history.truth.get(finding.migration)?.has(finding.line));
  const destructive = [...history.truth.values()].reduce((sum, lines) => sum + lines.size, 0);
  const found = new Set(right.map((finding) => `${finding.migration}:${finding.line}`)).size;
  console.log(`precision on the realistic history: ${right.length} of ${blocking.length} blocking findings are right (${((100 * right.length) / Math.max(1, blocking.length)).toFixed(0)} %); ${found} of the ${destructive} statements that destroy data are blocked`);
  for (const finding of blocking.filter((f) => !right.includes(f))) console.log(`  wrong: ${finding.migration}:${finding.line} ${finding.rule}`);
} finally {
  rmSync(synthetic, { recursive: true, force: true });
  rmSync(realistic, { recursive: true, force: true });
}
