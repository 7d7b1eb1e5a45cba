// Smoke test: the built app loads, saves its workbook, logs no errors and
// has no axe-core accessibility violations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, waitForText, assertNoProblems, checkAxe, formatViolations } from './support.mjs';

const app = useApp(); // server on dist/ + Chromium, started in before() and closed in after()

test('app starts, shows a heading and reports "Saved"', async () => {
  const page = await openApp(app.context, app.url);

  assert.ok(await page.locator('h1').first().isVisible(), 'the page has a visible <h1>');

  // The save indicator may show "Saving…" at first.
  await waitForText(page.locator('header .save-state[role="status"]'), 'Saved');

  assertNoProblems(page);

  const violations = await checkAxe(page);
  assert.deepEqual(
    violations.map((v) => v.id),
    [],
    `axe-core found accessibility violations:\n${formatViolations(violations)}`,
  );
});

test('when the demo cannot be fetched, an empty workbook starts and the person is told why', async () => {
  const { launch } = await import('./support.mjs');
  const context = await launch();
  try {
    await context.route('**/demo.json', (route) => route.fulfill({ status: 404, body: 'not here' }));
    // The failed fetch is reported by the browser itself; the app says why in words.
    const page = await openApp(context, app.url, { ignore: [/Failed to load resource: .* 404/] });
    await waitForText(page.locator('h1'), 'My service management system');
    await waitForText(
      page.locator('.banner.warning'),
      /^The demo workbook could not be loaded \(status 404\)\. An empty workbook was started instead; you can open a copy of the demo later from Workbooks\./,
    );
    await waitForText(page.locator('header .save-state[role="status"]'), 'Saved');
    assertNoProblems(page);
  } finally {
    await context.close();
  }
});
