/**
 * The declaration panel: paste or drop a run declaration, or a provider request body mapped as
 * `runproof identity --from` maps it; the page parses it strictly, shows the RFC 8785 canonical
 * form and the identity, then looks the identity up. Errors carry the CLI's code and path.
 */
import { declarationIdentity } from '../../src/declaration/identity.js';
import { REQUEST_APIS, type RequestApi } from '../../src/declaration/mappers.js';
import { mapToCanonical } from '../../client/map.js';
import { byId, errorView, h, replace } from '../dom.js';
import { readDroppedFile } from './files.js';

/** DeclarationView computes identities from declarations and hands them to a lookup. */
export class DeclarationView {
  private readonly input = byId<HTMLTextAreaElement>('declaration-input');
  private readonly format = byId<HTMLSelectElement>('declaration-format');
  private readonly provider = byId<HTMLInputElement>('declaration-provider');
  private readonly salt = byId<HTMLInputElement>('declaration-salt');
  private readonly headers = byId<HTMLTextAreaElement>('declaration-headers');
  private readonly mapping = byId('declaration-mapping');
  private readonly result = byId('declaration-result');

  constructor(onIdentity: (identity: string) => void, onRejected: (e: unknown) => void) {
    for (const api of REQUEST_APIS) this.format.append(h('option', { value: api }, `${api} request body`));
    this.format.addEventListener('change', () => (this.mapping.hidden = this.format.value === 'declaration'));
    byId('declaration-file').addEventListener('change', async (ev) => {
      const file = (ev.target as HTMLInputElement).files?.[0];
      if (file !== undefined) this.input.value = new TextDecoder().decode(await file.arrayBuffer());
    });
    readDroppedFile(this.input, (bytes) => (this.input.value = new TextDecoder().decode(bytes)));
    byId('declaration-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      try {
        const identity = this.compute();
        onIdentity(identity);
      } catch (e) {
        replace(this.result, h('p', { 'data-testid': 'declaration-error' }, errorView(e)));
        onRejected(e);
      }
    });
  }

  /** compute derives the identity and shows the canonical form. */
  private compute(): string {
    // The text is encoded back to UTF-8 exactly as typed: the strict parser sees what a file would hold.
    const bytes = new TextEncoder().encode(this.input.value);
    const api = this.format.value;
    const result =
      api === 'declaration'
        ? declarationIdentity(bytes)
        : declarationIdentity(
            mapToCanonical(api as RequestApi, bytes, {
              provider: this.provider.value.trim(),
              salt: this.salt.value.trim() === '' ? 'none' : this.salt.value.trim(),
              headers: parseHeaders(this.headers.value),
            }),
          );
    replace(
      this.result,
      h('p', {}, 'Identity: ', h('code', { 'data-testid': 'declaration-identity', class: 'hash' }, result.identity)),
      h('details', {}, h('summary', {}, `Canonical form (RFC 8785, ${result.canonical.length} bytes)`), h('pre', { 'data-testid': 'canonical' }, new TextDecoder().decode(result.canonical))),
    );
    return result.identity;
  }
}

/** parseHeaders reads `name: value` lines; repeated names are joined with ", " (as the CLI does). */
function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}
