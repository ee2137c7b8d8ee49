/**
 * Why a job is stopped before its borg steps end: the reason its
 * AbortController aborts with (LiveJob.stop). Not backup-specific: any job
 * made of borg steps (restores, checks) stops for these reasons.
 */
export type StopReason =
  /** a person cancelled it (GraphQL cancelBackup, REST cancel) */
  | { readonly kind: 'cancelled' }
  /** the server is shutting down; `message` says why ("server received SIGTERM") */
  | { readonly kind: 'shutdown'; readonly message: string };

/** A cancel requested through the API. */
export const CANCELLED_BY_USER: StopReason = Object.freeze({ kind: 'cancelled' });

/** A stop because the server shuts down, for `message`. */
export function serverShutdown(message: string): StopReason {
  return { kind: 'shutdown', message };
}

/** The errorMessage of a job that ended CANCELLED for `reason`: a shutdown says why, a person's cancel needs no message. */
export function cancelledErrorMessage(reason: StopReason | null): string | null {
  return reason?.kind === 'shutdown' ? `cancelled: ${reason.message}` : null;
}
