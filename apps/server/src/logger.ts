import { type DestinationStream, pino } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

/** The request line's fields, shown in its message when the log is for a person (pretty). */
type RequestLine = {
  msg?: string;
  method?: string;
  route?: string;
  status?: unknown;
  durationMs?: number;
  requestId?: string;
};

/**
 * Lines for a person at a terminal: the time, the level, and the message; a request as
 * `GET /api/contacts/:id/ 200 3.1 ms`, other lines with their request id when they have one.
 */
function prettyStream(): DestinationStream {
  return pretty({
    colorize: true,
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,requestId,method,route,status,durationMs,address,userId',
    messageFormat: (log: RequestLine) =>
      log.msg === 'request'
        ? `${log.method} ${log.route} ${log.status} ${log.durationMs} ms`
        : `${log.msg ?? ''}${log.requestId ? ` (request ${log.requestId})` : ''}`,
  });
}

/**
 * JSON lines on stdout (or `destination`), or `pretty` lines for a terminal. Request logs carry no header, body
 * or URL at all (http/observability.ts); as a second line of defence, these paths are censored wherever they
 * appear.
 */
export function createLogger(
  level: Config['logLevel'],
  destination?: DestinationStream,
  format: Config['logFormat'] = 'json',
) {
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
    destination ?? (format === 'pretty' ? prettyStream() : undefined),
  );
}

export type Logger = ReturnType<typeof createLogger>;
