/**
 * Typed event listeners for the subscription handle. Node's EventEmitter is
 * not in browsers and EventTarget types its payloads as `any`; this is the
 * small typed part of either that the handle needs.
 */
export class Listeners<Events extends object> {
  private readonly byType = new Map<keyof Events, Set<(payload: never) => void>>();
  /** called with what a listener threw, so one faulty listener stops neither the others nor the stream */
  constructor(private readonly onListenerError: (err: unknown) => void) {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.byType.get(type);
    if (set === undefined) this.byType.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    const set = this.byType.get(type);
    if (set === undefined) return;
    for (const l of [...set]) {
      try {
        (l as (p: Events[K]) => void)(payload);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
