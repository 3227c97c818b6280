// Character counters: under every textarea with a maxlength (and any input marked
// data-counter), a line saying "120 of 2,000 characters", linked to the field by
// aria-describedby so a screen reader reads it with the field. A separate polite live region
// speaks only near the limit and only once typing pauses, so nobody hears every keystroke.
// Typing is never blocked beyond the maxlength the field already has; without this script
// the field and its limit work the same.
(function () {
  "use strict";

  var PAUSE_MS = 1000;
  var made = 0;

  function format(n) {
    return n.toLocaleString("en-US");
  }

  function nearLimit(max) {
    return Math.max(10, Math.round(max * 0.1));
  }

  function enhance(field) {
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!(max > 0) || field.readOnly || field.disabled || field.getAttribute("data-counted")) {
      return;
    }
    field.setAttribute("data-counted", "");
    made += 1;
    var id = (field.id || "field-" + made) + "-count";
    var count = document.createElement("p");
    count.className = "char-count";
    count.id = id;
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    live.id = id + "-live";
    field.insertAdjacentElement("afterend", count);
    count.insertAdjacentElement("afterend", live);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + id);

    var timer = null;
    var said = "";

    function show() {
      var left = max - field.value.length;
      count.textContent = format(field.value.length) + " of " + format(max) + " characters";
      count.classList.toggle("near-limit", left <= nearLimit(max));
    }

    function announce() {
      var left = max - field.value.length;
      var text = "";
      if (left <= 0) {
        text = "Limit reached: " + format(max) + " characters";
      } else if (left <= nearLimit(max)) {
        text = format(left) + (left === 1 ? " character left" : " characters left");
      }
      if (text !== said) {
        live.textContent = text;
        said = text;
      }
    }

    field.addEventListener("input", function () {
      show();
      clearTimeout(timer);
      timer = setTimeout(announce, PAUSE_MS);
    });
    show();
  }

  function enhanceAll() {
    document.querySelectorAll("textarea[maxlength], input[maxlength][data-counter]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhanceAll);
  } else {
    enhanceAll();
  }
})();
