#!/usr/bin/env python3
"""Writes N messages built by ../shared/tools/gen-smtp-pcap.py's build_message into test/bench/out/
(gitignored), with their ground truth, for test/bench/mime-bench.ts. The generator's own options
and defaults apply (its argparse is reused: its generate() is swapped for one that only records
the configuration). Usage, from the repository root:
    python3 test/bench/make-mime-messages.py [N] [generator options, e.g. --attach-kb 200]
MIME_MESSAGES_OUT=dir writes elsewhere (test/fixtures/mime/generated/ holds a small committed set).
"""
import importlib.util, json, os, random, sys

here = os.path.dirname(os.path.abspath(__file__))
gen_path = os.path.join(here, '..', '..', '..', 'shared', 'tools', 'gen-smtp-pcap.py')
spec = importlib.util.spec_from_file_location('gen_smtp_pcap', gen_path)
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
captured = []
gen.generate = lambda cfg, out, truth_out, log: captured.append(cfg) or {}
gen.main(['-o', os.devnull, '--sessions', '1', '-q'] + sys.argv[2:])
cfg = captured[0]

out_dir = os.environ.get('MIME_MESSAGES_OUT') or os.path.join(here, 'out', 'mime')
os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, 'truth.jsonl'), 'w', encoding='utf-8') as truth:
    for i in range(n):
        rng = random.Random('%d:bench:%d' % (cfg.seed, i))
        msg, tr = gen.build_message(rng, cfg, cfg.start_time + i, 'sender%d@example.com' % i, ['rcpt@example.net'], i)
        name = 'msg-%04d.eml' % i
        with open(os.path.join(out_dir, name), 'wb') as f:
            f.write(msg)
        tr['file'] = name
        truth.write(json.dumps(tr, ensure_ascii=False) + '\n')
print('wrote %d messages to %s' % (n, out_dir))
