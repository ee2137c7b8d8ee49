import { readFileSync } from 'node:fs';
import { execa, execaSync } from 'execa';

/** The Python interpreter of the installed borg (its `#!` line), so tests can ask borg's own code. */
function borgPython(): string {
  const borg = execaSync('sh', ['-c', 'command -v borg']).stdout.trim();
  const shebang = /^#!\s*(\S*python\S*)/.exec(readFileSync(borg, 'utf8').split('\n', 1)[0] ?? '');
  if (!shebang?.[1]) throw new Error(`${borg} is not a Python script: cannot import borg's modules`);
  return shebang[1];
}

/**
 * Runs a Python script with borg's modules importable; it reads `input` as
 * JSON on stdin and prints JSON, which is returned parsed. BORG_REPO is
 * unset so borg's own fallbacks cannot change an answer.
 */
export async function askBorgPython<T>(script: string, input: unknown): Promise<T> {
  const env = { ...process.env };
  delete env.BORG_REPO;
  const { stdout } = await execa(borgPython(), ['-c', script], { input: JSON.stringify(input), env, extendEnv: false });
  return JSON.parse(stdout) as T;
}
