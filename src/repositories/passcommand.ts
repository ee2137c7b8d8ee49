import { ValidationError } from '../domain/errors.js';

/**
 * The argument a passcommand may add to its prefix: one word of plain
 * characters. borg splits BORG_PASSCOMMAND with Python's shlex (no shell),
 * for which none of these is special; a leading `-` would be read as an
 * option of the operator's command, and a `..` segment could climb out of
 * the folder a prefix such as `cat /etc/borg/` names.
 */
const ARGUMENT = /^[A-Za-z0-9._/@:+][A-Za-z0-9._/@:+-]{0,499}$/;

const ENABLE_HINT =
  'the operator allows passcommands by listing command prefixes in BORGQL_PASSCOMMAND_PREFIXES (separated by ";"), e.g. "pass show;cat /etc/borg/passphrases/"';

/**
 * What a passcommand with this prefix starts with: a prefix ending in `/` or
 * `=` takes the argument directly (`cat /etc/borg/` + `home`), any other one
 * as a word of its own after one space (`pass show` + ` borg/home`).
 */
function lead(prefix: string): string {
  return /[/=]$/.test(prefix) ? prefix : `${prefix} `;
}

function isPlainArgument(argument: string): boolean {
  return ARGUMENT.test(argument) && !argument.split('/').includes('..');
}

/**
 * Checks a repository's passcommand against the operator's allow-list
 * (BORGQL_PASSCOMMAND_PREFIXES): it must be an allowed prefix followed by
 * one plain argument. An ADMIN is not root: this is what keeps the command
 * borg runs one the operator chose. Returns it trimmed.
 * @throws ValidationError naming `field`, saying how to enable or fix it
 */
export function validatePasscommand(passcommand: string, prefixes: readonly string[], field = 'passcommand'): string {
  const command = passcommand.trim();
  if (prefixes.length === 0) throw new ValidationError(`passcommands are not enabled on this server: ${ENABLE_HINT}`, field);
  const matching = prefixes.filter((prefix) => command.startsWith(lead(prefix)));
  if (matching.some((prefix) => isPlainArgument(command.slice(lead(prefix).length)))) return command;
  if (matching.length === 0) {
    const allowed = prefixes.map((prefix) => JSON.stringify(prefix)).join(', ');
    throw new ValidationError(`passcommand must start with a prefix the operator allowed in BORGQL_PASSCOMMAND_PREFIXES (${allowed})`, field);
  }
  throw new ValidationError(
    `after its prefix a passcommand takes one plain argument: letters, digits and . _ / @ : + - (not first), no ".." segment, no spaces or quotes; got ${JSON.stringify(command)}`,
    field,
  );
}
