/* The demo host's top bar: choosing a user or a language submits its form (without JavaScript,
   the Switch and Change buttons do). A file, not an inline onchange, so the pages'
   Content-Security-Policy (script-src 'self') holds. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("select.demo-autosubmit"), function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
}());
