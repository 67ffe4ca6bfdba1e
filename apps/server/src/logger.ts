import { type DestinationStream, pino } from 'pino';
import type { Config } from './config.js';

/**
 * JSON lines on stdout (or `destination`). Request logs carry no header, body or URL at all (http/observability.ts);
 * as a second line of defence, these paths are censored wherever they appear.
 */
export function createLogger(level: Config['logLevel'], destination?: DestinationStream) {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: [
          'password',
          '*.password',
          'refresh',
          '*.refresh',
          'access',
          '*.access',
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'headers.cookie',
          '*.headers.authorization',
          '*.headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export type Logger = ReturnType<typeof createLogger>;
