/**
 * Offering text for download (evidence, checkpoints) as a link to a `blob:` URL: the file is made
 * in the page, nothing is fetched.
 */
import { h } from './dom.js';

/** downloadLink returns a link that saves `text` as `fileName`. */
export function downloadLink(label: string, fileName: string, text: string, testId?: string): HTMLAnchorElement {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  return h('a', { href: url, download: fileName, class: 'download', 'data-testid': testId }, label);
}
