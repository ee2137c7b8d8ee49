import { recordIdOrNotFound, recordNotFound } from '../domain/ids.js';
import type { LogLine, LogPage } from '../logs/log-store.js';
import { isTerminal } from '../domain/job-status.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { LogFollower } from './log-follower.js';
import { endWithSource } from './streams.js';

export const LogLineRef = builder.objectRef<LogLine>('LogLine').implement({
  fields: (t) => ({
    lineNumber: t.exposeInt('lineNumber', { description: '1-based, stable' }),
    content: t.exposeString('content'),
    level: t.exposeString('level', { nullable: true, description: "borg's level name (INFO, WARNING, ERROR…)" }),
    time: t.expose('time', { type: 'DateTime', nullable: true }),
  }),
});

export const LogPageRef = builder.objectRef<LogPage>('LogPage').implement({
  fields: (t) => ({
    lines: t.field({ type: [LogLineRef], resolve: (page) => page.lines }),
    totalLines: t.exposeInt('totalLines'),
    hasMore: t.exposeBoolean('hasMore'),
  }),
});

/**
 * A job's live log lines, and its end: the log-complete null, or the job's
 * final state, whichever comes first. A job of another node may have sent
 * its null just before this subscription listened while the database still
 * said RUNNING (its final state is written after); its final state, which
 * follows, then ends the log (the follower reads the rest from the store).
 */
function listenToLog(ctx: Context, id: number, onLine: (line: LogLine | null) => void): () => void {
  const stopLines = ctx.pubsub.listen('jobLog', id, onLine);
  const stopStates = ctx.pubsub.listen('job', id, (job) => isTerminal(job.status) && onLine(null));
  return () => {
    stopLines();
    stopStates();
  };
}

builder.subscriptionFields((t) => ({
  jobLogs: t.field({
    type: LogLineRef,
    description:
      "Replays a job's log after the first `offset` lines, then streams new lines; completes when the job ends. " +
      'A client more than 10,000 lines behind is ended with an error whose extensions say `code: "SLOW_CONSUMER"` ' +
      'and `resumeOffset`: subscribe again with `offset: resumeOffset` to continue where it stopped',
    args: { id: t.arg.id({ required: true }), offset: t.arg.int({ defaultValue: 0 }) },
    subscribe: (_root, args, ctx) => {
      const id = recordIdOrNotFound('job', args.id);
      // listening starts here, before the job is looked up: every line appended from now on
      // reaches the follower, every earlier one is in the store
      const follower = new LogFollower(
        { read: (offset, limit) => ctx.jobs.readLog(id, offset, limit), listen: (onLine) => listenToLog(ctx, id, onLine) },
        args.offset ?? 0,
      );
      return endWithSource(follower, async function* () {
        const job = await ctx.jobs.get(id);
        if (!job) throw recordNotFound('job', args.id);
        // a job's log is closed before its terminal status is set (JobManager #finish, recovery), so an ended
        // job's log gets no more lines, even while its end is still being written (the close it announced is past)
        if (isTerminal(job.status)) follower.complete();
        yield* follower;
      });
    },
    resolve: (line) => line,
  }),
}));
