// Analytics events, batched (at most 50 a request) to POST /v1/widget/events every few seconds
// and when the page is hidden or left (keepalive, so the last batch survives the unload).
const FLUSH_MS = 5000;
const BATCH = 50;

export class Analytics {
  constructor(api, key, productId) {
    this.api = api;
    this.key = key;
    this.productId = productId;
    this.sessionId = crypto.randomUUID();
    this.queue = [];
    this.timer = null;
    this.flushNow = () => this.flush();
    this.onHidden = () => { if (document.visibilityState === 'hidden') this.flush(); };
    document.addEventListener('visibilitychange', this.onHidden);
    window.addEventListener('pagehide', this.flushNow);
  }

  track(name, props = {}) {
    this.queue.push({ name, product_id: this.productId, session_id: this.sessionId, at: new Date().toISOString(), props });
    if (this.queue.length >= BATCH) this.flush();
    else if (this.timer === null) this.timer = setTimeout(this.flushNow, FLUSH_MS);
  }

  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    while (this.queue.length) {
      const events = this.queue.splice(0, BATCH);
      fetch(`${this.api}/v1/widget/events`, {
        method: 'POST', keepalive: true,
        headers: { 'Content-Type': 'application/json', 'X-Atelier-Key': this.key },
        body: JSON.stringify({ events }),
      }).catch(() => {}); // analytics never disturb the shopper
    }
  }

  close() {
    this.flush();
    document.removeEventListener('visibilitychange', this.onHidden);
    window.removeEventListener('pagehide', this.flushNow);
  }
}
