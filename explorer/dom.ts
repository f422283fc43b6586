/**
 * A few DOM helpers: element construction without innerHTML (no markup is ever built from
 * strings, so nothing a log serves can become markup), and the verdict attributes the tests read.
 */

/** Child content accepted by {@link h}. */
export type Child = Node | string | number | null | undefined | false;

/**
 * h creates an element with attributes and children; `on*` function attributes become listeners.
 * @example h('button', { type: 'button', onclick: () => go() }, 'Go')
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, unknown> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value as EventListener);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** svg creates an SVG element with attributes. */
export function svg(tag: string, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  append(el, children);
  return el;
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** byId returns the element with `id`, which the page's HTML must have. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`explorer: the page has no #${id}`);
  return el as T;
}

/** replace empties `el` and appends `children`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A verdict as the tests read it (`data-verdict`). */
export type Verdict = 'pending' | 'verified' | 'not-found' | 'failed';

/** setVerdict sets `data-verdict` and the visible content of a verdict element. */
export function setVerdict(el: HTMLElement, verdict: Verdict, ...children: Child[]): void {
  el.dataset['verdict'] = verdict;
  replace(el, ...children);
}

/** formatTime writes a time in ms as ISO 8601 UTC to the millisecond. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

/** describeError gives an error's code (if it has one) and message. */
export function describeError(e: unknown): { code: string; message: string } {
  const code = typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : 'ERROR';
  return { code, message: e instanceof Error ? e.message : String(e) };
}

/** errorView renders an error as `CODE: message` (the code in `<code>`), as the CLI's last line does. */
export function errorView(e: unknown): HTMLElement {
  const { code, message } = describeError(e);
  return h('span', { class: 'error' }, h('code', { 'data-testid': 'error-code' }, code), ': ', message);
}
