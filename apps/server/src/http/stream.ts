import { Readable } from 'node:stream';
import type { ExportFormat, StreamSpec } from '@ccm/contract';
import type { Request, Response } from 'express';
import { exportFileName, exportPieces } from '../export-file.js';
import type { Logger } from '../logger.js';
import type { RecordPages } from '../operations.js';
import { requestIdOf } from './requestId.js';

/**
 * A streamed route's answer (contacts.export): its headers, and the body as a stream that ts-rest pipes into the
 * response, so that a page is read from the database only when the client has taken the previous one (the pipe's
 * backpressure: memory stays flat). A client that goes away stops the reading; a failure once the file has begun
 * (the database gone) can no longer be an error answer: the connection is cut, so that the client sees a transfer
 * that did not complete rather than a file that looks whole.
 */
export function streamAnswer(
  spec: StreamSpec,
  format: ExportFormat,
  pages: RecordPages,
  { req, res, logger }: { req: Request; res: Response; logger: Logger },
): Readable {
  res.setHeader('Content-Type', spec.formats[format]);
  res.setHeader('Content-Disposition', `attachment; filename="${exportFileName(spec, format)}"`);
  res.setHeader('Cache-Control', 'no-store');
  const body = Readable.from(exportPieces(spec, format, pages), { highWaterMark: 1 });
  res.once('close', () => {
    if (!res.writableFinished) body.destroy();
  });
  body.once('error', (err) => {
    logger.error({ err, requestId: requestIdOf(res), url: req.originalUrl }, 'streamed answer cut short');
    res.destroy(err);
  });
  return body;
}
