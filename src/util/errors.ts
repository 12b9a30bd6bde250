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

/** The exit code of a run or sweep stopped by a pause request. */
export const PAUSED_EXIT_CODE = 4;

/**
 * A run stopped at a pause request (`<results>/PAUSE`) before step `step`, its state saved if it had
 * computed any step since it started: not a failure, the rerun continues from there (exit code 4).
 */
export class RunPaused extends UserError {
  constructor(
    readonly step: number,
    saved = true,
    message = `paused at step ${step}, ${saved ? 'its state saved' : 'nothing computed since it started'}: remove the results folder's PAUSE file and rerun to continue`,
  ) {
    super(message, { exitCode: PAUSED_EXIT_CODE });
    this.name = 'RunPaused';
  }
}
