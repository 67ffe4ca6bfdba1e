import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
for (const n of process.argv.slice(2)) { const p = parsePhoneNumberFromString(n,'LK'); console.log(n, p?.isValid(), p?.number); }
