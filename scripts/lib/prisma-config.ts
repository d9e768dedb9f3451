// Imports a prisma.config.ts for the paths in it (schema, migrations) without
// loading Prisma's packages (tools/prisma-config-stand-ins.mjs says why and
// how). The project's own config is bundled so by the build, next to the
// commands; another one (--config) is bundled here with esbuild, written under
// dist/prisma-config/, where its package imports resolve as the project's do,
// and imported from there (import.meta inside it then names that copy).
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { BUILT_PRISMA_CONFIG, prismaConfigStandIns } from "../../tools/prisma-config-stand-ins.mjs";
import { PROJECT_ROOT } from "./config.ts";
import { ConfigError } from "./errors.ts";

export interface PrismaConfigPaths {
  schema?: string;
  migrations?: { path?: string };
}

export const PROJECT_PRISMA_CONFIG = path.join(PROJECT_ROOT, "prisma.config.ts");

/** Beside this code when it runs from the build (dist/<id>/); absent when it runs from source (tsx). */
const BUILT_PROJECT_CONFIG = path.join(import.meta.dirname, BUILT_PRISMA_CONFIG);
const BUNDLE_DIR = path.join(PROJECT_ROOT, "dist", "prisma-config");

export async function importPrismaConfig(file: string): Promise<{ default?: PrismaConfigPaths }> {
  const built = file === PROJECT_PRISMA_CONFIG && existsSync(BUILT_PROJECT_CONFIG) ? BUILT_PROJECT_CONFIG : await bundle(file);
  return (await import(pathToFileURL(built).href)) as { default?: PrismaConfigPaths };
}

/** Bundles `file` into dist/prisma-config/<hash>.mjs; returns that path. */
async function bundle(file: string): Promise<string> {
  const esbuild = await import("esbuild");
  let code: Uint8Array;
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
    code = result.outputFiles[0]!.contents;
  } catch (error) {
    const first = (error as { errors?: { text: string }[] }).errors?.[0]?.text;
    throw new ConfigError(`${file} cannot be read: ${first ?? String(error)}`);
  }
  const out = path.join(BUNDLE_DIR, `${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`);
  mkdirSync(BUNDLE_DIR, { recursive: true });
  const temporary = `${out}.tmp-${process.pid}`;
  writeFileSync(temporary, code);
  renameSync(temporary, out);
  return out;
}
