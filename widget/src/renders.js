// Renders of a design not saved (POST /v1/renders/preview), followed over the render's
// server-sent events, read with fetch: EventSource cannot send the widget's key.

/** The events of a server-sent event stream, read with fetch (EventSource sends no key). */
export async function* serverEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let separator;
    while ((separator = /\r\n\r\n|\n\n|\r\r/.exec(buffer))) {
      const block = buffer.slice(0, separator.index);
      buffer = buffer.slice(separator.index + separator[0].length);
      const event = { event: 'message', data: '' };
      for (const line of block.split(/\r\n|\r|\n/)) {
        if (line.startsWith('event:')) event.event = line.slice(6).trim();
        else if (line.startsWith('data:')) event.data += line.slice(5).trim();
      }
      if (event.data) yield event;
    }
  }
}

/** The URL of one asset (mockup, glb, usdz) of the current design's render, followed over
 * SSE until that asset is drawn (a render holds every kind drawn of the design). */
export async function renderedAsset(request, api, productId, values, kind) {
  const response = await request(`/v1/renders/preview${kind === 'mockup' ? '' : `?kind=${kind}`}`, {
    method: 'POST', body: JSON.stringify({ product_id: productId, values: values }),
  });
  if (!response.ok) throw new Error(`preview: ${response.status}`);
  const asset = (render) => render.assets.find((a) => a.kind === kind) ?? (kind === 'mockup' ? render.assets[0] : undefined);
  const done = (render) => {
    const found = asset(render);
    if (found?.url && found.status === 'ready') return new URL(found.url, `${api}/`).href;
    if (found?.status === 'failed' || render.status === 'failed') throw new Error(`${kind} failed`);
    return null;
  };
  const render = await response.json();
  const ready = done(render);
  if (ready) return ready;
  const stream = await request(`/v1/renders/${render.id}/events`, { headers: { Accept: 'text/event-stream' } });
  for await (const event of serverEvents(stream)) {
    const url = done(JSON.parse(event.data));
    if (url) return url;
  }
  throw new Error(`${kind} still pending`);
}

export const webglAvailable = () => {
  const canvas = document.createElement('canvas');
  return Boolean(canvas.getContext('webgl2') || canvas.getContext('webgl'));
};
