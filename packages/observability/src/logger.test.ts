import { PassThrough } from "node:stream";
import { expect, it } from "vitest";
import { createLogger, redactSecrets } from "./logger.ts";

it.each([
  ["key sk-proj-abcdefgh1234 here", "key [redacted] here"],
  ["Authorization: Bearer abcdefgh.ijk", "Authorization: Bearer [redacted]"],
  [
    "GET /refresh_access_token?grant_type=th_refresh_token&access_token=THAAsecret123",
    "GET /refresh_access_token?grant_type=th_refresh_token&access_token=[redacted]",
  ],
  ['{"url":"/debug_token?input_token=THAAx&access_token=THAAy"}', '{"url":"/debug_token?input_token=[redacted]&access_token=[redacted]"}'],
  ["nothing secret", "nothing secret"],
])("redactSecrets(%j)", (input, output) => {
  expect(redactSecrets(input)).toBe(output);
});

it("scrubs every line the logger writes", () => {
  const out = new PassThrough();
  let text = "";
  out.on("data", (chunk) => {
    text += chunk;
  });
  createLogger({ service: "t", destination: out }).info(
    { url: "https://graph.threads.net/refresh_access_token?access_token=THAAsecret" },
    "calling",
  );
  expect(text).toContain("access_token=[redacted]");
  expect(text).not.toContain("THAAsecret");
});
