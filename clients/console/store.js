// What every console view shares: the logged-in user, the catalog (names for ids) and a bus on
// which live order events arrive.
import { api } from './lib.js';

export const store = {
  user: null,
  catalog: { towns: [], categories: [], departments: [] },
  communities: new Map(), // id → {id, name, town_id, town_name}
  categories: new Map(),
  departments: new Map(),
  towns: new Map(),
};

/** Live events: bus.addEventListener('order', (e) => e.detail = {order_id, action, state, …}). */
export const bus = new EventTarget();

export async function loadCatalog() {
  const r = await api('/api/v1/catalog');
  if (!r.ok || !r.json) return false;
  store.catalog = r.json;
  store.communities.clear();
  store.towns.clear();
  for (const town of r.json.towns || []) {
    store.towns.set(town.id, town);
    for (const c of town.communities || []) store.communities.set(c.id, { ...c, town_id: town.id, town_name: town.name });
  }
  store.categories = new Map((r.json.categories || []).map((c) => [c.id, c]));
  store.departments = new Map((r.json.departments || []).map((d) => [d.id, d]));
  return true;
}

const named = (map) => (id) => map().get(id)?.name ?? (id ? `#${id}` : '');
export const communityName = named(() => store.communities);
export const categoryName = named(() => store.categories);
export const departmentName = named(() => store.departments);
export const townName = named(() => store.towns);

/** States in which this user's role usually has something to do (for the "待我处理" mark). */
const ACTIONABLE = {
  community: ['submitted', 'completed'],
  department: ['dispatched', 'claimed'],
  team: ['claimed', 'accepted', 'in_progress'],
};
export const mine = (state) => (ACTIONABLE[store.user?.role] || []).includes(state);
