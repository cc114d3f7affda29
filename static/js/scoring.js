/*
 * The scoring page, enhanced (it works without this file):
 * - keyboard: j / Alt+ArrowDown and k / Alt+ArrowUp move between criteria; 1–4 rate the
 *   focused criterion (fulfilled, partially, not fulfilled, not applicable where offered);
 * - autosave hygiene: a save whose values equal the last saved ones is not sent again
 *   (a blur after the debounced keyup, a Tab into the rationale).
 */
(function () {
  "use strict";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-score-row]"));
  }

  function snapshot(form) {
    var checked = form.querySelector('input[name="rating"]:checked');
    var rationale = form.querySelector('textarea[name="rationale"]');
    return (checked ? checked.value : "") + "\u0000" + (rationale ? rationale.value : "");
  }

  function remember(root) {
    (root || document).querySelectorAll(".score-form").forEach(function (form) {
      form.dataset.saved = snapshot(form);
    });
    if (root && root.classList && root.classList.contains("score-form")) {
      root.dataset.saved = snapshot(root);
    }
  }

  function move(from, step) {
    var all = rows();
    var index = all.indexOf(from);
    var next = all[index < 0 ? 0 : index + step];
    if (next) {
      next.focus();
      next.scrollIntoView({ block: "center" });
    }
  }

  document.addEventListener("keydown", function (event) {
    var row = event.target.closest ? event.target.closest("[data-score-row]") : null;
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName) && event.target.type !== "radio";
    if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      move(row, event.key === "ArrowDown" ? 1 : -1);
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey || event.target !== row || !row) {
      return;
    }
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      move(row, event.key === "j" ? 1 : -1);
    } else if (/^[1-4]$/.test(event.key)) {
      var radio = row.querySelector('input[name="rating"][data-key="' + event.key + '"]');
      if (!radio) return;
      event.preventDefault();
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
      var rationale = row.querySelector('textarea[name="rationale"]');
      if (radio.value !== "fulfilled" && rationale && !rationale.value.trim()) {
        rationale.focus();
      }
    }
  });

  // A save that changes nothing is not sent (the version guard would still hold).
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("score-form")) return;
    var trigger = event.detail && event.detail.triggeringEvent;
    // An explicit submit (the button, "keep mine") is always sent.
    if (trigger && trigger.type === "submit") return;
    // While a conflict is shown the auditor chooses first (keep mine / take the saved one);
    // autosaving now would only be refused again.
    if (form.querySelector(".score-conflict")) {
      event.preventDefault();
      return;
    }
    if (form.dataset.saved === snapshot(form)) event.preventDefault();
  });

  // What was sent, so that text typed while the request runs is not taken as saved.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (form.classList && form.classList.contains("score-form")) form.dataset.pending = snapshot(form);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form.classList || !form.classList.contains("score-form")) return;
    var row = form.closest("[data-score-row]");
    var ok = event.detail.xhr && event.detail.xhr.status === 200;
    if (ok) {
      form.dataset.saved = form.dataset.pending || snapshot(form);
      if (row) {
        row.classList.toggle("is-scored", !!form.querySelector('input[name="rating"]:checked'));
        row.classList.remove("has-problem");
      }
    } else if (row) {
      row.classList.add("has-problem");
    }
  });

  document.addEventListener("htmx:load", function (event) {
    remember(event.detail.elt);
  });
  document.addEventListener("DOMContentLoaded", function () {
    remember(document);
  });
})();
