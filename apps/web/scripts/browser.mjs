import { chromium } from 'playwright-core';

// What the scripts here share: Debian's Chromium through playwright-core, and signing in through the console's form.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];

/** The console's address and the user to sign in as, from the environment (CCM_URL, CCM_USERNAME, CCM_PASSWORD). */
export function settings() {
  const password = process.env.CCM_PASSWORD;
  if (!password) {
    process.stderr.write(
      'Set CCM_PASSWORD (and CCM_USERNAME, default admin; CCM_URL, default http://127.0.0.1:8000).\n',
    );
    process.exit(2);
  }
  const url = (process.env.CCM_URL ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');
  return { url, username: process.env.CCM_USERNAME ?? 'admin', password };
}

export const launch = () => chromium.launch({ executablePath: CHROMIUM, args: ARGS });

/** Signs in through the form and waits for the customers page. */
export async function signIn(page, { url, username, password }) {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Customers' }).waitFor();
}
