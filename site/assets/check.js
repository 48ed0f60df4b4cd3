// "Check my situation": a gated section shows its other questions once its gate is answered
// yes (or an amount above zero). Without this script every question is shown; the form works the same.
(function () {
  "use strict";
  function open(gate) {
    var v = (gate.value || "").trim().toLowerCase();
    return v === "yes" || (v !== "" && v !== "no" && !/^\$?0+(\.0+)?$/.test(v));
  }
  document.querySelectorAll("fieldset[data-gate]").forEach(function (set) {
    var gate = document.getElementById(set.getAttribute("data-gate"));
    var rest = set.querySelector(".gated");
    if (!gate || !rest) { return; }
    function update() { rest.hidden = !open(gate); }
    gate.addEventListener("change", update);
    gate.addEventListener("input", update);
    update();
  });
})();
