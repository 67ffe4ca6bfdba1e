import { DataTypes, type QueryInterface } from 'sequelize';

/*
 * Webhook endpoints (docs/api.md, "Webhooks"). The signing secret is kept as it is: signing needs it. During a
 * rotation the previous secret signs too, until `previous_secret_until`.
 */

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable(
    'webhooks',
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
      url: { type: DataTypes.STRING(2048), allowNull: false },
      events: { type: DataTypes.TEXT, allowNull: false },
      description: { type: DataTypes.STRING(500), allowNull: false, defaultValue: '' },
      secret: { type: DataTypes.STRING(100), allowNull: false },
      previous_secret: { type: DataTypes.STRING(100), allowNull: true },
      previous_secret_until: { type: DataTypes.DATE(3), allowNull: true },
      is_active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      disabled_reason: { type: DataTypes.STRING(500), allowNull: true },
      created_at: { type: DataTypes.DATE(3), allowNull: false },
      updated_at: { type: DataTypes.DATE(3), allowNull: false },
    },
    { charset: 'utf8mb4', collate: 'utf8mb4_bin' },
  );
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('webhooks');
}
