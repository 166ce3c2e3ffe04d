// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  function syncHer2Kind(form) {
    var kind = form.querySelector("select[name=kind]");
    if (!kind) { return; }
    var sets = form.querySelectorAll("fieldset[data-kind]");
    for (var i = 0; i < sets.length; i++) {
      var on = sets[i].getAttribute("data-kind") === kind.value;
      sets[i].hidden = !on;
      sets[i].disabled = !on;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("her2-form");
    if (form) {
      syncHer2Kind(form);
      form.addEventListener("change", function (ev) {
        if (ev.target && ev.target.name === "kind") { syncHer2Kind(form); }
      });
    }
  });
})();
