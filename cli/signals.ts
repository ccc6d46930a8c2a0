/** The signals that stop a long-running command (Ctrl-C, and what process managers send). */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Resolves on the first of `signals` with its name. The handlers stay until `dispose()`, so while
 * they are installed a repeated signal is absorbed instead of killing the process mid-shutdown.
 */
export function nextSignal(signals: readonly NodeJS.Signals[] = STOP_SIGNALS): {
  promise: Promise<NodeJS.Signals>;
  dispose(): void;
} {
  let onSignal: (s: NodeJS.Signals) => void = () => undefined;
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
  });
  for (const s of signals) process.on(s, onSignal);
  return {
    promise,
    dispose() {
      for (const s of signals) process.off(s, onSignal);
    },
  };
}
