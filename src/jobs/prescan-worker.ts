/**
 * Entry of the worker thread that runs a job's pre-scan (prescanInWorker):
 * compiles the exclude patterns here, walks the sources, posts the result
 * once. Matching a path against a user's `re:` pattern can take seconds
 * (catastrophic backtracking), which must not stall the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileExcludes } from '../borg/patterns.js';
import { prescanSources, type PrescanRequest } from './prescan.js';

const { sources, excludePatterns } = workerData as PrescanRequest;
parentPort?.postMessage(await prescanSources(sources, compileExcludes(excludePatterns)));
