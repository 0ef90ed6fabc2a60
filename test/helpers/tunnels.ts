// Hand-built encapsulation headers for tests, from the RFCs and drafts (not from captures): GRE
// (RFC 2784/2890), ERSPAN II and III (draft-foschiano-erspan-03), UDP, VXLAN (RFC 7348), Geneve
// (RFC 8926), MPLS (RFC 3032, control word RFC 4385), PPPoE sessions (RFC 2516). Each returns a
// fresh Buffer of the header followed by `inner`; wrap with buildIpv4/ethernet from frames.ts.
import { buildIpv4, ethernet } from './frames.js';

export interface GreSpec {
  proto: number;
  checksum?: boolean;
  key?: number;
  seq?: number;
  /** Override the flags/version word. */
  flags?: number;
}

export function gre(inner: Buffer, spec: GreSpec): Buffer {
  const c = spec.checksum === true;
  const k = spec.key !== undefined;
  const s = spec.seq !== undefined;
  const h = Buffer.alloc(4 + (c ? 4 : 0) + (k ? 4 : 0) + (s ? 4 : 0));
  h.writeUInt16BE(spec.flags ?? ((c ? 0x8000 : 0) | (k ? 0x2000 : 0) | (s ? 0x1000 : 0)), 0);
  h.writeUInt16BE(spec.proto, 2);
  let p = 4;
  if (c) p += 4; // checksum + reserved, left 0 (optional, not verified)
  if (k) {
    h.writeUInt32BE(spec.key! >>> 0, p);
    p += 4;
  }
  if (s) h.writeUInt32BE(spec.seq! >>> 0, p);
  return Buffer.concat([h, inner]);
}

/** GRE(S) + ERSPAN type II header (version 1, session `session`) + the mirrored Ethernet frame. */
export function erspan2(frame: Buffer, session = 20, seq = 0): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x1000, 0); // version 1, VLAN 0
  h.writeUInt16BE(session & 0x3ff, 2);
  h.writeUInt32BE(1, 4); // index
  return gre(Buffer.concat([h, frame]), { proto: 0x88be, seq });
}

/** GRE(S) + ERSPAN type III header (version 2), frame type `ft`, optional platform subheader. */
export function erspan3(inner: Buffer, opts: { ft?: number; platform?: boolean } = {}): Buffer {
  const h = Buffer.alloc(12 + (opts.platform === true ? 8 : 0));
  h.writeUInt16BE(0x2000, 0);
  h.writeUInt16BE(7, 2);
  h.writeUInt32BE(0xdeadbeef, 4); // timestamp
  h.writeUInt16BE((((opts.ft ?? 0) & 0x1f) << 10) | (opts.platform === true ? 1 : 0), 10);
  return gre(Buffer.concat([h, inner]), { proto: 0x22eb, seq: 1 });
}

export function udp(payload: Buffer, srcPort: number, dstPort: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]); // checksum 0: none (IPv4)
}

export function vxlan(frame: Buffer, vni = 42, flags = 0x08): Buffer {
  const h = Buffer.alloc(8);
  h[0] = flags;
  h.writeUIntBE(vni, 4, 3);
  return udp(Buffer.concat([h, frame]), 50000, 4789);
}

export function geneve(inner: Buffer, proto = 0x6558, optWords = 0, version = 0): Buffer {
  const h = Buffer.alloc(8 + optWords * 4, 0x11); // options: opaque bytes
  h[0] = (version << 6) | optWords;
  h[1] = 0;
  h.writeUInt16BE(proto, 2);
  h.writeUIntBE(42, 4, 3);
  h[7] = 0;
  return udp(Buffer.concat([h, inner]), 50001, 6081);
}

/** A label stack (bottom-of-stack on the last), then `inner`, after an optional control word. */
export function mpls(inner: Buffer, labels: number[], controlWord = false): Buffer {
  const stack = Buffer.alloc(labels.length * 4);
  labels.forEach((l, i) => stack.writeUInt32BE(((l << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64) >>> 0, i * 4));
  return Buffer.concat([stack, controlWord ? Buffer.alloc(4) : Buffer.alloc(0), inner]);
}

/** PPPoE session header + PPP protocol (0x0021 IPv4 / 0x0057 IPv6 from the version nibble). */
export function pppoe(ip: Buffer, session = 0x1234): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x11;
  h[1] = 0;
  h.writeUInt16BE(session, 2);
  h.writeUInt16BE(ip.length + 2, 4);
  h.writeUInt16BE(ip[0]! >> 4 === 6 ? 0x0057 : 0x0021, 6);
  return Buffer.concat([h, ip]);
}

/** An outer Ethernet + IPv4 frame (sensor-side addresses) carrying `payload` as `protocol` (47 GRE, 17 UDP). */
export function outer4(payload: Buffer, protocol: number, opts: { vlans?: number[] } = {}): Buffer {
  const ip = buildIpv4(payload, { protocol, src: '10.99.0.1', dst: '10.99.0.2', id: 7 });
  return ethernet(ip, opts.vlans ? { vlans: opts.vlans.map((id) => ({ id })) } : {});
}
