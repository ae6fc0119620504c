// The dashboard's stylesheet: system fonts, light and dark palettes, no external assets.
export const style = `
:root {
  --bg: #f5f6f8; --panel: #ffffff; --text: #18202c; --muted: #5f6b7a; --faint: #8a94a3; --border: #e3e6eb;
  --accent: #4f46e5; --accent-soft: #eef0ff; --focus: #a5b4fc;
  --queued: #64748b; --running: #2563eb; --succeeded: #15803d; --failed: #dc2626; --blocked: #b45309; --cancelled: #6b7280;
  --queued-bg: #f1f5f9; --running-bg: #e8f0ff; --succeeded-bg: #e7f6ec; --failed-bg: #fdecec; --blocked-bg: #fdf3e3; --cancelled-bg: #f1f2f4;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  --shadow: 0 1px 2px rgba(16, 24, 40, .06), 0 1px 3px rgba(16, 24, 40, .08);
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1217; --panel: #171b22; --text: #e6e9ee; --muted: #9aa4b2; --faint: #6b7584; --border: #272d37;
    --accent: #818cf8; --accent-soft: #1f2240; --focus: #4f46e5;
    --queued-bg: #1d232c; --running-bg: #15223d; --succeeded-bg: #10271a; --failed-bg: #2e1515; --blocked-bg: #2d2110; --cancelled-bg: #1e2127;
    --queued: #94a3b8; --running: #60a5fa; --succeeded: #4ade80; --failed: #f87171; --blocked: #fbbf24; --cancelled: #9ca3af;
    --shadow: none;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
button, input, select, textarea { font: inherit; color: inherit; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: var(--mono); font-size: 12px; }
[hidden] { display: none !important; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.field-title { display: block; font-weight: 550; margin-bottom: 4px; }

.topbar { display: flex; align-items: center; gap: 16px; padding: 12px 24px; background: var(--panel); border-bottom: 1px solid var(--border); position: sticky; top: 0; z-index: 2; }
.brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 16px; }
.brand .logo { width: 28px; height: 28px; border-radius: 8px; background: var(--accent); color: #fff; display: grid; place-items: center; font-size: 15px; }
.brand small { font-weight: 400; color: var(--muted); font-size: 13px; }
.topbar .spacer { flex: 1; }
.topbar nav { display: flex; gap: 14px; align-items: center; color: var(--muted); }
.pill { display: inline-flex; align-items: center; gap: 6px; padding: 3px 10px; border-radius: 999px; border: 1px solid var(--border); font-size: 12px; color: var(--muted); }
.pill::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: var(--faint); }
.pill.ok::before { background: var(--succeeded); }
.pill.bad { color: var(--failed); border-color: var(--failed); }
.pill.bad::before { background: var(--failed); }

.layout { display: grid; grid-template-columns: minmax(300px, 380px) minmax(0, 1fr); gap: 20px; padding: 20px 24px 40px; max-width: 1400px; margin: 0 auto; align-items: start; }
@media (max-width: 900px) { .layout { grid-template-columns: 1fr; } }
.column { display: flex; flex-direction: column; gap: 20px; min-width: 0; }
.card { background: var(--panel); border: 1px solid var(--border); border-radius: 12px; box-shadow: var(--shadow); }
.card > h2 { margin: 0; padding: 14px 16px 0; font-size: 13px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); display: flex; align-items: center; justify-content: space-between; }
.card-body { padding: 12px 16px 16px; }

label.field { display: block; margin-bottom: 12px; }
label.field > span { display: block; font-weight: 550; margin-bottom: 4px; }
select, textarea, input[type=password], input[type=text] { width: 100%; padding: 8px 10px; border: 1px solid var(--border); border-radius: 8px; background: var(--bg); }
textarea { resize: vertical; min-height: 96px; }
select:focus, textarea:focus, input:focus, button:focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }
.hint { display: flex; justify-content: space-between; color: var(--faint); font-size: 12px; margin-top: 4px; }
.field-error { color: var(--failed); font-size: 12px; margin-top: 4px; }
.segmented { display: flex; border: 1px solid var(--border); border-radius: 8px; overflow: hidden; }
.segmented label { flex: 1; text-align: center; padding: 6px 8px; cursor: pointer; color: var(--muted); }
.segmented input { position: absolute; opacity: 0; pointer-events: none; }
.segmented label:has(input:checked) { background: var(--accent-soft); color: var(--accent); font-weight: 600; }
.segmented label:has(input:focus-visible) { outline: 2px solid var(--focus); outline-offset: -2px; }
.button { display: inline-flex; align-items: center; justify-content: center; gap: 6px; padding: 8px 14px; border-radius: 8px; border: 1px solid var(--border); background: var(--panel); cursor: pointer; font-weight: 550; }
.button:hover { border-color: var(--faint); }
.button.primary { background: var(--accent); border-color: var(--accent); color: #fff; width: 100%; }
.button.primary:hover { filter: brightness(1.08); }
.button.danger { color: var(--failed); }
.button:disabled { opacity: .55; cursor: default; filter: none; }
.alert { padding: 8px 10px; border-radius: 8px; background: var(--failed-bg); color: var(--failed); margin-bottom: 12px; font-size: 13px; }
.alert.info { background: var(--running-bg); color: var(--running); }

.filters { display: flex; gap: 6px; flex-wrap: wrap; padding: 10px 16px 0; }
.chip { border: 1px solid var(--border); background: none; border-radius: 999px; padding: 2px 10px; font-size: 12px; cursor: pointer; color: var(--muted); }
.chip[aria-pressed=true] { background: var(--accent-soft); color: var(--accent); border-color: transparent; font-weight: 600; }
.task-list { list-style: none; margin: 8px 0 0; padding: 0 8px 8px; max-height: 62vh; overflow: auto; }
.task-list li button { display: grid; grid-template-columns: 28px 1fr auto; gap: 2px 10px; width: 100%; text-align: left; padding: 8px; border: 0; background: none; border-radius: 8px; cursor: pointer; }
.task-list li button:hover { background: var(--bg); }
.task-list li button[aria-current=true] { background: var(--accent-soft); }
.task-list .emoji { grid-row: span 2; font-size: 20px; line-height: 28px; text-align: center; }
.task-list .title { font-weight: 550; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.task-list .sub { grid-column: 2 / span 2; color: var(--faint); font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.empty { color: var(--faint); padding: 16px; text-align: center; }

.badge { display: inline-flex; align-items: center; gap: 5px; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge::before { content: ""; width: 6px; height: 6px; border-radius: 50%; background: currentColor; }
.s-queued { color: var(--queued); background: var(--queued-bg); }
.s-running { color: var(--running); background: var(--running-bg); }
.s-running::before { animation: pulse 1.2s ease-in-out infinite; }
.s-succeeded { color: var(--succeeded); background: var(--succeeded-bg); }
.s-failed { color: var(--failed); background: var(--failed-bg); }
.s-blocked { color: var(--blocked); background: var(--blocked-bg); }
.s-cancelled { color: var(--cancelled); background: var(--cancelled-bg); }
@keyframes pulse { 50% { opacity: .25; } }

.detail { padding: 20px; min-height: 420px; }
.welcome { text-align: center; color: var(--muted); padding: 80px 20px; }
.welcome h2 { color: var(--text); font-size: 18px; margin: 0 0 6px; }
.detail-head { display: flex; gap: 16px; align-items: flex-start; justify-content: space-between; flex-wrap: wrap; }
.who { display: flex; gap: 12px; align-items: center; min-width: 0; }
.avatar { width: 44px; height: 44px; border-radius: 50%; background: var(--bg); border: 1px solid var(--border); display: grid; place-items: center; font-size: 22px; flex: none; }
.who .name { font-weight: 650; font-size: 16px; }
.who .meta { color: var(--faint); font-size: 12px; }
.actions { display: flex; gap: 8px; align-items: center; }
.input-quote { margin: 16px 0; padding: 10px 14px; border-left: 3px solid var(--accent); background: var(--bg); border-radius: 0 8px 8px 0; white-space: pre-wrap; }
.input-quote .kind { display: block; font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--faint); margin-bottom: 2px; }
.notice { margin: 0 0 16px; }

.stepper { list-style: none; display: grid; grid-template-columns: repeat(5, 1fr); gap: 8px; margin: 0 0 16px; padding: 0; }
.step { border: 1px solid var(--border); border-radius: 10px; padding: 10px; position: relative; transition: border-color .2s, background .2s; }
.step .label { font-weight: 600; display: flex; align-items: center; gap: 6px; }
.step .dot { width: 16px; height: 16px; border-radius: 50%; border: 2px solid var(--border); flex: none; display: grid; place-items: center; font-size: 10px; color: #fff; }
.step .stat { color: var(--faint); font-size: 12px; margin-top: 2px; min-height: 18px; }
.step.active { border-color: var(--running); background: var(--running-bg); }
.step.active .dot { border-color: var(--running); border-top-color: transparent; animation: spin .8s linear infinite; }
.step.done .dot { background: var(--succeeded); border-color: var(--succeeded); }
.step.done .dot::after { content: "✓"; }
.step.blocked { border-color: var(--blocked); background: var(--blocked-bg); }
.step.blocked .dot { background: var(--blocked); border-color: var(--blocked); }
.step.blocked .dot::after { content: "!"; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (max-width: 640px) { .stepper { grid-template-columns: 1fr 1fr; } }

.live { border: 1px dashed var(--border); border-radius: 10px; padding: 10px 14px; margin-bottom: 16px; }
.live .live-label { font-size: 12px; color: var(--muted); margin-bottom: 4px; }
.live .live-text { margin: 0; white-space: pre-wrap; min-height: 21px; }
.live .live-text::after { content: "▍"; color: var(--accent); animation: pulse 1s step-end infinite; }

.post { border: 1px solid var(--border); border-radius: 14px; padding: 14px 16px; margin-bottom: 16px; background: var(--panel); }
.post header { display: flex; gap: 10px; align-items: center; margin-bottom: 8px; }
.post header .avatar { width: 36px; height: 36px; font-size: 18px; }
.post .handle { color: var(--faint); margin-left: 6px; }
.post .published { margin-left: auto; color: var(--succeeded); font-size: 12px; }
.post .post-text { white-space: pre-wrap; margin: 0 0 8px; font-size: 15px; }
.post footer { color: var(--faint); font-size: 12px; }
.outcome { padding: 12px 14px; border-radius: 10px; margin-bottom: 16px; }
.outcome strong { display: block; }
.outcome.failed { background: var(--failed-bg); color: var(--failed); }
.outcome.blocked { background: var(--blocked-bg); color: var(--blocked); }
.outcome.cancelled { background: var(--cancelled-bg); color: var(--cancelled); }

.usage { display: flex; gap: 20px; flex-wrap: wrap; color: var(--muted); font-size: 13px; margin-bottom: 16px; }
.usage b { color: var(--text); font-weight: 600; }
.log summary { cursor: pointer; color: var(--muted); font-weight: 600; }
.events { list-style: none; margin: 8px 0 0; padding: 0; max-height: 280px; overflow: auto; font-size: 12px; border-top: 1px solid var(--border); }
.events li { display: grid; grid-template-columns: 92px 130px 1fr; gap: 8px; padding: 4px 2px; border-bottom: 1px solid var(--border); }
.events .time { color: var(--faint); font-family: var(--mono); }
.events .type { font-family: var(--mono); font-weight: 600; }
.events .info { color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.stream-state { font-size: 12px; color: var(--faint); margin-left: 8px; font-weight: 400; }

dialog { border: 1px solid var(--border); border-radius: 12px; background: var(--panel); color: var(--text); padding: 20px; width: min(420px, 92vw); }
dialog::backdrop { background: rgba(0, 0, 0, .35); }
dialog h3 { margin: 0 0 6px; }
dialog p { color: var(--muted); margin: 0 0 12px; }
dialog .row { display: flex; gap: 8px; justify-content: flex-end; margin-top: 12px; }
dialog .row .button { width: auto; white-space: nowrap; }
`;
