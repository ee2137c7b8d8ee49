import { readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';

/**
 * Leaves the lock of a borg killed with SIGKILL in `repository`, as another
 * host's (README "Job lifecycle", docs/borg.md "Locks"): borg clears a stale
 * lock of its own host id by itself, but one whose host id changed (a
 * container with a new hostname) stays until `borg break-lock`. The borg
 * holds the lock while it waits for stdin (`borg create REPO::ARCHIVE -`),
 * so it is killed with the lock taken, whatever the machine's speed.
 * `borgBaseDir` should not be the server's: the killed borg's cache lock stays there.
 */
export async function leaveForeignStaleLock(repository: string, borgBaseDir: string): Promise<void> {
  const borg = execa('borg', ['create', '--log-json', `${repository}::held-by-a-dead-borg`, '-'], {
    env: { TZ: 'UTC', BORG_BASE_DIR: borgBaseDir, BORG_PASSPHRASE: '', BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes' },
    stdin: 'pipe',
    reject: false,
  });
  const lockDir = path.join(repository, 'lock.exclusive');
  const holders = () => {
    try {
      return readdirSync(lockDir);
    } catch {
      return [];
    }
  };
  for (let waited = 0; holders().length === 0; waited += 20) {
    if (waited > 30_000 || borg.exitCode !== null) throw new Error(`borg create did not take the lock of ${repository}`);
    await sleep(20);
  }
  borg.kill('SIGKILL');
  await borg;
  const [lock] = holders();
  const foreign = (lock as string).replace(/^[^@]+@/, 'old-container@');
  renameSync(path.join(lockDir, lock as string), path.join(lockDir, foreign));
  const [, pid] = /\.(\d+)-\d+$/.exec(foreign) ?? [];
  writeFileSync(path.join(repository, 'lock.roster'), JSON.stringify({ exclusive: [[foreign.replace(/\.\d+-\d+$/, ''), Number(pid), 0]] }));
}
