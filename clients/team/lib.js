// The team app's client: the one API/session layer (/common/api.js) with the session kept on the
// phone (localStorage, so an installed app stays signed in), and the shared DOM helpers.
import { createClient } from '/common/api.js';

export const { session, api, fetchAuthorized, onUnauthenticated } = createClient({ storage: 'local', key: 'paidan.team.session' });
export { errorText, uuid } from '/common/api.js';
export * from '/common/dom.js';
