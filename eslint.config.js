// Lint rules: the recommended sets, plus the habits the style guide asks for.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'dist', '.wrangler', 'coverage', 'tmp', 'worker-assets'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The same code runs on Node and on Workers: Node's built-ins only in entry points and adapters.
    files: ['src/**/*.ts'],
    ignores: ['src/server.ts', 'src/worker-node.ts', 'src/cli/**', 'src/db/embedded.ts', 'src/db/node.ts', 'src/**/node-*.ts', 'src/**/*.node.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'path', 'os', 'child_process', 'net', 'http', 'stream', 'zlib', 'crypto'].map((name) => ({ name, message: 'Node-only: keep it in an entry point or a *.node.ts adapter.' })),
          patterns: [{ group: ['node:*'], message: 'Node-only: keep it in an entry point or a *.node.ts adapter.' }],
        },
      ],
      'no-restricted-globals': ['error', { name: 'Buffer', message: 'Use Uint8Array; Buffer is Node-only.' }, { name: 'process', message: 'Node-only: pass what you need in from an entry point.' }],
    },
  },
  {
    // Only entry points and adapters may read the environment.
    files: ['src/**/*.ts'],
    ignores: ['src/config.ts', 'src/server.ts', 'src/worker-node.ts', 'src/cli/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config.ts.' }],
    },
  },
);
