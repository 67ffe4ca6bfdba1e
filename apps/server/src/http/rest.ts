import { contract, type ExportFormat, type Rpc, routeEntries, rpcOf } from '@ccm/contract';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import {
  type AnyOperation,
  type CallContext,
  operationAt,
  type Performed,
  perform,
  type RecordPages,
} from '../operations.js';
import type { Paged, Services } from '../services/index.js';
import { etagOf, noneMatchHits } from '../services/preconditions.js';
import { principalOf } from './authenticate.js';
import { CONSISTENCY_TOKEN } from './consistency.js';
import type { Endpoint } from './dispatch.js';
import { type LinkBase, linkHeader, pageBody } from './links.js';
import { requestIdOf } from './requestId.js';
import { respond } from './respond.js';
import { streamAnswer } from './stream.js';
import { requestChecker } from './validate.js';

type Handler = (args: {
  params?: Record<string, number>;
  query?: object;
  body?: unknown;
  req: Request;
  res: Response;
}) => Promise<{
  status: number;
  body: unknown;
}>;

/**
 * One REST input, as the operation takes it: the path ids, the query and the body, together, each only where the
 * route declares it (ts-rest passes an undeclared query through unparsed: it must not reach the operation).
 */
const inputOf = (rpc: Rpc, { params, query, body }: Parameters<Handler>[0]) => ({
  ...params,
  ...(rpc.parts.query ? query : {}),
  ...(rpc.parts.body && body && typeof body === 'object' && !Array.isArray(body) ? body : {}),
});

/**
 * The REST answer of an operation's result: the route's status, the envelope, a list paged as the contract says; a
 * versioned record's ETag (and 304 to a GET whose If-None-Match has it); `Idempotent-Replayed` on a stored answer.
 */
function answer(
  rpc: Rpc,
  op: AnyOperation,
  { result, replayed, consistencyToken }: Performed,
  req: Request,
  res: Response,
  base: LinkBase,
) {
  if (replayed) res.setHeader('Idempotent-Replayed', 'true');
  if (consistencyToken) res.setHeader(CONSISTENCY_TOKEN, consistencyToken);
  const version = op.version?.(result);
  if (version !== undefined) {
    res.setHeader('ETag', etagOf(version));
    if (req.method === 'GET' && noneMatchHits(req.get('if-none-match'), version))
      return { status: 304, body: undefined };
  }
  const status = op.status?.(result) ?? rpc.status;
  if (status === 204) return { status, body: undefined };
  if (!rpc.envelope) return { status, body: result };
  let data = result ?? null;
  if (rpc.paging === 'headers') {
    const page = result as Paged<unknown>;
    res.setHeader('X-Total-Count', String(page.count));
    const link = linkHeader(base(req), req, page);
    if (link) res.setHeader('Link', link);
    data = page.results;
  } else if (rpc.paging) data = pageBody(base(req), req, result as Paged<unknown>);
  const message = typeof op.message === 'function' ? op.message(result) : op.message;
  return { status, body: { success: op.success?.(result) ?? true, message, data } };
}

/**
 * The REST adapter: every route of the contract, each served by its entry in the operation table after `before`
 * (authentication, the body), its answer checked against the contract when `validateAnswers` (tests).
 */
export function restEndpoints(
  services: Services,
  base: LinkBase,
  logger: Logger,
  { before, validateAnswers }: { before: RequestHandler[]; validateAnswers: boolean },
): Endpoint[] {
  return routeEntries(contract).map((entry) => {
    const op = operationAt(entry.name);
    const rpc = rpcOf(entry.route);
    const handler: Handler = async (args) => {
      const { req, res } = args;
      const ctx: CallContext = {
        principal: principalOf(res),
        address: req.ip,
        requestId: requestIdOf(res),
        ifMatch: req.get('if-match'),
        idempotencyKey: req.get('idempotency-key'),
        consistencyToken: req.get(CONSISTENCY_TOKEN),
      };
      const input = inputOf(rpc, args);
      const performed = await perform(services, entry, op, input, ctx);
      if (rpc.stream) {
        const pages = performed.result as RecordPages;
        const format = (input as unknown as { format: ExportFormat }).format;
        return { status: rpc.status, body: streamAnswer(rpc.stream, format, pages, { req, res, logger }) };
      }
      return answer(rpc, op, performed, req, res, base);
    };
    const checked = requestChecker(entry.route);
    const serve: RequestHandler = async (req, res, next) => {
      try {
        const { status, body } = await handler({ ...checked(req), req, res });
        respond(entry.route, req, res, status, body, validateAnswers);
      } catch (err) {
        next(err);
      }
    };
    return { route: entry.route, handlers: [...before, serve] };
  });
}
