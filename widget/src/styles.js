// The element's own styles, inside its shadow root: themable through CSS custom properties
// (--atelier-*) and ::part(), nothing leaks into the host page.
export const STYLES = `
:host { display: block; font: var(--atelier-font, 16px/1.5 system-ui, sans-serif);
  color: var(--atelier-text, #1f2937); background: var(--atelier-background, #fff); }
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.zone { margin: 0 0 1rem; border: 0; padding: 0; }
label, legend { display: block; font-weight: 600; margin: 0 0 .25rem; }
input[type=text], textarea, select { width: 100%; font: inherit; color: inherit; padding: .5rem;
  border: 1px solid var(--atelier-border, #6b7280); border-radius: var(--atelier-radius, 6px);
  background: var(--atelier-input-background, #fff); }
input:focus-visible, textarea:focus-visible, select:focus-visible, button:focus-visible,
a:focus-visible, [role=radio]:focus-visible { outline: 3px solid var(--atelier-focus, #2563eb); outline-offset: 2px; }
[aria-invalid=true] { border-color: var(--atelier-error, #b91c1c); }
.choices { display: flex; gap: .75rem; flex-wrap: wrap; margin-top: .5rem; }
.choices > div { flex: 1 1 10rem; }
.swatches { display: flex; gap: .5rem; flex-wrap: wrap; }
.swatch { width: 2.25rem; height: 2.25rem; border-radius: 50%; border: 2px solid #fff;
  box-shadow: 0 0 0 1px var(--atelier-border, #6b7280); cursor: pointer; padding: 0; }
.swatch[aria-checked=true] { box-shadow: 0 0 0 3px var(--atelier-accent, #1d4ed8); }
.errors { color: var(--atelier-error, #b91c1c); margin: .25rem 0 0; padding: 0; list-style: none; min-height: 0; }
.fit { color: var(--atelier-muted, #4b5563); font-size: .875em; margin: .25rem 0 0; }
.preview { margin: 1rem 0; min-height: 4rem; }
.preview img, .preview canvas, model-viewer { width: 100%; height: auto; border-radius: var(--atelier-radius, 6px); }
model-viewer { height: 22rem; background: var(--atelier-viewer-background, #f3f4f6); }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; }
button, .ar { font: inherit; padding: .6rem 1rem; border-radius: var(--atelier-radius, 6px); cursor: pointer;
  border: 1px solid var(--atelier-accent, #1d4ed8); background: #fff; color: var(--atelier-accent, #1d4ed8); text-decoration: none; }
button.primary { background: var(--atelier-accent, #1d4ed8); color: var(--atelier-accent-text, #fff); }
button[disabled] { opacity: .6; cursor: wait; }
.status { margin: .5rem 0 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
