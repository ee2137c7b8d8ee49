// GraphQL Code Generator's configuration (`npm run codegen`, after
// scripts/print-schema.ts has rewritten schema.graphql): typed documents for
// every operation the CLI, the status page and the test helpers send, so a
// schema change that breaks one of them fails the type check (or, for the
// status page's plain JavaScript, the generation). test/schema/typed-client.test.ts
// fails when the committed output drifts.
import type { CodegenConfig } from '@graphql-codegen/cli';

/** Where the typed documents are written (committed; src/generated/ is Prisma's and git-ignored). */
export const TYPED_CLIENT_DIR = 'src/cli/gql/';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['src/cli/**/*.ts', `!${TYPED_CLIENT_DIR}**`, 'public/**/*.js', 'test/helpers/**/*.ts'],
  ignoreNoDocuments: false,
  generates: {
    [TYPED_CLIENT_DIR]: {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // documents as strings: sent as they are over fetch and graphql-ws, no printing at run time
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        // `.js` suffixes on relative imports (NodeNext)
        emitLegacyCommonJSImports: false,
        scalars: { SafeInt: 'number', DateTime: 'string', ID: 'string' },
      },
    },
  },
};

export default config;
