// The team app: enroll this phone, record difficulties and "me too"s offline, watch the outbox, read
// the team's own tickets. Everything is built with DOM calls (never innerHTML), so a description
// can never become markup; the page's Content-Security-Policy allows no inline script at all.
import { fieldOfPath, isoWithOffset, localInputValue, occurrenceProblems, outboxFileItems, ticketProblems } from "./rules.js";
import { delValue, dropItem, getItem, getValue, outboxItems, persist, putItem, sentItems, setValue } from "./store.js";
import { onChange, start, status, sync } from "./sync.js";

const T = {
  vi: {
    app: "Tổ công nghệ số cộng đồng",
    other_lang: "English",
    tab_record: "Ghi nhận",
    tab_metoo: "Tôi cũng vậy",
    tab_outbox: "Hộp thư đi",
    tab_tickets: "Của tổ",
    enroll_title: "Đăng ký điện thoại này",
    enroll_help: "Mở đường liên kết hoặc quét mã QR cán bộ xã đưa cho tổ. Mỗi mã chỉ dùng được một lần, cho một điện thoại.",
    enroll_code: "Mã đăng ký",
    enroll_button: "Đăng ký",
    enrolling: "Đang đăng ký…",
    enroll_offline: "Cần có mạng để đăng ký. Hãy thử lại khi có sóng.",
    "enrollment-unknown": "Mã đăng ký không đúng. Kiểm tra lại đường liên kết.",
    "enrollment-expired": "Mã đăng ký đã hết hạn. Xin cán bộ xã một mã mới.",
    "enrollment-used": "Mã đăng ký đã được dùng cho một điện thoại khác. Xin cán bộ xã một mã mới.",
    "too-many-failures": "Thử sai quá nhiều lần. Hãy đợi rồi thử lại.",
    team_line: "Tổ {team} · {commune}",
    save: "Lưu vào hộp thư đi",
    saved: "Đã lưu trên điện thoại. Sẽ tự gửi khi có mạng.",
    fix_first: "Chưa lưu: sửa các ô dưới đây.",
    counter: "{n} / {max} ký tự",
    choose: "— Chọn —",
    metoo_help: "Hộ khác gặp cùng khó khăn? Thêm vào phiếu đang mở thay vì tạo phiếu mới.",
    search: "Tìm phiếu",
    metoo_button: "Tôi cũng vậy",
    metoo_save: "Lưu “tôi cũng vậy”",
    no_open: "Chưa có phiếu đang mở nào của tổ trên điện thoại.",
    people_now: "{n} người",
    outbox_count: "{n} mục chưa gửi",
    send_now: "Gửi ngay",
    export: "Xuất các mục chưa gửi ra tệp",
    export_help: "Trước khi đổi hoặc cài lại điện thoại, hãy xuất tệp. Trên điện thoại mới, đăng ký rồi nhập tệp đó: các mục sẽ được gửi, không bao giờ bị trùng.",
    import: "Nhập tệp từ điện thoại cũ",
    imported: "Đã nhập {n} mục mới vào hộp thư đi ({known} mục đã có trên máy này).",
    import_unreadable: "Không nhập được: tệp này không phải tệp xuất từ ứng dụng của tổ ({why}). Không có gì thay đổi.",
    import_other_team: "Không nhập được: tệp này của tổ {theirs}, điện thoại này của tổ {ours}. Không có gì thay đổi.",
    persisted_yes: "Trình duyệt đã đồng ý giữ dữ liệu lâu dài.",
    persisted_no: "Trình duyệt chưa hứa giữ dữ liệu lâu dài: đừng xoá dữ liệu trình duyệt khi còn mục chưa gửi.",
    state_waiting: "Đang chờ gửi",
    state_sending: "Đang gửi",
    state_refused: "Bị từ chối",
    state_conflict: "Xung đột",
    sent_created: "Đã gửi (mới)",
    sent_replayed: "Đã gửi (máy chủ đã có)",
    kind_ticket: "Phiếu khó khăn",
    kind_occurrence: "Tôi cũng vậy",
    fix: "Sửa",
    discard: "Bỏ",
    discard_confirm: "Bỏ mục này? Nó sẽ không được gửi.",
    as_new: "Gửi như phiếu mới",
    conflict_help: "Máy chủ đã có một phiếu khác với cùng mã. Gửi như phiếu mới, hoặc bỏ.",
    refused_help: "Máy chủ từ chối:",
    what_to_change: "Cần sửa:",
    empty_outbox: "Hộp thư đi trống: mọi thứ đã được gửi.",
    recently_sent: "Đã gửi gần đây",
    status_idle: "Đã kết nối máy chủ lúc {time}.",
    status_never: "Chưa kết nối được máy chủ.",
    status_offline: "Không có mạng hoặc máy chủ không trả lời; sẽ thử lại.",
    status_sending: "Đang gửi…",
    tickets_help: "Phiếu của tổ, trạng thái và ghi chú của cán bộ: báo lại cho người dân.",
    no_tickets: "Tổ chưa có phiếu nào.",
    official_note: "Ghi chú của cán bộ",
    rejection: "Lý do từ chối",
    resolution: "Cách giải quyết",
    observed: "Ghi nhận",
    signed_out_title: "Điện thoại này đã bị thu hồi quyền gửi",
    signed_out_help: "Cán bộ xã đã thu hồi mã của điện thoại này. Các mục chưa gửi vẫn còn trên máy: xuất ra tệp (để nhập vào điện thoại khác của tổ), hoặc đăng ký lại bằng mã mới để gửi tiếp.",
    editing: "Đang sửa một mục bị từ chối.",
    device_label: "Điện thoại đăng ký lúc",
  },
  en: {
    app: "Community digital technology team",
    other_lang: "Tiếng Việt",
    tab_record: "Record",
    tab_metoo: "Me too",
    tab_outbox: "Outbox",
    tab_tickets: "Our tickets",
    enroll_title: "Enroll this phone",
    enroll_help: "Open the link or scan the QR code the commune gave your team. Each code works once, for one phone.",
    enroll_code: "Enrollment code",
    enroll_button: "Enroll",
    enrolling: "Enrolling…",
    enroll_offline: "Enrolling needs a connection. Try again where there is coverage.",
    "enrollment-unknown": "This enrollment code is not known. Check the link.",
    "enrollment-expired": "This enrollment code has expired. Ask the commune for a new one.",
    "enrollment-used": "This enrollment code was already used by another phone. Ask the commune for a new one.",
    "too-many-failures": "Too many failed attempts. Wait, then try again.",
    team_line: "Team {team} · {commune}",
    save: "Save to the outbox",
    saved: "Saved on this phone. It will be sent when there is a connection.",
    fix_first: "Not saved: fix the fields below.",
    counter: "{n} / {max} characters",
    choose: "— Choose —",
    metoo_help: "Another household with the same difficulty? Add it to an open ticket instead of a new one.",
    search: "Find a ticket",
    metoo_button: "Me too",
    metoo_save: "Save “me too”",
    no_open: "No open ticket of the team on this phone yet.",
    people_now: "{n} people",
    outbox_count: "{n} unsent",
    send_now: "Send now",
    export: "Export unsent items to a file",
    export_help: "Before changing or resetting this phone, export the file. On the new phone, enroll and import it: the items are sent, never twice.",
    import: "Import a file from an old phone",
    imported: "{n} new items added to the outbox ({known} were already on this phone).",
    import_unreadable: "Not imported: this is not a file exported by the team app ({why}). Nothing changed.",
    import_other_team: "Not imported: this file is team {theirs}'s, this phone is team {ours}'s. Nothing changed.",
    persisted_yes: "The browser agreed to keep this data.",
    persisted_no: "The browser did not promise to keep this data: never clear browser data while items are unsent.",
    state_waiting: "Waiting",
    state_sending: "Sending",
    state_refused: "Refused",
    state_conflict: "Conflict",
    sent_created: "Sent (new)",
    sent_replayed: "Sent (already known)",
    kind_ticket: "Difficulty",
    kind_occurrence: "Me too",
    fix: "Fix",
    discard: "Discard",
    discard_confirm: "Discard this item? It will not be sent.",
    as_new: "Send as a new ticket",
    conflict_help: "The server has different content under this id. Send it as a new ticket, or discard it.",
    refused_help: "The server refused it:",
    what_to_change: "What to change:",
    empty_outbox: "The outbox is empty: everything was sent.",
    recently_sent: "Recently sent",
    status_idle: "Reached the server at {time}.",
    status_never: "Not reached the server yet.",
    status_offline: "No connection or no answer from the server; will retry.",
    status_sending: "Sending…",
    tickets_help: "The team's tickets, their status and the officials' notes: tell the household.",
    no_tickets: "The team has no ticket yet.",
    official_note: "Officials' note",
    rejection: "Reason for rejection",
    resolution: "Resolution",
    observed: "Observed",
    signed_out_title: "This phone was signed out",
    signed_out_help: "The commune revoked this phone's access. Unsent items are still on it: export them (to import on another of the team's phones), or enroll again with a new code to send them.",
    editing: "Fixing a refused item.",
    device_label: "Phone enrolled at",
  },
};

