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
// before its answer runs once when sent again, once its claim has run out.

const WORKERS = 6;
/** REQUEST_TIMEOUT_MS of the servers: a claim holds 5 s longer (wiring.ts), so cut claims run out soon. */
const REQUEST_TIMEOUT_MS = 2000;

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
    const keys = (await raw.query('SELECT idem_key, answer, locked_until FROM idempotency_keys', {
      type: QueryTypes.SELECT,
    })) as { idem_key: string; answer: string | null; locked_until: string | Date | null }[];
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
    const env = { DATABASE_URL: database.url, REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) };
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
        // Together or neither: a contact has its key's stored answer naming it, and a stored answer its contact.
        if (contact !== undefined) expect(answer?.result?.id, s.key).toBe(contact);
        if (answer) expect(contact, s.key).toBe(answer.result.id);
        if (s.answeredId !== undefined) expect(contact, s.key).toBe(s.answeredId);
      }

      second = await spawnServer(env);
      const again = await signIn(second);
      // Cut claims run out REQUEST_TIMEOUT_MS + 5 s after they were made.
      await new Promise((r) => setTimeout(r, REQUEST_TIMEOUT_MS + 5500));
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

const customerFields = () => ({
  username: `crash${Date.now()}`,
  email: `crash${Date.now()}@example.com`,
  first_name: 'Crash',
  last_name: 'Test',
  nic: '200012345678',
});
