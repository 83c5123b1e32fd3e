// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const services = ['gateway', 'stt', 'llm', 'tts', 'recorder', 'api'];
/** Every package is reached through its `exports` (`@audexly/<name>`), never by a path into its files. */
const intoPackages = [
  '**/libs/*/src/**',
  '**/libs/*/dist/**',
  '**/services/*/src/**',
  '**/services/*/dist/**',
  '**/deploy/*/src/**',
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.data/**', 'services/api/public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use `as const` objects instead of enums.' },
      ],
    },
  },
  { files: ['**/*.ts', '**/*.tsx'], rules: { 'no-restricted-imports': ['error', { patterns: intoPackages }] } },
  // A service never imports another service: they talk only over NATS.
  ...services.map((svc) => ({
    files: [`services/${svc}/**/*.ts`, `services/${svc}/**/*.tsx`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...intoPackages,
            ...services
              .filter((s) => s !== svc)
              .flatMap((s) => [
                `@audexly/${s}`,
                `@audexly/${s}/*`,
                `**/services/${s}/**`,
                `../${s}/**`,
                `../../${s}/**`,
              ]),
          ],
        },
      ],
    },
  })),
  // The protocol is a contract: no transport, web framework or vendor SDK in it.
  {
    files: ['libs/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...intoPackages, 'nats', '@nats-io/*', 'fastify', 'ws', 'sarvamai', 'openai'] },
      ],
    },
  },
  // Tests may use non-null assertions and looser typing of fixtures.
  {
    files: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
