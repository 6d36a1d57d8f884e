// Review list: "select all on this page" for the batch approval (the form works without it, row by row).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var all = document.getElementById("rv-all");
    if (!all) return;
    var picks = function () { return document.querySelectorAll("input.rv-pick"); };
    all.addEventListener("change", function () {
      picks().forEach(function (c) { c.checked = all.checked; });
    });
  });
})();
