import { DataTypes, type QueryInterface } from 'sequelize';

/*
 * Webhook deliveries (docs/api.md, "Webhooks"): one row per event and webhook, made when the event is numbered
 * (db/events.ts), in that same transaction, so that no numbered event misses a delivery. The body is built from the
 * event row (`event_row`) when sent; a ping, which has no event, keeps its own (`payload`). A claimed delivery
 * carries the claim's `lease_token` and its `next_attempt_at` is the lease's end: a deliverer that dies leaves it to
 * be claimed again then. `failing_since` on a webhook: when its deliveries began to fail, without a success since.
 */

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const dialect = qi.sequelize.getDialect();
  await qi.addColumn('webhooks', 'failing_since', { type: DataTypes.DATE(3), allowNull: true });
  await qi.createTable(
    'webhook_deliveries',
    {
      id: {
        type: dialect === 'sqlite' ? DataTypes.INTEGER : DataTypes.BIGINT,
        primaryKey: true,
        autoIncrement: true,
        allowNull: false,
      },
      webhook_id: {
        type: DataTypes.INTEGER,
        allowNull: false,
        references: { model: 'webhooks', key: 'id' },
        onDelete: 'CASCADE',
      },
      message_id: { type: DataTypes.STRING(40), allowNull: false },
      event_type: { type: DataTypes.STRING(40), allowNull: false },
      event_row: { type: DataTypes.BIGINT, allowNull: true },
      sequence: { type: DataTypes.BIGINT, allowNull: true },
      subject_type: { type: DataTypes.STRING(20), allowNull: true },
      subject_id: { type: DataTypes.INTEGER, allowNull: true },
      payload: { type: DataTypes.TEXT, allowNull: true },
      status: { type: DataTypes.STRING(10), allowNull: false },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      next_attempt_at: { type: DataTypes.DATE(3), allowNull: true },
      lease_token: { type: DataTypes.STRING(40), allowNull: true },
      last_attempt_at: { type: DataTypes.DATE(3), allowNull: true },
      response_status: { type: DataTypes.INTEGER, allowNull: true },
      response_time_ms: { type: DataTypes.INTEGER, allowNull: true },
      last_error: { type: DataTypes.STRING(500), allowNull: true },
      created_at: { type: DataTypes.DATE(3), allowNull: false },
    },
    { charset: 'utf8mb4', collate: 'utf8mb4_bin' },
  );
  // The deliverers' claim: the pending ones that are due.
  await qi.addIndex('webhook_deliveries', ['status', 'next_attempt_at'], { name: 'webhook_deliveries_due' });
  // Order per subject: an event waits while an earlier one of its record is still pending for the same webhook.
  await qi.addIndex('webhook_deliveries', ['webhook_id', 'subject_type', 'subject_id', 'sequence'], {
    name: 'webhook_deliveries_subject',
  });
  // A webhook's deliveries, newest first.
  await qi.addIndex('webhook_deliveries', ['webhook_id', 'id'], { name: 'webhook_deliveries_webhook' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('webhook_deliveries');
  await qi.removeColumn('webhooks', 'failing_since');
}
