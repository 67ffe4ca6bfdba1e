import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContactCreate } from '@ccm/contract';
import { QueryTypes } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { freshDatabase, rawConnection } from './support/database.js';
import { contactBody } from './support/factories.js';
import type { Api } from './support/http.js';
import { type ServerProcess, signIn, spawnServer } from './support/process.js';

// Idempotency-Key across a crash, on every database (TEST_DATABASE_URL): keyed creates are under way when the
// server is SIGKILLed. After a restart on the same database, a change never exists without its stored answer nor an
// answer without its change; every key answered before the kill is replayed by the new process; every key cut
// before its answer runs once when sent again.

const WORKERS = 6;

interface Sent {
  key: string;
  body: ContactCreate;
  answeredId?: number;
}

/** Sends keyed creates from several clients until `stop()`; what each sent, and the id of each answered one. */
function keyedLoad(client: Api, customer: number) {
  const sent: Sent[] = [];
  let stopped = false;
  let cut = 0;
  const worker = async (n: number) => {
    for (let i = 0; !stopped; i++) {
      const entry: Sent = { key: `crash-${n}-${i}`, body: contactBody(customer) };
      sent.push(entry);
      try {
        const res = await client.post('/api/contacts/', entry.body, { headers: { 'idempotency-key': entry.key } });
        expect(res.status, res.text).toBe(201);
        entry.answeredId = res.body.data.id;
      } catch (err) {
        if (!stopped) throw err;
        cut += 1;
      }
    }
  };
  const done = Promise.all(Array.from({ length: WORKERS }, (_, n) => worker(n)));
  return {
    sent,
    cut: () => cut,
    /** From now on a request cut short is expected (the server is about to be killed). */
    halt: () => {
      stopped = true;
    },
    settled: () => done,
  };
}

/** The test's contacts and keys as the database holds them. */
async function stored(databaseUrl: string) {
  const raw = rawConnection(databaseUrl);
  try {
    const contacts = (await raw.query('SELECT id, email FROM contacts', { type: QueryTypes.SELECT })) as {
      id: number | string;
      email: string;
    }[];
    const keys = (await raw.query('SELECT idem_key, answer FROM idempotency_keys', {
      type: QueryTypes.SELECT,
    })) as { idem_key: string; answer: string | null }[];
    return {
      contactByEmail: new Map(contacts.map((c) => [c.email, Number(c.id)])),
      answerByKey: new Map(keys.map((k) => [k.idem_key, k.answer === null ? null : JSON.parse(k.answer)])),
    };
  } finally {
    await raw.close();
  }
}

describe('Idempotency-Key across a crash', () => {
  it('SIGKILL under keyed creates: change and answer together or neither; replays and reruns after a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-idem-crash-'));
    const database = await freshDatabase(dataDir);
    const env = { DATABASE_URL: database.url };
    const first = await spawnServer(env);
    let second: ServerProcess | undefined;
    try {
      const admin = await signIn(first);
      const customer = (await admin.post('/api/customers/', { ...customerFields() })).body.data.id as number;
      const load = keyedLoad(admin, customer);
      while (load.sent.filter((s) => s.answeredId).length < 40) await new Promise((r) => setTimeout(r, 20));
      load.halt();
      first.child.kill('SIGKILL');
      await first.exited;
      await load.settled();
      expect(load.cut()).toBeGreaterThan(0);

      const { contactByEmail, answerByKey } = await stored(database.url);
      for (const s of load.sent) {
        const contact = contactByEmail.get(s.body.email);
        const answer = answerByKey.get(s.key);
        // A committed key always has its answer.
        if (answerByKey.has(s.key)) expect(answer, s.key).not.toBeNull();
        // Together or neither: a contact has its key's stored answer naming it, and a stored answer its contact.
        if (contact !== undefined) expect(answer?.result?.id, s.key).toBe(contact);
        if (answer) expect(contact, s.key).toBe(answer.result.id);
        if (s.answeredId !== undefined) expect(contact, s.key).toBe(s.answeredId);
      }

      second = await spawnServer(env);
      const again = await signIn(second);
      for (const s of load.sent) {
        const res = await again.post('/api/contacts/', s.body, { headers: { 'idempotency-key': s.key } });
        expect(res.status, `${s.key}: ${res.text}`).toBe(201);
        const wasStored = Boolean(answerByKey.get(s.key));
        expect(res.headers.get('idempotent-replayed'), s.key).toBe(wasStored ? 'true' : null);
        if (wasStored) expect(res.body.data.id).toBe(contactByEmail.get(s.body.email));
      }
      const after = await stored(database.url);
      for (const s of load.sent) expect(after.contactByEmail.has(s.body.email), s.key).toBe(true);
      expect(after.contactByEmail.size).toBe(load.sent.length);
    } finally {
      await second?.dispose();
      await first.dispose();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('Idempotency-Key across server processes', () => {
  it('20 parallel repeats spread over two worker processes: one contact; each answer the stored one or a 409', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-idem-workers-'));
    const database = await freshDatabase(dataDir);
    const server = await spawnServer({ DATABASE_URL: database.url, WORKERS: '2' });
    try {
      const admin = await signIn(server);
      const customer = (await admin.post('/api/customers/', { ...customerFields() })).body.data.id as number;
      for (let round = 0; round < 3; round++) {
        const body = contactBody(customer);
        const headers = { 'idempotency-key': `workers-${round}` };
        // A connection each, so that the requests are spread over both workers.
        const send = () =>
          fetch(`${server.url}/api/contacts/`, {
            method: 'POST',
            headers: {
              ...headers,
              authorization: `Bearer ${admin.token}`,
              'content-type': 'application/json',
              connection: 'close',
            },
            body: JSON.stringify(body),
          }).then(async (r) => ({
            status: r.status,
            retryAfter: r.headers.get('retry-after'),
            // biome-ignore lint/suspicious/noExplicitAny: the API's JSON
            body: (await r.json()) as any,
          }));
        const answers = await Promise.all(Array.from({ length: 20 }, send));
        for (const a of answers) expect([201, 409]).toContain(a.status);
        for (const a of answers.filter((x) => x.status === 409)) expect(a.retryAfter).toBe('1');
        const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.data.id));
        expect(ids.size).toBe(1);
        const settled = await send();
        expect(settled.status).toBe(201);
        expect(ids.has(settled.body.data.id)).toBe(true);
      }
      const { contactByEmail } = await stored(database.url);
      expect(contactByEmail.size).toBe(3);
    } finally {
      await server.dispose();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

const customerFields = () => ({
  username: `crash${Date.now()}`,
  email: `crash${Date.now()}@example.com`,
  first_name: 'Crash',
  last_name: 'Test',
  nic: '200012345678',
});
