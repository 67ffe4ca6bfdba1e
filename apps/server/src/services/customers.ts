import type {
  CustomerCreateSchema,
  Customer as CustomerDto,
  CustomerListQuery,
  CustomerPatchSchema,
  FieldErrors,
} from '@ccm/contract';
import type { z } from 'zod';
import type { CustomerValues, Store, Transaction } from '../db/index.js';
import { violatedColumns } from '../db/index.js';
import { customerDto } from './dto.js';
import { addFieldError, notFound, validationError } from './errors.js';
import { offsetOf, type Paged, paged } from './pagination.js';
import { INVALID_PHONE, toE164 } from './phone.js';

type CreateData = z.output<typeof CustomerCreateSchema>;
type PatchData = z.output<typeof CustomerPatchSchema>;

const NOT_FOUND = 'Customer not found.';
const DUPLICATE: Record<string, string> = {
  username: 'A customer with this username already exists.',
  email: 'A customer with this email already exists.',
  nic: 'A customer with this NIC already exists.',
  customer_id: 'A customer with this customer id already exists.',
};

function duplicateError(err: unknown): Error {
  const columns = violatedColumns(err);
  if (!columns) return err as Error;
  const fields: FieldErrors = {};
  for (const col of columns) addFieldError(fields, col, DUPLICATE[col] ?? 'This value is already taken.');
  return validationError(fields);
}

export function customersService(store: Store, settings: { phoneRegion: string }) {
  /** The given fields as column values; phone numbers to E.164. */
  function toValues(data: PatchData, errors: FieldErrors): Partial<CustomerValues> {
    const values: Partial<CustomerValues> = {};
    if (data.username !== undefined) values.username = data.username;
    if (data.email !== undefined) values.email = data.email;
    if (data.first_name !== undefined) values.firstName = data.first_name;
    if (data.last_name !== undefined) values.lastName = data.last_name;
    if (data.nic !== undefined) values.nic = data.nic;
    if (data.address !== undefined) values.address = data.address || null;
    if (data.is_verified !== undefined) values.isVerified = data.is_verified;
    if (data.is_active !== undefined) values.isActive = data.is_active;
    if (data.phone_number !== undefined) {
      if (!data.phone_number) values.phoneNumber = null;
      else {
        const e164 = toE164(data.phone_number, settings.phoneRegion);
        if (e164) values.phoneNumber = e164;
        else addFieldError(errors, 'phone_number', INVALID_PHONE);
      }
    }
    return values;
  }

  async function checkUnique(values: Partial<CustomerValues>, t: Transaction, exceptId?: number) {
    const others = await store.customers.clashes(
      { username: values.username, email: values.email, nic: values.nic },
      t,
      exceptId,
    );
    const errors: FieldErrors = {};
    for (const o of others) {
      for (const f of ['username', 'email', 'nic'] as const) {
        if (values[f] !== undefined && o[f] === values[f] && !errors[f]) addFieldError(errors, f, DUPLICATE[f]!);
      }
    }
    if (Object.keys(errors).length > 0) throw validationError(errors);
  }

  return {
    async list(query: CustomerListQuery): Promise<Paged<CustomerDto>> {
      const terms = query.search ? [query.search] : [];
      // As in the contact list: a search for a whole phone number also finds it as stored (E.164).
      const asPhone = query.search ? toE164(query.search, settings.phoneRegion) : undefined;
      if (asPhone && asPhone !== query.search) terms.push(asPhone);
      const { count, rows } = await store.customers.list(
        {
          isActive: query.is_active,
          isVerified: query.is_verified,
          searchTerms: terms,
        },
        { by: query.ordering.replace(/^-/, ''), desc: query.ordering.startsWith('-') },
        query.page_size,
        offsetOf(query),
      );
      return paged(query, count, rows.map(customerDto));
    },

    async get(id: number): Promise<CustomerDto> {
      const customer = await store.customers.byId(id);
      if (!customer) throw notFound(NOT_FOUND);
      return customerDto(customer);
    },

    async create(data: CreateData): Promise<CustomerDto> {
      const errors: FieldErrors = {};
      const values = toValues(data, errors);
      if (Object.keys(errors).length > 0) throw validationError(errors);
      return store.transaction(async (t) => {
        await checkUnique(values, t);
        const row = await store.customers
          .insert(
            {
              phoneNumber: null,
              address: null,
              isVerified: false,
              isActive: true,
              ...values,
            } as CustomerValues,
            t,
          )
          .catch((e) => {
            throw duplicateError(e);
          });
        return customerDto(row);
      });
    },

    /** PUT (the required fields given) and PATCH (some); omitted fields keep their value. */
    async update(id: number, data: PatchData): Promise<CustomerDto> {
      const errors: FieldErrors = {};
      const values = toValues(data, errors);
      return store.transaction(async (t) => {
        const customer = await store.customers.lock(id, t);
        if (!customer) throw notFound(NOT_FOUND);
        if (Object.keys(errors).length > 0) throw validationError(errors);
        await checkUnique(values, t, id);
        await store.customers.update(customer, values, t).catch((e) => {
          throw duplicateError(e);
        });
        return customerDto(customer);
      });
    },

    /** Deletes the customer and, with it, its contacts. */
    async remove(id: number): Promise<void> {
      const removed = await store.transaction((t) => store.customers.remove(id, t));
      if (!removed) throw notFound(NOT_FOUND);
    },
  };
}

export type CustomersService = ReturnType<typeof customersService>;
