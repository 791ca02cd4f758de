/**
 * ActorRef addresses an actor anywhere in an ActorSystem: a stable `id` (unique in the system for
 * its whole life, kept across restarts) and the `slot` of the shard that hosts it (`MAIN_SLOT` for
 * the main thread). It is a plain object, so it crosses threads inside any message unchanged.
 * `Msg` is a phantom type: what the actor accepts.
 */
export interface ActorRef<Msg = unknown> {
  readonly id: number;
  readonly slot: number;
  /** Type-level only; never present at run time (a method, so refs compare bivariantly). */
  __msg?(m: Msg): void;
}

/** The slot of the main thread (the guardian, asks from outside the actors). */
export const MAIN_SLOT = -1;

/** The guardian: parent of every root actor, on the main thread. */
export const GUARDIAN_ID = 1;

/** Builds a ref. */
export function makeRef<Msg = unknown>(id: number, slot: number): ActorRef<Msg> {
  return { id, slot };
}

/** Whether `value` has the shape of an ActorRef (for validating input that crossed a thread). */
export function isRef(value: unknown): value is ActorRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    Number.isSafeInteger((value as ActorRef).id) &&
    Number.isInteger((value as ActorRef).slot)
  );
}

/** Whether two refs name the same actor. */
export function sameRef(a: ActorRef | null | undefined, b: ActorRef | null | undefined): boolean {
  return a != null && b != null && a.id === b.id && a.slot === b.slot;
}

/** A short printable form, `#id@slot`. */
export function formatRef(ref: ActorRef): string {
  return `#${ref.id}@${ref.slot === MAIN_SLOT ? 'main' : ref.slot}`;
}
