#!/usr/bin/env python3
"""Runs the real-mail clients (swaks, Python smtplib) against the namespace's Postfix and writes
expected.json: per session what the client sent (envelope, headers, attachment hashes computed
from the source bytes, AUTH, STARTTLS, address family). Run by capture.sh inside the namespace."""
import argparse
import base64
import email
import email.policy
import hashlib
import json
import os
import smtplib
import subprocess
import sys
from email.message import EmailMessage

SASL_USER = os.environ['SASL_USER']
SASL_PASSWORD = os.environ['SASL_PASSWORD']
DOMAIN = os.environ['ACCEPTED_DOMAIN']
REJECTED_RCPT = os.environ['REJECTED_RCPT']
REJECTED_CODE = int(os.environ['REJECTED_CODE'])
BANNER = os.environ['SMTPD_BANNER']
V4 = '127.0.0.1'
V6 = '::1'


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def session(name, client, server, port, helo, transactions, auth=None, starttls=False):
    return {
        'name': name, 'client': client, 'server_ip': server, 'server_port': port,
        'ipv6': ':' in server, 'helo': helo, 'auth': auth, 'starttls': starttls,
        'transaction_count': len(transactions), 'transactions': transactions,
    }


def data_bytes(message: bytes) -> int:
    """SPEC 3.1: the message up to and including the CRLF before the final dot; smtplib adds
    that CRLF when the message lacks it and dot-stuffs, which mailtap undoes."""
    return len(message) if message.endswith(b'\r\n') else len(message) + 2


def transaction(mail_from, rcpt_to, status='accepted', rejected=(), subject=None, from_=None,
                message_id=None, attachments=(), visible=True, size=None, mail_params=None):
    t = {'mail_from': mail_from, 'rcpt_to': list(rcpt_to),
         'rcpt_rejected': [{'address': a, 'code': REJECTED_CODE} for a in rejected],
         'status': status, 'visible': visible, 'attachments': list(attachments)}
    if subject is not None:
        t['subject'] = subject
    if from_ is not None:
        t['from'] = from_
    if message_id is not None:
        t['message_id'] = message_id
    if size is not None:
        t['data_bytes'] = size
    if mail_params is not None:
        t['mail_params'] = mail_params
    return t


