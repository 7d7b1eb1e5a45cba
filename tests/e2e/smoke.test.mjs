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
