/**
 * Expected failures of the job domain. The GraphQL schema registers each
 * class as a typed error (result unions, docs/api.md); REST maps them to 4xx.
 */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** Bad input: a relative path, an empty name, a page size over the cap… */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    message: string,
    /** the input field at fault, when there is one */
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

/** The job already ended, so there is nothing to cancel. */
export class JobNotCancellableError extends Error {
  override name = 'JobNotCancellableError';
  constructor(
    message: string,
    readonly status: string,
  ) {
    super(message);
  }
}

/** borg refused an operation on a repository (wrong passphrase, not a repository…). */
export class RepositoryBorgError extends Error {
  override name = 'BorgError';
  constructor(
    message: string,
    readonly msgid: string | null,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

/** The repository has a pending or running job, so it cannot be removed now. */
export class RepositoryBusyError extends Error {
  override name = 'RepositoryBusyError';
  constructor(
    message: string,
    readonly jobId: number,
  ) {
    super(message);
  }
}

/**
 * The repository belongs to another node of the cluster (borg runs where
 * its data is) and that node did not answer: its lease expired, or it gave
 * no reply in time. Trying again later, or on that node, may work.
 */
export class NodeUnreachableError extends Error {
  override name = 'NodeUnreachableError';
  constructor(
    message: string,
    /** the node that was asked */
    readonly node: string,
  ) {
    super(message);
  }
}
