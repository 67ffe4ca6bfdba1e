import { DataTypes, type QueryInterface } from 'sequelize';

/*
 * Accounts that can be trusted at once:
 * - users.session_version: every access token carries the version it was issued under; revoking a user's
 *   sessions, deactivating it or changing its password moves the version on, and older tokens stop working.
 * - Usernames compared exactly on MariaDB too: utf8mb4_bin is a PAD SPACE collation, so `'admin '` equalled
 *   `'admin'` there and not on PostgreSQL or SQLite. utf8mb4_nopad_bin compares as the other two do.
 * - refresh_tokens indexed for pruning (expired or revoked rows, a bounded batch at a time).
 * - readiness: one row that /api/ready/ writes, so that "ready" means a write can commit (a full disk or a
 *   read-only file answers connections and reads, not writes).
 */

const NOPAD = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin';
const PAD = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('users', 'session_version', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
  if (qi.sequelize.getDialect() === 'mariadb') {
    await qi.sequelize.query(`ALTER TABLE users MODIFY username VARCHAR(150) ${NOPAD} NOT NULL`);
    await qi.sequelize.query(`ALTER TABLE customers MODIFY username VARCHAR(150) ${NOPAD} NOT NULL`);
  }
  await qi.addIndex('refresh_tokens', ['expires_at'], { name: 'refresh_tokens_expires' });
  await qi.addIndex('refresh_tokens', ['revoked_at'], { name: 'refresh_tokens_revoked' });
  await qi.createTable(
    'readiness',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
      checked_at: { type: DataTypes.DATE(3), allowNull: false },
    },
    { charset: 'utf8mb4', collate: 'utf8mb4_bin' },
  );
  await qi.bulkInsert('readiness', [{ id: 1, checked_at: new Date() }]);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('readiness');
  await qi.removeIndex('refresh_tokens', 'refresh_tokens_revoked');
  await qi.removeIndex('refresh_tokens', 'refresh_tokens_expires');
  if (qi.sequelize.getDialect() === 'mariadb') {
    await qi.sequelize.query(`ALTER TABLE customers MODIFY username VARCHAR(150) ${PAD} NOT NULL`);
    await qi.sequelize.query(`ALTER TABLE users MODIFY username VARCHAR(150) ${PAD} NOT NULL`);
  }
  await qi.removeColumn('users', 'session_version');
}
