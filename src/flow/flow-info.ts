// What a consumer learns about a connection: the role rules for connections picked up midstream,
// the FlowOpenInfo (endpoints formatted once, Community ID, VLANs), the FlowSummary on close and
// the shape of FlowStats. Pure; consumes a FlowState whose roles are decided.
import { communityIdV4, communityIdV6 } from '../shared/community-id.js';
import { formatIp4, formatIp6 } from '../shared/ip-format.js';
import type { Endpoint, FlowOpenInfo, FlowStats, FlowSummary, OneSided } from './types.js';
import type { FlowState } from './flow-state.js';

/** One shared, frozen empty list for untagged connections (most): no array per open flow. */
const NO_VLAN = Object.freeze([]) as unknown as number[];

/**
 * The payload opens with an SMTP greeting, `220 ` or `220-` (RFC 5321 §4.2, §4.3.1): its sender
 * is the server. Only the first payload of a midstream connection is asked.
 */
export function isGreeting(payload: Buffer): boolean {
  return payload.length >= 4 && payload[0] === 0x32 && payload[1] === 0x32 && payload[2] === 0x30 && (payload[3] === 0x20 || payload[3] === 0x2d);
}

/**
 * Last resort for midstream roles: the lower port is the server (services listen on well-known or
 * registered ports, clients use ephemeral ones). Returns clientIsA; equal ports keep A (the first
 * sender) as the client.
 */
export function lowerPortIsB(f: FlowState): boolean {
  return !(f.portA < f.portB);
}

export function buildOpenInfo(f: FlowState, uid: string): FlowOpenInfo {
  const v6 = f.family === 6 && f.ip6 !== null;
  const a: Endpoint = { ip: v6 ? formatIp6(f.ip6!, 0) : formatIp4(f.ipA4), port: f.portA };
  const b: Endpoint = { ip: v6 ? formatIp6(f.ip6!, 16) : formatIp4(f.ipB4), port: f.portB };
  const communityId = v6
    ? communityIdV6(f.ip6!.subarray(0, 16), f.portA, f.ip6!.subarray(16, 32), f.portB)
    : communityIdV4(f.ipA4, f.portA, f.ipB4, f.portB);
  const info: FlowOpenInfo = {
    flow: f.id,
    uid,
    communityId,
    client: f.clientIsA ? a : b,
    server: f.clientIsA ? b : a,
    vlan: f.vlan.length > 0 ? f.vlan.slice() : NO_VLAN,
    midstream: f.midstream,
  };
  if (f.tunnel.length > 0) info.tunnel = f.tunnel;
  return info;
}

/** Totals for the close event; oneSided when only one direction ever sent a packet. */
export function buildSummary(f: FlowState): FlowSummary {
  const c = f.client();
  const s = f.server();
  let oneSided: OneSided | null = null;
  if (c.seen && !s.seen) oneSided = 'client_only';
  else if (s.seen && !c.seen) oneSided = 'server_only';
  return {
    startMicros: f.startMicros,
    endMicros: f.lastMicros,
    bytesClient: c.delivered,
    bytesServer: s.delivered,
    gapBytes: c.gapBytes + s.gapBytes,
    midstream: f.midstream,
    oneSided,
  };
}

export function emptyStats(): FlowStats {
  return {
    flowsActive: 0,
    flowsTotal: { fin: 0, rst: 0, idle: 0, evicted: 0, eof: 0, shutdown: 0 },
    oneSided: { client_only: 0, server_only: 0 },
    holdbackBytes: 0,
    outOfOrder: 0,
    retransmit: 0,
    overlap: 0,
    overlapMismatch: 0,
    gaps: 0,
    gapBytes: 0,
    memcapDrops: 0,
    retainedBytes: 0,
    retainDroppedBytes: 0,
    ackedBytes: 0,
    ackedMissingBytes: 0,
  };
}
