// defrag → flow boundary (and to the metrics): the defragmenter's options, its result and its
// cumulative counters. The datagram in a DefragResult is OWNED by the caller (fresh per reassembly).

export interface DefragOptions {
  /** flows.fragment_memcap_kb in bytes: fragments held, all datagrams together. */
  memcapBytes: number;
  /** flows.fragment_timeout_s in µs of packet time. */
  timeoutMicros: number;
}

/** What happened to datagrams, cumulative (mailtap_ip_reassembly_total{result}). */
export interface DefragStats {
  reassembled: number;
  /** Reassembled datagrams whose overlapping fragments disagreed (ip_fragment_overlap). */
  overlap: number;
  /** Incomplete datagrams dropped at the timeout (ip_fragment_timeout). */
  timeout: number;
  /** Incomplete datagrams dropped, or fragments refused, at the memcap (ip_fragment_memcap). */
  memcap: number;
  /** Fragments that cannot belong to a valid datagram (beyond 65535 bytes, misaligned), dropped. */
  invalid: number;
}

export interface DefragResult {
  /** The whole IP datagram, header first (fragment fields cleared, lengths and checksum fixed). */
  datagram: Buffer;
  /** Overlapping fragments disagreed; the first copy of each byte was kept. */
  mismatch: boolean;
}

