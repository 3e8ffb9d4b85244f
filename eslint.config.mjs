// Lint rules for the whole workspace. Project boundaries come from the tags in each
// project.json (conventions §10): apps (the standalone runner, the CLI) compose services,
// services depend only on libraries, libraries only on libraries, and nothing but tests
// imports the test helpers.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Tests, benchmarks and evaluations may use the test helpers and reach into services.
const TEST_FILES = ['**/*.spec.ts', '**/*.integration-spec.ts', '**/*.e2e-spec.ts', '**/*.helm-spec.ts', '**/testing/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'eval/**/*.ts', 'scripts/**/*.ts'];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', 'tmp/**', '**/.nx/**', 'libs/contracts/src/gen/**', 'deploy/local/.work/**', '.cache/**', '**/*.js', '**/*.mjs'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          // Services are Nx applications; the standalone runner and the CLI compose them through
          // these entry points (services/*/src/index.ts). A service importing one is refused below.
          allow: ['@shopsense/embedding-service', '@shopsense/query-understanding-service', '@shopsense/retrieval-service', '@shopsense/feedback-service', '@shopsense/ranking-service'],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:service'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared', 'scope:test'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    ignores: TEST_FILES,
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: '@shopsense/testing', message: 'test helpers are for tests only' }] }],
    },
  },
  {
    files: ['services/**/*.ts', 'libs/**/*.ts'],
    ignores: TEST_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@shopsense/testing', message: 'test helpers are for tests only' }],
          patterns: [{ group: ['@shopsense/*-service'], message: 'services and libraries do not import services: only apps/ compose them' }],
        },
      ],
    },
  },
  {
    files: TEST_FILES,
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
