import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const crossPackage = { group: ['../../*/src/*', '../../../packages/*', '**/packages/*/src/*'], message: 'Import other packages by name (@parley/x), never by relative path.' };

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [crossPackage] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  // Package boundaries (DESIGN.md): protocol ← client ← web; everything ← server; nothing imports server or web.
  {
    files: ['packages/protocol/src/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [crossPackage, { group: ['@parley/*'], message: 'protocol depends on nothing else of ours.' }] }] },
  },
  {
    files: ['packages/stun/src/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [crossPackage, { group: ['@parley/*'], message: 'stun depends on nothing else of ours.' }] }] },
  },
  {
    files: ['packages/turn/src/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [crossPackage, { group: ['@parley/*', '!@parley/stun'], message: 'turn depends on stun only.' }] }] },
  },
  {
    files: ['packages/media/src/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [crossPackage, { group: ['@parley/*', '!@parley/stun'], message: 'media depends on stun only.' }] }] },
  },
  {
    files: ['packages/mixer/src/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [crossPackage, { group: ['@parley/*'], message: 'mixer depends on nothing else of ours (the server wires it to rooms).' }] }] },
  },
  {
    files: ['packages/client/src/**', 'packages/web/src/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [crossPackage, { group: ['@parley/server', '@parley/server/*', 'node:*'], message: 'browser code never imports server code or Node modules.' }] }],
    },
  },
  {
    files: ['packages/server/src/**', 'packages/protocol/src/**', 'packages/client/src/**', 'packages/stun/src/**', 'packages/turn/src/**', 'packages/media/src/**', 'packages/mixer/src/**'],
    ignores: ['**/*.test.ts', 'packages/server/src/cli.ts'],
    rules: { 'no-console': 'error' },
  },
);