const app = { lang: "vi", form: null, team: null, tab: "record", editing: null, notice: null, enrollError: null };

function t(key, params = {}) {
  const text = T[app.lang][key] ?? T.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}
const pick = (label) => (label ? label[app.lang] || label.vi : "");

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "value") el.value = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const uuid = () => crypto.randomUUID();
const villageName = (code) => (app.team?.villages.find((v) => v.code === code) || { name: code }).name;
const categoryLabel = (code) => pick(app.form.categories.find((c) => c.code === code)) || code;
const serviceLabel = (code) => pick(app.form.services.find((s) => s.code === code)) || code;
const when = (iso) => new Date(iso).toLocaleString(app.lang === "vi" ? "vi-VN" : "en-GB", { dateStyle: "short", timeStyle: "short" });

// ---------------------------------------------------------------- enrollment

async function enroll(code) {
  app.enrollError = t("enrolling");
  render();
  let response;
  try {
    response = await fetch("/api/v1/enrollments/redeem", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code: code.trim(), label: `${t("device_label")} ${localInputValue(new Date()).replace("T", " ")}` }),
      credentials: "omit",
    });
  } catch {
    app.enrollError = t("enroll_offline");
    render();
    return;
  }
  const body = await response.json().catch(() => ({}));
  if (response.status !== 201 || !body.token) {
    app.enrollError = T[app.lang][body.code] ? t(body.code) : body.detail || `HTTP ${response.status}`;
    render();
    return;
  }
  await setValue("token", body.token);
  await setValue("team_id", { team: body.team, commune: body.commune, token_id: body.token_id });
  await delValue("signed_out");
  status.signedOut = false;
  app.enrollError = null;
  app.tab = "record";
  await persist();
  await sync("enrolled");
  await refresh();
}

