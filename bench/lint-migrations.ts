// `pnpm bench:lint-migrations [N] [--rounds 5]`: analysis of an N-migration
// history (default 200) and of a realistic generated Prisma-app history
// (bench/prisma-app-history.ts) — in-process (parser load included) and as the
// CLI a CI job runs (the build, as package.json runs it) — side by side with
// squawk (squawk-cli from npm, a Rust migration linter) on the same files, in
// alternating rounds, measured by bench/lib/measure.ts. Targets (issue 15): 200
// migrations analysed in under 1 s of process wall time, within 3x of squawk.
// Also prints the precision of the blocking findings on the realistic history
// (scored against the statements the generator knows destroy data).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { positiveInteger, scriptArgs } from "../scripts/lib/cli.ts";
import { isBlocking } from "../scripts/lib/migrations/findings.ts";
import { lintMigrations } from "../scripts/lib/migrations/lint.ts";
import { migrationNames } from "../scripts/lib/migrations/sources.ts";
import { alternateRounds, defineBenchmark, median, runBenchmark } from "./lib/harness.ts";
import { measureProcess } from "./lib/measure.ts";
import { writePrismaAppHistory } from "./prisma-app-history.ts";

const program = defineBenchmark("bench:lint-migrations", "Time the migration analysis against squawk on the same files.", { rounds: 5 })
  .argument("[migrations]", "migrations in the generated history", positiveInteger("migrations"), 200);

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

function makeHistory(dir: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const name = `2026${String(Math.floor(i / 28) + 1).padStart(2, "0").slice(-2)}${String((i % 28) + 1).padStart(2, "0")}120000_m${i}`;
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, "migration.sql"), migrationSql(i));
  }
}

const ENGINE = { engine: "adapter-pg" as const, source: "prisma.config.ts" };
const TARGET_MS = 1000;
const squawkBin = path.join(path.dirname(createRequire(import.meta.url).resolve("squawk-cli/package.json")), "js", "bin", "squawk");

/** Times one history in-process and as the CLI beside squawk; prints the figures; returns the CLI and squawk medians. */
async function measureHistory(title: string, dir: string, rounds: number): Promise<{ cliMs: number; squawkMs: number }> {
  const files = migrationNames(dir).map((name) => path.join(dir, name, "migration.sql"));
  const inProcess: number[] = [];
  let statements = 0;
  let findings = 0;
  for (let run = 0; run < rounds; run++) {
    const started = performance.now();
    const result = await lintMigrations({ paths: [dir], engine: ENGINE });
    inProcess.push(performance.now() - started);
    statements = result.analyses.reduce((sum, analysis) => sum + analysis.statements, 0);
    findings = result.analyses.reduce((sum, analysis) => sum + analysis.findings.length, 0);
  }
  const env = { ...process.env, GITHUB_ACTIONS: "" };
  // Both may exit 1: the histories hold findings by design.
  const runs = await alternateRounds(rounds, {
    cli: () => measureProcess(process.execPath, scriptArgs("db-lint-migrations", [dir]), { env, expectExit: null }),
    squawk: () => measureProcess(squawkBin, files, { env, expectExit: null }),
  });
  const cliMs = median(runs.cli!.map((r) => r.seconds * 1000));
  const squawkMs = median(runs.squawk!.map((r) => r.seconds * 1000));
  console.log(`${title}: ${files.length} migrations, ${statements} statements, ${findings} findings`);
  console.log(`  in-process analysis: first run ${inProcess[0]!.toFixed(0)} ms (Wasm parser load included), median of ${rounds} ${median(inProcess).toFixed(0)} ms`);
  console.log(`  db:lint-migrations CLI (process start, module load, parse, rules, report): median of ${rounds} ${cliMs.toFixed(0)} ms (exit ${runs.cli![0]!.code})`);
  console.log(`  squawk 2.66.0 CLI on the same files: median of ${rounds} ${squawkMs.toFixed(0)} ms (exit ${runs.squawk![0]!.code})`);
  console.log(`  CLI / squawk: ${(cliMs / squawkMs).toFixed(1)}x; in-process analysis / squawk: ${(median(inProcess) / squawkMs).toFixed(1)}x`);
  return { cliMs, squawkMs };
}

await runBenchmark<{ rounds: number }>(program, async ({ rounds }) => {
  const count = program.processedArgs[0] as number;
  const synthetic = mkdtempSync(path.join(os.tmpdir(), "pdg-bench-lint-"));
  const realistic = mkdtempSync(path.join(os.tmpdir(), "pdg-bench-lint-app-"));
  try {
    makeHistory(synthetic, count);
    const history = writePrismaAppHistory(realistic);
    const { cliMs, squawkMs } = await measureHistory("Synthetic Prisma-shaped history", synthetic, rounds);
    await measureHistory("Realistic Prisma-app history (bench/prisma-app-history.ts)", realistic, rounds);
    const ratio = cliMs / squawkMs;
    console.log(`target: ${count} migrations in < ${TARGET_MS} ms of CLI process wall time — ${cliMs < TARGET_MS ? "meets" : "MISSES"} it (${cliMs.toFixed(0)} ms); within 3x of squawk — ${ratio <= 3 ? "meets" : "MISSES"} it (${ratio.toFixed(1)}x)`);

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
});
