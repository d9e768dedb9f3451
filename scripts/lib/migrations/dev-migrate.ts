// db:migrate, the development path: the guarded run of safe-migrate around
// `prisma migrate dev` (arguments forwarded), refused on anything that looks
// like production, with the new migrations it wrote analysed afterwards.
import { ConfigError } from "../errors.ts";
import type { DatabaseTarget } from "../config.ts";
import { runPrismaCliCaptured, type PrismaCliResult } from "../prisma-cli.ts";
import type { MigrationAnalysis } from "./analyze.ts";
import { lintMigrations } from "./lint.ts";
import type { PrismaProject } from "./prisma-project.ts";
import { safeMigrate, type RunResult, type SafeMigrateOptions } from "./safe-migrate.ts";
import { migrationNames } from "./sources.ts";

/** Prisma 6.19's Wasm engine may say this once right after applying pending migrations; a rerun succeeds. */
export const SHADOW_DB_GLITCH = "PostgreSQL shadow DB must be provided through an external factory";

export function refuseProduction(target: DatabaseTarget, env: NodeJS.ProcessEnv): void {
  const hosts = (env.PRODUCTION_DATABASE_HOSTS ?? "").split(",").map((host) => host.trim().toLowerCase()).filter(Boolean);
  const why = env.NODE_ENV === "production"
    ? "NODE_ENV is production"
    : hosts.includes(target.host.toLowerCase())
      ? `its host ${target.host} is listed in PRODUCTION_DATABASE_HOSTS`
      : null;
  if (why) {
    throw new ConfigError(`refusing to run prisma migrate dev: DATABASE_URL looks like production (${why}). Deploy with \`pnpm run db:migrate-deploy\` instead.`);
  }
}

export async function runMigrateDev(target: DatabaseTarget, project: PrismaProject, args: string[], log: (line: string) => void): Promise<PrismaCliResult> {
  const run = () => runPrismaCliCaptured(["migrate", "dev", ...args, ...project.cliArgs], { env: { ...process.env, DATABASE_URL: target.url } });
  const first = await run();
  if (first.code === 0 || !first.output.includes(SHADOW_DB_GLITCH)) return first;
  log(`prisma migrate dev stopped with "${SHADOW_DB_GLITCH}" (a known Prisma 6.19 Wasm-engine glitch after it applies pending migrations); running it once more.`);
  const second = await run();
  return { code: second.code, output: `${first.output}\n--- retry ---\n${second.output}` };
}

export interface DevMigrateResult extends RunResult {
  /** Migrations `migrate dev` wrote, analysed statically. */
  created: MigrationAnalysis[];
}

export async function devMigrate(options: Omit<SafeMigrateOptions, "dryRun" | "runPrisma" | "runWhenNothingPending">, prismaArgs: string[], env: NodeJS.ProcessEnv): Promise<DevMigrateResult> {
  refuseProduction(options.target, env);
  const before = new Set(migrationNames(options.project.migrationsDir));
  const result = await safeMigrate({
    ...options,
    dryRun: false,
    runWhenNothingPending: true,
    runPrisma: () => runMigrateDev(options.target, options.project, prismaArgs, options.log),
  });
  // The new migrations are judged against the history before them (replayed), like db:lint-migrations does.
  const created = migrationNames(options.project.migrationsDir).some((name) => !before.has(name))
    ? (await lintMigrations({ paths: [options.project.migrationsDir], engine: options.project.engine, baseline: { file: options.project.baselineFile, required: false } }))
        .analyses.filter((analysis) => !before.has(analysis.name))
    : [];
  return { ...result, created };
}
