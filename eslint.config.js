// Lint: typescript-eslint on src and test; a file-size cap (STYLE §3.10) and stage boundaries
// (a stage imports only upstream types.ts, shared/ and config/types.ts) for src.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.data.ts'],
    rules: {
      'max-lines': ['error', { max: 500, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // The parsers never see the outside world: no I/O, no clocks, no output stage.
    files: ['src/decode/**/*.ts', 'src/defrag/**/*.ts', 'src/flow/**/*.ts', 'src/smtp/**/*.ts', 'src/mime/**/*.ts', 'src/tls/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:fs', 'node:fs/*', 'node:net', 'node:http', 'node:worker_threads', 'pino', 'prom-client'], message: 'parsers do no I/O (STYLE §2)' },
          { group: ['**/cli/*', '**/dispatch/*', '**/worker/*', '**/output/*', '**/capture/*.js', '!**/capture/types.js'], message: 'a stage imports only upstream types.ts, shared/ and config/types.ts' },
        ],
      }],
    },
  },
);
