#!/usr/bin/env node
// How soon the customers page is usable: the page opened in Chromium with a session, timed from the navigation to
// its first rows (the Search field then works), then a search typed and a next page, each to its rows. Against a
// running server (a large database: the lead's 1,000,000 contacts); CCM_PASSWORD of a user, ROUNDS (5).
import { launch, settings, signIn } from './browser.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Milliseconds from `act` to the moment `ready` holds. */
async function timed(act, ready) {
  const start = performance.now();
  await act();
  await ready();
  return Math.round(performance.now() - start);
}

const config = settings();
const browser = await launch();
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.setDefaultTimeout(30_000);
  await signIn(page, config);
  const caption = page.locator('caption');
  const rows = () => page.waitForFunction(() => document.querySelectorAll('tbody tr').length > 0);
  const drawn = () => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
  const times = { open: [], search: [], next: [] };
  let listed;
  for (let round = 0; round < ROUNDS; round++) {
    // A full load each round: the script and styles from the server's cache rules, the data fresh.
    times.open.push(await timed(() => page.goto(`${config.url}/`), rows));
    listed ??= await caption.textContent();
    const term = ['per', 'sil', 'fer', 'ban', 'ama'][round % 5];
    const answered = page.waitForResponse((r) => r.url().includes(`search=${term}`));
    // The list's answer for the term, then the frame that draws it.
    times.search.push(
      await timed(
        () => page.getByLabel('Search').fill(term),
        () => answered.then(drawn),
      ),
    );
    const before = await page.locator('tbody tr').first().textContent();
    times.next.push(
      await timed(
        () => page.getByRole('button', { name: 'Next' }).click(),
        () => page.waitForFunction((b) => document.querySelector('tbody tr')?.textContent !== b, before),
      ),
    );
  }
  process.stdout.write(`customers page, ${ROUNDS} rounds, median (all) in ms; the list: ${listed}\n`);
  for (const [name, values] of Object.entries(times)) {
    process.stdout.write(`  ${name.padEnd(7)}${String(median(values)).padStart(6)}   (${values.join(', ')})\n`);
  }
} finally {
  await browser.close();
}