function enrollScreen(signedOut) {
  let input;
  return h(
    "section",
    { class: "card", "aria-labelledby": "enroll-title" },
    h("h2", { id: "enroll-title" }, signedOut ? t("signed_out_title") : t("enroll_title")),
    h("p", {}, signedOut ? t("signed_out_help") : t("enroll_help")),
    app.enrollError ? h("p", { class: "alert", role: "alert" }, app.enrollError) : null,
    h(
      "form",
      {
        onsubmit: (event) => {
          event.preventDefault();
          if (input.value.trim()) enroll(input.value);
        },
      },
      h("label", { for: "enroll-code" }, t("enroll_code")),
      (input = h("input", { id: "enroll-code", name: "code", autocomplete: "off", autocapitalize: "none", spellcheck: "false" })),
      h("button", { type: "submit", class: "primary" }, t("enroll_button")),
    ),
  );
}

// ---------------------------------------------------------------- recording

function fieldError(errors, field) {
  const mine = errors.filter(([f]) => f === field);
  if (!mine.length) return null;
  return h("p", { class: "field-error", id: `${field}-error` }, mine.map(([, rule]) => `${pick(app.form.fields[field])}: ${pick(app.form.rules[rule])}`).join("; "));
}

function labelled(field, control, errors, extra = null) {
  return h("div", { class: "field" }, h("label", { for: `f-${field}` }, pick(app.form.fields[field])), control, extra, fieldError(errors, field));
}

