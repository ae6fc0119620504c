import { createHash } from "node:crypto";
import { markup } from "./markup.ts";
import { runsMarkup } from "./runs-markup.ts";
import { runsScript } from "./runs-script.ts";
import { runsStyle } from "./runs-style.ts";
import { script } from "./script.ts";
import { style } from "./style.ts";

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

const FAVICON = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><text y=".9em" font-size="90">🧵</text></svg>')}`;

/**
 * The dashboard as one self-contained page. Its inline script and style are allowed by hash, so
 * the CSP forbids everything else (no injected script can run, nothing loads from elsewhere).
 */
export function dashboardPage(): { html: string; contentSecurityPolicy: string } {
  const css = style + runsStyle;
  // One <script> per panel, each allowed by its own hash.
  const scripts = [script, runsScript];
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>threads-agent · dashboard</title>
<link rel="icon" href="${FAVICON}">
<style>${css}</style>
</head>
<body>
${markup}
${runsMarkup}
${scripts.map((code) => `<script>${code}</script>`).join("\n")}
</body>
</html>
`;
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${scripts.map(sha256).join(" ")}`,
    `style-src ${sha256(css)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return { html, contentSecurityPolicy };
}
