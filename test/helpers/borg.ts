import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/** Writes `files` files of random data (compressible in part) under `root`, `perDir` per folder. */
export function makeTree(root: string, files: number, bytesPerFile: number, perDir = 100): { bytes: number } {
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const dir = path.join(root, `d${String(Math.floor(i / perDir)).padStart(3, '0')}`);
    if (i % perDir === 0) mkdirSync(dir, { recursive: true });
    const size = Math.max(1, Math.round(bytesPerFile * (0.5 + ((i * 7919) % 100) / 100)));
    writeFileSync(path.join(dir, `f${i}.bin`), randomBytes(size));
    bytes += size;
  }
  return { bytes };
}

/** Runs the real borg CLI for test set-up and checks; never used by the code under test. */
export async function borg(args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const result = await execa('borg', args, {
    env: { TZ: 'UTC', BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes', ...env },
    reject: false,
    stdin: 'ignore',
  });
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? -1 };
}

/** `borg info --json REPO::ARCHIVE` stats of one archive. */
export async function archiveStats(
  repo: string,
  archive: string,
  env: Record<string, string>,
): Promise<{ original_size: number; compressed_size: number; deduplicated_size: number; nfiles: number }> {
  const { stdout, exitCode, stderr } = await borg(['info', '--json', `${repo}::${archive}`], env);
  if (exitCode !== 0) throw new Error(`borg info failed: ${stderr}`);
  return JSON.parse(stdout).archives[0].stats;
}

/** Every running borg process of this machine with its argv (from /proc/<pid>/cmdline) and environment. */
export function borgProcesses(): { pid: number; argv: string[]; environ: string }[] {
  const found: { pid: number; argv: string[]; environ: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      // borg runs as `python3 /usr/bin/borg …` or as `borg …`
      if (!argv.slice(0, 2).some((arg) => path.basename(arg) === 'borg')) continue;
      found.push({ pid: Number(entry), argv, environ: readFileSync(`/proc/${entry}/environ`, 'utf8') });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}
