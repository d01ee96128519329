// Callbacks the tracking path is given (onError, outcome listeners) called so that a throwing one never reaches the caller.

/** `onError` as a function that never throws: the tracking path reports and goes on, whatever the callback does. */
export function safeReporter(onError?: (error: unknown) => void): (error: unknown) => void {
  return (error) => {
    try {
      onError?.(error);
    } catch {
      // A throwing callback must not turn a counted problem into a crash of the caller's request.
    }
  };
}

/** `callback` as a function that never throws: what it throws goes to `report`. */
export function guarded<A extends unknown[]>(callback: (...args: A) => void, report: (error: unknown) => void): (...args: A) => void {
  return (...args) => {
    try {
      callback(...args);
    } catch (error) {
      report(error);
    }
  };
}
