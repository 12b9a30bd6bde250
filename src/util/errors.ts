/**
 * An error the user can fix (bad input, missing data, an unwritable folder, a full disk): the
 * command line reports it as one line with the documented exit code, without a stack trace.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, opts: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'UserError';
    this.exitCode = opts.exitCode ?? 2;
  }
}
