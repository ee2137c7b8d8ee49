import { JobNotCancellableError, NotFoundError, RepositoryBorgError, ValidationError } from '../jobs/errors.js';
import { builder } from './builder.js';

/** `interface Error { message: String! }`, implemented by every typed error. */
export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  fields: (t) => ({ message: t.exposeString('message') }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: () => ({}),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({
    field: t.exposeString('field', { nullable: true, description: 'the input field at fault' }),
  }),
});

builder.objectType(JobNotCancellableError, {
  name: 'JobNotCancellableError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof JobNotCancellableError,
  fields: (t) => ({ status: t.exposeString('status', { description: "the job's status" }) }),
});

builder.objectType(RepositoryBorgError, {
  name: 'BorgError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RepositoryBorgError,
  fields: (t) => ({
    msgid: t.exposeString('msgid', { nullable: true, description: "borg's message id, e.g. PassphraseWrong" }),
    exitCode: t.exposeInt('exitCode', { nullable: true }),
  }),
});
