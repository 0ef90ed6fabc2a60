// Single source of truth for configuration (SPEC §6): every option, its default, its bounds and
// its one-line doc. The Config type is derived from it; config/mailtap.yaml mirrors it and a test
// keeps the two in step. Each limit names the failure it prevents.
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().min(1);

export const captureSchema = z.object({
  /** Interface for `mailtap run` (libpcap name; `any` works with Linux cooked capture). */
  interface: z.string().min(1).default('eth0'),
  /**
   * BPF filter. Empty (the default): built from `ports`, catching untagged, 802.1Q and QinQ frames
   * (capture/filter.ts). `tcp`: recognise SMTP on every port. Anything else is used as written.
   */
  filter: z.string().default(''),
  /** Bytes captured per packet. Below the MTU, payload is lost and becomes gaps. */
  snaplen: z.number().int().min(96).max(262144).default(65535),
  /** Kernel capture buffer in MiB: absorbs stalls of the capture loop. */
  buffer_mb: z.number().int().min(1).max(4096).default(64),
  promiscuous: z.boolean().default(true),
  /** Ports treated as SMTP without waiting for recognition (the server side of a connection). */
  ports: z.array(port).default([25, 465, 587, 2525]),
  /**
   * Live capture implementation. `native` (the default): mailtap's own addon (native/pcap-batch,
   * `npm run build:native`): kernel packet timestamps, packets batched across the thread boundary,
   * kernel drops counted (pcap_stats). `cap`: the npm cap addon, one JavaScript call per packet,
   * arrival-time timestamps, no kernel drop count; also used, with a warning, when the native
   * addon cannot load.
   */
  backend: z.enum(['cap', 'native']).default('native'),
  /** Verify IP/TCP checksums. Off: captures on the sending host carry unfinished (offloaded) checksums. */
  verify_checksums: z.boolean().default(false),
  /**
   * Encapsulations (GRE, ERSPAN, VXLAN, Geneve, MPLS, PPPoE) followed per packet; a packet nested
   * deeper is counted as packets_total{result="tunnel_depth"} and not followed (bounds the work a
   * crafted packet of stacked headers costs). 0 follows none.
   */
  max_tunnel_depth: z.number().int().min(0).max(10).default(4),
  /**
   * Linux PACKET_FANOUT (native backend): `count` > 1 processes capturing the same interface join
   * fanout group `group` (one id per interface and host, 0..65535) in hash mode, and the kernel
   * gives each connection (both directions: the hash is flow-symmetric) to exactly one of them.
   * `count` 1 (the default): no fanout.
   */
  fanout: z
    .object({ group: z.number().int().min(0).max(65535).default(25), count: z.number().int().min(1).max(1024).default(1) })
    .default({ group: 25, count: 1 }),
  /** Split traffic symmetrically across `count` processes by BPF (platforms without fanout); this one takes share `index`. */
  shard: z
    .object({ index: z.number().int().min(0).default(0), count: positiveInt.default(1) })
    .refine((s) => s.index < s.count, { message: 'shard.index must be less than shard.count', path: ['index'] })
    .default({ index: 0, count: 1 }),
}).superRefine((c, ctx) => {
  if (c.fanout.count <= 1) return;
  // Two splits at once: a connection the fanout hash gives to one process and the shard hash to
  // another would be captured by neither.
  if (c.shard.count > 1) ctx.addIssue({ code: 'custom', path: ['fanout'], message: 'use either capture.fanout or capture.shard, not both' });
  if (c.backend !== 'native') ctx.addIssue({ code: 'custom', path: ['fanout'], message: 'fanout needs capture.backend native (cap cannot join a PACKET_FANOUT group)' });
});

export const workersSchema = z.object({
  /** Worker threads for SMTP/MIME parsing; 0 = CPU count minus one, at least one. */
  count: z.number().int().min(0).max(256).default(0),
  /** In-flight bytes per worker before back-pressure (live capture drops and counts; reading files waits, with at most 8 MiB in flight). */
  queue_mb: z.number().int().min(1).max(4096).default(64),
  /** `run`: seconds SIGTERM/SIGINT may take to drain the workers and flush open sessions before exit (below systemd's TimeoutStopSec). */
  shutdown_timeout_s: z.number().int().min(1).max(3600).default(20),
});

export const flowsSchema = z.object({
  /** A connection with no packet for this long is closed as `idle`. */
  idle_timeout_s: z.number().int().min(1).default(300),
  /** Open connections tracked; beyond it the least recently used is evicted (SYN floods). */
  max_flows: positiveInt.default(1_000_000),
  /**
   * Out-of-order bytes held across all connections before holes become gaps; and, on its own, the
   * open connections' state (FLOW_STATE_BYTES, 1 KiB each): past it a new connection evicts the
   * least recently used one (issue 13 item 12).
   */
  memcap_mb: z.number().int().min(1).default(256),
  /** Out-of-order bytes held per connection before its hole becomes a gap. */
  per_flow_holdback_kb: z.number().int().min(1).default(1024),
  /**
   * Packet time to wait for missing data after an ACK beyond it (SPAN feeds reorder directions),
   * for a side's SYN/SYN-ACK after its data, and for late packets of an ended connection.
   */
  reorder_window_ms: z.number().int().min(0).default(100),
  /**
   * Delivered bytes kept per connection until the receiver ACKs them, so a retransmission that
   * differs is seen (flow_overlap_mismatch); 0 turns the check off.
   */
  retransmit_check_kb: z.number().int().min(0).default(64),
  /**
   * Bytes of IP fragments held for reassembly, all datagrams together (fragment floods): beyond it
   * the oldest incomplete datagrams are dropped, `ip_fragment_memcap`.
   */
  fragment_memcap_kb: z.number().int().min(1).default(16384),
  /** Packet time an incomplete fragmented datagram waits for its missing fragments, then `ip_fragment_timeout` (RFC 791 suggests 15 s, Linux uses 30 s). */
  fragment_timeout_s: z.number().int().min(1).max(3600).default(30),
});

