// "Check my situation": show a section only for the goals it can matter to (data-goals), and the
// questions behind a gate once the gate is answered yes (or an amount above zero). Without this
// script every question is shown; the form submits the same either way.
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
  var goals = document.querySelectorAll("input[name=goal]");
  function showGoal() {
    var chosen = document.querySelector("input[name=goal]:checked");
    if (!chosen) { return; }
    document.querySelectorAll("fieldset[data-goals]").forEach(function (set) {
      set.hidden = (" " + set.getAttribute("data-goals") + " ").indexOf(" " + chosen.value + " ") < 0;
    });
  }
  goals.forEach(function (g) { g.addEventListener("change", showGoal); });
  showGoal();
})();
