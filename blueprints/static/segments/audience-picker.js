/* The audience picker (segments/audience_picker.html): filters the segments as the user types,
   keeps a segment out of include and exclude at once, and asks the plugin for the recipients per
   channel whenever the choice changes. Without this script the picker's own buttons do the same
   by submitting the composer's form. */
(function () {
  "use strict";

  function setUp(picker) {
    var form = picker.closest("form");
    var search = picker.querySelector("input[type=search]");
    var rows = Array.prototype.slice.call(picker.querySelectorAll(".segments-picker__row"));
    var empty = picker.querySelector(".segments-picker__empty");
    var status = picker.querySelector(".segments-picker__status");
    var outputs = picker.querySelectorAll(".segments-picker__count");
    var pending = null;
    var asked = 0;

    picker.classList.add("segments-picker--live");
    if (search && search.value) {  // the server filtered; this script filters all rows itself
      search.value = "";
    }

    function filter() {
      var needle = search.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var chosen = row.querySelector("input:checked") !== null;
        var match = chosen || row.getAttribute("data-name").indexOf(needle) !== -1;
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      empty.hidden = shown > 0 || rows.length === 0;
    }

    function chosen(name) {
      return Array.prototype.map.call(picker.querySelectorAll("input[name=" + name + "]:checked"),
        function (box) { return "&" + name + "=" + encodeURIComponent(box.value); }).join("");
    }

    function count() {
      var ticket = ++asked;
      var url = picker.getAttribute("data-count-url") + "?" + (chosen("include") + chosen("exclude")).slice(1);
      picker.setAttribute("aria-busy", "true");
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          return response.json().then(function (body) { return {ok: response.ok, body: body}; });
        })
        .then(function (answer) {
          if (ticket !== asked) { return; }
          picker.removeAttribute("aria-busy");
          if (!answer.ok) { throw new Error(answer.body.error ? answer.body.error.message : "error"); }
          Array.prototype.forEach.call(outputs, function (output) {
            var channel = output.getAttribute("data-channel");
            output.textContent = answer.body.written[channel];
            output.setAttribute("data-count", answer.body.counts[channel]);
          });
          status.textContent = "";
          picker.dispatchEvent(new CustomEvent("segments:counted", {bubbles: true, detail: answer.body}));
        })
        .catch(function () {
          if (ticket !== asked) { return; }
          picker.removeAttribute("aria-busy");
          status.textContent = picker.getAttribute("data-error");
        });
    }

    function later() {
      window.clearTimeout(pending);
      pending = window.setTimeout(count, 150);
    }

    picker.addEventListener("change", function (event) {
      var box = event.target;
      if (box.type !== "checkbox") { return; }
      if (box.checked) {  // one segment is included or excluded, never both
        var other = box.closest("tr").querySelector(box.name === "include" ? "input[name=exclude]" : "input[name=include]");
        if (other) { other.checked = false; }
      }
      later();
    });
    if (search) {
      search.addEventListener("input", filter);
      search.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); }  // Enter must not send the message
      });
    }
    if (form) { picker.setAttribute("data-ready", "true"); }
    filter();
  }

  Array.prototype.forEach.call(document.querySelectorAll(".segments-picker"), setUp);
}());
