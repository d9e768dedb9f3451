// This project's Prisma setup (the Wasm schema engine over @prisma/adapter-pg
// 6.19.3) runs migration.sql through the adapter's executeScript, which splits
// the file at EVERY ';' — also inside comments, strings and dollar-quoted
// bodies — and runs the pieces one by one, outside any transaction. Verified:
// a commented-out `-- DELETE FROM t; TRUNCATE t;` really truncates t.
import type { Hit } from "../findings.ts";
import type { SemicolonToken } from "../parse.ts";

export function scriptSplitHits(token: SemicolonToken): Hit {
  const preview = token.text.length > 60 ? `${token.text.slice(0, 59)}…` : token.text;
  if (token.kind === "comment") {
    const runs = token.text.slice(token.text.indexOf(";") + 1).replace(/\*\/$/, "").trim();
    return {
      rule: "semicolon-in-comment", severity: runs ? "data-loss" : "may-fail",
      message: runs
        ? `The comment ${preview} holds a ';': Prisma's adapter splits migration.sql at every ';', so "${runs.slice(0, 60)}" after it RUNS AS SQL.`
        : `The comment ${preview} holds a ';': Prisma's adapter splits migration.sql there, cutting the comment from the statement after it.`,
      advice: "Remove the ';' from the comment (write SQL examples without semicolons, or delete them).",
    };
  }
  return {
    rule: "semicolon-in-literal", severity: "may-fail",
    message: `The ${token.kind} ${preview} holds a ';': Prisma's adapter splits migration.sql at every ';', cutting the statement in two; it fails midway and the statements before it stay applied (no transaction).`,
    advice: token.kind === "identifier"
      ? "Rename the identifier without ';'."
      : "Build the value without a literal ';' (e.g. chr(59)), and keep functions with several statements out of Prisma migrations or apply them with psql.",
  };
}
