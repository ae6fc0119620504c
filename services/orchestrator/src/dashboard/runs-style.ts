// Styles of the Runs panel, on top of style.ts (same palette and components).
export const runsStyle = `
.runs { max-width: 1400px; margin: 0 auto; padding: 0 0 40px; }
.runs-head { display: flex; align-items: baseline; gap: 12px; padding: 8px 24px 0; flex-wrap: wrap; }
.runs-head h2 { margin: 0; font-size: 18px; }
.runs-tagline { color: var(--muted); }
.runs-layout { padding-top: 12px; }
.run-settings { display: grid; grid-template-columns: 110px 1fr; gap: 10px; }
input[type=number] { width: 100%; padding: 8px 10px; border: 1px solid var(--border); border-radius: 8px; background: var(--bg); }
.optional { color: var(--faint); font-weight: 400; }
#run-form .hint { margin: -4px 0 12px; }
.run-detail { min-width: 0; }
.run-repo { font-family: var(--mono); font-size: 13px; word-break: break-all; }
.variations { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; margin-top: 16px; }
.variation { border: 1px solid var(--border); border-radius: 10px; display: flex; flex-direction: column; min-width: 0; background: var(--panel); }
.variation.winner { border-color: var(--succeeded); box-shadow: 0 0 0 2px var(--succeeded-bg); }
.variation > header { display: flex; align-items: center; gap: 8px; padding: 8px 10px; border-bottom: 1px solid var(--border); flex-wrap: wrap; }
.variation > header .vname { font-weight: 650; }
.variation > header .vmeta { color: var(--faint); font-size: 12px; flex: 1; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.variation .vcrown { color: var(--succeeded); font-weight: 650; font-size: 12px; }
.variation .vreason { padding: 6px 10px; font-size: 12px; background: var(--failed-bg); color: var(--failed); }
.variation .vreason.cancelled { background: var(--cancelled-bg); color: var(--cancelled); }
.vlog { margin: 0; padding: 8px 10px; height: 340px; overflow: auto; font-family: var(--mono); font-size: 12px; line-height: 1.45; background: var(--bg); white-space: pre-wrap; word-break: break-word; }
.vlog .l-thought { color: var(--muted); font-style: italic; }
.vlog .l-error { color: var(--failed); font-weight: 600; }
.vlog .l-result { color: var(--succeeded); font-weight: 600; }
.vlog .l-output { color: var(--blocked); }
.vlog .d-add { color: var(--succeeded); }
.vlog .d-del { color: var(--failed); }
.vlog .d-hunk { color: var(--accent); }
.vlog .earlier { color: var(--faint); font-style: italic; display: block; margin-bottom: 4px; }
.vlog:empty::before { content: "Waiting for output…"; color: var(--faint); }
.variation > footer { display: flex; align-items: center; gap: 8px; padding: 8px 10px; border-top: 1px solid var(--border); }
.variation > footer .vcount { color: var(--faint); font-size: 12px; flex: 1; }
.variation > footer .button { padding: 4px 10px; }
.vsummary { padding: 8px 10px 0; font-size: 13px; }
.vdiff { padding: 0 10px 10px; }
.vdiff summary { cursor: pointer; color: var(--muted); font-size: 12px; font-weight: 600; padding-top: 6px; }
.vdiff pre { max-height: 260px; overflow: auto; font-family: var(--mono); font-size: 12px; background: var(--bg); padding: 8px; border-radius: 6px; margin: 6px 0 0; }
`;
