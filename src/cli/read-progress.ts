// `mailtap read` on a terminal (SPEC §2): a progress line on standard error, redrawn at most four
// times a second (bytes, packets, sessions, MB/s, time left estimated from the files' sizes), and
// a one-line summary in words at the end, the way `suricata -r` ends with its stats. Nothing is
// drawn when standard error is not a terminal: logs and pipes get only the summary log line.

export interface ProgressOut {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressSample {
  /** Captured bytes delivered so far, and records: with 16 bytes of record header each, close to the file position. */
  bytes: number;
  packets: number;
  sessions: number;
}

const REDRAW_MS = 250;
const RECORD_HEADER = 16;

function mb(n: number): string {
  return (n / 1e6).toFixed(1);
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * Thousands separated by commas, as toLocaleString('en-US') writes them, without loading ICU's
 * locale data (~40 ms of every run's start on this machine, for one summary line).
 */
export function count(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = (end > 3 ? ',' : '') + digits.slice(Math.max(0, end - 3), end) + out;
  return n < 0 ? `-${out}` : out;
}

/** The progress line (no control characters). `total` null: input of unknown size (standard input). */
export function formatProgress(s: ProgressSample, total: number | null, elapsedMs: number): string {
  const pos = total === null ? s.bytes : Math.min(total, s.bytes + RECORD_HEADER * s.packets);
  const rate = elapsedMs > 0 ? pos / (elapsedMs / 1000) : 0;
  const parts = [total === null ? `${mb(pos)} MB` : `${mb(pos)}/${mb(total)} MB (${Math.floor((100 * pos) / Math.max(1, total))}%)`];
  parts.push(`${count(s.packets)} packets`, `${count(s.sessions)} sessions`, `${mb(rate)} MB/s`);
  if (total !== null && rate > 0) parts.push(`ETA ${clock((total - pos) / rate)}`);
  return `reading ${parts.join('  ')}`;
}

export class ReadProgress {
  private drawn = false;
  private lastDraw = -Infinity;
  private readonly start: number;

  constructor(
    private readonly out: ProgressOut,
    private readonly total: number | null,
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
  }

  /** Redraws the line if standard error is a terminal and the last draw is old enough. */
  update(s: ProgressSample): void {
    if (this.out.isTTY !== true) return;
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    this.drawn = true;
    this.out.write(`\r\x1b[K${formatProgress(s, this.total, t - this.start)}`);
  }

  /** Erases the progress line (before the summary or any other message). */
  finish(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}

export interface ReadTotals {
  files: number;
  packets: number;
  sessions: number;
  transactions: number;
  anomalies: number;
  gaps: number;
  elapsedMs: number;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${count(n)} ${n === 1 ? one : many}`;

/** "read 2 files: 1,234 packets, 3 sessions, 5 transactions, 0 anomalies, 1 gap in 0.8 s". */
export function readSummary(t: ReadTotals): string {
  const secs = t.elapsedMs >= 10_000 ? clock(t.elapsedMs / 1000) : `${(t.elapsedMs / 1000).toFixed(1)} s`;
  return `read ${plural(t.files, 'file')}: ${plural(t.packets, 'packet')}, ${plural(t.sessions, 'session')}, ` +
    `${plural(t.transactions, 'transaction')}, ${plural(t.anomalies, 'anomaly', 'anomalies')}, ${plural(t.gaps, 'gap')} in ${secs}`;
}
