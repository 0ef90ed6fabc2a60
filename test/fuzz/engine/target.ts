// What a fuzz target gives the engine: its seeds (from the corpus captures and .eml files), a
// dictionary of protocol tokens, the src/ folders whose coverage guides it, and run(), which
// feeds one input to the parser's public API and throws only when an oracle fails (a crash).

export interface FuzzTarget {
  readonly name: string;
  /** Path fragments (e.g. '/src/flow/') of the scripts whose blocks are coverage features. */
  readonly coverage: readonly string[];
  /** Inputs longer than this are cut (coverage is taken per input: keep them small). */
  readonly maxLen: number;
  readonly dictionary: readonly string[];
  seeds(): Buffer[];
  /** One execution. Must not keep state between calls. Throws on an oracle failure. */
  run(input: Buffer): void;
  /**
   * run() without the allowance made for an open finding (one routed to another owner, so CI does
   * not keep finding it); regressions.test.ts replays `open-*.bin` inputs with it.
   */
  strictRun?(input: Buffer): void;
}

/** Throws the oracle failure `what` (a finding, not a parser exception). */
export function oracle(ok: boolean, what: string): void {
  if (!ok) throw new OracleError(what);
}

export class OracleError extends Error {
  override readonly name = 'OracleError';
}
