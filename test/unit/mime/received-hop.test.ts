// Received headers as real MTAs write them (RFC 5321 §4.4 examples and headers collected from
// public mailing-list archives: linux-kernel/vger, qemu-devel, infradead, Intel, AMD, Microsoft
// 365, Gmail, 2016-2026), each unfolded as the header walker delivers it, with its parse written
// by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReceived } from '../../../src/mime/received-hop.js';
import type { ReceivedHopRecord } from '../../../src/mime/types.js';

const CASES: Array<[string, string, ReceivedHopRecord]> = [
  [
    'RFC 5321 §4.4 form: FROM with TCP-info, BY, WITH, ID, FOR, date',
    'from foo.example (foo.example [192.0.2.1]) by bar.example (Postfix) with ESMTP id 4AB12 for <b@bar.example>; Mon, 1 Feb 2021 10:00:00 +0000',
    { from_host: 'foo.example', from_ip: '192.0.2.1', by_host: 'bar.example', with: 'ESMTP', id: '4AB12', for: 'b@bar.example', time: '2021-02-01T10:00:00.000Z' },
  ],
  [
    'Postfix, IPv6 literal with the IPv6: tag, folded',
    'from out1.vger.email (out1.vger.email [IPv6:2620:137:e000::1:20])\tby mail.lfdr.de (Postfix) with ESMTP id E5C345B0873\tfor <lists+linux-kernel@lfdr.de>; Wed,  7 Sep 2022 17:24:08 +0200 (CEST)',
    { from_host: 'out1.vger.email', from_ip: '2620:137:e000::1:20', by_host: 'mail.lfdr.de', with: 'ESMTP', id: 'E5C345B0873', for: 'lists+linux-kernel@lfdr.de', time: '2022-09-07T15:24:08.000Z' },
  ],
  [
    'Postfix, unknown rDNS and an authenticated sender comment',
    'from pod-140840 (unknown [127.0.0.6])        (Authenticated sender: wpengine)        by relay.mailchannels.net (Postfix) with ESMTPA id 37D872A158A        for <linux-usb@vger.kernel.org>; Fri, 17 Jun 2022 03:07:21 +0000 (UTC)',
    { from_host: 'pod-140840', from_ip: '127.0.0.6', by_host: 'relay.mailchannels.net', with: 'ESMTPA', id: '37D872A158A', for: 'linux-usb@vger.kernel.org', time: '2022-06-17T03:07:21.000Z' },
  ],
  [
    'Postfix local submission: no FROM, "from" only inside a comment',
    'by noisy.programming.kicks-ass.net (Postfix, from userid 1000)\tid B6F493005AF; Fri,  5 Jul 2024 10:10:52 +0200 (CEST)',
    { by_host: 'noisy.programming.kicks-ass.net', id: 'B6F493005AF', time: '2024-07-05T08:10:52.000Z' },
  ],
  [
    'vger: a port after the literal, a quoted EHLO and a comment holding ";" in the stamp',
    'from lindbergh.monkeyblade.net ([23.128.96.19]:37354 "EHLO        lindbergh.monkeyblade.net" rhost-flags-OK-OK-OK-OK) by vger.kernel.org        with ESMTP id S229504AbiIGPYD (ORCPT        <rfc822;linux-kernel@vger.kernel.org>);        Wed, 7 Sep 2022 11:24:03 -0400',
    { from_host: 'lindbergh.monkeyblade.net', from_ip: '23.128.96.19', by_host: 'vger.kernel.org', with: 'ESMTP', id: 'S229504AbiIGPYD', time: '2022-09-07T15:24:03.000Z' },
  ],
  [
    'vger list expansion: a leading comment, VIA',
    '(majordomo@vger.kernel.org) by vger.kernel.org via listexpand        id S230213AbiIGPYG (ORCPT <rfc822;lists+linux-kernel@lfdr.de>);        Wed, 7 Sep 2022 11:24:06 -0400',
    { by_host: 'vger.kernel.org', id: 'S230213AbiIGPYG', time: '2022-09-07T15:24:06.000Z' },
  ],
  [
    'Sendmail behind Proofpoint, loopback TCP-info',
    'from pps.filterd (userp2130.oracle.com [127.0.0.1])\tby userp2130.oracle.com (8.16.0.27/8.16.0.27) with SMTP id x5CMTs85064050;\tWed, 12 Jun 2019 22:31:48 GMT',
    { from_host: 'pps.filterd', from_ip: '127.0.0.1', by_host: 'userp2130.oracle.com', with: 'SMTP', id: 'x5CMTs85064050', time: '2019-06-12T22:31:48.000Z' },
  ],
  [
    'Sendmail with a TLS comment after the id',
    'from smtp-04.utu.fi (smtp-04.utu.fi [130.232.207.47])\tby fortymile.utu.fi  with ESMTPS id 691AISAt018455-691AISAv018455\t(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NO);\tThu, 1 Oct 2026 13:18:28 +0300',
    { from_host: 'smtp-04.utu.fi', from_ip: '130.232.207.47', by_host: 'fortymile.utu.fi', with: 'ESMTPS', id: '691AISAt018455-691AISAv018455', time: '2026-10-01T10:18:28.000Z' },
  ],
  [
    'Sendmail "may be forged" nested comment and an ident user',
    'from helo.example (user@ptr.example [198.51.100.7] (may be forged)) by mx.example.org (8.15.2/8.15.2) with ESMTP id 12AB34; Tue, 2 Feb 2021 08:00:00 -0500',
    { from_host: 'helo.example', from_ip: '198.51.100.7', by_host: 'mx.example.org', with: 'ESMTP', id: '12AB34', time: '2021-02-02T13:00:00.000Z' },
  ],
  [
    'Exim: IPv6 loopback with a port, helo=',
    'from localhost ([::1]:33458 helo=lists1p.gnu.org)\tby lists.gnu.org with esmtp (Exim 4.90_1)\t(envelope-from <qemu-devel-bounces+lists+qemu-devel=lfdr.de@nongnu.org>)\tid 1hylsG-0001rL-6q\tfor lists+qemu-devel@lfdr.de; Fri, 16 Aug 2019 19:43:12 -0400',
    { from_host: 'localhost', from_ip: '::1', by_host: 'lists.gnu.org', with: 'esmtp', id: '1hylsG-0001rL-6q', for: 'lists+qemu-devel@lfdr.de', time: '2019-08-16T23:43:12.000Z' },
  ],
  [
    'Exim: WITH followed by a comment and the cipher (only the protocol is kept)',
    'from mailtransmit03.runbox ([10.9.9.163] helo=aibo.runbox.com)        by mailtransmit05.runbox.com with esmtps  (TLS1.2) tls TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256        (Exim 4.93)        (envelope-from <mhal@rbox.co>)        id 1p7eL5-00E3iI-5p; Tue, 20 Dec 2022 16:15:31 +0100',
    { from_host: 'mailtransmit03.runbox', from_ip: '10.9.9.163', by_host: 'mailtransmit05.runbox.com', with: 'esmtps', id: '1p7eL5-00E3iI-5p', time: '2022-12-20T15:15:31.000Z' },
  ],
  [
    'Exim: an address literal as the FROM domain, the host name from helo=',
    'from [192.0.2.44] (helo=client.example.net) by mx.example.org with esmtpsa (TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.94.2) (envelope-from <a@example.net>) id 1lXyZa-0001Ab-Cd; Mon, 01 Feb 2021 10:00:00 +0000',
    { from_host: 'client.example.net', from_ip: '192.0.2.44', by_host: 'mx.example.org', with: 'esmtpsa', id: '1lXyZa-0001Ab-Cd', time: '2021-02-01T10:00:00.000Z' },
  ],
  [
    'Exim (suricata-verify corpus): a HELO literal in the comment is not the address',
    'from [10.000.000.002] (helo=[10.000.00.03])\tby mx.example.net with esmtpa (Exim 4.67)\t(envelope-from <a@example.net>)\tid 1W2abc-0001xy-Zz\tfor b.c@example.com; Mon, 13 Jan 2014 10:01:13 -0500',
    { from_host: '[10.000.00.03]', from_ip: '10.0.0.2', by_host: 'mx.example.net', with: 'esmtpa', id: '1W2abc-0001xy-Zz', for: 'b.c@example.com', time: '2014-01-13T15:01:13.000Z' },
  ],
  [
    'Exim local delivery: FROM is a user name',
    'from kbuild by 8745164cafc7 with local (Exim 4.96) (envelope-from <lkp@intel.com>) id 1oN14P-0002Cw-1K; Sun, 14 Aug 2022 00:01:33 +0000',
    { from_host: 'kbuild', by_host: '8745164cafc7', with: 'local', id: '1oN14P-0002Cw-1K', time: '2022-08-14T00:01:33.000Z' },
  ],
  [
    'Exchange: bare IPv4 in parentheses, multi-word WITH, VIA',
    'from SATLEXMB04.amd.com (165.204.84.17) by BL02EPF0001A0FE.mail.protection.outlook.com (10.167.242.105) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) id 15.20.7249.19 via Frontend Transport; Mon, 12 Feb 2024 03:34:36 +0000',
    { from_host: 'SATLEXMB04.amd.com', from_ip: '165.204.84.17', by_host: 'BL02EPF0001A0FE.mail.protection.outlook.com', with: 'Microsoft SMTP Server', id: '15.20.7249.19', time: '2024-02-12T03:34:36.000Z' },
  ],
  [
    'Exchange Online: bare IPv6 in parentheses, folded inside the date',
    'from DB1PEPF000509EA.eurprd03.prod.outlook.com (2603:10a6:10:4b7:cafe::f) by DUZPR01CA0301.outlook.office365.com (2603:10a6:10:4b7::18) with Microsoft SMTP Server (version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.8901.19 via Frontend Transport; Tue, 1 Jul 2025 04:40:07 +0000',
    { from_host: 'DB1PEPF000509EA.eurprd03.prod.outlook.com', from_ip: '2603:10a6:10:4b7:cafe::f', by_host: 'DUZPR01CA0301.outlook.office365.com', with: 'Microsoft SMTP Server', id: '15.20.8901.19', time: '2025-07-01T04:40:07.000Z' },
  ],
  [
    'Exchange: an address literal as the claimed name, the real address in the comment',
    'from [10.0.2.127] (86.200.157.137) by PR1PR01CA0025.eurprd01.prod.exchangelabs.com (2603:10a6:102::38) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.3611.20 via Frontend Transport; Wed, 25 Nov 2020 08:05:55 +0000',
    { from_ip: '86.200.157.137', by_host: 'PR1PR01CA0025.eurprd01.prod.exchangelabs.com', with: 'Microsoft SMTP Server', id: '15.20.3611.20', time: '2020-11-25T08:05:55.000Z' },
  ],
  [
    'Exchange without TLS details: WITH ends at the ID keyword',
    'from Bumblebee.amd.com (10.180.168.240) by SATLEXMB02.amd.com (10.181.40.143) with Microsoft SMTP Server id 15.1.1979.3 via Frontend Transport; Fri, 29 Jan 2021 15:28:00 -0600',
    { from_host: 'Bumblebee.amd.com', from_ip: '10.180.168.240', by_host: 'SATLEXMB02.amd.com', with: 'Microsoft SMTP Server', id: '15.1.1979.3', time: '2021-01-29T21:28:00.000Z' },
  ],
  [
    'nvidia gateway: "Not Verified[ip]" and an angle-bracketed id',
    'from HKMAIL102.nvidia.com (Not Verified[10.18.92.9]) by nat-hk.nvidia.com (using TLS: TLSv1.2, AES256-SHA)        id <B5f7395550000>; Wed, 30 Sep 2020 04:13:09 +0800',
    { from_host: 'HKMAIL102.nvidia.com', from_ip: '10.18.92.9', by_host: 'nat-hk.nvidia.com', id: 'B5f7395550000', time: '2020-09-29T20:13:09.000Z' },
  ],
  [
    'Gmail MX: trailing dot on the rDNS name, FOR before a comment',
    'from mail-sor-f65.google.com (mail-sor-f65.google.com. [209.85.220.65])        by mx.google.com with SMTPS id i11sor5965495wrq.49.2019.02.19.19.24.23        for <linux-mm@kvack.org>        (Google Transport Security);        Tue, 19 Feb 2019 19:24:23 -0800 (PST)',
    { from_host: 'mail-sor-f65.google.com', from_ip: '209.85.220.65', by_host: 'mx.google.com', with: 'SMTPS', id: 'i11sor5965495wrq.49.2019.02.19.19.24.23', for: 'linux-mm@kvack.org', time: '2019-02-20T03:24:23.000Z' },
  ],
  [
    'Gmail MX over IPv6 without the IPv6: tag',
    'from mail-oi0-x22c.google.com (mail-oi0-x22c.google.com. [2607:f8b0:4003:c06::22c])        by mx.google.com with ESMTPS id t79si10384376oit.266.2016.10.31.11.47.18        for <kurt@seifried.org>        (version=TLS1_2 cipher=ECDHE-RSA-AES128-GCM-SHA256 bits=128/128);        Mon, 31 Oct 2016 11:47:18 -0700 (PDT)',
    { from_host: 'mail-oi0-x22c.google.com', from_ip: '2607:f8b0:4003:c06::22c', by_host: 'mx.google.com', with: 'ESMTPS', id: 't79si10384376oit.266.2016.10.31.11.47.18', for: 'kurt@seifried.org', time: '2016-10-31T18:47:18.000Z' },
  ],
  [
    'Gmail submission: BY only, FOR then ";"',
    'by mail-lj1-x235.google.com with SMTP id bx38so16357305ljb.10        for <linux-kernel@vger.kernel.org>; Wed, 07 Sep 2022 08:23:54 -0700 (PDT)',
    { by_host: 'mail-lj1-x235.google.com', with: 'SMTP', id: 'bx38so16357305ljb.10', for: 'linux-kernel@vger.kernel.org', time: '2022-09-07T15:23:54.000Z' },
  ],
  [
    'IronPort: HELO comment then the bracketed address in a second comment',
    'from lkp-server02.sh.intel.com (HELO 8745164cafc7) ([10.239.97.151]) by fmsmga006.fm.intel.com with ESMTP; 13 Aug 2022 17:01:34 -0700',
    { from_host: 'lkp-server02.sh.intel.com', from_ip: '10.239.97.151', by_host: 'fmsmga006.fm.intel.com', with: 'ESMTP', time: '2022-08-14T00:01:34.000Z' },
  ],
  [
    'qmail: unknown rDNS, HELO comment, user@ip comment, no date weekday',
    'from unknown (HELO ?100.64.100.6?) (kyodo-c@ao-re.jp@50.114.45.161)  by 0 with SMTP; 21 Nov 2024 20:01:20 +0900',
    { from_host: 'unknown', from_ip: '50.114.45.161', by_host: '0', with: 'SMTP', time: '2024-11-21T11:01:20.000Z' },
  ],
  [
    'qmail invocation stamp: nothing but a comment and the date',
    '(qmail 90138 invoked from network); 21 Nov 2024 20:01:20 +0900',
    { time: '2024-11-21T11:01:20.000Z' },
  ],
  [
    'OpenSMTPD: [local] is not an address',
    'from localhost (localhost [local]) by localhost (OpenSMTPD) with ESMTPA id f2b9c3d4',
    { from_host: 'localhost', by_host: 'localhost', with: 'ESMTPA', id: 'f2b9c3d4' },
  ],
  [
    'leading zeros in a literal are decimal (RFC 5321 Snum), the IPv6 literal is normalised',
    'from a ([10.000.000.002]) by b ([IPv6:2001:DB8:0:0:0:0:0:1]); Mon, 1 Feb 2021 10:00:00 +0000',
    { from_host: 'a', from_ip: '10.0.0.2', by_host: 'b', time: '2021-02-01T10:00:00.000Z' },
  ],
];

