// The capture of issue 16's header facts (test/integration/header-facts.test.ts, docs/events.md):
// one SMTP session, client 203.0.113.50 to server 192.0.2.25, whose message carries Received,
// Authentication-Results, DKIM-Signature, ARC-Seal and X-Spam-Status headers. Built with the
// pcap helpers; `node --import tsx test/helpers/header-facts-pcap.ts OUT.pcap` writes it to a file.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PcapWriter, TcpConn, ip4 } from './hostile-pcap.js';

export const CLIENT = '203.0.113.50';
export const SERVER = '192.0.2.25';

/** The message as the client sends it (already CRLF, no line starts with '.'). */
export const HEADER_FACTS_MESSAGE = [
  'ARC-Seal: i=2; a=rsa-sha256; t=1700000100; cv=pass; d=relay.example.net; s=arc1; b=QUJD',
  'ARC-Seal: i=1; a=rsa-sha256; t=1700000000; cv=none; d=example.net; s=arc1; b=REVG',
  'Authentication-Results: relay.example.net;',
  '\tdkim=pass header.i=@example.net header.s=sel1 header.b=Zm9v;',
  '\tspf=pass (relay.example.net: domain of alice@example.net designates 10.1.2.3 as permitted sender) smtp.mailfrom=alice@example.net;',
  '\tdmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from=bank.example',
  'Received: from mail.example.net (mail.example.net [203.0.113.50])',
  '\tby relay.example.net (Postfix) with ESMTPS id 4F1B2C3D4E',
  '\tfor <bob@example.org>; Thu, 16 Nov 2023 22:13:20 +0000 (UTC)',
  'Received: from [10.1.2.3] (helo=laptop.example.net) by mail.example.net with esmtpsa (Exim 4.96) id 1r3ABC-000123-Xy; Thu, 16 Nov 2023 22:13:18 +0000',
  'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net; s=sel1;',
  '\th=From:To:Subject:Date:Message-ID; t=1700172798; x=1700777598;',
  '\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=Zm9v',
  'X-Spam-Status: No, score=-0.1 required=5.0',
  'From: Alice <alice@bank.example>',
  'To: bob@example.org',
  'Subject: statement',
  'Date: Thu, 16 Nov 2023 22:13:17 +0000',
  'Message-ID: <1700172797.1@example.net>',
  '',
  'hello',
  '',
].join('\r\n');

export function headerFactsCapture(): Buffer {
  const w = new PcapWriter();
  const c = new TcpConn(w, ip4(CLIENT), ip4(SERVER), 40000);
  c.handshake();
  const say = (client: string, server: string): void => {
    c.c(Buffer.from(client, 'latin1'));
    c.s(Buffer.from(server, 'latin1'));
  };
  c.s(Buffer.from('220 mx.example.org ESMTP\r\n'));
  say('EHLO mail.example.net\r\n', '250 mx.example.org\r\n');
  say('MAIL FROM:<alice@example.net>\r\n', '250 ok\r\n');
  say('RCPT TO:<bob@example.org>\r\n', '250 ok\r\n');
  say('DATA\r\n', '354 go ahead\r\n');
  say(`${HEADER_FACTS_MESSAGE}.\r\n`, '250 queued as 4F1B2C3D4E\r\n');
  say('QUIT\r\n', '221 bye\r\n');
  c.close();
  w.flush();
  return Buffer.concat(w.take());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (out === undefined) throw new Error('usage: header-facts-pcap.ts OUT.pcap');
  writeFileSync(out, headerFactsCapture());
}
