import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FailureCollector, parseBorgLine, type BorgEvent, type BorgOutcome } from '../../src/borg/index.js';

/** Recorded borg 1.2.4 outputs (see test/fixtures/borg/README.md). */
export const fixtureDir = fileURLToPath(new URL('../fixtures/borg/', import.meta.url));

/** Raw text of one fixture file. */
export function fixture(name: string): string {
  return readFileSync(fixtureDir + name, 'utf8');
}

/** Non-empty lines of a stderr fixture, split the way process.ts splits them. */
export function fixtureLines(name: string): string[] {
  return fixture(name)
    .split('\n')
    .filter((l) => l !== '');
}

/** Every line of a stderr fixture as parsed events. */
export function fixtureEvents(name: string): BorgEvent[] {
  return fixtureLines(name).map(parseBorgLine);
}

/** Feeds a stderr fixture through a FailureCollector and classifies it with the recorded exit code. */
export function fixtureOutcome(name: string, exitCode: number | null, signal: string | null = null): BorgOutcome {
  const c = new FailureCollector();
  for (const e of fixtureEvents(name)) c.observe(e);
  return c.outcome(exitCode, signal);
}
