import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'out/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use a seeded generator (pure-rand).' }],
    },
  },
  {
    // Plain JavaScript run by Node (examples, worker entries): Node's globals.
    files: ['**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
  },
  {
    // Tests mutate parsed JSON freely to build bad inputs.
    files: ['test/**/*.ts', 'properties/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
