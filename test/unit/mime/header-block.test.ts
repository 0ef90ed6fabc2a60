import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalySet } from '../../../src/mime/anomaly-set.js';
import { HeaderCollector, type HeaderLineVerdict, type HeaderTarget } from '../../../src/mime/header-block.js';

class Keep implements HeaderTarget {
  fields: [string, string][] = [];
  wants(name: string): boolean {
    return name !== 'x-ignored';
  }
  repeats(name: string): boolean {
    return name === 'received';
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

test('message-wide budget of repeated fields: at the limit all kept, one past stops keeping them and flags', () => {
  const block = 'Received: 1234\nSubject: s\nReceived: 5678\nFrom: f\n\n';
  for (const [budget, flagged, received] of [[8, false, 2], [7, true, 1], [3, true, 0]] as const) {
    const s = new AnomalySet();
    const c = new HeaderCollector(64, budget, s);
    const t = new Keep();
    c.begin(t);
    feed(c, block);
    assert.equal(s.has('mime_header_too_long'), flagged, `budget ${budget}`);
    assert.equal(t.fields.filter(([n]) => n === 'received').length, received, `budget ${budget}`);
    // Fields kept once are never charged: the budget does not hide them.
    assert.deepEqual(t.fields.filter(([n]) => n !== 'received'), [['subject', 's'], ['from', 'f']], `budget ${budget}`);
  }
});

test('a header over the value cap, kept or not, is flagged and the block goes on (issue 15)', () => {
  for (const name of ['X-Ignored', 'Subject']) {
    const s = new AnomalySet();
    const c = new HeaderCollector(64, 1024, s);
    const t = new Keep();
    c.begin(t);
    // Folded into many short lines: each line is fine, the value is 10 times the cap.
    const v = feed(c, `${name}: start${'\n\tjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj'.repeat(16)}\nContent-Type: multipart/mixed; boundary=b\n\n`);
    assert.ok(v.slice(0, -1).every((x) => x === 'header'));
    assert.equal(v.at(-1), 'end');
    assert.ok(s.has('mime_header_too_long'), name);
    assert.deepEqual(t.fields.at(-1), ['content-type', 'multipart/mixed; boundary=b'], name);
    if (name === 'Subject') assert.equal(t.fields[0]![1].length, 64);
  }
  // At the cap exactly (value bytes, folding whitespace included) nothing is flagged.
  const s = new AnomalySet();
  const c = new HeaderCollector(64, 1024, s);
  c.begin(new Keep());
  feed(c, `X-Ignored: ${'a'.repeat(30)}\n\t${'b'.repeat(33)}\n\n`);
  assert.equal(s.has('mime_header_too_long'), false);
  feed(c, `X-Ignored: ${'a'.repeat(30)}\n\t${'b'.repeat(34)}\n\n`);
  assert.equal(s.has('mime_header_too_long'), true);
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
