import { DataTypes, type QueryInterface } from 'sequelize';

/*
 * Safe retries and safe concurrent edits (docs/api.md, "Retries and concurrent edits"):
 * - contacts.version and customers.version: 1 when made, one more with every change; sent as the record's ETag,
 *   compared under the row lock for If-Match.
 * - idempotency_keys: a request's Idempotency-Key per user, the fingerprint of the request it was first used with,
 *   and the answer, written in the same transaction as the change it answers (so a committed row has its answer).
 */

const NOPAD = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const version = { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 };
  // A bulk create's answer runs to hundreds of kilobytes: past MariaDB's TEXT (64 KB).
  const long = qi.sequelize.getDialect() === 'mariadb' ? DataTypes.TEXT('long') : DataTypes.TEXT;
  await qi.addColumn('contacts', 'version', version);
  await qi.addColumn('customers', 'version', version);
  await qi.createTable(
    'idempotency_keys',
    {
      user_id: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
      idem_key: { type: DataTypes.STRING(255), allowNull: false, primaryKey: true },
      operation: { type: DataTypes.STRING(64), allowNull: false },
      fingerprint: { type: DataTypes.STRING(64), allowNull: false },
      answer: { type: long, allowNull: true },
      created_at: { type: DataTypes.DATE(3), allowNull: false },
      expires_at: { type: DataTypes.DATE(3), allowNull: false },
    },
    { charset: 'utf8mb4', collate: 'utf8mb4_bin' },
  );
  if (qi.sequelize.getDialect() === 'mariadb') {
    // Keys compare exactly, trailing spaces included, as on PostgreSQL and SQLite.
    await qi.sequelize.query(`ALTER TABLE idempotency_keys MODIFY idem_key VARCHAR(255) ${NOPAD} NOT NULL`);
  }
  await qi.addIndex('idempotency_keys', ['expires_at'], { name: 'idempotency_keys_expires' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('idempotency_keys');
  // Plain DROP COLUMN (SQLite 3.35+): Sequelize's removeColumn rebuilds an SQLite table, losing its triggers.
  await qi.sequelize.query('ALTER TABLE customers DROP COLUMN version');
  await qi.sequelize.query('ALTER TABLE contacts DROP COLUMN version');
}
