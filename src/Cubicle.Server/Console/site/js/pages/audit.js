// The Audit page: CloudTrail's LookupEvents over Cubicle's audit log, with its filters (one lookup attribute,
// a time range), NextToken paging, and each event's full record (CloudTrailEvent) shown as indented JSON.
import { html, useState, useId } from "../lib.js";
import { call } from "../api.js";
import { usePoll, usePages, Pager, InlineError, Modal, formatTime, parseLocalTime } from "../ui.js";

const KEYS = ["EventName", "ResourceName", "ResourceType", "Username", "AccessKeyId", "EventSource", "EventId",
  "ReadOnly"];
const PAGE_SIZES = [10, 25, 50]; // LookupEvents returns at most 50 a page

function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text ?? ""; }
}

function EventDialog({ event, onClose }) {
  return html`<${Modal} title=${`${event.EventName} · ${formatTime(event.EventTime)}`} onClose=${onClose}
      label="event" wide>
    <p>Event <code>${event.EventId}</code> by <strong>${event.Username}</strong>
      ${` (${event.AccessKeyId}), ${event.ReadOnly === "true" ? "read-only" : "a change"}.`}</p>
    <pre class="event-json" tabindex="0" aria-label="CloudTrailEvent JSON"
      ><code>${pretty(event.CloudTrailEvent)}</code></pre>
  </${Modal}>`;
}

// The console's own pages read often (the WorkSpaces table polls): by default, only the changes are listed.
const DEFAULT_QUERY = { LookupAttributes: [{ AttributeKey: "ReadOnly", AttributeValue: "false" }] };

function Filters({ onSearch }) {
  const [form, setForm] = useState({ key: "ReadOnly", value: "false", start: "", end: "" });
  const ids = { key: useId(), value: useId(), start: useId(), end: useId() };
  const set = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });
  const submit = (e) => {
    e.preventDefault();
    const query = {};
    if (form.value.trim()) query.LookupAttributes = [{ AttributeKey: form.key, AttributeValue: form.value.trim() }];
    const start = parseLocalTime(form.start), end = parseLocalTime(form.end);
    if (start !== undefined) query.StartTime = start;
    if (end !== undefined) query.EndTime = end;
    onSearch(query);
  };
  return html`<form class="filters audit-filters" aria-label="Filter events" onSubmit=${submit}>
    <div class="field"><label for=${ids.key}>Attribute</label>
      <select id=${ids.key} name="attributeKey" value=${form.key} onChange=${set("key")}>
        ${KEYS.map(k => html`<option key=${k} value=${k}>${k}</option>`)}
      </select></div>
    <div class="field"><label for=${ids.value}>Value</label>
      <input id=${ids.value} name="attributeValue" value=${form.value} spellcheck="false"
        placeholder=${form.key === "ReadOnly" ? "true or false" : "any"} onInput=${set("value")} /></div>
    <div class="field"><label for=${ids.start}>From (UTC)</label>
      <input id=${ids.start} name="startTime" type="datetime-local" step="1" value=${form.start}
        onInput=${set("start")} /></div>
    <div class="field"><label for=${ids.end}>To (UTC)</label>
      <input id=${ids.end} name="endTime" type="datetime-local" step="1" value=${form.end} onInput=${set("end")} />
    </div>
    <div class="field field-button"><button type="submit" id="audit-search">Search</button></div>
  </form>`;
}

export function Audit() {
  const [query, setQuery] = useState(DEFAULT_QUERY);
  const [searches, setSearches] = useState(0);
  const [pageSize, setPageSize] = useState(25);
  const [data, setData] = useState({ events: null, next: null, error: null });
  const [open, setOpen] = useState(null);
  const queryKey = JSON.stringify([query, pageSize, searches]);
  const pages = usePages(queryKey);

  // Loaded once per search or page (ms 0: no polling); Search runs it again even with the same filters.
  usePoll(async (alive) => {
    setData({ events: null, next: null, error: null });
    try {
      const out = await call("cloudtrail:LookupEvents",
        { ...query, MaxResults: pageSize, ...(pages.token ? { NextToken: pages.token } : {}) });
      if (alive()) setData({ events: out.Events ?? [], next: out.NextToken ?? null, error: null });
    } catch (error) {
      if (alive()) setData({ events: [], next: null, error });
    }
  }, [queryKey, pages.token], 0);

  return html`<section class="page audit" aria-labelledby="audit-title">
    <div class="page-head"><h1 id="audit-title">Audit</h1></div>
    <${Filters} onSearch=${q => { setQuery(q); setSearches(n => n + 1); }} />
    <${InlineError} error=${data.error} />
    <div class="table-scroll" role="region" tabindex="0" aria-label="Events table">
      <table class="striped events-table">
        <thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">User</th>
          <th scope="col" class="optional">Access key</th><th scope="col" class="optional">Source</th>
          <th scope="col">Resources</th><th scope="col"><span class="visually-hidden">Record</span></th></tr></thead>
        <tbody>
          ${data.events === null && html`<tr><td colspan="7" aria-busy="true">Loading…</td></tr>`}
          ${data.events?.length === 0 && html`<tr><td colspan="7" class="empty">No events.</td></tr>`}
          ${(data.events ?? []).map(ev => html`<tr key=${ev.EventId} data-event-id=${ev.EventId}
              data-event-name=${ev.EventName}>
            <td class="nowrap">${formatTime(ev.EventTime)}</td>
            <td><strong>${ev.EventName}</strong>${ev.ReadOnly === "true" ? html` <small>(read)</small>` : ""}</td>
            <td>${ev.Username}</td><td class="optional"><code>${ev.AccessKeyId}</code></td>
            <td class="optional">${ev.EventSource}</td>
            <td class="resources">${(ev.Resources ?? []).map(r => html`<div key=${r.ResourceType + r.ResourceName}>
              <code>${r.ResourceName}</code> <small>${r.ResourceType}</small></div>`)}</td>
            <td><button type="button" class="outline small view-json" aria-label=${"View JSON of " + ev.EventId}
              onClick=${() => setOpen(ev)}>JSON</button></td>
          </tr>`)}
        </tbody>
      </table>
    </div>
    <${Pager} pages=${pages} nextToken=${data.next} pageSize=${pageSize} onPageSize=${setPageSize}
      sizes=${PAGE_SIZES} label="Event pages" />
    ${open && html`<${EventDialog} event=${open} onClose=${() => setOpen(null)} />`}
  </section>`;
}