function recordScreen() {
  const editing = app.editing && app.editing.kind === "ticket" ? app.editing : null;
  const draft = editing ? editing.body : null;
  const errors = app.formErrors || [];
  const village = h(
    "select",
    { id: "f-village", name: "village" },
    h("option", { value: "" }, t("choose")),
    app.team.villages.map((v) => h("option", { value: v.code, selected: draft ? draft.village === v.code : app.team.villages.length === 1 }, v.name)),
  );
  const categories = h(
    "fieldset",
    { class: "choices", id: "f-categories" },
    h("legend", {}, pick(app.form.fields.categories)),
    app.form.categories.map((c) =>
      h("label", { class: "choice" }, h("input", { type: "checkbox", name: "categories", value: c.code, checked: draft ? draft.categories.includes(c.code) : false }), h("span", {}, pick(c))),
    ),
    fieldError(errors, "categories"),
  );
  const service = h(
    "select",
    { id: "f-service", name: "service" },
    h("option", { value: "" }, t("choose")),
    app.form.services.map((s) => h("option", { value: s.code, selected: draft ? draft.service === s.code : false }, pick(s))),
  );
  const people = h("input", { id: "f-people_affected", name: "people_affected", type: "number", inputmode: "numeric", min: 1, max: app.form.limits.people_max, value: draft ? draft.people_affected : 1 });
  const household = h("input", { id: "f-household_ref", name: "household_ref", autocomplete: "off", autocapitalize: "none", value: draft?.household_ref || "" });
  const consent = h("input", { id: "f-consent", name: "consent", type: "checkbox", checked: draft ? draft.consent : false });
  const max = app.form.limits.description_max;
  const counter = h("p", { class: "counter", "aria-live": "polite" });
  const description = h("textarea", { id: "f-description", name: "description", rows: 4, maxlength: max, value: draft?.description || "" });
  const count = () => (counter.textContent = t("counter", { n: [...description.value].length, max }));
  description.addEventListener("input", count);
  count();
  const observed = h("input", { id: "f-observed_at", name: "observed_at", type: "datetime-local", value: localInputValue(draft ? new Date(draft.observed_at) : new Date()) });

  const save = async (event) => {
    event.preventDefault();
    const ref = household.value.trim();
    const body = {
      id: editing ? editing.id : uuid(),
      village: village.value,
      categories: [...categories.querySelectorAll("input:checked")].map((i) => i.value),
      service: service.value,
      description: description.value,
      consent: consent.checked,
      observed_at: observed.value ? isoWithOffset(new Date(observed.value)) : "",
      people_affected: Number(people.value),
      ...(ref ? { household_ref: ref } : {}),
    };
    app.formErrors = ticketProblems(app.form, app.team.villages, body);
    if (app.formErrors.length) {
      app.notice = { kind: "alert", text: t("fix_first") };
      render();
      document.querySelector(".field-error")?.scrollIntoView({ block: "center" });
      return;
    }
    const now = new Date().toISOString();
    await putItem({ id: body.id, kind: "ticket", body, state: "waiting", problem: null, created_at: editing ? editing.created_at : now, updated_at: now });
    app.formErrors = [];
    app.editing = null;
    app.notice = { kind: "ok", text: t("saved") };
    await persist();
    await refresh();
    sync("saved");
  };

  return h(
    "form",
    { class: "card", id: "record-form", onsubmit: save, novalidate: true },
    editing ? h("p", { class: "note" }, t("editing")) : null,
    labelled("village", village, errors),
    categories,
    labelled("service", service, errors),
    labelled("people_affected", people, errors),
    labelled("household_ref", household, errors),
    h("label", { class: "choice", for: "f-consent" }, consent, h("span", {}, pick(app.form.fields.consent))),
    labelled("description", description, errors, counter),
    labelled("observed_at", observed, errors),
    h("button", { type: "submit", class: "primary" }, t("save")),
  );
}

