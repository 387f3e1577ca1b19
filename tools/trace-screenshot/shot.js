// SPDX-License-Identifier: MIT
// Opens a vmxbox trace-event file in Chromium's own trace viewer (the
// DevTools Performance panel, devtools://devtools/bundled/trace_app.html,
// which took over from chrome://tracing) and saves a screenshot: the
// vCPU track expanded, each VMCS track expanded, one L2 slice selected so
// its arguments show.  Run by tools/trace-screenshot/run.
//   node shot.js TRACE.json OUT.png
// The clicks are positions in the panel's canvas (it has no DOM to find
// tracks by): the first three VMCS tracks, as in the bundled demo.
const { chromium } = require('playwright-core');

(async () => {
  const [trace, out] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 760 } });
  const pause = (ms) => page.waitForTimeout(ms);

  await page.goto('devtools://devtools/bundled/trace_app.html');
  await pause(3000);
  await page.keyboard.press('Escape');          // "connection closed": no page to debug
  await page.getByText('Performance', { exact: true }).first().click();
  await pause(1500);
  await page.locator('input[type=file]').first().setInputFiles(trace);
  await pause(6000);
  await page.mouse.click(1371, 77);             // close the shortcuts pop-up
  await pause(500);
  await page.mouse.click(16, 39);               // hide the sidebar
  await pause(1000);
  await page.mouse.click(10, 129);              // expand "vCPU 0"
  await pause(1000);
  for (const y of [188, 167, 146]) {            // each VMCS track, bottom up
    await page.mouse.click(20, y);
    await pause(700);
  }
  await page.mouse.click(640, 201);             // select a slice of the 2nd track
  await page.mouse.move(700, 400);
  await pause(1500);
  await page.screenshot({ path: out });
  await browser.close();
})().catch((e) => { console.error(`trace-screenshot: ${e.message}`); process.exit(1); });
