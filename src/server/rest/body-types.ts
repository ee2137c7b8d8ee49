import type { FastifyRequest } from 'fastify';
import { RestError } from './errors.js';

/** The part of a JSON schema this check reads. */
interface TypedSchema {
  type?: string | readonly string[];
  items?: TypedSchema;
  properties?: Record<string, TypedSchema>;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matches(value: unknown, schema: TypedSchema): boolean {
  if (schema.type === undefined) return true;
  const types: readonly string[] = typeof schema.type === 'string' ? [schema.type] : schema.type;
  const actual = jsonType(value);
  if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return false;
  return actual !== 'array' || !schema.items || (value as unknown[]).every((item) => matches(item, schema.items as TypedSchema));
}

/**
 * Refuses a JSON body whose fields have the wrong JSON type, before the
 * route schema's validation, which would coerce them (Fastify's Ajv reads
 * `{"repository": 3}` as the string "3", and a lone string as a list): a
 * number where a path belongs is a mistake to report, not to guess at. A
 * preValidation hook for routes with a body schema; 400 `{"detail"}`.
 */
export async function strictBodyTypes(request: FastifyRequest): Promise<void> {
  const properties = (request.routeOptions.schema?.body as TypedSchema | undefined)?.properties;
  const body = request.body;
  if (!properties || typeof body !== 'object' || body === null || Array.isArray(body)) return;
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    const schema = properties[name];
    if (!schema || matches(value, schema)) continue;
    const expected = typeof schema.type === 'string' ? schema.type : (schema.type ?? []).join(' or ');
    const items = schema.items?.type ? ` of ${String(schema.items.type)}s` : '';
    throw new RestError(400, `body/${name} must be ${expected === 'array' ? `an array${items}` : expected}, got ${jsonType(value)}`);
  }
}
