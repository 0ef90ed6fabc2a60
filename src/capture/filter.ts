// Builds the BPF capture filter libpcap compiles at open: the SMTP-ports filter (untagged, 802.1Q
// and QinQ frames) or the user's own, ANDed with a symmetric flow-hash clause when the capture is
// sharded across processes. Pure and stateless: CaptureConfig in, pcap-filter(7) text out.
import type { CaptureConfig } from '../config/types.js';

/**
 * How the shard clause finds the IP header. `ethernet`: explicit `ether[]` offsets over up to two
 * VLAN tags; `ip`: libpcap's `ip[]`/`ip6[]`/`tcp[]` (Linux cooked `any`, raw IP, loopback links,
 * where `ether[]` does not compile).
 */
export type FilterLink = 'ethernet' | 'ip';

/** VLAN tags the default filter and the Ethernet shard clause look through (802.1ad QinQ = 2). */
export const MAX_VLAN_DEPTH = 2;

/** TPIDs libpcap's `vlan` keyword accepts: 802.1Q, 802.1ad, and the pre-standard QinQ value. */
const VLAN_TPIDS = [0x8100, 0x88a8, 0x9100] as const;

/** The link the shard clause is written for: `any` captures in Linux cooked mode, the rest is Ethernet. */
export function defaultFilterLink(capture: CaptureConfig): FilterLink {
  return capture.interface === 'any' ? 'ip' : 'ethernet';
}

/**
 * The filter for `capture`: an empty `filter` means "TCP on `capture.ports`, VLAN-tagged or not";
 * any other filter is used as written. With `shard.count` > 1 the shard clause is ANDed last.
 */
export function buildCaptureFilter(capture: CaptureConfig, link: FilterLink = defaultFilterLink(capture)): string {
  const user = capture.filter.trim();
  const base = user === '' ? defaultPortsFilter(capture.ports, link) : user;
  const { index, count } = capture.shard;
  if (count <= 1) return base;
  return `(${base}) and (${shardClause(index, count, link)})`;
}

/**
 * TCP on `ports`, untagged or behind one or two VLAN tags. Each `vlan` keyword shifts every later
 * offset of the whole expression by 4 (pcap-filter(7)), so the tagged variants must nest rather
 * than sit side by side: `P or (vlan and (P or (vlan and P)))`. A plain `tcp port 25` misses
 * tagged frames in files and on links that deliver tags in-band. An empty port list means all TCP.
 */
export function defaultPortsFilter(ports: readonly number[], link: FilterLink = 'ethernet'): string {
  const distinct = [...new Set(ports)].sort((a, b) => a - b);
  const p = distinct.length === 0 ? 'tcp' : distinct.map((n) => `tcp port ${n}`).join(' or ');
  // libpcap has no `vlan` for Linux cooked captures: the kernel reports tags out of band there.
  return nestVlan(p, link === 'ethernet' ? MAX_VLAN_DEPTH : 0);
}

function nestVlan(p: string, depth: number): string {
  return depth === 0 ? `(${p})` : `(${p}) or (vlan and (${nestVlan(p, depth - 1)}))`;
}

/**
 * A clause true for share `index` of `count`: (sum of the address words and the two ports) mod
 * count. Addition commutes, so both directions of a connection hash alike and one process sees
 * the whole connection. BPF arithmetic is 32-bit unsigned and wraps identically either way; `%`
 * compiles to BPF_MOD, which needs a libpcap that knows the operator (1.10 in Debian 12) and Linux
 * >= 3.7. Non-first IPv4 fragments hash on payload bytes, but mailtap skips fragments anyway.
 */
export function shardClause(index: number, count: number, link: FilterLink): string {
  return link === 'ethernet' ? ethernetShard(index, count, 12, MAX_VLAN_DEPTH) : ipShard(index, count);
}

/**
 * `ether[]` offsets are unaffected by `vlan` keywords in the user's filter, so this clause is
 * right wherever it is ANDed. `typeOff` is the offset of the EtherType after the tags seen so far;
 * a tagged branch is guarded by a TPID test so untagged bytes are never read as a tag. Live Linux
 * captures see the outer tag stripped into metadata, where the untagged branch applies.
 */
function ethernetShard(index: number, count: number, typeOff: number, depth: number): string {
  const here = `${v4Hash(index, count, typeOff)} or ${v6Hash(index, count, typeOff)}`;
  if (depth === 0) return here;
  const tpid = VLAN_TPIDS.map((t) => `ether[${typeOff}:2] = 0x${t.toString(16)}`).join(' or ');
  return `${here} or ((${tpid}) and (${ethernetShard(index, count, typeOff + 4, depth - 1)}))`;
}

/** IPv4 at typeOff+2: addresses at +12/+16, TCP ports after the IHL-sized header. */
function v4Hash(index: number, count: number, typeOff: number): string {
  const ip = typeOff + 2;
  const ihl = `((ether[${ip}] & 0xf) << 2)`;
  const sum = [`ether[${ip + 12}:4]`, `ether[${ip + 16}:4]`, `ether[${ip} + ${ihl}:2]`, `ether[${ip + 2} + ${ihl}:2]`];
  return `(ether[${typeOff}:2] = 0x0800 and ((${sum.join(' + ')}) % ${count} = ${index}))`;
}

/** IPv6 at typeOff+2 with TCP right after the fixed header (as libpcap's own `tcp port` assumes). */
function v6Hash(index: number, count: number, typeOff: number): string {
  const ip = typeOff + 2;
  const sum: string[] = [];
  for (let w = 0; w < 8; w++) sum.push(`ether[${ip + 8 + w * 4}:4]`);
  sum.push(`ether[${ip + 40}:2]`, `ether[${ip + 42}:2]`);
  return `(ether[${typeOff}:2] = 0x86dd and ((${sum.join(' + ')}) % ${count} = ${index}))`;
}

/** Link-independent form for links without in-band VLAN tags. */
function ipShard(index: number, count: number): string {
  const v4 = `(ip and ((ip[12:4] + ip[16:4] + tcp[0:2] + tcp[2:2]) % ${count} = ${index}))`;
  const words: string[] = [];
  for (let w = 0; w < 8; w++) words.push(`ip6[${8 + w * 4}:4]`);
  const v6 = `(ip6 and ((${words.join(' + ')} + tcp[0:2] + tcp[2:2]) % ${count} = ${index}))`;
  return `${v4} or ${v6}`;
}
