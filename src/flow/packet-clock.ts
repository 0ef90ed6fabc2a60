// The packet-time clock that drives idle expiry when reading captures (FlowTable.tick). Capture
// time is data, not truth: one packet stamped ten days ahead (a crafted or corrupted record, a
// merged capture with a broken clock) made `max(packet time)` close every open session as idle and
// split live sessions in two (issue 13 item 8). Owns only the trusted time and one candidate jump.
//
// The rule: packet time within CLOCK_JUMP_MICROS of the clock moves it forward (never back). A
// packet farther away, ahead or behind, is a candidate jump; the clock follows it only when the
// next CLOCK_CONFIRMATIONS packets, in a row, lie within CLOCK_JUMP_MICROS of it (a real jump, such
// as a pause in the capture, is confirmed by everything after it). A packet near the clock in
// between cancels the candidate. So one stray packet, or a few interleaved with normal traffic,
// never moves the clock; the stray packets' own connections still take their time as given.

/** A step larger than this (µs of packet time) needs confirmation. */
export const CLOCK_JUMP_MICROS = 10_000_000;
/** Consecutive packets after a jump that must agree with it before the clock follows. */
export const CLOCK_CONFIRMATIONS = 2;

export class PacketClock {
  /** Trusted packet time (µs); 0 before the first packet. */
  now = 0;
  /** Packet times ignored as unconfirmed jumps (tests, diagnostics). */
  ignoredJumps = 0;
  private candidate = 0;
  private agreeing = 0;

  /** One packet's time; returns the trusted time after it. */
  observe(ts: number): number {
    if (this.now === 0) {
      this.now = ts;
      return ts;
    }
    const d = ts - this.now;
    if (d <= CLOCK_JUMP_MICROS && d >= -CLOCK_JUMP_MICROS) {
      if (ts > this.now) this.now = ts;
      if (this.agreeing > 0) {
        this.ignoredJumps++;
        this.agreeing = 0;
      }
      return this.now;
    }
    if (this.agreeing > 0 && Math.abs(ts - this.candidate) <= CLOCK_JUMP_MICROS) {
      if (ts > this.candidate) this.candidate = ts;
      if (++this.agreeing > CLOCK_CONFIRMATIONS) {
        this.now = this.candidate;
        this.agreeing = 0;
      }
      return this.now;
    }
    if (this.agreeing > 0) this.ignoredJumps++;
    this.candidate = ts;
    this.agreeing = 1;
    return this.now;
  }

  /** A trusted time (the wall clock in live mode): taken as is when later. */
  advanceTo(ts: number): void {
    if (ts > this.now) this.now = ts;
  }
}
