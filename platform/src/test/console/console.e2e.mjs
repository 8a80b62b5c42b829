// Drives Tandem's web console in headless Chromium, as ConsoleBrowserTest asks:
//   node console.e2e.mjs CONSOLE_URL TOKEN FUNCTION KILL_COMMAND_JSON SCREENSHOT_DIR
// Refuses a missing and a wrong token, signs in, finds FUNCTION's active and standby instances, runs the chaos
// command that kills the active, and waits for the page to show the old standby as the active. Exits 0 when all
// held, 1 with the reason (and a screenshot) when one did not.
import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const [url, token, fn, killJson, shots] = process.argv.slice(2);
const kill = JSON.parse(killJson);
const began = Date.now();
const step = (what) => console.log(`${((Date.now() - began) / 1000).toFixed(1)} s: ${what}`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext();
const page = await context.newPage();
const apiAnswers = [];
page.on('response', async (r) => {
  if (new URL(r.url()).pathname.startsWith('/v1/')) apiAnswers.push({ path: new URL(r.url()).pathname, status: r.status() });
});
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));

try {
  step('without a token: the login form, and no data');
  await page.goto(url);
  await page.locator('#login-form').waitFor({ state: 'visible' });
  if (await page.locator('#app').isVisible()) throw new Error('the console shows its data before sign-in');
  const direct = await page.evaluate(async () => { const r = await fetch('/v1/functions'); return { status: r.status, body: await r.text() }; });
  if (direct.status !== 401) throw new Error(`/v1/functions without a token answered ${direct.status}`);
  if (direct.body.includes(fn)) throw new Error('a refused call leaked a function name');

  step('a wrong token is refused and shows nothing');
  await page.fill('#token', 'not-the-token');
  await page.click('#login-form button');
  await page.getByTestId('login-error').filter({ hasText: 'Wrong token' }).waitFor();
  if (await page.locator('#app').isVisible()) throw new Error('the app is visible after a wrong token');
  if (await page.locator('#function-rows tr').count() !== 0) throw new Error('function rows present after a wrong token');
  if (apiAnswers.some((a) => a.status === 200)) throw new Error(`an API call succeeded without the token: ${JSON.stringify(apiAnswers)}`);

  step('the right token: the function with its strategy and its active and standby');
  await page.fill('#token', token);
  await page.click('#login-form button');
  const row = page.locator(`#function-rows tr[data-function="${fn}"]`);
  await row.waitFor();
  const strategy = await row.locator('[data-strategy]').getAttribute('data-strategy');
  if (strategy !== 'active-standby') throw new Error(`the row shows strategy ${strategy}`);
  const active = row.locator('[data-role="active"]');
  const standby = row.locator('[data-role="standby"]');
  await active.waitFor({ timeout: 60_000 });
  await standby.waitFor({ timeout: 60_000 });
  const oldActive = await active.getAttribute('data-instance');
  const oldStandby = await standby.getAttribute('data-instance');
  console.log(`active ${oldActive}, standby ${oldStandby}`);
  // The nodes panel shows them too, each on its node.
  await page.locator(`#nodes [data-instance="${oldActive}"][data-role="active"]`).waitFor();

  step('invoke from the form');
  await page.selectOption('#invoke-function', fn);
  await page.fill('#invoke-path', '/?name=Browser');
  await page.click('#invoke-form button');
  await page.locator('#invoke-output').filter({ hasText: 'Hello, Browser!' }).waitFor();
  const status = await page.locator('#invoke-status').textContent();
  if (status !== '200') throw new Error(`the invocation shows status ${status}`);

  step(`kill the active: tandem ${kill.slice(kill.indexOf('chaos')).join(' ')}`);
  const killed = spawnSync(kill[0], kill.slice(1), { encoding: 'utf8', timeout: 60_000 });
  if (killed.status !== 0) throw new Error(`the chaos command failed (${killed.status}): ${killed.stderr}${killed.stdout}`);
  console.log(killed.stdout.trim());

  step('the standby becomes the active on the page, and the event says so');
  await page.locator(`#function-rows tr[data-function="${fn}"] [data-role="active"][data-instance="${oldStandby}"]`).waitFor({ timeout: 30_000 });
  await page.locator(`#events li[data-type="promoted"]`).first().waitFor({ timeout: 30_000 });
  if (await page.locator(`#function-rows [data-instance="${oldActive}"]`).count() !== 0) {
    throw new Error('the killed active is still shown');
  }
  console.log(`promoted ${oldStandby}`);
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: `${shots}/console-after-failover.png`, fullPage: true });

  step('sign out leaves nothing on the page');
  await page.click('#sign-out');
  await page.locator('#login-form').waitFor({ state: 'visible' });
  if (await page.locator('#function-rows tr').count() !== 0) throw new Error('rows left after sign-out');
  if (errors.length) throw new Error(`the page threw: ${errors.join('; ')}`);
  console.log('console e2e: ok');
} catch (e) {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: `${shots}/console-failure.png`, fullPage: true }).catch(() => {});
  console.error(`console e2e failed: ${e.message}`);
  if (errors.length) console.error(`page errors: ${errors.join('; ')}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
