/**
 * The Node 22 rows: the same benchmark with its servers on Node 22 (the
 * `node@22` npm package) beside the Node 20 row. Only the server changes
 * node; the benchmark process, its clients and raw borg stay the same.
 * The servers run from `.bench/node22/` (bench/lib/node22-tree.ts): the
 * project's dist/ and node_modules/ as hard links, with better-sqlite3
 * compiled for Node 22 against the headers in the `node@22` package.
 */
import { execFileSync } from 'node:child_process';
import { prepareNode22Tree } from './node22-tree.js';
import type { BenchContext, Benchmark } from './types.js';

let resolved: string | undefined;

/** The Node 22 binary: `BENCH_NODE22`, else the `node@22` package's, through npx (downloaded once into npm's cache). */
export function node22Binary(): string {
  resolved ??=
    process.env.BENCH_NODE22 ||
    execFileSync('npx', ['--yes', 'node@22', '-p', 'process.execPath'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      .trim()
      .split('\n')
      .pop()!;
  return resolved;
}

/**
 * Fails at once, saying why in one line, when the server cannot load its
 * native addon on that node from `serverRoot`: better-sqlite3 is compiled
 * for one Node ABI (Node 20: 115, Node 22: 127), and the server imports it
 * on every start.
 */
export function checkNativeAddons(node: string, serverRoot: string): void {
  try {
    execFileSync(node, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: serverRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const detail = String((error as { stderr?: Buffer }).stderr ?? '').match(/NODE_MODULE_VERSION \d+[^\n]*\n[^\n]*/)?.[0] ?? 'load failed';
    throw new Error(
      `the server cannot run on ${node}: better-sqlite3's native addon in ${serverRoot} does not load (${detail.replace(/\n/g, ' ')}). ` +
        'Delete .bench/node22 so the next run rebuilds it (BENCHMARKS.md, the paragraph on `-node22` rows).',
    );
  }
}

/** The Node 22 server tree for `node`, or a one-line error saying why it cannot be made. */
function serverTree(node: string, ctx: BenchContext): string {
  try {
    return prepareNode22Tree(node, ctx.rootDir, ctx.cacheDir, ctx.log);
  } catch (error) {
    throw new Error(`cannot prepare the Node 22 server tree in .bench/node22: ${String((error as Error).message).split('\n')[0]}`);
  }
}

/** Sets (or, for undefined, removes) environment variables; returns the previous values, for restoring. */
function setEnv(values: Record<string, string | undefined>): Record<string, string | undefined> {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return previous;
}

/**
 * `bench` again with its servers on Node 22, as `<name>-node22`: the
 * servers run `node` from the tree {@link prepareNode22Tree} makes
 * (`BENCH_SERVER_NODE`, `BENCH_SERVER_ROOT`, restored afterwards).
 */
export function onNode22(bench: Benchmark): Benchmark {
  return {
    name: `${bench.name}-node22`,
    description: `${bench.description} Servers on Node 22 (\`node@22\`), beside the Node 20 row \`${bench.name}\`.`,
    target: bench.target,
    async run(ctx) {
      const node = node22Binary();
      const tree = serverTree(node, ctx);
      checkNativeAddons(node, tree);
      const previous = setEnv({ BENCH_SERVER_NODE: node, BENCH_SERVER_ROOT: tree });
      try {
        const report = await bench.run(ctx);
        const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
        return {
          ...report,
          notes: [
            ...(report.notes ?? []),
            `Servers ran on Node ${version} (${node}) from .bench/node22 (dist/ and node_modules/ linked from the project's, better-sqlite3 built for that node); this benchmark process, its clients and raw borg's parent on ${process.version}.`,
          ],
        };
      } finally {
        setEnv(previous);
      }
    },
  };
}
