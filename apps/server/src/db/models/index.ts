import { Contact } from './Contact.js';
import { Customer } from './Customer.js';
import { RefreshToken } from './RefreshToken.js';
import { User } from './User.js';

export { Contact, Customer, RefreshToken, User };
export const models = [User, Customer, Contact, RefreshToken];
