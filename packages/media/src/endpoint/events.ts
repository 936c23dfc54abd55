type Listener = (...args: unknown[]) => void;

/** A typed emitter whose listeners cannot break the emitter: a throwing listener is reported, not propagated. */
export class TypedEmitter<E extends Record<string, unknown[]>> {
  readonly #listeners = new Map<keyof E, Set<Listener>>();
  readonly #onListenerError: (error: unknown, event: keyof E) => void;

  constructor(onListenerError: (error: unknown, event: keyof E) => void = () => undefined) {
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof E>(event: K, listener: (...args: E[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as unknown as Listener);
    return () => set.delete(listener as unknown as Listener);
  }

  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        listener(...(args as unknown[]));
      } catch (err) {
        this.#onListenerError(err, event);
      }
    }
  }

  removeAllListeners(): void {
    this.#listeners.clear();
  }
}
