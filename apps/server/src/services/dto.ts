import type {
  Contact as ContactDto,
  Customer as CustomerDto,
  CustomerRef,
  CustomerWithContacts,
  UserAccount,
  User as UserDto,
} from '@ccm/contract';
import type { ContactRecord, CustomerRecord, UserRecord } from '../db/index.js';

// Database rows to the contract's shapes: the one place that knows both.

const fullName = (c: Pick<CustomerRecord, 'firstName' | 'lastName'>) => `${c.firstName} ${c.lastName}`.trim();

/**
 * A contact read by the reads (a plain record) or written through its model; its customer must be loaded
 * (the repositories always include it).
 */
export function contactDto(
  contact: Omit<ContactRecord, 'customer'> & { customer?: ContactRecord['customer'] },
  customer: ContactRecord['customer'] | undefined = contact.customer,
): ContactDto {
  if (!customer) throw new Error(`contact ${contact.id} loaded without its customer`);
  return {
    id: contact.id,
    customer: contact.customerId,
    customer_name: fullName(customer),
    customer_username: customer.username,
    email: contact.email,
    wa_number: contact.waNumber,
    tp_number: contact.tpNumber,
    is_primary: contact.isPrimary,
    is_active: contact.isActive,
    contact_info: {
      email: contact.email,
      whatsapp: contact.waNumber,
      telephone: contact.tpNumber,
      is_primary: contact.isPrimary,
    },
    created_at: contact.createdAt.toISOString(),
    updated_at: contact.updatedAt.toISOString(),
    version: contact.version,
  };
}

export function customerDto(c: CustomerRecord): CustomerDto {
  return {
    id: c.id,
    customer_id: c.customerId ?? '',
    username: c.username,
    email: c.email,
    first_name: c.firstName,
    last_name: c.lastName,
    full_name: fullName(c),
    nic: c.nic,
    phone_number: c.phoneNumber,
    address: c.address,
    is_verified: c.isVerified,
    is_active: c.isActive,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
    version: c.version,
  };
}

export const customerRefDto = (c: CustomerRecord): CustomerRef => ({
  id: c.id,
  customer_id: c.customerId ?? '',
  full_name: fullName(c),
  username: c.username,
});

export function customerWithContactsDto(c: CustomerRecord, contacts: ContactDto[]): CustomerWithContacts {
  return {
    id: c.id,
    customer_id: c.customerId ?? '',
    username: c.username,
    email: c.email,
    first_name: c.firstName,
    last_name: c.lastName,
    full_name: fullName(c),
    nic: c.nic,
    is_verified: c.isVerified,
    version: c.version,
    contacts,
    primary_contact: contacts.find((x) => x.is_primary && x.is_active) ?? null,
  };
}

export const userDto = (u: UserRecord): UserDto => ({ id: u.id, username: u.username, email: u.email, role: u.role });

export const userAccountDto = (u: UserRecord): UserAccount => ({
  ...userDto(u),
  is_active: u.isActive,
  created_at: u.createdAt.toISOString(),
  updated_at: u.updatedAt.toISOString(),
});
