import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PasswordSchema, UsernameSchema } from '@ccm/contract';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const seconds = z.coerce.number().int().positive();
/** Chosen by measurement: see WORKER_HEAP_LIMIT_MB in the README. */
const DEFAULT_WORKER_HEAP_LIMIT_MB = 256;

/** Every setting of the server, read from the environment once at start-up. */
/** apps/web/dist, from this file in src/ or in dist/ alike. */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce
    .number({ invalid_type_error: 'a port number, 0 to 65535' })
    .int('a port number, 0 to 65535')
    .min(0, 'a port number, 0 to 65535')
    .max(65535, 'a port number, 0 to 65535')
    .default(8000),
  /** Server processes (node:cluster) sharing the port; `0` or `auto`: one per CPU. */
  WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(0).max(256)]).default(1),
  /**
   * V8 old-space limit (`--max-old-space-size`) in MB of each server process (the workers, and `pnpm start`'s one
   * process: cluster.ts#heapLimitFlags); `0`: V8's default.
   * A smaller heap is collected sooner, so a worker gives memory back after bulk requests (see cluster.ts).
   */
  WORKER_HEAP_LIMIT_MB: z.coerce
    .number()
    .int()
    .refine((mb) => mb === 0 || mb >= 64, '0 (V8 default) or at least 64')
    .default(DEFAULT_WORKER_HEAP_LIMIT_MB),
  DATA_DIR: z.string().min(1).default('data'),
  /** The staff console's built files (apps/web/dist by default); a folder without a build: `/` leads to the docs. */
  CONSOLE_DIR: z.string().optional(),
  /** `sqlite:<path>`, `sqlite::memory:`, `postgres://…`, `mariadb://…`/`mysql://…`; default an SQLite file in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:|postgres(ql)?:\/\/|mariadb:\/\/|mysql:\/\/)/, 'use sqlite:<path>, postgres://… or mariadb://…')
    .optional(),
  DATABASE_LOGGING: bool.default('false'),
  /** Comma-separated read replicas (same scheme as DATABASE_URL); reads may go there (docs/databases.md). */
  DATABASE_READ_URLS: z.string().default(''),
  /** A read with a consistency token waits this long for a replica to reach it, then goes to the primary. */
  REPLICA_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(200),
  /** A replica further behind than this (or not answering) leaves the rotation until it catches up. */
  REPLICA_MAX_LAG_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** How often the replicas' replay positions are read while reads are routed (every second otherwise). */
  REPLICA_POLL_MS: z.coerce.number().int().min(5).max(10_000).default(50),
  /** Reads without a token by a user who wrote within this long go to the primary (or a replica as fresh). */
  READ_YOUR_WRITES_WINDOW_MS: z.coerce.number().int().min(0).max(3_600_000).default(5000),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  DATABASE_POOL_MIN: z.coerce.number().int().min(0).max(1000).default(0),
  /** Milliseconds a request waits for a free connection before failing. */
  DATABASE_POOL_ACQUIRE_MS: z.coerce.number().int().positive().default(30_000),
  /** Milliseconds an unused connection stays open. */
  DATABASE_POOL_IDLE_MS: z.coerce.number().int().positive().default(10_000),
  JWT_SECRET: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).default('ccm'),
  JWT_AUDIENCE: z.string().min(1).default('ccm-api'),
  ACCESS_TOKEN_TTL: seconds.default(15 * 60),
  REFRESH_TOKEN_TTL: seconds.default(7 * 24 * 60 * 60),
  ADMIN_USERNAME: UsernameSchema.optional(),
  ADMIN_PASSWORD: PasswordSchema.optional(),
  ADMIN_EMAIL: z.string().email().optional(),
  DEFAULT_PHONE_REGION: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166 two-letter region such as LK')
    .default('LK'),
  BODY_LIMIT: z.string().min(1).default('1mb'),
  /** Rows per statement of an export (GET /api/contacts/export/): its memory is a few pages of them. */
  EXPORT_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(200),
  CORS_ORIGINS: z.string().default(''),
  TRUST_PROXY: z.string().optional(),
  /** Where clients reach the API (scheme, host, port, any path prefix): the origin of absolute links. */
  PUBLIC_URL: z
    .string()
    .url()
    .regex(/^https?:\/\/[^?#]*$/, 'an http:// or https:// URL without query or fragment')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  /** With TRUST_PROXY: host names a request (Host, X-Forwarded-Host) may give its links; others get PUBLIC_URL or this server's address. */
  ALLOWED_HOSTS: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` (one object a line, for machines) or `pretty` (for a person); unset: pretty on a terminal, else JSON. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  /** Where the rate limits count (shared by every server process); unset: in each process's memory. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
    .optional(),
  REDIS_KEY_PREFIX: z.string().min(1).default('ccm'),
  /** Failed logins per username, then per client address, in LOGIN_WINDOW_SECONDS before 429 (0: no limit). */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(0).default(5),
  LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(0).default(20),
  LOGIN_WINDOW_SECONDS: seconds.default(15 * 60),
  /** Requests per minute per signed-in user, or per client address without a token (0: no limit). */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /** How long the answer of a request with an Idempotency-Key is kept for its repeats. */
  IDEMPOTENCY_KEY_TTL_SECONDS: seconds.default(24 * 60 * 60),
  /** Events older than this many days are removed (unset: every event is kept). */
  EVENTS_RETENTION_DAYS: z.coerce.number().int().positive().optional(),
  /** Webhooks may point at private, loopback and link-local addresses (tests, local development only). */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool.default('false'),
  /** This process sends webhook deliveries (false: it leaves them to the other processes on the database). */
  WEBHOOK_DELIVERY: bool.default('true'),
  /** A webhook's endpoint must answer 2xx within this long, or the attempt has failed. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Seconds before each retry of a failed delivery (then it has failed); each gets up to 10% of jitter. */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(/^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$/, 'a comma-separated list of seconds')
    .default('5,300,1800,7200,18000,36000,36000'),
  /** A webhook whose deliveries have all failed for this long is disabled. */
  WEBHOOK_DISABLE_AFTER_HOURS: z.coerce
    .number()
    .positive()
    .default(5 * 24),
  /** A request still unanswered after this long gets 503. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** On SIGTERM/SIGINT, in-flight requests get this long to finish before their connections are cut. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** How often each server process removes what is no longer needed (spent refresh tokens, expired idempotency keys). */
  MAINTENANCE_INTERVAL_SECONDS: seconds.default(5 * 60),
  /** At most this many rows removed per task and run. */
  MAINTENANCE_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** When set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
});

export type Env = z.input<typeof EnvSchema>;

/** Every variable the server reads (.env.example lists each, tested). */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape) as (keyof Env)[];

export class ConfigError extends Error {}

const INVALID = 'Invalid configuration (every setting is described in .env.example):';

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The configuration as the server uses it, from the parsed environment: the one source of its type (`Config`).
 * The rules that involve several variables are checked first (`crossChecks`).
 */
function shape(e: z.output<typeof EnvSchema>) {
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    /** Server processes: 1 runs in this process; more fork that many workers (cluster.ts). */
    workers: e.WORKERS === 'auto' || e.WORKERS === 0 ? os.availableParallelism() : e.WORKERS,
    /** `--max-old-space-size` of each worker process (MB); undefined: V8's default. */
    workerHeapLimitMb: e.WORKER_HEAP_LIMIT_MB === 0 ? undefined : e.WORKER_HEAP_LIMIT_MB,
    dataDir,
    database: {
      url: e.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'ccm.sqlite')}`,
      readUrls: list(e.DATABASE_READ_URLS),
      replicas: { waitMs: e.REPLICA_WAIT_MS, maxLagMs: e.REPLICA_MAX_LAG_MS, pollMs: e.REPLICA_POLL_MS },
      logging: e.DATABASE_LOGGING,
      pool: {
        max: e.DATABASE_POOL_MAX,
        min: e.DATABASE_POOL_MIN,
        acquireMs: e.DATABASE_POOL_ACQUIRE_MS,
        idleMs: e.DATABASE_POOL_IDLE_MS,
      },
    },
    jwt: {
      /** Undefined outside production when unset: the server then keeps a generated secret in DATA_DIR. */
      secret: e.JWT_SECRET,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTtl: e.ACCESS_TOKEN_TTL,
      refreshTtl: e.REFRESH_TOKEN_TTL,
    },
    /** The first user, made when the database has none. */
    admin:
      e.ADMIN_USERNAME && e.ADMIN_PASSWORD
        ? {
            username: e.ADMIN_USERNAME,
            password: e.ADMIN_PASSWORD,
            email: e.ADMIN_EMAIL ?? `${e.ADMIN_USERNAME}@localhost`,
          }
        : undefined,
    defaultPhoneRegion: e.DEFAULT_PHONE_REGION,
    bodyLimit: e.BODY_LIMIT,
    exportPageSize: e.EXPORT_PAGE_SIZE,
    corsOrigins: list(e.CORS_ORIGINS),
    trustProxy: e.TRUST_PROXY,
    /** The origin of absolute links (`next`, `previous`, `Link`); without it, this server's own address. */
    publicUrl: e.PUBLIC_URL,
    consoleDir: path.resolve(e.CONSOLE_DIR ?? DEFAULT_CONSOLE_DIR),
    /** Host names a trusted request may name for its links (with TRUST_PROXY only). */
    allowedHosts: list(e.ALLOWED_HOSTS),
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? 'json',
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    /** Without a token, a user's reads stay on the primary this long after the user's last write. */
    readYourWritesWindowMs: e.READ_YOUR_WRITES_WINDOW_MS,
    limits: {
      loginMaxFailures: e.LOGIN_MAX_FAILURES,
      loginMaxFailuresPerAddress: e.LOGIN_MAX_FAILURES_PER_ADDRESS,
      loginWindowSeconds: e.LOGIN_WINDOW_SECONDS,
      requestsPerMinute: e.RATE_LIMIT_PER_MINUTE,
    },
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    idempotencyKeyTtlSeconds: e.IDEMPOTENCY_KEY_TTL_SECONDS,
    eventsRetentionDays: e.EVENTS_RETENTION_DAYS,
    webhooks: {
      deliver: e.WEBHOOK_DELIVERY,
      allowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      /** Milliseconds before each retry. */
      retryScheduleMs: list(e.WEBHOOK_RETRY_SCHEDULE).map((s) => Math.round(Number(s) * 1000)),
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER_HOURS * 3600_000,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    metricsToken: e.METRICS_TOKEN,
    maintenance: { intervalMs: e.MAINTENANCE_INTERVAL_SECONDS * 1000, batch: e.MAINTENANCE_BATCH_SIZE },
  };
}

