import { builder } from './builder.js';

/** RetentionInput: prune rules applied after every saved backup (README "Schedules, retention and repository settings"). */
export const RetentionInput = builder.inputType('RetentionInput', {
  description: 'borg prune rules (at least one); prune and compact run after each completed backup',
  fields: (t) => ({
    keepWithin: t.string({ description: 'keep everything within this interval, e.g. "7d" (H d w m y)' }),
    keepLast: t.int(),
    keepHourly: t.int(),
    keepDaily: t.int(),
    keepWeekly: t.int(),
    keepMonthly: t.int(),
    keepYearly: t.int(),
    compact: t.boolean({ defaultValue: true, description: 'run borg compact after the prune' }),
  }),
});

const passcommandDescription =
  'BORG_PASSCOMMAND instead of a passphrase, for passphrases kept in a secret manager: a command prefix the operator allowed ' +
  '(BORGQL_PASSCOMMAND_PREFIXES) plus one plain argument, e.g. "pass show borg/home"; not together with passphrase';
const listFilterDescription =
  'which files get a line in job logs: borg create --filter status letters (A added, M modified, U unchanged, C changed while read, E error, d b c h s f i - x ?; case matters), "*" for every file, "" for none (borg\'s messages only); default AME';

const staleAfterDescription = 'REPOSITORY_STALE when no backup succeeded for this long: a whole number and s, m, h, d or w, e.g. "26h"';

const scheduleDescription = 'shorthand: a schedule of this repository alone (cron, 5 fields or 6 with seconds) named after it';

export const AddRepositoryInput = builder.inputType('AddRepositoryInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    path: t.string({ required: true, description: "local absolute path or ssh://… (borg's own syntax)" }),
    sourcePaths: t.stringList({ required: true, description: 'what gets backed up (absolute paths)' }),
    excludePatterns: t.stringList({ defaultValue: [], description: 'borg exclude patterns (fm:, sh:, re:, pp:, pf:)' }),
    passphrase: t.string({ description: 'write-only; reaches borg through its environment only, encrypted at rest' }),
    passcommand: t.string({ description: passcommandDescription }),
    encryption: t.string({ defaultValue: 'repokey-blake2', description: 'used when initialize is true' }),
    initialize: t.boolean({ defaultValue: false, description: 'run `borg init` first; else the repository must exist' }),
    compression: t.string({ defaultValue: 'lz4' }),
    lockWaitSeconds: t.int({ description: 'how long borg waits for the repository lock (default 5)' }),
    listFilter: t.string({ description: listFilterDescription }),
    retention: t.field({ type: RetentionInput, description: 'prune + compact after each completed backup when set' }),
    schedule: t.string({ description: scheduleDescription }),
    timezone: t.string({ description: 'IANA name for that schedule, default UTC' }),
    staleAfter: t.string({ description: staleAfterDescription }),
    node: t.string({
      description: 'the node whose host runs its jobs (a name of Query.nodes), where borg init and info run now; default the node that answers this request',
    }),
  }),
});

export const UpdateRepositoryInput = builder.inputType('UpdateRepositoryInput', {
  description: 'Fields to change; absent fields stay as they are',
  fields: (t) => ({
    name: t.string(),
    path: t.string({ description: 'a new location must open with borg (borg info)' }),
    sourcePaths: t.stringList(),
    excludePatterns: t.stringList(),
    passphrase: t.string({ description: 'write-only; checked with borg info before it is stored; replaces a passcommand; null removes it' }),
    passcommand: t.string({ description: `${passcommandDescription}; checked with borg info; replaces a stored passphrase; null removes it` }),
    compression: t.string(),
    lockWaitSeconds: t.int(),
    listFilter: t.string({ description: `${listFilterDescription}; null restores the default` }),
    retention: t.field({ type: RetentionInput, description: 'null removes the policy (no more prune)' }),
    schedule: t.string({ description: `${scheduleDescription}; null removes it` }),
    timezone: t.string(),
    staleAfter: t.string({ description: `${staleAfterDescription}; null removes it` }),
  }),
});
