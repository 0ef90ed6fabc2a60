// Collects a child process's output as lines and lets a test wait for the first line matching a
// predicate (rejecting on timeout or on exit first, with the output so far in the message). Shared
// by the namespace helpers and the end-to-end tests, which all wait for a daemon's log lines.
import type { ChildProcess } from 'node:child_process';

export interface LineWatch {
  /** Lines of the watched streams, in arrival order. */
  readonly lines: string[];
  /** Resolves with the first line matching `pred`; rejects on timeout or exit first. */
  waitLine(pred: (line: string) => boolean, what: string, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code (null after a signal) once the process has closed its streams. */
  readonly exit: Promise<number | null>;
}

/** Watches `streams` of `child` line by line (streams that are null are skipped). */
export function watchLines(child: ChildProcess, streams: readonly (NodeJS.ReadableStream | null)[]): LineWatch {
  const lines: string[] = [];
  const watchers: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  for (const stream of streams) {
    if (stream === null) continue;
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (s: string) => {
      buf += s;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        for (let w = watchers.length - 1; w >= 0; w--) {
          if (watchers[w]!.pred(line)) watchers.splice(w, 1)[0]!.resolve(line);
        }
      }
    });
  }
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitLine = (pred: (l: string) => boolean, what: string, timeoutMs: number): Promise<string> => {
    const seen = lines.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; output:\n${lines.join('\n')}`)), timeoutMs);
      watchers.push({ pred, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      void exit.then((code) => {
        clearTimeout(timer);
        reject(new Error(`exited (${String(code)}) before ${what}; output:\n${lines.join('\n')}`));
      });
    });
  };
  return { lines, waitLine, exit };
}
