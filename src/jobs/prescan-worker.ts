/**
 * Entry of a pre-scan thread (prescan-threads.ts): answers each request with
 * its scan, one at a time, with the exclude patterns compiled here.
 * Matching a path against a user's `re:` pattern can take seconds
 * (catastrophic backtracking), which must not stall the server's event loop;
 * the server terminates the thread to stop such a scan.
 */
import { parentPort } from 'node:worker_threads';
import { compileExcludes, type PathMatcher } from '../borg/patterns.js';
import { prescanSources } from './prescan.js';
import type { PrescanReply, PrescanRequest } from './prescan-threads.js';

/** The last patterns compiled: a repository's scans repeat them. */
let compiled: { key: string; matcher: PathMatcher } | null = null;

function matcherFor(patterns: readonly string[]): PathMatcher {
  const key = JSON.stringify(patterns);
  if (compiled?.key !== key) compiled = { key, matcher: compileExcludes(patterns) };
  return compiled.matcher;
}

parentPort?.on('message', ({ sources, excludePatterns }: PrescanRequest) => {
  let reply: PrescanReply;
  try {
    reply = { result: prescanSources(sources, matcherFor(excludePatterns)) };
  } catch (error) {
    reply = { error };
  }
  parentPort?.postMessage(reply);
});
