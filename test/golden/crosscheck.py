#!/usr/bin/env python3
# Independent cross-check of golden files: for each case, tshark's own TCP reassembly
# (`-z follow,tcp,raw`) gives the client bytes; each DATA body is cut out, unstuffed and parsed with
# Python's email package, then compared with the golden transactions of the same client port:
# data_bytes, subject, first text/plain hash, attachment names/sizes/sha256.
# The golden files are mailtap's own output, so without this they catch change, not error (issue 12).
# Usage: test/golden/crosscheck.py [--strict] [case ...]   (needs tshark; BDAT messages are not covered)
# --strict: exit 1 on any disagreement not listed with its reason in crosscheck-known.json, and on
# any listed one that no longer happens (a fixed disagreement must leave the list).
import email, hashlib, json, os, re, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
from email.header import decode_header, make_header

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', 'fixtures')
DATA_BODY = re.compile(rb'(?:^|\n)(?:DATA|data)\r?\n(.*?)\r\n\.\r\n', re.S)


def decoded(v):
    if v is None:
        return None
    try:
        return str(make_header(decode_header(str(v))))
    except Exception:
        return str(v)


def tshark(*args):
    return subprocess.run(['tshark', '-n', *args], capture_output=True, text=True).stdout


def client_streams(path):
    """{client port: client bytes} for every TCP stream, as tshark reassembles it."""
    out = {}
    for s in sorted({int(x) for x in tshark('-r', path, '-T', 'fields', '-e', 'tcp.stream').split() if x}):
        node, data = None, b''
        for line in tshark('-r', path, '-q', '-z', 'follow,tcp,raw,%d' % s).splitlines():
            if line.startswith('Node 0:'):
                node = line.split(':', 1)[1].strip()
            elif line and not line.startswith(('\t', '=', 'Follow', 'Filter', 'Node')):
                try:
                    data += bytes.fromhex(line.strip())
                except ValueError:
                    pass
        if node:
            out.setdefault(int(node.rsplit(':', 1)[1]), b'')
            out[int(node.rsplit(':', 1)[1])] += data
    return out


def summarise(body):
    msg = email.message_from_bytes(body)
    atts, text = [], None
    for p in msg.walk():
        if p.is_multipart():
            continue
        payload = p.get_payload(decode=True) or b''
        name = p.get_filename()
        if name or 'attachment' in (p.get('Content-Disposition') or '').lower() or p.get_content_maintype() != 'text':
            atts.append({'filename': decoded(name) if name else None, 'size': len(payload), 'sha256': hashlib.sha256(payload).hexdigest()})
        elif p.get_content_type() == 'text/plain' and text is None:
            try:
                t = payload.decode(p.get_content_charset() or 'us-ascii', 'replace')
            except LookupError:
                t = payload.decode('latin1')
            text = hashlib.sha256(t.encode()).hexdigest()
    return {'data_bytes': len(body), 'subject': decoded(msg['Subject']), 'attachments': atts, 'text_sha256': text}


def check(case):
    truth = {}
    for port, data in client_streams(os.path.join(FIX, case['capture'])).items():
        for m in DATA_BODY.finditer(data):
            truth.setdefault(port, []).append(summarise(re.sub(rb'(^|\n)\.', rb'\1', m.group(1) + b'\r\n')))
    ours = {}
    for line in open(os.path.join(HERE, case['name'], 'expected.ndjson'), encoding='utf-8'):
        e = json.loads(line)
        if e['event'] == 'smtp_transaction' and 'message' in e and not e['bdat']:
            m = e['message']
            ours.setdefault(e['src_port'], []).append({'data_bytes': e['data_bytes'], 'subject': m.get('subject'), 'text_sha256': m.get('text_sha256'),
                                                      'attachments': [{'filename': a.get('filename'), 'size': a['size'], 'sha256': a['sha256']} for a in m['attachments']]})
    diffs = []  # (port, field, text)
    for port in sorted(set(truth) | set(ours)):
        t, o = truth.get(port, []), ours.get(port, [])
        if len(t) != len(o):
            diffs.append((port, 'messages', 'port %d: %d DATA bodies in tshark follow, %d messages in the golden file' % (port, len(t), len(o))))
        for a, b in zip(t, o):
            for k in a:
                if a[k] != b[k]:
                    diffs.append((port, k, 'port %d %s: python %s, golden %s' % (port, k, json.dumps(a[k], ensure_ascii=False)[:300], json.dumps(b[k], ensure_ascii=False)[:300])))
    return diffs


def main(argv):
    strict = '--strict' in argv
    wanted = {a for a in argv if not a.startswith('--')}
    cases = [c for c in json.load(open(os.path.join(HERE, 'cases.json'))) if not wanted or c['name'] in wanted]
    known = json.load(open(os.path.join(HERE, 'crosscheck-known.json')))
    listed = {(k['case'], k['port'], k['field']): k['reason'] for k in known}
    seen, unexplained = set(), 0
    # tshark runs dominate: two at a time keeps both cores busy without thrashing.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(check, cases))
    for case, diffs in zip(cases, results):
        print('%s: %s' % (case['name'], 'agrees' if not diffs else 'DIFFERS'))
        for port, field, text in diffs:
            key = (case['name'], port, field)
            if key in listed:
                seen.add(key)
                print('    known:', text, '--', listed[key])
            else:
                unexplained += 1
                print('    UNEXPLAINED:', text)
    stale = [k for k in listed if k[0] in {c['name'] for c in cases} and k not in seen]
    for k in stale:
        print('STALE entry in crosscheck-known.json (no longer differs): %s port %d %s' % k)
    print('crosscheck: %d cases, %d unexplained disagreements, %d known, %d stale entries' % (len(cases), unexplained, len(seen), len(stale)))
    return 1 if strict and (unexplained or stale) else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
