import { Column, CreatedAt, DataType, HasMany, Model, Table, UpdatedAt } from 'sequelize-typescript';
import { Contact } from './Contact.js';

@Table({ tableName: 'customers', underscored: true, timestamps: true })
export class Customer extends Model {
  declare id: number;

  /** `CUST` + the id padded to 6 digits; set in the creating transaction, right after the insert. */
  @Column({ type: DataType.STRING(16), allowNull: true, unique: true })
  declare customerId: string | null;

  @Column({ type: DataType.STRING(150), allowNull: false, unique: true })
  declare username: string;

  /** Stored lower-case, so that the unique index compares case-insensitively on every database. */
  @Column({ type: DataType.STRING(254), allowNull: false, unique: true })
  declare email: string;

  @Column({ type: DataType.STRING(150), allowNull: false })
  declare firstName: string;

  @Column({ type: DataType.STRING(150), allowNull: false })
  declare lastName: string;

  @Column({ type: DataType.STRING(12), allowNull: false, unique: true })
  declare nic: string;

  @Column({ type: DataType.STRING(32), allowNull: true })
  declare phoneNumber: string | null;

  @Column({ type: DataType.STRING(500), allowNull: true })
  declare address: string | null;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: false })
  declare isVerified: boolean;

  @Column({ type: DataType.BOOLEAN, allowNull: false, defaultValue: true })
  declare isActive: boolean;

  @HasMany(() => Contact, { foreignKey: 'customerId', onDelete: 'CASCADE' })
  declare contacts?: Contact[];

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
