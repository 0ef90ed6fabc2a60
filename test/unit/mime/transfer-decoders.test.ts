import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { AnomalySet } from '../../../src/mime/anomaly-set.js';
import { BodyDigest } from '../../../src/mime/body-digest.js';
import { Base64Decoder, IdentityDecoder, QuotedPrintableDecoder, type TransferDecoder } from '../../../src/mime/transfer-decoders.js';

type Kind = 'identity' | 'qp' | 'base64';

/** Feeds CRLF lines one by one (or via region first), returns the decoded bytes' sha256 and size. */
function decode(kind: Kind, text: string, opts: { atBoundary?: boolean; region?: boolean } = {}) {
  const s = new AnomalySet();
  const digest = new BodyDigest(['sha256'], false, undefined);
  const d: TransferDecoder =
    kind === 'identity' ? new IdentityDecoder(digest) : kind === 'qp' ? new QuotedPrintableDecoder(digest, s) : new Base64Decoder(digest, s);
  const buf = Buffer.from(text, 'latin1');
  let pos = 0;
  if (opts.region === true) pos = d.region(buf, 0, buf.lastIndexOf(0x0a) + 1, 998);
  while (pos < buf.length) {
    let lf = buf.indexOf(0x0a, pos);
    if (lf < 0) lf = buf.length;
    const eol = lf < buf.length ? (lf > pos && buf[lf - 1] === 0x0d ? 2 : 1) : 0;
    d.line(buf, pos, lf + (eol === 0 ? 0 : 1) - eol, eol);
    pos = lf + 1;
  }
  d.finish(opts.atBoundary ?? true);
  const r = digest.finish();
  return { size: r.size, sha256: r.sha256, anomalies: s.list() };
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

test('identity: the line break before the delimiter belongs to the delimiter', () => {
  assert.deepEqual(decode('identity', 'a\r\nb\r\n'), { size: 4, sha256: sha('a\r\nb'), anomalies: [] });
  assert.equal(decode('identity', 'a\r\nb\r\n', { atBoundary: false }).size, 6);
  assert.equal(decode('identity', 'a\nb\n').sha256, sha('a\nb'));
});

test('quoted-printable: soft breaks, escapes, transport padding, hard breaks as CRLF', () => {
  const r = decode('qp', 'soft=\r\n break =3D x  \t\r\nlast=20\r\n');
  assert.equal(r.sha256, sha('soft break = x\r\nlast '));
  assert.deepEqual(r.anomalies, []);
});

test('quoted-printable: an invalid escape is kept literally and flagged', () => {
  const r = decode('qp', 'bad =ZZ and =4\r\n');
  assert.equal(r.sha256, sha('bad =ZZ and =4'));
  assert.deepEqual(r.anomalies, ['mime_invalid_qp']);
});

test('base64: whitespace ignored, missing padding tolerated', () => {
  assert.deepEqual(decode('base64', ' YWJj \r\n\tZGVm\r\nZw\r\n'), { size: 7, sha256: sha('abcdefg'), anomalies: [] });
});

test('base64: garbage characters are skipped and flagged', () => {
  const r = decode('base64', 'YW*Jj!ZA==\r\n');
  assert.equal(r.sha256, sha('abcd'));
  assert.deepEqual(r.anomalies, ['mime_invalid_base64']);
});

test('base64: padded quanta in the middle (concatenated encodings) decode each', () => {
  assert.equal(decode('base64', 'YQ==YWI=\r\nYWJj\r\n').sha256, sha('aababc'));
});

test('base64 fast region path gives the same bytes as the per-line path', () => {
  const data = Buffer.alloc(10_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
  const b64 = data.toString('base64');
  let text = '';
  for (let i = 0; i < b64.length; i += 76) text += b64.slice(i, i + 76) + '\r\n';
  const fast = decode('base64', text, { region: true });
  const slow = decode('base64', text);
  assert.equal(fast.sha256, sha(data));
  assert.deepEqual(fast, slow);
});

test('base64 region declines garbage and short lines so the exact path handles them', () => {
  const s = new AnomalySet();
  const digest = new BodyDigest([], false, undefined);
  const d = new Base64Decoder(digest, s);
  const bad = Buffer.from('YWJj*GVm\r\nYWJjZGVm\r\n');
  assert.equal(d.region(bad, 0, bad.length, 998), 0);
  const odd = Buffer.from('YWJjZ\r\n');
  assert.equal(d.region(odd, 0, odd.length, 998), 0);
  const long = Buffer.from('YWJjZGVm\r\n');
  assert.equal(d.region(long, 0, long.length, 7), 0, 'lines over the line limit go to the exact path');
  assert.equal(d.region(long, 0, long.length, 8), long.length);
});

test('quoted-printable and identity regions give the same bytes and anomalies as the per-line path', () => {
  const texts = [
    'soft=\r\n break =3D x  \t\r\nlast=20\r\n\r\nbad =ZZ and =4\r\n=\r\nend==\r\n',
    'bare=\nLF lines\n=C3=9Cber \t\nmixed\r\nx=\r\n',
    'caf=C3=A9 =e2=80=93 trailing=20 \r\n\r\n\r\nno break at the end',
  ];
  for (const kind of ['qp', 'identity'] as const) {
    for (const text of texts) {
      for (const atBoundary of [true, false]) {
        const fast = decode(kind, text, { region: true, atBoundary });
        assert.deepEqual(fast, decode(kind, text, { atBoundary }), `${kind}: ${JSON.stringify(text)}`);
      }
    }
  }
});

test('quoted-printable and identity regions take complete lines and stop before long or dash lines', () => {
  for (const make of [
    (d: BodyDigest) => new QuotedPrintableDecoder(d, new AnomalySet()),
    (d: BodyDigest) => new IdentityDecoder(d),
  ]) {
    const d = make(new BodyDigest([], false, undefined));
    const buf = Buffer.from('abcdefgh\r\nabc\nunfinished');
    assert.equal(d.region(buf, 0, buf.length, 998), 14, 'up to the last complete line');
    assert.equal(d.region(buf, 0, buf.length, 8), 14, 'a line exactly at the limit is taken');
    assert.equal(d.region(buf, 0, buf.length, 7), 0, 'one past the limit: the per-line path flags it');
    const dash = Buffer.from('abc\r\n--b\r\nx\r\n');
    assert.equal(d.region(dash, 0, dash.length, 998), 5, 'a possible delimiter is left to the caller');
  }
});
