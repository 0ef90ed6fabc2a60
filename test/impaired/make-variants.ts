// Derives impaired captures from a clean classic pcap, deterministically from a seed (issue 8):
// reordered within a packet-time bound, 5% duplicated, one 802.1Q tag added, DATA segments
// dropped (naming the transactions touched), snaplen 96. Importable (makeVariants) and a script:
//   node --import tsx test/impaired/make-variants.ts SRC.pcap OUTDIR [--seed N] [--window-ms MS] [--no-barriers]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parsePcap, recordMicros, serializePcap, type PcapFile, type PcapRecord } from '../helpers/pcap-edit.js';
import { dataPhases } from './data-phases.js';
import { TCP_FIN, TCP_RST, TCP_SYN, tcpView } from './tcp-view.js';

export const DUPLICATE_RATE = 0.05;
export const SNAPLEN = 96;
/** Copies of a duplicated packet land at most this many records after the original. */
const DUPLICATE_SPREAD = 3;
const LINKTYPE_ETHERNET = 1;

/** mulberry32: a tiny seeded PRNG, so a seed printed in a test name reproduces the variant. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function withRecords(p: PcapFile, records: PcapRecord[]): PcapFile {
  return { ...p, records };
}

/**
 * Each packet moves by a random packet-time delay below `boundMicros` (sort by time + delay), so
 * two packets change places only when their capture times are less than the bound apart: no
 * packet waits behind another for longer than the reassembler's reorder window. Timestamps stay
 * with their packets (a merged SPAN feed: time goes backwards where packets were overtaken).
 *
 * With `barriers` (the `reordered` variant), two places in a connection are not crossed: its SYN
 * and SYN-ACK keep their time, so none of its data overtakes the handshake, and nothing moves
 * across its first FIN or RST. Without them (issue 13 item 9: mailtap waits the reorder window
 * there too), every packet moves; impaired.test.ts checks both.
 */
export function reorder(p: PcapFile, seed: number, boundMicros: number, barriers = true): { pcap: PcapFile; moved: number } {
  const r = rng(seed);
  const views = p.records.map((rec) => tcpView(p.linkType, rec.data));
  const teardown = new Map<string, number>();
  views.forEach((v, i) => {
    if (v === null || (v.flags & (TCP_FIN | TCP_RST)) === 0) return;
    const t = recordMicros(p, p.records[i]!);
    const prev = teardown.get(v.key);
    if (prev === undefined || t < prev) teardown.set(v.key, t);
  });
  const keyed = p.records.map((rec, i) => {
    const ts = recordMicros(p, rec);
    let room = boundMicros;
    const v = views[i];
    if (v && barriers) {
      const end = teardown.get(v.key) ?? Infinity;
      if ((v.flags & TCP_SYN) !== 0 || ts >= end) room = 0;
      else if (end - ts < room) room = end - ts; // ties keep capture order: still before the teardown
    }
    return { rec, i, key: ts + r() * room };
  });
  keyed.sort((x, y) => x.key - y.key || x.i - y.i);
  let moved = 0;
  keyed.forEach((k, pos) => {
    if (k.i !== pos) moved++;
  });
  return { pcap: withRecords(p, keyed.map((k) => k.rec)), moved };
}

