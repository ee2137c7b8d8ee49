import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layering of src/ (the Layout table of README "Development"), read
 * from the import lines of the sources: no import cycle, and no layer
 * importing one above it. Type-only imports count: a type pulled from a
 * higher layer ties the lower one to it just the same.
 */

const SRC = path.resolve(import.meta.dirname, '..', 'src');

/** Layers, lowest first, by the first segment of a path under src/. */
const LAYERS: readonly (readonly string[])[] = [
  ['borg'],
  ['domain', 'secrets', 'db', 'generated', 'config.ts'],
  ['auth', 'repositories', 'logs', 'jobs', 'schedules', 'events', 'catalog', 'notifications'],
  ['cluster'],
  ['services.ts'],
  ['schema'],
  ['server'],
  ['main.ts', 'cli'],
];

/** The topics below the composition root: they know nothing of GraphQL or HTTP. */
const DOMAIN_TOPICS = ['domain', 'auth', 'repositories', 'jobs', 'logs', 'schedules', 'events', 'catalog', 'db', 'secrets', 'notifications', 'cluster'];

/** Packages of the API and HTTP layers (a trailing `/` stands for a whole scope). */
const TRANSPORT_PACKAGES = ['graphql', 'graphql-yoga', '@graphql-yoga/', 'graphql-ws', '@pothos/', 'fastify', '@fastify/', 'ws'];

interface SourceFile {
  /** path under src/, with `/` separators */
  file: string;
  /** src files it imports, same form */
  internal: string[];
  /** package specifiers it imports (`node:` built-ins left out) */
  packages: string[];
}

function topicOf(file: string): string {
  return file.split('/')[0] as string;
}

function layerOf(file: string): number {
  const layer = LAYERS.findIndex((topics) => topics.includes(topicOf(file)));
  if (layer === -1) throw new Error(`src/${file} is in no layer: add its folder to LAYERS in test/architecture.test.ts`);
  return layer;
}

/** The package a bare specifier names: `@scope/name` or `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

function isTransportPackage(name: string): boolean {
  return TRANSPORT_PACKAGES.some((banned) => (banned.endsWith('/') ? name.startsWith(banned) : name === banned));
}

/** Every hand-written source of src/ (the generated Prisma client is someone else's code) with what it imports. */
function readSources(): SourceFile[] {
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => file.endsWith('.ts') && topicOf(file) !== 'generated')
    .sort();
  return files.map((file) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(path.join(SRC, file), 'utf8'), true, true);
    const specifiers = importedFiles.map((imported) => imported.fileName);
    return {
      file,
      internal: specifiers
        .filter((specifier) => specifier.startsWith('.'))
        .map((specifier) => path.posix.join(path.posix.dirname(file), specifier).replace(/\.js$/, '.ts')),
      packages: specifiers.filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:')).map(packageOf),
    };
  });
}

/** The import cycles among `sources`, each as `a.ts → b.ts → a.ts` (one per edge that closes a cycle). */
function findCycles(sources: SourceFile[]): string[] {
  const imports = new Map(sources.map((source) => [source.file, source.internal]));
  const done = new Set<string>();
  const onPath: string[] = [];
  const cycles: string[] = [];
  const visit = (file: string): void => {
    onPath.push(file);
    for (const imported of imports.get(file) ?? []) {
      const start = onPath.indexOf(imported);
      if (start !== -1) cycles.push([...onPath.slice(start), imported].join(' → '));
      else if (!done.has(imported)) visit(imported);
    }
    onPath.pop();
    done.add(file);
  };
  for (const { file } of sources) if (!done.has(file)) visit(file);
  return cycles;
}

describe('architecture of src/', () => {
  const sources = readSources();

  it('reads the sources it checks', () => {
    // a broken walk would make every other check pass vacuously
    expect(sources.map((source) => source.file)).toEqual(expect.arrayContaining(['services.ts', 'borg/process.ts', 'server/app.ts']));
    const importsOf = (file: string) => sources.find((source) => source.file === file);
    expect(importsOf('services.ts')?.internal).toContain('db/client.ts');
    expect(importsOf('server/app.ts')?.packages).toContain('fastify');
  });

  it('has no import cycle', () => {
    expect(findCycles(sources)).toEqual([]);
  });

  it('has no cycle between folders either, so each folder is a layer of its own', () => {
    // files may be acyclic while folders are not (a → b's leaf, b → a's leaf): the tree would not show the layers
    const byTopic = new Map<string, Set<string>>();
    for (const { file, internal } of sources) {
      const edges = byTopic.get(topicOf(file)) ?? new Set<string>();
      for (const imported of internal) if (topicOf(imported) !== topicOf(file)) edges.add(topicOf(imported));
      byTopic.set(topicOf(file), edges);
    }
    const topics = [...byTopic].map(([topic, edges]) => ({ file: topic, internal: [...edges], packages: [] }));
    expect(topics.length).toBeGreaterThan(5);
    expect(findCycles(topics)).toEqual([]);
  });

  it('imports nothing from a higher layer', () => {
    const upward = sources.flatMap(({ file, internal }) =>
      internal.filter((imported) => layerOf(imported) > layerOf(file)).map((imported) => `src/${file} imports src/${imported}`),
    );
    expect(upward).toEqual([]);
  });

  it('keeps src/borg free of the rest of borgql', () => {
    const outside = sources
      .filter(({ file }) => topicOf(file) === 'borg')
      .flatMap(({ file, internal }) => internal.filter((imported) => topicOf(imported) !== 'borg').map((imported) => `src/${file} imports src/${imported}`));
    expect(outside).toEqual([]);
  });

  it('keeps GraphQL and HTTP out of the domain topics', () => {
    const leaks = sources
      .filter(({ file }) => DOMAIN_TOPICS.includes(topicOf(file)))
      .flatMap(({ file, internal, packages }) => [
        ...internal.filter((imported) => ['schema', 'server'].includes(topicOf(imported))).map((imported) => `src/${file} imports src/${imported}`),
        ...packages.filter(isTransportPackage).map((name) => `src/${file} imports ${name}`),
      ]);
    expect(leaks).toEqual([]);
  });
});
