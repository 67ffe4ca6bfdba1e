import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes, type Sequelize } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { migrator } from '../src/db/migrate.js';
import { contactSearch } from '../src/db/search.js';
import { freshDatabase, rawConnection } from './support/database.js';

// Migration 0011 indexes the contacts written before it (with their customers' words), follows a customer's
// rename, and its down gives the contact search back to the indexes of migration 0003.

const marker = () => `m${Math.random().toString(36).slice(2, 10)}`;

async function insertContact(db: Sequelize, lastName: string): Promise<number> {
  const now = new Date();
  const idOf = async (sql: string) =>
    Number(
      ((await db.query(sql, { replacements: { u: lastName }, type: QueryTypes.SELECT })) as { id: number }[])[0]!.id,
    );
  await db.query(
    `INSERT INTO customers (username, email, first_name, last_name, nic, is_verified, is_active, created_at,
       updated_at, version) VALUES (:u, :e, 'First', :u, :u, :f, :t, :now, :now, 1)`,
    { replacements: { u: lastName, e: `${lastName}@example.com`, f: false, t: true, now } },
  );
  const customer = await idOf('SELECT id FROM customers WHERE username = :u');
  await db.query(
    `INSERT INTO contacts (customer_id, email, wa_number, tp_number, is_primary, is_active, created_at, updated_at,
       version) VALUES (:c, 'someone@example.org', '+94771112223', '+94112223334', :f, :t, :now, :now, 1)`,
    { replacements: { c: customer, f: false, t: true, now } },
  );
  return idOf(`SELECT id FROM contacts WHERE customer_id = ${customer}`);
}

async function found(db: Sequelize, term: string): Promise<number[]> {
  const match = contactSearch(db.getDialect(), [term], 'contacts');
  const rows = (await db.query(`SELECT id FROM contacts WHERE ${match.sql}`, {
    replacements: match.params,
    type: QueryTypes.SELECT,
  })) as { id: number }[];
  return rows.map((r) => Number(r.id));
}

describe('migration 0011-contact-search', () => {
  it("indexes the contacts before it with their customers' words, follows a rename, and goes down and up", async () => {
    const database = await freshDatabase(fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-search-')));
    const db = rawConnection(database.url);
    try {
      const migrations = migrator(db);
      await migrations.up({ to: '0010-number-prefixes' });
      const [before, after] = [marker(), marker()];
      const id = await insertContact(db, before);
      await migrations.up();
      expect(await found(db, before)).toEqual([id]);

      await db.query('UPDATE customers SET last_name = :l WHERE username = :u', {
        replacements: { l: after, u: before },
      });
      expect(await found(db, before.toUpperCase())).toEqual([id]); // still its username
      expect(await found(db, after)).toEqual([id]);
      await db.query('UPDATE customers SET username = :l WHERE username = :u', {
        replacements: { l: after, u: before },
      });
      expect(await found(db, before)).toEqual([]);

      await migrations.down({ to: '0011-contact-search' });
      const dialect = db.getDialect();
      const restored =
        dialect === 'sqlite'
          ? "SELECT name FROM sqlite_master WHERE name = 'contacts_fts'"
          : dialect === 'postgres'
            ? "SELECT indexname AS name FROM pg_indexes WHERE indexname = 'contacts_email_trgm'"
            : 'SELECT 1 AS name';
      expect(await db.query(restored, { type: QueryTypes.SELECT })).toHaveLength(1);

      await migrations.up();
      expect(await found(db, after)).toEqual([id]);
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
