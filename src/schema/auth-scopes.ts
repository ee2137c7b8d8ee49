import { AuthScopeFailureType, type AuthFailure, type ForbiddenResult } from '@pothos/plugin-scope-auth';
import type { GraphQLResolveInfo } from 'graphql';
import { hasRole, type Role } from '../auth/roles.js';
import type { Context } from './context.js';

/** The GraphQL error codes of authentication and authorization failures. */
export type AuthErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN';

/** A request without a valid token, or a token whose role is too weak; server/graphql.ts gives it its code. */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    message: string,
    readonly code: AuthErrorCode,
  ) {
    super(message);
  }
}

const SCOPE_ROLES = { viewer: 'VIEWER', operator: 'OPERATOR', admin: 'ADMIN' } as const satisfies Record<string, Role>;

/** scope-auth's scope initializer: scopes are cumulative roles. */
export function authScopesFor(ctx: Context): Record<keyof typeof SCOPE_ROLES, boolean> {
  const role = ctx.auth?.role;
  return {
    viewer: role !== undefined && hasRole(role, 'VIEWER'),
    operator: role !== undefined && hasRole(role, 'OPERATOR'),
    admin: role !== undefined && hasRole(role, 'ADMIN'),
  };
}

/** The strongest role named by the failed scopes (the one the caller lacks). */
function requiredRole(failure: AuthFailure): Role | null {
  if (failure.kind === AuthScopeFailureType.AuthScope) {
    return SCOPE_ROLES[failure.scope as keyof typeof SCOPE_ROLES] ?? null;
  }
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    const roles = failure.failures.map(requiredRole).filter((role): role is Role => role !== null);
    return roles.reduce<Role | null>((strongest, role) => (strongest && hasRole(strongest, role) ? strongest : role), null);
  }
  return null;
}

/** scope-auth's error for a denied field: says which role it needs, never anything about the token itself. */
export function unauthorizedError(_parent: unknown, ctx: Context, info: GraphQLResolveInfo, result: ForbiddenResult): Error {
  if (!ctx.auth) return new AuthError('authentication required: send Authorization: Bearer <token>', 'UNAUTHENTICATED');
  const needed = requiredRole(result.failure);
  const field = `${info.parentType.name}.${info.fieldName}`;
  return new AuthError(needed ? `${field} needs the ${needed} role (this token is ${ctx.auth.role})` : `not allowed: ${field}`, 'FORBIDDEN');
}