// ---------------------------------------------------------------- me too

function meTooForm(ticket) {
  const errors = app.formErrors || [];
  const people = h("input", { id: "f-people_affected", type: "number", inputmode: "numeric", min: 1, value: 1 });
  const household = h("input", { id: "f-household_ref", autocomplete: "off", autocapitalize: "none" });
  const consent = h("input", { id: "f-consent", type: "checkbox" });
  const observed = h("input", { id: "f-observed_at", type: "datetime-local", value: localInputValue(new Date()) });
  const save = async (event) => {
    event.preventDefault();
    const ref = household.value.trim();
    const body = { id: uuid(), observed_at: observed.value ? isoWithOffset(new Date(observed.value)) : "", people_affected: Number(people.value), ...(ref ? { household_ref: ref } : {}) };
    app.formErrors = occurrenceProblems(app.form, body, consent.checked);
    if (app.formErrors.length) {
      app.notice = { kind: "alert", text: t("fix_first") };
      render();
      return;
    }
    const now = new Date().toISOString();
    await putItem({ id: body.id, kind: "occurrence", ticket_id: ticket.id, summary: ticket.description.slice(0, 80), village: ticket.village, body, state: "waiting", problem: null, created_at: now, updated_at: now });
    app.formErrors = [];
    app.meToo = null;
    app.notice = { kind: "ok", text: t("saved") };
    await refresh();
    sync("saved");
  };
  return h(
    "form",
    { class: "metoo-form", onsubmit: save, novalidate: true },
    labelled("people_affected", people, errors),
    labelled("household_ref", household, errors),
    h("label", { class: "choice", for: "f-consent" }, consent, h("span", {}, pick(app.form.fields.consent))),
    labelled("observed_at", observed, errors),
    h("button", { type: "submit", class: "primary" }, t("metoo_save")),
  );
}

function meTooScreen() {
  const open = app.team.tickets.filter((tk) => ["open", "acknowledged", "in_progress"].includes(tk.status));
  const query = (app.search || "").toLowerCase();
  const shown = open.filter((tk) => !query || `${tk.description} ${villageName(tk.village)} ${tk.categories.map(categoryLabel).join(" ")}`.toLowerCase().includes(query));
  const search = h("input", { id: "search", type: "search", value: app.search || "" });
  search.addEventListener("input", () => {
    app.search = search.value;
    const list = document.getElementById("metoo-list");
    list.replaceWith(meTooList(open.filter((tk) => `${tk.description} ${villageName(tk.village)}`.toLowerCase().includes(search.value.toLowerCase()))));
  });
  return h(
    "section",
    { class: "card" },
    h("p", {}, t("metoo_help")),
    h("div", { class: "field" }, h("label", { for: "search" }, t("search")), search),
    open.length ? meTooList(shown) : h("p", {}, t("no_open")),
  );
}

function meTooList(tickets) {
  return h(
    "ul",
    { class: "list", id: "metoo-list" },
    tickets.map((tk) =>
      h(
        "li",
        { class: "item", "data-ticket": tk.id },
        h("p", { class: "item-title" }, `${villageName(tk.village)} · ${tk.categories.map(categoryLabel).join(", ")}`),
        h("p", {}, tk.description),
        h("p", { class: "meta" }, `${pick(app.form.statuses[tk.status])} · ${t("people_now", { n: tk.people_affected })}`),
        app.meToo === tk.id
          ? meTooForm(tk)
          : h("button", { type: "button", onclick: () => ((app.meToo = tk.id), (app.formErrors = []), render()) }, t("metoo_button")),
      ),
    ),
  );
}

// ---------------------------------------------------------------- outbox