export const limitsSchema = z.object({
  /** SMTP command/reply line length; longer lines are skipped (memory exhaustion). */
  line_length: z.number().int().min(64).default(4096),
  /** Unanswered commands kept for reply matching (command floods). */
  pending_commands: positiveInt.default(1000),
  /** Recipients listed per transaction; further ones counted. */
  recipients: positiveInt.default(1000),
  /** Transactions reported per connection; further ones counted. */
  transactions: positiveInt.default(10_000),
  /** Bytes of one header value kept (10 MB headers); longer ones truncated, the block goes on. */
  header_value_bytes: z.number().int().min(64).default(65536),
  /** Bytes kept per message of header fields that repeat (Received); further ones parsed, not kept. */
  header_bytes: z.number().int().min(1024).default(1_048_576),
  /** Header field names listed in header_names per message (header_count still counts them all). */
  header_names: positiveInt.default(1000),
  /** Addresses kept per address header. */
  addresses_per_header: positiveInt.default(1000),
  /** MIME nesting depth (recursion bombs); deeper parts are hashed as opaque bodies. */
  mime_depth: positiveInt.default(100),
  /** MIME parts per message (part storms); further parts only counted. Also bounds uuencoded blocks listed (counted apart). */
  mime_parts: positiveInt.default(10_000),
  /** Boundary length; longer ones are treated as no boundary (RFC 2046 allows 70). */
  boundary_length: positiveInt.default(998),
  /** URLs kept per message. */
  urls_per_message: z.number().int().min(0).default(100),
  /** Anomaly events written per connection; further ones only counted. */
  anomaly_events_per_session: z.number().int().min(0).default(100),
  /**
   * Client bytes held after a lenient end of data (<LF>.<CRLF> …) until the server's reply says
   * where the data ended (SMTP smuggling, issue 15); past it the data is read strictly. 0: off.
   */
  smuggling_holdback: z.number().int().min(0).default(65536),
  /**
   * TLS handshake bytes kept per connection (ClientHello, ServerHello, TLS <= 1.2 certificate
   * chain): a hostile 16 MiB Certificate message must not be buffered. Messages past it are skipped.
   */
  tls_handshake_bytes: z.number().int().min(1024).default(65536),
});

export const outputSchema = z.object({
  /** Events file; `-` is standard output. SIGHUP reopens it. */
  events: z.string().min(1).default('-'),
  /** File mode of a created events file (octal string). */
  file_mode: z.string().regex(/^0?[0-7]{3}$/).default('0640'),
  /** Write AUTH passwords into events. Never turn on outside a lab. */
  log_passwords: z.boolean().default(false),
  /** Attachment hashes computed. */
  hashes: z.array(z.enum(['md5', 'sha1', 'sha256'])).default(['md5', 'sha1', 'sha256']),
  /** Header fields whose raw (unfolded) values each message lists under `headers` (RFC 5322 field names, any case). */
  headers: z.array(z.string().regex(/^[!-9;-~]+$/, 'a header field name (printable ASCII, no colon)')).default([]),
  /**
   * Empty (the default): every process draws a random uid prefix, so uids never repeat across
   * runs or sensors. Set only for tests and golden files: the same seed gives the same uids.
   */
  uid_seed: z.string().default(''),
  /**
   * `run` writing to standard output: MiB of events buffered while the reader (Vector, Promtail,
   * Filebeat) is slower than the sensor; past it events are dropped and counted
   * (mailtap_events_dropped_total), never queued without bound. `read` waits for the reader instead.
   */
  stdout_buffer_mb: z.number().int().min(1).max(4096).default(64),
});

export const extractSchema = z.object({
  enabled: z.boolean().default(false),
  /** Directory files are written to, named by SHA-256. */
  directory: z.string().default('/var/lib/mailtap/extract'),
  attachments: z.boolean().default(true),
  messages: z.boolean().default(false),
  /** Largest single file written, MiB. */
  max_file_mb: z.number().int().min(1).default(25),
  /** Total bytes written, MiB; beyond it files are skipped and counted. */
  max_total_mb: z.number().int().min(1).default(10240),
});

export const metricsSchema = z.object({
  enabled: z.boolean().default(true),
  /** host:port of /metrics, /healthz, /readyz. Loopback unless you mean it. */
  listen: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/).default('127.0.0.1:9469'),
  /** Seconds of acknowledged bytes capture_loss_ratio covers; an idle window reads 0. */
  loss_window_s: z.number().int().min(1).max(86400).default(60),
});

export const privilegesSchema = z.object({
  /** User to switch to once the capture is open (empty: stay). */
  user: z.string().default(''),
  group: z.string().default(''),
});

export const configSchema = z.object({
  capture: captureSchema.default(captureSchema.parse({})),
  workers: workersSchema.default(workersSchema.parse({})),
  flows: flowsSchema.default(flowsSchema.parse({})),
  limits: limitsSchema.default(limitsSchema.parse({})),
  output: outputSchema.default(outputSchema.parse({})),
  extract: extractSchema.default(extractSchema.parse({})),
  metrics: metricsSchema.default(metricsSchema.parse({})),
  privileges: privilegesSchema.default(privilegesSchema.parse({})),
}).strict();

export type ConfigInput = z.input<typeof configSchema>;
export type ConfigShape = z.output<typeof configSchema>;

/** The defaults as a plain object (what an empty config file means). */
export function defaultConfig(): ConfigShape {
  return configSchema.parse({});
}
