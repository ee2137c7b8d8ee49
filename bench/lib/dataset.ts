import { createCipheriv, createHash } from 'node:crypto';
import { prng } from './random.js';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

/** How to generate a data set; the same spec always gives the same bytes. */
export interface DatasetSpec {
  /** cache folder name prefix, e.g. `mixed` */
  name: string;
  seed: string;
  /** small files, in folders of 100; half random, half compressible text */
  smallFiles: number;
  smallMinBytes: number;
  smallMaxBytes: number;
  /** large files of random (incompressible) bytes */
  largeFiles: number;
  largeBytes: number;
}

/** A generated data set on disk. */
export interface Dataset {
  spec: DatasetSpec;
  /** the folder to back up */
  root: string;
  files: number;
  bytes: number;
}

/** An AES-128-CTR keystream: random-looking, reproducible from the seed, ~1 GB/s. */
export function keystream(seed: string, label: string): (bytes: number) => Buffer {
  const digest = createHash('sha256').update(`${seed}/${label}`).digest();
  const cipher = createCipheriv('aes-128-ctr', digest.subarray(0, 16), digest.subarray(16, 32));
  return (bytes) => cipher.update(Buffer.alloc(bytes));
}

function compressibleText(random: () => number, bytes: number): Buffer {
  const words = ['backup', 'archive', 'chunk', 'segment', 'repository', 'borg', 'progress', 'job', 'log', 'cache'];
  let text = '';
  for (let line = 0; text.length < bytes; line++) {
    text += `${line}: ${Array.from({ length: 8 }, () => words[Math.floor(random() * words.length)]).join(' ')}\n`;
  }
  return Buffer.from(text.slice(0, bytes));
}

/** Where small file `i` of a data set lives below its root (`small/d000/f00000.bin`); even: random bytes, odd: text. */
export function smallFilePath(root: string, i: number): string {
  return path.join(root, 'small', `d${String(Math.floor(i / 100)).padStart(3, '0')}`, `f${String(i).padStart(5, '0')}.${i % 2 === 0 ? 'bin' : 'txt'}`);
}

function generate(spec: DatasetSpec, root: string): { files: number; bytes: number } {
  const random = prng(spec.seed);
  const stream = keystream(spec.seed, 'small');
  let bytes = 0;
  for (let i = 0; i < spec.smallFiles; i++) {
    const file = smallFilePath(root, i);
    if (i % 100 === 0) mkdirSync(path.dirname(file), { recursive: true });
    // log-uniform sizes: many small files, some bigger, like a real home folder
    const size = Math.round(spec.smallMinBytes * (spec.smallMaxBytes / spec.smallMinBytes) ** random());
    const content = i % 2 === 0 ? stream(size) : compressibleText(random, size);
    writeFileSync(file, content);
    bytes += size;
  }
  mkdirSync(path.join(root, 'large'), { recursive: true });
  for (let i = 0; i < spec.largeFiles; i++) {
    const large = keystream(spec.seed, `large-${i}`);
    const fd = openSync(path.join(root, 'large', `big${i}.bin`), 'w');
    for (let left = spec.largeBytes; left > 0; left -= 4 << 20) writeSync(fd, large(Math.min(left, 4 << 20)));
    closeSync(fd);
    bytes += spec.largeBytes;
  }
  return { files: spec.smallFiles + spec.largeFiles, bytes };
}

/**
 * The data set for `spec` under `cacheDir/data/`, generated on first use.
 * The manifest is written last and the folder renamed into place, so an
 * interrupted generation is never mistaken for a complete one.
 */
export function ensureDataset(cacheDir: string, spec: DatasetSpec, log: (m: string) => void = () => undefined): Dataset {
  const id = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 12);
  const dir = path.join(cacheDir, 'data', `${spec.name}-${id}`);
  const manifest = path.join(dir, 'manifest.json');
  if (existsSync(manifest)) {
    const { files, bytes } = JSON.parse(readFileSync(manifest, 'utf8')) as { files: number; bytes: number };
    return { spec, root: path.join(dir, 'tree'), files, bytes };
  }
  log(`generating data set ${spec.name}-${id} (cached in ${dir})…`);
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const result = generate(spec, path.join(partial, 'tree'));
  writeFileSync(path.join(partial, 'manifest.json'), JSON.stringify({ spec, ...result }, null, 2));
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return { spec, root: path.join(dir, 'tree'), ...result };
}
