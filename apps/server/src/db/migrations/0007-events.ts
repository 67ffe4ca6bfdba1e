import { DataTypes, type QueryInterface } from 'sequelize';

/*
 * The record of changes (docs/api.md, "Change history"): one row per change, written in the transaction of the
 * change. `id` is the order of insertion; `sequence`, the order readers see, is given to committed rows afterwards
 * by one sequencer at a time (db/events.ts), so that a row committed late still comes after every sequence a
 * reader has already seen. `subject_type`/`subject_id` find a record's history after the record is gone.
 */

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const dialect = qi.sequelize.getDialect();
  const long = dialect === 'mariadb' ? DataTypes.TEXT('long') : DataTypes.TEXT;
  await qi.createTable(
    'events',
    {
      // SQLite numbers only an INTEGER PRIMARY KEY (64 bits there).
      id: {
        type: dialect === 'sqlite' ? DataTypes.INTEGER : DataTypes.BIGINT,
        primaryKey: true,
        autoIncrement: true,
        allowNull: false,
      },
      sequence: { type: DataTypes.BIGINT, allowNull: true },
      event_id: { type: DataTypes.STRING(40), allowNull: false, unique: true },
      type: { type: DataTypes.STRING(40), allowNull: false },
      occurred_at: { type: DataTypes.DATE(3), allowNull: false },
      actor_type: { type: DataTypes.STRING(10), allowNull: false },
      actor_id: { type: DataTypes.INTEGER, allowNull: true },
      actor_username: { type: DataTypes.STRING(150), allowNull: true },
      request_id: { type: DataTypes.STRING(128), allowNull: true },
      subject_type: { type: DataTypes.STRING(20), allowNull: false },
      subject_id: { type: DataTypes.INTEGER, allowNull: false },
      data: { type: long, allowNull: false },
    },
    { charset: 'utf8mb4', collate: 'utf8mb4_bin' },
  );
  await qi.addIndex('events', ['sequence'], { name: 'events_sequence', unique: true });
  await qi.addIndex('events', ['subject_type', 'subject_id', 'id'], { name: 'events_subject' });
  // The one row the sequencer locks while it numbers (PostgreSQL and MariaDB; SQLite's writers take turns).
  await qi.createTable('event_sequencer', {
    id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
    last_sequence: { type: DataTypes.BIGINT, allowNull: false },
  });
  await qi.bulkInsert('event_sequencer', [{ id: 1, last_sequence: 0 }]);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('event_sequencer');
  await qi.dropTable('events');
}
