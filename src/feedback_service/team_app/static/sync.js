// Sending the outbox. An item leaves it only when the server accepted it: 201, or 200 for a replay
// (the server already had it; batch items say "created" or "replayed"). A 4xx keeps it for the user
// (refused: fix or discard; 409: conflict). Network errors and 5xx are retried, on a timer with
// backoff, when the connection comes back, when the app is opened or shown, and on "send now".
// navigator.onLine is never trusted: only an answer from the server counts, and only a JSON answer
// of the expected shape (a captive portal's 200 page is not an acceptance).
import { getValue, markSent, outboxItems, putItem, setValue } from "./store.js";

const API = "/api/v1";
let running = null;
let again = false;
let timer = null;
let failures = 0;
const listeners = new Set();

export const status = { state: "idle", lastContact: null, lastError: null, signedOut: false };

export function onChange(listener) {
  listeners.add(listener);
}
function changed() {
  for (const listener of listeners) listener();
}

class Offline extends Error {}
class SignedOut extends Error {}

async function call(method, path, token, body) {
  let response;
  try {
    response = await fetch(API + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      cache: "no-store",
      credentials: "omit",
    });
  } catch (error) {
    throw new Offline(String(error));
  }
  if (response.status === 401) throw new SignedOut();
  let json = null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try {
      json = await response.json();
    } catch {
      json = null;
    }
  }
  if (response.status >= 500 || response.status === 429 || json === null) {
    throw new Offline(`HTTP ${response.status}`);
  }
  return { status: response.status, json };
}

async function setState(item, state, problem = null) {
  await putItem({ ...item, state, problem, updated_at: new Date().toISOString() });
}

async function sendTickets(token, items, batchMax) {
  for (let start = 0; start < items.length; start += batchMax) {
    const chunk = items.slice(start, start + batchMax);
    for (const item of chunk) await setState(item, "sending");
    changed();
    let answer;
    try {
      answer = await call("POST", "/tickets/batch", token, { tickets: chunk.map((i) => i.body) });
    } catch (error) {
      for (const item of chunk) await setState(item, "waiting", item.problem);
      throw error;
    }
    const results = answer.json.results;
    if (answer.status !== 200 || !Array.isArray(results) || results.length !== chunk.length) {
      // The whole batch was refused (too large, say): each item keeps the server's problem.
      for (const item of chunk) await setState(item, "refused", answer.json);
      continue;
    }
    for (const [index, item] of chunk.entries()) {
      const result = results[index];
      if ((result.outcome === "created" || result.outcome === "replayed") && result.id === item.id) {
        await markSent(item, result.outcome);
      } else if (result.problem && result.problem.status === 409) {
        await setState(item, "conflict", result.problem);
      } else {
        await setState(item, "refused", result.problem || answer.json);
      }
    }
    changed();
  }
}

async function sendOccurrence(token, item) {
  await setState(item, "sending");
  changed();
  let answer;
  try {
    answer = await call("POST", `/tickets/${item.ticket_id}/occurrences`, token, item.body);
  } catch (error) {
    await setState(item, "waiting", item.problem);
    throw error;
  }
  if ((answer.status === 201 || answer.status === 200) && answer.json.id === item.id) {
    await markSent(item, answer.status === 201 ? "created" : "replayed");
  } else if (answer.status === 409) {
    await setState(item, "conflict", answer.json);
  } else {
    await setState(item, "refused", answer.json);
  }
  changed();
}

async function syncOnce() {
  const token = await getValue("token");
  if (!token || (await getValue("signed_out"))) return;
  const form = await getValue("form");
  const pending = (await outboxItems()).filter((i) => i.state === "waiting" || i.state === "sending");
  // Tickets first: a "me too" may be for a ticket recorded on this phone.
  await sendTickets(token, pending.filter((i) => i.kind === "ticket"), form ? form.limits.batch_max : 100);
  for (const item of pending.filter((i) => i.kind === "occurrence")) await sendOccurrence(token, item);
  const team = await call("GET", "/team", token);
  if (team.status === 200 && team.json.team) await setValue("team", team.json);
}

function schedule() {
  clearTimeout(timer);
  // 5 s, 10 s, 20 s ... up to 5 minutes while something waits or the last try failed; else 5 minutes.
  const delay = failures ? Math.min(300, 5 * 2 ** (failures - 1)) * (0.8 + Math.random() * 0.4) : 300;
  timer = setTimeout(() => sync("timer"), delay * 1000);
}

/** Send what waits and refresh the team's data; concurrent calls share one run (and one more after). */
export async function sync(reason = "manual") {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    status.state = "sending";
    changed();
    try {
      await syncOnce();
      failures = 0;
      status.state = "idle";
      status.lastContact = new Date();
      status.lastError = null;
    } catch (error) {
      if (error instanceof SignedOut) {
        await setValue("signed_out", true);
        status.signedOut = true;
        status.state = "signed_out";
      } else {
        failures += 1;
        status.state = "offline";
        status.lastError = String(error.message || error);
      }
    } finally {
      running = null;
      changed();
    }
    if (status.state !== "signed_out") schedule();
    if (again) {
      again = false;
      return sync(reason);
    }
  })();
  return running;
}

export function start() {
  window.addEventListener("online", () => sync("online"));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") sync("visible");
  });
  return sync("open");
}