// The server's words for each field, in the user's language when they are one of the rules the app
// knows (form.json carries each rule in English exactly as the API says it, and in Vietnamese).
function serverMessage(message) {
  const rule = Object.values(app.form.rules).find((r) => r.en === message);
  if (!rule || app.lang === "en") return message;
  return `${pick(rule)} (${message})`;
}

function problemView(problem) {
  if (!problem) return null;
  const errors = problem.errors || [];
  const lines = errors.length
    ? errors.map((e) => {
        const field = fieldOfPath(e.path);
        const label = field && app.form.fields[field] ? pick(app.form.fields[field]) : e.path;
        return h("li", {}, h("strong", {}, `${label}: `), serverMessage(e.message), field && app.form.hints[field] ? h("span", { class: "hint" }, `${t("what_to_change")} ${pick(app.form.hints[field])}`) : null);
      })
    : [h("li", {}, problem.detail || problem.title || "")];
  return h("div", { class: "problem", role: "note" }, h("p", {}, t("refused_help")), h("ul", {}, lines));
}

function itemLines(item) {
  if (item.kind === "occurrence") {
    return [h("p", { class: "item-title" }, `${t("kind_occurrence")} · ${villageName(item.village)}`), h("p", {}, item.summary)];
  }
  const b = item.body;
  return [
    h("p", { class: "item-title" }, `${t("kind_ticket")} · ${villageName(b.village)}`),
    h("p", { class: "meta" }, b.categories.map(categoryLabel).join(", ")),
    h("p", {}, b.description.length > 120 ? `${b.description.slice(0, 120)}…` : b.description),
  ];
}

function outboxItem(item) {
  const actions = [];
  if (item.state === "refused" && item.kind === "ticket") {
    actions.push(h("button", { type: "button", onclick: () => ((app.editing = item), (app.tab = "record"), (app.formErrors = []), render()) }, t("fix")));
  }
  if (item.state === "conflict" && item.kind === "ticket") {
    actions.push(
      h("button", {
        type: "button",
        onclick: async () => {
          const id = uuid();
          await dropItem(item.id);
          await putItem({ ...item, id, body: { ...item.body, id }, state: "waiting", problem: null });
          await refresh();
          sync("manual");
        },
      }, t("as_new")),
    );
  }
  if (item.state === "refused" || item.state === "conflict") {
    actions.push(
      h("button", {
        type: "button",
        class: "danger",
        onclick: async () => {
          if (!window.confirm(t("discard_confirm"))) return;
          await dropItem(item.id);
          await refresh();
        },
      }, t("discard")),
    );
  }
  return h(
    "li",
    { class: "item", "data-id": item.id, "data-state": item.state },
    h("p", { class: `badge state-${item.state}` }, t(`state_${item.state}`)),
    itemLines(item),
    h("p", { class: "meta" }, when(item.created_at)),
    item.state === "conflict" ? h("p", {}, t("conflict_help")) : problemView(item.state === "refused" ? item.problem : null),
    actions.length ? h("div", { class: "actions" }, actions) : null,
  );
}

function exportUnsent() {
  const payload = { exported_at: new Date().toISOString(), team: app.team?.team, items: app.items };
  const blob = new Blob([JSON.stringify(payload, null, 2)], { type: "application/json" });
  const link = h("a", { href: URL.createObjectURL(blob), download: `outbox-${app.team?.team || "team"}-${localInputValue(new Date()).replace(/[:T]/g, "-")}.json` });
  document.body.append(link);
  link.click();
  link.remove();
}

