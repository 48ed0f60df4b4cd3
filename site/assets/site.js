// rothkb site: small progressive enhancements; every page works without this script.
(function () {
  "use strict";
  // Printing an explanation prints all of it: open the folded parts first, fold them back after.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
}());
