// `pnpm prisma …`: the Prisma CLI with this project's offline setup (Wasm
// engine, preload that lets it exit as soon as its work is done).
import { runPrismaCli } from "./lib/prisma-cli.ts";

process.exitCode = await runPrismaCli(process.argv.slice(2));
