// Copy buttons for one-time links. Without JavaScript the buttons stay hidden and the
// read-only text field (selected on focus) is the way to copy.
(function () {
  "use strict";
  function announce(id, text) {
    var status = document.getElementById(id + "-status");
    if (status) { status.textContent = text; }
  }
  document.querySelectorAll(".link-field").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });
  document.querySelectorAll(".copy-button").forEach(function (button) {
    var id = button.getAttribute("data-copy");
    var field = document.getElementById(id);
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      field.select();
      var done = function () { announce(id, "Copied. Paste it into your message."); };
      var fallback = function () {
        try { document.execCommand("copy"); done(); }
        catch (e) { announce(id, "Select the link and copy it with your keyboard."); }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
})();
