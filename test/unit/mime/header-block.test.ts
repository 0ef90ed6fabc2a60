import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalySet } from '../../../src/mime/anomaly-set.js';
import { HeaderCollector, type HeaderLineVerdict, type HeaderTarget } from '../../../src/mime/header-block.js';

class Keep implements HeaderTarget {
  fields: [string, string][] = [];
  wants(name: string): boolean {
    return name !== 'x-ignored';
  }
  field(name: string, value: string): void {
    this.fields.push([name, value]);
  }
}

function feed(c: HeaderCollector, text: string): HeaderLineVerdict[] {
  const buf = Buffer.from(text.replace(/\n/g, '\r\n'), 'utf8');
  const out: HeaderLineVerdict[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const lf = buf.indexOf(0x0a, pos);
    out.push(c.onLine(buf, pos, lf - 1, 2, false));
    pos = lf + 1;
  }
  return out;
}

test('unfolding keeps the folding whitespace; no space after the colon is fine', () => {
  const s = new AnomalySet();
  const c = new HeaderCollector(1024, 4096, s);
  const t = new Keep();
  c.begin(t);
  const v = feed(c, 'Subject:a\n\tb  c\n  d\nX-Ignored: y\nFrom : z@x\n\nbody\n');
  assert.deepEqual(v, ['header', 'header', 'header', 'header', 'header', 'end', 'body']);
  assert.deepEqual(t.fields, [['subject', 'a\tb  c  d'], ['from', 'z@x']]);
  assert.equal(c.count, 3);
  assert.equal(c.bytes, 'Subject:a\r\n\tb  c\r\n  d\r\nX-Ignored: y\r\nFrom : z@x\r\n\r\n'.length);
});

test('a first line starting with whitespace continues nothing; a line without colon ends the block', () => {
  const c = new HeaderCollector(1024, 4096, new AnomalySet());
  const t = new Keep();
  c.begin(t);
  assert.deepEqual(feed(c, ' lost\nA: 1\nno colon here\n'), ['header', 'header', 'body']);
  assert.deepEqual(t.fields, [['a', '1']]);
});

test('raw 8-bit UTF-8 values are kept as UTF-8 (RFC 6532)', () => {
  const c = new HeaderCollector(1024, 4096, new AnomalySet());
  const t = new Keep();
  c.begin(t);
  feed(c, 'Subject: Grüße 你好\n\n');
  assert.deepEqual(t.fields, [['subject', 'Grüße 你好']]);
});

test('value cap: exactly at header_value_bytes kept, one past truncated and flagged', () => {
  for (const [len, flagged] of [[64, false], [65, true]] as const) {
    const s = new AnomalySet();
    const c = new HeaderCollector(64, 4096, s);
    const t = new Keep();
    c.begin(t);
    feed(c, `Subject: ${'x'.repeat(len)}\n\n`);
    assert.equal(t.fields[0]![1].length, 64);
    assert.equal(s.has('mime_header_too_long'), flagged);
  }
});

test('message-wide budget: at the limit all kept, one past stops keeping and flags', () => {
  const block = 'A: 1\nB: 2\n\n'; // 4+2 + 4+2 + 2 = 14 bytes
  for (const [budget, flagged, kept] of [[14, false, 2], [13, true, 2], [6, true, 1], [5, true, 0]] as const) {
    const s = new AnomalySet();
    const c = new HeaderCollector(64, budget, s);
    const t = new Keep();
    c.begin(t);
    feed(c, block);
    assert.equal(s.has('mime_header_too_long'), flagged, `budget ${budget}`);
    assert.equal(t.fields.length, kept, `budget ${budget}`);
  }
});

test('a released value buffer serves the next collector without leaking the old value', () => {
  const first = new HeaderCollector(1024, 4096, new AnomalySet());
  const a = new Keep();
  first.begin(a);
  feed(first, `Subject: ${'long value '.repeat(50)}\n\n`);
  first.release();
  const second = new HeaderCollector(1024, 4096, new AnomalySet());
  const b = new Keep();
  second.begin(b);
  feed(second, 'Subject: short\n\n');
  assert.equal(a.fields[0]![1].length, 'long value '.repeat(50).trimEnd().length);
  assert.deepEqual(b.fields, [['subject', 'short']]);
});
