// Runs the Prisma CLI of this project as a child process, with the preload
// that stops the Wasm engine's stray 10 s timer from holding the process open.
import { spawn } from "node:child_process";
import path from "node:path";
import { createRequire } from "node:module";
import { PROJECT_ROOT } from "./config.ts";

const UNREF_PRELOAD = path.join(PROJECT_ROOT, "scripts", "lib", "prisma", "unref-long-timers.cjs");

export interface PrismaCliOptions {
  env?: NodeJS.ProcessEnv;
  /** "inherit" shows Prisma's output live; "pipe" captures it. */
  stdio?: "inherit" | "pipe";
}

export interface PrismaCliResult {
  code: number;
  output: string;
}

export async function runPrismaCli(args: string[], options: PrismaCliOptions = {}): Promise<number> {
  return (await runPrismaCliCaptured(args, { stdio: "inherit", ...options })).code;
}

export function runPrismaCliCaptured(args: string[], options: PrismaCliOptions = {}): Promise<PrismaCliResult> {
  const env = { ...(options.env ?? process.env) };
  env.NODE_OPTIONS = [env.NODE_OPTIONS, `--require=${UNREF_PRELOAD}`].filter(Boolean).join(" ");
  // Prisma's update check would try the network on every run.
  env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
  env.CHECKPOINT_DISABLE = "1";
  const stdio = options.stdio ?? "pipe";
  return new Promise((resolve, reject) => {
    // Resolved here rather than at import: the commands that import this module start no faster for a lookup they may not need.
    const prismaBin = createRequire(import.meta.url).resolve("prisma/build/index.js", { paths: [PROJECT_ROOT] });
    const child = spawn(process.execPath, [prismaBin, ...args], {
      cwd: PROJECT_ROOT,
      env,
      stdio: stdio === "inherit" ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}
