// DKIM-Signature tags: RFC 6376 Appendix A.2's example and signatures collected from public
// mailing-list archives (Gmail, Oracle/Proofpoint, runbox, mailchannels), unfolded as the header
// walker delivers them, with the expected tags written by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDkimSignature } from '../../../src/mime/dkim-signature.js';
import type { DkimRecord } from '../../../src/mime/types.js';

const CASES: Array<[string, string, DkimRecord]> = [
  [
    'RFC 6376 A.2: i=, folded b=, header names with spaces around ":"',
    'v=1; a=rsa-sha256; s=brisbane; d=example.com;      c=simple/simple; q=dns/txt; i=joe@football.example.com;      h=Received : From : To : Subject : Date : Message-ID;      bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;      b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB        4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut        KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV        4bmp/YzhwvcubU4=;',
    { d: 'example.com', s: 'brisbane', a: 'rsa-sha256', h: 'Received:From:To:Subject:Date:Message-ID', i: 'joe@football.example.com' },
  ],
  [
    'Gmail: h= folded across lines, duplicated names (oversigning)',
    'v=1; a=rsa-sha256; c=relaxed/relaxed;        d=gmail.com; s=20210112;        h=to:subject:message-id:date:from:reply-to:mime-version:from:to:cc         :subject:date;        bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;        b=dcyaZOIDIcFYxr3EpOltaB56KTHbZwi5idlufoODXZDytJ/HNgr5NwhzVtc2tL74iU         OM6Q==',
    { d: 'gmail.com', s: '20210112', a: 'rsa-sha256', h: 'to:subject:message-id:date:from:reply-to:mime-version:from:to:cc:subject:date' },
  ],
  [
    'Proofpoint: h= with " : " separators and s= after it',
    'v=1; a=rsa-sha256; c=relaxed/relaxed; d=oracle.com; h=date : from : to : cc : subject : message-id : references : mime-version : content-type : in-reply-to; s=corp-2018-07-02; bh=SOIVm550t2juiTj4vnRQ5BaJ/KWVo=; b=x',
    { d: 'oracle.com', s: 'corp-2018-07-02', a: 'rsa-sha256', h: 'date:from:to:cc:subject:message-id:references:mime-version:content-type:in-reply-to' },
  ],
  [
    'a signature with t= and x=, and an i= in dkim-quoted-printable',
    'v=1; a=ed25519-sha256; d=example.org; s=k1; t=1655435241; x=1656040041; i=joe=20smith=40example.org; h=From:To; bh=x; b=y',
    { d: 'example.org', s: 'k1', a: 'ed25519-sha256', h: 'From:To', i: 'joe smith@example.org', t: '1655435241', x: '1656040041' },
  ],
];

for (const [name, value, expected] of CASES) {
  test(`DKIM-Signature: ${name}`, () => {
    assert.deepEqual(parseDkimSignature(value), expected);
  });
}

test('names are case-sensitive, a repeated tag keeps its first value, junk is ignored', () => {
  assert.deepEqual(parseDkimSignature('D=upper; d=first; d=second; ;; junk; =v; s'), { d: 'first' });
  assert.deepEqual(parseDkimSignature(''), {});
  assert.deepEqual(parseDkimSignature('i=bad=zz=4'), { i: 'bad=zz=4' });
});
