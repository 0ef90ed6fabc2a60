// The client side of an SMTP session: client bytes framed by the mode (command lines, DATA, BDAT
// chunks, AUTH responses, TLS), the midstream-pickup guess before the first command, and client
// gaps. Consumes BORROWED client bytes.
//
// Midstream pickup (no SYN seen): parsing starts as after a gap: client lines are skipped until a
// known command verb, and the bytes before it may be the tail of a message (midstream-pickup.ts).
import { parseCommandAt } from './command.js';
import { onCommand } from './command-handler.js';
import { bdatChunkEnd, readBdat, readData } from './data-input.js';
import { MidstreamPickup } from './midstream-pickup.js';
import type { MessageParser } from './message-parser.js';
import { authResponse } from './session-auth.js';
import type { SessionParts } from './session-parts.js';
import { startTls } from './session-tls.js';
import { holdMore, releaseStrict } from './smuggling-arbiter.js';
import { closeTx, endMessage, parserOf, startTx } from './tx-lifecycle.js';

export function clientBytes(p: SessionParts, chunk: Buffer): void {
  if (p.client.opaque) return;
  if (!p.pickupOver && p.ctx.mode === 'after_gap') {
    pickupBytes(p, chunk);
    return;
  }
  clientChunk(p, chunk);
}

/**
 * Client bytes before the first command of a midstream session: lines as usual, and the DATA
 * guess, one line at a time so that where the guess stops never depends on the segmentation.
 */
function pickupBytes(p: SessionParts, chunk: Buffer): void {
  // One closure, made only for a midstream session's guess.
  const g = (p.pickup ??= new MidstreamPickup(p.ctx.now, () => pickupParser(p)));
  let off = 0;
  while (off < chunk.length) {
    const lf = chunk.indexOf(0x0a, off);
    const piece = chunk.subarray(off, lf < 0 ? chunk.length : lf + 1);
    if (piece[0] === 0x16 && p.client.lines.pending === 0) {
      // A TLS record at a line start: the client turns opaque or starts TLS, so the guess ends
      // before it reads any of it, however the chunk is cut (fuzz finding bdat-huge-size-chunking).
      p.dropPickup();
      break;
    }
    const end = g.read(piece);
    clientChunk(p, end < 0 ? piece : piece.subarray(0, end));
    off += end < 0 ? piece.length : end;
    if (p.pickup !== g) break; // a command came first: the rest is parsed as usual
    if (end >= 0) {
      // No command before it: this was the end of a message whose start was not captured.
      endPickedUpMessage(p, g);
      break;
    }
  }
  if (off < chunk.length) clientBytes(p, chunk.subarray(off));
}

function pickupParser(p: SessionParts): MessageParser | null {
  const ctx = p.ctx;
  if (ctx.txCount >= ctx.opts.limits.transactions) return null;
  return ctx.opts.newMessageParser({ mailFrom: undefined, srcIp: ctx.info.client.ip, dstIp: ctx.info.server.ip, startMissing: true });
}

/**
 * The partly seen message ended: one transaction, `incomplete` (its start was never captured),
 * envelope empty, data_bytes and message from what was seen; the server's next reply is the one
 * to its end of data, as after a DATA we saw.
 */
function endPickedUpMessage(p: SessionParts, g: MidstreamPickup): void {
  const ctx = p.ctx;
  p.pickupOver = true;
  p.pickup = null;
  const now = ctx.now;
  ctx.now = g.firstMicros;
  const tx = startTx(ctx);
  ctx.now = now;
  tx.gapped = true;
  tx.dataBytes = g.bytes;
  tx.endData();
  tx.parser = g.take();
  endMessage(ctx, tx);
  ctx.event('pickup_end');
  p.matcher.push(ctx, 'data_end', tx, 0);
  closeTx(ctx, p.matcher);
}

function clientChunk(p: SessionParts, chunk: Buffer): void {
  const ctx = p.ctx;
  const reader = p.client;
  let off = 0;
  while (off < chunk.length) {
    if (reader.inTls && reader.takeTls(ctx, chunk, off)) return;
    switch (ctx.mode) {
      case 'data':
        if (p.input.holdback !== null) {
          holdMore(p, off === 0 ? chunk : chunk.subarray(off));
          return;
        }
        off = readData(p, chunk, off);
        break;
      case 'bdat':
        off = readBdat(p, chunk, off);
        break;
      default:
        // A client that starts its TLS handshake before we saw the 220 (or with the reply unseen).
        if (chunk[off] === 0x16 && reader.lines.pending === 0) {
          if (ctx.starttls === 'attempted') {
            startTls(p);
            continue;
          }
          // A TLS ClientHello where a command belongs (implicit TLS against a plaintext greeting,
          // suricata-verify smtp-errors on port 465): the rest of the client stream is opaque.
          ctx.anomaly('smtp_unknown_command', 'TLS record');
          reader.opaque = true;
          return;
        }
        off = reader.lines.read(chunk, off);
        if (reader.lines.lineBuf !== null) clientLine(p, reader.lines.lineBuf, reader.lines.lineStart, reader.lines.lineEnd, reader.lines.truncated);
    }
  }
}

/** The client line buf[start, end): a view of it is made only for an AUTH response. */
function clientLine(p: SessionParts, buf: Buffer, start: number, end: number, truncated: boolean): void {
  const ctx = p.ctx;
  // The HTTP CONNECT request and its headers are skipped, up to the blank line.
  if (!p.client.admit(ctx, end - start, truncated)) return;
  if (ctx.mode === 'auth' && ctx.auth !== null && authResponse(ctx, ctx.auth, buf.subarray(start, end))) return;
  const cmd = parseCommandAt(buf, start, end);
  // Resynchronising after a gap or a midstream pickup: wait for a recognisable command.
  if (ctx.mode === 'after_gap' && cmd.verb === 'other') return;
  onCommand(p, cmd);
}

export function clientGap(p: SessionParts, len: number): void {
  const ctx = p.ctx;
  const reader = p.client;
  releaseStrict(p);
  if (reader.inTls) ctx.tlsHandshake?.gap('c2s');
  if (reader.opaque || reader.inTls) return;
  const tx = ctx.tx;
  if (ctx.mode === 'data' && tx !== null) {
    tx.gapped = true;
    tx.gapBytes += len;
    p.input.data.gap();
    parserOf(ctx, tx)?.gap(len);
    return;
  }
  if (p.pickup !== null) p.pickup.gap(len);
  let rest = len;
  if (ctx.mode === 'bdat' && tx !== null) {
    // The gap eats the chunk's remaining bytes first; what is left of it hit the commands.
    const inChunk = reader.lines.gap(len);
    tx.gapped = true;
    tx.gapBytes += len;
    if (inChunk > 0) parserOf(ctx, tx)?.gap(inChunk);
    if (reader.lines.rawRemaining === 0) bdatChunkEnd(p);
    if (inChunk === len) return;
    rest = 0; // already counted on the transaction
  }
  reader.lines.gap(len);
  ctx.anomaly('smtp_gap_recovery', 'client');
  p.matcher.serverResync = true;
  if (ctx.tx !== null) {
    ctx.tx.gapped = true;
    ctx.tx.gapBytes += rest;
  }
  ctx.event('gap');
}

/** A last command line without its CRLF (a client that closes right after "QUIT"). */
export function clientClose(p: SessionParts): void {
  const mode = p.ctx.mode;
  if (mode === 'data' || mode === 'bdat' || p.client.opaque || p.client.inTls) return;
  const line = p.client.lines.flush();
  if (line !== null) clientLine(p, line, 0, line.length, p.client.lines.truncated);
}
