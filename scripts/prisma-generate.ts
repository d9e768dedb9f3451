// Runs `prisma generate` (postinstall). Generation never connects, but the CLI
// must be able to resolve env("DATABASE_URL") or it assumes the native query
// engine and tries to download it: give it a placeholder when none is set.
import { loadEnvFile } from "./lib/config.ts";
import { runPrismaCli } from "./lib/prisma-cli.ts";

loadEnvFile();
const env = { ...process.env };
env.DATABASE_URL ||= "postgresql://placeholder@localhost:5432/placeholder";
process.exitCode = await runPrismaCli(["generate"], { env });
