import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';

// Issue 12 item 1: every change of the session's mode goes through transitions.ts. The mode is a
// getter without a setter on SessionContext (TypeScript refuses `ctx.mode = …`); its one field is
// written only by SessionContext's command/replied/event, each a call into the table. This reads
// the source so a later edit that adds a second way in fails here, not in a capture months later.
const SMTP = join(REPO_ROOT, 'src', 'smtp');

function code(file: string): string {
  // Comments may talk about the mode; only code counts.
  return readFileSync(join(SMTP, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

test('no file under src/smtp assigns a mode except SessionContext, and it only from the table', () => {
  const assigns = /\b(mode|modeNow)\s*(=|\?\?=|\|\|=)(?!=)/;
  for (const file of readdirSync(SMTP).filter((f) => f.endsWith('.ts'))) {
    const lines = code(file).split('\n').filter((l) => assigns.test(l));
    if (file === 'session-context.ts') {
      assert.ok(lines.length >= 3, 'the three transition methods write the mode');
      for (const l of lines) assert.match(l, /this\.modeNow = (next|after|initialMode)\(/, `session-context.ts: ${l.trim()}`);
    } else {
      // `const mode = p.ctx.mode` (a local read) is fine; a write to a field is not.
      const writes = lines.filter((l) => !/\b(const|let)\s+mode\s*=/.test(l));
      assert.deepEqual(writes, [], `${file} writes the mode directly`);
    }
  }
});

test('the session context exposes the mode read-only', () => {
  const ctx = code('session-context.ts');
  assert.match(ctx, /get mode\(\): SmtpMode/);
  assert.doesNotMatch(ctx, /set mode\(/);
  assert.match(ctx, /private modeNow: SmtpMode/);
});
