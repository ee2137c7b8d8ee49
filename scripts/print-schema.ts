// Writes schema.graphql from the Pothos schema: the first step of `npm run codegen`,
// before GraphQL Code Generator (codegen.ts) reads it for the typed client.
// test/schema/sdl.test.ts fails when the committed file drifts from the code.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchemaSDL } from '../src/schema/index.js';

const target = fileURLToPath(new URL('../schema.graphql', import.meta.url));
writeFileSync(target, printSchemaSDL());
console.log(`wrote ${target}`);
