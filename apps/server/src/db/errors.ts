import { UniqueConstraintError } from 'sequelize';

/**
 * The columns of the unique index a write violated, or undefined when the error is something else.
 * Sequelize reports them per dialect: parsed from SQLite's message, from PostgreSQL's detail, from MariaDB's
 * key name; the index names of the migrations are recognised too.
 */
export function violatedColumns(err: unknown): string[] | undefined {
  if (!(err instanceof UniqueConstraintError)) return undefined;
  const fields = Object.keys(err.fields ?? {});
  const parent = err.parent as { constraint?: string; message?: string } | undefined;
  const name = parent?.constraint ?? (err as { index?: string }).index ?? parent?.message ?? '';
  const byIndex: Record<string, string[]> = {
    contacts_one_primary: ['is_primary'],
    contacts_customer_email_unique: ['email'],
    contacts_customer_wa_unique: ['wa_number'],
    contacts_customer_tp_unique: ['tp_number'],
  };
  for (const [index, columns] of Object.entries(byIndex)) if (name.includes(index)) return columns;
  if (fields.includes('primary_customer_id')) return ['is_primary'];
  const own = fields.filter((f) => f !== 'customer_id');
  // A unique index on customer_id alone (contacts) is the one-primary rule; on customers it is customer_id.
  return own.length > 0 ? own : fields;
}
