import { NotFoundError } from '../jobs/errors.js';
import { MAX_LOG_PAGE, type LogLine, type LogPage } from '../jobs/log-store.js';
import { isTerminal } from '../jobs/status.js';
import { builder } from './builder.js';
import { parseJobId } from './ids.js';
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

builder.subscriptionFields((t) => ({
  jobLogs: t.field({
    type: LogLineRef,
    description: "Replays a job's log after the first `offset` lines, then streams new lines; completes when the job ends",
    args: { id: t.arg.id({ required: true }), offset: t.arg.int({ defaultValue: 0 }) },
    subscribe: (_root, args, ctx) => {
      const id = parseJobId(args.id);
      if (id === null) throw new NotFoundError(`job ${args.id} not found`);
      // Subscribe first: every line appended from now on is queued here, every
      // earlier one is in the store, so replay + live has no gap; line numbers
      // drop what both delivered.
      const live = ctx.pubsub.subscribe('jobLog', id);
      return endWithSource(live, async function* () {
        const job = await ctx.jobs.get(id);
        if (!job) throw new NotFoundError(`job ${args.id} not found`);
        const stillWriting = ctx.jobs.live(id) !== undefined || !isTerminal(job.status);
        let last = args.offset ?? 0;
        for (;;) {
          const page = ctx.jobs.readLog(id, last, MAX_LOG_PAGE);
          for (const line of page.lines) yield line;
          last = page.lines.at(-1)?.lineNumber ?? last;
          if (!page.hasMore) break;
        }
        if (!stillWriting) return;
        for await (const line of live) {
          if (line === null) return;
          if (line.lineNumber <= last) continue;
          last = line.lineNumber;
          yield line;
        }
      });
    },
    resolve: (line) => line,
  }),
}));
