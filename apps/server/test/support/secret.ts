/** The signing secret of every test server (tokens, consistency tokens). */
export const JWT_SECRET = 'test-secret-that-is-long-enough-0123456789';