for (const [name, value, expected] of CASES) {
  test(`Received: ${name}`, () => {
    assert.deepEqual(parseReceived(value), expected);
  });
}

test('nothing recognisable gives an empty hop (the raw header stays in `received`)', () => {
  assert.deepEqual(parseReceived(''), {});
  assert.deepEqual(parseReceived('garbage without structure'), {});
  assert.deepEqual(parseReceived('from'), {});
  // A lone number after ";" is no date (Date.parse would read "2" as a year).
  assert.deepEqual(parseReceived('by x; 2'), { by_host: 'x' });
  assert.deepEqual(parseReceived('by x; not a date 10:00'), { by_host: 'x' });
});

test('hostile shapes end in bounded time: unterminated comments, quotes, angles, deep nesting', () => {
  const deep = `from a ${'('.repeat(50_000)}[192.0.2.1]${')'.repeat(50_000)} by b`;
  const t0 = process.hrtime.bigint();
  assert.deepEqual(parseReceived(deep), { from_host: 'a', from_ip: '192.0.2.1', by_host: 'b' });
  assert.deepEqual(parseReceived('from a (unterminated [192.0.2.1] by b'), { from_host: 'a', from_ip: '192.0.2.1' });
  assert.deepEqual(parseReceived('from "a b (c" by d'), { from_host: '"a b (c"', by_host: 'd' });
  assert.deepEqual(parseReceived('from a by b for <x@y'), { from_host: 'a', by_host: 'b', for: 'x@y' });
  assert.deepEqual(parseReceived('from a from b by c by d'), { from_host: 'a', by_host: 'c' });
  assert.ok(process.hrtime.bigint() - t0 < 1_000_000_000n, 'well under a second');
});

test('bracketed literals in a comment: the first that is an address wins, half-written ones are skipped', () => {
  const ip = (comment: string): string | undefined => parseReceived(`from h (${comment}) by b`).from_ip;
  assert.equal(ip('x [IPv6:] y [192.0.2.7]'), '192.0.2.7'); // an empty IPv6 literal is none
  assert.equal(ip('[not-an-ip] [ipv6:2001:DB8::1]'), '2001:db8::1'); // the tag in any case
  assert.equal(ip('[192.0.2.1 [192.0.2.2]'), '192.0.2.2'); // an unclosed bracket, then a whole one
  assert.equal(ip('[[192.0.2.3]]'), '192.0.2.3');
  assert.equal(ip('[999.1.1.1] [10.000.0.1]'), '10.0.0.1'); // brackets that hold no address are read past
  assert.equal(ip('[192.0.2.4]:2525'), '192.0.2.4'); // Exim's [ip]:port
  assert.equal(ip('[ ]'), undefined);
});
