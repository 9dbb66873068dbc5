/* contact-segments: progressive enhancement for the plugin's pages (no dependencies).
   Every form works without this file; with it, actions open in <dialog>s, the segment
   drop-down searches as you type, drag-and-drop uploads work, and the import
   progress updates live (notifications: notifications.js). */
(function () {
  "use strict";
  var root = document.getElementById("segments-root");
  if (!root) { return; }
  var csrf = root.getAttribute("data-csrf");
  var locale = root.getAttribute("data-locale") || undefined;
  var numbers = new Intl.NumberFormat(locale);
  var pluralRules = new Intl.PluralRules(locale);

  function $(selector, scope) { return (scope || document).querySelector(selector); }
  function $all(selector, scope) { return Array.prototype.slice.call((scope || document).querySelectorAll(selector)); }
  function format(template, values) {
    return template.replace(/%\((\w+)\)[sd]/g, function (_, key) { return values[key]; });
  }
  /* A sentence with a count: ``forms`` is the JSON the server wrote of every plural form of the
     page's language ({"one": ..., "other": ...}); the count is written the language's way. */
  function countSentence(forms, count) {
    var byCategory = JSON.parse(forms);
    var template = byCategory[pluralRules.select(count)] || byCategory.other;
    return format(template, { num: numbers.format(count) });
  }
  function getJSON(url) {
    return fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); });
  }
  function debounce(fn, wait) {
    var timer;
    return function () { var args = arguments; clearTimeout(timer); timer = setTimeout(function () { fn.apply(null, args); }, wait); };
  }

  /* ---------------------------------------------------------------- dialogs */
  function openDialog(dialog, opener) {
    if (!dialog) { return; }
    dialog._opener = opener || document.activeElement;
    if (!dialog.open) { dialog.showModal(); }
    var first = $("input:not([type=hidden]):not([disabled]), button:not([data-close-dialog])", dialog);
    if (first) { first.focus(); }
  }
  $all("dialog.seg-dialog").forEach(function (dialog) {
    dialog.addEventListener("close", function () {
      var opener = dialog._opener;
      if (opener && !document.contains(opener) && opener.getAttribute && opener.getAttribute("href")) {
        /* the list was re-rendered (search as you type): focus the same control again */
        opener = $('a[href="' + CSS.escape(opener.getAttribute("href")) + '"]');
      }
      if (opener && document.contains(opener)) { opener.focus(); }
    });
    $all("[data-close-dialog]", dialog).forEach(function (button) {
      button.addEventListener("click", function () { dialog.close(); });
    });
  });

  /* ---------------------------------------------------------------- selection */
  var checks = $all(".contact-check");
  var selectPage = $("#select-page");
  var allMatching = $("#select-all-matching");
  var summary = $("#bulk-summary");

  function selection() {
    var ids = checks.filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
    return { ids: ids, all: !!(allMatching && allMatching.checked) };
  }
  function describeSelection(element) {
    if (!element) { return; }
    var chosen = selection();
    if (chosen.all) { element.textContent = element.getAttribute("data-all"); }
    else if (chosen.ids.length) { element.textContent = countSentence(element.getAttribute("data-some"), chosen.ids.length); }
    else { element.textContent = element.getAttribute("data-none"); }
  }
  function refreshSelection() {
    if (selectPage) {
      var ticked = checks.filter(function (box) { return box.checked; }).length;
      selectPage.checked = ticked > 0 && ticked === checks.length;
      selectPage.indeterminate = ticked > 0 && ticked < checks.length;
    }
    if (allMatching && allMatching.checked) { checks.forEach(function (box) { box.checked = true; }); }
    if (summary && (summary._touched || selection().ids.length || selection().all)) { summary._touched = true; describeSelection(summary); }
  }
  if (selectPage) {
    selectPage.addEventListener("change", function () {
      checks.forEach(function (box) { box.checked = selectPage.checked; });
      if (!selectPage.checked && allMatching) { allMatching.checked = false; }
      refreshSelection();
    });
  }
  checks.forEach(function (box) {
    box.addEventListener("change", function () {
      if (!box.checked && allMatching) { allMatching.checked = false; }
      refreshSelection();
    });
  });
  if (allMatching) {
    allMatching.addEventListener("change", function () {
      if (!allMatching.checked) { checks.forEach(function (box) { box.checked = false; }); }
      refreshSelection();
    });
  }
  function copySelection(container) {
    container.textContent = "";
    var chosen = selection();
    function hidden(name, value) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = name; input.value = value; container.appendChild(input);
    }
    if (chosen.all) { hidden("all_matching", "1"); }
    else { chosen.ids.forEach(function (id) { hidden("contact_ids", id); }); }
  }

  /* ---------------------------------------------------------------- segment drop-down */
  var dropdown = $("#segment-dropdown");
  var segmentSearch = $("#segment-search");
  var segmentList = $("#segment-list");
  var icons = {};
  ["activity", "rename", "delete"].forEach(function (kind) {
    var sample = segmentList && $("[data-" + kind + "] svg", segmentList);
    if (sample) { icons[kind] = sample.cloneNode(true); }
  });
  function segmentItem(item) {
    var li = document.createElement("li");
    li.className = "seg-dropdown__item";
    li.setAttribute("data-segment-id", item.id);
    var link = document.createElement("a");
    link.href = item.filter_url;
    var name = document.createElement("span"); name.className = "seg-dropdown__name"; name.textContent = item.name; name.title = item.name;
    var count = document.createElement("span"); count.className = "seg-count"; count.textContent = item.count_label;
    link.appendChild(name); link.appendChild(count); li.appendChild(link);
    function iconLink(kind, href, label, data) {
      var a = document.createElement("a");
      a.href = href; a.className = "seg-icon-button" + (kind === "delete" ? " seg-icon-button--danger" : "");
      a.setAttribute("data-" + kind, data); a.title = label;
      a.setAttribute("aria-label", format(segmentList.getAttribute("data-" + kind + "-name"), { name: item.name }));
      if (icons[kind]) { a.appendChild(icons[kind].cloneNode(true)); } else { a.textContent = label; }
      li.appendChild(a);
    }
    iconLink("activity", item.activity_url, segmentList.getAttribute("data-activity-label"), "");
    if (segmentList.getAttribute("data-can-rename") === "1") { iconLink("rename", item.rename_url, segmentList.getAttribute("data-rename-label"), item.name); }
    if (segmentList.getAttribute("data-can-delete") === "1") { iconLink("delete", item.delete_url, segmentList.getAttribute("data-delete-label"), item.delete_confirmation); }
    return li;
  }
  if (segmentSearch && segmentList) {
    var searchSegments = debounce(function () {
      var url = segmentSearch.getAttribute("data-search-url") + "?q=" + encodeURIComponent(segmentSearch.value) +
        "&list_q=" + encodeURIComponent(segmentSearch.getAttribute("data-list-q") || "");
      getJSON(url).then(function (data) {
        var first = segmentList.firstElementChild;
        segmentList.textContent = "";
        segmentList.appendChild(first);
        data.items.forEach(function (item) { segmentList.appendChild(segmentItem(item)); });
        if (!data.items.length) {
          var empty = document.createElement("li"); empty.className = "seg-dropdown__empty";
          empty.textContent = segmentList.getAttribute("data-empty-label"); segmentList.appendChild(empty);
        }
        var more = $("#segment-more"); if (more) { more.hidden = data.total <= data.items.length; }
      }).catch(function () { /* the Search button still works */ });
    }, 150);
    segmentSearch.addEventListener("input", searchSegments);
    segmentSearch.form.addEventListener("submit", function (event) { event.preventDefault(); searchSegments(); });
  }
  if (dropdown) {
    dropdown.addEventListener("toggle", function () { if (dropdown.open && segmentSearch) { segmentSearch.focus(); } });
    dropdown.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { dropdown.open = false; $("summary", dropdown).focus(); }
    });
  }
  document.addEventListener("click", function (event) {
    $all("details.seg-dropdown[open], details.seg-menu[open]").forEach(function (details) {
      if (!details.contains(event.target) && !event.target.closest("dialog")) { details.open = false; }
    });
  });

  /* ---------------------------------------------------------------- segment name fields */
  /* A name field states its limit; a longer name is refused with the reason while the user
     types (nothing is cut), and the server refuses it too. */
  function refusalOf(input) { return document.getElementById(input.getAttribute("data-name-field")); }
  function showRefusal(input, message) {
    var refusal = refusalOf(input);
    refusal.textContent = message;
    refusal.hidden = !message;
    if (message) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
  }
  function nameTooLong(input) {
    var name = input.value.normalize("NFC").replace(/\s+/g, " ").trim();
    return Array.from(name).length > +input.getAttribute("data-max-length");
  }
  function checkName(input) {
    showRefusal(input, nameTooLong(input) ? input.getAttribute("data-too-long") : "");
  }
  $all("input[data-name-field]").forEach(function (input) {
    input.addEventListener("input", function () { checkName(input); });
    if (nameTooLong(input)) { checkName(input); }
  });

  /* A dialog's form is sent from where the user is: a refusal (blank or taken name, ...) is
     shown in the dialog, with what was typed and the ticked contacts kept; success goes where
     the server says. Without fetch, or when the answer is not one the dialog can show (an
     expired form, a segment deleted meanwhile), the form is sent the plain way. */
  function submitInPlace(form, beforeSend) {
    var input = $("input[data-name-field]", form);
    var button = $("button[type=submit]", form);
    function plainly() { HTMLFormElement.prototype.submit.call(form); }
    form.addEventListener("submit", function (event) {
      if (beforeSend) { beforeSend(); }
      if (!window.fetch || !window.FormData) { return; }
      event.preventDefault();
      if (nameTooLong(input)) { checkName(input); input.focus(); return; }
      button.disabled = true;
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          if (answer.redirect) { window.location.assign(answer.redirect); return; }
          if (!answer.message || answer.code === "csrf") { plainly(); return; }
          button.disabled = false;
          showRefusal(input, answer.message);
          input.focus();
        })
        .catch(plainly);
    });
  }

  /* ---------------------------------------------------------------- rename / delete dialogs */
  var renameDialog = $("#rename-dialog");
  var deleteDialog = $("#delete-dialog");
  document.addEventListener("click", function (event) {
    var rename = event.target.closest("[data-rename]");
    var remove = event.target.closest("[data-delete]");
    if (rename && renameDialog) {
      event.preventDefault();
      var form = $("#rename-form");
      form.action = rename.getAttribute("href");
      $("#rename-name").value = rename.getAttribute("data-rename");
      showRefusal($("#rename-name"), "");
      openDialog(renameDialog, rename);
      $("#rename-name").select();
    } else if (remove && deleteDialog) {
      event.preventDefault();
      $("#delete-form").action = remove.getAttribute("href");
      $("#delete-dialog-text").textContent = remove.getAttribute("data-delete");
      openDialog(deleteDialog, remove);
    }
  });

  /* ---------------------------------------------------------------- create segment dialog */
  var createButton = $("#create-segment-button");
  var createDialog = $("#create-dialog");
  if (createButton && createDialog) {
    createButton.addEventListener("click", function (event) {
      event.preventDefault();
      describeSelection($("#create-dialog-count"));
      openDialog(createDialog, createButton);
    });
    submitInPlace($("#create-form"), function () { copySelection($("#create-selection")); });
  }
  if (renameDialog) { submitInPlace($("#rename-form")); }

  /* ---------------------------------------------------------------- bulk actions */
  var bulkDialog = $("#bulk-dialog");
  if (bulkDialog) {
    var bulkOp = $("#bulk-op");
    var pickerList = $("#bulk-picker-list");
    var pickerSearch = $("#bulk-segment-search");
    var loadPicker = debounce(function () {
      var url = segmentSearch.getAttribute("data-search-url") + "?q=" + encodeURIComponent(pickerSearch.value);
      getJSON(url).then(function (data) {
        pickerList.textContent = "";
        var current = pickerList.getAttribute("data-current");
        data.items.forEach(function (item, index) {
          var label = document.createElement("label"); label.className = "seg-picker__option";
          var radio = document.createElement("input");
          radio.type = "radio"; radio.name = "segment_id"; radio.value = item.id; radio.required = true;
          if (bulkOp.value === "remove" && String(item.id) === current) { radio.checked = true; }
          var name = document.createElement("span"); name.className = "seg-picker__name"; name.textContent = item.name;
          var count = document.createElement("span"); count.className = "seg-count"; count.textContent = item.count_label;
          label.appendChild(radio); label.appendChild(name); label.appendChild(count); pickerList.appendChild(label);
        });
        if (!data.items.length) {
          var empty = document.createElement("p"); empty.className = "seg-empty";
          empty.textContent = segmentList ? segmentList.getAttribute("data-empty-label") : "";
          pickerList.appendChild(empty);
        }
      });
    }, 120);
    pickerSearch.addEventListener("input", loadPicker);
    pickerSearch.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); loadPicker(); } });
    $all("[data-bulk-op]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var menu = $("#bulk-menu"); if (menu) { menu.open = false; }
        var chosen = selection();
        if (!chosen.all && !chosen.ids.length) {
          summary._touched = true; describeSelection(summary);
          summary.classList.add("seg-message", "seg-message--error");
          (selectPage || summary).focus();
          return;
        }
        summary.classList.remove("seg-message", "seg-message--error");
        bulkOp.disabled = false;
        bulkOp.value = button.getAttribute("data-bulk-op");
        $("#bulk-dialog-title").textContent = button.getAttribute("data-title");
        $("#bulk-dialog-submit").textContent = button.getAttribute("data-confirm");
        describeSelection($("#bulk-dialog-count"));
        pickerSearch.value = "";
        loadPicker();
        openDialog(bulkDialog, $("#bulk-menu summary") || button);
      });
    });
    bulkDialog.addEventListener("close", function () { bulkOp.disabled = true; });
  }

  /* ---------------------------------------------------------------- import: drag and drop */
  $all("[data-dropzone]").forEach(function (zone) {
    var input = $("input[type=file]", zone);
    var label = $(".seg-dropzone__file", zone);
    function show() { if (label) { label.textContent = input.files.length ? input.files[0].name : label.getAttribute("data-empty"); } }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("is-over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("is-over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        show();
      }
    });
    input.addEventListener("change", show);
  });

  /* ---------------------------------------------------------------- import: progress */
  var progress = $("[data-import-status-url]");
  if (progress) {
    var bar = $("progress", progress);
    var text = $(".seg-progress__text", progress);
    var tick = function () {
      getJSON(progress.getAttribute("data-import-status-url")).then(function (data) {
        /* the badge, the bar and the sentence follow the same status answer */
        bar.max = data.progress_max;
        if (data.progress_value === null) { bar.removeAttribute("value"); } else { bar.value = data.progress_value; }
        if (text && data.progress_label) { text.textContent = data.progress_label; }
        var badge = document.getElementById("import-status");
        if (badge && data.status_label) {
          badge.textContent = data.status_label;
          badge.className = "seg-status seg-status--" + data.status;
        }
        if (text) {
          var problem = !!(data.waiting && data.waiting.problem);
          text.classList.toggle("seg-message", problem); text.classList.toggle("seg-message--error", problem);
        }
        progress.setAttribute("data-status", data.status);
        if (data.ended || data.can_resume) {
          if (window.segmentsPollNotifications) { window.segmentsPollNotifications(); }
          setTimeout(function () { window.location.reload(); }, 300);
        } else { setTimeout(tick, 500); }
      }).catch(function () { setTimeout(tick, 2000); });
    };
    if (progress.getAttribute("data-ended") !== "1") { tick(); }
  }

  /* ---------------------------------------------------------------- import: undo under way */
  /* the import's page reloads itself while its undo waits or runs */
  var reloading = $("[data-reload-after-ms]");
  if (reloading) {
    setTimeout(function () { window.location.reload(); }, parseInt(reloading.getAttribute("data-reload-after-ms"), 10) || 2000);
  }

  /* ---------------------------------------------------------------- contacts list */
  /* choosing another order shows the first page of the list in that order */
  $all("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form.requestSubmit) { select.form.requestSubmit(); } else { select.form.submit(); }
    });
  });
}());
