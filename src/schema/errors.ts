import type { ObjectRef, UnionRef } from '@pothos/core';
import { JobNotCancellableError, NodeUnreachableError, NotFoundError, RepositoryBorgError, RepositoryBusyError, ValidationError } from '../domain/errors.js';
import { builder } from './builder.js';

/**
 * graphql-js treats a resolved value that is an `Error` as a field error, so
 * an expected error returned as a union member travels behind a proxy that
 * is not `instanceof Error` (the errors plugin does the same internally).
 */
const shielded = new WeakMap<object, Error>();
function shield(error: Error): object {
  const proxy = new Proxy(error, { getPrototypeOf: () => Object.prototype });
  shielded.set(proxy, error);
  return proxy;
}
/** The error behind a shielded value, or the value itself. */
const unshield = (value: unknown): unknown => (typeof value === 'object' && value !== null && shielded.get(value)) || value;

/** `interface Error { message: String! }`, implemented by every typed error. */
export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  fields: (t) => ({ message: t.exposeString('message') }),
});

export const NotFoundErrorRef = builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => unshield(value) instanceof NotFoundError,
  fields: () => ({}),
});

export const ValidationErrorRef = builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => unshield(value) instanceof ValidationError,
  fields: (t) => ({
    field: t.exposeString('field', { nullable: true, description: 'the input field at fault' }),
  }),
});

builder.objectType(JobNotCancellableError, {
  name: 'JobNotCancellableError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => unshield(value) instanceof JobNotCancellableError,
  fields: (t) => ({ status: t.exposeString('status', { description: "the job's status" }) }),
});

export const BorgErrorRef = builder.objectType(RepositoryBorgError, {
  name: 'BorgError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => unshield(value) instanceof RepositoryBorgError,
  fields: (t) => ({
    msgid: t.exposeString('msgid', { nullable: true, description: "borg's message id, e.g. PassphraseWrong" }),
    exitCode: t.exposeInt('exitCode', { nullable: true }),
  }),
});

builder.objectType(RepositoryBusyError, {
  name: 'RepositoryBusyError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => unshield(value) instanceof RepositoryBusyError,
  fields: (t) => ({ jobId: t.exposeID('jobId', { description: 'the pending or running job' }) }),
});

export const NodeUnreachableErrorRef = builder.objectType(NodeUnreachableError, {
  name: 'NodeUnreachableError',
  description: "The repository is another node's (borg runs where its data is) and that node did not answer: its lease expired or no reply came in time",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => unshield(value) instanceof NodeUnreachableError,
  fields: (t) => ({ node: t.exposeString('node', { description: 'the node that was asked' }) }),
});

type ErrorClass = abstract new (...args: never[]) => Error;
type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
/** A union member of any shape (the union's resolveType tells them apart). */
type Member = ObjectRef<Types, unknown>;

/**
 * A result union shared by several fields (docs/api.md gives addRepository and
 * updateRepository one, createSchedule and updateSchedule another), which
 * the errors plugin cannot do: it names one union per field. `settle` turns
 * the listed expected errors into union members and rethrows the rest.
 */
export function sharedResultUnion<Success extends object>(
  name: string,
  success: { ref: Member; is: (value: unknown) => value is Success },
  errors: { ref: Member; type: ErrorClass }[],
) {
  const union: UnionRef<Types, Success | Error> = builder.unionType(name, {
    types: [success.ref, ...errors.map((error) => error.ref)],
    resolveType: (value) => {
      if (success.is(value)) return success.ref as never;
      const error = unshield(value);
      return (errors.find(({ type }) => error instanceof type)?.ref ?? success.ref) as never;
    },
  }) as never;
  const settle = async (work: () => Promise<Success>): Promise<Success | Error> => {
    try {
      return await work();
    } catch (error) {
      if (errors.some(({ type }) => error instanceof type)) return shield(error as Error) as Error;
      throw error;
    }
  };
  return { union, settle };
}
