import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('the typed client (src/cli/gql, written by GraphQL Code Generator)', () => {
  it('matches schema.graphql and the operations of the CLI, the status page and the test helpers (run `npm run codegen` after changing one)', async () => {
    const bin = path.join(path.dirname(createRequire(import.meta.url).resolve('@graphql-codegen/cli/package.json')), 'esm', 'bin.js');
    // --check writes nothing: it fails, naming the stale files, when what it would write differs
    const { exitCode, stdout, stderr } = await execa(process.execPath, [bin, '--config', 'codegen.ts', '--check'], {
      cwd: root,
      reject: false,
      env: { NO_COLOR: '1' },
    });
    expect(exitCode, `${stdout}\n${stderr}`).toBe(0);
  });
});
