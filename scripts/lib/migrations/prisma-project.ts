// Where the Prisma CLI finds its migrations: read from the project's
// prisma.config.ts, or from another config given with --config (the same flag
// Prisma takes, passed on to it), e.g. a copy of prisma/ used by the tests.
import { existsSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../errors.ts";
import { importPrismaConfig, PROJECT_PRISMA_CONFIG } from "../prisma-config.ts";
import { defaultBaselinePath } from "./baseline.ts";
import { engineFor, type EngineSetting } from "./engine.ts";

export interface PrismaProject {
  /** Absolute path of the prisma.config.ts in use. */
  configPath: string;
  migrationsDir: string;
  /** Arguments every Prisma CLI call gets (["--config", path] unless it is the project's own). */
  cliArgs: string[];
  /** How the schema engine runs migration.sql (the config's `engine`). */
  engine: EngineSetting;
  /** The baseline file beside the migrations directory (it may not exist). */
  baselineFile: string;
}

export async function loadPrismaProject(configPath?: string): Promise<PrismaProject> {
  const file = path.resolve(configPath ?? PROJECT_PRISMA_CONFIG);
  if (!existsSync(file)) throw new UsageError(`${file} does not exist; pass --config with the path of a prisma.config.ts.`);
  const loaded = await importPrismaConfig(file);
  const config = loaded.default ?? {};
  const base = path.dirname(file);
  const migrationsDir = config.migrations?.path
    ? path.resolve(base, config.migrations.path)
    : path.join(path.dirname(path.resolve(base, config.schema ?? "prisma/schema.prisma")), "migrations");
  return {
    configPath: file,
    migrationsDir,
    cliArgs: file === PROJECT_PRISMA_CONFIG ? [] : ["--config", file],
    engine: engineFor(config.engine, `${file}: engine ${JSON.stringify(config.engine ?? "classic")}`),
    baselineFile: defaultBaselinePath(migrationsDir),
  };
}

/** The Prisma command a user types for this project, e.g. for recovery guidance. */
export function prismaCommand(project: PrismaProject, args: string[]): string {
  return ["pnpm prisma", ...[...args, ...project.cliArgs].map(shellQuote)].join(" ");
}

/** A word as a POSIX shell reads it back unchanged. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
