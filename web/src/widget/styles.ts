// Lives inside the widget's Shadow DOM, so the host page's CSS cannot reach it (nor it the page).
export const WIDGET_CSS = `
:host { all: initial; }
[hidden] { display: none !important; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", sans-serif; }
.bubble { position: fixed; right: 20px; bottom: 20px; width: 56px; height: 56px; border-radius: 50%;
  border: none; background: #4338ca; color: #fff; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25);
  display: flex; align-items: center; justify-content: center; z-index: 2147483646; }
.bubble:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible {
  outline: 3px solid #f59e0b; outline-offset: 2px; }
.panel { position: fixed; right: 20px; bottom: 88px; width: min(360px, calc(100vw - 40px));
  height: min(520px, calc(100vh - 120px)); background: #fff; color: #111827; border-radius: 12px;
  box-shadow: 0 10px 30px rgba(0,0,0,.3); display: flex; flex-direction: column; overflow: hidden;
  z-index: 2147483647; font-size: 14px; line-height: 1.4; }
.panel[hidden] { display: none; }
header { background: #4338ca; color: #fff; padding: 10px 12px; display: flex; align-items: center; gap: 8px; }
header h2 { font-size: 15px; margin: 0; flex: 1; }
header .state { font-size: 12px; opacity: .85; }
header button { background: transparent; border: none; color: #fff; font-size: 20px; cursor: pointer; line-height: 1; }
.body { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; }
form { display: flex; flex-direction: column; gap: 8px; }
label { font-size: 12px; font-weight: 600; color: #374151; display: flex; flex-direction: column; gap: 3px; }
input, textarea { font: inherit; padding: 7px 9px; border: 1px solid #9ca3af; border-radius: 6px; color: #111827; background: #fff; }
textarea { resize: vertical; min-height: 64px; }
.error { color: #b91c1c; font-size: 12px; min-height: 1em; margin: 0; }
.primary { background: #4338ca; color: #fff; border: none; border-radius: 6px; padding: 8px 12px; font: inherit; font-weight: 600; cursor: pointer; }
.primary:disabled { opacity: .6; cursor: default; }
.msg { max-width: 85%; padding: 7px 10px; border-radius: 10px; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg .who { display: block; font-size: 11px; font-weight: 600; opacity: .75; }
.msg.customer { align-self: flex-end; background: #e0e7ff; }
.msg.agent { align-self: flex-start; background: #f3f4f6; }
.composer { border-top: 1px solid #e5e7eb; padding: 8px; flex-direction: row; align-items: flex-end; }
.composer textarea { flex: 1; min-height: 38px; height: 38px; }
.muted { color: #4b5563; margin: 0; }
.suggest { border: 1px solid #c7d2fe; background: #eef2ff; border-radius: 8px; padding: 8px; }
.suggest-title { margin: 0 0 4px; font-size: 12px; font-weight: 600; color: #374151; }
.suggest ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 6px; }
.suggest a { color: #3730a3; font-weight: 600; text-decoration: underline; }
.suggest .snippet { display: block; font-size: 12px; color: #4b5563; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.link { background: none; border: none; color: #e0e7ff; text-decoration: underline; cursor: pointer; font-size: 12px; }
`;
