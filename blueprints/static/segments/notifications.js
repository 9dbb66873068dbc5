/* In-app notifications (the tray of segments/_notifications.html): one notice per import (a
   newer notice about an import replaces the older one), the newest `data-visible` shown and the
   others counted in "+N more", success notices hidden (and marked read) after
   `data-hide-after-ms` (read each time, so a page or a test may change it), failures kept until
   dismissed; "Dismiss all" marks them all read. New ones come from polling notifications.json. */
(function () {
  "use strict";
  var tray = document.getElementById("segments-notifications");
  if (!tray) { return; }
  var root = document.getElementById("segments-root");
  var csrf = root ? root.getAttribute("data-csrf") : "";
  var lastId = 0;

  function toasts() { return Array.prototype.slice.call(tray.querySelectorAll(".seg-toast")); }
  function post(url) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response; });
  }

  /* Show the newest ones, count the rest, and note when each was first shown. */
  function layout() {
    var all = toasts();
    var hiddenCount = Math.max(all.length - +(tray.getAttribute("data-visible") || 3), 0);
    all.forEach(function (toast, index) {
      toast.hidden = index < hiddenCount;
      if (!toast.hidden && !toast._shownAt) { toast._shownAt = Date.now(); }
    });
    var more = tray.querySelector(".seg-notifications__more");
    more.hidden = !hiddenCount;
    more.textContent = tray.getAttribute("data-more-label").replace("{num}", hiddenCount);
    tray.querySelector(".seg-notifications__bar").hidden = all.length < 2;
  }

  function dismiss(toast) {
    if (toast._leaving) { return; }
    toast._leaving = true;
    post(toast.querySelector("form").action)
      .then(function () { toast.remove(); layout(); })
      .catch(function () { toast._leaving = false; });
  }

  function addToast(note) {
    lastId = Math.max(lastId, note.id);
    if (tray.querySelector('.seg-toast[data-id="' + note.id + '"]')) { return; }
    if (note.import_id !== null && note.import_id !== undefined) {
      toasts().forEach(function (old) {
        if (old.getAttribute("data-import-id") === String(note.import_id)) { old.remove(); }
      });
    }
    var toast = document.createElement("div");
    toast.className = "seg-toast seg-toast--" + note.level;
    toast.setAttribute("data-id", note.id);
    toast.setAttribute("data-level", note.level);
    if (note.import_id !== null && note.import_id !== undefined) { toast.setAttribute("data-import-id", note.import_id); }
    toast.setAttribute("role", "status");
    var text = document.createElement("p"); text.className = "seg-toast__text"; text.textContent = note.message;
    toast.appendChild(text);
    if (note.link) {
      var link = document.createElement("a"); link.className = "seg-toast__link"; link.href = note.link;
      link.textContent = tray.getAttribute("data-open-label"); toast.appendChild(link);
    }
    var form = document.createElement("form"); form.className = "seg-toast__dismiss"; form.method = "post";
    form.action = note.read_url;
    var button = document.createElement("button"); button.type = "submit"; button.textContent = "×";
    button.setAttribute("aria-label", tray.getAttribute("data-dismiss-label"));
    button.title = tray.getAttribute("data-dismiss-label");
    form.appendChild(button); toast.appendChild(form); tray.appendChild(toast);
  }

  tray.addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    if (form.classList.contains("seg-notifications__dismiss-all")) {
      post(form.action).then(function () {
        toasts().forEach(function (toast) { toast.remove(); });
        layout();
      }).catch(function () {});
    } else {
      dismiss(form.closest(".seg-toast"));
    }
  });

  function poll() {
    var url = tray.getAttribute("data-poll-url") + (lastId ? "?after=" + lastId : "");
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (data) { data.items.forEach(addToast); layout(); })
      .catch(function () {});
  }

  /* Success notices hide by themselves once shown for data-hide-after-ms; failures stay. */
  function hideSeen() {
    var delay = +(tray.getAttribute("data-hide-after-ms") || 6000);
    var now = Date.now();
    toasts().forEach(function (toast) {
      if (!toast.hidden && toast.getAttribute("data-level") === "success" && toast._shownAt && now - toast._shownAt >= delay) {
        dismiss(toast);
      }
    });
  }

  toasts().forEach(function (toast) { lastId = Math.max(lastId, +toast.getAttribute("data-id")); });
  layout();
  setInterval(poll, +(tray.getAttribute("data-poll-ms") || 3000));
  setInterval(hideSeen, 200);
  window.segmentsPollNotifications = poll;
}());
