// Lowers the calling thread's scheduling priority, so that background work yields the CPU to request handling.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Gives this thread the nice value `nice` (1–19: lower priority) where the kernel keeps one per thread (Linux); true
 * when it did. Elsewhere, or when refused, the thread keeps the process's priority.
 */
export function niceThisThread(nice: number): boolean {
  if (nice <= 0 || process.platform !== 'linux') return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.min(19, nice));
    return true;
  } catch {
    return false;
  }
}
