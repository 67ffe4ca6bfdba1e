import { pino } from 'pino';
import type { Config } from './config.js';

/** JSON lines on stdout. Secrets never reach a log line: these paths are censored wherever they appear. */
export function createLogger(level: Config['logLevel']) {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: ['password', '*.password', 'refresh', '*.refresh', 'access', '*.access', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  });
}

export type Logger = ReturnType<typeof createLogger>;
