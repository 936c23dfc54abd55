/** When to try again after a transport drops. `undefined` means stop trying. */
export interface ReconnectPolicy {
  nextRetryDelayMs(context: { attempt: number; elapsedMs: number; graceMs: number }): number | undefined;
}

/** Quick first retry, then backing off to 5 s, for as long as the server keeps the session. */
export const defaultReconnectPolicy: ReconnectPolicy = {
  nextRetryDelayMs({ attempt, elapsedMs, graceMs }) {
    const delays = [0, 250, 500, 1000, 2000, 3000];
    const delay = delays[attempt] ?? 5000;
    // Past the grace period a resume cannot succeed, but a full rejoin may: keep going a while longer.
    return elapsedMs + delay > graceMs + 60_000 ? undefined : delay;
  },
};
