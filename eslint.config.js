// ESLint flat config: catches mistakes; Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'bench/.cache/',
      '**/*.d.ts',
      'test-output/',
      'web/dist/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  // TypeScript checks names in the browser code (DOM types); ESLint's own check does not know them.
  { files: ['web/**/*.{ts,tsx}'], rules: { 'no-undef': 'off' } },
);
