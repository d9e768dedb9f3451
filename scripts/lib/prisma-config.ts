// Imports a prisma.config.ts for the paths in it (schema, migrations) without
// loading Prisma's packages (tools/prisma-config-stand-ins.mjs says why and
// how). The project's own config is bundled so by the build, next to the
// commands; another one (--config) is bundled here with esbuild into a copy in
// dist/prisma-config/, where its package imports resolve as the project's do,
// and imported from there (import.meta inside it then names that copy).
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { BUILT_PRISMA_CONFIG, prismaConfigStandIns } from "../../tools/prisma-config-stand-ins.mjs";
import { PROJECT_ROOT } from "./config.ts";
import { ConfigError } from "./errors.ts";

export interface PrismaConfigPaths {
  schema?: string;
  migrations?: { path?: string };
  /** The schema engine setting ("js" or "classic"); read by migrations/engine.ts. */
  engine?: unknown;
}

export const PROJECT_PRISMA_CONFIG = path.join(PROJECT_ROOT, "prisma.config.ts");

/** Beside this code when it runs from the build (dist/<id>/); absent when it runs from source (tsx). */
const BUILT_PROJECT_CONFIG = path.join(import.meta.dirname, BUILT_PRISMA_CONFIG);
const BUNDLE_DIR = path.join(PROJECT_ROOT, "dist", "prisma-config");

export async function importPrismaConfig(file: string): Promise<{ default?: PrismaConfigPaths }> {
  if (file === PROJECT_PRISMA_CONFIG && existsSync(BUILT_PROJECT_CONFIG)) return importFile(BUILT_PROJECT_CONFIG);
  // Imported once, then removed: the module stays loaded, and no copies pile up.
  const copy = path.join(BUNDLE_DIR, `${process.pid}-${randomUUID()}.mjs`);
  mkdirSync(BUNDLE_DIR, { recursive: true });
  writeFileSync(copy, await bundle(file));
  try {
    return await importFile(copy);
  } finally {
    rmSync(copy, { force: true });
  }
}

const importFile = async (file: string) => (await import(pathToFileURL(file).href)) as { default?: PrismaConfigPaths };

async function bundle(file: string): Promise<Uint8Array> {
  const esbuild = await import("esbuild");
  try {
    const result = await esbuild.build({
      entryPoints: [file],
      bundle: true,
      packages: "external",
      format: "esm",
      platform: "node",
      target: "node20",
      write: false,
      outfile: "prisma.config.mjs",
      logLevel: "silent",
      plugins: [prismaConfigStandIns],
    });
    return result.outputFiles[0]!.contents;
  } catch (error) {
    const first = (error as { errors?: { text: string }[] }).errors?.[0]?.text;
    throw new ConfigError(`${file} cannot be read: ${first ?? String(error)}`);
  }
}
