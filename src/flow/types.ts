// flow → dispatch boundary: ordered stream events per TCP connection (STYLE §2).
// `data.bytes` is BORROWED (it may view the capture buffer): valid only during onEvent; the
// batcher copies it into the batch that crosses to the worker, once. The `data` event object
// itself is BORROWED too: the table fills one reused object per data event (no object per
// segment, issue 12 item 3), so a sink that keeps a data event keeps a copy.

import type { AnomalyCode } from '../shared/anomalies.js';
import type { TunnelName } from '../decode/types.js';

export type FlowId = number;
export type Direction = 'c2s' | 's2c';
export type CloseReason = 'fin' | 'rst' | 'idle' | 'evicted' | 'eof' | 'shutdown';
export type OneSided = 'client_only' | 'server_only';

export interface Endpoint {
  /** Dotted quad or RFC 5952 text, formatted once per flow. */
  ip: string;
  port: number;
}

/** What the consumer learns when a connection opens (and repeats on every event record). */
export interface FlowOpenInfo {
  flow: FlowId;
  /** Connection id for events: unique for the life of the process, deterministic for a given input. */
  uid: string;
  /** Community ID v1, seed 0. */
  communityId: string;
  client: Endpoint;
  server: Endpoint;
  /** VLAN ids outermost first; empty when untagged. */
  vlan: number[];
  /** Encapsulations the packets arrived in, outermost first (SPEC §3 `tunnel`); absent or empty when none. Shared: never mutate. */
  tunnel?: readonly TunnelName[];
  /** The capture began after the connection did. */
  midstream: boolean;
}

/** Per-connection totals, reported on close (and by `mailtap flows`). */
export interface FlowSummary {
  startMicros: number;
  endMicros: number;
  /** Payload bytes delivered in order per direction (gaps excluded). */
  bytesClient: number;
  bytesServer: number;
  /** Payload bytes never captured, both directions. */
  gapBytes: number;
  midstream: boolean;
  oneSided: OneSided | null;
}

export type StreamEvent =
  | { t: 'open'; tsMicros: number; info: FlowOpenInfo }
  | { t: 'data'; flow: FlowId; tsMicros: number; dir: Direction; bytes: Buffer }
  | { t: 'gap'; flow: FlowId; tsMicros: number; dir: Direction; len: number }
  | { t: 'close'; flow: FlowId; tsMicros: number; reason: CloseReason; summary: FlowSummary }
  /** A reassembly anomaly on this connection (flow_overlap_mismatch, flow_memcap, flow_seq_jump …). */
  | { t: 'anomaly'; flow: FlowId; tsMicros: number; name: AnomalyCode; detail?: string };

/**
 * A sink's answer to an event: IGNORE tells the table to stop delivering this flow (not SMTP, or
 * its worker is gone). The table applies it itself: the flag stops further data/gap/anomaly events
 * at once, the held bytes are dropped when the table is done with the current segment or tick
 * (FlowEvents.ignore). The only way a consumer stops a flow: no call back into the table.
 */
export const IGNORE = 1;
export type SinkVerdict = typeof IGNORE | undefined | void;

export interface StreamSink {
  onEvent(ev: StreamEvent): SinkVerdict;
}

/** Reassembly counters (mailtap_reassembly_events_total, capture-loss estimate …). */
export interface FlowStats {
  flowsActive: number;
  flowsTotal: Record<CloseReason, number>;
  oneSided: Record<OneSided, number>;
  holdbackBytes: number;
  /** Segments held back because they arrived ahead of a hole (reassembly_events_total{kind="out_of_order"}). */
  outOfOrder: number;
  /** Segments whose every byte was already delivered or held (kind="retransmit"). */
  retransmit: number;
  /** Segments partly overlapping delivered or held bytes (kind="overlap"). */
  overlap: number;
  overlapMismatch: number;
  /** Gap events (kind="gap"); gapBytes is their total length. */
  gaps: number;
  gapBytes: number;
  /** Bytes declared missing because a holdback cap was reached (mailtap_dropped_bytes_total{reason="memcap"}); also in gapBytes. */
  memcapDrops: number;
  /** Delivered bytes kept until acknowledged, to compare retransmissions with (all flows, now). */
  retainedBytes: number;
  /** Delivered bytes not kept or released before their ACK (flows.retransmit_check_kb, memcap): a copy of them is not compared. */
  retainDroppedBytes: number;
  /** Capture-loss estimate (Zeek capture-loss): bytes acknowledged by the peer but never seen, and all acknowledged bytes. */
  ackedBytes: number;
  ackedMissingBytes: number;
}
