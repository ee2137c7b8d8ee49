/**
 * A start-up problem with the data folder or the database that the person
 * starting the server has to fix: its message is one line naming the path
 * and the cause (main prints it, without a stack trace, and exits 1).
 */
export class StartupError extends Error {
  override name = 'StartupError';
}
