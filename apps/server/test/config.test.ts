import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARIABLES, loadConfig } from '../src/config.js';

/** The ConfigError that loadConfig throws for this environment. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const SECRET_32 = 'x'.repeat(32);

describe('loadConfig defaults', () => {
  const config = loadConfig({});

  it('listens on 0.0.0.0:8000 in development', () => {
    expect(config.port).toBe(8000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.env).toBe('development');
  });

  it('uses an SQLite file in the data folder', () => {
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(config.database.url).toBe(`sqlite:${path.join(path.resolve('data'), 'ccm.sqlite')}`);
    expect(config.database.logging).toBe(false);
  });

  it('reads phone numbers in LK', () => {
    expect(config.defaultPhoneRegion).toBe('LK');
  });

  it('has the documented limits, lifetimes and no admin, CORS origin or proxy', () => {
    expect(config.bodyLimit).toBe('1mb');
    expect(config.jwt.accessTtl).toBe(15 * 60);
    expect(config.jwt.refreshTtl).toBe(7 * 24 * 60 * 60);
    expect(config.jwt.secret).toBeUndefined();
    expect(config.admin).toBeUndefined();
    expect(config.corsOrigins).toEqual([]);
    expect(config.trustProxy).toBeUndefined();
    expect(config.logLevel).toBe('info');
  });

  it('puts the default database in DATA_DIR', () => {
    const c = loadConfig({ DATA_DIR: '/tmp/ccm-somewhere' });
    expect(c.dataDir).toBe('/tmp/ccm-somewhere');
    expect(c.database.url).toBe('sqlite:/tmp/ccm-somewhere/ccm.sqlite');
  });

  it('keeps an explicit DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database.url).toBe('sqlite::memory:');
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db/ccm' }).database.url).toBe('postgres://u:p@db/ccm');
  });
});

describe('loadConfig parsing', () => {
  it('reads PORT, HOST, region and lifetimes', () => {
    const c = loadConfig({
      PORT: '3000',
      HOST: '127.0.0.1',
      DEFAULT_PHONE_REGION: 'GB',
      ACCESS_TOKEN_TTL: '60',
      REFRESH_TOKEN_TTL: '3600',
      BODY_LIMIT: '10kb',
      LOG_LEVEL: 'warn',
      DATABASE_LOGGING: 'true',
    });
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.defaultPhoneRegion).toBe('GB');
    expect(c.jwt.accessTtl).toBe(60);
    expect(c.jwt.refreshTtl).toBe(3600);
    expect(c.bodyLimit).toBe('10kb');
    expect(c.logLevel).toBe('warn');
    expect(c.database.logging).toBe(true);
  });

  it('accepts PORT=0 (an ephemeral port)', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
  });

  it.each(['abc', '-1', '65536', '80.5', '8000x'])('rejects PORT=%j, naming the variable', (PORT) => {
    expect(configError({ PORT }).message).toMatch(/\bPORT\b/);
  });

  it('names every bad variable at once', () => {
    const { message } = configError({ PORT: 'abc', LOG_LEVEL: 'loud', DEFAULT_PHONE_REGION: 'lk' });
    expect(message).toMatch(/\bPORT\b/);
    expect(message).toMatch(/\bLOG_LEVEL\b/);
    expect(message).toMatch(/\bDEFAULT_PHONE_REGION\b/);
  });

  it('rejects an unknown NODE_ENV, a bad boolean and a non-positive lifetime', () => {
    expect(configError({ NODE_ENV: 'staging' }).message).toMatch(/\bNODE_ENV\b/);
    expect(configError({ DATABASE_LOGGING: 'perhaps' }).message).toMatch(/\bDATABASE_LOGGING\b/);
    expect(configError({ ACCESS_TOKEN_TTL: '0' }).message).toMatch(/\bACCESS_TOKEN_TTL\b/);
  });
});

describe('loadConfig admin', () => {
  it('makes the admin from ADMIN_USERNAME and ADMIN_PASSWORD, with a default e-mail', () => {
    expect(loadConfig({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'secret-pass' }).admin).toEqual({
      username: 'root',
      password: 'secret-pass',
      email: 'root@localhost',
    });
    expect(
      loadConfig({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'secret-pass', ADMIN_EMAIL: 'root@example.com' }).admin
        ?.email,
    ).toBe('root@example.com');
  });

  it('rejects ADMIN_USERNAME without ADMIN_PASSWORD, and the reverse', () => {
    expect(configError({ ADMIN_USERNAME: 'root' }).message).toMatch(/ADMIN_PASSWORD/);
    expect(configError({ ADMIN_PASSWORD: 'secret-pass' }).message).toMatch(/ADMIN_USERNAME/);
  });

  it('rejects an ADMIN_EMAIL that is not an address', () => {
    expect(configError({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'p', ADMIN_EMAIL: 'nope' }).message).toMatch(
      /\bADMIN_EMAIL\b/,
    );
  });
});

describe('loadConfig in production', () => {
  it('requires JWT_SECRET', () => {
    expect(configError({ NODE_ENV: 'production' }).message).toMatch(/\bJWT_SECRET\b/);
  });

  it('requires at least 32 bytes of secret', () => {
    expect(configError({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31) }).message).toMatch(/\bJWT_SECRET\b/);
    const c = loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET_32 });
    expect(c.env).toBe('production');
    expect(c.jwt.secret).toBe(SECRET_32);
  });

  it('counts bytes, not characters', () => {
    // 16 two-byte characters: 16 characters, 32 bytes.
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'é'.repeat(16) }).jwt.secret).toBe('é'.repeat(16));
    // 20 characters but only 20 bytes.
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'y'.repeat(20) })).toThrow(ConfigError);
  });

  it('lets development and test run without a secret', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).jwt.secret).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'test' }).jwt.secret).toBeUndefined();
  });
});

describe('CORS_ORIGINS', () => {
  it('is a comma-separated list, trimmed, without empty entries', () => {
    expect(
      loadConfig({ CORS_ORIGINS: 'https://a.example.com, https://b.example.com ,,http://localhost:5173,' }).corsOrigins,
    ).toEqual(['https://a.example.com', 'https://b.example.com', 'http://localhost:5173']);
  });

  it('is one origin when there is no comma', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com' }).corsOrigins).toEqual(['https://app.example.com']);
  });
});

describe('empty variables', () => {
  it('are treated as unset', () => {
    const c = loadConfig({
      PORT: '',
      HOST: '',
      DATA_DIR: '',
      DATABASE_URL: '',
      DEFAULT_PHONE_REGION: '',
      LOG_LEVEL: '',
      CORS_ORIGINS: '',
      TRUST_PROXY: '',
      JWT_SECRET: '',
    });
    expect(c.port).toBe(8000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.database.url).toBe(`sqlite:${path.join(path.resolve('data'), 'ccm.sqlite')}`);
    expect(c.defaultPhoneRegion).toBe('LK');
    expect(c.logLevel).toBe('info');
    expect(c.corsOrigins).toEqual([]);
    expect(c.trustProxy).toBeUndefined();
    expect(c.jwt.secret).toBeUndefined();
  });

  it('an empty ADMIN_PASSWORD next to ADMIN_USERNAME is a missing one', () => {
    expect(configError({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: '' }).message).toMatch(/ADMIN_PASSWORD/);
    expect(loadConfig({ ADMIN_USERNAME: '', ADMIN_PASSWORD: '' }).admin).toBeUndefined();
  });

  it('an empty JWT_SECRET in production is a missing one', () => {
    expect(configError({ NODE_ENV: 'production', JWT_SECRET: '' }).message).toMatch(/\bJWT_SECRET\b/);
  });

  it('undefined values are unset too', () => {
    expect(loadConfig({ PORT: undefined }).port).toBe(8000);
  });
});

describe('ConfigError', () => {
  it('is an Error', () => {
    const err = configError({ PORT: 'abc' });
    expect(err).toBeInstanceOf(Error);
  });
});

describe('WORKER_HEAP_LIMIT_MB', () => {
  it('limits each worker to 256 MB of V8 old space by default', () => {
    expect(loadConfig({}).workerHeapLimitMb).toBe(256);
  });

  it('takes a number of MB; 0 leaves V8 its default; empty is unset, as every variable', () => {
    expect(loadConfig({ WORKER_HEAP_LIMIT_MB: '512' }).workerHeapLimitMb).toBe(512);
    expect(loadConfig({ WORKER_HEAP_LIMIT_MB: '0' }).workerHeapLimitMb).toBeUndefined();
    expect(loadConfig({ WORKER_HEAP_LIMIT_MB: '' }).workerHeapLimitMb).toBe(256);
  });
});

describe('limits, timeouts, Redis and metrics', () => {
  it('have the documented defaults', () => {
    const c = loadConfig({});
    expect(c.redis).toEqual({ url: undefined, keyPrefix: 'ccm' });
    expect(c.limits).toEqual({
      loginMaxFailures: 5,
      loginMaxFailuresPerAddress: 20,
      loginWindowSeconds: 900,
      requestsPerMinute: 600,
    });
    expect(c.requestTimeoutMs).toBe(30_000);
    expect(c.shutdownTimeoutMs).toBe(10_000);
    expect(c.metricsToken).toBeUndefined();
  });

  it('are read from the environment; 0 turns a limit off', () => {
    const c = loadConfig({
      REDIS_URL: 'rediss://user:pw@redis.internal:6380/2',
      REDIS_KEY_PREFIX: 'ccm-staging',
      LOGIN_MAX_FAILURES: '0',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '100',
      LOGIN_WINDOW_SECONDS: '60',
      RATE_LIMIT_PER_MINUTE: '0',
      REQUEST_TIMEOUT_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: '20000',
      METRICS_TOKEN: 'a-long-enough-metrics-token',
    });
    expect(c.redis).toEqual({ url: 'rediss://user:pw@redis.internal:6380/2', keyPrefix: 'ccm-staging' });
    expect(c.limits).toEqual({
      loginMaxFailures: 0,
      loginMaxFailuresPerAddress: 100,
      loginWindowSeconds: 60,
      requestsPerMinute: 0,
    });
    expect(c.requestTimeoutMs).toBe(5000);
    expect(c.shutdownTimeoutMs).toBe(20_000);
    expect(c.metricsToken).toBe('a-long-enough-metrics-token');
  });

  it.each([
    ['REDIS_URL', 'localhost:6379'],
    ['WORKER_HEAP_LIMIT_MB', 'lots'],
    ['WORKER_HEAP_LIMIT_MB', '32'],
    ['WORKER_HEAP_LIMIT_MB', '-1'],
    ['LOGIN_MAX_FAILURES', '-1'],
    ['LOGIN_WINDOW_SECONDS', '0'],
    ['RATE_LIMIT_PER_MINUTE', 'lots'],
    ['REQUEST_TIMEOUT_MS', '0'],
    ['SHUTDOWN_TIMEOUT_MS', '1.5'],
    ['METRICS_TOKEN', 'short'],
  ])('rejects %s=%j, naming it', (name, value) => {
    expect(configError({ [name]: value }).message).toMatch(new RegExp(`\\b${name}\\b`));
  });
});

describe('.env.example', () => {
  const file = fs.readFileSync(path.resolve(import.meta.dirname, '../../../.env.example'), 'utf8');
  const entries = [...file.matchAll(/^# ([A-Z_]+)=(\S*)/gm)].map((m) => [m[1]!, m[2]!] as const);

  it('lists every variable the server reads, once', () => {
    expect(entries.map(([name]) => name).sort()).toEqual([...ENV_VARIABLES].sort());
  });

  it('shows values the server accepts, which are its defaults', () => {
    const given = Object.fromEntries(entries.filter(([, value]) => value !== ''));
    const defaults = loadConfig({});
    const config = loadConfig(given);
    expect({ ...config, dataDir: '', database: { ...config.database, url: '' } }).toEqual({
      ...defaults,
      dataDir: '',
      database: { ...defaults.database, url: '' },
    });
  });
});