// The other half of the export: a new phone of the same team takes the old one's unsent items. Each
// keeps its id, so one the old phone did send after all is a replay on the server, never a second
// ticket; one already in this outbox (or sent from it) is left as it is. The whole file is checked
// before anything is written: a wrong file changes nothing.
async function importFile(file) {
  let items;
  try {
    items = outboxFileItems(JSON.parse(await file.text()));
  } catch (error) {
    app.notice = { kind: "alert", text: t("import_unreadable", { why: error instanceof SyntaxError ? "JSON" : error.message }) };
    render();
    return;
  }
  if (items.team !== app.team.team) {
    app.notice = { kind: "alert", text: t("import_other_team", { theirs: items.team, ours: app.team.team }) };
    render();
    return;
  }
  const known = new Set([...(await outboxItems()), ...(await sentItems(Infinity))].map((item) => item.id));
  const fresh = items.items.filter((item) => !known.has(item.id));
  const now = new Date().toISOString();
  for (const item of fresh) await putItem({ ...item, state: "waiting", problem: null, updated_at: now });
  app.notice = { kind: "ok", text: t("imported", { n: fresh.length, known: items.items.length - fresh.length }) };
  await refresh();
  if (fresh.length) await sync("imported");
}

function importButton() {
  const input = h("input", { type: "file", id: "import-file", accept: ".json,application/json", hidden: true, onchange: () => input.files[0] && importFile(input.files[0]) });
  return [input, h("button", { type: "button", onclick: () => input.click() }, t("import"))];
}

function connectionLine() {
  if (status.signedOut) return t("signed_out_title");
  if (status.state === "sending") return t("status_sending");
  if (status.state === "offline") return t("status_offline");
  return status.lastContact ? t("status_idle", { time: status.lastContact.toLocaleTimeString(app.lang === "vi" ? "vi-VN" : "en-GB") }) : t("status_never");
}

function outboxScreen() {
  return h(
    "section",
    { class: "card" },
    h("p", { id: "outbox-count", class: "count", "data-count": app.items.length }, t("outbox_count", { n: app.items.length })),
    h("p", { class: "meta", id: "connection", "aria-live": "polite" }, connectionLine()),
    h("div", { class: "actions" },
      status.signedOut ? null : h("button", { type: "button", class: "primary", onclick: () => sync("manual") }, t("send_now")),
      h("button", { type: "button", onclick: exportUnsent, disabled: !app.items.length }, t("export")),
      status.signedOut ? null : importButton(),
    ),
    h("p", { class: "meta" }, t("export_help")),
    h("p", { class: "meta" }, app.persisted ? t("persisted_yes") : t("persisted_no")),
    app.items.length ? h("ul", { class: "list", id: "outbox" }, app.items.map(outboxItem)) : h("p", {}, t("empty_outbox")),
    app.sent.length
      ? [h("h2", {}, t("recently_sent")), h("ul", { class: "list", id: "sent" }, app.sent.map((item) => h("li", { class: "item", "data-id": item.id, "data-state": "sent" }, h("p", { class: "badge state-sent" }, t(`sent_${item.outcome}`)), itemLines(item), h("p", { class: "meta" }, when(item.sent_at)))))]
      : null,
  );
}

// ---------------------------------------------------------------- the team's tickets

function ticketsScreen() {
  // Newest observation first (a batch arrives at one moment, so the server's order says little).
  const tickets = [...app.team.tickets].sort((a, b) => b.observed_at.localeCompare(a.observed_at));
  return h(
    "section",
    { class: "card" },
    h("p", {}, t("tickets_help")),
    tickets.length
      ? h("ul", { class: "list", id: "tickets" }, tickets.map((tk) =>
          h("li", { class: "item", "data-ticket": tk.id, "data-status": tk.status },
            h("p", { class: `badge status-${tk.status}` }, pick(app.form.statuses[tk.status])),
            h("p", { class: "item-title" }, `${villageName(tk.village)} · ${tk.categories.map(categoryLabel).join(", ")}`),
            h("p", {}, tk.description),
            h("p", { class: "meta" }, `${serviceLabel(tk.service)} · ${t("people_now", { n: tk.people_affected })} · ${t("observed")} ${when(tk.observed_at)}`),
            tk.resolution ? h("p", {}, h("strong", {}, `${t("resolution")}: `), pick(app.form.resolutions[tk.resolution])) : null,
            tk.rejection_reason ? h("p", {}, h("strong", {}, `${t("rejection")}: `), tk.rejection_reason) : null,
            tk.official_note && tk.official_note !== tk.rejection_reason ? h("p", { class: "official-note" }, h("strong", {}, `${t("official_note")}: `), tk.official_note) : null,
          )))
      : h("p", {}, t("no_tickets")),
  );
}

