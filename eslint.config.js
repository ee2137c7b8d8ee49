// @ts-check
// `npm run lint` (part of `npm test`): typescript-eslint's recommended and
// type-checked rules over src, test, bench and scripts.
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'src/generated/', 'src/cli/gql/', 'node_modules/', 'coverage/', '.bench/'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Refusing control characters in names, paths and log text is a security rule
      // (README "Security"): every regex that matches them does so on purpose.
      'no-control-regex': 'off',
      // Fastify hooks and plugins, and several interfaces here, are async by contract even
      // where one implementation has nothing to await: an async function states that.
      '@typescript-eslint/require-await': 'off',
      // Prettier wraps code at 160 columns but never breaks a string: messages, SQL and report
      // text may run longer (splitting them would only hide them from a search); code may not.
      'max-len': ['error', { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
    },
  },
  {
    // Tests read GraphQL and REST answers as untyped JSON and assert on their shape;
    // typing every answer would only restate the assertion next to it.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // test helpers hand out plain functions (`const { restart } = useServer()`), none uses `this`
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], extends: [tseslint.configs.disableTypeChecked] },
  // the status page runs in the browser
  { files: ['public/**/*.js'], languageOptions: { globals: globals.browser } },
);
