// The console's client: the one API/session layer (/common/api.js) with the session kept for this
// browser tab (sessionStorage), and the shared DOM helpers.
import { createClient } from '/common/api.js';

export const { session, api, download, fetchAuthorized, onUnauthenticated } = createClient({ storage: 'session', key: 'paidan.console.session' });
export { errorText, localText, uuid } from '/common/api.js';
export * from '/common/dom.js';
