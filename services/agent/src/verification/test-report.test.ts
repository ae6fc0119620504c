// Runner summaries as the runners print them (node, vitest, pytest and cargo captured from real
// runs; jest and go test from their documented formats).
import { describe, expect, it } from "vitest";
import { parseTestReport } from "./test-report.ts";

const NODE_SPEC = `✔ adds (1.194399ms)
✖ greets (1.228314ms)
▶ suite
  ✖ inner fails (8.345279ms)
  ✔ inner ok (0.292128ms)
✖ suite (9.333702ms)
﹣ skipped (0.212398ms) # SKIP
ℹ tests 5
ℹ suites 1
ℹ pass 2
ℹ fail 2
ℹ cancelled 0
ℹ skipped 1
ℹ todo 0
ℹ duration_ms 116.499682

✖ failing tests:

test at a.test.js:3:1
✖ greets (1.228314ms)
  AssertionError [ERR_ASSERTION]: 'hi' == 'hello'

test at a.test.js:4:37
✖ inner fails (7.771613ms)
  AssertionError [ERR_ASSERTION]: The expression evaluated to a falsy value:
`;

const NODE_TAP = `TAP version 13
# Subtest: adds
ok 1 - adds
  ---
  duration_ms: 1.553112
  ...
# Subtest: greets
not ok 2 - greets
  ---
  error: "'hi' == 'hello'"
  ...
# Subtest: suite
    # Subtest: inner fails
    not ok 1 - inner fails
    ok 2 - inner ok
not ok 3 - suite
  ---
  failureType: 'subtestsFailed'
  ...
# Subtest: skipped
ok 4 - skipped # SKIP
1..4
# tests 5
# suites 1
# pass 2
# fail 2
# cancelled 0
# skipped 1
# todo 0
# duration_ms 122.793584
`;

const VITEST = `
 RUN  v5.1.1 /tmp/vt

 \u001b[31m❯\u001b[39m a.test.ts (3 tests | 1 failed | 1 skipped) 15ms
   ❯ math (3)
     ✓ adds 2ms
     × subtracts 10ms
     ↓ later

⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯

 FAIL  a.test.ts > math > subtracts
AssertionError: expected 1 to be 2 // Object.is equality

 Test Files  1 failed (1)
      Tests  1 failed | 1 passed | 1 skipped (3)
   Start at  10:17:10
   Duration  264ms (transform 34%, import 31%, tests 26%, worker 9%)
`;

const JEST = `FAIL src/sum.test.js
  sum
    ✓ adds (2 ms)
    ✕ subtracts (3 ms)

  ● sum › subtracts

    expect(received).toBe(expected) // Object.is equality

Test Suites: 1 failed, 1 total
Tests:       1 failed, 1 skipped, 2 passed, 4 total
Snapshots:   0 total
Time:        0.512 s
`;

const PYTEST = `============================= test session starts ==============================
collected 3 items

test_a.py .Fs                                                            [100%]

=================================== FAILURES ===================================
___________________________________ test_bad ___________________________________
test_a.py:3: AssertionError
=========================== short test summary info ============================
FAILED test_a.py::test_bad - assert 1 == 2
==================== 1 failed, 1 passed, 1 skipped in 1.44s ====================
`;

const GO = `--- FAIL: TestGreet (0.00s)
    greet_test.go:9: got "Hello Ada", want "Hello, Ada!"
    --- FAIL: TestGreet/ada (0.00s)
FAIL
FAIL	example.com/greet	0.003s
ok  	example.com/shout	0.002s
FAIL	example.com/broken [build failed]
FAIL
`;

const CARGO = `running 3 tests
test tests::slow ... ignored
test tests::ok ... ok
test tests::bad ... FAILED

failures:
    tests::bad

test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.12s

running 1 test
test integration ... ok

test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
`;

describe("parseTestReport", () => {
  it.each([
    ["node:test spec", NODE_SPEC, { format: "node-spec", passed: 2, failed: 2, skipped: 1, failing: ["greets", "inner fails"] }],
    [
      "node:test TAP (suites are not tests)",
      NODE_TAP,
      { format: "tap", passed: 2, failed: 2, skipped: 1, failing: ["greets", "inner fails"] },
    ],
    [
      "vitest (with colour codes)",
      VITEST,
      { format: "vitest", passed: 1, failed: 1, skipped: 1, failing: ["a.test.ts > math > subtracts"] },
    ],
    ["jest", JEST, { format: "jest", passed: 2, failed: 1, skipped: 1, failing: ["sum › subtracts"] }],
    ["pytest", PYTEST, { format: "pytest", passed: 1, failed: 1, skipped: 1, failing: ["test_a.py::test_bad"] }],
    [
      "pytest -q",
      "FAILED test_a.py::test_bad - assert 1 == 2\n2 failed, 3 passed, 1 error in 0.31s\n",
      { format: "pytest", passed: 3, failed: 3, skipped: 0 },
    ],
    ["go test", GO, { format: "go", passed: null, failed: 2, skipped: null, failing: ["TestGreet", "example.com/broken (build failed)"] }],
    [
      "go test -v",
      "=== RUN   TestA\n--- PASS: TestA (0.00s)\n--- PASS: TestB (0.00s)\nPASS\nok  \tx\t0.01s\n",
      { format: "go", passed: 2, failed: 0 },
    ],
    ["cargo test (two test binaries summed)", CARGO, { format: "cargo", passed: 2, failed: 1, skipped: 1, failing: ["tests::bad"] }],
  ] as const)("%s", (_name, output, expected) => {
    expect(parseTestReport(output)).toMatchObject(expected);
  });

  it("reports nothing when no runner summary is recognised", () => {
    expect(parseTestReport("Checked 12 files in 30ms. No fixes applied.\n")).toBeNull();
    expect(parseTestReport("sh: 1: vitest: not found\n")).toBeNull();
  });
});
