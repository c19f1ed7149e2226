// <atelier-personalizer product="…" key="pk_…">: the shopper's personalizer. Attributes in
// (product, key, api, lang, variant, cart), DOM events out (atelier-change,
// atelier-add-to-cart), Shadow DOM, themed by --atelier-* custom properties and ::part().
// This entry stays small: the validator (HarfBuzz, character tables) and the 3D viewer load
// lazily, from beside this script.
import { Analytics } from './analytics.js';
import { words } from './i18n.js';
import { el } from './dom.js';
import { renderedAsset, webglAvailable } from './renders.js';
import { STYLES } from './styles.js';

const SCRIPT_ORIGIN = new URL(import.meta.url).origin;
const PREVIEW_DEBOUNCE_MS = 700;
const VALIDATE_DEBOUNCE_MS = 400; // only when the server must judge (another rules edition)

export class AtelierPersonalizer extends HTMLElement {
  static get observedAttributes() { return ['product', 'key', 'api', 'lang']; }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    this.values = {};
    this.result = null;
    this.validator = null;
    this.config = null;
    this.previewTimer = null;
    this.previewSeq = 0;
    this.serverTimer = null;
    this.ready = null;
    this.touched = new Set(); // zones the shopper typed in: only theirs show errors as they type
    this.submitted = false; // after a try to add to the cart, every zone shows its errors
    this.failing = new Map(); // zone → the error codes shown now
  }

  get api() { return (this.getAttribute('api') || SCRIPT_ORIGIN).replace(/\/$/, ''); }

  get key() { return this.getAttribute('key') || ''; }

  connectedCallback() { this.load(); }

  disconnectedCallback() { this.analytics?.close(); }

  attributeChangedCallback(name, before, after) {
    if (before !== null && before !== after && this.isConnected) this.load();
  }

  request(path, options = {}) {
    const headers = { 'X-Atelier-Key': this.key, ...(options.body ? { 'Content-Type': 'application/json' } : {}), ...options.headers };
    return fetch(`${this.api}${path}`, { ...options, headers });
  }

  load() {
    const t = (this.t = words(this.getAttribute('lang') || document.documentElement.lang));
    this.shadowRoot.replaceChildren(el('style', {}, STYLES), el('p', { part: 'status', role: 'status' }, t.loading));
    const product = this.getAttribute('product');
    this.ready = (async () => {
      const response = await this.request(`/v1/widget/products/${encodeURIComponent(product)}/config`);
      if (!response.ok) throw new Error(`config: ${response.status}`);
      this.config = await response.json();
      this.analytics?.close();
      this.analytics = new Analytics(this.api, this.key, product);
      this.render();
      this.analytics.track('widget_loaded', { template_version: this.config.template_version });
      try {
        const { createValidator } = await import('./validator.js');
        const fetchFont = async (info) => {
          const font = await fetch(new URL(info.url, `${this.api}/`));
          if (!font.ok) throw new Error(`font ${info.id}: ${font.status}`);
          return new Uint8Array(await font.arrayBuffer());
        };
        this.validator = await createValidator(this.config, fetchFont);
      } catch (error) {
        // another edition of the rules, or no WebAssembly: the server judges instead
        console.warn('atelier: validating on the server', error);
      }
      this.changed(false);
      this.dispatchEvent(new CustomEvent('atelier-ready', { bubbles: true, composed: true }));
    })().catch((error) => {
      this.shadowRoot.querySelector('[part=status]').textContent = t.unavailable;
      throw error;
    });
  }

  /** The server's verdict on these values, computed here: synchronous once ready (a message may
   * name a character by its code point alone while its name is loading: see `validated`). */
  validate(values = this.values) {
    if (!this.validator) throw new Error('the validator is not ready (await element.ready)');
    return this.validator.validate(values);
  }

  /** The verdict with every message complete: the character names it asked for loaded. */
  async validated(values = this.values) {
    const first = this.validate(values);
    const pending = this.validator.namesPending();
    if (!pending) return first;
    await pending;
    return this.validate(values);
  }

  /** Shows the verdict at once, and again when the names its messages lacked have come. */
  judge(byShopper) {
    const values = this.design();
    this.show(this.validate(values), byShopper);
    const pending = this.validator.namesPending();
    pending?.then(() => {
      if (JSON.stringify(values) === JSON.stringify(this.design())) this.show(this.validate(values), byShopper);
    }, () => {}); // offline: the messages keep the code points
  }

  render() {
    const { t, config } = this;
    this.values = Object.fromEntries(config.zones.map((zone) => [zone.key, this.values[zone.key] ?? {
      text: '', font_id: zone.fonts[0].font_id, colour: zone.colours[0].toUpperCase(),
    }]));
    const zones = config.zones.map((zone) => this.renderZone(zone));
    this.previewBox = el('div', { class: 'preview', part: 'preview', 'aria-live': 'polite', 'aria-label': t.preview, role: 'region' });
    this.statusLine = el('p', { class: 'status', part: 'status', role: 'status' });
    const actions = el('div', { class: 'actions', part: 'actions' });
    if (config.model) {
      this.button3d = el('button', { type: 'button', part: 'button view-3d', onclick: () => this.toggle3d() }, t.view3d);
      actions.append(this.button3d);
    }
    this.cartButton = el('button', { type: 'button', class: 'primary', part: 'button add-to-cart', onclick: () => this.addToCart() }, t.addToCart);
    actions.append(this.cartButton);
    this.arLinks = el('div', { class: 'actions', part: 'ar' });
    this.shadowRoot.replaceChildren(
      el('style', {}, STYLES),
      el('form', { part: 'form', novalidate: true, onsubmit: (e) => { e.preventDefault(); this.addToCart(); } }, ...zones),
      this.previewBox, this.arLinks, actions, this.statusLine,
    );
  }

  renderZone(zone) {
    const { t } = this;
    const id = (what) => `${what}-${zone.key}`;
    const value = this.values[zone.key];
    const multiline = zone.rules.max_lines > 1;
    const input = el(multiline ? 'textarea' : 'input', {
      id: id('text'), part: 'input', name: zone.key, rows: multiline ? String(zone.rules.max_lines) : null,
      type: multiline ? null : 'text', autocomplete: 'off', spellcheck: 'false',
      'aria-describedby': `${id('errors')} ${id('fit')}`, 'aria-required': zone.rules.required ? 'true' : null,
      oninput: (e) => { value.text = e.target.value; this.touched.add(zone.key); this.changed(true); },
    });
    input.value = value.text;
    const fontSelect = zone.fonts.length > 1 ? el('div', {},
      el('label', { for: id('font') }, t.font),
      el('select', { id: id('font'), part: 'select', onchange: (e) => { value.font_id = e.target.value; this.changed(true); } },
        ...zone.fonts.map((f) => el('option', { value: f.font_id, selected: f.font_id === value.font_id },
          this.config.fonts.find((info) => info.id === f.font_id)?.family ?? f.font_id)))) : null;
    const colours = zone.colours.length > 1 ? el('div', {},
      el('span', { id: id('colour-label'), class: 'label' }, t.colour),
      this.renderSwatches(zone, value, id('colour-label'))) : null;
    return el('fieldset', { class: 'zone', part: 'zone' },
      el('label', { for: id('text'), part: 'label' }, zone.label),
      input,
      el('ul', { id: id('errors'), class: 'errors', part: 'errors', 'aria-live': 'polite' }),
      el('p', { id: id('fit'), class: 'fit', part: 'fit' }),
      fontSelect || colours ? el('div', { class: 'choices' }, fontSelect, colours) : null);
  }

  renderSwatches(zone, value, labelId) {
    const group = el('div', { class: 'swatches', role: 'radiogroup', 'aria-labelledby': labelId });
    const select = (colour) => {
      value.colour = colour;
      for (const swatch of group.children) {
        const on = swatch.dataset.colour === colour;
        swatch.setAttribute('aria-checked', String(on));
        swatch.tabIndex = on ? 0 : -1;
      }
      this.changed(true);
    };
    zone.colours.forEach((raw, index) => {
      const colour = raw.toUpperCase();
      const on = colour === value.colour;
      group.append(el('button', {
        type: 'button', role: 'radio', class: 'swatch', part: 'swatch', 'data-colour': colour,
        'aria-checked': String(on), 'aria-label': colour, tabindex: on ? '0' : '-1', style: `background:${colour}`,
        onclick: () => select(colour),
        onkeydown: (e) => {
          const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
          if (!step) return;
          e.preventDefault();
          const next = zone.colours[(index + step + zone.colours.length) % zone.colours.length].toUpperCase();
          select(next);
          group.querySelector(`[data-colour="${next}"]`).focus();
        },
      }));
    });
    return group;
  }

  /** The values as the server takes them: only zones with text. */
  design() {
    return Object.fromEntries(Object.entries(this.values).filter(([, v]) => v.text !== '').map(([k, v]) => [k, { ...v }]));
  }

  changed(byShopper) {
    if (!this.config) return;
    if (this.validator) this.judge(byShopper);
    else if (byShopper) {
      clearTimeout(this.serverTimer);
      this.statusLine.textContent = this.t.checking;
      this.serverTimer = setTimeout(() => this.validateOnServer(), VALIDATE_DEBOUNCE_MS);
    }
  }

  async validateOnServer() {
    const response = await this.request('/v1/personalization/validate', {
      method: 'POST', body: JSON.stringify({ product_id: this.config.product_id, values: this.design() }),
    });
    if (response.ok) this.show(await response.json(), true);
  }

  show(result, byShopper) {
    this.result = result;
    this.statusLine.textContent = '';
    for (const zone of result.zones) {
      const list = this.shadowRoot.getElementById(`errors-${zone.zone}`);
      const input = this.shadowRoot.getElementById(`text-${zone.zone}`);
      const shown = this.submitted || this.touched.has(zone.zone) ? zone.errors : [];
      list.replaceChildren(...shown.map((error) => el('li', { 'data-code': error.code }, error.message)));
      input.setAttribute('aria-invalid', String(shown.length > 0));
      this.shadowRoot.getElementById(`fit-${zone.zone}`).textContent =
        zone.fits && zone.size_mm !== null && !this.values[zone.zone].size_mm ? this.t.auto(zone.size_mm.toFixed(1)) : '';
      // one event per error a shopper meets, not one per keystroke it stays on
      const failed = new Set(shown.map((error) => error.code));
      const before = this.failing.get(zone.zone) ?? new Set();
      if (byShopper) {
        for (const code of failed) if (!before.has(code)) this.analytics.track('validation_failed', { zone: zone.zone, code });
      }
      this.failing.set(zone.zone, failed);
    }
    this.dispatchEvent(new CustomEvent('atelier-change', {
      bubbles: true, composed: true, detail: { values: this.design(), valid: result.valid, result },
    }));
    if (result.valid) this.schedulePreview();
  }

  schedulePreview() {
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => this.preview(), PREVIEW_DEBOUNCE_MS);
  }

  /** The URL of one asset (mockup, glb, usdz) of the current design, once drawn. */
  drawn(kind) {
    return renderedAsset((path, options) => this.request(path, options), this.api, this.config.product_id, this.design(), kind);
  }

  /** The view shown follows the design: the mockup, the 3D model or the 2D canvas. */
  async preview() {
    const seq = ++this.previewSeq;
    this.analytics.track('preview_requested');
    this.previewBox.setAttribute('aria-busy', 'true');
    try {
      const url = await this.drawn('mockup');
      if (seq !== this.previewSeq) return; // a newer design is on its way
      this.mockupUrl = url;
      if (!this.viewer) {
        this.previewBox.replaceChildren(el('img', { src: url, alt: this.t.preview, part: 'mockup' }));
      } else if (this.viewer === 'canvas') {
        await this.draw2d();
      } else if (this.viewer instanceof HTMLElement) {
        const [glb, usdz] = await Promise.all([this.drawn('glb'), this.drawn('usdz').catch(() => null)]);
        if (seq !== this.previewSeq || !(this.viewer instanceof HTMLElement)) return;
        this.viewer.setAttribute('src', glb);
        if (usdz) this.viewer.setAttribute('ios-src', usdz);
        this.showArLinks(glb, usdz);
      }
      this.analytics.track('preview_ready');
    } catch (error) {
      console.warn('atelier: preview', error);
      if (seq === this.previewSeq) this.previewBox.replaceChildren(el('p', {}, this.t.previewFailed));
    } finally {
      if (seq === this.previewSeq) this.previewBox.removeAttribute('aria-busy');
    }
  }

  async toggle3d() {
    const { t } = this;
    if (this.viewer) {
      this.viewer = null;
      this.button3d.textContent = t.view3d;
      this.arLinks.replaceChildren();
      this.preview();
      return;
    }
    if (!this.result?.valid) {
      this.statusLine.textContent = t.fix;
      return;
    }
    this.button3d.textContent = t.close3d;
    try {
      await (webglAvailable() ? this.open3d() : this.draw2d());
    } catch (error) {
      console.warn('atelier: 3D', error);
      this.viewer = null;
      this.button3d.textContent = t.view3d;
      this.previewBox.replaceChildren(el('p', {}, t.previewFailed));
    } finally {
      this.previewBox.removeAttribute('aria-busy');
    }
  }

  /** The design in 3D (model-viewer, loaded now), and the AR links. */
  async open3d() {
    const { t } = this;
    this.viewer = 'loading'; // the debounced mockup no longer takes the preview's place
    this.previewBox.setAttribute('aria-busy', 'true');
    const [glb, usdz] = await Promise.all([this.drawn('glb'), this.drawn('usdz').catch(() => null), import('@google/model-viewer')]);
    if (this.viewer !== 'loading') return; // closed meanwhile
    const viewer = el('model-viewer', {
      src: glb, 'ios-src': usdz, alt: t.preview, 'camera-controls': true, 'touch-action': 'pan-y',
      ar: true, 'ar-modes': 'webxr scene-viewer quick-look', part: 'viewer',
    });
    this.viewer = viewer;
    this.previewBox.replaceChildren(viewer);
    this.showArLinks(glb, usdz);
  }

  /** AR: Quick Look with the USDZ (iOS), Scene Viewer's intent with the GLB (Android). */
  showArLinks(glb, usdz) {
    const { t } = this;
    const sceneViewer = `intent://arvr.google.com/scene-viewer/1.0?file=${encodeURIComponent(glb)}&mode=ar_preferred`
      + '#Intent;scheme=https;package=com.google.ar.core;action=android.intent.action.VIEW;end;';
    this.arLinks.replaceChildren(
      usdz ? el('a', { class: 'ar', rel: 'ar', href: usdz, part: 'ar-quick-look' }, el('span', {}, `${t.ar} — iOS`)) : null,
      el('a', { class: 'ar', href: sceneViewer, part: 'ar-scene-viewer' }, `${t.ar} — Android`),
    );
  }

  /** Without WebGL: the mockup drawn on a 2D canvas, said so to the shopper. */
  async draw2d() {
    this.viewer = 'canvas';
    const url = this.mockupUrl ?? await this.drawn('mockup');
    if (this.viewer !== 'canvas') return; // closed meanwhile
    const image = new Image();
    image.crossOrigin = 'anonymous';
    image.src = url;
    await image.decode();
    const canvas = el('canvas', { width: image.naturalWidth, height: image.naturalHeight, part: 'canvas-2d', role: 'img', 'aria-label': this.t.preview });
    canvas.getContext('2d').drawImage(image, 0, 0);
    this.previewBox.replaceChildren(canvas, el('p', { class: 'fit' }, this.t.no3d));
  }

  async addToCart() {
    const { t } = this;
    this.submitted = true;
    if (this.validator) this.judge(true);
    if (!this.result?.valid) {
      this.statusLine.textContent = t.fix;
      this.shadowRoot.querySelector('[aria-invalid=true]')?.focus();
      return;
    }
    this.analytics.track('add_to_cart_clicked');
    this.cartButton.disabled = true;
    this.statusLine.textContent = t.adding;
    try {
      const body = JSON.stringify({ product_id: this.config.product_id, values: this.design() });
      this.idempotency ??= new Map();
      if (!this.idempotency.has(body)) this.idempotency.set(body, crypto.randomUUID());
      const created = await this.request('/v1/snapshots', { method: 'POST', body, headers: { 'Idempotency-Key': this.idempotency.get(body) } });
      if (!created.ok) throw new Error(`snapshot: ${created.status}`);
      const snapshot = await created.json();
      this.analytics.track('snapshot_created', { snapshot_id: snapshot.id });
      const cart = await fetch(this.getAttribute('cart') || '/cart/add.js', {
        method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ items: [{ id: Number(this.getAttribute('variant')) || this.getAttribute('variant'), quantity: 1, properties: { _atelier_snapshot: snapshot.id } }] }),
      });
      if (!cart.ok) throw new Error(`cart: ${cart.status}`);
      this.statusLine.textContent = t.added;
      this.dispatchEvent(new CustomEvent('atelier-add-to-cart', {
        bubbles: true, composed: true, detail: { snapshotId: snapshot.id, cart: await cart.json() },
      }));
    } catch (error) {
      this.statusLine.textContent = t.failed;
      console.error('atelier:', error);
    } finally {
      this.cartButton.disabled = false;
    }
  }
}

if (!customElements.get('atelier-personalizer')) customElements.define('atelier-personalizer', AtelierPersonalizer);
