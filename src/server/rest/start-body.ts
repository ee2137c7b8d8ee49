import type { FastifyRequest } from 'fastify';
import { RestError } from './errors.js';

/**
 * The body of `POST /start` (and `/run`): the repository by path, id or
 * name as `repository`, or by id as Borg UI's `repository_id`, plus the
 * overrides of this one job.
 */
export interface StartBody {
  repository?: string;
  repository_id?: number;
  source_directories?: string[];
  archive_name?: string;
}

/**
 * Reads `null` as an absent field (Python clients send `None` for what they
 * leave out) and asks for exactly one of `repository` and `repository_id`,
 * with a message naming both. 400 for a body that is not a JSON object.
 */
export async function oneRepository(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RestError(400, 'body must be object');
  const fields = body as Record<string, unknown>;
  for (const [name, value] of Object.entries(fields)) if (value === null) delete fields[name];
  const given = ['repository', 'repository_id'].filter((name) => name in fields);
  if (given.length === 0) throw new RestError(400, "body must have required property 'repository' (a path, id or name) or 'repository_id'");
  if (given.length === 2) throw new RestError(400, "body must have only one of 'repository' and 'repository_id'");
}
