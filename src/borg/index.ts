/**
 * borg CLI adapter: argv/env builders, spawning, stderr event parsing and
 * outcome classification. Knows borg only (no GraphQL, no database).
 */
export type { ArchiveProgressEvent, BorgEvent, FileStatusEvent, LogMessageEvent, ProgressMessageEvent, ProgressPercentEvent, TextLineEvent } from './events.js';
export {
  BorgOutputError,
  borgTimeToIso,
  parseArchiveInfo,
  parseArchiveList,
  parseBorgLine,
  parseCreateSummary,
  parseRepositoryInfo,
  type ArchiveInfo,
  type ArchiveStats,
  type ArchiveSummary,
  type CreateSummary,
  type RepositoryInfo,
} from './parse.js';
export { BorgCommandError, FailureCollector, isLockFailureMessage, type BorgOutcome } from './outcome.js';
export {
  DEFAULT_COMPRESSION,
  DEFAULT_LOCK_WAIT_SECONDS,
  archiveInfoArgs,
  archiveNameFor,
  borgEnvironment,
  breakLockArgs,
  checkArgs,
  compactArgs,
  createArgs,
  deleteArchiveArgs,
  extractArgs,
  hasRetentionRule,
  initArgs,
  isValidArchiveName,
  listArgs,
  listContentsArgs,
  normalizeArchivePath,
  pruneArgs,
  repositoryInfoArgs,
  type CreateArgsOptions,
  type ExtractArgsOptions,
  type RepositoryAccess,
  type RetentionPolicy,
} from './command.js';
export { isRemoteLocation, parseBorgLocation, remoteLocationProblem, unsafeLocationReason, type BorgLocation } from './location.js';
export { runBorg, runBorgJson, signalProcessGroup, startBorg, type BorgProcess, type BorgProcessOptions, type BorgRunResult } from './process.js';
