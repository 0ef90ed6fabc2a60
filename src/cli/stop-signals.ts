// SIGINT/SIGTERM for the offline `read`: the first one asks the command to stop reading and flush
// (SPEC §2: sessions closed as `shutdown`, every event written, then exit 130/143); a second one
// means the user will not wait, so the process exits at once with the same code. Owns the two
// process listeners while installed.

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** 128 + the signal number, as shells report a process a signal ended. */
export function signalExitCode(sig: StopSignal): number {
  return sig === 'SIGINT' ? 130 : 143;
}

/** Calls `onStop` on the first SIGINT/SIGTERM; returns the function that removes the listeners. */
export function onStopSignals(onStop: (sig: StopSignal) => void, exit: (code: number) => void = (c) => process.exit(c)): () => void {
  let first: StopSignal | null = null;
  const handler = (sig: StopSignal): void => {
    if (first !== null) {
      exit(signalExitCode(first));
      return;
    }
    first = sig;
    onStop(sig);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