// ---------------------------------------------------------------- the page

const TABS = ["record", "metoo", "outbox", "tickets"];

function render() {
  document.documentElement.lang = app.lang;
  document.title = t("app");
  const header = h(
    "header",
    { class: "bar" },
    h("div", {}, h("h1", {}, t("app")), app.team ? h("p", { class: "team" }, t("team_line", { team: app.team.team, commune: app.team.commune.name })) : null),
    h("button", { type: "button", class: "lang", lang: app.lang === "vi" ? "en" : "vi", onclick: async () => { app.lang = app.lang === "vi" ? "en" : "vi"; await setValue("lang", app.lang); render(); } }, t("other_lang")),
  );
  const main = h("main", { id: "main" });
  const enrolled = app.token && app.team && app.form;
  if (!enrolled || status.signedOut) {
    main.append(enrollScreen(status.signedOut));
    if (status.signedOut && app.items.length) main.append(outboxScreen());
  } else {
    main.append(
      h("nav", { class: "tabs", "aria-label": t("app") },
        TABS.map((tab) => h("button", { type: "button", "aria-current": app.tab === tab ? "page" : false, onclick: () => { app.tab = tab; app.notice = null; app.formErrors = []; app.meToo = null; render(); } },
          tab === "outbox" ? `${t("tab_outbox")} (${app.items.length})` : t(`tab_${tab}`)))),
    );
    if (app.notice) main.append(h("p", { class: app.notice.kind === "ok" ? "notice" : "alert", role: app.notice.kind === "ok" ? "status" : "alert" }, app.notice.text));
    main.append({ record: recordScreen, metoo: meTooScreen, outbox: outboxScreen, tickets: ticketsScreen }[app.tab]());
  }
  document.body.replaceChildren(header, main);
}

async function refresh() {
  app.items = await outboxItems();
  app.sent = await sentItems();
  app.team = (await getValue("team")) || null;
  app.token = (await getValue("token")) || null;
  status.signedOut = Boolean(await getValue("signed_out"));
  render();
}

// While someone is typing (a form is open), a sync in the background only updates the counts.
async function refreshQuietly() {
  app.items = await outboxItems();
  app.sent = await sentItems();
  app.team = (await getValue("team")) || app.team;
  status.signedOut = Boolean(await getValue("signed_out"));
  const typing = app.tab === "record" || (app.tab === "metoo" && (app.meToo || app.search));
  const outboxTab = document.querySelector("nav.tabs button:nth-child(3)");
  if (typing && outboxTab && !status.signedOut) {
    outboxTab.textContent = `${t("tab_outbox")} (${app.items.length})`;
    return;
  }
  render();
}

async function loadForm() {
  try {
    const response = await fetch("/team/form.json");
    if (response.ok) {
      const form = await response.json();
      await setValue("form", form);
      return form;
    }
  } catch {
    // Offline and not cached yet: the copy kept below.
  }
  return getValue("form");
}

async function main() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/team/sw.js", { scope: "/team/" }).catch(() => {});
  app.lang = (await getValue("lang")) || "vi";
  app.form = await loadForm();
  app.persisted = navigator.storage?.persisted ? await navigator.storage.persisted() : false;
  await refresh();
  onChange(() => refreshQuietly());
  window.addEventListener("hashchange", enrollFromLink);
  await enrollFromLink();
  await start();
}

// The link's code rides in the fragment (#enroll=...), which the browser never sends to a server.
// It leaves the address bar and the history at once.
async function enrollFromLink() {
  const match = /[#&]enroll=([^&]+)/.exec(location.hash);
  if (!match) return;
  history.replaceState(null, "", location.pathname);
  await enroll(decodeURIComponent(match[1]));
}

main();
