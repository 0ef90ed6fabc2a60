// The import order of src/'s stages (issue 12 item 4): read by .dependency-cruiser.cjs, which
// turns it into rules, and by test/unit/ops/stage-imports.test.ts, which checks that src/README.md
// prints the same table. Change the order here and in src/README.md together.

/** stage → the stages it may import from (upstream of it in the import order). */
const STAGES = {
  shared: [],
  config: [],
  capture: [],
  decode: ['capture'],
  defrag: ['decode'],
  flow: ['decode'],
  tls: ['flow'],
  smtp: ['flow', 'tls'],
  mime: ['smtp'],
  records: ['flow', 'smtp', 'mime'],
  extract: ['flow', 'smtp', 'mime', 'records'],
  dispatch: ['flow', 'smtp', 'records', 'extract'],
  output: ['capture', 'decode', 'defrag', 'flow', 'records', 'dispatch'],
  worker: ['flow', 'tls', 'smtp', 'mime', 'records', 'extract', 'dispatch'],
  cli: ['capture', 'decode', 'defrag', 'flow', 'smtp', 'records', 'extract', 'dispatch', 'output'],
};

/** Composition roots: may import any module of config/ (the loader, the schema). */
const ROOTS = ['worker', 'cli'];

/** The parsers see no outside world: no files, sockets, threads, logger or metrics registry (STYLE §2). */
const PARSERS = ['decode', 'defrag', 'flow', 'tls', 'smtp', 'mime'];
const IO_MODULES = [
  'fs', 'fs/promises', 'net', 'http', 'https', 'dgram', 'child_process', 'worker_threads', 'cluster',
  'readline', 'tty', 'perf_hooks', 'pino', 'prom-client', 'cap',
];

module.exports = { STAGES, ROOTS, PARSERS, IO_MODULES };
