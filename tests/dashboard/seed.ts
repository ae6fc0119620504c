// Runs written straight into the database, for browser tests that need a variation with a given
// change (the offline agent only ever adds files). The orchestrator reads them like any run; with
// no event stream in Redis it answers the SSE request with a snapshot of the stored state.
import { newId } from "@threads-agent/contracts";
import { createDb } from "@threads-agent/db";

/** A change that adds, removes and rewrites lines, and carries markup that must show as text. */
export const SAMPLE_DIFF = `diff --git a/src/greeting.ts b/src/greeting.ts
index 3b18e51..a9f1c2d 100644
--- a/src/greeting.ts
+++ b/src/greeting.ts
@@ -1,6 +1,7 @@
 // Greets people.
-export function greet(name) {
-  return "Hello " + name;
+export function greet(name: string): string {
+  // <img src=x onerror="window.__injected = true"> must render as text
+  return \`Hello \${name} 🚀\`;
 }
 
 export const VERSION = 1;
diff --git a/README.md b/README.md
new file mode 100644
index 0000000..e69de29
--- /dev/null
+++ b/README.md
@@ -0,0 +1,3 @@
+# greeting
+
+Say hello from TypeScript.
`;

export async function seedRun(databaseUrl: string, variations: { diff: string | null; summary: string }[]): Promise<string> {
  const db = createDb(databaseUrl);
  try {
    const id = newId();
    const at = new Date();
    await db.run.create({
      data: {
        id,
        repo_url: "https://github.com/example/greeting",
        prompt: "Type the greeting module and add a README",
        status: "succeeded",
        started_at: at,
        finished_at: at,
        variations: {
          create: variations.map((v, index) => ({
            id: newId(),
            index,
            status: "succeeded",
            model: "offline/agent",
            temperature: 0.2 + index * 0.4,
            job: `local:${1000 + index}`,
            exit_code: 0,
            summary: v.summary,
            diff: v.diff,
            started_at: at,
            finished_at: at,
          })),
        },
      },
    });
    return id;
  } finally {
    await db.$disconnect();
  }
}
