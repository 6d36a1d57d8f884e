/* liangshan web: the header menu on small screens, tables that scroll in their own box. No inline scripts. */
(function () {
  "use strict";
  var WIDE = "(min-width: 1000px)";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  /* The menu is open in the HTML (usable without scripts); on a narrow screen it starts closed. */
  function menu() {
    var d = document.getElementById("site-menu");
    if (!d || !window.matchMedia) return;
    var mq = window.matchMedia(WIDE);
    function apply() { d.open = mq.matches; }
    apply();
    if (mq.addEventListener) mq.addEventListener("change", apply); else if (mq.addListener) mq.addListener(apply);
  }

  /* Every table of the page scrolls inside a focusable box, so the page itself never gets wider than the screen. */
  function wrapTables(root) {
    root.querySelectorAll("main table").forEach(function (t) {
      var p = t.parentElement;
      if (!p || p.classList.contains("table-wrap")) return;
      var w = document.createElement("div");
      w.className = "table-wrap";
      w.tabIndex = 0;
      var cap = t.querySelector("caption");
      w.setAttribute("role", "region");
      w.setAttribute("aria-label", cap ? cap.textContent.trim() : "表格（可左右滑动）");
      p.insertBefore(w, t);
      w.appendChild(t);
    });
  }

  onReady(function () {
    menu();
    wrapTables(document);
    document.body.addEventListener("htmx:afterSwap", function (ev) { wrapTables(ev.target.ownerDocument || document); });
  });
})();
