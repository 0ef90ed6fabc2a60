import { test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { Iso2022JpToEucJp } from '../../../src/mime/iso-2022-jp.js';

const decode = (parts: Buffer[]) => {
  const c = new Iso2022JpToEucJp();
  return iconv.decode(Buffer.concat(parts.map((p) => c.write(p))), 'euc-jp');
};

test('JIS X 0208 runs, ASCII and JIS X 0201 kana (RFC 1468)', () => {
  const b = Buffer.concat([Buffer.from('1b2442', 'hex'), Buffer.from('467c', 'hex'), Buffer.from('1b2842', 'hex'), Buffer.from('a-'), Buffer.from('1b2849', 'hex'), Buffer.from([0x31]), Buffer.from('1b2842', 'hex')]);
  assert.equal(decode([b]), '\u65e5a-\uff71');
});

test('escape sequences and pairs split across writes', () => {
  const b = Buffer.from('1b2442467c4b5c1b2842', 'hex'); // 日本
  const parts = [...b].map((x) => Buffer.from([x]));
  assert.equal(decode(parts), '日本');
});

test('an unknown escape passes through and never throws', () => {
  assert.doesNotThrow(() => decode([Buffer.from('1b2458411b', 'hex')]));
});
