import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli } from '../../../src/cli/args.js';
import type { CliArgs } from '../../../src/cli/args.js';

function ok(argv: string[]): CliArgs {
  const r = parseCli(argv);
  if (!r.ok) assert.fail(`expected success for ${argv.join(' ')}: ${r.message}`);
  return r.args;
}

function err(argv: string[]): string {
  const r = parseCli(argv);
  if (r.ok) assert.fail(`expected an error for ${argv.join(' ')}`);
  return r.message;
}

test('--help, -h, --version', () => {
  assert.deepEqual(ok(['--help']), { cmd: 'help' });
  assert.deepEqual(ok(['-h']), { cmd: 'help' });
  assert.deepEqual(ok(['--version']), { cmd: 'version' });
  assert.deepEqual(ok(['flows', '--help']), { cmd: 'help', topic: 'flows' });
  assert.deepEqual(ok(['help', 'read']), { cmd: 'help', topic: 'read' });
  assert.match(err(['help', 'sniff']), /unknown command 'sniff'/);
});

test('run takes config, interface, filter, events and workers as overrides', () => {
  assert.deepEqual(ok(['run', '--config', 'c.yaml', '--interface', 'eth1', '--filter', 'tcp port 25', '--events', '-', '--workers', '3']), {
    cmd: 'run',
    config: 'c.yaml',
    overrides: { 'capture.interface': 'eth1', 'capture.filter': 'tcp port 25', 'output.events': '-', 'workers.count': '3' },
  });
  assert.deepEqual(ok(['run']), { cmd: 'run', overrides: {} });
  assert.deepEqual(ok(['run', '--events=/var/log/e.ndjson']), { cmd: 'run', overrides: { 'output.events': '/var/log/e.ndjson' } });
});

test('read takes files and - for standard input', () => {
  assert.deepEqual(ok(['read', '--events', 'out.ndjson', '--workers', '2', 'a.pcap', 'b.pcapng']), {
    cmd: 'read',
    overrides: { 'output.events': 'out.ndjson', 'workers.count': '2' },
    files: ['a.pcap', 'b.pcapng'],
  });
  assert.deepEqual(ok(['read', '-']), { cmd: 'read', overrides: {}, files: ['-'] });
});

test('read takes --filter (-f) like tcpdump -r FILE EXPR: it becomes capture.filter', () => {
  assert.deepEqual(ok(['read', '--filter', 'tcp port 25', 'a.pcap']), { cmd: 'read', overrides: { 'capture.filter': 'tcp port 25' }, files: ['a.pcap'] });
  assert.deepEqual(ok(['read', '-f', 'host 10.0.0.1', '-']), { cmd: 'read', overrides: { 'capture.filter': 'host 10.0.0.1' }, files: ['-'] });
});

test('flows takes files and --dump-streams', () => {
  assert.deepEqual(ok(['flows', '--config', 'x.json', 'a.pcap']), { cmd: 'flows', config: 'x.json', overrides: {}, files: ['a.pcap'] });
  assert.deepEqual(ok(['flows', '--dump-streams', '/tmp/d', '-']), { cmd: 'flows', overrides: {}, files: ['-'], dumpStreams: '/tmp/d' });
});

test('check-config takes only --config', () => {
  assert.deepEqual(ok(['check-config', '--config', 'm.yaml']), { cmd: 'check-config', config: 'm.yaml', overrides: {} });
  assert.match(err(['check-config', 'extra']), /unexpected argument 'extra'/);
});

test('unknown commands and flags are errors naming them', () => {
  assert.match(err([]), /no command/);
  assert.match(err(['sniff']), /unknown command 'sniff'/);
  assert.match(err(['read', '--bogus', 'a.pcap']), /read: .*'--bogus'/);
  // Flags of other commands are refused, not ignored.
  assert.match(err(['flows', '--workers', '2', 'a.pcap']), /'--workers'/);
  assert.match(err(['read', '--interface', 'eth0', 'a.pcap']), /'--interface'/);
  assert.match(err(['check-config', '--events', 'x']), /'--events'/);
});

test('a file is required for read and flows; a flag needs its value', () => {
  assert.match(err(['read']), /no capture file/);
  assert.match(err(['flows', '--config', 'c.yaml']), /no capture file/);
  assert.match(err(['run', '--interface']), /argument missing|requires|interface/);
});

test('--log-level on every command, checked against pino\'s levels', () => {
  assert.deepEqual(ok(['read', '--log-level', 'warn', 'a.pcap']), { cmd: 'read', overrides: {}, files: ['a.pcap'], logLevel: 'warn' });
  assert.deepEqual(ok(['run', '--log-level=debug']), { cmd: 'run', overrides: {}, logLevel: 'debug' });
  assert.deepEqual(ok(['flows', '--log-level', 'silent', 'a.pcap']), { cmd: 'flows', overrides: {}, files: ['a.pcap'], logLevel: 'silent' });
  assert.deepEqual(ok(['check-config', '--log-level', 'error']), { cmd: 'check-config', overrides: {}, logLevel: 'error' });
  assert.match(err(['read', '--log-level', 'loud', 'a.pcap']), /--log-level must be one of fatal, error, warn, info, debug, trace, silent, not 'loud'/);
});

