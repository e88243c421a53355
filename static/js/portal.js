// Progressive enhancements only: every page works without this file.
"use strict";

document.addEventListener("submit", function (event) {
  // Ask before destructive actions marked with data-confirm.
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the first invalid field so keyboard and screen-reader users land on it.
  var invalid = document.querySelector("[aria-invalid='true']");
  if (invalid) {
    invalid.focus();
  }
});

// Document lines: add a row in place instead of posting the form back to the server.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-add-line]");
  if (!button) {
    return;
  }
  var table = button.closest("fieldset").querySelector("[data-line-rows] tbody");
  var rows = table.querySelectorAll("[data-line-row]");
  if (!rows.length) {
    return;
  }
  event.preventDefault();
  var next = rows.length;
  var clone = rows[rows.length - 1].cloneNode(true);
  clone.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
    ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
      var value = el.getAttribute(attr);
      if (value) {
        el.setAttribute(attr, value.replace(/lines-\d+-/g, "lines-" + next + "-"));
      }
    });
    if (el.matches("input[type=checkbox]")) {
      el.checked = false;
    } else if (el.matches("input, textarea")) {
      el.value = "";
    } else if (el.matches("select")) {
      el.selectedIndex = 0;
    }
    el.removeAttribute("aria-invalid");
  });
  clone.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
  table.appendChild(clone);
  var first = clone.querySelector("select, input");
  if (first) {
    first.focus();
  }
});

// Sign-up: preselect the browser's own time zone (the server guessed from the language).
document.addEventListener("DOMContentLoaded", function () {
  var select = document.querySelector("select[data-detect-time-zone]");
  if (!select || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) {
    return;
  }
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === zone) {
      select.value = zone;
      return;
    }
  }
});

// The customer's link: a button copies it (without JavaScript the text is there to select).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      input.focus();
      input.select();
      var done = function () { button.textContent = button.getAttribute("data-copied"); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () {});
      } else if (document.execCommand && document.execCommand("copy")) {
        done();
      }
    });
  });
  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
});
