import { BelongsTo, Column, CreatedAt, DataType, ForeignKey, Model, Table, UpdatedAt } from 'sequelize-typescript';
import { Customer } from './Customer.js';

@Table({ tableName: 'contacts', underscored: true, timestamps: true })
export class Contact extends Model {
  declare id: number;

  @ForeignKey(() => Customer)
  @Column({ type: DataType.INTEGER, allowNull: false })
  declare customerId: number;

  @BelongsTo(() => Customer, { foreignKey: 'customerId', onDelete: 'CASCADE' })
  declare customer?: Customer;

  /** Trimmed and lower-cased. */
  @Column({ type: DataType.STRING(254), allowNull: false })
  declare email: string;

  /** E.164. */
  @Column({ type: DataType.STRING(20), allowNull: false })
  declare waNumber: string;

  /** E.164. */
  @Column({ type: DataType.STRING(20), allowNull: false })
  declare tpNumber: string;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: false })
  declare isPrimary: boolean;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: true })
  declare isActive: boolean;

  /** 1 when made, one more with every change (migration 0006): the record's ETag. */
  @Column({ type: DataType.INTEGER, allowNull: false, defaultValue: 1 })
  declare version: number;

  @CreatedAt
  @Column(DataType.DATE(3))
  declare createdAt: Date;

  @UpdatedAt
  @Column(DataType.DATE(3))
  declare updatedAt: Date;
}
