/**
 * The kernel's errors. Callers branch on the class (`instanceof`) or on `code`; errors that crossed a
 * thread are rebuilt by `reviveError` with the same class, message and code.
 */

/** The base of the kernel's error classes: an Error with a fixed name and code. */
function kernelError(name: string, code: string) {
  return class extends Error {
    override readonly name = name;
    readonly code = code;
  };
}

/** An `ask` got no reply within its timeout. */
export class AskTimeoutError extends kernelError('AskTimeoutError', 'ERR_ASK_TIMEOUT') {}

/** The shard hosting an actor exited (crash, `process.exit`, out of memory) while a call was pending. */
export class ShardCrashedError extends kernelError('ShardCrashedError', 'ERR_SHARD_CRASHED') {
  constructor(
    message: string,
    readonly slot: number,
  ) {
    super(message);
  }
}

/** A message was addressed to an actor that does not exist (never did, or has stopped). */
export class ActorNotFoundError extends kernelError('ActorNotFoundError', 'ERR_ACTOR_NOT_FOUND') {}

/** The asked actor threw while handling the ask's message. Carries the original error's text. */
export class ActorFailedError extends kernelError('ActorFailedError', 'ERR_ACTOR_FAILED') {}

/** A supervisor restarted its children more often than its intensity allows, and gave up. */
export class RestartIntensityError extends kernelError('RestartIntensityError', 'ERR_RESTART_INTENSITY') {}

/** The ActorSystem is stopping or stopped. */
export class SystemStoppedError extends kernelError('SystemStoppedError', 'ERR_SYSTEM_STOPPED') {}

/** A control call to a shard did not answer in time. */
export class ControlTimeoutError extends kernelError('ControlTimeoutError', 'ERR_CONTROL_TIMEOUT') {}

/** The wire form of an error. */
export interface ErrorRecord {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  slot?: number;
}

/** Turns anything thrown into a plain record that crosses threads as JSON. */
export function errorRecord(err: unknown): ErrorRecord {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  // Only defined fields: an undefined one would push the whole batch off the JSON fast path.
  const rec: ErrorRecord = { name: err.name, message: err.message };
  const { code, slot } = err as { code?: unknown; slot?: unknown };
  if (err.stack) rec.stack = err.stack;
  if (typeof code === 'string') rec.code = code;
  if (typeof slot === 'number') rec.slot = slot;
  return rec;
}

const classes: Record<string, new (message: string) => Error> = {
  AskTimeoutError,
  ActorNotFoundError,
  ActorFailedError,
  RestartIntensityError,
  SystemStoppedError,
  ControlTimeoutError,
};

/** Rebuilds an error from its record, with the kernel's class where it names one. */
export function reviveError(rec: ErrorRecord): Error {
  let err: Error;
  if (rec.name === 'ShardCrashedError') err = new ShardCrashedError(rec.message, rec.slot ?? -1);
  else {
    const Cls = classes[rec.name];
    err = Cls ? new Cls(rec.message) : new Error(rec.message);
    if (!Cls && rec.name !== 'Error') Object.defineProperty(err, 'name', { value: rec.name });
    if (!Cls && rec.code) Object.assign(err, { code: rec.code });
  }
  if (rec.stack) err.stack = rec.stack;
  return err;
}
