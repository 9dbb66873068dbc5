/* The demo host's user switcher: choosing a user submits the form (without JavaScript, its
   Switch button does). A file, not an inline onchange, so the pages' Content-Security-Policy
   (script-src 'self') holds. */
(function () {
  "use strict";
  var select = document.getElementById("demo-user");
  if (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  }
}());
