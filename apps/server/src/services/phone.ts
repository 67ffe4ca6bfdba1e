import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * A phone number in E.164, or undefined when it is not a valid number. Numbers without a country code are
 * read in `region`. The `max` metadata checks real number ranges, not only lengths.
 */
export function toE164(input: string, region: string): string | undefined {
  const parsed = parsePhoneNumberFromString(input, region as CountryCode);
  return parsed?.isValid() ? parsed.number : undefined;
}

export { INVALID_PHONE } from '@ccm/contract';
