// The one line a failed load becomes: PostgreSQL's detail quotes the key's
// values, which can be a whole multi-line text; the line keeps it on one line
// and short, and still says that nothing changed and what to do.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadFailure, REBUILDING } from "../../scripts/lib/restore/load-transaction.ts";

describe("loadFailure", () => {
  it("puts a key violation's detail on one line, cut at 200 characters, with the next step", () => {
    const value = "line one\nline two\r\n".repeat(40);
    const error = Object.assign(new Error('insert or update on table "Comment" violates foreign key constraint "Comment_text_fkey"'), {
      code: "23503",
      detail: `Key (text)=(${value}) is not present in table "User".`,
    });
    const message = loadFailure(error, REBUILDING).message;
    assert.ok(!/[\r\n]/.test(message), message);
    const detail = /\(Key \(text\)=\((.*?)…\)/.exec(message);
    assert.ok(detail, message);
    assert.equal(`Key (text)=(${detail[1]}`.length, 200);
    assert.ok(detail[1]!.startsWith("line one\\nline two\\nline one"), detail[1]);
    assert.match(message, /rebuilding indexes and keys; nothing was changed \(the transaction was rolled back\)\. .*drop that key, then restore again\.$/);
  });

  it("keeps a short detail whole", () => {
    const error = Object.assign(new Error("duplicate key value violates unique constraint \"User_email_key\""), { code: "23505", detail: "Key (id)=(7) already exists." });
    assert.match(loadFailure(error, REBUILDING).message, /\(Key \(id\)=\(7\) already exists\.\) — the restore failed at rebuilding/);
  });
});
