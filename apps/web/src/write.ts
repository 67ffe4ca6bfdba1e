import { CcmApiError } from '@ccm/sdk';

/** What the SDK's plain ts-rest client (`ccm.raw`) resolves with, for every status. */
interface RawAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

/**
 * A write through `ccm.raw`, which keeps the envelope's `message` that the friendly methods drop: the server's
 * message and data on success (a 204 has neither: `done` stands in), the SDK's own CcmApiError (412 as
 * CcmPreconditionFailedError) on an error answer.
 */
export async function write<T = unknown>(
  operation: string,
  call: Promise<RawAnswer>,
  done = 'Done.',
): Promise<{ message: string; data: T }> {
  const { status, body, headers } = await call;
  if (status >= 400) throw CcmApiError.fromResponse(status, body, headers, { operation, method: '', url: '' });
  const envelope = (body ?? {}) as { message?: string; data?: T };
  return { message: envelope.message || done, data: envelope.data as T };
}
