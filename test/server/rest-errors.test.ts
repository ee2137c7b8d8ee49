import { describe, expect, it } from 'vitest';
import { restErrorOfGraphQL, restErrorOfResult } from '../../src/server/rest/errors.js';

describe('REST statuses of the typed errors', () => {
  it('RepositoryBusyError is a 409, BorgError a 422, both with their message', () => {
    expect(restErrorOfResult({ __typename: 'RepositoryBusyError', message: 'busy' })).toMatchObject({ statusCode: 409, detail: 'busy' });
    expect(restErrorOfResult({ __typename: 'BorgError', message: 'Archive.DoesNotExist: …' })).toMatchObject({
      statusCode: 422,
      detail: 'Archive.DoesNotExist: …',
    });
  });

  it("a field's BORG_ERROR is a 422 with borg's message", () => {
    expect(restErrorOfGraphQL({ message: 'LockTimeout: …', extensions: { code: 'BORG_ERROR' } })).toMatchObject({ statusCode: 422, detail: 'LockTimeout: …' });
  });
});