/** The rules between variables, as issues on the variable to fix. */
function crossChecks(e: z.output<typeof EnvSchema>, ctx: z.RefinementCtx) {
  const issue = (variable: string, message: string) =>
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [variable], message });
  if ((e.ADMIN_USERNAME === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    issue(
      e.ADMIN_USERNAME === undefined ? 'ADMIN_USERNAME' : 'ADMIN_PASSWORD',
      'ADMIN_USERNAME and ADMIN_PASSWORD must be set together',
    );
  }
  if (e.DATABASE_POOL_MIN > e.DATABASE_POOL_MAX) issue('DATABASE_POOL_MIN', 'must not exceed DATABASE_POOL_MAX');
  if (e.NODE_ENV === 'production' && Buffer.byteLength(e.JWT_SECRET ?? '') < 32) {
    issue('JWT_SECRET', 'required in production, at least 32 bytes');
  }
}

const ConfigSchema = EnvSchema.superRefine(crossChecks).transform(shape);

/** Every setting of the server, typed from the schema. */
export type Config = z.output<typeof ConfigSchema>;

/**
 * Parses the environment (process.env by default); throws ConfigError naming every bad variable. `terminal`:
 * stdout is a person's terminal (the default log format then is `pretty`).
 */
/**
 * `--max-old-space-size=<WORKER_HEAP_LIMIT_MB>` for a server process (a worker, or the one process `pnpm start` and
 * the bench start), or nothing: a limit already given on this node command line or in NODE_OPTIONS (which child
 * processes inherit) wins over the setting.
 */
export function heapLimitFlags(limitMb: number | undefined): string[] {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((flag) =>
    /--max[-_]old[-_]space[-_]size\b/.test(flag),
  );
  return limitMb === undefined || given ? [] : [`--max-old-space-size=${limitMb}`];
}

/** The same, from the environment a process is started with, before it reads its configuration (an invalid value: none, and the server says why). */
export function heapLimitFlagsFor(env: NodeJS.ProcessEnv): string[] {
  const limit = EnvSchema.shape.WORKER_HEAP_LIMIT_MB.safeParse(env.WORKER_HEAP_LIMIT_MB);
  return heapLimitFlags(limit.success && limit.data > 0 ? limit.data : undefined);
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  { terminal = false }: { terminal?: boolean } = {},
): Config {
  // An empty variable means "not set", as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  if (terminal && present.LOG_FORMAT === undefined) present.LOG_FORMAT = 'pretty';
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`${INVALID}\n${lines.join('\n')}`);
  }
  return parsed.data;
}
