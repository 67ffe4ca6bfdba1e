import type { Role } from '@ccm/contract';
import { Column, CreatedAt, DataType, Model, Table, UpdatedAt } from 'sequelize-typescript';

@Table({ tableName: 'users', underscored: true, timestamps: true })
export class User extends Model {
  declare id: number;

  @Column({ type: DataType.STRING(150), allowNull: false, unique: true })
  declare username: string;

  @Column({ type: DataType.STRING(254), allowNull: false })
  declare email: string;

  @Column({ type: DataType.STRING(255), allowNull: false })
  declare passwordHash: string;

  @Column({ type: DataType.STRING(16), allowNull: false })
  declare role: Role;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: true })
  declare isActive: boolean;

  /** Moved on when the user's sessions must end (revoked, deactivated, new password): older tokens stop working. */
  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 0 })
  declare sessionVersion: number;

  @CreatedAt
  @Column(DataType.DATE(3))
  declare createdAt: Date;

  @UpdatedAt
  @Column(DataType.DATE(3))
  declare updatedAt: Date;
}
