import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'
import layers from './eslint/layers.js'

export default tseslint.config(
  { ignores: ['node_modules/', 'state/', '.services/', '.scratch/', 'coverage/', 'dist/', 'docs/api/', '**/.venv/', '**/target/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // A promise nobody handles crashes the process when it rejects: every one gets a handler.
    // Typed linting (one shared program through the project service) for TypeScript files only.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
  {
    // Imports go down the layers (ARCHITECTURE.md); the shipped topologies, the demo and the
    // conformance cases use the entry points (the conformance runner, like bench/, may reach internals).
    files: ['src/**/*.ts', 'topologies/**/*.ts', 'demo/**/*.ts', 'conformance/cases/**/*.ts'],
    plugins: { sluice: layers },
    rules: { 'sluice/layers': 'error' },
  },
  {
    // The console's page runs in the browser.
    files: ['src/console/assets/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.browser } },
  },
  {
    files: ['bin/**/*.js', 'eslint/**/*.js', 'scripts/**/*.js', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
)
