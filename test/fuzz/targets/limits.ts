// Config literals for the fuzz targets, written out instead of parsed from config/schema.ts: the
// schema pulls in zod, and V8's precise coverage costs time per function loaded in the worker.
// A test in regressions.test.ts keeps these equal to the schema's defaults plus the overrides.
import type { FlowsConfig, LimitsConfig } from '../../../src/config/types.js';

export const DEFAULT_FLOWS: FlowsConfig = {
  idle_timeout_s: 300,
  max_flows: 1_000_000,
  memcap_mb: 256,
  per_flow_holdback_kb: 1024,
  reorder_window_ms: 100,
  retransmit_check_kb: 64,
  fragment_memcap_kb: 16384,
  fragment_timeout_s: 30,
};

export const DEFAULT_LIMITS: LimitsConfig = {
  line_length: 4096,
  pending_commands: 1000,
  recipients: 1000,
  transactions: 10_000,
  header_value_bytes: 65536,
  header_bytes: 1_048_576,
  header_names: 1000,
  addresses_per_header: 1000,
  mime_depth: 100,
  mime_parts: 10_000,
  boundary_length: 998,
  urls_per_message: 100,
  anomaly_events_per_session: 100,
  smuggling_holdback: 65536,
  tls_handshake_bytes: 65536,
};
