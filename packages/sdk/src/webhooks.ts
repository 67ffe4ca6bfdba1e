import { type WebhookPayload, WebhookPayloadSchema } from '@ccm/contract';
import { Webhook } from 'standardwebhooks';

/** The headers of a webhook request: a fetch `Headers`, or Node's `req.headers` (IncomingHttpHeaders). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/**
 * Why a webhook request was refused: `invalid_secret` (the secret is not a `whsec_…` one: a configuration
 * error), `missing_headers`, `invalid_timestamp`, `timestamp_too_old` / `timestamp_too_new` (more than 5 minutes
 * off), `invalid_signature` (no signature matches: another secret, or a changed id, timestamp or body), and
 * `invalid_payload` (the signature is good but the body is not a payload this SDK knows).
 */
export type WebhookVerificationErrorCode =
  | 'invalid_secret'
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'invalid_signature'
  | 'invalid_payload';

const BRAND = Symbol.for('@ccm/sdk.webhook-error');

/** A webhook request that must not be trusted (or, for `invalid_payload`, not understood): see `code`. */
export class WebhookVerificationError extends Error {
  readonly code: WebhookVerificationErrorCode;
  /**
   * With `invalid_payload`: the body as JSON when it parsed. Its signature is good, so it did come from the server:
   * most likely an event type newer than this SDK (answer 2xx to skip it, or update the SDK).
   */
  readonly payload: unknown;

  constructor(code: WebhookVerificationErrorCode, message: string, options?: { cause?: unknown; payload?: unknown }) {
    super(message, options);
    this.name = 'WebhookVerificationError';
    this.code = code;
    this.payload = options?.payload;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** Like `instanceof`, also for an error of another copy of the SDK (ESM and CommonJS side by side). */
  static is(error: unknown): error is WebhookVerificationError {
    return typeof error === 'object' && error !== null && BRAND in error;
  }
}

const SIGNED_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/**
 * Checks a webhook request the ccm server sent (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`, verified by the specification's reference library, timestamps within 5 minutes) and
 * answers its body as the typed payload: an `Event` (narrow it by `type`) or a `ping`. Pass the body exactly as
 * received (`express.raw()`, `await request.text()`): parsed and re-serialised JSON no longer matches its
 * signature. Throws a {@link WebhookVerificationError} with a `code`.
 *
 * @example
 * app.post('/ccm-webhook', express.raw({ type: 'application/json' }), (req, res) => {
 *   const event = verifyWebhook(process.env.CCM_WEBHOOK_SECRET!, req.headers, req.body);
 *   res.sendStatus(204);
 * });
 */
export function verifyWebhook(secret: string, headers: WebhookHeaders, rawBody: string | Uint8Array): WebhookPayload {
  const webhook = webhookOf(secret);
  const signed = signedHeaders(headers);
  try {
    webhook.verify(rawBody, signed, { jsonParse: false });
  } catch (error) {
    throw refusal(error);
  }
  return payloadOf(rawBody);
}

function webhookOf(secret: string): Webhook {
  try {
    return new Webhook(secret);
  } catch (error) {
    throw new WebhookVerificationError('invalid_secret', 'The webhook secret is not a whsec_… secret.', {
      cause: error,
    });
  }
}

/** The three signed headers, looked up whatever their case; a header sent several times is one list. */
function signedHeaders(headers: WebhookHeaders): Record<string, string> {
  const found: Record<string, string> = {};
  const read =
    typeof headers.get === 'function'
      ? (name: string) => (headers as Headers).get(name) ?? undefined
      : (name: string) => headerIn(headers as Record<string, string | string[] | undefined>, name);
  for (const name of SIGNED_HEADERS) {
    const value = read(name)?.trim();
    if (!value) {
      throw new WebhookVerificationError('missing_headers', `The ${name} header is missing.`);
    }
    found[name] = value;
  }
  return found;
}

function headerIn(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value.join(' ') : value;
}

/** The reference library's refusals (one error class, told apart by message) as codes. */
const REFUSALS: [RegExp, WebhookVerificationErrorCode, string][] = [
  [/too old/i, 'timestamp_too_old', 'The webhook timestamp is more than 5 minutes old.'],
  [/too new/i, 'timestamp_too_new', 'The webhook timestamp is more than 5 minutes in the future.'],
  [/invalid signature headers/i, 'invalid_timestamp', 'The webhook-timestamp header is not a number of seconds.'],
  [/missing/i, 'missing_headers', 'A webhook header is missing.'],
];

function refusal(error: unknown): WebhookVerificationError {
  const message = error instanceof Error ? error.message : String(error);
  const [, code, text] = REFUSALS.find(([pattern]) => pattern.test(message)) ?? [
    undefined,
    'invalid_signature',
    'No webhook signature matches: another secret, or a changed body, id or timestamp.',
  ];
  return new WebhookVerificationError(code, text, { cause: error });
}

function payloadOf(rawBody: string | Uint8Array): WebhookPayload {
  let json: unknown;
  try {
    json = JSON.parse(
      typeof rawBody === 'string' ? rawBody : new TextDecoder('utf-8', { fatal: true }).decode(rawBody),
    );
  } catch (error) {
    throw new WebhookVerificationError('invalid_payload', 'The webhook body is not JSON.', { cause: error });
  }
  const parsed = WebhookPayloadSchema.safeParse(json);
  if (!parsed.success) {
    throw new WebhookVerificationError('invalid_payload', 'The webhook body is not a payload this SDK knows.', {
      cause: parsed.error,
      payload: json,
    });
  }
  return parsed.data;
}
