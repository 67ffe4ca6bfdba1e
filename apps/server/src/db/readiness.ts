import type { Sequelize } from 'sequelize';
import { asTransaction, type UnitOfWork } from './transaction.js';

/** The one row of `readiness` (migration 0005): written by /api/ready/, so that "ready" means a write commits. */
export const readiness = (sequelize: Sequelize) => ({
  async touch(uow: UnitOfWork) {
    await sequelize.query('UPDATE readiness SET checked_at = ? WHERE id = 1', {
      replacements: [new Date()],
      transaction: asTransaction(uow),
    });
  },
});
