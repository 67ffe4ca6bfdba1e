import { AsYouType, type CountryCode, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * A phone number in E.164, or undefined when it is not a valid number. Numbers without a country code are
 * read in `region`. The `max` metadata checks real number ranges, not only lengths.
 */
export function toE164(input: string, region: string): string | undefined {
  const parsed = parsePhoneNumberFromString(input, region as CountryCode);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** Fewest characters of an E.164 prefix searched as a number (`+94771`): shorter ones stay substring searches. */
export const MIN_NUMBER_PREFIX = 6;

/**
 * The E.164 prefix a search term stands for when it is the start of a phone number as people type it: only
 * digits and phone punctuation, and either international (`+94 77…`, `0094 77…`) or with the region's trunk
 * prefix (`077…` in LK). Undefined for anything else, such as digits from the middle of a number.
 */
export function numberPrefix(input: string, region: string): string | undefined {
  if (!/^[+\d\s.()-]+$/.test(input)) return undefined;
  const typed = new AsYouType(region as CountryCode);
  typed.input(input.trim());
  const prefix = typed.getNumberValue();
  const digits = input.replace(/\D/g, '');
  if (!prefix || prefix.length < MIN_NUMBER_PREFIX) return undefined;
  const national = prefix.slice(1 + (typed.getCallingCode() ?? getCountryCallingCode(region as CountryCode)).length);
  // A national number typed without its trunk prefix could be any part of a number: not a prefix.
  const trunk = digits !== national && digits.endsWith(national);
  return input.trim().startsWith('+') || trunk ? prefix : undefined;
}

export { INVALID_PHONE } from '@ccm/contract';
