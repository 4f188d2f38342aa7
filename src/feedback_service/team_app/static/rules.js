// The API's checks, run before a record is queued, with the limits and messages the server serves
// in /team/form.json (its own constants): what would be refused is refused here, offline.

const codePoints = (text) => [...text].length;
// The domain's is_blank: only spaces, control and format characters (zero-width space, BOM) and
// the few letters that render as nothing.
const BLANK = /^[\s\p{Cc}\p{Cf}\p{Zs}\p{Zl}\p{Zp}\u115f\u1160\u2800\u3164\uffa0]*$/u;

/** Local time with its offset, as the API wants: 2026-03-01T09:30:00+07:00. */
export function isoWithOffset(date) {
  const pad = (n) => String(Math.trunc(Math.abs(n))).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`
  );
}

/** The value of a datetime-local input for a moment (the phone's local time, to the minute). */
export function localInputValue(date) {
  return isoWithOffset(date).slice(0, 16);
}

function checkMoment(form, value, errors) {
  const moment = new Date(value);
  if (!value || Number.isNaN(moment.getTime())) {
    errors.push(["observed_at", "required"]);
    return;
  }
  if (moment.getTime() > Date.now() + form.limits.clock_skew_seconds * 1000) errors.push(["observed_at", "future"]);
  if (moment.getTime() < Date.parse(form.limits.earliest)) errors.push(["observed_at", "too_early"]);
}

function checkPeople(form, value, errors) {
  if (!Number.isInteger(value) || value < 1 || value > form.limits.people_max) {
    errors.push(["people_affected", "people_range"]);
  }
}

function checkHousehold(form, ref, consent, errors) {
  if (ref === null) return;
  const pattern = new RegExp(form.limits.household_ref_pattern);
  if (codePoints(ref) > form.limits.household_ref_max || !pattern.test(ref)) {
    errors.push(["household_ref", "household_pattern"]);
  } else if (new RegExp(form.limits.id_like_pattern).test(ref)) {
    errors.push(["household_ref", "household_id_like"]);
  } else if (!consent) {
    errors.push(["household_ref", "household_consent"]);
  }
}

/** [field, rule] pairs for a ticket body (as POST /api/v1/tickets takes it). */
export function ticketProblems(form, villages, body) {
  const errors = [];
  if (!villages.some((v) => v.code === body.village)) errors.push(["village", "required"]);
  if (!body.categories.length) errors.push(["categories", "required"]);
  if (!form.services.some((s) => s.code === body.service)) errors.push(["service", "required"]);
  checkPeople(form, body.people_affected, errors);
  checkHousehold(form, body.household_ref ?? null, body.consent, errors);
  if (BLANK.test(body.description)) errors.push(["description", "blank"]);
  else if (codePoints(body.description) > form.limits.description_max) errors.push(["description", "too_long"]);
  checkMoment(form, body.observed_at, errors);
  return errors;
}

/** [field, rule] pairs for a "me too" occurrence; a household reference needs consent here too. */
export function occurrenceProblems(form, body, consent) {
  const errors = [];
  checkPeople(form, body.people_affected, errors);
  checkHousehold(form, body.household_ref ?? null, consent, errors);
  checkMoment(form, body.observed_at, errors);
  return errors;
}

/** The field a server's JSON path names: $.tickets[3].household_ref -> household_ref. */
export function fieldOfPath(path) {
  const match = /\.([a-z_]+)(?:\[\d+\])?$/.exec(path || "");
  return match ? match[1] : null;
}

/**
 * The items of a file the outbox exported ({exported_at, team, items}), checked whole before any is
 * kept: {team, items}, or an Error that names the first thing wrong ("items[2].body.id").
 * Only what the outbox needs is kept; the body is sent as it is, and the server checks it again.
 */
export function outboxFileItems(file) {
  const text = (value) => typeof value === "string" && value.length > 0;
  if (!file || typeof file !== "object" || !Array.isArray(file.items)) throw new Error("items");
  if (!text(file.team)) throw new Error("team");
  const items = file.items.map((item, i) => {
    const where = `items[${i}]`;
    if (!item || typeof item !== "object") throw new Error(where);
    if (!text(item.id)) throw new Error(`${where}.id`);
    if (item.kind !== "ticket" && item.kind !== "occurrence") throw new Error(`${where}.kind`);
    if (!item.body || typeof item.body !== "object" || item.body.id !== item.id) throw new Error(`${where}.body.id`);
    if (item.kind === "occurrence" && !text(item.ticket_id)) throw new Error(`${where}.ticket_id`);
    if (item.kind === "ticket" && !Array.isArray(item.body.categories)) throw new Error(`${where}.body.categories`);
    if (item.kind === "ticket" && typeof item.body.description !== "string") throw new Error(`${where}.body.description`);
    if (!text(item.created_at) || Number.isNaN(new Date(item.created_at).getTime())) throw new Error(`${where}.created_at`);
    const kept = { id: item.id, kind: item.kind, body: item.body, created_at: item.created_at };
    if (item.kind === "occurrence") Object.assign(kept, { ticket_id: item.ticket_id, summary: String(item.summary ?? ""), village: item.village });
    return kept;
  });
  return { team: file.team, items };
}
