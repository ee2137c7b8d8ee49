/** API roles, weakest first: VIEWER reads, OPERATOR starts/cancels, ADMIN manages repositories and tokens. */
export const ROLES = ['VIEWER', 'OPERATOR', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

/** Whether `role` is `required` or stronger. */
export function hasRole(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** Whether a string names a role (the database stores a token's role as text). */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
