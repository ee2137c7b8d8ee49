/**
 * The Node 22 rows: the same benchmark with its servers on Node 22 (the
 * `node@22` npm package) beside the Node 20 row. Only the server changes
 * node; the benchmark process, its clients and raw borg stay the same.
 */
import { execFileSync } from 'node:child_process';
import type { Benchmark } from './types.js';

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
 * Fails at once, saying why, when the server cannot load its native addon
 * on that node: better-sqlite3 is compiled for one Node ABI (Node 20: 115,
 * Node 22: 127), and the server imports it on every start.
 */
export function checkNativeAddons(node: string, rootDir: string): void {
  try {
    execFileSync(node, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: rootDir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const detail = String((error as { stderr?: Buffer }).stderr ?? '').match(/NODE_MODULE_VERSION \d+[^\n]*\n[^\n]*/)?.[0] ?? 'load failed';
    throw new Error(
      `the server cannot run on ${node}: better-sqlite3's native addon does not load (${detail.replace(/\n/g, ' ')}). ` +
        'Build it for that node first (e.g. a copy of the project where `npm rebuild better-sqlite3` ran under Node 22; prebuild-install needs github.com, node-gyp needs the Node 22 headers).',
    );
  }
}

/** `bench` again with its servers on Node 22, as `<name>-node22`. */
export function onNode22(bench: Benchmark): Benchmark {
  return {
    name: `${bench.name}-node22`,
    description: `${bench.description} Servers on Node 22 (\`node@22\`), beside the Node 20 row \`${bench.name}\`.`,
    target: bench.target,
    async run(ctx) {
      const node = node22Binary();
      checkNativeAddons(node, ctx.rootDir);
      const previous = process.env.BENCH_SERVER_NODE;
      process.env.BENCH_SERVER_NODE = node;
      try {
        const report = await bench.run(ctx);
        const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
        return {
          ...report,
          notes: [
            ...(report.notes ?? []),
            `Servers ran on Node ${version} (${node}); this benchmark process, its clients and raw borg's parent on ${process.version}.`,
          ],
        };
      } finally {
        if (previous === undefined) delete process.env.BENCH_SERVER_NODE;
        else process.env.BENCH_SERVER_NODE = previous;
      }
    },
  };
}
