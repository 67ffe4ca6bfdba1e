import { DataTypes, type QueryInterface } from 'sequelize';

// Millisecond timestamps: MariaDB's DATETIME otherwise keeps whole seconds.
const timestamp = DataTypes.DATE(3);
const timestamps = {
  created_at: { type: timestamp, allowNull: false },
  updated_at: { type: timestamp, allowNull: false },
};
// MariaDB compares text case-insensitively by default; binary collation gives the same answers as
// PostgreSQL and SQLite (usernames are case-sensitive; e-mails are stored lower-case anyway).
const tableOptions = { charset: 'utf8mb4', collate: 'utf8mb4_bin' };
const id = { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true, allowNull: false };

/** Users and customers, with the customers' list indexes. */
async function usersAndCustomers(qi: QueryInterface): Promise<void> {
  await qi.createTable(
    'users',
    {
      id,
      username: { type: DataTypes.STRING(150), allowNull: false, unique: true },
      email: { type: DataTypes.STRING(254), allowNull: false },
      password_hash: { type: DataTypes.STRING(255), allowNull: false },
      role: { type: DataTypes.STRING(16), allowNull: false },
      is_active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      ...timestamps,
    },
    tableOptions,
  );

  await qi.createTable(
    'customers',
    {
      id,
      customer_id: { type: DataTypes.STRING(16), allowNull: true, unique: true },
      username: { type: DataTypes.STRING(150), allowNull: false, unique: true },
      email: { type: DataTypes.STRING(254), allowNull: false, unique: true },
      first_name: { type: DataTypes.STRING(150), allowNull: false },
      last_name: { type: DataTypes.STRING(150), allowNull: false },
      nic: { type: DataTypes.STRING(12), allowNull: false, unique: true },
      phone_number: { type: DataTypes.STRING(32), allowNull: true },
      address: { type: DataTypes.STRING(500), allowNull: true },
      is_verified: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      is_active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      ...timestamps,
    },
    tableOptions,
  );
  await qi.addIndex('customers', ['created_at', 'id'], { name: 'customers_created_at_id' });
  await qi.addIndex('customers', ['is_active', 'created_at', 'id'], { name: 'customers_active_created' });
  await qi.addIndex('customers', ['is_verified', 'created_at', 'id'], { name: 'customers_verified_created' });
}

/** Contacts, the database's own guarantees over them, and the indexes of their lists. */
async function contacts(qi: QueryInterface): Promise<void> {
  const dialect = qi.sequelize.getDialect();
  await qi.createTable(
    'contacts',
    {
      id,
      customer_id: {
        type: DataTypes.INTEGER,
        allowNull: false,
        references: { model: 'customers', key: 'id' },
        onDelete: 'CASCADE',
      },
      email: { type: DataTypes.STRING(254), allowNull: false },
      wa_number: { type: DataTypes.STRING(20), allowNull: false },
      tp_number: { type: DataTypes.STRING(20), allowNull: false },
      is_primary: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      is_active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      ...timestamps,
    },
    tableOptions,
  );
  // Uniqueness per customer lives in the database, so that concurrent writers cannot both pass the check.
  await qi.addIndex('contacts', ['customer_id', 'email'], { unique: true, name: 'contacts_customer_email_unique' });
  await qi.addIndex('contacts', ['customer_id', 'wa_number'], { unique: true, name: 'contacts_customer_wa_unique' });
  await qi.addIndex('contacts', ['customer_id', 'tp_number'], { unique: true, name: 'contacts_customer_tp_unique' });
  // At most one primary per customer. MariaDB has no partial indexes (and Sequelize would silently drop the
  // `where`), so there a generated column holds the customer id only while the contact is primary.
  if (dialect === 'mariadb' || dialect === 'mysql') {
    await qi.sequelize.query(
      'ALTER TABLE contacts ADD COLUMN primary_customer_id INT AS (IF(is_primary, customer_id, NULL)) STORED',
    );
    await qi.addIndex('contacts', ['primary_customer_id'], { unique: true, name: 'contacts_one_primary' });
  } else {
    await qi.addIndex('contacts', ['customer_id'], {
      unique: true,
      name: 'contacts_one_primary',
      where: { is_primary: true },
    });
  }
  // One index per list filter, each ending in the default order (created_at, id) so that a filtered page
  // is read in order from the index; and the customer view's own order (primary first, then newest).
  await qi.addIndex('contacts', ['created_at', 'id'], { name: 'contacts_created_at_id' });
  await qi.addIndex('contacts', ['customer_id', 'created_at', 'id'], { name: 'contacts_customer_created' });
  await qi.addIndex('contacts', ['is_active', 'created_at', 'id'], { name: 'contacts_active_created' });
  await qi.addIndex('contacts', ['is_primary', 'created_at', 'id'], { name: 'contacts_primary_created' });
  await qi.addIndex('contacts', ['email', 'id'], { name: 'contacts_email_id' });
  await qi.addIndex('contacts', ['customer_id', 'is_primary', 'created_at', 'id'], { name: 'contacts_customer_view' });
}

async function refreshTokens(qi: QueryInterface): Promise<void> {
  await qi.createTable(
    'refresh_tokens',
    {
      jti: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
      user_id: {
        type: DataTypes.INTEGER,
        allowNull: false,
        references: { model: 'users', key: 'id' },
        onDelete: 'CASCADE',
      },
      family_id: { type: DataTypes.STRING(64), allowNull: false },
      expires_at: { type: timestamp, allowNull: false },
      used_at: { type: timestamp, allowNull: true },
      revoked_at: { type: timestamp, allowNull: true },
      created_at: { type: timestamp, allowNull: false },
    },
    tableOptions,
  );
  await qi.addIndex('refresh_tokens', ['family_id'], { name: 'refresh_tokens_family' });
  await qi.addIndex('refresh_tokens', ['user_id'], { name: 'refresh_tokens_user' });
}

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await usersAndCustomers(qi);
  await contacts(qi);
  await refreshTokens(qi);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('refresh_tokens');
  await qi.dropTable('contacts');
  await qi.dropTable('customers');
  await qi.dropTable('users');
}
