import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** One holder of a borg repository lock, as borg names it: `host@node.pid-thread`. */
export interface LockHolder {
  /** borg's host id, `hostname@node-id` */
  hostId: string;
  pid: number;
  thread: number;
}

/**
 * The holders of a local repository's exclusive lock (`lock.exclusive/`),
 * empty when it is not locked. Remote (ssh) repositories cannot be inspected
 * from here and give an empty list.
 */
export function readExclusiveLock(repositoryPath: string): LockHolder[] {
  if (!path.isAbsolute(repositoryPath)) return [];
  let entries: string[];
  try {
    entries = readdirSync(path.join(repositoryPath, 'lock.exclusive'));
  } catch {
    return [];
  }
  const holders: LockHolder[] = [];
  for (const entry of entries) {
    const match = /^(.+)\.(\d+)-(\d+)$/.exec(entry);
    if (match) holders.push({ hostId: match[1] as string, pid: Number(match[2]), thread: Number(match[3]) });
  }
  return holders;
}

/** Whether a process with this pid exists (on this host). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is a borg process working on `repositoryPath`: its command
 * line names borg and the repository. Guards against signalling an unrelated
 * process that reused the pid of a borg that died with an old server.
 */
export function isBorgProcessFor(pid: number, repositoryPath: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((arg) => /(^|\/)borg(\.exe)?$/.test(arg)) && argv.some((arg) => arg.startsWith(repositoryPath));
  } catch {
    return false;
  }
}
