import { existsSync } from 'node:fs';

/** Chromium for the browser tests (Debian: `apt-get install chromium`; elsewhere set CHROMIUM_PATH). */
export const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(
  (candidate): candidate is string => !!candidate && existsSync(candidate),
);

/** Polls `read` every 100 ms until `done` accepts its value or `timeoutMs` passes; returns the last value. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
