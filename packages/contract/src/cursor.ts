/** The refusals of a `cursor`: by the schema (too long) and by the server (forged, stale, or with `page`). */
export const CURSOR_ERRORS = {
  invalid: 'Invalid cursor.',
  withPage: 'Use either page or cursor, not both.',
} as const;
