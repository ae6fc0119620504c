import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium (playwright's own browser download cannot work offline). */
export const CHROMIUM = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM as string,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A page that records console errors, uncaught exceptions and CSP violations; `problems` must stay empty. */
export async function openPage(browser: Browser, viewport: { width: number; height: number }): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  page.on("pageerror", (e) => problems.push(e.message));
  return { page, problems };
}

/** A full-page screenshot under the system temp dir; prints its path so a person can look at it. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(tmpdir(), `threads-agent-${name}.png`);
  // From the top, so the sticky header sits where a person sees it, not at the last scroll position.
  await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path: file, fullPage: true });
  console.log(`${name} screenshot: ${file}`);
  return file;
}
