import { describe, expect, it } from "vitest";
import { diffMarkup, diffStats, parseChange } from "./diff-markup.ts";

const hostile = `diff --git a/<b>x</b>.md b/<b>x</b>.md
--- a/<b>x</b>.md
+++ b/<b>x</b>.md
@@ -1,2 +1,2 @@
-<script>alert(1)</script>
+<img src=x onerror=alert(1)>
 "quoted" & 'single'
`;

describe("diff markup", () => {
  it("counts files and lines", () => {
    expect(diffStats(parseChange(hostile))).toEqual({ files: 1, added: 1, removed: 1 });
    expect(diffStats(parseChange(""))).toEqual({ files: 0, added: 0, removed: 0 });
  });

  it("escapes every line and file name it renders, in both layouts", () => {
    for (const layout of ["line-by-line", "side-by-side"] as const) {
      const html = diffMarkup(parseChange(hostile), layout);
      expect(html).toContain("d2h-file-wrapper");
      expect(html).not.toMatch(/<script|<img|<b>/i);
      // Changed words are wrapped in <del>/<ins>; between them the text is escaped ("/" as &#x2F;).
      const text = html.replace(/<\/?(del|ins)>/g, "").replaceAll("&#x2F;", "/");
      expect(text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(text).toContain("&lt;img src=x onerror=alert(1)&gt;");
      expect(text).toContain("&lt;b&gt;x&lt;/b&gt;.md");
      // diff2html emits no inline styles, which the page's CSP would block.
      expect(html).not.toMatch(/\sstyle=/);
    }
  });
});
