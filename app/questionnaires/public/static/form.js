// The form works without this script. With it, the whole questionnaire stays one entry in
// the tab's history, so "Leave quickly" (which replaces that entry) leaves no form page
// behind for whoever picks up the phone next.
"use strict";

function replaceWith(url) {
  window.location.replace(url);
}

document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-leave], a[data-replace]");
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) {
    return;
  }
  event.preventDefault();
  replaceWith(link.href);
});

document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post") {
    return;
  }
  event.preventDefault();
  var body = new URLSearchParams(new FormData(form, event.submitter || undefined));
  var buttons = form.querySelectorAll("button");
  buttons.forEach(function (button) { button.disabled = true; });
  fetch(form.action, { method: "POST", body: body, credentials: "same-origin" })
    .then(function (response) {
      if (response.redirected) {
        replaceWith(response.url);  // the next page takes this page's place in history
        return null;
      }
      return response.text().then(function (html) {
        // A page with errors (or the passcode page again): show it in place, same entry.
        document.open();
        document.write(html);
        document.close();
      });
    })
    .catch(function () {
      buttons.forEach(function (button) { button.disabled = false; });
      form.submit();  // offline or blocked: fall back to a plain post
    });
});
