// db:lint-migrations --changed-from <ref>: which files changed since the
// point where the current branch left <ref> (git merge-base), counting
// committed, staged, unstaged and untracked changes alike, so a pull
// request's base and a developer's `main` give the same answer.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { UsageError } from "../errors.ts";

export interface ChangedFiles {
  ref: string;
  /** The merge-base commit the comparison starts from. */
  base: string;
  /** Absolute paths -> how they changed. */
  files: Map<string, "added" | "modified">;
  /** Absolute paths deleted since the base. */
  removed: string[];
}

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
}

function gitError(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim().split("\n")[0];
  return stderr || (error instanceof Error ? error.message : String(error));
}

export function changedSince(ref: string, cwd: string): ChangedFiles {
  let root: string;
  try {
    root = git(cwd, ["rev-parse", "--show-toplevel"]).trim();
  } catch (error) {
    throw new UsageError(`--changed-from needs a git repository, and ${cwd} is not in one (${gitError(error)}).`);
  }
  let base: string;
  try {
    base = git(root, ["merge-base", ref, "HEAD"]).trim();
  } catch (error) {
    throw new UsageError(
      `--changed-from ${ref}: git cannot find where HEAD left ${ref} (${gitError(error)}); fetch it first (in GitHub Actions: actions/checkout with fetch-depth: 0).`,
    );
  }
  const files = new Map<string, "added" | "modified">();
  const removed: string[] = [];
  const fields = git(root, ["diff", "--name-status", "--no-renames", "-z", base, "--"]).split("\0").filter(Boolean);
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const status = fields[i]!;
    const file = path.join(root, fields[i + 1]!);
    if (status === "D") removed.push(file);
    else files.set(file, status === "A" ? "added" : "modified");
  }
  for (const file of git(root, ["ls-files", "--others", "--exclude-standard", "-z"]).split("\0").filter(Boolean)) files.set(path.join(root, file), "added");
  return { ref, base, files, removed };
}
