// Differential test against postal-mime (devDependency only): for every message extracted from the
// corpus captures and every edge-case message we wrote, subject, from/to/cc, message-id and the
// filenames, sizes and sha256 of attachments agree, or the difference is listed below with the
// reason ours is right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import type { Address } from 'postal-mime';
import { fixture } from '../../helpers/paths.js';
import type { AddressRecord, MessageResult } from '../../../src/mime/types.js';
import { parse } from './helpers.js';

/*
 * Line breaks. Applies to every text attachment, so it is handled in the comparison (candidates())
 * rather than listed per file:
 * postal-mime turns CRLF into LF in text parts and keeps the line break before a delimiter. RFC 2046
 * §5.1.1 gives that break to the delimiter (suricata-verify issue 1202) and SMTP text is CRLF
 * (RFC 5322 §2.3), so ours hashes the bytes as sent. Accepted: postal-mime's content with that break
 * removed, with or without LF turned back into CRLF.
 * At the end of the message postal-mime drops the last line's break; RFC 5321 §4.1.1.4 gives that
 * CRLF to the message (the first CRLF of CRLF.CRLF ends the last line), so ours keeps it (issue 15;
 * Python's email package agrees, test/golden/crosscheck.py); postal-mime keeps it too, as LF.
 * Accepted: postal-mime's content with LF turned back into CRLF, the last break kept.
 */

type Field = 'subject' | 'from' | 'to' | 'cc' | 'message_id' | 'attachments';
const EXPECTED: Record<string, Partial<Record<Field, string>>> = {
  'zeek-testing-btest-traces-smtp-mime-header-size-limit-1.eml': {
    subject: 'ours is cut at limits.header_value_bytes (64 KiB) and flagged mime_header_too_long; postal-mime keeps 400 KB',
  },
  'suricata-verify-tests-smtp-data-rejected-10-7-29-101-49898-178-63-41-150-25-1.eml': {
    to: 'the display name equals the address; ours reports the name as written, postal-mime drops it',
  },
  'zeek-testing-btest-traces-smtp-smtp-bdat-pipeline-8bitmime-bdat-1.eml': {
    cc: 'a display name equals the address (`"rafael@kernel.org" <rafael@kernel.org>`); ours reports it as written, postal-mime drops it',
  },
  'addresses.eml': {
    cc: 'RFC 5322 §4.4: an obsolete route is not part of the address and CFWS around `@` is not either; postal-mime keeps both',
  },
  'encoded-words.eml': {
    subject: 'RFC 2047 §6.2: postal-mime decodes each word alone (the € split across two words becomes U+FFFD) and drops undecodable words; ours joins the bytes and keeps undecodable words as written',
    cc: 'postal-mime does not know utf-7 and leaves the word encoded; iconv-lite decodes it',
  },
  'no-boundary.eml': {
    attachments: 'the multipart names no boundary; ours recovers its parts from the first `--` line (flagged mime_boundary_missing), postal-mime reads no parts',
  },
  'transfer.eml': {
    attachments: 'SPEC §3.1: a part with a name parameter is an attachment; postal-mime reads the named text/plain part as body text',
  },
};

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function flatRef(a: Address[] | Address | undefined): string {
  const list = a === undefined ? [] : Array.isArray(a) ? a : [a];
  return list
    .flatMap((x) => (x.group !== undefined ? x.group : [x]))
    .map((x) => `${x.name}|${x.address}`)
    .join(', ');
}
const flatOurs = (a: AddressRecord[] | undefined) => (a ?? []).map((x) => `${x.name ?? ''}|${x.address}`).join(', ');

function candidates(content: Buffer): string[] {
  const s = content.toString('latin1');
  const noBreak = s.replace(/\r?\n$/, '');
  const crlf = s.replace(/\r?\n/g, '\r\n').replace(/\r\n$/, '');
  const withEnd = Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'latin1');
  return [content, Buffer.from(noBreak, 'latin1'), Buffer.from(crlf, 'latin1'), withEnd].map(sha256);
}

async function compare(raw: Buffer): Promise<{ diffs: Map<Field, string>; ours: MessageResult; refSubject: string }> {
  const ours = parse(raw);
  const ref = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
  const m = ours.message;
  const diffs = new Map<Field, string>();
  if ((m.subject ?? '') !== (ref.subject ?? '')) diffs.set('subject', `${m.subject} | ${ref.subject}`);
  if (flatOurs(m.from) !== flatRef(ref.from)) diffs.set('from', `${flatOurs(m.from)} | ${flatRef(ref.from)}`);
  if (flatOurs(m.to) !== flatRef(ref.to)) diffs.set('to', `${flatOurs(m.to)} | ${flatRef(ref.to)}`);
  if (flatOurs(m.cc) !== flatRef(ref.cc)) diffs.set('cc', `${flatOurs(m.cc)} | ${flatRef(ref.cc)}`);
  if ((m.message_id ?? '') !== (ref.messageId ?? '').replace(/^<|>$/g, '')) diffs.set('message_id', `${m.message_id} | ${ref.messageId}`);
  const problems: string[] = [];
  const refNamed = ref.attachments.filter((a) => a.filename !== null);
  for (const r of refNamed) {
    const o = m.attachments.find((a) => a.filename === r.filename);
    const content = Buffer.from(r.content as ArrayBuffer);
    if (o === undefined) problems.push(`missing ${r.filename}`);
    else if (!candidates(content).includes(o.sha256!)) problems.push(`${r.filename}: ${o.size} vs ${content.length}`);
  }
  for (const o of m.attachments) {
    if (o.filename !== undefined && !refNamed.some((r) => r.filename === o.filename)) problems.push(`extra ${o.filename}`);
  }
  if (problems.length > 0) diffs.set('attachments', problems.join('; '));
  return { diffs, ours, refSubject: ref.subject ?? '' };
}

function messages(): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (const dir of [fixture('mime', 'corpus'), fixture('mime')]) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.eml')).sort()) out.push([f, readFileSync(join(dir, f))]);
  }
  out.push(['message.eml', readFileSync(fixture('seed', 'message.eml'))]);
  return out;
}

test('the corpus yields messages to compare', () => {
  assert.ok(messages().length >= 60);
});

for (const [name, raw] of messages()) {
  test(`agrees with postal-mime: ${name}`, async () => {
    const { diffs, ours, refSubject } = await compare(raw);
    const expected = EXPECTED[name] ?? {};
    for (const [field, detail] of diffs) {
      assert.ok(expected[field] !== undefined, `${field} differs without a stated reason: ${detail.slice(0, 300)}`);
    }
    for (const field of Object.keys(expected) as Field[]) {
      assert.ok(diffs.has(field), `${field} was expected to differ (${expected[field]}) but agrees: update the table`);
    }
    if (name === 'zeek-testing-btest-traces-smtp-mime-header-size-limit-1.eml') {
      const subject = ours.message.subject ?? '';
      assert.ok(subject.length > 65000 && subject.length <= 65536, `cut near 64 KiB: ${subject.length}`);
      assert.ok(refSubject.startsWith(subject), 'what we kept is the start of the whole subject');
      assert.ok(ours.anomalies.includes('mime_header_too_long'));
    }
  });
}
