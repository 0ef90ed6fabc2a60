import { test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { decodeBytes, decodeRawHeader, decodeRawHeaderPrefix, makeTextDecoder, normaliseLabel, resolveCharset } from '../../../src/mime/charset.js';

function dec(bytes: Buffer, label: string): string {
  const cs = resolveCharset(label);
  assert.ok(cs, `charset ${label} resolves`);
  return decodeBytes(bytes, cs);
}

test('labels are normalised: case, quotes, spaces and RFC 2231 language suffix', () => {
  assert.equal(normaliseLabel(' "UTF-8" '), 'utf-8');
  assert.equal(normaliseLabel('iso-8859-1*fr'), 'iso-8859-1');
});

test('gb2312 is read as GB18030 so GBK-only characters survive', () => {
  // 0x8140 lies outside GB2312's rows (0xA1-0xFE): only a GBK/GB18030 reading decodes it.
  assert.equal(dec(Buffer.from([0xdb, 0xac, 0xd0, 0xa1, 0xc1, 0xc1]), 'gb2312'), '郜小亮');
  assert.equal(dec(Buffer.from([0x81, 0x40]), 'GB2312'), iconv.decode(Buffer.from([0x81, 0x40]), 'gbk'));
});

test('ks_c_5601-1987 is CP949 (UHC extensions decode)', () => {
  const uhcOnly = iconv.encode('똠', 'cp949'); // not in EUC-KR's KS X 1001 set
  assert.equal(dec(uhcOnly, 'ks_c_5601-1987'), '똠');
});

test('iso-2022-jp is decoded through EUC-JP, also when split across writes', () => {
  const bytes = Buffer.from('1b2442467c4b5c386c1b2842206f6b', 'hex'); // 日本語 ok
  assert.equal(dec(bytes, 'ISO-2022-JP'), '日本語 ok');
  const cs = resolveCharset('iso-2022-jp')!;
  const d = makeTextDecoder(cs);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += d.write(bytes.subarray(i, i + 1));
  out += d.end();
  assert.equal(out, '日本語 ok');
});

test('big5, koi8-r, windows-1251, utf-7 and the ISO-8859 family decode', () => {
  assert.equal(dec(iconv.encode('繁體', 'big5'), 'big5'), '繁體');
  assert.equal(dec(iconv.encode('Привет', 'koi8-r'), 'KOI8-R'), 'Привет');
  assert.equal(dec(iconv.encode('Київ', 'windows-1251'), 'windows-1251'), 'Київ');
  assert.equal(dec(Buffer.from('Hi +AKM-1'), 'utf-7'), 'Hi £1');
  assert.equal(dec(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'iso-8859-1'), 'café');
});

test('unknown labels resolve to undefined', () => {
  assert.equal(resolveCharset('x-no-such-charset'), undefined);
  assert.equal(resolveCharset('a'.repeat(100)), undefined);
});

test('us-ascii bodies holding UTF-8 are read as UTF-8, other 8-bit bytes as windows-1252', () => {
  assert.equal(dec(Buffer.from('café', 'utf8'), 'us-ascii'), 'café');
  assert.equal(dec(Buffer.from([0x93, 0x61, 0x94]), 'us-ascii'), '\u201ca\u201d');
  assert.equal(decodeRawHeader(Buffer.from('Grüße', 'utf8')), 'Grüße');
});

test('the UTF-8 stream decoder joins a character split across writes', () => {
  const d = makeTextDecoder(resolveCharset('utf-8')!);
  const euro = Buffer.from('€', 'utf8');
  assert.equal(d.write(euro.subarray(0, 1)) + d.write(euro.subarray(1)) + d.end(), '€');
});

test('decodeRawHeaderPrefix reads a buffer prefix as decodeRawHeader reads the same bytes', () => {
  let seed = 5;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabets = [[0x20, 0x7e], [0x00, 0xff], [0x41, 0x5a]];
  for (let t = 0; t < 5_000; t++) {
    const [lo, hi] = alphabets[t % 3]!;
    const buf = Buffer.alloc(1 + rnd(80));
    for (let i = 0; i < buf.length; i++) buf[i] = lo! + rnd(hi! - lo! + 1);
    if (t % 7 === 0 && buf.length > 2) buf.write('é', rnd(buf.length - 1), 'utf8'); // valid UTF-8 inside ASCII
    const end = rnd(buf.length + 1);
    assert.equal(decodeRawHeaderPrefix(buf, end), decodeRawHeader(buf.subarray(0, end)));
  }
  assert.equal(decodeRawHeaderPrefix(Buffer.from('Grüße and more', 'utf8'), 7), 'Grüße');
});
