// jobProgress and jobEvents keep states latest-wins by jobStepKey: a reader
// that fell behind gets the newest progress, and still every status and
// maintenance step, in order.
import { describe, expect, it } from 'vitest';
import { PubSub } from '../../src/events/pubsub.js';
import { jobStepKey } from '../../src/schema/job-steps.js';

type State = { id: number; status: string; maintenanceStatus: string | null; files: number };
interface Topics extends Record<string, unknown> {
  jobs: State;
}

describe('state subscriptions keyed by jobStepKey', () => {
  it('a reader behind a burst gets each step of each job once, with its newest progress, in order', async () => {
    const pubsub = new PubSub<Topics>();
    const states = pubsub.subscribe('jobs', 'all', { latestBy: jobStepKey });
    const publish = (id: number, status: string, maintenanceStatus: string | null, files: number) =>
      pubsub.publish('jobs', 'all', { id, status, maintenanceStatus, files });
    publish(1, 'RUNNING', null, 1);
    publish(2, 'PENDING', null, 0);
    for (let files = 2; files <= 1000; files++) publish(1, 'RUNNING', null, files);
    publish(1, 'RUNNING', 'running_prune', 1000);
    publish(1, 'RUNNING', 'prune_completed', 1000);
    publish(1, 'RUNNING', 'running_compact', 1000);
    publish(2, 'RUNNING', null, 5);
    publish(1, 'RUNNING', 'compact_completed', 1000);
    publish(1, 'COMPLETED', 'maintenance_completed', 1000);
    const got: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { value } = await states.next();
      got.push(`${value!.id} ${value!.status} ${value!.maintenanceStatus ?? '-'} ${value!.files}`);
    }
    expect(got).toEqual([
      '1 RUNNING - 1000',
      '2 PENDING - 0',
      '1 RUNNING running_prune 1000',
      '1 RUNNING prune_completed 1000',
      '1 RUNNING running_compact 1000',
      '2 RUNNING - 5',
      '1 RUNNING compact_completed 1000',
      '1 COMPLETED maintenance_completed 1000',
    ]);
    await states.return!();
  });
});
