// One client command applied to the session (Zeek-style: advance on the command, correct on the
// reply): the mode advances through transitions.ts, the command joins or opens a transaction, and
// it waits in the reply matcher for its reply.
import { argText, parsePathArg } from './command.js';
import type { Command } from './command.js';
import { bdatCommand, dataCommand } from './data-input.js';
import { authCommand } from './session-auth.js';
import type { SessionParts } from './session-parts.js';
import { endTx, implicitTx, startTx } from './tx-lifecycle.js';

export function onCommand(p: SessionParts, cmd: Command): void {
  const ctx = p.ctx;
  const m = p.matcher;
  if (p.pickup !== null || !p.pickupOver) p.dropPickup();
  const verb = cmd.verb;
  p.record.commands++;
  ctx.counters.command(verb);
  ctx.command(verb);
  switch (verb) {
    case 'HELO':
    case 'EHLO': {
      // RFC 5321 §4.1.4: an accepted HELO/EHLO inside a transaction resets it, as RSET does; a
      // refused one changes nothing. Its reply decides (server-side.ts applyReply).
      const tx = ctx.tx;
      if (tx !== null) tx.resetPending = true;
      ctx.helo = argText(cmd.arg);
      m.push(ctx, verb, tx, 0);
      break;
    }
    case 'MAIL':
      mailCommand(p, cmd.arg);
      break;
    case 'RCPT': {
      const tx = ctx.tx ?? implicitTx(ctx, 'RCPT');
      const path = parsePathArg(cmd.arg, 'TO');
      const limit = ctx.opts.limits.recipients;
      let idx = -1;
      if (tx.rcpts.length < limit) {
        idx = tx.rcpts.length;
        tx.rcpts.push({ address: path.address, params: path.params, code: 0 });
      } else if (++tx.rcptDropped === 1) {
        ctx.anomaly('smtp_recipients_exceeded', `more than ${limit} recipients`);
      }
      m.push(ctx, 'RCPT', tx, idx);
      break;
    }
    case 'DATA':
      dataCommand(p, ctx.tx ?? implicitTx(ctx, 'DATA'));
      break;
    case 'BDAT':
      bdatCommand(p, cmd.arg);
      break;
    case 'RSET':
    case 'QUIT':
      endTx(ctx, m);
      m.push(ctx, verb, null, 0);
      break;
    case 'AUTH':
      authCommand(p, cmd.arg);
      break;
    case 'STARTTLS':
      if (ctx.starttls !== 'succeeded') ctx.starttls = 'attempted';
      m.push(ctx, verb, ctx.tx, 0);
      break;
    default:
      if (verb === 'other') ctx.anomaly('smtp_unknown_command');
      m.push(ctx, verb, ctx.tx, 0);
  }
}

function mailCommand(p: SessionParts, arg: Buffer): void {
  const ctx = p.ctx;
  const m = p.matcher;
  // A HELO/EHLO whose reply was never seen (one-sided capture, lost reply) is taken as accepted.
  if (ctx.tx !== null && ctx.tx.resetPending) endTx(ctx, m);
  const prev = ctx.tx;
  // A transaction opened by RCPT/DATA without MAIL holds no envelope at the server (it
  // answered 503): a MAIL after it is the first one, not a nested one (Zeek
  // smtp-mail-transactions-invalid, suricata-verify firewall-133).
  const nested = prev !== null && prev.hasMail;
  if (nested) ctx.anomaly('smtp_nested_mail');
  endTx(ctx, m, false);
  const tx = startTx(ctx);
  tx.nested = nested;
  if (nested && !prev.bdat && prev.dataBytes === 0) {
    // Held until this MAIL's reply: a refusal resumes it (tx-lifecycle.ts resumeInterrupted).
    tx.interrupted = prev;
    prev.heldFor = tx;
  }
  const path = parsePathArg(arg, 'FROM');
  tx.hasMail = true;
  tx.mailFrom = path.address;
  tx.mailParams = path.params;
  m.push(ctx, 'MAIL', tx, 0);
  m.flush(ctx, false);
}
