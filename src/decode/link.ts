// Chooses the link-layer decoder for a LINKTYPE_* value. Consumes a borrowed frame, produces a
// NetRef (IP header offset + announced IP version) or a SkipReason. Pure; no state.
import type { DecodedSegment, SkipReason } from './types.js';
import { LinkType } from '../capture/types.js';
import { decodeEthernet } from './ethernet.js';
import { decodeSll, decodeSll2 } from './sll.js';
import { decodeLoop, decodeNull } from './loopback.js';
import { NET_IP_ANY, NET_IPV4, NET_IPV6, type NetRef } from './net-ref.js';

/** DLT_RAW as some platforms number it in pcap files (12 on most BSDs, 14 on OpenBSD). */
const LINKTYPE_RAW_BSD = 12;
const LINKTYPE_RAW_OPENBSD = 14;

/** The frame is `buf[base, lim)` (by default all of `buf`): a window of a read buffer (capture/frame-window.ts). */
export function decodeLink(linkType: number, buf: Buffer, out: DecodedSegment, base = 0, lim = buf.length): NetRef | SkipReason {
  switch (linkType) {
    case LinkType.ETHERNET:
      return decodeEthernet(buf, out, base, lim);
    case LinkType.LINUX_SLL:
      return decodeSll(buf, out, base, lim);
    case LinkType.LINUX_SLL2:
      return decodeSll2(buf, out, base, lim);
    case LinkType.NULL:
      return decodeNull(buf, base, lim);
    case LinkType.LOOP:
      return decodeLoop(buf, base, lim);
    case LinkType.RAW:
    case LINKTYPE_RAW_BSD:
    case LINKTYPE_RAW_OPENBSD:
      return NET_IP_ANY | base;
    case LinkType.IPV4:
      return NET_IPV4 | base;
    case LinkType.IPV6:
      return NET_IPV6 | base;
    default:
      // 802.11, DOCSIS, …: no decoder. Told apart from not_tcp so the operator hears of it (once
      // per file and link type, cli/read-command) instead of a capture that silently yields nothing.
      return 'unsupported_link';
  }
}
