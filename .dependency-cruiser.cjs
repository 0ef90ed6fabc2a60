// Import direction between the stages of src/ (issue 12 item 4), checked by dependency-cruiser in
// `npm run lint`. scripts/stage-order.cjs is the one statement of the order: src/README.md prints
// the same table ("Import order") and test/unit/ops/stage-imports.test.ts fails when the two
// differ, when a stage folder is missing from it, or when a forbidden import is not caught.
//
// Every stage may import itself, `shared/`, `config/types.ts` and the stages its row names. Roots
// (the process's and the worker thread's composition: they build the objects) may import all of
// `config/`. Type-only imports count as imports: a type names the module it comes from, and a
// cycle through types is still a cycle in the design.

const { STAGES, ROOTS, PARSERS, IO_MODULES } = require('./scripts/stage-order.cjs');

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function stageRule(stage, allowed) {
  const own = ['shared', stage, ...allowed].map(esc).join('|');
  const config = ROOTS.includes(stage) ? '^src/config/' : '^src/config/types\\.ts$';
  return {
    name: `stage-${stage}`,
    comment: `${stage} imports only itself, shared/, ${ROOTS.includes(stage) ? 'config/' : 'config/types.ts'}` +
      (allowed.length > 0 ? ` and ${allowed.join(', ')}` : '') + ' (src/README.md, "Import order")',
    severity: 'error',
    from: { path: `^src/${esc(stage)}/` },
    to: { path: '^src/', pathNot: [`^src/(${own})/`, config] },
  };
}

module.exports = {
  forbidden: [
    ...Object.entries(STAGES).map(([stage, allowed]) => stageRule(stage, allowed)),
    {
      name: 'stage-unknown',
      comment: 'every folder of src/ is a stage with a row in STAGES (and in src/README.md)',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${Object.keys(STAGES).map(esc).join('|')})/` },
      to: {},
    },
    {
      name: 'parser-no-io',
      comment: 'parsers do no I/O (STYLE §2): no files, sockets, threads, logger, metrics',
      severity: 'error',
      from: { path: `^src/(${PARSERS.join('|')})/` },
      to: { path: `^(node:)?(${IO_MODULES.map(esc).join('|')})$` },
    },
    {
      name: 'parser-no-io-reachable',
      comment: 'nor through another module: nothing a parser imports may lead to an I/O module',
      severity: 'error',
      from: { path: `^src/(${PARSERS.join('|')})/` },
      to: { path: `^(node:)?(${IO_MODULES.map(esc).join('|')})$`, reachable: true },
    },
    {
      name: 'no-circular',
      comment: 'no import cycle inside src/, not even through types',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that resolves to nothing cannot be checked',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports (`import type`) are dependencies too.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    // NodeNext style: `./x.js` in a .ts file names `./x.ts` (dependency-cruiser maps it for .ts files).
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
