import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectType, typeMismatch } from '../../../src/mime/magic.js';

const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex');

test('leading bytes of the common types', () => {
  const cases: [Buffer, string | undefined][] = [
    [Buffer.from('%PDF-1.7\n'), 'application/pdf'],
    [hex('504b0304 1400'), 'application/zip'],
    [Buffer.concat([hex('504b0304'), Buffer.from('[Content_Types].xml xl/workbook.xml')]), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    [hex('d0cf11e0a1b11ae1 0000'), 'application/x-ole-storage'],
    [Buffer.from('MZ\x90\x00'), 'application/x-dosexec'],
    [hex('7f454c46 0201'), 'application/x-executable'],
    [hex('89504e470d0a1a0a'), 'image/png'],
    [hex('ffd8ffe0'), 'image/jpeg'],
    [Buffer.from('GIF89a'), 'image/gif'],
    [hex('1f8b0800'), 'application/gzip'],
    [Buffer.from('Rar!\x1a\x07\x00'), 'application/vnd.rar'],
    [hex('377abcaf271c'), 'application/x-7z-compressed'],
    [hex('789f3e22'), 'application/vnd.ms-tnef'],
    [Buffer.from('  <!DOCTYPE html><html>'), 'text/html'],
    [Buffer.from('hello world'), undefined],
    [Buffer.alloc(0), undefined],
  ];
  for (const [b, t] of cases) assert.equal(detectType(b), t, b.toString('hex'));
});

test('declared type or extension disagreeing with the magic is a mismatch', () => {
  assert.equal(typeMismatch('application/pdf', 'invoice.pdf', 'application/x-dosexec'), true);
  assert.equal(typeMismatch('application/octet-stream', 'invoice.pdf', 'application/x-dosexec'), true);
  assert.equal(typeMismatch('application/octet-stream', 'setup.exe', 'application/x-dosexec'), false);
  assert.equal(typeMismatch('application/octet-stream', 'report.docx', 'application/zip'), false);
  assert.equal(typeMismatch('application/zip', 'a.zip', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'), false);
  assert.equal(typeMismatch('image/png', undefined, 'image/jpeg'), false, 'image families agree');
  assert.equal(typeMismatch('text/plain', 'a.txt', 'application/pdf'), true);
  assert.equal(typeMismatch('application/pdf', 'a.pdf', undefined), false, 'unknown magic claims nothing');
});