class Runner:
    def __init__(self, work: str, step_timeout: int):
        self.work = work
        self.timeout = step_timeout
        self.sessions = []

    def swaks(self, name, server, port, helo, mail_from, rcpts, subject, from_name, extra=(),
              auth=None, starttls=False, attachments=()):
        message_id = f'{name}.{os.getpid()}@client.mailtap.test'
        from_hdr = f'"{from_name}" <{mail_from}>'
        argv = ['swaks', '--server', f'[{server}]:{port}' if ':' in server else f'{server}:{port}',
                '--helo', helo, '--from', mail_from, '--to', ','.join(rcpts),
                '--header', f'From: {from_hdr}', '--header', f'Subject: {subject}',
                '--header', f'Message-Id: <{message_id}>',
                '--body', f'Body of the {name} message.\nSent by swaks for mailtap.\n',
                '--timeout', str(self.timeout), *extra]
        if ':' in server:
            argv.append('-6')
        if auth is not None:
            argv += ['--auth', auth, '--auth-user', SASL_USER, '--auth-password', SASL_PASSWORD]
        if starttls:
            argv.append('-tls')
        for filename, data in attachments:
            path = os.path.join(self.work, f'attach-{len(data)}.bin')
            with open(path, 'wb') as f:
                f.write(data)
            argv += ['--attach-name', filename, '--attach', f'@{path}']
        self.run(name, argv)
        t = transaction(mail_from, rcpts, subject=subject,
                        from_={'name': from_name, 'address': mail_from}, message_id=message_id,
                        attachments=[{'filename': n, 'sha256': sha256(d)} for n, d in attachments],
                        visible=not starttls)
        self.sessions.append(session(name, 'swaks', server, port, helo, [t],
                                     auth={'mechanism': auth, 'user': SASL_USER} if auth else None,
                                     starttls=starttls))

    def run(self, name, argv):
        res = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=self.timeout * 2, check=False)
        if res.returncode != 0:
            sys.stderr.write(res.stdout.decode('utf-8', 'replace'))
            raise SystemExit(f'clients.py: {name}: swaks exited {res.returncode}')

    def smtplib_session(self, seed_path):
        """Several messages on one connection: one with a refused recipient, one aborted by RSET,
        then the seed message (gb2312 From, readme.txt attachment) sent byte for byte."""
        helo = 'smtplib.client.mailtap.test'
        transactions = []
        with smtplib.SMTP(V4, 25, local_hostname=helo, timeout=self.timeout) as smtp:
            smtp.ehlo()
            # 1: RFC 2047 subject and display name, an RFC 2231 attachment name, one refused RCPT.
            att = bytes(range(256)) * 3
            msg = EmailMessage(policy=email.policy.SMTP)
            msg['From'] = 'Zoë Çelik <zoe@example.org>'
            msg['To'] = f'dave@{DOMAIN}'
            msg['Subject'] = 'smtplib: café ☕ déjà vu, then RSET'
            msg['Message-ID'] = f'<smtplib-1.{os.getpid()}@client.mailtap.test>'
            msg.set_content('First message of the smtplib session.\n')
            msg.add_attachment(att, maintype='application', subtype='octet-stream',
                               filename='données-été.bin')
            rcpts = [f'dave@{DOMAIN}', REJECTED_RCPT]
            raw = msg.as_bytes()
            refused = smtp.sendmail('zoe@example.org', rcpts, raw)
            if set(refused) != {REJECTED_RCPT} or refused[REJECTED_RCPT][0] != REJECTED_CODE:
                raise SystemExit(f'clients.py: smtplib: unexpected refusals {refused!r}')
            transactions.append(transaction(
                'zoe@example.org', [f'dave@{DOMAIN}'], rejected=[REJECTED_RCPT],
                subject=str(msg['Subject']), from_={'name': 'Zoë Çelik', 'address': 'zoe@example.org'},
                message_id=msg['Message-ID'].strip('<>'),
                attachments=[{'filename': 'données-été.bin', 'sha256': sha256(att)}],
                size=data_bytes(raw), mail_params={'SIZE': str(len(raw))}))
            # 2: MAIL and RCPT, then RSET: an aborted transaction without a message.
            smtp.mail('yves@example.org')
            code, _ = smtp.rcpt(f'erin@{DOMAIN}')
            if code != 250:
                raise SystemExit(f'clients.py: smtplib: RCPT refused ({code})')
            smtp.rset()
            transactions.append(transaction('yves@example.org', [f'erin@{DOMAIN}'], status='aborted'))
            # 3: the seed message as is.
            with open(seed_path, 'rb') as f:
                seed = f.read()
            parsed = email.message_from_bytes(seed, policy=email.policy.default)
            seed_rcpts = [f'moreorless@{DOMAIN}', f'gxl0620@{DOMAIN}', f'venus.oso@{DOMAIN}']
            refused = smtp.sendmail('gaoxl@legendsec.com', seed_rcpts, seed)
            if refused:
                raise SystemExit(f'clients.py: smtplib: seed refused {refused!r}')
            seed_from = parsed['From'].addresses[0]
            transactions.append(transaction(
                'gaoxl@legendsec.com', seed_rcpts, subject=str(parsed['Subject']),
                from_={'name': seed_from.display_name, 'address': seed_from.addr_spec},
                message_id=parsed['Message-ID'].strip().strip('<>'),
                attachments=[{'filename': p.get_filename(), 'sha256': sha256(p.get_payload(decode=True))}
                             for p in parsed.iter_attachments()],
                size=data_bytes(seed), mail_params={'SIZE': str(len(seed))}))
            smtp.quit()
        self.sessions.append(session('smtplib', 'smtplib', V4, 25, helo, transactions))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--work', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', required=True)
    ap.add_argument('--step-timeout', type=int, default=20)
    args = ap.parse_args()
    r = Runner(args.work, args.step_timeout)
    r.swaks('plain', V4, 25, 'plain.client.mailtap.test', 'alice@example.org', [f'bob@{DOMAIN}'],
            'swaks plain', 'Alice Plain')
    r.swaks('pipelined', V4, 25, 'pipelined.client.mailtap.test', 'paul@example.org',
            [f'bob@{DOMAIN}', f'carol@{DOMAIN}'], 'swaks pipelined', 'Paul Pipeline',
            extra=['--pipeline'])
    r.swaks('auth-plain', V4, 25, 'authplain.client.mailtap.test', 'pat@example.org',
            [f'bob@{DOMAIN}'], 'swaks AUTH PLAIN', 'Pat Plain', auth='PLAIN')
    r.swaks('auth-login', V4, 587, 'authlogin.client.mailtap.test', 'lou@example.org',
            [f'bob@{DOMAIN}'], 'swaks AUTH LOGIN on 587', 'Lou Login', auth='LOGIN')
    # AUTH inside TLS: on the wire only the EHLO before STARTTLS is readable.
    r.swaks('starttls', V4, 25, 'starttls.client.mailtap.test', 'tess@example.org',
            [f'bob@{DOMAIN}'], 'swaks STARTTLS', 'Tess TLS', auth='LOGIN', starttls=True)
    pdf = b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n' + bytes((i * 37 + 11) & 0xFF for i in range(4000)) + b'\n%%EOF\n'
    r.swaks('attachment', V4, 25, 'attach.client.mailtap.test', 'anna@example.org',
            [f'bob@{DOMAIN}'], 'swaks attachment', 'Anna Attach',
            attachments=[('Übersicht-报告.pdf', pdf)])
    r.swaks('ipv6', V6, 25, 'ipv6.client.mailtap.test', 'ivan@example.org', [f'bob@{DOMAIN}'],
            'swaks over IPv6', 'Ivan Six')
    r.smtplib_session(args.seed)
    expected = {
        'description': 'What the real-mail clients sent (test/integration/real-mail/capture.sh)',
        'banner': BANNER,
        'sasl': {'user': SASL_USER, 'password': SASL_PASSWORD},
        'forbidden': sorted({SASL_PASSWORD, base64.b64encode(SASL_PASSWORD.encode()).decode(),
                             base64.b64encode(f'\0{SASL_USER}\0{SASL_PASSWORD}'.encode()).decode()}),
        'sessions': r.sessions,
    }
    with open(args.out, 'w', encoding='utf-8') as f:
        json.dump(expected, f, ensure_ascii=False, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
