import { describe, expect, it } from 'vitest';
import { interruptedOutcome } from '../../src/jobs/recovery.js';

describe('interruptedOutcome: a job a dead server left RUNNING', () => {
  it('fails when borg create had not ended, or ended in an error or a signal', () => {
    for (const exitCode of [null, 2, 130, 143]) {
      expect(interruptedOutcome({ exitCode, maintenanceStatus: null })).toEqual({ status: 'FAILED', errorMessage: 'interrupted by server restart' });
    }
  });

  it("keeps the saved archive's outcome, failing only the maintenance step that was running", () => {
    expect(interruptedOutcome({ exitCode: 0, maintenanceStatus: 'running_prune' })).toEqual({ status: 'COMPLETED', maintenanceStatus: 'prune_failed' });
    expect(interruptedOutcome({ exitCode: 1, maintenanceStatus: 'running_compact' })).toEqual({
      status: 'COMPLETED_WITH_WARNINGS',
      maintenanceStatus: 'compact_failed',
    });
  });

  it('between steps, or after the last one, nothing failed: the outcome stands and the step is kept', () => {
    expect(interruptedOutcome({ exitCode: 0, maintenanceStatus: null })).toEqual({ status: 'COMPLETED' });
    for (const maintenanceStatus of ['prune_completed', 'prune_failed', 'compact_completed', 'maintenance_completed']) {
      expect(interruptedOutcome({ exitCode: 0, maintenanceStatus })).toEqual({ status: 'COMPLETED' });
    }
  });
});
