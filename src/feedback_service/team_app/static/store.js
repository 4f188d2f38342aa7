// What the phone keeps, in IndexedDB (through idb-keyval): the token and the team's data ("kv"),
// the outbox (records not yet accepted by the server) and a log of what was sent.
// Nothing here expires by itself: an item leaves the outbox only when the server accepted it.
import { createStore, del, entries, get, set } from "./vendor/idb-keyval-6.3.0.js";

const kv = createStore("team-app-kv", "kv");
const outbox = createStore("team-app-outbox", "items");
const sent = createStore("team-app-sent", "items");

export const getValue = (key) => get(key, kv);
export const setValue = (key, value) => set(key, value, kv);
export const delValue = (key) => del(key, kv);

export async function outboxItems() {
  const items = (await entries(outbox)).map(([, item]) => item);
  return items.sort((a, b) => a.created_at.localeCompare(b.created_at));
}
export const putItem = (item) => set(item.id, item, outbox);
export const getItem = (id) => get(id, outbox);
export const dropItem = (id) => del(id, outbox);

export async function markSent(item, outcome) {
  await set(item.id, { ...item, outcome, sent_at: new Date().toISOString() }, sent);
  await del(item.id, outbox);
}

export async function sentItems(limit = 30) {
  const items = (await entries(sent)).map(([, item]) => item);
  items.sort((a, b) => b.sent_at.localeCompare(a.sent_at));
  for (const old of items.slice(200)) await del(old.id, sent);
  return items.slice(0, limit);
}

/** Ask the browser not to clear this origin's storage under pressure; whether it agreed. */
export async function persist() {
  if (!navigator.storage || !navigator.storage.persist) return false;
  if (await navigator.storage.persisted()) return true;
  return navigator.storage.persist();
}
