// The visit draft saves itself: a few seconds after the last change, when a field loses focus
// and when the page is hidden. The server answers {"version": n}; a 409 means the draft changed
// elsewhere: the page says so and keeps everything typed here.
(() => {
  "use strict";
  const form = document.getElementById("visit-form");
  if (!form || !form.dataset.autosave) return;

  const DELAY_MS = 3000;
  const url = form.dataset.autosave;
  const msg = form.dataset;
  const status = document.getElementById("save-status");
  const conflictBox = document.getElementById("save-conflict");
  const versionInput = form.querySelector("input[name=version]");

  let dirty = false; // changes not yet sent
  let timer = null;
  let inflight = null; // the running save, if any
  let blocked = false; // a conflict waits for the user's decision
  let serverVersion = null;

  // A copy of the unsaved text in this tab's sessionStorage (gone when the tab closes), so
  // an expired login or a crash between autosaves loses nothing.
  const backupKey = `weibao-visit-draft:${url}`;
  function backup() {
    const values = {};
    for (const el of form.elements) {
      if (!el.name || el.type === "hidden" || el.type === "file" || el.type === "submit") continue;
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) values[`${el.name}=${el.value}`] = true;
        else values[`${el.name}=${el.value}`] = false;
      } else {
        values[el.name] = el.value;
      }
    }
    try {
      sessionStorage.setItem(backupKey, JSON.stringify(values));
    } catch (_) {
      /* storage full or disabled: the server autosave still runs */
    }
  }
  function dropBackup() {
    try {
      sessionStorage.removeItem(backupKey);
    } catch (_) {
      /* nothing to do */
    }
  }
  function restore() {
    let values = null;
    try {
      values = JSON.parse(sessionStorage.getItem(backupKey) || "null");
    } catch (_) {
      values = null;
    }
    if (!values) return false;
    let restored = false;
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.type === "radio" || el.type === "checkbox") {
        const key = `${el.name}=${el.value}`;
        if (key in values && el.checked !== values[key]) {
          el.checked = values[key];
          restored = true;
        }
      } else if (el.name in values && el.value !== values[el.name] && el.type !== "hidden") {
        el.value = values[el.name];
        restored = true;
      }
    }
    return restored;
  }

  function say(text, kind) {
    if (!status) return;
    status.textContent = text;
    status.dataset.kind = kind || "";
  }

  function showFieldErrors(errors) {
    form.querySelectorAll("[data-errors-for]").forEach((box) => {
      const list = (errors && errors[box.dataset.errorsFor]) || [];
      box.replaceChildren(
        ...list.map((text) => {
          const p = document.createElement("p");
          p.className = "error";
          p.textContent = text;
          return p;
        }),
      );
      box.closest(".field, .question")?.classList.toggle("has-error", list.length > 0);
    });
  }

  function showConflict(message, version) {
    blocked = true;
    serverVersion = version;
    if (conflictBox) {
      conflictBox.querySelector("[data-conflict-text]").textContent = message;
      const keep = conflictBox.querySelector("[data-conflict-keep]");
      if (keep) keep.hidden = typeof version !== "number";
      conflictBox.hidden = false;
      conflictBox.scrollIntoView({ block: "center", behavior: "smooth" });
    }
    say(msg.msgUnsaved, "error");
  }

  // This tab's id and count of saves (kept across reloads of the tab): the server accepts a
  // save from the tab that saved last even if this page's version is older, which it is when
  // the page was reloaded while its last save was still on the way.
  const tabKey = "weibao-tab";
  let tab = "";
  try {
    tab = sessionStorage.getItem(tabKey) || "";
    if (!tab) {
      tab = (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random()}`.slice(0, 40);
      sessionStorage.setItem(tabKey, tab);
    }
  } catch (_) {
    tab = ""; // no storage: every stale version is a conflict, as before
  }
  function nextSeq() {
    try {
      const seq = Number(sessionStorage.getItem(`${tabKey}-seq`) || "0") + 1;
      sessionStorage.setItem(`${tabKey}-seq`, String(seq));
      return seq;
    } catch (_) {
      return 0;
    }
  }

  function send(keepalive) {
    dirty = false;
    say(msg.msgSaving, "saving");
    const body = new FormData(form);
    if (tab) {
      body.append("tab", tab);
      body.append("tab_seq", String(nextSeq()));
    }
    return fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" },
      keepalive: Boolean(keepalive),
    })
      .then(async (response) => {
        if (response.redirected && new URL(response.url).pathname.startsWith("/accounts/login/")) {
          dirty = true;
          say(msg.msgLogin, "error");
          return;
        }
        const data = await response.json().catch(() => ({}));
        if (response.ok && typeof data.version === "number") {
          if (!dirty) dropBackup();
          versionInput.value = String(data.version);
          const fieldErrors = data.errors && Object.keys(data.errors).length;
          showFieldErrors(data.errors);
          say(fieldErrors ? msg.msgFix : `${msg.msgSaved} ${data.saved_at || ""}`, fieldErrors ? "error" : "ok");
        } else if (response.status === 409) {
          dirty = true;
          showConflict(data.message || msg.msgFailed, data.version);
        } else {
          dirty = true;
          say(msg.msgFailed, "error");
        }
      })
      .catch(() => {
        dirty = true;
        say(msg.msgOffline, "error");
      });
  }

  // One save at a time; a change made during a save is sent right after it.
  function save(keepalive) {
    clearTimeout(timer);
    timer = null;
    if (blocked || !dirty) return inflight || Promise.resolve();
    if (inflight) return inflight.then(() => save(keepalive));
    inflight = send(keepalive).finally(() => {
      inflight = null;
    });
    return inflight;
  }

  function changed() {
    dirty = true;
    backup();
    if (!blocked) say(msg.msgUnsaved, "");
    clearTimeout(timer);
    timer = setTimeout(() => save(false), DELAY_MS);
  }

  if (restore()) {
    dirty = true;
    say(msg.msgRestored, "error");
    timer = setTimeout(() => save(false), DELAY_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("focusout", () => {
    if (dirty) save(false);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && dirty) save(true);
  });
  window.addEventListener("pagehide", () => {
    if (dirty) save(true);
  });
  window.addEventListener("online", () => {
    if (dirty) save(false);
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty || inflight) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // "Save my version": the user has seen the message and chooses to overwrite.
  conflictBox?.querySelector("[data-conflict-keep]")?.addEventListener("click", () => {
    if (typeof serverVersion === "number") versionInput.value = String(serverVersion);
    blocked = false;
    conflictBox.hidden = true;
    dirty = true;
    save(false);
  });

  // Submitting sends everything itself; wait for a running save so its version is current.
  let submitting = false;
  form.addEventListener("submit", (event) => {
    clearTimeout(timer);
    if (submitting) return;
    if (inflight) {
      event.preventDefault();
      const submitter = event.submitter;
      inflight.then(() => {
        submitting = true;
        dirty = false;
        form.requestSubmit(submitter);
      });
      return;
    }
    submitting = true;
    dirty = false;
  });

  // Uploading an attachment leaves the page: save the typed text first.
  document.querySelectorAll("form[data-flush-draft]").forEach((upload) => {
    upload.addEventListener("submit", (event) => {
      if (!dirty && !inflight) return;
      event.preventDefault();
      save(false).then(() => {
        if (!dirty && !blocked) upload.submit();
      });
    });
  });
})();

// Forms that destroy something ask first.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset?.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