/** Seeded choice of `k` distinct indices below `n`. */
function pick(r: () => number, n: number, k: number): number[] {
  const idx = Array.from({ length: n }, (_v, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx.slice(0, k).sort((a, b) => a - b);
}

/**
 * `rate` of the packets (at least one) appear twice: the copy, identical, a few records later
 * but within `boundMicros` of packet time (a switch or SPAN port sending a frame twice).
 */
export function duplicate(p: PcapFile, seed: number, rate: number, boundMicros: number): { pcap: PcapFile; copies: number } {
  const r = rng(seed);
  const n = p.records.length;
  const chosen = pick(r, n, Math.max(1, Math.round(n * rate)));
  const insertAfter = new Map<number, PcapRecord[]>();
  for (const i of chosen) {
    const t0 = recordMicros(p, p.records[i]!);
    let at = i;
    const hops = Math.floor(r() * (DUPLICATE_SPREAD + 1));
    while (at - i < hops && at + 1 < n && recordMicros(p, p.records[at + 1]!) - t0 < boundMicros) at++;
    const list = insertAfter.get(at) ?? [];
    list.push(p.records[i]!);
    insertAfter.set(at, list);
  }
  const out: PcapRecord[] = [];
  p.records.forEach((rec, i) => {
    out.push(rec);
    for (const c of insertAfter.get(i) ?? []) out.push(c);
  });
  return { pcap: withRecords(p, out), copies: chosen.length };
}

/** One 802.1Q tag (VLAN id `vid`, priority 0) after the MAC addresses of every Ethernet frame. */
export function tagVlan(p: PcapFile, vid: number): PcapFile {
  if (p.linkType !== LINKTYPE_ETHERNET) throw new Error(`VLAN tagging needs Ethernet frames (link type ${p.linkType})`);
  const records = p.records.map((rec) => {
    if (rec.data.length < 14) return rec;
    const data = Buffer.alloc(rec.data.length + 4);
    rec.data.copy(data, 0, 0, 12);
    data.writeUInt16BE(0x8100, 12);
    data.writeUInt16BE(vid & 0x0fff, 14);
    rec.data.copy(data, 16, 12);
    return { ...rec, data, origLen: rec.origLen + 4 };
  });
  return withRecords(p, records);
}

/** A transaction the drop variant touched, named as mailtap's events name it. */
export interface DroppedTransaction {
  src_ip: string;
  src_port: number;
  dst_ip: string;
  dst_port: number;
  trans_depth: number;
  dropped_bytes: number;
  /** Record indices (in the source) that were left out. */
  records: number[];
}

/**
 * About half of the transactions whose message body spans a droppable segment (at least one,
 * leaving at least one untouched when there are two) each lose one body segment, every copy of it.
 */
export function dropData(p: PcapFile, seed: number): { pcap: PcapFile; affected: DroppedTransaction[] } {
  const r = rng(seed);
  const phases = dataPhases(p).filter((ph) => ph.segments.length > 0);
  if (phases.length === 0) throw new Error('no DATA body segment to drop');
  const chosen = pick(r, phases.length, Math.max(1, Math.floor(phases.length / 2)));
  const drop = new Set<number>();
  const affected: DroppedTransaction[] = [];
  for (const c of chosen) {
    const ph = phases[c]!;
    const seg = ph.segments[Math.floor(r() * ph.segments.length)]!;
    for (const i of seg.records) drop.add(i);
    affected.push({
      src_ip: ph.srcIp,
      src_port: ph.srcPort,
      dst_ip: ph.dstIp,
      dst_port: ph.dstPort,
      trans_depth: ph.transDepth,
      dropped_bytes: seg.len,
      records: seg.records,
    });
  }
  return { pcap: withRecords(p, p.records.filter((_rec, i) => !drop.has(i))), affected };
}

/** Every record cut to `snaplen` captured bytes (orig_len kept), as `tcpdump -s 96` would. */
export function cutSnaplen(p: PcapFile, snaplen: number): { pcap: PcapFile; cut: number } {
  let cut = 0;
  const records = p.records.map((rec) => {
    if (rec.data.length <= snaplen) return rec;
    cut++;
    return { ...rec, data: rec.data.subarray(0, snaplen) };
  });
  return { pcap: { ...p, snaplen, records }, cut };
}

/**
 * TCP payload bytes on the wire but not in the capture, per connection (tcp-view connKey), each
 * distinct segment (direction, seq, length) counted once: what a snaplen cut costs each flow.
 */
export function uncapturedPayload(p: PcapFile): Map<string, number> {
  const seen = new Set<string>();
  const out = new Map<string, number>();
  for (const rec of p.records) {
    const v = tcpView(p.linkType, rec.data);
    if (!v || v.wireLen <= v.payload.length) continue;
    const id = `${v.srcIp}/${v.srcPort}>${v.seq}+${v.wireLen}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.set(v.key, (out.get(v.key) ?? 0) + v.wireLen - v.payload.length);
  }
  return out;
}

export interface VariantOptions {
  seed: number;
  /** flows.reorder_window_ms of the configuration mailtap reads the variants with. */
  reorderWindowMs: number;
  /** false: reorder across handshakes and teardowns too (reproduces the known gaps). */
  barriers?: boolean;
}

export interface Variants {
  reordered: { pcap: Buffer; moved: number; boundMicros: number };
  duplicated: { pcap: Buffer; copies: number };
  tagged: { pcap: Buffer; vlan: number };
  dropped: { pcap: Buffer; affected: DroppedTransaction[] };
  snaplen: { pcap: Buffer; snaplen: number; cut: number };
}

/**
 * All five variants of one source. Packets are displaced by less than half the reorder window:
 * the other half is margin for a hole that waits on both directions (data behind its ACK, and
 * that ACK's own segment behind the data it acknowledges).
 */
export function makeVariants(src: Buffer, opts: VariantOptions): Variants {
  const p = parsePcap(src);
  const boundMicros = (opts.reorderWindowMs * 1000) / 2;
  const seed = opts.seed >>> 0;
  const re = reorder(p, seed, boundMicros, opts.barriers ?? true);
  const dup = duplicate(p, seed ^ 0x0d0d, DUPLICATE_RATE, boundMicros);
  const vlan = 2 + Math.floor(rng(seed ^ 0x7a7a)() * 4093);
  const dr = dropData(p, seed ^ 0x3c3c);
  const sn = cutSnaplen(p, SNAPLEN);
  return {
    reordered: { pcap: serializePcap(re.pcap), moved: re.moved, boundMicros },
    duplicated: { pcap: serializePcap(dup.pcap), copies: dup.copies },
    tagged: { pcap: serializePcap(tagVlan(p, vlan)), vlan },
    dropped: { pcap: serializePcap(dr.pcap), affected: dr.affected },
    snaplen: { pcap: serializePcap(sn.pcap), snaplen: SNAPLEN, cut: sn.cut },
  };
}

function main(argv: string[]): void {
  const args = argv.slice(2);
  const opt = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    if (i < 0) return dflt;
    const v = Number(args[i + 1]);
    args.splice(i, 2);
    if (!Number.isFinite(v)) throw new Error(`${name} needs a number`);
    return v;
  };
  const barriers = !args.includes('--no-barriers');
  if (!barriers) args.splice(args.indexOf('--no-barriers'), 1);
  const seed = opt('--seed', 1);
  const reorderWindowMs = opt('--window-ms', 100);
  const [src, outDir] = args;
  if (src === undefined || outDir === undefined) {
    process.stderr.write('usage: make-variants.ts SRC.pcap OUTDIR [--seed N] [--window-ms MS] [--no-barriers]\n');
    process.exitCode = 1;
    return;
  }
  const v = makeVariants(readFileSync(src), { seed, reorderWindowMs, barriers });
  mkdirSync(outDir, { recursive: true });
  const base = basename(src).replace(/\.pcap$/, '');
  const meta: Record<string, unknown> = { source: resolve(src), seed, reorder_window_ms: reorderWindowMs, barriers };
  for (const [name, variant] of Object.entries(v)) {
    const { pcap, ...facts } = variant;
    const file = join(outDir, `${base}.${name}.pcap`);
    writeFileSync(file, pcap);
    meta[name] = { file, ...facts };
  }
  writeFileSync(join(outDir, `${base}.variants.json`), `${JSON.stringify(meta, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(meta, null, 2)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv);
