// One pino logger for the worker, stack and CLI diagnostics, plus the adapter Temporal's runtime logs through.
import pino, { type Logger } from 'pino';
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

export function createLogger(level: string, name = 'rollout'): Logger {
  return pino({ name, level, redact: { paths: ['*.apiKey', '*.password', '*.token'], censor: '***' } });
}

const toPino: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The Temporal runtime's level for one of ours (LOG_LEVEL): the same words, upper case. */
export function temporalLogLevel(level: 'trace' | 'debug' | 'info' | 'warn' | 'error'): LogLevel {
  return level.toUpperCase() as LogLevel;
}

/**
 * A Temporal runtime logger that writes through `logger`. An activity's task token is left out: it is long, says
 * nothing that activityId and workflowId do not, and lets whoever holds it complete the activity.
 */
export function temporalLogger(logger: Logger, level: LogLevel = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    const meta = { ...entry.meta };
    delete meta.taskToken;
    logger[toPino[entry.level]](meta, entry.message);
  });
}
