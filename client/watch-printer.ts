// Where `rollout watch` writes: a terminal redrawn in place (ANSI cursor up + clear), or a line per change for pipes and logs.
import type { WatchState } from './follow-rollout';
import { formatWatchBlock, formatWatchLine, utcSeconds } from './watch-view';

/** Shows one watch state; `now` is read at each call, so countdowns are recomputed at every redraw. */
export type WatchPrinter = (state: WatchState) => void;

/**
 * On a terminal: the block is redrawn over the previous one. Otherwise: a timestamped line, only when the rollout
 * changed (countdowns alone are no change).
 */
export function watchPrinter(write: (text: string) => void, tty: boolean, now: () => number = Date.now): WatchPrinter {
  if (tty) {
    let drawn = 0;
    return (state) => {
      const lines = formatWatchBlock(state, now());
      // Up to the first line drawn last time (ESC[nF), then clear to the end of the screen (ESC[J).
      write(`${drawn > 0 ? `\u001b[${drawn}F\u001b[J` : ''}${lines.join('\n')}\n`);
      drawn = lines.length;
    };
  }
  let last: string | null = null;
  return (state) => {
    const key = formatWatchLine(state, null);
    if (key === last) return;
    last = key;
    const at = now();
    write(`${utcSeconds(new Date(at).toISOString())}  ${formatWatchLine(state, at)}\n`);
  };
}
